/* lock.c - the lock scenario: N tasks decrement one shared counter under a
 * mutex.
 *
 * The counter starts at tasks x ops; each task takes the lock, reads the
 * counter, writes it back one less and lets go, ops times. The end value
 * must be exactly 0. Every task wants the same lock all the time, so what
 * the run shows is what waiting for it costs: a thread or process that
 * finds it held sleeps in futex(2) until the holder's unlock wakes it, a
 * coroutine parks in the runtime without a system call. race.c is the
 * same job without the lock.
 *
 * lock_job() is the job, the same code in every model; the mutex it takes
 * is the launcher's, made for the model, and a start gate holds the tasks
 * until all of them exist, so that they contend from the first update.
 * The models are started by launch.c, from the lock_<model>_run()
 * functions at the end:
 *	processes	a PTHREAD_PROCESS_SHARED mutex in a MAP_SHARED
 *			mapping, fork, waitpid
 *	threads		the global counter_lock, pthread_create, pthread_join
 *	coroutines	a coro_mutex, coro_spawn, coro_run; the holder yields
 *			inside the critical section now and then, so the
 *			others find the lock held
 *	serial		the tasks one after another: the lock is never held
 *			by anyone else, the baseline for what locking costs
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "workloads/coro/coro.h"
#include "workloads/launch.h"
#include "workloads/lock.h"

#define LOCK_TASKS	 4
#define LOCK_MAX_TASKS	 10000u
#define LOCK_OPS	 12000000
#define LOCK_YIELD_EVERY 64u /* coroutines: ops between yields in the lock */

/* The counter and the mutex that guards it. Threads, coroutines and the
 * serial run use the global below, so a futex wait on its address
 * resolves to the symbol counter_lock. Processes cannot share a global
 * (after fork each has its own copy) and get a MAP_SHARED copy of it. */
struct counter_lock {
	struct launch_lock
		lock; /* first: its mutex is counter_lock's address */
	volatile long value;
};

static struct counter_lock counter_lock;

_Static_assert(offsetof(struct counter_lock, lock) == 0,
	       "the lock starts counter_lock");

struct lock_task {
	struct launch_task base; /* base.done: decrements made */
	uint64_t waits;		 /* acquisitions that found the lock held */
};

/* The job, the same in every model. A try first, only to count the
 * acquisitions that had to wait; the lock call does the waiting. The
 * kernel preempts threads and processes anywhere, inside the lock too;
 * coroutines switch only where they say so: the holder yields now and
 * then. */
static void lock_job(struct launch_task *t)
{
	struct counter_lock *cl = t->run->shared;
	unsigned ops = (unsigned)t->run->ops;
	int yields = t->run->model == LAUNCH_COROUTINES;
	uint64_t waits = 0; /* local: a shared slot would bounce between CPUs */
	unsigned i;

	for (i = 0; i < ops; i++) {
		long v;

		if (launch_lock_try(&cl->lock) != 0) {
			waits++;
			launch_lock_take(&cl->lock);
		}
		v = cl->value;
		cl->value = v - 1;
		if (yields && i % LOCK_YIELD_EVERY == LOCK_YIELD_EVERY - 1)
			launch_pause(t);
		launch_lock_give(&cl->lock);
	}
	t->done = i;
	((struct lock_task *)t)->waits = waits;
}

static int lock_prepare(struct launch *l, const struct workload_params *p)
{
	l->ops = p->ops ? p->ops : LOCK_OPS;
	return 0;
}

/* The counter starts at tasks x ops. */
static int lock_setup(struct launch *l)
{
	struct counter_lock *cl = l->shared;

	cl->value = (long)l->n * (long)l->ops;
	return 0;
}

static uint64_t lock_waits(const struct launch *l)
{
	uint64_t waits = 0;

	for (unsigned i = 0; i < l->n; i++)
		waits += ((const struct lock_task *)launch_slot(l, i))->waits;
	return waits;
}

/* Every task made all its decrements and the counter ended at exactly 0;
 * says what was wrong in one line otherwise. */
static int lock_check(struct launch *l)
{
	const struct counter_lock *cl = l->shared;
	uint64_t waits = lock_waits(l);
	char tail[64];

	snprintf(tail, sizeof(tail), "; final value %ld", cl->value);
	if (launch_verdict(l, "decrements", ", as it may have held the lock",
			   tail) != 0)
		return 1;
	if (cl->value != 0) {
		fprintf(stderr,
			"%s: final value %ld, expected 0 (from %ld): the "
			"lock let updates through\n",
			l->name, cl->value, (long)l->n * (long)l->ops);
		return 1;
	}
	/* the runtime counts its own waits: the two tallies must agree */
	if (cl->lock.coro && coro_mutex_contended(cl->lock.coro) != waits) {
		fprintf(stderr,
			"%s: tasks counted %llu waits for the lock, the "
			"runtime %llu\n",
			l->name, (unsigned long long)waits,
			(unsigned long long)coro_mutex_contended(
				cl->lock.coro));
		return 1;
	}
	return 0;
}

