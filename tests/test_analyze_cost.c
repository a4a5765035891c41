/* test_analyze_cost.c - what the analysis explains the cost with: off-CPU
 * time by reason, contended locks, creation latency and phases, each on a
 * synthetic event sequence whose answer is worked out by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "analyzer/analysis.h"
#include "analyzer/analyze.h"
#include "analyzer/offcpu.h"
#include "analyzer/report.h"
#include "tests/json_path.h"
#include "tests/test.h"
#include "analyzer/units.h"

#define US    1000ULL
#define T0    (1000 * 1000000ULL) /* tracing starts; events follow */
#define ROOT  100
#define SLEEP 1 /* prev_state TASK_INTERRUPTIBLE */

/* x86-64 syscall numbers */
enum {
	NR_READ = 0,
	NR_WRITE = 1,
	NR_POLL = 7,
	NR_PREAD64 = 17,
	NR_READV = 19,
	NR_WRITEV = 20,
	NR_SELECT = 23,
	NR_NANOSLEEP = 35,
	NR_ACCEPT = 43,
	NR_SENDTO = 44,
	NR_RECVFROM = 45,
	NR_SENDMSG = 46,
	NR_RECVMSG = 47,
	NR_WAIT4 = 61,
	NR_FUTEX = 202,
	NR_CLOCK_NANOSLEEP = 230,
	NR_EXIT_GROUP = 231,
	NR_EPOLL_WAIT = 232,
	NR_WAITID = 247,
	NR_PSELECT6 = 270,
	NR_PPOLL = 271,
	NR_EPOLL_PWAIT = 281,
	NR_RECVMMSG = 299,
	NR_EPOLL_PWAIT2 = 441,
	NR_FUTEX_WAITV = 449,
};

/* futex ops */
#define PRIV	   128
#define WAIT	   0
#define WAKE	   1
#define LOCK_PI	   6
#define BITSET	   9
#define REALTIME   256
#define NO_SYSCALL (-1)

/* ---- an event sequence, built up ---- */

struct seq {
	struct lab_event ev[512];
	size_t n;
};

static void put(struct seq *s, struct lab_event e)
{
	if (s->n < sizeof(s->ev) / sizeof(s->ev[0]))
		s->ev[s->n++] = e;
}

static void sw(struct seq *s, uint64_t ts, uint32_t prev, uint32_t ppid,
	       uint64_t state, int preempt, uint32_t next, uint32_t npid)
{
	put(s, (struct lab_event){.ts = ts,
				  .type = LAB_EV_SWITCH,
				  .tid = prev,
				  .pid = ppid,
				  .other_tid = next,
				  .other_pid = npid,
				  .value = state,
				  .flags = preempt ? LAB_SWITCH_PREEMPT : 0});
}

static void subject(struct seq *s, int type, uint64_t ts, uint32_t tid,
		    uint32_t pid, uint64_t value, uint32_t aux,
		    uint32_t other_tid, uint32_t other_pid)
{
	put(s, (struct lab_event){.ts = ts,
				  .type = (uint8_t)type,
				  .tid = tid,
				  .pid = pid,
				  .value = value,
				  .aux = aux,
				  .other_tid = other_tid,
				  .other_pid = other_pid});
}

static void wakeup(struct seq *s, uint64_t ts, uint32_t tid, uint32_t pid)
{
	subject(s, LAB_EV_WAKEUP, ts, tid, pid, 0, 0, 1, 1);
}

static void fork_(struct seq *s, uint64_t ts, uint32_t parent, uint32_t ppid,
		  uint32_t child, uint32_t cpid)
{
	subject(s, LAB_EV_FORK, ts, parent, ppid, 0, 0, child, cpid);
	subject(s, LAB_EV_WAKEUP_NEW, ts, child, cpid, 0, 0, parent, ppid);
}

static void mark(struct seq *s, uint64_t ts, uint32_t tid, uint32_t pid,
		 uint32_t marker, uint64_t value)
{
	subject(s, LAB_EV_MARK, ts, tid, pid, value, marker, 0, 0);
}

/* A running thread blocks at ts inside syscall nr (NO_SYSCALL: outside
 * any), is woken after `blocked` ns and runs again `queued` ns later. */
static void block(struct seq *s, uint64_t ts, uint32_t tid, uint32_t pid,
		  int nr, uint64_t arg0, uint32_t op, uint64_t blocked,
		  uint64_t queued)
{
	if (nr != NO_SYSCALL)
		subject(s, LAB_EV_BLOCK, ts, tid, pid, arg0, (uint32_t)nr, op,
			0);
	sw(s, ts, tid, pid, SLEEP, 0, 0, 0);
	wakeup(s, ts + blocked, tid, pid);
	sw(s, ts + blocked + queued, 0, 0, 0, 0, tid, pid);
}

static struct run_report *analyse_seq(const struct seq *s,
				      const struct lab_thread_stats *kt,
				      size_t nkt, uint64_t end)
{
	struct lab_trace_info info = {
		.version = LAB_TRACE_VERSION, .cpu_count = 2, .start_ns = T0};
	struct lab_run_summary sum = {.end_ns = end, .events = s->n};
	struct analysis *a;

	snprintf(info.machine, sizeof(info.machine), "x86_64");
	snprintf(info.workload, sizeof(info.workload), "unit-cost");
	a = analysis_new(&info);
	if (!a)
		return NULL;
	analysis_add_events(a, s->ev, s->n);
	if (nkt)
		analysis_add_threads(a, kt, nkt);
	analysis_set_summary(a, &sum);
	return analysis_finish(a);
}

static const struct thread_report *thread_of(const struct run_report *r,
					     uint32_t tid)
{
	for (size_t i = 0; i < r->nthreads; i++)
		if (r->threads[i].tid == tid)
			return &r->threads[i];
	return NULL;
}

