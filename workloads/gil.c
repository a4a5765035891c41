/* gil.c - the gil scenario: why CPython's threads lose a CPU-bound race.
 *
 * CPython runs bytecode only while holding its global interpreter lock, the
 * GIL. Each task here runs the cpu scenario's multiply-add chain the same
 * way: it takes the lock, computes until it must let go, lets go and takes
 * it again. Only the holder computes, so threads use one CPU however many
 * there are, and processes, each with its own interpreter and so its own
 * lock, use them all.
 *
 * The lock, in gil_lock.c, is CPython's since 3.2 (Python/ceval_gil.c,
 * take_gil and drop_gil), cut down to what decides who runs:
 *	- the GIL is a flag, locked, guarded by a mutex (CPython's
 *	  gil->mutex; here the launcher's lock at the start of gil)
 *	- a thread that finds it taken waits on a condition, gil_cond, at most
 *	  a switch interval (5 ms, sys.getswitchinterval()) at a time; when an
 *	  interval passed and the GIL did not change hands, it sets a drop
 *	  request
 *	- the holder looks at the request every few microseconds (CPython's
 *	  "eval breaker"); asked, it clears the flag, signals gil_cond and
 *	  waits on gil_switch_cond until another thread has taken the GIL
 *	  (FORCE_SWITCHING), so that the thread that asked, not the one that
 *	  let go, runs next
 * A thread alone is never asked and never lets go. With others waiting the
 * GIL changes hands about once an interval, each time through the kernel:
 * a wakeup, a switch, and a timed wait per waiter and interval.
 *
 * gil-old-threads is the GIL before 3.2: a plain mutex released after each
 * interval of the holder's CPU and asked for again at once (CPython let go
 * every 100 bytecodes; here the same 5 ms, so that only who gets it next
 * differs). The thread that lets go is running and asks within
 * nanoseconds; the waiter it woke must first be scheduled, so the same
 * thread usually gets the lock back and the others starve: what made
 * CPython 3.2 hand the lock over.
 *
 * The futex words a trace shows, each named by the symbol it lies in:
 *	gil		the mutex: held for moments, waited on briefly
 *	gil_cond+...	where waiters sleep (glibc waits on one of two words
 *			inside a condition variable)
 *	gil_switch_cond+...	where the thread that let go waits for a taker
 *	gil_switch_mutex	held for moments
 * The chain and its check are the cpu scenario's: chain.c.
 *
 * gil_job() is the job, the same in every model, from the gil_<model>_run()
 * functions at the end; launch.c starts the models:
 *	processes	fork: each process takes its own copy of the GIL,
 *			never waits, never lets go before its end; waitpid
 *	threads		pthread_create, all take the one GIL, pthread_join
 *	coroutines	a coro_mutex, coro_spawn, coro_run: no other task runs
 *			to ask, so a task lets go of it and yields after each
 *			interval of its CPU
 *	serial		the tasks one after another, the GIL uncontended
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "workloads/chain.h"
#include "workloads/gil.h"
#include "workloads/gil_lock.h"
#include "workloads/launch.h"

#define GIL_TASKS	 4
#define GIL_MAX_TASKS	 10000u
#define GIL_OPS		 250000000ull /* per task: about 0.25 s of one CPU */
#define GIL_CHECK_OPS	 (1ull << 12) /* steps between looks at a request */
#define GIL_CLOCK_CHECKS 16	      /* by the clock: looks between reads */

/* A task's slot: its chain, then its takes of the lock. */
struct gil_task {
	struct chain_task base;
	struct gil_counts lock;
	uint64_t cpu_ns; /* CPU time spent computing, lock held */
	uint64_t end_ns; /* CLOCK_MONOTONIC */
};

/* The eval breaker: whether the holder must let go now. Asked to, or,
 * by_clock, once an interval of its CPU has passed since c0 (the clock
 * read every few looks: reading a thread's CPU clock is a system call). */
static int gil_must_let_go(const struct gil *g, int by_clock, unsigned looks,
			   uint64_t c0)
{
	if (!by_clock)
		return gil_asked(g);
	return looks % GIL_CLOCK_CHECKS == 0 &&
	       tasks_clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0 >= GIL_INTERVAL_NS;
}

