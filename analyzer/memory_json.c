/* memory_json.c - a run's memory as lab-report/1's "memory". */
#include <math.h>
#include "analyzer/json_put.h"
#include "analyzer/memory_json.h"

static const char *const kind_names[MEMORY_KINDS] = {
	[MEMORY_PROCESS] = "process",
	[MEMORY_THREAD] = "thread",
	[MEMORY_EVENT] = "event",
	[MEMORY_COROUTINE] = "coroutine",
};

const char *memory_kind_name(enum memory_kind k)
{
	return (unsigned)k < MEMORY_KINDS ? kind_names[k] : "?";
}

static void put_kib(json_object *o, const char *key, double v)
{
	json_object_object_add(o, key,
			       json_object_new_double(round(v * 10) / 10));
}

static void put_figures(json_object *o, const struct lab_memory *m)
{
	json_put_u64(o, "rss_kb", m->rss_kb);
	json_put_u64(o, "pss_kb", m->pss_kb);
	json_put_u64(o, "uss_kb", m->uss_kb);
	json_put_u64(o, "pss_anon_kb", m->pss_anon_kb);
	json_put_u64(o, "pss_file_kb", m->pss_file_kb);
	json_put_u64(o, "pss_shmem_kb", m->pss_shmem_kb);
	json_put_u64(o, "swap_kb", m->swap_kb);
	json_put_u64(o, "page_tables_kb", m->pte_kb);
}

static json_object *totals_json(const struct memory_totals *t,
				const struct run_report *r)
{
	json_object *o = json_object_new_object();
	const struct lab_memory sum = {
		.rss_kb = t->rss_kb,
		.pss_kb = t->pss_kb,
		.uss_kb = t->uss_kb,
		.pss_anon_kb = t->pss_anon_kb,
		.pss_file_kb = t->pss_file_kb,
		.pss_shmem_kb = t->pss_shmem_kb,
		.swap_kb = t->swap_kb,
		.pte_kb = t->pte_kb,
	};

	json_put_u64(o, "at_ns", t->time_ns - r->info.start_ns);
	json_put_u64(o, "processes", t->processes);
	json_put_u64(o, "threads", t->threads);
	put_figures(o, &sum);
	return o;
}

static json_object *processes_json(const struct memory_report *m)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < m->nprocesses; i++) {
		json_object *p = json_object_new_object();

		json_put_u64(p, "pid", m->processes[i].pid);
		json_put_u64(p, "threads", m->processes[i].threads);
		put_figures(p, &m->processes[i]);
		json_object_array_add(a, p);
	}
	return a;
}

static json_object *cost_json(const struct memory_cost *c)
{
	json_object *o = json_object_new_object();

	json_put_u64(o, "tasks", c->tasks);
	put_kib(o, "user_kb", c->user_kib);
	put_kib(o, "page_tables_kb", c->page_tables_kib);
	put_kib(o, "kernel_kb", c->kernel_kib);
	put_kib(o, "total_kb",
		c->user_kib + c->page_tables_kib + c->kernel_kib);
	return o;
}

json_object *memory_json(const struct run_report *r)
{
	const struct memory_report *m = &r->memory;
	json_object *o, *costs;

	if (!m->nprocesses)
		return NULL;
	o = json_object_new_object();
	if (m->sampled)
		json_object_object_add(o, "before", totals_json(&m->before, r));
	json_object *peak = totals_json(&m->peak, r);

	json_object_object_add(peak, "by_process", processes_json(m));
	json_object_object_add(o, "peak", peak);
	if (m->has_kind)
		json_put_str(o, "kind", memory_kind_name(m->kind));
	else
		json_put_null(o, "kind");
	costs = json_put_object(o, "per_task");
	for (int k = 0; k < MEMORY_KINDS; k++)
		if (m->cost[k].tasks)
			json_object_object_add(costs, memory_kind_name(k),
					       cost_json(&m->cost[k]));
	return o;
}
