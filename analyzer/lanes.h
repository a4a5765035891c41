/* lanes.h - each thread's scheduler state over the run, downsampled to a
 * fixed number of columns for drawing (the HTML timeline).
 *
 * Memory is bounded by the number of threads, never by the number of
 * events: the builder keeps, per thread and column, the time spent in
 * each state, and when the run outgrows the columns it doubles their
 * width, merging neighbours. Each column finally shows the state the
 * thread spent most of that column in; the first LANE_MIXED lanes also
 * keep how much of the column each state took.
 *
 *	b = lanes_new(start_ns);
 *	tl.on_interval = lanes_interval; tl.interval_ctx = b;
 *	... timeline events ...
 *	lanes_finish(b, end_ns, recs, n, &report->lanes);   consumes b
 */
#ifndef LAB_LANES_H
#define LAB_LANES_H

#include <stddef.h>
#include <stdint.h>

struct tl_thread;

/* What a column shows; blocked states grouped by what they wait for. */
enum lane_state {
	LANE_NONE,     /* the thread did not exist then, or was not seen */
	LANE_RUNNING,  /* on a CPU */
	LANE_RUNNABLE, /* waiting for a CPU */
	LANE_LOCK,     /* blocked in futex on a lock word */
	LANE_EVENT,    /* blocked in futex: a condition, semaphore, event */
	LANE_JOIN,     /* blocked in futex on a thread's tid word: joining */
	LANE_IO,       /* blocked in read/write/poll families */
	LANE_SLEEP,    /* nanosleep, clock_nanosleep */
	LANE_CHILD,    /* wait4, waitid */
	LANE_BLOCKED,  /* blocked elsewhere, or why is not known */
	LANE_NEW,      /* forked, not yet woken */
	/* a CPU's (cpu_lanes.h): another task than the run's, or none */
	LANE_OTHER,
	LANE_IDLE,
	LANE_NSTATES,
};

#define LANE_COLUMNS 512

struct lane {
	/* the state of each column, enum lane_state */
	uint8_t state[LANE_COLUMNS];
};

/* Lanes that also keep each column's mix of states: the first in report
 * order, so the memory stays bounded whatever the number of threads
 * (the family page draws them, stacked by share). */
#define LANE_MIXED 16

/* Each column's time in each state, in 255ths of the column's width
 * (rounded, so a column may sum a little over 255); share[c][LANE_NONE]
 * is 0: what the known states leave is time not alive or not known. */
struct lane_mix {
	uint8_t share[LANE_COLUMNS][LANE_NSTATES];
};

struct lane_set {
	uint64_t start_ns;  /* column 0 starts here (the trace's start) */
	uint64_t column_ns; /* each column's width */
	size_t ncolumns;    /* columns up to the run's end, <= LANE_COLUMNS */
	size_t nlanes;	    /* one per run_report thread, in its order */
	struct lane *lanes;
	/* the mixes of lanes [0, nmixed): min(nlanes, LANE_MIXED) */
	size_t nmixed;
	struct lane_mix *mixes;
};

/* "running", "runnable", "lock", "event", "join", "io", "sleep",
 * "child", "blocked", "new", "none": names for legends and CSS classes */
const char *lanes_state_name(enum lane_state s);

struct lane_builder;

/* NULL when out of memory. */
struct lane_builder *lanes_new(uint64_t start_ns);
/* A timeline interval listener (timeline.h on_interval). Out of memory
 * is remembered and reported by lanes_finish. */
void lanes_interval(void *builder, uint32_t rec, const struct tl_thread *t,
		    uint64_t from, uint64_t to);
/* The lanes of timeline records recs[0..n) in that order, columns up to
 * end_ns, into *out (free with lanes_free). A record no interval named
 * (UINT32_MAX for a thread without one) gets a lane of LANE_NONE. Frees
 * b. Returns 0, or -1 when out of memory (*out is then empty). */
int lanes_finish(struct lane_builder *b, uint64_t end_ns, const uint32_t *recs,
		 size_t n, struct lane_set *out);
void lanes_free(struct lane_set *s);
/* Frees a builder that will not be finished. NULL is fine. */
void lanes_builder_free(struct lane_builder *b);
/* The bytes b holds: they grow with the records, never the events. */
size_t lanes_bytes(const struct lane_builder *b);

#endif /* LAB_LANES_H */
