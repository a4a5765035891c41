/* lanes_svg.h - threads' states over time as inline SVG: the run page's
 * timeline, a lane per thread showing each column's main state. Labels
 * given are escaped (html_text); the states' colours are the classes
 * s-<lanes_state_name> of the page's style sheet (html.c). */
#ifndef LAB_LANES_SVG_H
#define LAB_LANES_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "analyzer/lanes.h"

/* A band over the timeline: a phase of the workload. */
struct lanes_svg_band {
	uint64_t from_ns, to_ns; /* since the lanes' start */
	const char *label;	 /* escaped */
};

/* One run's timeline: one row per lane listed in rows (indices into
 * set->lanes), labelled with labels[i] (escaped); equal neighbouring
 * columns drawn as one segment; bands on top, with lines down through
 * the lanes where they begin; a time axis below. */
struct lanes_svg_run {
	const struct lane_set *set;
	const size_t *rows;
	const char *const *labels;
	size_t nrows;
	const struct lanes_svg_band *bands;
	size_t nbands;
};
void lanes_svg_timeline(FILE *f, const struct lanes_svg_run *l);

/* The states' colours and (for print) patterns, as an HTML list. */
void lanes_svg_legend(FILE *f);
/* "running", "runnable", "blocked: lock", ...: a state for people */
const char *lanes_svg_state_label(enum lane_state s);

#endif /* LAB_LANES_SVG_H */
