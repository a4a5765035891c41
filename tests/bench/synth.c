/* synth.c - large synthetic traces for the benchmarks: a small scheduler
 * simulator whose threads block, are woken, preempted and migrate on two
 * CPUs as their mix says. The kernel counters written at the end agree
 * with the events. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include "analyzer/stats.h"
#include "tests/bench/synth.h"
#include "tests/trace_file.h"

#define ROOT		   1000 /* the process, and its first thread */
#define NCPUS		   2
#define BATCH		   65536
#define NR_READ		   0
#define NR_FUTEX	   202
#define NR_CLOCK_NANOSLEEP 230
#define EVENT_NS	   1000 /* about the trace time between two events */

struct sim {
	struct trace_writer *w;
	enum synth_mix mix;
	struct lab_event buf[BATCH];
	size_t nbuf;
	uint64_t events, ts, rnd, epoch_ns;
	int nthreads;
	int cur[NCPUS]; /* the thread on each CPU, -1 idle */
	int rq_head, rq_len, nblocked;
	uint64_t *since;       /* when it became runnable */
	uint64_t *oncpu_since; /* when it went on CPU */
	int *runq, *blocked;
	struct lab_thread_stats *kt;
};

static uint64_t next_random(struct sim *s)
{
	s->rnd ^= s->rnd << 13;
	s->rnd ^= s->rnd >> 7;
	s->rnd ^= s->rnd << 17;
	return s->rnd;
}

static int emit(struct sim *s, struct lab_event ev)
{
	ev.ts = s->ts;
	s->ts += 100 + next_random(s) % 1500;
	s->buf[s->nbuf++] = ev;
	s->events++;
	if (s->nbuf < BATCH)
		return 0;
	s->nbuf = 0;
	return trace_writer_add_events(s->w, s->buf, BATCH);
}

static uint32_t tid_of(int i)
{
	return ROOT + (uint32_t)i;
}

static void rq_push(struct sim *s, int i)
{
	s->runq[(s->rq_head + s->rq_len++) % s->nthreads] = i;
	s->since[i] = s->ts;
}

static int rq_pop(struct sim *s)
{
	int i;

	if (!s->rq_len)
		return -1;
	i = s->runq[s->rq_head];
	s->rq_head = (s->rq_head + 1) % s->nthreads;
	s->rq_len--;
	return i;
}

/* CPU c switches from its thread to the next runnable one, or idles. */
static int switch_out(struct sim *s, int c, uint64_t prev_state, bool preempt)
{
	int prev = s->cur[c], next = rq_pop(s);
	struct lab_event ev = {.type = LAB_EV_SWITCH,
			       .cpu = (uint16_t)c,
			       .value = prev_state,
			       .flags = preempt ? LAB_SWITCH_PREEMPT : 0};

	if (prev >= 0) {
		struct lab_thread_stats *k = &s->kt[prev];

		ev.tid = tid_of(prev);
		ev.pid = ROOT;
		k->oncpu_ns += s->ts - s->oncpu_since[prev];
		if (preempt)
			k->involuntary_switches++;
		else
			k->voluntary_switches++;
	}
	if (next >= 0) {
		uint64_t wait = s->ts - s->since[next];
		struct lab_thread_stats *k = &s->kt[next];

		ev.other_tid = tid_of(next);
		ev.other_pid = ROOT;
		s->oncpu_since[next] = s->ts;
		k->runq_count++;
		k->runq_wait_ns += wait;
		k->runq_hist[stats_hist_slot(wait, LAB_HIST_SLOTS)]++;
		if (wait > k->runq_max_ns)
			k->runq_max_ns = wait;
	}
	s->cur[c] = next;
	return emit(s, ev);
}

/* The thread on CPU c blocks in system call nr. */
static int block(struct sim *s, int c, uint32_t nr)
{
	int i = s->cur[c];
	uint64_t at = s->ts;

	if (emit(s, (struct lab_event){.type = LAB_EV_BLOCK,
				       .cpu = (uint16_t)c,
				       .tid = tid_of(i),
				       .pid = ROOT,
				       .aux = nr,
				       .value = 0x7f0000001000 +
						64 * (uint64_t)(i % 8),
				       .other_tid = nr == NR_FUTEX ? 128 : 0}))
		return -1;
	s->ts = at; /* the switch carries the block's timestamp */
	s->blocked[s->nblocked++] = i;
	return switch_out(s, c, 1, false);
}

/* The thread on CPU c is preempted by the next runnable one. */
static int preempt(struct sim *s, int c)
{
	rq_push(s, s->cur[c]);
	return switch_out(s, c, 0, true);
}

