/* ring_record.h - a record of the probes' ring buffer as the trace's
 * events: a switch record carries what the trace keeps as separate
 * events (lab_rec_block, lab_rec_woken in probes/events.h). */
#ifndef LAB_RING_RECORD_H
#define LAB_RING_RECORD_H

#include <stddef.h>
#include <linux/types.h>
#include "probes/events.h"

/* the most events one record stands for: a wakeup, a block, a switch */
#define RING_RECORD_MAX_EVENTS 3

/* The events the size bytes at data stand for, in time order, into out:
 * their number, 0 for a record too short for what it says it holds. */
size_t ring_record_events(const void *data, size_t size,
			  struct lab_event out[RING_RECORD_MAX_EVENTS]);

#endif /* LAB_RING_RECORD_H */
