/* compare.c - a family's runs lined up by model: each run taken apart
 * into figures, then medians and spreads per model. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "analyzer/array.h"
#include "analyzer/compare.h"
#include "analyzer/compare_lanes.h"
#include "analyzer/locks.h"
#include "analyzer/not_measured.h"
#include "analyzer/offcpu.h"
#include "analyzer/results.h"
#include "analyzer/safe_text.h"
#include "analyzer/units.h"

static const char *const model_names[CMP_NMODELS] = {
	"processes", "threads", "events", "coroutines", "serial",
};

static const struct cmp_metric_info metrics[CMP_NMETRICS] = {
	[CMP_WALL] = {"wall_ns", "wall time", CMP_UNIT_NS},
	[CMP_ONCPU] = {"oncpu_ns", "on-CPU time", CMP_UNIT_NS},
	[CMP_BUSY] = {"cpus_busy", "CPUs busy", CMP_UNIT_RATIO},
	[CMP_USER] = {"user_ns", "CPU user", CMP_UNIT_NS},
	[CMP_SYS] = {"system_ns", "CPU system", CMP_UNIT_NS},
	[CMP_SWITCHES] = {"kernel_switches", "kernel switches", CMP_UNIT_COUNT},
	[CMP_SWITCHES_PER_TASK] = {"kernel_switches_per_task", "  per task",
				   CMP_UNIT_AVG},
	[CMP_WALL_PER_SWITCH] = {"wall_per_switch_ns", "wall per switch",
				 CMP_UNIT_NS},
	[CMP_USER_SWITCHES] = {"user_switches", "user-space switches",
			       CMP_UNIT_COUNT},
	[CMP_RUNQ_WAIT] = {"runq_wait_ns", "run-queue wait", CMP_UNIT_NS},
	[CMP_OFFCPU] = {"offcpu_ns", "off-CPU", CMP_UNIT_NS},
	[CMP_OFFCPU_REASON + OFFCPU_FUTEX] = {"offcpu_futex_ns",
					      "off-CPU futex", CMP_UNIT_NS},
	[CMP_OFFCPU_REASON + OFFCPU_READ] = {"offcpu_read_ns",
					     "off-CPU read/recv", CMP_UNIT_NS},
	[CMP_OFFCPU_REASON + OFFCPU_WRITE] = {"offcpu_write_ns",
					      "off-CPU write/send",
					      CMP_UNIT_NS},
	[CMP_OFFCPU_REASON + OFFCPU_SLEEP] = {"offcpu_sleep_ns",
					      "off-CPU sleep", CMP_UNIT_NS},
	[CMP_OFFCPU_REASON +
		OFFCPU_POLL] = {"offcpu_poll_ns", "off-CPU poll", CMP_UNIT_NS},
	[CMP_OFFCPU_REASON + OFFCPU_WAIT] = {"offcpu_wait_ns",
					     "off-CPU wait (reap)",
					     CMP_UNIT_NS},
	[CMP_OFFCPU_REASON + OFFCPU_OTHER_SYSCALL] = {"offcpu_other_syscall_ns",
						      "off-CPU other syscall",
						      CMP_UNIT_NS},
	[CMP_OFFCPU_REASON + OFFCPU_NO_SYSCALL] = {"offcpu_outside_syscall_ns",
						   "off-CPU outside syscall",
						   CMP_UNIT_NS},
	[CMP_OFFCPU_REASON + OFFCPU_UNKNOWN] = {"offcpu_unknown_ns",
						"off-CPU unknown", CMP_UNIT_NS},
	[CMP_LOCK_WAIT] = {"lock_wait_ns", "lock waits (futex)", CMP_UNIT_NS},
	[CMP_LOCK_WAITS] = {"lock_waits", "  count", CMP_UNIT_COUNT},
	[CMP_KLOCK_WAIT] = {"kernel_lock_wait_ns", "kernel lock waits",
			    CMP_UNIT_NS},
	[CMP_SPAWN] = {"spawn_ns", "spawn phases", CMP_UNIT_NS},
	[CMP_SPAWN_PER_TASK] = {"spawn_per_task_ns", "creation per task",
				CMP_UNIT_NS},
	[CMP_FORK_RUN] = {"fork_to_run_ns", "fork to first run", CMP_UNIT_NS},
	[CMP_CREATE_CALL] = {"create_call_ns", "creator in fork/clone",
			     CMP_UNIT_NS},
	[CMP_CREATED] = {"created", "tasks created", CMP_UNIT_COUNT},
	[CMP_CHILD_FAULTS] = {"page_faults_per_created", "faults per created",
			      CMP_UNIT_AVG},
	[CMP_FAULTS_PER_TASK] = {"page_faults_per_task", "page faults/task",
				 CMP_UNIT_AVG},
	[CMP_MEMORY_PAGES] = {"memory_pages_per_task_kb", "  pages",
			      CMP_UNIT_KIB},
	[CMP_MEMORY_PAGE_TABLES] = {"memory_page_tables_per_task_kb",
				    "  page tables", CMP_UNIT_KIB},
	[CMP_MEMORY_USER] = {"memory_user_per_task_kb", "  in /proc",
			     CMP_UNIT_KIB},
	[CMP_MEMORY_KERNEL] = {"memory_kernel_per_task_kb", "  in the kernel",
			       CMP_UNIT_KIB},
	[CMP_MEMORY_PER_TASK] = {"memory_per_task_kb", "memory per task",
				 CMP_UNIT_KIB},
	[CMP_TASKS] = {"tasks", "tasks", CMP_UNIT_COUNT},
	[CMP_DROPPED] = {"dropped", "events dropped", CMP_UNIT_COUNT},
	[CMP_WORK] = {"work_ns", "work phases", CMP_UNIT_NS},
	[CMP_OPS] = {"ops", "operations", CMP_UNIT_COUNT},
	[CMP_OP_COST] = {"ns_per_op", "time per operation", CMP_UNIT_NS},
	[CMP_SWITCHES_PER_OP] = {"kernel_switches_per_op", "kernel switches/op",
				 CMP_UNIT_AVG},
	[CMP_SYS_PER_OP] = {"system_ns_per_op", "CPU system/op", CMP_UNIT_NS},
	[CMP_LOST_SHARE] = {"lost_share", "updates lost", CMP_UNIT_SHARE},
	[CMP_WAITED_SHARE] = {"waited_share", "lock takes waited",
			      CMP_UNIT_SHARE},
	[CMP_CREATOR_PER_TASK] = {"creator_ns_per_task", "creator per task",
				  CMP_UNIT_NS},
	[CMP_MANAGER_PER_OP] = {"manager_ns_per_op", "update via manager",
				CMP_UNIT_NS},
	[CMP_LOCKED_PER_OP] = {"locked_ns_per_op", "update under lock",
			       CMP_UNIT_NS},
	[CMP_SYNC] = {"sync_ns", "jobs via apply", CMP_UNIT_NS},
	[CMP_ASYNC] = {"async_ns", "jobs via apply_async", CMP_UNIT_NS},
	[CMP_CALLBACKS] = {"callbacks", "callbacks run", CMP_UNIT_COUNT},
	[CMP_ZOMBIE] = {"zombie_ns", "zombies unreaped", CMP_UNIT_NS},
	[CMP_DAEMON_BEATS] = {"daemon_beats", "daemon beats", CMP_UNIT_COUNT},
	[CMP_HANDOFF_SHARE] = {"handoff_share", "lock handoffs",
			       CMP_UNIT_SHARE},
	[CMP_DELAY] = {"delay_ns", "server delay", CMP_UNIT_NS},
	[CMP_DISPATCHES] = {"dispatches", "user-space dispatches",
			    CMP_UNIT_COUNT},
	[CMP_MACHINE_BYTES] = {"machine_bytes", "state machine, bytes",
			       CMP_UNIT_COUNT},
	[CMP_RESUMES_PER_OP] = {"user_resumes_per_op", "user-space resumes/op",
				CMP_UNIT_AVG},
	[CMP_WAKEUPS] = {"wakeups_in_run", "wakeups in the run",
			 CMP_UNIT_COUNT},
	[CMP_WAKEUPS_PER_OP] = {"wakeups_per_op", "  per operation",
				CMP_UNIT_AVG},
	[CMP_WAKE_LATENCY] = {"wake_latency_ns", "wakeup to running",
			      CMP_UNIT_NS},
	[CMP_COND_WAIT] = {"condition_wait_ns", "condition waits (futex)",
			   CMP_UNIT_NS},
	[CMP_COND_WAITS] = {"condition_waits", "  count", CMP_UNIT_COUNT},
	[CMP_RUNQ_BY_RUN] = {"runq_wait_by_run_ns", "  after own preempts",
			     CMP_UNIT_NS},
	[CMP_RUNQ_BY_OTHERS] = {"runq_wait_by_others_ns",
				"  after others' preempts", CMP_UNIT_NS},
	[CMP_RUNQ_BY_LAB] = {"runq_wait_by_lab_ns", "  after lab's preempts",
			     CMP_UNIT_NS},
	[CMP_HANDOFFS] = {"lock_handoffs", "lock hand-offs", CMP_UNIT_COUNT},
	[CMP_HANDOFF_P50] = {"lock_handoff_median_ns", "  wakeup to running",
			     CMP_UNIT_NS},
};

void compare_init(struct comparison *c)
{
	memset(c, 0, sizeof(*c));
}

void compare_free(struct comparison *c)
{
	for (int m = 0; m < CMP_NMODELS; m++) {
		free(c->model[m].samples);
		compare_lanes_free(&c->model[m]);
	}
	memset(c, 0, sizeof(*c));
}

const char *compare_model_name(enum cmp_model m)
{
	return m < CMP_NMODELS ? model_names[m] : "?";
}

const struct cmp_metric_info *compare_metric(enum cmp_metric m)
{
	return &metrics[m < CMP_NMETRICS ? m : CMP_WALL];
}

/* The margins: how much a figure varied between five identical runs of
 * every family on the development machine under load, the median over
 * the models of their (max - min) / min (docs/performance.md, "Noise"):
 * wall time 64%, on-CPU time 28%, switch counts 45%, system time 136%,
 * run-queue waits 6x, creation 5x, fork-to-run latency 8x. A figure
 * derived from one of them has its margin; the rest, CMP_MARGIN_SINGLE. */
