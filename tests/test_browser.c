/* test_browser.c - the HTML reports in a real browser. Each page renders
 * in headless chromium with no error on its console, no request of any
 * kind (network, other files, sockets, workers), every section of its
 * contract, and a threads table that sorts when its heads are clicked;
 * names and arguments the traced program chose show as text and run
 * nothing. The checks first prove themselves on hand-made pages that
 * break one rule each. Screenshots stay in build/browser/. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include "analyzer/compare.h"
#include "analyzer/compare_lanes.h"
#include "analyzer/explain.h"
#include "analyzer/report.h"
#include "tests/browser.h"
#include "tests/json_path.h"
#include "tests/test.h"

#define SHOTS	"build/browser"
#define OUT_MAX 65536
#define WHY_MAX 16384

/* What a page must hold besides being quiet and self-contained. */
struct contract {
	const char *const *sections; /* ids of <section>s it must have */
	int dropped; /* its "dropped" section: 1 there, 0 absent, -1 either */
	bool threads_table;	  /* a sortable table#threads-table */
	const char *const *links; /* pages section#models links to */
	const char *const *texts; /* strings it shows as text */
	const char *charted;	  /* a section that shows a chart (<svg>) */
	/* the family's timelines, "timeline-MODEL:LANES" each (a group per
	 * model drawn, with so many lanes), space-separated */
	const char *timelines;
	const char *const *titles; /* strings an SVG <title> holds as text */
};

static const char *const report_sections_run[] = {
	"summary",  "timeline", "runq",	   "offcpu",	  "locks",
	"creation", "phases",	"threads", "environment", NULL};
static const char *const report_sections_family[] = {"explanation", "timelines",
						     "comparison",  "models",
						     "environment", NULL};

/* the ids of the page's sections, space-separated */
static const char section_ids_js[] =
	"Array.from(document.querySelectorAll('section[id]'), s => s.id)"
	".join(' ')";

/* the elements with an event handler in their markup: there should be
 * none, so one is markup that came from the traced program */
static const char handlers_js[] =
	"Array.from(document.querySelectorAll('*')).filter(e => "
	"Array.from(e.attributes).some(a => a.name.startsWith('on')))"
	".map(e => e.outerHTML.slice(0, 80)).join(' | ')";

/* each model's group in the timelines, with its lanes: "id:lanes ..." */
static const char timelines_js[] =
	"Array.from(document.querySelectorAll('section#timelines svg "
	"g[id^=\"timeline-\"]'), g => g.id + ':' + "
	"g.querySelectorAll('g.lane').length).join(' ')";

static const char model_links_js[] =
	"Array.from(document.querySelectorAll('section#models a[href]'), "
	"a => a.getAttribute('href')).join(' ')";

/* Clicks each head of the threads table twice: the column must then be
 * in order one way, then the other, by each cell's data-v value or else
 * its text, with no row lost. Says what is wrong, or nothing. */
static const char sort_check_js[] =
	"(() => {\n"
	"const t = document.querySelector("
	"'section#threads table#threads-table');\n"
	"if (!t) return 'no table#threads-table in section#threads';\n"
	"if (!t.tHead || !t.tBodies.length) return 'no head or body';\n"
	"const heads = t.tHead.rows[0].cells, body = t.tBodies[0];\n"
	"const n = body.rows.length;\n"
	"if (!n) return 'no rows';\n"
	"const key = c => c.hasAttribute('data-v') ? "
	"Number(c.getAttribute('data-v')) : c.textContent;\n"
	"const ordered = (k, up) => k.every((v, j) => !j || "
	"(up ? k[j - 1] <= v : k[j - 1] >= v));\n"
	"for (let i = 0; i < heads.length; i++) {\n"
	"  const seen = [];\n"
	"  for (let click = 0; click < 2; click++) {\n"
	"    heads[i].click();\n"
	"    if (body.rows.length !== n) return 'rows lost sorting by ' +\n"
	"      heads[i].textContent;\n"
	"    const k = Array.from(body.rows, r => key(r.cells[i]));\n"
	"    seen.push([ordered(k, true), ordered(k, false)]);\n"
	"  }\n"
	"  const up = seen[0][0] && seen[1][1], down = seen[0][1] && "
	"seen[1][0];\n"
	"  if (!up && !down) return 'two clicks on \"' + "
	"heads[i].textContent + '\" do not sort it both ways';\n"
	"}\n"
	"return '';\n"
	"})()";

