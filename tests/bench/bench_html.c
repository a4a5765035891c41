/* bench_html.c - `make bench`: how large the run page of a big trace is,
 * how long `lab report --html` takes to write it, and how long headless
 * chromium takes to open it. Prints Markdown tables.
 *
 *	bench-html [-n LOADS] [-l LAB] [-k] [TRACE...]
 *
 * The synthetic traces hold 100,000 and 1,000,000 events of 64 threads,
 * and 1,000,000 events of 1,000 threads, of one process on two CPUs whose
 * threads want a CPU or block in futex, read or clock_nanosleep calls in
 * turn; each TRACE given is measured the same way. For each page: `lab
 * report TRACE --html PAGE`, and `lab report TRACE` alone, run LOADS (5)
 * times each, wall time; then a fresh chromium loads the page once (a
 * cold browser), and LOADS more times, each in a new tab. The page's own
 * Navigation and Paint Timing give the times from its navigation start to
 * DOMContentLoaded, to the end of its load event, and to its first and
 * largest contentful paint. The slowest page is then loaded without some
 * of its sections, and without any, to say which part costs the time.
 * -k keeps the synthetic traces and the pages (their paths are printed).
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
#include "browser.h"
#include "json_path.h"
#include "stats.h"
#include "trace_writer.h"

#define MAX_LOADS	   21
#define ROOT		   1000
#define NCPUS		   2
#define BATCH		   65536
#define NR_READ		   0
#define NR_FUTEX	   202
#define NR_CLOCK_NANOSLEEP 230
#define EVENT_NS	   1000	   /* about the trace time between two events */
#define TARGET_BYTES	   3000000 /* "a few MB" */
#define TARGET_MS	   1000.0
#define NSYNTH		   3 /* synthetic traces */

/* ---- the synthetic trace ---- */

/* What a thread wants in one epoch of its life: a CPU, or to wait in a
 * futex, a read or a sleep until the epoch ends. */
enum mode { WANTS_CPU, WAITS_LOCK, WAITS_IO, SLEEPS };

/* nthreads threads of one process on NCPUS CPUs; the kernel counters
 * written at the end agree with the events. */
struct sim {
	struct trace_writer *w;
	struct lab_event buf[BATCH];
	size_t nbuf;
	uint64_t events, ts, rnd, epoch_ns;
	int nthreads;
	int cur[NCPUS]; /* the thread on each CPU, -1 idle */
	int rq_head, rq_len, nblocked;
	uint64_t *since; /* when it became runnable */
	int *runq, *blocked;
	struct lab_thread_stats *kt;
};

static uint64_t next_random(struct sim *s)
{
	s->rnd ^= s->rnd << 13;
	s->rnd ^= s->rnd >> 7;
	s->rnd ^= s->rnd << 17;
	return s->rnd;
}

/* Thread i's mode now. Its epochs are offset from the other threads'
 * and last a few columns of the timeline, so that each lane changes
 * state along the run: the page draws the most it can. */
static enum mode mode_of(const struct sim *s, int i)
{
	uint64_t at = s->ts + (uint64_t)i * (s->epoch_ns / 7 + 1);
	uint64_t h =
		(at / s->epoch_ns * 64 + (uint64_t)i) * 0x9e3779b97f4a7c15ULL;
	static const enum mode modes[8] = {WANTS_CPU,  WANTS_CPU,  WANTS_CPU,
					   WAITS_LOCK, WAITS_LOCK, WAITS_IO,
					   WAITS_IO,   SLEEPS};

	return modes[h >> 61];
}

static int emit(struct sim *s, struct lab_event ev)
{
	ev.ts = s->ts;
	s->ts += 100 + next_random(s) % 1500;
	s->buf[s->nbuf++] = ev;
	s->events++;
	if (s->nbuf < BATCH)
		return 0;
	s->nbuf = 0;
	return trace_writer_add_events(s->w, s->buf, BATCH);
}

static uint32_t tid_of(int i)
{
	return ROOT + (uint32_t)i;
}

static void rq_push(struct sim *s, int i)
{
	s->runq[(s->rq_head + s->rq_len++) % s->nthreads] = i;
	s->since[i] = s->ts;
}

static int rq_pop(struct sim *s)
{
	int i;

	if (!s->rq_len)
		return -1;
	i = s->runq[s->rq_head];
	s->rq_head = (s->rq_head + 1) % s->nthreads;
	s->rq_len--;
	return i;
}