static uint64_t state_sum(const struct state_times *t)
{
	return t->oncpu_ns + t->runnable_ns + t->new_ns + offcpu_total(t);
}

static struct lab_thread_stats counters(uint32_t tid, uint32_t pid,
					uint32_t parent, uint64_t start)
{
	struct lab_thread_stats k = {.tid = tid,
				     .pid = pid,
				     .parent_tid = parent,
				     .start_ns = start};

	snprintf(k.comm, sizeof(k.comm), "t%u", tid);
	return k;
}

static char *text_of(const struct run_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	report_print_text(f, r);
	fclose(f);
	return buf;
}

/* The summary holds want, fits one screen of 80 columns, and wraps a
 * list only between its items. */
static void check_text(const struct run_report *r, const char *want)
{
	char *text = text_of(r);
	size_t lines = 0;

	if (!CHECK(text))
		return;
	for (const char *p = text, *e; *p; p = e + (*e == '\n')) {
		char line[256];

		e = p + strcspn(p, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)(e - p), p);
		CHECK_MSG(units_width(line) <= 80, "too wide: \"%s\"", line);
		CHECK_MSG(strncmp(line, "  µs", 5) && strncmp(line, "  ms", 4),
			  "a duration split: \"%s\"", line);
		lines++;
	}
	CHECK_MSG(lines <= 24, "%zu lines:\n%s", lines, text);
	CHECK_MSG(strstr(text, want), "no \"%s\" in:\n%s", want, text);
	free(text);
}

/* ---- off-CPU time by reason ---- */

TEST(analyze_offcpu_each_reason_attributed)
{
	/* the root blocks once in each syscall, each time for a different
	 * span; the expected reason is written out, not looked up */
	static const struct {
		int nr;
		uint32_t op;
		enum offcpu_reason why;
	} blocks[] = {
		{NR_FUTEX, WAIT | PRIV, OFFCPU_FUTEX},
		{NR_FUTEX_WAITV, 0, OFFCPU_FUTEX},
		{NR_READ, 0, OFFCPU_READ},
		{NR_READV, 0, OFFCPU_READ},
		{NR_PREAD64, 0, OFFCPU_READ},
		{NR_RECVFROM, 0, OFFCPU_READ},
		{NR_RECVMSG, 0, OFFCPU_READ},
		{NR_RECVMMSG, 0, OFFCPU_READ},
		{NR_WRITE, 0, OFFCPU_WRITE},
		{NR_WRITEV, 0, OFFCPU_WRITE},
		{NR_SENDTO, 0, OFFCPU_WRITE},
		{NR_SENDMSG, 0, OFFCPU_WRITE},
		{NR_NANOSLEEP, 0, OFFCPU_SLEEP},
		{NR_CLOCK_NANOSLEEP, 0, OFFCPU_SLEEP},
		{NR_POLL, 0, OFFCPU_POLL},
		{NR_PPOLL, 0, OFFCPU_POLL},
		{NR_SELECT, 0, OFFCPU_POLL},
		{NR_PSELECT6, 0, OFFCPU_POLL},
		{NR_EPOLL_WAIT, 0, OFFCPU_POLL},
		{NR_EPOLL_PWAIT, 0, OFFCPU_POLL},
		{NR_EPOLL_PWAIT2, 0, OFFCPU_POLL},
		{NR_WAIT4, 0, OFFCPU_WAIT},
		{NR_WAITID, 0, OFFCPU_WAIT},
		{NR_ACCEPT, 0, OFFCPU_OTHER_SYSCALL},
		{NO_SYSCALL, 0, OFFCPU_NO_SYSCALL},
	};
	const size_t nb = sizeof(blocks) / sizeof(blocks[0]);
	uint64_t want[OFFCPU_NREASONS] = {0}, ts = T0 + 1 * US;
	struct seq seq = {0}, *s = &seq;
	struct run_report *r;
	const struct thread_report *t;

	wakeup(s, T0, ROOT, ROOT);
	sw(s, ts, 0, 0, 0, 0, ROOT, ROOT);
	for (size_t i = 0; i < nb; i++) {
		uint64_t span = (i + 1) * 10 * US;

		ts += 2 * US; /* runs 2 µs */
		block(s, ts, ROOT, ROOT, blocks[i].nr, 0x1000, blocks[i].op,
		      span, 1 * US);
		want[blocks[i].why] += span;
		ts += span + 1 * US;
	}
	/* its exit: the last switch, with its BLOCK, is no off-CPU time */
	ts += 2 * US;
	subject(s, LAB_EV_BLOCK, ts, ROOT, ROOT, 0, NR_EXIT_GROUP, 0, 0);
	sw(s, ts, ROOT, ROOT, LAB_TASK_DEAD, 0, 0, 0);
	r = analyse_seq(s, NULL, 0, ts + 100 * US);
	t = r ? thread_of(r, ROOT) : NULL;
	if (!CHECK(t))
		goto out;
	for (int w = 0; w < OFFCPU_NREASONS; w++)
		CHECK_MSG(t->times.offcpu_ns[w] == want[w],
			  "%s: %llu ns, expected %llu", offcpu_reason_key(w),
			  (unsigned long long)t->times.offcpu_ns[w],
			  (unsigned long long)want[w]);
	CHECK_EQ(t->times.runnable_ns, 1 * US + nb * US);
	CHECK_EQ(t->times.oncpu_ns, (nb + 1) * 2 * US);
	CHECK_EQ(t->times.new_ns, 0);
	CHECK_EQ(t->lifetime_ns, ts - T0);
	CHECK_EQ(state_sum(&t->times), t->lifetime_ns);
	/* the run's and the process's figures are the thread's */
	CHECK_EQ(r->times.offcpu_ns[OFFCPU_POLL], want[OFFCPU_POLL]);
	CHECK_EQ(r->processes[0].times.offcpu_ns[OFFCPU_READ],
		 want[OFFCPU_READ]);
	/* (10 + 20 µs of futex, 30 + ... + 80 of read, ...): wrapped
	 * between reasons, the rarest last */
	check_text(r,
		   "off-CPU 3.25 ms: poll 1.26 ms (39%), wait 450 µs (14%),\n"
		   "  write/send 420 µs (13%), read/recv 330 µs (10%)");
	check_text(r, ", futex 30.0 µs (<1%)\n");
out:
	run_report_free(r);
}

