/* report_text.c - the terminal summary: one screen, 79 columns. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <stdlib.h>
#include "analyzer/analyze.h"
#include "analyzer/locks.h"
#include "analyzer/machine_text.h"
#include "analyzer/not_measured.h"
#include "analyzer/memory_text.h"
#include "analyzer/offcpu.h"
#include "analyzer/phases.h"
#include "analyzer/report.h"
#include "analyzer/report_sections.h"
#include "analyzer/safe_text.h"
#include "analyzer/stats.h"
#include "analyzer/term.h"
#include "analyzer/units.h"

#define SCREEN		  23 /* lines: a 24-line terminal and its prompt */
#define MIN_TABLE	  6  /* lines of threads shown however long the rest */
#define MAX_ROWS_PROCESS  8  /* thread rows of one process */
#define TOP_LOCKS	  3  /* contended locks shown */
#define MAX_PARTS	  16 /* sections under the thread table */
#define MAX_STILL_RUNNING 6  /* processes named on the still-running line */

/* A line of the summary: wrapped, continuation lines indented by 2, a
 * word too long for a line (a path) broken where the line ends. Returns
 * the lines printed. */
static int print_wrapped(FILE *f, const char *text)
{
	return term_wrap(f, "", 2, text, TERM_BREAK_LONG);
}

/* a string of the traced program's, shown in width columns at most */
static void put_comm(FILE *f, const char *comm, size_t width)
{
	char b[4 * LAB_COMM_LEN];

	term_left(f, safe_text(b, sizeof(b), comm, 1), width);
}

static void put_duration(FILE *f, uint64_t ns, size_t width)
{
	char b[32];

	fputc(' ', f);
	term_right(f, units_duration(b, sizeof(b), ns), width);
}

static void put_number(FILE *f, uint64_t n, size_t width)
{
	char b[32];

	snprintf(b, sizeof(b), "%llu", (unsigned long long)n);
	fputc(' ', f);
	term_right(f, b, width);
}

/* the label takes the tid and comm columns */
static void counts_row(FILE *f, const char *label, const struct sched_counts *c)
{
	fprintf(f, "%-23s", label);
	put_number(f, c->voluntary_switches, 6);
	put_number(f, c->involuntary_switches, 6);
	put_duration(f, c->oncpu_ns, 8);
	put_duration(f, c->runq_wait_ns, 8);
	fputc('\n', f);
}

static void thread_row(FILE *f, const struct thread_report *t)
{
	const struct runq_latency *l = &t->runq;

	fprintf(f, "%7u ", t->tid);
	put_comm(f, t->comm, 15);
	put_number(f, t->counts.voluntary_switches, 6);
	put_number(f, t->counts.involuntary_switches, 6);
	put_duration(f, t->counts.oncpu_ns, 8);
	put_duration(f, t->counts.runq_wait_ns, 8);
	if (l->count) {
		put_duration(f, l->p50_ns, 7);
		put_duration(f, l->p99_ns, 7);
		put_duration(f, l->max_ns, 7);
	} else {
		fprintf(f, " %7s %7s %7s", "-", "-", "-");
	}
	fputc('\n', f);
}

