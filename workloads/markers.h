/* markers.h - the workload_table' phase markers, seen by the tracer through one
 * USDT probe, lab:mark(id, value).
 *
 * Every marker goes through the single call site in markers.c: the tracer
 * attaches one uprobe whatever the number of workload_table, and detaching a
 * uprobe costs the kernel an RCU grace period (about 0.1 s here) each.
 * Untraced, a marker is a call and a nop. The ids are enum lab_marker in
 * probes/marks.h, the contract with the probes.
 */
#ifndef LAB_MARKERS_H
#define LAB_MARKERS_H

#include "probes/marks.h"

void lab_mark(enum lab_marker id, unsigned long long value);

#define LAB_MARK_START(tasks)	  lab_mark(LAB_MARK_WORKLOAD_START, (tasks))
#define LAB_MARK_END(result)	  lab_mark(LAB_MARK_WORKLOAD_END, (result))
#define LAB_MARK_CORO_SWITCHES(n) lab_mark(LAB_MARK_CORO_SWITCHES, (n))
#define LAB_MARK_PHASE(phase)	  lab_mark(LAB_MARK_PHASE, (phase))
#define LAB_MARK_OPS(ops)	  lab_mark(LAB_MARK_OPS, (ops))
/* one figure of the result: LAB_RESULT(LAB_RESULT_LOST, lost) */
#define LAB_RESULT(id, v)                                                      \
	lab_mark((enum lab_marker)(LAB_MARK_RESULT + (id)), (v))

#endif /* LAB_MARKERS_H */
