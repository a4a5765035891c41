/* spawn.c - the spawn scenario: create and join tasks that do nothing.
 *
 * The run goes in rounds: create `tasks` tasks, then wait for all of them
 * to end, `ops` times over. A task only counts itself in its slot of a
 * shared board, so the time of a round divided by its tasks is the price
 * of one task's life: created, scheduled once, ended, reaped. What it
 * costs is the model's own bookkeeping:
 *	processes	fork copies the page tables and marks the memory
 *			copy-on-write; _exit tears it all down; waitpid
 *			reaps the zombie
 *	threads		pthread_create maps a stack (glibc caches the stacks
 *			of joined threads, so later rounds may reuse them)
 *			and clones; pthread_join waits for its exit
 *	coroutines	coro_spawn maps a stack with a guard page, unless a
 *			finished one waits in the runtime's pool; coro_run
 *			runs them all without a system call
 * The first round pays for what later rounds find ready, so the report
 * shows it separately; for coroutines it also says how many stacks each
 * part mapped, so "fresh" and "pooled" are counted, not assumed.
 *
 * spawn_task_run() is the job, the same in every model. Below it, a
 * create and a join function per model; spawn_rounds() times them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "coro.h"
#include "markers.h"
#include "spawn.h"

#define SPAWN_TASKS	50 /* per round */
#define SPAWN_ROUNDS	80
#define SPAWN_MAX_TASKS 10000u /* alive at once */
#define SPAWN_MAX_TOTAL 10000000ull

struct spawn_run;

struct spawn_task {
	struct spawn_run *run;
	unsigned k; /* index over the whole run: its slot, its name */
	pid_t pid;
	pthread_t thread;
};

struct spawn_run {
	const char *name;
	unsigned n;	 /* tasks a round */
	unsigned rounds; /* asked for */
	uint64_t total;	 /* n x rounds */
	/* times each task ran: a MAP_SHARED mapping, so that a forked child
	 * counts where the root reads */
	uint32_t *ran;
	size_t map_len;
	struct spawn_task *t; /* the current round's tasks */
	uint64_t *round_ns;
	uint64_t *round_mapped; /* coroutine stacks mapped in each round */
	unsigned done;		/* rounds run */
	uint64_t made;		/* tasks created */
	unsigned bad_exits;	/* processes that did not exit with 0 */
	int err;	    /* errno of a call that failed: no more rounds */
	const char *failed; /* the call */
};

/* The job, the same in every model: nothing, but counted. */
static void spawn_task_run(struct spawn_run *r, unsigned k)
{
	__atomic_fetch_add(&r->ran[k], 1, __ATOMIC_RELAXED);
}

static uint64_t spawn_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void spawn_name(char *buf, size_t len, unsigned k)
{
	snprintf(buf, len, "spawn-w%u", k); /* at most 14 characters */
}

/* ---- processes: fork, _exit, waitpid ---- */

static __attribute__((noreturn)) void spawn_child(struct spawn_run *r,
						  unsigned k)
{
	char name[16];

	spawn_name(name, sizeof(name), k);
	prctl(PR_SET_NAME, name);
	spawn_task_run(r, k);
	_exit(0);
}

/* Creates the round's tasks; returns how many it created. */
static unsigned spawn_processes_create(struct spawn_run *r, unsigned base)
{
	unsigned made;

	for (made = 0; made < r->n; made++) {
		struct spawn_task *t = &r->t[made];

		t->k = base + made;
		t->pid = fork();
		if (t->pid == 0)
			spawn_child(r, t->k);
		if (t->pid < 0) {
			r->err = errno;
			r->failed = "fork";
			break;
		}
	}
	return made;
}

