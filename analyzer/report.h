/* report.h - the results of one run, computed once by the analysis
 * (analysis.h) and only rendered by the writers (report_text.c,
 * report_json.c). Times are ns; timestamps are CLOCK_MONOTONIC, the
 * trace's clock. docs/report-schema.md says where each figure comes from.
 */
#ifndef LAB_REPORT_H
#define LAB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "analyzer/lanes.h"
#include "probes/marks.h"
#include "probes/trace_format.h"

/* Scheduler figures of a thread, a process or the run. */
struct sched_counts {
	uint64_t voluntary_switches;
	uint64_t involuntary_switches;
	uint64_t oncpu_ns;     /* completed on-CPU intervals */
	uint64_t runq_wait_ns; /* completed run-queue waits */
	uint64_t runq_count;   /* how many waits */
	/* part of runq_wait_ns that began with a preemption on the way to
	 * sleep; kernel counters only (schedstat's run delay omits it) */
	uint64_t runq_wait_asleep_ns;
	/* time the thread spent in the calls that created tasks, and their
	 * number: the creator's side of creation cost (kernel counters) */
	uint64_t create_call_ns;
	uint64_t create_calls;
	uint64_t wakeups;	/* sched_wakeup, not counting wakeup_new */
	uint64_t user_switches; /* coroutine switches the runtime reported */
	uint64_t migrations;	/* moves to another CPU (sched_migrate_task) */
	uint64_t klock_wait_ns; /* waiting for contended kernel locks */
	uint64_t klock_count;	/* completed contended kernel lock waits */
};

/* What a blocked thread waits in: the syscall it blocked inside (its
 * voluntary switch came with a LAB_EV_BLOCK), grouped for reading. */
enum offcpu_reason {
	OFFCPU_FUTEX,	      /* futex, futex_waitv: locks, condvars, joins */
	OFFCPU_READ,	      /* read/recv family: pipes, sockets, files */
	OFFCPU_WRITE,	      /* write/send family */
	OFFCPU_SLEEP,	      /* nanosleep, clock_nanosleep */
	OFFCPU_POLL,	      /* poll, select, epoll */
	OFFCPU_WAIT,	      /* wait4, waitid: reaping children */
	OFFCPU_OTHER_SYSCALL, /* any other syscall */
	OFFCPU_NO_SYSCALL,    /* blocked outside a syscall: fault, lock */
	OFFCPU_UNKNOWN,	      /* blocked when first seen: why is not known */
	OFFCPU_NREASONS,
};

/* Where a thread's life went, rebuilt from the event stream: every ns
 * from its start to its end is in exactly one state, so
 * oncpu + runnable + sum(offcpu) + new = lifetime. Unlike the switch
 * counters' oncpu_ns, an interval still open when tracing stopped counts
 * up to the end. */
struct state_times {
	uint64_t oncpu_ns;
	uint64_t runnable_ns;
	uint64_t new_ns; /* forked, not yet woken */
	uint64_t offcpu_ns[OFFCPU_NREASONS];
};

enum runq_source {
	RUNQ_FROM_SAMPLES,   /* every wait of the timeline: within 1/128 */
	RUNQ_FROM_HISTOGRAM, /* events were lost: the kernel's log2 slots */
};

/* Run-queue latency: how long the thread waited, runnable, for a CPU. */
struct runq_latency {
	uint64_t count;
	uint64_t p50_ns, p90_ns, p99_ns, max_ns;
	enum runq_source source;
	uint64_t hist[LAB_HIST_SLOTS]; /* slot i: [2^i, 2^(i+1)) ns */
};

/* The run's run-queue waits against the scheduler tick (runq_tick.h):
 * whether they cluster in the log2 slot that holds the tick period. */
struct runq_tick {
	bool clustered;
	uint64_t tick_ns;  /* the trace's; 0 when not recorded */
	unsigned int slot; /* the tick's slot: [2^slot, 2^(slot+1)) ns */
	uint64_t in_slot;  /* waits in that slot */
	uint64_t waits;	   /* every wait of the run */
};

/* Whose a task is, seen from the run: one of its threads, another
 * program's, a kernel thread (or an interrupt), or lab's own tracer. */
enum party_kind {
	PARTY_RUN,
	PARTY_PROGRAM,
	PARTY_KERNEL,
	PARTY_LAB,
};

/* Who woke a thread, or who took its CPU at an involuntary switch, and
 * how often; tasks outside the run grouped by name (wakeups.h). */