TEST(analyze_offcpu_block_must_come_with_its_switch)
{
	struct seq s = {0};
	struct run_report *r;
	const struct thread_report *t;

	wakeup(&s, T0, ROOT, ROOT);
	sw(&s, T0 + 1 * US, 0, 0, 0, 0, ROOT, ROOT);
	/* a BLOCK whose switch was lost: the next voluntary switch, at
	 * another time, happened outside any syscall */
	subject(&s, LAB_EV_BLOCK, T0 + 2 * US, ROOT, ROOT, 0, NR_READ, 0, 0);
	block(&s, T0 + 3 * US, ROOT, ROOT, NO_SYSCALL, 0, 0, 10 * US, 0);
	/* preempted inside a syscall: a BLOCK never comes with it, and one
	 * left over does not colour the next voluntary switch */
	subject(&s, LAB_EV_BLOCK, T0 + 20 * US, ROOT, ROOT, 0, NR_POLL, 0, 0);
	sw(&s, T0 + 20 * US, ROOT, ROOT, 0, 1, 0, 0);
	sw(&s, T0 + 25 * US, 0, 0, 0, 0, ROOT, ROOT);
	block(&s, T0 + 30 * US, ROOT, ROOT, NO_SYSCALL, 0, 0, 40 * US, 0);
	/* blocked in read when tracing stops: counted up to the end */
	block(&s, T0 + 80 * US, ROOT, ROOT, NR_READ, 0, 0, 500 * US, 0);
	s.n -= 2; /* no wakeup, no switch-in */
	r = analyse_seq(&s, NULL, 0, T0 + 100 * US);
	t = r ? thread_of(r, ROOT) : NULL;
	if (!CHECK(t))
		goto out;
	CHECK_EQ(t->times.offcpu_ns[OFFCPU_NO_SYSCALL], 50 * US);
	CHECK_EQ(t->times.offcpu_ns[OFFCPU_POLL], 0);
	CHECK_EQ(t->times.offcpu_ns[OFFCPU_READ], 20 * US);
	CHECK_EQ(t->times.runnable_ns, 1 * US + 5 * US);
	CHECK_EQ(state_sum(&t->times), t->lifetime_ns);
	CHECK_EQ(t->lifetime_ns, 100 * US);
out:
	run_report_free(r);
}

TEST(analyze_blocked_when_first_seen_is_unknown)
{
	/* first seen moved to another CPU as it is woken: it was blocked,
	 * in what is not known */
	struct seq s = {0};
	struct run_report *r;
	const struct thread_report *t;

	subject(&s, LAB_EV_MIGRATE, T0, ROOT, ROOT, 0, 1, 0, 0);
	/* 300 never switches: only a running thread fires markers */
	mark(&s, T0 + 1 * US, 300, 300, LAB_MARK_OPS, 10);
	wakeup(&s, T0 + 3 * US, ROOT, ROOT);
	sw(&s, T0 + 4 * US, 0, 0, 0, 0, ROOT, ROOT);
	mark(&s, T0 + 5 * US, 300, 300, LAB_MARK_OPS, 10);
	r = analyse_seq(&s, NULL, 0, T0 + 10 * US);
	t = r ? thread_of(r, ROOT) : NULL;
	if (!CHECK(t))
		goto out;
	CHECK_EQ(t->times.offcpu_ns[OFFCPU_UNKNOWN], 3 * US);
	CHECK_EQ(offcpu_total(&t->times), 3 * US);
	CHECK_EQ(t->times.runnable_ns, 1 * US);
	CHECK_EQ(t->times.oncpu_ns, 6 * US);
	CHECK_EQ(t->counts.migrations, 1);
	t = thread_of(r, 300);
	if (CHECK(t)) {
		CHECK_EQ(t->times.oncpu_ns, 9 * US);
		CHECK_EQ(t->lifetime_ns, 9 * US);
	}
out:
	run_report_free(r);
}

