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
 * The chain, its check and what surrounds the models are the cpu
 * scenario's: chain.c and tasks.c.
 *
 * gil_task_run() is the job, the same in every model; a struct gil_ops
 * says which lock it takes. Below it, one function per model:
 *	processes	fork: each process takes its own copy of gil, waitpid
 *	threads		pthread_create, all take the one gil, pthread_join
 *	coroutines	a coro_mutex, coro_spawn, coro_run; a task releases it
 *			and yields every interval
 *	serial		the tasks one after another, the lock uncontended
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "coro.h"
#include "gil.h"
#include "markers.h"
#include "tasks.h"

#define GIL_TASKS	4
#define GIL_OPS		250000000ull /* per task: about 0.25 s of one CPU */
#define GIL_INTERVAL_NS 5000000	     /* sys.getswitchinterval(): 5 ms */
#define GIL_CHECK_OPS	(1ull << 16) /* steps between clock reads */

/* The interpreter lock. Threads and the serial run take this global, so a
 * futex wait on its address resolves to the symbol gil. A forked process
 * has a copy of its own: one interpreter, one lock. */
struct gil {
	pthread_mutex_t mutex;
	struct coro_mutex *coro; /* what coroutines take instead */
	int holder;		 /* the task that took it last, -1: none yet */
};

static struct gil gil = {.mutex = PTHREAD_MUTEX_INITIALIZER, .holder = -1};

/* A task's slot: what tasks.c keeps for every task, then its takes of the
 * lock. */
struct gil_task {
	struct tasks_slot base;
	uint64_t takes;	     /* times it took the lock */
	uint64_t taken_over; /* of those, from another task */
	uint64_t waits;	     /* takes that found the lock held */
	uint64_t cpu_ns;     /* CPU time spent computing, lock held */
	uint64_t end_ns;     /* CLOCK_MONOTONIC */
};

/* How a task takes the interpreter lock; the job is the same whichever. */
struct gil_ops {
	int (*trylock)(struct gil *g); /* 0 when taken */
	void (*lock)(struct gil *g);
	void (*unlock)(struct gil *g);
	void (*pause)(void); /* after each release, or NULL */
};

static int gil_pthread_try(struct gil *g)
{
	return pthread_mutex_trylock(&g->mutex);
}

static void gil_pthread_take(struct gil *g)
{
	pthread_mutex_lock(&g->mutex);
}

static void gil_pthread_give(struct gil *g)
{
	pthread_mutex_unlock(&g->mutex);
}

static int gil_coro_try(struct gil *g)
{
	return coro_mutex_trylock(g->coro);
}

static void gil_coro_take(struct gil *g)
{
	coro_mutex_lock(g->coro);
}

static void gil_coro_give(struct gil *g)
{
	coro_mutex_unlock(g->coro);
}

/* The kernel schedules threads and processes; a coroutine has to let the
 * others run itself, once it has let go of the lock. */
static const struct gil_ops gil_pthread = {
	.trylock = gil_pthread_try,
	.lock = gil_pthread_take,
	.unlock = gil_pthread_give,
};

static const struct gil_ops gil_coro = {
	.trylock = gil_coro_try,
	.lock = gil_coro_take,
	.unlock = gil_coro_give,
	.pause = coro_yield,
};

/* Computes while holding the lock, until the chain is done or the task
 * has had its interval of CPU; returns where the chain got to. */
static uint64_t gil_hold(struct gil_task *t, uint64_t x)
{
	struct tasks_slot *s = &t->base;
	uint64_t c0 = tasks_clock_ns(CLOCK_THREAD_CPUTIME_ID), used;

	do {
		uint64_t n = s->ops - s->done < GIL_CHECK_OPS ? s->ops - s->done
							      : GIL_CHECK_OPS;

		x = chain_run(&s->chain, x, n);
		s->done += n;
		used = tasks_clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	} while (s->done < s->ops && used < GIL_INTERVAL_NS);
	t->cpu_ns += used;
	return x;
}