static const double margins[CMP_NMETRICS] = {
	[CMP_WALL] = 0.65,
	[CMP_ONCPU] = 0.3,
	[CMP_BUSY] = 0.8,
	[CMP_USER] = 0.4,
	[CMP_SYS] = 1.4,
	[CMP_SWITCHES] = 0.5,
	[CMP_SWITCHES_PER_TASK] = 0.5,
	[CMP_WALL_PER_SWITCH] = 0.65,
	[CMP_RUNQ_WAIT] = 6.0,
	[CMP_OFFCPU] = 0.7,
	[CMP_OFFCPU_REASON + OFFCPU_FUTEX] = 0.7,
	[CMP_OFFCPU_REASON + OFFCPU_READ] = 0.7,
	[CMP_OFFCPU_REASON + OFFCPU_WRITE] = 0.7,
	[CMP_OFFCPU_REASON + OFFCPU_SLEEP] = 0.7,
	[CMP_OFFCPU_REASON + OFFCPU_POLL] = 0.7,
	[CMP_OFFCPU_REASON + OFFCPU_WAIT] = 0.7,
	[CMP_OFFCPU_REASON + OFFCPU_OTHER_SYSCALL] = 0.7,
	[CMP_OFFCPU_REASON + OFFCPU_NO_SYSCALL] = 0.7,
	[CMP_OFFCPU_REASON + OFFCPU_UNKNOWN] = 0.7,
	[CMP_LOCK_WAIT] = 6.4,
	[CMP_LOCK_WAITS] = 1.0,
	[CMP_KLOCK_WAIT] = 6.4,
	[CMP_SPAWN] = 5.3,
	[CMP_SPAWN_PER_TASK] = 5.3,
	[CMP_FORK_RUN] = 8.5,
	[CMP_CREATE_CALL] = 5.3,
	[CMP_OP_COST] = 0.65,
	[CMP_SWITCHES_PER_OP] = 0.5,
	[CMP_SYS_PER_OP] = 1.4,
	[CMP_CREATOR_PER_TASK] = 5.3,
	[CMP_MANAGER_PER_OP] = 0.65,
	[CMP_LOCKED_PER_OP] = 0.65,
	[CMP_SYNC] = 0.65,
	[CMP_ASYNC] = 0.65,
	[CMP_ZOMBIE] = 0.65,
	/* memory per task: io, lock and race, three runs each: a few pages
	 * a task, which a task of 4 kB feels most */
	[CMP_MEMORY_PAGES] = 0.35,
	[CMP_MEMORY_PAGE_TABLES] = 0.2,
	[CMP_MEMORY_USER] = 0.25,
	[CMP_MEMORY_PER_TASK] = 0.25,
	[CMP_WAKEUPS] = 0.5,
	[CMP_WAKEUPS_PER_OP] = 0.5,
	[CMP_WAKE_LATENCY] = 6.0,
	[CMP_COND_WAIT] = 6.4,
	[CMP_COND_WAITS] = 1.0,
	[CMP_RUNQ_BY_RUN] = 6.0,
	[CMP_RUNQ_BY_OTHERS] = 6.0,
	[CMP_RUNQ_BY_LAB] = 6.0,
	[CMP_HANDOFFS] = 1.0,
	[CMP_HANDOFF_P50] = 6.0,
};

