/* test_runq_tick.c - the note that run-queue waits cluster at the
 * scheduler tick: said exactly when the figures show it (runq_tick.h),
 * in the terminal and on the run page, and never for a trace without
 * the tick. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "tests/json_path.h"
#include "tests/test.h"
#include "analyzer/analysis.h"
#include "analyzer/analyze.h"
#include "analyzer/report.h"
#include "analyzer/report_sections.h"
#include "analyzer/runq_tick.h"

#define TICK	  4000000ULL /* HZ 250: slot 21, [2.10 ms, 4.19 ms) */
#define TICK_SLOT 21
#define OUT_MAX	  (1 << 16)

static struct runq_tick find(const uint64_t *hist, uint64_t tick_ns)
{
	struct runq_tick t;

	runq_tick_find(&t, hist, tick_ns);
	return t;
}

TEST(runq_tick_cluster_is_the_largest_slot_and_a_fifth)
{
	uint64_t h[LAB_HIST_SLOTS] = {0};
	struct runq_tick t;

	/* 30 of 100 in the tick's slot, no other slot as full */
	h[10] = 25;
	h[TICK_SLOT] = 30;
	h[TICK_SLOT + 1] = 29;
	h[TICK_SLOT - 1] = 16;
	t = find(h, TICK);
	CHECK(t.clustered);
	CHECK_EQ(t.slot, TICK_SLOT);
	CHECK_EQ(t.in_slot, 30);
	CHECK_EQ(t.waits, 100);
	CHECK_EQ(t.tick_ns, TICK);
	/* the tick of HZ 1000 falls in another slot: no cluster there */
	t = find(h, 1000000);
	CHECK(!t.clustered);
	CHECK_EQ(t.slot, 19);
	/* a slot as full as the tick's: not "more than any other" */
	h[TICK_SLOT + 1] = 30;
	h[TICK_SLOT - 1] = 15;
	CHECK(!find(h, TICK).clustered);
	h[TICK_SLOT + 1] = 31;
	h[TICK_SLOT - 1] = 14;
	CHECK(!find(h, TICK).clustered);
}

TEST(runq_tick_no_cluster_below_its_thresholds)
{
	uint64_t h[LAB_HIST_SLOTS] = {0};

	/* the largest slot, but 19 of 100 waits */
	for (int s = 0; s < 9; s++)
		h[s] = 9;
	h[TICK_SLOT] = 19;
	CHECK(!find(h, TICK).clustered);
	/* exactly a fifth */
	h[0] = 8;
	h[TICK_SLOT] = 20;
	CHECK(find(h, TICK).clustered);
	/* all of them, but too few waits to call it anything */
	memset(h, 0, sizeof(h));
	h[TICK_SLOT] = RUNQ_TICK_MIN_WAITS - 1;
	CHECK(!find(h, TICK).clustered);
	h[TICK_SLOT] = RUNQ_TICK_MIN_WAITS;
	CHECK(find(h, TICK).clustered);
	/* a trace without the tick: never */
	CHECK(!find(h, 0).clustered);
	memset(h, 0, sizeof(h));
	CHECK(!find(h, TICK).clustered);
}

/* A run of two threads with these run-queue histograms (the kernel's
 * counters), recorded with tick_ns. */
static struct run_report *run_of(uint64_t tick_ns, const uint64_t *h0,
				 const uint64_t *h1)
{
	struct lab_trace_info info = {.version = LAB_TRACE_VERSION,
				      .cpu_count = 2,
				      .start_ns = 1000000000,
				      .tick_ns = tick_ns};
	struct lab_thread_stats kt[2] = {
		{.tid = 100, .pid = 100},
		{.tid = 101, .pid = 100, .parent_tid = 100}};
	struct lab_run_summary sum = {.end_ns = 2000000000};
	const uint64_t *h[2] = {h0, h1};
	struct analysis *a;

	snprintf(info.workload, sizeof(info.workload), "unit-threads");
	snprintf(info.kernel, sizeof(info.kernel), "6.18.0-test");
	for (int i = 0; i < 2; i++) {
		snprintf(kt[i].comm, sizeof(kt[i].comm), "t%d", i);
		kt[i].start_ns = info.start_ns + 1000 * (uint64_t)i;
		kt[i].flags = LAB_THREAD_EXITED;
		kt[i].exit_ns = sum.end_ns - 1000;
		memcpy(kt[i].runq_hist, h[i], sizeof(kt[i].runq_hist));
		for (int s = 0; s < LAB_HIST_SLOTS; s++) {
			kt[i].runq_count += h[i][s];
			kt[i].runq_wait_ns += h[i][s] << s;
		}
		kt[i].runq_max_ns = 8000000;
	}
	a = analysis_new(&info);
	if (!a)
		abort();
	analysis_add_threads(a, kt, 2);
	analysis_set_summary(a, &sum);
	return analysis_finish(a);
}

static char *text_of(const struct run_report *r)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		abort();
	report_print_text(f, r);
	fclose(f);
	return s;
}

static char *html_of(const struct run_report *r)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		abort();
	report_write_html(f, r);
	fclose(f);
	return s;
}

