/* test_analyze.c - the analysis core, fed synthetic event sequences with
 * known answers, and the writers that render its report. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include "analyzer/analysis.h"
#include "analyzer/analyze.h"
#include "analyzer/compare.h"
#include "analyzer/offcpu.h"
#include "analyzer/report.h"
#include "analyzer/safe_text.h"
#include "analyzer/stats.h"
#include "tests/json_path.h"
#include "tests/test.h"
#include "tests/trace_file.h"
#include "analyzer/units.h"

#define US	 1000ULL
#define MS	 1000000ULL
#define T0	 (1000 * MS) /* tracing starts; events follow */
#define ROOT	 100
#define SLEEPING 1 /* TASK_INTERRUPTIBLE */

/* ---- building events ---- */

static struct lab_event ev_switch(uint64_t ts, uint32_t prev, uint32_t ppid,
				  uint64_t prev_state, int preempt,
				  uint32_t next, uint32_t npid)
{
	return (struct lab_event){.ts = ts,
				  .type = LAB_EV_SWITCH,
				  .tid = prev,
				  .pid = ppid,
				  .other_tid = next,
				  .other_pid = npid,
				  .value = prev_state,
				  .flags = preempt ? LAB_SWITCH_PREEMPT : 0};
}

static struct lab_event ev_wakeup(uint64_t ts, uint32_t tid, uint32_t pid)
{
	return (struct lab_event){.ts = ts,
				  .type = LAB_EV_WAKEUP,
				  .tid = tid,
				  .pid = pid,
				  .other_tid = 1};
}

static struct lab_event ev_wakeup_new(uint64_t ts, uint32_t tid, uint32_t pid)
{
	struct lab_event e = ev_wakeup(ts, tid, pid);

	e.type = LAB_EV_WAKEUP_NEW;
	return e;
}

static struct lab_event ev_fork(uint64_t ts, uint32_t parent, uint32_t ppid,
				uint32_t child, uint32_t cpid)
{
	return (struct lab_event){.ts = ts,
				  .type = LAB_EV_FORK,
				  .tid = parent,
				  .pid = ppid,
				  .other_tid = child,
				  .other_pid = cpid};
}

static struct lab_event ev_exit(uint64_t ts, uint32_t tid, uint32_t pid)
{
	return (struct lab_event){
		.ts = ts, .type = LAB_EV_EXIT, .tid = tid, .pid = pid};
}

static struct lab_event ev_mark(uint64_t ts, uint32_t tid, uint32_t pid,
				uint32_t marker, uint64_t value)
{
	return (struct lab_event){.ts = ts,
				  .type = LAB_EV_MARK,
				  .tid = tid,
				  .pid = pid,
				  .aux = marker,
				  .value = value};
}

/* what the probes stamp on a voluntary switch inside a syscall */
static struct lab_event ev_block(uint64_t ts, uint32_t tid, uint32_t pid,
				 uint32_t nr, uint64_t arg0, uint32_t arg1)
{
	return (struct lab_event){.ts = ts,
				  .type = LAB_EV_BLOCK,
				  .tid = tid,
				  .pid = pid,
				  .aux = nr,
				  .value = arg0,
				  .other_tid = arg1};
}

static struct lab_event ev_migrate(uint64_t ts, uint32_t tid, uint32_t pid,
				   uint32_t cpu)
{
	return (struct lab_event){.ts = ts,
				  .type = LAB_EV_MIGRATE,
				  .tid = tid,
				  .pid = pid,
				  .aux = cpu};
}

/* LAB_EV_LOCK_BEGIN or LAB_EV_LOCK_END of a kernel lock */
static struct lab_event ev_lock(uint64_t ts, int type, uint32_t tid,
				uint32_t pid, uint64_t lock)
{
	return (struct lab_event){.ts = ts,
				  .type = (uint8_t)type,
				  .tid = tid,
				  .pid = pid,
				  .value = lock};
}

static struct lab_trace_info test_info(void)
{
	struct lab_trace_info info = {.version = LAB_TRACE_VERSION,
				      .cpu_count = 2,
				      .start_ns = T0,
				      .start_realtime_ns =
					      1700000000ULL * 1000000000ULL};

	snprintf(info.lab_version, sizeof(info.lab_version), "0.1.0");
	snprintf(info.kernel, sizeof(info.kernel), "6.18.0-test");
	snprintf(info.machine, sizeof(info.machine), "x86_64");
	snprintf(info.cpu_model, sizeof(info.cpu_model), "Test CPU");
	snprintf(info.workload, sizeof(info.workload), "unit-threads");
	snprintf(info.params, sizeof(info.params), "tasks=2");
	snprintf(info.cmdline, sizeof(info.cmdline), "lab run unit-threads");
	return info;
}

static struct lab_run_summary test_summary(uint64_t end_ns, uint64_t events,
					   uint64_t dropped)
{
	return (struct lab_run_summary){.end_ns = end_ns,
					.events = events,
					.dropped = dropped,
					.utime_ns = 3 * MS,
					.stime_ns = 1 * MS,
					.maxrss_kb = 2048};
}

/* A complete trace's parts, through the analysis core. */
static struct run_report *analyse(const struct lab_event *ev, size_t n,
				  const struct lab_thread_stats *kt, size_t nkt,
				  const struct lab_run_summary *sum)
{
	struct lab_trace_info info = test_info();
	struct analysis *a = analysis_new(&info);

	if (!a)
		return NULL;
	analysis_add_events(a, ev, n);
	if (nkt)
		analysis_add_threads(a, kt, nkt);
	if (sum)
		analysis_set_summary(a, sum);
	return analysis_finish(a);
}

#define ANALYSE(ev, sum) analyse(ev, sizeof(ev) / sizeof(ev[0]), NULL, 0, sum)

/* The nth (from 0) thread with this tid, in report order. */
static const struct thread_report *thread_of(const struct run_report *r,
					     uint32_t tid, int nth)
{
	for (size_t i = 0; i < r->nthreads; i++)
		if (r->threads[i].tid == tid && nth-- == 0)
			return &r->threads[i];
	return NULL;
}

/* ---- the state machine, event by event ---- */

TEST(analyze_preempt_then_run)
{
	/* root: woken, waits 500 ns, runs 2 µs, preempted by an untracked
	 * task, waits 700 ns, runs 800 ns, sleeps */
	const struct lab_event ev[] = {
		ev_wakeup(T0 + 1000, ROOT, ROOT),
		ev_switch(T0 + 1500, 0, 0, 0, 0, ROOT, ROOT),
		ev_switch(T0 + 3500, ROOT, ROOT, 0, 1, 555, 555),
		ev_switch(T0 + 4200, 555, 555, SLEEPING, 0, ROOT, ROOT),
		ev_switch(T0 + 5000, ROOT, ROOT, SLEEPING, 0, 0, 0),
	};
	struct lab_run_summary sum = test_summary(T0 + 10000, 5, 0);
	struct run_report *r = ANALYSE(ev, &sum);
	const struct thread_report *t;

	if (!CHECK(r))
		return;
	CHECK_EQ(r->nthreads, 1); /* neither 555 nor the idle task */
	t = thread_of(r, ROOT, 0);
	if (!CHECK(t))
		goto out;
	CHECK(!t->has_kernel && t->has_timeline);
	CHECK_EQ(t->counts.involuntary_switches, 1);
	CHECK_EQ(t->counts.voluntary_switches, 1);
	CHECK_EQ(t->counts.oncpu_ns, 2000 + 800);
	CHECK_EQ(t->counts.runq_wait_ns, 500 + 700);
	CHECK_EQ(t->counts.wakeups, 1);
	CHECK_EQ(t->runq.count, 2);
	CHECK_EQ(t->runq.p50_ns, 500);
	CHECK_EQ(t->runq.p99_ns, 700);
	CHECK_EQ(t->runq.max_ns, 700);
	CHECK_EQ(t->runq.source, RUNQ_FROM_SAMPLES);
	CHECK_EQ(t->lifetime_ns, 10000 - 1000); /* first event to the end */
	CHECK(!t->exited);
	CHECK(r->complete);
	CHECK_EQ(r->wall_ns, 10000);
out:
	run_report_free(r);
}

TEST(analyze_wakeup_of_running_or_runnable_changes_nothing)
{
	const struct lab_event ev[] = {
		ev_wakeup(T0 + 1000, ROOT, ROOT),
		ev_wakeup(T0 + 1100, ROOT, ROOT), /* already runnable */
		ev_switch(T0 + 1300, 0, 0, 0, 0, ROOT, ROOT),
		ev_wakeup(T0 + 1400, ROOT, ROOT), /* running */
		ev_switch(T0 + 2000, ROOT, ROOT, SLEEPING, 0, 0, 0),
		/* back on CPU without a wakeup (one was lost): no wait */
		ev_switch(T0 + 3000, 0, 0, 0, 0, ROOT, ROOT),
	};
	struct run_report *r = ANALYSE(ev, NULL);
	const struct thread_report *t = r ? thread_of(r, ROOT, 0) : NULL;

	if (!CHECK(t))
		goto out;
	CHECK_EQ(t->counts.wakeups, 3);
	CHECK_EQ(t->runq.count, 1);
	CHECK_EQ(t->counts.runq_wait_ns, 300); /* from the first wakeup */
	CHECK_EQ(t->counts.oncpu_ns, 700);
	CHECK_EQ(t->counts.voluntary_switches, 1);
	CHECK_EQ(t->counts.involuntary_switches, 0);
out:
	run_report_free(r);
}

TEST(analyze_fork_exit_and_final_switch)
{
	const struct lab_event ev[] = {
		ev_wakeup(T0 + 1000, ROOT, ROOT),
		ev_switch(T0 + 1000, 0, 0, 0, 0, ROOT, ROOT),
		ev_fork(T0 + 2000, ROOT, ROOT, 101, ROOT),
		ev_wakeup_new(T0 + 2100, 101, ROOT),
		ev_switch(T0 + 3000, ROOT, ROOT, SLEEPING, 0, 101, ROOT),
		ev_exit(T0 + 5000, 101, ROOT),
		ev_switch(T0 + 5200, 101, ROOT, LAB_TASK_DEAD, 0, 0, 0),
	};
	struct lab_run_summary sum = test_summary(T0 + 9000, 7, 0);
	struct run_report *r = ANALYSE(ev, &sum);
	const struct thread_report *c = r ? thread_of(r, 101, 0) : NULL;

	if (!CHECK(c))
		goto out;
	CHECK_EQ(r->nthreads, 2);
	CHECK_EQ(r->nprocesses, 1);
	CHECK_EQ(c->parent_tid, ROOT);
	CHECK_STR(c->comm, "?"); /* no kernel counters to name it */
	CHECK(c->exited);
	CHECK_EQ(c->lifetime_ns, 5200 - 2000);
	CHECK_EQ(c->counts.voluntary_switches, 1); /* the final switch */
	CHECK_EQ(c->counts.wakeups, 0);		   /* wakeup_new is not one */
	CHECK_EQ(c->counts.runq_wait_ns, 900);
	CHECK_EQ(c->counts.oncpu_ns, 2200);
	/* the root's thread is listed first: it started first */
	CHECK_EQ(r->processes[0].threads[0].tid, ROOT);
	CHECK_EQ(r->processes[0].exited, 1);
	CHECK_EQ(r->totals.voluntary_switches, 2);
out:
	run_report_free(r);
}