static int migrate(struct sim *s, int c)
{
	s->kt[s->cur[c]].migrations++;
	return emit(s, (struct lab_event){.type = LAB_EV_MIGRATE,
					  .tid = tid_of(s->cur[c]),
					  .pid = ROOT,
					  .cpu = (uint16_t)c});
}

/* The thread on CPU c wakes the j-th blocked thread. */
static int wake(struct sim *s, int c, int j)
{
	int i = s->blocked[j];

	s->blocked[j] = s->blocked[--s->nblocked];
	s->kt[i].wakeups++;
	rq_push(s, i);
	return emit(s, (struct lab_event){
			       .type = LAB_EV_WAKEUP,
			       .cpu = (uint16_t)c,
			       .tid = tid_of(i),
			       .pid = ROOT,
			       .other_tid =
				       s->cur[c] >= 0 ? tid_of(s->cur[c]) : 0});
}

/* ---- SYNTH_MIX_BUSY ---- */

/* On a CPU picked at random, its thread blocks, is preempted or
 * migrates, or runs on; then a blocked thread may be woken. */
static int busy_step(struct sim *s)
{
	int c = (int)(next_random(s) % NCPUS), err = 0;
	uint64_t r = next_random(s) % 100;

	if (s->cur[c] < 0)
		err = s->rq_len ? switch_out(s, c, 0, false) : 0;
	else if (r < 55)
		err = block(s, c, next_random(s) % 4 ? NR_FUTEX : NR_READ);
	else if (r < 75)
		err = s->rq_len ? preempt(s, c) : 0;
	else if (r < 78)
		err = migrate(s, c);
	if (!err && s->nblocked && next_random(s) % 100 < 60)
		err = wake(s, c, (int)(next_random(s) % (uint64_t)s->nblocked));
	return err;
}

/* ---- SYNTH_MIX_EPOCHS ---- */

/* What a thread wants in one epoch of its life: a CPU, or to wait in a
 * futex, a read or a sleep until the epoch ends. */
enum mode { WANTS_CPU, WAITS_LOCK, WAITS_IO, SLEEPS };

/* Thread i's mode now. Its epochs are offset from the other threads'. */
static enum mode mode_of(const struct sim *s, int i)
{
	uint64_t at = s->ts + (uint64_t)i * (s->epoch_ns / 7 + 1);
	uint64_t h =
		(at / s->epoch_ns * 64 + (uint64_t)i) * 0x9e3779b97f4a7c15ULL;
	static const enum mode modes[8] = {WANTS_CPU,  WANTS_CPU,  WANTS_CPU,
					   WAITS_LOCK, WAITS_LOCK, WAITS_IO,
					   WAITS_IO,   SLEEPS};

	return modes[h >> 61];
}

/* The thread on CPU c runs on, is preempted, migrates or blocks, as its
 * mode says. */
static int epochs_run(struct sim *s, int c)
{
	static const uint32_t calls[] = {[WAITS_LOCK] = NR_FUTEX,
					 [WAITS_IO] = NR_READ,
					 [SLEEPS] = NR_CLOCK_NANOSLEEP};
	uint64_t r = next_random(s) % 100;
	enum mode m;

	if (s->cur[c] < 0)
		return s->rq_len ? switch_out(s, c, 0, false) : 0;
	m = mode_of(s, s->cur[c]);
	if (m != WANTS_CPU)
		return block(s, c, calls[m]);
	if (r < 30 && s->rq_len)
		return preempt(s, c);
	return r < 33 ? migrate(s, c) : 0;
}

/* Wakes a blocked thread whose epoch now wants a CPU, if one of a few
 * picked at random does. */
static int epochs_wake(struct sim *s, int c)
{
	for (int tries = 0; tries < 4 && s->nblocked; tries++) {
		int j = (int)(next_random(s) % (uint64_t)s->nblocked);

		if (mode_of(s, s->blocked[j]) == WANTS_CPU)
			return wake(s, c, j);
	}
	return 0;
}

/* On a CPU picked at random, as in epochs_run; then a blocked thread
 * may be woken. */
static int epochs_step(struct sim *s)
{
	uint64_t before = s->events;
	int c = (int)(next_random(s) % NCPUS);
	int err = epochs_run(s, c) ||
		  (next_random(s) % 100 < 60 && epochs_wake(s, c));

	if (s->events == before)
		s->ts += 500; /* nothing changed: time passes, epochs end */
	return err;
}

/* ---- the run ---- */

