/* test_pingpong.c - the pingpong scenario: exact token counts, coroutine
 * round trips orders of magnitude below kernel ones, pinning honoured.
 * Each workload runs in a forked child (workload_child.h) that captures
 * what it prints and checks that the run left no child process, thread or
 * descriptor behind.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "workloads/pingpong.h"
#include "tests/test.h"
#include "tests/workload_child.h"

/* every run must also close the descriptors it opened */
static const struct child_limits tidy = {.same_fds = 1};

static const struct workload *const pp_family[] = {
	&pingpong_processes,
	&pingpong_threads,
	&pingpong_coroutines,
};

#define NFAMILY (sizeof(pp_family) / sizeof(pp_family[0]))

struct pp_figures {
	unsigned trips;
	double ns_per_trip;
	unsigned long long kernel, user; /* switches */
	char cpus0[64], cpus1[64];	 /* "0", "0,1" */
};

/* the figures of "NAME: T round trips in S s: N ns per round trip, X ns
 * per switch (K in the kernel, U in user space, ..); w0 on CPU A; w1 on
 * CPU B"; 0 when all were found */
static int pp_figures(const char *out, struct pp_figures *f)
{
	const char *colon = strstr(out, ": ");
	const char *trip = strstr(out, " s: ");
	const char *sw = strstr(out, "per switch (");
	const char *on = strstr(out, "w0 on CPU ");

	if (!colon || !trip || !sw || !on ||
	    sscanf(colon, ": %u round trips", &f->trips) != 1 ||
	    sscanf(trip, " s: %lf ns per round trip", &f->ns_per_trip) != 1 ||
	    sscanf(sw, "per switch (%llu in the kernel, %llu in user space",
		   &f->kernel, &f->user) != 2 ||
	    sscanf(on, "w0 on CPU %63[0-9,]; w1 on CPU %63[0-9,]", f->cpus0,
		   f->cpus1) != 2)
		return -1;
	return 0;
}

/* Runs w and checks that it succeeded and made exactly p->ops trips. */
static int pp_run_checked(const struct workload *w,
			  const struct workload_params *p, struct pp_figures *f)
{
	struct child c;

	if (child_run(&c, w, p, &tidy) != 0)
		return -1;
	if (!CHECK_MSG(child_exited(&c, 0), "%s: status %#x, stderr: %s",
		       w->name, c.status, c.errtext) ||
	    !CHECK_MSG(pp_figures(c.outtext, f) == 0, "%s: no figures in: %s",
		       w->name, c.outtext))
		return -1;
	CHECK_MSG(c.errtext[0] == '\0', "%s printed: %s", w->name, c.errtext);
	if (!CHECK_EQ(f->trips, p->ops))
		return -1;
	return 0;
}

TEST(pingpong_every_variant_counts_every_token)
{
	const struct workload_params p = {.ops = 1000};

	for (size_t i = 0; i < NFAMILY; i++) {
		struct pp_figures f;

		pp_run_checked(pp_family[i], &p, &f);
	}
}

/* On one CPU each hand-over between kernel tasks is a context switch, two
 * per round trip; coroutines make theirs in user space, for a small
 * fraction of the price. The coroutines make more round trips, so that
 * being preempted once by other work does not swamp their figure. */
TEST(pingpong_coroutines_switch_for_far_less)
{
	const struct workload_params pt = {.ops = 5000, .cpus = "0"};
	const struct workload_params pc = {.ops = 200000, .cpus = "0"};
	struct pp_figures thr, coro;

	if (pp_run_checked(&pingpong_threads, &pt, &thr) != 0 ||
	    pp_run_checked(&pingpong_coroutines, &pc, &coro) != 0)
		return;
	CHECK_MSG(thr.kernel >= 19ull * pt.ops / 10,
		  "%llu kernel switches for %u round trips on one CPU",
		  thr.kernel, pt.ops);
	CHECK_EQ(thr.user, 0);
	CHECK_MSG(coro.user >= 2ull * pc.ops, "%llu coroutine switches",
		  coro.user);
	/* measured: about 3.5 us against 35 ns; 20x leaves room for a slow
	 * day without letting a kernel wait per hand-over through */
	CHECK_MSG(coro.ns_per_trip * 20 < thr.ns_per_trip,
		  "coroutines %.0f ns, threads %.0f ns per round trip",
		  coro.ns_per_trip, thr.ns_per_trip);
}

