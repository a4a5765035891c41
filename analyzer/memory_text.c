/* memory_text.c - a run's memory in words. */
#include <stdio.h>
#include "analyzer/memory_json.h"
#include "analyzer/memory_text.h"
#include "analyzer/units.h"

bool memory_text_peak(char *buf, size_t len, const struct run_report *r)
{
	const struct memory_totals *p = &r->memory.peak;
	char a[32], b[32];

	if (!r->memory.nprocesses)
		return false;
	snprintf(buf, len,
		 "memory at the peak: PSS %s kB and page tables %s kB in %u "
		 "process%s",
		 units_count(a, sizeof(a), p->pss_kb),
		 units_count(b, sizeof(b), p->pte_kb), p->processes,
		 p->processes == 1 ? "" : "es");
	return true;
}

static const char *const kinds[MEMORY_KINDS] = {
	[MEMORY_PROCESS] = "process",
	[MEMORY_THREAD] = "thread",
	[MEMORY_EVENT] = "events task",
	[MEMORY_COROUTINE] = "coroutine task",
};

bool memory_text_costs(char *buf, size_t len, const struct run_report *r)
{
	const struct memory_report *m = &r->memory;
	size_t at = 0;

	if (len)
		buf[0] = 0;
	for (int i = 0; i < MEMORY_KINDS && at < len; i++) {
		const struct memory_cost *c = &m->cost[i];
		int n;

		if (!c->tasks)
			continue;
		n = snprintf(buf + at, len - at,
			     "%s%s %.1f kB (pages %.1f, page tables %.1f, "
			     "kernel %.1f)",
			     at ? "; " : "a task added: ", kinds[i],
			     c->user_kib + c->page_tables_kib + c->kernel_kib,
			     c->user_kib, c->page_tables_kib, c->kernel_kib);
		at += n > 0 ? (size_t)n : 0;
	}
	return at > 0;
}
