/* test_lanes.c - the per-thread timeline lanes: synthetic event streams
 * with known phases through the analysis, and the timeline's interval
 * listener checked against its own accounting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/analysis.h"
#include "analyzer/analyze.h"
#include "analyzer/lanes.h"
#include "analyzer/report.h"
#include "tests/test.h"
#include "analyzer/timeline.h"

#define US	 1000ULL
#define MS	 1000000ULL
#define SEC	 1000000000ULL
#define T0	 (1000 * MS) /* tracing starts */
#define ROOT	 100
#define SLEEPING 1 /* TASK_INTERRUPTIBLE */

/* x86-64 syscalls, one per blocked lane state */
#define NR_READ		   0
#define NR_OTHER	   43 /* shutdown: no group of its own */
#define NR_WAIT4	   61
#define NR_FUTEX	   202
#define NR_CLOCK_NANOSLEEP 230
#define FUTEX_WAIT_PRIVATE 128

/* ---- event streams ---- */

struct stream {
	struct lab_event *ev;
	size_t n, cap;
};

static void push(struct stream *s, struct lab_event e)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->ev = realloc(s->ev, s->cap * sizeof(*s->ev));
		if (!s->ev)
			abort();
	}
	s->ev[s->n++] = e;
}

/* tid switched in (in) or out, from or to the idle task */
static void sw(struct stream *s, uint64_t ts, uint32_t tid, uint32_t pid,
	       bool in, uint64_t prev_state, bool preempt)
{
	struct lab_event e = {.ts = ts,
			      .type = LAB_EV_SWITCH,
			      .value = prev_state,
			      .flags = preempt ? LAB_SWITCH_PREEMPT : 0};

	if (in) {
		e.other_tid = tid;
		e.other_pid = pid;
	} else {
		e.tid = tid;
		e.pid = pid;
	}
	push(s, e);
}

static void ev(struct stream *s, uint64_t ts, int type, uint32_t tid,
	       uint32_t pid, uint32_t aux, uint64_t value, uint32_t other)
{
	push(s, (struct lab_event){.ts = ts,
				   .type = (uint8_t)type,
				   .tid = tid,
				   .pid = pid,
				   .aux = aux,
				   .value = value,
				   .other_tid = other,
				   .other_pid = other});
}

/* Events in time order, those at the same time in the order pushed:
 * an insertion sort, quick on streams pushed nearly in order. */
static void sort_stream(struct stream *s)
{
	for (size_t i = 1; i < s->n; i++) {
		struct lab_event e = s->ev[i];
		size_t j = i;

		for (; j && s->ev[j - 1].ts > e.ts; j--)
			s->ev[j] = s->ev[j - 1];
		s->ev[j] = e;
	}
}

/* ---- threads that follow a script of phases ---- */

struct phase {
	enum lane_state state;
	uint64_t ns;
};

static uint32_t nr_of(enum lane_state s)
{
	switch (s) {
	case LANE_LOCK:
		return NR_FUTEX;
	case LANE_IO:
		return NR_READ;
	case LANE_SLEEP:
		return NR_CLOCK_NANOSLEEP;
	case LANE_CHILD:
		return NR_WAIT4;
	default:
		return NR_OTHER;
	}
}

/* A thread living the phases from t0, running at each phase's end. A
 * NEW first phase needs its fork pushed by the caller. noise: while
 * running, preempted this often for a twentieth of it (0: never). The
 * thread exits at the end if told to. Returns the end. */
