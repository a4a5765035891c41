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
 * lock_task_run() is the job, the same code in every model; a struct
 * lock_ops says which mutex it takes. What surrounds the models, from the
 * parameters to the start gate and the tasks' part of the verdict, is
 * tally.c, shared with the race scenario. Below the job, one function per
 * model:
 *	processes	a PTHREAD_PROCESS_SHARED mutex in a MAP_SHARED
 *			mapping, fork, waitpid
 *	threads		the global counter_lock, pthread_create, pthread_join
 *	coroutines	a coro_mutex, coro_spawn, coro_run; the holder yields
 *			inside the critical section now and then, so the
 *			others find the lock held
 *	serial		the tasks one after another: the lock is never held
 *			by anyone else, the baseline for what locking costs
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
#include "lock.h"
#include "markers.h"
#include "tally.h"

#define LOCK_TASKS	 4
#define LOCK_OPS	 12000000
#define LOCK_YIELD_EVERY 64u /* coroutines: ops between yields in the lock */

/* The counter and the mutex that guards it. Threads, coroutines and the
 * serial run use the global below, so a futex wait on its address
 * resolves to the symbol counter_lock. Processes cannot share a global
 * (after fork each has its own copy) and put a struct counter_lock in a
 * shared mapping. */
struct counter_lock {
	pthread_mutex_t mutex;
	struct coro_mutex *coro; /* what coroutines take instead */
	volatile long value;
};

static struct counter_lock counter_lock;

/* How a task takes the lock; the job is the same whichever it is. */
struct lock_ops {
	int (*trylock)(struct counter_lock *cl); /* 0 when taken */
	void (*lock)(struct counter_lock *cl);
	void (*unlock)(struct counter_lock *cl);
	/* called holding the lock every LOCK_YIELD_EVERY ops, or NULL */
	void (*pause)(void);
};

static int lock_pthread_try(struct counter_lock *cl)
{
	return pthread_mutex_trylock(&cl->mutex);
}

static void lock_pthread_take(struct counter_lock *cl)
{
	pthread_mutex_lock(&cl->mutex);
}

static void lock_pthread_give(struct counter_lock *cl)
{
	pthread_mutex_unlock(&cl->mutex);
}

static int lock_coro_try(struct counter_lock *cl)
{
	return coro_mutex_trylock(cl->coro);
}

static void lock_coro_take(struct counter_lock *cl)
{
	coro_mutex_lock(cl->coro);
}

static void lock_coro_give(struct counter_lock *cl)
{
	coro_mutex_unlock(cl->coro);
}

/* The kernel preempts threads and processes anywhere, inside the lock
 * too; coroutines switch only where they say so. */
static const struct lock_ops lock_pthread = {
	.trylock = lock_pthread_try,
	.lock = lock_pthread_take,
	.unlock = lock_pthread_give,
};

static const struct lock_ops lock_coro = {
	.trylock = lock_coro_try,
	.lock = lock_coro_take,
	.unlock = lock_coro_give,
	.pause = coro_yield,
};

/* The job, the same in every model. A try first, only to count the
 * acquisitions that had to wait; the lock call does the waiting. */
static void lock_task_run(struct tally_task *t, const struct lock_ops *o)
{
	struct counter_lock *cl = t->run->counter;
	unsigned ops = t->run->ops;
	uint64_t waits = 0; /* local: a shared slot would bounce between CPUs */
	unsigned i;

	for (i = 0; i < ops; i++) {
		long v;

		if (o->trylock(cl) != 0) {
			waits++;
			o->lock(cl);
		}
		v = cl->value;
		cl->value = v - 1;
		if (o->pause && i % LOCK_YIELD_EVERY == LOCK_YIELD_EVERY - 1)
			o->pause();
		o->unlock(cl);
	}
	t->done = i;
	t->waits = waits;
}

static const struct tally_kind lock_kind = {
	.tasks = LOCK_TASKS,
	.ops = LOCK_OPS,
	.prefix = "lock-w",
	.updates = "decrements",
	.stopped = ", as it may have held the lock",
	.counter = &counter_lock,
	.counter_size = sizeof(counter_lock),
};

/* ---- setup, verdict, teardown ---- */

