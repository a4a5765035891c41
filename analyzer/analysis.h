/* analysis.h - the analysis core: fed a trace's parts, it computes the
 * run_report (report.h). It knows nothing of files, so tests and other
 * front ends feed it directly; analyze_trace_file() feeds it a trace.
 *
 *	a = analysis_new(&info);
 *	analysis_add_events(a, ev, n);      any number of times, in file order
 *	analysis_add_threads(a, stats, n);  the kernel's counters, if any
 *	analysis_add_drops(a, per_cpu, n);  if any
 *	analysis_set_summary(a, &summary);  if the trace has one
 *	analysis_set_damage(a, "why");      if the reader stopped early
 *	report = analysis_finish(a);        consumes a
 */
#ifndef LAB_ANALYSIS_H
#define LAB_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "probes/events.h"
#include "analyzer/report.h"
#include "probes/trace_format.h"

struct analysis;

/* NULL when out of memory. */
struct analysis *analysis_new(const struct lab_trace_info *info);
/* Each returns 0, or -1 when out of memory; after a failure the others
 * do nothing and analysis_finish returns NULL. */
int analysis_add_events(struct analysis *a, const struct lab_event *ev,
			size_t n);
int analysis_add_threads(struct analysis *a,
			 const struct lab_thread_stats *threads, size_t n);
int analysis_add_drops(struct analysis *a, const uint64_t *per_cpu,
		       size_t ncpus);
/* Memory maps of traced processes (a MAPS chunk), kept to name addresses. */
int analysis_add_maps(struct analysis *a, const struct lab_map *maps, size_t n);
/* Memory samples of the run's processes (a MEMORY chunk). */
/* The kernel's sums of waits (a WAITS chunk). */
int analysis_add_waits(struct analysis *a, const struct lab_wait *waits,
		       size_t n);
int analysis_add_memory(struct analysis *a, const struct lab_memory *samples,
			size_t n);
void analysis_set_summary(struct analysis *a,
			  const struct lab_run_summary *summary);
/* The trace is damaged from here on: msg (the reader's) says where. */
void analysis_set_damage(struct analysis *a, const char *msg);
/* Computes the report and frees a (also on failure). NULL when out of
 * memory. Free the report with run_report_free(). */
struct run_report *analysis_finish(struct analysis *a);
/* Frees an analysis that will not be finished. NULL is fine. */
void analysis_free(struct analysis *a);

#endif /* LAB_ANALYSIS_H */