/* Computes holding the lock until the chain is done or the holder must
 * let go; returns where the chain got to. */
static uint64_t gil_hold(struct gil *g, struct gil_task *t, uint64_t ops,
			 uint64_t x, int by_clock)
{
	struct chain_task *s = &t->base;
	uint64_t c0 = tasks_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	unsigned looks = 0;

	while (s->base.done < ops) {
		uint64_t n = ops - s->base.done < GIL_CHECK_OPS
				     ? ops - s->base.done
				     : GIL_CHECK_OPS;

		x = chain_run(&s->chain, x, n);
		s->base.done += n;
		if (gil_must_let_go(g, by_clock, ++looks, c0))
			break;
	}
	t->cpu_ns += tasks_clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	return x;
}

/* Take the lock, compute, let go, again until the chain is done; plain:
 * the old GIL's mutex, let go by the clock. The kernel schedules threads
 * and processes; a coroutine has to let the others run itself, once it
 * has let go of the lock. */
static void gil_run(struct launch_task *lt, int plain)
{
	struct gil_task *t = (struct gil_task *)lt;
	struct gil *g = lt->run->shared;
	uint64_t ops = lt->run->ops, x = t->base.chain.x0;

	while (t->base.base.done < ops) {
		if (plain)
			gil_plain_take(g, lt->id, &t->lock);
		else
			gil_take(g, lt->id, &t->lock);
		x = gil_hold(g, t, ops, x, plain);
		if (plain)
			gil_plain_drop(g);
		else
			gil_drop(g, lt->id, t->base.base.done == ops);
		launch_pause(lt);
	}
	t->base.x = x;
	t->end_ns = tasks_clock_ns(CLOCK_MONOTONIC);
}

/* The job, the same in every model; coroutines have their coro_mutex. */
static void gil_job(struct launch_task *lt)
{
	gil_run(lt, ((struct gil *)lt->run->shared)->lock.coro != NULL);
}

static void gil_old_job(struct launch_task *lt)
{
	gil_run(lt, 1);
}

static int gil_prepare(struct launch *l, const struct workload_params *p)
{
	return chain_steps(l, p, GIL_OPS);
}

/* The GIL, before any fork: each process has a copy. */
static int gil_setup(struct launch *l)
{
	if (gil_lock_make(l->shared, l->name) != 0)
		return -1;
	return chain_setup(l);
}

static void gil_teardown(struct launch *l)
{
	(void)l;
	gil_lock_free();
}

/* One line for the reader: the wall time against the CPU used, how often
 * the lock went to another task and after how many requests, and when the
 * first and the last task finished: with a lock that is rarely handed
 * over, one task runs to its end while the others wait. */
static void gil_report(const struct launch *l)
{
	uint64_t cpu = 0, takes = 0, over = 0, waits = 0, asked = 0;
	uint64_t first = UINT64_MAX, last = 0;
	double secs = (double)(l->joined_ns - l->start_ns) / 1e9;
	char extra[120] = "";

	for (unsigned i = 0; i < l->n; i++) {
		const struct gil_task *t = launch_slot(l, i);

		cpu += t->cpu_ns;
		takes += t->lock.takes;
		over += t->lock.taken_over;
		waits += t->lock.waits;
		asked += t->lock.requests;
		first = t->end_ns < first ? t->end_ns : first;
		last = t->end_ns > last ? t->end_ns : last;
	}
	if (l->model == LAUNCH_PROCESSES)
		snprintf(extra, sizeof(extra), "; one lock per process");
	else if (l->model == LAUNCH_COROUTINES)
		snprintf(extra, sizeof(extra),
			 "; %llu switches: each release yields to the next in "
			 "line",
			 (unsigned long long)l->switches);
	printf("%s: %u tasks x %llu multiply-adds: %.3f s wall, %.2f CPUs "
	       "busy; the lock taken %llu times, %llu of them from another "
	       "task (%.1f%%), %llu after a wait, %llu drop requests; first "
	       "task done at %.3f s, last at %.3f s%s\n",
	       l->name, l->n, (unsigned long long)l->ops, secs,
	       secs > 0 ? (double)cpu / 1e9 / secs : 0,
	       (unsigned long long)takes, (unsigned long long)over,
	       takes ? 100.0 * (double)over / (double)takes : 0,
	       (unsigned long long)waits, (unsigned long long)asked,
	       (double)(first - l->start_ns) / 1e9,
	       (double)(last - l->start_ns) / 1e9, extra);
	LAB_RESULT(LAB_RESULT_TAKES, takes);
	LAB_RESULT(LAB_RESULT_HANDOFFS, over);
}

