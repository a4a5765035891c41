/* test_spawn.c - the spawn scenario. Each workload runs in a forked child
 * (workload_child.h), which also checks that the run left no child
 * process and no extra thread behind. */
#include <stdio.h>
#include <string.h>
#include "workloads/spawn.h"
#include "tests/test.h"
#include "tests/workload_child.h"

static const struct workload *const spawn_family[] = {
	&spawn_processes,
	&spawn_threads,
	&spawn_coroutines,
};

#define NFAMILY (sizeof(spawn_family) / sizeof(spawn_family[0]))

static const struct workload_params small = {.tasks = 5, .ops = 4};

/* A time printed as "5.42 µs" after key, in ns; -1 when there is none. */
static double spawn_time_after(const char *text, const char *key)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1}, {"µs", 1e3}, {"ms", 1e6}};
	const char *p = strstr(text, key);
	char unit[8];
	double v;

	if (!p || sscanf(p + strlen(key), "%lf %7s", &v, unit) != 2)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strncmp(unit, units[i].unit, strlen(units[i].unit)) == 0)
			return v * units[i].ns;
	return -1;
}

TEST(spawn_every_variant_runs_each_task_once)
{
	for (size_t i = 0; i < NFAMILY; i++) {
		const struct workload *w = spawn_family[i];
		char head[96];
		struct child c;
		double per_task;

		if (child_run_ok(&c, w, &small) != 0)
			continue;
		snprintf(head, sizeof(head),
			 "%s: 20 tasks in 4 rounds of 5: ", w->name);
		CHECK_MSG(strncmp(c.outtext, head, strlen(head)) == 0,
			  "%s printed: %s", w->name, c.outtext);
		/* the figure is measured: all the tasks fit in the run */
		per_task = child_figure_before(c.outtext, " µs per task");
		CHECK_MSG(per_task > 0 && per_task * 20 / 1e6 <= c.secs,
			  "%s: %.3f µs per task, %.3f s in all", w->name,
			  per_task, c.secs);
	}
}

/* One race; 1 when the outcome is the expected one, with what it was in
 * why. */
static int spawn_race(const struct workload_params *p, char *why, size_t len)
{
	double us[NFAMILY];

	for (size_t i = 0; i < NFAMILY; i++) {
		struct child c;

		if (child_run_ok(&c, spawn_family[i], p) != 0)
			return -1;
		us[i] = child_figure_before(c.outtext, " µs per task");
	}
	snprintf(why, len,
		 "processes %.3f µs, threads %.3f µs, coroutines %.3f µs a "
		 "task",
		 us[0], us[1], us[2]);
	/* a process copies an address space, a thread only gets a stack and
	 * a kernel task, a coroutine not even that */
	return us[2] > 0 && us[0] > 1.5 * us[1] && us[1] > 10 * us[2];
}

TEST(spawn_processes_cost_more_than_threads_than_coroutines)
{
	const struct workload_params p = {.tasks = 20, .ops = 5};
	char why[160] = "";
	int ok = child_race(spawn_race, &p, why, sizeof(why));

	if (ok == CHILD_RACE_BUSY)
		SKIP("other work holds a CPU: two spinning threads got less "
		     "than 1.6 CPUs");
	if (ok >= 0)
		CHECK_MSG(ok == 1, "%d tries, last: %s", CHILD_RACE_TRIES, why);
}

/* Later rounds find the stacks of the first one in the runtime's pool. A
 * child may inherit a pool from earlier tests, so the first round maps at
 * most its tasks' stacks, and when it mapped them all, pooled ones are
 * the cheaper. */
TEST(spawn_coroutines_reuse_their_stacks)
{
	const struct workload_params p = {.tasks = 20, .ops = 5};
	struct child c;
	double first_mapped, later_mapped, first, later;

	if (child_run_ok(&c, &spawn_coroutines, &p) != 0)
		return;
	first_mapped = child_figure(c.outtext, "stacks mapped: ");
	later_mapped = child_figure(c.outtext, "in the first round, ");
	first = spawn_time_after(c.outtext, "first round ");
	later = spawn_time_after(c.outtext, "later rounds ");
	if (!CHECK_MSG(first_mapped >= 0 && later_mapped >= 0 && first > 0 &&
			       later > 0,
		       "cannot read: %s", c.outtext))
		return;
	CHECK_MSG(first_mapped <= 20 && later_mapped == 0, "%s", c.outtext);
	if (first_mapped == 20)
		CHECK_MSG(later < first, "%s", c.outtext);
	/* every coroutine is switched to and away from at least once */
	CHECK_MSG(c.switches >= 100, "%llu switches for 100 coroutines",
		  (unsigned long long)c.switches);
}

/* With too little address space for the stacks, creation fails: the run
 * says how far it got, in one line, and still joins what it made. */
TEST(spawn_reports_a_task_it_could_not_create)
{
	const struct workload_params threads = {.tasks = 50, .ops = 1};
	const struct workload_params coros = {.tasks = 2000, .ops = 1};
	const struct child_limits room_for_three = {.as_headroom = 28 << 20};
	const struct child_limits room_for_few = {.as_headroom = 2 << 20};
	struct child c;

	if (child_run(&c, &spawn_threads, &threads, &room_for_three) == 0)
		CHECK_MSG(child_exited(&c, 1) &&
				  strstr(c.errtext, "pthread_create") &&
				  strstr(c.errtext, "of 50 tasks") &&
				  strchr(c.errtext, '\n') ==
					  strrchr(c.errtext, '\n'),
			  "status %#x, stderr: %s", c.status, c.errtext);
	if (child_run(&c, &spawn_coroutines, &coros, &room_for_few) == 0)
		CHECK_MSG(child_exited(&c, 1) &&
				  strstr(c.errtext, "coro_spawn") &&
				  strstr(c.errtext, "of 2000 tasks"),
			  "status %#x, stderr: %s", c.status, c.errtext);
}

TEST(spawn_rejects_what_it_cannot_run)
{
	struct workload_params bad = small;
	struct child c;

	bad.tasks = 10001;
	if (child_run(&c, &spawn_processes, &bad, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "at most"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	bad.tasks = 10000;
	bad.ops = 1001;
	if (child_run(&c, &spawn_coroutines, &bad, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "at most"),
			  "status %#x, stderr: %s", c.status, c.errtext);
}
