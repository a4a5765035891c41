/* report_sections.h - the sections of the two report pages, each said
 * once: its id (a handout names it `#id`; docs/html-report.md lists it),
 * its link in the page's nav, its heading and its writers. The pages,
 * their navs, the terminal summary and the docs test read these tables,
 * in their order: a new section is a new row.
 *
 * The JSON documents are not cut by section: their members keep the
 * order their schemas give (docs/report-schema.md).
 */
#ifndef LAB_REPORT_SECTIONS_H
#define LAB_REPORT_SECTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "analyzer/compare.h"

struct run_report;
struct explanation;

/* A section of the run page, <workload>.html. */
struct run_section {
	const char *id;
	const char *nav; /* its link's text in the nav */
	/* its <h2>; NULL: html writes its own, which depends on the run */
	const char *heading;
	/* NULL: always there, saying "None in this run" when empty. Else an
	 * alert, framed in red, there (and in the nav) only when it says
	 * so: the run lost something. */
	bool (*shown)(const struct run_report *r);
	/* what the section holds, after its heading */
	void (*html)(FILE *f, const struct run_report *r);
	/* its lines in the terminal summary, in room lines at most where it
	 * can shrink (the lines are dropped if they do not fit); returns
	 * how many it printed. NULL: the terminal has no lines of its own
	 * for it. */
	int (*text)(FILE *f, const struct run_report *r, int room);
};

extern const struct run_section report_sections_run[];
extern const size_t report_sections_nrun;

/* What the family page, index.html, shows. */
struct family_page {
	const struct comparison *c;
	const struct explanation *e;
	const struct compare_page *pages; /* the run pages to link to */
	size_t npages;
};

/* A section of the family page: as a run_section. */
struct family_section {
	const char *id;
	const char *nav;
	const char *heading;
	bool (*shown)(const struct comparison *c);
	void (*html)(FILE *f, const struct family_page *p);
};

extern const struct family_section report_sections_family[];
extern const size_t report_sections_nfamily;

/* The writers the tables name, by page and section. */
void report_html_dropped(FILE *f, const struct run_report *r);
void report_html_still_running(FILE *f, const struct run_report *r);
void report_html_not_measured(FILE *f, const struct run_report *r);
/* What the kernel that recorded whose ("this trace") could not
 * measure, as a list: the run page's and the family page's section. */
void report_html_not_measured_list(FILE *f, const struct lab_trace_info *in,
				   const char *whose);
void report_html_summary(FILE *f, const struct run_report *r);
void report_html_timeline(FILE *f, const struct run_report *r);
void report_html_runq(FILE *f, const struct run_report *r);
void report_html_offcpu(FILE *f, const struct run_report *r);
void report_html_locks(FILE *f, const struct run_report *r);
void report_html_creation(FILE *f, const struct run_report *r);
void report_html_wakeups(FILE *f, const struct run_report *r);
void report_html_phases(FILE *f, const struct run_report *r);
void report_html_threads(FILE *f, const struct run_report *r);
void report_html_environment(FILE *f, const struct run_report *r);

int report_text_runq(FILE *f, const struct run_report *r, int room);
int report_text_offcpu(FILE *f, const struct run_report *r, int room);
int report_text_locks(FILE *f, const struct run_report *r, int room);
int report_text_creation(FILE *f, const struct run_report *r, int room);
int report_text_wakeups(FILE *f, const struct run_report *r, int room);
int report_text_phases(FILE *f, const struct run_report *r, int room);

void compare_html_dropped(FILE *f, const struct family_page *p);
void compare_html_not_measured(FILE *f, const struct family_page *p);
void compare_html_explanation(FILE *f, const struct family_page *p);
void compare_html_timelines(FILE *f, const struct family_page *p);
void compare_html_comparison(FILE *f, const struct family_page *p);
void compare_html_models(FILE *f, const struct family_page *p);
void compare_html_environment(FILE *f, const struct family_page *p);

#endif /* LAB_REPORT_SECTIONS_H */