/* The job, the same in every model: take the lock, compute an interval,
 * let go, again until the chain is done. A try first, only to count the
 * takes that had to wait; the lock call does the waiting. */
static void gil_task_run(struct gil_task *t, struct gil *g,
			 const struct gil_ops *o)
{
	uint64_t x = t->base.chain.x0;

	while (t->base.done < t->base.ops) {
		if (o->trylock(g) != 0) {
			t->waits++;
			o->lock(g);
		}
		t->takes++;
		if (g->holder >= 0 && g->holder != (int)t->base.id)
			t->taken_over++;
		g->holder = (int)t->base.id;
		x = gil_hold(t, x);
		o->unlock(g);
		if (o->pause)
			o->pause();
	}
	t->base.x = x;
	t->end_ns = tasks_clock_ns(CLOCK_MONOTONIC);
}

/* One line for the reader: the wall time against the CPU used, how often
 * the lock went to another task, and when the first and the last task
 * finished: with a lock that is rarely handed over, one task runs to its
 * end while the others wait. */
static void gil_report(const struct tasks *r, const char *extra)
{
	uint64_t cpu = 0, takes = 0, over = 0, waits = 0;
	uint64_t first = UINT64_MAX, last = 0;

	for (unsigned i = 0; i < r->n; i++) {
		const struct gil_task *t = tasks_slot(r, i);

		cpu += t->cpu_ns;
		takes += t->takes;
		over += t->taken_over;
		waits += t->waits;
		first = t->end_ns < first ? t->end_ns : first;
		last = t->end_ns > last ? t->end_ns : last;
	}
	printf("%s: %u tasks x %llu multiply-adds: %.3f s wall, %.2f CPUs "
	       "busy; the lock taken %llu times, %llu of them from another "
	       "task (%.1f%%), %llu after a wait; first task done at %.3f s, "
	       "last at %.3f s%s\n",
	       r->name, r->n, (unsigned long long)r->ops, r->secs,
	       r->secs > 0 ? (double)cpu / 1e9 / r->secs : 0,
	       (unsigned long long)takes, (unsigned long long)over,
	       takes ? 100.0 * (double)over / (double)takes : 0,
	       (unsigned long long)waits, (double)(first - r->begin_ns) / 1e9,
	       (double)(last - r->begin_ns) / 1e9, extra);
}

static const struct tasks_kind gil_kind = {
	.tasks = GIL_TASKS,
	.ops = GIL_OPS,
	.prefix = "gil-w",
	.slot_size = sizeof(struct gil_task),
	.report = gil_report,
};

/* Judges the run, marks its end and gives back what it holds. */
static int gil_finish(struct tasks *r, int result, const char *extra)
{
	result = tasks_finish(r, result, extra);
	coro_mutex_free(gil.coro);
	gil.coro = NULL;
	return result;
}

/* tasks_begin, then a fresh lock: an earlier one may have been held by a
 * thread that died. with_coro: make the coroutine mutex too. 0 when the
 * run can go on; when it cannot, it has said why and undone what it
 * did. */
static int gil_begin(struct tasks *r, const char *name,
		     const struct workload_params *p, int with_coro)
{
	int err;

	if (tasks_begin(r, &gil_kind, name, p) != 0)
		return -1;
	err = pthread_mutex_init(&gil.mutex, NULL);
	gil.holder = -1;
	gil.coro = with_coro ? coro_mutex_new() : NULL;
	if (!err && (!with_coro || gil.coro))
		return 0;
	fprintf(stderr, "%s: cannot make the lock: %s\n", r->name,
		strerror(err ? err : ENOMEM));
	gil_finish(r, 1, "");
	return -1;
}

/* ---- processes ---- */

