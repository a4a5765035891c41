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
 * lock_ops says which mutex it takes. Below it, one function per model:
 *	processes	a PTHREAD_PROCESS_SHARED mutex in a MAP_SHARED
 *			mapping, fork, waitpid
 *	threads		the global counter_lock, pthread_create, pthread_join
 *	coroutines	a coro_mutex, coro_spawn, coro_run; the holder yields
 *			inside the critical section now and then, so the
 *			others find the lock held
 *	serial		the tasks one after another: the lock is never held
 *			by anyone else, the baseline for what locking costs
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "coro.h"
#include "lock.h"
#include "markers.h"

#define LOCK_TASKS	 4
#define LOCK_OPS	 12000000
#define LOCK_YIELD_EVERY 64u /* coroutines: ops between yields in the lock */
#define LOCK_MAX_TASKS	 10000u
#define LOCK_MAX_CPUS	 64 /* entries in a --cpu list */

/* The counter and the mutex that guards it. Threads and the serial run
 * use the global below, so a futex wait on its address resolves to the
 * symbol counter_lock. Processes cannot share a global (after fork each
 * has its own copy) and put a struct counter_lock in a shared mapping. */
struct counter_lock {
	pthread_mutex_t mutex;
	struct coro_mutex *coro; /* what coroutines take instead */
	volatile long value;
};

static struct counter_lock counter_lock;

struct lock_run;

struct lock_task {
	struct lock_run *run;
	unsigned id;
	char name[24]; /* "lock-w3": fits the kernel's 15 characters */
	int cpu;       /* the CPU it is pinned to, -1 for any */
	pid_t pid;
	pthread_t thread;
	int started;
	int failed;	/* could not pin, was called off, or died */
	unsigned done;	/* decrements made */
	uint64_t waits; /* acquisitions that found the lock held */
};

/* Where tasks report: a MAP_SHARED mapping, so that a forked child writes
 * where the root reads. The gate holds every task until all exist, so the
 * timed part is the job alone. */
struct lock_board {
	uint32_t gate;
	struct lock_task t[];
};

enum { LOCK_GATE_CLOSED, LOCK_GATE_OPEN, LOCK_GATE_CALLED_OFF };

struct lock_run {
	const char *name;
	unsigned n;
	unsigned ops;
	long start; /* the counter's first value, tasks x ops */
	struct counter_lock *cl;
	int cl_mapped;	 /* cl is a mapping of its own (processes) */
	int mutex_ready; /* cl->mutex was initialised */
	struct lock_board *board;
	size_t board_size;
	int cpus[LOCK_MAX_CPUS];
	unsigned ncpus;
	double secs;
	/* processes: the first child that died or failed, and how */
	const struct lock_task *died;
	int died_status;
};

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
static void lock_task_run(struct lock_task *t, struct counter_lock *cl,
			  unsigned ops, const struct lock_ops *o)
{
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

static double lock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the gate: the root opens it once every task exists ---- */

static long lock_futex(uint32_t *word, int op, uint32_t val)
{
	/* not FUTEX_PRIVATE: the word may be shared between processes */
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/* 1 when the gate opened for work, 0 when the run was called off */
static int lock_gate_wait(uint32_t *gate)
{
	uint32_t g;

	while ((g = __atomic_load_n(gate, __ATOMIC_ACQUIRE)) ==
	       LOCK_GATE_CLOSED)
		lock_futex(gate, FUTEX_WAIT, LOCK_GATE_CLOSED);
	return g == LOCK_GATE_OPEN;
}

static void lock_gate_set(uint32_t *gate, uint32_t how)
{
	__atomic_store_n(gate, how, __ATOMIC_RELEASE);
	lock_futex(gate, FUTEX_WAKE, INT_MAX);
}

/* ---- CPUs: "0" puts every task on CPU 0, "0,1" alternates them ---- */

static int lock_parse_cpus(struct lock_run *r, const char *s)
{
	cpu_set_t allowed;

	r->ncpus = 0;
	if (!s)
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		fprintf(stderr, "%s: sched_getaffinity: %s\n", r->name,
			strerror(errno));
		return -1;
	}
	do {
		char *end;
		long cpu;

		errno = 0;
		cpu = isdigit((unsigned char)*s) ? strtol(s, &end, 10) : -1;
		if (cpu < 0 || errno || (*end && (*end != ',' || !end[1])) ||
		    r->ncpus == LOCK_MAX_CPUS) {
			fprintf(stderr, "%s: bad CPU list '%s'\n", r->name, s);
			return -1;
		}
		if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) {
			fprintf(stderr, "%s: CPU %ld is not available here\n",
				r->name, cpu);
			return -1;
		}
		r->cpus[r->ncpus++] = (int)cpu;
		s = *end ? end + 1 : end;
	} while (*s);
	return 0;
}

