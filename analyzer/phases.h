/* phases.h - the phases a workload marks (LAB_MARK_PHASE) and the
 * scheduler switches inside each.
 *
 * Which thread is the root, and which records are the workload's, is
 * known only once the whole trace is read, and a phase ends where its
 * marker's thread marks again or ends. So the log keeps every phase and
 * end marker, and counts switches per record between the times a phase
 * may start or end: each such time ("bound": a marker's, or the end of
 * a thread that marked a phase) cuts time into spans, the bound itself
 * being a span of its own. Memory grows with records times bounds,
 * never with switches.
 *
 * Events from different CPUs reach the file a few µs out of order, so a
 * switch is placed in its span only PHASE_PENDING switches later: a
 * marker that arrives later than that after a switch stamped at or after
 * it would leave that switch in the span before.
 */
#ifndef LAB_PHASES_H
#define LAB_PHASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "probes/events.h"
#include "analyzer/report.h"

#define PHASE_PENDING 4096

struct phase_mark {
	uint64_t ts;
	uint32_t tid;
	uint32_t marker; /* LAB_MARK_PHASE or LAB_MARK_WORKLOAD_END */
	uint64_t value;
};

struct phase_switch {
	uint64_t ts;
	uint32_t rec; /* the timeline record switched out */
	uint32_t voluntary;
};

struct phase_counts {
	uint64_t voluntary, involuntary;
};

struct phase_log {
	struct phase_mark *marks;
	size_t nmarks, capmarks;
	bool started; /* a phase marker has been seen */
	/* ascending, distinct; span 2k+1 is bounds[k] itself, span 2k the
	 * time between bounds[k-1] and bounds[k] */
	uint64_t *bounds;
	size_t nbounds, capbounds;
	/* per record (nrecs of them), 2 * nbounds + 1 spans; NULL: no
	 * switch placed yet */
	struct phase_counts **spans;
	size_t nrecs;
	/* switches not yet placed: a ring, oldest at pending[head] */
	struct phase_switch *pending;
	size_t head, npending;
	uint64_t last_ts; /* the latest switch's, from the first phase on */
};

/* A marker event; other markers are ignored. Returns 0, or -1 when out
 * of memory. */
int phases_mark(struct phase_log *p, const struct lab_event *ev);
/* A switch-out of timeline record rec. Returns 0, or -1 when out of
 * memory. */
int phases_switch(struct phase_log *p, uint64_t ts, uint32_t rec,
		  bool voluntary);
/* Thread tid's life ended at ts (its final switch, or its exit): where
 * the last phase it marked ends if it is the root. Returns 0, or -1
 * when out of memory. */
int phases_thread_end(struct phase_log *p, uint32_t tid, uint64_t ts);
/* The root's phases: each from its marker to the root's next phase or
 * WORKLOAD_END marker, else root_end, else end. Switches count when
 * keep[rec] is set. *out is NULL when there are none. Returns 0, or -1
 * when out of memory. */
int phases_report(struct phase_log *p, uint32_t root_tid, const bool *keep,
		  uint64_t root_end, uint64_t end, struct phase_report **out,
		  size_t *n);
void phases_free(struct phase_log *p);

/* "setup", "work", ...; NULL for a number this analyzer does not know */
const char *phases_name(uint32_t phase);

#endif /* LAB_PHASES_H */