static struct lab_thread_stats counters(uint32_t tid, uint32_t pid,
					uint32_t parent, uint64_t start,
					const char *comm)
{
	struct lab_thread_stats k = {.tid = tid,
				     .pid = pid,
				     .parent_tid = parent,
				     .start_ns = start};

	snprintf(k.comm, sizeof(k.comm), "%s", comm);
	return k;
}

TEST(analyze_pid_reuse_gives_two_threads)
{
	/* 101 lives and dies twice: two threads, each with its counters */
	const struct lab_event ev[] = {
		ev_wakeup(T0 + 1000, ROOT, ROOT),
		ev_switch(T0 + 1000, 0, 0, 0, 0, ROOT, ROOT),
		ev_fork(T0 + 2000, ROOT, ROOT, 101, 101),
		ev_wakeup_new(T0 + 2000, 101, 101),
		ev_switch(T0 + 2500, 0, 0, 0, 0, 101, 101),
		ev_exit(T0 + 2900, 101, 101),
		ev_switch(T0 + 3000, 101, 101, LAB_TASK_DEAD, 0, 0, 0),
		ev_fork(T0 + 4000, ROOT, ROOT, 101, 101),
		ev_wakeup_new(T0 + 4000, 101, 101),
		ev_switch(T0 + 4100, 0, 0, 0, 0, 101, 101),
		ev_switch(T0 + 9100, 101, 101, LAB_TASK_DEAD, 0, 0, 0),
	};
	struct lab_thread_stats kt[3] = {
		/* the kernel lists them in its own order, not the file's */
		counters(101, 101, ROOT, T0 + 4000, "second"),
		counters(ROOT, ROOT, 0, T0 - 5000, "root"),
		counters(101, 101, ROOT, T0 + 2000, "first"),
	};
	struct lab_run_summary sum = test_summary(T0 + 10000, 11, 0);
	struct run_report *r;
	const struct thread_report *a, *b;

	kt[0].voluntary_switches = 1;
	kt[0].oncpu_ns = 5000;
	kt[0].runq_count = 1;
	kt[0].runq_wait_ns = kt[0].runq_max_ns = 100;
	kt[2].voluntary_switches = 1;
	kt[2].oncpu_ns = 500;
	kt[2].runq_count = 1;
	kt[2].runq_wait_ns = kt[2].runq_max_ns = 500;
	r = analyse(ev, sizeof(ev) / sizeof(ev[0]), kt, 3, &sum);
	if (!CHECK(r))
		return;
	CHECK_EQ(r->nthreads, 3);
	CHECK_EQ(r->nprocesses, 3); /* 101 led its own process twice */
	a = thread_of(r, 101, 0);
	b = thread_of(r, 101, 1);
	if (!CHECK(a && b))
		goto out;
	CHECK_STR(a->comm, "first");
	CHECK_STR(b->comm, "second");
	CHECK_EQ(a->lifetime_ns, 1000);
	CHECK_EQ(b->lifetime_ns, 5100);
	CHECK(a->has_kernel && a->has_timeline && b->has_kernel &&
	      b->has_timeline);
	CHECK_EQ(a->timeline.oncpu_ns, a->kernel.oncpu_ns);
	CHECK_EQ(b->timeline.oncpu_ns, b->kernel.oncpu_ns);
	CHECK_EQ(a->timeline.runq_wait_ns, a->kernel.runq_wait_ns);
	CHECK_EQ(b->timeline.runq_wait_ns, b->kernel.runq_wait_ns);
	CHECK_STR(thread_of(r, ROOT, 0)->comm, "root");
	CHECK_EQ(thread_of(r, ROOT, 0)->parent_tid, 0);
out:
	run_report_free(r);
}

TEST(analyze_untracked_sides_are_left_out)
{
	/* 777 and 888 belong to other programs: they only ever appear
	 * as the other side of a tracked thread's switch */
	const struct lab_event ev[] = {
		ev_wakeup(T0 + 100, ROOT, ROOT),
		ev_switch(T0 + 200, 888, 888, 0, 1, ROOT, ROOT),
		ev_switch(T0 + 600, ROOT, ROOT, SLEEPING, 0, 777, 777),
		ev_wakeup(T0 + 700, ROOT, ROOT),
		ev_switch(T0 + 900, 777, 777, 0, 1, ROOT, ROOT),
		ev_switch(T0 + 1000, ROOT, ROOT, SLEEPING, 0, 888, 888),
	};
	struct run_report *r = ANALYSE(ev, NULL);
	const struct thread_report *t;

	if (!CHECK(r))
		return;
	CHECK_EQ(r->nthreads, 1);
	CHECK(!thread_of(r, 777, 0) && !thread_of(r, 888, 0));
	t = thread_of(r, ROOT, 0);
	if (CHECK(t)) {
		CHECK_EQ(t->counts.runq_wait_ns, 100 + 200);
		CHECK_EQ(t->counts.oncpu_ns, 400 + 100);
		CHECK_EQ(r->totals.involuntary_switches, 0);
	}
	run_report_free(r);
}

TEST(analyze_out_of_order_intervals_clamp_to_zero)
{
	/* the switch-in was stamped on another CPU 2 µs before the wakeup
	 * that precedes it in the file, the switch-out 1 µs before that */
	const struct lab_event ev[] = {
		ev_wakeup(T0 + 10 * US, ROOT, ROOT),
		ev_switch(T0 + 8 * US, 0, 0, 0, 0, ROOT, ROOT),
		ev_switch(T0 + 7 * US, ROOT, ROOT, SLEEPING, 0, 0, 0),
		ev_wakeup(T0 + 20 * US, ROOT, ROOT),
		ev_switch(T0 + 25 * US, 0, 0, 0, 0, ROOT, ROOT),
	};
	struct run_report *r = ANALYSE(ev, NULL);
	const struct thread_report *t = r ? thread_of(r, ROOT, 0) : NULL;

	if (!CHECK(t))
		goto out;
	CHECK_EQ(t->runq.count, 2);
	CHECK_EQ(t->counts.runq_wait_ns, 5 * US);
	CHECK_EQ(t->runq.p50_ns, 0);
	CHECK_EQ(t->runq.max_ns, 5 * US);
	CHECK_EQ(t->counts.oncpu_ns, 0);
	CHECK_EQ(r->wall_ns, 25 * US); /* no summary: the last event */
	CHECK(!r->complete);
out:
	run_report_free(r);
}

TEST(analyze_exec_of_a_non_leader_takes_the_leaders_tid)
{
	const struct lab_event ev[] = {
		ev_wakeup(T0 + 100, ROOT, ROOT),
		ev_switch(T0 + 100, 0, 0, 0, 0, ROOT, ROOT),
		ev_fork(T0 + 200, ROOT, ROOT, 101, ROOT),
		ev_wakeup_new(T0 + 200, 101, ROOT),
		ev_switch(T0 + 300, 0, 0, 0, 0, 101, ROOT),
		/* 101 execs: the leader dies, 101 becomes 100 */
		ev_exit(T0 + 400, ROOT, ROOT),
		ev_switch(T0 + 500, ROOT, ROOT, LAB_TASK_DEAD, 0, 0, 0),
		{.ts = T0 + 600,
		 .type = LAB_EV_EXEC,
		 .tid = ROOT,
		 .pid = ROOT,
		 .other_tid = 101},
		ev_switch(T0 + 900, ROOT, ROOT, SLEEPING, 0, 0, 0),
	};
	struct run_report *r = ANALYSE(ev, NULL);
	const struct thread_report *leader, *execd;

	if (!CHECK(r))
		return;
	CHECK_EQ(r->nthreads, 2);
	leader = thread_of(r, ROOT, 0);
	execd = thread_of(r, ROOT, 1);
	if (CHECK(leader && execd)) {
		CHECK(leader->exited);
		CHECK_EQ(leader->counts.oncpu_ns, 400);
		CHECK(!execd->exited);
		CHECK_EQ(execd->parent_tid, ROOT);
		CHECK_EQ(execd->counts.oncpu_ns, 600);
		CHECK_EQ(execd->counts.voluntary_switches, 1);
	}
	run_report_free(r);
}

/* ---- statistics ---- */

TEST(analyze_percentiles_nearest_rank)
{
	struct samples s = {0};

	CHECK_EQ(stats_samples_percentile(&s, 50), 0);
	for (uint64_t v = 100; v >= 1; v--)
		if (!CHECK(stats_samples_add(&s, v) == 0))
			goto out;
	stats_samples_sort(&s);
	CHECK_EQ(stats_samples_percentile(&s, 50), 50);
	CHECK_EQ(stats_samples_percentile(&s, 90), 90);
	CHECK_EQ(stats_samples_percentile(&s, 99), 99);
	CHECK_EQ(stats_samples_max(&s), 100);
	stats_samples_free(&s);
	/* 3 samples: p50 is rank 2, p90 and p99 rank 3 */
	stats_samples_add(&s, 30);
	stats_samples_add(&s, 10);
	stats_samples_add(&s, 20);
	stats_samples_sort(&s);
	CHECK_EQ(stats_samples_percentile(&s, 50), 20);
	CHECK_EQ(stats_samples_percentile(&s, 90), 30);
	CHECK_EQ(stats_samples_percentile(&s, 99), 30);
out:
	stats_samples_free(&s);
}

