/* memory_text.c - a run's memory in words. */
#include <stdio.h>
#include "analyzer/memory_json.h"
#include "analyzer/memory_text.h"
#include "analyzer/units.h"

bool memory_text_peak(char *buf, size_t len, const struct run_report *r)
{
	const struct memory_totals *p = &r->memory.peak;
	char a[32], b[32], c[32];

	if (!r->memory.nprocesses)
		return false;
	snprintf(buf, len,
		 "memory at the peak (%s thread%s alive): PSS %s kB in %u "
		 "process%s, page tables %s kB",
		 units_count(a, sizeof(a), p->threads),
		 p->threads == 1 ? "" : "s",
		 units_count(b, sizeof(b), p->pss_kb), p->processes,
		 p->processes == 1 ? "" : "es",
		 units_count(c, sizeof(c), p->pte_kb));
	return true;
}

const char *memory_text_kernel(char *buf, size_t len,
			       const struct lab_trace_info *info)
{
	double stack = (double)info->kernel_stack_bytes / 1024,
	       task = (double)info->task_struct_bytes / 1024;

	if (info->task_struct_bytes)
		snprintf(buf, len,
			 "%.1f kB (%.0f kB stack, %.1f kB task_struct)",
			 stack + task, stack, task);
	else
		snprintf(buf, len, "%.0f kB (its stack; task_struct not read)",
			 stack);
	return buf;
}

static const char *const articles[MEMORY_KINDS] = {
	[MEMORY_PROCESS] = "a process",
	[MEMORY_THREAD] = "a thread",
	[MEMORY_EVENT] = "an events task",
	[MEMORY_COROUTINE] = "a coroutine task",
};

bool memory_text_costs(char *buf, size_t len, const struct run_report *r)
{
	const struct memory_report *m = &r->memory;
	size_t at = 0;
	char k[96];

	if (len)
		buf[0] = 0;
	for (int i = 0; i < MEMORY_KINDS && at < len; i++) {
		const struct memory_cost *c = &m->cost[i];
		int n;

		if (!c->tasks)
			continue;
		n = snprintf(buf + at, len - at,
			     "%s%s added %.1f kB of pages, %.1f kB of page "
			     "tables",
			     at ? "; " : "", articles[i], c->user_kib,
			     c->page_tables_kib);
		at += n > 0 ? (size_t)n : 0;
		if (at < len && c->kernel_kib > 0) {
			n = snprintf(
				buf + at, len - at, " and %s in the kernel",
				memory_text_kernel(k, sizeof(k), &r->info));
			at += n > 0 ? (size_t)n : 0;
		}
	}
	return at > 0;
}
