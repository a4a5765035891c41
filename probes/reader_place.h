/* reader_place.h - where the ring buffer's reader runs: before the traced
 * program when both want a CPU, and off the CPUs the program keeps busy
 * while others are free. */
#ifndef LAB_READER_PLACE_H
#define LAB_READER_PLACE_H

#include <sched.h>
#include <stddef.h>

struct reader_place {
	cpu_set_t all;	/* the CPUs lab may run on */
	cpu_set_t seen; /* CPUs the events drained since the last move came from
			 */
	cpu_set_t placed; /* the reader's CPUs now */
	size_t events;	  /* events drained since the last move */
	int policy;	  /* the thread's own, given back at the end */
	struct sched_param param;
};

/* The calling thread becomes the reader: real-time (SCHED_FIFO 1, its
 * children ordinary), on the CPUs it may use. Without CAP_SYS_NICE it
 * stays as it was. */
void reader_place_init(struct reader_place *r);
/* An event drained, recorded on cpu. */
void reader_place_saw(struct reader_place *r, unsigned cpu);
/* After a drain: the reader moves to the CPUs its recent events did not
 * come from, or to all of them when they came from every CPU. */
void reader_place_update(struct reader_place *r);
/* The run is over: the thread's policy and CPUs are as they were
 * (nothing when reader_place_init was not called on a zeroed r). */
void reader_place_done(struct reader_place *r);

#endif /* LAB_READER_PLACE_H */
