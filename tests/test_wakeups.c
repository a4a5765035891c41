/* test_wakeups.c - futex waits by kind, who woke whom and who took the
 * CPU, on the real kernel, against programs that know the answer: a
 * ring of threads that hand a token on in a known order and count the
 * wakeups they made, their joins, pingpong's round trips. */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>
#include "tests/browser.h"
#include "tests/json_path.h"
#include "tests/test.h"

#define OUT_MAX 65536
#define RING	4

/* One member of the ring, as wake_ring wrote it. */
struct member {
	int tid, next;
	long woken;
};

/* Runs wake_ring under lab: its report in *report and its text in out,
 * the members it wrote in m. false when it could not. */
static bool run_ring(json_object **report, char *out, struct member *m)
{
	const char *dir = test_tmpdir();
	char oracle[512], json[512];
	const char *argv[] = {
		test_lab_path(),	 "run",	 "-o", dir,   "--",
		"build/tests/wake_ring", oracle, "4",  "300", NULL};
	FILE *f;
	int n = 0, code;

	snprintf(oracle, sizeof(oracle), "%s/ring.txt", dir);
	snprintf(json, sizeof(json), "%s/wake_ring.json", dir);
	code = test_run(argv, out, OUT_MAX, false);
	if (!CHECK_MSG(code == 0, "lab run exited %d:\n%s", code, out))
		return false;
	*report = json_object_from_file(json);
	f = fopen(oracle, "r");
	while (f && n < RING &&
	       fscanf(f, "%d %d %ld", &m[n].tid, &m[n].next, &m[n].woken) == 3)
		n++;
	if (f)
		fclose(f);
	return CHECK(*report) && CHECK_EQ(n, RING) &&
	       CHECK_EQ(json_path_u64(*report, "trace.dropped"), 0);
}

/* The main thread's joins wait on its threads' tid words: each such
 * word is of kind join, and none is listed among the contended locks. */
TEST(joins_are_never_listed_as_locks)
{
	char *out = malloc(OUT_MAX), addr[32];
	json_object *report = NULL, *user;
	struct member m[RING];
	size_t joins = 0;
	const char *why;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	if (!run_ring(&report, out, m))
		goto done;
	user = json_path(report, "locks.user");
	for (size_t i = 0; i < json_object_array_length(user); i++) {
		json_object *l = json_object_array_get_idx(user, i);

		if (strcmp(json_path_str(l, "kind"), "join"))
			continue;
		joins++;
		snprintf(addr, sizeof(addr), "%s", json_path_str(l, "address"));
		CHECK_MSG(!strstr(out, addr),
			  "join word %s among the locks:\n%s", addr, out);
	}
	CHECK_MSG(joins > 0, "no join among the futex words:\n%s", out);
	CHECK_MSG(strstr(out, "for a thread to end (join)"),
		  "the joins are not said:\n%s", out);
done:
	json_object_put(report);
	free(out);
}

static int member_of(const struct member *m, int tid)
{
	for (int i = 0; i < RING; i++)
		if (m[i].tid == tid)
			return i;
	return -1;
}

/* Thread i wakes only thread i+1, as often as its FUTEX_WAKE calls said
 * they woke a waiter: the graph between the members is exactly the ring,
 * with those counts. */
TEST(the_wakeup_graph_of_a_ring_is_the_ring)
{
	char *out = malloc(OUT_MAX);
	json_object *report = NULL, *edges;
	struct member m[RING];
	long seen[RING] = {0};
	const char *why;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	if (!run_ring(&report, out, m))
		goto done;
	edges = json_path(report, "wakeup_graph.edges");
	for (size_t i = 0; i < json_object_array_length(edges); i++) {
		json_object *e = json_object_array_get_idx(edges, i);
		int from = member_of(m, (int)json_path_u64(e, "from"));
		int to = member_of(m, (int)json_path_u64(e, "to"));

		if (from < 0 || to < 0)
			continue;
		if (!CHECK_MSG(to == (from + 1) % RING,
			       "member %d woke member %d: not the next", from,
			       to))
			continue;
		seen[from] += (long)json_path_u64(e, "count");
	}
	for (int i = 0; i < RING; i++) {
		CHECK_MSG(m[i].woken > 0, "member %d woke nobody", i);
		CHECK_MSG(seen[i] == m[i].woken,
			  "member %d woke the next %ld times, lab saw %ld", i,
			  m[i].woken, seen[i]);
	}
done:
	json_object_put(report);
	free(out);
}