/* Pins the calling thread (and so a single-threaded process). */
static int lock_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Coroutines and the serial run are one thread: it goes on the first CPU
 * of the list, and back where it was afterwards. */
static int lock_pin_root(const struct lock_run *r, cpu_set_t *saved)
{
	if (!r->ncpus)
		return 0;
	if (sched_getaffinity(0, sizeof(*saved), saved) == 0 &&
	    lock_pin(r->cpus[0]) == 0)
		return 0;
	fprintf(stderr, "%s: pinning to CPU %d: %s\n", r->name, r->cpus[0],
		strerror(errno));
	return -1;
}

static void lock_unpin_root(const struct lock_run *r, const cpu_set_t *saved)
{
	if (r->ncpus)
		sched_setaffinity(0, sizeof(*saved), saved);
}

/* ---- setup, verdict, teardown ---- */

static void *lock_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Takes the parameters; nothing to undo when it fails. */
static int lock_params(struct lock_run *r, const char *name,
		       const struct workload_params *p)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->n = p->tasks ? p->tasks : LOCK_TASKS;
	r->ops = p->ops ? p->ops : LOCK_OPS;
	r->start = (long)r->n * (long)r->ops;
	if (r->n > LOCK_MAX_TASKS) {
		fprintf(stderr, "%s: %u tasks, at most %u\n", name, r->n,
			LOCK_MAX_TASKS);
		return -1;
	}
	return lock_parse_cpus(r, p->cpus);
}

static void lock_teardown(struct lock_run *r)
{
	if (r->mutex_ready)
		pthread_mutex_destroy(&r->cl->mutex);
	r->mutex_ready = 0;
	if (r->cl) {
		coro_mutex_free(r->cl->coro);
		r->cl->coro = NULL;
	}
	if (r->cl_mapped)
		munmap(r->cl, sizeof(*r->cl));
	r->cl_mapped = 0;
	r->cl = NULL;
	if (r->board)
		munmap(r->board, r->board_size);
	r->board = NULL;
}

/* cl_mapped: put the counter and a process-shared mutex in a mapping of
 * their own instead of the global. with_coro: make the coroutine mutex. */
static int lock_setup(struct lock_run *r, int cl_mapped, int with_coro)
{
	pthread_mutexattr_t attr;
	int err;

	r->board_size = sizeof(*r->board) + r->n * sizeof(r->board->t[0]);
	r->board = lock_map(r->board_size);
	r->cl = cl_mapped ? lock_map(sizeof(*r->cl)) : &counter_lock;
	r->cl_mapped = cl_mapped && r->cl;
	if (!r->board || !r->cl) {
		fprintf(stderr, "%s: mmap: %s\n", r->name, strerror(errno));
		lock_teardown(r);
		return -1;
	}
	for (unsigned i = 0; i < r->n; i++) {
		struct lock_task *t = &r->board->t[i];

		t->run = r;
		t->id = i;
		snprintf(t->name, sizeof(t->name), "lock-w%u", i);
		t->cpu = r->ncpus ? r->cpus[i % r->ncpus] : -1;
	}
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, cl_mapped
						    ? PTHREAD_PROCESS_SHARED
						    : PTHREAD_PROCESS_PRIVATE);
	err = pthread_mutex_init(&r->cl->mutex, &attr);
	pthread_mutexattr_destroy(&attr);
	r->mutex_ready = !err;
	r->cl->coro = with_coro ? coro_mutex_new() : NULL;
	r->cl->value = r->start;
	if (err || (with_coro && !r->cl->coro)) {
		fprintf(stderr, "%s: cannot make the mutex: %s\n", r->name,
			strerror(err ? err : ENOMEM));
		lock_teardown(r);
		return -1;
	}
	return 0;
}

/* Every task made all its decrements and the counter ended at exactly 0;
 * says what was wrong in one line otherwise. */
