/* cpu_lanes.h - what each CPU ran over the run, as lanes (lanes.h): one
 * of the run's threads, other work, or nothing (idle), what `perf sched
 * map` prints. Fed the scheduler switches as the analysis reads them.
 *
 * The trace holds only the switches that involve the run's threads, so
 * a CPU's state after a switch to another task (or to idle) lasts, as
 * far as the trace can tell, until the next switch it holds on that
 * CPU: "other work" may include idle time and the reverse.
 *
 *	b = cpu_lanes_new(start_ns);
 *	... cpu_lanes_switch(b, cpu, ts, what) for every switch ...
 *	cpu_lanes_finish(b, end_ns, column_ns, ncpus, &report->cpu_lanes);
 */
#ifndef LAB_CPU_LANES_H
#define LAB_CPU_LANES_H

#include <stdint.h>
#include "analyzer/lanes.h"

struct cpu_lanes_builder;

/* NULL when out of memory. */
struct cpu_lanes_builder *cpu_lanes_new(uint64_t start_ns);
/* At ts the CPU began to run what: LANE_RUNNING (a thread of the run),
 * LANE_OTHER or LANE_IDLE. Out of memory is remembered. */
void cpu_lanes_switch(struct cpu_lanes_builder *b, uint16_t cpu, uint64_t ts,
		      enum lane_state what);
/* The lanes of CPUs [0, ncpus) up to end_ns, in columns column_ns wide
 * (the threads' lanes', so that both share an axis), into *out (free
 * with lanes_free). Frees b. Returns 0, or -1 when out of memory. */
int cpu_lanes_finish(struct cpu_lanes_builder *b, uint64_t end_ns,
		     uint64_t column_ns, size_t ncpus, struct lane_set *out);
void cpu_lanes_builder_free(struct cpu_lanes_builder *b);

#endif /* LAB_CPU_LANES_H */
