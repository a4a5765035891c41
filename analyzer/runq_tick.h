/* runq_tick.h - whether a run's run-queue waits cluster at the
 * scheduler tick, the mark of threads let onto a CPU only when a tick
 * finds the running thread's time slice used up. */
#ifndef LAB_RUNQ_TICK_H
#define LAB_RUNQ_TICK_H

#include "analyzer/report.h"

/* A cluster: the log2 slot holding the tick period holds more waits
 * than any other slot, and at least RUNQ_TICK_SHARE percent of them,
 * out of RUNQ_TICK_MIN_WAITS waits or more. */
#define RUNQ_TICK_SHARE	    20
#define RUNQ_TICK_MIN_WAITS 20

/* Fills t from a run-queue wait histogram (LAB_HIST_SLOTS log2 slots)
 * and the trace's tick period (0: not recorded, never a cluster). */
void runq_tick_find(struct runq_tick *t, const uint64_t *hist,
		    uint64_t tick_ns);

#endif /* LAB_RUNQ_TICK_H */
