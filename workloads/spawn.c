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
 * part mapped, so "fresh" and "pooled" are counted, not assumed. Of a
 * task's price, the creator's own share is its time inside the call that
 * creates it (fork, pthread_create, coro_spawn), which launch.c times
 * around each call.
 *
 * spawn_job() is the job, the same in every model. launch.c creates and
 * joins the tasks, from the spawn_<model>_run() functions at the end;
 * spawn_rounds() times each round.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "workloads/coro/coro.h"
#include "workloads/launch.h"
#include "workloads/spawn.h"

#define SPAWN_TASKS	50 /* per round */
#define SPAWN_ROUNDS	80
#define SPAWN_MAX_TASKS 10000u /* alive at once */
#define SPAWN_MAX_TOTAL 10000000ull

struct spawn_run {
	struct launch base; /* base.n tasks a round */
	unsigned rounds;    /* asked for */
	uint64_t total;	    /* n x rounds */
	/* times each task ran: a MAP_SHARED mapping, so that a forked child
	 * counts where the root reads */
	uint32_t *ran;
	size_t map_len;
	uint64_t *round_ns;
	uint64_t *round_mapped; /* coroutine stacks mapped in each round */
	unsigned done;		/* rounds run */
	uint64_t made;		/* tasks created */
	unsigned bad_exits;	/* processes that did not exit with 0 */
};

/* The job, the same in every model: nothing, but counted, in the slot
 * of its index over the whole run. */
static void spawn_job(struct launch_task *t)
{
	struct spawn_run *r = (struct spawn_run *)t->run;
	size_t k = (size_t)t->run->round * t->run->n + t->id;

	__atomic_fetch_add(&r->ran[k], 1, __ATOMIC_RELAXED);
}

/* The calls each model's tasks cost, for the report. */
static const char *const spawn_calls[LAUNCH_MODELS] = {
	[LAUNCH_PROCESSES] = "fork, _exit, waitpid",
	[LAUNCH_THREADS] = "pthread_create, pthread_join",
	[LAUNCH_COROUTINES] = "coro_spawn, coro_run",
};

/* The call that creates a task, timed around it in the creator. */
static const char *const spawn_create_calls[LAUNCH_MODELS] = {
	[LAUNCH_PROCESSES] = "fork",
	[LAUNCH_THREADS] = "pthread_create",
	[LAUNCH_COROUTINES] = "coro_spawn",
};

/* Runs and times the rounds: creating the tasks, then joining them. The
 * phase markers stay out of the timed parts: traced, each is a uprobe,
 * which costs more than a pooled coroutine's whole life. */
static void spawn_rounds(struct spawn_run *r)
{
	struct launch *l = &r->base;

	for (unsigned i = 0; i < r->rounds && !l->start_err; i++) {
		uint64_t mapped = coro_stacks_mapped();

		l->round = i;
		launch_start(l);
		launch_go(l);
		launch_join(l);
		r->round_ns[i] = l->spawn_ns + l->join_ns;
		r->round_mapped[i] = coro_stacks_mapped() - mapped;
		r->made += l->started;
		r->done = i + 1;
		for (unsigned k = 0; k < l->n; k++) {
			const struct launch_task *t = launch_slot(l, k);

			r->bad_exits += t->started && t->failed;
		}
	}
}

static void spawn_teardown(struct launch *l)
{
	struct spawn_run *r = (struct spawn_run *)l;

	if (r->ran)
		munmap(r->ran, r->map_len);
	r->ran = NULL;
	free(r->round_ns);
	free(r->round_mapped);
	r->round_ns = r->round_mapped = NULL;
}

static int spawn_prepare(struct launch *l, const struct workload_params *p)
{
	struct spawn_run *r = (struct spawn_run *)l;

	r->rounds = p->ops ? p->ops : SPAWN_ROUNDS;
	r->total = (uint64_t)l->n * r->rounds;
	l->ops = r->rounds;
	if (l->n > SPAWN_MAX_TASKS || r->total > SPAWN_MAX_TOTAL) {
		fprintf(stderr,
			"%s: %u tasks x %u rounds: at most %u tasks a round "
			"and %llu in all\n",
			l->name, l->n, r->rounds, SPAWN_MAX_TASKS,
			SPAWN_MAX_TOTAL);
		return -1;
	}
	return 0;
}

