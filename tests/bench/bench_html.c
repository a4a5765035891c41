/* bench_html.c - `make bench`: how large the run page of a big trace is,
 * how long `lab report --html` takes to write it, and how long headless
 * chromium takes to open it. Prints Markdown tables.
 *
 *	bench-html [-n LOADS] [-l LAB] [-k] [TRACE...]
 *
 * The synthetic traces hold 100,000 and 1,000,000 events of 64 threads,
 * and 1,000,000 events of 1,000 threads, of one process on two CPUs whose
 * threads want a CPU or block in futex, read or clock_nanosleep calls in
 * turn (synth.h, SYNTH_MIX_EPOCHS); each TRACE given is measured the same
 * way. For each page: `lab report TRACE --html PAGE`, and `lab report
 * TRACE` alone, run LOADS (5) times each, wall time; then a fresh chromium
 * loads the page once (a cold browser), and LOADS more times, each in a
 * new tab. The page's own Navigation and Paint Timing give the times from
 * its navigation start to DOMContentLoaded, to the end of its load event,
 * and to its first and largest contentful paint. The slowest page is then
 * loaded without some of its sections, and without any, to say which part
 * costs the time. -k keeps the synthetic traces and the pages (their
 * paths are printed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "tests/browser.h"
#include "tests/json_path.h"
#include "tests/bench/synth.h"

#define MAX_LOADS    21
#define TARGET_BYTES 3000000 /* "a few MB" */
#define TARGET_MS    1000.0
#define NSYNTH	     3 /* synthetic traces */

/* ---- measuring ---- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median and range of some figures. */
struct spread {
	double med, lo, hi;
};

/* Sorts the n figures of v. */
static struct spread spread_of(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return (struct spread){v[n / 2], v[0], v[n - 1]};
}

/* Wall time of `lab report trace`, with `--html page` when page is set,
 * its summary discarded (its errors are not); -1 when it failed. */
static double time_report(const char *lab, const char *trace, const char *page)
{
	double t0 = now_ms();
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null < 0 || dup2(null, 1) < 0)
			_exit(127);
		if (page)
			execl(lab, lab, "report", trace, "--html", page,
			      (char *)NULL);
		else
			execl(lab, lab, "report", trace, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return now_ms() - t0;
}

/* The page's own timings, in ms from its navigation start: its Navigation
 * Timing entry and its paints, once both paints are reported (a frame or
 * so after the load event) or 5 s have passed; -1 for one not seen. */
static const char timing_js[] =
	"new Promise(done => {\n"
	"  let fcp = -1, lcp = -1;\n"
	"  const t0 = performance.now();\n"
	"  new PerformanceObserver(l => l.getEntries().forEach(e => {\n"
	"    if (e.name === 'first-contentful-paint') fcp = e.startTime;\n"
	"  })).observe({type: 'paint', buffered: true});\n"
	"  new PerformanceObserver(l => l.getEntries().forEach(e => {\n"
	"    lcp = e.startTime;\n"
	"  })).observe({type: 'largest-contentful-paint', buffered: true});\n"
	"  (function check() {\n"
	"    if ((fcp < 0 || lcp < 0) && performance.now() - t0 < 5000)\n"
	"      return requestAnimationFrame(() => setTimeout(check, 20));\n"
	"    const n = performance.getEntriesByType('navigation')[0];\n"
	"    done(JSON.stringify({dcl: n.domContentLoadedEventEnd,\n"
	"                         load: n.loadEventEnd, fcp, lcp}));\n"
	"  })();\n"
	"})";

enum { DCL, LOAD, FCP, LCP, NTIMES };
static const char *const time_keys[NTIMES] = {"dcl", "load", "fcp", "lcp"};

/* Loads page in a fresh tab and reads its timings; false (why on
 * stderr) when it could not. */
static bool load_timed(struct browser *b, const char *page,
		       double times[NTIMES])
{
	json_object *o;
	char *s;

	if (!browser_load(b, page) || !(s = browser_eval(b, timing_js))) {
		fprintf(stderr, "bench-html: %s: %s\n", page, browser_error(b));
		return false;
	}
	o = json_tokener_parse(s);
	free(s);
	for (int k = 0; k < NTIMES; k++) {
		json_object *v = o ? json_path(o, time_keys[k]) : NULL;

		times[k] = v ? json_object_get_double(v) : -1;
	}
	json_object_put(o);
	if (times[FCP] < 0 || times[LCP] < 0) {
		fprintf(stderr,
			"bench-html: %s: chromium reported no contentful paint "
			"within 5 s of its load\n",
			page);
		return false;
	}
	return true;
}

