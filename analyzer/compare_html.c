/* compare_html.c - the family page: the explanation at the top with its
 * figures, a bar chart per key figure across the models, links to the
 * run pages and where the runs ran. Only renders a comparison and its
 * explanation; every string of the traced programs' is escaped. */
#include <ctype.h>
#include <string.h>
#include "analyzer/compare.h"
#include "analyzer/explain.h"
#include "analyzer/html.h"
#include "analyzer/report_sections.h"
#include "analyzer/svg.h"

/* The figures charted, in reading order, with what the chart shows. */
static const struct {
	enum cmp_metric m;
	const char *title;
	/* drawn as the bar's first part, the rest lighter: what it says */
	enum cmp_metric part;
	const char *parts;
} charts[] = {
	{.m = CMP_WALL, .title = "Wall time"},
	{.m = CMP_ONCPU, .title = "CPU time (on a CPU, all threads)"},
	{.m = CMP_SWITCHES, .title = "Kernel context switches"},
	{.m = CMP_SWITCHES_PER_TASK, .title = "Kernel switches per task"},
	{.m = CMP_USER_SWITCHES, .title = "User-space (coroutine) switches"},
	{.m = CMP_RUNQ_WAIT, .title = "Run-queue wait (all threads)"},
	{.m = CMP_OFFCPU, .title = "Off-CPU time (all threads)"},
	{.m = CMP_LOCK_WAIT, .title = "Lock wait (futex)"},
	{.m = CMP_SPAWN_PER_TASK, .title = "Creation per task (spawn phase)"},
	{.m = CMP_FORK_RUN, .title = "Fork to first run (mean)"},
	{.m = CMP_MEMORY_PER_TASK,
	 .title = "Memory per task",
	 .part = CMP_MEMORY_USER,
	 .parts = "dark: the pages and page tables the processes show (/proc); "
		  "light: the kernel's stack and task_struct of a kernel task"},
};

static enum svg_unit svg_unit_of(enum cmp_unit u)
{
	switch (u) {
	case CMP_UNIT_NS:
		return SVG_UNIT_NS;
	case CMP_UNIT_COUNT:
	case CMP_UNIT_AVG:
		return SVG_UNIT_COUNT;
	case CMP_UNIT_KIB:
		return SVG_UNIT_KIB;
	case CMP_UNIT_RATIO:
	case CMP_UNIT_SHARE:
		break;
	}
	return SVG_UNIT_PLAIN;
}

static void header(FILE *f, const struct comparison *c)
{
	size_t runs = compare_repeats(c), links = 0;

	fputs("<header>\n<h1>", f);
	if (c->commands) {
		fputs("The commands compared</h1>\n<p class=\"sub\">", f);
	} else {
		html_text(f, c->scenario);
		fputs(": the models compared</h1>\n<p class=\"sub\">", f);
	}
	html_text(f, c->params[0] ? c->params : "no parameters");
	if (runs > 1)
		fprintf(f, " · medians of %zu runs each", runs);
	else
		fputs(" · one run each", f);
	fprintf(f, " · %u CPU%s for the tasks</p>\n<nav>", c->cpus,
		c->cpus == 1 ? "" : "s");
	for (size_t i = 0; i < report_sections_nfamily; i++) {
		const struct family_section *s = &report_sections_family[i];

		if (s->shown && !s->shown(c))
			continue;
		/* one a line, the last closing the nav on its own */
		fprintf(f, "%s<a href=\"#%s\">%s</a>", links++ ? "\n" : "",
			s->id, s->nav);
	}
	fputs("</nav>\n</header>\n", f);
}