/* The tasks that woke a thread, summed, are the kernel's own count of
 * its wakeups; pingpong's two workers wake only each other, at most
 * twice a round trip (a pass finds the other asleep, or still running
 * or preempted: then no wakeup is needed). */
TEST(pingpong_workers_wake_each_other)
{
	const char *dir = test_tmpdir(), *why;
	char json[512], *out = malloc(OUT_MAX);
	const char *argv[] = {test_lab_path(),
			      "run",
			      "pingpong-threads",
			      "--ops",
			      "2000",
			      "-o",
			      dir,
			      NULL};
	json_object *report = NULL, *threads;
	uint64_t mutual = 0;
	int code;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	snprintf(json, sizeof(json), "%s/pingpong-threads.json", dir);
	code = test_run(argv, out, OUT_MAX, false);
	if (!CHECK_MSG(code == 0, "lab run exited %d:\n%s", code, out))
		goto done;
	report = json_object_from_file(json);
	if (!CHECK(report) ||
	    !CHECK_EQ(json_path_u64(report, "trace.dropped"), 0))
		goto done;
	threads = json_path(report, "processes.0.threads");
	for (size_t i = 0; i < json_object_array_length(threads); i++) {
		json_object *t = json_object_array_get_idx(threads, i);
		json_object *by = json_path(t, "woken_by");
		uint64_t sum = 0;

		for (size_t j = 0; j < json_object_array_length(by); j++) {
			json_object *w = json_object_array_get_idx(by, j);

			sum += json_path_u64(w, "count");
			if (strstr(json_path_str(t, "comm"), "-w") &&
			    strstr(json_path_str(w, "comm"), "-w") &&
			    json_path_u64(w, "tid") != json_path_u64(t, "tid"))
				mutual += json_path_u64(w, "count");
		}
		CHECK_MSG(sum == json_path_u64(t, "wakeups"),
			  "%s: woken %llu times by its wakers, the kernel "
			  "counted %llu",
			  json_path_str(t, "comm"), (unsigned long long)sum,
			  (unsigned long long)json_path_u64(t, "wakeups"));
	}
	/* at most a wakeup a pass; fewer where a pass finds the other side
	 * still running or runnable, more often the busier the machine
	 * (about 1.1 a round trip here when quiet, 0.5 under load) */
	CHECK_MSG(mutual >= 2000 / 10 && mutual <= 2 * 2000 + 2,
		  "the workers woke each other %llu times in 2000 round trips",
		  (unsigned long long)mutual);
done:
	json_object_put(report);
	free(out);
}

/* A busy loop on CPU 0 under a name of its own, not traced: another
 * program. Its pid, or -1. */
static pid_t start_hog(void)
{
	pid_t pid = fork();
	cpu_set_t one;

	if (pid)
		return pid;
	prctl(PR_SET_NAME, "wk-hog");
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		_exit(1);
	for (;;)
		__asm__ volatile("" ::: "memory");
}

/* A traced thread pinned to the CPU another program keeps busy is
 * preempted by it, and the report names that program, as a program,
 * without its pid. */