/* What loading a page took: the first load in a fresh browser, and the
 * median and range of the loads after it, each in a fresh tab. */
struct page_times {
	double cold[NTIMES];
	struct spread warm[NTIMES];
};

static bool time_page(const char *page, int loads, struct page_times *pt)
{
	double v[NTIMES][MAX_LOADS] = {{0}}, t[NTIMES];
	struct browser *b;
	char err[512];
	bool ok;

	b = browser_start(err, sizeof(err));
	if (!b) {
		fprintf(stderr, "bench-html: %s\n", err);
		return false;
	}
	ok = load_timed(b, page, pt->cold);
	for (int i = 0; ok && i < loads; i++) {
		ok = load_timed(b, page, t);
		for (int k = 0; k < NTIMES; k++)
			v[k][i] = t[k];
	}
	browser_close(b);
	if (!ok)
		return false;
	for (int k = 0; k < NTIMES; k++)
		pt->warm[k] = spread_of(v[k], loads);
	return true;
}

/* When the page is open and drawn: the later of its load event and its
 * largest paint, medians. */
static double open_ms(const struct page_times *pt)
{
	return pt->warm[LOAD].med > pt->warm[LCP].med ? pt->warm[LOAD].med
						      : pt->warm[LCP].med;
}

/* ---- the page without some of its sections ---- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	long n;

	if (f && !fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 &&
	    !fseek(f, 0, SEEK_SET) && (s = malloc((size_t)n + 1)))
		s[fread(s, 1, (size_t)n, f)] = 0;
	if (f)
		fclose(f);
	return s;
}

/* Whether the space-separated list holds the word. */
static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);

	if (!len)
		return false;
	for (const char *at = list; (at = strstr(at, word)); at += len)
		if ((at == list || at[-1] == ' ') &&
		    (at[len] == ' ' || !at[len]))
			return true;
	return false;
}

/* Writes the page to out without its sections whose ids are in the
 * space-separated list cut; returns the bytes written, or -1. */
static long write_cut(const char *page, const char *cut, const char *out)
{
	static const char open_tag[] = "<section id=\"",
			  end_tag[] = "</section>";
	char *s = slurp(page), *at = s, *from;
	FILE *f = s ? fopen(out, "w") : NULL;
	long n;

	if (!f) {
		free(s);
		return -1;
	}
	while ((from = strstr(at, open_tag))) {
		const char *id = from + strlen(open_tag);
		char *to = strstr(from, end_tag), name[64];

		snprintf(name, sizeof(name), "%.*s", (int)strcspn(id, "\""),
			 id);
		fwrite(at, 1, (size_t)(from - at), f);
		at = to ? to + strlen(end_tag) : from + strlen(from);
		if (!has_word(cut, name))
			fwrite(from, 1, (size_t)(at - from), f);
	}
	fputs(at, f);
	n = ftell(f);
	if (fclose(f))
		n = -1;
	free(s);
	return n;
}

/* The page, and the page without some of its sections. */
static const struct {
	const char *cut, *what;
} variants[] = {
	{"", "nothing (the whole page)"},
	{"timeline", "the timeline (SVG lanes)"},
	{"runq", "the run-queue histograms"},
	{"offcpu locks", "the off-CPU and lock charts"},
	{"threads", "the threads table"},
	{"summary timeline runq offcpu locks creation phases threads "
	 "environment",
	 "every section (head, style, script)"},
};
#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

/* Loads the page and its variants in turn, rounds times over, each in a
 * new tab of one browser, so that the machine's other load falls on all
 * alike; the time a section costs is the difference to the whole page.
 * The browser's first load is not counted. */
