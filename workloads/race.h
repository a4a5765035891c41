/* race.h - the race scenario: N tasks increment one shared counter without
 * a lock, and the updates lost to the race are counted. */
#ifndef LAB_RACE_H
#define LAB_RACE_H

#include "workloads/workload.h"

extern const struct workload race_processes;
extern const struct workload race_threads;
extern const struct workload race_coroutines;

#endif /* LAB_RACE_H */
