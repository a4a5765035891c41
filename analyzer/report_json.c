/* report_json.c - the JSON report, schema "lab-report/1"
 * (docs/report-schema.md). Only renders a run_report. */
#include <stdio.h>
#include <sys/wait.h>
#include <json-c/json.h>
#include "analyzer/wakeups_json.h"
#include "analyzer/analyze.h"
#include "analyzer/json_put.h"
#include "analyzer/locks.h"
#include "analyzer/not_measured.h"
#include "analyzer/offcpu.h"
#include "analyzer/phases.h"
#include "analyzer/memory_json.h"
#include "analyzer/report.h"
#include "analyzer/results.h"

#define SCHEMA "lab-report/1"

/* A figure the recording kernel could not measure is null. */
static void put_measured(json_object *o, const char *key, uint64_t v,
			 const struct run_report *r, unsigned bit)
{
	if (not_measured(&r->info, bit))
		json_put_null(o, key);
	else
		json_put_u64(o, key, v);
}

static void put_counts(json_object *o, const struct sched_counts *c,
		       const struct run_report *r)
{
	json_put_u64(o, "voluntary_switches", c->voluntary_switches);
	json_put_u64(o, "involuntary_switches", c->involuntary_switches);
	json_put_u64(o, "oncpu_ns", c->oncpu_ns);
	json_put_u64(o, "runq_wait_ns", c->runq_wait_ns);
	json_put_u64(o, "runq_count", c->runq_count);
	json_put_u64(o, "runq_wait_asleep_ns", c->runq_wait_asleep_ns);
	json_put_u64(o, "create_call_ns", c->create_call_ns);
	json_put_u64(o, "create_calls", c->create_calls);
	json_put_u64(o, "wakeups", c->wakeups);
	put_measured(o, "user_switches", c->user_switches, r,
		     LAB_NM_COROUTINE_SWITCHES);
	json_put_u64(o, "migrations", c->migrations);
	put_measured(o, "klock_wait_ns", c->klock_wait_ns, r,
		     LAB_NM_KLOCK_WAITS);
	put_measured(o, "klock_count", c->klock_count, r, LAB_NM_KLOCK_WAITS);
}

/* "0x55d4c0a2e040": a kernel address does not fit the 2^53 that many
 * JSON readers keep exact */
static void put_addr(json_object *o, const char *key, uint64_t addr)
{
	char b[24];

	snprintf(b, sizeof(b), "0x%llx", (unsigned long long)addr);
	json_put_str(o, key, b);
}

/* Where a lock is: its address; for a kernel lock also its "id", which
 * stands for the address in traces recorded under sudo (klock_is_id):
 * the address is null then, and the id null otherwise. */
static void put_where(json_object *o, const struct lock_report *l, bool user)
{
	bool id = !user && klock_is_id(l->addr);

	if (id)
		json_put_null(o, "address");
	else
		put_addr(o, "address", l->addr);
	if (id)
		json_put_u64(o, "id", l->addr);
	else if (!user)
		json_put_null(o, "id");
}

/* the timeline's figures, null without a timeline */
static void put_times(json_object *o, bool has, const struct state_times *t)
{
	json_object *off, *st;

	if (!has) {
		json_put_null(o, "offcpu_ns");
		json_put_null(o, "time_in_state_ns");
		return;
	}
	off = json_put_object(o, "offcpu_ns");
	for (int i = 0; i < OFFCPU_NREASONS; i++)
		json_put_u64(off, offcpu_reason_key(i), t->offcpu_ns[i]);
	st = json_put_object(o, "time_in_state_ns");
	json_put_u64(st, "oncpu", t->oncpu_ns);
	json_put_u64(st, "runnable", t->runnable_ns);
	json_put_u64(st, "offcpu", offcpu_total(t));
	json_put_u64(st, "new", t->new_ns);
}

static void put_faults(json_object *o, bool has, uint64_t faults,
		       const struct run_report *r)
{
	if (has && !not_measured(&r->info, LAB_NM_PAGE_FAULTS))
		json_put_u64(o, "page_faults", faults);
	else
		json_put_null(o, "page_faults");
}

