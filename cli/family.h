/* family.h - a trace's reports, and the comparison of a family's runs:
 * what lab run does after each run and lab report does for saved
 * traces. */
#ifndef LAB_FAMILY_H
#define LAB_FAMILY_H

#include <stdbool.h>
#include <stdio.h>
#include "analyzer/compare.h"
#include "analyzer/explain.h"

/* A family: the comparison its runs are lined up in, and the
 * explanation made from it. */
struct family {
	struct comparison cmp;
	bool on;     /* line runs up at all */
	bool broken; /* a run did not fit; why says why */
	char why[512];
	struct explanation expl;
	/* commands: the name each run is lined up under
	 * (compare_add_named); NULL: by its workload's model */
	const char *name;
	bool full; /* print whole summaries even when lining runs up */
	struct compare_page *pages; /* the run pages the family page links */
	size_t npages;
};

void family_free(struct family *fam);
/* Analyses a fresh or saved trace; prints its summary when print is set
 * (in brief when fam lines runs up), writes its JSON and HTML pages when
 * their paths are given, lines it up in fam if any, with page (its run
 * page's href) for the family page to link to. Returns an exit code. */
int family_report(const char *trace, const char *json_path,
		  const char *html_path, const char *page, FILE *print,
		  struct family *fam);
/* The comparison and explanation of fam's runs: printed, and written to
 * json_path and html_path when given (as cmd). Returns an exit code. */
int family_finish(struct family *fam, const char *cmd, const char *json_path,
		  const char *html_path);
/* lab report of several traces: their summaries, then their
 * comparison (written to json_path and html_path when given): as a
 * scenario's models when names is NULL, else each trace under its
 * name; of repeated runs only the comparison. Returns an exit code. */
int family_report_traces(char **traces, const char *const *names, int n,
			 const char *json_path, const char *html_path);

#endif /* LAB_FAMILY_H */