void compare_html_dropped(FILE *f, const struct family_page *p)
{
	const struct comparison *c = p->c;
	char v[32];

	fputs("<ul>\n", f);
	for (int m = 0; m < CMP_NMODELS; m++) {
		const struct cmp_stat *s = compare_stat(c, m, CMP_DROPPED);

		if (!s || !(s->max > 0))
			continue;
		fputs("<li><strong>", f);
		html_text(f, c->model[m].workload);
		compare_show(v, sizeof(v), s->max, CMP_UNIT_COUNT);
		fprintf(f,
			"</strong> lost up to %s events to a full ring "
			"buffer.</li>\n",
			v);
	}
	fputs("</ul>\n<p>Their switch counts and CPU times stay exact (the "
	      "kernel's counters); their latency percentiles are histogram "
	      "bounds and their timelines have gaps. Run again with a larger "
	      "<code>--ring-buffer</code>.</p>\n",
	      f);
}

void compare_html_not_measured(FILE *f, const struct family_page *p)
{
	report_html_not_measured_list(f, &p->c->info, "these runs");
}

/* The length of the longest figure of the claim's that starts at p, at
 * the start of a word of its text; 0 when none does. */
static size_t figure_at(const struct claim *cl, const char *p)
{
	size_t best = 0;

	if (p > cl->text && (strchr("0123456789.,", p[-1])))
		return 0;
	for (size_t i = 0; i < cl->nev; i++) {
		size_t n = strlen(cl->ev[i].shown);

		if (n > best && !strncmp(p, cl->ev[i].shown, n))
			best = n;
	}
	return best;
}

/* A claim's text with the figures it cites in bold. */
static void claim_text(FILE *f, const struct claim *cl)
{
	const char *p = cl->text;
	char seg[EXPLAIN_TEXT];

	while (*p) {
		size_t n = figure_at(cl, p);

		if (n) {
			snprintf(seg, sizeof(seg), "%.*s", (int)n, p);
			fputs("<b>", f);
			html_text(f, seg);
			fputs("</b>", f);
		} else {
			/* the words up to the next figure */
			while (p[++n] && !figure_at(cl, p + n))
				;
			snprintf(seg, sizeof(seg), "%.*s", (int)n, p);
			html_text(f, seg);
		}
		p += n;
	}
}

static const char *evidence_label(const char *key)
{
	if (!strcmp(key, "cpus"))
		return "CPUs";
	if (!strcmp(key, "excluded_runs"))
		return "runs left out";
	for (int m = 0; m < CMP_NMETRICS; m++)
		if (!strcmp(compare_metric(m)->key, key))
			return compare_metric(m)->label;
	return key;
}

static void evidence_line(FILE *f, const struct comparison *c,
			  const struct claim *cl)
{
	if (!cl->nev)
		return;
	fputs("<p class=\"ev\">figures: ", f);
	for (size_t i = 0; i < cl->nev; i++) {
		const struct evidence *ev = &cl->ev[i];
		/* "  per task": the terminal's indented sub-row label */
		const char *label = evidence_label(ev->metric);

		fprintf(f, "%s%s", i ? "; " : "", label + strspn(label, " "));
		if (ev->model >= 0) {
			fputs(", ", f);
			html_text(f, compare_name(c, ev->model));
		}
		fputs(" <b>", f);
		html_text(f, ev->shown);
		fputs("</b>", f);
		if (ev->runs > 1 && ev->min < ev->max)
			fprintf(f, " (%zu runs)", ev->runs);
	}
	fputs("</p>\n", f);
}

void compare_html_explanation(FILE *f, const struct family_page *p)
{
	const struct comparison *c = p->c;
	const struct explanation *e = p->e;
	char note[384];

	if (!compare_nmodels(c)) {
		html_none(f, "every run was left out (its trace is incomplete "
			     "or its workload failed)");
		return;
	}
	compare_margin_note(note, sizeof(note), c);
	note[0] = (char)toupper((unsigned char)note[0]);
	fprintf(f,
		"<p class=\"note\">Made by explicit rules from the figures "
		"below. %s.</p>\n",
		note);
	if (!e || !e->n) {
		html_none(f, "no rule found anything to say");
		return;
	}
	fputs("<ol class=\"claims\">\n", f);
	for (size_t i = 0; i < e->n; i++) {
		fputs("<li><p>", f);
		claim_text(f, &e->claims[i]);
		fputs("</p>\n", f);
		evidence_line(f, c, &e->claims[i]);
		fputs("</li>\n", f);
	}
	fputs("</ol>\n", f);
}