static json_object *latency_json(const struct runq_latency *l)
{
	json_object *o = json_object_new_object();
	json_object *hist = json_object_new_array();

	json_put_u64(o, "count", l->count);
	json_put_u64(o, "p50_ns", l->p50_ns);
	json_put_u64(o, "p90_ns", l->p90_ns);
	json_put_u64(o, "p99_ns", l->p99_ns);
	json_put_u64(o, "max_ns", l->max_ns);
	json_put_str(o, "source",
		     l->source == RUNQ_FROM_SAMPLES ? "samples" : "histogram");
	for (unsigned int i = 0; i < LAB_HIST_SLOTS; i++) {
		json_object *slot;

		if (!l->hist[i])
			continue;
		slot = json_object_new_object();
		/* slot 0 also holds waits of 0 ns; the last has no end */
		json_put_u64(slot, "ge_ns", i ? 1ULL << i : 0);
		if (i < LAB_HIST_SLOTS - 1)
			json_put_u64(slot, "lt_ns", 1ULL << (i + 1));
		else
			json_put_null(slot, "lt_ns");
		json_put_u64(slot, "count", l->hist[i]);
		json_object_array_add(hist, slot);
	}
	json_object_object_add(o, "histogram", hist);
	return o;
}

static json_object *thread_json(const struct thread_report *t,
				const struct run_report *r)
{
	json_object *o = json_object_new_object();

	json_put_u64(o, "tid", t->tid);
	json_put_str(o, "comm", t->comm);
	json_put_u64(o, "parent_tid", t->parent_tid);
	json_put_str(o, "counts_source", t->has_kernel ? "kernel" : "timeline");
	put_counts(o, &t->counts, r);
	json_put_i64(o, "start_ns", (int64_t)(t->start_ns - r->info.start_ns));
	json_put_u64(o, "lifetime_ns", t->lifetime_ns);
	json_put_bool(o, "exited", t->exited);
	json_put_bool(o, "timeline_gaps", t->timeline_gaps);
	if (r->has_waits)
		json_put_str(o, "times_source",
			     t->times_from_kernel ? "kernel" : "timeline");
	put_faults(o, t->has_kernel, t->page_faults, r);
	put_times(o, t->has_timeline, &t->times);
	json_object_object_add(o, "runq_latency", latency_json(&t->runq));
	wakeups_json_thread(o, t);
	return o;
}

static json_object *process_json(const struct process_report *p,
				 const struct run_report *r)
{
	json_object *o = json_object_new_object();
	json_object *threads = json_object_new_array();

	json_put_u64(o, "pid", p->pid);
	json_put_str(o, "comm", p->comm);
	json_put_u64(o, "thread_count", p->nthreads);
	json_put_u64(o, "exited_threads", p->exited);
	put_counts(o, &p->sums, r);
	put_faults(o, p->has_page_faults, p->page_faults, r);
	put_times(o, p->has_times, &p->times);
	for (size_t i = 0; i < p->nthreads; i++)
		json_object_array_add(threads, thread_json(&p->threads[i], r));
	json_object_object_add(o, "threads", threads);
	return o;
}

static void run_json(json_object *o, const struct run_report *r)
{
	const struct lab_run_summary *s = &r->summary;
	int st = s->exit_status;

	json_put_u64(o, "wall_ns", r->wall_ns);
	if (!r->has_summary) {
		/* known only from the summary */
		static const char *const unknown[] = {
			"exit_status", "exit_code", "exit_signal", "utime_ns",
			"stime_ns",    "maxrss_kb", "minflt",	   "majflt",
			"nvcsw",       "nivcsw",
		};

		for (size_t i = 0; i < sizeof(unknown) / sizeof(*unknown); i++)
			json_put_null(o, unknown[i]);
		return;
	}
	json_put_i64(o, "exit_status", st);
	if (WIFEXITED(st))
		json_put_i64(o, "exit_code", WEXITSTATUS(st));
	else
		json_put_null(o, "exit_code");
	if (WIFSIGNALED(st))
		json_put_i64(o, "exit_signal", WTERMSIG(st));
	else
		json_put_null(o, "exit_signal");
	json_put_u64(o, "utime_ns", s->utime_ns);
	json_put_u64(o, "stime_ns", s->stime_ns);
	json_put_u64(o, "maxrss_kb", s->maxrss_kb);
	json_put_u64(o, "minflt", s->minflt);
	json_put_u64(o, "majflt", s->majflt);
	json_put_u64(o, "nvcsw", s->nvcsw);
	json_put_u64(o, "nivcsw", s->nivcsw);
}

static void put_tids(json_object *o, const struct lock_report *l)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < l->ntids; i++)
		json_object_array_add(a, json_object_new_uint64(l->tids[i]));
	json_object_object_add(o, "tids", a);
}

