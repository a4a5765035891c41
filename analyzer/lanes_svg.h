/* lanes_svg.h - threads' states over time as inline SVG: the run page's
 * timeline, a lane per thread showing each column's main state, and the
 * family page's runs one above the other on one time axis, each lane
 * stacked by the states' shares. Labels given are escaped (html_text);
 * the states' colours are the classes s-<lanes_state_name> of the
 * page's style sheet (html.c). */
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
	/* what each CPU ran, a lane a CPU below the threads' (labelled
	 * "CPU n"), on the same columns; NULL: none */
	const struct lane_set *cpus;
};
void lanes_svg_timeline(FILE *f, const struct lanes_svg_run *l);

/* A lane of a stacked run: each column's share of each state. */
struct lanes_svg_mix {
	const char *label;		      /* the thread's, escaped */
	const uint8_t (*share)[LANE_NSTATES]; /* a column's, in 255ths */
};

/* A run drawn stacked, its time from 0 at the left. */
struct lanes_svg_stack {
	const char *id;	       /* its group's id: the writer's own word */
	const char *name;      /* on its first line, escaped */
	const char *detail[2]; /* the lines under it, escaped; NULL: none */
	uint64_t wall_ns;      /* where it ends; its wall time is shown there */
	uint64_t column_ns;    /* the columns' width */
	size_t ncolumns;
	const struct lanes_svg_mix *lanes;
	size_t nlanes;
	size_t nmore; /* threads not drawn, said under the lanes */
};

/* Runs one above the other on one time axis, the longest filling the
 * width: each a group (<g id>) of its labels, a <g class="lane"> per
 * lane, a line where it ends and its wall time beside it. A lane is cut
 * in bins a few pixels wide; each bin stacks the states' shares of its
 * time, running at the bottom, neighbouring equal pieces drawn as one. */
void lanes_svg_stacks(FILE *f, const struct lanes_svg_stack *runs, size_t n);

/* The threads' states' colours and (for print) patterns, as an HTML
 * list; the CPUs' own (other work, idle) in a second. */
void lanes_svg_legend(FILE *f);
void lanes_svg_legend_cpus(FILE *f);
/* "running", "runnable", "blocked: lock", ...: a state for people */
const char *lanes_svg_state_label(enum lane_state s);

#endif /* LAB_LANES_SVG_H */