TEST(analyze_every_ns_in_one_state)
{
	/* Worked out by hand (µs after T0):
	 * root  100 marker (first seen, running), 200 forks 101 (a thread)
	 *       and 250 forks 102 (a process), 1000 sleeps, woken 5000;
	 *       its switch-in is stamped 4900, before the wakeup (another
	 *       CPU): 0 runnable; runs to the end, 10000.
	 * 101   new 200-300, runnable 300-1000, runs 1000-4900, preempted:
	 *       runnable to the end.
	 * 102   new 250-260, runnable 260-300, runs 300-2000, blocks in a
	 *       futex wait and is never woken. */
	struct seq s = {0};
	struct run_report *r;
	const struct thread_report *root, *a, *b;

	mark(&s, T0 + 100 * US, ROOT, ROOT, LAB_MARK_WORKLOAD_START, 2);
	subject(&s, LAB_EV_FORK, T0 + 200 * US, ROOT, ROOT, 0, 0, 101, ROOT);
	subject(&s, LAB_EV_FORK, T0 + 250 * US, ROOT, ROOT, 0, 0, 102, 102);
	subject(&s, LAB_EV_WAKEUP_NEW, T0 + 260 * US, 102, 102, 0, 0, ROOT,
		ROOT);
	subject(&s, LAB_EV_WAKEUP_NEW, T0 + 300 * US, 101, ROOT, 0, 0, ROOT,
		ROOT);
	sw(&s, T0 + 300 * US, 0, 0, 0, 0, 102, 102);
	subject(&s, LAB_EV_BLOCK, T0 + 1000 * US, ROOT, ROOT, 0,
		NR_CLOCK_NANOSLEEP, 0, 0);
	sw(&s, T0 + 1000 * US, ROOT, ROOT, SLEEP, 0, 101, ROOT);
	subject(&s, LAB_EV_BLOCK, T0 + 2000 * US, 102, 102, 0x4000, NR_FUTEX,
		WAIT | PRIV, 0);
	sw(&s, T0 + 2000 * US, 102, 102, SLEEP, 0, 0, 0);
	wakeup(&s, T0 + 5000 * US, ROOT, ROOT);
	sw(&s, T0 + 4900 * US, 101, ROOT, 0, 1, ROOT, ROOT);
	r = analyse_seq(&s, NULL, 0, T0 + 10000 * US);
	if (!CHECK(r))
		return;
	root = thread_of(r, ROOT);
	a = thread_of(r, 101);
	b = thread_of(r, 102);
	if (!CHECK(root && a && b))
		goto out;
	CHECK_EQ(root->times.oncpu_ns, 900 * US + 5000 * US);
	CHECK_EQ(root->times.offcpu_ns[OFFCPU_SLEEP], 4000 * US);
	CHECK_EQ(root->times.runnable_ns, 0);
	CHECK_EQ(root->lifetime_ns, 9900 * US);
	CHECK_EQ(a->times.new_ns, 100 * US);
	CHECK_EQ(a->times.runnable_ns, 700 * US + 5100 * US);
	CHECK_EQ(a->times.oncpu_ns, 3900 * US);
	CHECK_EQ(a->lifetime_ns, 9800 * US);
	CHECK_EQ(b->times.new_ns, 10 * US);
	CHECK_EQ(b->times.runnable_ns, 40 * US);
	CHECK_EQ(b->times.oncpu_ns, 1700 * US);
	CHECK_EQ(b->times.offcpu_ns[OFFCPU_FUTEX], 8000 * US);
	CHECK_EQ(b->lifetime_ns, 9750 * US);
	for (size_t i = 0; i < r->nthreads; i++)
		CHECK_EQ(state_sum(&r->threads[i].times),
			 r->threads[i].lifetime_ns);
	CHECK_EQ(state_sum(&r->times), (9900 + 9800 + 9750) * US);
	/* the wait still in progress at the end is a lock wait too */
	if (CHECK_EQ(r->nuser_locks, 1))
		CHECK_EQ(r->user_locks[0].total_ns, 8000 * US);
out:
	run_report_free(r);
}

/* ---- user-space locks: futex waits by lock word ---- */

TEST(analyze_futex_waits_grouped_by_lock_word)
{
	struct seq s = {0};
	struct run_report *r;
	const struct lock_report *l;
	uint64_t ts = T0;
	const uint32_t tids[] = {ROOT, 101, 200, 201};
	const uint32_t pids[] = {ROOT, ROOT, 200, 200};

	/* every thread starts running */
	for (int i = 0; i < 4; i++)
		sw(&s, ts, 0, 0, 0, 0, tids[i], pids[i]);
	/* private word 0x5000 of process 100: 10 + 30 µs, two threads;
	 * the 100 µs in the run queue after the wakeup is no lock wait */
	block(&s, ts += 1 * US, 101, ROOT, NR_FUTEX, 0x5000, WAIT | PRIV,
	      10 * US, 100 * US);
	block(&s, ts += 200 * US, ROOT, ROOT, NR_FUTEX, 0x5000,
	      BITSET | PRIV | REALTIME, 30 * US, 0);
	/* the same address in process 200 is another lock: 5 µs */
	block(&s, ts += 200 * US, 200, 200, NR_FUTEX, 0x5000, WAIT | PRIV,
	      5 * US, 0);
	/* a shared word, waited on from both processes: 7 + 8 µs */
	block(&s, ts += 200 * US, 200, 200, NR_FUTEX, 0x9000, WAIT, 7 * US, 0);
	block(&s, ts += 200 * US, 101, ROOT, NR_FUTEX, 0x9000, WAIT, 8 * US, 0);
	/* a PI lock of process 200: 20 µs */
	block(&s, ts += 200 * US, 201, 200, NR_FUTEX, 0x7000, LOCK_PI | PRIV,
	      20 * US, 0);
	/* blocking in a wake, or in futex_waitv (whose argument is an
	 * array), is futex time but no wait on a lock word */
	block(&s, ts += 200 * US, 201, 200, NR_FUTEX, 0x5000, WAKE | PRIV,
	      50 * US, 0);
	block(&s, ts += 200 * US, 101, ROOT, NR_FUTEX_WAITV, 0x5000, 0, 60 * US,
	      0);
	r = analyse_seq(&s, NULL, 0, ts + 1000 * US);
	if (!CHECK(r))
		return;
	CHECK_EQ(r->times.offcpu_ns[OFFCPU_FUTEX],
		 (10 + 30 + 5 + 7 + 8 + 20 + 50 + 60) * US);
	if (!CHECK_EQ(r->nuser_locks, 4))
		goto out;
	/* most total wait first */
	l = &r->user_locks[0];
	CHECK_EQ(l->addr, 0x5000);
	CHECK_EQ(l->pid, ROOT);
	CHECK(!l->shared);
	CHECK_EQ(l->count, 2);
	CHECK_EQ(l->total_ns, 40 * US);
	CHECK_EQ(l->max_ns, 30 * US);
	CHECK_EQ(l->ops, (1u << WAIT) | (1u << BITSET));
	if (CHECK_EQ(l->ntids, 2))
		CHECK(l->tids[0] == ROOT && l->tids[1] == 101);
	CHECK_STR(l->symbol, "");
	l = &r->user_locks[1];
	CHECK(l->addr == 0x7000 && l->pid == 200 && l->total_ns == 20 * US);
	CHECK_EQ(l->ops, 1u << LOCK_PI);
	l = &r->user_locks[2];
	CHECK_EQ(l->addr, 0x9000);
	CHECK(l->shared);
	CHECK_EQ(l->pid, 0);
	CHECK_EQ(l->count, 2);
	CHECK_EQ(l->total_ns, 15 * US);
	if (CHECK_EQ(l->ntids, 2))
		CHECK(l->tids[0] == 101 && l->tids[1] == 200);
	l = &r->user_locks[3];
	CHECK(l->addr == 0x5000 && l->pid == 200 && l->total_ns == 5 * US);
	CHECK_EQ(r->nkernel_locks, 0);
out:
	run_report_free(r);
}

