/* test_cpu.c - the cpu scenario. Each workload runs in a forked child
 * (workload_child.h), which also checks that the run left no child
 * process and no extra thread behind. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "workloads/cpu.h"
#include "tests/test.h"
#include "tests/workload_child.h"

static const struct workload *const cpu_family[] = {
	&cpu_processes,
	&cpu_threads,
	&cpu_coroutines,
	&cpu_serial,
};

#define NFAMILY (sizeof(cpu_family) / sizeof(cpu_family[0]))
#define SLICE	(1u << 20) /* CPU_SLICE_OPS in cpu.c */

static const struct workload_params small = {.tasks = 3, .ops = 3000000};

/* the printed wall time and CPUs busy of a run that succeeded */
static double wall_of(const struct child *c)
{
	return child_figure(c->outtext, "multiply-adds: ");
}

static double busy_of(const struct child *c)
{
	return child_figure_before(c->outtext, " CPUs busy");
}

TEST(cpu_every_variant_succeeds_and_cleans_up)
{
	for (size_t i = 0; i < NFAMILY; i++) {
		const struct workload *w = cpu_family[i];
		char head[96];
		struct child c;

		if (child_run_ok(&c, w, &small) != 0)
			continue;
		snprintf(head, sizeof(head),
			 "%s: 3 tasks x 3000000 multiply-adds", w->name);
		CHECK_MSG(strncmp(c.outtext, head, strlen(head)) == 0,
			  "%s printed: %s", w->name, c.outtext);
		CHECK_MSG(wall_of(&c) > 0 && busy_of(&c) > 0, "%s printed: %s",
			  w->name, c.outtext);
		CHECK_MSG(wall_of(&c) <= c.secs + 0.0015,
			  "%s: %.3f s printed, ran %.3f s", w->name,
			  wall_of(&c), c.secs);
	}
}

/* One thread cannot keep more than one CPU busy, and neither can threads
 * or processes pinned to a single CPU. */
TEST(cpu_one_thread_never_uses_more_than_one_cpu)
{
	const struct workload_params p = {.tasks = 3, .ops = 10000000};
	struct workload_params pinned = p;
	struct child c;

	if (child_run_ok(&c, &cpu_coroutines, &p) == 0)
		CHECK_MSG(busy_of(&c) > 0.3 && busy_of(&c) <= 1.05, "%s",
			  c.outtext);
	if (child_run_ok(&c, &cpu_serial, &p) == 0)
		CHECK_MSG(busy_of(&c) > 0.3 && busy_of(&c) <= 1.05, "%s",
			  c.outtext);
	pinned.cpus = "0";
	if (child_run_ok(&c, &cpu_threads, &pinned) == 0)
		CHECK_MSG(busy_of(&c) <= 1.05, "pinned: %s", c.outtext);
	if (child_run_ok(&c, &cpu_processes, &pinned) == 0)
		CHECK_MSG(busy_of(&c) <= 1.05, "pinned: %s", c.outtext);
}

/* One race of the four models; 1 when the outcome is the expected one,
 * with what it was in why. */
static int cpu_race(const struct workload_params *p, char *why, size_t len)
{
	double wall[NFAMILY];

	for (size_t i = 0; i < NFAMILY; i++) {
		struct child c;

		if (child_run_ok(&c, cpu_family[i], p) != 0)
			return -1;
		wall[i] = wall_of(&c);
	}
	snprintf(why, len,
		 "processes %.3f s, threads %.3f s, coroutines %.3f s, "
		 "serial %.3f s",
		 wall[0], wall[1], wall[2], wall[3]);
	/* two CPUs at work against one; coroutines no faster than serial */
	return wall[0] < 0.75 * wall[2] && wall[1] < 0.75 * wall[2] &&
	       wall[2] > 0.8 * wall[3];
}

TEST(cpu_threads_and_processes_beat_coroutines)
{
	const struct workload_params p = {.tasks = 2, .ops = 40000000};
	char why[200] = "";
	int ok;

	if (child_cpus() < 2)
		SKIP("one CPU: threads and processes have nothing to run in "
		     "parallel on");
	ok = child_race(cpu_race, &p, why, sizeof(why));
	if (ok == CHILD_RACE_BUSY)
		SKIP("other work holds a CPU: two spinning threads got less "
		     "than 1.6 CPUs");
	if (ok >= 0)
		CHECK_MSG(ok == 1, "%d tries, last: %s", CHILD_RACE_TRIES, why);
}

