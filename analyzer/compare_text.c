/* compare_text.c - the terminal comparison: the models' figures side by
 * side, then the explanation; 79 columns. Only renders. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "analyzer/compare.h"
#include "analyzer/explain.h"
#include "analyzer/not_measured.h"
#include "analyzer/offcpu.h"
#include "analyzer/safe_text.h"
#include "analyzer/term.h"
#include "analyzer/units.h"

#define LABEL 24 /* the row label's columns */
#define CELL  13 /* a model's columns, its leading space included */
/* with five models: 19 + 5 x 12 = 79 */
#define LABEL_NARROW 19
#define CELL_NARROW  12
#define TOP_REASONS  2 /* off-CPU reasons shown unless a claim cites more */

static bool cited(const struct explanation *e, enum cmp_metric m)
{
	const char *key = compare_metric(m)->key;

	for (size_t i = 0; e && i < e->n; i++)
		for (size_t j = 0; j < e->claims[i].nev; j++)
			if (!strcmp(e->claims[i].ev[j].metric, key))
				return true;
	return false;
}

/* A time of 1% of some model's wall time or more. */
static bool notable(const struct comparison *c, enum cmp_metric m)
{
	for (int k = 0; k < CMP_NMODELS; k++) {
		const struct cmp_stat *s = compare_stat(c, k, m),
				      *w = compare_stat(c, k, CMP_WALL);

		if (s && w && s->median >= 0.01 * w->median && s->median > 0)
			return true;
	}
	return false;
}

/* Not the same median for every model that has it. */
static bool differs(const struct comparison *c, enum cmp_metric m)
{
	const struct cmp_stat *first = NULL;

	for (int k = 0; k < CMP_NMODELS; k++) {
		const struct cmp_stat *s = compare_stat(c, k, m);

		if (!s)
			continue;
		if (first && s->median != first->median)
			return true;
		first = s;
	}
	return false;
}

static bool known(const struct comparison *c, enum cmp_metric m)
{
	for (int k = 0; k < CMP_NMODELS; k++)
		if (compare_stat(c, k, m))
			return true;
	return false;
}

/* The columns of the label and of each model: narrower when every
 * model ran, so that the table still fits 79 columns. */
static void widths(const struct comparison *c, size_t *label, size_t *cell)
{
	size_t shown = 0;

	for (int k = 0; k < CMP_NMODELS; k++)
		shown += compare_shown(c, k);
	*label = shown > 4 ? LABEL_NARROW : LABEL;
	*cell = shown > 4 ? CELL_NARROW : CELL;
}

/* Cells right-aligned on their column's end: one wider than its column
 * (a long label, "2.61 ms ±>99%") takes from the next one's padding, a
 * space kept between them. */
static void row(FILE *f, const struct comparison *c, enum cmp_metric m)
{
	const struct cmp_metric_info *mi = compare_metric(m);
	size_t label, width, at, end;

	widths(c, &label, &width);
	fputs(mi->label, f);
	at = units_width(mi->label);
	end = label;
	for (int k = 0; k < CMP_NMODELS; k++) {
		const struct cmp_stat *s = compare_stat(c, k, m);
		char cell[48];
		const char *v;
		size_t w;

		if (!compare_shown(c, k))
			continue;
		v = s ? compare_show_stat(cell, sizeof(cell), s, mi->unit)
		      : "-";
		w = units_width(v);
		/* four models fit 79 columns as they are: each cell keeps to
		 * its own, as the table always had it */
		if (width == CELL) {
			for (; at < end; at++)
				fputc(' ', f);
			end = at;
		}
		end += width;
		do
			fputc(' ', f);
		while (++at + w < end);
		fputs(v, f);
		at += w;
	}
	fputc('\n', f);
}

/* The off-CPU reasons worth a row: the largest few, and any a claim
 * cites. */
static void reason_rows(FILE *f, const struct comparison *c,
			const struct explanation *e)
{
	double most[OFFCPU_NREASONS] = {0};
	bool done[OFFCPU_NREASONS] = {0};

	for (int r = 0; r < OFFCPU_NREASONS; r++)
		for (int k = 0; k < CMP_NMODELS; k++) {
			const struct cmp_stat *s =
				compare_stat(c, k, CMP_OFFCPU_REASON + r);

			if (s && s->median > most[r])
				most[r] = s->median;
		}
	for (int n = 0; n < OFFCPU_NREASONS; n++) {
		int best = -1;

		for (int r = 0; r < OFFCPU_NREASONS; r++)
			if (!done[r] && most[r] > 0 &&
			    (best < 0 || most[r] > most[best]))
				best = r;
		if (best < 0)
			break;
		done[best] = true;
		if (n < TOP_REASONS || cited(e, CMP_OFFCPU_REASON + best))
			row(f, c, CMP_OFFCPU_REASON + best);
	}
}

/* When a row is shown; a row a claim cites is shown whenever known. */
enum show {
	ALWAYS,	 /* whenever known */
	NONZERO, /* when not zero for every model */
	CITED,	 /* only when a claim cites it */
	NOTABLE, /* when 1% of a model's wall time or more */
	DIFFERS, /* when models differ: the heading has it otherwise */
};

