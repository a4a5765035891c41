/* pingpong.h - the pingpong scenario: two tasks pass a token back and
 * forth; the time of a round trip is the price of two switches. */
#ifndef LAB_PINGPONG_H
#define LAB_PINGPONG_H

#include "workloads/workload.h"

extern const struct workload pingpong_processes;
extern const struct workload pingpong_threads;
extern const struct workload pingpong_coroutines;

#endif /* LAB_PINGPONG_H */