static uint64_t script(struct stream *s, uint32_t tid, uint32_t pid,
		       uint64_t t0, const struct phase *ph, size_t n,
		       uint64_t noise, bool exits)
{
	uint64_t ts = t0;

	if (n && ph[0].state != LANE_NEW)
		sw(s, t0, tid, pid, true, 0, false);
	for (size_t i = 0; i < n; i++) {
		uint64_t end = ts + ph[i].ns;

		switch (ph[i].state) {
		case LANE_NEW:
			ev(s, end, LAB_EV_WAKEUP_NEW, tid, pid, 0, 0, 1);
			break;
		case LANE_RUNNING:
			for (uint64_t t = ts + noise;
			     noise && t + noise / 20 < end; t += noise) {
				sw(s, t, tid, pid, false, 0, true);
				sw(s, t + noise / 20, tid, pid, true, 0, false);
			}
			break;
		case LANE_RUNNABLE:
			sw(s, ts, tid, pid, false, 0, true);
			break;
		default:
			ev(s, ts, LAB_EV_BLOCK, tid, pid, nr_of(ph[i].state),
			   0x1000, FUTEX_WAIT_PRIVATE);
			sw(s, ts, tid, pid, false, SLEEPING, false);
			ev(s, end, LAB_EV_WAKEUP, tid, pid, 0, 0, 1);
			break;
		}
		if (ph[i].state != LANE_RUNNING)
			sw(s, end, tid, pid, true, 0, false);
		ts = end;
	}
	if (exits) {
		ev(s, ts, LAB_EV_EXIT, tid, pid, 0, 0, 0);
		sw(s, ts, tid, pid, false, LAB_TASK_DEAD, false);
	}
	return ts;
}

static struct lab_trace_info info_at(uint64_t start)
{
	struct lab_trace_info info = {.version = LAB_TRACE_VERSION,
				      .cpu_count = 2,
				      .start_ns = start};

	snprintf(info.machine, sizeof(info.machine), "x86_64");
	snprintf(info.workload, sizeof(info.workload), "unit-lanes");
	return info;
}

/* The stream, and counters if any, through the analysis; tracing ends
 * at end (0: no summary). */
static struct run_report *analyse(struct stream *s,
				  const struct lab_thread_stats *kt, size_t nkt,
				  uint64_t end)
{
	struct lab_trace_info info = info_at(T0);
	struct lab_run_summary sum = {.end_ns = end, .events = s->n};
	struct analysis *a = analysis_new(&info);

	if (!a)
		return NULL;
	sort_stream(s);
	analysis_add_events(a, s->ev, s->n);
	if (nkt)
		analysis_add_threads(a, kt, nkt);
	if (end)
		analysis_set_summary(a, &sum);
	return analysis_finish(a);
}

static const struct lane *lane_of_tid(const struct run_report *r, uint32_t tid)
{
	for (size_t i = 0; i < r->nthreads && i < r->lanes.nlanes; i++)
		if (r->threads[i].tid == tid)
			return &r->lanes.lanes[i];
	return NULL;
}

/* The columns cover the run, and are widened only when they must be:
 * more than half of them are in use. */
static bool columns_fit(const struct lane_set *l, uint64_t wall)
{
	return CHECK(l->ncolumns <= LANE_COLUMNS) &&
	       CHECK_MSG(l->ncolumns > LANE_COLUMNS / 2 &&
				 l->ncolumns * l->column_ns >= wall &&
				 (l->ncolumns - 1) * l->column_ns < wall,
			 "%zu columns of %llu ns for %llu ns", l->ncolumns,
			 (unsigned long long)l->column_ns,
			 (unsigned long long)wall);
}

/* Whether each column shows the state with most time in it (ties to
 * the earlier state), LANE_NONE where the script gives it none. With
 * noise the script's phases are only what dominates: a column may show
 * any phase's state that overlaps it. And each state fills as many
 * columns as its time, give or take the two edges of its phases. */