static int mark(struct sim *s, uint32_t what, uint64_t value)
{
	return emit(s, (struct lab_event){.type = LAB_EV_MARK,
					  .tid = ROOT,
					  .pid = ROOT,
					  .aux = what,
					  .value = value});
}

/* The root marks its phases and creates the other threads, which then
 * run until the trace holds want events. */
static int simulate(struct sim *s, uint64_t want)
{
	int err = mark(s, LAB_MARK_PHASE, LAB_PHASE_SETUP) ||
		  mark(s, LAB_MARK_WORKLOAD_START, (uint64_t)s->nthreads - 1) ||
		  mark(s, LAB_MARK_PHASE, LAB_PHASE_SPAWN);

	for (int i = 1; i < s->nthreads && !err; i++) {
		s->kt[i].start_ns = s->ts;
		err = emit(s, (struct lab_event){.type = LAB_EV_FORK,
						 .tid = ROOT,
						 .pid = ROOT,
						 .other_tid = tid_of(i),
						 .other_pid = ROOT}) ||
		      emit(s, (struct lab_event){.type = LAB_EV_WAKEUP_NEW,
						 .tid = tid_of(i),
						 .pid = ROOT,
						 .other_tid = ROOT});
		rq_push(s, i);
	}
	err = err || mark(s, LAB_MARK_PHASE, LAB_PHASE_WORK);
	while (!err && s->events + 8 < want)
		err = s->mix == SYNTH_MIX_BUSY ? busy_step(s) : epochs_step(s);
	err = err || mark(s, LAB_MARK_PHASE, LAB_PHASE_JOIN) ||
	      mark(s, LAB_MARK_WORKLOAD_END, 0);
	for (int c = 0; c < NCPUS; c++)
		if (s->cur[c] >= 0)
			s->kt[s->cur[c]].oncpu_ns +=
				s->ts - s->oncpu_since[s->cur[c]];
	if (!err && s->nbuf)
		err = trace_writer_add_events(s->w, s->buf, s->nbuf);
	return err ? -1 : 0;
}

static void sim_free(struct sim *s)
{
	trace_writer_free(s->w);
	free(s->since);
	free(s->oncpu_since);
	free(s->runq);
	free(s->blocked);
	free(s->kt);
	free(s);
}

int synth_trace(const char *path, uint64_t events, int nthreads,
		enum synth_mix mix)
{
	struct lab_trace_info info = {.version = LAB_TRACE_VERSION,
				      .cpu_count = NCPUS,
				      .start_ns = 1000000000};
	struct lab_run_summary sum = {0};
	uint64_t drops[NCPUS] = {0};
	size_t n = (size_t)nthreads;
	struct sim *s;
	int err = -1;

	if (nthreads < 1) {
		errno = EINVAL;
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	s->mix = mix;
	s->nthreads = nthreads;
	/* about 200 epochs over the run: 2 to 3 columns of its timeline */
	s->epoch_ns = events * EVENT_NS / 200;
	s->since = calloc(n, sizeof(*s->since));
	s->oncpu_since = calloc(n, sizeof(*s->oncpu_since));
	s->runq = calloc(n, sizeof(*s->runq));
	s->blocked = calloc(n, sizeof(*s->blocked));
	s->kt = calloc(n, sizeof(*s->kt));
	if (!s->since || !s->oncpu_since || !s->runq || !s->blocked || !s->kt)
		goto out;
	snprintf(info.lab_version, sizeof(info.lab_version), "%s", LAB_VERSION);
	snprintf(info.machine, sizeof(info.machine), "x86_64");
	snprintf(info.workload, sizeof(info.workload), "synthetic-threads");
	snprintf(info.cmdline, sizeof(info.cmdline), "%s",
		 program_invocation_short_name);
	s->ts = info.start_ns;
	s->rnd = 0x9e3779b97f4a7c15ULL;
	s->cur[0] = 0; /* the root runs from the start */
	for (int c = 1; c < NCPUS; c++)
		s->cur[c] = -1;
	for (int i = 0; i < nthreads; i++) {
		s->kt[i].tid = tid_of(i);
		s->kt[i].pid = ROOT;
		s->kt[i].parent_tid = i ? ROOT : 0;
		s->kt[i].start_ns = info.start_ns;
		snprintf(s->kt[i].comm, sizeof(s->kt[i].comm), "worker");
	}
	s->oncpu_since[0] = info.start_ns;
	if (trace_file_open(&s->w, path, &info) || simulate(s, events))
		goto out;
	sum.end_ns = s->ts;
	sum.events = s->events;
	err = trace_writer_finish(s->w, s->kt, n, drops, NCPUS, &sum);
out:
	sim_free(s);
	return err ? -1 : 0;
}
