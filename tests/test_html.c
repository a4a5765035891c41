/* test_html.c - the HTML and SVG writers: escaping, scales and ticks,
 * the pictures, and the run and family pages on empty, one-thread,
 * hostile and very large reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analyzer/analysis.h"
#include "analyzer/analyze.h"
#include "analyzer/compare.h"
#include "analyzer/explain.h"
#include "analyzer/html.h"
#include "analyzer/lanes.h"
#include "analyzer/lanes_svg.h"
#include "analyzer/report.h"
#include "analyzer/report_sections.h"
#include "analyzer/svg.h"
#include "tests/test.h"

#define US	     1000ULL
#define MS	     1000000ULL
#define T0	     (1000 * MS)
#define ROOT	     100
#define SLEEPING     1 /* TASK_INTERRUPTIBLE */
#define NR_NANOSLEEP 35

/* What a writer wrote, as a string; free() it. */
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

static char *escaped(const char *s)
{
	struct capture c;

	html_text(capture_start(&c), s);
	return capture_end(&c);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Segments of the first path of a state's class: its moves. */
static size_t segments(const char *svg, const char *state)
{
	char open[64];
	const char *p;
	size_t n = 0;

	snprintf(open, sizeof(open), "<path class=\"s-%s\" d=\"", state);
	p = strstr(svg, open);
	if (!p)
		return 0;
	for (p += strlen(open); *p && *p != '"'; p++)
		n += *p == 'M';
	return n;
}

/* The figure holding a chart with this heading, as a string to free. */
static char *figure_of(const char *page, const char *title)
{
	char h3[128];
	const char *p, *end;

	snprintf(h3, sizeof(h3), "<h3>%s</h3>", title);
	p = strstr(page, h3);
	end = p ? strstr(p, "</figure>") : NULL;
	return end ? strndup(p, (size_t)(end - p)) : strdup("");
}

/* ---- escaping ---- */

TEST(html_escapes_markup_quotes_and_ampersands)
{
	char *s = escaped("<svg onload=x>");

	CHECK_STR(s, "&lt;svg onload=x&gt;");
	free(s);
	s = escaped("a\"b'c&d</script>");
	CHECK_STR(s, "a&quot;b&#39;c&amp;d&lt;/script&gt;");
	free(s);
	s = escaped("plain µs text");
	CHECK_STR(s, "plain µs text");
	free(s);
}

TEST(html_replaces_bytes_that_are_not_utf8_and_controls)
{
	/* a lone continuation byte, a truncated sequence, an overlong '<' */
	char *s = escaped("a\x80z \xe2\x82 \xc0\xbc \x1b[31m");

	CHECK_STR(s, "a\xef\xbf\xbdz \xef\xbf\xbd\xef\xbf\xbd "
		     "\xef\xbf\xbd\xef\xbf\xbd ?[31m");
	free(s);
}

TEST(html_escapes_text_longer_than_its_buffer)
{
	size_t n = 5000;
	char *in = malloc(n + 1), *s;

	if (!in)
		abort();
	memset(in, '<', n);
	in[n] = '\0';
	s = escaped(in);
	CHECK_EQ(strlen(s), 4 * n);
	CHECK_EQ(count(s, "&lt;"), n);
	free(s);
	free(in);
}

TEST(html_clips_at_a_character_boundary)
{
	struct capture c;

	html_text_clipped(capture_start(&c), "µµµµ<>", 3);
	capture_end(&c);
	CHECK_STR(c.text, "µµ…");
	free(c.text);
	html_text_clipped(capture_start(&c), "a<b", 3);
	capture_end(&c);
	CHECK_STR(c.text, "a&lt;b");
	free(c.text);
}

TEST(html_href_percent_encodes_all_but_a_plain_path)
{
	struct capture c;

	html_href(capture_start(&c), "run/io-threads_1.html");
	capture_end(&c);
	CHECK_STR(c.text, "run/io-threads_1.html");
	free(c.text);
	html_href(capture_start(&c), "javascript:x\"#? <");
	capture_end(&c);
	CHECK_STR(c.text, "javascript%3Ax%22%23%3F%20%3C");
	free(c.text);
}

/* ---- scales ---- */

TEST(svg_linear_scale_ends_on_a_nice_tick)
{
	struct svg_scale s;
	double t[32];
	size_t n;

	svg_scale_linear(&s, 3.1e9, 4, 100, 500);
	CHECK(s.lo == 0);
	CHECK_MSG(s.hi == 4e9, "hi %g", s.hi);
	n = svg_ticks(&s, t, 32);
	CHECK_EQ(n, 5);
	CHECK(t[4] == 4e9);
	CHECK(svg_scale_at(&s, 0) == 100);
	CHECK(svg_scale_at(&s, 2e9) == 300);
	/* clamped to the range */
	CHECK(svg_scale_at(&s, 9e9) == 500);
	CHECK(svg_scale_at(&s, -1) == 100);
	/* a fitted scale ends at the data, ticks stay nice */
	svg_scale_fit(&s, 313e6, 10, 0, 1000);
	CHECK(s.hi == 313e6);
	n = svg_ticks(&s, t, 32);
	CHECK_MSG(n == 7 && t[6] == 300e6, "%zu ticks, last %g", n, t[n - 1]);
	/* nothing to show still makes a scale */
	svg_scale_linear(&s, 0, 4, 0, 10);
	CHECK(s.hi > 0);
}

TEST(svg_log_scale_spans_whole_decades)
{
	struct svg_scale s;
	double t[32];
	size_t n;

	svg_scale_log(&s, 11, 5000, 0, 300);
	CHECK(s.log);
	CHECK(s.lo == 10 && s.hi == 10000);
	n = svg_ticks(&s, t, 32);
	CHECK_EQ(n, 4);
	CHECK(t[0] == 10 && t[3] == 10000);
	CHECK(svg_scale_at(&s, 100) == 100);
	CHECK(svg_scale_at(&s, 0) == 0);
	/* many decades: every other one */
	svg_scale_log(&s, 1, 1e12, 0, 300);
	CHECK_EQ(svg_ticks(&s, t, 32), 7);
	CHECK(svg_wants_log(1, 31));
	CHECK(!svg_wants_log(1, 30));
	CHECK(!svg_wants_log(0, 1e9));
}

TEST(svg_tick_labels_carry_units)
{
	char b[32];

	CHECK_STR(svg_tick_label(b, sizeof(b), 0, SVG_UNIT_NS), "0");
	CHECK_STR(svg_tick_label(b, sizeof(b), 150, SVG_UNIT_NS), "150 ns");
	CHECK_STR(svg_tick_label(b, sizeof(b), 1500, SVG_UNIT_NS), "1.5 µs");
	CHECK_STR(svg_tick_label(b, sizeof(b), 999.7e3, SVG_UNIT_NS), "1 ms");
	CHECK_STR(svg_tick_label(b, sizeof(b), 2.5e9, SVG_UNIT_NS), "2.5 s");
	CHECK_STR(svg_tick_label(b, sizeof(b), 1500e9, SVG_UNIT_NS), "1500 s");
	CHECK_STR(svg_tick_label(b, sizeof(b), 12000, SVG_UNIT_COUNT), "12k");
	CHECK_STR(svg_tick_label(b, sizeof(b), 800, SVG_UNIT_COUNT), "800");
	CHECK_STR(svg_tick_label(b, sizeof(b), 2048, SVG_UNIT_KIB), "2 MB");
	CHECK_STR(svg_tick_label(b, sizeof(b), 1000, SVG_UNIT_KIB), "1000 kB");
	CHECK_STR(svg_tick_label(b, sizeof(b), 0.75, SVG_UNIT_PLAIN), "0.75");
}

/* ---- pictures ---- */

static char *bar_chart(const struct svg_bar *bars, size_t n, enum svg_unit u)
{
	struct capture c;

	svg_bar_chart(capture_start(&c), "a <chart>", bars, n, u);
	return capture_end(&c);
}

TEST(svg_bar_chart_goes_log_when_values_are_orders_apart)
{
	struct svg_bar near[] = {
		{.label = "threads", .shown = "10", .value = 10, .known = true},
		{.label = "coroutines",
		 .shown = "200",
		 .value = 200,
		 .known = true},
	};
	struct svg_bar far[] = {
		{.label = "<b>t</b>",
		 .shown = "11",
		 .value = 11,
		 .known = true},
		{.label = "c", .shown = "5,000", .value = 5000, .known = true},
		{.label = "s", .shown = "0", .value = 0, .known = true},
		{.label = "p"},
	};
	char *s = bar_chart(near, 2, SVG_UNIT_COUNT);

	CHECK(!strstr(s, "log scale"));
	CHECK_EQ(count(s, "<rect class=\"bar\""), 2);
	CHECK(strstr(s, "aria-label=\"a &lt;chart&gt;\""));
	free(s);
	s = bar_chart(far, 4, SVG_UNIT_COUNT);
	CHECK(strstr(s, "log scale"));
	/* decades 10 to 10k, labelled */
	CHECK(strstr(s, ">10<") && strstr(s, ">10k<"));
	/* 0 has no bar on a log axis, and the unknown model none either */
	CHECK_EQ(count(s, "<rect class=\"bar\""), 2);
	CHECK(strstr(s, "not known"));
	CHECK(strstr(s, "&lt;b&gt;t&lt;/b&gt;") && !strstr(s, "<b>"));
	free(s);
	/* repeats: a whisker over the range */
	near[0].lo = 8;
	near[0].hi = 12;
	s = bar_chart(near, 2, SVG_UNIT_COUNT);
	CHECK_EQ(count(s, "class=\"range\""), 1);
	free(s);
}

TEST(svg_histogram_spans_the_used_slots)
{
	uint64_t hist[LAB_HIST_SLOTS] = {0};
	struct capture c;

	hist[10] = 3; /* [1024, 2048) ns */
	hist[12] = 1;
	svg_log2_histogram(capture_start(&c), "h", hist, LAB_HIST_SLOTS);
	capture_end(&c);
	CHECK_EQ(count(c.text, "<rect class=\"bar\""), 2);
	CHECK(strstr(c.text, "1.02 µs to 2.05 µs: 3"));
	/* a slot of room either side, no more: slots 9 to 13 */
	CHECK(strstr(c.text, ">512 ns<"));
	CHECK(!strstr(c.text, ">256 ns<"));
	/* counts tick at whole waits */
	CHECK(!strstr(c.text, ">0.5<"));
	free(c.text);
	/* nothing waited: axes, no bars */
	memset(hist, 0, sizeof(hist));
	svg_log2_histogram(capture_start(&c), "h", hist, LAB_HIST_SLOTS);
	capture_end(&c);
	CHECK_EQ(count(c.text, "<rect"), 0);
	CHECK(strstr(c.text, "</svg>"));
	free(c.text);
}

TEST(lanes_svg_timeline_merges_equal_columns)
{
	struct lane lanes[2];
	struct lane_set set = {.start_ns = T0,
			       .column_ns = MS,
			       .ncolumns = 100,
			       .nlanes = 2,
			       .lanes = lanes};
	size_t rows[] = {1};
	const char *labels[] = {"7 <svg onload=x>"};
	struct lanes_svg_band band = {10 * MS, 20 * MS, "work"};
	struct capture c;

	memset(lanes, LANE_NONE, sizeof(lanes));
	/* lane 1: running 0-39, sleeping 40-69, running 70-99 */
	memset(lanes[1].state, LANE_RUNNING, 100);
	memset(lanes[1].state + 40, LANE_SLEEP, 30);
	memset(lanes[0].state, LANE_LOCK, 100);
	lanes_svg_timeline(capture_start(&c),
			   &(struct lanes_svg_run){.set = &set,
						   .rows = rows,
						   .labels = labels,
						   .nrows = 1,
						   .bands = &band,
						   .nbands = 1});
	capture_end(&c);
	/* one path per state, one segment per run */
	CHECK_EQ(count(c.text, "<path class=\"s-running\""), 1);
	CHECK_EQ(count(c.text, "<path class=\"s-sleep\""), 1);
	CHECK_EQ(segments(c.text, "running"), 2);
	CHECK_EQ(segments(c.text, "sleep"), 1);
	CHECK_EQ(count(c.text, "class=\"mark\""), 1);
	/* the lane not listed is not drawn */
	CHECK(!strstr(c.text, "s-lock"));
	CHECK(strstr(c.text, "7 &lt;svg onload=x&gt;"));
	CHECK(!strstr(c.text, "<svg onload"));
	CHECK(strstr(c.text, ">work<"));
	CHECK(strstr(c.text, ">50 ms<"));
	free(c.text);
}

/* ---- the run page ---- */

static char *run_page(const struct run_report *r)
{
	struct capture c;

	CHECK_EQ(report_write_html(capture_start(&c), r), 0);
	return capture_end(&c);
}

/* Every section of ids once, in order, each with its heading; nothing
 * fetched from elsewhere; one script, ours. */
static void check_page_shape(const char *s, const char *const *ids, size_t n)
{
	const char *at = s;

	for (size_t i = 0; i < n; i++) {
		char open[64];
		const char *p;

		snprintf(open, sizeof(open), "<section id=\"%s\"", ids[i]);
		p = strstr(s, open);
		if (!CHECK_MSG(p && p >= at,
			       "section %s missing or out of "
			       "order",
			       ids[i]))
			continue;
		CHECK_MSG(count(s, open) == 1, "section %s twice", ids[i]);
		CHECK_MSG(!strncmp(strchr(p, '>') + 1, "\n<h2>", 5),
			  "section %s has no heading", ids[i]);
		at = p;
	}
	CHECK_EQ(count(s, "<section"), count(s, "</section>"));
	CHECK_EQ(count(s, "<script"), 1);
	CHECK(!strstr(s, "http:") && !strstr(s, "https:"));
	CHECK(!strstr(s, "<link") && !strstr(s, "<img") &&
	      !strstr(s, "<iframe") && !strstr(s, "<object") &&
	      !strstr(s, "<embed"));
	CHECK(!strstr(s, "@import") && !strstr(s, "@font-face"));
	/* url() only for the page's own patterns */
	CHECK_EQ(count(s, "url("), count(s, "url(#p-"));
	CHECK(strstr(s, "</html>\n"));
}

/* The shape of a run page: every section of the table but the alerts,
 * which a run shows only when it lost something. */
static void check_run_page(const char *s)
{
	const char *ids[32];
	size_t n = 0;

	for (size_t i = 0; i < report_sections_nrun && n < 32; i++)
		if (!report_sections_run[i].shown)
			ids[n++] = report_sections_run[i].id;
	check_page_shape(s, ids, n);
}

/* The same for a family page. */
static void check_family_page(const char *s)
{
	const char *ids[32];
	size_t n = 0;

	for (size_t i = 0; i < report_sections_nfamily && n < 32; i++)
		if (!report_sections_family[i].shown)
			ids[n++] = report_sections_family[i].id;
	check_page_shape(s, ids, n);
}

TEST(report_html_of_an_empty_trace_keeps_every_section)
{
	struct run_report *r = calloc(1, sizeof(*r));
	char *s;

	if (!r)
		abort();
	r->complete = true;
	s = run_page(r);
	check_run_page(s);
	CHECK(!strstr(s, "id=\"dropped\""));
	/* the sections with nothing to show say so (wakeups twice: who
	 * woke, who preempted) */
	CHECK_EQ(count(s, "None in this run"), 9);
	free(s);
	free(r);
}

/* The root: runs, sleeps in nanosleep, waits 1 ms runnable, runs, is
 * preempted, runs again and exits. */
static struct run_report *one_thread(uint64_t dropped)
{
	const struct lab_event ev[] = {
		{.ts = T0 + 1 * MS,
		 .type = LAB_EV_SWITCH,
		 .other_tid = ROOT,
		 .other_pid = ROOT},
		{.ts = T0 + 2 * MS,
		 .type = LAB_EV_BLOCK,
		 .tid = ROOT,
		 .pid = ROOT,
		 .aux = NR_NANOSLEEP},
		{.ts = T0 + 2 * MS,
		 .type = LAB_EV_SWITCH,
		 .tid = ROOT,
		 .pid = ROOT,
		 .value = SLEEPING},
		{.ts = T0 + 5 * MS,
		 .type = LAB_EV_WAKEUP,
		 .tid = ROOT,
		 .pid = ROOT,
		 .other_tid = 1},
		{.ts = T0 + 6 * MS,
		 .type = LAB_EV_SWITCH,
		 .other_tid = ROOT,
		 .other_pid = ROOT},
		{.ts = T0 + 7 * MS,
		 .type = LAB_EV_SWITCH,
		 .tid = ROOT,
		 .pid = ROOT,
		 .flags = LAB_SWITCH_PREEMPT},
		{.ts = T0 + 8 * MS,
		 .type = LAB_EV_SWITCH,
		 .other_tid = ROOT,
		 .other_pid = ROOT},
		{.ts = T0 + 9 * MS,
		 .type = LAB_EV_EXIT,
		 .tid = ROOT,
		 .pid = ROOT},
	};
	struct lab_trace_info info = {
		.version = LAB_TRACE_VERSION, .cpu_count = 2, .start_ns = T0};
	struct lab_run_summary sum = {.end_ns = T0 + 10 * MS,
				      .events = 8,
				      .dropped = dropped,
				      .maxrss_kb = 2048};
	struct analysis *a;

	snprintf(info.workload, sizeof(info.workload), "unit-threads");
	snprintf(info.kernel, sizeof(info.kernel), "6.18.0-test");
	snprintf(info.hypervisor, sizeof(info.hypervisor), "KVM");
	a = analysis_new(&info);
	if (!a)
		abort();
	analysis_add_events(a, ev, sizeof(ev) / sizeof(ev[0]));
	analysis_set_summary(a, &sum);
	return analysis_finish(a);
}

TEST(report_html_of_one_thread)
{
	struct run_report *r = one_thread(0);
	char *s;

	if (!CHECK(r && r->nthreads == 1 && r->lanes.nlanes == 1))
		return;
	s = run_page(r);
	check_run_page(s);
	CHECK(!strstr(s, "id=\"dropped\""));
	/* one lane, running and sleeping, and a lane per CPU, on one of
	 * which it ran; one histogram, no "all threads" */
	CHECK_EQ(count(s, "<g class=\"cpu-lane\">"), r->info.cpu_count);
	CHECK(count(s, "<path class=\"s-running\"") >= 2 &&
	      count(s, "<path class=\"s-running\"") <= 1 + r->info.cpu_count);
	CHECK_EQ(count(s, "<path class=\"s-sleep\""), 1);
	CHECK_EQ(count(s, "<figure class=\"hist\""), 1);
	CHECK(!strstr(s, "all threads"));
	CHECK(strstr(s, "<table id=\"threads-table\" class=\"sortable\">"));
	/* tid, pid in the threads' table */
	CHECK(strstr(s, "id=\"threads-table\"") &&
	      count(strstr(s, "id=\"threads-table\""),
		    "<td data-v=\"100\">100</td>") == 2);
	CHECK(strstr(s, "yes: KVM"));
	CHECK(strstr(s, "<dt>kernel</dt><dd>6.18.0-test</dd>"));
	free(s);
	run_report_free(r);
}

TEST(report_html_puts_dropped_events_first)
{
	struct run_report *r = one_thread(1234);
	char *s;

	if (!CHECK(r))
		return;
	s = run_page(r);
	CHECK(strstr(s, "<section id=\"dropped\""));
	CHECK(strstr(s, "<section id=\"dropped\"") <
	      strstr(s, "<section id=\"summary\""));
	CHECK(strstr(s, "1,234 events were lost"));
	free(s);
	/* an incomplete trace says so there too, escaped */
	r->dropped = 0;
	r->complete = false;
	snprintf(r->incomplete_reason, sizeof(r->incomplete_reason),
		 "cut <here>");
	s = run_page(r);
	CHECK(strstr(s, "<section id=\"dropped\""));
	CHECK(strstr(s, "cut &lt;here&gt;"));
	free(s);
	run_report_free(r);
}

/* Processes left running: framed before the summary, named (escaped),
 * linked from the top. */
TEST(report_html_says_what_still_runs)
{
	struct run_report *r = one_thread(0);
	struct still_running still[2] = {{.pid = 4242}, {.pid = 4250}};
	struct still_running *own;
	size_t nown;
	char *s;

	if (!CHECK(r))
		return;
	snprintf(still[0].comm, sizeof(still[0].comm), "sleep");
	snprintf(still[1].comm, sizeof(still[1].comm), "<svg onload=x>");
	/* the analysis's own (empty) list stays the report's to free */
	own = r->still_running;
	nown = r->nstill_running;
	r->still_running = still;
	r->nstill_running = 2;
	s = run_page(r);
	check_run_page(s);
	CHECK(strstr(s, "<a href=\"#still-running\">"));
	CHECK(strstr(s, "<section id=\"still-running\" class=\"alert\">") &&
	      strstr(s, "<section id=\"still-running\"") <
		      strstr(s, "<section id=\"summary\""));
	CHECK(strstr(s, "<strong>2 processes</strong> of the run were still "
			"running when tracing stopped: they outlived the run, "
			"which lab does not stop"));
	CHECK(strstr(s, "<li>4242 (sleep)</li>"));
	CHECK(strstr(s, "<li>4250 (&lt;svg onload=x&gt;)</li>"));
	CHECK(!strstr(s, "<svg onload"));
	free(s);
	r->still_running = own;
	r->nstill_running = nown;
	run_report_free(r);
}

TEST(report_html_escapes_everything_from_the_trace)
{
	struct run_report *r = one_thread(0);
	struct lock_report lock = {.addr = 0x1000, .count = 2, .total_ns = MS};
	struct lock_report *own;
	size_t nown;
	char *s;

	if (!CHECK(r && r->nthreads == 1))
		return;
	snprintf(r->threads[0].comm, sizeof(r->threads[0].comm),
		 "<svg onload=x>");
	snprintf(r->info.workload, sizeof(r->info.workload), "w\"><b>x");
	snprintf(r->info.params, sizeof(r->info.params), "a=<i>1</i>");
	snprintf(r->info.cmdline, sizeof(r->info.cmdline),
		 "./prog '</script><script>alert(1)</script>' \xff&");
	snprintf(r->info.kernel, sizeof(r->info.kernel), "6.18<img src=x>");
	snprintf(r->info.cpu_model, sizeof(r->info.cpu_model), "CPU&\x01");
	snprintf(lock.symbol, sizeof(lock.symbol), "<b onclick=x>lock</b>");
	/* the analysis's own (empty) lock list stays the report's to free */
	own = r->user_locks;
	nown = r->nuser_locks;
	r->user_locks = &lock;
	r->nuser_locks = 1;
	s = run_page(r);
	r->user_locks = own;
	r->nuser_locks = nown;
	check_run_page(s);
	CHECK(!strstr(s, "<svg onload") && !strstr(s, "<b onclick") &&
	      !strstr(s, "<img") && !strstr(s, "<i>1") && !strstr(s, "<b>x"));
	CHECK(strstr(s, "&lt;svg onload=x&gt;"));
	CHECK(strstr(s, "&lt;b onclick=x&gt;lock&lt;/b&gt;"));
	CHECK(strstr(s, "w&quot;&gt;&lt;b&gt;x"));
	CHECK(strstr(s, "&#39;&lt;/script&gt;&lt;script&gt;alert(1)"));
	CHECK(strstr(s, "\xef\xbf\xbd&amp;"));
	CHECK(strstr(s, "CPU&amp;?"));
	free(s);
	run_report_free(r);
}

/* A report of n threads whose every lane changes state every column:
 * the most a timeline can hold. */
static struct run_report *many_threads(size_t n)
{
	struct run_report *r = calloc(1, sizeof(*r));

	if (!r)
		abort();
	r->threads = calloc(n, sizeof(*r->threads));
	r->lanes.lanes = calloc(n, sizeof(*r->lanes.lanes));
	if (!r->threads || !r->lanes.lanes)
		abort();
	snprintf(r->info.workload, sizeof(r->info.workload), "big-threads");
	r->info.start_ns = T0;
	r->complete = true;
	r->nthreads = n;
	r->events = 1000000;
	r->wall_ns = 2000 * MS;
	r->lanes = (struct lane_set){.start_ns = T0,
				     .column_ns = 2000 * MS / LANE_COLUMNS,
				     .ncolumns = LANE_COLUMNS,
				     .nlanes = n,
				     .lanes = r->lanes.lanes};
	for (size_t i = 0; i < n; i++) {
		struct thread_report *t = &r->threads[i];

		t->tid = t->pid = 1000 + (uint32_t)i;
		snprintf(t->comm, sizeof(t->comm), "worker-%zu", i);
		t->counts.oncpu_ns = (i * 7919) % 1000 * US;
		t->counts.voluntary_switches = 1000000 / n;
		t->runq.count = 10;
		t->runq.hist[10 + i % 8] = 10;
		t->counts.runq_wait_ns = (i % 97) * US;
		for (size_t col = 0; col < LANE_COLUMNS; col++)
			r->lanes.lanes[i].state[col] =
				1 + (col + i) % (LANE_NSTATES - 1);
	}
	return r;
}

TEST(report_html_of_many_threads_stays_small)
{
	const size_t n = 5000;
	struct run_report *r = many_threads(n);
	char *s = run_page(r), *table, msg[64];
	size_t len = strlen(s), lanes, rows;

	check_run_page(s);
	CHECK_MSG(len < 3000000, "%zu bytes", len);
	/* a lane per thread drawn, up to a cap; the rest said */
	lanes = count(s, "<path class=\"s-running\"");
	CHECK_MSG(lanes >= 16 && lanes <= 100, "%zu lanes", lanes);
	snprintf(msg, sizeof(msg), "%zu more threads not drawn", n - lanes);
	CHECK_MSG(strstr(s, msg), "no \"%s\"", msg);
	/* the run's histogram and a few threads' */
	CHECK(count(s, "<figure class=\"hist\"") <= 1 + 16);
	/* a capped table, the rest said */
	table = strstr(s, "<section id=\"threads\"");
	rows = count(table, "<tr>") - 1;
	CHECK_MSG(rows >= 100 && rows < n, "%zu rows", rows);
	snprintf(msg, sizeof(msg), "%zu more threads, the least busy",
		 n - rows);
	CHECK_MSG(strstr(table, msg), "no \"%s\"", msg);
	free(s);
	free(r->threads);
	free(r->lanes.lanes);
	free(r);
}

/* ---- the family page ---- */

static struct run_report *run_of(const char *workload, uint64_t wall,
				 uint64_t switches)
{
	struct run_report *r = calloc(1, sizeof(*r));

	if (!r)
		abort();
	snprintf(r->info.workload, sizeof(r->info.workload), "%s", workload);
	snprintf(r->info.params, sizeof(r->info.params), "tasks=4 <q>");
	snprintf(r->info.cpu_model, sizeof(r->info.cpu_model), "Test CPU");
	r->info.cpu_count = 2;
	r->complete = true;
	r->has_summary = true;
	r->summary.maxrss_kb = 2048;
	r->wall_ns = wall;
	r->totals.oncpu_ns = wall / 2;
	r->totals.voluntary_switches = switches;
	r->has_times = true;
	r->marked_tasks = 4;
	return r;
}

static char *family_page(const struct compare_page *pages, size_t n,
			 uint64_t dropped)
{
	struct run_report *runs[] = {
		run_of("<i>x</i>-processes", 300 * MS, 5000),
		run_of("<i>x</i>-threads", 310 * MS, 4000),
		run_of("<i>x</i>-coroutines", 320 * MS, 11),
	};
	struct comparison c;
	struct explanation e;
	struct capture cap;
	char err[256];

	runs[1]->dropped = dropped;
	compare_init(&c);
	for (size_t i = 0; i < 3; i++) {
		CHECK_MSG(compare_add(&c, runs[i], err, sizeof(err)) == 0,
			  "compare_add: %s", err);
		free(runs[i]);
	}
	compare_finish(&c);
	if (explain(&c, &e))
		abort();
	CHECK_EQ(compare_write_html(capture_start(&cap), &c, &e, pages, n), 0);
	explain_free(&e);
	compare_free(&c);
	return capture_end(&cap);
}

TEST(compare_html_charts_links_and_escapes)
{
	struct compare_page pages[] = {
		{"<i>x</i>-threads", "<i>x</i>-threads.html"},
		{"<i>x</i>-processes", "a\"b#c.html"},
		{"other", "nothing.html"},
	};
	char *s = family_page(pages, 3, 0), *fig;

	check_family_page(s);
	CHECK(!strstr(s, "id=\"dropped\""));
	CHECK(!strstr(s, "<i>"));
	CHECK(strstr(s, "<h1>&lt;i&gt;x&lt;/i&gt;: the models compared</h1>"));
	CHECK(strstr(s, "tasks=4 &lt;q&gt;"));
	/* a link per page of a model of the family, never to another */
	CHECK(strstr(s, "<a href=\"%3Ci%3Ex%3C/i%3E-threads.html\">"));
	CHECK(strstr(s, "<a href=\"a%22b%23c.html\">a&quot;b#c.html</a>"));
	CHECK(!strstr(s, "nothing.html"));
	/* switches 11 to 5000: a log axis; wall times: a linear one */
	fig = figure_of(s, "Kernel context switches");
	CHECK(strstr(fig, "log scale") && strstr(fig, ">5,000<"));
	free(fig);
	fig = figure_of(s, "Wall time");
	CHECK(strstr(fig, "<svg") && !strstr(fig, "log scale"));
	CHECK(strstr(fig, ">300 ms<"));
	free(fig);
	/* the claims with their figures in bold */
	CHECK(strstr(s, "<ol class=\"claims\">"));
	CHECK(strstr(s, "<b>300 ms</b>"));
	CHECK(strstr(s, "<table id=\"figures-table\">"));
	free(s);
	s = family_page(NULL, 0, 77);
	CHECK(strstr(s, "<section id=\"dropped\""));
	CHECK(strstr(s, "<section id=\"dropped\"") <
	      strstr(s, "<section id=\"explanation\""));
	CHECK(strstr(s, "lost up to 77 events"));
	CHECK(strstr(s, "not written beside this one"));
	free(s);
}

/* ---- lab report --html ---- */

TEST(lab_report_writes_the_run_page_of_a_saved_trace)
{
	static char out[16384];
	char page[512], cut[512];
	const char *one[] = {
		test_lab_path(), "report", "tests/fuzz/corpus/io-threads.lab",
		"--html",	 page,	   NULL};
	const char *damaged[] = {test_lab_path(),
				 "report",
				 "tests/fuzz/corpus/cut-inside-chunk.lab",
				 "--html",
				 cut,
				 NULL};
	const char *two[] = {test_lab_path(),
			     "report",
			     "tests/fuzz/corpus/io-threads.lab",
			     "tests/fuzz/corpus/lock-threads.lab",
			     "--html",
			     cut,
			     NULL};
	char *s;

	snprintf(page, sizeof(page), "%s/io-threads.html", test_tmpdir());
	snprintf(cut, sizeof(cut), "%s/cut.html", test_tmpdir());
	CHECK_MSG(test_run(one, out, sizeof(out), false) == 0, "%s", out);
	s = test_slurp(page);
	if (CHECK_MSG(s, "no %s", page)) {
		check_run_page(s);
		CHECK(strstr(s, "<h1>io-threads</h1>"));
		CHECK(!strstr(s, "id=\"dropped\""));
	}
	free(s);
	/* the intact part of a damaged trace, and the damage first */
	test_run(damaged, out, sizeof(out), false);
	s = test_slurp(cut);
	if (CHECK_MSG(s, "no %s: %s", cut, out)) {
		check_run_page(s);
		CHECK(strstr(s, "<section id=\"dropped\""));
	}
	free(s);
	unlink(cut);
	/* two scenarios: no comparison to write, and no page */
	CHECK_EQ(test_run(two, out, sizeof(out), false), 2);
	CHECK_MSG(strstr(out, "--html with several traces"), "%s", out);
	CHECK(access(cut, F_OK) != 0);
}

static char *switch_costs(const struct lab_trace_info *in)
{
	struct capture c;

	html_env_switch_costs(capture_start(&c), in);
	return capture_end(&c);
}

/* The environment's switch costs, as both pages show them: what each
 * means, the trace's words escaped, nothing for a trace without them. */
TEST(html_env_switch_costs_say_what_they_mean)
{
	struct lab_trace_info in = {0};
	char *s = switch_costs(&in);

	CHECK_STR(s, "");
	free(s);
	in.tick_ns = 4000000;
	snprintf(in.tlb_tags, sizeof(in.tlb_tags), "none");
	snprintf(in.page_table_isolation, sizeof(in.page_table_isolation),
		 "Mitigation: PTI");
	s = switch_costs(&in);
	CHECK(strstr(s, "<dt>TLB tags</dt><dd>none (no PCID): a switch to "
			"another process's address space empties the TLB"));
	CHECK(strstr(s, "<dt>page-table isolation</dt><dd>Mitigation: PTI ("));
	CHECK(strstr(s, "without TLB tags each of those switches empties the "
			"TLB of user space's entries"));
	CHECK(strstr(s, "<dt>scheduler tick</dt><dd>4 ms (HZ 250)"));
	free(s);
	snprintf(in.tlb_tags, sizeof(in.tlb_tags), "pcid invpcid");
	snprintf(in.page_table_isolation, sizeof(in.page_table_isolation),
		 "<b>Mitigation: new</b>");
	in.tick_ns = 0;
	s = switch_costs(&in);
	CHECK(strstr(s, "<dd>PCID, INVPCID: the CPU tags TLB entries"));
	CHECK(strstr(s, "&lt;b&gt;Mitigation: new&lt;/b&gt;</dd>"));
	CHECK(!strstr(s, "<b>") && !strstr(s, "tick"));
	free(s);
}
