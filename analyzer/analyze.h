/* analyze.h - turns a trace into a report (computed once into structs;
 * text and JSON writers render the same structs). The report's layout is
 * in report.h; analysis.h feeds the same analysis without a file. */
#ifndef LAB_ANALYZE_H
#define LAB_ANALYZE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct run_report;

/* Reads and analyses a trace. Returns 0 with *out set (a damaged or cut
 * trace still gives a report of its intact part, marked incomplete, and
 * the damage is described in err; err is "" otherwise), or -1 with the
 * reason in err. Messages in err start with the path: "<path>: <why>". */
int analyze_trace_file(const char *path, struct run_report **out, char *err,
		       size_t errlen);
/* The same for a trace in memory (data stays the caller's); messages in
 * err carry no path. */
int analyze_trace_mem(const uint8_t *data, size_t len, struct run_report **out,
		      char *err, size_t errlen);
void run_report_free(struct run_report *r);

/* The terminal summary: fits 80 columns. */
void report_print_text(FILE *f, const struct run_report *r);
/* The run in a line or two (and its losses, if any): a family's runs
 * before their comparison, which keeps the whole on one screen. */
void report_print_brief(FILE *f, const struct run_report *r);
/* The JSON report (schema "lab-report/1", docs/report-schema.md). */
int report_write_json(FILE *f, const struct run_report *r);
/* The run page: one self-contained HTML file (inline CSS and SVG, no
 * network), docs/html-report.md. Returns 0, or -1 when writing failed. */
int report_write_html(FILE *f, const struct run_report *r);

#endif /* LAB_ANALYZE_H */