static void add(char *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add(char *why, const char *fmt, ...)
{
	size_t used = strlen(why);
	va_list ap;

	if (used + 2 >= WHY_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(why + used, WHY_MAX - used - 1, fmt, ap);
	va_end(ap);
	strcat(why, "\n");
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *s = list; (s = strstr(s, word)); s += n)
		if ((s == list || s[-1] == ' ') && (!s[n] || s[n] == ' '))
			return true;
	return false;
}

/* A JavaScript expression that is true when the page shows text. */
static char *shows_text_js(const char *text)
{
	json_object *s = json_object_new_string(text);
	char *js = NULL;

	if (asprintf(&js, "String(document.body.innerText.includes(%s))",
		     json_object_to_json_string(s)) < 0)
		js = NULL;
	json_object_put(s);
	return js;
}

/* Evaluates js; a result other than want (or a failure) is a fault. */
static int expect(struct browser *b, const char *js, const char *want,
		  const char *what, char *why)
{
	char *got = browser_eval(b, js);
	int fault = !got || strcmp(got, want);

	if (!got)
		add(why, "%s: %s", what, browser_error(b));
	else if (fault)
		add(why, "%s: %s", what, got);
	free(got);
	return fault;
}

static int check_sections(struct browser *b, const struct contract *c,
			  char *why)
{
	char *ids = browser_eval(b, section_ids_js);
	int faults = 0;

	if (!ids) {
		add(why, "sections: %s", browser_error(b));
		return 1;
	}
	for (const char *const *s = c->sections; *s; s++)
		if (!has_word(ids, *s)) {
			add(why, "missing: no <section id=\"%s\">", *s);
			faults++;
		}
	if (c->dropped >= 0 && has_word(ids, "dropped") != c->dropped) {
		add(why, "dropped: the section is %s, the report says %s",
		    c->dropped ? "absent" : "there",
		    c->dropped ? "events were dropped or the run is incomplete"
			       : "nothing was dropped");
		faults++;
	}
	free(ids);
	return faults;
}

static int check_links(struct browser *b, const struct contract *c, char *why)
{
	char *hrefs = browser_eval(b, model_links_js);
	int faults = 0;

	if (!hrefs) {
		add(why, "links: %s", browser_error(b));
		return 1;
	}
	for (const char *const *l = c->links; *l; l++)
		if (!has_word(hrefs, *l)) {
			add(why, "links: section#models does not link to %s",
			    *l);
			faults++;
		}
	free(hrefs);
	return faults;
}

static int check_texts(struct browser *b, const struct contract *c, char *why)
{
	int faults = 0;

	for (const char *const *t = c->texts; *t; t++) {
		char *js = shows_text_js(*t), what[128];

		snprintf(what, sizeof(what), "text: \"%s\" shown as text", *t);
		faults += js ? expect(b, js, "true", what, why) : 1;
		free(js);
	}
	return faults;
}

/* The timelines drawn: every group expected, with its lanes, and no
 * other. */
static int check_timelines(struct browser *b, const struct contract *c,
			   char *why)
{
	char *got = browser_eval(b, timelines_js);
	int fault = !got || strcmp(got, c->timelines);

	if (!got)
		add(why, "timelines: %s", browser_error(b));
	else if (fault)
		add(why, "timelines: \"%s\", expected \"%s\"", got,
		    c->timelines);
	free(got);
	return fault;
}

/* A JavaScript expression that is true when an SVG <title> holds text. */
static char *titles_js(const char *text)
{
	json_object *s = json_object_new_string(text);
	char *js = NULL;

	if (asprintf(&js,
		     "String(Array.from(document.querySelectorAll('svg "
		     "title'), t => t.textContent).some(t => t.includes(%s)))",
		     json_object_to_json_string(s)) < 0)
		js = NULL;
	json_object_put(s);
	return js;
}

static int check_titles(struct browser *b, const struct contract *c, char *why)
{
	int faults = 0;

	for (const char *const *t = c->titles; *t; t++) {
		char *js = titles_js(*t), what[128];

		snprintf(what, sizeof(what), "title: \"%s\" in a <title>", *t);
		faults += js ? expect(b, js, "true", what, why) : 1;
		free(js);
	}
	return faults;
}

static int check_chart(struct browser *b, const char *section, char *why)
{
	char js[256], what[64];

	snprintf(js, sizeof(js),
		 "(() => { const r = document.querySelector('section#%s svg')"
		 "?.getBoundingClientRect(); return String(r?.width > 0 && "
		 "r?.height > 0); })()",
		 section);
	snprintf(what, sizeof(what), "chart: a visible <svg> in #%s", section);
	return expect(b, js, "true", what, why);
}

/* Renders the page at path and returns how many rules it breaks, each a
 * line in why; its screenshot goes to build/browser/<shot>.png. */
static int page_faults(struct browser *b, const char *path,
		       const struct contract *c, const char *shot, char *why)
{
	const struct browser_log *log;
	int faults = 0;

	why[0] = 0;
	if (!browser_load(b, path)) {
		add(why, "load: %s", browser_error(b));
		return 1;
	}
	if (c->sections)
		faults += check_sections(b, c, why);
	if (c->links)
		faults += check_links(b, c, why);
	if (c->texts)
		faults += check_texts(b, c, why);
	faults += expect(b, handlers_js, "", "markup: event handlers", why);
	if (c->charted)
		faults += check_chart(b, c->charted, why);
	if (c->timelines) {
		faults += check_chart(b, "timelines", why);
		faults += check_timelines(b, c, why);
	}
	if (c->titles)
		faults += check_titles(b, c, why);
	if (shot) {
		char png[256];

		mkdir(SHOTS, 0755);
		snprintf(png, sizeof(png), SHOTS "/%s.png", shot);
		if (!browser_screenshot(b, png)) {
			add(why, "screenshot: %s", browser_error(b));
			faults++;
		}
	}
	/* after the screenshot, which shows the table as written */
	if (c->threads_table)
		faults += expect(b, sort_check_js, "", "threads table", why);
	/* last: clicking the table's heads may have logged errors too */
	log = browser_log(b);
	if (log->errors || log->requests)
		add(why, "%s", log->text);
	return faults + log->errors + log->requests;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&s, &len, 0, f) < 0) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* A run page made by hand: the contract's sections, a threads table and
 * a small script that sorts it, with extra markup in the body and
 * without the section named by omit. */
