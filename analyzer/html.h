/* html.h - the HTML writers' vocabulary: escaping, the page skeleton with
 * its inline style and sort script, sections, figures and tables.
 *
 * A page is one self-contained file: no fonts, images, scripts or styles
 * from anywhere else, so it opens from a USB stick with no network and
 * its Content-Security-Policy forbids loading anything. Markup is written
 * with fputs/fprintf from the writers' own words and numbers; every
 * string that came from the traced program (comm, command line, symbols,
 * paths, workload names, kernel and CPU strings) goes through html_text.
 */
#ifndef LAB_HTML_H
#define LAB_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct lab_trace_info;

/* Writes s as HTML text, safe inside an element and inside a quoted
 * attribute value: & < > " ' become character references, a byte that
 * does not begin valid UTF-8 becomes U+FFFD and a control character '?'
 * (as safe_text() does for the terminal). */
void html_text(FILE *f, const char *s);
/* At most width characters of s, the rest cut with "…". */
void html_text_clipped(FILE *f, const char *s, size_t width);

/* A relative path as a link's href, its bytes other than letters,
 * digits and -._~/ percent-encoded: a name with '#', '?' or ':' stays a
 * file name (never a scheme), and the result is safe in an attribute. */
void html_href(FILE *f, const char *path);

/* The document up to the opening of <main>; title is escaped. */
void html_begin(FILE *f, const char *title);
/* Closes the document, with the script that sorts tables of class
 * "sortable" (they read in their written order without it). */
void html_end(FILE *f);

/* <section id="id"><h2>heading</h2>, framed in red as an alert (what
 * the reader must not miss); heading is the writer's own text, NULL
 * when the writer adds its own. */
void html_section(FILE *f, const char *id, const char *heading, bool alert);
void html_section_end(FILE *f);
/* The one line of a section with nothing to show: "None in this run". */
void html_none(FILE *f, const char *why);

/* A line of a <dl class="env">: term is the writer's own, value is
 * escaped. */
void html_env_item(FILE *f, const char *term, const char *value);
/* The line saying whether the run was in a virtual machine, from the
 * trace's hypervisor field ("none", a name, "unknown", "" when the trace
 * does not say). */
void html_env_vm(FILE *f, const char *hypervisor);
/* The items for what sets the cost of a switch there: TLB tags,
 * page-table isolation, scheduler tick, each with what it means; none
 * of them for a trace that did not record it. */
void html_env_switch_costs(FILE *f, const struct lab_trace_info *in);

/* A headline figure: a big value over a small label; both the writer's
 * own text (numbers and units). Inside html_figures_begin/_end. */
void html_figures_begin(FILE *f);
void html_figure(FILE *f, const char *value, const char *label,
		 const char *detail);
void html_figures_end(FILE *f);

/* A table's column: its head, and whether it holds text (left-aligned)
 * or numbers (right-aligned, sorted by their data-v value). */
struct html_col {
	const char *head;
	bool text;
	const char *hint; /* the head's tooltip, or NULL */
};

/* <table> with its head row; id may be NULL. A sortable table sorts by
 * any column when its head is clicked, with the script of html_end. */
void html_table_begin(FILE *f, const char *id, bool sortable,
		      const struct html_col *cols, size_t ncols);
void html_table_end(FILE *f);
void html_row_begin(FILE *f);
void html_row_end(FILE *f);
/* Cells: text is escaped; a duration or count is shown for people and
 * sorted by its value; none is "–", sorted below every value. */
void html_td_text(FILE *f, const char *s);
void html_td_duration(FILE *f, uint64_t ns);
void html_td_count(FILE *f, uint64_t n);
void html_td_none(FILE *f);

#endif /* LAB_HTML_H */