/* ---- kernel locks: contention_begin/end pairs ---- */

TEST(analyze_kernel_lock_pairs)
{
	struct seq s = {0};
	struct run_report *r;
	const struct lock_report *l;
	const struct thread_report *t;
	const uint64_t A = 0xffff888100001000ULL, B = 0xffff888100002000ULL,
		       C = 0xffff888100004000ULL;

	sw(&s, T0, 0, 0, 0, 0, ROOT, ROOT);
	sw(&s, T0, 0, 0, 0, 0, 101, ROOT);
	/* A: 5 µs by the root, 7 µs by 101 */
	subject(&s, LAB_EV_LOCK_BEGIN, T0 + 10 * US, ROOT, ROOT, A, 0, 0, 0);
	subject(&s, LAB_EV_LOCK_BEGIN, T0 + 11 * US, 101, ROOT, A, 0, 0, 0);
	subject(&s, LAB_EV_LOCK_END, T0 + 15 * US, ROOT, ROOT, A, 0, 0, 0);
	subject(&s, LAB_EV_LOCK_END, T0 + 18 * US, 101, ROOT, A, 0, 0, 0);
	/* B begun twice (a spin, then a sleep): timed from the second, as
	 * the kernel's counter does: 3 µs */
	subject(&s, LAB_EV_LOCK_BEGIN, T0 + 20 * US, ROOT, ROOT, B, 0, 0, 0);
	subject(&s, LAB_EV_LOCK_BEGIN, T0 + 22 * US, ROOT, ROOT, B, 0, 0, 0);
	subject(&s, LAB_EV_LOCK_END, T0 + 25 * US, ROOT, ROOT, B, 0, 0, 0);
	/* an end without a begin is not timed */
	subject(&s, LAB_EV_LOCK_END, T0 + 30 * US, 101, ROOT, B, 0, 0, 0);
	/* C inside A: C's end closes the contention, A's end is not timed
	 * (the kernel emits none) */
	subject(&s, LAB_EV_LOCK_BEGIN, T0 + 40 * US, ROOT, ROOT, A, 0, 0, 0);
	subject(&s, LAB_EV_LOCK_BEGIN, T0 + 41 * US, ROOT, ROOT, C, 0, 0, 0);
	subject(&s, LAB_EV_LOCK_END, T0 + 43 * US, ROOT, ROOT, C, 0, 0, 0);
	subject(&s, LAB_EV_LOCK_END, T0 + 50 * US, ROOT, ROOT, A, 0, 0, 0);
	r = analyse_seq(&s, NULL, 0, T0 + 100 * US);
	if (!CHECK(r) || !CHECK_EQ(r->nkernel_locks, 3))
		goto out;
	l = &r->kernel_locks[0];
	CHECK_EQ(l->addr, A);
	CHECK_EQ(l->count, 2);
	CHECK_EQ(l->total_ns, 12 * US);
	CHECK_EQ(l->max_ns, 7 * US);
	if (CHECK_EQ(l->ntids, 2))
		CHECK(l->tids[0] == ROOT && l->tids[1] == 101);
	l = &r->kernel_locks[1];
	CHECK(l->addr == B && l->count == 1 && l->total_ns == 3 * US);
	l = &r->kernel_locks[2];
	CHECK(l->addr == C && l->count == 1 && l->total_ns == 2 * US);
	CHECK_EQ(r->nuser_locks, 0);
	t = thread_of(r, ROOT);
	if (CHECK(t)) {
		CHECK_EQ(t->counts.klock_count, 3);
		CHECK_EQ(t->counts.klock_wait_ns, 10 * US);
	}
	CHECK_EQ(r->totals.klock_wait_ns, 17 * US);
out:
	run_report_free(r);
}

/* ---- creation cost ---- */

