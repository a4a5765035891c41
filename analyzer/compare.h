/* compare.h - a family comparison: the runs of one scenario lined up by
 * model (processes, threads, events, coroutines, serial), each figure the
 *median of that model's runs with their minimum and maximum.
 *
 *	struct comparison c;
 *	compare_init(&c);
 *	compare_add(&c, report, err, len);   every run, in any order
 *	compare_finish(&c);                  medians, spreads
 *	... explain(&c, &e); compare_print_text(f, &c, &e); ...
 *	compare_free(&c);
 *
 * A run is taken apart into a few dozen figures when it is added, so the
 * reports can be freed at once however many runs there are. Which run
 * belongs to which model comes from its workload name,
 * "<scenario>-<model>". docs/report-schema.md ("lab-comparison/1") says
 * where each figure comes from.
 */
#ifndef LAB_COMPARE_H
#define LAB_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "analyzer/report.h"

/* In the order the comparison shows them: the expected order of cost,
 * most first, then the baseline. */
enum cmp_model {
	CMP_PROCESSES,
	CMP_THREADS,
	/* one thread's epoll loop, each task a state machine of callbacks:
	 * the step the course text puts between threads and coroutines */
	CMP_EVENTS,
	CMP_COROUTINES,
	CMP_SERIAL,
	CMP_NMODELS,
};

enum cmp_unit {
	CMP_UNIT_NS,	/* a duration */
	CMP_UNIT_COUNT, /* a count */
	CMP_UNIT_AVG,	/* a count per task: may have a fraction */
	CMP_UNIT_KIB,	/* memory */
	CMP_UNIT_RATIO, /* CPUs kept busy */
	CMP_UNIT_SHARE, /* a fraction, shown as a percentage */
};

enum cmp_metric {
	CMP_WALL,	       /* the run's wall time */
	CMP_ONCPU,	       /* on-CPU time of every thread */
	CMP_BUSY,	       /* ONCPU / WALL: CPUs kept busy on average */
	CMP_USER,	       /* user CPU time (rusage) */
	CMP_SYS,	       /* system CPU time (rusage) */
	CMP_SWITCHES,	       /* kernel context switches */
	CMP_SWITCHES_PER_TASK, /* SWITCHES / TASKS */
	CMP_WALL_PER_SWITCH,   /* WALL / SWITCHES */
	CMP_USER_SWITCHES,     /* coroutine switches, in user space */
	CMP_RUNQ_WAIT,	       /* time runnable, waiting for a CPU */
	CMP_OFFCPU,	       /* time blocked, every reason */
	/* time blocked by reason: CMP_OFFCPU_REASON + enum offcpu_reason */
	CMP_OFFCPU_REASON,
	/* blocked on futex words taken as locks */
	CMP_LOCK_WAIT = CMP_OFFCPU_REASON + OFFCPU_NREASONS,
	CMP_LOCK_WAITS,	     /* how many of those waits */
	CMP_KLOCK_WAIT,	     /* contended kernel locks: spinning or asleep */
	CMP_SPAWN,	     /* time in the workload's spawn phases */
	CMP_SPAWN_PER_TASK,  /* SPAWN / TASKS */
	CMP_FORK_RUN,	     /* mean fork -> first run of created tasks */
	CMP_CREATE_CALL,     /* mean time of the creator in fork/clone */
	CMP_CREATED,	     /* threads and processes the kernel created */
	CMP_CHILD_FAULTS,    /* page faults per created thread or process */
	CMP_FAULTS_PER_TASK, /* every page fault of the run / TASKS */
	/* memory.h: what one task adds, KiB: its pages, its page tables,
	 * both (what /proc shows of it), the kernel's stack and task_struct,
	 * all of it */
	CMP_MEMORY_PAGES,
	CMP_MEMORY_PAGE_TABLES,
	CMP_MEMORY_USER,
	CMP_MEMORY_KERNEL,
	CMP_MEMORY_PER_TASK,
	CMP_TASKS,   /* tasks the job ran */
	CMP_DROPPED, /* events lost to a full ring buffer */
	CMP_WORK,    /* time in the workload's work phases */
	/* the workload's own result (workload.results) */
	CMP_OPS,	      /* operations done: round trips, items, ... */
	CMP_OP_COST,	      /* ops_ns / ops: the workload's time per op */
	CMP_SWITCHES_PER_OP,  /* kernel switches / ops */
	CMP_SYS_PER_OP,	      /* system CPU time / ops */
	CMP_LOST_SHARE,	      /* race: lost / ops */
	CMP_WAITED_SHARE,     /* lock: waited / ops */
	CMP_CREATOR_PER_TASK, /* spawn: create_ns / ops */
	CMP_MANAGER_PER_OP,   /* shared: an update through the manager */
	CMP_LOCKED_PER_OP,    /* shared: an update under a shared lock */
	CMP_SYNC,	      /* pool: the jobs with apply */
	CMP_ASYNC,	      /* pool: the jobs with apply_async */
	CMP_CALLBACKS,	      /* pool: callbacks run */
	CMP_ZOMBIE,	      /* daemon: finished workers unreaped */
	CMP_DAEMON_BEATS,     /* daemon: the daemon's beats */
	CMP_HANDOFF_SHARE,    /* gil: handoffs / takes */
	CMP_DELAY,	      /* net: the server's delay per fetch */
	CMP_DISPATCHES,	      /* events: callbacks the loop called */
	/* per operation of the result, what resumes a waiting task in user
	 * space: events' callbacks (dispatches), else coroutine switches */
	CMP_RESUMES_PER_OP,
	CMP_MACHINE_BYTES, /* events: a task's state machine, bytes */
	/* who woke whom, who took the CPU (wakeups.h) */
	CMP_WAKEUPS,	    /* wakeups of the run's threads by its threads */
	CMP_WAKEUPS_PER_OP, /* WAKEUPS / ops */
	CMP_WAKE_LATENCY,   /* their mean time from wakeup to running */
	CMP_COND_WAIT,	    /* blocked on futex conditions (locks.h) */
	CMP_COND_WAITS,	    /* how many of those waits */
	CMP_RUNQ_BY_RUN,    /* run-queue wait after preemption by the run */
	CMP_RUNQ_BY_OTHERS, /* ... by other programs and kernel threads */
	CMP_RUNQ_BY_LAB,    /* ... by lab's own tracer */
	CMP_HANDOFFS,	    /* lock words handed to a sleeping waiter */
	CMP_HANDOFF_P50,    /* the busiest word's median hand-off */
	CMP_NMETRICS,
};