static bool lane_follows(const struct lane_set *l, const struct lane *lane,
			 uint64_t t0, const struct phase *ph, size_t n,
			 bool noisy)
{
	uint64_t want_ns[LANE_NSTATES] = {0}, edges[LANE_NSTATES] = {0};
	size_t got[LANE_NSTATES] = {0};

	for (size_t c = 0; c < l->ncolumns; c++) {
		uint64_t lo = l->start_ns + c * l->column_ns;
		uint64_t hi = lo + l->column_ns, ts = t0;
		uint64_t in[LANE_NSTATES] = {0};
		int most = LANE_NONE;
		bool ok = false;

		for (size_t i = 0; i < n; i++, ts += ph[i - 1].ns) {
			uint64_t from = ts > lo ? ts : lo;
			uint64_t to = ts + ph[i].ns < hi ? ts + ph[i].ns : hi;

			if (from >= to || ph[i].state == LANE_NONE)
				continue;
			in[ph[i].state] += to - from;
			ok |= noisy && lane->state[c] == ph[i].state;
		}
		for (int st = LANE_RUNNING; st < LANE_NSTATES; st++)
			if (in[st] > in[most])
				most = st;
		ok |= lane->state[c] == most;
		if (!CHECK_MSG(ok,
			       "column %zu [%llu, %llu) ns: %s, expected %s", c,
			       (unsigned long long)(lo - l->start_ns),
			       (unsigned long long)(hi - l->start_ns),
			       lanes_state_name(lane->state[c]),
			       lanes_state_name(most)))
			return false;
		got[lane->state[c]]++;
	}
	for (size_t i = 0; i < n; i++) {
		want_ns[ph[i].state] += ph[i].ns;
		edges[ph[i].state] += 2;
	}
	for (int st = LANE_RUNNING; st < LANE_NSTATES; st++) {
		uint64_t have = got[st] * l->column_ns;
		uint64_t slack = edges[st] * l->column_ns;

		if (!CHECK_MSG(have + slack >= want_ns[st] &&
				       have <= want_ns[st] + slack,
			       "%s: %zu columns of %llu ns for %llu ns",
			       lanes_state_name(st), got[st],
			       (unsigned long long)l->column_ns,
			       (unsigned long long)want_ns[st]))
			return false;
	}
	return true;
}

#define NPH(a) (sizeof(a) / sizeof(a[0]))

TEST(lanes_running_lock_sleep_in_their_columns)
{
	const struct phase ph[] = {
		{LANE_RUNNING, 10 * MS}, {LANE_LOCK, 10 * MS},
		{LANE_RUNNING, 5 * MS},	 {LANE_SLEEP, 10 * MS},
		{LANE_RUNNABLE, 3 * MS}, {LANE_RUNNING, 2 * MS},
	};
	struct stream s = {0};
	/* its first switch reached the file 5 µs before tracing started,
	 * as events from another CPU can */
	uint64_t end =
		script(&s, ROOT, ROOT, T0 - 5 * US, ph, NPH(ph), 0, false);
	struct run_report *r = analyse(&s, NULL, 0, end);

	free(s.ev);
	if (!CHECK(r))
		return;
	if (CHECK_EQ(r->nthreads, 1) && CHECK_EQ(r->lanes.nlanes, 1) &&
	    CHECK_EQ(r->lanes.start_ns, T0) &&
	    columns_fit(&r->lanes, r->wall_ns))
		lane_follows(&r->lanes, &r->lanes.lanes[0], T0 - 5 * US, ph,
			     NPH(ph), false);
	run_report_free(r);
}

TEST(lanes_one_per_thread_in_report_order)
{
	/* the root forks a process at 5 ms and waits for it; the child is
	 * new for 2 ms, reads, exits at 17 ms. Thread 300 has counters and
	 * no events. */
	const struct phase root[] = {
		{LANE_RUNNING, 6 * MS},
		{LANE_CHILD, 12 * MS},
		{LANE_RUNNING, 5 * MS},
	};
	const struct phase child[] = {
		{LANE_NEW, 2 * MS},
		{LANE_RUNNING, 3 * MS},
		{LANE_IO, 5 * MS},
		{LANE_RUNNING, 2 * MS},
	};
	struct lab_thread_stats k = {.tid = 300,
				     .pid = 300,
				     .parent_tid = ROOT,
				     .start_ns = T0 + MS};
	struct stream s = {0};
	uint64_t end = script(&s, ROOT, ROOT, T0, root, NPH(root), 0, false);
	struct run_report *r;
	const struct lane *lr, *lc, *lk;

	ev(&s, T0 + 5 * MS, LAB_EV_FORK, ROOT, ROOT, 0, 0, 200);
	script(&s, 200, 200, T0 + 5 * MS, child, NPH(child), 0, true);
	r = analyse(&s, &k, 1, end);
	free(s.ev);
	if (!CHECK(r))
		return;
	lr = lane_of_tid(r, ROOT);
	lc = lane_of_tid(r, 200);
	lk = lane_of_tid(r, 300);
	if (CHECK_EQ(r->lanes.nlanes, r->nthreads) &&
	    CHECK_EQ(r->nthreads, 3) && CHECK(lr && lc && lk) &&
	    columns_fit(&r->lanes, r->wall_ns)) {
		lane_follows(&r->lanes, lr, T0, root, NPH(root), false);
		lane_follows(&r->lanes, lc, T0 + 5 * MS, child, NPH(child),
			     false);
		/* no timeline: nothing known */
		lane_follows(&r->lanes, lk, T0, NULL, 0, false);
	}
	run_report_free(r);
}