TEST(analyze_histogram_slots_and_percentiles)
{
	uint64_t h[LAB_HIST_SLOTS] = {0};

	CHECK_EQ(stats_hist_slot(0, LAB_HIST_SLOTS), 0);
	CHECK_EQ(stats_hist_slot(1, LAB_HIST_SLOTS), 0);
	CHECK_EQ(stats_hist_slot(2, LAB_HIST_SLOTS), 1);
	CHECK_EQ(stats_hist_slot(1023, LAB_HIST_SLOTS), 9);
	CHECK_EQ(stats_hist_slot(1024, LAB_HIST_SLOTS), 10);
	CHECK_EQ(stats_hist_slot(~0ULL, LAB_HIST_SLOTS), LAB_HIST_SLOTS - 1);
	h[10] = 60; /* [1024, 2048) */
	h[12] = 39; /* [4096, 8192) */
	h[20] = 1;  /* [1 Mi, 2 Mi) */
	CHECK_EQ(stats_hist_percentile(h, LAB_HIST_SLOTS, 50, 1500000), 2047);
	CHECK_EQ(stats_hist_percentile(h, LAB_HIST_SLOTS, 90, 1500000), 8191);
	CHECK_EQ(stats_hist_percentile(h, LAB_HIST_SLOTS, 99, 1500000), 8191);
	/* the top slot's upper edge is more than the largest wait seen */
	CHECK_EQ(stats_hist_percentile(h, LAB_HIST_SLOTS, 100, 1500000),
		 1500000);
}

TEST(analyze_dropped_events_use_the_histogram)
{
	/* the ring buffer lost events: the one wait the timeline saw is
	 * not the kernel's three */
	const struct lab_event ev[] = {
		ev_wakeup(T0 + 1000, ROOT, ROOT),
		ev_switch(T0 + 1100, 0, 0, 0, 0, ROOT, ROOT),
		ev_switch(T0 + 2000, ROOT, ROOT, SLEEPING, 0, 0, 0),
	};
	struct lab_thread_stats k = counters(ROOT, ROOT, 0, T0 - 1, "root");
	struct lab_run_summary sum = test_summary(T0 + 5000, 3, 7);
	struct run_report *r;
	const struct thread_report *t;

	k.voluntary_switches = 3;
	k.runq_count = 3;
	k.runq_wait_ns = 100 + 3000 + 40000;
	k.runq_max_ns = 40000;
	k.runq_hist[6] = 1;  /* 100 */
	k.runq_hist[11] = 1; /* 3000 */
	k.runq_hist[15] = 1; /* 40000 */
	r = analyse(ev, 3, &k, 1, &sum);
	t = r ? thread_of(r, ROOT, 0) : NULL;
	if (!CHECK(t))
		goto out;
	CHECK_EQ(r->dropped, 7);
	CHECK(r->complete); /* dropped events do not make a run incomplete */
	CHECK_EQ(t->runq.source, RUNQ_FROM_HISTOGRAM);
	CHECK_EQ(t->runq.count, 3);
	CHECK_EQ(t->runq.p50_ns, 4095);
	CHECK_EQ(t->runq.p99_ns, 40000);
	CHECK_EQ(t->runq.max_ns, 40000);
	/* counts are the kernel's; the timeline's stay for comparison */
	CHECK_EQ(t->counts.voluntary_switches, 3);
	CHECK_EQ(t->timeline.voluntary_switches, 1);
	CHECK_EQ(t->counts.runq_wait_ns, 43100);
out:
	run_report_free(r);
}

TEST(analyze_units_for_reading)
{
	char b[32];

	CHECK_STR(units_duration(b, sizeof(b), 0), "0 ns");
	CHECK_STR(units_duration(b, sizeof(b), 999), "999 ns");
	CHECK_STR(units_duration(b, sizeof(b), 1000), "1.00 µs");
	CHECK_STR(units_duration(b, sizeof(b), 12345), "12.3 µs");
	CHECK_STR(units_duration(b, sizeof(b), 812000), "812 µs");
	CHECK_STR(units_duration(b, sizeof(b), 999700), "1.00 ms");
	CHECK_STR(units_duration(b, sizeof(b), 1520000), "1.52 ms");
	CHECK_STR(units_duration(b, sizeof(b), 2500000000ULL), "2.50 s");
	CHECK_STR(units_duration(b, sizeof(b), 4000000000000ULL), "4000 s");
	CHECK_STR(units_count(b, sizeof(b), 0), "0");
	CHECK_STR(units_count(b, sizeof(b), 999), "999");
	CHECK_STR(units_count(b, sizeof(b), 20000), "20,000");
	CHECK_STR(units_count(b, sizeof(b), 1234567), "1,234,567");
	CHECK_EQ(units_width("812 µs"), 6);
}

TEST(analyze_safe_text_of_traced_strings)
{
	char b[64];

	CHECK_STR(safe_text(b, sizeof(b), "caf\xc3\xa9", 1), "caf\xc3\xa9");
	CHECK_STR(safe_text(b, sizeof(b), "a\x1b[2Jb\x7f", 1), "a?[2Jb?");
	CHECK_STR(safe_text(b, sizeof(b), "a\x1b", 0), "a\x1b");
	CHECK_STR(safe_text(b, sizeof(b), "x\xff\xc3", 0),
		  "x\xef\xbf\xbd\xef\xbf\xbd");
	/* C1 CSI, an escape of its own */
	CHECK_STR(safe_text(b, sizeof(b), "\xc2\x9b", 1), "?");
	/* an overlong '/' */
	CHECK_STR(safe_text(b, sizeof(b), "\xc0\xaf", 0),
		  "\xef\xbf\xbd\xef\xbf\xbd");
	/* truncation keeps whole characters */
	CHECK_STR(safe_text(b, 4, "ab\xc3\xa9", 0), "ab");
}

/* ---- the kernel's counters against the timeline ----
 *
 * A random but valid scheduler history on two CPUs (wakeups, preemption,
 * sleeps, forks of threads and processes, exits, reused tids, markers,
 * other programs' tasks), with the kernel's counters kept the way
 * probes/lab.bpf.c keeps them. With nothing dropped the timeline must
 * agree with them exactly. */

enum { G_NEW = 1, G_RUNNABLE, G_RUNNING, G_BLOCKED, G_DEAD };

struct gthread {
	uint32_t tid, pid;
	int state;
	int tracked, exiting;
	int k; /* index of its counters in sim.kt, -1 if untracked */
	/* the off-CPU time the timeline must find, by reason */
	uint64_t blocked_at;
	int why; /* -1: blocked since before its first event */
	uint64_t offcpu[OFFCPU_NREASONS];
};

/* syscalls a simulated thread blocks in, and the reason each must give
 * (x86-64 numbers); -1: the switch comes without a BLOCK */
static const struct {
	int nr;
	int why;
} sim_syscalls[] = {
	{202, OFFCPU_FUTEX},	 {0, OFFCPU_READ},
	{45, OFFCPU_READ},	 {1, OFFCPU_WRITE},
	{230, OFFCPU_SLEEP},	 {232, OFFCPU_POLL},
	{61, OFFCPU_WAIT},	 {43, OFFCPU_OTHER_SYSCALL},
	{-1, OFFCPU_NO_SYSCALL},
};

struct sim {
	uint64_t rng, ts;
	struct gthread th[256];
	int nth;
	int cpu[2]; /* index into th of the running thread, -1: idle */
	struct lab_event ev[16384];
	size_t nev;
	struct lab_thread_stats kt[256];
	struct lab_thread_work kw[256]; /* the kernel's working state */
	int nkt;
	uint32_t next_tid;
	int sys; /* index into sim_syscalls of the next voluntary switch */
};

static uint32_t rnd(struct sim *s, uint32_t n)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return (uint32_t)(s->rng % n);
}

static struct lab_thread_stats *kt_of(struct sim *s, int i)
{
	return i >= 0 && s->th[i].k >= 0 ? &s->kt[s->th[i].k] : NULL;
}

static struct lab_thread_work *kw_of(struct sim *s, int i)
{
	return i >= 0 && s->th[i].k >= 0 ? &s->kw[s->th[i].k] : NULL;
}

static void emit(struct sim *s, struct lab_event e)
{
	if (s->nev < sizeof(s->ev) / sizeof(s->ev[0]))
		s->ev[s->nev++] = e;
}

/* lab.bpf.c's handle_switch, for the counters */
static void sim_switch(struct sim *s, int c, int next, uint64_t state,
		       int preempt)
{
	int prev = s->cpu[c];
	struct lab_thread_stats *p = kt_of(s, prev), *n = kt_of(s, next);
	struct lab_thread_work *pw = kw_of(s, prev), *nw = kw_of(s, next);
	uint32_t ptid = prev >= 0 ? s->th[prev].tid : 0;
	uint32_t ntid = next >= 0 ? s->th[next].tid : 0;

	if (p) {
		if (preempt || state == 0) {
			p->involuntary_switches++;
			pw->runnable_since = s->ts;
		} else {
			p->voluntary_switches++;
			pw->runnable_since = 0;
		}
		if (pw->oncpu_since)
			p->oncpu_ns += s->ts - pw->oncpu_since;
		pw->oncpu_since = 0;
	}
	if (n) {
		if (nw->runnable_since) {
			uint64_t d = s->ts - nw->runnable_since;

			n->runq_wait_ns += d;
			n->runq_count++;
			if (d > n->runq_max_ns)
				n->runq_max_ns = d;
			n->runq_hist[stats_hist_slot(d, LAB_HIST_SLOTS)]++;
			nw->runnable_since = 0;
		}
		nw->oncpu_since = s->ts;
	}
	/* lab.bpf.c's emit_block: a voluntary switch inside a syscall */
	if (p && !preempt && state && sim_syscalls[s->sys].nr >= 0)
		emit(s, ev_block(s->ts, ptid, s->th[prev].pid,
				 state == LAB_TASK_DEAD
					 ? 60
					 : (uint32_t)sim_syscalls[s->sys].nr,
				 0x1000, 128));
	if (p && !preempt && state && state != LAB_TASK_DEAD) {
		s->th[prev].blocked_at = s->ts;
		s->th[prev].why = sim_syscalls[s->sys].why;
	}
	if (p || n)
		emit(s, ev_switch(s->ts, ptid, prev >= 0 ? s->th[prev].pid : 0,
				  state, preempt, ntid,
				  next >= 0 ? s->th[next].pid : 0));
	if (prev >= 0)
		s->th[prev].state = state == LAB_TASK_DEAD  ? G_DEAD
				    : preempt || state == 0 ? G_RUNNABLE
							    : G_BLOCKED;
	if (next >= 0)
		s->th[next].state = G_RUNNING;
	s->cpu[c] = next;
}

static void sim_wakeup(struct sim *s, int i, int type)
{
	struct lab_thread_stats *k = kt_of(s, i);
	struct lab_thread_work *w = kw_of(s, i);

	if (k) {
		if (!w->oncpu_since && !w->runnable_since)
			w->runnable_since = s->ts;
		if (type == LAB_EV_WAKEUP)
			k->wakeups++;
		emit(s, type == LAB_EV_WAKEUP
				? ev_wakeup(s->ts, s->th[i].tid, s->th[i].pid)
				: ev_wakeup_new(s->ts, s->th[i].tid,
						s->th[i].pid));
	}
	if (k && s->th[i].state == G_BLOCKED && s->th[i].why >= 0)
		s->th[i].offcpu[s->th[i].why] += s->ts - s->th[i].blocked_at;
	if (s->th[i].state == G_BLOCKED || s->th[i].state == G_NEW)
		s->th[i].state = G_RUNNABLE;
}

