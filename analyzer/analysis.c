/* analysis.c - the analysis core: trace parts in, run_report out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/analysis.h"
#include "analyzer/memory.h"
#include "analyzer/array.h"
#include "analyzer/analyze.h"
#include "analyzer/cpu_lanes.h"
#include "analyzer/creation.h"
#include "analyzer/lanes.h"
#include "analyzer/locks.h"
#include "analyzer/not_measured.h"
#include "analyzer/offcpu.h"
#include "analyzer/phases.h"
#include "analyzer/runq_tick.h"
#include "analyzer/stats.h"
#include "analyzer/symbols.h"
#include "analyzer/timeline.h"

struct analysis {
	struct lab_trace_info info;
	struct timeline tl;
	struct lane_builder *lanes;	/* told of the timeline's intervals */
	struct cpu_lanes_builder *cpus; /* told of the switches */
	struct lab_thread_stats *kt;	/* the kernel's counters */
	size_t nkt, capkt;
	uint64_t drops; /* sum of the DROPS chunk */
	/* the processes' memory maps and origins, to name lock addresses */
	struct symbols *syms;
	/* the tracer's memory samples (MEMORY chunks) */
	struct lab_memory *mem;
	size_t nmem;
	/* the kernel's sums of waits (WAITS chunk), by tid and pid */
	struct lab_wait *waits;
	size_t nwaits, capwaits;
	bool has_waits, has_retries;
	bool has_party_sums; /* WAITS has who woke and preempted whom */
	uint64_t waits_lost;
	bool has_summary;
	struct lab_run_summary summary;
	bool damaged;
	char error[512];
	bool oom;
};

struct analysis *analysis_new(const struct lab_trace_info *info)
{
	struct analysis *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->syms = symbols_new(info->start_realtime_ns);
	a->lanes = lanes_new(info->start_ns);
	a->cpus = cpu_lanes_new(info->start_ns);
	if (!a->syms || !a->lanes || !a->cpus) {
		symbols_free(a->syms);
		lanes_builder_free(a->lanes);
		cpu_lanes_builder_free(a->cpus);
		free(a);
		return NULL;
	}
	a->info = *info;
	/* the writer terminates them; a damaged header may not */
	a->info.lab_version[sizeof(a->info.lab_version) - 1] = '\0';
	a->info.kernel[sizeof(a->info.kernel) - 1] = '\0';
	a->info.machine[sizeof(a->info.machine) - 1] = '\0';
	a->info.cpu_model[sizeof(a->info.cpu_model) - 1] = '\0';
	a->info.workload[sizeof(a->info.workload) - 1] = '\0';
	a->info.params[sizeof(a->info.params) - 1] = '\0';
	a->info.cmdline[sizeof(a->info.cmdline) - 1] = '\0';
	a->info.hypervisor[sizeof(a->info.hypervisor) - 1] = '\0';
	a->info.tlb_tags[sizeof(a->info.tlb_tags) - 1] = '\0';
	a->info.page_table_isolation[sizeof(a->info.page_table_isolation) - 1] =
		'\0';
	timeline_init(&a->tl, offcpu_abi(a->info.machine));
	a->tl.wakeups.tracer_pid = a->info.tracer_pid;
	a->tl.on_interval = lanes_interval;
	a->tl.interval_ctx = a->lanes;
	return a;
}

void analysis_free(struct analysis *a)
{
	if (!a)
		return;
	timeline_free(&a->tl);
	lanes_builder_free(a->lanes);
	cpu_lanes_builder_free(a->cpus);
	free(a->kt);
	free(a->mem);
	free(a->waits);
	symbols_free(a->syms);
	free(a);
}

/* Which process's memory a process's addresses are found in: a forked
 * process shares its parent's layout until it runs a program. */
static int note_origin(struct symbols *syms, const struct lab_event *ev)
{
	if (ev->type == LAB_EV_FORK && ev->other_pid != ev->pid)
		return symbols_add_fork(syms, ev->other_pid, ev->pid);
	if (ev->type == LAB_EV_EXEC)
		return symbols_add_exec(syms, ev->pid);
	return 0;
}

/* CPUs drawn at most: a lane's columns take 12 KiB while they fill */
#define MAX_CPU_LANES 1024

/* What a switch put on its CPU: idle, a task outside the run (named so,
 * or never named by an event only the run's threads make), or one of
 * the run's threads. */
static void note_cpu(struct analysis *a, const struct lab_event *ev)
{
	uint32_t rec;
	enum lane_state what = LANE_OTHER;

	/* a CPU the header does not count is a damaged record's */
	if (ev->type != LAB_EV_SWITCH || ev->cpu >= a->info.cpu_count ||
	    ev->cpu >= MAX_CPU_LANES)
		return;
	if (!ev->other_tid) {
		what = LANE_IDLE;
	} else if (!wakeups_is_outside(&a->tl.wakeups, ev->other_tid)) {
		rec = timeline_record(&a->tl, ev->other_tid);
		if (rec != UINT32_MAX && a->tl.threads[rec].tracked)
			what = LANE_RUNNING;
	}
	cpu_lanes_switch(a->cpus, ev->cpu, ev->ts, what);
}

