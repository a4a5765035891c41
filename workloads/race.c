/* race.c - the race scenario: lock.c's job without the lock, counting up.
 *
 * N tasks add 1 to one shared counter, ops times each: read it, add one,
 * write it back, three steps with nothing to keep another task out from
 * between them. When two tasks on two CPUs read the same value, both write
 * back that value plus one and one of the two increments is lost; a task
 * preempted between its read and its write loses everything the others
 * added meanwhile. The counter ends below tasks x ops and the difference,
 * the lost updates, is the figure. Losing updates is not a failure here,
 * it is the lesson; the run fails only when its counts do not add up.
 *
 * Coroutines lose nothing: they switch only where they yield, which is
 * between two updates and never inside one.
 *
 * race_task_run() is the job, the same code in every model. Below it, one
 * function per model:
 *	processes	the counter in a MAP_SHARED mapping, fork, waitpid
 *	threads		the global counter, pthread_create, pthread_join
 *	coroutines	the global counter, coro_spawn, coro_run; each task
 *			yields every RACE_YIELD_EVERY increments
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
#include "markers.h"
#include "race.h"

#define RACE_TASKS	 4
#define RACE_OPS	 300000000
#define RACE_YIELD_EVERY 64u /* coroutines: increments between yields */
#define RACE_MAX_TASKS	 10000u
#define RACE_MAX_CPUS	 64 /* entries in a --cpu list */

/* Threads and coroutines share the globals of their process. Processes do
 * not (after fork each has its own copy): theirs is in a shared mapping.
 * volatile makes every read and write reach memory, one by one, as the
 * race needs; it makes nothing atomic. */
static volatile long counter;

struct race_run;

struct race_task {
	struct race_run *run;
	unsigned id;
	char name[24]; /* "race-w3": fits the kernel's 15 characters */
	int cpu;       /* the CPU it is pinned to, -1 for any */
	pid_t pid;
	pthread_t thread;
	int started;
	int failed;    /* could not pin, was called off, or died */
	unsigned done; /* increments made */
};

/* Where tasks report: a MAP_SHARED mapping, so that a forked child writes
 * where the root reads. The gate holds every task until all exist, so that
 * they race from the start instead of the first finishing alone. */
struct race_board {
	uint32_t gate;
	struct race_task t[];
};

enum { RACE_GATE_CLOSED, RACE_GATE_OPEN, RACE_GATE_CALLED_OFF };

struct race_run {
	const char *name;
	unsigned n;
	unsigned ops;
	long expected; /* tasks x ops */
	volatile long *counter;
	int counter_mapped; /* counter is a mapping of its own (processes) */
	struct race_board *board;
	size_t board_size;
	int cpus[RACE_MAX_CPUS];
	unsigned ncpus;
	double secs;
	/* processes: the first child that died or failed, and how */
	const struct race_task *died;
	int died_status;
};

/* The job, the same in every model: read, add one, write back. pause is
 * where a coroutine lets the others run, between two updates. */
static void race_task_run(struct race_task *t, volatile long *c, unsigned ops,
			  void (*pause)(void))
{
	unsigned i;

	for (i = 0; i < ops; i++) {
		long v = *c;

		/* another task's writes between these two lines are lost */
		*c = v + 1;
		if (pause && i % RACE_YIELD_EVERY == RACE_YIELD_EVERY - 1)
			pause();
	}
	t->done = i;
}

static double race_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the gate: the root opens it once every task exists ---- */

static long race_futex(uint32_t *word, int op, uint32_t val)
{
	/* not FUTEX_PRIVATE: the word may be shared between processes */
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/* 1 when the gate opened for work, 0 when the run was called off */
static int race_gate_wait(uint32_t *gate)
{
	uint32_t g;

	while ((g = __atomic_load_n(gate, __ATOMIC_ACQUIRE)) ==
	       RACE_GATE_CLOSED)
		race_futex(gate, FUTEX_WAIT, RACE_GATE_CLOSED);
	return g == RACE_GATE_OPEN;
}

static void race_gate_set(uint32_t *gate, uint32_t how)
{
	__atomic_store_n(gate, how, __ATOMIC_RELEASE);
	race_futex(gate, FUTEX_WAKE, INT_MAX);
}

/* ---- CPUs: "0" puts every task on CPU 0, "0,1" alternates them ---- */

static int race_parse_cpus(struct race_run *r, const char *s)
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
		    r->ncpus == RACE_MAX_CPUS) {
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
static int race_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Coroutines are one thread: it goes on the first CPU of the list, and
 * back where it was afterwards. */
static int race_pin_root(const struct race_run *r, cpu_set_t *saved)
{
	if (!r->ncpus)
		return 0;
	if (sched_getaffinity(0, sizeof(*saved), saved) == 0 &&
	    race_pin(r->cpus[0]) == 0)
		return 0;
	fprintf(stderr, "%s: pinning to CPU %d: %s\n", r->name, r->cpus[0],
		strerror(errno));
	return -1;
}

static void race_unpin_root(const struct race_run *r, const cpu_set_t *saved)
{
	if (r->ncpus)
		sched_setaffinity(0, sizeof(*saved), saved);
}

/* ---- setup, verdict, teardown ---- */

static void *race_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Takes the parameters; nothing to undo when it fails. */
static int race_params(struct race_run *r, const char *name,
		       const struct workload_params *p)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->n = p->tasks ? p->tasks : RACE_TASKS;
	r->ops = p->ops ? p->ops : RACE_OPS;
	r->expected = (long)r->n * (long)r->ops;
	if (r->n > RACE_MAX_TASKS) {
		fprintf(stderr, "%s: %u tasks, at most %u\n", name, r->n,
			RACE_MAX_TASKS);
		return -1;
	}
	return race_parse_cpus(r, p->cpus);
}