static int sim_add(struct sim *s, uint32_t tid, uint32_t pid, int state,
		   int tracked, uint32_t parent)
{
	struct gthread *t = &s->th[s->nth];

	*t = (struct gthread){.tid = tid,
			      .pid = pid,
			      .state = state,
			      .tracked = tracked,
			      .k = -1,
			      .why = -1};
	if (tracked) {
		t->k = s->nkt;
		s->kt[s->nkt++] = counters(tid, pid, parent,
					   parent ? s->ts : T0 - 1000, "t");
	}
	return s->nth++;
}

/* a random thread in state (tracked ones only if tracked), or -1; a tid
 * of 0 marks a dead thread whose tid was given to another */
static int pick(struct sim *s, int state, int tracked)
{
	int start = (int)rnd(s, (uint32_t)s->nth);

	for (int j = 0; j < s->nth; j++) {
		int i = (start + j) % s->nth;

		if (s->th[i].state == state && s->th[i].tid &&
		    (!tracked || s->th[i].tracked))
			return i;
	}
	return -1;
}

static void sim_reschedule(struct sim *s, int c)
{
	int prev = s->cpu[c], next = pick(s, G_RUNNABLE, 0);
	uint64_t state = 0;
	int preempt = 0;

	if (prev < 0 && next < 0)
		return;
	if (prev >= 0) {
		uint32_t how = rnd(s, 4);

		if (s->th[prev].exiting)
			state = LAB_TASK_DEAD;
		else if (how == 0)
			preempt = 1, state = rnd(s, 2) ? 0 : 0x100;
		else if (how >= 2)
			state = SLEEPING;
	}
	s->sys = (int)rnd(s, sizeof(sim_syscalls) / sizeof(*sim_syscalls));
	sim_switch(s, c, next, state, preempt);
}

/* lab.bpf.c's migrate and lock contention handlers */
static void sim_kernel_event(struct sim *s, uint32_t what, int run)
{
	struct lab_thread_stats *k;
	struct lab_thread_work *w;
	int i = pick(s, G_RUNNABLE, 1);

	if (what < 104 && i >= 0) {
		kt_of(s, i)->migrations++;
		emit(s, ev_migrate(s->ts, s->th[i].tid, s->th[i].pid, 1));
		return;
	}
	if (run < 0 || !(k = kt_of(s, run)))
		return;
	w = kw_of(s, run);
	if (what < 107) {
		/* a second begin before the end restarts the wait */
		w->klock_since = s->ts;
		emit(s, ev_lock(s->ts, LAB_EV_LOCK_BEGIN, k->tid, k->pid,
				0xffff0000 + 64 * rnd(s, 3)));
	} else if (w->klock_since) {
		k->klock_wait_ns += s->ts - w->klock_since;
		k->klock_count++;
		w->klock_since = 0;
		emit(s, ev_lock(s->ts, LAB_EV_LOCK_END, k->tid, k->pid,
				0xffff0000 + 64 * rnd(s, 3)));
	}
}

static void sim_step(struct sim *s)
{
	uint32_t what = rnd(s, 110);
	int c = (int)rnd(s, 2), run = s->cpu[c], i;

	s->ts += 1 + rnd(s, 3000);
	if (what < 25) {
		i = pick(s, G_BLOCKED, 0);
		if (i >= 0)
			sim_wakeup(s, i, LAB_EV_WAKEUP);
	} else if (what < 60) {
		sim_reschedule(s, c);
	} else if (what < 68 && run >= 0 && s->th[run].tracked &&
		   !s->th[run].exiting && s->nth < 250) {
		/* fork: a thread or a process, a reused tid or a fresh one */
		int dead = pick(s, G_DEAD, 1), child;
		uint32_t tid = dead >= 0 && rnd(s, 2) ? s->th[dead].tid
						      : s->next_tid++;
		uint32_t pid = rnd(s, 2) ? s->th[run].pid : tid;

		for (int j = 0; j < s->nth; j++)
			if (s->th[j].tid == tid && s->th[j].state == G_DEAD)
				s->th[j].tid =
					0; /* reused: the old one is gone */
		child = sim_add(s, tid, pid, G_NEW, 1, s->th[run].tid);
		emit(s,
		     ev_fork(s->ts, s->th[run].tid, s->th[run].pid, tid, pid));
		s->ts += 1 + rnd(s, 50);
		sim_wakeup(s, child, LAB_EV_WAKEUP_NEW);
	} else if (what < 74 && run >= 0 && s->th[run].tracked &&
		   s->th[run].tid != ROOT && !s->th[run].exiting) {
		s->th[run].exiting = 1;
		kt_of(s, run)->flags |= LAB_THREAD_EXITED;
		kt_of(s, run)->exit_ns = s->ts;
		emit(s, ev_exit(s->ts, s->th[run].tid, s->th[run].pid));
		s->ts += 1 + rnd(s, 100);
		sim_reschedule(s, c);
	} else if (what < 78 && run >= 0 && s->th[run].tracked) {
		uint32_t n = rnd(s, 1000);

		kt_of(s, run)->user_switches += n;
		emit(s, ev_mark(s->ts, s->th[run].tid, s->th[run].pid,
				LAB_MARK_CORO_SWITCHES, n));
	} else if (what < 84) {
		/* a wakeup of a thread on a CPU or already queued */
		i = pick(s, rnd(s, 2) ? G_RUNNING : G_RUNNABLE, 1);
		if (i >= 0)
			sim_wakeup(s, i, LAB_EV_WAKEUP);
	} else if (what < 100) {
		sim_reschedule(s, 1 - c);
	} else {
		sim_kernel_event(s, what, run);
	}
}

static int same_counts(const struct sched_counts *a,
		       const struct sched_counts *b)
{
	return a->voluntary_switches == b->voluntary_switches &&
	       a->involuntary_switches == b->involuntary_switches &&
	       a->oncpu_ns == b->oncpu_ns &&
	       a->runq_wait_ns == b->runq_wait_ns &&
	       a->runq_count == b->runq_count && a->wakeups == b->wakeups &&
	       a->user_switches == b->user_switches &&
	       a->migrations == b->migrations &&
	       a->klock_wait_ns == b->klock_wait_ns &&
	       a->klock_count == b->klock_count;
}

/* The simulated thread a reported one is: same tid, and the fork the
 * report starts it at (the root starts at its first event instead). */
static const struct gthread *sim_thread_of(const struct sim *s,
					   const struct thread_report *t)
{
	for (int i = 0; i < s->nth; i++) {
		const struct gthread *g = &s->th[i];

		if (g->k >= 0 && s->kt[g->k].tid == t->tid &&
		    (t->tid == ROOT || s->kt[g->k].start_ns == t->start_ns))
			return g;
	}
	return NULL;
}

/* Every ns of every thread's life in exactly one state, and the off-CPU
 * time of each reason what the simulation blocked it in. */
static void check_time_in_state(const struct sim *s, const struct run_report *r,
				uint64_t seed, uint64_t end)
{
	uint64_t reasons = 0, klock = 0, locked = 0;

	for (size_t i = 0; i < r->nthreads; i++) {
		const struct thread_report *t = &r->threads[i];
		const struct state_times *st = &t->times;
		const struct gthread *g = sim_thread_of(s, t);
		uint64_t sum = st->oncpu_ns + st->runnable_ns + st->new_ns +
			       offcpu_total(st);

		CHECK_MSG(sum == t->lifetime_ns,
			  "seed %llu tid %u: states add up to %llu, lifetime "
			  "%llu",
			  (unsigned long long)seed, t->tid,
			  (unsigned long long)sum,
			  (unsigned long long)t->lifetime_ns);
		if (!CHECK_MSG(g, "seed %llu tid %u: not simulated",
			       (unsigned long long)seed, t->tid))
			continue;
		for (int w = 0; w < OFFCPU_NREASONS; w++) {
			uint64_t want = g->offcpu[w];

			/* still blocked when tracing stopped */
			if (g->state == G_BLOCKED && g->why == w)
				want += end - g->blocked_at;
			CHECK_MSG(st->offcpu_ns[w] == want,
				  "seed %llu tid %u: %s %llu, expected %llu",
				  (unsigned long long)seed, t->tid,
				  offcpu_reason_key(w),
				  (unsigned long long)st->offcpu_ns[w],
				  (unsigned long long)want);
			reasons |= (uint64_t)(want != 0) << w;
		}
		klock += t->kernel.klock_wait_ns;
	}
	for (size_t i = 0; i < r->nkernel_locks; i++)
		locked += r->kernel_locks[i].total_ns;
	/* every reason the simulation blocks in was exercised */
	CHECK_MSG(reasons == (1u << OFFCPU_UNKNOWN) - 1,
		  "seed %llu: reasons seen 0x%llx", (unsigned long long)seed,
		  (unsigned long long)reasons);
	CHECK_EQ(locked, klock);
	CHECK(r->nkernel_locks == 3 && r->totals.migrations > 0);
}

static int reused_tids(const struct run_report *r)
{
	int n = 0;

	for (size_t i = 0; i < r->nthreads; i++)
		n += thread_of(r, r->threads[i].tid, 1) == &r->threads[i];
	return n;
}