/* hand-offs of a futex word: null when none */
static void put_handoffs(json_object *o, const struct lock_report *l)
{
	json_object *h;

	if (!l->handoffs) {
		json_put_null(o, "handoffs");
		return;
	}
	h = json_put_object(o, "handoffs");
	json_put_u64(h, "count", l->handoffs);
	json_put_u64(h, "median_ns", l->handoff_p50_ns);
	json_put_u64(h, "max_ns", l->handoff_max_ns);
}

static json_object *lock_json(const struct lock_report *l, bool user,
			      const struct run_report *r)
{
	/* the futex commands that sleep on the word (locks_futex_op_waits) */
	static const struct {
		unsigned int cmd;
		const char *name;
	} ops[] = {
		{0, "wait"},	  {9, "wait_bitset"},	   {6, "lock_pi"},
		{13, "lock_pi2"}, {11, "wait_requeue_pi"},
	};
	json_object *o = json_object_new_object(), *a;

	put_where(o, l, user);
	if (l->symbol[0])
		json_put_str(o, "symbol", l->symbol);
	else
		json_put_null(o, "symbol");
	if (user) {
		/* a shared word's address may differ per process: say so
		 * where the grouping is read */
		json_put_str(o, "keyed_by",
			     l->shared ? "address" : "pid+address");
		json_put_bool(o, "shared", l->shared);
		if (l->shared)
			json_put_null(o, "pid");
		else
			json_put_u64(o, "pid", l->pid);
		a = json_object_new_array();
		for (size_t i = 0; i < sizeof(ops) / sizeof(*ops); i++)
			if (l->ops & (1u << ops[i].cmd))
				json_object_array_add(
					a, json_object_new_string(ops[i].name));
		json_object_object_add(o, "ops", a);
		json_put_str(o, "kind", locks_kind_name(l->kind));
		put_handoffs(o, l);
	}
	json_put_u64(o, "count", l->count);
	json_put_u64(o, "total_wait_ns", l->total_ns);
	json_put_u64(o, "max_wait_ns", l->max_ns);
	if (r->has_retries && user)
		json_put_u64(o, "retries", l->retries);
	else if (r->has_waits && user)
		json_put_null(o, "retries");
	put_tids(o, l);
	return o;
}

static json_object *locks_json(const struct run_report *r)
{
	json_object *o = json_object_new_object();
	json_object *user = json_object_new_array();
	json_object *kernel = json_object_new_array();

	for (size_t i = 0; i < r->nuser_locks; i++)
		json_object_array_add(user,
				      lock_json(&r->user_locks[i], true, r));
	for (size_t i = 0; i < r->nkernel_locks; i++)
		json_object_array_add(kernel,
				      lock_json(&r->kernel_locks[i], false, r));
	json_object_object_add(o, "user", user);
	json_object_object_add(o, "kernel", kernel);
	/* where the tables come from, and whether they miss lost events;
	 * older traces report as their lab did */
	if (!r->has_waits)
		return o;
	json_put_str(o, "source", r->waits_from_kernel ? "kernel" : "events");
	json_put_bool(o, "complete",
		      r->waits_from_kernel || (!r->dropped && !r->gap_threads));
	return o;
}

static json_object *creation_summary_json(const struct creation_summary *s)
{
	json_object *o = json_object_new_object();

	json_put_u64(o, "count", s->count);
	json_put_u64(o, "ran", s->ran);
	if (s->ran) {
		json_put_u64(o, "latency_mean_ns", s->mean_ns);
		json_put_u64(o, "latency_median_ns", s->median_ns);
		json_put_u64(o, "latency_max_ns", s->max_ns);
	} else {
		json_put_null(o, "latency_mean_ns");
		json_put_null(o, "latency_median_ns");
		json_put_null(o, "latency_max_ns");
	}
	json_put_u64(o, "with_page_faults", s->with_faults);
	if (s->with_faults) {
		json_put_u64(o, "page_faults_total", s->page_faults);
		json_put_u64(o, "page_faults_median", s->median_page_faults);
	} else {
		json_put_null(o, "page_faults_total");
		json_put_null(o, "page_faults_median");
	}
	return o;
}

static json_object *creation_json(const struct run_report *r)
{
	json_object *o = json_object_new_object();
	json_object *children = json_object_new_array();

	for (size_t i = 0; i < r->nchildren; i++) {
		const struct thread_report *t = r->children[i];
		json_object *c = json_object_new_object();

		json_put_u64(c, "tid", t->tid);
		json_put_u64(c, "pid", t->pid);
		json_put_u64(c, "parent_tid", t->parent_tid);
		json_put_str(c, "kind", t->is_thread ? "thread" : "process");
		json_put_i64(c, "fork_ns",
			     (int64_t)(t->start_ns - r->info.start_ns));
		if (t->ran)
			json_put_u64(c, "latency_ns", t->creation_ns);
		else
			json_put_null(c, "latency_ns");
		put_faults(c, t->has_kernel, t->page_faults, r);
		json_object_array_add(children, c);
	}
	json_object_object_add(o, "children", children);
	json_object_object_add(o, "threads",
			       creation_summary_json(&r->created_threads));
	json_object_object_add(o, "processes",
			       creation_summary_json(&r->created_processes));
	return o;
}