struct task_link {
	enum party_kind kind;
	uint32_t tid, pid; /* with PARTY_RUN; else 0 */
	char comm[LAB_COMM_LEN];
	uint64_t count;
	/* the waits that followed, until the thread ran: a wakeup's
	 * latency, a preemption's run-queue wait (those the trace saw end) */
	uint64_t waits, wait_ns, max_wait_ns;
};

struct thread_report {
	uint32_t tid, pid, parent_tid;
	char comm[LAB_COMM_LEN];
	bool exited;
	uint64_t start_ns; /* fork, or first event (counters' start) */
	uint64_t lifetime_ns;
	/* shown figures: the kernel's when its counters are there */
	struct sched_counts counts;
	bool has_kernel, has_timeline;
	struct sched_counts kernel;   /* the exact in-kernel counters */
	struct sched_counts timeline; /* rebuilt from the event stream */
	struct runq_latency runq;
	struct state_times times; /* with has_timeline */
	uint64_t page_faults;	  /* user page faults; with has_kernel */
	/* creation: a thread or process forked during the trace */
	bool created;
	bool is_thread;	      /* a thread of its parent's process */
	bool ran;	      /* its first switch-in was seen */
	uint64_t creation_ns; /* fork to first switch-in, when ran */
	/* its timeline misses switches the kernel counted (lost events):
	 * its time in state and off-CPU reasons are short of the truth */
	bool timeline_gaps;
	/* its times on CPU, runnable and off CPU by reason are the kernel's
	 * sums (waits_from_kernel), not the timeline's */
	bool times_from_kernel;
	/* with has_timeline: the analysis's timeline record it came from,
	 * which names its lane while the report is built */
	uint32_t timeline_rec;
	/* who woke it (sched_wakeup) and who took its CPU when preempted,
	 * most often first; from the event stream */
	struct task_link *woken_by, *preempted_by;
	size_t nwoken_by, npreempted_by;
};

struct process_report {
	uint32_t pid;
	char comm[LAB_COMM_LEN]; /* the leader's, else the first thread's */
	size_t nthreads;
	struct thread_report *threads; /* into run_report.threads */
	size_t exited;		       /* threads that exited */
	struct sched_counts sums;
	/* sums over the threads with a timeline / with kernel counters */
	bool has_times, has_page_faults;
	struct state_times times;
	uint64_t page_faults;
};

/* What a futex word is, from how it was waited on (locks.h). */
enum lock_kind {
	LOCK_KIND_LOCK,	     /* a mutex, or a word handed over as one */
	LOCK_KIND_CONDITION, /* a condition, semaphore or event */
	LOCK_KIND_JOIN,	     /* a thread's tid word: waiting for it to end */
};

/* A contended lock: a futex word waited on in user space, or a kernel
 * lock (lock:contention_begin/end). */
struct lock_report {
	uint64_t addr;
	enum lock_kind kind; /* user lock; LOCK_KIND_LOCK for kernel ones */
	uint32_t pid;	     /* user lock, private: its process; else 0 */
	bool shared;	     /* user lock without FUTEX_PRIVATE_FLAG */
	uint32_t ops;	     /* user lock: bit 1 << cmd of each futex op */
	uint64_t count;	     /* waits */
	uint64_t total_ns;   /* their sum */
	uint64_t max_ns;
	/* futex calls on it that returned EAGAIN at once: contention that
	 * did not block (run_report.has_retries; else 0) */
	uint64_t retries;
	uint32_t *tids; /* the threads that waited, ascending */
	size_t ntids;
	/* user lock: hand-offs, a waiter woken from a wait on it by another
	 * thread and seen running after, and the time from that wakeup to
	 * the waiter running */
	uint64_t handoffs;
	uint64_t handoff_p50_ns, handoff_max_ns;
	char symbol[128]; /* the address's name; "" when not known */
};

/* Creation cost of one kind of task (threads, or processes). */
struct creation_summary {
	uint64_t count; /* created during the trace */
	uint64_t ran;	/* of them, seen on a CPU: the latency samples */
	uint64_t mean_ns, median_ns, max_ns; /* fork to first switch-in */
	uint64_t with_faults;		     /* of them, with kernel counters */
	uint64_t page_faults;		     /* their sum */
	uint64_t median_page_faults;
};

/* A phase the workload's root marked (LAB_MARK_PHASE), up to its next
 * phase or WORKLOAD_END mark, else its end, else tracing end. */
struct phase_report {
	uint32_t phase; /* enum lab_phase */
	uint64_t start_ns, end_ns;
	/* switches of every workload thread inside it, from the timeline */
	uint64_t voluntary_switches;
	uint64_t involuntary_switches;
};

/* A process that was still running when tracing stopped: the kernel
 * saw no exit of one of its threads (LAB_THREAD_EXITED unset). What it
 * did afterwards is not in the trace. */