TEST(analyze_timeline_agrees_with_kernel_counters)
{
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct sim *s = calloc(1, sizeof(*s));
		struct lab_run_summary sum;
		struct run_report *r;
		size_t matched = 0;

		if (!CHECK(s))
			return;
		s->rng = seed * 0x9e3779b97f4a7c15ULL;
		s->ts = T0 + 1000;
		s->cpu[0] = s->cpu[1] = -1;
		s->next_tid = 101;
		sim_add(s, ROOT, ROOT, G_BLOCKED, 1, 0);
		sim_add(s, 900, 900, G_RUNNABLE, 0, 0); /* other programs */
		sim_add(s, 901, 901, G_RUNNABLE, 0, 0);
		for (int step = 0; step < 3000; step++)
			sim_step(s);
		sum = test_summary(s->ts + 1000, s->nev, 0);
		r = analyse(s->ev, s->nev, s->kt, (size_t)s->nkt, &sum);
		if (!CHECK(r)) {
			free(s);
			return;
		}
		CHECK_MSG(r->nthreads == (size_t)s->nkt,
			  "seed %llu: %zu threads, expected %d",
			  (unsigned long long)seed, r->nthreads, s->nkt);
		for (size_t i = 0; i < r->nthreads; i++) {
			const struct thread_report *t = &r->threads[i];

			if (!t->has_kernel || !t->has_timeline)
				continue;
			matched++;
			CHECK_MSG(same_counts(&t->kernel, &t->timeline),
				  "seed %llu tid %u: kernel and timeline "
				  "differ (vol %llu/%llu, oncpu %llu/%llu, "
				  "runq %llu/%llu)",
				  (unsigned long long)seed, t->tid,
				  (unsigned long long)
					  t->kernel.voluntary_switches,
				  (unsigned long long)
					  t->timeline.voluntary_switches,
				  (unsigned long long)t->kernel.oncpu_ns,
				  (unsigned long long)t->timeline.oncpu_ns,
				  (unsigned long long)t->kernel.runq_wait_ns,
				  (unsigned long long)t->timeline.runq_wait_ns);
			CHECK_EQ(t->runq.source, RUNQ_FROM_SAMPLES);
			CHECK_EQ(t->runq.count, t->kernel.runq_count);
		}
		CHECK_MSG(matched == (size_t)s->nkt,
			  "seed %llu: %zu of %d threads matched",
			  (unsigned long long)seed, matched, s->nkt);
		/* the history exercised what it is meant to */
		CHECK(r->totals.user_switches > 0);
		CHECK(r->totals.involuntary_switches > 100);
		CHECK(r->totals.runq_count > 500);
		CHECK_MSG(reused_tids(r) > 0, "seed %llu: no tid reused",
			  (unsigned long long)seed);
		check_time_in_state(s, r, seed, sum.end_ns);
		run_report_free(r);
		free(s);
	}
}

TEST(analyze_survives_nonsense)
{
	/* a crafted trace may say anything: no crash, no endless loop */
	for (uint64_t seed = 1; seed <= 50; seed++) {
		struct sim *s = calloc(1, sizeof(*s));
		struct run_report *r;
		char *buf = NULL;
		size_t len = 0;
		FILE *f;

		if (!CHECK(s))
			return;
		s->rng = seed * 0x2545f4914f6cdd1dULL;
		for (size_t i = 0; i < 2000; i++) {
			struct lab_event *e = &s->ev[s->nev++];

			e->ts = T0 + rnd(s, 100000) - 5000;
			e->type = (uint8_t)rnd(s, 13);
			e->tid = rnd(s, 40);
			e->pid = rnd(s, 3) ? e->tid : rnd(s, 40);
			e->other_tid = rnd(s, 40);
			e->other_pid = rnd(s, 40);
			e->value = rnd(s, 4) ? rnd(s, 3) : LAB_TASK_DEAD;
			e->flags = (uint8_t)rnd(s, 256);
			e->aux = rnd(s, 5);
		}
		for (int i = 0; i < 30; i++) {
			struct lab_thread_stats *k = &s->kt[s->nkt++];

			*k = counters(rnd(s, 40), rnd(s, 40), rnd(s, 40),
				      T0 + rnd(s, 100000), "\xff\x1b[31m");
			k->runq_count = rnd(s, 5);
			k->runq_max_ns = rnd(s, 1000000);
			k->runq_hist[rnd(s, LAB_HIST_SLOTS)] = rnd(s, 5);
			if (rnd(s, 2)) /* no NUL at all */
				memset(k->comm, 'x', sizeof(k->comm));
		}
		r = analyse(s->ev, s->nev, s->kt, (size_t)s->nkt, NULL);
		f = open_memstream(&buf, &len);
		if (CHECK(r && f)) {
			report_print_text(f, r);
			CHECK(report_write_json(f, r) == 0);
		}
		if (f)
			fclose(f);
		free(buf);
		run_report_free(r);
		free(s);
	}
}

/* ---- the writers ---- */

/* A run with two processes, a coroutine marker and a comm that needs
 * escaping: its events, the kernel's counters and the summary. */
#define FIXTURE_EVENTS 10

static void fixture(struct lab_event ev[FIXTURE_EVENTS],
		    struct lab_thread_stats kt[3], struct lab_run_summary *sum,
		    uint64_t dropped)
{
	const struct lab_event events[FIXTURE_EVENTS] = {
		ev_wakeup(T0 + 1000, ROOT, ROOT),
		ev_switch(T0 + 1500, 0, 0, 0, 0, ROOT, ROOT),
		ev_fork(T0 + 2000, ROOT, ROOT, 101, ROOT),
		ev_wakeup_new(T0 + 2000, 101, ROOT),
		ev_fork(T0 + 2200, ROOT, ROOT, 200, 200),
		ev_wakeup_new(T0 + 2200, 200, 200),
		ev_switch(T0 + 3000, ROOT, ROOT, SLEEPING, 0, 101, ROOT),
		ev_mark(T0 + 4000, 101, ROOT, LAB_MARK_CORO_SWITCHES, 20000),
		ev_switch(T0 + 1500 * US, 101, ROOT, 0, 1, 200, 200),
		ev_switch(T0 + 1600 * US, 200, 200, LAB_TASK_DEAD, 0, 101,
			  ROOT),
	};

	memcpy(ev, events, sizeof(events));
	kt[0] = counters(ROOT, ROOT, 0, T0 - 1, "unit-threads");
	kt[1] = counters(101, ROOT, ROOT, T0 + 2000, "wor\"ker\x01\xff");
	kt[2] = counters(200, 200, ROOT, T0 + 2200, "child");
	*sum = test_summary(T0 + 2 * MS, FIXTURE_EVENTS, dropped);
	kt[0].voluntary_switches = 1;
	kt[0].oncpu_ns = 1500;
	kt[0].runq_count = 1;
	kt[0].runq_wait_ns = kt[0].runq_max_ns = 500;
	kt[0].runq_hist[8] = 1;
	kt[1].involuntary_switches = 1;
	kt[1].oncpu_ns = 1500 * US - 3000;
	kt[1].runq_count = 2;
	kt[1].runq_wait_ns = 1000 + 100 * US;
	kt[1].runq_max_ns = 100 * US;
	kt[1].runq_hist[9] = 1;
	kt[1].runq_hist[16] = 1;
	kt[1].user_switches = 20000;
	kt[2].voluntary_switches = 1;
	kt[2].flags = LAB_THREAD_EXITED;
	kt[2].exit_ns = T0 + 1590 * US;
	kt[2].oncpu_ns = 100 * US;
	kt[2].runq_count = 1;
	kt[2].runq_wait_ns = kt[2].runq_max_ns = 1500 * US - 2200;
	kt[2].runq_hist[20] = 1;
}

static struct run_report *writer_fixture(uint64_t dropped)
{
	struct lab_event ev[FIXTURE_EVENTS];
	struct lab_thread_stats kt[3];
	struct lab_run_summary sum;

	fixture(ev, kt, &sum, dropped);
	return analyse(ev, FIXTURE_EVENTS, kt, 3, &sum);
}