double compare_margin(enum cmp_metric m)
{
	double margin = m < CMP_NMETRICS ? margins[m] : 0;

	return margin > 0 ? margin : CMP_MARGIN_SINGLE;
}

int compare_model_of(const char *workload, char *scenario, size_t len)
{
	const char *dash = strrchr(workload, '-');

	if (!dash || dash == workload)
		return -1;
	for (int m = 0; m < CMP_NMODELS; m++) {
		if (strcmp(dash + 1, model_names[m]))
			continue;
		if ((size_t)(dash - workload) >= len)
			return -1;
		memcpy(scenario, workload, dash - workload);
		scenario[dash - workload] = '\0';
		return m;
	}
	return -1;
}

/* "cpu=0,1" in the parameters: the tasks were pinned to that many CPUs */
static unsigned int usable_cpus(const struct lab_trace_info *info)
{
	const char *p = strstr(info->params, "cpu=");
	unsigned int n = 1;

	if (!p || (p != info->params && p[-1] != ' '))
		return info->cpu_count;
	for (p += 4; *p && *p != ' '; p++)
		n += *p == ',';
	return n;
}

static void set(struct cmp_sample *s, enum cmp_metric m, double v)
{
	s->v[m] = v;
	s->known[m] = true;
}

/* Waits on a futex word taken as a lock (locks.h): not a condition,
 * semaphore or join, which are waits for an event, not for a lock. */
