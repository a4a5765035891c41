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
 * race_task_run() is the job, the same code in every model. What surrounds
 * the models, from the parameters to the start gate and the tasks' part of
 * the verdict, is tally.c, shared with the lock scenario. Below the job,
 * one function per model:
 *	processes	the counter in a MAP_SHARED mapping, fork, waitpid
 *	threads		the global counter, pthread_create, pthread_join
 *	coroutines	the global counter, coro_spawn, coro_run; each task
 *			yields every RACE_YIELD_EVERY increments
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
#include "markers.h"
#include "race.h"
#include "tally.h"

#define RACE_TASKS	 4
#define RACE_OPS	 300000000
#define RACE_YIELD_EVERY 64u /* coroutines: increments between yields */

/* Threads and coroutines share the globals of their process. Processes do
 * not (after fork each has its own copy): theirs is in a shared mapping.
 * volatile makes every read and write reach memory, one by one, as the
 * race needs; it makes nothing atomic. */
static volatile long counter;

/* The job, the same in every model: read, add one, write back. pause is
 * where a coroutine lets the others run, between two updates. */
static void race_task_run(struct tally_task *t, void (*pause)(void))
{
	volatile long *c = t->run->counter;
	unsigned ops = t->run->ops;
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

static const struct tally_kind race_kind = {
	.tasks = RACE_TASKS,
	.ops = RACE_OPS,
	.prefix = "race-w",
	.updates = "increments",
	.stopped = "",
	/* the counter is only ever reached through volatile pointers */
	.counter = (void *)&counter,
	.counter_size = sizeof(counter),
};

/* ---- setup, verdict, teardown ---- */

/* tally_begin, then the counter at 0; shared: in a shared mapping */
static int race_begin(struct tally_run *r, const char *name,
		      const struct workload_params *p, int shared)
{
	if (tally_begin(r, &race_kind, name, p, shared) != 0)
		return -1;
	*(volatile long *)r->counter = 0;
	return 0;
}

/* Every task made all its increments, and the counter is no higher than
 * their number: a lost update can only make it lower. Says what was wrong
 * in one line otherwise. */
static int race_verdict(const struct tally_run *r)
{
	long got = *(volatile long *)r->counter;

	if (tally_verdict(r, "") != 0)
		return 1;
	if (got < 0 || got > r->updates) {
		fprintf(stderr,
			"%s: counter %ld after %ld increments: no race can "
			"leave that\n",
			r->name, got, r->updates);
		return 1;
	}
	return 0;
}

/* One line for the reader: how many updates the race lost. */
static void race_report(const struct tally_run *r, const char *extra)
{
	long got = *(volatile long *)r->counter, lost = r->updates - got;

	printf("%s: %u tasks x %u increments in %.3f s: counter %ld of %ld, "
	       "lost %ld updates (%.2f%%)%s\n",
	       r->name, r->n, r->ops, r->secs, got, r->updates, lost,
	       r->updates ? 100.0 * (double)lost / (double)r->updates : 0.0,
	       extra);
}

/* Judges the run, reports it and finishes it. err is a failure already
 * said; the run is judged all the same, as that says what came of it. */
static int race_end(struct tally_run *r, int err)
{
	int result = race_verdict(r) || err;

	if (!result)
		race_report(r, "");
	return tally_finish(r, result);
}

/* ---- processes ---- */

static __attribute__((noreturn)) void race_child(struct tally_task *t)
{
	prctl(PR_SET_NAME, t->name);
	if (tally_ready(t))
		race_task_run(t, NULL);
	_exit(t->failed);
}

static int race_processes_run(const struct workload_params *p)
{
	struct tally_run r;
	int err = 0;

	if (race_begin(&r, "race-processes", p, 1) != 0)
		return 1;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct tally_task *t = &r.board->t[i];
		/* t is in the shared board: only the root may set its pid */
		pid_t pid = fork();

		if (pid == 0)
			race_child(t);
		t->pid = pid;
		err = tally_started(&r, t, pid < 0 ? errno : 0, "fork");
	}
	tally_open(&r);
	/* Whichever child ends first. Once one has died the count is wrong
	 * whatever the others do: tally_reaped stops them rather than let
	 * them finish a run that has already failed. */
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
	return race_end(&r, err);
}

/* ---- threads ---- */

static void *race_thread(void *arg)
{
	struct tally_task *t = arg;

	pthread_setname_np(pthread_self(), t->name);
	if (tally_ready(t))
		race_task_run(t, NULL);
	return NULL;
}

static int race_threads_run(const struct workload_params *p)
{
	struct tally_run r;
	int err = 0;

	if (race_begin(&r, "race-threads", p, 0) != 0)
		return 1;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct tally_task *t = &r.board->t[i];
		int e = pthread_create(&t->thread, NULL, race_thread, t);

		err = tally_started(&r, t, e, "pthread_create");
	}
	tally_open(&r);
	for (unsigned i = 0; i < r.n; i++)
		if (r.board->t[i].started)
			pthread_join(r.board->t[i].thread, NULL);
	tally_stop(&r);
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	return race_end(&r, err);
}

/* ---- coroutines ---- */

static void race_coro_task(void *arg)
{
	race_task_run(arg, coro_yield);
}

static int race_coroutines_run(const struct workload_params *p)
{
	struct tally_run r;
	volatile long *c;
	uint64_t switches = coro_switches();
	cpu_set_t saved;
	char extra[200];
	int result, err = 0, ran;

	if (race_begin(&r, "race-coroutines", p, 0) != 0)
		return 1;
	c = r.counter;
	if (tasks_pin_thread(r.name, r.cpus, r.ncpus, &saved) != 0)
		return tally_finish(&r, 1);
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct tally_task *t = &r.board->t[i];
		int e = coro_spawn(race_coro_task, t, 0);

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
	result = race_verdict(&r) || err || ran;
	if (!result && *c != r.updates) {
		fprintf(stderr,
			"%s: lost %ld updates, but coroutines switch only "
			"where they yield\n",
			r.name, r.updates - *c);
		result = 1;
	}
	snprintf(extra, sizeof(extra),
		 ": coroutines switch only where they yield (%llu switches, "
		 "one every %u increments), never inside a read-add-write",
		 (unsigned long long)switches, RACE_YIELD_EVERY);
	if (!result)
		race_report(&r, extra);
	LAB_MARK_CORO_SWITCHES(switches);
	return tally_finish(&r, result);
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