struct still_running {
	uint32_t pid;
	char comm[LAB_COMM_LEN]; /* its process's, as in process_report */
};

/* The run's processes summed at one memory sample. */
struct memory_totals {
	uint64_t time_ns;
	uint32_t processes, threads;
	uint64_t rss_kb, pss_kb, uss_kb, pss_anon_kb, pss_file_kb;
	uint64_t pss_shmem_kb, swap_kb, pte_kb;
};

/* What one task of a kind adds, KiB (memory.h). */
struct memory_cost {
	uint64_t tasks;	 /* added between the samples: what it divides by */
	double user_kib; /* pages of its own or its share of growth */
	double page_tables_kib; /* page tables */
	double kernel_kib;	/* kernel stack + task_struct; 0 coroutines */
};

enum memory_kind {
	MEMORY_PROCESS,
	MEMORY_THREAD,
	MEMORY_EVENT, /* a task of the events model: a state machine */
	MEMORY_COROUTINE,
	MEMORY_KINDS,
};

struct memory_report {
	bool sampled; /* before and peak samples both in the trace */
	struct memory_totals before, peak;
	/* every process at the peak, by pid */
	size_t nprocesses;
	struct lab_memory *processes;
	/* per kind of task the run added; tasks 0: none of that kind */
	struct memory_cost cost[MEMORY_KINDS];
	/* the kind the run's tasks are (the most added), and whether any */
	enum memory_kind kind;
	bool has_kind;
};

struct run_report {
	struct lab_trace_info info;
	bool has_summary;
	struct lab_run_summary summary; /* zero without has_summary */
	uint64_t events;		/* records read from the trace */
	uint64_t dropped;		/* lost to a full ring buffer */
	uint64_t untracked;		/* threads the kernel could not track */
	size_t gap_threads;		/* threads with timeline_gaps */
	/* events were lost and the kernel summed every wait (a WAITS
	 * chunk, none lost): the lock tables and the threads' off-CPU
	 * times are the kernel's, exact; else they are rebuilt from the
	 * events, short by what was dropped */
	bool waits_from_kernel;
	/* ... and who woke each thread and who took its CPU too (traces
	 * with the kernel's sums of them) */
	bool parties_from_kernel;
	/* futex EAGAIN returns were counted (lab run --futex-retries) */
	bool has_retries;
	/* the trace has the kernel's sums (traces of older labs do not:
	 * their reports stay as those labs printed them) */
	bool has_waits;
	/* waits the kernel could not sum (its map was full) */
	uint64_t waits_lost;
	uint64_t end_ns;  /* tracing stopped, else the last event */
	uint64_t wall_ns; /* end_ns - info.start_ns */
	bool complete;
	/* "" when complete; else every reason, "; "-separated */
	char incomplete_reason[768];
	bool damaged;
	char error[512]; /* the reader's message when damaged */
	struct sched_counts totals;
	bool has_times, has_page_faults; /* as in process_report */
	struct state_times times;
	uint64_t page_faults;
	size_t nthreads; /* grouped by process, each by start */
	struct thread_report *threads;
	size_t nprocesses; /* in order of their first thread's start */
	struct process_report *processes;
	/* processes still running when tracing stopped, in that order too;
	 * only threads with kernel counters tell */
	size_t nstill_running;
	struct still_running *still_running;
	/* contended locks, most total wait first */
	size_t nuser_locks, nkernel_locks;
	struct lock_report *user_locks, *kernel_locks;
	/* threads with `created`, in order of their fork */
	size_t nchildren;
	const struct thread_report **children;
	struct creation_summary created_threads, created_processes;
	size_t nphases; /* in order */
	struct phase_report *phases;
	/* the tasks the workload said it runs at once (its WORKLOAD_START
	 * marker); 0 when it did not say */
	uint64_t marked_tasks;
	/* the figures the workload marked of its result (enum lab_result):
	 * results[id] is known when bit 1 << id of results_known is set */
	uint64_t results[LAB_NRESULTS];
	uint32_t results_known;
	/* each thread's scheduler state over the run, one lane per thread
	 * in the order of threads, downsampled for drawing */
	struct lane_set lanes;
	/* what each CPU of the header ran, one lane a CPU, on the lanes'
	 * columns (cpu_lanes.h) */
	struct lane_set cpu_lanes;
	/* every thread's run-queue waits against the scheduler tick */
	struct runq_tick runq_tick;
	/* what the tasks hold in memory, from the tracer's samples */
	struct memory_report memory;
};

#endif /* LAB_REPORT_H */