/* Returns the lines printed. */
/* "exit 0", "killed by signal 9 (Killed)", ... */
static void describe_status(char *d, size_t size, const struct run_report *r)
{
	int st = r->summary.exit_status;

	if (!r->has_summary)
		snprintf(d, size, "exit status unknown");
	else if (WIFEXITED(st))
		snprintf(d, size, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(d, size, "killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(d, size, "wait status 0x%x", (unsigned int)st);
}

/* "STILL RUNNING when tracing stopped: 2 processes: 4242 (sleep), 4250
 * (daemon); ..." into line (len bytes), the first MAX_STILL_RUNNING of
 * them named. The comms are the traced program's: shown through
 * print_wrapped. */
static void still_running_line(char *line, size_t len,
			       const struct run_report *r)
{
	size_t n = r->nstill_running, o;
	const char *them = n == 1 ? "it" : "them";

	o = (size_t)snprintf(
		line, len,
		"STILL RUNNING when tracing stopped: %zu process%s:", n,
		n == 1 ? "" : "es");
	for (size_t i = 0; i < n && i < MAX_STILL_RUNNING && o < len; i++)
		o += (size_t)snprintf(line + o, len - o, "%s %u (%s)",
				      i ? "," : "", r->still_running[i].pid,
				      r->still_running[i].comm);
	if (n > MAX_STILL_RUNNING && o < len)
		o += (size_t)snprintf(line + o, len - o, " and %zu more",
				      n - MAX_STILL_RUNNING);
	if (o >= len)
		return;
	/* a group lab killed is waited for (tracer.c): these left it, or
	 * the run ended by itself with them */
	snprintf(line + o, len - o,
		 "; %s outlived the run, which lab does not stop (kill %s "
		 "yourself), and what %s did afterwards is not in the trace",
		 n == 1 ? "it" : "they", them, n == 1 ? "it" : "they");
}

static int print_header(FILE *f, const struct run_report *r)
{
	char line[1024], a[32], b[32], c[32], d[64];
	int lines = 0;

	snprintf(line, sizeof(line), "%s%s%s", r->info.workload,
		 r->info.params[0] ? "  " : "", r->info.params);
	lines += print_wrapped(f, line);
	describe_status(d, sizeof(d), r);
	snprintf(line, sizeof(line), "wall %s, %s, %s event%s, %s dropped",
		 units_duration(a, sizeof(a), r->wall_ns), d,
		 units_count(b, sizeof(b), r->events),
		 r->events == 1 ? "" : "s",
		 units_count(c, sizeof(c), r->dropped));
	lines += print_wrapped(f, line);
	/* how much of the machine the run used at once */
	if (r->wall_ns) {
		snprintf(line, sizeof(line),
			 "on-CPU %s over every thread: %.2f CPUs kept busy "
			 "(on-CPU / wall)",
			 units_duration(a, sizeof(a), r->totals.oncpu_ns),
			 (double)r->totals.oncpu_ns / (double)r->wall_ns);
		lines += print_wrapped(f, line);
	}
	if (r->has_summary) {
		/* a virtual machine's CPUs: cross-CPU figures may differ */
		bool virt = r->info.hypervisor[0] &&
			    strcmp(r->info.hypervisor, "none");

		snprintf(line, sizeof(line),
			 "user %s, system %s, max RSS %s kB; %u CPU%s%s%s, %s",
			 units_duration(a, sizeof(a), r->summary.utime_ns),
			 units_duration(b, sizeof(b), r->summary.stime_ns),
			 units_count(c, sizeof(c), r->summary.maxrss_kb),
			 r->info.cpu_count, r->info.cpu_count == 1 ? "" : "s",
			 virt ? " under " : "", virt ? r->info.hypervisor : "",
			 r->info.kernel);
		lines += print_wrapped(f, line);
	}
	/* what sets the cost of a switch there, when the trace says */
	if (machine_text_line(line, sizeof(line), &r->info))
		lines += print_wrapped(f, line);
	/* figures the kernel lacked the probes for: absent, not 0 */
	if (not_measured_line(line, sizeof(line), &r->info, true))
		lines += print_wrapped(f, line);
	if (r->dropped && !r->has_waits) {
		/* a trace of an older lab, which had no sums of waits */
		snprintf(line, sizeof(line),
			 "DROPPED %s EVENTS (ring buffer full): counts are the "
			 "kernel's exact counters; latency percentiles are "
			 "log2-histogram upper bounds; %zu of %zu threads' "
			 "timelines have gaps",
			 units_count(a, sizeof(a), r->dropped), r->gap_threads,
			 r->nthreads);
		lines += print_wrapped(f, line);
	} else if (r->dropped) {
		snprintf(line, sizeof(line),
			 "DROPPED %s EVENTS (ring buffer full): counts%s are "
			 "the kernel's exact counters; latency percentiles are "
			 "log2-histogram upper bounds; the timeline is "
			 "INCOMPLETE: %zu of %zu threads' timelines have "
			 "gaps%s",
			 units_count(a, sizeof(a), r->dropped),
			 r->parties_from_kernel
				 ? ", lock waits, off-CPU times and who woke "
				   "whom"
			 : r->waits_from_kernel
				 ? ", lock waits and off-CPU times"
				 : "",
			 r->gap_threads, r->nthreads,
			 r->waits_from_kernel
				 ? ""
				 : "; lock waits and off-CPU times, "
				   "rebuilt from the events, are short");
		lines += print_wrapped(f, line);
	}
	if (!r->complete) {
		snprintf(line, sizeof(line), "INCOMPLETE: %s",
			 r->incomplete_reason);
		lines += print_wrapped(f, line);
	}
	if (r->nstill_running) {
		still_running_line(line, sizeof(line), r);
		lines += print_wrapped(f, line);
	}
	return lines;
}

static void print_columns(FILE *f)
{
	/* group heads over the columns they name */
	fprintf(f, "%26s%-25s%-6s%s\n", "", "switches", "runq",
		"run-queue latency");
	fprintf(f, "%7s %-15s %6s %6s %8s %8s %7s %7s %7s\n", "tid", "comm",
		"vol", "invol", "on-CPU", "wait", "p50", "p99", "max");
}

/* A process in at most `lines` lines: its name, its first threads, how
 * many more there are, and its sums when the run has other processes.
 * Returns the lines used, 0 if it does not fit. */
static int print_process(FILE *f, const struct process_report *p, int lines,
			 bool many)
{
	char label[64];
	int sums = many && p->nthreads > 1;
	int rows = lines - 1 - sums, more;

	if (rows < 1)
		return 0;
	if (rows > MAX_ROWS_PROCESS)
		rows = MAX_ROWS_PROCESS;
	if ((size_t)rows > p->nthreads)
		rows = (int)p->nthreads;
	more = (size_t)rows < p->nthreads;
	if (more && rows + 1 > lines - 1 - sums)
		rows--;
	if (rows < 1)
		return 0;
	fprintf(f, "process %u ", p->pid);
	put_comm(f, p->comm, 0);
	fprintf(f, ": %zu thread%s", p->nthreads, p->nthreads == 1 ? "" : "s");
	if (p->exited)
		fprintf(f, ", %zu exited", p->exited);
	fputc('\n', f);
	for (int i = 0; i < rows; i++)
		thread_row(f, &p->threads[i]);
	if (more)
		fprintf(f, "      … %zu more threads (in the JSON report)\n",
			p->nthreads - (size_t)rows);
	if (sums) {
		snprintf(label, sizeof(label), "%7s all %zu", "", p->nthreads);
		counts_row(f, label, &p->sums);
	}
	return 1 + rows + more + sums;
}

/* ---- the lines under the table: the sections' (report_sections.h),
 * then the run's own ---- */

#define MAX_ITEMS 16

/* A head and items, comma-separated: the items are the analyzer's own
 * words and numbers, never the traced program's. */
struct list {
	char head[64];
	char item[MAX_ITEMS][64];
	size_t n;
};

static void list_add(struct list *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void list_add(struct list *l, const char *fmt, ...)
{
	va_list ap;

	if (l->n == MAX_ITEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(l->item[l->n++], sizeof(l->item[0]), fmt, ap);
	va_end(ap);
}

/* Wrapped at TERM_WIDTH only between items, so that "79.6 µs" never splits.
 * Returns the lines printed. */
static int print_list(FILE *f, const struct list *l)
{
	size_t col = units_width(l->head);
	int lines = 1;

	fputs(l->head, f);
	for (size_t i = 0; i < l->n; i++) {
		bool comma = i + 1 < l->n;
		size_t w = units_width(l->item[i]) + comma;

		if (col + 1 + w > TERM_WIDTH) {
			fputs("\n  ", f);
			col = 2;
			lines++;
		} else {
			fputc(' ', f);
			col++;
		}
		fputs(l->item[i], f);
		if (comma)
			fputc(',', f);
		col += w;
	}
	fputc('\n', f);
	return lines;
}

/* The run-queue waits' cluster at the tick, when there is one: what the
 * figures show, then why, when room leaves lines for it. */
int report_text_runq(FILE *f, const struct run_report *r, int room)
{
	const struct runq_tick *t = &r->runq_tick;
	char line[640], a[32], b[32], c[32], d[32], tick[32];
	size_t o;
	FILE *m;
	char *full = NULL;
	size_t len = 0;
	int lines;

	if (!t->clustered)
		return 0;
	o = (size_t)snprintf(
		line, sizeof(line),
		"run-queue waits cluster at the %s scheduler tick: %s of %s "
		"(%.0f%%) took %s to %s, more than in any other log2 slot.",
		machine_text_tick(tick, sizeof(tick), t->tick_ns),
		units_count(a, sizeof(a), t->in_slot),
		units_count(b, sizeof(b), t->waits),
		100.0 * (double)t->in_slot / (double)t->waits,
		units_duration(c, sizeof(c), stats_hist_slot_floor(t->slot)),
		units_duration(d, sizeof(d),
			       stats_hist_slot_floor(t->slot + 1)));
	snprintf(line + o, sizeof(line) - o,
		 " A runnable thread waits until the running one has used its "
		 "time slice (a woken one's preemption may be refused) or "
		 "blocks; the kernel checks the slice at each tick and other "
		 "scheduler events, so waits tend to end at a tick.");
	m = open_memstream(&full, &len);
	if (!m)
		return 0;
	lines = term_wrap(m, "", 2, line, TERM_KEEP_UNITS);
	if (fclose(m) == 0 && lines <= room) {
		fwrite(full, 1, len, f);
	} else {
		line[o] = '\0';
		lines = term_wrap(f, "", 2, line, TERM_KEEP_UNITS);
	}
	free(full);
	return lines;
}

/* Off-CPU time of the run by reason, most first, with shares. */
int report_text_offcpu(FILE *f, const struct run_report *r, int room)
{
	struct list l = {0};
	char a[32], b[32];
	uint64_t total = offcpu_total(&r->times);
	bool done[OFFCPU_NREASONS] = {0};

	(void)room;
	if (!r->has_times || !total)
		return 0;
	snprintf(l.head, sizeof(l.head),
		 "off-CPU %s:", units_duration(a, sizeof(a), total));
	for (int n = 0; n < OFFCPU_NREASONS; n++) {
		uint64_t ns;
		int best = -1;

		for (int i = 0; i < OFFCPU_NREASONS; i++)
			if (!done[i] && r->times.offcpu_ns[i] &&
			    (best < 0 ||
			     r->times.offcpu_ns[i] > r->times.offcpu_ns[best]))
				best = i;
		if (best < 0)
			break;
		done[best] = true;
		ns = r->times.offcpu_ns[best];
		if (100 * ns >= total)
			snprintf(b, sizeof(b), "%.0f%%",
				 100.0 * (double)ns / (double)total);
		else
			snprintf(b, sizeof(b), "<1%%");
		list_add(&l, "%s %s (%s)", offcpu_reason_label(best),
			 units_duration(a, sizeof(a), ns), b);
	}
	return print_list(f, &l);
}

/* A string of the traced program's that may be long (a symbol), in
 * width columns: cut with "…" where it would push the columns after it. */
static void put_clipped(FILE *f, const char *s, size_t width)
{
	char b[640];
	size_t keep;

	safe_text(b, sizeof(b), s, 1);
	keep = units_clip(b, width);
	if (b[keep])
		snprintf(b + keep, sizeof(b) - keep, "…");
	term_left(f, b, width);
}

/* One contended lock: its name, or its address (a kernel lock's id)
 * and whose it is. */
static void lock_row(FILE *f, const struct lock_report *l, bool user,
		     bool retries)
{
	char name[160], b[32];

	if (l->symbol[0])
		snprintf(name, sizeof(name), "%s %s", user ? "futex" : "kernel",
			 l->symbol);
	else if (!user && klock_is_id(l->addr))
		snprintf(name, sizeof(name), "kernel lock #%llu",
			 (unsigned long long)l->addr);
	else if (!user)
		snprintf(name, sizeof(name), "kernel 0x%llx",
			 (unsigned long long)l->addr);
	else if (l->shared)
		snprintf(name, sizeof(name), "futex 0x%llx shared",
			 (unsigned long long)l->addr);
	else
		snprintf(name, sizeof(name), "futex 0x%llx pid %u",
			 (unsigned long long)l->addr, l->pid);
	fputs("  ", f);
	put_clipped(f, name, retries ? 28 : 36);
	put_duration(f, l->total_ns, 10);
	fputc(' ', f);
	term_right(f, units_count(b, sizeof(b), l->count), 7);
	if (retries) {
		fputc(' ', f);
		term_right(f, units_count(b, sizeof(b), l->retries), 7);
	}
	put_duration(f, l->max_ns, 8);
	put_number(f, l->ntids, 8);
	fputc('\n', f);
}

/* The futex waits on words that are no lock, in one line: condition
 * variables and semaphores, and joins. Returns the lines printed. */
static int report_text_not_locks(FILE *f, const struct run_report *r)
{
	static const struct {
		enum lock_kind kind;
		const char *what;
	} kinds[] = {{LOCK_KIND_CONDITION, "for an event"},
		     {LOCK_KIND_JOIN, "for a thread to end (join)"}};
	bool any = false;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		uint64_t waits, total;
		size_t words;
		char a[32], b[32];

		locks_kind_sum(r, kinds[i].kind, &words, &waits, &total);
		if (!waits)
			continue;
		fprintf(f, "%s %s wait%s %s, %s", any ? ";" : "not locks:",
			units_count(a, sizeof(a), waits), waits == 1 ? "" : "s",
			kinds[i].what, units_duration(b, sizeof(b), total));
		any = true;
	}
	if (any)
		fputc('\n', f);
	return any;
}

/* The most contended locks, user and kernel together: as many as room
 * leaves beside the head line, TOP_LOCKS at most, one at least. */
int report_text_locks(FILE *f, const struct run_report *r, int room)
{
	const struct lock_report *l;
	size_t u = 0, k = 0;
	int n = 0, rows = room - 1;
	bool user;
	const char *klocks = not_measured(&r->info, LAB_NM_KLOCK_WAITS)
				     ? "kernel lock waits not measured"
				     : "no kernel lock contention";

	if (rows > TOP_LOCKS)
		rows = TOP_LOCKS;
	if (rows < 1)
		rows = 1;

	if (!r->nuser_locks && !r->nkernel_locks) {
		fprintf(f, "contended locks: none (no futex waits, %s)\n",
			klocks);
		return 1;
	}
	if (!locks_next_report(r, &u, &k, &user)) {
		fprintf(f,
			"contended locks: none (no futex waits on a lock, "
			"%s)\n",
			klocks);
		return 1 + report_text_not_locks(f, r);
	}
	u = k = 0;
	if (r->has_retries)
		fprintf(f, "%-30s %10s %7s %7s %8s %8s\n", "contended locks",
			"total", "waits", "EAGAIN", "longest", "threads");
	else
		fprintf(f, "%-38s %10s %7s %8s %8s\n", "contended locks",
			"total", "waits", "longest", "threads");
	for (; n < rows && (l = locks_next_report(r, &u, &k, &user)); n++)
		lock_row(f, l, user, r->has_retries);
	return 1 + n + report_text_not_locks(f, r);
}

static int print_creation_kind(FILE *f, const struct creation_summary *s,
			       const char *one, const char *many)
{
	struct list l = {0};
	char a[32], b[32];

	if (!s->count)
		return 0;
	snprintf(l.head, sizeof(l.head),
		 "created %llu %s:", (unsigned long long)s->count,
		 s->count == 1 ? one : many);
	if (s->ran) {
		list_add(&l, "fork→run mean %s",
			 units_duration(a, sizeof(a), s->mean_ns));
		list_add(&l, "median %s",
			 units_duration(b, sizeof(b), s->median_ns));
	} else {
		list_add(&l, "none seen running");
	}
	/* "each": the median child's, a count that happened */
	if (s->with_faults)
		list_add(&l, "%s page fault%s each",
			 units_count(a, sizeof(a), s->median_page_faults),
			 s->median_page_faults == 1 ? "" : "s");
	return print_list(f, &l);
}

/* What creating a task cost, per kind. */
int report_text_creation(FILE *f, const struct run_report *r, int room)
{
	(void)room;
	return print_creation_kind(f, &r->created_threads, "thread",
				   "threads") +
	       print_creation_kind(f, &r->created_processes, "process",
				   "processes");
}

int report_text_phases(FILE *f, const struct run_report *r, int room)
{
	struct list l = {0};
	char a[32];

	(void)room;
	if (!r->nphases)
		return 0;
	snprintf(l.head, sizeof(l.head), "phases (switches):");
	for (size_t i = 0; i < r->nphases; i++) {
		const struct phase_report *p = &r->phases[i];
		const char *name = phases_name(p->phase);

		units_duration(a, sizeof(a), p->end_ns - p->start_ns);
		if (name)
			list_add(&l, "%s %s (%llu)", name, a,
				 (unsigned long long)(p->voluntary_switches +
						      p->involuntary_switches));
		else
			list_add(&l, "phase %u %s (%llu)", p->phase, a,
				 (unsigned long long)(p->voluntary_switches +
						      p->involuntary_switches));
	}
	return print_list(f, &l);
}

/* The kernel's other exact counters. */
static int print_kernel_counts(FILE *f, const struct run_report *r, int room)
{
	char line[256], a[32], b[32];

	(void)room;
	if (!r->has_page_faults)
		snprintf(line, sizeof(line), "%s migration%s between CPUs",
			 units_count(a, sizeof(a), r->totals.migrations),
			 r->totals.migrations == 1 ? "" : "s");
	else
		snprintf(line, sizeof(line),
			 "%s migration%s between CPUs, %s user page fault%s",
			 units_count(a, sizeof(a), r->totals.migrations),
			 r->totals.migrations == 1 ? "" : "s",
			 units_count(b, sizeof(b), r->page_faults),
			 r->page_faults == 1 ? "" : "s");
	return print_wrapped(f, line);
}

/* The coroutine line: what the kernel cannot see. */
/* The run's memory at its peak and what a task added (memory.h), when
 * the trace has the samples. */
static int print_memory(FILE *f, const struct run_report *r, int room)
{
	char line[1024];
	int lines = 0;

	(void)room;
	if (memory_text_peak(line, sizeof(line), r))
		lines += print_wrapped(f, line);
	if (memory_text_costs(line, sizeof(line), r))
		lines += print_wrapped(f, line);
	return lines;
}

static int print_user_switches(FILE *f, const struct run_report *r, int room)
{
	char line[512], a[32], b[32];

	(void)room;
	if (!r->totals.user_switches)
		return 0;
	snprintf(line, sizeof(line),
		 "coroutine runtime: %s switches in user space; the kernel "
		 "saw %s context switches (the kernel does not see coroutine "
		 "switches)",
		 units_count(a, sizeof(a), r->totals.user_switches),
		 units_count(b, sizeof(b),
			     r->totals.voluntary_switches +
				     r->totals.involuntary_switches));
	return print_wrapped(f, line);
}

typedef int (*part_fn)(FILE *f, const struct run_report *r, int room);

/* Lines under the table, rendered aside to count them before they are
 * shown. */
struct part {
	part_fn fn;
	char *text;
	size_t size;
	int lines;
};

/* The parts in the order shown: the sections that have lines, in the
 * page's order, then the memory a task held, the kernel's plain
 * counters, then the coroutine line. Returns how many. */
static size_t parts_of(struct part *p, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < report_sections_nrun && n + 3 < max; i++)
		if (report_sections_run[i].text)
			p[n++].fn = report_sections_run[i].text;
	p[n++].fn = print_memory;
	p[n++].fn = print_kernel_counts;
	p[n++].fn = print_user_switches;
	return n;
}

/* Renders p in room lines, or nothing when it does not fit. */
static void render(struct part *p, const struct run_report *r, int room)
{
	FILE *m = open_memstream(&p->text, &p->size);

	if (!m)
		return;
	p->lines = p->fn(m, r, room);
	if (fclose(m) || p->lines > room) {
		free(p->text);
		p->text = NULL;
		p->size = 0;
		p->lines = 0;
	}
}

/* The parts that fit in room lines, most telling first: what the kernel
 * does not see (the last part), then the sections in the page's order
 * (where the time went off the CPU, the locks, what creating tasks
 * cost, phases), then the memory and the plain counters if room is left.
 * Returns the lines they take. */
static int choose_parts(struct part *p, size_t n, const struct run_report *r,
			int room)
{
	int used = 0;

	for (size_t k = 0; k < n; k++) {
		struct part *q = &p[k ? k - 1 : n - 1];

		render(q, r, room - used);
		used += q->lines;
	}
	return used;
}

void report_print_text(FILE *f, const struct run_report *r)
{
	struct part parts[MAX_PARTS] = {0};
	size_t nparts = parts_of(parts, MAX_PARTS);
	int lines = SCREEN, used;
	char label[64];
	size_t i;

	lines -= print_header(f, r);
	if (!r->nthreads) {
		fprintf(f, "no threads of the workload in the trace\n");
		return;
	}
	putc('\n', f);
	print_columns(f);
	/* the blank line, column heads and total line */
	lines -= 3 + (r->nthreads > 1);
	lines -= choose_parts(parts, nparts, r, lines - MIN_TABLE);
	if (lines < MIN_TABLE)
		lines = MIN_TABLE;
	for (i = 0; i < r->nprocesses; i++) {
		/* keep a line to say how many processes did not fit */
		int room = lines - (i + 1 < r->nprocesses);

		used = print_process(f, &r->processes[i], room,
				     r->nprocesses > 1);
		if (!used)
			break;
		lines -= used;
	}
	if (i < r->nprocesses) {
		size_t threads = 0;

		for (size_t j = i; j < r->nprocesses; j++)
			threads += r->processes[j].nthreads;
		fprintf(f,
			"… %zu more process%s, %zu thread%s (in the JSON "
			"report)\n",
			r->nprocesses - i, r->nprocesses - i == 1 ? "" : "es",
			threads, threads == 1 ? "" : "s");
	}
	if (r->nthreads > 1) {
		snprintf(label, sizeof(label), "total: %zu threads",
			 r->nthreads);
		counts_row(f, label, &r->totals);
	}
	for (size_t k = 0; k < nparts; k++) {
		if (parts[k].text)
			fwrite(parts[k].text, 1, parts[k].size, f);
		free(parts[k].text);
	}
}

void report_print_brief(FILE *f, const struct run_report *r)
{
	char line[1024], a[32], b[32], d[64];

	describe_status(d, sizeof(d), r);
	snprintf(line, sizeof(line),
		 "%s: %zu thread%s in %zu process%s, %s; %s events, %s dropped",
		 r->info.workload, r->nthreads, r->nthreads == 1 ? "" : "s",
		 r->nprocesses, r->nprocesses == 1 ? "" : "es", d,
		 units_count(a, sizeof(a), r->events),
		 units_count(b, sizeof(b), r->dropped));
	print_wrapped(f, line);
	if (r->dropped) {
		snprintf(line, sizeof(line),
			 "  DROPPED %s EVENTS (ring buffer full): counts stay "
			 "exact, latency percentiles become log2 bounds",
			 units_count(a, sizeof(a), r->dropped));
		print_wrapped(f, line);
	}
	if (!r->complete) {
		snprintf(line, sizeof(line), "  INCOMPLETE: %s",
			 r->incomplete_reason);
		print_wrapped(f, line);
	}
	if (r->nstill_running) {
		still_running_line(line, sizeof(line), r);
		print_wrapped(f, line);
	}
}