static int lock_verdict(const struct lock_run *r)
{
	unsigned short_tasks = 0, started = 0;
	const struct lock_task *first = NULL;
	uint64_t waits = 0;

	for (unsigned i = 0; i < r->n; i++) {
		const struct lock_task *t = &r->board->t[i];

		started += t->started;
		waits += t->waits;
		if (t->started && !t->failed && t->done == r->ops)
			continue;
		if (!short_tasks++)
			first = t;
	}
	if (r->died && WIFSIGNALED(r->died_status)) {
		fprintf(stderr,
			"%s: %s was killed by signal %d; the others were "
			"stopped, as it may have held the lock\n",
			r->name, r->died->name, WTERMSIG(r->died_status));
		return 1;
	}
	if (started < r->n) {
		fprintf(stderr,
			"%s: only %u of %u tasks could be started; the run "
			"was called off\n",
			r->name, started, r->n);
		return 1;
	}
	if (first) {
		fprintf(stderr,
			"%s: %u of %u tasks did not finish (%s made %u of "
			"%u decrements); final value %ld\n",
			r->name, short_tasks, r->n, first->name, first->done,
			r->ops, r->cl->value);
		return 1;
	}
	if (r->cl->value != 0) {
		fprintf(stderr,
			"%s: final value %ld, expected 0 (from %ld): the "
			"lock let updates through\n",
			r->name, r->cl->value, r->start);
		return 1;
	}
	/* the runtime counts its own waits: the two tallies must agree */
	if (r->cl->coro && coro_mutex_contended(r->cl->coro) != waits) {
		fprintf(stderr,
			"%s: tasks counted %llu waits for the lock, the "
			"runtime %llu\n",
			r->name, (unsigned long long)waits,
			(unsigned long long)coro_mutex_contended(r->cl->coro));
		return 1;
	}
	return 0;
}

/* One line for the reader: throughput, how often the lock was busy. */
static void lock_report(const struct lock_run *r, const char *extra)
{
	uint64_t waits = 0;
	double total = (double)r->start;

	for (unsigned i = 0; i < r->n; i++)
		waits += r->board->t[i].waits;
	printf("%s: %u tasks x %u ops in %.3f s: %.2f M ops/s; %llu of %ld "
	       "locks waited (%.1f%%); final value %ld%s\n",
	       r->name, r->n, r->ops, r->secs,
	       r->secs > 0 ? total / r->secs / 1e6 : 0.0,
	       (unsigned long long)waits, r->start,
	       total > 0 ? 100.0 * (double)waits / total : 0.0, r->cl->value,
	       extra);
}

/* Marks the end of a run and gives back everything it holds. */
static int lock_finish(struct lock_run *r, int result)
{
	LAB_MARK_END(result);
	lock_teardown(r);
	return result;
}

/* What a process or thread task does once it exists. */
static void lock_task_start(struct lock_task *t)
{
	struct lock_run *r = t->run;

	if (lock_pin(t->cpu) != 0 || !lock_gate_wait(&r->board->gate)) {
		t->failed = 1;
		return;
	}
	lock_task_run(t, r->cl, r->ops, &lock_pthread);
}

/* ---- processes ---- */

static __attribute__((noreturn)) void lock_child(struct lock_task *t)
{
	prctl(PR_SET_NAME, t->name);
	lock_task_start(t);
	_exit(t->failed);
}

/* Reaps every child, whichever ends first. One killed while it held the
 * lock never unlocks it, and the others would wait for it forever: they
 * are killed too, and the run is wrong. */
static void lock_reap(struct lock_run *r, unsigned left)
{
	while (left) {
		struct lock_task *dead = NULL;
		int status;
		pid_t pid = waitpid(-1, &status, 0);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break;
		for (unsigned i = 0; i < r->n && !dead; i++)
			if (r->board->t[i].started && r->board->t[i].pid == pid)
				dead = &r->board->t[i];
		if (!dead)
			continue;
		left--;
		dead->pid = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			continue;
		dead->failed = 1;
		if (r->died)
			continue;
		r->died = dead;
		r->died_status = status;
		for (unsigned i = 0; i < r->n; i++)
			if (r->board->t[i].pid > 0)
				kill(r->board->t[i].pid, SIGKILL);
	}
}

static int lock_processes_run(const struct workload_params *p)
{
	struct lock_run r;
	unsigned started = 0;
	double t0;
	int result;

	if (lock_params(&r, "lock-processes", p) != 0)
		return 1;
	LAB_MARK_START(r.n);
	LAB_MARK_OPS(r.ops);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (lock_setup(&r, 1, 0) != 0)
		return lock_finish(&r, 1);
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n; i++) {
		struct lock_task *t = &r.board->t[i];
		/* t is in the shared board: only the root may set its pid */
		pid_t pid = fork();

		if (pid == 0)
			lock_child(t);
		t->pid = pid;
		if (pid < 0) {
			fprintf(stderr, "%s: fork: %s\n", r.name,
				strerror(errno));
			break;
		}
		t->started = 1;
		started++;
	}
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	t0 = lock_now();
	lock_gate_set(&r.board->gate,
		      started == r.n ? LOCK_GATE_OPEN : LOCK_GATE_CALLED_OFF);
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	lock_reap(&r, started);
	r.secs = lock_now() - t0;
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	result = lock_verdict(&r);
	if (!result)
		lock_report(&r, "");
	return lock_finish(&r, result);
}

