/* family.c - a trace's reports, and the comparison of a family's runs
 * (see family.h). */
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analyzer/analyze.h"
#include "cli/family.h"
#include "cli/launcher.h"
#include "cli/outputs.h"
#include "cli/say.h"

void family_free(struct family *fam)
{
	compare_free(&fam->cmp);
	free(fam->pages);
	fam->pages = NULL;
	fam->npages = 0;
}

/* A run's page, href relative to the family page; a link the family
 * page goes without when out of memory. */
static void family_add_page(struct family *fam, const char *workload,
			    const char *href)
{
	struct compare_page *p =
		realloc(fam->pages, (fam->npages + 1) * sizeof(*p));

	if (!p)
		return;
	fam->pages = p;
	p += fam->npages++;
	snprintf(p->workload, sizeof(p->workload), "%s", workload);
	snprintf(p->href, sizeof(p->href), "%s", href);
}

static int report_json_fn(FILE *f, const void *rep)
{
	return report_write_json(f, rep);
}

static int report_html_fn(FILE *f, const void *rep)
{
	return report_write_html(f, rep);
}

static int family_json_fn(FILE *f, const void *arg)
{
	const struct family *fam = arg;

	return compare_write_json(f, &fam->cmp, &fam->expl);
}

static int family_html_fn(FILE *f, const void *arg)
{
	const struct family *fam = arg;

	return compare_write_html(f, &fam->cmp, &fam->expl, fam->pages,
				  fam->npages);
}

int family_report(const char *trace, const char *json_path,
		  const char *html_path, const char *page, FILE *print,
		  struct family *fam)
{
	struct run_report *rep;
	char err[512];
	int code = EXIT_OK;

	if (analyze_trace_file(trace, &rep, err, sizeof(err)))
		return die(EXIT_ERROR, "report: %s", err);
	if (err[0])
		fprintf(stderr, "lab: report: %s (showing the intact part)\n",
			err);
	/* a family's runs in brief: their comparison follows */
	if (print && fam && fam->on && !fam->full)
		report_print_brief(print, rep);
	else if (print)
		report_print_text(print, rep);
	if (print)
		launcher_warn(print, trace, rep);
	if (json_path)
		code = outputs_write("report", json_path, report_json_fn, rep);
	if (html_path && !code)
		code = outputs_write("report", html_path, report_html_fn, rep);
	if (fam && fam->on && !fam->broken &&
	    (fam->name
		     ? compare_add_named(&fam->cmp, rep, fam->name, fam->why,
					 sizeof(fam->why))
		     : compare_add(&fam->cmp, rep, fam->why, sizeof(fam->why))))
		fam->broken = true;
	if (fam && page)
		family_add_page(fam, fam->name ? fam->name : rep->info.workload,
				page);
	run_report_free(rep);
	/* A family run forks the next workload from this process: memory
	 * the analysis held would count in the child's peak RSS. */
	malloc_trim(0);
	return code;
}

int family_finish(struct family *fam, const char *cmd, const char *json_path,
		  const char *html_path)
{
	int code = EXIT_OK;

	compare_finish(&fam->cmp);
	if (explain(&fam->cmp, &fam->expl))
		return die(EXIT_ERROR,
			   "%s: explaining the comparison: out of "
			   "memory",
			   cmd);
	compare_print_text(stdout, &fam->cmp, &fam->expl);
	if (json_path)
		code = outputs_write(cmd, json_path, family_json_fn, fam);
	if (html_path && !code)
		code = outputs_write(cmd, html_path, family_html_fn, fam);
	explain_free(&fam->expl);
	return code;
}

/* The directory a path's file is in, resolved; NULL when it cannot be. */
static char *dir_of(const char *path, char *buf)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s",
			 (int)(slash == path ? 1 : slash - path), path);
	return realpath(dir, buf);
}

/* The run page lab run wrote beside a trace (x.lab: x.html), as an href
 * from the family page at html_path; NULL when there is none, or it is
 * in another directory. */
static const char *sibling_page(const char *trace, const char *html_path,
				char *href, size_t len)
{
	char page[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
	size_t n = strlen(trace);
	const char *base;

	if (n < 4 || strcmp(trace + n - 4, ".lab"))
		return NULL;
	snprintf(page, sizeof(page), "%.*s.html", (int)(n - 4), trace);
	if (access(page, R_OK) || !dir_of(page, a) || !dir_of(html_path, b) ||
	    strcmp(a, b))
		return NULL;
	base = strrchr(page, '/');
	base = base ? base + 1 : page;
	if (strlen(base) >= len)
		return NULL;
	return memcpy(href, base, strlen(base) + 1);
}

int family_report_traces(char **traces, const char *const *names, int n,
			 const char *json_path, const char *html_path)
{
	struct family fam = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *summaries = open_memstream(&text, &len);
	int code = EXIT_OK;

	if (!summaries)
		return die(EXIT_ERROR, "report: out of memory");
	compare_init(&fam.cmp);
	fam.on = true;
	fam.full = true;
	for (int i = 0; i < n; i++) {
		char href[256];
		const char *page = html_path
					   ? sibling_page(traces[i], html_path,
							  href, sizeof(href))
					   : NULL;
		int r;

		fam.name = names ? names[i] : NULL;
		fprintf(summaries, "%s== %s\n", i ? "\n" : "", traces[i]);
		r = family_report(traces[i], NULL, NULL, page, summaries, &fam);
		if (r && !code)
			code = r;
	}
	if (fclose(summaries)) {
		family_free(&fam);
		return die(EXIT_ERROR, "report: out of memory");
	}
	if (fam.broken || compare_repeats(&fam.cmp) < 2)
		fwrite(text, 1, len, stdout);
	free(text);
	if (fam.broken && (json_path || html_path)) {
		family_free(&fam);
		return die(EXIT_USAGE,
			   "report: --%s with several traces writes their "
			   "comparison, but %s (give the runs of one scenario, "
			   "or one trace)",
			   json_path ? "json" : "html", fam.why);
	}
	if (fam.broken) {
		fprintf(stderr, "lab: report: no comparison: %s\n", fam.why);
	} else if (compare_repeats(&fam.cmp) || compare_nmodels(&fam.cmp)) {
		int r;

		if (compare_repeats(&fam.cmp) < 2)
			putchar('\n');
		r = family_finish(&fam, "report", json_path, html_path);
		if (r && !code)
			code = r;
	}
	family_free(&fam);
	return code;
}
