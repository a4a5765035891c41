/* maps_snapshot.h - a traced process's memory maps, into its trace. */
#ifndef LAB_MAPS_SNAPSHOT_H
#define LAB_MAPS_SNAPSHOT_H

#include <sys/types.h>
#include "trace_writer.h"

/* Best effort: the lines of /proc/PID/maps while the process runs, as
 * MAPS chunks, so its futex words can be named later; a process already
 * gone leaves nothing. Returns 0, or the writer's -errno. */
int maps_snapshot(struct trace_writer *w, pid_t pid);

#endif /* LAB_MAPS_SNAPSHOT_H */
