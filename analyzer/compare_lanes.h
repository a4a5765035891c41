/* compare_lanes.h - the threads' states over time of a family's runs,
 * for the family page's timelines. A run's first lanes are copied when
 * it is lined up (compare_add frees nothing it needs later); when the
 * comparison is finished, each model keeps one run to draw: the run of
 * its median wall time.
 *
 *	compare_add()    -> compare_lanes_add(mr, report)
 *	compare_finish() -> compare_lanes_finish(mr)   after the medians
 *	compare_free()   -> compare_lanes_free(mr)
 *	writers: compare_lanes_drawn(mr)
 */
#ifndef LAB_COMPARE_LANES_H
#define LAB_COMPARE_LANES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analyzer/compare.h"
#include "analyzer/lanes.h"

/* Threads kept of a run: the first, in the report's order (grouped by
 * process, each in order of start), those whose lanes keep their mix. */
#define CMP_LANES LANE_MIXED

struct cmp_lane {
	char label[12 + LAB_COMM_LEN]; /* "tid comm", as the run page */
	/* each column's share of each state, in 255ths of the column
	 * (lane_mix); a lane without a mix gives its main state 255 */
	uint8_t (*share)[LANE_NSTATES];
};

/* One run's first threads over time. */
struct cmp_run_lanes {
	size_t run;	    /* its index among the model's runs used */
	uint64_t wall_ns;   /* the run's, from the lanes' start */
	uint64_t column_ns; /* the lanes' column width */
	size_t ncolumns;
	size_t nthreads; /* the run's threads, of which nlanes are kept */
	size_t nlanes;
	struct cmp_lane lanes[CMP_LANES];
};

/* Lines up the lanes of r, the run just added to mr (its samples'
 * last). Out of memory is remembered: the model is then not drawn. */
void compare_lanes_add(struct cmp_model_runs *mr, const struct run_report *r);
/* Keeps the run whose wall time is the model's median, frees the rest. */
void compare_lanes_finish(struct cmp_model_runs *mr);
void compare_lanes_free(struct cmp_model_runs *mr);
/* After compare_lanes_finish: the run to draw, or NULL (the model did not
 * run, every run was left out, or memory ran out). */
const struct cmp_run_lanes *
compare_lanes_drawn(const struct cmp_model_runs *mr);

#endif /* LAB_COMPARE_LANES_H */
