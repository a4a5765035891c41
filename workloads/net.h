/* net.h - the net scenario: N clients fetch pages from a slow loopback
 * server, and a callback in the collecting task receives every page. */
#ifndef LAB_NET_H
#define LAB_NET_H

#include "workloads/workload.h"

extern const struct workload net_processes;
extern const struct workload net_threads;
extern const struct workload net_events;
extern const struct workload net_coroutines;
extern const struct workload net_serial;

#endif /* LAB_NET_H */
