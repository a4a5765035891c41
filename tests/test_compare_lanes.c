/* test_compare_lanes.c - the family page's timelines: the lanes a
 * comparison keeps of each run and the run it draws of each model, the
 * runs stacked on one time axis. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/analyze.h"
#include "analyzer/compare.h"
#include "analyzer/compare_lanes.h"
#include "analyzer/lanes_svg.h"
#include "analyzer/report.h"
#include "tests/test.h"

#define MS 1000000ULL

/* the stacked runs' geometry (lanes_svg.c) */
#define PLOT_X0 150.0
#define PLOT_W	900.0

/* What a writer wrote, as a string to free. */
struct capture {
	FILE *f;
	char *text;
	size_t len;
};

static FILE *capture_start(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->text, &c->len);
	if (!c->f)
		abort();
	return c->f;
}

static char *capture_end(struct capture *c)
{
	fclose(c->f);
	return c->text;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The group of a stacked run, <g id="id"> up to the next run's or the
 * picture's end, as a string to free ("" when there is none). */
static char *group_of(const char *page, const char *id)
{
	char open[64];
	const char *p, *end;

	snprintf(open, sizeof(open), "<g id=\"%s\">", id);
	p = strstr(page, open);
	if (!p)
		return strdup("");
	end = strstr(p + 1, "<g id=\"");
	if (!end || end > strstr(p, "</svg>"))
		end = strstr(p, "</svg>");
	return end ? strndup(p, (size_t)(end - p)) : strdup("");
}

/* Where a stacked run ends: its end line's x; -1 without one. */
static double end_x(const char *group)
{
	const char *p = strstr(group, "<line class=\"axis\" x1=\"");

	return p ? strtod(p + strlen("<line class=\"axis\" x1=\""), NULL) : -1;
}

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

/* ---- runs stacked on one axis ---- */

TEST(lanes_svg_stacks_share_one_time_axis)
{
	uint8_t busy[10][LANE_NSTATES] = {{0}}, half[10][LANE_NSTATES] = {{0}},
		asleep[10][LANE_NSTATES] = {{0}};
	const struct lanes_svg_mix a[] = {{"1 busy", busy},
					  {"2 <svg onload=x>", half}},
				   b[] = {{"3 asleep", asleep}};
	const struct lanes_svg_stack runs[] = {
		{.id = "timeline-a",
		 .name = "<b>a</b>",
		 .detail = {"a-threads", NULL},
		 .wall_ns = 100 * MS,
		 .column_ns = 10 * MS,
		 .ncolumns = 10,
		 .lanes = a,
		 .nlanes = 2},
		{.id = "timeline-b",
		 .name = "b",
		 .wall_ns = 50 * MS,
		 .column_ns = 5 * MS,
		 .ncolumns = 10,
		 .lanes = b,
		 .nlanes = 1,
		 .nmore = 3},
	};
	struct capture cap;
	char *ga, *gb;

	for (int c = 0; c < 10; c++) {
		busy[c][LANE_RUNNING] = 255;
		half[c][LANE_RUNNING] = 128;
		half[c][LANE_SLEEP] = 127;
		asleep[c][LANE_SLEEP] = 255;
	}
	lanes_svg_stacks(capture_start(&cap), runs, 2);
	capture_end(&cap);
	ga = group_of(cap.text, "timeline-a");
	gb = group_of(cap.text, "timeline-b");
	/* the longest fills the width, the other half of it */
	CHECK_MSG(end_x(ga) == PLOT_X0 + PLOT_W, "a ends at %.1f", end_x(ga));
	CHECK_MSG(end_x(gb) == PLOT_X0 + PLOT_W / 2, "b ends at %.1f",
		  end_x(gb));
	CHECK_MSG(strstr(ga, ">100 ms</text>") && strstr(gb, ">50.0 ms</text>"),
		  "%s\n%s", ga, gb);
	/* a lane each; equal bins drawn as one piece across the run */
	CHECK_EQ(count(ga, "<g class=\"lane\">"), 2);
	CHECK_EQ(count(gb, "<g class=\"lane\">"), 1);
	CHECK(strstr(ga, "<path class=\"s-running\" d=\"M150.0 4h900.0v8h-"
			 "900.0z\">"));
	/* half and half: running below, asleep above, 4 pixels each */
	CHECK(strstr(ga, "<path class=\"s-running\" d=\"M150.0 18h900.0v4h-"
			 "900.0z\">"));
	CHECK(strstr(ga, "<path class=\"s-sleep\" d=\"M150.0 14h900.0v4h-"
			 "900.0z\">"));
	CHECK(strstr(gb, "<path class=\"s-sleep\" d=\"M150.0 "));
	CHECK(strstr(gb, "h450.0v8h-450.0z\">"));
	CHECK(strstr(gb, "… 3 more threads, not drawn"));
	CHECK(!strstr(ga, "more thread"));
	/* names are text */
	CHECK(strstr(ga, "<title>2 &lt;svg onload=x&gt;: running</title>"));
	CHECK(strstr(ga, ">&lt;b&gt;a&lt;/b&gt;</text>"));
	CHECK(!strstr(cap.text, "<svg onload") && !strstr(cap.text, "<b>"));
	free(ga);
	free(gb);
	free(cap.text);
}
