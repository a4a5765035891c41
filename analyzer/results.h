/* results.h - the figures of a workload's result line, as the trace
 * records them (enum lab_result in probes/marks.h) and the reports name
 * them. */
#ifndef LAB_RESULTS_H
#define LAB_RESULTS_H

#include <stdbool.h>
#include <stdint.h>
#include "analyzer/report.h"

/* The JSON name of a result figure: "ops", "lost", "zombie_ns". */
const char *results_key(enum lab_result id);
/* Whether the run marked figure id, and its value into *v. */
bool results_get(const struct run_report *r, enum lab_result id, double *v);

#endif /* LAB_RESULTS_H */