static bool mutex_like(const struct lock_report *l)
{
	return l->kind == LOCK_KIND_LOCK;
}

/* The tasks the job ran: the workload's own count times its spawn
 * rounds (each spawn phase creates that many), else what the kernel
 * saw created; 0 when neither is known. */
static uint64_t tasks_of(const struct run_report *r, size_t spawn_phases)
{
	uint64_t created =
		r->created_threads.count + r->created_processes.count;

	if (r->marked_tasks)
		return r->marked_tasks * (spawn_phases ? spawn_phases : 1);
	return created;
}

/* A figure of the result, divided by another when that is not zero. */
static void set_result(struct cmp_sample *s, enum cmp_metric m,
		       const struct run_report *r, enum lab_result id,
		       enum lab_result per)
{
	double v, d = 1;

	if (!results_get(r, id, &v) ||
	    (per != LAB_NRESULTS && (!results_get(r, per, &d) || !d)))
		return;
	set(s, m, v / d);
}

/* The workload's own figures, where it marked them. */
static void results_of(const struct run_report *r, struct cmp_sample *s)
{
	const enum lab_result none = LAB_NRESULTS;

	set_result(s, CMP_OPS, r, LAB_RESULT_OPS, none);
	set_result(s, CMP_OP_COST, r, LAB_RESULT_OPS_NS, LAB_RESULT_OPS);
	if (s->known[CMP_OPS] && s->v[CMP_OPS] > 0) {
		set(s, CMP_SWITCHES_PER_OP, s->v[CMP_SWITCHES] / s->v[CMP_OPS]);
		if (s->known[CMP_SYS])
			set(s, CMP_SYS_PER_OP, s->v[CMP_SYS] / s->v[CMP_OPS]);
		if (s->v[CMP_USER_SWITCHES] > 0)
			set(s, CMP_RESUMES_PER_OP,
			    s->v[CMP_USER_SWITCHES] / s->v[CMP_OPS]);
	}
	set_result(s, CMP_LOST_SHARE, r, LAB_RESULT_LOST, LAB_RESULT_OPS);
	set_result(s, CMP_WAITED_SHARE, r, LAB_RESULT_WAITED, LAB_RESULT_OPS);
	set_result(s, CMP_CREATOR_PER_TASK, r, LAB_RESULT_CREATE_NS,
		   LAB_RESULT_OPS);
	set_result(s, CMP_MANAGER_PER_OP, r, LAB_RESULT_MANAGER_NS, none);
	set_result(s, CMP_LOCKED_PER_OP, r, LAB_RESULT_LOCKED_NS, none);
	set_result(s, CMP_SYNC, r, LAB_RESULT_SYNC_NS, none);
	set_result(s, CMP_ASYNC, r, LAB_RESULT_ASYNC_NS, none);
	set_result(s, CMP_CALLBACKS, r, LAB_RESULT_CALLBACKS, none);
	set_result(s, CMP_ZOMBIE, r, LAB_RESULT_ZOMBIE_NS, none);
	set_result(s, CMP_DAEMON_BEATS, r, LAB_RESULT_DAEMON_BEATS, none);
	set_result(s, CMP_HANDOFF_SHARE, r, LAB_RESULT_HANDOFFS,
		   LAB_RESULT_TAKES);
	set_result(s, CMP_DELAY, r, LAB_RESULT_DELAY_NS, none);
	set_result(s, CMP_DISPATCHES, r, LAB_RESULT_DISPATCHES, none);
	set_result(s, CMP_MACHINE_BYTES, r, LAB_RESULT_MACHINE_BYTES, none);
	/* an events run switches nothing: its resumes are its callbacks */
	set_result(s, CMP_RESUMES_PER_OP, r, LAB_RESULT_DISPATCHES,
		   LAB_RESULT_OPS);
}

/* Who woke whom and who took the CPU, summed over the run's threads;
 * condition waits. */
