/* daemon.h - the daemon scenario: a daemon worker that ends with the main
 * task, and finished tasks that linger until they are waited for. */
#ifndef LAB_DAEMON_H
#define LAB_DAEMON_H

#include "workloads/workload.h"

extern const struct workload daemon_processes;
extern const struct workload daemon_threads;
extern const struct workload daemon_coroutines;

#endif /* LAB_DAEMON_H */
