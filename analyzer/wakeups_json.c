/* wakeups_json.c - who woke whom and who took the CPU, as JSON. */
#include "analyzer/json_put.h"
#include "analyzer/wakeups.h"
#include "analyzer/wakeups_json.h"

/* tid and pid of a run thread; null for a task outside the run, whose
 * ids the report does not give (wakeups.h) */
static void put_ids(json_object *o, const struct task_link *l)
{
	if (l->kind == PARTY_RUN) {
		json_put_u64(o, "tid", l->tid);
		json_put_u64(o, "pid", l->pid);
	} else {
		json_put_null(o, "tid");
		json_put_null(o, "pid");
	}
}

static void put_waits(json_object *o, const char *key,
		      const struct task_link *l)
{
	json_object *w;

	if (!l->waits) {
		json_put_null(o, key);
		return;
	}
	w = json_put_object(o, key);
	json_put_u64(w, "count", l->waits);
	json_put_u64(w, "mean_ns", l->wait_ns / l->waits);
	json_put_u64(w, "max_ns", l->max_wait_ns);
	json_put_u64(w, "total_ns", l->wait_ns);
}

static json_object *links_json(const struct task_link *v, size_t n,
			       const char *waits_key)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		put_ids(o, &v[i]);
		json_put_str(o, "comm", v[i].comm);
		json_put_str(o, "kind", wakeups_kind_name(v[i].kind));
		json_put_u64(o, "count", v[i].count);
		put_waits(o, waits_key, &v[i]);
		json_object_array_add(a, o);
	}
	return a;
}

void wakeups_json_thread(json_object *o, const struct thread_report *t)
{
	json_object_object_add(
		o, "woken_by",
		links_json(t->woken_by, t->nwoken_by, "latency"));
	json_object_object_add(
		o, "preempted_by",
		links_json(t->preempted_by, t->npreempted_by, "runq_wait"));
}

json_object *wakeups_json_graph(const struct run_report *r)
{
	json_object *g = json_object_new_object();
	json_object *edges = json_object_new_array();
	json_object *outside = json_object_new_array();

	for (size_t i = 0; i < r->nthreads; i++) {
		const struct thread_report *t = &r->threads[i];

		for (size_t j = 0; j < t->nwoken_by; j++) {
			const struct task_link *l = &t->woken_by[j];
			json_object *e = json_object_new_object();

			if (l->kind == PARTY_RUN) {
				json_put_u64(e, "from", l->tid);
			} else {
				json_put_str(e, "comm", l->comm);
				json_put_str(e, "kind",
					     wakeups_kind_name(l->kind));
			}
			json_put_u64(e, "to", t->tid);
			json_put_u64(e, "count", l->count);
			json_object_array_add(
				l->kind == PARTY_RUN ? edges : outside, e);
		}
	}
	json_object_object_add(g, "edges", edges);
	json_object_object_add(g, "outside", outside);
	return g;
}
