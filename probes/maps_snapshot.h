/* maps_snapshot.h - a traced process's memory maps, into its trace, and
 * the memory it holds, for the samples of memory_watch.h.
 *
 * Under sudo the maps are read by a process of the user's (the reader):
 * a pid taken from an event may by then be another process's, which
 * the user may not read (a set-user-ID program's layout would defeat
 * its address randomisation); read with the user's rights, such a pid
 * gives nothing.
 */
#ifndef LAB_MAPS_SNAPSHOT_H
#define LAB_MAPS_SNAPSHOT_H

#include <stddef.h>
#include <sys/types.h>
#include "probes/identity.h"
#include "probes/trace_writer.h"

struct maps_reader {
	pid_t pid; /* 0: the maps are read by lab itself */
	int fd;	   /* the reader's socket, or -1 */
};

/* With user, starts the reader as that user; without, maps are read
 * here. 0, or -1 with one line in err. */
int maps_reader_start(struct maps_reader *r, const struct identity *user,
		      char *err, size_t errlen);
/* Ends and reaps the reader, if any. */
void maps_reader_stop(struct maps_reader *r);
/* Best effort: the lines of /proc/PID/maps while the process runs, as
 * MAPS chunks, so its futex words can be named later; a process already
 * gone (or not the user's) leaves nothing. Returns 0, or the writer's
 * -errno. */
int maps_snapshot(struct trace_writer *w, struct maps_reader *r, pid_t pid);

/* What process pid holds in memory (proc_memory.h), read with the
 * user's rights under sudo: 0, or -1 when it is gone or not theirs. */
int maps_reader_memory(struct maps_reader *r, pid_t pid, struct lab_memory *m);

#endif /* LAB_MAPS_SNAPSHOT_H */
