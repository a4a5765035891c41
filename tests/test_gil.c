/* test_gil.c - the gil scenario. Each workload runs in a forked child
 * (workload_child.h), which also checks that the run left no child
 * process and no extra thread behind. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "workloads/gil.h"
#include "tests/test.h"
#include "tests/workload_child.h"

static const struct workload *const gil_family[] = {
	&gil_processes,
	&gil_threads,
	&gil_coroutines,
	&gil_serial,
};

#define NFAMILY (sizeof(gil_family) / sizeof(gil_family[0]))

static const struct workload_params small = {.tasks = 3, .ops = 3000000};

/* figures of the line a run printed */
struct gil_line {
	double wall, busy, takes, over, waits;
};

static int gil_parse(const struct child *c, struct gil_line *l)
{
	l->wall = child_figure(c->outtext, "multiply-adds: ");
	l->busy = child_figure_before(c->outtext, " CPUs busy");
	l->takes = child_figure(c->outtext, "the lock taken ");
	l->over = child_figure(c->outtext, " times, ");
	l->waits = child_figure_before(c->outtext, " after a wait");
	return CHECK_MSG(l->wall > 0 && l->busy >= 0 && l->takes > 0 &&
				 l->over >= 0 && l->waits >= 0,
			 "cannot read: %s", c->outtext)
		       ? 0
		       : -1;
}

TEST(gil_every_variant_succeeds_and_cleans_up)
{
	for (size_t i = 0; i < NFAMILY; i++) {
		const struct workload *w = gil_family[i];
		struct gil_line l;
		char head[96];
		struct child c;

		if (child_run_ok(&c, w, &small) != 0)
			continue;
		snprintf(head, sizeof(head),
			 "%s: 3 tasks x 3000000 multiply-adds", w->name);
		CHECK_MSG(strncmp(c.outtext, head, strlen(head)) == 0,
			  "%s printed: %s", w->name, c.outtext);
		if (gil_parse(&c, &l) == 0)
			CHECK_MSG(l.wall <= c.secs + 0.0015,
				  "%s: %.3f s printed, ran %.3f s", w->name,
				  l.wall, c.secs);
	}
}

/* Only the holder computes: one lock keeps the CPU time spent computing
 * within the wall time, however many CPUs there are. Threads twice, as
 * a run on a machine whose other CPU is busy could not tell. */
TEST(gil_one_lock_computes_on_one_cpu_at_a_time)
{
	const struct workload_params p = {.tasks = 3, .ops = 20000000};
	const struct workload *const one_lock[] = {
		&gil_threads, &gil_threads, &gil_coroutines, &gil_serial};

	for (size_t i = 0; i < sizeof(one_lock) / sizeof(one_lock[0]); i++) {
		struct gil_line l;
		struct child c;

		if (child_run_ok(&c, one_lock[i], &p) != 0 ||
		    gil_parse(&c, &l) != 0)
			continue;
		CHECK_MSG(l.busy <= 1.02, "%s: %s", one_lock[i]->name,
			  c.outtext);
	}
}

/* Who gets the lock after whom is the scenario's point; where the model
 * fixes it, the counts are exact. */
TEST(gil_counts_who_takes_the_lock)
{
	const struct workload_params p = {.tasks = 3, .ops = 20000000};
	struct gil_line l;
	struct child c;

	/* one task after another: the lock changes hands twice, never waits */
	if (child_run_ok(&c, &gil_serial, &p) == 0 && gil_parse(&c, &l) == 0)
		CHECK_MSG(l.over == 2 && l.waits == 0 && l.takes >= 3, "%s",
			  c.outtext);
	/* a lock per process: nobody else ever holds it */
	if (child_run_ok(&c, &gil_processes, &p) == 0 && gil_parse(&c, &l) == 0)
		CHECK_MSG(l.over == 0 && l.waits == 0 && l.takes >= 3, "%s",
			  c.outtext);
	/* coroutines release before they yield: no waits, and the next in
	 * line takes the lock every time but at the end, when the tasks
	 * that are left may be one */
	if (child_run_ok(&c, &gil_coroutines, &p) == 0 &&
	    gil_parse(&c, &l) == 0) {
		CHECK_MSG(l.waits == 0 && l.over >= 0.5 * l.takes, "%s",
			  c.outtext);
		CHECK_MSG(c.switches >= l.takes - 1, "%llu switches: %s",
			  (unsigned long long)c.switches, c.outtext);
	}
	/* threads: at least a take per task; a take from another thread
	 * found the lock held, but for the lock left by a thread that ended
	 * and the rare thread that arrives while the holder is between
	 * release and take */
	if (child_run_ok(&c, &gil_threads, &p) == 0 && gil_parse(&c, &l) == 0)
		CHECK_MSG(l.takes >= 3 && l.over <= l.waits + 3, "%s",
			  c.outtext);
}