/* Rows in reading order. */
static void table(FILE *f, const struct comparison *c,
		  const struct explanation *e)
{
	static const struct {
		enum cmp_metric m;
		enum show show;
	} rows[] = {
		{CMP_WALL, ALWAYS},
		{CMP_ONCPU, ALWAYS},
		{CMP_BUSY, CITED},
		{CMP_USER, ALWAYS},
		{CMP_SYS, ALWAYS},
		{CMP_SWITCHES, ALWAYS},
		{CMP_SWITCHES_PER_TASK, ALWAYS},
		{CMP_WALL_PER_SWITCH, CITED},
		{CMP_USER_SWITCHES, NONZERO},
		{CMP_DISPATCHES, CITED},
		{CMP_RESUMES_PER_OP, CITED},
		{CMP_RUNQ_WAIT, ALWAYS},
		{CMP_OFFCPU, CITED},
		{CMP_OFFCPU_REASON, ALWAYS}, /* stands for the reasons */
		{CMP_LOCK_WAIT, NONZERO},
		{CMP_LOCK_WAITS, CITED},
		{CMP_KLOCK_WAIT, NOTABLE},
		{CMP_SPAWN, CITED},
		{CMP_SPAWN_PER_TASK, ALWAYS},
		{CMP_FORK_RUN, ALWAYS},
		{CMP_CREATE_CALL, ALWAYS},
		{CMP_CREATED, CITED},
		{CMP_CHILD_FAULTS, CITED},
		{CMP_FAULTS_PER_TASK, ALWAYS},
		{CMP_MEMORY_PER_TASK, ALWAYS},
		{CMP_TASKS, DIFFERS},
		{CMP_DROPPED, NONZERO},
	};
	size_t label, cell;

	widths(c, &label, &cell);
	term_left(f, "", label);
	for (int k = 0; k < CMP_NMODELS; k++)
		if (compare_shown(c, k))
			term_right(f, compare_name(c, k), cell);
	fputc('\n', f);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum cmp_metric m = rows[i].m;
		bool on = false;

		if (m == CMP_OFFCPU_REASON) {
			reason_rows(f, c, e);
			continue;
		}
		if (!known(c, m))
			continue;
		/* the explanation cites them per operation, row below */
		if (m == CMP_USER_SWITCHES && !cited(e, m) &&
		    cited(e, CMP_RESUMES_PER_OP))
			continue;
		switch (rows[i].show) {
		case ALWAYS:
			on = true;
			break;
		case NONZERO:
			on = compare_nonzero(c, m);
			break;
		case CITED:
			/* how much of the machine a command used is the first
			 * thing to know of a program */
			on = c->commands && m == CMP_BUSY;
			break;
		case NOTABLE:
			on = notable(c, m);
			break;
		case DIFFERS:
			if (!differs(c, m))
				continue;
			on = true;
			break;
		}
		if (on || cited(e, m))
			row(f, c, m);
	}
}

static void heading(FILE *f, const struct comparison *c)
{
	char line[1024], clean[512], tasks[64] = "";
	size_t runs = compare_repeats(c);
	const struct cmp_stat *t = NULL;

	for (int k = 0; k < CMP_NMODELS && !t; k++)
		t = compare_stat(c, k, CMP_TASKS);
	/* the parameters may say it already; commands differ */
	if (t && !c->commands && !strstr(c->params, "tasks="))
		snprintf(tasks, sizeof(tasks), "%.0f tasks, ", t->median);
	safe_text(clean, sizeof(clean), c->params, 1);
	/* commands may have no parameters to say */
	if (!tasks[0] && !clean[0])
		snprintf(clean, sizeof(clean), "%s",
			 c->commands ? "as given" : "defaults");
	if (runs > 1)
		snprintf(line, sizeof(line),
			 "%s compared: %s%s; medians of %zu runs each, ± half "
			 "their range; %u CPU%s",
			 c->scenario, tasks, clean, runs, c->cpus,
			 c->cpus == 1 ? "" : "s");
	else
		snprintf(line, sizeof(line),
			 "%s compared: %s%s; one run each; %u CPU%s",
			 c->scenario, tasks, clean, c->cpus,
			 c->cpus == 1 ? "" : "s");
	term_wrap(f, "", 0, line, TERM_KEEP_UNITS);
}

void compare_print_text(FILE *f, const struct comparison *c,
			const struct explanation *e)
{
	char line[512], note[384];

	heading(f, c);
	/* figures the kernel lacked the probes for: absent, not 0; why
	 * is on the runs' screens and pages */
	if (not_measured_line(line, sizeof(line), &c->info, false))
		term_wrap(f, "", 0, line, TERM_KEEP_UNITS);
	if (!compare_nmodels(c)) {
		fprintf(f, "no run to compare: every run was left out (its "
			   "trace is incomplete or its workload failed)\n");
		return;
	}
	table(f, c, e);
	if (!e || !e->n)
		return;
	snprintf(line, sizeof(line), "explanation (%s):",
		 compare_margin_note(note, sizeof(note), c));
	term_wrap(f, "", 0, line, TERM_KEEP_UNITS);
	for (size_t i = 0; i < e->n; i++) {
		/* who else took the CPUs is said on the page and in the
		 * JSON: on a loaded machine, where it speaks, it would push
		 * the family past a screen */
		if (!strcmp(e->claims[i].rule, "preemptors"))
			continue;
		term_wrap(f, "- ", 2, e->claims[i].text, TERM_KEEP_UNITS);
	}
}
