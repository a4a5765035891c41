/* pool.h - the pool scenario: a fixed pool of workers runs jobs submitted
 * synchronously (apply) and asynchronously with a callback (apply_async),
 * the seed's multiprocessing.Pool. */
#ifndef LAB_POOL_H
#define LAB_POOL_H

#include "workloads/workload.h"

extern const struct workload pool_processes;
extern const struct workload pool_threads;
extern const struct workload pool_events;
extern const struct workload pool_coroutines;

#endif /* LAB_POOL_H */
