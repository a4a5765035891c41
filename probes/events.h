/* events.h - records shared by the kernel probes and user space.
 *
 * Included by lab.bpf.c (after vmlinux.h) and by user space (after
 * <linux/types.h>). Every struct has explicit padding and a static size
 * check: ring-buffer memory is not zeroed, so no byte may be left unset.
 */
#ifndef LAB_EVENTS_H
#define LAB_EVENTS_H

#include "probes/marks.h"

#define LAB_COMM_LEN 16
/* run-queue latency histogram: slot i counts delays in [2^i, 2^(i+1)) ns;
 * the last slot also takes everything longer */
#define LAB_HIST_SLOTS 40

enum lab_event_type {
	/* tid/pid = prev, other = next, value = prev_state, flags = preempt */
	LAB_EV_SWITCH = 1,
	/* tid/pid = woken task, other = waker, aux = target cpu. The waker
	 * is the task that called try_to_wake_up (sched_waking), not the one
	 * the CPU that finished the wakeup ran: a wakeup queued to an idle
	 * CPU completes there, in an interrupt of its idle task. */
	LAB_EV_WAKEUP = 2,
	/* as LAB_EV_WAKEUP, for a task's first wakeup after fork/clone */
	LAB_EV_WAKEUP_NEW = 3,
	/* tid/pid = parent, other = child (a thread when pids are equal),
	 * value = the child's clear_child_tid: the word the kernel clears
	 * and wakes at its exit, which pthread_join waits on (0: none, or
	 * a trace older than the field) */
	LAB_EV_FORK = 4,
	/* tid/pid = the task after exec, other_tid = its tid before exec */
	LAB_EV_EXEC = 5,
	/* tid/pid = exiting thread, value = exit code, flags = group dead */
	LAB_EV_EXIT = 6,
	/* tid/pid = firing thread, aux = marker (enum lab_marker), value = arg
	 */
	LAB_EV_MARK = 7,
	/* just before a voluntary SWITCH of a thread inside a syscall, same
	 * ts: aux = syscall number, value = its first argument (futex: the
	 * lock word's address), other_tid = its second (futex: the op) */
	LAB_EV_BLOCK = 8,
	/* tid/pid = migrated task, aux = destination cpu, cpu = where seen */
	LAB_EV_MIGRATE = 9,
	/* kernel lock contention of a tracked thread: value = lock address;
	 * BEGIN: aux = LCB_F_* flags; END: aux = return value (0 = got it) */
	LAB_EV_LOCK_BEGIN = 10,
	LAB_EV_LOCK_END = 11,
	/* a task outside the run that is about to be named as the waker of
	 * a tracked thread or as the next task of its switch: tid/pid =
	 * that task, value, other_tid and other_pid hold its comm's 16
	 * bytes in order, flags = LAB_TASK_*. Sent once per tid and name
	 * while the kernel remembers it (an LRU), before the event naming
	 * it. */
	LAB_EV_TASK = 12,
};

#define LAB_TASK_KTHREAD   0x1 /* flags of LAB_EV_TASK: a kernel thread */

#define LAB_SWITCH_PREEMPT 0x1	/* flags of LAB_EV_SWITCH */
#define LAB_TASK_DEAD	   0x80 /* raw prev_state of a task's last switch */