TEST(analyze_json_report_parses_back)
{
	struct run_report *r = writer_fixture(0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_object *j = NULL, *hist;

	if (!CHECK(r && f))
		goto out;
	CHECK(report_write_json(f, r) == 0);
	fclose(f);
	f = NULL;
	j = json_tokener_parse(buf);
	if (!CHECK_MSG(j, "not JSON:\n%s", buf))
		goto out;
	CHECK_STR(json_path_str(j, "schema"), "lab-report/1");
	CHECK_STR(json_path_str(j, "lab_version"), "0.1.0");
	CHECK_STR(json_path_str(j, "workload.name"), "unit-threads");
	CHECK_STR(json_path_str(j, "workload.cmdline"), "lab run unit-threads");
	CHECK_STR(json_path_str(j, "environment.kernel"), "6.18.0-test");
	CHECK_EQ(json_path_u64(j, "environment.cpu_count"), 2);
	CHECK_EQ(json_path_u64(j, "trace.events"), 10);
	CHECK_EQ(json_path_u64(j, "trace.dropped"), 0);
	CHECK(json_object_get_boolean(json_path(j, "trace.complete")));
	CHECK(json_path(j, "trace.error") == NULL &&
	      json_object_object_get_ex(json_path(j, "trace"), "error", NULL));
	CHECK_EQ(json_path_u64(j, "run.wall_ns"), 2 * MS);
	CHECK_EQ(json_path_u64(j, "run.exit_status"), 0);
	CHECK_EQ(json_path_u64(j, "run.utime_ns"), 3 * MS);
	CHECK_EQ(json_path_u64(j, "run.maxrss_kb"), 2048);
	CHECK_EQ(json_path_u64(j, "totals.voluntary_switches"), 2);
	CHECK_EQ(json_path_u64(j, "totals.involuntary_switches"), 1);
	CHECK_EQ(json_path_u64(j, "totals.user_switches"), 20000);
	CHECK_EQ(json_path_u64(j, "totals.threads"), 3);
	CHECK_EQ(json_object_array_length(json_path(j, "processes")), 2);
	CHECK_EQ(json_path_u64(j, "processes.0.pid"), ROOT);
	CHECK_STR(json_path_str(j, "processes.0.comm"), "unit-threads");
	CHECK_EQ(json_path_u64(j, "processes.0.thread_count"), 2);
	CHECK_EQ(json_path_u64(j, "processes.0.threads.1.tid"), 101);
	/* quotes and controls escaped by json-c, bad UTF-8 replaced */
	CHECK_STR(json_path_str(j, "processes.0.threads.1.comm"),
		  "wor\"ker\x01\xef\xbf\xbd");
	CHECK_STR(json_path_str(j, "processes.0.threads.1.counts_source"),
		  "kernel");
	CHECK_EQ(json_path_u64(j, "processes.0.threads.1.parent_tid"), ROOT);
	CHECK_EQ(json_path_u64(j, "processes.0.threads.1.runq_latency.count"),
		 2);
	CHECK_EQ(json_path_u64(j, "processes.0.threads.1.runq_latency.p50_ns"),
		 1000);
	CHECK_EQ(json_path_u64(j, "processes.0.threads.1.runq_latency.p99_ns"),
		 100 * US);
	CHECK_EQ(json_path_u64(j, "processes.0.threads.1.runq_latency.max_ns"),
		 100 * US);
	CHECK_STR(json_path_str(j, "processes.0.threads.1.runq_latency.source"),
		  "samples");
	hist = json_path(j, "processes.0.threads.1.runq_latency.histogram");
	CHECK_EQ(json_object_array_length(hist), 2);
	CHECK_EQ(json_path_u64(hist, "0.ge_ns"), 512);
	CHECK_EQ(json_path_u64(hist, "0.lt_ns"), 1024);
	CHECK_EQ(json_path_u64(hist, "0.count"), 1);
	CHECK_EQ(json_path_u64(hist, "1.ge_ns"), 65536);
	CHECK(json_object_get_boolean(
		json_path(j, "processes.1.threads.0.exited")));
	CHECK_EQ(json_path_u64(j, "processes.1.threads.0.lifetime_ns"),
		 1600 * US - 2200);
	/* fields added within lab-report/1: present even when empty */
	CHECK_EQ(json_object_array_length(json_path(j, "locks.user")), 0);
	CHECK_EQ(json_object_array_length(json_path(j, "locks.kernel")), 0);
	CHECK(json_object_is_type(json_path(j, "phases"), json_type_array));
	CHECK_EQ(json_object_array_length(json_path(j, "phases")), 0);
	CHECK_EQ(json_path_u64(j, "creation.threads.count"), 1);
	CHECK_EQ(json_path_u64(j, "creation.processes.count"), 1);
	CHECK_STR(json_path_str(j, "creation.children.1.kind"), "process");
	/* 200 waited 1.5 ms for a CPU after its fork: it never ran before */
	CHECK_EQ(json_path_u64(j, "creation.children.1.latency_ns"),
		 1500 * US - 2200);
	CHECK_EQ(json_path_u64(
			 j, "processes.0.threads.1.time_in_state_ns.runnable"),
		 1000 + 100 * US);
	CHECK_EQ(json_path_u64(j, "totals.offcpu_ns.outside_syscall"),
		 2 * MS - 3000);
	CHECK_EQ(json_path_u64(j, "totals.page_faults"), 0);
out:
	if (f)
		fclose(f);
	json_object_put(j);
	free(buf);
	run_report_free(r);
}

TEST(analyze_json_marks_histogram_source_and_damage)
{
	struct lab_trace_info info = test_info();
	const struct lab_event ev = ev_wakeup(T0 + 10, ROOT, ROOT);
	struct analysis *a = analysis_new(&info);
	struct run_report *r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	json_object *j;

	if (!CHECK(a))
		return;
	analysis_add_events(a, &ev, 1);
	analysis_set_damage(a, "chunk at byte 4096: CRC mismatch");
	r = analysis_finish(a);
	f = open_memstream(&buf, &len);
	if (!CHECK(r && f))
		goto out;
	report_write_json(f, r);
	fclose(f);
	j = json_tokener_parse(buf);
	CHECK(!json_object_get_boolean(json_path(j, "trace.complete")));
	CHECK_STR(json_path_str(j, "trace.error"),
		  "chunk at byte 4096: CRC mismatch");
	CHECK(strstr(json_path_str(j, "trace.incomplete_reason"),
		     "CRC mismatch"));
	CHECK(json_path(j, "run.exit_status") == NULL);
	CHECK_STR(json_path_str(j, "processes.0.threads.0.counts_source"),
		  "timeline");
	json_object_put(j);
	free(buf);
	buf = NULL;
	run_report_free(r);

	r = writer_fixture(5);
	f = open_memstream(&buf, &len);
	if (!CHECK(r && f))
		goto out;
	report_write_json(f, r);
	fclose(f);
	j = json_tokener_parse(buf);
	CHECK_EQ(json_path_u64(j, "trace.dropped"), 5);
	CHECK_STR(json_path_str(j, "processes.0.threads.1.runq_latency.source"),
		  "histogram");
	/* nearest rank 1 of 2 lies in [512, 1024) */
	CHECK_EQ(json_path_u64(j, "processes.0.threads.1.runq_latency.p50_ns"),
		 1023);
	json_object_put(j);
out:
	free(buf);
	run_report_free(r);
}

/* each line of text fits 80 columns; returns the first that does not */
static const char *too_wide(const char *text)
{
	static char line[1024];

	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (units_width(line) > 80)
			return line;
		p += n + (p[n] == '\n');
	}
	return NULL;
}

