/* spawn.h - the spawn scenario: create and join tasks that do nothing, to
 * price the creation of a process, a thread and a coroutine. */
#ifndef LAB_SPAWN_H
#define LAB_SPAWN_H

#include "workloads/workload.h"

extern const struct workload spawn_processes;
extern const struct workload spawn_threads;
extern const struct workload spawn_coroutines;

#endif /* LAB_SPAWN_H */
