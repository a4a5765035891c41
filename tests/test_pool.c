/* test_pool.c - the pool scenario. Each workload runs in a forked child
 * (workload_child.h) whose stdout and stderr are kept, and which also checks
 * that the run left no child process and no extra thread behind. */
#include <stdio.h>
#include <string.h>
#include "workloads/pool.h"
#include "tests/test.h"
#include "tests/workload_child.h"

static const struct workload *const pool_family[] = {
	&pool_processes,
	&pool_threads,
	&pool_events,
	&pool_coroutines,
};

#define NPOOL (sizeof(pool_family) / sizeof(pool_family[0]))

struct pool_line {
	unsigned workers, jobs, per[16], nper;
	double job_ms, sync_s, async_s;
};

/* "<name>: K workers, J jobs of X ms: apply A s, apply_async B s (Rx);
 * async jobs per worker: n n n n" */
static int parse_pool(const struct child *c, const char *name,
		      struct pool_line *l)
{
	const char *line = child_result(c, name), *per;
	int used = 0;

	memset(l, 0, sizeof(*l));
	if (!line ||
	    sscanf(line,
		   "%u workers, %u jobs of %lf ms: apply %lf s, apply_async "
		   "%lf s",
		   &l->workers, &l->jobs, &l->job_ms, &l->sync_s,
		   &l->async_s) != 5)
		return 0;
	per = strstr(line, "per worker:");
	if (!per)
		return 0;
	per += strlen("per worker:");
	while (l->nper < 16 &&
	       sscanf(per, "%u%n", &l->per[l->nper], &used) == 1) {
		per += used;
		l->nper++;
	}
	return 1;
}

TEST(pool_every_variant_runs_every_job_once_async_faster)
{
	/* 24 jobs of 4 ms: apply about 0.1 s, apply_async a quarter */
	const struct workload_params p = {
		.tasks = 4, .ops = 24, .duration_s = 0.096};

	for (size_t i = 0; i < NPOOL; i++) {
		const struct workload *w = pool_family[i];
		struct pool_line l;
		unsigned sum = 0;
		struct child c;

		if (child_run(&c, w, &p, NULL) != 0)
			continue;
		if (!CHECK_MSG(child_exited(&c, 0),
			       "%s: status %#x, stderr: %s", w->name, c.status,
			       c.errtext))
			continue;
		CHECK_MSG(c.errtext[0] == '\0', "%s printed: %s", w->name,
			  c.errtext);
		if (!CHECK_MSG(parse_pool(&c, w->name, &l),
			       "%s: no result line in: %s", w->name, c.outtext))
			continue;
		CHECK_EQ(l.workers, p.tasks);
		CHECK_EQ(l.jobs, p.ops);
		CHECK_EQ(l.nper, p.tasks);
		for (unsigned k = 0; k < l.nper; k++)
			sum += l.per[k];
		CHECK_EQ(sum, p.ops);
		/* apply waits out every sleep in turn */
		CHECK_MSG(l.sync_s >= 0.096, "%s: apply took %.3f s", w->name,
			  l.sync_s);
		/* four workers sleep side by side: about 4x, asked 2x */
		CHECK_MSG(l.async_s < 0.5 * l.sync_s,
			  "%s: apply %.3f s, apply_async %.3f s", w->name,
			  l.sync_s, l.async_s);
	}
}

TEST(pool_one_worker_is_no_faster_async)
{
	const struct workload_params p = {
		.tasks = 1, .ops = 10, .duration_s = 0.05};
	struct pool_line l;
	struct child c;

	if (child_run(&c, &pool_threads, &p, NULL) != 0 ||
	    !CHECK_MSG(child_exited(&c, 0), "%s", c.errtext) ||
	    !CHECK_MSG(parse_pool(&c, pool_threads.name, &l), "%s", c.outtext))
		return;
	/* the same sleeps one after another, however they are submitted */
	CHECK_MSG(l.async_s >= p.duration_s && l.sync_s >= p.duration_s,
		  "apply %.3f s, async %.3f s for %.3f s of sleeps", l.sync_s,
		  l.async_s, p.duration_s);
}

TEST(pool_odd_sizes_work_too)
{
	const struct workload_params ps[] = {
		{.tasks = 1, .ops = 1, .duration_s = 0.001},
		{.tasks = 9, .ops = 4, .duration_s = 0.004},
	};

	for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++)
		for (size_t i = 0; i < NPOOL; i++) {
			struct child c;

			if (child_run(&c, pool_family[i], &ps[k], NULL) != 0)
				continue;
			CHECK_MSG(child_exited(&c, 0), "%s %u x %u: %s",
				  pool_family[i]->name, ps[k].tasks, ps[k].ops,
				  c.errtext);
		}
}

TEST(pool_coroutines_switch_only_in_user_space)
{
	const struct workload_params p = {
		.tasks = 2, .ops = 10, .duration_s = 0.01};
	struct child c;

	if (child_run(&c, &pool_coroutines, &p, NULL) != 0 ||
	    !CHECK_MSG(child_exited(&c, 0), "%s", c.errtext))
		return;
	/* every job parks its worker in a sleep, twice over */
	CHECK_MSG(c.switches >= 2ull * 2 * p.ops, "%llu switches for %u jobs",
		  c.switches, 2 * p.ops);
	if (child_run(&c, &pool_threads, &p, NULL) != 0)
		return;
	CHECK_EQ(c.switches, 0);
}

TEST(pool_workers_carry_their_names)
{
	const struct workload_params p = {
		.tasks = 2, .ops = 10, .duration_s = 0.1};
	const char *const names[] = {"pool-w0", "pool-w1"};
	struct child c;
	int named;

	if (!CHECK_MSG(child_start(&c, &pool_threads, &p, NULL) == 0, "start"))
		return;
	named = child_wait_for_threads(c.pid, names, 2);
	child_finish(&c);
	CHECK_MSG(named, "no threads pool-w0, pool-w1 in %d", (int)c.pid);
	CHECK_MSG(child_exited(&c, 0), "status %#x: %s", c.status, c.errtext);
}

/* A worker that dies takes its job along; the submitter waiting for that
 * result must notice instead of waiting for ever. */
TEST(pool_a_killed_worker_fails_the_run_fast)
{
	const struct workload_params p = {
		.tasks = 2, .ops = 100, .duration_s = 2.0};
	struct child c;

	if (child_run_killing(&c, &pool_processes, &p, "pool-w1") != 0)
		return;
	CHECK_MSG(child_exited(&c, 1), "status %#x, stderr: %s", c.status,
		  c.errtext);
	CHECK_MSG(strstr(c.errtext, "failed: pool-w1") &&
			  strstr(c.errtext, "missing"),
		  "stderr: %s", c.errtext);
	CHECK_MSG(c.secs < 1.0, "took %.2f s", c.secs);
}

TEST(pool_rejects_what_it_cannot_run)
{
	struct workload_params p = {.tasks = 2, .ops = 2, .duration_s = -1};
	struct child c;

	if (child_run(&c, &pool_threads, &p, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "duration"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	p.duration_s = 0.01;
	p.tasks = 5000;
	if (child_run(&c, &pool_coroutines, &p, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "at most"),
			  "status %#x, stderr: %s", c.status, c.errtext);
}
