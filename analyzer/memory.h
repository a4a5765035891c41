/* memory.h - what the run's tasks hold in memory, from the samples the
 * tracer took before the tasks and at their peak (probes/memory_watch.h).
 *
 * What one more task costs is what it adds, split by who pays:
 *	a process	the pages only it maps (its USS: the pages it wrote
 *			since fork, copied, and its own allocations) and its
 *			page tables (VmPTE)
 *	a thread	what the run's anonymous and shared pages and page
 *			tables grew by, beyond what the new processes hold
 *			alone, divided among the new threads: its stack's
 *			touched pages, its thread-local data
 *	a coroutine	the same growth, divided among the tasks the
 *			workload made: its stack's touched pages
 *	an events task	the same: its state machine and what the loop keeps
 *			for it (a timer, an epoll entry)
 * File pages (the program, libc) are left out: forked or not, every
 * task maps the same page cache. Processes and threads also cost the
 * kernel a kernel stack and a task_struct each, which no /proc figure of
 * the process shows: the trace header says their sizes.
 */
#ifndef LAB_MEMORY_H
#define LAB_MEMORY_H

#include "analyzer/report.h"

/* Fills r->memory from the samples (NULL, 0 when the trace has none)
 * and r's marked results; r->info, the results and marked_tasks set. */
int memory_fill(struct run_report *r, const struct lab_memory *samples,
		size_t n);

#endif /* LAB_MEMORY_H */