static void write_fixture(const char *path, const char *extra, const char *omit,
			  bool sorts)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	      "<title>fixture</title></head><body>\n",
	      f);
	for (const char *const *s = report_sections_run; *s; s++) {
		if (omit && !strcmp(*s, omit))
			continue;
		fprintf(f, "<section id=\"%s\"><h2>%s</h2>\n", *s, *s);
		if (!strcmp(*s, "threads"))
			fputs("<table id=\"threads-table\"><thead><tr>"
			      "<th>tid</th><th>comm</th><th>on CPU</th>"
			      "</tr></thead><tbody>\n"
			      "<tr><td data-v=\"12\">12</td><td>b</td>"
			      "<td data-v=\"900\">900 ns</td></tr>\n"
			      "<tr><td data-v=\"10\">10</td><td>c</td>"
			      "<td data-v=\"2000\">2 µs</td></tr>\n"
			      "<tr><td data-v=\"11\">11</td><td>a</td>"
			      "<td data-v=\"-1\">–</td></tr>\n"
			      "</tbody></table>\n",
			      f);
		if (!strcmp(*s, "timeline"))
			fputs("<svg width=\"200\" height=\"20\"><rect "
			      "width=\"120\" height=\"20\"/></svg>\n",
			      f);
		fputs("</section>\n", f);
	}
	fprintf(f, "%s\n", extra);
	if (sorts)
		fputs("<script>\n"
		      "document.querySelectorAll('table').forEach(t =>\n"
		      " Array.from(t.tHead.rows[0].cells).forEach((h, i) =>\n"
		      "  h.addEventListener('click', () => {\n"
		      "   const up = h.dataset.dir !== 'up', b = "
		      "t.tBodies[0];\n"
		      "   const key = c => c.hasAttribute('data-v') ?\n"
		      "    Number(c.dataset.v) : c.textContent;\n"
		      "   h.dataset.dir = up ? 'up' : 'down';\n"
		      "   Array.from(b.rows).sort((x, y) => {\n"
		      "    const p = key(x.cells[i]), q = key(y.cells[i]);\n"
		      "    return (p < q ? -1 : p > q ? 1 : 0) * (up ? 1 : "
		      "-1);\n"
		      "   }).forEach(r => b.appendChild(r));\n"
		      "  })));\n"
		      "</script>\n",
		      f);
	fputs("</body></html>\n", f);
	fclose(f);
}