TEST(lanes_time_before_the_state_is_known_shows_none)
{
	/* the root is first named by a marker at 1 ms, running or not:
	 * its first switch, at 11 ms, says it was running. The report
	 * counts that time on the CPU; the lane does not guess. */
	const struct phase ph[] = {
		{LANE_NONE, 10 * MS},
		{LANE_SLEEP, 10 * MS},
		{LANE_RUNNING, 10 * MS},
	};
	struct stream s = {0};
	struct run_report *r;

	ev(&s, T0 + MS, LAB_EV_MARK, ROOT, ROOT, LAB_MARK_PHASE, 1, 0);
	ev(&s, T0 + 11 * MS, LAB_EV_BLOCK, ROOT, ROOT, NR_CLOCK_NANOSLEEP, 0,
	   0);
	sw(&s, T0 + 11 * MS, ROOT, ROOT, false, SLEEPING, false);
	ev(&s, T0 + 21 * MS, LAB_EV_WAKEUP, ROOT, ROOT, 0, 0, 1);
	sw(&s, T0 + 21 * MS, ROOT, ROOT, true, 0, false);
	r = analyse(&s, NULL, 0, T0 + 31 * MS);
	free(s.ev);
	if (!CHECK(r) || !CHECK_EQ(r->lanes.nlanes, 1))
		goto out;
	CHECK_EQ(r->threads[0].times.oncpu_ns, 20 * MS);
	lane_follows(&r->lanes, &r->lanes.lanes[0], T0 + MS, ph, NPH(ph),
		     false);
out:
	run_report_free(r);
}

TEST(lanes_long_runs_double_the_columns)
{
	/* 10 s, preempted every 500 µs while running; then an hour, where a
	 * column's time is kept in units coarser than a ns, and the first
	 * column (8.6 s) holds 4 s running, counted in ns, and 4.6 s asleep,
	 * counted in 8 ns units */
	const struct phase busy[] = {
		{LANE_RUNNING, 3 * SEC},
		{LANE_SLEEP, 2 * SEC},
		{LANE_LOCK, 4 * SEC},
		{LANE_RUNNING, 1 * SEC},
	};
	const struct phase hour[] = {
		{LANE_RUNNING, 4 * SEC},       {LANE_SLEEP, 20 * 60 * SEC},
		{LANE_RUNNING, 10 * 60 * SEC}, {LANE_IO, 20 * 60 * SEC},
		{LANE_BLOCKED, 10 * 60 * SEC},
	};
	const struct phase *scripts[] = {busy, hour};
	size_t n[] = {NPH(busy), NPH(hour)};

	for (int i = 0; i < 2; i++) {
		struct stream s = {0};
		uint64_t end = script(&s, ROOT, ROOT, T0, scripts[i], n[i],
				      i ? 0 : 500 * US, false);
		struct run_report *r = analyse(&s, NULL, 0, end);

		CHECK_MSG(i || s.n > 10000, "%zu events", s.n);
		free(s.ev);
		if (!CHECK(r))
			return;
		if (CHECK_EQ(r->lanes.nlanes, 1) &&
		    columns_fit(&r->lanes, r->wall_ns))
			lane_follows(&r->lanes, &r->lanes.lanes[0], T0,
				     scripts[i], n[i], i == 0);
		run_report_free(r);
	}
}

TEST(lanes_empty_trace)
{
	struct stream s = {0};
	struct run_report *r = analyse(&s, NULL, 0, 0);

	if (CHECK(r)) {
		CHECK_EQ(r->lanes.nlanes, 0);
		CHECK_EQ(r->lanes.ncolumns, 0);
	}
	run_report_free(r);
	/* tracing ran for a second and saw nothing */
	r = analyse(&s, NULL, 0, T0 + SEC);
	if (CHECK(r)) {
		CHECK_EQ(r->lanes.nlanes, 0);
		columns_fit(&r->lanes, SEC);
	}
	run_report_free(r);
}

