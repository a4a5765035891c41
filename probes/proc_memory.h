/* proc_memory.h - what one process holds in memory, as /proc says. */
#ifndef LAB_PROC_MEMORY_H
#define LAB_PROC_MEMORY_H

#include <sys/types.h>
#include "probes/trace_format.h"

/* Sets m to pid and its figures (time, point and threads zero) from
 * /proc/PID/smaps_rollup and the VmPTE line of /proc/PID/status: 0, or
 * -1 when the process is gone or not readable by the caller (a zombie
 * has no memory left to read). */
int proc_memory_read(pid_t pid, struct lab_memory *m);

#endif /* LAB_PROC_MEMORY_H */
