/* lock.h - the lock scenario: N tasks decrement one shared counter under a
 * mutex, and the end value must be exactly 0. */
#ifndef LAB_LOCK_H
#define LAB_LOCK_H

#include "workloads/workload.h"

extern const struct workload lock_processes;
extern const struct workload lock_threads;
extern const struct workload lock_coroutines;
extern const struct workload lock_serial;

#endif /* LAB_LOCK_H */