TEST(analyze_creation_latency_and_faults)
{
	/* threads 101-103 first run 500, 100 and 900 ns after their fork;
	 * process 200 after 300 ns; process 201 never runs */
	static const struct {
		uint32_t tid, pid;
		uint64_t fork, run;
		uint64_t faults;
	} kids[] = {
		{101, ROOT, 1000, 1500, 3}, {102, ROOT, 2000, 2100, 1},
		{103, ROOT, 3000, 3900, 2}, {200, 200, 4000, 4300, 40},
		{201, 201, 5000, 0, 7},
	};
	struct lab_thread_stats kt[6];
	struct seq s = {0};
	struct run_report *r;
	const struct creation_summary *c;

	kt[0] = counters(ROOT, ROOT, 0, T0 - 1);
	kt[0].page_faults = 50;
	wakeup(&s, T0, ROOT, ROOT);
	sw(&s, T0, 0, 0, 0, 0, ROOT, ROOT);
	for (int i = 0; i < 5; i++) {
		fork_(&s, T0 + kids[i].fork, ROOT, ROOT, kids[i].tid,
		      kids[i].pid);
		if (kids[i].run)
			sw(&s, T0 + kids[i].run, 0, 0, 0, 0, kids[i].tid,
			   kids[i].pid);
		kt[1 + i] = counters(kids[i].tid, kids[i].pid, ROOT,
				     T0 + kids[i].fork);
		kt[1 + i].page_faults = kids[i].faults;
	}
	r = analyse_seq(&s, kt, 6, T0 + 10000);
	if (!CHECK(r) || !CHECK_EQ(r->nchildren, 5))
		goto out;
	for (int i = 0; i < 5; i++) {
		const struct thread_report *t = r->children[i];

		CHECK_EQ(t->tid, kids[i].tid);
		CHECK_EQ(t->is_thread, kids[i].pid == ROOT);
		CHECK_EQ(t->ran, kids[i].run != 0);
		if (kids[i].run)
			CHECK_EQ(t->creation_ns, kids[i].run - kids[i].fork);
		CHECK_EQ(t->page_faults, kids[i].faults);
	}
	c = &r->created_threads;
	CHECK_EQ(c->count, 3);
	CHECK_EQ(c->ran, 3);
	CHECK_EQ(c->mean_ns, 500);
	CHECK_EQ(c->median_ns, 500);
	CHECK_EQ(c->max_ns, 900);
	CHECK_EQ(c->page_faults, 6);
	CHECK_EQ(c->median_page_faults, 2);
	c = &r->created_processes;
	CHECK_EQ(c->count, 2);
	CHECK_EQ(c->ran, 1);
	CHECK_EQ(c->mean_ns, 300);
	CHECK_EQ(c->median_ns, 300);
	CHECK_EQ(c->with_faults, 2);
	CHECK_EQ(c->page_faults, 47);
	CHECK_EQ(c->median_page_faults, 7); /* nearest rank 1 of 2 */
	CHECK_EQ(r->page_faults, 50 + 6 + 47);
	CHECK(r->has_page_faults);
out:
	run_report_free(r);
}

/* ---- phases ---- */

TEST(analyze_phases_from_the_roots_markers)
{
	/* µs after T0: setup 1000, spawn 2000, work 3000, join 6000, the
	 * end marker 7000, teardown 8000; the root dies at 9000 */
	struct seq s = {0};
	struct run_report *r;
	const struct phase_report *p;

	wakeup(&s, T0, ROOT, ROOT);
	sw(&s, T0, 0, 0, 0, 0, ROOT, ROOT);
	block(&s, T0 + 500 * US, ROOT, ROOT, NR_READ, 0, 0, 10 * US, 0);
	mark(&s, T0 + 1000 * US, ROOT, ROOT, LAB_MARK_PHASE, LAB_PHASE_SETUP);
	block(&s, T0 + 1500 * US, ROOT, ROOT, NR_READ, 0, 0, 10 * US, 0);
	mark(&s, T0 + 2000 * US, ROOT, ROOT, LAB_MARK_PHASE, LAB_PHASE_SPAWN);
	fork_(&s, T0 + 2100 * US, ROOT, ROOT, 101, ROOT);
	sw(&s, T0 + 2500 * US, ROOT, ROOT, 0, 1, 101, ROOT);
	mark(&s, T0 + 3000 * US, ROOT, ROOT, LAB_MARK_PHASE, LAB_PHASE_WORK);
	/* another thread's phase marker is not the workload's */
	mark(&s, T0 + 3500 * US, 101, ROOT, LAB_MARK_PHASE, LAB_PHASE_JOIN);
	block(&s, T0 + 3600 * US, 101, ROOT, NR_FUTEX, 0x10, WAIT | PRIV,
	      100 * US, 0);
	block(&s, T0 + 3800 * US, 101, ROOT, NR_WRITE, 0, 0, 100 * US, 0);
	/* another program's task leaves the CPU: not counted */
	sw(&s, T0 + 4000 * US, 999, 999, SLEEP, 0, 101, ROOT);
	sw(&s, T0 + 4100 * US, 101, ROOT, 0, 1, ROOT, ROOT);
	mark(&s, T0 + 6000 * US, ROOT, ROOT, LAB_MARK_PHASE, LAB_PHASE_JOIN);
	block(&s, T0 + 6500 * US, ROOT, ROOT, NR_FUTEX, 0x20, WAIT, 10 * US, 0);
	mark(&s, T0 + 7000 * US, ROOT, ROOT, LAB_MARK_WORKLOAD_END, 0);
	block(&s, T0 + 7500 * US, ROOT, ROOT, NR_READ, 0, 0, 10 * US, 0);
	mark(&s, T0 + 8000 * US, ROOT, ROOT, LAB_MARK_PHASE,
	     LAB_PHASE_TEARDOWN);
	sw(&s, T0 + 9000 * US, ROOT, ROOT, LAB_TASK_DEAD, 0, 0, 0);
	r = analyse_seq(&s, NULL, 0, T0 + 10000 * US);
	if (!CHECK(r) || !CHECK_EQ(r->nphases, 5))
		goto out;
	p = r->phases;
	CHECK_EQ(p[0].phase, LAB_PHASE_SETUP);
	CHECK_EQ(p[0].start_ns, T0 + 1000 * US);
	CHECK_EQ(p[0].end_ns - p[0].start_ns, 1000 * US);
	CHECK(p[0].voluntary_switches == 1 && p[0].involuntary_switches == 0);
	CHECK_EQ(p[1].phase, LAB_PHASE_SPAWN);
	CHECK(p[1].voluntary_switches == 0 && p[1].involuntary_switches == 1);
	CHECK_EQ(p[2].phase, LAB_PHASE_WORK);
	CHECK_EQ(p[2].end_ns - p[2].start_ns, 3000 * US);
	CHECK_EQ(p[2].voluntary_switches, 2);
	CHECK_EQ(p[2].involuntary_switches, 1);
	/* join ends at the end marker */
	CHECK_EQ(p[3].phase, LAB_PHASE_JOIN);
	CHECK_EQ(p[3].end_ns - p[3].start_ns, 1000 * US);
	CHECK_EQ(p[3].voluntary_switches, 1);
	/* teardown ends with the root, its final switch included */
	CHECK_EQ(p[4].phase, LAB_PHASE_TEARDOWN);
	CHECK_EQ(p[4].end_ns, T0 + 9000 * US);
	CHECK_EQ(p[4].voluntary_switches, 1);
out:
	run_report_free(r);
}