/* Whether each column's mix gives each state its time in the column,
 * in 255ths of the column, give or take a rounding each way. */
static bool mix_follows(const struct lane_set *l, const struct lane_mix *m,
			uint64_t t0, const struct phase *ph, size_t n)
{
	for (size_t c = 0; c < l->ncolumns; c++) {
		uint64_t lo = l->start_ns + c * l->column_ns;
		uint64_t hi = lo + l->column_ns, ts = t0;
		uint64_t in[LANE_NSTATES] = {0};

		for (size_t i = 0; i < n; ts += ph[i++].ns) {
			uint64_t from = ts > lo ? ts : lo;
			uint64_t to = ts + ph[i].ns < hi ? ts + ph[i].ns : hi;

			if (from < to)
				in[ph[i].state] += to - from;
		}
		for (int st = LANE_NONE; st < LANE_NSTATES; st++) {
			double want = st == LANE_NONE
					      ? 0
					      : 255.0 * (double)in[st] /
							(double)l->column_ns;

			if (!CHECK_MSG(m->share[c][st] <= want + 1.5 &&
					       m->share[c][st] + 1.5 >= want,
				       "column %zu, %s: %u/255, expected %.1f",
				       c, lanes_state_name(st), m->share[c][st],
				       want))
				return false;
		}
	}
	return true;
}

TEST(lanes_keep_the_mix_of_the_first_threads)
{
	/* 20 processes, each started 1 ms after the last, switch states
	 * every few hundred µs, out of step with the columns, and exit */
	enum { N = 20 };
	struct phase ph[N][5];
	uint64_t t0[N], end = 0;
	struct stream s = {0};
	struct run_report *r;

	for (uint32_t i = 0; i < N; i++) {
		const struct phase p[5] = {
			{LANE_RUNNING, (300 + 70 * i) * US},
			{LANE_LOCK, (250 + 30 * i) * US},
			{LANE_RUNNABLE, 170 * US},
			{i % 2 ? LANE_IO : LANE_SLEEP, (900 + 13 * i) * US},
			{LANE_RUNNING, 410 * US},
		};
		uint64_t e;

		memcpy(ph[i], p, sizeof(p));
		t0[i] = T0 + i * MS;
		e = script(&s, ROOT + i, ROOT + i, t0[i], ph[i], 5, 0, true);
		if (e > end)
			end = e;
	}
	r = analyse(&s, NULL, 0, end);
	free(s.ev);
	if (!CHECK(r) || !CHECK_EQ(r->lanes.nlanes, N) ||
	    !CHECK_EQ(r->lanes.nmixed, LANE_MIXED) ||
	    !columns_fit(&r->lanes, r->wall_ns))
		goto out;
	for (size_t i = 0; i < r->lanes.nmixed; i++) {
		uint32_t k = r->threads[i].tid - ROOT;

		if (!CHECK(k < N) || !mix_follows(&r->lanes, &r->lanes.mixes[i],
						  t0[k], ph[k], 5))
			break;
	}
out:
	run_report_free(r);
}

TEST(lanes_state_names)
{
	for (int a = 0; a < LANE_NSTATES; a++) {
		CHECK(lanes_state_name(a)[0]);
		for (int b = 0; b < a; b++)
			CHECK(strcmp(lanes_state_name(a), lanes_state_name(b)));
	}
	CHECK_STR(lanes_state_name(LANE_NONE), "none");
	CHECK_STR(lanes_state_name(LANE_NSTATES), "none");
}

/* ---- straight on the timeline ---- */

/* Four threads take turns on one CPU: each runs 10 µs, then blocks
 * (in turn in a futex, a read, a sleep, elsewhere) or is preempted; a
 * blocked thread is woken before its turn. Stops after n events. */
