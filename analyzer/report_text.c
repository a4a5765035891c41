/* report_text.c - the terminal summary: one screen, 79 columns. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include "analyze.h"
#include "report.h"
#include "safe_text.h"
#include "units.h"

#define WIDTH		 79
#define SCREEN		 23 /* lines: a 24-line terminal and its prompt */
#define MIN_TABLE	 6  /* lines of threads shown however long the rest */
#define MAX_ROWS_PROCESS 8  /* thread rows of one process */

/* Words of text, wrapped at WIDTH; continuation lines indented by 2, a
 * word too long for a line (a path) broken where the line ends. The text
 * may quote the trace (names, parameters): no controls pass. */
static int print_wrapped(FILE *f, const char *text)
{
	char clean[2048];
	size_t col = 0;
	int lines = 1;
	const char *p = safe_text(clean, sizeof(clean), text, 1);

	while (*p) {
		size_t len = strcspn(p, " "), w = 0;

		for (size_t i = 0; i < len; i++)
			w += ((unsigned char)p[i] & 0xc0) != 0x80;
		if (col && col + 1 + w > WIDTH) {
			fputs("\n  ", f);
			col = 2;
			lines++;
		} else if (col) {
			fputc(' ', f);
			col++;
		}
		for (size_t i = 0; i < len; i++) {
			int starts_char = ((unsigned char)p[i] & 0xc0) != 0x80;

			if (starts_char && col == WIDTH) {
				fputs("\n  ", f);
				col = 2;
				lines++;
			}
			fputc(p[i], f);
			col += starts_char;
		}
		p += len;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
	return lines;
}

/* printf's %*s counts bytes; "µs" takes two bytes and one column */
static void put_right(FILE *f, const char *s, size_t width)
{
	for (size_t w = text_width(s); w < width; w++)
		fputc(' ', f);
	fputs(s, f);
}

static void put_left(FILE *f, const char *s, size_t width)
{
	fputs(s, f);
	for (size_t w = text_width(s); w < width; w++)
		fputc(' ', f);
}

/* a string of the traced program's, shown in width columns at most */
static void put_comm(FILE *f, const char *comm, size_t width)
{
	char b[4 * LAB_COMM_LEN];

	put_left(f, safe_text(b, sizeof(b), comm, 1), width);
}

static void put_duration(FILE *f, uint64_t ns, size_t width)
{
	char b[32];

	fputc(' ', f);
	put_right(f, fmt_duration(b, sizeof(b), ns), width);
}

static void put_number(FILE *f, uint64_t n, size_t width)
{
	char b[32];

	snprintf(b, sizeof(b), "%llu", (unsigned long long)n);
	fputc(' ', f);
	put_right(f, b, width);
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
static int print_header(FILE *f, const struct run_report *r)
{
	char line[1024], a[32], b[32], c[32], d[64];
	int st = r->summary.exit_status, lines = 0;

	snprintf(line, sizeof(line), "%s%s%s", r->info.workload,
		 r->info.params[0] ? "  " : "", r->info.params);
	lines += print_wrapped(f, line);
	if (!r->has_summary)
		snprintf(d, sizeof(d), "exit status unknown");
	else if (WIFEXITED(st))
		snprintf(d, sizeof(d), "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(d, sizeof(d), "killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(d, sizeof(d), "wait status 0x%x", (unsigned int)st);
	snprintf(line, sizeof(line), "wall %s, %s, %s event%s, %s dropped",
		 fmt_duration(a, sizeof(a), r->wall_ns), d,
		 fmt_count(b, sizeof(b), r->events), r->events == 1 ? "" : "s",
		 fmt_count(c, sizeof(c), r->dropped));
	lines += print_wrapped(f, line);
	if (r->has_summary) {
		snprintf(line, sizeof(line),
			 "user %s, system %s, max RSS %s kB; %u CPUs, %s",
			 fmt_duration(a, sizeof(a), r->summary.utime_ns),
			 fmt_duration(b, sizeof(b), r->summary.stime_ns),
			 fmt_count(c, sizeof(c), r->summary.maxrss_kb),
			 r->info.cpu_count, r->info.kernel);
		lines += print_wrapped(f, line);
	}
	if (r->dropped) {
		snprintf(line, sizeof(line),
			 "DROPPED %s EVENTS (ring buffer full): counts are the "
			 "kernel's exact counters; latency percentiles are "
			 "log2-histogram upper bounds",
			 fmt_count(a, sizeof(a), r->dropped));
		lines += print_wrapped(f, line);
	}
	if (!r->complete) {
		snprintf(line, sizeof(line), "INCOMPLETE: %s",
			 r->incomplete_reason);
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

/* The coroutine line: what the kernel cannot see. */
static int print_user_switches(FILE *f, const struct run_report *r)
{
	char line[512], a[32], b[32];

	snprintf(line, sizeof(line),
		 "coroutine runtime: %s switches in user space; the kernel "
		 "saw %s context switches (the kernel does not see coroutine "
		 "switches)",
		 fmt_count(a, sizeof(a), r->totals.user_switches),
		 fmt_count(b, sizeof(b),
			   r->totals.voluntary_switches +
				   r->totals.involuntary_switches));
	return print_wrapped(f, line);
}

void report_print_text(FILE *f, const struct run_report *r)
{
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
	/* the blank line, column heads, total and coroutine lines */
	lines -= 3 + (r->nthreads > 1) + (r->totals.user_switches ? 3 : 0);
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
	if (r->totals.user_switches) {
		putc('\n', f);
		print_user_switches(f, r);
	}
}