static __attribute__((noreturn)) void gil_child(struct gil_task *t)
{
	prctl(PR_SET_NAME, t->base.name);
	if (tasks_pin(&t->base) == 0)
		gil_task_run(t, &gil, &gil_pthread);
	_exit(t->base.failed);
}

static int gil_processes_run(const struct workload_params *p)
{
	struct tasks r;
	int err = 0;

	if (gil_begin(&r, "gil-processes", p, 0) != 0)
		return 1;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct gil_task *t = tasks_slot(&r, i);
		pid_t pid = fork();

		if (pid == 0)
			gil_child(t);
		t->base.pid = pid;
		err = tasks_started(&r, &t->base, pid < 0 ? errno : 0, "fork");
	}
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	for (unsigned i = 0; i < r.n; i++) {
		struct gil_task *t = tasks_slot(&r, i);
		int status = 0;
		pid_t got;

		if (!t->base.started)
			continue;
		while ((got = waitpid(t->base.pid, &status, 0)) < 0 &&
		       errno == EINTR)
			;
		tasks_reaped(&t->base, got, status);
	}
	return gil_finish(&r, err, "; one lock per process");
}

/* ---- threads ---- */

static void *gil_thread(void *arg)
{
	struct gil_task *t = arg;

	pthread_setname_np(pthread_self(), t->base.name);
	if (tasks_pin(&t->base) == 0)
		gil_task_run(t, &gil, &gil_pthread);
	return NULL;
}

static int gil_threads_run(const struct workload_params *p)
{
	struct tasks r;
	int err = 0;

	if (gil_begin(&r, "gil-threads", p, 0) != 0)
		return 1;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct gil_task *t = tasks_slot(&r, i);
		int e = pthread_create(&t->base.thread, NULL, gil_thread, t);

		err = tasks_started(&r, &t->base, e, "pthread_create");
	}
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	for (unsigned i = 0; i < r.n; i++) {
		struct gil_task *t = tasks_slot(&r, i);

		if (t->base.started)
			pthread_join(t->base.thread, NULL);
	}
	return gil_finish(&r, err, "");
}

/* ---- coroutines ---- */

static void gil_coro_task(void *arg)
{
	gil_task_run(arg, &gil, &gil_coro);
}

static int gil_coroutines_run(const struct workload_params *p)
{
	struct tasks r;
	uint64_t switches = coro_switches();
	cpu_set_t saved;
	char extra[120];
	int err = 0, result;

	if (gil_begin(&r, "gil-coroutines", p, 1) != 0)
		return 1;
	if (tasks_pin_root(&r, &saved) != 0)
		return gil_finish(&r, 1, "");
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct gil_task *t = tasks_slot(&r, i);
		int e = coro_spawn(gil_coro_task, t, 0);

		err = tasks_started(&r, &t->base, -e, "coro_spawn");
	}
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	result = coro_run();
	if (result)
		fprintf(stderr, "%s: coro_run: %s\n", r.name,
			strerror(-result));
	tasks_unpin_root(&r, &saved);
	switches = coro_switches() - switches;
	snprintf(extra, sizeof(extra),
		 "; %llu switches: each release yields to the next in line",
		 (unsigned long long)switches);
	LAB_MARK_CORO_SWITCHES(switches);
	return gil_finish(&r, err || result, extra);
}

/* ---- serial ---- */

static int gil_serial_run(const struct workload_params *p)
{
	struct tasks r;
	cpu_set_t saved;

	if (gil_begin(&r, "gil-serial", p, 0) != 0)
		return 1;
	if (tasks_pin_root(&r, &saved) != 0)
		return gil_finish(&r, 1, "");
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	for (unsigned i = 0; i < r.n; i++) {
		struct gil_task *t = tasks_slot(&r, i);

		t->base.started = 1;
		gil_task_run(t, &gil, &gil_pthread);
	}
	tasks_unpin_root(&r, &saved);
	return gil_finish(&r, 0, "");
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