static const struct contract fixture_contract = {.sections =
							 report_sections_run,
						 .dropped = 0,
						 .threads_table = true,
						 .charted = "timeline"};

/* A browser for one test, or NULL when it cannot have one (skipped or
 * failed, and why). */
static struct browser *start_browser(void)
{
	char err[1024];
	struct browser *b;

	if (!browser_find()) {
		test_skip("chromium is not installed (run: make deps)");
		return NULL;
	}
	b = browser_start(err, sizeof(err));
	CHECK_MSG(b, "%s", err);
	return b;
}

TEST(browser_passes_a_good_page)
{
	char path[512], png[] = SHOTS "/fixture.png", *why, *head;
	struct browser *b = start_browser();

	if (!b)
		return;
	why = malloc(WHY_MAX);
	snprintf(path, sizeof(path), "%s/good.html", test_tmpdir());
	write_fixture(path, "<p>quiet</p>", NULL, true);
	unlink(png);
	CHECK_MSG(page_faults(b, path, &fixture_contract, "fixture", why) == 0,
		  "%s", why);
	head = read_file(png);
	CHECK_MSG(head && !memcmp(head, "\x89PNG", 4), "no PNG in %s", png);
	free(head);
	free(why);
	browser_close(b);
}

/* Each page breaks one rule; the check must fail on it and say which. */
TEST(browser_fails_each_bad_page)
{
	static const struct {
		const char *name, *extra, *omit, *says;
		bool sorts;
	} bad[] = {
		{"console-error", "<script>console.error('bad')</script>", NULL,
		 "error: console.error: bad", true},
		{"exception", "<script>no_such_function()</script>", NULL,
		 "error: Uncaught", true},
		{"rejection",
		 "<script>Promise.reject(new Error('no'))</script>", NULL,
		 "error: Uncaught (in promise)", true},
		{"image", "<img src=\"http://192.0.2.1/x.png\">", NULL,
		 "request: http://192.0.2.1/x.png", true},
		{"fetch",
		 "<script>fetch('https://192.0.2.1/').catch(() => 0)</script>",
		 NULL, "request: https://192.0.2.1/", true},
		{"socket",
		 "<script>new WebSocket('ws://192.0.2.1/').onerror = () => 0"
		 "</script>",
		 NULL, "request: websocket ws://192.0.2.1/", true},
		{"preconnect",
		 "<link rel=\"preconnect\" href=\"https://192.0.2.1\">", NULL,
		 "request: pre-connect https://192.0.2.1/", true},
		{"file", "<img src=\"other.png\">", NULL, "other.png", true},
		{"missing-section", "", "runq",
		 "missing: no <section id=\"runq\">", true},
		{"dropped", "<section id=\"dropped\"></section>", NULL,
		 "dropped: the section is there", true},
		{"unsorted", "", NULL, "threads table: two clicks", false},
		{"hidden-chart", "<style>svg { display: none }</style>", NULL,
		 "chart: a visible <svg> in #timeline: false", true},
		{"injected", "<svg onload=\"x\"></svg>", NULL,
		 "markup: event handlers: <svg onload", true},
	};
	char path[512], other[512], *why;
	struct browser *b = start_browser();
	const char *dir;

	if (!b)
		return;
	why = malloc(WHY_MAX);
	dir = test_tmpdir();
	/* the file the page loads exists: only the request gives it away */
	snprintf(other, sizeof(other), "%s/other.png", dir);
	write_file(other, "not really a png");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s.html", dir, bad[i].name);
		write_fixture(path, bad[i].extra, bad[i].omit, bad[i].sorts);
		CHECK_MSG(page_faults(b, path, &fixture_contract, NULL, why) >
					  0 &&
				  strstr(why, bad[i].says),
			  "%s: expected \"%s\", got:\n%s", bad[i].name,
			  bad[i].says, why);
	}
	free(why);
	browser_close(b);
}