static void take_turns(struct timeline *tl, uint64_t n)
{
	static const uint32_t nrs[] = {NR_FUTEX, NR_READ, NR_CLOCK_NANOSLEEP,
				       NR_OTHER};
	bool blocked[4] = {0};
	uint64_t ts = T0;
	int cur = -1;

	for (uint64_t step = 0; tl->events < n; step++, ts += 10 * US) {
		int next = (cur + 1) % 4;
		uint32_t ntid = ROOT + (uint32_t)next;
		struct lab_event e = {.ts = ts, .type = LAB_EV_SWITCH};

		if (blocked[next]) {
			timeline_event(
				tl, &(struct lab_event){.ts = ts,
							.type = LAB_EV_WAKEUP,
							.tid = ntid,
							.pid = ROOT});
			blocked[next] = false;
		}
		if (cur >= 0) {
			e.tid = ROOT + (uint32_t)cur;
			e.pid = ROOT;
			blocked[cur] = step % 3 != 0;
			e.value = blocked[cur] ? SLEEPING : 0;
			e.flags = blocked[cur] ? 0 : LAB_SWITCH_PREEMPT;
			if (blocked[cur])
				timeline_event(tl,
					       &(struct lab_event){
						       .ts = ts,
						       .type = LAB_EV_BLOCK,
						       .tid = e.tid,
						       .pid = ROOT,
						       .aux = nrs[step % 4]});
		}
		e.other_tid = ntid;
		e.other_pid = ROOT;
		timeline_event(tl, &e);
		cur = next;
	}
}

/* lanes_bytes after n events of take_turns */
static size_t bytes_after(uint64_t n)
{
	struct lane_builder *b = lanes_new(T0);
	struct timeline tl;
	size_t bytes = 0;

	if (!CHECK(b))
		return 0;
	timeline_init(&tl, SYS_ABI_X86_64);
	tl.on_interval = lanes_interval;
	tl.interval_ctx = b;
	take_turns(&tl, n);
	if (CHECK(!tl.oom) && CHECK_EQ(tl.n, 4))
		bytes = lanes_bytes(b);
	timeline_free(&tl);
	lanes_builder_free(b);
	return bytes;
}

TEST(lanes_memory_grows_with_threads_not_events)
{
	size_t small = bytes_after(10000), large = bytes_after(1000000);

	/* every thread has time in every column of both runs: the same
	 * windows, whatever the column width */
	CHECK_MSG(large == small, "%zu bytes after 1M events, %zu after 10k",
		  large, small);
	/* a column keeps a count per state */
	CHECK_MSG(large <= 4 * 2 * 1024 * LANE_NSTATES,
		  "%zu bytes for 4 threads", large);
}

/* An interval the listener was told of, the seq'th. */
struct interval {
	uint32_t rec;
	enum tl_state state;
	enum offcpu_reason why;
	enum lane_state futex; /* what a futex wait on a word waits for */
	uint64_t from, to;
	size_t seq;
};

/* What the listener was told, passed on to a lane builder. */
struct told {
	struct lane_builder *b;
	struct interval *iv;
	size_t n, cap;
};

static void record_interval(void *ctx, uint32_t rec, const struct tl_thread *t,
			    uint64_t from, uint64_t to)
{
	struct told *told = ctx;

	if (told->n == told->cap) {
		told->cap = told->cap ? told->cap * 2 : 1024;
		told->iv = realloc(told->iv, told->cap * sizeof(*told->iv));
		if (!told->iv)
			abort();
	}
	told->iv[told->n] = (struct interval){
		.rec = rec,
		.state = t->state,
		.why = t->why,
		.futex = !t->futex_wait			   ? LANE_LOCK
			 : t->futex_kind == LOCK_KIND_JOIN ? LANE_JOIN
			 : t->futex_kind == LOCK_KIND_LOCK ? LANE_LOCK
							   : LANE_EVENT,
		.from = from,
		.to = to,
		.seq = told->n};
	told->n++;
	lanes_interval(told->b, rec, t, from, to);
}

