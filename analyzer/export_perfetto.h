/* export_perfetto.h - a trace as Chrome trace-event JSON, the format the
 * Perfetto UI and chrome://tracing open (docs/perfetto.md).
 *
 * One track per thread of the workload, named by process_name and
 * thread_name metadata, holding complete ("X") slices that cover its
 * life: "running", "runnable", "new", "blocked: <reason>" (the reasons
 * of offcpu_reason_label). The root's phases lie on a track of their
 * own in the root's process. Times are µs after tracing start with ns
 * precision, so a thread's slices add up to its lifetime_ns exactly.
 *
 * Streaming: which threads are the workload's is known only once the
 * whole trace is read, so the report (analyze_trace_file) comes first;
 * the trace is then read again through a fresh timeline whose records
 * are the analysis's (thread_report.timeline_rec), and the report's
 * threads' intervals are written as the timeline charges them. Memory
 * is a timeline's plus one pending slice per record, never the slices.
 */
#ifndef LAB_EXPORT_PERFETTO_H
#define LAB_EXPORT_PERFETTO_H

#include <stddef.h>
#include <stdio.h>

struct run_report;

/* Writes the export of the trace at path, whose report is rep, to out.
 * A damaged trace is exported up to its damage, as rep reports it.
 * Returns 0, or -1 with the reason in err ("<path>: <why>" when the
 * trace cannot be read again or no longer matches rep, else "out of
 * memory"). Errors writing to out are the caller's to find (ferror,
 * fclose). */
int export_perfetto(FILE *out, const char *path, const struct run_report *rep,
		    char *err, size_t errlen);

#endif /* LAB_EXPORT_PERFETTO_H */