TEST(analyze_syscall_numbers_follow_the_machine)
{
	CHECK_EQ(offcpu_abi(""), SYS_ABI_X86_64);
	CHECK_EQ(offcpu_abi("aarch64"), SYS_ABI_ARM64);
	CHECK_EQ(offcpu_abi("riscv64"), SYS_ABI_UNKNOWN);
	CHECK_EQ(offcpu_reason_of(SYS_ABI_X86_64, 202), OFFCPU_FUTEX);
	CHECK_EQ(offcpu_reason_of(SYS_ABI_ARM64, 98), OFFCPU_FUTEX);
	CHECK_EQ(offcpu_reason_of(SYS_ABI_ARM64, 202), OFFCPU_OTHER_SYSCALL);
	CHECK_EQ(offcpu_reason_of(SYS_ABI_ARM64, 63), OFFCPU_READ);
	CHECK_EQ(offcpu_reason_of(SYS_ABI_ARM64, 115), OFFCPU_SLEEP);
	CHECK_EQ(offcpu_reason_of(SYS_ABI_UNKNOWN, 202), OFFCPU_OTHER_SYSCALL);
	CHECK(offcpu_is_futex(SYS_ABI_ARM64, 98));
	CHECK(!offcpu_is_futex(SYS_ABI_X86_64, 449));
}

/* ---- the writers ---- */

/* A run with every new figure: a private and a shared lock, a kernel
 * lock, a thread and a process created, two phases, counters for all
 * but one thread. */
static struct run_report *writer_run(void)
{
	struct lab_thread_stats kt[2];
	struct seq s = {0};

	kt[0] = counters(ROOT, ROOT, 0, T0 - 1);
	kt[0].page_faults = 90;
	kt[0].migrations = 4;
	kt[1] = counters(101, ROOT, ROOT, T0 + 10 * US);
	kt[1].page_faults = 2;
	/* the run is over: both exited (200 has no counters) */
	kt[0].flags = kt[1].flags = LAB_THREAD_EXITED;
	wakeup(&s, T0, ROOT, ROOT);
	sw(&s, T0 + 1 * US, 0, 0, 0, 0, ROOT, ROOT);
	mark(&s, T0 + 2 * US, ROOT, ROOT, LAB_MARK_PHASE, LAB_PHASE_SPAWN);
	fork_(&s, T0 + 10 * US, ROOT, ROOT, 101, ROOT);
	fork_(&s, T0 + 20 * US, ROOT, ROOT, 200, 200);
	mark(&s, T0 + 30 * US, ROOT, ROOT, LAB_MARK_PHASE, LAB_PHASE_JOIN);
	block(&s, T0 + 40 * US, ROOT, ROOT, NR_FUTEX, 0x5000, WAIT | PRIV,
	      300 * US, 5 * US);
	sw(&s, T0 + 50 * US, 0, 0, 0, 0, 101, ROOT);
	block(&s, T0 + 60 * US, 101, ROOT, NR_FUTEX, 0x9000, WAIT, 100 * US, 0);
	subject(&s, LAB_EV_MIGRATE, T0 + 61 * US, 101, ROOT, 0, 1, 0, 0);
	sw(&s, T0 + 70 * US, 0, 0, 0, 0, 200, 200);
	subject(&s, LAB_EV_LOCK_BEGIN, T0 + 80 * US, 200, 200,
		0xffff888100001000ULL, 0, 0, 0);
	subject(&s, LAB_EV_LOCK_END, T0 + 84 * US, 200, 200,
		0xffff888100001000ULL, 0, 0, 0);
	block(&s, T0 + 90 * US, 200, 200, NR_CLOCK_NANOSLEEP, 0, 0, 900 * US,
	      0);
	return analyse_seq(&s, kt, 2, T0 + 2000 * US);
}

/* present, and null */
static bool is_null(json_object *o, const char *path)
{
	const char *dot = strrchr(path, '.');
	char parent[128];
	json_object *p = o;

	if (dot) {
		snprintf(parent, sizeof(parent), "%.*s", (int)(dot - path),
			 path);
		p = json_path(o, parent);
	}
	return p && json_object_object_get_ex(p, dot ? dot + 1 : path, NULL) &&
	       !json_path(o, path);
}

static json_object *json_of(const struct run_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_object *j = NULL;

	int err;

	if (!f)
		return NULL;
	err = report_write_json(f, r);
	if (fclose(f) == 0 && !err)
		j = json_tokener_parse(buf);
	free(buf);
	return j;
}

