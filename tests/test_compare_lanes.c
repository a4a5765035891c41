/* test_compare_lanes.c - the family page's timelines: the lanes a
 * comparison keeps of each run and the run it draws of each model, the
 * runs stacked on one time axis, and the page of a real family. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <json-c/json.h>
#include "analyzer/analyze.h"
#include "analyzer/compare.h"
#include "analyzer/compare_lanes.h"
#include "analyzer/explain.h"
#include "analyzer/lanes_svg.h"
#include "analyzer/report.h"
#include "tests/json_path.h"
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
		/* i < 10,000: the name fits the comm */
		snprintf(t->comm, sizeof(t->comm), "t%u",
			 (unsigned)(i % 10000));
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

/* Shares that change every column, over every state. */
static void churn(struct lane_set *l, size_t i)
{
	for (size_t c = 0; c < l->ncolumns; c++) {
		unsigned left = 255;

		memset(l->mixes[i].share[c], 0, LANE_NSTATES);
		for (int s = LANE_RUNNING; s < LANE_NSTATES; s++) {
			unsigned v =
				(unsigned)((c * 7 + i * 3 + (size_t)s * 5) %
					   13) *
				left / 40;

			l->mixes[i].share[c][s] = (uint8_t)v;
			left -= v;
		}
		l->mixes[i].share[c][1 + (c + i) % (LANE_NSTATES - 1)] +=
			(uint8_t)left;
	}
}

/* The family page of a comparison; reports freed. */
static char *family_page(struct run_report **runs)
{
	struct comparison c;
	struct explanation e;
	struct capture cap;

	compare_runs(&c, runs);
	if (explain(&c, &e))
		abort();
	CHECK_EQ(compare_write_html(capture_start(&cap), &c, &e, NULL, 0), 0);
	explain_free(&e);
	compare_free(&c);
	return capture_end(&cap);
}

TEST(compare_html_timelines_draw_each_model_and_stay_small)
{
	static const char *const models[] = {"processes", "threads",
					     "coroutines", "serial"};
	struct run_report *runs[5] = {NULL};
	char *s, *g, name[64];
	size_t len;

	/* every lane of every model mixes all states, differently in each
	 * of its 512 columns: the most the section can hold */
	for (int m = 0; m < 4; m++) {
		snprintf(name, sizeof(name), "x-%s", models[m]);
		runs[m] = run_of(name, (1000 - 100 * (uint64_t)m) * MS, 40,
				 1000 * (uint32_t)(m + 1), LANE_MIXED,
				 "<svg onload=x>");
		runs[m]->lanes.ncolumns = LANE_COLUMNS;
		runs[m]->lanes.column_ns = runs[m]->wall_ns / LANE_COLUMNS + 1;
		for (size_t i = 0; i < LANE_MIXED; i++)
			churn(&runs[m]->lanes, i);
	}
	s = family_page(runs);
	len = strlen(s);
	CHECK_MSG(len < 3000000, "%zu bytes", len);
	printf("    the worst family page: %zu bytes\n", len);
	/* after the explanation, before the charts */
	CHECK(strstr(s, "<section id=\"explanation\"") <
		      strstr(s, "<section id=\"timelines\"") &&
	      strstr(s, "<section id=\"timelines\"") <
		      strstr(s, "<section id=\"comparison\""));
	CHECK(strstr(s, "<a href=\"#timelines\">timelines</a>"));
	for (int m = 0; m < 4; m++) {
		snprintf(name, sizeof(name), "timeline-%s", models[m]);
		g = group_of(s, name);
		CHECK_MSG(count(g, "<g class=\"lane\">") == CMP_LANES,
			  "%s: %zu lanes", name,
			  count(g, "<g class=\"lane\">"));
		CHECK_MSG(strstr(g, "… 24 more threads, not drawn"),
			  "%s: no threads left out", name);
		CHECK_MSG(strstr(g, "&lt;svg onload=x&gt;: running</title>"),
			  "%s: no name", name);
		/* 1 s, 0.9 s, ...: the first fills the width */
		CHECK_MSG(end_x(g) > PLOT_X0 + PLOT_W * (10 - m) / 10 - 0.11 &&
				  end_x(g) < PLOT_X0 + PLOT_W * (10 - m) / 10 +
						     0.11,
			  "%s ends at %.1f", name, end_x(g));
		free(g);
	}
	CHECK(!strstr(s, "<svg onload"));
	CHECK(!strstr(s, "median run"));
	free(s);
}