struct cmp_metric_info {
	const char *key;   /* the JSON name: "wall_ns" */
	const char *label; /* for the terminal: "wall time" */
	enum cmp_unit unit;
};

/* One figure of one model over its runs; n = 0: not known. The median is
 * nearest-rank (rank ceil(n/2)): a value one run measured. */
struct cmp_stat {
	size_t n;
	double median, min, max;
};

/* One run's figures; known[m] says whether it has metric m. */
struct cmp_sample {
	double v[CMP_NMETRICS];
	bool known[CMP_NMETRICS];
};

struct cmp_model_runs {
	char workload[64]; /* "io-threads"; "" when the model did not run */
	size_t runs;	   /* runs lined up */
	/* runs left out: the trace is incomplete or the workload failed */
	size_t excluded;
	struct cmp_sample *samples;
	size_t cap;
	struct cmp_stat stat[CMP_NMETRICS]; /* after compare_finish */
	/* its runs' threads over time: compare_lanes.h */
	struct cmp_lanes *lanes;
	/* the task outside the run whose preemptions cost one of its runs
	 * the most run-queue wait, and that wait; "" when none */
	char preemptor[LAB_COMM_LEN];
	double preemptor_ns;
};

/* A relative difference below which no ordering is claimed when a model
 * ran once (no spread to judge by): processes' and threads' switch costs
 * vary by about 20% between runs on the development machine. */
#define CMP_MARGIN_SINGLE 0.25
/* With repeats the ranges must not overlap, and the medians differ by at
 * least this much too. */
#define CMP_MARGIN_REPEAT 0.05

/* A command's name in a comparison; at most CMP_NMODELS commands side
 * by side, the table's columns. */
#define CMP_NAME_LEN 64

struct comparison {
	char scenario[64];
	/* commands lined up by the names given (lab compare, lab report of
	 * foreign traces), each in a model's slot: names[m] is the slot's
	 * name, "" when not used. Names that are all models' keep their
	 * slots and the expected order; any other (free) puts the names in
	 * slots in the order given, and the order-free rules speak
	 * (explain_free.c). */
	bool commands;
	bool free_names;
	char names[CMP_NMODELS][CMP_NAME_LEN];
	char params[256];
	struct lab_trace_info info; /* the first run's: where it ran */
	unsigned int cpus; /* CPUs the tasks could use: --cpu, else all */
	struct cmp_model_runs model[CMP_NMODELS];
};

void compare_init(struct comparison *c);
void compare_free(struct comparison *c);