static void chart(FILE *f, const struct comparison *c, enum cmp_metric m,
		  const char *title, enum cmp_metric part, const char *parts)
{
	const struct cmp_metric_info *mi = compare_metric(m);
	struct svg_bar bars[CMP_NMODELS];
	char shown[CMP_NMODELS][48];
	size_t n = 0;

	for (int k = 0; k < CMP_NMODELS; k++) {
		const struct cmp_stat *s = compare_stat(c, k, m);

		if (!compare_shown(c, k))
			continue;
		bars[n] = (struct svg_bar){.label = compare_name(c, k)};
		if (s) {
			bars[n].known = true;
			bars[n].value = s->median;
			bars[n].lo = s->min;
			bars[n].hi = s->max;
			bars[n].shown = compare_show_stat(
				shown[n], sizeof(shown[n]), s, mi->unit);
		}
		s = parts ? compare_stat(c, k, part) : NULL;
		if (s)
			bars[n].part = s->median;
		n++;
	}
	fputs("<figure class=\"chart\">\n<h3>", f);
	fputs(title, f);
	fputs("</h3>\n", f);
	svg_bar_chart(f, title, bars, n, svg_unit_of(mi->unit));
	if (parts) {
		fputs("<figcaption>", f);
		html_text(f, parts);
		fputs("</figcaption>\n", f);
	}
	fputs("</figure>\n", f);
}

/* Every figure known for some model, as a table. */
static void figures_table(FILE *f, const struct comparison *c)
{
	struct html_col cols[1 + CMP_NMODELS] = {{"figure", true, NULL}};
	int models[CMP_NMODELS];
	size_t ncols = 1, nmodels = 0;

	for (int k = 0; k < CMP_NMODELS; k++)
		if (compare_shown(c, k)) {
			models[nmodels++] = k;
			cols[ncols++] = (struct html_col){compare_name(c, k),
							  false, NULL};
		}
	fputs("<h3>Every figure</h3>\n<p class=\"note\">Medians over the "
	      "runs, ± half their range; – where a model has no such "
	      "figure.</p>\n",
	      f);
	html_table_begin(f, "figures-table", false, cols, ncols);
	for (int m = 0; m < CMP_NMETRICS; m++) {
		const struct cmp_metric_info *mi = compare_metric(m);
		bool known = false;

		for (size_t i = 0; i < nmodels; i++)
			known |= compare_stat(c, models[i], m) != NULL;
		if (!known)
			continue;
		html_row_begin(f);
		/* "  per task": a sub-row in the terminal */
		fprintf(f, "<td class=\"t\">%s</td>",
			mi->label + strspn(mi->label, " "));
		for (size_t i = 0; i < nmodels; i++) {
			const struct cmp_stat *s =
				compare_stat(c, models[i], m);
			char v[48];

			if (s)
				fprintf(f, "<td>%s</td>",
					compare_show_stat(v, sizeof(v), s,
							  mi->unit));
			else
				html_td_none(f);
		}
		html_row_end(f);
	}
	html_table_end(f);
}

