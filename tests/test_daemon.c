/* test_daemon.c - the daemon scenario. Each workload runs in a forked
 * child (workload_child.h), which also checks that the run left no child
 * process (no daemon, no zombie) and no thread behind. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "workloads/daemon.h"
#include "tests/test.h"
#include "tests/workload_child.h"

/* ticks of 20 ms, zombies held 30 ms */
static const struct workload_params small = {
	.tasks = 2, .ops = 3, .duration_s = 0.06};

static const struct workload *const daemon_family[] = {
	&daemon_processes,
	&daemon_threads,
	&daemon_coroutines,
};

#define NFAMILY (sizeof(daemon_family) / sizeof(daemon_family[0]))

TEST(daemon_every_variant_shows_its_lessons_and_cleans_up)
{
	/* each variant's two lessons, as it reports them */
	static const char *const lesson[NFAMILY][2] = {
		{"stayed zombies (state Z) ", "SIGTERM ended it"},
		{"unjoined ", "looping at exit; exit ended it"},
		{"saw its flag ", "mapped 0 new stacks"},
	};
	double hold_ms = small.duration_s / 2 * 1e3;
	double tick_ms = small.duration_s / small.ops * 1e3;

	for (size_t i = 0; i < NFAMILY; i++) {
		const struct workload *w = daemon_family[i];
		struct child c;
		double ms;

		if (child_run(&c, w, &small, NULL) != 0)
			continue;
		/* 100: a daemon or zombie left behind; 101: a thread */
		if (!CHECK_MSG(child_exited(&c, 0),
			       "%s: status %#x, stderr: %s", w->name, c.status,
			       c.errtext))
			continue;
		CHECK_MSG(c.errtext[0] == '\0', "%s printed: %s", w->name,
			  c.errtext);
		CHECK_MSG(strstr(c.outtext, lesson[i][1]), "%s: stdout: %s",
			  w->name, c.outtext);
		ms = child_figure(c.outtext, lesson[i][0]);
		if (w == &daemon_coroutines) {
			/* the daemon wakes within a tick of main's end */
			CHECK_MSG(ms >= 0 && ms <= tick_ms + 100,
				  "%s: %.1f ms after main, tick %.1f ms",
				  w->name, ms, tick_ms);
			CHECK(c.switches > 0);
		} else {
			/* the zombie or unjoined thread waited the hold */
			CHECK_MSG(ms >= hold_ms, "%s: held %.1f ms < %.1f ms",
				  w->name, ms, hold_ms);
			CHECK_EQ(c.switches, 0);
		}
	}
}

TEST(daemon_zombie_and_daemon_seen_from_outside)
{
	const struct workload_params p = {
		.tasks = 1, .ops = 2, .duration_s = 0.2};
	struct child c;
	pid_t daemon, zombie = 0;
	char state = 0;

	if (!CHECK(child_start(&c, &daemon_processes, &p, NULL) == 0))
		return;
	daemon = child_wait_for_named(c.pid, "daemon-d");
	CHECK_MSG(daemon > 0, "no daemon-d under %d", (int)c.pid);
	/* the worker exits after 0.2 s and stays a zombie for 0.1 s */
	for (int i = 0; i < 3000 && state != 'Z'; i++) {
		zombie = child_find_named(c.pid, "daemon-w0", &state);
		if (state != 'Z')
			usleep(1000);
	}
	CHECK_MSG(zombie > 0 && state == 'Z',
		  "daemon-w0 under %d never seen as a zombie (state %c)",
		  (int)c.pid, state ? state : '-');
	if (!CHECK(child_finish(&c) == 0))
		return;
	CHECK_MSG(child_exited(&c, 0), "status %#x, stderr: %s", c.status,
		  c.errtext);
	/* ended and reaped, not orphaned to init */
	if (daemon > 0)
		CHECK_MSG(kill(daemon, 0) == -1 && errno == ESRCH,
			  "the daemon %d still exists", (int)daemon);
}

TEST(daemon_that_dies_early_is_a_wrong_result)
{
	const struct workload_params p = {
		.tasks = 1, .ops = 4, .duration_s = 0.2};
	struct child c;

	if (child_run_killing(&c, &daemon_processes, &p, "daemon-d") != 0)
		return;
	/* 1, not 100: the dead daemon was reaped all the same */
	CHECK_MSG(child_exited(&c, 1), "status %#x, stderr: %s", c.status,
		  c.errtext);
	CHECK_MSG(strstr(c.errtext, "gone before main ended"), "stderr: %s",
		  c.errtext);
}

TEST(daemon_threads_live_in_a_program_that_exits)
{
	const struct workload_params p = {
		.tasks = 2, .ops = 4, .duration_s = 0.2};
	static const char *const threads[] = {"daemon-d", "daemon-w0",
					      "daemon-w1"};
	struct child c;
	pid_t prog;

	if (!CHECK(child_start(&c, &daemon_threads, &p, NULL) == 0))
		return;
	prog = child_wait_for_named(c.pid, "daemon-prog");
	if (CHECK_MSG(prog > 0, "no daemon-prog under %d", (int)c.pid))
		CHECK_MSG(child_wait_for_threads(prog, threads, 3),
			  "no threads daemon-d, daemon-w0, daemon-w1 in %d",
			  (int)prog);
	child_finish(&c);
	CHECK_MSG(child_exited(&c, 0), "status %#x: %s", c.status, c.errtext);

	/* a program that dies before its end is a wrong result */
	if (child_run_killing(&c, &daemon_threads, &p, "daemon-prog") != 0)
		return;
	CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "daemon-prog"),
		  "status %#x, stderr: %s", c.status, c.errtext);
}

TEST(daemon_rejects_a_bad_duration)
{
	struct workload_params bad = small;
	struct child c;

	bad.duration_s = -1;
	for (size_t i = 0; i < NFAMILY; i++)
		if (child_run(&c, daemon_family[i], &bad, NULL) == 0)
			CHECK_MSG(child_exited(&c, 1) &&
					  strstr(c.errtext, "duration"),
				  "%s: status %#x, stderr: %s",
				  daemon_family[i]->name, c.status, c.errtext);
}
