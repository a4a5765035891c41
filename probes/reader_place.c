/* reader_place.c - where the ring buffer's reader runs.
 *
 * With every CPU busy, an ordinary task shares its CPU with the program
 * it reads and falls behind (stress-ng --mutex 2 on two CPUs lost half
 * its events at the default ring; docs/performance.md), so the reader is
 * real-time: it runs before the program whenever it wakes, once per
 * wakeup_bytes of events. But a real-time task woken stays on the CPU it
 * last ran on and preempts whatever ordinary task runs there: a reader
 * that once ran where a pinned ping-pong runs took a tenth of its time.
 * So it keeps to the CPUs its recent events did not come from, which
 * the program leaves free, and to every CPU when the program keeps
 * them all busy.
 */
#include "probes/reader_place.h"

/* events a drain must have seen to tell where the program runs */
#define EVENTS_TO_MOVE 1024

void reader_place_init(struct reader_place *r)
{
	struct sched_param sp = {.sched_priority = 1};

	CPU_ZERO(&r->seen);
	r->events = 0;
	if (sched_getaffinity(0, sizeof(r->all), &r->all) ||
	    (r->policy = sched_getscheduler(0)) < 0 ||
	    sched_getparam(0, &r->param)) {
		CPU_ZERO(&r->all);
		return;
	}
	r->placed = r->all;
	(void)sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp);
}

void reader_place_saw(struct reader_place *r, unsigned cpu)
{
	if (cpu < CPU_SETSIZE)
		CPU_SET(cpu, &r->seen);
	r->events++;
}

void reader_place_update(struct reader_place *r)
{
	cpu_set_t free;

	if (r->events < EVENTS_TO_MOVE || !CPU_COUNT(&r->all))
		return;
	CPU_XOR(&free, &r->all, &r->seen);
	CPU_AND(&free, &free, &r->all);
	if (!CPU_COUNT(&free))
		free = r->all;
	if (!CPU_EQUAL(&free, &r->placed) &&
	    !sched_setaffinity(0, sizeof(free), &free))
		r->placed = free;
	CPU_ZERO(&r->seen);
	r->events = 0;
}

void reader_place_done(struct reader_place *r)
{
	if (!CPU_COUNT(&r->all))
		return;
	if (!CPU_EQUAL(&r->placed, &r->all))
		(void)sched_setaffinity(0, sizeof(r->all), &r->all);
	(void)sched_setscheduler(0, r->policy, &r->param);
	CPU_ZERO(&r->all);
}
