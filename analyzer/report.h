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
#include "trace_format.h"

/* Scheduler figures of a thread, a process or the run. */
struct sched_counts {
	uint64_t voluntary_switches;
	uint64_t involuntary_switches;
	uint64_t oncpu_ns;	/* completed on-CPU intervals */
	uint64_t runq_wait_ns;	/* completed run-queue waits */
	uint64_t runq_count;	/* how many waits */
	uint64_t wakeups;	/* sched_wakeup, not counting wakeup_new */
	uint64_t user_switches; /* coroutine switches the runtime reported */
};

enum runq_source {
	RUNQ_FROM_SAMPLES,   /* exact: every wait of the timeline */
	RUNQ_FROM_HISTOGRAM, /* events were lost: the kernel's log2 slots */
};

/* Run-queue latency: how long the thread waited, runnable, for a CPU. */
struct runq_latency {
	uint64_t count;
	uint64_t p50_ns, p90_ns, p99_ns, max_ns;
	enum runq_source source;
	uint64_t hist[LAB_HIST_SLOTS]; /* slot i: [2^i, 2^(i+1)) ns */
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
};

struct process_report {
	uint32_t pid;
	char comm[LAB_COMM_LEN]; /* the leader's, else the first thread's */
	size_t nthreads;
	struct thread_report *threads; /* into run_report.threads */
	size_t exited;		       /* threads that exited */
	struct sched_counts sums;
};

struct run_report {
	struct lab_trace_info info;
	bool has_summary;
	struct lab_run_summary summary; /* zero without has_summary */
	uint64_t events;		/* records read from the trace */
	uint64_t dropped;		/* lost to a full ring buffer */
	uint64_t untracked;		/* threads the kernel could not track */
	uint64_t end_ns;  /* tracing stopped, else the last event */
	uint64_t wall_ns; /* end_ns - info.start_ns */
	bool complete;
	char incomplete_reason[576]; /* "" when complete */
	bool damaged;
	char error[512]; /* the reader's message when damaged */
	struct sched_counts totals;
	size_t nthreads; /* grouped by process, each by start */
	struct thread_report *threads;
	size_t nprocesses; /* in order of their first thread's start */
	struct process_report *processes;
};

#endif /* LAB_REPORT_H */