struct lab_event {
	__u64 ts; /* ns, CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 value;
	__u32 tid;
	__u32 pid;
	__u32 other_tid;
	__u32 other_pid;
	__u16 cpu;
	__u8 type;
	__u8 flags;
	__u32 aux;
};
_Static_assert(sizeof(struct lab_event) == 40, "lab_event layout");

#define LAB_THREAD_EXITED 0x1 /* flags of lab_thread_stats */

/* A thread's exact counters, kept by the kernel (never lost to a full
 * ring buffer): the record of the trace's THREADS chunk. A new counter
 * goes at the end: records carry their size (docs/trace-format.md), so
 * an older reader skips it and a newer one reads older records with it
 * zero. */
struct lab_thread_stats {
	__u32 tid;
	__u32 pid;
	__u32 parent_tid; /* the thread that created it, 0 for the root */
	__u32 flags;
	char comm[LAB_COMM_LEN];
	__u64 voluntary_switches;
	__u64 involuntary_switches;
	__u64 oncpu_ns;
	__u64 runq_wait_ns;
	__u64 runq_count; /* completed run-queue waits */
	__u64 runq_max_ns;
	__u64 wakeups;
	__u64 user_switches; /* reported by the coroutine runtime's marker */
	__u64 start_ns;	     /* first seen (fork or tracking start) */
	__u64 exit_ns;	     /* sched_process_exit, 0 while alive */
	__s32 exit_code;
	__u32 pad; /* zero */
	__u64 runq_hist[LAB_HIST_SLOTS];
	__u64 migrations;
	__u64 page_faults;   /* user page faults */
	__u64 klock_wait_ns; /* waiting for contended kernel locks */
	__u64 klock_count;
	/* part of runq_wait_ns that began with a preemption of a thread that
	 * had already set itself to sleep (preempt with prev_state != 0):
	 * it waited on a run queue, but schedstat's run delay leaves it out */
	__u64 runq_wait_asleep_ns;
	/* time this thread spent inside fork/vfork/clone/clone3 calls that
	 * created a task (vfork's includes waiting for the child to exec or
	 * exit), and how many there were */
	__u64 create_call_ns;
	__u64 create_calls;
	/* its first switch-in (0: never ran while traced): with start_ns,
	 * the creation latency of a thread forked during the trace */
	__u64 first_run_ns;
};
_Static_assert(sizeof(struct lab_thread_stats) == 504,
	       "lab_thread_stats layout");

enum lab_wait_kind {
	/* a voluntary switch out inside syscall nr (-1: outside one) up to
	 * the wakeup; futex calls: addr = the word, op = the op */
	LAB_WAIT_BLOCKED = 1,
	/* a contended kernel lock (contention_begin to _end): addr = lock */
	LAB_WAIT_KLOCK = 2,
	/* a futex call that returned EAGAIN (lab run --futex-retries): the
	 * word had changed before the caller slept; count only */
	LAB_WAIT_RETRY = 3,
	/* wakeups of the thread by the task addr names (lab_party()): op
	 * LAB_PARTY_RAN those followed by a run (count, the wait from the
	 * wakeup to running), op LAB_PARTY_FOUND those that found it on a
	 * CPU or queued (count only). Not the first wakeup of a new task */
	LAB_WAIT_WOKEN = 4,
	/* its involuntary switches that gave the CPU to the task addr names
	 * (tid 0: the CPU went idle): op LAB_PARTY_RAN those followed by a
	 * run (count, the run-queue wait), LAB_PARTY_FOUND those whose run
	 * the probes did not see (still waiting when tracing stopped) */
	LAB_WAIT_PREEMPTED = 5,
};

#define LAB_PARTY_RAN	0
#define LAB_PARTY_FOUND 1

/* The other task of a wakeup or preemption, as a wait key's addr. */
static inline __u64 lab_party(__u32 tid, __u32 pid)
{
	return (__u64)pid << 32 | tid;
}

/* What waits are summed by in the kernel (never lost to a full ring
 * buffer): a thread's blocked intervals per syscall and futex word, its
 * kernel lock waits per lock. */
struct lab_wait_key {
	__u64 addr;
	__u32 tid;
	__u32 pid;
	__s32 nr;
	__u32 op;
	__u32 kind; /* enum lab_wait_kind */
	__u32 pad;  /* zero */
};
_Static_assert(sizeof(struct lab_wait_key) == 32, "lab_wait_key layout");

struct lab_wait_sum {
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
};
_Static_assert(sizeof(struct lab_wait_sum) == 24, "lab_wait_sum layout");

/* What the kernel works the counters out from; not part of the trace. */
struct lab_thread_work {
	/* when the thread went on CPU, became runnable, began to wait for a
	 * contended kernel lock; 0: it did not */
	__u64 oncpu_since;
	__u64 runnable_since;
	__u64 klock_since;
	/* the current run-queue wait began with a preemption on the way to
	 * sleep (see runq_wait_asleep_ns) */
	__u32 runnable_asleep;
	/* the blocked interval in progress (lab_wait): since when (0: not
	 * blocked), in which syscall (-1: none) and, in a futex call, its
	 * word and op */
	__s32 block_nr;
	__u64 blocked_since;
	__u64 block_addr;
	__u32 block_op;
	/* its last switch has been seen: the thread is gone */
	__u32 retired;
	/* woken while blocked: the wakeup goes out with its switch in */
	__u32 woken;
	/* its last switch was involuntary: the wait that follows goes to
	 * the task that took its CPU (preempt_by) */
	__u32 preempt_open;
	/* the thread's blocked intervals while they wait in the same place
	 * (syscall, word, op), summed here before they reach the `waits`
	 * map: a thread that blocks where it blocked last costs no hash
	 * lookup. Flushed to `waits` when the place changes, and by user
	 * space at the end. */
	__u64 recent_addr;
	__s32 recent_nr;
	__u32 recent_op;
	struct lab_wait_sum recent;
	__u64 preempt_by;
	__u64 woken_by; /* who woke it while blocked (woken) */
	/* who woke it and who took its CPU, summed here per other task
	 * (lab_party()) before the `waits` map, as the waits above: the
	 * wakeups and preemptions followed by a run (count, the wait to
	 * running) and the wakeups that found it on a CPU or queued */
	__u64 woken_party;
	struct lab_wait_sum woken_ran;
	__u64 woken_found;
	__u64 preempt_party;
	struct lab_wait_sum preempt_ran;
	__u64 preempt_found;
};
_Static_assert(sizeof(struct lab_thread_work) == 200, "lab_thread_work layout");

/* An entry of the kernel's table of tracked threads: a slot a thread,
 * taken at its fork and kept after its death. */
struct lab_thread {
	struct lab_thread_stats stats;
	struct lab_thread_work work;
};
_Static_assert(sizeof(struct lab_thread) == 704, "lab_thread layout");

/* The record of the trace's WAITS chunk. */
struct lab_wait {
	struct lab_wait_key key;
	struct lab_wait_sum sum;
};
_Static_assert(sizeof(struct lab_wait) == 56, "lab_wait layout");

/* Per-task storage of a tracked thread (not part of the trace): the fast
 * filter the hot probes ask first, where its counters are, and a creation
 * call's start. User space seeds the workload's root with slot 0. */
struct lab_task {
	/* when its fork/clone in progress began (--creation-calls); 0: none */
	__u64 create_call_start;
	/* who called try_to_wake_up on it last (sched_waking): tid, tgid */
	__u32 waker_tid, waker_pid;
	__u32 slot; /* its entry in the `threads` array */
	__u32 pad;  /* zero */
};
_Static_assert(sizeof(struct lab_task) == 24, "lab_task layout");

/* In the ring buffer only, a switch record carries what the trace keeps
 * as separate events at other times, so that a switch costs one
 * reservation in the ring buffer (the largest part of an event's cost):
 * flags LAB_REC_BLOCK: a struct lab_rec_block follows, what prev blocks
 * in (the trace's LAB_EV_BLOCK just before the switch); LAB_REC_WOKEN: a
 * struct lab_rec_woken follows (after the block part), next's wakeup
 * (the trace's LAB_EV_WAKEUP, at its own time). */
#define LAB_REC_BLOCK 0x40
#define LAB_REC_WOKEN 0x20

struct lab_rec_block {
	__u64 arg1; /* the syscall's first argument (futex: the word) */
	__u32 arg2; /* its second (futex: the op) */
	__s32 nr;   /* the syscall */
};
_Static_assert(sizeof(struct lab_rec_block) == 16, "lab_rec_block layout");

struct lab_rec_woken {
	__u64 ts; /* its sched_wakeup */
	__u32 waker_tid, waker_pid;
};
_Static_assert(sizeof(struct lab_rec_woken) == 16, "lab_rec_woken layout");

#endif /* LAB_EVENTS_H */