static void section_costs(const char *page, const char *name, int rounds)
{
	char paths[NVARIANTS][64];
	long bytes[NVARIANTS];
	double v[NVARIANTS][2][2 * MAX_LOADS] = {{{0}}}, t[NTIMES];
	struct browser *b = NULL;
	char err[512];
	size_t made = 0;
	bool ok = true;

	for (; made < NVARIANTS && ok; made++) {
		int fd;

		snprintf(paths[made], sizeof(paths[made]),
			 "/tmp/lab-bench-html-XXXXXX.html");
		fd = mkstemps(paths[made], 5);
		ok = fd >= 0 && !close(fd) &&
		     (bytes[made] = write_cut(page, variants[made].cut,
					      paths[made])) >= 0;
	}
	b = ok ? browser_start(err, sizeof(err)) : NULL;
	if (!b)
		fprintf(stderr, "bench-html: %s\n",
			ok ? err : "cannot write a page in /tmp");
	ok = b && load_timed(b, page, t);
	for (int r = 0; ok && r < rounds; r++)
		for (size_t i = 0; ok && i < NVARIANTS; i++) {
			ok = load_timed(b, paths[i], t);
			v[i][0][r] = t[LOAD];
			v[i][1][r] = t[LCP];
		}
	browser_close(b);
	for (size_t i = 0; i < made; i++)
		unlink(paths[i]);
	if (!ok)
		return;
	printf("\nWhere the time of the slowest page goes (%s): the page "
	       "loaded without some of its sections, all in turn, %d times "
	       "each; medians.\n\n"
	       "| without | HTML | load event end | largest contentful paint "
	       "|\n|---|--:|--:|--:|\n",
	       name, rounds);
	for (size_t i = 0; i < NVARIANTS; i++)
		printf("| %s | %.0f kB | %.0f ms | %.0f ms |\n",
		       variants[i].what, (double)bytes[i] / 1e3,
		       spread_of(v[i][0], rounds).med,
		       spread_of(v[i][1], rounds).med);
}

/* ---- the table ---- */

struct row {
	char name[64], page[64];
	char trace[64]; /* the synthetic trace written for it, or "" */
	off_t bytes;
	struct spread with_html, without;
	struct page_times pt;
};

static bool measure_row(struct row *r, const char *lab, const char *trace,
			int loads)
{
	double html[MAX_LOADS] = {0}, plain[MAX_LOADS] = {0};
	struct stat st;

	for (int i = 0; i < loads; i++) {
		html[i] = time_report(lab, trace, r->page);
		plain[i] = time_report(lab, trace, NULL);
		if (html[i] < 0 || plain[i] < 0) {
			fprintf(stderr,
				"bench-html: %s report %s failed (see above)\n",
				lab, trace);
			return false;
		}
	}
	r->with_html = spread_of(html, loads);
	r->without = spread_of(plain, loads);
	if (stat(r->page, &st)) {
		fprintf(stderr, "bench-html: %s: %s\n", r->page,
			strerror(errno));
		return false;
	}
	r->bytes = st.st_size;
	return time_page(r->page, loads, &r->pt);
}

static void print_spread(const struct spread *s)
{
	printf(" %.0f ms (%.0f–%.0f) |", s->med, s->lo, s->hi);
}

static void print_row(const struct row *r)
{
	printf("| %s | %.2f MB |", r->name, (double)r->bytes / 1e6);
	print_spread(&r->with_html);
	printf(" %.0f ms |", r->without.med);
	for (int k = 0; k < NTIMES; k++)
		print_spread(&r->pt.warm[k]);
	printf(" %.0f / %.0f ms |\n", r->pt.cold[LOAD], r->pt.cold[LCP]);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: bench-html [-n LOADS (1-%d)] [-l LAB] [-k] "
		"[TRACE...]\n",
		MAX_LOADS);
	return 2;
}

/* Writes a synthetic trace to a new file in /tmp, its name in path. */
static bool new_trace(char *path, size_t len, uint64_t events, int threads)
{
	int fd;

	snprintf(path, len, "/tmp/lab-bench-html-XXXXXX.lab");
	fd = mkstemps(path, 4);
	if (fd >= 0 &&
	    (close(fd), !synth_trace(path, events, threads, SYNTH_MIX_EPOCHS)))
		return true;
	fprintf(stderr,
		"bench-html: cannot write a trace in /tmp: %s (free some "
		"space)\n",
		strerror(errno));
	if (fd >= 0)
		unlink(path);
	*path = 0;
	return false;
}