static void race_teardown(struct race_run *r)
{
	if (r->counter_mapped)
		munmap((void *)r->counter, sizeof(*r->counter));
	r->counter_mapped = 0;
	r->counter = NULL;
	if (r->board)
		munmap(r->board, r->board_size);
	r->board = NULL;
}

/* counter_mapped: put the counter in a shared mapping instead of the
 * global. */
static int race_setup(struct race_run *r, int counter_mapped)
{
	r->board_size = sizeof(*r->board) + r->n * sizeof(r->board->t[0]);
	r->board = race_map(r->board_size);
	r->counter = counter_mapped ? race_map(sizeof(*r->counter)) : &counter;
	r->counter_mapped = counter_mapped && r->counter;
	if (!r->board || !r->counter) {
		fprintf(stderr, "%s: mmap: %s\n", r->name, strerror(errno));
		race_teardown(r);
		return -1;
	}
	for (unsigned i = 0; i < r->n; i++) {
		struct race_task *t = &r->board->t[i];

		t->run = r;
		t->id = i;
		snprintf(t->name, sizeof(t->name), "race-w%u", i);
		t->cpu = r->ncpus ? r->cpus[i % r->ncpus] : -1;
	}
	*r->counter = 0;
	return 0;
}

/* Every task made all its increments, and the counter is no higher than
 * their number: a lost update can only make it lower. Says what was wrong
 * in one line otherwise. */
static int race_verdict(const struct race_run *r)
{
	unsigned short_tasks = 0, started = 0;
	const struct race_task *first = NULL;
	long got = *r->counter;

	for (unsigned i = 0; i < r->n; i++) {
		const struct race_task *t = &r->board->t[i];

		started += t->started;
		if (t->started && !t->failed && t->done == r->ops)
			continue;
		if (!short_tasks++)
			first = t;
	}
	if (r->died && WIFSIGNALED(r->died_status)) {
		fprintf(stderr,
			"%s: %s was killed by signal %d; the others were "
			"stopped\n",
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
			"%u increments)\n",
			r->name, short_tasks, r->n, first->name, first->done,
			r->ops);
		return 1;
	}
	if (got < 0 || got > r->expected) {
		fprintf(stderr,
			"%s: counter %ld after %ld increments: no race can "
			"leave that\n",
			r->name, got, r->expected);
		return 1;
	}
	return 0;
}

/* One line for the reader: how many updates the race lost. */
static void race_report(const struct race_run *r, const char *extra)
{
	long got = *r->counter, lost = r->expected - got;

	printf("%s: %u tasks x %u increments in %.3f s: counter %ld of %ld, "
	       "lost %ld updates (%.2f%%)%s\n",
	       r->name, r->n, r->ops, r->secs, got, r->expected, lost,
	       r->expected ? 100.0 * (double)lost / (double)r->expected : 0.0,
	       extra);
}

/* Marks the end of a run and gives back everything it holds. */
static int race_finish(struct race_run *r, int result)
{
	LAB_MARK_END(result);
	race_teardown(r);
	return result;
}

/* What a process or thread task does once it exists. */
static void race_task_start(struct race_task *t)
{
	struct race_run *r = t->run;

	if (race_pin(t->cpu) != 0 || !race_gate_wait(&r->board->gate)) {
		t->failed = 1;
		return;
	}
	race_task_run(t, r->counter, r->ops, NULL);
}

/* ---- processes ---- */

static __attribute__((noreturn)) void race_child(struct race_task *t)
{
	prctl(PR_SET_NAME, t->name);
	race_task_start(t);
	_exit(t->failed);
}

/* Reaps every child, whichever ends first. Once one has died the count
 * is wrong whatever the others do: they are stopped rather than left to
 * finish a run that has already failed. */
