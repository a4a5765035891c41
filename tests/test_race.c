/* test_race.c - the race scenario: counts that add up, coroutines that
 * lose nothing, threads and processes on two CPUs that lose updates. Each
 * workload runs in a forked child (workload_child.h) that captures what it
 * prints and checks that the run left no child process, thread or
 * descriptor behind. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "workloads/race.h"
#include "tests/test.h"
#include "tests/workload_child.h"

/* every run must also close the descriptors it opened */
static const struct child_limits tidy = {.same_fds = 1};

static const struct workload *const race_family[] = {
	&race_processes,
	&race_threads,
	&race_coroutines,
};

#define NFAMILY (sizeof(race_family) / sizeof(race_family[0]))

struct race_figures {
	long got, expected, lost;
};

/* "counter G of E, lost L updates"; 0 when found */
static int race_figures(const char *out, struct race_figures *f)
{
	const char *s = strstr(out, "counter ");

	if (!s || sscanf(s, "counter %ld of %ld, lost %ld updates", &f->got,
			 &f->expected, &f->lost) != 3)
		return -1;
	return 0;
}

/* Runs w, checks that it succeeded and that its counts add up. */
static int race_run_checked(const struct workload *w,
			    const struct workload_params *p,
			    struct race_figures *f, struct child *c)
{
	if (child_run(c, w, p, &tidy) != 0)
		return -1;
	if (!CHECK_MSG(child_exited(c, 0), "%s: status %#x, stderr: %s",
		       w->name, c->status, c->errtext) ||
	    !CHECK_MSG(race_figures(c->outtext, f) == 0,
		       "%s: no figures in: %s", w->name, c->outtext))
		return -1;
	CHECK_MSG(c->errtext[0] == '\0', "%s printed: %s", w->name, c->errtext);
	if (!CHECK_EQ(f->expected, (long)p->tasks * p->ops) ||
	    !CHECK_MSG(f->got >= 0 && f->got <= f->expected &&
			       f->lost == f->expected - f->got,
		       "%s: counts do not add up: %s", w->name, c->outtext))
		return -1;
	return 0;
}

TEST(race_every_variant_counts_consistently)
{
	const struct workload_params p = {.tasks = 3, .ops = 100000};

	for (size_t i = 0; i < NFAMILY; i++) {
		struct race_figures f;
		struct child c;

		race_run_checked(race_family[i], &p, &f, &c);
	}
}

TEST(race_coroutines_lose_nothing_and_say_why)
{
	const struct workload_params p = {.tasks = 4, .ops = 100000};
	struct race_figures f;
	struct child c;
	const char *why;
	unsigned long long switches = 0;

	if (race_run_checked(&race_coroutines, &p, &f, &c) != 0)
		return;
	CHECK_EQ(f.lost, 0);
	CHECK_EQ(f.got, f.expected);
	why = strstr(c.outtext, "switch only where they yield (");
	if (!CHECK_MSG(why, "no reason given: %s", c.outtext))
		return;
	sscanf(why, "switch only where they yield (%llu switches", &switches);
	/* each task yields every 64 increments and every yield is a switch */
	CHECK_MSG(switches >= (unsigned long long)p.tasks * p.ops / 64,
		  "%llu switches: %s", switches, c.outtext);
}

/* Two tasks on two CPUs, let go at the same moment, read-add-write the
 * same word 100 million times each, for about a tenth of a second: losing
 * nothing needs them never to overlap. That happens only when other work
 * holds the CPUs, in turns, for the whole run; seen here while the machine
 * was compiling, so a run that lost nothing is tried twice more. A
 * workload that made the update atomic would lose nothing every time. */
TEST(race_on_two_cpus_loses_updates)
{
	const struct workload_params p = {
		.tasks = 2, .ops = 100000000, .cpus = "0,1"};
	const struct workload *const kernel_tasks[] = {&race_threads,
						       &race_processes};

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("one CPU: the race needs two to lose updates reliably");
	for (size_t i = 0; i < 2; i++) {
		struct race_figures f = {0};
		struct child c;
		int tries = 0;

		while (tries++ < 3) {
			if (race_run_checked(kernel_tasks[i], &p, &f, &c) !=
				    0 ||
			    f.lost > 0)
				break;
		}
		CHECK_MSG(f.lost > 0, "%s lost nothing in %d runs: %s",
			  kernel_tasks[i]->name, tries - 1, c.outtext);
	}
}

/* The workers live a few tenths of a second: long enough to be seen
 * even when this process waits for a CPU behind other work. */
TEST(race_workers_carry_their_names)
{
	const struct workload_params p = {.tasks = 2, .ops = 200000000};
	const char *const workers[] = {"race-w0", "race-w1"};
	struct child c;
	int seen;

	if (!CHECK(child_start(&c, &race_processes, &p, &tidy) == 0))
		return;
	seen = child_wait_for_named(c.pid, "race-w1");
	child_finish(&c);
	CHECK_MSG(
		seen,
		"no process race-w1 under %d (run of %.2f s, status %#x: %s%s)",
		(int)c.pid, c.secs, c.status, c.outtext, c.errtext);
	CHECK_MSG(child_exited(&c, 0), "%s", c.errtext);

	if (!CHECK(child_start(&c, &race_threads, &p, &tidy) == 0))
		return;
	seen = child_wait_for_threads(c.pid, workers, 2);
	child_finish(&c);
	CHECK_MSG(seen,
		  "no threads race-w0, race-w1 in %d (run of %.2f s, status "
		  "%#x: %s%s)",
		  (int)c.pid, c.secs, c.status, c.outtext, c.errtext);
	CHECK_MSG(child_exited(&c, 0), "%s", c.errtext);
}

/* A lost update is the lesson, a lost task is not. Left alone, the other
 * worker would need seconds: the run must stop it. */
TEST(race_a_killed_worker_makes_a_wrong_result)
{
	const struct workload_params p = {.tasks = 2, .ops = 4000000000u};
	struct child c;
	pid_t worker;

	if (!CHECK(child_start(&c, &race_processes, &p, &tidy) == 0))
		return;
	worker = child_wait_for_named(c.pid, "race-w1");
	if (CHECK_MSG(worker > 0, "no worker race-w1 under %d", (int)c.pid))
		kill(worker, SIGKILL);
	if (!CHECK(child_finish(&c) == 0))
		return;
	CHECK_MSG(child_exited(&c, 1), "status %#x, stderr: %s", c.status,
		  c.errtext);
	CHECK_MSG(c.secs < 5, "the run went on for %.1f s", c.secs);
	CHECK_MSG(strstr(c.errtext, "race-w1 was killed by signal 9"),
		  "stderr: %s", c.errtext);
}

TEST(race_rejects_what_it_cannot_run)
{
	struct workload_params p = {.tasks = 2, .ops = 10, .cpus = ",0"};
	struct child c;

	if (child_run(&c, &race_processes, &p, &tidy) == 0)
		CHECK_MSG(child_exited(&c, 1) &&
				  strstr(c.errtext, "bad CPU list"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	/* a trailing comma is taken, as lab's own --cpu takes it */
	p.cpus = "0,";
	if (child_run(&c, &race_coroutines, &p, &tidy) == 0)
		CHECK_MSG(child_exited(&c, 0), "status %#x, stderr: %s",
			  c.status, c.errtext);
	p.cpus = NULL;
	p.tasks = 10001;
	if (child_run(&c, &race_threads, &p, &tidy) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "at most"),
			  "status %#x, stderr: %s", c.status, c.errtext);
}