TEST(compare_html_timelines_say_which_run_is_drawn)
{
	struct run_report *failed;
	char *s = family_page((struct run_report *[]){
		run_of("x-threads", 30 * MS, 2, 1000, 2, NULL),
		run_of("x-threads", 10 * MS, 2, 2000, 2, NULL),
		run_of("x-threads", 20 * MS, 2, 3000, 2, NULL),
		run_of("x-serial", 10 * MS, 1, 4000, 0, NULL),
		NULL,
	});
	char *g = group_of(s, "timeline-threads");

	CHECK(strstr(s, "the run whose wall time is the model&#39;s median") ||
	      strstr(s, "the run whose wall time is the model's median"));
	CHECK(strstr(g, "2 threads, median run"));
	CHECK(strstr(g, "<title>3000 t0: running</title>"));
	/* a lane without a mix: its main state fills it */
	free(g);
	g = group_of(s, "timeline-serial");
	CHECK(strstr(g, "<title>4000 t0: sleeping</title>"));
	CHECK(strstr(g, "v8h-"));
	free(g);
	free(s);
	/* a model that ran, every run failed: said, not drawn */
	failed = run_of("x-threads", 10 * MS, 2, 1, 2, NULL);

	failed->summary.exit_status = 1 << 8;
	s = family_page((struct run_report *[]){
		failed, run_of("x-serial", 10 * MS, 1, 4000, 0, NULL), NULL});
	CHECK(strstr(s, "<g id=\"timeline-serial\">"));
	CHECK(!strstr(s, "<g id=\"timeline-threads\">"));
	CHECK(strstr(s, "Not drawn: threads (every run left out"));
	free(s);
}

/* ---- a real family ---- */

#define OUT_MAX 65536

/* lab run io with more tasks than the lanes shown, on one axis: each
 * model's run ends where its wall time falls on it, the longest (the
 * serial one) at the right; a lane per thread up to the cap, the rest
 * counted. */
TEST(compare_html_timelines_of_a_real_family)
{
	static const char *const models[] = {"processes", "threads",
					     "coroutines", "serial"};
	uint64_t wall[4] = {0}, threads[4] = {0}, longest = 0;
	char *out = malloc(OUT_MAX), path[1024], *page = NULL;
	const char *dir = test_tmpdir(), *reason;
	int code;

	if (!test_can_trace(&reason)) {
		free(out);
		SKIP(reason);
	}
	/* once: each model's page is the run its timeline draws */
	const char *argv[] = {test_lab_path(),
			      "run",
			      "io",
			      "--tasks",
			      "20",
			      "--duration",
			      "0.02",
			      "--repeat",
			      "1",
			      "-o",
			      dir,
			      NULL};
	code = test_run(argv, out, OUT_MAX, false);
	if (!CHECK_MSG(code == 0, "lab run io: exit %d\n%s", code, out))
		goto out;
	for (int m = 0; m < 4; m++) {
		json_object *r;

		snprintf(path, sizeof(path), "%s/io-%s.json", dir, models[m]);
		r = json_object_from_file(path);
		if (!CHECK_MSG(r, "no %s", path))
			goto out;
		wall[m] = json_path_u64(r, "run.wall_ns");
		threads[m] = json_path_u64(r, "totals.threads");
		json_object_put(r);
		if (wall[m] > longest)
			longest = wall[m];
	}
	snprintf(path, sizeof(path), "%s/index.html", dir);
	page = test_slurp(path);
	if (!CHECK_MSG(page, "no %s", path))
		goto out;
	for (int m = 0; m < 4; m++) {
		char id[64], more[64];
		char *g;
		double want =
			PLOT_X0 + PLOT_W * (double)wall[m] / (double)longest;
		size_t lanes = threads[m] < CMP_LANES ? threads[m] : CMP_LANES;

		snprintf(id, sizeof(id), "timeline-%s", models[m]);
		g = group_of(page, id);
		CHECK_MSG(end_x(g) > want - 0.11 && end_x(g) < want + 0.11,
			  "%s ends at %.1f, its wall time at %.1f", id,
			  end_x(g), want);
		CHECK_MSG(count(g, "<g class=\"lane\">") == lanes,
			  "%s: %zu lanes for %llu threads", id,
			  count(g, "<g class=\"lane\">"),
			  (unsigned long long)threads[m]);
		snprintf(more, sizeof(more), "… %llu more threads",
			 (unsigned long long)(threads[m] - lanes));
		CHECK_MSG(threads[m] <= CMP_LANES ? !strstr(g, "more thread")
						  : strstr(g, more) != NULL,
			  "%s: %llu threads, not \"%s\"", id,
			  (unsigned long long)threads[m], more);
		free(g);
	}
	/* the processes and threads: the root and a thread a task */
	CHECK(threads[0] > CMP_LANES && threads[1] > CMP_LANES);
	printf("    %s: %zu bytes\n", path, strlen(page));
out:
	free(page);
	free(out);
}