/* tally_begin, then the counter at tasks x ops and its mutex, shared
 * between processes when the counter is (shared); with_coro: the
 * coroutines' mutex too. 0 when the run can go on; when it fails it has
 * said why and undone what it did. */
static int lock_begin(struct tally_run *r, const char *name,
		      const struct workload_params *p, int shared,
		      int with_coro)
{
	struct counter_lock *cl;
	pthread_mutexattr_t attr;
	int err;

	if (tally_begin(r, &lock_kind, name, p, shared) != 0)
		return -1;
	cl = r->counter;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, shared ? PTHREAD_PROCESS_SHARED
						   : PTHREAD_PROCESS_PRIVATE);
	err = pthread_mutex_init(&cl->mutex, &attr);
	pthread_mutexattr_destroy(&attr);
	cl->coro = NULL;
	if (!err && with_coro) {
		cl->coro = coro_mutex_new();
		if (!cl->coro) {
			pthread_mutex_destroy(&cl->mutex);
			err = ENOMEM;
		}
	}
	if (err) {
		fprintf(stderr, "%s: cannot make the mutex: %s\n", r->name,
			strerror(err));
		tally_finish(r, 1);
		return -1;
	}
	cl->value = r->updates;
	return 0;
}

/* Every task made all its decrements and the counter ended at exactly 0;
 * says what was wrong in one line otherwise. */
static int lock_verdict(const struct tally_run *r)
{
	const struct counter_lock *cl = r->counter;
	uint64_t waits = 0;
	char tail[64];

	snprintf(tail, sizeof(tail), "; final value %ld", cl->value);
	if (tally_verdict(r, tail) != 0)
		return 1;
	if (cl->value != 0) {
		fprintf(stderr,
			"%s: final value %ld, expected 0 (from %ld): the "
			"lock let updates through\n",
			r->name, cl->value, r->updates);
		return 1;
	}
	for (unsigned i = 0; i < r->n; i++)
		waits += r->board->t[i].waits;
	/* the runtime counts its own waits: the two tallies must agree */
	if (cl->coro && coro_mutex_contended(cl->coro) != waits) {
		fprintf(stderr,
			"%s: tasks counted %llu waits for the lock, the "
			"runtime %llu\n",
			r->name, (unsigned long long)waits,
			(unsigned long long)coro_mutex_contended(cl->coro));
		return 1;
	}
	return 0;
}

/* One line for the reader: throughput, how often the lock was busy. */
static void lock_report(const struct tally_run *r, const char *extra)
{
	const struct counter_lock *cl = r->counter;
	uint64_t waits = 0;
	double total = (double)r->updates;

	for (unsigned i = 0; i < r->n; i++)
		waits += r->board->t[i].waits;
	printf("%s: %u tasks x %u ops in %.3f s: %.2f M ops/s; %llu of %ld "
	       "locks waited (%.1f%%); final value %ld%s\n",
	       r->name, r->n, r->ops, r->secs,
	       r->secs > 0 ? total / r->secs / 1e6 : 0.0,
	       (unsigned long long)waits, r->updates,
	       total > 0 ? 100.0 * (double)waits / total : 0.0, cl->value,
	       extra);
}

/* Gives back the mutexes and what tally_begin made; returns result. */
static int lock_finish(struct tally_run *r, int result)
{
	struct counter_lock *cl = r->counter;

	pthread_mutex_destroy(&cl->mutex);
	coro_mutex_free(cl->coro);
	cl->coro = NULL;
	return tally_finish(r, result);
}

/* Judges the run, reports it and finishes it. err is a failure already
 * said; the run is judged all the same, as that says what came of it. */
static int lock_end(struct tally_run *r, int err, const char *extra)
{
	int result = lock_verdict(r) || err;

	if (!result)
		lock_report(r, extra);
	return lock_finish(r, result);
}

/* ---- processes ---- */

static __attribute__((noreturn)) void lock_child(struct tally_task *t)
{
	prctl(PR_SET_NAME, t->name);
	if (tally_ready(t))
		lock_task_run(t, &lock_pthread);
	_exit(t->failed);
}

