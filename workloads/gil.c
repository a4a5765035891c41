/* gil.c - the gil scenario: why CPython's threads lose a CPU-bound race.
 *
 * CPython runs bytecode only while holding its global interpreter lock and
 * lets go of it every switch interval (5 ms) so that another thread may
 * take it. Here each task runs the cpu scenario's multiply-add chain the
 * same way: it takes the lock `gil`, computes until GIL_INTERVAL_NS of its
 * own CPU time has passed, releases the lock and takes it again. Only the
 * holder computes, so threads use one CPU however many there are, and
 * processes, each with its own interpreter and so its own lock, use them
 * all.
 *
 * The lock is a plain pthread mutex, as the GIL was before CPython 3.2: a
 * thread that releases it and asks again at once usually gets it back
 * before the waiter it woke has even been scheduled. The run counts every
 * take of the lock and how many went to another task than the one that
 * held it last: few, for threads. (CPython 3.2 and later make the holder
 * wait until a waiter has taken the lock, at the price of a switch every
 * interval; that cures the starvation, not the single CPU.)
 *
 * The chain and its check are the cpu scenario's: chain.c.
 *
 * gil_job() is the job, the same in every model; the lock it takes is the
 * launcher's, made for the model. The models are started by launch.c,
 * from the gil_<model>_run() functions at the end:
 *	processes	fork: each process takes its own copy of gil, waitpid
 *	threads		pthread_create, all take the one gil, pthread_join
 *	coroutines	a coro_mutex, coro_spawn, coro_run; a task releases it
 *			and yields every interval
 *	serial		the tasks one after another, the lock uncontended
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "workloads/chain.h"
#include "workloads/gil.h"
#include "workloads/launch.h"

#define GIL_TASKS	4
#define GIL_MAX_TASKS	10000u
#define GIL_OPS		250000000ull /* per task: about 0.25 s of one CPU */
#define GIL_INTERVAL_NS 5000000	     /* sys.getswitchinterval(): 5 ms */
#define GIL_CHECK_OPS	(1ull << 16) /* steps between clock reads */

/* The interpreter lock. Threads and the serial run take this global, so
 * a futex wait on its address resolves to the symbol gil. A forked
 * process has a copy of its own: one interpreter, one lock. */
struct gil {
	struct launch_lock lock; /* first: its mutex is gil's address */
	int holder;		 /* the task that took it last, -1: none yet */
};

static struct gil gil;

_Static_assert(offsetof(struct gil, lock) == 0, "the lock starts gil");

/* A task's slot: its chain, then its takes of the lock. */
struct gil_task {
	struct chain_task base;
	uint64_t takes;	     /* times it took the lock */
	uint64_t taken_over; /* of those, from another task */
	uint64_t waits;	     /* takes that found the lock held */
	uint64_t cpu_ns;     /* CPU time spent computing, lock held */
	uint64_t end_ns;     /* CLOCK_MONOTONIC */
};

/* Computes while holding the lock, until the chain is done or the task
 * has had its interval of CPU; returns where the chain got to. */
static uint64_t gil_hold(struct gil_task *t, uint64_t ops, uint64_t x)
{
	struct chain_task *s = &t->base;
	uint64_t c0 = tasks_clock_ns(CLOCK_THREAD_CPUTIME_ID), used;

	do {
		uint64_t n = ops - s->base.done < GIL_CHECK_OPS
				     ? ops - s->base.done
				     : GIL_CHECK_OPS;

		x = chain_run(&s->chain, x, n);
		s->base.done += n;
		used = tasks_clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	} while (s->base.done < ops && used < GIL_INTERVAL_NS);
	t->cpu_ns += used;
	return x;
}

/* The job, the same in every model: take the lock, compute an interval,
 * let go, again until the chain is done. A try first, only to count the
 * takes that had to wait; the lock call does the waiting. The kernel
 * schedules threads and processes; a coroutine has to let the others run
 * itself, once it has let go of the lock. */
static void gil_job(struct launch_task *lt)
{
	struct gil_task *t = (struct gil_task *)lt;
	struct gil *g = lt->run->shared;
	uint64_t ops = lt->run->ops, x = t->base.chain.x0;

	while (t->base.base.done < ops) {
		if (launch_lock_try(&g->lock) != 0) {
			t->waits++;
			launch_lock_take(&g->lock);
		}
		t->takes++;
		if (g->holder >= 0 && g->holder != (int)lt->id)
			t->taken_over++;
		g->holder = (int)lt->id;
		x = gil_hold(t, ops, x);
		launch_lock_give(&g->lock);
		launch_pause(lt);
	}
	t->base.x = x;
	t->end_ns = tasks_clock_ns(CLOCK_MONOTONIC);
}

static int gil_prepare(struct launch *l, const struct workload_params *p)
{
	return chain_steps(l, p, GIL_OPS);
}

static int gil_setup(struct launch *l)
{
	struct gil *g = l->shared;

	g->holder = -1;
	return chain_setup(l);
}

/* One line for the reader: the wall time against the CPU used, how often
 * the lock went to another task, and when the first and the last task
 * finished: with a lock that is rarely handed over, one task runs to its
 * end while the others wait. */
static void gil_report(const struct launch *l)
{
	uint64_t cpu = 0, takes = 0, over = 0, waits = 0;
	uint64_t first = UINT64_MAX, last = 0;
	double secs = (double)(l->joined_ns - l->start_ns) / 1e9;
	char extra[120] = "";

	for (unsigned i = 0; i < l->n; i++) {
		const struct gil_task *t = launch_slot(l, i);

		cpu += t->cpu_ns;
		takes += t->takes;
		over += t->taken_over;
		waits += t->waits;
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
	       "task (%.1f%%), %llu after a wait; first task done at %.3f s, "
	       "last at %.3f s%s\n",
	       l->name, l->n, (unsigned long long)l->ops, secs,
	       secs > 0 ? (double)cpu / 1e9 / secs : 0,
	       (unsigned long long)takes, (unsigned long long)over,
	       takes ? 100.0 * (double)over / (double)takes : 0,
	       (unsigned long long)waits, (double)(first - l->start_ns) / 1e9,
	       (double)(last - l->start_ns) / 1e9, extra);
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