/* Waits for the round's tasks to end and reaps them. */
static void spawn_processes_join(struct spawn_run *r, unsigned made)
{
	for (unsigned i = 0; i < made; i++) {
		int status;
		pid_t got;

		while ((got = waitpid(r->t[i].pid, &status, 0)) < 0 &&
		       errno == EINTR)
			;
		if (got != r->t[i].pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			r->bad_exits++;
	}
}

/* ---- threads: pthread_create, pthread_join ---- */

static void *spawn_thread(void *arg)
{
	struct spawn_task *t = arg;
	char name[16];

	spawn_name(name, sizeof(name), t->k);
	pthread_setname_np(pthread_self(), name);
	spawn_task_run(t->run, t->k);
	return NULL;
}

static unsigned spawn_threads_create(struct spawn_run *r, unsigned base)
{
	unsigned made;

	for (made = 0; made < r->n; made++) {
		struct spawn_task *t = &r->t[made];
		int err;

		t->k = base + made;
		err = pthread_create(&t->thread, NULL, spawn_thread, t);
		if (err) {
			r->err = err;
			r->failed = "pthread_create";
			break;
		}
	}
	return made;
}

static void spawn_threads_join(struct spawn_run *r, unsigned made)
{
	for (unsigned i = 0; i < made; i++)
		pthread_join(r->t[i].thread, NULL);
}

/* ---- coroutines: coro_spawn, coro_run ---- */

static void spawn_coro(void *arg)
{
	struct spawn_task *t = arg;

	spawn_task_run(t->run, t->k);
}

static unsigned spawn_coroutines_create(struct spawn_run *r, unsigned base)
{
	unsigned made;

	for (made = 0; made < r->n; made++) {
		struct spawn_task *t = &r->t[made];
		int err;

		t->k = base + made;
		err = coro_spawn(spawn_coro, t, 0);
		if (err) {
			r->err = -err;
			r->failed = "coro_spawn";
			break;
		}
	}
	return made;
}

/* Nothing runs until coro_run, which returns once every coroutine has
 * ended: the run is the join. */
static void spawn_coroutines_join(struct spawn_run *r, unsigned made)
{
	int err = coro_run();

	(void)made;
	if (err && !r->err) {
		r->err = -err;
		r->failed = "coro_run";
	}
}

/* ---- the rounds, setup, verdict, report ---- */

/* A model: how it creates a round of tasks and how it joins them. */
struct spawn_model {
	unsigned (*create)(struct spawn_run *r, unsigned base);
	void (*join)(struct spawn_run *r, unsigned made);
	const char *calls; /* for the report */
};

static const struct spawn_model spawn_by_fork = {
	spawn_processes_create, spawn_processes_join, "fork, _exit, waitpid"};
static const struct spawn_model spawn_by_pthread = {
	spawn_threads_create, spawn_threads_join,
	"pthread_create, pthread_join"};
static const struct spawn_model spawn_by_coro = {
	spawn_coroutines_create, spawn_coroutines_join, "coro_spawn, coro_run"};

/* Runs and times the rounds. The phase markers stay out of the timed
 * parts: traced, each is a uprobe, which costs more than a pooled
 * coroutine's whole life. */
static void spawn_rounds(struct spawn_run *r, const struct spawn_model *m)
{
	for (unsigned i = 0; i < r->rounds && !r->err; i++) {
		uint64_t mapped = coro_stacks_mapped(), t0, t1, t2;
		unsigned made;

		LAB_MARK_PHASE(LAB_PHASE_SPAWN);
		t0 = spawn_now_ns();
		made = m->create(r, (unsigned)(i * r->n));
		t1 = spawn_now_ns();
		LAB_MARK_PHASE(LAB_PHASE_JOIN);
		t2 = spawn_now_ns();
		m->join(r, made);
		r->round_ns[i] = (t1 - t0) + (spawn_now_ns() - t2);
		r->round_mapped[i] = coro_stacks_mapped() - mapped;
		r->made += made;
		r->done = i + 1;
	}
}

static void spawn_teardown(struct spawn_run *r)
{
	if (r->ran)
		munmap(r->ran, r->map_len);
	r->ran = NULL;
	free(r->t);
	free(r->round_ns);
	free(r->round_mapped);
	r->t = NULL;
	r->round_ns = r->round_mapped = NULL;
}

/* Takes the parameters and allocates; on failure nothing is left held. */
static int spawn_setup(struct spawn_run *r, const char *name,
		       const struct workload_params *p)
{
	void *map;

	memset(r, 0, sizeof(*r));
	r->name = name;
	r->n = p->tasks ? p->tasks : SPAWN_TASKS;
	r->rounds = p->ops ? p->ops : SPAWN_ROUNDS;
	r->total = (uint64_t)r->n * r->rounds;
	if (r->n > SPAWN_MAX_TASKS || r->total > SPAWN_MAX_TOTAL) {
		fprintf(stderr,
			"%s: %u tasks x %u rounds: at most %u tasks a round "
			"and %llu in all\n",
			name, r->n, r->rounds, SPAWN_MAX_TASKS,
			SPAWN_MAX_TOTAL);
		return -1;
	}
	r->map_len = r->total * sizeof(*r->ran);
	map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	r->ran = map == MAP_FAILED ? NULL : map;
	r->t = calloc(r->n, sizeof(*r->t));
	r->round_ns = calloc(r->rounds, sizeof(*r->round_ns));
	r->round_mapped = calloc(r->rounds, sizeof(*r->round_mapped));
	if (!r->ran || !r->t || !r->round_ns || !r->round_mapped) {
		fprintf(stderr, "%s: out of memory\n", name);
		spawn_teardown(r);
		return -1;
	}
	for (unsigned i = 0; i < r->n; i++)
		r->t[i].run = r;
	return 0;
}

/* Every task was created and ran exactly once; one line on stderr says
 * what was wrong otherwise. */
static int spawn_verdict(const struct spawn_run *r)
{
	uint64_t wrong = 0, first = 0;

	if (r->err) {
		fprintf(stderr, "%s: %s: %s, after %llu of %llu tasks\n",
			r->name, r->failed, strerror(r->err),
			(unsigned long long)r->made,
			(unsigned long long)r->total);
		return 1;
	}
	if (r->made != r->total) {
		fprintf(stderr, "%s: %llu of %llu tasks created\n", r->name,
			(unsigned long long)r->made,
			(unsigned long long)r->total);
		return 1;
	}
	for (uint64_t k = 0; k < r->total; k++)
		if (r->ran[k] != 1 && !wrong++)
			first = k;
	if (wrong) {
		fprintf(stderr,
			"%s: %llu tasks did not run exactly once (task %llu "
			"ran %u times)\n",
			r->name, (unsigned long long)wrong,
			(unsigned long long)first, r->ran[first]);
		return 1;
	}
	if (r->bad_exits) {
		fprintf(stderr, "%s: %u processes did not exit with status 0\n",
			r->name, r->bad_exits);
		return 1;
	}
	return 0;
}

/* ns, µs or ms with three significant digits */
static const char *spawn_fmt(char *buf, size_t len, double ns)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.3g ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.3g µs", ns / 1e3);
	else
		snprintf(buf, len, "%.3g ms", ns / 1e6);
	return buf;
}

