/* report_html.c - the run page: one self-contained HTML file with the
 * run's figures, its timeline and histograms drawn inline. Only renders
 * a run_report; every string of the traced program's is escaped. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include "analyzer/analyze.h"
#include "analyzer/html.h"
#include "analyzer/memory_text.h"
#include "analyzer/lanes_svg.h"
#include "analyzer/locks.h"
#include "analyzer/machine_text.h"
#include "analyzer/not_measured.h"
#include "analyzer/offcpu.h"
#include "analyzer/phases.h"
#include "analyzer/report.h"
#include "analyzer/report_sections.h"
#include "analyzer/runq_tick.h"
#include "analyzer/stats.h"
#include "analyzer/svg.h"
#include "analyzer/units.h"

#define MAX_LANES	  64  /* threads drawn on the timeline */
#define MAX_HISTOGRAMS	  8   /* run-queue histograms of single threads */
#define MAX_LOCKS	  100 /* rows of the lock table */
#define MAX_THREAD_ROWS	  500 /* rows of the thread table: fast to open */
#define MAX_STILL_RUNNING 100 /* processes listed as still running */
#define THREAD_LABEL_SIZE (12 + 4 * LAB_COMM_LEN)

static void thread_label(char *buf, size_t len, const struct thread_report *t)
{
	snprintf(buf, len, "%u %s", t->tid, t->comm);
}

/* How much a thread did: its time on a CPU and waiting for one. */
static uint64_t busyness(const struct thread_report *t)
{
	if (t->has_timeline)
		return t->times.oncpu_ns + t->times.runnable_ns;
	return t->counts.oncpu_ns + t->counts.runq_wait_ns;
}

static int by_busyness(const void *a, const void *b, void *report)
{
	const struct run_report *r = report;
	uint64_t x = busyness(&r->threads[*(const size_t *)a]);
	uint64_t y = busyness(&r->threads[*(const size_t *)b]);

	if (x != y)
		return x < y ? 1 : -1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int by_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* The indices of at most max threads, the busiest, in report order;
 * NULL when out of memory. *n is how many. */
static size_t *busiest_threads(const struct run_report *r, size_t max,
			       size_t *n)
{
	size_t *idx = malloc((r->nthreads ? r->nthreads : 1) * sizeof(*idx));

	if (!idx)
		return NULL;
	for (size_t i = 0; i < r->nthreads; i++)
		idx[i] = i;
	*n = r->nthreads;
	if (*n > max) {
		qsort_r(idx, *n, sizeof(*idx), by_busyness, (void *)r);
		*n = max;
		qsort(idx, *n, sizeof(*idx), by_index);
	}
	return idx;
}

static const char *exit_text(char *buf, size_t len, const struct run_report *r)
{
	int st = r->summary.exit_status;

	if (!r->has_summary)
		snprintf(buf, len, "exit status unknown");
	else if (WIFEXITED(st))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, len, "wait status 0x%x", (unsigned int)st);
	return buf;
}

static const char *percent(char *buf, size_t len, uint64_t part, uint64_t whole)
{
	if (whole && 100 * part >= whole)
		snprintf(buf, len, "%.0f%%", 100.0 * part / whole);
	else
		snprintf(buf, len, "<1%%");
	return buf;
}

