/* ring_record.c - a record of the probes' ring buffer as the trace's
 * events. */
#include <string.h>
#include "probes/ring_record.h"

size_t ring_record_events(const void *data, size_t size,
			  struct lab_event out[RING_RECORD_MAX_EVENTS])
{
	const char *tail = (const char *)data + sizeof(struct lab_event);
	struct lab_rec_block block;
	struct lab_rec_woken woken;
	struct lab_event sw;
	size_t n = 0, need = sizeof(sw);

	if (size < sizeof(sw))
		return 0;
	memcpy(&sw, data, sizeof(sw));
	if (sw.type != LAB_EV_SWITCH ||
	    !(sw.flags & (LAB_REC_BLOCK | LAB_REC_WOKEN))) {
		out[0] = sw;
		return size == sizeof(sw);
	}
	need += (sw.flags & LAB_REC_BLOCK ? sizeof(block) : 0) +
		(sw.flags & LAB_REC_WOKEN ? sizeof(woken) : 0);
	if (size < need)
		return 0;
	if (sw.flags & LAB_REC_BLOCK) {
		memcpy(&block, tail, sizeof(block));
		tail += sizeof(block);
	}
	/* next's wakeup came first, then prev blocked and switched out */
	if (sw.flags & LAB_REC_WOKEN) {
		memcpy(&woken, tail, sizeof(woken));
		out[n++] = (struct lab_event){.ts = woken.ts,
					      .tid = sw.other_tid,
					      .pid = sw.other_pid,
					      .other_tid = woken.waker_tid,
					      .other_pid = woken.waker_pid,
					      .cpu = sw.cpu,
					      .type = LAB_EV_WAKEUP,
					      .aux = sw.cpu};
	}
	if (sw.flags & LAB_REC_BLOCK)
		out[n++] = (struct lab_event){.ts = sw.ts,
					      .value = block.arg1,
					      .tid = sw.tid,
					      .pid = sw.pid,
					      .other_tid = block.arg2,
					      .cpu = sw.cpu,
					      .type = LAB_EV_BLOCK,
					      .aux = (__u32)block.nr};
	sw.flags &= ~(LAB_REC_BLOCK | LAB_REC_WOKEN);
	out[n++] = sw;
	return n;
}