/* One line for the reader: the price of a task, overall and split into
 * the first round and the others; with_stacks adds the coroutine stacks
 * each part mapped. */
static void spawn_report(const struct spawn_run *r, const char *calls,
			 int with_stacks)
{
	uint64_t all = 0, later_mapped = 0;
	char first[32], later[32], stacks[96] = "";
	double per_later = 0;

	for (unsigned i = 0; i < r->done; i++) {
		all += r->round_ns[i];
		if (i)
			later_mapped += r->round_mapped[i];
	}
	if (r->done > 1)
		per_later = (double)(all - r->round_ns[0]) /
			    ((double)(r->done - 1) * r->n);
	if (with_stacks)
		snprintf(stacks, sizeof(stacks),
			 "; stacks mapped: %llu in the first round, %llu "
			 "after",
			 (unsigned long long)r->round_mapped[0],
			 (unsigned long long)later_mapped);
	spawn_fmt(first, sizeof(first), (double)r->round_ns[0] / r->n);
	spawn_fmt(later, sizeof(later), per_later);
	printf("%s: %llu tasks in %u rounds of %u: %.3f µs per task (%s); "
	       "first round %s a task, later rounds %s%s\n",
	       r->name, (unsigned long long)r->made, r->done, r->n,
	       (double)all / 1e3 / (double)r->made, calls, first,
	       r->done > 1 ? later : "none", stacks);
}

static int spawn_finish(struct spawn_run *r, const struct spawn_model *m)
{
	int result;

	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	result = spawn_verdict(r);
	if (!result)
		spawn_report(r, m->calls, m == &spawn_by_coro);
	LAB_MARK_END(result);
	spawn_teardown(r);
	return result;
}

static void spawn_begin(const struct spawn_run *r)
{
	LAB_MARK_START(r->n);
	LAB_MARK_OPS(r->rounds);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
}

static int spawn_processes_run(const struct workload_params *p)
{
	struct spawn_run r;

	if (spawn_setup(&r, "spawn-processes", p) != 0)
		return 1;
	spawn_begin(&r);
	spawn_rounds(&r, &spawn_by_fork);
	return spawn_finish(&r, &spawn_by_fork);
}

static int spawn_threads_run(const struct workload_params *p)
{
	struct spawn_run r;

	if (spawn_setup(&r, "spawn-threads", p) != 0)
		return 1;
	spawn_begin(&r);
	spawn_rounds(&r, &spawn_by_pthread);
	return spawn_finish(&r, &spawn_by_pthread);
}

static int spawn_coroutines_run(const struct workload_params *p)
{
	struct spawn_run r;
	uint64_t switches = coro_switches();

	if (spawn_setup(&r, "spawn-coroutines", p) != 0)
		return 1;
	spawn_begin(&r);
	spawn_rounds(&r, &spawn_by_coro);
	LAB_MARK_CORO_SWITCHES(coro_switches() - switches);
	return spawn_finish(&r, &spawn_by_coro);
}

const struct workload spawn_processes = {
	.name = "spawn-processes",
	.scenario = "spawn",
	.model = "processes",
	.summary = "fork and reap N processes that do nothing, in rounds",
	.run = spawn_processes_run,
};

const struct workload spawn_threads = {
	.name = "spawn-threads",
	.scenario = "spawn",
	.model = "threads",
	.summary = "create and join N threads that do nothing, in rounds",
	.run = spawn_threads_run,
};

const struct workload spawn_coroutines = {
	.name = "spawn-coroutines",
	.scenario = "spawn",
	.model = "coroutines",
	.summary = "spawn and run N coroutines that do nothing, in rounds",
	.run = spawn_coroutines_run,
};