TEST(pingpong_pinning_is_honoured)
{
	struct workload_params p = {.ops = 500, .cpus = "0"};
	struct pp_figures f;

	/* the tasks report each CPU sched_getcpu() found them on */
	for (size_t i = 0; i < NFAMILY; i++) {
		if (pp_run_checked(pp_family[i], &p, &f) != 0)
			continue;
		CHECK_STR(f.cpus0, "0");
		CHECK_STR(f.cpus1, "0");
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("one CPU: cannot put the tasks on two");
	p.cpus = "1,0";
	for (size_t i = 0; i < NFAMILY; i++) {
		if (pp_run_checked(pp_family[i], &p, &f) != 0)
			continue;
		CHECK_STR(f.cpus0, "1");
		/* coroutines share one thread: the list's first CPU */
		CHECK_STR(f.cpus1,
			  pp_family[i] == &pingpong_coroutines ? "1" : "0");
	}
}

/* The workers live a few tenths of a second: long enough to be seen
 * even when this process waits for a CPU behind other work. */
TEST(pingpong_workers_carry_their_names)
{
	const struct workload_params p = {.ops = 80000, .cpus = "0"};
	const char *const workers[] = {"pingpong-w0", "pingpong-w1"};
	struct child c;
	int seen;

	if (!CHECK(child_start(&c, &pingpong_processes, &p, &tidy) == 0))
		return;
	seen = child_wait_for_named(c.pid, "pingpong-w0") &&
	       child_wait_for_named(c.pid, "pingpong-w1");
	child_finish(&c);
	CHECK_MSG(seen,
		  "no processes pingpong-w0, -w1 under %d (run of %.2f s, "
		  "status %#x: %s%s)",
		  (int)c.pid, c.secs, c.status, c.outtext, c.errtext);
	CHECK_MSG(child_exited(&c, 0), "%s", c.errtext);

	if (!CHECK(child_start(&c, &pingpong_threads, &p, &tidy) == 0))
		return;
	seen = child_wait_for_threads(c.pid, workers, 2);
	child_finish(&c);
	CHECK_MSG(seen,
		  "no threads pingpong-w0, -w1 in %d (run of %.2f s, status "
		  "%#x: %s%s)",
		  (int)c.pid, c.secs, c.status, c.outtext, c.errtext);
	CHECK_MSG(child_exited(&c, 0), "%s", c.errtext);
}

TEST(pingpong_a_killed_worker_makes_a_wrong_result)
{
	const struct workload_params p = {.ops = 1000000};
	struct child c;
	pid_t worker;

	if (!CHECK(child_start(&c, &pingpong_processes, &p, &tidy) == 0))
		return;
	worker = child_wait_for_named(c.pid, "pingpong-w1");
	if (CHECK_MSG(worker > 0, "no worker pingpong-w1 under %d", (int)c.pid))
		kill(worker, SIGKILL);
	/* w0 must see the pipe close, not wait for an answer forever */
	if (!CHECK(child_finish(&c) == 0))
		return;
	CHECK_MSG(child_exited(&c, 1), "status %#x, stderr: %s", c.status,
		  c.errtext);
	CHECK_MSG(strstr(c.errtext, "pingpong-w1 was killed by signal 9"),
		  "stderr: %s", c.errtext);
}

TEST(pingpong_rejects_what_it_cannot_run)
{
	struct workload_params p = {.tasks = 3, .ops = 10};
	struct child c;

	if (child_run(&c, &pingpong_threads, &p, &tidy) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "2 tasks"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	p.tasks = 2;
	p.cpus = "0;1";
	if (child_run(&c, &pingpong_processes, &p, &tidy) == 0)
		CHECK_MSG(child_exited(&c, 1) &&
				  strstr(c.errtext, "bad CPU list"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	p.cpus = "1023";
	if (child_run(&c, &pingpong_coroutines, &p, &tidy) == 0)
		CHECK_MSG(child_exited(&c, 1) &&
				  strstr(c.errtext, "not available"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	p.cpus = NULL;
	p.ops = 2000000000u;
	if (child_run(&c, &pingpong_threads, &p, &tidy) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "at most"),
			  "status %#x, stderr: %s", c.status, c.errtext);
}

/* Room for one more task, not two: w0 must not wait forever for a
 * partner that was never created. */
TEST(pingpong_a_thread_alone_is_called_off)
{
	const struct workload_params p = {.ops = 1000};
	const struct child_limits one_more = {.nproc_headroom = 1,
					      .same_fds = 1};
	struct child c;

	if (geteuid() != 0)
		SKIP("not root: the child cannot become a user whom "
		     "RLIMIT_NPROC holds");
	if (!CHECK(child_start(&c, &pingpong_threads, &p, &one_more) == 0))
		return;
	if (!CHECK_MSG(child_finish(&c) == 0, "hung when called off"))
		return;
	CHECK_MSG(child_exited(&c, 1), "status %#x, stderr: %s", c.status,
		  c.errtext);
	CHECK_MSG(strstr(c.errtext, "pthread_create") &&
			  strstr(c.errtext, "pingpong-w1 could not be started"),
		  "stderr: %s", c.errtext);
}
