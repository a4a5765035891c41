/* runq_tick.c - run-queue waits that cluster at the scheduler tick. */
#include <string.h>
#include "analyzer/runq_tick.h"
#include "analyzer/stats.h"

void runq_tick_find(struct runq_tick *t, const uint64_t *hist, uint64_t tick_ns)
{
	memset(t, 0, sizeof(*t));
	t->tick_ns = tick_ns;
	t->waits = stats_hist_total(hist, LAB_HIST_SLOTS);
	if (!tick_ns)
		return;
	t->slot = stats_hist_slot(tick_ns, LAB_HIST_SLOTS);
	t->in_slot = hist[t->slot];
	if (t->waits < RUNQ_TICK_MIN_WAITS ||
	    100 * t->in_slot < RUNQ_TICK_SHARE * t->waits)
		return;
	for (unsigned int i = 0; i < LAB_HIST_SLOTS; i++)
		if (i != t->slot && hist[i] >= t->in_slot)
			return;
	t->clustered = true;
}