static void header(FILE *f, const struct run_report *r)
{
	char when[64] = "";
	time_t t = (time_t)(r->info.start_realtime_ns / 1000000000ULL);
	struct tm tm;

	if (r->info.start_realtime_ns && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	fputs("<header>\n<h1>", f);
	html_text(f, r->info.workload[0] ? r->info.workload : "trace");
	fputs("</h1>\n<p class=\"sub\">", f);
	html_text(f, r->info.params[0] ? r->info.params : "no parameters");
	if (when[0])
		fprintf(f, " · traced %s", when);
	fputs("</p>\n<nav>", f);
	for (size_t i = 0; i < report_sections_nrun; i++) {
		const struct run_section *s = &report_sections_run[i];

		if (!s->shown || s->shown(r))
			fprintf(f, "<a href=\"#%s\">%s</a>\n", s->id, s->nav);
	}
	fputs("</nav>\n</header>\n", f);
}

/* Shown first, framed, whenever the figures are not whole. */
void report_html_dropped(FILE *f, const struct run_report *r)
{
	char a[32];

	fprintf(f, "<h2>%s</h2>\n",
		r->dropped ? "Events were dropped" : "The trace is incomplete");
	if (r->dropped)
		fprintf(f,
			"<p><strong>%s events were lost</strong> to a full "
			"ring buffer. Switch counts and on-CPU times%s are "
			"the kernel's exact counters; run-queue percentiles "
			"are upper bounds from its log2 histograms; the "
			"timeline is incomplete%s. Run again with a larger "
			"<code>--ring-buffer</code>.</p>\n",
			units_count(a, sizeof(a), r->dropped),
			r->parties_from_kernel
				? ", lock waits, off-CPU times by reason and "
				  "who woke whom"
			: r->waits_from_kernel
				? ", lock waits and off-CPU times by reason"
				: "",
			r->waits_from_kernel
				? ""
				: ", and the lock waits and off-CPU reasons, "
				  "rebuilt from it, miss what was lost");
	if (r->gap_threads)
		fprintf(f,
			"<p>%zu of %zu threads have gaps in their timeline "
			"(fewer switches in the stream than the kernel "
			"counted); the thread table marks them.</p>\n",
			r->gap_threads, r->nthreads);
	if (!r->complete) {
		fputs("<p><strong>Incomplete:</strong> ", f);
		html_text(f, r->incomplete_reason[0] ? r->incomplete_reason
						     : "the run was cut short");
		fputs(".</p>\n", f);
	}
	if (r->damaged && !strstr(r->incomplete_reason, r->error)) {
		fputs("<p><strong>Damaged:</strong> ", f);
		html_text(f, r->error);
		fputs(". The report shows the intact part.</p>\n", f);
	}
}

/* Shown framed, after the dropped section, when processes outlived the
 * run. */
void report_html_still_running(FILE *f, const struct run_report *r)
{
	size_t n = r->nstill_running;

	fprintf(f,
		"<p><strong>%zu process%s</strong> of the run %s still running "
		"when tracing "
		"stopped: ",
		n, n == 1 ? "" : "es", n == 1 ? "was" : "were");
	/* as the terminal says it (report_text.c) */
	fprintf(f,
		"%s outlived the run, which lab does not stop (kill %s "
		"yourself), and what %s did afterwards is not in this "
		"report.</p>\n<ul>\n",
		n == 1 ? "it" : "they", n == 1 ? "it" : "them",
		n == 1 ? "it" : "they");
	for (size_t i = 0; i < n && i < MAX_STILL_RUNNING; i++) {
		fprintf(f, "<li>%u (", r->still_running[i].pid);
		html_text(f, r->still_running[i].comm);
		fputs(")</li>\n", f);
	}
	if (n > MAX_STILL_RUNNING)
		fprintf(f, "<li>and %zu more (in the JSON report)</li>\n",
			n - MAX_STILL_RUNNING);
	fputs("</ul>\n", f);
}

void report_html_not_measured_list(FILE *f, const struct lab_trace_info *in,
				   const char *whose)
{
	fprintf(f,
		"<p>The kernel that recorded %s had no probes for these "
		"figures: they are absent here, not 0.</p>\n<ul>\n",
		whose);
	for (const struct not_measured_figure *m = not_measured_figures; m->bit;
	     m++) {
		if (!not_measured(in, m->bit))
			continue;
		fputs("<li><strong>", f);
		html_text(f, m->what);
		fputs("</strong>: ", f);
		html_text(f, m->why);
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
}

/* Shown framed, after the runs' alerts, when the kernel that recorded
 * the trace had no probes for some figures. */
void report_html_not_measured(FILE *f, const struct run_report *r)
{
	report_html_not_measured_list(f, &r->info, "this trace");
}

/* The reasons of off-CPU time, most first: their indices, how many. */
static int reasons_by_time(const struct state_times *t,
			   int order[OFFCPU_NREASONS])
{
	int n = 0;

	for (int i = 0; i < OFFCPU_NREASONS; i++) {
		int j;

		if (!t->offcpu_ns[i])
			continue;
		for (j = n++;
		     j > 0 && t->offcpu_ns[order[j - 1]] < t->offcpu_ns[i]; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	return n;
}

void report_html_summary(FILE *f, const struct run_report *r)
{
	char v[64], d[160], a[32], b[32], c[32];
	uint64_t sw =
		r->totals.voluntary_switches + r->totals.involuntary_switches;

	html_figures_begin(f);
	html_figure(f, units_duration(v, sizeof(v), r->wall_ns), "wall time",
		    exit_text(d, sizeof(d), r));
	d[0] = '\0';
	if (r->has_summary)
		snprintf(d, sizeof(d), "user %s, system %s (rusage)",
			 units_duration(a, sizeof(a), r->summary.utime_ns),
			 units_duration(b, sizeof(b), r->summary.stime_ns));
	html_figure(f, units_duration(v, sizeof(v), r->totals.oncpu_ns),
		    "on-CPU time", d);
	snprintf(d, sizeof(d), "%s voluntary, %s involuntary",
		 units_count(a, sizeof(a), r->totals.voluntary_switches),
		 units_count(b, sizeof(b), r->totals.involuntary_switches));
	html_figure(f, units_count(v, sizeof(v), sw), "kernel context switches",
		    d);
	snprintf(d, sizeof(d), "%s waits for a CPU",
		 units_count(a, sizeof(a), r->totals.runq_count));
	html_figure(f, units_duration(v, sizeof(v), r->totals.runq_wait_ns),
		    "run-queue wait", d);
	if (r->has_times) {
		int order[OFFCPU_NREASONS];
		int n = reasons_by_time(&r->times, order);
		uint64_t total = offcpu_total(&r->times);
		size_t used = 0;

		d[0] = '\0';
		for (int i = 0; i < n && i < 3; i++)
			used += snprintf(
				d + used, sizeof(d) - used, "%s%s %s",
				i ? ", " : "", offcpu_reason_label(order[i]),
				percent(a, sizeof(a),
					r->times.offcpu_ns[order[i]], total));
		html_figure(f, units_duration(v, sizeof(v), total),
			    "off-CPU (blocked)", d);
	}
	if (r->totals.user_switches) {
		snprintf(d, sizeof(d), "the kernel does not see them");
		html_figure(f,
			    units_count(v, sizeof(v), r->totals.user_switches),
			    "user-space (coroutine) switches", d);
	}
	snprintf(d, sizeof(d), "in %zu process%s", r->nprocesses,
		 r->nprocesses == 1 ? "" : "es");
	html_figure(f, units_count(v, sizeof(v), r->nthreads), "threads", d);
	if (r->has_summary) {
		snprintf(v, sizeof(v), "%s kB",
			 units_count(a, sizeof(a), r->summary.maxrss_kb));
		html_figure(f, v, "max RSS", "largest process (rusage)");
	}
	if (r->memory.nprocesses) {
		const struct memory_totals *p = &r->memory.peak;
		char line[512];

		snprintf(v, sizeof(v), "%s kB",
			 units_count(a, sizeof(a), p->pss_kb));
		snprintf(d, sizeof(d), "PSS of %u process%s, %s task%s alive",
			 p->processes, p->processes == 1 ? "" : "es",
			 units_count(c, sizeof(c), p->threads),
			 p->threads == 1 ? "" : "s");
		html_figure(f, v, "memory at the peak", d);
		if (memory_text_costs(line, sizeof(line), r)) {
			const struct memory_cost *k =
				&r->memory.cost[r->memory.kind];

			snprintf(v, sizeof(v), "%.1f kB",
				 k->user_kib + k->page_tables_kib +
					 k->kernel_kib);
			html_figure(f, v, "memory per task", line);
		}
	}
	snprintf(d, sizeof(d), "%s dropped%s%s",
		 units_count(a, sizeof(a), r->dropped),
		 r->untracked ? ", threads not tracked: " : "",
		 r->untracked ? units_count(c, sizeof(c), r->untracked) : "");
	html_figure(f, units_count(v, sizeof(v), r->events), "events traced",
		    d);
	d[0] = '\0';
	if (r->has_page_faults)
		snprintf(d, sizeof(d), "%s user page faults",
			 units_count(a, sizeof(a), r->page_faults));
	html_figure(f, units_count(v, sizeof(v), r->totals.migrations),
		    "migrations between CPUs", d);
	html_figures_end(f);
}

void report_html_timeline(FILE *f, const struct run_report *r)
{
	const struct lane_set *set = &r->lanes;
	char(*labels)[THREAD_LABEL_SIZE] = NULL;
	const char **label_ptrs = NULL;
	struct lanes_svg_band *bands = NULL;
	size_t *rows = NULL, n = 0;
	char a[32];

	if (!set->nlanes || !set->ncolumns || set->nlanes != r->nthreads) {
		html_none(f, "no thread's states were recorded");
		return;
	}
	rows = busiest_threads(r, MAX_LANES, &n);
	labels = calloc(n ? n : 1, sizeof(*labels));
	label_ptrs = calloc(n ? n : 1, sizeof(*label_ptrs));
	bands = calloc(r->nphases ? r->nphases : 1, sizeof(*bands));
	if (!rows || !labels || !label_ptrs || !bands) {
		fputs("<p class=\"none\">Not drawn: out of memory.</p>\n", f);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		thread_label(labels[i], sizeof(labels[i]),
			     &r->threads[rows[i]]);
		label_ptrs[i] = labels[i];
	}
	for (size_t i = 0; i < r->nphases; i++) {
		const struct phase_report *p = &r->phases[i];
		const char *name = phases_name(p->phase);

		bands[i].from_ns = p->start_ns > set->start_ns
					   ? p->start_ns - set->start_ns
					   : 0;
		bands[i].to_ns = p->end_ns > set->start_ns
					 ? p->end_ns - set->start_ns
					 : 0;
		bands[i].label = name ? name : "phase";
	}
	fprintf(f,
		"<p class=\"note\">One lane per thread, coloured by what it "
		"did; each of the %zu columns is %s wide and shows the state "
		"the thread spent most of it in.%s Hover a lane for its "
		"states.</p>\n",
		set->ncolumns, units_duration(a, sizeof(a), set->column_ns),
		r->nphases ? " Bands on top are the phases the workload "
			     "marked."
			   : "");
	lanes_svg_legend(f);
	if (r->cpu_lanes.nlanes) {
		fputs("<p class=\"note\">Below the threads, a lane per CPU: "
		      "green where one of the run's threads ran on it, the "
		      "colours below where it ran other work or nothing "
		      "(idle), as far as the switches the trace holds tell: "
		      "it records only those that involve the run's "
		      "threads.</p>\n",
		      f);
		lanes_svg_legend_cpus(f);
	}
	fputs("<div class=\"wide timeline\">\n", f);
	lanes_svg_timeline(f, &(struct lanes_svg_run){.set = set,
						      .rows = rows,
						      .labels = label_ptrs,
						      .nrows = n,
						      .bands = bands,
						      .nbands = r->nphases,
						      .cpus = &r->cpu_lanes});
	fputs("</div>\n", f);
	if (n < r->nthreads)
		fprintf(f,
			"<p class=\"note\">%zu more threads not drawn: those "
			"that spent least time running or runnable.</p>\n",
			r->nthreads - n);
out:
	free(rows);
	free(labels);
	free(label_ptrs);
	free(bands);
}

static int by_runq_wait(const void *a, const void *b)
{
	const struct thread_report *x = *(const struct thread_report *const *)a;
	const struct thread_report *y = *(const struct thread_report *const *)b;

	if (x->counts.runq_wait_ns != y->counts.runq_wait_ns)
		return x->counts.runq_wait_ns < y->counts.runq_wait_ns ? 1 : -1;
	return x < y ? -1 : 1;
}

static void histogram(FILE *f, const char *title, const uint64_t *hist,
		      const struct runq_latency *l, uint64_t wait_ns)
{
	char a[32], b[32], c[32], d[32];

	fputs("<figure class=\"hist\">\n", f);
	svg_log2_histogram(f, title, hist, LAB_HIST_SLOTS);
	fputs("<figcaption><b>", f);
	html_text(f, title);
	fprintf(f, "</b><br>%s waits, %s in all",
		units_count(a, sizeof(a),
			    stats_hist_total(hist, LAB_HIST_SLOTS)),
		units_duration(b, sizeof(b), wait_ns));
	if (l)
		fprintf(f, "; p50 %s, p99 %s, max %s%s",
			units_duration(a, sizeof(a), l->p50_ns),
			units_duration(c, sizeof(c), l->p99_ns),
			units_duration(d, sizeof(d), l->max_ns),
			l->source == RUNQ_FROM_HISTOGRAM ? " (slot bounds)"
							 : "");
	fputs("</figcaption>\n</figure>\n", f);
}

/* How the kernel lets a runnable thread onto a CPU, in the words of the
 * scheduler the trace's kernel release has. */
static const char *who_gets_in(const char *kernel)
{
	switch (machine_text_eevdf(kernel)) {
	case 1:
		return "The scheduler (EEVDF, in Linux 6.6 and later) lets a "
		       "woken thread preempt the running one only when it "
		       "would pick the woken thread next, which it does not "
		       "while the running thread's time slice is protected; "
		       "a preempted thread waits for the running thread's "
		       "slice too.";
	case 0:
		return "The scheduler (CFS, before Linux 6.6) lets a woken "
		       "thread preempt the running one only when the running "
		       "one has had more CPU time than it by a margin (the "
		       "wakeup granularity); a preempted thread waits for the "
		       "running thread's slice too.";
	}
	return "The scheduler may refuse to let a woken thread preempt the "
	       "running one; a preempted thread waits for the running "
	       "thread's slice too.";
}

/* Said only where the figures show it: the tick's slot holds the most
 * waits, and enough of them (runq_tick.h). */
static void tick_note(FILE *f, const struct run_report *r)
{
	const struct runq_tick *t = &r->runq_tick;
	char a[32], b[32], c[32], d[32], tick[32];

	if (!t->clustered)
		return;
	fprintf(f,
		"<p class=\"note\">Waits cluster at the scheduler tick: %s of "
		"%s waits (%.0f%%) took %s to %s, the slot that holds this "
		"machine's tick of %s (HZ %u), and more than any other slot "
		"(lab calls it a cluster when the tick's slot holds the most "
		"waits, and at least %d%% of them). A thread made runnable "
		"does not always get a CPU at once. %s The scheduler checks "
		"how much of its slice the running thread has used when it "
		"updates that thread's run time: at each tick, and at other "
		"scheduling events on that CPU, such as a wakeup there or the "
		"running thread reading its own CPU-time clock. So a wait "
		"tends to end at a tick, unless the running thread blocks "
		"first.</p>\n",
		units_count(a, sizeof(a), t->in_slot),
		units_count(b, sizeof(b), t->waits),
		100.0 * (double)t->in_slot / (double)t->waits,
		units_duration(c, sizeof(c), stats_hist_slot_floor(t->slot)),
		units_duration(d, sizeof(d),
			       stats_hist_slot_floor(t->slot + 1)),
		machine_text_tick(tick, sizeof(tick), t->tick_ns),
		machine_text_hz(t->tick_ns), RUNQ_TICK_SHARE,
		who_gets_in(r->info.kernel));
}

/* The run's waits, then the threads that waited longest. */
void report_html_runq(FILE *f, const struct run_report *r)
{
	const struct thread_report **waited;
	uint64_t all[LAB_HIST_SLOTS] = {0};
	char title[THREAD_LABEL_SIZE + 16];
	size_t n = 0, shown;

	waited = calloc(r->nthreads ? r->nthreads : 1, sizeof(*waited));
	if (!waited) {
		fputs("<p class=\"none\">Not drawn: out of memory.</p>\n", f);
		return;
	}
	for (size_t i = 0; i < r->nthreads; i++) {
		const struct thread_report *t = &r->threads[i];

		if (!stats_hist_total(t->runq.hist, LAB_HIST_SLOTS))
			continue;
		waited[n++] = t;
		for (int s = 0; s < LAB_HIST_SLOTS; s++)
			all[s] += t->runq.hist[s];
	}
	if (!n) {
		html_none(f, "no thread waited for a CPU");
		free(waited);
		return;
	}
	fputs("<p class=\"note\">How long a thread, ready to run, waited for "
	      "a CPU: from its wakeup or preemption to its next run. Each bar "
	      "covers twice the time of the one before it.</p>\n"
	      "<div class=\"hists\">\n",
	      f);
	if (n > 1)
		histogram(f, "all threads", all, NULL, r->totals.runq_wait_ns);
	qsort(waited, n, sizeof(*waited), by_runq_wait);
	shown = n < MAX_HISTOGRAMS ? n : MAX_HISTOGRAMS;
	for (size_t i = 0; i < shown; i++) {
		thread_label(title, sizeof(title), waited[i]);
		histogram(f, title, waited[i]->runq.hist, &waited[i]->runq,
			  waited[i]->counts.runq_wait_ns);
	}
	fputs("</div>\n", f);
	tick_note(f, r);
	if (shown < n)
		fprintf(f,
			"<p class=\"note\">%zu more threads waited less and "
			"are left out here; their percentiles are in the "
			"thread table.</p>\n",
			n - shown);
	free(waited);
}

void report_html_offcpu(FILE *f, const struct run_report *r)
{
	struct svg_bar bars[OFFCPU_NREASONS];
	char shown[OFFCPU_NREASONS][48], a[32], b[32], c[32], d[32];
	int order[OFFCPU_NREASONS], n;
	uint64_t total = offcpu_total(&r->times);

	if (!r->has_times || !total) {
		html_none(f, r->has_times ? "no thread blocked"
					  : "the trace has no timeline");
		return;
	}
	n = reasons_by_time(&r->times, order);
	for (int i = 0; i < n; i++) {
		uint64_t ns = r->times.offcpu_ns[order[i]];

		snprintf(shown[i], sizeof(shown[i]), "%s (%s)",
			 units_duration(a, sizeof(a), ns),
			 percent(b, sizeof(b), ns, total));
		bars[i] =
			(struct svg_bar){.label = offcpu_reason_label(order[i]),
					 .shown = shown[i],
					 .value = (double)ns,
					 .known = true};
	}
	fprintf(f,
		"<p class=\"note\">Time the threads spent blocked, by the "
		"system call they blocked in, summed over threads (so it can "
		"exceed the wall time). Over their lives the threads were on a "
		"CPU %s, runnable %s and blocked %s.</p>\n",
		units_duration(a, sizeof(a), r->times.oncpu_ns),
		units_duration(c, sizeof(c), r->times.runnable_ns),
		units_duration(d, sizeof(d), total));
	fputs("<div class=\"wide\">\n", f);
	svg_bar_chart(f, "off-CPU time by reason", bars, (size_t)n,
		      SVG_UNIT_NS);
	fputs("</div>\n", f);
}

static void lock_row(FILE *f, const struct lock_report *l, bool user,
		     bool retries)
{
	bool id = !user && klock_is_id(l->addr);
	char addr[32], kind[64];

	snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)l->addr);
	if (!user)
		snprintf(kind, sizeof(kind), "kernel lock");
	else if (l->shared)
		snprintf(kind, sizeof(kind), "futex, shared");
	else
		snprintf(kind, sizeof(kind), "futex, process %u", l->pid);
	html_row_begin(f);
	if (l->symbol[0]) {
		/* a C++ name can be long: clipped, whole on hover */
		fputs("<td class=\"t\" title=\"", f);
		html_text(f, l->symbol);
		fputs("\">", f);
		html_text_clipped(f, l->symbol, 60);
		fputs("</td>", f);
	} else if (id) {
		fprintf(f, "<td class=\"t\">kernel lock #%llu</td>",
			(unsigned long long)l->addr);
	} else {
		html_td_text(f, "(no symbol)");
	}
	/* an id stands for an address the trace does not give */
	html_td_text(f, id ? "–" : addr);
	html_td_text(f, kind);
	html_td_duration(f, l->total_ns);
	html_td_count(f, l->count);
	if (retries && user)
		html_td_count(f, l->retries);
	else if (retries)
		html_td_text(f, "–");
	html_td_duration(f, l->max_ns);
	html_td_count(f, l->ntids);
	html_row_end(f);
}

/* The futex waits on words that are no lock: conditions and joins. */
static void report_html_not_locks(FILE *f, const struct run_report *r)
{
	uint64_t cw, ct, jw, jt;
	size_t cn, jn;
	char a[32], b[32];

	locks_kind_sum(r, LOCK_KIND_CONDITION, &cn, &cw, &ct);
	locks_kind_sum(r, LOCK_KIND_JOIN, &jn, &jw, &jt);
	if (!cw && !jw)
		return;
	fputs("<p class=\"note\">Not locks, so not in this table: ", f);
	if (cw)
		fprintf(f,
			"%llu waits for an event (condition variables, "
			"semaphores) on %zu futex words, %s",
			(unsigned long long)cw, cn,
			units_duration(a, sizeof(a), ct));
	if (cw && jw)
		fputs("; ", f);
	if (jw)
		fprintf(f, "%llu waits for a thread to end (join), %s",
			(unsigned long long)jw,
			units_duration(b, sizeof(b), jt));
	fputs(". The JSON report lists every futex word with its kind.</p>\n",
	      f);
}

/* User and kernel locks together, most total wait first. */
void report_html_locks(FILE *f, const struct run_report *r)
{
	static const struct html_col cols[] = {
		{"lock", true, "the symbol the address falls in"},
		{"address", true, NULL},
		{"kind", true, NULL},
		{"total wait", false, NULL},
		{"waits", false, NULL},
		{"longest", false, NULL},
		{"threads", false, "threads that waited on it"},
	};
	/* with the futex calls that returned EAGAIN beside the waits */
	static const struct html_col retry_cols[] = {
		{"lock", true, "the symbol the address falls in"},
		{"address", true, NULL},
		{"kind", true, NULL},
		{"total wait", false, NULL},
		{"waits", false, NULL},
		{"EAGAIN", false,
		 "futex waits that returned at once: the word had changed"},
		{"longest", false, NULL},
		{"threads", false, "threads that waited on it"},
	};
	size_t u = 0, k = 0, rows = 0, all = 0;
	const struct lock_report *l;
	bool user;

	while (locks_next_report(r, &u, &k, &user))
		all++;
	u = k = 0;
	report_html_not_locks(f, r);
	if (!all) {
		html_none(f, not_measured(&r->info, LAB_NM_KLOCK_WAITS)
				     ? "no futex waits on a lock; kernel lock "
				       "waits not measured on this kernel"
				     : "no futex waits on a lock, no kernel "
				       "lock contention");
		return;
	}
	if (r->has_retries)
		html_table_begin(f, "locks-table", true, retry_cols,
				 sizeof(retry_cols) / sizeof(retry_cols[0]));
	else
		html_table_begin(f, "locks-table", true, cols,
				 sizeof(cols) / sizeof(cols[0]));
	for (; rows < MAX_LOCKS && (l = locks_next_report(r, &u, &k, &user));
	     rows++)
		lock_row(f, l, user, r->has_retries);
	html_table_end(f);
	if (rows < all)
		fprintf(f,
			"<p class=\"note\">%zu more locks with less wait are "
			"in the JSON report.</p>\n",
			all - rows);
}

static void creation_row(FILE *f, const char *kind,
			 const struct creation_summary *s)
{
	if (!s->count)
		return;
	html_row_begin(f);
	html_td_text(f, kind);
	html_td_count(f, s->count);
	html_td_count(f, s->ran);
	if (s->ran) {
		html_td_duration(f, s->mean_ns);
		html_td_duration(f, s->median_ns);
		html_td_duration(f, s->max_ns);
	} else {
		html_td_none(f);
		html_td_none(f);
		html_td_none(f);
	}
	if (s->with_faults)
		html_td_count(f, s->median_page_faults);
	else
		html_td_none(f);
	html_row_end(f);
}

void report_html_creation(FILE *f, const struct run_report *r)
{
	static const struct html_col cols[] = {
		{"created", true, NULL},
		{"count", false, NULL},
		{"seen running", false, NULL},
		{"fork to first run: mean", false, NULL},
		{"median", false, NULL},
		{"max", false, NULL},
		{"page faults each", false, "median over the created tasks"},
	};
	char a[32], b[32];

	if (!r->created_threads.count && !r->created_processes.count) {
		html_none(f, "no thread or process was created while tracing");
		return;
	}
	html_table_begin(f, NULL, false, cols, sizeof(cols) / sizeof(cols[0]));
	creation_row(f, "threads", &r->created_threads);
	creation_row(f, "processes", &r->created_processes);
	html_table_end(f);
	if (r->totals.create_calls)
		fprintf(f,
			"<p class=\"note\">The creators spent %s inside %s "
			"fork/clone call%s.</p>\n",
			units_duration(a, sizeof(a), r->totals.create_call_ns),
			units_count(b, sizeof(b), r->totals.create_calls),
			r->totals.create_calls == 1 ? "" : "s");
}

void report_html_phases(FILE *f, const struct run_report *r)
{
	static const struct html_col cols[] = {
		{"phase", true, NULL},
		{"starts at", false, NULL},
		{"duration", false, NULL},
		{"voluntary switches", false, NULL},
		{"involuntary", false, NULL},
	};

	if (!r->nphases) {
		html_none(f, "the workload marked no phases");
		return;
	}
	html_table_begin(f, NULL, false, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < r->nphases; i++) {
		const struct phase_report *p = &r->phases[i];
		const char *name = phases_name(p->phase);
		char other[32];

		snprintf(other, sizeof(other), "phase %u", p->phase);
		html_row_begin(f);
		html_td_text(f, name ? name : other);
		html_td_duration(f, p->start_ns > r->info.start_ns
					    ? p->start_ns - r->info.start_ns
					    : 0);
		html_td_duration(f, p->end_ns > p->start_ns
					    ? p->end_ns - p->start_ns
					    : 0);
		html_td_count(f, p->voluntary_switches);
		html_td_count(f, p->involuntary_switches);
		html_row_end(f);
	}
	html_table_end(f);
}

static void thread_row(FILE *f, const struct thread_report *t,
		       const struct run_report *r)
{
	html_row_begin(f);
	fprintf(f, "<td data-v=\"%u\">%u</td>", t->tid, t->tid);
	fprintf(f, "<td data-v=\"%u\">%u</td>", t->pid, t->pid);
	if (t->timeline_gaps) {
		fputs("<td class=\"t\">", f);
		html_text(f, t->comm);
		fputs(" <strong title=\"events of this thread were lost: its "
		      "timeline has gaps\">(gaps)</strong></td>",
		      f);
	} else {
		html_td_text(f, t->comm);
	}
	html_td_count(f, t->counts.voluntary_switches);
	html_td_count(f, t->counts.involuntary_switches);
	html_td_duration(f, t->counts.oncpu_ns);
	html_td_duration(f, t->counts.runq_wait_ns);
	if (t->runq.count) {
		html_td_duration(f, t->runq.p50_ns);
		html_td_duration(f, t->runq.p99_ns);
		html_td_duration(f, t->runq.max_ns);
	} else {
		html_td_none(f);
		html_td_none(f);
		html_td_none(f);
	}
	if (t->has_timeline)
		html_td_duration(f, offcpu_total(&t->times));
	else
		html_td_none(f);
	html_td_count(f, t->counts.migrations);
	if (t->has_kernel && !not_measured(&r->info, LAB_NM_PAGE_FAULTS))
		html_td_count(f, t->page_faults);
	else
		html_td_none(f);
	html_td_duration(f, t->lifetime_ns);
	if (t->created && t->ran)
		html_td_duration(f, t->creation_ns);
	else
		html_td_none(f);
	html_row_end(f);
}

void report_html_threads(FILE *f, const struct run_report *r)
{
	static const struct html_col cols[] = {
		{"tid", false, NULL},
		{"pid", false, NULL},
		{"comm", true, "the name the thread gave itself"},
		{"voluntary", false, "switches: the thread blocked"},
		{"involuntary", false, "switches: the thread was preempted"},
		/* U+2011, a hyphen heads do not wrap at */
		{"on‑CPU", false, NULL},
		{"run-queue wait", false, NULL},
		{"p50", false, "run-queue latency, median"},
		{"p99", false, "run-queue latency, 99th percentile"},
		{"max", false, "longest run-queue wait"},
		{"off‑CPU", false, "time blocked"},
		{"migrations", false, NULL},
		{"page faults", false, "user page faults"},
		{"lifetime", false, NULL},
		{"fork to run", false,
		 "created while tracing: fork to its "
		 "first run"},
	};
	size_t *rows, n = 0;

	if (!r->nthreads) {
		html_none(f, "no thread of the workload is in the trace");
		return;
	}
	rows = busiest_threads(r, MAX_THREAD_ROWS, &n);
	if (!rows) {
		fputs("<p class=\"none\">Not shown: out of memory.</p>\n", f);
		return;
	}
	fputs("<p class=\"note\">Grouped by process, each in order of start. "
	      "Click a column head to sort by it.</p>\n",
	      f);
	html_table_begin(f, "threads-table", true, cols,
			 sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < n; i++)
		thread_row(f, &r->threads[rows[i]], r);
	html_table_end(f);
	if (n < r->nthreads)
		fprintf(f,
			"<p class=\"note\">%zu more threads, the least busy, "
			"are in the JSON report.</p>\n",
			r->nthreads - n);
	free(rows);
}

void report_html_environment(FILE *f, const struct run_report *r)
{
	char b[64];

	fputs("<dl class=\"env\">\n", f);
	html_env_item(f, "workload", r->info.workload);
	html_env_item(f, "parameters",
		      r->info.params[0] ? r->info.params : "none");
	html_env_item(f, "command line", r->info.cmdline);
	html_env_item(f, "kernel", r->info.kernel);
	html_env_item(f, "machine", r->info.machine);
	html_env_item(f, "CPU model", r->info.cpu_model);
	snprintf(b, sizeof(b), "%u online", r->info.cpu_count);
	html_env_item(f, "CPUs", b);
	html_env_vm(f, r->info.hypervisor);
	html_env_switch_costs(f, &r->info);
	html_env_item(f, "traced by", r->info.lab_version);
	snprintf(b, sizeof(b), "%u", r->info.version);
	html_env_item(f, "trace format", b);
	html_env_item(f, "report by", "lab " LAB_VERSION);
	fputs("</dl>\n", f);
}

int report_write_html(FILE *f, const struct run_report *r)
{
	char title[128];

	snprintf(title, sizeof(title), "%s: lab report", r->info.workload);
	html_begin(f, title);
	header(f, r);
	for (size_t i = 0; i < report_sections_nrun; i++) {
		const struct run_section *s = &report_sections_run[i];

		if (s->shown && !s->shown(r))
			continue;
		html_section(f, s->id, s->heading, s->shown != NULL);
		s->html(f, r);
		html_section_end(f);
	}
	html_end(f);
	return ferror(f) ? -1 : 0;
}