static int lock_processes_run(const struct workload_params *p)
{
	struct tally_run r;
	int err = 0;

	if (lock_begin(&r, "lock-processes", p, 1, 0) != 0)
		return 1;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct tally_task *t = &r.board->t[i];
		/* t is in the shared board: only the root may set its pid */
		pid_t pid = fork();

		if (pid == 0)
			lock_child(t);
		t->pid = pid;
		err = tally_started(&r, t, pid < 0 ? errno : 0, "fork");
	}
	tally_open(&r);
	/* Whichever child ends first. One killed while it held the lock
	 * never unlocks it, and the others would wait for it forever:
	 * tally_reaped kills them too, and the run is wrong. */
	for (unsigned left = r.started; left;) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);

		if (pid < 0 && errno != EINTR)
			break;
		if (pid > 0)
			left -= tally_reaped(&r, pid, status);
	}
	tally_stop(&r);
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	return lock_end(&r, err, "");
}

/* ---- threads ---- */

static void *lock_thread(void *arg)
{
	struct tally_task *t = arg;

	pthread_setname_np(pthread_self(), t->name);
	if (tally_ready(t))
		lock_task_run(t, &lock_pthread);
	return NULL;
}

static int lock_threads_run(const struct workload_params *p)
{
	struct tally_run r;
	int err = 0;

	if (lock_begin(&r, "lock-threads", p, 0, 0) != 0)
		return 1;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct tally_task *t = &r.board->t[i];
		int e = pthread_create(&t->thread, NULL, lock_thread, t);

		err = tally_started(&r, t, e, "pthread_create");
	}
	tally_open(&r);
	for (unsigned i = 0; i < r.n; i++)
		if (r.board->t[i].started)
			pthread_join(r.board->t[i].thread, NULL);
	tally_stop(&r);
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	return lock_end(&r, err, "");
}

/* ---- coroutines ---- */

static void lock_coro_task(void *arg)
{
	lock_task_run(arg, &lock_coro);
}

static int lock_coroutines_run(const struct workload_params *p)
{
	struct tally_run r;
	struct counter_lock *cl;
	uint64_t switches = coro_switches();
	cpu_set_t saved;
	char extra[200];
	int err = 0, ran;

	if (lock_begin(&r, "lock-coroutines", p, 0, 1) != 0)
		return 1;
	cl = r.counter;
	if (tasks_pin_thread(r.name, r.cpus, r.ncpus, &saved) != 0)
		return lock_finish(&r, 1);
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct tally_task *t = &r.board->t[i];
		int e = coro_spawn(lock_coro_task, t, 0);

		err = tally_started(&r, t, -e, "coro_spawn");
	}
	tally_work(&r);
	ran = coro_run();
	tally_stop(&r);
	if (ran)
		fprintf(stderr, "%s: coro_run: %s\n", r.name, strerror(-ran));
	tasks_unpin_thread(r.ncpus, &saved);
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	switches = coro_switches() - switches;
	/* Once a holder has yielded inside the lock, the others queue; each
	 * unlock then hands the lock to the first of them, and the old holder,
	 * wanting it back at once, queues behind: a convoy, one switch a lock.
	 */
	snprintf(extra, sizeof(extra),
		 "; %llu switches: the holder yields every %u ops inside the "
		 "lock%s",
		 (unsigned long long)switches, LOCK_YIELD_EVERY,
		 coro_mutex_contended(cl->coro) * 2 > (uint64_t)r.updates
			 ? ", then each unlock hands it to a queued waiter"
			 : "");
	LAB_MARK_CORO_SWITCHES(switches);
	return lock_end(&r, err || ran, extra);
}

/* ---- serial ---- */

static int lock_serial_run(const struct workload_params *p)
{
	struct tally_run r;
	cpu_set_t saved;

	if (lock_begin(&r, "lock-serial", p, 0, 0) != 0)
		return 1;
	if (tasks_pin_thread(r.name, r.cpus, r.ncpus, &saved) != 0)
		return lock_finish(&r, 1);
	tally_work(&r);
	for (unsigned i = 0; i < r.n; i++) {
		r.board->t[i].started = 1;
		lock_task_run(&r.board->t[i], &lock_pthread);
	}
	tally_stop(&r);
	tasks_unpin_thread(r.ncpus, &saved);
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	return lock_end(&r, 0, "");
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
