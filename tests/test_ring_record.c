/* test_ring_record.c - a switch record of the ring buffer into the
 * trace's events: its wakeup and block parts out as their own events, in
 * time order, with the fields the analysis reads; records too short for
 * what they say they hold refused. */
#include <string.h>
#include <linux/types.h>
#include "probes/ring_record.h"
#include "tests/test.h"

/* a voluntary switch of 101 (pid 100) to 202 (pid 200) on CPU 1 at
 * 5000 ns */
static struct lab_event a_switch(__u8 parts)
{
	return (struct lab_event){.ts = 5000,
				  .value = 1, /* TASK_INTERRUPTIBLE */
				  .tid = 101,
				  .pid = 100,
				  .other_tid = 202,
				  .other_pid = 200,
				  .cpu = 1,
				  .type = LAB_EV_SWITCH,
				  .flags = parts};
}

TEST(ring_switch_with_its_block_and_wakeup_is_three_events)
{
	struct {
		struct lab_event e;
		struct lab_rec_block b;
		struct lab_rec_woken w;
	} r = {a_switch(LAB_REC_BLOCK | LAB_REC_WOKEN),
	       {.arg1 = 0x7f00, .arg2 = 0x80, .nr = 202},
	       {.ts = 4000, .waker_tid = 303, .waker_pid = 300}};
	struct lab_event out[RING_RECORD_MAX_EVENTS] = {0};

	if (!CHECK_EQ(ring_record_events(&r, sizeof(r), out), 3))
		return;
	/* next's wakeup, at its own (earlier) time, by its waker */
	CHECK_EQ(out[0].type, LAB_EV_WAKEUP);
	CHECK_EQ(out[0].ts, 4000);
	CHECK_EQ(out[0].tid, 202);
	CHECK_EQ(out[0].pid, 200);
	CHECK_EQ(out[0].other_tid, 303);
	CHECK_EQ(out[0].other_pid, 300);
	/* what prev blocks in, at the switch's time */
	CHECK_EQ(out[1].type, LAB_EV_BLOCK);
	CHECK_EQ(out[1].ts, 5000);
	CHECK_EQ(out[1].tid, 101);
	CHECK_EQ(out[1].aux, 202);
	CHECK_EQ(out[1].value, 0x7f00);
	CHECK_EQ(out[1].other_tid, 0x80);
	/* the switch, as an older lab wrote it */
	CHECK_EQ(out[2].type, LAB_EV_SWITCH);
	CHECK_EQ(out[2].flags, 0);
	CHECK_EQ(out[2].other_tid, 202);
	CHECK_EQ(out[2].value, 1);
}

TEST(ring_switch_with_its_wakeup_alone)
{
	struct {
		struct lab_event e;
		struct lab_rec_woken w;
	} r = {a_switch(LAB_REC_WOKEN | LAB_SWITCH_PREEMPT),
	       {.ts = 4500, .waker_tid = 303, .waker_pid = 300}};
	struct lab_event out[RING_RECORD_MAX_EVENTS] = {0};

	if (!CHECK_EQ(ring_record_events(&r, sizeof(r), out), 2))
		return;
	CHECK_EQ(out[0].type, LAB_EV_WAKEUP);
	CHECK_EQ(out[0].ts, 4500);
	CHECK_EQ(out[1].type, LAB_EV_SWITCH);
	CHECK_EQ(out[1].flags, LAB_SWITCH_PREEMPT);
}

TEST(ring_records_short_of_what_they_hold_are_refused)
{
	struct {
		struct lab_event e;
		struct lab_rec_block b;
		struct lab_rec_woken w;
	} r = {a_switch(LAB_REC_BLOCK | LAB_REC_WOKEN), {0}, {0}};
	struct lab_event plain = a_switch(0), out[RING_RECORD_MAX_EVENTS] = {0};

	CHECK_EQ(ring_record_events(&r, sizeof(r) - 1, out), 0);
	CHECK_EQ(ring_record_events(&r, sizeof(struct lab_event), out), 0);
	CHECK_EQ(ring_record_events(&plain, sizeof(plain) - 1, out), 0);
	/* a plain event is itself, at exactly its size */
	CHECK_EQ(ring_record_events(&plain, sizeof(plain) + 8, out), 0);
	if (CHECK_EQ(ring_record_events(&plain, sizeof(plain), out), 1))
		CHECK(!memcmp(&out[0], &plain, sizeof(plain)));
}
