/* timeline.h - each thread's scheduler state over the event stream.
 *
 * A state machine per thread record, fed events in file order:
 *
 *	NEW --wakeup_new--> RUNNABLE --switch in--> RUNNING
 *	RUNNING --switch out, preempted or prev_state 0--> RUNNABLE
 *	RUNNING --switch out, sleeping--> BLOCKED --wakeup--> RUNNABLE
 *	RUNNING --switch out, prev_state TASK_DEAD--> DEAD
 *
 * BLOCKED carries a reason: the syscall of the LAB_EV_BLOCK stamped with
 * the voluntary switch (same thread, same timestamp), or "outside a
 * syscall" when none came with it.
 *
 * A thread first seen in the middle of its life (the root, or any thread
 * whose fork was dropped) starts UNKNOWN and joins the machine at its
 * first transition, as the kernel's counters do. Intervals are clamped at
 * 0: events from different CPUs reach the file a few µs out of order.
 *
 * Two bookkeepings run side by side. The switch counters (counts) follow
 * the kernel's rules exactly, so they can be checked against its maps.
 * The time in state (times) gives every ns of a thread's life to one
 * state: its own clock never goes back (an out-of-order timestamp moves
 * it by 0), and the time spent UNKNOWN goes, at the first transition, to
 * the state that transition proves it was in (a switch-out: running; a
 * switch-in: runnable; a wakeup: blocked, reason unknown), or to running
 * if it never made one (only a running thread produces its other events).
 *
 * A switch names both sides but not which of them is tracked, so every
 * thread seen gets a record; a record is known to be the workload's when
 * an event only tracked threads produce names it (fork, wakeup, exec,
 * exit, marker, block, migration, kernel lock). The analysis keeps those
 * and the ones the kernel's counters vouch for.
 */
#ifndef LAB_TIMELINE_H
#define LAB_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "probes/marks.h"
#include "probes/events.h"
#include "analyzer/hash.h"
#include "analyzer/locks.h"
#include "analyzer/offcpu.h"
#include "analyzer/phases.h"
#include "analyzer/report.h"
#include "analyzer/stats.h"
#include "analyzer/wakeups.h"

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
	bool is_thread;	   /* forked as a thread of its parent's process */
	bool ran;	   /* switched in at least once */
	uint64_t first_run_ns;
	struct sched_counts counts;
	struct fine_hist runq; /* each RUNNABLE -> RUNNING interval, ns */

	/* time in state: clock is where the accounting has got to */
	uint64_t clock;
	uint64_t unknown_ns;	/* while UNKNOWN, placed at its first move */
	enum offcpu_reason why; /* while BLOCKED */
	struct state_times times;
	/* the LAB_EV_BLOCK announcing a voluntary switch at block_ts */
	bool block_pending;
	uint32_t block_nr, block_op;
	uint64_t block_ts, block_arg;
	/* while BLOCKED in a futex wait on a lock word, since blocked_at;
	 * futex_kind: what the word is (locks.h) */
	bool futex_wait;
	enum lock_kind futex_kind;
	uint32_t futex_op;
	uint64_t futex_addr, blocked_at;
	/* woken from a futex wait on a word that is no join: a hand-off,
	 * timed when it runs */
	bool handoff;
	bool handoff_shared;
	uint32_t handoff_pid;
	uint64_t handoff_addr;
	/* while RUNNABLE: the wakeup or preemption (wakeups.h edge) whose
	 * wait ends when it runs; -1: none */
	long wait_edge;
	/* a kernel lock contention in progress, as the kernel times it:
	 * from the latest LOCK_BEGIN */
	bool klock_open;
	uint64_t klock_since;
};

struct tl_tid;

struct timeline {
	struct tl_thread *threads; /* every record, in order of creation */
	size_t n, cap;
	/* every tid seen, with the record it names now, and their index */
	struct tl_tid *tids;
	size_t ntids, captids;
	struct hash_index tid_index;
	uint64_t events;
	uint64_t last_ns;	       /* the latest timestamp in the stream */
	uint64_t marker_user_switches; /* sum of LAB_MARK_CORO_SWITCHES */
	uint64_t marked_tasks;	       /* the first LAB_MARK_WORKLOAD_START's */
	/* the figures of the workload's result (LAB_MARK_RESULT + id), bit
	 * 1 << id of results_known set for each one marked */
	uint64_t results[LAB_NRESULTS];
	uint32_t results_known;
	enum sys_abi abi;	      /* whose syscall numbers */
	struct lock_table user_locks; /* futex waits per lock word */
	struct lock_table kernel_locks;
	struct wakeups wakeups; /* who woke whom, who took whose CPU */
	struct phase_log phases;
	bool oom;
	/* Optional: told of every interval as it is charged, [from, to) in
	 * state t->state (t->why while BLOCKED), for record rec. A thread's
	 * intervals come in order and do not overlap; TL_UNKNOWN ones are
	 * time before its state was known. Set after timeline_init. */
	void (*on_interval)(void *ctx, uint32_t rec, const struct tl_thread *t,
			    uint64_t from, uint64_t to);
	void *interval_ctx;
};

/* abi: the recording machine's (offcpu_abi of the trace header's) */
void timeline_init(struct timeline *tl, enum sys_abi abi);
/* Returns 0, or -1 when out of memory (tl->oom stays set). */
int timeline_event(struct timeline *tl, const struct lab_event *ev);
/* Ends a thread's accounting at end (its end of life, or tracing end):
 * afterwards t->times adds up to t->clock - t->start_ns. A futex wait
 * still in progress counts up to there. Once per thread. Returns 0, or
 * -1 when out of memory. */
int timeline_close(struct timeline *tl, struct tl_thread *t, uint64_t end);
void timeline_free(struct timeline *tl);
/* The record tid names now, or UINT32_MAX. */
uint32_t timeline_record(const struct timeline *tl, uint32_t tid);

#endif /* LAB_TIMELINE_H */
