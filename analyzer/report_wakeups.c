/* report_wakeups.c - the run page's and the terminal's section on who
 * woke whom and who took the CPU (wakeups.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/html.h"
#include "analyzer/report_sections.h"
#include "analyzer/safe_text.h"
#include "analyzer/units.h"
#include "analyzer/wakeups.h"

#define MAX_ROWS 50 /* each table's, most often first */

/* A link of a thread to another task, to rank the run's. */
struct ranked {
	const struct thread_report *t;
	const struct task_link *l;
};

static int by_count(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;

	if (a->l->count != b->l->count)
		return a->l->count > b->l->count ? -1 : 1;
	return (a->t->tid > b->t->tid) - (a->t->tid < b->t->tid);
}

/* Every thread's links (woken_by, or preempted_by), most first; NULL
 * when there are none or memory ran out. */
static struct ranked *ranked(const struct run_report *r, bool preempt,
			     size_t *n)
{
	struct ranked *v;
	size_t k = 0;

	*n = 0;
	for (size_t i = 0; i < r->nthreads; i++)
		k += preempt ? r->threads[i].npreempted_by
			     : r->threads[i].nwoken_by;
	v = k ? malloc(k * sizeof(*v)) : NULL;
	if (!v)
		return NULL;
	for (size_t i = 0; i < r->nthreads; i++) {
		const struct thread_report *t = &r->threads[i];
		size_t m = preempt ? t->npreempted_by : t->nwoken_by;

		for (size_t j = 0; j < m; j++)
			v[(*n)++] =
				(struct ranked){t, preempt ? &t->preempted_by[j]
							   : &t->woken_by[j]};
	}
	qsort(v, *n, sizeof(*v), by_count);
	return v;
}

/* "lock-w1 (1234)", or a task outside the run: "kworker/0:1" */
static const char *who(char *buf, size_t len, const struct task_link *l)
{
	char comm[3 * LAB_COMM_LEN];

	safe_text(comm, sizeof(comm), l->comm, 1);
	if (!strcmp(l->comm, "?"))
		snprintf(buf, len, "a task the trace does not name");
	else if (l->kind == PARTY_RUN)
		snprintf(buf, len, "%s (%u)", comm, l->tid);
	else
		snprintf(buf, len, "%s", comm);
	return buf;
}

static void table(FILE *f, const struct run_report *r, bool preempt)
{
	static const struct html_col cols[] = {
		{"thread", true, NULL},
		{"tid", false, NULL},
		{"by", true, "the task; one outside the run by its name alone"},
		{"kind", true,
		 "run, program, kernel (threads, interrupts), lab"},
		{"times", false, NULL},
		{"waited after", false,
		 "mean time from each to the thread running"},
	};
	size_t n;
	struct ranked *v = ranked(r, preempt, &n);
	char b[80];

	if (!v) {
		html_none(f, preempt ? "no preemption of the run's threads"
				     : "no wakeup of the run's threads");
		return;
	}
	html_table_begin(f, preempt ? "preempted-table" : "woken-table", true,
			 cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < n && i < MAX_ROWS; i++) {
		html_row_begin(f);
		html_td_text(f, v[i].t->comm);
		html_td_count(f, v[i].t->tid);
		html_td_text(f, who(b, sizeof(b), v[i].l));
		html_td_text(f, wakeups_kind_name(v[i].l->kind));
		html_td_count(f, v[i].l->count);
		if (v[i].l->waits)
			html_td_duration(f, v[i].l->wait_ns / v[i].l->waits);
		else
			html_td_none(f);
		html_row_end(f);
	}
	html_table_end(f);
	if (n > MAX_ROWS)
		fprintf(f,
			"<p class=\"note\">%zu more are in the JSON "
			"report.</p>\n",
			n - MAX_ROWS);
	free(v);
}

void report_html_wakeups(FILE *f, const struct run_report *r)
{
	fputs("<p class=\"note\">Who woke each thread (the task that called "
	      "try_to_wake_up: for a futex, the thread whose FUTEX_WAKE it "
	      "was; a wakeup from an interrupt is put down to the task it "
	      "interrupted, \"interrupt\" on an idle CPU), and the time "
	      "from the wakeup to the thread running.</p>\n",
	      f);
	table(f, r, false);
	fputs("<p class=\"note\">Who took the CPU at each involuntary switch "
	      "of a thread, and the run-queue wait that followed until it ran "
	      "again: its own siblings, other programs, kernel threads, or "
	      "lab itself.</p>\n",
	      f);
	table(f, r, true);
}

/* what kind of task, for a sentence about a thread of process pid */
static const char *kind_words(const struct task_link *l, uint32_t pid)
{
	switch (l->kind) {
	case PARTY_PROGRAM:
		return "another program,";
	case PARTY_KERNEL:
		return "the kernel:";
	case PARTY_LAB:
		return "lab itself,";
	case PARTY_RUN:
		break;
	}
	return l->pid == pid ? "its sibling" : "the run's process";
}

/* "its sibling lock-w1 (1234)", "another program, wk-hog", ... about a
 * thread of process pid */
static const char *phrase(char *buf, size_t len, const struct task_link *l,
			  uint32_t pid)
{
	char w[80];

	if (!strcmp(l->comm, "?"))
		snprintf(buf, len, "an unnamed task outside the run");
	else
		snprintf(buf, len, "%s %s", kind_words(l, pid),
			 who(w, sizeof(w), l));
	return buf;
}

int report_text_wakeups(FILE *f, const struct run_report *r, int room)
{
	size_t nw, np;
	struct ranked *w = ranked(r, false, &nw), *p = ranked(r, true, &np);
	char a[128], b[80], d[32];
	int lines = 0;

	if (w && room > lines) {
		safe_text(b, sizeof(b), w[0].t->comm, 1);
		fprintf(f, "woken most: %.40s, %s time%s by %s\n", b,
			units_count(d, sizeof(d), w[0].l->count),
			w[0].l->count == 1 ? "" : "s",
			phrase(a, sizeof(a), w[0].l, w[0].t->pid));
		lines++;
	}
	if (p && room > lines) {
		safe_text(b, sizeof(b), p[0].t->comm, 1);
		fprintf(f, "preempted most: %.40s, %s time%s by %s\n", b,
			units_count(d, sizeof(d), p[0].l->count),
			p[0].l->count == 1 ? "" : "s",
			phrase(a, sizeof(a), p[0].l, p[0].t->pid));
		lines++;
	}
	free(w);
	free(p);
	return lines;
}