/* Measures the synthetic traces, then the given ones, a row each. */
static bool measure_all(struct row *rows, size_t nrows, char **given,
			const char *lab, int loads)
{
	static const struct {
		uint64_t events;
		int threads;
	} synth[NSYNTH] = {{100000, 64}, {1000000, 64}, {1000000, 1000}};

	for (size_t i = 0; i < nrows; i++) {
		struct row *r = &rows[i];
		const char *trace = i < NSYNTH ? r->trace : given[i - NSYNTH];
		const char *base = strrchr(trace, '/');
		int fd;

		if (i >= NSYNTH)
			snprintf(r->name, sizeof(r->name), "%s",
				 base ? base + 1 : trace);
		else if (new_trace(r->trace, sizeof(r->trace), synth[i].events,
				   synth[i].threads))
			snprintf(r->name, sizeof(r->name),
				 "synthetic, %.1f M events, %d threads",
				 (double)synth[i].events / 1e6,
				 synth[i].threads);
		else
			return false;
		snprintf(r->page, sizeof(r->page),
			 "/tmp/lab-bench-html-XXXXXX.html");
		fd = mkstemps(r->page, 5);
		if (fd < 0) {
			fprintf(stderr, "bench-html: cannot create %s: %s\n",
				r->page, strerror(errno));
			*r->page = 0;
			return false;
		}
		close(fd);
		if (!measure_row(r, lab, trace, loads))
			return false;
	}
	return true;
}

static void print_tables(const struct row *rows, size_t nrows, int loads)
{
	size_t worst = 0, biggest = 0;
	bool met;

	printf("| trace | HTML | `lab report --html`: wall, median (range) | "
	       "without `--html` | DOMContentLoaded | load event end | first "
	       "contentful paint | largest contentful paint | first load in "
	       "a fresh browser: load / largest paint |\n"
	       "|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
	for (size_t i = 0; i < nrows; i++) {
		print_row(&rows[i]);
		if (open_ms(&rows[i].pt) > open_ms(&rows[worst].pt))
			worst = i;
		if (rows[i].bytes > rows[biggest].bytes)
			biggest = i;
	}
	met = rows[biggest].bytes < TARGET_BYTES &&
	      open_ms(&rows[worst].pt) < TARGET_MS;
	printf("\nTarget: pages under %.0f MB that open (load event and "
	       "largest contentful paint, medians) in under %.0f ms: the "
	       "largest is %.2f MB (%s), the slowest opens in %.0f ms (%s): "
	       "%s.\n",
	       TARGET_BYTES / 1e6, TARGET_MS, (double)rows[biggest].bytes / 1e6,
	       rows[biggest].name, open_ms(&rows[worst].pt), rows[worst].name,
	       met ? "met" : "missed");
	section_costs(rows[worst].page, rows[worst].name, 2 * loads);
}

int main(int argc, char **argv)
{
	const char *lab = "build/lab";
	struct row *rows;
	size_t nrows;
	int loads = 5, opt;
	bool keep = false, ok;

	while ((opt = getopt(argc, argv, "n:l:k")) != -1) {
		if (opt == 'k')
			keep = true;
		else if (opt == 'l')
			lab = optarg;
		else if (opt != 'n' || (loads = atoi(optarg)) < 1 ||
			 loads > MAX_LOADS)
			return usage();
	}
	if (access(lab, X_OK)) {
		fprintf(stderr,
			"bench-html: %s: %s (run: make, or give -l LAB)\n", lab,
			strerror(errno));
		return 1;
	}
	if (!browser_find()) {
		fprintf(stderr, "bench-html: chromium is not installed "
				"(run: make deps)\n");
		return 1;
	}
	nrows = NSYNTH + (size_t)(argc - optind);
	rows = calloc(nrows, sizeof(*rows));
	if (!rows) {
		fprintf(stderr, "bench-html: out of memory\n");
		return 1;
	}
	ok = measure_all(rows, nrows, argv + optind, lab, loads);
	if (ok)
		print_tables(rows, nrows, loads);
	for (size_t i = 0; i < nrows; i++) {
		const char *files[] = {rows[i].trace, rows[i].page};

		for (size_t f = 0; f < 2; f++) {
			if (!*files[f])
				continue;
			if (keep)
				fprintf(stderr, "bench-html: kept %s\n",
					files[f]);
			else
				unlink(files[f]);
		}
	}
	free(rows);
	return ok ? 0 : 1;
}