TEST(analyze_json_cost_fields_parse_back)
{
	struct run_report *r = writer_run();
	json_object *j = r ? json_of(r) : NULL;
	const char *th = "processes.0.threads.0.";
	char path[128];

	if (!CHECK(j))
		goto out;
	CHECK_STR(json_path_str(j, "schema"), "lab-report/1");
	/* off-CPU by reason and the identity, per thread and in totals */
	snprintf(path, sizeof(path), "%soffcpu_ns.futex", th);
	CHECK_EQ(json_path_u64(j, path), 300 * US);
	CHECK_EQ(json_path_u64(j, "totals.offcpu_ns.futex"), 400 * US);
	CHECK_EQ(json_path_u64(j, "totals.offcpu_ns.sleep"), 900 * US);
	CHECK_EQ(json_path_u64(j, "totals.offcpu_ns.outside_syscall"), 0);
	CHECK(json_path(j, "totals.offcpu_ns.unknown"));
	snprintf(path, sizeof(path), "%stime_in_state_ns", th);
	CHECK_EQ(json_path_u64(json_path(j, path), "oncpu") +
			 json_path_u64(json_path(j, path), "runnable") +
			 json_path_u64(json_path(j, path), "offcpu") +
			 json_path_u64(json_path(j, path), "new"),
		 json_path_u64(json_path(j, "processes.0.threads.0"),
			       "lifetime_ns"));
	/* kernel counters: null where a thread has none */
	CHECK_EQ(json_path_u64(j, "processes.0.threads.0.page_faults"), 90);
	CHECK_EQ(json_path_u64(j, "processes.0.threads.0.migrations"), 4);
	CHECK(is_null(j, "processes.1.threads.0.page_faults"));
	CHECK_EQ(json_path_u64(j, "processes.1.threads.0.migrations"), 0);
	CHECK_EQ(json_path_u64(j, "totals.page_faults"), 92);
	CHECK_EQ(json_path_u64(j, "totals.migrations"), 4 + 0);
	CHECK_EQ(json_path_u64(j, "processes.1.klock_wait_ns"), 4 * US);
	/* locks */
	CHECK_EQ(json_object_array_length(json_path(j, "locks.user")), 2);
	CHECK_STR(json_path_str(j, "locks.user.0.address"), "0x5000");
	CHECK_EQ(json_path_u64(j, "locks.user.0.pid"), ROOT);
	CHECK(!json_object_get_boolean(json_path(j, "locks.user.0.shared")));
	CHECK_STR(json_path_str(j, "locks.user.0.keyed_by"), "pid+address");
	CHECK_STR(json_path_str(j, "locks.user.1.keyed_by"), "address");
	CHECK(is_null(j, "locks.user.0.symbol"));
	CHECK_STR(json_path_str(j, "locks.user.0.ops.0"), "wait");
	CHECK_EQ(json_path_u64(j, "locks.user.0.count"), 1);
	CHECK_EQ(json_path_u64(j, "locks.user.0.total_wait_ns"), 300 * US);
	CHECK_EQ(json_path_u64(j, "locks.user.0.max_wait_ns"), 300 * US);
	CHECK_EQ(json_path_u64(j, "locks.user.0.tids.0"), ROOT);
	CHECK(json_object_get_boolean(json_path(j, "locks.user.1.shared")));
	CHECK(is_null(j, "locks.user.1.pid"));
	CHECK_STR(json_path_str(j, "locks.kernel.0.address"),
		  "0xffff888100001000");
	CHECK(is_null(j, "locks.kernel.0.symbol"));
	CHECK_EQ(json_path_u64(j, "locks.kernel.0.total_wait_ns"), 4 * US);
	CHECK(!json_path(j, "locks.kernel.0.shared"));
	/* creation */
	CHECK_EQ(json_object_array_length(json_path(j, "creation.children")),
		 2);
	CHECK_STR(json_path_str(j, "creation.children.0.kind"), "thread");
	CHECK_EQ(json_path_u64(j, "creation.children.0.fork_ns"), 10 * US);
	CHECK_EQ(json_path_u64(j, "creation.children.0.latency_ns"), 40 * US);
	CHECK_EQ(json_path_u64(j, "creation.children.0.page_faults"), 2);
	CHECK_STR(json_path_str(j, "creation.children.1.kind"), "process");
	CHECK_EQ(json_path_u64(j, "creation.children.1.latency_ns"), 50 * US);
	CHECK(is_null(j, "creation.children.1.page_faults"));
	CHECK_EQ(json_path_u64(j, "creation.threads.count"), 1);
	CHECK_EQ(json_path_u64(j, "creation.threads.latency_median_ns"),
		 40 * US);
	CHECK_EQ(json_path_u64(j, "creation.processes.latency_mean_ns"),
		 50 * US);
	CHECK(is_null(j, "creation.processes.page_faults_total"));
	/* phases */
	CHECK_EQ(json_object_array_length(json_path(j, "phases")), 2);
	CHECK_STR(json_path_str(j, "phases.0.phase"), "spawn");
	CHECK_EQ(json_path_u64(j, "phases.0.id"), LAB_PHASE_SPAWN);
	CHECK_EQ(json_path_u64(j, "phases.0.start_ns"), 2 * US);
	CHECK_EQ(json_path_u64(j, "phases.0.duration_ns"), 28 * US);
	CHECK_STR(json_path_str(j, "phases.1.phase"), "join");
out:
	json_object_put(j);
	run_report_free(r);
}

TEST(analyze_text_explains_the_cost)
{
	struct run_report *r = writer_run();
	struct seq s = {0};

	if (!CHECK(r))
		return;
	check_text(r,
		   "off-CPU 1.30 ms: sleep 900 µs (69%), futex 400 µs (31%)");
	check_text(r, "  futex 0x5000 pid 100 ");
	check_text(r, "  futex 0x9000 shared ");
	check_text(r, "  kernel 0xffff888100001000 ");
	check_text(r,
		   "created 1 thread: fork→run mean 40.0 µs, median 40.0 µs, "
		   "2 page faults each");
	check_text(r, "created 1 process: fork→run mean 50.0 µs");
	check_text(r, "phases (switches): spawn 28.0 µs (0), join");
	/* the sections come first on the screen: once who woke whom has
	 * nothing to say, the kernel's plain counters fit too */
	for (size_t i = 0; i < r->nthreads; i++)
		r->threads[i].nwoken_by = r->threads[i].npreempted_by = 0;
	check_text(r, "92 user page faults");
	run_report_free(r);

	/* nothing contended: said in one line */
	wakeup(&s, T0, ROOT, ROOT);
	sw(&s, T0, 0, 0, 0, 0, ROOT, ROOT);
	r = analyse_seq(&s, NULL, 0, T0 + 1000);
	if (CHECK(r))
		check_text(r, "contended locks: none");
	run_report_free(r);
}
