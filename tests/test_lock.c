/* test_lock.c - the lock scenario. Each workload runs in a forked child
 * (workload_child.h) that captures what it prints and checks that the run
 * left no child process, thread or descriptor behind. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "workloads/lock.h"
#include "tests/test.h"
#include "tests/workload_child.h"

/* every run must also close the descriptors it opened */
static const struct child_limits tidy = {.same_fds = 1};

static const struct workload *const lock_family[] = {
	&lock_processes,
	&lock_threads,
	&lock_coroutines,
	&lock_serial,
};

#define NFAMILY (sizeof(lock_family) / sizeof(lock_family[0]))

/* The figures of a result line: "...; W of N locks waited (..); final
 * value V". Returns 0 when all three were found. */
static int lock_figures(const char *out, unsigned long long *waits, long *locks,
			long *final)
{
	const char *s = strstr(out, "M ops/s; ");
	const char *f = strstr(out, "final value ");

	if (!s || !f ||
	    sscanf(s, "M ops/s; %llu of %ld locks waited", waits, locks) != 2 ||
	    sscanf(f, "final value %ld", final) != 1)
		return -1;
	return 0;
}

TEST(lock_every_variant_ends_at_zero)
{
	const struct workload_params p = {.tasks = 3, .ops = 20000};

	for (size_t i = 0; i < NFAMILY; i++) {
		const struct workload *w = lock_family[i];
		unsigned long long waits;
		long locks, final;
		struct child c;

		if (child_run(&c, w, &p, &tidy) != 0)
			continue;
		if (!CHECK_MSG(child_exited(&c, 0),
			       "%s: status %#x, stderr: %s", w->name, c.status,
			       c.errtext))
			continue;
		CHECK_MSG(c.errtext[0] == '\0', "%s printed: %s", w->name,
			  c.errtext);
		if (!CHECK_MSG(lock_figures(c.outtext, &waits, &locks,
					    &final) == 0,
			       "%s: no figures in: %s", w->name, c.outtext))
			continue;
		CHECK_EQ(final, 0);
		CHECK_EQ(locks, (long)p.tasks * p.ops);
		CHECK_MSG(waits <= (unsigned long long)locks, "%s: %s", w->name,
			  c.outtext);
	}
}

TEST(lock_coroutines_wait_only_where_a_holder_yields)
{
	const struct workload_params alone = {.tasks = 1, .ops = 5000};
	const struct workload_params three = {.tasks = 3, .ops = 5000};
	unsigned long long waits;
	long locks, final;
	struct child c;

	/* nobody else wants the lock: the yields inside it cost no wait */
	if (child_run(&c, &lock_coroutines, &alone, &tidy) != 0 ||
	    !CHECK_MSG(child_exited(&c, 0), "%s", c.errtext) ||
	    !CHECK(lock_figures(c.outtext, &waits, &locks, &final) == 0))
		return;
	CHECK_EQ(waits, 0);
	/* others do: they queue behind a holder that yielded */
	if (child_run(&c, &lock_coroutines, &three, &tidy) != 0 ||
	    !CHECK_MSG(child_exited(&c, 0), "%s", c.errtext) ||
	    !CHECK(lock_figures(c.outtext, &waits, &locks, &final) == 0))
		return;
	CHECK_MSG(waits > 0, "no waits: %s", c.outtext);
	CHECK(strstr(c.outtext, " switches"));
	/* the serial run is never made to wait */
	if (child_run(&c, &lock_serial, &three, &tidy) != 0 ||
	    !CHECK_MSG(child_exited(&c, 0), "%s", c.errtext) ||
	    !CHECK(lock_figures(c.outtext, &waits, &locks, &final) == 0))
		return;
	CHECK_EQ(waits, 0);
}

/* The workers live a few tenths of a second: long enough to be seen
 * even when this process waits for a CPU behind other work. */
TEST(lock_workers_carry_their_names)
{
	const struct workload_params p = {.tasks = 2, .ops = 8000000};
	const char *const workers[] = {"lock-w0", "lock-w1"};
	struct child c;
	int seen;

	if (!CHECK(child_start(&c, &lock_processes, &p, &tidy) == 0))
		return;
	seen = child_wait_for_named(c.pid, "lock-w1");
	child_finish(&c);
	CHECK_MSG(
		seen,
		"no process lock-w1 under %d (run of %.2f s, status %#x: %s%s)",
		(int)c.pid, c.secs, c.status, c.outtext, c.errtext);
	CHECK_MSG(child_exited(&c, 0), "%s", c.errtext);

	if (!CHECK(child_start(&c, &lock_threads, &p, &tidy) == 0))
		return;
	seen = child_wait_for_threads(c.pid, workers, 2);
	child_finish(&c);
	CHECK_MSG(seen,
		  "no threads lock-w0, lock-w1 in %d (run of %.2f s, status "
		  "%#x: %s%s)",
		  (int)c.pid, c.secs, c.status, c.outtext, c.errtext);
	CHECK_MSG(child_exited(&c, 0), "%s", c.errtext);
}