static int spawn_setup(struct launch *l)
{
	struct spawn_run *r = (struct spawn_run *)l;
	void *map;

	r->map_len = r->total * sizeof(*r->ran);
	map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	r->ran = map == MAP_FAILED ? NULL : map;
	r->round_ns = calloc(r->rounds, sizeof(*r->round_ns));
	r->round_mapped = calloc(r->rounds, sizeof(*r->round_mapped));
	if (!r->ran || !r->round_ns || !r->round_mapped) {
		fprintf(stderr, "%s: out of memory\n", l->name);
		return -1;
	}
	return 0;
}

/* Every task was created and ran exactly once; one line on stderr says
 * what was wrong otherwise. */
static int spawn_verdict(struct launch *l)
{
	const struct spawn_run *r = (const struct spawn_run *)l;
	uint64_t wrong = 0, first = 0;

	if (l->start_err) {
		fprintf(stderr, "%s: %s: %s, after %llu of %llu tasks\n",
			l->name, l->start_call, strerror(l->start_err),
			(unsigned long long)r->made,
			(unsigned long long)r->total);
		return 1;
	}
	if (r->made != r->total) {
		fprintf(stderr, "%s: %llu of %llu tasks created\n", l->name,
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
			l->name, (unsigned long long)wrong,
			(unsigned long long)first, r->ran[first]);
		return 1;
	}
	if (r->bad_exits) {
		fprintf(stderr, "%s: %u processes did not exit with status 0\n",
			l->name, r->bad_exits);
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
 * each part mapped; then the creator's own share, inside the create call
 * (the rest is the task's start and end, and the join). */
static void spawn_report(const struct launch *l)
{
	const struct spawn_run *r = (const struct spawn_run *)l;
	const char *calls = spawn_calls[l->model];
	int with_stacks = l->model == LAUNCH_COROUTINES;
	uint64_t all = 0, later_mapped = 0;
	char first[32], later[32], create[32], stacks[96] = "";
	double per_later = 0;

	for (unsigned i = 0; i < r->done; i++) {
		all += r->round_ns[i];
		if (i)
			later_mapped += r->round_mapped[i];
	}
	if (r->done > 1)
		per_later = (double)(all - r->round_ns[0]) /
			    ((double)(r->done - 1) * l->n);
	if (with_stacks)
		snprintf(stacks, sizeof(stacks),
			 "; stacks mapped: %llu in the first round, %llu "
			 "after",
			 (unsigned long long)r->round_mapped[0],
			 (unsigned long long)later_mapped);
	spawn_fmt(first, sizeof(first), (double)r->round_ns[0] / l->n);
	spawn_fmt(later, sizeof(later), per_later);
	spawn_fmt(create, sizeof(create),
		  (double)l->create_ns / (double)r->made);
	printf("%s: %llu tasks in %u rounds of %u: %.3f µs per task (%s); "
	       "first round %s a task, later rounds %s%s; the creator spent "
	       "%s a task in %s\n",
	       l->name, (unsigned long long)r->made, r->done, l->n,
	       (double)all / 1e3 / (double)r->made, calls, first,
	       r->done > 1 ? later : "none", stacks, create,
	       spawn_create_calls[l->model]);
	LAB_RESULT(LAB_RESULT_OPS, r->made);
	LAB_RESULT(LAB_RESULT_OPS_NS, all);
	LAB_RESULT(LAB_RESULT_CREATE_NS, l->create_ns);
}

static const struct launch_kind spawn_kind = {
	.scenario = "spawn",
	.prefix = "spawn-w",
	.tasks = SPAWN_TASKS,
	.run_size = sizeof(struct spawn_run),
	.slot_size = sizeof(struct launch_task),
	/* no gate, no root's part: creating, then joining; coro_run is
	 * where coroutines are joined */
	.go_phase = LAB_PHASE_JOIN,
	.join_phase = LAB_PHASE_JOIN,
	.job = spawn_job,
	.prepare = spawn_prepare,
	.setup = spawn_setup,
	.check = spawn_verdict,
	.report = spawn_report,
	.teardown = spawn_teardown,
};

/* A run in rounds: launch.c's steps, called here rather than through
 * launch_run, so that each round is timed. */
static int spawn_run(enum launch_model model, const struct workload_params *p)
{
	struct launch *l = launch_begin(&spawn_kind, model, p);

	if (!l)
		return 1;
	spawn_rounds((struct spawn_run *)l);
	return launch_end(l, 0);
}

/* ---- the models, each started by launch.c ---- */

static int spawn_processes_run(const struct workload_params *p)
{
	return spawn_run(LAUNCH_PROCESSES, p);
}

static int spawn_threads_run(const struct workload_params *p)
{
	return spawn_run(LAUNCH_THREADS, p);
}

static int spawn_coroutines_run(const struct workload_params *p)
{
	return spawn_run(LAUNCH_COROUTINES, p);
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
