/* markers.h - USDT markers (provider "lab") that the tracer attaches to.
 * Untraced they are a single nop each. The numbering is enum lab_marker
 * in probes/events.h; the names here must match the tracer's table. */
#ifndef LAB_MARKERS_H
#define LAB_MARKERS_H

#include <sys/sdt.h>

#define LAB_MARK_START(tasks) DTRACE_PROBE1(lab, workload_start, (long)(tasks))
#define LAB_MARK_END(result) DTRACE_PROBE1(lab, workload_end, (long)(result))
#define LAB_MARK_CORO_SWITCHES(n) \
	DTRACE_PROBE1(lab, coro_switches, (unsigned long long)(n))

#endif /* LAB_MARKERS_H */