/* by record, each record's in the order told */
static int by_record(const void *x, const void *y)
{
	const struct interval *a = x, *b = y;

	if (a->rec != b->rec)
		return a->rec < b->rec ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/* A stream of plausible and implausible events: a dozen tids, forks,
 * wakeups, blocks, switches in any state, deaths, timestamps a few µs
 * out of order. */
static void random_events(struct timeline *tl, uint64_t n)
{
	static const uint32_t nrs[] = {NR_FUTEX, NR_READ,  NR_CLOCK_NANOSLEEP,
				       NR_WAIT4, NR_OTHER, 1,
				       232};
	uint64_t rng = 88172645463325252ULL, ts = T0;

	for (uint64_t i = 0; i < n; i++) {
		struct lab_event e = {0};
		uint32_t r;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		r = (uint32_t)(rng >> 16);
		ts += r % 20 * US;
		e.ts = r % 50 ? ts : ts - 3 * US;
		e.tid = ROOT + (r >> 8) % 12;
		e.pid = ROOT;
		e.other_tid = ROOT + (r >> 12) % 12;
		e.other_pid = ROOT;
		switch ((r >> 20) % 10) {
		case 0:
			e.type = LAB_EV_FORK;
			break;
		case 1:
			e.type = LAB_EV_WAKEUP_NEW;
			break;
		case 2:
		case 3:
			e.type = LAB_EV_WAKEUP;
			break;
		case 4:
			e.type = LAB_EV_BLOCK;
			e.aux = nrs[(r >> 24) % 7];
			e.ts = ts; /* then a switch at the same time */
			timeline_event(tl, &e);
			e.aux = 0;
			/* fall through */
		default:
			e.type = LAB_EV_SWITCH;
			e.value = r % 7 == 0 ? LAB_TASK_DEAD : (r >> 28) % 2;
			e.flags = r % 5 == 0 ? LAB_SWITCH_PREEMPT : 0;
			if (r % 11 == 0)
				e.tid = e.pid = 0;
			if (r % 13 == 0)
				e.other_tid = e.other_pid = 0;
			break;
		}
		timeline_event(tl, &e);
	}
}

static uint64_t *bucket(struct state_times *st, enum tl_state s,
			enum offcpu_reason why)
{
	switch (s) {
	case TL_NEW:
		return &st->new_ns;
	case TL_RUNNABLE:
		return &st->runnable_ns;
	case TL_RUNNING:
		return &st->oncpu_ns;
	default:
		return &st->offcpu_ns[why];
	}
}

/* Each record's intervals follow each other from its start to its
 * clock, and split its time as its times do, the unknown part going to
 * one state or another. told->iv is sorted by record. */
static void check_accounting(const struct timeline *tl, const struct told *told)
{
	size_t i = 0;

	for (uint32_t rec = 0; rec < tl->n; rec++) {
		const struct tl_thread *t = &tl->threads[rec];
		struct state_times sum = {0};
		uint64_t at = t->start_ns, unknown = 0, placed;

		for (; i < told->n && told->iv[i].rec == rec; i++) {
			const struct interval *iv = &told->iv[i];

			if (!CHECK_MSG(iv->from == at && iv->to > iv->from,
				       "record %u: [%llu, %llu) after %llu",
				       rec, (unsigned long long)iv->from,
				       (unsigned long long)iv->to,
				       (unsigned long long)at))
				return;
			at = iv->to;
			if (iv->state == TL_UNKNOWN)
				unknown += iv->to - iv->from;
			else
				*bucket(&sum, iv->state, iv->why) +=
					iv->to - iv->from;
		}
		placed = t->times.oncpu_ns - sum.oncpu_ns + t->times.new_ns -
			 sum.new_ns + t->times.runnable_ns - sum.runnable_ns;
		for (int w = 0; w < OFFCPU_NREASONS; w++) {
			CHECK(sum.offcpu_ns[w] <= t->times.offcpu_ns[w]);
			placed += t->times.offcpu_ns[w] - sum.offcpu_ns[w];
		}
		if (!CHECK_EQ(at, t->clock) || !CHECK_EQ(placed, unknown) ||
		    !CHECK(sum.oncpu_ns <= t->times.oncpu_ns &&
			   sum.runnable_ns <= t->times.runnable_ns &&
			   sum.new_ns <= t->times.new_ns))
			return;
	}
}

static enum lane_state lane_state_of(enum tl_state s, enum offcpu_reason why,
				     enum lane_state futex)
{
	static const enum lane_state blocked[OFFCPU_NREASONS] = {
		[OFFCPU_FUTEX] = LANE_LOCK,
		[OFFCPU_READ] = LANE_IO,
		[OFFCPU_WRITE] = LANE_IO,
		[OFFCPU_POLL] = LANE_IO,
		[OFFCPU_SLEEP] = LANE_SLEEP,
		[OFFCPU_WAIT] = LANE_CHILD,
		[OFFCPU_OTHER_SYSCALL] = LANE_BLOCKED,
		[OFFCPU_NO_SYSCALL] = LANE_BLOCKED,
		[OFFCPU_UNKNOWN] = LANE_BLOCKED,
	};

	switch (s) {
	case TL_NEW:
		return LANE_NEW;
	case TL_RUNNABLE:
		return LANE_RUNNABLE;
	case TL_RUNNING:
		return LANE_RUNNING;
	case TL_BLOCKED:
		return why == OFFCPU_FUTEX ? futex : blocked[why];
	default:
		return LANE_NONE;
	}
}

/* The lanes recomputed from every interval at the final column width,
 * exactly: the state with most ns in each column, ties to the earlier.
 * told->iv is sorted by record; lane i is record i's. */
static void check_lanes(const struct lane_set *l, const struct told *told)
{
	static uint64_t ns[LANE_COLUMNS][LANE_NSTATES];
	size_t i = 0;

	for (uint32_t rec = 0; rec < l->nlanes; rec++) {
		memset(ns, 0, sizeof(ns));
		for (; i < told->n && told->iv[i].rec == rec; i++) {
			const struct interval *iv = &told->iv[i];
			enum lane_state s =
				lane_state_of(iv->state, iv->why, iv->futex);
			uint64_t t =
				iv->from > l->start_ns ? iv->from : l->start_ns;

			while (s != LANE_NONE && t < iv->to) {
				uint64_t c = (t - l->start_ns) / l->column_ns;
				uint64_t cend =
					l->start_ns + (c + 1) * l->column_ns;
				uint64_t to = iv->to < cend ? iv->to : cend;

				if (c < LANE_COLUMNS)
					ns[c][s] += to - t;
				t = to;
			}
		}
		for (size_t c = 0; c < l->ncolumns; c++) {
			int want = LANE_NONE;

			for (int s = LANE_RUNNING; s < LANE_NSTATES; s++)
				if (ns[c][s] > ns[c][want])
					want = s;
			if (!CHECK_MSG(l->lanes[rec].state[c] == want,
				       "record %u column %zu: %s, expected %s",
				       rec, c,
				       lanes_state_name(l->lanes[rec].state[c]),
				       lanes_state_name(want)))
				return;
		}
	}
}

TEST(lanes_listener_intervals_account_for_each_life)
{
	struct told told = {.b = lanes_new(T0)};
	struct lane_set lanes;
	struct timeline tl;
	uint32_t *recs;

	if (!CHECK(told.b))
		return;
	timeline_init(&tl, SYS_ABI_X86_64);
	tl.on_interval = record_interval;
	tl.interval_ctx = &told;
	random_events(&tl, 100000);
	for (size_t i = 0; i < tl.n; i++)
		CHECK(!timeline_close(&tl, &tl.threads[i], tl.last_ns));
	CHECK(!tl.oom);
	CHECK_MSG(tl.n > 100, "%zu records", tl.n);
	qsort(told.iv, told.n, sizeof(*told.iv), by_record);
	check_accounting(&tl, &told);
	recs = malloc(tl.n * sizeof(*recs));
	if (!CHECK(recs))
		goto out;
	for (uint32_t i = 0; i < tl.n; i++)
		recs[i] = i;
	if (CHECK(!lanes_finish(told.b, tl.last_ns, recs, tl.n, &lanes))) {
		columns_fit(&lanes, tl.last_ns - T0);
		check_lanes(&lanes, &told);
		lanes_free(&lanes);
	}
	told.b = NULL;
	free(recs);
out:
	lanes_builder_free(told.b);
	timeline_free(&tl);
	free(told.iv);
}