TEST(cpu_coroutines_yield_every_slice)
{
	/* five slices a task, a yield between two of them */
	const struct workload_params p = {.tasks = 3, .ops = 4 * SLICE + 5};
	struct child c;

	if (child_run_ok(&c, &cpu_coroutines, &p) != 0)
		return;
	CHECK_MSG(c.switches >= 3 * 4 && c.switches <= 3 * 5 + 8,
		  "%llu switches for 12 yields",
		  (unsigned long long)c.switches);
	CHECK_MSG(strstr(c.outtext, "switches"), "%s", c.outtext);
	if (child_run_ok(&c, &cpu_threads, &p) == 0)
		CHECK_EQ(c.switches, 0);
}

TEST(cpu_workers_carry_their_names)
{
	const struct workload_params p = {.tasks = 2, .ops = 100000000};
	const char *const names[] = {"cpu-w0", "cpu-w1"};
	struct child c;

	if (!CHECK(child_start(&c, &cpu_processes, &p, NULL) == 0))
		return;
	CHECK_MSG(child_wait_for_named(c.pid, "cpu-w1"),
		  "no process cpu-w1 under %d", (int)c.pid);
	child_finish(&c);
	CHECK_MSG(child_exited(&c, 0), "status %#x: %s", c.status, c.errtext);

	if (!CHECK(child_start(&c, &cpu_threads, &p, NULL) == 0))
		return;
	CHECK_MSG(child_wait_for_threads(c.pid, names, 2),
		  "no threads cpu-w0, cpu-w1 in %d", (int)c.pid);
	child_finish(&c);
	CHECK_MSG(child_exited(&c, 0), "status %#x: %s", c.status, c.errtext);
}

TEST(cpu_a_killed_worker_makes_a_wrong_result)
{
	const struct workload_params p = {.tasks = 2, .ops = 150000000};
	struct child c;

	if (child_run_killing(&c, &cpu_processes, &p, "cpu-w1") != 0)
		return;
	/* 1 = wrong result; no hang, no zombie left behind */
	CHECK_MSG(child_exited(&c, 1), "status %#x, stderr: %s", c.status,
		  c.errtext);
	CHECK_MSG(strstr(c.errtext, "cpu-w1") && !strstr(c.errtext, "cpu-w0"),
		  "stderr: %s", c.errtext);
	CHECK_MSG(!strchr(c.errtext, '\n') ||
			  strchr(c.errtext, '\n') == strrchr(c.errtext, '\n'),
		  "more than one line: %s", c.errtext);
}

TEST(cpu_rejects_what_it_cannot_run)
{
	struct workload_params bad = small;
	struct child c;

	bad.tasks = 10001;
	if (child_run(&c, &cpu_threads, &bad, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "at most"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	bad = small;
	bad.cpus = "4096";
	if (child_run(&c, &cpu_processes, &bad, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) &&
				  strstr(c.errtext, "not available"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	bad.cpus = "0,x";
	if (child_run(&c, &cpu_serial, &bad, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "bad CPU"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	bad = small;
	bad.ops = 0;
	bad.duration_s = NAN;
	if (child_run(&c, &cpu_coroutines, &bad, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "duration"),
			  "status %#x, stderr: %s", c.status, c.errtext);
}

/* Without ops, the duration sets the work: twice as long, about twice the
 * steps. */
/* The most steps of three runs: a run calibrates the step on a CPU the
 * host may be slowing for a few milliseconds, which makes the step look
 * slower and the run shorter; the fastest calibration is the true one. */
static double most_steps(struct workload_params *p)
{
	double most = 0;
	struct child c;

	for (int i = 0; i < 3; i++) {
		double steps;

		if (child_run_ok(&c, &cpu_serial, p) != 0)
			return 0;
		steps = child_figure(c.outtext, " x ");
		if (steps > most)
			most = steps;
	}
	return most;
}

TEST(cpu_duration_sets_the_work)
{
	struct workload_params p = {.tasks = 2, .duration_s = 0.02};
	double shorter, longer;

	shorter = most_steps(&p);
	p.duration_s = 0.04;
	longer = most_steps(&p);
	CHECK_MSG(shorter > 0 && longer / shorter > 1.4 &&
			  longer / shorter < 2.8,
		  "%.0f steps for 0.02 s, %.0f for 0.04 s", shorter, longer);
}
