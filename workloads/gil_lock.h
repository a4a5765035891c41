/* gil_lock.h - the gil scenario's interpreter lock: CPython's GIL since
 * 3.2 (Python/ceval_gil.c: take_gil, drop_gil), and the plain lock of the
 * GIL before it and of coroutines (see gil.c for what each teaches).
 *
 * One interpreter, one GIL: threads and the serial run share the global
 * gil and the conditions beside it; a forked process has copies of its
 * own. Every call is made by the task id given, and counts what it did in
 * that task's struct gil_counts.
 */
#ifndef LAB_GIL_LOCK_H
#define LAB_GIL_LOCK_H

#include <stdint.h>
#include "workloads/launch.h"

#define GIL_INTERVAL_NS 5000000 /* sys.getswitchinterval(): 5 ms */

/* The interpreter's state (CPython's struct _gil_runtime_state). */
struct gil {
	struct launch_lock lock; /* first: its mutex is gil's address */
	int locked;		 /* the GIL itself, under the mutex */
	int holder;		 /* last_holder: the task that took it last,
				  * -1: none yet */
	uint64_t switches;	 /* switch_number: times it changed hands */
	int drop_request;	 /* set by a waiter, read by the holder
				  * without the mutex */
};

/* the launcher's shared global: a lock made for the model at its start */
extern struct gil gil;

/* What a task did with the lock. */
struct gil_counts {
	uint64_t takes;	     /* times it took the lock */
	uint64_t taken_over; /* of those, from another task */
	uint64_t waits;	     /* takes that found the lock held */
	uint64_t requests;   /* drop requests it made */
};

/* The state and the conditions, before any task starts (and any fork);
 * 0, or -1 having said why on stderr, after name. free undoes it, and
 * does nothing when make did not succeed. */
int gil_lock_make(struct gil *g, const char *name);
void gil_lock_free(void);

/* take_gil: waits an interval at a time, asking the holder to let go
 * after an interval that did not change hands. */
void gil_take(struct gil *g, unsigned id, struct gil_counts *c);
/* Whether the holder has been asked to let go (the eval breaker). */
int gil_asked(const struct gil *g);
/* drop_gil: asked, waits until another task has taken the GIL; last: the
 * task is done and will not take it again. */
void gil_drop(struct gil *g, unsigned id, int last);

/* The plain lock (g->lock): a pthread mutex, a coro_mutex for
 * coroutines. */
void gil_plain_take(struct gil *g, unsigned id, struct gil_counts *c);
void gil_plain_drop(struct gil *g);

#endif /* LAB_GIL_LOCK_H */
