/* test_shared.c - the shared scenario. Each workload runs in a forked
 * child (workload_child.h) whose stdout and stderr are kept, and which also
 * checks that the run left no child process and no extra thread behind. */
#include <stdio.h>
#include <string.h>
#include "workloads/shared.h"
#include "tests/test.h"
#include "tests/workload_child.h"

static const struct workload *const shared_family[] = {
	&shared_processes,
	&shared_threads,
	&shared_coroutines,
};

#define NSHARED (sizeof(shared_family) / sizeof(shared_family[0]))

/* "<name>: N tasks x U updates: manager M ns, locked L ns per update" */
static int parse_costs(const struct child *c, const char *name, unsigned *tasks,
		       unsigned *updates, double *managed, double *locked)
{
	const char *line = child_result(c, name);

	return line && sscanf(line,
			      "%u tasks x %u updates: manager %lf ns, "
			      "locked %lf ns per update",
			      tasks, updates, managed, locked) == 4;
}

TEST(shared_every_variant_counts_exactly_both_ways)
{
	const struct workload_params p = {.tasks = 3, .ops = 2000};

	for (size_t i = 0; i < NSHARED; i++) {
		const struct workload *w = shared_family[i];
		unsigned tasks = 0, updates = 0;
		double managed = 0, locked = 0;
		struct child c;

		if (child_run(&c, w, &p, NULL) != 0)
			continue;
		if (!CHECK_MSG(child_exited(&c, 0),
			       "%s: status %#x, stderr: %s", w->name, c.status,
			       c.errtext))
			continue;
		CHECK_MSG(c.errtext[0] == '\0', "%s printed: %s", w->name,
			  c.errtext);
		if (!CHECK_MSG(parse_costs(&c, w->name, &tasks, &updates,
					   &managed, &locked),
			       "%s: no result line in: %s", w->name, c.outtext))
			continue;
		CHECK_EQ(tasks, p.tasks);
		CHECK_EQ(updates, p.ops);
		/* a round trip through a server against a lock: unloaded,
		 * microseconds against tens of nanoseconds; a busy machine
		 * preempting lock holders narrows the gap, never reverses it */
		CHECK_MSG(managed > 0 && locked > 0 && managed > 2 * locked,
			  "%s: manager %.0f ns, locked %.0f ns per update",
			  w->name, managed, locked);
	}
}

TEST(shared_odd_sizes_work_too)
{
	const struct workload_params ps[] = {
		{.tasks = 1, .ops = 1},
		{.tasks = 20, .ops = 17},
	};

	for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++)
		for (size_t i = 0; i < NSHARED; i++) {
			struct child c;

			if (child_run(&c, shared_family[i], &ps[k], NULL) != 0)
				continue;
			CHECK_MSG(child_exited(&c, 0), "%s %u x %u: %s",
				  shared_family[i]->name, ps[k].tasks,
				  ps[k].ops, c.errtext);
		}
}

TEST(shared_coroutines_switch_only_in_user_space)
{
	const struct workload_params p = {.tasks = 3, .ops = 500};
	struct child c;

	if (child_run(&c, &shared_coroutines, &p, NULL) != 0 ||
	    !CHECK_MSG(child_exited(&c, 0), "%s", c.errtext))
		return;
	/* a request parks its worker until the manager has answered */
	CHECK_MSG(c.switches >= 2ull * p.tasks * p.ops,
		  "%llu switches for %u requests", c.switches, p.tasks * p.ops);
	if (child_run(&c, &shared_threads, &p, NULL) != 0)
		return;
	CHECK_EQ(c.switches, 0);
}

TEST(shared_tasks_carry_their_names)
{
	const struct workload_params p = {.tasks = 2, .ops = 10000};
	const char *const names[] = {"shared-mgr", "shared-w1"};
	struct child c;
	int named;

	if (!CHECK_MSG(child_start(&c, &shared_threads, &p, NULL) == 0,
		       "start"))
		return;
	named = child_wait_for_threads(c.pid, names, 2);
	child_finish(&c);
	CHECK_MSG(named, "no threads shared-mgr, shared-w1 in %d", (int)c.pid);
	CHECK_MSG(child_exited(&c, 0), "status %#x: %s", c.status, c.errtext);
}

/* Without its manager no update can land: the workers fail at once and
 * the run says which task failed. */
TEST(shared_a_killed_manager_fails_the_run)
{
	const struct workload_params p = {.tasks = 2, .ops = 200000};
	struct child c;

	if (child_run_killing(&c, &shared_processes, &p, "shared-mgr") != 0)
		return;
	CHECK_MSG(child_exited(&c, 1), "status %#x, stderr: %s", c.status,
		  c.errtext);
	CHECK_MSG(strstr(c.errtext, "failed: shared-mgr") &&
			  strstr(c.errtext, "expected"),
		  "stderr: %s", c.errtext);
	/* 400000 round trips take seconds; the end came at once */
	CHECK_MSG(c.secs < 1.5, "took %.2f s", c.secs);
}

/* A worker killed in the middle loses its remaining updates: the
 * manager's count comes out short and the run names the worker. */
TEST(shared_a_killed_worker_makes_a_wrong_count)
{
	const struct workload_params p = {.tasks = 2, .ops = 30000};
	struct child c;

	if (child_run_killing(&c, &shared_processes, &p, "shared-w1") != 0)
		return;
	CHECK_MSG(child_exited(&c, 1), "status %#x, stderr: %s", c.status,
		  c.errtext);
	CHECK_MSG(strstr(c.errtext, "manager dict k") &&
			  strstr(c.errtext, "failed: shared-w1"),
		  "stderr: %s", c.errtext);
}

TEST(shared_rejects_what_it_cannot_run)
{
	const struct workload_params p = {.tasks = 1000, .ops = 1};
	struct child c;

	if (child_run(&c, &shared_threads, &p, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "at most"),
			  "status %#x, stderr: %s", c.status, c.errtext);
}
