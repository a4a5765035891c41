/* memory.c - what the run's tasks hold in memory (memory.h). */
#include <stdlib.h>
#include <string.h>
#include "analyzer/memory.h"
#include "analyzer/results.h"

static void add(struct memory_totals *t, const struct lab_memory *m)
{
	t->time_ns = m->time_ns;
	t->processes++;
	t->threads += m->threads;
	t->rss_kb += m->rss_kb;
	t->pss_kb += m->pss_kb;
	t->uss_kb += m->uss_kb;
	t->pss_anon_kb += m->pss_anon_kb;
	t->pss_file_kb += m->pss_file_kb;
	t->pss_shmem_kb += m->pss_shmem_kb;
	t->swap_kb += m->swap_kb;
	t->pte_kb += m->pte_kb;
}

static int by_pid(const void *a, const void *b)
{
	const struct lab_memory *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static bool sampled_before(const struct lab_memory *s, size_t n, uint32_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].point == LAB_MEMORY_BEFORE && s[i].pid == pid)
			return true;
	return false;
}

/* Anonymous and shared pages: what tasks add (file pages they share). */
static double grown(const struct memory_totals *t)
{
	return (double)t->pss_anon_kb + (double)t->pss_shmem_kb;
}

static void set_cost(struct memory_cost *c, uint64_t tasks, double user_kib,
		     double pte_kib, double kernel_kib)
{
	c->tasks = tasks;
	c->user_kib = user_kib / (double)tasks;
	c->page_tables_kib = pte_kib / (double)tasks;
	c->kernel_kib = kernel_kib;
}

/* Splits what the run grew by between the processes, threads and
 * coroutines it added (memory.h). */
static void costs(struct run_report *r, const struct lab_memory *s, size_t n)
{
	struct memory_report *m = &r->memory;
	double kernel = (double)(r->info.kernel_stack_bytes +
				 r->info.task_struct_bytes) /
			1024;
	double own = 0, own_pte = 0, in_user;
	uint64_t procs = 0, threads;

	for (size_t i = 0; i < m->nprocesses; i++) {
		const struct lab_memory *p = &m->processes[i];

		if (sampled_before(s, n, p->pid))
			continue;
		procs++;
		own += (double)p->uss_kb;
		own_pte += (double)p->pte_kb;
	}
	threads = m->peak.threads > m->before.threads + procs
			  ? m->peak.threads - m->before.threads - procs
			  : 0;
	double rest = grown(&m->peak) - grown(&m->before) - own;
	double rest_pte =
		(double)m->peak.pte_kb - (double)m->before.pte_kb - own_pte;

	/* a workload whose tasks were not all alive at its peak (they end
	 * as soon as they are made, as spawn's do) says nothing of what
	 * one holds: the few left are no sample of them */
	if (r->marked_tasks && (procs || threads) &&
	    (procs + threads) * 10 < r->marked_tasks * 9)
		return;
	if (procs)
		set_cost(&m->cost[MEMORY_PROCESS], procs, own, own_pte, kernel);
	if (threads)
		set_cost(&m->cost[MEMORY_THREAD], threads, rest, rest_pte,
			 kernel);
	else if (results_get(r, LAB_RESULT_CORO_MAPPED, &in_user) &&
		 r->marked_tasks)
		set_cost(&m->cost[MEMORY_COROUTINE], r->marked_tasks, rest,
			 rest_pte, 0);
	else if (results_get(r, LAB_RESULT_DISPATCHES, &in_user) &&
		 r->marked_tasks)
		set_cost(&m->cost[MEMORY_EVENT], r->marked_tasks, rest,
			 rest_pte, 0);
	for (int k = 0; k < MEMORY_KINDS; k++) {
		if (m->cost[k].tasks >
		    (m->has_kind ? m->cost[m->kind].tasks : 0)) {
			m->kind = (enum memory_kind)k;
			m->has_kind = true;
		}
	}
}

int memory_fill(struct run_report *r, const struct lab_memory *s, size_t n)
{
	struct memory_report *m = &r->memory;
	bool before = false;

	for (size_t i = 0; i < n; i++) {
		if (s[i].point == LAB_MEMORY_BEFORE) {
			add(&m->before, &s[i]);
			before = true;
		} else if (s[i].point == LAB_MEMORY_PEAK) {
			m->nprocesses++;
		}
	}
	if (!m->nprocesses)
		return 0;
	m->processes = malloc(m->nprocesses * sizeof(*m->processes));
	if (!m->processes)
		return -1;
	m->nprocesses = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i].point != LAB_MEMORY_PEAK)
			continue;
		add(&m->peak, &s[i]);
		m->processes[m->nprocesses++] = s[i];
	}
	qsort(m->processes, m->nprocesses, sizeof(*m->processes), by_pid);
	m->sampled = before;
	if (before)
		costs(r, s, n);
	return 0;
}