static void links_of(const struct run_report *r, struct cmp_sample *s)
{
	double wakeups = 0, waits = 0, wait_ns = 0, by[PARTY_LAB + 1] = {0};
	uint64_t cond_ns = 0, cond_n = 0, busiest = 0;
	double handoffs = 0;
	size_t words;

	for (size_t i = 0; i < r->nthreads; i++) {
		const struct thread_report *t = &r->threads[i];

		for (size_t j = 0; j < t->nwoken_by; j++)
			if (t->woken_by[j].kind == PARTY_RUN) {
				wakeups += (double)t->woken_by[j].count;
				waits += (double)t->woken_by[j].waits;
				wait_ns += (double)t->woken_by[j].wait_ns;
			}
		for (size_t j = 0; j < t->npreempted_by; j++)
			by[t->preempted_by[j].kind] +=
				(double)t->preempted_by[j].wait_ns;
	}
	set(s, CMP_WAKEUPS, wakeups);
	if (s->known[CMP_OPS] && s->v[CMP_OPS] > 0)
		set(s, CMP_WAKEUPS_PER_OP, wakeups / s->v[CMP_OPS]);
	if (waits)
		set(s, CMP_WAKE_LATENCY, wait_ns / waits);
	for (size_t i = 0; i < r->nuser_locks; i++) {
		const struct lock_report *l = &r->user_locks[i];

		if (l->kind != LOCK_KIND_LOCK)
			continue;
		handoffs += (double)l->handoffs;
		if (l->handoffs > busiest) {
			busiest = l->handoffs;
			set(s, CMP_HANDOFF_P50, (double)l->handoff_p50_ns);
		}
	}
	set(s, CMP_HANDOFFS, handoffs);
	locks_kind_sum(r, LOCK_KIND_CONDITION, &words, &cond_n, &cond_ns);
	set(s, CMP_COND_WAIT, (double)cond_ns);
	set(s, CMP_COND_WAITS, (double)cond_n);
	set(s, CMP_RUNQ_BY_RUN, by[PARTY_RUN]);
	set(s, CMP_RUNQ_BY_OTHERS, by[PARTY_PROGRAM] + by[PARTY_KERNEL]);
	set(s, CMP_RUNQ_BY_LAB, by[PARTY_LAB]);
}

/* The task outside the run whose preemptions cost one thread of run r
 * the most run-queue wait, kept for the model when more than in its
 * other runs. */
static void note_preemptor(struct cmp_model_runs *mr,
			   const struct run_report *r)
{
	for (size_t i = 0; i < r->nthreads; i++) {
		const struct thread_report *t = &r->threads[i];

		for (size_t j = 0; j < t->npreempted_by; j++) {
			const struct task_link *l = &t->preempted_by[j];

			/* "?": a task a trace without names left unnamed */
			if ((l->kind == PARTY_PROGRAM ||
			     l->kind == PARTY_KERNEL) &&
			    strcmp(l->comm, "?") &&
			    (double)l->wait_ns > mr->preemptor_ns) {
				mr->preemptor_ns = (double)l->wait_ns;
				memcpy(mr->preemptor, l->comm,
				       sizeof(mr->preemptor));
			}
		}
	}
}