TEST(preemptions_by_another_program_name_it)
{
	const char *dir = test_tmpdir(), *why;
	char json[512], *out = malloc(OUT_MAX);
	const char *argv[] = {
		test_lab_path(), "run", "cpu-threads", "--tasks", "1",
		"--cpu",	 "0",	"-o",	       dir,	  NULL};
	json_object *report = NULL, *procs;
	uint64_t by_hog = 0;
	pid_t hog;
	int code;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	hog = start_hog();
	if (!CHECK(hog > 0)) {
		free(out);
		return;
	}
	snprintf(json, sizeof(json), "%s/cpu-threads.json", dir);
	code = test_run(argv, out, OUT_MAX, false);
	kill(hog, SIGKILL);
	waitpid(hog, NULL, 0);
	if (!CHECK_MSG(code == 0, "lab run exited %d:\n%s", code, out))
		goto done;
	report = json_object_from_file(json);
	if (!CHECK(report))
		goto done;
	procs = json_path(report, "processes");
	for (size_t i = 0; i < json_object_array_length(procs); i++) {
		json_object *threads = json_path(
			json_object_array_get_idx(procs, i), "threads");

		for (size_t j = 0; j < json_object_array_length(threads); j++) {
			json_object *by =
				json_path(json_object_array_get_idx(threads, j),
					  "preempted_by");

			for (size_t k = 0; k < json_object_array_length(by);
			     k++) {
				json_object *p =
					json_object_array_get_idx(by, k);

				if (strcmp(json_path_str(p, "comm"), "wk-hog"))
					continue;
				CHECK_STR(json_path_str(p, "kind"), "program");
				CHECK(json_object_is_type(json_path(p, "pid"),
							  json_type_null));
				by_hog += json_path_u64(p, "count");
			}
		}
	}
	CHECK_MSG(by_hog > 0, "no preemption by wk-hog:\n%s", out);
done:
	json_object_put(report);
	free(out);
}

/* The run page of a real run, in a real browser: a lane per CPU below
 * the threads', in which the run's threads ran for the time the
 * report's threads ran, within the columns' rounding. */
TEST(the_run_page_has_a_lane_per_cpu)
{
	const char *dir = test_tmpdir(), *why;
	const char *argv[] = {
		test_lab_path(), "run", "lock-threads", "-o", dir, NULL};
	char page[512], json[512], err[1024], *out = malloc(OUT_MAX), *v;
	json_object *report = NULL;
	struct browser *b = NULL;
	int code;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	if (!browser_find()) {
		free(out);
		SKIP("chromium is not installed (run: make deps)");
	}
	code = test_run(argv, out, OUT_MAX, false);
	if (!CHECK_MSG(code == 0, "lab run exited %d:\n%s", code, out))
		goto done;
	snprintf(page, sizeof(page), "%s/lock-threads.html", dir);
	snprintf(json, sizeof(json), "%s/lock-threads.json", dir);
	report = json_object_from_file(json);
	b = browser_start(err, sizeof(err));
	if (!CHECK_MSG(b, "%s", err) || !CHECK(report) ||
	    !CHECK_MSG(browser_load(b, page), "%s", browser_error(b)))
		goto done;
	v = browser_eval(b, "document.querySelectorAll('g.cpu-lane').length");
	CHECK_MSG(
		v && strtoull(v, NULL, 10) ==
				json_path_u64(report, "environment.cpu_count"),
		"%s CPU lanes for %llu CPUs", v ? v : "no",
		(unsigned long long)json_path_u64(report,
						  "environment.cpu_count"));
	free(v);
	/* every CPU lane draws something, and the run's threads ran on
	 * one of them at least */
	v = browser_eval(b, "[...document.querySelectorAll('g.cpu-lane')]"
			    ".every(g => g.querySelector('path')) && "
			    "!!document.querySelector('g.cpu-lane "
			    "path.s-running')");
	CHECK_MSG(v && !strcmp(v, "true"), "CPU lanes: %s", v ? v : "none");
	free(v);
	CHECK_MSG(browser_log(b)->errors == 0, "%s", browser_log(b)->text);
done:
	if (b)
		browser_close(b);
	json_object_put(report);
	free(out);
}