int analysis_add_events(struct analysis *a, const struct lab_event *ev,
			size_t n)
{
	for (size_t i = 0; i < n && !a->oom; i++) {
		if (timeline_event(&a->tl, &ev[i]) ||
		    note_origin(a->syms, &ev[i]))
			a->oom = true;
		note_cpu(a, &ev[i]);
	}
	return a->oom ? -1 : 0;
}

int analysis_add_threads(struct analysis *a,
			 const struct lab_thread_stats *threads, size_t n)
{
	if (a->oom)
		return -1;
	if (ARRAY_GROW(a->kt, a->capkt, a->nkt + n)) {
		a->oom = true;
		return -1;
	}
	if (n)
		memcpy(&a->kt[a->nkt], threads, n * sizeof(*threads));
	a->nkt += n;
	return 0;
}

int analysis_add_drops(struct analysis *a, const uint64_t *per_cpu,
		       size_t ncpus)
{
	for (size_t i = 0; i < ncpus; i++)
		a->drops += per_cpu[i];
	return a->oom ? -1 : 0;
}

int analysis_add_maps(struct analysis *a, const struct lab_map *maps, size_t n)
{
	if (!a->oom && symbols_add_maps(a->syms, maps, n))
		a->oom = true;
	return a->oom ? -1 : 0;
}

int analysis_add_memory(struct analysis *a, const struct lab_memory *samples,
			size_t n)
{
	struct lab_memory *p;

	if (a->oom || !n)
		return a->oom ? -1 : 0;
	p = realloc(a->mem, (a->nmem + n) * sizeof(*p));
	if (!p) {
		a->oom = true;
		return -1;
	}
	memcpy(p + a->nmem, samples, n * sizeof(*p));
	a->mem = p;
	a->nmem += n;
	return 0;
}

int analysis_add_waits(struct analysis *a, const struct lab_wait *waits,
		       size_t n)
{
	if (a->oom)
		return -1;
	a->has_waits = true;
	for (size_t i = 0; i < n; i++) {
		if (waits[i].key.kind == LAB_WAIT_LOST) {
			a->waits_lost += waits[i].sum.count;
			continue;
		}
		if (waits[i].key.kind == LAB_WAIT_RETRIES_COUNTED) {
			a->has_retries = true;
			continue;
		}
		if (waits[i].key.kind == LAB_WAIT_WOKEN ||
		    waits[i].key.kind == LAB_WAIT_PREEMPTED)
			a->has_party_sums = true;
		if (ARRAY_GROW(a->waits, a->capwaits, a->nwaits + 1)) {
			a->oom = true;
			return -1;
		}
		a->waits[a->nwaits++] = waits[i];
	}
	return 0;
}

void analysis_set_summary(struct analysis *a,
			  const struct lab_run_summary *summary)
{
	a->summary = *summary;
	a->has_summary = true;
}

void analysis_set_damage(struct analysis *a, const char *msg)
{
	a->damaged = true;
	snprintf(a->error, sizeof(a->error), "%s", msg);
}

void run_report_free(struct run_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->threads && i < r->nthreads; i++) {
		free(r->threads[i].woken_by);
		free(r->threads[i].preempted_by);
	}
	free(r->threads);
	free(r->processes);
	free(r->still_running);
	locks_reports_free(r->user_locks, r->nuser_locks);
	locks_reports_free(r->kernel_locks, r->nkernel_locks);
	free(r->children);
	free(r->phases);
	free(r->memory.processes);
	lanes_free(&r->lanes);
	lanes_free(&r->cpu_lanes);
	free(r);
}

/* ---- matching the kernel's counters to timeline records ---- */

static int rec_by_tid_start(const void *x, const void *y, void *recs)
{
	const struct tl_thread *a =
		(const struct tl_thread *)recs + *(const size_t *)x;
	const struct tl_thread *b =
		(const struct tl_thread *)recs + *(const size_t *)y;

	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return (a->start_ns > b->start_ns) - (a->start_ns < b->start_ns);
}

static int kt_by_start(const void *x, const void *y, void *kt)
{
	const struct lab_thread_stats *a =
		(const struct lab_thread_stats *)kt + *(const size_t *)x;
	const struct lab_thread_stats *b =
		(const struct lab_thread_stats *)kt + *(const size_t *)y;

	return (a->start_ns > b->start_ns) - (a->start_ns < b->start_ns);
}

/* The record the counters k describe, or SIZE_MAX. The kernel's start_ns
 * is the fork's timestamp exactly; a thread whose fork was not seen (the
 * root, or a lost event) is the earliest unmatched record of that tid that
 * began after the counters did, a record the workload's events named
 * preferred. */