static void sample_of(const struct run_report *r, struct cmp_sample *s)
{
	const struct creation_summary *ct = &r->created_threads,
				      *cp = &r->created_processes;
	uint64_t switches = r->totals.voluntary_switches +
			    r->totals.involuntary_switches,
		 spawn = 0, work = 0, lock_ns = 0, lock_n = 0, tasks;
	size_t nspawn = 0;
	/* a figure the kernel could not measure stays unknown, not 0 */
	bool no_faults = not_measured(&r->info, LAB_NM_PAGE_FAULTS);

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < r->nphases; i++)
		if (r->phases[i].phase == LAB_PHASE_SPAWN) {
			spawn += r->phases[i].end_ns - r->phases[i].start_ns;
			nspawn++;
		} else if (r->phases[i].phase == LAB_PHASE_WORK) {
			work += r->phases[i].end_ns - r->phases[i].start_ns;
		}
	tasks = tasks_of(r, nspawn);
	set(s, CMP_WALL, (double)r->wall_ns);
	set(s, CMP_ONCPU, (double)r->totals.oncpu_ns);
	if (r->wall_ns)
		set(s, CMP_BUSY,
		    (double)r->totals.oncpu_ns / (double)r->wall_ns);
	if (r->has_summary) {
		set(s, CMP_USER, (double)r->summary.utime_ns);
		set(s, CMP_SYS, (double)r->summary.stime_ns);
	}
	if (r->memory.has_kind) {
		const struct memory_cost *mc = &r->memory.cost[r->memory.kind];

		set(s, CMP_MEMORY_PAGES, mc->user_kib);
		set(s, CMP_MEMORY_PAGE_TABLES, mc->page_tables_kib);
		set(s, CMP_MEMORY_USER, mc->user_kib + mc->page_tables_kib);
		set(s, CMP_MEMORY_KERNEL, mc->kernel_kib);
		set(s, CMP_MEMORY_PER_TASK,
		    mc->user_kib + mc->page_tables_kib + mc->kernel_kib);
	}
	set(s, CMP_SWITCHES, (double)switches);
	if (switches)
		set(s, CMP_WALL_PER_SWITCH,
		    (double)r->wall_ns / (double)switches);
	if (!not_measured(&r->info, LAB_NM_COROUTINE_SWITCHES))
		set(s, CMP_USER_SWITCHES, (double)r->totals.user_switches);
	set(s, CMP_RUNQ_WAIT, (double)r->totals.runq_wait_ns);
	if (r->has_times) {
		set(s, CMP_OFFCPU, (double)offcpu_total(&r->times));
		for (int i = 0; i < OFFCPU_NREASONS; i++)
			set(s, CMP_OFFCPU_REASON + i,
			    (double)r->times.offcpu_ns[i]);
	}
	for (size_t i = 0; i < r->nuser_locks; i++)
		if (mutex_like(&r->user_locks[i])) {
			lock_ns += r->user_locks[i].total_ns;
			lock_n += r->user_locks[i].count;
		}
	set(s, CMP_LOCK_WAIT, (double)lock_ns);
	set(s, CMP_LOCK_WAITS, (double)lock_n);
	if (!not_measured(&r->info, LAB_NM_KLOCK_WAITS))
		set(s, CMP_KLOCK_WAIT, (double)r->totals.klock_wait_ns);
	if (r->nphases)
		set(s, CMP_WORK, (double)work);
	if (nspawn) {
		set(s, CMP_SPAWN, (double)spawn);
		if (tasks)
			set(s, CMP_SPAWN_PER_TASK,
			    (double)spawn / (double)tasks);
	}
	if (ct->ran + cp->ran)
		set(s, CMP_FORK_RUN,
		    ((double)ct->mean_ns * (double)ct->ran +
		     (double)cp->mean_ns * (double)cp->ran) /
			    (double)(ct->ran + cp->ran));
	if (r->totals.create_calls)
		set(s, CMP_CREATE_CALL,
		    (double)r->totals.create_call_ns /
			    (double)r->totals.create_calls);
	set(s, CMP_CREATED, (double)(ct->count + cp->count));
	if (ct->with_faults + cp->with_faults && !no_faults)
		set(s, CMP_CHILD_FAULTS,
		    (double)(ct->page_faults + cp->page_faults) /
			    (double)(ct->with_faults + cp->with_faults));
	if (tasks) {
		set(s, CMP_TASKS, (double)tasks);
		set(s, CMP_SWITCHES_PER_TASK, (double)switches / (double)tasks);
		if (r->has_page_faults && !no_faults)
			set(s, CMP_FAULTS_PER_TASK,
			    (double)r->page_faults / (double)tasks);
	}
	set(s, CMP_DROPPED, (double)r->dropped);
	results_of(r, s);
	links_of(r, s);
}

/* A run that did not do the whole job measures something else. */
static bool usable(const struct run_report *r)
{
	int st = r->summary.exit_status;

	return r->complete && r->has_summary && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0;
}

/* The reason a run does not fit, into err: it quotes the trace's names
 * and parameters, which lab prints as they are, so no controls pass.
 * Returns -1. */
static int refuse(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	safe_text(err, errlen, why, 1);
	return -1;
}

/* The first run sets the job and the machine; every other must match. */
static int same_job(struct comparison *c, const struct run_report *r, char *err,
		    size_t errlen)
{
	if (!compare_repeats(c)) {
		snprintf(c->params, sizeof(c->params), "%s", r->info.params);
		c->info = r->info;
		c->cpus = usable_cpus(&r->info);
	} else if (strcmp(c->params, r->info.params)) {
		return refuse(err, errlen,
			      "%s ran with '%s', the first run with '%s': not "
			      "the same job",
			      r->info.workload, r->info.params, c->params);
	} else if (c->info.cpu_count != r->info.cpu_count) {
		return refuse(err, errlen,
			      "%s ran on %u CPUs, the first run on %u: not the "
			      "same machine",
			      r->info.workload, r->info.cpu_count,
			      c->info.cpu_count);
	}
	/* a figure one run's kernel could not measure is missing from
	 * the family's comparison */
	c->info.not_measured |= r->info.not_measured;
	c->info.not_measured_known |= r->info.not_measured_known;
	return 0;
}