static void race_reap(struct race_run *r, unsigned left)
{
	while (left) {
		struct race_task *dead = NULL;
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

static int race_processes_run(const struct workload_params *p)
{
	struct race_run r;
	unsigned started = 0;
	double t0;
	int result;

	if (race_params(&r, "race-processes", p) != 0)
		return 1;
	LAB_MARK_START(r.n);
	LAB_MARK_OPS(r.ops);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (race_setup(&r, 1) != 0)
		return race_finish(&r, 1);
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n; i++) {
		struct race_task *t = &r.board->t[i];
		/* t is in the shared board: only the root may set its pid */
		pid_t pid = fork();

		if (pid == 0)
			race_child(t);
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
	t0 = race_now();
	race_gate_set(&r.board->gate,
		      started == r.n ? RACE_GATE_OPEN : RACE_GATE_CALLED_OFF);
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	race_reap(&r, started);
	r.secs = race_now() - t0;
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	result = race_verdict(&r);
	if (!result)
		race_report(&r, "");
	return race_finish(&r, result);
}

/* ---- threads ---- */

static void *race_thread(void *arg)
{
	struct race_task *t = arg;

	pthread_setname_np(pthread_self(), t->name);
	race_task_start(t);
	return NULL;
}

static int race_threads_run(const struct workload_params *p)
{
	struct race_run r;
	unsigned started = 0;
	double t0;
	int result;

	if (race_params(&r, "race-threads", p) != 0)
		return 1;
	LAB_MARK_START(r.n);
	LAB_MARK_OPS(r.ops);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (race_setup(&r, 0) != 0)
		return race_finish(&r, 1);
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n; i++) {
		struct race_task *t = &r.board->t[i];
		int err = pthread_create(&t->thread, NULL, race_thread, t);

		if (err) {
			fprintf(stderr, "%s: pthread_create: %s\n", r.name,
				strerror(err));
			break;
		}
		t->started = 1;
		started++;
	}
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	t0 = race_now();
	race_gate_set(&r.board->gate,
		      started == r.n ? RACE_GATE_OPEN : RACE_GATE_CALLED_OFF);
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	for (unsigned i = 0; i < r.n; i++)
		if (r.board->t[i].started)
			pthread_join(r.board->t[i].thread, NULL);
	r.secs = race_now() - t0;
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	result = race_verdict(&r);
	if (!result)
		race_report(&r, "");
	return race_finish(&r, result);
}

/* ---- coroutines ---- */

static void race_coro_task(void *arg)
{
	struct race_task *t = arg;

	race_task_run(t, t->run->counter, t->run->ops, coro_yield);
}

static int race_coroutines_run(const struct workload_params *p)
{
	struct race_run r;
	uint64_t switches = coro_switches();
	cpu_set_t saved;
	char extra[200];
	double t0;
	int result, err = 0;

	if (race_params(&r, "race-coroutines", p) != 0)
		return 1;
	LAB_MARK_START(r.n);
	LAB_MARK_OPS(r.ops);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (race_setup(&r, 0) != 0)
		return race_finish(&r, 1);
	if (race_pin_root(&r, &saved) != 0)
		return race_finish(&r, 1);
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		err = coro_spawn(race_coro_task, &r.board->t[i], 0);
		r.board->t[i].started = !err;
	}
	if (err)
		fprintf(stderr, "%s: coro_spawn: %s\n", r.name, strerror(-err));
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	t0 = race_now();
	err = coro_run();
	r.secs = race_now() - t0;
	if (err)
		fprintf(stderr, "%s: coro_run: %s\n", r.name, strerror(-err));
	race_unpin_root(&r, &saved);
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	switches = coro_switches() - switches;
	result = race_verdict(&r) || err;
	if (!result && *r.counter != r.expected) {
		fprintf(stderr,
			"%s: lost %ld updates, but coroutines switch only "
			"where they yield\n",
			r.name, r.expected - *r.counter);
		result = 1;
	}
	snprintf(extra, sizeof(extra),
		 ": coroutines switch only where they yield (%llu switches, "
		 "one every %u increments), never inside a read-add-write",
		 (unsigned long long)switches, RACE_YIELD_EVERY);
	if (!result)
		race_report(&r, extra);
	LAB_MARK_CORO_SWITCHES(switches);
	return race_finish(&r, result);
}

const struct workload race_processes = {
	.name = "race-processes",
	.scenario = "race",
	.model = "processes",
	.summary = "N processes add to a shared counter unlocked: lost updates",
	.run = race_processes_run,
};

const struct workload race_threads = {
	.name = "race-threads",
	.scenario = "race",
	.model = "threads",
	.summary = "N threads add to a global counter unlocked: lost updates",
	.run = race_threads_run,
};

const struct workload race_coroutines = {
	.name = "race-coroutines",
	.scenario = "race",
	.model = "coroutines",
	.summary = "N coroutines add to a counter unlocked: none lost",
	.run = race_coroutines_run,
};
