/* creation.h - what creating a task cost: for every thread or process
 * forked during the trace, the time from its fork to its first run and
 * its page faults, summed up per kind (threads, processes). */
#ifndef LAB_CREATION_H
#define LAB_CREATION_H

#include "analyzer/report.h"

/* Fills run->children, run->created_threads and run->created_processes
 * from run->threads. Returns 0, or -1 when out of memory. */
int creation_fill(struct run_report *run);

#endif /* LAB_CREATION_H */