/* ---- threads ---- */

static void *lock_thread(void *arg)
{
	struct lock_task *t = arg;

	pthread_setname_np(pthread_self(), t->name);
	lock_task_start(t);
	return NULL;
}

static int lock_threads_run(const struct workload_params *p)
{
	struct lock_run r;
	unsigned started = 0;
	double t0;
	int result;

	if (lock_params(&r, "lock-threads", p) != 0)
		return 1;
	LAB_MARK_START(r.n);
	LAB_MARK_OPS(r.ops);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (lock_setup(&r, 0, 0) != 0)
		return lock_finish(&r, 1);
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n; i++) {
		struct lock_task *t = &r.board->t[i];
		int err = pthread_create(&t->thread, NULL, lock_thread, t);

		if (err) {
			fprintf(stderr, "%s: pthread_create: %s\n", r.name,
				strerror(err));
			break;
		}
		t->started = 1;
		started++;
	}
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	t0 = lock_now();
	lock_gate_set(&r.board->gate,
		      started == r.n ? LOCK_GATE_OPEN : LOCK_GATE_CALLED_OFF);
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	for (unsigned i = 0; i < r.n; i++)
		if (r.board->t[i].started)
			pthread_join(r.board->t[i].thread, NULL);
	r.secs = lock_now() - t0;
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	result = lock_verdict(&r);
	if (!result)
		lock_report(&r, "");
	return lock_finish(&r, result);
}

/* ---- coroutines ---- */

static void lock_coro_task(void *arg)
{
	struct lock_task *t = arg;

	lock_task_run(t, t->run->cl, t->run->ops, &lock_coro);
}

static int lock_coroutines_run(const struct workload_params *p)
{
	struct lock_run r;
	uint64_t switches = coro_switches();
	cpu_set_t saved;
	char extra[200];
	double t0;
	int result, err = 0;

	if (lock_params(&r, "lock-coroutines", p) != 0)
		return 1;
	LAB_MARK_START(r.n);
	LAB_MARK_OPS(r.ops);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (lock_setup(&r, 0, 1) != 0)
		return lock_finish(&r, 1);
	if (lock_pin_root(&r, &saved) != 0)
		return lock_finish(&r, 1);
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		err = coro_spawn(lock_coro_task, &r.board->t[i], 0);
		r.board->t[i].started = !err;
	}
	if (err)
		fprintf(stderr, "%s: coro_spawn: %s\n", r.name, strerror(-err));
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	t0 = lock_now();
	err = coro_run();
	r.secs = lock_now() - t0;
	if (err)
		fprintf(stderr, "%s: coro_run: %s\n", r.name, strerror(-err));
	lock_unpin_root(&r, &saved);
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	switches = coro_switches() - switches;
	result = lock_verdict(&r) || err;
	/* Once a holder has yielded inside the lock, the others queue; each
	 * unlock then hands the lock to the first of them, and the old holder,
	 * wanting it back at once, queues behind: a convoy, one switch a lock.
	 */
	snprintf(extra, sizeof(extra),
		 "; %llu switches: the holder yields every %u ops inside the "
		 "lock%s",
		 (unsigned long long)switches, LOCK_YIELD_EVERY,
		 coro_mutex_contended(r.cl->coro) * 2 > (uint64_t)r.start
			 ? ", then each unlock hands it to a queued waiter"
			 : "");
	if (!result)
		lock_report(&r, extra);
	LAB_MARK_CORO_SWITCHES(switches);
	return lock_finish(&r, result);
}

/* ---- serial ---- */

static int lock_serial_run(const struct workload_params *p)
{
	struct lock_run r;
	cpu_set_t saved;
	double t0;
	int result;

	if (lock_params(&r, "lock-serial", p) != 0)
		return 1;
	LAB_MARK_START(r.n);
	LAB_MARK_OPS(r.ops);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (lock_setup(&r, 0, 0) != 0)
		return lock_finish(&r, 1);
	if (lock_pin_root(&r, &saved) != 0)
		return lock_finish(&r, 1);
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	t0 = lock_now();
	for (unsigned i = 0; i < r.n; i++) {
		r.board->t[i].started = 1;
		lock_task_run(&r.board->t[i], r.cl, r.ops, &lock_pthread);
	}
	r.secs = lock_now() - t0;
	lock_unpin_root(&r, &saved);
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	result = lock_verdict(&r);
	if (!result)
		lock_report(&r, "");
	return lock_finish(&r, result);
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
