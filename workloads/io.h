/* io.h - the io scenario: N tasks that mostly wait, on timers and on a
 * round trip through a socket. */
#ifndef LAB_IO_H
#define LAB_IO_H

#include "workloads/workload.h"

extern const struct workload io_processes;
extern const struct workload io_threads;
extern const struct workload io_events;
extern const struct workload io_coroutines;
extern const struct workload io_serial;

#endif /* LAB_IO_H */