/* Two tasks on two CPUs that did meet at the lock (some waits) still end
 * at exactly 0. A run where they never overlapped proves nothing, which
 * happens when other work holds a CPU for the whole run: that run is
 * tried again, twice at most. */
TEST(lock_holds_under_contention)
{
	const struct workload_params p = {
		.tasks = 2, .ops = 2000000, .cpus = "0,1"};
	const struct workload *const kernel_tasks[] = {&lock_threads,
						       &lock_processes};

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("one CPU: the tasks cannot contend in parallel");
	for (size_t i = 0; i < 2; i++) {
		const struct workload *w = kernel_tasks[i];
		unsigned long long waits = 0;
		long locks, final;
		struct child c;

		for (int tries = 0; tries < 3 && !waits; tries++) {
			if (child_run(&c, w, &p, &tidy) != 0 ||
			    !CHECK_MSG(child_exited(&c, 0),
				       "%s: status %#x: %s", w->name, c.status,
				       c.errtext) ||
			    !CHECK(lock_figures(c.outtext, &waits, &locks,
						&final) == 0))
				return;
			CHECK_EQ(final, 0);
		}
		CHECK_MSG(waits > 0, "%s never waited for the lock: %s",
			  w->name, c.outtext);
	}
}

/* A process killed while it may hold the lock would leave the others
 * waiting forever: the run must stop them at once and say what happened.
 * Alone, the other would need many seconds for its decrements. */
TEST(lock_a_killed_worker_makes_a_wrong_result)
{
	const struct workload_params p = {.tasks = 2, .ops = 1000000000};
	struct child c;
	pid_t worker;

	if (!CHECK(child_start(&c, &lock_processes, &p, &tidy) == 0))
		return;
	worker = child_wait_for_named(c.pid, "lock-w1");
	if (CHECK_MSG(worker > 0, "no worker lock-w1 under %d", (int)c.pid)) {
		usleep(20000); /* into the work, maybe holding the lock */
		kill(worker, SIGKILL);
	}
	if (!CHECK_MSG(child_finish(&c) == 0, "no end after a worker died"))
		return;
	CHECK_MSG(c.secs < 5, "the run went on for %.1f s", c.secs);
	CHECK_MSG(child_exited(&c, 1), "status %#x, stderr: %s", c.status,
		  c.errtext);
	CHECK_MSG(strstr(c.errtext, "lock-w1 was killed by signal 9"),
		  "stderr: %s", c.errtext);
}

TEST(lock_rejects_what_it_cannot_run)
{
	struct workload_params p = {.tasks = 2, .ops = 10, .cpus = "0,x"};
	struct child c;

	if (child_run(&c, &lock_threads, &p, &tidy) == 0)
		CHECK_MSG(child_exited(&c, 1) &&
				  strstr(c.errtext, "bad CPU list"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	p.cpus = "4095";
	if (child_run(&c, &lock_coroutines, &p, &tidy) == 0)
		CHECK_MSG(child_exited(&c, 1) &&
				  strstr(c.errtext, "not available"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	p.cpus = NULL;
	p.tasks = 1000000;
	if (child_run(&c, &lock_processes, &p, &tidy) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "at most"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	/* a good list is taken */
	p.tasks = 2;
	p.cpus = "0";
	if (child_run(&c, &lock_processes, &p, &tidy) == 0)
		CHECK_MSG(child_exited(&c, 0), "status %#x, stderr: %s",
			  c.status, c.errtext);
}

/* Room for one more task, not for four: the threads that did start must
 * be called off and joined, not left waiting for the others. */
TEST(lock_threads_that_cannot_all_start_are_called_off)
{
	const struct workload_params p = {.tasks = 4, .ops = 1000};
	const struct child_limits one_more = {.nproc_headroom = 1,
					      .same_fds = 1};
	struct child c;

	if (geteuid() != 0)
		SKIP("not root: the child cannot become a user whom "
		     "RLIMIT_NPROC holds");
	if (!CHECK(child_start(&c, &lock_threads, &p, &one_more) == 0))
		return;
	if (!CHECK_MSG(child_finish(&c) == 0, "hung when called off"))
		return;
	CHECK_MSG(child_exited(&c, 1), "status %#x, stderr: %s", c.status,
		  c.errtext);
	CHECK_MSG(strstr(c.errtext, "pthread_create") &&
			  strstr(c.errtext, "called off"),
		  "stderr: %s", c.errtext);
}