/* the text with wrapped lines joined again (in place) */
static char *unwrap(char *text)
{
	char *o = text;

	for (const char *p = text; *p; p++) {
		if (p[0] == '\n' && p[1] == ' ' && p[2] == ' ' && p[3] != ' ') {
			*o++ = ' ';
			p += 2;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	return text;
}

enum writer { TEXT, BRIEF, JSON, HTML };

/* What writer w made of r, as a string to free(). */
static char *written(const struct run_report *r, enum writer w)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	switch (w) {
	case TEXT:
		report_print_text(f, r);
		break;
	case BRIEF:
		report_print_brief(f, r);
		break;
	case JSON:
		report_write_json(f, r);
		break;
	case HTML:
		report_write_html(f, r);
		break;
	}
	fclose(f);
	return buf;
}

static char *text_of(const struct run_report *r)
{
	return written(r, TEXT);
}

TEST(analyze_text_fits_80_columns_and_names_threads)
{
	struct run_report *r = writer_fixture(0);
	char *text = r ? text_of(r) : NULL;
	const char *wide;

	if (!CHECK(text))
		goto out;
	wide = too_wide(text);
	CHECK_MSG(!wide, "wider than 80 columns: \"%s\"", wide);
	CHECK(strstr(text, "unit-threads"));
	CHECK(strstr(text, "    101 wor\"ker?\xef\xbf\xbd"));
	CHECK(strstr(text, "    200 child"));
	CHECK(strstr(text, "    100 unit-threads"));
	CHECK(strstr(text, "1.50 ms")); /* on-CPU of 101, in a unit to read */
	CHECK(!strstr(text, "\x01") && !strstr(text, "\xff"));
	CHECK_MSG(strstr(unwrap(text), "coroutine runtime: 20,000 switches "
				       "in user space; the kernel saw 3 "
				       "context switches"),
		  "%s", text);
	CHECK(!strstr(text, "DROPPED") && !strstr(text, "INCOMPLETE"));
	free(text);

	run_report_free(r);
	r = writer_fixture(1234);
	text = r ? text_of(r) : NULL;
	if (!CHECK(text))
		goto out;
	CHECK_MSG(strstr(text, "DROPPED 1,234 EVENTS"), "%s", text);
	CHECK(!too_wide(text));
out:
	free(text);
	run_report_free(r);
}

TEST(analyze_text_stays_one_screen_with_many_threads)
{
	struct lab_event ev[2 + 2 * 60];
	struct lab_thread_stats kt[61];
	struct lab_run_summary sum;
	struct run_report *r;
	size_t n = 0, lines = 0;
	char *text;

	ev[n++] = ev_wakeup(T0 + 10, ROOT, ROOT);
	ev[n++] = ev_switch(T0 + 20, 0, 0, 0, 0, ROOT, ROOT);
	kt[0] = counters(ROOT, ROOT, 0, T0 - 1, "spawn");
	for (uint32_t i = 0; i < 60; i++) {
		/* 30 threads of the root's, 30 processes of their own */
		uint32_t tid = 101 + i, pid = i < 30 ? ROOT : tid;

		ev[n++] = ev_fork(T0 + 100 + i, ROOT, ROOT, tid, pid);
		ev[n++] = ev_wakeup_new(T0 + 100 + i, tid, pid);
		kt[1 + i] = counters(tid, pid, ROOT, T0 + 100 + i, "task");
	}
	sum = test_summary(T0 + MS, n, 0);
	r = analyse(ev, n, kt, 61, &sum);
	text = r ? text_of(r) : NULL;
	if (!CHECK(text))
		goto out;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	CHECK_MSG(lines <= 24, "%zu lines:\n%s", lines, text);
	CHECK(!too_wide(text));
	CHECK_MSG(strstr(text, "more threads") &&
			  strstr(text, "more processes"),
		  "%s", text);
	CHECK(strstr(text, "total: 61 threads"));
out:
	free(text);
	run_report_free(r);
}

TEST(analyze_incomplete_runs_say_why)
{
	const struct lab_event ev[] = {ev_wakeup(T0 + 10, ROOT, ROOT)};
	struct lab_run_summary sum = test_summary(T0 + 100, 1, 0);
	struct run_report *r = ANALYSE(ev, NULL);
	char *text;

	if (!CHECK(r))
		return;
	CHECK(!r->complete && !r->damaged);
	CHECK(strstr(r->incomplete_reason, "no summary"));
	text = text_of(r);
	CHECK(text && strstr(text, "INCOMPLETE: no summary"));
	CHECK(text && strstr(text, "exit status unknown"));
	free(text);
	run_report_free(r);

	sum.flags = LAB_RUN_INCOMPLETE;
	sum.exit_status = 9; /* killed by SIGKILL */
	r = ANALYSE(ev, &sum);
	if (!CHECK(r))
		return;
	CHECK(!r->complete);
	CHECK(strstr(r->incomplete_reason, "interrupted"));
	text = text_of(r);
	CHECK(text && strstr(text, "killed by signal 9"));
	free(text);
	run_report_free(r);
}

TEST(analyze_user_switches_from_markers_without_counters)
{
	const struct lab_event ev[] = {
		ev_wakeup(T0 + 10, ROOT, ROOT),
		ev_switch(T0 + 20, 0, 0, 0, 0, ROOT, ROOT),
		ev_mark(T0 + 30, ROOT, ROOT, LAB_MARK_WORKLOAD_START, 4),
		ev_mark(T0 + 40, ROOT, ROOT, LAB_MARK_CORO_SWITCHES, 300),
		ev_mark(T0 + 50, ROOT, ROOT, LAB_MARK_CORO_SWITCHES, 700),
	};
	struct run_report *r = ANALYSE(ev, NULL);

	if (!CHECK(r))
		return;
	CHECK_EQ(r->totals.user_switches, 1000);
	CHECK_EQ(r->threads[0].counts.user_switches, 1000);
	run_report_free(r);
}

TEST(analyze_counters_without_events)
{
	/* every event of 102 was lost; its counters still make a thread */
	const struct lab_event ev[] = {ev_wakeup(T0 + 10, ROOT, ROOT)};
	struct lab_thread_stats kt[2] = {
		counters(ROOT, ROOT, 0, T0 - 1, "root"),
		counters(102, ROOT, ROOT, T0 + 50, "lost"),
	};
	struct lab_run_summary sum = test_summary(T0 + 1000, 9, 8);
	struct run_report *r;
	const struct thread_report *t;

	kt[1].involuntary_switches = 4;
	kt[1].runq_count = 2;
	kt[1].runq_max_ns = 300;
	kt[1].runq_hist[8] = 2;
	kt[1].flags = LAB_THREAD_EXITED;
	kt[1].exit_ns = T0 + 550;
	r = analyse(ev, 1, kt, 2, &sum);
	t = r ? thread_of(r, 102, 0) : NULL;
	if (!CHECK(t))
		goto out;
	CHECK(t->has_kernel && !t->has_timeline);
	CHECK_EQ(t->counts.involuntary_switches, 4);
	CHECK_EQ(t->lifetime_ns, 500);
	CHECK_EQ(t->runq.source, RUNQ_FROM_HISTOGRAM);
	CHECK_EQ(t->runq.p50_ns, 300);
out:
	run_report_free(r);
}

/* The JSON report of r, parsed; NULL (a failed check) when it is not
 * JSON. */
static json_object *json_of(const struct run_report *r)
{
	char *text = written(r, JSON);
	json_object *j = text ? json_tokener_parse(text) : NULL;

	CHECK_MSG(j, "not JSON:\n%s", text ? text : "(nothing)");
	free(text);
	return j;
}

/* The field path names is there, with the value null. */
static bool is_null(json_object *j, const char *parent, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(json_path(j, parent), key, &v) && !v;
}

/* A thread waiting twice for kernel lock a (300 ns in all) and once for
 * b (50 ns), as lock:contention_begin/end give them. */
static struct run_report *klock_run(uint64_t a, uint64_t b)
{
	const struct lab_event ev[] = {
		ev_wakeup(T0 + 10, ROOT, ROOT),
		ev_switch(T0 + 20, 0, 0, 0, 0, ROOT, ROOT),
		ev_lock(T0 + 100, LAB_EV_LOCK_BEGIN, ROOT, ROOT, a),
		ev_lock(T0 + 250, LAB_EV_LOCK_END, ROOT, ROOT, a),
		ev_lock(T0 + 400, LAB_EV_LOCK_BEGIN, ROOT, ROOT, b),
		ev_lock(T0 + 450, LAB_EV_LOCK_END, ROOT, ROOT, b),
		ev_lock(T0 + 500, LAB_EV_LOCK_BEGIN, ROOT, ROOT, a),
		ev_lock(T0 + 650, LAB_EV_LOCK_END, ROOT, ROOT, a),
	};
	struct lab_run_summary sum = test_summary(T0 + 1000, 8, 0);

	return ANALYSE(ev, &sum);
}

/* A trace recorded under sudo names kernel locks by ids 1, 2, ...: shown
 * as "kernel lock #N", never as an address; a root trace's addresses
 * stay. */
TEST(analyze_kernel_lock_ids_are_shown_as_ids)
{
	struct run_report *r = klock_run(1, 2);
	char *text = NULL, *html = NULL;
	json_object *j = NULL;

	if (!CHECK(r) || !CHECK_EQ(r->nkernel_locks, 2))
		goto out;
	CHECK_EQ(r->kernel_locks[0].addr, 1);
	CHECK_EQ(r->kernel_locks[0].count, 2);
	CHECK_STR(r->kernel_locks[0].symbol, "");
	text = text_of(r);
	CHECK_MSG(text && strstr(text, "  kernel lock #1 ") &&
			  strstr(text, "  kernel lock #2 ") &&
			  !strstr(text, "0x"),
		  "%s", text ?: "");
	html = written(r, HTML);
	CHECK(html && strstr(html, "<td class=\"t\">kernel lock #1</td>"));
	CHECK(html && !strstr(html, ">0x1<") && !strstr(html, ">0x2<"));
	j = json_of(r);
	CHECK_EQ(json_path_u64(j, "locks.kernel.0.id"), 1);
	CHECK_EQ(json_path_u64(j, "locks.kernel.1.id"), 2);
	CHECK(is_null(j, "locks.kernel.0", "address"));
	CHECK(is_null(j, "locks.kernel.0", "symbol"));
	json_object_put(j);
	free(text);
	free(html);
	run_report_free(r);

	r = klock_run(0xffff888100001000ULL, 0xffff888100002000ULL);
	if (!CHECK(r))
		return;
	text = text_of(r);
	CHECK_MSG(text && strstr(text, "kernel 0xffff888100001000"), "%s",
		  text ?: "");
	html = written(r, HTML);
	CHECK(html && strstr(html, ">0xffff888100001000<"));
	j = json_of(r);
	CHECK_STR(json_path_str(j, "locks.kernel.0.address") ?: "",
		  "0xffff888100001000");
	CHECK(is_null(j, "locks.kernel.0", "id"));
out:
	json_object_put(j);
	free(text);
	free(html);
	run_report_free(r);
}

/* The root forks daemon (200) which starts a thread (201) and leaves:
 * 201 has no exit when tracing stops. 300 has no counters (its exit is
 * not known), and is not listed. */
static struct run_report *daemon_run(uint32_t flags)
{
	const struct lab_event ev[] = {
		ev_wakeup(T0 + 10, ROOT, ROOT),
		ev_switch(T0 + 20, 0, 0, 0, 0, ROOT, ROOT),
		ev_fork(T0 + 100, ROOT, ROOT, 200, 200),
		ev_fork(T0 + 150, ROOT, ROOT, 300, 300),
		ev_switch(T0 + 200, ROOT, ROOT, 0, 1, 200, 200),
		ev_fork(T0 + 300, 200, 200, 201, 200),
		ev_exit(T0 + 400, 200, 200),
	};
	struct lab_thread_stats kt[3] = {
		counters(ROOT, ROOT, 0, T0 - 1, "root"),
		counters(200, 200, ROOT, T0 + 100, "daemon"),
		counters(201, 200, 200, T0 + 300, "worker"),
	};
	struct lab_run_summary sum = test_summary(T0 + 1000, 7, 0);

	sum.flags = flags;
	kt[0].flags = kt[1].flags = LAB_THREAD_EXITED;
	return analyse(ev, sizeof(ev) / sizeof(ev[0]), kt, 3, &sum);
}

TEST(analyze_still_running_processes_are_listed)
{
	struct run_report *r = daemon_run(0);
	char *text = NULL, *brief = NULL, *html = NULL;
	const char *line = "STILL RUNNING when tracing stopped: 1 process: "
			   "200 (daemon); it outlived the run, which lab does "
			   "not stop (kill it yourself)";
	json_object *j = NULL;

	if (!CHECK(r) || !CHECK_EQ(r->nstill_running, 1))
		goto out;
	CHECK_EQ(r->still_running[0].pid, 200);
	CHECK_STR(r->still_running[0].comm, "daemon");
	text = text_of(r);
	brief = written(r, BRIEF);
	CHECK(text && !too_wide(text));
	CHECK_MSG(text && strstr(unwrap(text), line), "%s", text ?: "");
	CHECK_MSG(brief && strstr(unwrap(brief), line), "%s", brief ?: "");
	html = written(r, HTML);
	CHECK(html && strstr(html, "<a href=\"#still-running\">"));
	CHECK(html && strstr(html, "<section id=\"still-running\" "
				   "class=\"alert\">"));
	CHECK(html && strstr(html, "<li>200 (daemon)</li>"));
	j = json_of(r);
	CHECK_EQ(json_object_array_length(json_path(j, "trace.still_running")),
		 1);
	CHECK_EQ(json_path_u64(j, "trace.still_running.0.pid"), 200);
	CHECK_STR(json_path_str(j, "trace.still_running.0.comm") ?: "",
		  "daemon");
	/* a trace that ends complete stays so */
	CHECK(json_object_get_boolean(json_path(j, "trace.complete")));
	json_object_put(j);
	j = NULL;
	free(text);
	run_report_free(r);

	/* cut short: lab waits for the group it killed, so what is listed
	 * outlived the run all the same */
	r = daemon_run(LAB_RUN_INCOMPLETE);
	text = r ? text_of(r) : NULL;
	CHECK_MSG(text && strstr(unwrap(text), line), "%s", text ?: "");
out:
	json_object_put(j);
	free(text);
	free(brief);
	free(html);
	run_report_free(r);
}

/* Every thread's exit seen: no line, no section, an empty list. */
TEST(analyze_nothing_still_running_says_nothing)
{
	const struct lab_event ev[] = {
		ev_wakeup(T0 + 10, ROOT, ROOT),
		ev_switch(T0 + 20, 0, 0, 0, 0, ROOT, ROOT),
	};
	struct lab_thread_stats kt[2] = {
		counters(ROOT, ROOT, 0, T0 - 1, "root"),
		counters(201, ROOT, ROOT, T0 + 300, "worker"),
	};
	struct lab_run_summary sum = test_summary(T0 + 1000, 2, 0);
	struct run_report *r;
	char *text, *html;
	json_object *j;

	kt[0].flags = kt[1].flags = LAB_THREAD_EXITED;
	r = analyse(ev, 2, kt, 2, &sum);
	if (!CHECK(r))
		return;
	CHECK_EQ(r->nstill_running, 0);
	text = text_of(r);
	CHECK(text && !strstr(text, "STILL RUNNING"));
	html = written(r, HTML);
	CHECK(html && !strstr(html, "still-running"));
	j = json_of(r);
	CHECK(json_object_is_type(json_path(j, "trace.still_running"),
				  json_type_array));
	CHECK_EQ(json_object_array_length(json_path(j, "trace.still_running")),
		 0);
	json_object_put(j);
	free(text);
	free(html);
	run_report_free(r);
}

/* Threads the kernel could not track are in no figure, not even the
 * exact counters: the trace is incomplete, and every writer says so. */
TEST(analyze_untracked_threads_make_the_trace_incomplete)
{
	const struct lab_event ev[] = {ev_wakeup(T0 + 10, ROOT, ROOT)};
	struct lab_run_summary sum = test_summary(T0 + 100, 1, 0);
	const char *line = "INCOMPLETE: 3 threads were not tracked (the "
			   "kernel's map of tracked threads was full)";
	struct run_report *r;
	char *text = NULL, *brief = NULL, *html = NULL;
	json_object *j = NULL;

	sum.untracked = 3;
	r = ANALYSE(ev, &sum);
	if (!CHECK(r))
		return;
	CHECK(!r->complete);
	text = text_of(r);
	brief = written(r, BRIEF);
	CHECK_MSG(text && strstr(unwrap(text), line), "%s", text ?: "");
	CHECK_MSG(brief && strstr(unwrap(brief), line), "%s", brief ?: "");
	html = written(r, HTML);
	CHECK(html && strstr(html, "<section id=\"dropped\" class=\"alert\">"));
	CHECK(html && strstr(html, "3 threads were not tracked"));
	j = json_of(r);
	CHECK(!json_object_get_boolean(json_path(j, "trace.complete")));
	CHECK_EQ(json_path_u64(j, "trace.untracked"), 3);
	CHECK(strstr(json_path_str(j, "trace.incomplete_reason") ?: "",
		     "3 threads were not tracked"));
	json_object_put(j);
	run_report_free(r);

	/* with another reason: both */
	sum.untracked = 1;
	sum.flags = LAB_RUN_INCOMPLETE;
	r = ANALYSE(ev, &sum);
	if (CHECK(r))
		CHECK_STR(r->incomplete_reason,
			  "the run was interrupted, timed out or killed; 1 "
			  "thread was not tracked (the kernel's map of "
			  "tracked threads was full): its switches, times and "
			  "events are missing from every figure");
	free(text);
	free(brief);
	free(html);
	run_report_free(r);
}

/* The bytes no terminal should be sent from a trace: ESC, BEL, DEL and
 * a C1 control (CSI, U+009B, in UTF-8). NULL when text has none. */
static const char *steers(const char *text)
{
	static const char *const bad[] = {"\x1b", "\x07", "\x7f", "\xc2\x9b"};

	for (size_t i = 0; text && i < sizeof(bad) / sizeof(*bad); i++)
		if (strstr(text, bad[i]))
			return bad[i];
	return NULL;
}

#define PWNED "\x1b]0;pwned\x07\x1b[2J"
/* a thread name with a C1 CSI, DEL, ESC and BEL: 11 bytes, it fits */
#define COMM                                                                   \
	"w\xc2\x9b"                                                            \
	"2J\x7f\x1b[2J\x07"

/* A run whose header names and thread name try to steer a terminal. */
static struct run_report *hostile_run(const char *workload, const char *params)
{
	struct lab_trace_info info = test_info();
	const struct lab_event ev = ev_wakeup(T0 + 10, ROOT, ROOT);
	struct lab_thread_stats k = counters(ROOT, ROOT, 0, T0 - 1, COMM);
	struct lab_run_summary sum = test_summary(T0 + 100, 1, 0);
	struct analysis *a;

	snprintf(info.workload, sizeof(info.workload), "%s", workload);
	snprintf(info.params, sizeof(info.params), "%s", params);
	snprintf(info.cmdline, sizeof(info.cmdline), "lab run " PWNED);
	snprintf(info.kernel, sizeof(info.kernel), "6.18" PWNED);
	snprintf(info.cpu_model, sizeof(info.cpu_model), "CPU" PWNED);
	k.flags = LAB_THREAD_EXITED;
	a = analysis_new(&info);
	if (!a)
		return NULL;
	analysis_add_events(a, &ev, 1);
	analysis_add_threads(a, &k, 1);
	analysis_set_summary(a, &sum);
	return analysis_finish(a);
}

/* Why c refuses r, with no control byte in it. */
static void check_refusal(struct comparison *c, const struct run_report *r,
			  const char *want)
{
	char err[512] = "";

	CHECK_EQ(compare_add(c, r, err, sizeof(err)), -1);
	CHECK_MSG(strstr(err, want) && !steers(err), "\"%s\"", err);
}

TEST(analyze_trace_strings_reach_no_terminal_raw)
{
	struct run_report *r = hostile_run(PWNED, PWNED), *ok = NULL;
	struct comparison c;
	char *text = NULL, *brief = NULL, *js = NULL;
	json_object *j = NULL;

	compare_init(&c);
	if (!CHECK(r))
		return;
	text = text_of(r);
	brief = written(r, BRIEF);
	js = written(r, JSON);
	CHECK_MSG(text && strstr(text, "?]0;pwned??[2J") && !steers(text), "%s",
		  text ?: "");
	CHECK_MSG(brief && strstr(brief, "?]0;pwned??[2J") && !steers(brief),
		  "%s", brief ?: "");
	/* the JSON escapes them all, and reads back as it was */
	CHECK_MSG(js && !steers(js), "%s", js ?: "");
	j = js ? json_tokener_parse(js) : NULL;
	CHECK_STR(json_path_str(j, "workload.name") ?: "", PWNED);
	CHECK_STR(json_path_str(j, "processes.0.comm") ?: "", COMM);
	/* a comparison's reasons quote the names */
	check_refusal(&c, r, "is not a built-in workload's run");
	ok = hostile_run("x-threads", "tasks=2");
	run_report_free(r);
	r = hostile_run("x-processes", PWNED);
	if (CHECK(ok) && CHECK(r) && CHECK_EQ(compare_add(&c, ok, text, 1), 0))
		check_refusal(&c, r,
			      "ran with '?]0;pwned??[2J', the first run "
			      "with 'tasks=2'");
	run_report_free(r);
	r = hostile_run(PWNED "-threads", "tasks=2");
	if (CHECK(r))
		check_refusal(&c, r, "is a run of ?]0;pwned??[2J, not of x");
	compare_free(&c);
	json_object_put(j);
	free(text);
	free(brief);
	free(js);
	run_report_free(ok);
	run_report_free(r);
}

/* ---- a trace file, through the writer and the reader ---- */

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(data, 1, len, f) == len;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -1;
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 &&
	    !fseek(f, 0, SEEK_SET)) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

