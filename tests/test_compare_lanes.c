/* test_compare_lanes.c - the family page's timelines: the lanes a
 * comparison keeps of each run and the run it draws of each model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/analyze.h"
#include "analyzer/compare.h"
#include "analyzer/compare_lanes.h"
#include "analyzer/report.h"
#include "tests/test.h"

#define MS 1000000ULL

/* ---- the lanes a comparison keeps ---- */

/* A run of workload, n threads from tid first (comm "t<i>", the first
 * one's name given), over 100 columns of wall / 100: the first nmixed
 * lanes half running, half sleeping in each column, the rest asleep. */
static struct run_report *run_of(const char *workload, uint64_t wall, size_t n,
				 uint32_t first, size_t nmixed,
				 const char *name)
{
	struct run_report *r = calloc(1, sizeof(*r));
	struct lane_set *l = &r->lanes;

	if (!r)
		abort();
	snprintf(r->info.workload, sizeof(r->info.workload), "%s", workload);
	snprintf(r->info.params, sizeof(r->info.params), "tasks=4");
	r->info.cpu_count = 2;
	r->complete = true;
	r->has_summary = true;
	r->wall_ns = wall;
	r->nthreads = n;
	r->threads = calloc(n, sizeof(*r->threads));
	l->lanes = calloc(n, sizeof(*l->lanes));
	l->mixes = calloc(nmixed + 1, sizeof(*l->mixes));
	if (!r->threads || !l->lanes || !l->mixes)
		abort();
	l->column_ns = wall / 100;
	l->ncolumns = 100;
	l->nlanes = n;
	l->nmixed = nmixed;
	for (size_t i = 0; i < n; i++) {
		struct thread_report *t = &r->threads[i];

		t->tid = t->pid = first + (uint32_t)i;
		snprintf(t->comm, sizeof(t->comm), "t%zu", i);
		memset(l->lanes[i].state,
		       i < nmixed ? LANE_RUNNING : LANE_SLEEP, l->ncolumns);
		for (size_t c = 0; i < nmixed && c < l->ncolumns; c++) {
			l->mixes[i].share[c][LANE_RUNNING] = 128;
			l->mixes[i].share[c][LANE_SLEEP] = 127;
		}
	}
	if (name)
		snprintf(r->threads[0].comm, sizeof(r->threads[0].comm), "%s",
			 name);
	return r;
}

static void report_free(struct run_report *r)
{
	free(r->threads);
	lanes_free(&r->lanes);
	free(r);
}

/* A comparison of the runs given, NULL-terminated; frees them. */
static void compare_runs(struct comparison *c, struct run_report **runs)
{
	char err[256];

	compare_init(c);
	for (size_t i = 0; runs[i]; i++) {
		CHECK_MSG(compare_add(c, runs[i], err, sizeof(err)) == 0,
			  "compare_add: %s", err);
		report_free(runs[i]);
	}
	compare_finish(c);
}

TEST(compare_lanes_keep_the_median_run_of_each_model)
{
	struct run_report *failed =
		run_of("io-threads", 20 * MS, 4, 4000, 4, NULL);
	const struct cmp_run_lanes *t, *p;
	struct comparison c;

	failed->summary.exit_status = 1 << 8;
	compare_runs(&c,
		     (struct run_report *[]){
			     run_of("io-threads", 30 * MS, 20, 1000, 3, NULL),
			     failed,
			     run_of("io-threads", 10 * MS, 20, 2000, 3, NULL),
			     run_of("io-threads", 20 * MS, 20, 3000, 3, NULL),
			     run_of("io-processes", 40 * MS, 5, 5000, 5, NULL),
			     NULL,
		     });
	t = compare_lanes_drawn(&c.model[CMP_THREADS]);
	p = compare_lanes_drawn(&c.model[CMP_PROCESSES]);
	CHECK(!compare_lanes_drawn(&c.model[CMP_COROUTINES]));
	if (!CHECK(t && p))
		goto out;
	/* the median of 30, 10 and 20 ms, the failed run left out */
	CHECK_EQ(t->wall_ns, 20 * MS);
	CHECK_EQ(t->run, 2);
	CHECK_STR(t->lanes[0].label, "3000 t0");
	/* the first threads, up to the cap */
	CHECK_EQ(t->nthreads, 20);
	CHECK_EQ(t->nlanes, CMP_LANES);
	CHECK_STR(t->lanes[CMP_LANES - 1].label, "3015 t15");
	CHECK_EQ(t->ncolumns, 100);
	CHECK_EQ(t->column_ns, 20 * MS / 100);
	/* a lane's mix where it kept one, else its main state */
	for (size_t col = 0; col < t->ncolumns; col += 33) {
		CHECK_EQ(t->lanes[2].share[col][LANE_RUNNING], 128);
		CHECK_EQ(t->lanes[2].share[col][LANE_SLEEP], 127);
		CHECK_EQ(t->lanes[3].share[col][LANE_RUNNING], 0);
		CHECK_EQ(t->lanes[3].share[col][LANE_SLEEP], 255);
	}
	CHECK_EQ(p->nthreads, 5);
	CHECK_EQ(p->nlanes, 5);
	CHECK_EQ(p->wall_ns, 40 * MS);
out:
	compare_free(&c);
}
