/* shared.h - the shared scenario: tasks update one dictionary through a
 * manager task, the seed's Manager, and directly in shared memory under a
 * lock. */
#ifndef LAB_SHARED_H
#define LAB_SHARED_H

#include "workloads/workload.h"

extern const struct workload shared_processes;
extern const struct workload shared_threads;
extern const struct workload shared_coroutines;

#endif /* LAB_SHARED_H */
