/* phases.h - the phases a workload marks (LAB_MARK_PHASE) and the
 * scheduler switches inside each.
 *
 * Which thread is the root is known only once the whole trace is read,
 * so the log keeps every phase and end marker and, from the first phase
 * marker on, every switch-out; phases_report() then keeps the root's
 * markers and the workload's switches.
 */
#ifndef LAB_PHASES_H
#define LAB_PHASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "events.h"
#include "report.h"

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

struct phase_log {
	struct phase_mark *marks;
	size_t nmarks, capmarks;
	struct phase_switch *sw;
	size_t nsw, capsw;
};

/* A marker event; other markers are ignored. Returns 0, or -1 when out
 * of memory. */
int phases_mark(struct phase_log *p, const struct lab_event *ev);
/* A switch-out of timeline record rec. Returns 0, or -1 when out of
 * memory. */
int phases_switch(struct phase_log *p, uint64_t ts, uint32_t rec,
		  bool voluntary);
/* The root's phases: each from its marker to the root's next phase or
 * WORKLOAD_END marker, else root_end, else end. Switches count when
 * keep[rec] is set. *out is NULL when there
 * are none. Returns 0, or -1 when out of memory. */
int phases_report(const struct phase_log *p, uint32_t root_tid,
		  const bool *keep, uint64_t root_end, uint64_t end,
		  struct phase_report **out, size_t *n);
void phases_free(struct phase_log *p);

/* "setup", "work", ...; NULL for a number this analyzer does not know */
const char *phase_name(uint32_t phase);

#endif /* LAB_PHASES_H */
