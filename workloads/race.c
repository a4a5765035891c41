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
 * race_job() is the job, the same code in every model; a start gate
 * holds the tasks until all of them exist, so that they race from the
 * first update. The models are started by launch.c, from the
 * race_<model>_run() functions at the end:
 *	processes	the counter in a MAP_SHARED mapping, fork, waitpid
 *	threads		the global counter, pthread_create, pthread_join
 *	coroutines	the global counter, coro_spawn, coro_run; each task
 *			yields every RACE_YIELD_EVERY increments
 */
#include <stdint.h>
#include <stdio.h>
#include "workloads/launch.h"
#include "workloads/race.h"

#define RACE_TASKS	 4
#define RACE_MAX_TASKS	 10000u
#define RACE_OPS	 300000000
#define RACE_YIELD_EVERY 64u /* coroutines: increments between yields */

/* Threads and coroutines share the globals of their process. Processes do
 * not (after fork each has its own copy): theirs is in a shared mapping.
 * volatile makes every read and write reach memory, one by one, as the
 * race needs; it makes nothing atomic. */
static volatile long counter;

/* The job, the same in every model: read, add one, write back. A
 * coroutine lets the others run between two updates. */
static void race_job(struct launch_task *t)
{
	volatile long *c = t->run->shared;
	unsigned ops = (unsigned)t->run->ops;
	int yields = t->run->model == LAUNCH_COROUTINES;
	unsigned i;

	for (i = 0; i < ops; i++) {
		long v = *c;

		/* another task's writes between these two lines are lost */
		*c = v + 1;
		if (yields && i % RACE_YIELD_EVERY == RACE_YIELD_EVERY - 1)
			launch_pause(t);
	}
	t->done = i;
}

static int race_prepare(struct launch *l, const struct workload_params *p)
{
	l->ops = p->ops ? p->ops : RACE_OPS;
	return 0;
}

static long race_updates(const struct launch *l)
{
	return (long)l->n * (long)l->ops;
}

/* Every task made all its increments, and the counter is no higher than
 * their number: a lost update can only make it lower. Coroutines lose
 * none. Says what was wrong in one line otherwise. */
static int race_check(struct launch *l)
{
	long got = *(volatile long *)l->shared, updates = race_updates(l);

	if (launch_verdict(l, "increments", "", "") != 0)
		return 1;
	if (got < 0 || got > updates) {
		fprintf(stderr,
			"%s: counter %ld after %ld increments: no race can "
			"leave that\n",
			l->name, got, updates);
		return 1;
	}
	if (l->model == LAUNCH_COROUTINES && got != updates) {
		fprintf(stderr,
			"%s: lost %ld updates, but coroutines switch only "
			"where they yield\n",
			l->name, updates - got);
		return 1;
	}
	return 0;
}

/* One line for the reader: how many updates the race lost. */
static void race_report(const struct launch *l)
{
	long got = *(volatile long *)l->shared, updates = race_updates(l);
	long lost = updates - got;
	uint64_t ns = l->joined_ns - l->go_ns;
	char extra[200] = "";

	if (l->model == LAUNCH_COROUTINES)
		snprintf(extra, sizeof(extra),
			 ": coroutines switch only where they yield (%llu "
			 "switches, one every %u increments), never inside a "
			 "read-add-write",
			 (unsigned long long)l->switches, RACE_YIELD_EVERY);
	printf("%s: %u tasks x %u increments in %.3f s: counter %ld of %ld, "
	       "lost %ld updates (%.2f%%)%s\n",
	       l->name, l->n, (unsigned)l->ops, (double)ns / 1e9, got, updates,
	       lost, updates ? 100.0 * (double)lost / (double)updates : 0.0,
	       extra);
	LAB_RESULT(LAB_RESULT_OPS, (uint64_t)updates);
	LAB_RESULT(LAB_RESULT_OPS_NS, ns);
	LAB_RESULT(LAB_RESULT_LOST, (uint64_t)lost);
}

static const struct launch_kind race_kind = {
	.scenario = "race",
	.prefix = "race-w",
	.tasks = RACE_TASKS,
	.max_tasks = RACE_MAX_TASKS,
	.run_size = sizeof(struct launch),
	.slot_size = sizeof(struct launch_task),
	/* once one has died the count is wrong whatever the others do */
	.flags = LAUNCH_GATE | LAUNCH_PIN | LAUNCH_STOP_ALL |
		 LAUNCH_SHARE_MEMORY,
	/* the counter is only ever reached through volatile pointers */
	.shared = (void *)&counter,
	.shared_size = sizeof(counter),
	.go_phase = LAB_PHASE_WORK,
	.join_phase = LAB_PHASE_JOIN,
	.job = race_job,
	.prepare = race_prepare,
	.check = race_check,
	.report = race_report,
};

/* ---- the models, each started by launch.c ---- */

static int race_processes_run(const struct workload_params *p)
{
	return launch_run(&race_kind, LAUNCH_PROCESSES, p);
}

static int race_threads_run(const struct workload_params *p)
{
	return launch_run(&race_kind, LAUNCH_THREADS, p);
}

static int race_coroutines_run(const struct workload_params *p)
{
	return launch_run(&race_kind, LAUNCH_COROUTINES, p);
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