static size_t match(const struct timeline *tl, const size_t *order,
		    const bool *taken, const struct lab_thread_stats *k)
{
	size_t lo = 0, hi = tl->n, best = SIZE_MAX;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tl->threads[order[mid]].tid < k->tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < tl->n && tl->threads[order[i]].tid == k->tid;
	     i++) {
		size_t ri = order[i];
		const struct tl_thread *t = &tl->threads[ri];

		if (taken[ri])
			continue;
		if (t->forked) {
			if (t->start_ns == k->start_ns)
				return ri;
			continue;
		}
		if (t->start_ns < k->start_ns)
			continue;
		if (best == SIZE_MAX ||
		    (t->tracked && !tl->threads[best].tracked))
			best = ri;
	}
	return best;
}

/* ---- per thread ---- */

static void kernel_counts(struct sched_counts *c,
			  const struct lab_thread_stats *k)
{
	c->voluntary_switches = k->voluntary_switches;
	c->involuntary_switches = k->involuntary_switches;
	c->oncpu_ns = k->oncpu_ns;
	c->runq_wait_ns = k->runq_wait_ns;
	c->runq_count = k->runq_count;
	c->runq_wait_asleep_ns = k->runq_wait_asleep_ns;
	c->create_call_ns = k->create_call_ns;
	c->create_calls = k->create_calls;
	c->wakeups = k->wakeups;
	c->user_switches = k->user_switches;
	c->migrations = k->migrations;
	c->klock_wait_ns = k->klock_wait_ns;
	c->klock_count = k->klock_count;
}

static void counts_add(struct sched_counts *sum, const struct sched_counts *c)
{
	sum->voluntary_switches += c->voluntary_switches;
	sum->involuntary_switches += c->involuntary_switches;
	sum->oncpu_ns += c->oncpu_ns;
	sum->runq_wait_ns += c->runq_wait_ns;
	sum->runq_count += c->runq_count;
	sum->runq_wait_asleep_ns += c->runq_wait_asleep_ns;
	sum->create_call_ns += c->create_call_ns;
	sum->create_calls += c->create_calls;
	sum->wakeups += c->wakeups;
	sum->user_switches += c->user_switches;
	sum->migrations += c->migrations;
	sum->klock_wait_ns += c->klock_wait_ns;
	sum->klock_count += c->klock_count;
}

/* The figures of one thread added to a process's or the run's. */
static void thread_add(struct sched_counts *counts, bool *has_times,
		       struct state_times *times, bool *has_faults,
		       uint64_t *faults, const struct thread_report *t)
{
	counts_add(counts, &t->counts);
	if (t->has_timeline) {
		*has_times = true;
		offcpu_times_add(times, &t->times);
	}
	if (t->has_kernel) {
		*has_faults = true;
		*faults += t->page_faults;
	}
}

/* Percentiles from the timeline's fine histogram (within 1/128) when every
 * wait is in it: nothing dropped and, with counters, as many waits as the
 * kernel saw. Otherwise the kernel's log2 histogram, whose counts are
 * never lost. */
static void runq_latency(struct runq_latency *l, const struct tl_thread *r,
			 const struct lab_thread_stats *k, uint64_t dropped)
{
	bool from_timeline =
		r && (!k || (!dropped && k->runq_count == r->runq.count));

	if (k)
		memcpy(l->hist, k->runq_hist, sizeof(l->hist));
	else
		stats_fine_to_log2(&r->runq, l->hist, LAB_HIST_SLOTS);
	if (from_timeline) {
		l->source = RUNQ_FROM_SAMPLES;
		l->count = r->runq.count;
		l->p50_ns = stats_fine_percentile(&r->runq, 50);
		l->p90_ns = stats_fine_percentile(&r->runq, 90);
		l->p99_ns = stats_fine_percentile(&r->runq, 99);
		l->max_ns = r->runq.max;
		return;
	}
	l->source = RUNQ_FROM_HISTOGRAM;
	l->count = k->runq_count;
	l->max_ns = k->runq_max_ns;
	l->p50_ns =
		stats_hist_percentile(l->hist, LAB_HIST_SLOTS, 50, l->max_ns);
	l->p90_ns =
		stats_hist_percentile(l->hist, LAB_HIST_SLOTS, 90, l->max_ns);
	l->p99_ns =
		stats_hist_percentile(l->hist, LAB_HIST_SLOTS, 99, l->max_ns);
}

/* A thread's report from its counters k and its timeline record r (either
 * may be missing). Ends r's accounting. Returns 0, or -1 when out of
 * memory. */