/* The model a workload name ends in ("io-threads": threads), its
 * scenario ("io") copied into scenario; -1 when it names no model. */
int compare_model_of(const char *workload, char *scenario, size_t len);
/* "processes", ... */
const char *compare_model_name(enum cmp_model m);
const struct cmp_metric_info *compare_metric(enum cmp_metric m);
/* The relative difference below which a single run's order on m is not
 * called: how much m varies between identical runs, CMP_MARGIN_SINGLE
 * where it was not measured to vary more. */
double compare_margin(enum cmp_metric m);
/* A figure as people read it: "1.52 ms", "20,000", "2,120 kB", "0.77". */
void compare_show(char *buf, size_t len, double v, enum cmp_unit unit);
/* A model's figure as the tables show it: the median, and half the range
 * over its runs relative to the median ("1.52 ms ±4%"). Returns buf. */
const char *compare_show_stat(char *buf, size_t len, const struct cmp_stat *s,
			      enum cmp_unit unit);

/* Lines up one run. Returns 0, or -1 with the reason in err: not a model
 * of the scenario the first run set, other parameters or another number
 * of CPUs (then the runs are not the same job), or out of memory. A run
 * whose trace is incomplete or whose workload failed is counted as left
 * out and its figures are not used. */
int compare_add(struct comparison *c, const struct run_report *r, char *err,
		size_t errlen);
/* Lines up one run of a command under name (its slot: see struct
 * comparison), with the same checks as compare_add but no scenario.
 * Returns 0, or -1 with the reason in err (more names than columns, or
 * a run that does not fit). */
int compare_add_named(struct comparison *c, const struct run_report *r,
		      const char *name, char *err, size_t errlen);
/* The name of a slot as the tables and claims show it: the command's
 * name, else the model's. */
const char *compare_name(const struct comparison *c, enum cmp_model m);
/* Medians, minima and maxima of every model's runs. */
void compare_finish(struct comparison *c);

/* After compare_finish. NULL when the model did not run or the figure is
 * not known for it. */
const struct cmp_stat *compare_stat(const struct comparison *c,
				    enum cmp_model model,
				    enum cmp_metric metric);
/* Known for some model, and not zero for every one. */
bool compare_nonzero(const struct comparison *c, enum cmp_metric m);
/* Models with at least one run used. */
size_t compare_nmodels(const struct comparison *c);
/* A model the tables give a column: it ran, even if every run was left
 * out. */
bool compare_shown(const struct comparison *c, enum cmp_model m);
/* The most runs any model has: 1 without repeats. */
size_t compare_repeats(const struct comparison *c);
/* true when every model that ran has at least two runs used */
bool compare_has_spread(const struct comparison *c);
/* Some run lost events to a full ring buffer. */
bool compare_any_dropped(const struct comparison *c);

enum cmp_order {
	CMP_UNKNOWN, /* a figure is missing */
	CMP_CLOSE,   /* too close to call on this machine */
	CMP_BELOW,   /* a's median is lower, beyond the spread */
	CMP_ABOVE,   /* a's median is higher, beyond the spread */
};

/* The rule an order is called by, for the heading of an explanation:
 * "one run each: an order is called only ...; else ≈, too close to
 * call". Returns buf. */
const char *compare_margin_note(char *buf, size_t len,
				const struct comparison *c);

/* How a compares with b on metric: apart only when the medians differ by
 * more than the margin (CMP_MARGIN_SINGLE when either ran once) and, when
 * both ran more than once, their min-max ranges do not overlap. */
enum cmp_order compare_order(const struct comparison *c, enum cmp_metric m,
			     enum cmp_model a, enum cmp_model b);

struct explanation;

/* The terminal comparison: a table of the models' figures, then the
 * explanation; 79 columns. */
void compare_print_text(FILE *f, const struct comparison *c,
			const struct explanation *e);
/* The family JSON (schema "lab-comparison/1", docs/report-schema.md).
 * Returns 0, or -1 when writing failed. */
int compare_write_json(FILE *f, const struct comparison *c,
		       const struct explanation *e);

/* A run's page for the family page to link to. */
struct compare_page {
	char workload[64]; /* the run's workload, "io-threads": its model */
	char href[256];	   /* its file, relative to the family page */
};

/* The family page: one self-contained HTML file (inline CSS and SVG, no
 * network; docs/html-report.md), linking to the run pages given, in any
 * order, any number per model. Returns 0, or -1 when writing failed. */
int compare_write_html(FILE *f, const struct comparison *c,
		       const struct explanation *e,
		       const struct compare_page *pages, size_t npages);

#endif /* LAB_COMPARE_H */