/* CPU c switches from its thread to the next runnable one, or idles. */
static int switch_out(struct sim *s, int c, uint64_t prev_state, bool preempt)
{
	int prev = s->cur[c], next = rq_pop(s);
	struct lab_event ev = {.type = LAB_EV_SWITCH,
			       .cpu = (uint16_t)c,
			       .value = prev_state,
			       .flags = preempt ? LAB_SWITCH_PREEMPT : 0};

	if (prev >= 0) {
		struct lab_thread_stats *k = &s->kt[prev];

		ev.tid = tid_of(prev);
		ev.pid = ROOT;
		k->oncpu_ns += s->ts - k->oncpu_since;
		if (preempt)
			k->involuntary_switches++;
		else
			k->voluntary_switches++;
	}
	if (next >= 0) {
		uint64_t wait = s->ts - s->since[next];
		struct lab_thread_stats *k = &s->kt[next];

		ev.other_tid = tid_of(next);
		ev.other_pid = ROOT;
		k->oncpu_since = s->ts;
		k->runq_count++;
		k->runq_wait_ns += wait;
		k->runq_hist[hist_slot(wait, LAB_HIST_SLOTS)]++;
		if (wait > k->runq_max_ns)
			k->runq_max_ns = wait;
	}
	s->cur[c] = next;
	return emit(s, ev);
}

/* The thread on CPU c blocks in the call its mode says. */
static int block(struct sim *s, int c, enum mode m)
{
	static const uint32_t calls[] = {[WAITS_LOCK] = NR_FUTEX,
					 [WAITS_IO] = NR_READ,
					 [SLEEPS] = NR_CLOCK_NANOSLEEP};
	int i = s->cur[c];
	uint64_t at = s->ts;

	if (emit(s, (struct lab_event){.type = LAB_EV_BLOCK,
				       .cpu = (uint16_t)c,
				       .tid = tid_of(i),
				       .pid = ROOT,
				       .aux = calls[m],
				       .value = 0x7f0000001000 +
						64 * (uint64_t)(i % 8),
				       .other_tid = m == WAITS_LOCK ? 128 : 0}))
		return -1;
	s->ts = at; /* the switch carries the block's timestamp */
	s->blocked[s->nblocked++] = i;
	return switch_out(s, c, 1, false);
}

/* Wakes a blocked thread whose epoch now wants a CPU, if one of a few
 * picked at random does. */
static int wake_one(struct sim *s, int c)
{
	for (int tries = 0; tries < 4 && s->nblocked; tries++) {
		int j = (int)(next_random(s) % (uint64_t)s->nblocked);
		int i = s->blocked[j];

		if (mode_of(s, i) != WANTS_CPU)
			continue;
		s->blocked[j] = s->blocked[--s->nblocked];
		s->kt[i].wakeups++;
		rq_push(s, i);
		return emit(s, (struct lab_event){
				       .type = LAB_EV_WAKEUP,
				       .cpu = (uint16_t)c,
				       .tid = tid_of(i),
				       .pid = ROOT,
				       .other_tid = s->cur[c] >= 0
							    ? tid_of(s->cur[c])
							    : 0});
	}
	return 0;
}

static int mark(struct sim *s, uint32_t what, uint64_t value)
{
	return emit(s, (struct lab_event){.type = LAB_EV_MARK,
					  .tid = ROOT,
					  .pid = ROOT,
					  .aux = what,
					  .value = value});
}

/* One step on CPU c: its thread runs on, is preempted, migrates or
 * blocks, as its mode says. */
static int step(struct sim *s, int c)
{
	uint64_t r = next_random(s) % 100;
	enum mode m;

	if (s->cur[c] < 0)
		return s->rq_len ? switch_out(s, c, 0, false) : 0;
	m = mode_of(s, s->cur[c]);
	if (m != WANTS_CPU)
		return block(s, c, m);
	if (r < 30 && s->rq_len) {
		rq_push(s, s->cur[c]);
		return switch_out(s, c, 0, true);
	}
	if (r < 33) {
		s->kt[s->cur[c]].migrations++;
		return emit(s, (struct lab_event){.type = LAB_EV_MIGRATE,
						  .tid = tid_of(s->cur[c]),
						  .pid = ROOT,
						  .cpu = (uint16_t)c});
	}
	return 0;
}

/* The root marks its phases and creates the other threads, which then
 * run until the trace holds want events. */
