/* timeline.h - each thread's scheduler state over the event stream.
 *
 * A state machine per thread record, fed events in file order:
 *
 *	NEW --wakeup_new--> RUNNABLE --switch in--> RUNNING
 *	RUNNING --switch out, preempted or prev_state 0--> RUNNABLE
 *	RUNNING --switch out, sleeping--> BLOCKED --wakeup--> RUNNABLE
 *	RUNNING --switch out, prev_state TASK_DEAD--> DEAD
 *
 * A thread first seen in the middle of its life (the root, or any thread
 * whose fork was dropped) starts UNKNOWN and joins the machine at its
 * first transition, as the kernel's counters do. Intervals are clamped at
 * 0: events from different CPUs reach the file a few µs out of order.
 *
 * A switch names both sides but not which of them is tracked, so every
 * thread seen gets a record; a record is known to be the workload's when
 * an event only tracked threads produce names it (fork, wakeup, exec,
 * exit, marker). The analysis keeps those and the ones the kernel's
 * counters vouch for.
 */
#ifndef LAB_TIMELINE_H
#define LAB_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "events.h"
#include "report.h"
#include "stats.h"

enum tl_state {
	TL_UNKNOWN, /* seen mid-life, state not yet known */
	TL_NEW,	    /* forked, not yet woken */
	TL_RUNNABLE,
	TL_RUNNING,
	TL_BLOCKED,
	TL_DEAD,
};

struct tl_thread {
	uint32_t tid; /* as reported: its tid after any exec */
	uint32_t pid;
	uint32_t parent_tid; /* from its fork, 0 if not seen */
	enum tl_state state;
	uint64_t since;	   /* when it entered state */
	uint64_t start_ns; /* its fork, or its first event */
	uint64_t last_ns;  /* its latest event */
	uint64_t end_ns;   /* its final switch; 0 while alive */
	bool forked;	   /* start_ns is the fork's timestamp */
	bool tracked;	   /* named by an event only tracked threads produce */
	bool exited;	   /* sched_process_exit seen */
	struct sched_counts counts;
	struct samples runq; /* each RUNNABLE -> RUNNING interval, ns */
};

struct timeline {
	struct tl_thread *threads; /* every record, in order of creation */
	size_t n, cap;
	/* tid -> 1 + index of the record that tid names now; 0: none */
	uint32_t *keys, *vals;
	size_t hcap, hused;
	uint64_t events;
	uint64_t last_ns;	       /* the latest timestamp in the stream */
	uint64_t marker_user_switches; /* sum of LAB_MARK_CORO_SWITCHES */
	bool oom;
};

void timeline_init(struct timeline *tl);
/* Returns 0, or -1 when out of memory (tl->oom stays set). */
int timeline_event(struct timeline *tl, const struct lab_event *ev);
void timeline_free(struct timeline *tl);

#endif /* LAB_TIMELINE_H */