TEST(analyze_trace_file_end_to_end)
{
	struct lab_trace_info info = test_info();
	struct lab_event ev[FIXTURE_EVENTS];
	struct lab_thread_stats kt[3];
	struct lab_run_summary sum;
	const uint64_t drops[2] = {0, 0};
	struct trace_writer *w = NULL;
	struct run_report *r = NULL;
	char path[512], cut[512], err[512];
	const struct thread_report *t;
	const char *dir = test_tmpdir();
	uint8_t *data = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/run.lab", dir);
	snprintf(cut, sizeof(cut), "%s/cut.lab", dir);
	fixture(ev, kt, &sum, 0);
	/* (CHECK_EQ evaluates its arguments twice) */
	if (!CHECK(trace_file_open(&w, path, &info) == 0))
		return;
	CHECK(trace_writer_add_events(w, ev, FIXTURE_EVENTS) == 0);
	CHECK(trace_writer_finish(w, kt, 3, drops, 2, &sum) == 0);
	trace_writer_free(w);

	if (!CHECK_MSG(!analyze_trace_file(path, &r, err, sizeof(err)), "%s",
		       err))
		return;
	CHECK_MSG(r->complete, "%s", r->incomplete_reason);
	CHECK_EQ(r->events, FIXTURE_EVENTS);
	CHECK_EQ(r->nthreads, 3);
	CHECK_EQ(r->nprocesses, 2);
	CHECK_EQ(r->wall_ns, 2 * MS);
	CHECK_STR(r->info.workload, "unit-threads");
	CHECK_STR(r->info.cmdline, "lab run unit-threads");
	t = thread_of(r, 101, 0);
	if (CHECK(t)) {
		CHECK(t->has_kernel && t->has_timeline);
		CHECK_EQ(t->counts.oncpu_ns, t->timeline.oncpu_ns);
		CHECK_EQ(t->runq.source, RUNQ_FROM_SAMPLES);
		CHECK_EQ(t->runq.p50_ns, 1000);
	}
	CHECK_EQ(r->totals.user_switches, 20000);
	run_report_free(r);
	r = NULL;

	/* cut short: the intact chunks still make a report */
	data = read_file(path, &len);
	if (!CHECK(data && len > 16) || !CHECK(!write_file(cut, data, len - 7)))
		goto out;
	err[0] = '\0';
	if (!CHECK(!analyze_trace_file(cut, &r, err, sizeof(err))))
		goto out;
	CHECK(!r->complete && r->damaged);
	CHECK_MSG(r->error[0] && err[0], "error \"%s\", err \"%s\"", r->error,
		  err);
	CHECK_EQ(r->events, FIXTURE_EVENTS);
	run_report_free(r);
	r = NULL;

	/* not a trace at all: no report */
	if (!CHECK(!write_file(cut, "hello\n", 6)))
		goto out;
	CHECK(analyze_trace_file(cut, &r, err, sizeof(err)) == -1 && !r &&
	      err[0]);
out:
	free(data);
	run_report_free(r);
}

/* ---- under the probes ---- */

/* A sleep no other program runs: how the test knows its own. */
#define LEFT_SLEEP "29.7531"

/* Whether process pid runs a command line holding LEFT_SLEEP. */
static bool ours(int pid)
{
	char path[64], cmd[256];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "re");
	if (f) {
		n = fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
	}
	for (size_t i = 0; i < n; i++)
		cmd[i] = cmd[i] ? cmd[i] : ' ';
	cmd[n] = '\0';
	return strstr(cmd, LEFT_SLEEP) != NULL;
}

/* How many processes the report in dir/sh.json says were still running,
 * or -1 without a report; kills those that are ours, counted in *left
 * (the listed one may have been caught before its exec of sleep, so its
 * comm is not asked). */
static int still_running_of(const char *dir, int *left)
{
	char path[600];
	json_object *j, *list;
	int n;

	snprintf(path, sizeof(path), "%s/sh.json", dir);
	j = json_object_from_file(path);
	list = json_path(j, "trace.still_running");
	if (!CHECK_MSG(list, "no trace.still_running in %s", path)) {
		json_object_put(j);
		return -1;
	}
	n = (int)json_object_array_length(list);
	*left = 0;
	for (int i = 0; i < n; i++) {
		int pid = (int)json_path_u64(json_object_array_get_idx(list, i),
					     "pid");

		if (pid > 0 && ours(pid)) {
			++*left;
			kill(pid, SIGKILL);
		}
	}
	json_object_put(j);
	return n;
}

/* A process that leaves the run (a new session, its parent gone) is
 * named as still running; one the run waited for is not. */
TEST(analyze_lab_run_names_a_process_left_running)
{
	static char out[1 << 14];
	const char *why, *dir;
	const char *escape[] = {
		test_lab_path(), "run", "-o", NULL, "--", "/bin/sh", "-c",
		/* not holding lab's output open */
		"setsid sh -c 'sleep " LEFT_SLEEP " >/dev/null 2>&1 &'; true",
		NULL};
	const char *waited[] = {
		test_lab_path(),     "run", "-o", NULL, "--", "/bin/sh", "-c",
		"sleep 0.05 & wait", NULL};
	int code, left = 0;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = test_tmpdir();
	escape[3] = waited[3] = dir;
	code = test_run(escape, out, sizeof(out), false);
	if (!CHECK_MSG(code == 0, "lab run exited %d:\n%s", code, out))
		return;
	CHECK_EQ(still_running_of(dir, &left), 1);
	CHECK_EQ(left, 1);
	CHECK_MSG(strstr(out, "STILL RUNNING when tracing stopped: 1 process:"),
		  "%s", out);
	code = test_run(waited, out, sizeof(out), false);
	if (!CHECK_MSG(code == 0, "lab run exited %d:\n%s", code, out))
		return;
	CHECK_EQ(still_running_of(dir, &left), 0);
	CHECK_MSG(!strstr(out, "STILL RUNNING"), "%s", out);
}