static json_object *phases_json(const struct run_report *r)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < r->nphases; i++) {
		const struct phase_report *p = &r->phases[i];
		const char *name = phases_name(p->phase);
		json_object *o = json_object_new_object();

		if (name)
			json_put_str(o, "phase", name);
		else
			json_put_null(o, "phase");
		json_put_u64(o, "id", p->phase);
		json_put_i64(o, "start_ns",
			     (int64_t)(p->start_ns - r->info.start_ns));
		json_put_u64(o, "duration_ns", p->end_ns - p->start_ns);
		json_put_u64(o, "voluntary_switches", p->voluntary_switches);
		json_put_u64(o, "involuntary_switches",
			     p->involuntary_switches);
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *still_running_json(const struct run_report *r)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < r->nstill_running; i++) {
		json_object *p = json_object_new_object();

		json_put_u64(p, "pid", r->still_running[i].pid);
		json_put_str(p, "comm", r->still_running[i].comm);
		json_object_array_add(a, p);
	}
	return a;
}

static json_object *report_json(const struct run_report *r)
{
	json_object *root = json_object_new_object();
	json_object *o, *procs;

	json_put_str(root, "schema", SCHEMA);
	json_put_str(root, "lab_version", r->info.lab_version);

	o = json_put_object(root, "workload");
	json_put_str(o, "name", r->info.workload);
	json_put_str(o, "params", r->info.params);
	json_put_str(o, "cmdline", r->info.cmdline);
	if (r->results_known) {
		json_object *res = json_put_object(o, "results");

		for (int id = 0; id < LAB_NRESULTS; id++)
			if (r->results_known & 1u << id)
				json_put_u64(res, results_key(id),
					     r->results[id]);
	}

	json_put_environment(root, &r->info);

	o = json_put_object(root, "trace");
	json_put_u64(o, "format_version", r->info.version);
	json_put_u64(o, "start_realtime_ns", r->info.start_realtime_ns);
	json_put_u64(o, "events", r->events);
	json_put_u64(o, "dropped", r->dropped);
	json_put_u64(o, "threads_with_gaps", r->gap_threads);
	if (r->has_waits) {
		json_put_bool(o, "timeline_complete",
			      !r->dropped && !r->gap_threads);
		json_put_bool(o, "waits_from_kernel", r->waits_from_kernel);
		json_put_bool(o, "wakeups_from_kernel", r->parties_from_kernel);
		json_put_u64(o, "waits_lost", r->waits_lost);
	}
	json_put_u64(o, "untracked", r->untracked);
	json_put_bool(o, "complete", r->complete);
	if (r->complete)
		json_put_null(o, "incomplete_reason");
	else
		json_put_str(o, "incomplete_reason", r->incomplete_reason);
	if (r->damaged)
		json_put_str(o, "error", r->error);
	else
		json_put_null(o, "error");
	json_object_object_add(o, "still_running", still_running_json(r));
	json_put_not_measured(o, &r->info);

	run_json(json_put_object(root, "run"), r);

	o = json_put_object(root, "totals");
	json_put_u64(o, "processes", r->nprocesses);
	json_put_u64(o, "threads", r->nthreads);
	put_counts(o, &r->totals, r);
	put_faults(o, r->has_page_faults, r->page_faults, r);
	put_times(o, r->has_times, &r->times);

	procs = json_object_new_array();
	for (size_t i = 0; i < r->nprocesses; i++)
		json_object_array_add(procs, process_json(&r->processes[i], r));
	json_object_object_add(root, "processes", procs);
	json_object_object_add(root, "locks", locks_json(r));
	json_object_object_add(root, "wakeup_graph", wakeups_json_graph(r));
	json_object_object_add(root, "creation", creation_json(r));
	json_object_object_add(root, "phases", phases_json(r));
	/* only where the trace has samples: older traces report as when
	 * they were recorded */
	if (r->memory.nprocesses)
		json_object_object_add(root, "memory", memory_json(r));
	return root;
}

int report_write_json(FILE *f, const struct run_report *r)
{
	return json_put_document(f, report_json(r));
}