/* The run's figures in model m's slot, or it counted as left out. */
static int line_up(struct comparison *c, int m, const struct run_report *r,
		   char *err, size_t errlen)
{
	struct cmp_model_runs *mr = &c->model[m];

	snprintf(mr->workload, sizeof(mr->workload), "%s", r->info.workload);
	if (!usable(r)) {
		mr->excluded++;
		return 0;
	}
	if (ARRAY_GROW(mr->samples, mr->cap, mr->runs + 1)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sample_of(r, &mr->samples[mr->runs++]);
	note_preemptor(mr, r);
	compare_lanes_add(mr, r);
	return 0;
}

int compare_add(struct comparison *c, const struct run_report *r, char *err,
		size_t errlen)
{
	char scenario[sizeof(c->scenario)];
	int m = compare_model_of(r->info.workload, scenario, sizeof(scenario));

	if (m < 0)
		return refuse(err, errlen,
			      "%s is not a built-in workload's run "
			      "(<scenario>-processes, -threads, -events, "
			      "-coroutines or -serial)",
			      r->info.workload[0] ? r->info.workload
						  : "a trace");
	if (c->scenario[0] && strcmp(c->scenario, scenario))
		return refuse(err, errlen, "%s is a run of %s, not of %s",
			      r->info.workload, scenario, c->scenario);
	if (same_job(c, r, err, errlen))
		return -1;
	snprintf(c->scenario, sizeof(c->scenario), "%s", scenario);
	return line_up(c, m, r, err, errlen);
}

/* The slot of a command's name: a model's own while every name is a
 * model's; else the slot the name has, or the first free one. */
static int slot_of(struct comparison *c, const char *name)
{
	int m = -1;

	for (int k = 0; k < CMP_NMODELS; k++)
		if (!strcmp(c->names[k], name))
			return k;
	for (int k = 0; k < CMP_NMODELS && !c->free_names; k++)
		if (!strcmp(model_names[k], name))
			m = k;
	if (m < 0) {
		c->free_names = true;
		for (int k = CMP_NMODELS - 1; k >= 0; k--)
			if (!c->names[k][0])
				m = k;
	}
	if (m >= 0)
		snprintf(c->names[m], sizeof(c->names[m]), "%s", name);
	return m;
}

int compare_add_named(struct comparison *c, const struct run_report *r,
		      const char *name, char *err, size_t errlen)
{
	int m;

	if (!name[0])
		return refuse(err, errlen, "a command without a name");
	if (c->scenario[0] && !c->commands)
		return refuse(err, errlen, "%s is not a run of %s", name,
			      c->scenario);
	if (same_job(c, r, err, errlen))
		return -1;
	m = slot_of(c, name);
	if (m < 0)
		return refuse(err, errlen,
			      "%s is a command too many: at most %d side by "
			      "side",
			      name, CMP_NMODELS);
	c->commands = true;
	snprintf(c->scenario, sizeof(c->scenario), "commands");
	return line_up(c, m, r, err, errlen);
}

const char *compare_name(const struct comparison *c, enum cmp_model m)
{
	if (m < CMP_NMODELS && c->names[m][0])
		return c->names[m];
	return compare_model_name(m);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void compare_finish(struct comparison *c)
{
	for (int m = 0; m < CMP_NMODELS; m++) {
		struct cmp_model_runs *mr = &c->model[m];
		double *v = malloc((mr->runs + 1) * sizeof(*v));

		memset(mr->stat, 0, sizeof(mr->stat));
		if (!v)
			continue; /* out of memory: the model shows as unknown
				   */
		for (int k = 0; k < CMP_NMETRICS; k++) {
			struct cmp_stat *st = &mr->stat[k];
			size_t n = 0;

			for (size_t i = 0; i < mr->runs; i++)
				if (mr->samples[i].known[k])
					v[n++] = mr->samples[i].v[k];
			if (!n)
				continue;
			qsort(v, n, sizeof(*v), by_value);
			st->n = n;
			st->min = v[0];
			st->max = v[n - 1];
			st->median = v[(n + 1) / 2 - 1];
		}
		free(v);
		compare_lanes_finish(mr);
	}
}

const struct cmp_stat *compare_stat(const struct comparison *c,
				    enum cmp_model model,
				    enum cmp_metric metric)
{
	const struct cmp_stat *s;

	if (model >= CMP_NMODELS || metric >= CMP_NMETRICS)
		return NULL;
	s = &c->model[model].stat[metric];
	return s->n ? s : NULL;
}

bool compare_nonzero(const struct comparison *c, enum cmp_metric m)
{
	for (int k = 0; k < CMP_NMODELS; k++) {
		const struct cmp_stat *s = compare_stat(c, k, m);

		if (s && s->max > 0)
			return true;
	}
	return false;
}

size_t compare_nmodels(const struct comparison *c)
{
	size_t n = 0;

	for (int m = 0; m < CMP_NMODELS; m++)
		n += c->model[m].runs > 0;
	return n;
}

bool compare_any_dropped(const struct comparison *c)
{
	for (int m = 0; m < CMP_NMODELS; m++) {
		const struct cmp_stat *s = compare_stat(c, m, CMP_DROPPED);

		if (s && s->max > 0)
			return true;
	}
	return false;
}

bool compare_shown(const struct comparison *c, enum cmp_model m)
{
	return c->model[m].runs + c->model[m].excluded > 0;
}

size_t compare_repeats(const struct comparison *c)
{
	size_t n = 0;

	for (int m = 0; m < CMP_NMODELS; m++)
		if (c->model[m].runs + c->model[m].excluded > n)
			n = c->model[m].runs + c->model[m].excluded;
	return n;
}

bool compare_has_spread(const struct comparison *c)
{
	size_t models = 0;

	for (int m = 0; m < CMP_NMODELS; m++) {
		if (!c->model[m].runs)
			continue;
		if (c->model[m].runs < 2)
			return false;
		models++;
	}
	return models > 0;
}

const char *compare_margin_note(char *buf, size_t len,
				const struct comparison *c)
{
	if (compare_has_spread(c))
		snprintf(buf, len,
			 "an order is called only where the ranges of %zu "
			 "runs do not overlap and the medians differ by %.0f%% "
			 "or more; else ≈, too close to call",
			 compare_repeats(c), 100 * CMP_MARGIN_REPEAT);
	else
		snprintf(buf, len,
			 "one run each: an order is called only beyond a "
			 "figure's run-to-run spread (wall time %.0f%%, on-CPU "
			 "%.0f%%, switches %.0f%%); else ≈",
			 100 * compare_margin(CMP_WALL),
			 100 * compare_margin(CMP_ONCPU),
			 100 * compare_margin(CMP_SWITCHES));
	return buf;
}

enum cmp_order compare_order(const struct comparison *c, enum cmp_metric m,
			     enum cmp_model a, enum cmp_model b)
{
	const struct cmp_stat *x = compare_stat(c, a, m),
			      *y = compare_stat(c, b, m);
	double lo, hi, margin = compare_margin(m);

	if (!x || !y)
		return CMP_UNKNOWN;
	if (x->n > 1 && y->n > 1) {
		/* the spread decides first: overlapping ranges are noise */
		if (x->max >= y->min && y->max >= x->min)
			return CMP_CLOSE;
		margin = CMP_MARGIN_REPEAT;
	}
	lo = fmin(x->median, y->median);
	hi = fmax(x->median, y->median);
	if (hi <= lo * (1 + margin) || hi == lo)
		return CMP_CLOSE;
	return x->median < y->median ? CMP_BELOW : CMP_ABOVE;
}

void compare_show(char *buf, size_t len, double v, enum cmp_unit unit)
{
	char n[32];

	switch (unit) {
	case CMP_UNIT_NS:
		units_duration(buf, len, (uint64_t)llround(v));
		break;
	case CMP_UNIT_COUNT:
		units_count(buf, len, (uint64_t)llround(v));
		break;
	case CMP_UNIT_AVG:
		/* a count per task: a fraction only where it says something */
		if (v > 0 && v < 0.095)
			snprintf(buf, len, "%.2g", v);
		else if (v < 9.95 && v != floor(v))
			snprintf(buf, len, "%.1f", v);
		else
			units_count(buf, len, (uint64_t)llround(v));
		break;
	case CMP_UNIT_KIB:
		snprintf(buf, len, "%s kB",
			 units_count(n, sizeof(n), (uint64_t)llround(v)));
		break;
	case CMP_UNIT_RATIO:
		/* a CPU busy a thousandth of the time is not 0.00 */
		if (v > 0 && v < 0.0095)
			snprintf(buf, len, "%.1g", v);
		else
			snprintf(buf, len, "%.2f", v);
		break;
	case CMP_UNIT_SHARE:
		/* a few in a million is not 0.00% */
		if (v > 0 && v < 0.00005)
			snprintf(buf, len, "under 0.01%%");
		else
			snprintf(buf, len, "%.*f%%", v > 0 && v < 0.01 ? 2 : 1,
				 100 * v);
		break;
	}
}

const char *compare_show_stat(char *buf, size_t len, const struct cmp_stat *s,
			      enum cmp_unit unit)
{
	char v[32];

	compare_show(v, sizeof(v), s->median, unit);
	if (s->n < 2 || s->max == s->min)
		snprintf(buf, len, "%s", v);
	else if (s->median > 0 && s->max - s->min < 2 * s->median)
		snprintf(buf, len, "%s ±%.0f%%", v,
			 50 * (s->max - s->min) / s->median);
	else
		snprintf(buf, len, "%s ±>99%%", v);
	return buf;
}
