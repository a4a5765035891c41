/* queue.h - the queue scenario: producers and consumers through a bounded
 * queue with task_done/join, the seed's JoinableQueue. */
#ifndef LAB_QUEUE_H
#define LAB_QUEUE_H

#include "workloads/workload.h"

extern const struct workload queue_processes;
extern const struct workload queue_threads;
extern const struct workload queue_coroutines;

#endif /* LAB_QUEUE_H */
