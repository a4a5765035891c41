/* memory_point.h - the points where lab samples a workload's memory:
 * before its tasks exist, and at its peak, every task alive and waiting.
 *
 * Run by lab, the workload finds a socket in LAB_MEMORY_FD (marks.h); at
 * each point it asks for a sample and waits until lab has taken it, so
 * the sample sees every task and no timed phase contains it. Untraced,
 * or at a point already sampled, nothing happens.
 */
#ifndef LAB_MEMORY_POINT_H
#define LAB_MEMORY_POINT_H

#include <stdint.h>
#include "probes/marks.h"

/* At the peak the workload named name stops hold_s seconds (--hold),
 * traced or not, saying so on stderr, for people to look at its tasks. */
void memory_point_hold(const char *name, double hold_s);
/* At the peak, holds first; asks for the sample at point and waits until
 * it is taken: the ns it waited (0 when nothing was asked or held). */
uint64_t memory_point(enum lab_memory_point point);
/* Whether memory_point(point) would ask or hold. */
int memory_point_waits(enum lab_memory_point point);

#endif /* LAB_MEMORY_POINT_H */