/* One line for the reader: throughput, how often the lock was busy. */
static void lock_report(const struct launch *l)
{
	const struct counter_lock *cl = l->shared;
	uint64_t waits = lock_waits(l);
	long updates = (long)l->n * (long)l->ops;
	double total = (double)updates;
	uint64_t ns = l->joined_ns - l->go_ns;
	double secs = (double)ns / 1e9;
	char extra[200] = "";

	/* Once a holder has yielded inside the lock, the others queue; each
	 * unlock then hands the lock to the first of them, and the old holder,
	 * wanting it back at once, queues behind: a convoy, one switch a lock.
	 */
	if (l->model == LAUNCH_COROUTINES)
		snprintf(extra, sizeof(extra),
			 "; %llu switches: the holder yields every %u ops "
			 "inside the lock%s",
			 (unsigned long long)l->switches, LOCK_YIELD_EVERY,
			 coro_mutex_contended(cl->lock.coro) * 2 >
					 (uint64_t)updates
				 ? ", then each unlock hands it to a queued "
				   "waiter"
				 : "");
	printf("%s: %u tasks x %u ops in %.3f s: %.2f M ops/s; %llu of %ld "
	       "locks waited (%.1f%%); final value %ld%s\n",
	       l->name, l->n, (unsigned)l->ops, secs,
	       secs > 0 ? total / secs / 1e6 : 0.0, (unsigned long long)waits,
	       updates, total > 0 ? 100.0 * (double)waits / total : 0.0,
	       cl->value, extra);
	LAB_RESULT(LAB_RESULT_OPS, (uint64_t)updates);
	LAB_RESULT(LAB_RESULT_OPS_NS, ns);
	LAB_RESULT(LAB_RESULT_WAITED, waits);
}

static const struct launch_kind lock_kind = {
	.scenario = "lock",
	.prefix = "lock-w",
	.tasks = LOCK_TASKS,
	.max_tasks = LOCK_MAX_TASKS,
	.run_size = sizeof(struct launch),
	.slot_size = sizeof(struct lock_task),
	/* one killed holding the lock would leave the others waiting */
	.flags = LAUNCH_GATE | LAUNCH_PIN | LAUNCH_STOP_ALL |
		 LAUNCH_SHARE_MEMORY | LAUNCH_LOCK,
	.shared = &counter_lock,
	.shared_size = sizeof(counter_lock),
	.go_phase = LAB_PHASE_WORK,
	.join_phase = LAB_PHASE_JOIN,
	.job = lock_job,
	.prepare = lock_prepare,
	.setup = lock_setup,
	.check = lock_check,
	.report = lock_report,
};

/* ---- the models, each started by launch.c ---- */

static int lock_processes_run(const struct workload_params *p)
{
	return launch_run(&lock_kind, LAUNCH_PROCESSES, p);
}

static int lock_threads_run(const struct workload_params *p)
{
	return launch_run(&lock_kind, LAUNCH_THREADS, p);
}

static int lock_coroutines_run(const struct workload_params *p)
{
	return launch_run(&lock_kind, LAUNCH_COROUTINES, p);
}

static int lock_serial_run(const struct workload_params *p)
{
	return launch_run(&lock_kind, LAUNCH_SERIAL, p);
}

const struct workload lock_processes = {
	.name = "lock-processes",
	.scenario = "lock",
	.model = "processes",
	.summary =
		"N processes decrement a counter under a process-shared mutex",
	.run = lock_processes_run,
};

const struct workload lock_threads = {
	.name = "lock-threads",
	.scenario = "lock",
	.model = "threads",
	.summary = "N threads decrement a counter under a pthread mutex",
	.run = lock_threads_run,
};

const struct workload lock_coroutines = {
	.name = "lock-coroutines",
	.scenario = "lock",
	.model = "coroutines",
	.summary = "N coroutines decrement a counter under a coroutine mutex",
	.run = lock_coroutines_run,
};

const struct workload lock_serial = {
	.name = "lock-serial",
	.scenario = "lock",
	.model = "serial",
	.summary = "the same decrements one task after another: no contention",
	.run = lock_serial_run,
};