TEST(browser_shows_markup_as_text)
{
	static const char *const texts[] = {"<b>x</b>&amp;", NULL};
	const struct contract c = {.dropped = -1, .texts = texts};
	char path[512], *why;
	struct browser *b = start_browser();

	if (!b)
		return;
	why = malloc(WHY_MAX);
	snprintf(path, sizeof(path), "%s/page.html", test_tmpdir());
	write_file(path, "<!DOCTYPE html><p>&lt;b&gt;x&lt;/b&gt;&amp;amp;</p>");
	CHECK_MSG(page_faults(b, path, &c, NULL, why) == 0, "%s", why);
	/* the same name written raw is markup: the check must see it */
	write_file(path, "<!DOCTYPE html><p><b>x</b>&amp;</p>");
	CHECK_MSG(page_faults(b, path, &c, NULL, why) == 1 &&
			  strstr(why, "text:"),
		  "%s", why);
	free(why);
	browser_close(b);
}

/* From the report of dir/stem.json: 1 when events were dropped (or,
 * with or_incomplete, the run is incomplete), 0 when not, -1 when there
 * is no report. */
static int dropped(const char *dir, const char *stem, bool or_incomplete)
{
	char path[1024];
	json_object *r;
	int due;

	snprintf(path, sizeof(path), "%s/%s.json", dir, stem);
	r = json_object_from_file(path);
	if (!r)
		return -1;
	due = json_path_u64(r, "trace.dropped") > 0 ||
	      (or_incomplete &&
	       !json_object_get_boolean(json_path(r, "trace.complete")));
	json_object_put(r);
	return due;
}

/* The run page of the trace at dir/stem.lab, by its contract. */
static int run_page_faults(struct browser *b, const char *dir, const char *stem,
			   const char *const *texts, const char *shot,
			   char *why)
{
	struct contract c = {.sections = report_sections_run,
			     .threads_table = true,
			     .texts = texts,
			     .charted = "timeline"};
	char html[1024];

	snprintf(html, sizeof(html), "%s/%s.html", dir, stem);
	c.dropped = dropped(dir, stem, true);
	if (c.dropped < 0) {
		snprintf(why, WHY_MAX, "no report %s/%s.json\n", dir, stem);
		return 1;
	}
	return page_faults(b, html, &c, shot, why);
}