void compare_html_comparison(FILE *f, const struct family_page *p)
{
	const struct comparison *c = p->c;
	bool zero = false;

	if (!compare_nmodels(c)) {
		html_none(f, "no run to compare");
		return;
	}
	fputs("<p class=\"note\">Each bar is a model's median; a whisker "
	      "spans its runs' range. Where the largest is more than 30 times "
	      "the smallest, the axis is logarithmic.</p>\n<div "
	      "class=\"charts\">\n",
	      f);
	for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++)
		if (compare_nonzero(c, charts[i].m))
			chart(f, c, charts[i].m, charts[i].title,
			      charts[i].part, charts[i].parts);
	fputs("</div>\n", f);
	for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
		const struct cmp_stat *s = NULL;

		for (int k = 0; k < CMP_NMODELS && !s; k++)
			s = compare_stat(c, k, charts[i].m);
		if (!s || compare_nonzero(c, charts[i].m))
			continue;
		fprintf(f, "%s%s",
			zero ? ", "
			     : "<p class=\"note\">Zero for "
			       "every model, not charted: ",
			charts[i].title);
		zero = true;
	}
	if (zero)
		fputs(".</p>\n", f);
	figures_table(f, c);
}

void compare_html_models(FILE *f, const struct family_page *p)
{
	const struct comparison *c = p->c;
	char scenario[64];

	fputs("<ul>\n", f);
	for (int m = 0; m < CMP_NMODELS; m++) {
		const struct cmp_model_runs *mr = &c->model[m];
		size_t linked = 0;

		if (!compare_shown(c, m))
			continue;
		fputs("<li><b>", f);
		html_text(f, compare_name(c, m));
		fputs("</b> (", f);
		html_text(f, mr->workload);
		fprintf(f, "): %zu run%s used", mr->runs,
			mr->runs == 1 ? "" : "s");
		if (mr->excluded)
			fprintf(f, ", %zu left out (incomplete or failed)",
				mr->excluded);
		for (size_t i = 0; i < p->npages; i++) {
			if (c->commands
				    ? strcmp(p->pages[i].workload,
					     compare_name(c, m))
				    : compare_model_of(p->pages[i].workload,
						       scenario,
						       sizeof(scenario)) != m)
				continue;
			fputs(linked++ ? ", " : " — ", f);
			fputs("<a href=\"", f);
			html_href(f, p->pages[i].href);
			fputs("\">", f);
			html_text(f, p->pages[i].href);
			fputs("</a>", f);
		}
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
	if (!p->npages)
		fputs("<p class=\"note\">The runs' own pages were not written "
		      "beside this one.</p>\n",
		      f);
}

void compare_html_environment(FILE *f, const struct family_page *p)
{
	const struct comparison *c = p->c;
	const struct lab_trace_info *in = &c->info;
	char b[96];

	fputs("<dl class=\"env\">\n", f);
	html_env_item(f, "scenario", c->scenario);
	html_env_item(f, "parameters", c->params[0] ? c->params : "none");
	html_env_item(f, "command line (first run)", in->cmdline);
	html_env_item(f, "kernel", in->kernel);
	html_env_item(f, "machine", in->machine);
	html_env_item(f, "CPU model", in->cpu_model);
	snprintf(b, sizeof(b), "%u online, %u for the tasks", in->cpu_count,
		 c->cpus);
	html_env_item(f, "CPUs", b);
	html_env_vm(f, in->hypervisor);
	html_env_switch_costs(f, in);
	html_env_item(f, "traced by", in->lab_version);
	html_env_item(f, "report by", "lab " LAB_VERSION);
	fputs("</dl>\n", f);
}

int compare_write_html(FILE *f, const struct comparison *c,
		       const struct explanation *e,
		       const struct compare_page *pages, size_t npages)
{
	const struct family_page page = {c, e, pages, npages};
	char title[128];

	snprintf(title, sizeof(title), "%s compared: lab report", c->scenario);
	html_begin(f, title);
	header(f, c);
	for (size_t i = 0; i < report_sections_nfamily; i++) {
		const struct family_section *s = &report_sections_family[i];

		if (s->shown && !s->shown(c))
			continue;
		html_section(f, s->id, s->heading, s->shown != NULL);
		s->html(f, &page);
		html_section_end(f);
	}
	html_end(f);
	return ferror(f) ? -1 : 0;
}