static int thread_fill(struct thread_report *t, struct timeline *tl,
		       struct tl_thread *r, const struct lab_thread_stats *k,
		       const struct run_report *run)
{
	uint64_t end = run->end_ns;

	memset(t, 0, sizeof(*t));
	if (k) {
		t->tid = k->tid;
		t->pid = k->pid;
		t->parent_tid = k->parent_tid;
		memcpy(t->comm, k->comm, sizeof(t->comm));
		t->comm[sizeof(t->comm) - 1] = '\0';
		t->exited = k->flags & LAB_THREAD_EXITED;
		t->start_ns = k->start_ns;
		t->has_kernel = true;
		kernel_counts(&t->kernel, k);
		t->page_faults = k->page_faults;
		/* only the root has no parent; a new thread gets a tid of
		 * its own, a new process's first thread the pid's */
		t->created = k->parent_tid != 0;
		t->is_thread = k->tid != k->pid;
		if (t->exited && k->exit_ns)
			end = k->exit_ns;
	} else {
		t->tid = r->tid;
		t->pid = r->pid;
		t->parent_tid = r->parent_tid;
	}
	if (!t->comm[0])
		snprintf(t->comm, sizeof(t->comm), "?");
	if (r) {
		t->has_timeline = true;
		t->timeline_rec = (uint32_t)(r - tl->threads);
		t->timeline = r->counts;
		t->start_ns = r->start_ns;
		t->exited |= r->exited || r->state == TL_DEAD;
		if (r->end_ns)
			end = r->end_ns;
		if (timeline_close(tl, r, end))
			return -1;
		/* the thread's own clock: its times add up to its life */
		end = r->clock;
		t->times = r->times;
		/* without its fork, when it was created is not known */
		if (r->forked) {
			t->created = true;
			t->is_thread = r->is_thread;
			t->ran = r->ran;
			t->creation_ns = r->first_run_ns > r->start_ns
						 ? r->first_run_ns - r->start_ns
						 : 0;
		}
	}
	/* the kernel stamps fork and first switch-in as their events do,
	 * and keeps them whatever the ring buffer lost */
	if (k && k->first_run_ns && t->created) {
		t->ran = true;
		t->creation_ns = k->first_run_ns > k->start_ns
					 ? k->first_run_ns - k->start_ns
					 : 0;
	}
	t->counts = k ? t->kernel : t->timeline;
	t->timeline_gaps = k && r &&
			   t->timeline.voluntary_switches +
					   t->timeline.involuntary_switches <
				   t->kernel.voluntary_switches +
					   t->kernel.involuntary_switches;
	t->lifetime_ns = end > t->start_ns ? end - t->start_ns : 0;
	runq_latency(&t->runq, r, k, run->dropped);
	return 0;
}

/* ---- grouping by process ---- */

static int thread_by_pid_start(const void *x, const void *y)
{
	const struct thread_report *a = x, *b = y;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->start_ns != b->start_ns)
		return a->start_ns < b->start_ns ? -1 : 1;
	return (a->tid > b->tid) - (a->tid < b->tid);
}

