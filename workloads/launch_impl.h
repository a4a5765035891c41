/* launch_impl.h - what the launcher's files share: the tasks' slots and
 * start gate in a MAP_SHARED mapping, the scenario's shared global and its
 * lock (launch_share.c); the phase markers and the failures of a run
 * (launch_run.c). Not for scenarios; they include launch.h. */
#ifndef LAB_LAUNCH_IMPL_H
#define LAB_LAUNCH_IMPL_H

#include <stdint.h>
#include "workloads/launch.h"

#define LAUNCH_CACHE_LINE 64

/* The head of the MAP_SHARED mapping; the slots follow, each on cache
 * lines of its own, so that tasks writing their own do not slow each
 * other down (no false sharing). */
struct launch_board {
	uint32_t gate; /* gate.h */
} __attribute__((aligned(LAUNCH_CACHE_LINE)));

static inline int launch_has(const struct launch *l, unsigned flag)
{
	return (l->kind->flags & flag) != 0;
}

/* The mapping of n slots, each task's id, name unset, CPU; 0 or an errno
 * value. */
int launch_board_make(struct launch *l, unsigned n);
/* The kind's shared global, or a MAP_SHARED copy of it, and its lock; 0
 * or an errno value. */
int launch_state_make(struct launch *l);
/* Gives back the state, the board and l itself. */
void launch_free(struct launch *l);

/* A phase marker, unless the kind marks none: the one place phases are
 * marked. */
void launch_phase(const struct launch *l, enum lab_phase phase);
/* Records why a task could not be created (no later one is tried) or
 * run, unless an earlier failure is on record already; call NULL: said
 * already. Returns -1. */
int launch_failed(struct launch *l, int err, const char *call);

#endif /* LAB_LAUNCH_IMPL_H */
