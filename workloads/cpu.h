/* cpu.h - the cpu scenario: N tasks multiply in a loop, a job that needs
 * processors, not waits. */
#ifndef LAB_CPU_H
#define LAB_CPU_H

#include "workloads/workload.h"

extern const struct workload cpu_processes;
extern const struct workload cpu_threads;
extern const struct workload cpu_coroutines;
extern const struct workload cpu_serial;

#endif /* LAB_CPU_H */