/* One race; 1 when the outcome is the expected one, with what it was in
 * why. */
static int gil_race(const struct workload_params *p, char *why, size_t len)
{
	const struct workload *const racers[] = {&gil_serial, &gil_threads,
						 &gil_processes};
	double wall[3];

	for (size_t i = 0; i < 3; i++) {
		struct gil_line l;
		struct child c;

		if (child_run_ok(&c, racers[i], p) != 0 ||
		    gil_parse(&c, &l) != 0)
			return -1;
		wall[i] = l.wall;
	}
	snprintf(why, len, "serial %.3f s, threads %.3f s, processes %.3f s",
		 wall[0], wall[1], wall[2]);
	return wall[1] >= 0.8 * wall[0] && wall[2] < 0.8 * wall[0];
}

TEST(gil_threads_do_not_beat_serial_processes_do)
{
	const struct workload_params p = {.tasks = 2, .ops = 50000000};
	char why[160] = "";
	int ok;

	if (child_cpus() < 2)
		SKIP("one CPU: processes have nothing to run in parallel on");
	ok = child_race(gil_race, &p, why, sizeof(why));
	if (ok == CHILD_RACE_BUSY)
		SKIP("other work holds a CPU: two spinning threads got less "
		     "than 1.6 CPUs");
	if (ok >= 0)
		CHECK_MSG(ok == 1, "%d tries, last: %s", CHILD_RACE_TRIES, why);
}

TEST(gil_workers_carry_their_names)
{
	const struct workload_params p = {.tasks = 2, .ops = 100000000};
	const char *const names[] = {"gil-w0", "gil-w1"};
	struct child c;

	if (!CHECK(child_start(&c, &gil_processes, &p, NULL) == 0))
		return;
	CHECK_MSG(child_wait_for_named(c.pid, "gil-w1"),
		  "no process gil-w1 under %d", (int)c.pid);
	child_finish(&c);
	CHECK_MSG(child_exited(&c, 0), "status %#x: %s", c.status, c.errtext);

	if (!CHECK(child_start(&c, &gil_threads, &p, NULL) == 0))
		return;
	CHECK_MSG(child_wait_for_threads(c.pid, names, 2),
		  "no threads gil-w0, gil-w1 in %d", (int)c.pid);
	child_finish(&c);
	CHECK_MSG(child_exited(&c, 0), "status %#x: %s", c.status, c.errtext);
}

TEST(gil_a_killed_worker_makes_a_wrong_result)
{
	const struct workload_params p = {.tasks = 2, .ops = 150000000};
	struct child c;

	if (child_run_killing(&c, &gil_processes, &p, "gil-w1") != 0)
		return;
	CHECK_MSG(child_exited(&c, 1), "status %#x, stderr: %s", c.status,
		  c.errtext);
	CHECK_MSG(strstr(c.errtext, "gil-w1") && !strstr(c.errtext, "gil-w0"),
		  "stderr: %s", c.errtext);
}

TEST(gil_rejects_what_it_cannot_run)
{
	struct workload_params bad = small;
	struct child c;

	bad.tasks = 10001;
	if (child_run(&c, &gil_threads, &bad, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "at most"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	bad = small;
	bad.cpus = "4096";
	if (child_run(&c, &gil_processes, &bad, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) &&
				  strstr(c.errtext, "not available"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	bad = small;
	bad.ops = 0;
	bad.duration_s = -1;
	if (child_run(&c, &gil_serial, &bad, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "duration"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	bad.duration_s = INFINITY;
	if (child_run(&c, &gil_coroutines, &bad, NULL) == 0)
		CHECK(child_exited(&c, 1));
}