static int process_by_start(const void *x, const void *y)
{
	const struct process_report *a = x, *b = y;
	uint64_t sa = a->threads[0].start_ns, sb = b->threads[0].start_ns;

	if (sa != sb)
		return sa < sb ? -1 : 1;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

/* A leader that starts after the process's leader ended heads a new
 * process that was given the same pid. (A thread that execs takes the
 * leader's tid while the old leader is still there: same process.) */
static bool new_instance(const struct process_report *p,
			 const struct thread_report *t)
{
	for (size_t i = 0; t->tid == t->pid && i < p->nthreads; i++) {
		const struct thread_report *l = &p->threads[i];

		if (l->tid == l->pid &&
		    l->start_ns + l->lifetime_ns <= t->start_ns)
			return true;
	}
	return false;
}

static int group_processes(struct run_report *run)
{
	struct thread_report *ordered;
	size_t np = 0, o = 0;

	if (!run->nthreads)
		return 0;
	qsort(run->threads, run->nthreads, sizeof(*run->threads),
	      thread_by_pid_start);
	run->processes = calloc(run->nthreads, sizeof(*run->processes));
	ordered = malloc(run->nthreads * sizeof(*ordered));
	if (!run->processes || !ordered) {
		free(ordered);
		return -1;
	}
	for (size_t i = 0; i < run->nthreads; i++) {
		const struct thread_report *t = &run->threads[i];
		struct process_report *p = &run->processes[np];

		if (np && t->pid == p[-1].pid && !new_instance(&p[-1], t)) {
			p[-1].nthreads++;
			continue;
		}
		p->pid = t->pid;
		p->threads = &run->threads[i];
		p->nthreads = 1;
		np++;
	}
	run->nprocesses = np;
	qsort(run->processes, np, sizeof(*run->processes), process_by_start);
	/* lay the threads out in process order; processes point into it */
	for (size_t i = 0; i < np; i++) {
		struct process_report *p = &run->processes[i];
		const struct thread_report *leader = &p->threads[0];

		memcpy(&ordered[o], p->threads, p->nthreads * sizeof(*ordered));
		p->threads = &ordered[o];
		o += p->nthreads;
		for (size_t j = 0; j < p->nthreads; j++) {
			thread_add(&p->sums, &p->has_times, &p->times,
				   &p->has_page_faults, &p->page_faults,
				   &p->threads[j]);
			p->exited += p->threads[j].exited;
			if (p->threads[j].tid == p->pid)
				leader = &p->threads[j];
		}
		if (not_measured(&run->info, LAB_NM_PAGE_FAULTS))
			p->has_page_faults = false;
		memcpy(p->comm, leader->comm, sizeof(p->comm));
	}
	free(run->threads);
	run->threads = ordered;
	return 0;
}

/* The processes with a thread whose exit the kernel did not see before
 * tracing stopped. Threads without counters (a trace cut short) tell
 * nothing: their exit may just not be in the file. Returns 0, or -1 when
 * out of memory. */
static int still_running_fill(struct run_report *run)
{
	run->still_running =
		calloc(run->nprocesses + 1, sizeof(*run->still_running));
	if (!run->still_running)
		return -1;
	for (size_t i = 0; i < run->nprocesses; i++) {
		const struct process_report *p = &run->processes[i];
		struct still_running *s =
			&run->still_running[run->nstill_running];

		for (size_t j = 0; j < p->nthreads; j++) {
			if (!p->threads[j].has_kernel || p->threads[j].exited)
				continue;
			s->pid = p->pid;
			memcpy(s->comm, p->comm, sizeof(s->comm));
			run->nstill_running++;
			break;
		}
	}
	return 0;
}

/* ---- the run ---- */

/* Why the trace does not hold the whole run: how it ended, and threads
 * it lacks; "" when it is whole. */
static void incomplete_reason(struct run_report *run, const struct analysis *a)
{
	char *b = run->incomplete_reason;
	size_t len = sizeof(run->incomplete_reason);
	int o = 0;

	if (a->damaged)
		o = snprintf(b, len, "damaged trace: %s", a->error);
	else if (!a->has_summary)
		o = snprintf(b, len, "no summary: the trace was cut short");
	else if (a->summary.flags & LAB_RUN_INCOMPLETE)
		o = snprintf(b, len,
			     "the run was interrupted, timed out or killed");
	/* unlike lost events, untracked threads are missing from the
	 * kernel's exact counters too: every total is short */
	if (run->untracked && o >= 0 && (size_t)o < len)
		snprintf(b + o, len - (size_t)o,
			 "%s%llu thread%s not tracked (the kernel's map of "
			 "tracked threads was full): %s switches, times and "
			 "events are missing from every figure",
			 o ? "; " : "", (unsigned long long)run->untracked,
			 run->untracked == 1 ? " was" : "s were",
			 run->untracked == 1 ? "its" : "their");
}

static void run_fill(struct run_report *run, const struct analysis *a)
{
	run->info = a->info;
	run->events = a->tl.events;
	run->has_summary = a->has_summary;
	if (a->has_summary)
		run->summary = a->summary;
	run->dropped = a->has_summary ? a->summary.dropped : a->drops;
	run->untracked = a->summary.untracked;
	run->end_ns = a->has_summary ? a->summary.end_ns : 0;
	if (a->tl.events && a->tl.last_ns > run->end_ns)
		run->end_ns = a->tl.last_ns;
	run->wall_ns = run->end_ns > a->info.start_ns
			       ? run->end_ns - a->info.start_ns
			       : 0;
	run->damaged = a->damaged;
	if (a->damaged)
		snprintf(run->error, sizeof(run->error), "%s", a->error);
	incomplete_reason(run, a);
	run->complete = !run->incomplete_reason[0];
}

/* The workload's root: the earliest thread no thread of the trace
 * created (the kernel's counters give it no parent). */
static const struct thread_report *root_of(const struct run_report *run)
{
	const struct thread_report *root = NULL;

	for (size_t i = 0; i < run->nthreads; i++) {
		const struct thread_report *t = &run->threads[i];

		if (!t->created && !t->parent_tid &&
		    (!root || t->start_ns < root->start_ns))
			root = t;
	}
	return root;
}

/* ---- naming the locks ---- */

struct tid_pid {
	uint32_t tid, pid;
	uint64_t start_ns;
};

/* what naming a lock needs: the symbols, and whose threads are whose */
struct lock_names {
	struct symbols *syms;
	struct tid_pid *by_tid; /* every thread, by tid, then start */
	size_t n;
};

static int by_tid_start(const void *x, const void *y)
{
	const struct tid_pid *a = x, *b = y;

	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return (a->start_ns > b->start_ns) - (a->start_ns < b->start_ns);
}

/* The process of thread tid: of the latest thread by that tid started by
 * `by` (a reused tid), else of the first. 0 when not known. */
static uint32_t pid_of(const struct lock_names *ln, uint32_t tid, uint64_t by)
{
	size_t lo = 0, hi = ln->n;
	uint32_t pid = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ln->by_tid[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ln->n && ln->by_tid[lo].tid == tid; lo++)
		if (!pid || ln->by_tid[lo].start_ns <= by)
			pid = ln->by_tid[lo].pid;
	return pid;
}

static const char *name_lock(void *ctx, const struct lock_report *l,
			     bool kernel, char *buf, size_t len)
{
	const struct lock_names *ln = ctx;

	if (kernel)
		return symbols_kernel(ln->syms, l->addr, buf, len);
	if (!l->shared)
		return symbols_user(ln->syms, l->pid, l->addr, buf, len);
	/* a shared word is keyed without a process: named in the first
	 * waiter's whose maps hold it */
	for (size_t i = 0; i < l->ntids; i++) {
		uint32_t pid = pid_of(ln, l->tids[i], UINT64_MAX);

		if (pid && symbols_user(ln->syms, pid, l->addr, buf, len))
			return buf;
	}
	return NULL;
}

/* Returns 0, or -1 when out of memory. */
static int lock_names_init(struct lock_names *ln, struct analysis *a,
			   const struct run_report *run)
{
	ln->syms = a->syms;
	ln->n = run->nthreads;
	ln->by_tid = malloc((run->nthreads + 1) * sizeof(*ln->by_tid));
	if (!ln->by_tid)
		return -1;
	for (size_t i = 0; i < run->nthreads; i++) {
		const struct thread_report *t = &run->threads[i];

		ln->by_tid[i] = (struct tid_pid){t->tid, t->pid, t->start_ns};
	}
	qsort(ln->by_tid, ln->n, sizeof(*ln->by_tid), by_tid_start);
	/* the kernel's counters know the parents of processes whose fork
	 * event was lost */
	for (size_t i = 0; i < run->nthreads; i++) {
		const struct thread_report *t = &run->threads[i];
		uint32_t parent;

		if (t->tid != t->pid || !t->parent_tid)
			continue;
		parent = pid_of(ln, t->parent_tid, t->start_ns);
		if (symbols_add_fork(a->syms, t->pid, parent))
			return -1;
	}
	/* kernel addresses mean something only to the kernel, and the
	 * boot, that recorded them */
	if (symbols_kernel_is_running(&a->info) &&
	    symbols_use_kallsyms(a->syms, "/proc/kallsyms"))
		return -1;
	return 0;
}

/* ---- the kernel's sums of waits ---- */

static int wait_by_tid(const void *x, const void *y)
{
	const struct lab_wait_key *a = &((const struct lab_wait *)x)->key,
				  *b = &((const struct lab_wait *)y)->key;

	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

/* The first of tid's sums in the sorted waits. */
static size_t waits_of(const struct analysis *a, uint32_t tid)
{
	size_t lo = 0, hi = a->nwaits;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->waits[mid].key.tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A thread whose events were lost: its times from the kernel's counters
 * and sums, which nothing dropped. */
static void times_from_kernel(struct thread_report *t, const struct analysis *a)
{
	struct state_times *s = &t->times;

	memset(s->offcpu_ns, 0, sizeof(s->offcpu_ns));
	for (size_t i = waits_of(a, t->tid);
	     i < a->nwaits && a->waits[i].key.tid == t->tid; i++) {
		const struct lab_wait *w = &a->waits[i];

		if (w->key.pid != t->pid || w->key.kind != LAB_WAIT_BLOCKED)
			continue;
		s->offcpu_ns[w->key.nr < 0
				     ? OFFCPU_NO_SYSCALL
				     : offcpu_reason_of(a->tl.abi,
							(uint32_t)w->key.nr)] +=
			w->sum.total_ns;
	}
	s->oncpu_ns = t->kernel.oncpu_ns;
	s->runnable_ns = t->kernel.runq_wait_ns;
	t->times_from_kernel = true;
}

/* The lock tables' waits from the kernel's sums in place of the
 * timeline's; what only the events tell (hand-offs, tid words) stays. */
static int locks_from_kernel(struct analysis *a)
{
	struct timeline *tl = &a->tl;

	locks_clear_waits(&tl->user_locks);
	locks_clear_waits(&tl->kernel_locks);
	for (size_t i = 0; i < a->nwaits; i++) {
		const struct lab_wait_key *k = &a->waits[i].key;
		bool shared = !(k->op & FUTEX_PRIVATE_FLAG);
		int err = 0;

		if (k->kind == LAB_WAIT_KLOCK)
			err = locks_add_sum(&tl->kernel_locks, k->addr, 0,
					    false, 0, false, k->tid,
					    &a->waits[i].sum);
		else if (k->kind == LAB_WAIT_BLOCKED && k->nr >= 0 &&
			 offcpu_is_futex(tl->abi, (uint32_t)k->nr) &&
			 locks_futex_op_waits(k->op))
			err = locks_add_sum(&tl->user_locks, k->addr,
					    shared ? 0 : k->pid, shared,
					    1u << (k->op & 31),
					    locks_is_join_word(&tl->user_locks,
							       k->pid, k->addr),
					    k->tid, &a->waits[i].sum);
		if (err)
			return -1;
	}
	return 0;
}

/* The futex calls that returned EAGAIN, beside the waits of their
 * words, whichever table those come from. */
static int locks_add_retry_sums(struct analysis *a)
{
	struct timeline *tl = &a->tl;

	for (size_t i = 0; i < a->nwaits; i++) {
		const struct lab_wait_key *k = &a->waits[i].key;
		bool shared = !(k->op & FUTEX_PRIVATE_FLAG);

		if (k->kind == LAB_WAIT_RETRY && locks_futex_op_waits(k->op) &&
		    locks_add_retries(&tl->user_locks, k->addr,
				      shared ? 0 : k->pid, shared,
				      1u << (k->op & 31), k->tid,
				      a->waits[i].sum.count))
			return -1;
	}
	return 0;
}

/* What needs every thread: phases, locks, creation. keep[i]: timeline
 * record i is one of the workload's threads. */
static int run_wide(struct run_report *run, struct analysis *a,
		    const bool *keep)
{
	const struct thread_report *root = root_of(run);
	struct timeline *tl = &a->tl;
	struct lock_names ln;
	int err;

	if (phases_report(&tl->phases, root ? root->tid : 0, keep,
			  root ? root->start_ns + root->lifetime_ns : 0,
			  run->end_ns, &run->phases, &run->nphases))
		return -1;
	if ((run->waits_from_kernel && locks_from_kernel(a)) ||
	    locks_add_retry_sums(a))
		return -1;
	err = lock_names_init(&ln, a, run) ||
	      locks_take(&tl->user_locks, false, name_lock, &ln,
			 &run->user_locks, &run->nuser_locks) ||
	      locks_take(&tl->kernel_locks, true, name_lock, &ln,
			 &run->kernel_locks, &run->nkernel_locks);
	free(ln.by_tid);
	return err ? -1 : creation_fill(run);
}

/* The whole run's run-queue waits, the threads' histograms summed,
 * against the tick. */
static void runq_tick_fill(struct run_report *run)
{
	uint64_t all[LAB_HIST_SLOTS] = {0};

	for (size_t i = 0; i < run->nthreads; i++)
		for (int s = 0; s < LAB_HIST_SLOTS; s++)
			all[s] += run->threads[i].runq.hist[s];
	runq_tick_find(&run->runq_tick, all, run->info.tick_ns);
}

/* Who woke each thread and who took its CPU, from the kernel's sums in
 * place of the timeline's, which lost some: parties as the timeline
 * names them (preempted(), on_wakeup() in timeline.c). */
static int parties_from_kernel(struct analysis *a)
{
	struct timeline *tl = &a->tl;
	struct wakeups *w = &tl->wakeups;

	wakeups_clear_edges(w);
	for (size_t i = 0; i < a->nwaits; i++) {
		const struct lab_wait *x = &a->waits[i];
		bool preempt = x->key.kind == LAB_WAIT_PREEMPTED,
		     found = x->key.op == LAB_PARTY_FOUND;
		uint32_t tid = (uint32_t)x->key.addr,
			 pid = (uint32_t)(x->key.addr >> 32),
			 subject = timeline_record(tl, x->key.tid);
		struct lab_wait_sum none = {0};
		struct wk_party p;

		if ((!preempt && x->key.kind != LAB_WAIT_WOKEN) ||
		    subject == UINT32_MAX)
			continue;
		p = wakeups_party(w, tid, pid, timeline_record(tl, tid));
		if (preempt && !tid)
			snprintf(p.comm, sizeof(p.comm), "idle");
		if (wakeups_add_sums(w, subject, preempt, &p,
				     found ? x->sum.count : 0,
				     found ? &none : &x->sum))
			return -1;
	}
	return 0;
}

/* Who woke each thread and who took its CPU, by its timeline record. */
static int links_fill(struct run_report *run, struct timeline *tl)
{
	size_t *rec_thread = malloc((tl->n + 1) * sizeof(*rec_thread));
	int err;

	if (!rec_thread)
		return -1;
	for (size_t i = 0; i < tl->n; i++)
		rec_thread[i] = SIZE_MAX;
	for (size_t i = 0; i < run->nthreads; i++)
		if (run->threads[i].has_timeline)
			rec_thread[run->threads[i].timeline_rec] = i;
	err = wakeups_fill(&tl->wakeups, run, rec_thread, tl->n);
	free(rec_thread);
	return err;
}

static int threads_fill(struct run_report *run, struct analysis *a)
{
	struct timeline *tl = &a->tl;
	size_t *order = malloc((tl->n + 1) * sizeof(*order));
	size_t *korder = malloc((a->nkt + 1) * sizeof(*korder));
	bool *taken = calloc(tl->n + 1, sizeof(*taken));
	int err = -1;

	run->threads = calloc(tl->n + a->nkt + 1, sizeof(*run->threads));
	if (!order || !korder || !taken || !run->threads)
		goto out;
	for (size_t i = 0; i < tl->n; i++)
		order[i] = i;
	for (size_t i = 0; i < a->nkt; i++)
		korder[i] = i;
	qsort_r(order, tl->n, sizeof(*order), rec_by_tid_start, tl->threads);
	/* earlier counters first, so a reused tid's threads pair in order */
	qsort_r(korder, a->nkt, sizeof(*korder), kt_by_start, a->kt);
	for (size_t i = 0; i < a->nkt; i++) {
		const struct lab_thread_stats *k = &a->kt[korder[i]];
		size_t ri = match(tl, order, taken, k);

		if (ri != SIZE_MAX)
			taken[ri] = true;
		if (thread_fill(&run->threads[run->nthreads++], tl,
				ri != SIZE_MAX ? &tl->threads[ri] : NULL, k,
				run))
			goto out;
	}
	/* the workload's threads the counters missed (a trace cut short) */
	for (size_t i = 0; i < tl->n; i++) {
		if (taken[i] || !tl->threads[i].tracked)
			continue;
		taken[i] = true;
		if (thread_fill(&run->threads[run->nthreads++], tl,
				&tl->threads[i], NULL, run))
			goto out;
	}
	for (size_t i = 0; i < run->nthreads; i++)
		run->gap_threads += run->threads[i].timeline_gaps;
	run->waits_lost = a->waits_lost;
	run->has_waits = a->has_waits;
	run->has_retries = a->has_retries;
	run->waits_from_kernel = a->has_waits && !a->waits_lost &&
				 (run->dropped || run->gap_threads);
	run->parties_from_kernel = run->waits_from_kernel && a->has_party_sums;
	if (run->waits_from_kernel) {
		qsort(a->waits, a->nwaits, sizeof(*a->waits), wait_by_tid);
		for (size_t i = 0; i < run->nthreads; i++)
			if (run->threads[i].has_kernel &&
			    run->threads[i].has_timeline)
				times_from_kernel(&run->threads[i], a);
	}
	for (size_t i = 0; i < run->nthreads; i++)
		thread_add(&run->totals, &run->has_times, &run->times,
			   &run->has_page_faults, &run->page_faults,
			   &run->threads[i]);
	/* a kernel without the probe counted no faults: none to show */
	if (not_measured(&run->info, LAB_NM_PAGE_FAULTS))
		run->has_page_faults = false;
	if (!run->totals.user_switches)
		run->totals.user_switches = tl->marker_user_switches;
	runq_tick_fill(run);
	run->marked_tasks = tl->marked_tasks;
	memcpy(run->results, tl->results, sizeof(run->results));
	run->results_known = tl->results_known;
	if (group_processes(run) || still_running_fill(run) ||
	    (run->parties_from_kernel && parties_from_kernel(a)) ||
	    links_fill(run, tl))
		goto out;
	err = run_wide(run, a, taken);
out:
	free(order);
	free(korder);
	free(taken);
	return err;
}

/* The threads' lanes, in report order. Consumes the builder. */
static int lanes_fill(struct run_report *run, struct analysis *a)
{
	uint32_t *recs = malloc((run->nthreads + 1) * sizeof(*recs));
	int err = -1;

	if (recs) {
		for (size_t i = 0; i < run->nthreads; i++)
			recs[i] = run->threads[i].has_timeline
					  ? run->threads[i].timeline_rec
					  : UINT32_MAX;
		err = lanes_finish(a->lanes, run->end_ns, recs, run->nthreads,
				   &run->lanes);
		a->lanes = NULL;
	}
	free(recs);
	return err;
}

/* What each CPU ran, on the threads' lanes' columns. Consumes the
 * builder. */
static int cpus_fill(struct run_report *run, struct analysis *a)
{
	size_t n = run->info.cpu_count < MAX_CPU_LANES ? run->info.cpu_count
						       : MAX_CPU_LANES;
	int err = cpu_lanes_finish(a->cpus, run->end_ns, run->lanes.column_ns,
				   n, &run->cpu_lanes);

	a->cpus = NULL;
	return err;
}

struct run_report *analysis_finish(struct analysis *a)
{
	struct run_report *run = NULL;

	if (a->oom)
		goto out;
	run = calloc(1, sizeof(*run));
	if (!run)
		goto out;
	run_fill(run, a);
	if (threads_fill(run, a) || lanes_fill(run, a) || cpus_fill(run, a) ||
	    memory_fill(run, a->mem, a->nmem)) {
		run_report_free(run);
		run = NULL;
	}
out:
	analysis_free(a);
	return run;
}