/* The run's waits are the threads' summed: neither thread alone has
 * the cluster (each has fewer than RUNQ_TICK_MIN_WAITS waits). */
TEST(runq_tick_note_in_the_terminal_and_the_page)
{
	uint64_t h0[LAB_HIST_SLOTS] = {0}, h1[LAB_HIST_SLOTS] = {0};
	struct run_report *r;
	char *text, *html;

	h0[TICK_SLOT] = 12;
	h0[14] = 6;
	h1[TICK_SLOT] = 11;
	h1[TICK_SLOT + 1] = 9;
	r = run_of(TICK, h0, h1);
	if (!CHECK(r))
		return;
	CHECK(r->runq_tick.clustered);
	CHECK_EQ(r->runq_tick.in_slot, 23);
	CHECK_EQ(r->runq_tick.waits, 38);
	text = text_of(r);
	html = html_of(r);
	CHECK_MSG(strstr(text, "run-queue waits cluster at the 4 ms scheduler "
			       "tick: 23 of 38 (61%) took 2.10 ms\n  to "
			       "4.19 ms"),
		  "%s", text);
	CHECK_MSG(strstr(text, "checks the slice at each tick"), "%s", text);
	CHECK(strstr(html, "<p class=\"note\">Waits cluster at the scheduler "
			   "tick: 23 of 38 waits (61%) took 2.10 ms to 4.19 "
			   "ms, the slot that holds this machine's tick of 4 "
			   "ms (HZ 250)"));
	/* the kernel release names the scheduler */
	CHECK(strstr(html, "(EEVDF, in Linux 6.6 and later)"));
	free(text);
	free(html);
	/* short of room, the figures without the why */
	{
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		int lines;

		if (!f)
			abort();
		lines = report_text_runq(f, r, 3);
		fclose(f);
		CHECK_EQ(lines, 2);
		CHECK_MSG(strstr(text, "more than in any other log2 slot.\n") &&
				  !strstr(text, "time slice"),
			  "%s", text);
		free(text);
	}
	run_report_free(r);
}

TEST(runq_tick_no_note_where_the_figures_do_not_show_it)
{
	uint64_t h0[LAB_HIST_SLOTS] = {0}, h1[LAB_HIST_SLOTS] = {0};
	struct run_report *r;
	char *text, *html;

	/* the most waits a slot above the tick's */
	h0[TICK_SLOT] = 12;
	h1[TICK_SLOT + 1] = 14;
	h1[15] = 4;
	for (int pass = 0; pass < 2; pass++) {
		r = pass ? run_of(0, h0, h0) /* no tick: an older trace */
			 : run_of(TICK, h0, h1);
		if (!CHECK(r))
			return;
		CHECK(!r->runq_tick.clustered);
		text = text_of(r);
		html = html_of(r);
		CHECK_MSG(!strstr(text, "cluster"), "%s", text);
		CHECK(!strstr(html, "cluster"));
		free(text);
		free(html);
		run_report_free(r);
	}
}

/* A real run pinned to one CPU: the note is there exactly when the
 * run's own histogram shows the cluster. */
TEST(runq_tick_note_follows_a_real_runs_figures)
{
	const char *dir = test_tmpdir(), *why;
	const char *argv[] = {test_lab_path(),
			      "run",
			      "cpu-threads",
			      "--cpu",
			      "0",
			      "--tasks",
			      "2",
			      "--ops",
			      "50000000",
			      "-o",
			      dir,
			      NULL};
	uint64_t h[LAB_HIST_SLOTS] = {0};
	char path[512], *out = malloc(OUT_MAX);
	json_object *doc = NULL, *procs;
	struct runq_tick t;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	if (!CHECK(out) ||
	    !CHECK_MSG(test_run(argv, out, OUT_MAX, false) == 0, "%s", out))
		goto done;
	snprintf(path, sizeof(path), "%s/cpu-threads.json", dir);
	doc = json_object_from_file(path);
	procs = json_path(doc, "processes");
	if (!CHECK(procs))
		goto done;
	for (size_t i = 0; i < json_object_array_length(procs); i++) {
		json_object *threads = json_path(
			json_object_array_get_idx(procs, i), "threads");

		for (size_t j = 0; j < json_object_array_length(threads); j++) {
			json_object *slots =
				json_path(json_object_array_get_idx(threads, j),
					  "runq_latency.histogram");

			for (size_t k = 0; k < json_object_array_length(slots);
			     k++) {
				json_object *s =
					json_object_array_get_idx(slots, k);
				uint64_t ge = json_path_u64(s, "ge_ns");
				unsigned int slot = 0;

				while (ge > 1) {
					ge >>= 1;
					slot++;
				}
				h[slot] += json_path_u64(s, "count");
			}
		}
	}
	runq_tick_find(&t, h, json_path_u64(doc, "environment.tick_ns"));
	CHECK(t.tick_ns > 0 && t.waits > 0);
	CHECK_MSG(!!strstr(out, "run-queue waits cluster at the") ==
			  t.clustered,
		  "%llu of %llu waits in the tick's slot %u:\n%s",
		  (unsigned long long)t.in_slot, (unsigned long long)t.waits,
		  t.slot, out);
done:
	json_object_put(doc);
	free(out);
}