static int simulate(struct sim *s, uint64_t want)
{
	int err = mark(s, LAB_MARK_PHASE, LAB_PHASE_SETUP) ||
		  mark(s, LAB_MARK_WORKLOAD_START, (uint64_t)s->nthreads - 1) ||
		  mark(s, LAB_MARK_PHASE, LAB_PHASE_SPAWN);

	for (int i = 1; i < s->nthreads && !err; i++) {
		s->kt[i].start_ns = s->ts;
		err = emit(s, (struct lab_event){.type = LAB_EV_FORK,
						 .tid = ROOT,
						 .pid = ROOT,
						 .other_tid = tid_of(i),
						 .other_pid = ROOT}) ||
		      emit(s, (struct lab_event){.type = LAB_EV_WAKEUP_NEW,
						 .tid = tid_of(i),
						 .pid = ROOT,
						 .other_tid = ROOT});
		rq_push(s, i);
	}
	err = err || mark(s, LAB_MARK_PHASE, LAB_PHASE_WORK);
	while (!err && s->events + 8 < want) {
		uint64_t before = s->events;
		int c = (int)(next_random(s) % NCPUS);

		err = step(s, c) ||
		      (next_random(s) % 100 < 60 && wake_one(s, c));
		if (s->events == before)
			s->ts += 500; /* nothing changed: time passes */
	}
	err = err || mark(s, LAB_MARK_PHASE, LAB_PHASE_JOIN) ||
	      mark(s, LAB_MARK_WORKLOAD_END, 0);
	for (int c = 0; c < NCPUS; c++)
		if (s->cur[c] >= 0)
			s->kt[s->cur[c]].oncpu_ns +=
				s->ts - s->kt[s->cur[c]].oncpu_since;
	if (!err && s->nbuf)
		err = trace_writer_add_events(s->w, s->buf, s->nbuf);
	return err ? -1 : 0;
}

static void sim_free(struct sim *s)
{
	trace_writer_free(s->w);
	free(s->since);
	free(s->runq);
	free(s->blocked);
	free(s->kt);
	free(s);
}

/* Writes a synthetic trace of about `events` events of nthreads threads
 * to path. */
static int make_trace(const char *path, uint64_t events, int nthreads)
{
	struct lab_trace_info info = {.version = LAB_TRACE_VERSION,
				      .cpu_count = NCPUS,
				      .start_ns = 1000000000};
	struct lab_run_summary sum = {0};
	uint64_t drops[NCPUS] = {0};
	struct sim *s = calloc(1, sizeof(*s));
	size_t n = (size_t)nthreads;
	int err = -1;

	if (!s)
		return -1;
	s->nthreads = nthreads;
	/* about 200 epochs over the run: 2 to 3 columns of its timeline */
	s->epoch_ns = events * EVENT_NS / 200;
	s->since = calloc(n, sizeof(*s->since));
	s->runq = calloc(n, sizeof(*s->runq));
	s->blocked = calloc(n, sizeof(*s->blocked));
	s->kt = calloc(n, sizeof(*s->kt));
	if (!s->since || !s->runq || !s->blocked || !s->kt)
		goto out;
	snprintf(info.lab_version, sizeof(info.lab_version), "%s", LAB_VERSION);
	snprintf(info.machine, sizeof(info.machine), "x86_64");
	snprintf(info.workload, sizeof(info.workload), "synthetic-threads");
	snprintf(info.cmdline, sizeof(info.cmdline), "bench-html");
	s->ts = info.start_ns;
	s->rnd = 0x9e3779b97f4a7c15ULL;
	s->cur[0] = 0; /* the root runs from the start */
	for (int c = 1; c < NCPUS; c++)
		s->cur[c] = -1;
	for (int i = 0; i < nthreads; i++) {
		s->kt[i].tid = tid_of(i);
		s->kt[i].pid = ROOT;
		s->kt[i].parent_tid = i ? ROOT : 0;
		s->kt[i].start_ns = info.start_ns;
		snprintf(s->kt[i].comm, sizeof(s->kt[i].comm), "worker");
	}
	s->kt[0].oncpu_since = info.start_ns;
	if (trace_writer_open(&s->w, path, &info) || simulate(s, events))
		goto out;
	sum.end_ns = s->ts;
	sum.events = s->events;
	err = trace_writer_finish(s->w, s->kt, n, drops, NCPUS, &sum);
out:
	sim_free(s);
	return err ? -1 : 0;
}

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
	if (fd >= 0 && (close(fd), !make_trace(path, events, threads)))
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