static const struct launch_kind gil_kind = {
	.scenario = "gil",
	.prefix = "gil-w",
	.tasks = GIL_TASKS,
	.max_tasks = GIL_MAX_TASKS,
	.run_size = sizeof(struct launch),
	.slot_size = sizeof(struct gil_task),
	.flags = LAUNCH_PIN | LAUNCH_LOCK,
	.shared = &gil,
	.shared_size = sizeof(gil),
	.go_phase = LAB_PHASE_WORK,
	.join_phase = LAB_PHASE_JOIN,
	.job = gil_job,
	.prepare = gil_prepare,
	.setup = gil_setup,
	.check = chain_verdict,
	.report = gil_report,
	.teardown = gil_teardown,
};

/* The same run, but for the lock: a scenario of its own, gil-old. */
static const struct launch_kind gil_old_kind = {
	.scenario = "gil-old",
	.prefix = "gil-old-w",
	.tasks = GIL_TASKS,
	.max_tasks = GIL_MAX_TASKS,
	.run_size = sizeof(struct launch),
	.slot_size = sizeof(struct gil_task),
	.flags = LAUNCH_PIN | LAUNCH_LOCK,
	.shared = &gil,
	.shared_size = sizeof(gil),
	.go_phase = LAB_PHASE_WORK,
	.join_phase = LAB_PHASE_JOIN,
	.job = gil_old_job,
	.prepare = gil_prepare,
	.setup = gil_setup,
	.check = chain_verdict,
	.report = gil_report,
	.teardown = gil_teardown,
};

/* ---- the models, each started by launch.c ---- */

static int gil_processes_run(const struct workload_params *p)
{
	return launch_run(&gil_kind, LAUNCH_PROCESSES, p);
}

static int gil_threads_run(const struct workload_params *p)
{
	return launch_run(&gil_kind, LAUNCH_THREADS, p);
}

static int gil_coroutines_run(const struct workload_params *p)
{
	return launch_run(&gil_kind, LAUNCH_COROUTINES, p);
}

static int gil_serial_run(const struct workload_params *p)
{
	return launch_run(&gil_kind, LAUNCH_SERIAL, p);
}

static int gil_old_threads_run(const struct workload_params *p)
{
	return launch_run(&gil_old_kind, LAUNCH_THREADS, p);
}

const struct workload gil_processes = {
	.name = "gil-processes",
	.scenario = "gil",
	.model = "processes",
	.summary = "N processes, each with its own interpreter lock: parallel",
	.run = gil_processes_run,
};

const struct workload gil_threads = {
	.name = "gil-threads",
	.scenario = "gil",
	.model = "threads",
	.summary = "N threads compute only holding one global lock: one CPU",
	.run = gil_threads_run,
};

const struct workload gil_coroutines = {
	.name = "gil-coroutines",
	.scenario = "gil",
	.model = "coroutines",
	.summary = "N coroutines pass the lock on at every switch interval",
	.run = gil_coroutines_run,
};

const struct workload gil_serial = {
	.name = "gil-serial",
	.scenario = "gil",
	.model = "serial",
	.summary = "the same tasks one after another under the lock",
	.run = gil_serial_run,
};

const struct workload gil_old_threads = {
	.name = "gil-old-threads",
	.scenario = "gil-old",
	.model = "threads",
	.summary = "gil-threads under the GIL before CPython 3.2: starvation",
	.run = gil_old_threads_run,
};
