/* gil.h - the gil scenario: tasks that compute only while holding one
 * global lock, released every few milliseconds, as CPython's threads do. */
#ifndef LAB_GIL_H
#define LAB_GIL_H

#include "workloads/workload.h"

extern const struct workload gil_processes;
extern const struct workload gil_threads;
extern const struct workload gil_coroutines;
extern const struct workload gil_serial;
extern const struct workload gil_old_threads;

#endif /* LAB_GIL_H */
