/* test_io.c - the io scenario and the workload registry. Each workload runs
 * in a forked child (workload_child.h), which also checks that the run left
 * no child process and no extra thread behind. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "workloads/io.h"
#include "tests/test.h"
#include "tests/workload_child.h"

static const struct workload_params small = {
	.tasks = 3, .ops = 3, .duration_s = 0.03};

static const struct workload *const io_family[] = {
	&io_processes, &io_threads, &io_events, &io_coroutines, &io_serial,
};

#define NFAMILY (sizeof(io_family) / sizeof(io_family[0]))

TEST(io_every_variant_succeeds_and_cleans_up)
{
	for (size_t i = 0; i < NFAMILY; i++) {
		struct child c;

		if (child_run(&c, io_family[i], &small, NULL) != 0)
			continue;
		CHECK_MSG(child_exited(&c, 0), "%s: status %#x, stderr: %s",
			  io_family[i]->name, c.status, c.errtext);
		CHECK_MSG(c.errtext[0] == '\0', "%s printed: %s",
			  io_family[i]->name, c.errtext);
	}
}

TEST(io_coroutines_switch_in_user_space)
{
	struct child c;

	if (child_run(&c, &io_coroutines, &small, NULL) != 0)
		return;
	if (!CHECK_MSG(child_exited(&c, 0), "status %#x: %s", c.status,
		       c.errtext))
		return;
	/* every op parks its task at least twice: the timer, the echo */
	CHECK_MSG(c.switches >= 2ull * small.tasks * small.ops,
		  "%llu switches for %u ops", (unsigned long long)c.switches,
		  small.tasks * small.ops);
	/* the other models make none */
	if (child_run(&c, &io_threads, &small, NULL) != 0)
		return;
	CHECK_EQ(c.switches, 0);
}

/* The events model: no switch in user space, and its loop's callbacks
 * (which its own check held to the state machines' count) at least a
 * timer, an echo read back and the echo side's read per op, and the echo
 * side's end of file per task. */
TEST(io_events_call_back_instead_of_switching)
{
	struct child c;
	double dispatched, bytes, floor;

	if (child_run(&c, &io_events, &small, NULL) != 0)
		return;
	if (!CHECK_MSG(child_exited(&c, 0), "status %#x: %s", c.status,
		       c.errtext))
		return;
	CHECK_EQ(c.switches, 0);
	dispatched = child_figure_before(c.outtext, " dispatches");
	bytes = child_figure_before(c.outtext, "-byte state machine");
	floor = (3.0 * small.ops + 1) * small.tasks;
	CHECK_MSG(dispatched >= floor && dispatched < 2 * floor,
		  "%.0f callbacks for %u tasks x %u ops: %s", dispatched,
		  small.tasks, small.ops, c.outtext);
	/* what a task keeps between callbacks: far below a stack's page */
	CHECK_MSG(bytes > 0 && bytes < 4096, "%.0f bytes: %s", bytes,
		  c.outtext);
}

TEST(io_concurrent_variants_beat_serial)
{
	const struct workload_params p = {
		.tasks = 4, .ops = 3, .duration_s = 0.06};
	struct child serial, c;
	double floor_s = p.tasks * p.duration_s;

	if (child_run(&serial, &io_serial, &p, NULL) != 0 ||
	    !CHECK_MSG(child_exited(&serial, 0), "serial: %s", serial.errtext))
		return;
	/* one task after another cannot beat the sum of their sleeps */
	CHECK_MSG(serial.secs >= floor_s, "serial took %.3f s < %.3f s",
		  serial.secs, floor_s);
	for (size_t i = 0; i + 1 < NFAMILY; i++) {
		if (child_run(&c, io_family[i], &p, NULL) != 0 ||
		    !CHECK_MSG(child_exited(&c, 0), "%s: %s",
			       io_family[i]->name, c.errtext))
			continue;
		CHECK_MSG(c.secs < 0.6 * serial.secs,
			  "%s took %.3f s, serial %.3f s", io_family[i]->name,
			  c.secs, serial.secs);
	}
}

TEST(io_workers_carry_their_names)
{
	const struct workload_params p = {
		.tasks = 2, .ops = 10, .duration_s = 0.5};
	const char *const names[] = {"io-w0", "io-w1"};
	struct child c;

	if (!CHECK(child_start(&c, &io_processes, &p, NULL) == 0))
		return;
	CHECK_MSG(child_wait_for_named(c.pid, "io-w1"),
		  "no process io-w1 under %d", (int)c.pid);
	child_finish(&c);
	CHECK(child_exited(&c, 0));

	if (!CHECK(child_start(&c, &io_threads, &p, NULL) == 0))
		return;
	CHECK_MSG(child_wait_for_threads(c.pid, names, 2),
		  "no threads io-w0, io-w1 in %d", (int)c.pid);
	child_finish(&c);
	CHECK(child_exited(&c, 0));
}

TEST(io_a_killed_worker_makes_a_wrong_result)
{
	const struct workload_params p = {
		.tasks = 2, .ops = 20, .duration_s = 1.0};
	struct child c;

	if (child_run_killing(&c, &io_processes, &p, "io-w1") != 0)
		return;
	/* 1 = wrong result; no hang, no zombie left behind */
	CHECK_MSG(child_exited(&c, 1), "status %#x, stderr: %s", c.status,
		  c.errtext);
	CHECK_MSG(strstr(c.errtext, "io-w1") && !strstr(c.errtext, "io-w0"),
		  "stderr: %s", c.errtext);
}

TEST(io_rejects_what_it_cannot_run)
{
	const struct child_limits few_fds = {.nofile = 64};
	struct workload_params bad = small;
	struct child c;

	bad.duration_s = -1;
	if (child_run(&c, &io_serial, &bad, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "duration"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	bad.duration_s = NAN;
	if (child_run(&c, &io_threads, &bad, NULL) == 0)
		CHECK(child_exited(&c, 1));
	/* 100 tasks need more than 64 descriptors */
	bad = small;
	bad.tasks = 100;
	for (size_t i = 0; i < NFAMILY; i++) {
		if (child_run(&c, io_family[i], &bad, &few_fds) != 0)
			continue;
		CHECK_MSG(child_exited(&c, 1) &&
				  strstr(c.errtext, "descriptors"),
			  "%s: status %#x, stderr: %s", io_family[i]->name,
			  c.status, c.errtext);
	}
}

TEST(registry_finds_workloads_and_scenarios)
{
	size_t n = 0;

	for (const struct workload *const *w = workload_table; *w; w++, n++) {
		char expect[64];

		if (!CHECK((*w)->name && (*w)->scenario && (*w)->model &&
			   (*w)->summary && (*w)->run))
			continue;
		snprintf(expect, sizeof(expect), "%s-%s", (*w)->scenario,
			 (*w)->model);
		CHECK_STR((*w)->name, expect);
		CHECK(workload_find((*w)->name) == *w);
		CHECK(workload_is_scenario((*w)->scenario));
		CHECK(!workload_is_scenario((*w)->name));
		CHECK_MSG(strlen((*w)->summary) < 70, "%s: summary too long",
			  (*w)->name);
	}
	CHECK(n >= NFAMILY);
	for (size_t i = 0; i < NFAMILY; i++)
		CHECK(workload_find(io_family[i]->name) == io_family[i]);
	CHECK(workload_find("io-thread") == NULL);
	CHECK(workload_find("") == NULL);
	CHECK(workload_find(NULL) == NULL);
	CHECK(workload_is_scenario("io"));
	CHECK(!workload_is_scenario("i"));
	CHECK(!workload_is_scenario(NULL));
}