/* The names of dir's files that end in suffix, without it. */
static int files_ending(const char *dir, const char *suffix, char names[][64],
			int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = strlen(suffix);
	int found = 0;

	while (d && (e = readdir(d)) && found < max) {
		size_t len = strlen(e->d_name);

		if (len > n && len - n < 64 &&
		    !strcmp(e->d_name + len - n, suffix))
			snprintf(names[found++], 64, "%.*s", (int)(len - n),
				 e->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

#define MAX_RUNS 8

static const char *const models[] = {"processes", "threads", "events",
				     "coroutines", "serial"};

/* What the timelines of the family of scenario in dir show: a group per
 * model whose run was used, a lane per thread up to the cap, in the
 * models' order (see struct contract). */
static void timelines_of(const char *dir, const char *scenario, char *buf,
			 size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (size_t m = 0; m < sizeof(models) / sizeof(models[0]); m++) {
		char path[1024];
		json_object *r;
		uint64_t threads;

		snprintf(path, sizeof(path), "%s/%s-%s.json", dir, scenario,
			 models[m]);
		r = json_object_from_file(path);
		if (!r)
			continue;
		threads = json_path_u64(r, "totals.threads");
		if (json_object_get_boolean(json_path(r, "trace.complete")) &&
		    json_path_u64(r, "run.exit_code") == 0 && used < len)
			used += snprintf(
				buf + used, len - used, "%stimeline-%s:%llu",
				used ? " " : "", models[m],
				(unsigned long long)(threads < CMP_LANES
							     ? threads
							     : CMP_LANES));
		json_object_put(r);
	}
}

/* sudo make demo, then a browser on lab-out/io/index.html and the pages
 * it links to. */
TEST(browser_family_report)
{
	char stems[MAX_RUNS][64], pages[MAX_RUNS][72], index[1024], *out, *why;
	const char *links[MAX_RUNS + 1] = {NULL}, *dir, *reason;
	struct contract family = {.sections = report_sections_family,
				  .links = links,
				  .charted = "comparison"};
	char timelines[256];
	struct browser *b;
	int n, code;

	if (!test_can_trace(&reason))
		SKIP(reason);
	b = start_browser();
	if (!b)
		return;
	out = malloc(OUT_MAX);
	why = malloc(WHY_MAX);
	dir = test_tmpdir();
	const char *argv[] = {test_lab_path(), "run", "io", "-o", dir, NULL};
	code = test_run(argv, out, OUT_MAX, false);
	CHECK_MSG(code == 0, "lab run io: exit %d\n%s", code, out);
	n = files_ending(dir, ".lab", stems, MAX_RUNS);
	CHECK_MSG(n >= 3, "%d traces in %s: one a model expected", n, dir);
	for (int i = 0; i < n; i++) {
		snprintf(pages[i], sizeof(pages[i]), "%.63s.html", stems[i]);
		links[i] = pages[i];
		if (dropped(dir, stems[i], false) == 1)
			family.dropped = 1;
	}
	timelines_of(dir, "io", timelines, sizeof(timelines));
	family.timelines = timelines;
	snprintf(index, sizeof(index), "%s/index.html", dir);
	CHECK_MSG(page_faults(b, index, &family, "io-index", why) == 0,
		  "%s:\n%s", index, why);
	for (int i = 0; i < n; i++)
		CHECK_MSG(run_page_faults(b, dir, stems[i], NULL, stems[i],
					  why) == 0,
			  "%s/%s.html:\n%s", dir, stems[i], why);
	free(why);
	free(out);
	browser_close(b);
}

/* A run of x-MODEL by hand: n threads named in turn by names, each
 * running for a third of every column and asleep the rest. */
static struct run_report *hostile_run(const char *model, size_t n,
				      const char *const *names, size_t nnames)
{
	struct run_report *r = calloc(1, sizeof(*r));
	struct lane_set *l = &r->lanes;

	if (!r)
		abort();
	snprintf(r->info.workload, sizeof(r->info.workload), "<i>x</i>-%s",
		 model);
	r->info.cpu_count = 2;
	r->complete = r->has_summary = true;
	r->wall_ns = (uint64_t)(100 + 50 * n) * 1000000;
	r->nthreads = n;
	r->threads = calloc(n, sizeof(*r->threads));
	l->nmixed = n < LANE_MIXED ? n : LANE_MIXED;
	l->lanes = calloc(n, sizeof(*l->lanes));
	l->mixes = calloc(l->nmixed, sizeof(*l->mixes));
	if (!r->threads || !l->lanes || !l->mixes)
		abort();
	l->ncolumns = 64;
	l->column_ns = r->wall_ns / l->ncolumns;
	l->nlanes = n;
	for (size_t i = 0; i < n; i++) {
		r->threads[i].tid = 100 + (uint32_t)i;
		snprintf(r->threads[i].comm, sizeof(r->threads[i].comm), "%s",
			 names[i % nnames]);
		memset(l->lanes[i].state, LANE_SLEEP, l->ncolumns);
		for (size_t c = 0; i < l->nmixed && c < l->ncolumns; c++) {
			l->mixes[i].share[c][LANE_RUNNING] = 85;
			l->mixes[i].share[c][LANE_SLEEP] = 170;
		}
	}
	return r;
}

/* A family whose scenario and threads are named with markup: its page
 * shows the names as text, in the timelines' lanes too, and runs none
 * of them. */
TEST(browser_family_hostile_names)
{
	static const char *const names[] = {"<svg onload=x>", "</script><!--",
					    "\"'><i>q</i>", "<img src=x>",
					    NULL};
	static const char *const texts[] = {"<i>x</i>: the models compared",
					    NULL};
	/* what the page's source must not hold as it is */
	static const char *const raw[] = {"<svg onload", "</script><!--",
					  "<i>q</i>", "<img src=x", "<i>x</i>"};
	const struct contract c = {
		.sections = report_sections_family,
		.texts = texts,
		.titles = names,
		.timelines = "timeline-processes:16 timeline-threads:16 "
			     "timeline-coroutines:1"};
	struct run_report *runs[] = {hostile_run("processes", 21, names, 4),
				     hostile_run("threads", 21, names, 4),
				     hostile_run("coroutines", 1, names, 4)};
	char path[1024], err[256], *why, *page;
	struct comparison cmp;
	struct explanation e;
	struct browser *b;
	FILE *f;

	compare_init(&cmp);
	for (size_t i = 0; i < 3; i++) {
		CHECK_MSG(compare_add(&cmp, runs[i], err, sizeof(err)) == 0,
			  "%s", err);
		free(runs[i]->threads);
		lanes_free(&runs[i]->lanes);
		free(runs[i]);
	}
	compare_finish(&cmp);
	if (explain(&cmp, &e))
		abort();
	snprintf(path, sizeof(path), "%s/index.html", test_tmpdir());
	f = fopen(path, "w");
	if (!CHECK(f) || !CHECK(compare_write_html(f, &cmp, &e, NULL, 0) == 0))
		goto out;
	fclose(f);
	f = NULL;
	page = read_file(path);
	for (size_t i = 0; page && i < sizeof(raw) / sizeof(raw[0]); i++)
		CHECK_MSG(!strstr(page, raw[i]), "%s holds \"%s\" unescaped",
			  path, raw[i]);
	free(page);
	b = start_browser();
	if (!b)
		goto out;
	why = malloc(WHY_MAX);
	CHECK_MSG(page_faults(b, path, &c, "family-hostile", why) == 0,
		  "%s:\n%s", path, why);
	free(why);
	browser_close(b);
out:
	if (f)
		fclose(f);
	explain_free(&e);
	compare_free(&cmp);
}

static const char *const hostile_args[] = {
	"<img src=x onerror=console.error(1)>",
	"</script><script>console.error(2)</script>"};

/* A program named with markup, traced: its page shows the names as text
 * and runs none of them, nor its arguments. */
TEST(browser_hostile_names)
{
	static const char *const names[] = {"<img src=x>",   "<svg onload=x>",
					    "<b>x</b>&amp;", "\"'><i>q</i>",
					    "</script><!--", hostile_args[0],
					    hostile_args[1], NULL};
	/* what the page's source must not hold as it is */
	static const char *const raw[] = {"<svg onload",   "<img src=x",
					  "<b>x</b>",	   "<i>q</i>",
					  "</script><!--", "</script><script>"};
	char link[1024], prog[4096], stems[2][64], *out, *why, *page;
	const char *dir, *reason;
	struct browser *b;
	int code;

	if (!test_can_trace(&reason))
		SKIP(reason);
	b = start_browser();
	if (!b)
		return;
	out = malloc(OUT_MAX);
	why = malloc(WHY_MAX);
	dir = test_tmpdir();
	/* the program's path, its comm at exec, is markup too */
	snprintf(link, sizeof(link), "%s/<svg onload=x>", dir);
	if (!CHECK(realpath("build/tests/hostile_names", prog)) ||
	    !CHECK(symlink(prog, link) == 0))
		goto out;
	const char *argv[] = {
		test_lab_path(), "run",		  "-o", dir, "--", link,
		hostile_args[0], hostile_args[1], NULL};
	code = test_run(argv, out, OUT_MAX, false);
	if (!CHECK_MSG(code == 0, "lab run hostile_names: exit %d\n%s", code,
		       out) ||
	    !CHECK_EQ(files_ending(dir, ".html", stems, 2), 1))
		goto out;
	CHECK_MSG(run_page_faults(b, dir, stems[0], names, "hostile-names",
				  why) == 0,
		  "%s/%s.html:\n%s", dir, stems[0], why);
	snprintf(prog, sizeof(prog), "%s/%s.html", dir, stems[0]);
	page = read_file(prog);
	for (size_t i = 0; page && i < sizeof(raw) / sizeof(raw[0]); i++)
		CHECK_MSG(!strstr(page, raw[i]), "%s holds \"%s\" unescaped",
			  prog, raw[i]);
	CHECK(page);
	free(page);
out:
	free(why);
	free(out);
	browser_close(b);
}

/* lab report --html, from a saved trace, without root. */
TEST(browser_offline_report)
{
	static const char trace[] = "tests/fuzz/corpus/spawn-processes.lab";
	char html[1024], json[1024], *out, *why;
	struct browser *b = start_browser();
	const char *dir;
	int code;

	if (!b)
		return;
	out = malloc(OUT_MAX);
	why = malloc(WHY_MAX);
	dir = test_tmpdir();
	snprintf(html, sizeof(html), "%s/spawn-processes.html", dir);
	snprintf(json, sizeof(json), "%s/spawn-processes.json", dir);
	const char *argv[] = {test_lab_path(), "report", trace, "--html", html,
			      "--json",	       json,	 NULL};
	code = test_run(argv, out, OUT_MAX, false);
	CHECK_MSG(code == 0, "lab report --html: exit %d\n%s", code, out);
	CHECK_MSG(run_page_faults(b, dir, "spawn-processes", NULL,
				  "spawn-processes", why) == 0,
		  "%s:\n%s", html, why);
	free(why);
	free(out);
	browser_close(b);
}
