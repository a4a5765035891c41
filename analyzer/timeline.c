/* timeline.c - each thread's scheduler state over the event stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/array.h"
#include "analyzer/timeline.h"

#define NO_RECORD UINT32_MAX

void timeline_init(struct timeline *tl, enum sys_abi abi)
{
	memset(tl, 0, sizeof(*tl));
	tl->abi = abi;
}

void timeline_free(struct timeline *tl)
{
	for (size_t i = 0; i < tl->n; i++)
		stats_fine_free(&tl->threads[i].runq);
	free(tl->threads);
	free(tl->tids);
	hash_free(&tl->tid_index);
	locks_free(&tl->user_locks);
	locks_free(&tl->kernel_locks);
	wakeups_free(&tl->wakeups);
	phases_free(&tl->phases);
	memset(tl, 0, sizeof(*tl));
}

/* A tid and the record it names now: NO_RECORD once it names none. */
struct tl_tid {
	uint32_t tid, rec;
};

static bool same_tid(const void *tids, size_t i, const void *tid)
{
	return ((const struct tl_tid *)tids)[i].tid == *(const uint32_t *)tid;
}

static size_t tid_slot(const struct timeline *tl, uint32_t tid)
{
	return hash_find(&tl->tid_index, hash_mix(tid), same_tid, tl->tids,
			 &tid);
}

static uint32_t lookup(const struct timeline *tl, uint32_t tid)
{
	size_t i = tid_slot(tl, tid);

	return i == HASH_NONE ? NO_RECORD : tl->tids[i].rec;
}

uint32_t timeline_record(const struct timeline *tl, uint32_t tid)
{
	return lookup(tl, tid);
}

/* idx NO_RECORD leaves tid naming nothing */
static int map_set(struct timeline *tl, uint32_t tid, uint32_t idx)
{
	size_t i = tid_slot(tl, tid);

	if (i == HASH_NONE) {
		i = tl->ntids;
		if (ARRAY_GROW(tl->tids, tl->captids, i + 1) ||
		    hash_add(&tl->tid_index, hash_mix(tid), i))
			return -1;
		tl->tids[tl->ntids++].tid = tid;
	}
	tl->tids[i].rec = idx;
	return 0;
}

/* A new record for tid, named by it from now on. */
static uint32_t record_new(struct timeline *tl, uint32_t tid, uint32_t pid,
			   uint64_t ts)
{
	struct tl_thread *t;

	if (ARRAY_GROW(tl->threads, tl->cap, tl->n + 1) ||
	    tl->n >= NO_RECORD - 1 || map_set(tl, tid, (uint32_t)tl->n))
		return NO_RECORD;
	t = &tl->threads[tl->n];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->pid = pid;
	t->state = TL_UNKNOWN;
	t->wait_edge = -1;
	t->since = t->start_ns = t->last_ns = t->clock = ts;
	return (uint32_t)tl->n++;
}

/* The record tid names now; a dead thread's tid names a new thread (the
 * kernel reused it). */
static uint32_t record_of(struct timeline *tl, uint32_t tid, uint32_t pid,
			  uint64_t ts)
{
	uint32_t idx = lookup(tl, tid);

	if (idx == NO_RECORD || tl->threads[idx].state == TL_DEAD)
		idx = record_new(tl, tid, pid, ts);
	if (idx != NO_RECORD && ts > tl->threads[idx].last_ns)
		tl->threads[idx].last_ns = ts;
	return idx;
}

/* ts - since, or 0 when the events arrived out of order */
static uint64_t elapsed(const struct tl_thread *t, uint64_t ts)
{
	return ts > t->since ? ts - t->since : 0;
}

/* Time in state: the time from t->clock to ts goes to the state t is in,
 * and to the interval listener if any. A dead thread's life is over:
 * nothing more is charged. */
static void charge(struct timeline *tl, struct tl_thread *t, uint64_t ts)
{
	uint64_t d;

	if (ts <= t->clock || t->state == TL_DEAD)
		return;
	d = ts - t->clock;
	if (tl->on_interval)
		tl->on_interval(tl->interval_ctx, (uint32_t)(t - tl->threads),
				t, t->clock, ts);
	t->clock = ts;
	switch (t->state) {
	case TL_UNKNOWN:
		t->unknown_ns += d;
		break;
	case TL_NEW:
		t->times.new_ns += d;
		break;
	case TL_RUNNABLE:
		t->times.runnable_ns += d;
		break;
	case TL_RUNNING:
		t->times.oncpu_ns += d;
		break;
	case TL_BLOCKED:
		t->times.offcpu_ns[t->why] += d;
		break;
	case TL_DEAD:
		break;
	}
}

/* The time an UNKNOWN thread spent, now known to be in state was. */
static void place_unknown(struct tl_thread *t, enum tl_state was)
{
	uint64_t d = t->unknown_ns;

	t->unknown_ns = 0;
	switch (was) {
	case TL_NEW:
		t->times.new_ns += d;
		break;
	case TL_RUNNABLE:
		t->times.runnable_ns += d;
		break;
	case TL_BLOCKED:
		t->times.offcpu_ns[OFFCPU_UNKNOWN] += d;
		break;
	default:
		t->times.oncpu_ns += d;
		break;
	}
}

/* A blocked interval ends (at t->clock): a futex wait goes to its lock,
 * private words per process, shared ones by address alone. */
static int end_block(struct timeline *tl, struct tl_thread *t)
{
	bool shared = !(t->futex_op & FUTEX_PRIVATE_FLAG);
	uint64_t wait = t->clock - t->blocked_at;

	if (!t->futex_wait)
		return 0;
	t->futex_wait = false;
	/* the waiting commands are all below 32 (locks_futex_op_waits) */
	return locks_add(&tl->user_locks, t->futex_addr, shared ? 0 : t->pid,
			 shared, 1u << (t->futex_op & 31),
			 t->futex_kind == LOCK_KIND_JOIN, t->tid, wait);
}

/* t enters s at ts. was: the state this move proves an UNKNOWN thread
 * was in. */
static int move(struct timeline *tl, struct tl_thread *t, enum tl_state s,
		uint64_t ts, enum tl_state was)
{
	int err = 0;

	charge(tl, t, ts);
	if (t->state == TL_UNKNOWN)
		place_unknown(t, was);
	if (t->state == TL_BLOCKED)
		err = end_block(tl, t);
	t->state = s;
	t->since = ts;
	return err;
}

/* The thread blocks at t->clock: why, from the BLOCK stamped with its
 * switch at ts. */
static void start_block(struct timeline *tl, struct tl_thread *t, uint64_t ts)
{
	bool announced = t->block_pending && t->block_ts == ts;

	t->why = announced ? offcpu_reason_of(tl->abi, t->block_nr)
			   : OFFCPU_NO_SYSCALL;
	t->blocked_at = t->clock;
	t->futex_wait = announced && offcpu_is_futex(tl->abi, t->block_nr) &&
			locks_futex_op_waits(t->block_op);
	t->futex_addr = t->block_arg;
	t->futex_op = t->block_op;
	t->futex_kind = locks_kind(
		1u << (t->futex_op & 31),
		locks_is_join_word(&tl->user_locks, t->pid, t->futex_addr));
}

/* Record pi was preempted by the switch's next task (record ni): the
 * edge its run-queue wait goes to, or -2 when out of memory. */
static long preempted(struct timeline *tl, uint32_t pi,
		      const struct lab_event *ev, uint32_t ni)
{
	struct wk_party p =
		wakeups_party(&tl->wakeups, ev->other_tid, ev->other_pid,
			      ni == NO_RECORD ? WAKEUPS_NO_REC : ni);
	long e;

	/* a CPU left idle by a preemption: nothing took it */
	if (!ev->other_tid)
		snprintf(p.comm, sizeof(p.comm), "idle");
	e = wakeups_add(&tl->wakeups, pi, true, &p);
	return e < 0 ? -2 : e;
}

static int on_switch(struct timeline *tl, const struct lab_event *ev)
{
	uint32_t pi = NO_RECORD, ni = NO_RECORD;
	int err = 0;

	/* both records first: creating one may move the other */
	if (ev->tid) {
		pi = record_of(tl, ev->tid, ev->pid, ev->ts);
		if (pi == NO_RECORD)
			return -1;
	}
	if (ev->other_tid) {
		ni = record_of(tl, ev->other_tid, ev->other_pid, ev->ts);
		if (ni == NO_RECORD)
			return -1;
	}
	if (pi != NO_RECORD) {
		struct tl_thread *p = &tl->threads[pi];
		bool voluntary = !(ev->flags & LAB_SWITCH_PREEMPT) && ev->value;

		if (p->state == TL_RUNNING)
			p->counts.oncpu_ns += elapsed(p, ev->ts);
		p->wait_edge = -1;
		if (!voluntary) {
			p->counts.involuntary_switches++;
			err |= move(tl, p, TL_RUNNABLE, ev->ts, TL_RUNNING);
			p->wait_edge = preempted(tl, pi, ev, ni);
			err |= p->wait_edge == -2;
		} else if (ev->value == LAB_TASK_DEAD) {
			p->counts.voluntary_switches++;
			err |= move(tl, p, TL_DEAD, ev->ts, TL_RUNNING);
			p->end_ns = p->clock;
			err |= phases_thread_end(&tl->phases, p->tid,
						 p->end_ns);
		} else {
			p->counts.voluntary_switches++;
			err |= move(tl, p, TL_BLOCKED, ev->ts, TL_RUNNING);
			start_block(tl, p, ev->ts);
		}
		p->block_pending = false;
		err |= phases_switch(&tl->phases, ev->ts, pi, voluntary);
	}
	if (ni != NO_RECORD) {
		struct tl_thread *n = &tl->threads[ni];

		if (n->state == TL_RUNNABLE) {
			uint64_t wait = elapsed(n, ev->ts);

			n->counts.runq_wait_ns += wait;
			n->counts.runq_count++;
			err |= stats_fine_add(&n->runq, wait);
			wakeups_add_wait(&tl->wakeups, n->wait_edge, wait);
			if (n->handoff)
				err |= locks_add_handoff(
					&tl->user_locks, n->handoff_addr,
					n->handoff_pid, n->handoff_shared,
					wait);
		}
		n->handoff = false;
		n->wait_edge = -1;
		if (!n->ran) {
			n->ran = true;
			n->first_run_ns = ev->ts;
		}
		err |= move(tl, n, TL_RUNNING, ev->ts, TL_RUNNABLE);
	}
	return err ? -1 : 0;
}

static int on_wakeup(struct timeline *tl, const struct lab_event *ev)
{
	uint32_t i = record_of(tl, ev->tid, ev->pid, ev->ts);
	struct tl_thread *t;
	long edge = -1;

	if (i == NO_RECORD)
		return -1;
	t = &tl->threads[i];
	t->tracked = true;
	if (ev->type == LAB_EV_WAKEUP) {
		uint32_t wr = lookup(tl, ev->other_tid);
		struct wk_party p = wakeups_party(
			&tl->wakeups, ev->other_tid, ev->other_pid,
			wr == NO_RECORD ? WAKEUPS_NO_REC : wr);

		t->counts.wakeups++;
		edge = wakeups_add(&tl->wakeups, i, false, &p);
		if (edge < 0)
			return -1;
	}
	/* a waiter on a futex word woken by another thread: a hand-off */
	if (t->state == TL_BLOCKED && t->futex_wait &&
	    t->futex_kind != LOCK_KIND_JOIN && ev->type == LAB_EV_WAKEUP &&
	    ev->other_tid && ev->other_tid != t->tid) {
		t->handoff = true;
		t->handoff_shared = !(t->futex_op & FUTEX_PRIVATE_FLAG);
		t->handoff_pid = t->handoff_shared ? 0 : t->pid;
		t->handoff_addr = t->futex_addr;
	}
	/* waking a running or runnable thread changes nothing */
	if (t->state == TL_UNKNOWN || t->state == TL_NEW ||
	    t->state == TL_BLOCKED) {
		t->wait_edge = edge;
		return move(tl, t, TL_RUNNABLE, ev->ts,
			    ev->type == LAB_EV_WAKEUP_NEW ? TL_NEW
							  : TL_BLOCKED);
	}
	return 0;
}

static int on_fork(struct timeline *tl, const struct lab_event *ev)
{
	uint32_t pi = record_of(tl, ev->tid, ev->pid, ev->ts), ci, old;
	struct tl_thread *c;

	if (pi == NO_RECORD)
		return -1;
	tl->threads[pi].tracked = true;
	if (!ev->other_tid)
		return 0;
	/* a fork always starts a thread: a record the child's tid still
	 * names belongs to an earlier thread whose end was not seen */
	old = lookup(tl, ev->other_tid);
	if (old != NO_RECORD && tl->threads[old].state != TL_DEAD) {
		struct tl_thread *o = &tl->threads[old];

		if (move(tl, o, TL_DEAD, o->last_ns, TL_RUNNING))
			return -1;
		o->end_ns = o->clock;
		if (phases_thread_end(&tl->phases, o->tid, o->end_ns))
			return -1;
	}
	ci = record_new(tl, ev->other_tid, ev->other_pid, ev->ts);
	if (ci == NO_RECORD)
		return -1;
	c = &tl->threads[ci];
	wakeups_forget(&tl->wakeups, ev->other_tid);
	c->parent_tid = ev->tid;
	c->forked = c->tracked = true;
	c->is_thread = ev->other_pid == ev->pid;
	c->state = TL_NEW;
	if (ev->value &&
	    locks_add_join_word(&tl->user_locks, ev->other_pid, ev->value))
		return -1;
	return 0;
}

/* A non-leader thread that execs takes over the leader's tid, and the
 * leader, if not yet gone, the exec'ing thread's (the kernel swaps them). */
static int on_exec(struct timeline *tl, const struct lab_event *ev)
{
	uint32_t old_tid = ev->other_tid ? ev->other_tid : ev->tid;
	uint32_t xi = record_of(tl, old_tid, ev->pid, ev->ts), li;

	if (xi == NO_RECORD)
		return -1;
	tl->threads[xi].tracked = true;
	tl->threads[xi].pid = ev->pid;
	if (old_tid == ev->tid)
		return 0;
	li = lookup(tl, ev->tid);
	if (map_set(tl, old_tid, li) || map_set(tl, ev->tid, xi))
		return -1;
	tl->threads[xi].tid = ev->tid;
	return 0;
}

/* Events only a tracked thread produces, about itself. */
static int on_subject(struct timeline *tl, const struct lab_event *ev)
{
	uint32_t i = record_of(tl, ev->tid, ev->pid, ev->ts);
	struct tl_thread *t;

	if (i == NO_RECORD)
		return -1;
	t = &tl->threads[i];
	t->tracked = true;
	switch (ev->type) {
	case LAB_EV_EXIT:
		t->exited = true;
		return phases_thread_end(&tl->phases, t->tid, ev->ts);
	case LAB_EV_MARK:
		if (ev->aux == LAB_MARK_CORO_SWITCHES) {
			t->counts.user_switches += ev->value;
			tl->marker_user_switches += ev->value;
		}
		if (ev->aux == LAB_MARK_WORKLOAD_START && !tl->marked_tasks)
			tl->marked_tasks = ev->value;
		if (ev->aux >= LAB_MARK_RESULT &&
		    ev->aux < LAB_MARK_RESULT + LAB_NRESULTS) {
			tl->results[ev->aux - LAB_MARK_RESULT] = ev->value;
			tl->results_known |= 1u << (ev->aux - LAB_MARK_RESULT);
		}
		return phases_mark(&tl->phases, ev);
	case LAB_EV_BLOCK:
		t->block_pending = true;
		t->block_ts = ev->ts;
		t->block_nr = ev->aux;
		t->block_arg = ev->value;
		t->block_op = ev->other_tid;
		break;
	case LAB_EV_MIGRATE:
		t->counts.migrations++;
		break;
	case LAB_EV_LOCK_BEGIN:
		/* a nested or repeated begin restarts the wait, as the
		 * kernel's counter does */
		t->klock_open = true;
		t->klock_since = ev->ts;
		break;
	case LAB_EV_LOCK_END: {
		uint64_t wait =
			ev->ts > t->klock_since ? ev->ts - t->klock_since : 0;

		/* an end without a begin is not timed, by the kernel either */
		if (!t->klock_open)
			break;
		t->klock_open = false;
		t->counts.klock_wait_ns += wait;
		t->counts.klock_count++;
		return locks_add(&tl->kernel_locks, ev->value, 0, false, 0,
				 false, t->tid, wait);
	}
	}
	return 0;
}

int timeline_close(struct timeline *tl, struct tl_thread *t, uint64_t end)
{
	charge(tl, t, end);
	/* only a running thread produces the events that name it without
	 * moving it (markers, forks, syscalls, locks) */
	if (t->state == TL_UNKNOWN)
		place_unknown(t, TL_RUNNING);
	if (t->state == TL_BLOCKED)
		return end_block(tl, t);
	return 0;
}

int timeline_event(struct timeline *tl, const struct lab_event *ev)
{
	int err = 0;

	if (ev->ts > tl->last_ns)
		tl->last_ns = ev->ts;
	tl->events++;
	/* only a switch may name the idle task (tid 0), never a record */
	if (!ev->tid && ev->type != LAB_EV_SWITCH)
		return 0;
	switch (ev->type) {
	case LAB_EV_SWITCH:
		err = on_switch(tl, ev);
		break;
	case LAB_EV_WAKEUP:
	case LAB_EV_WAKEUP_NEW:
		err = on_wakeup(tl, ev);
		break;
	case LAB_EV_FORK:
		err = on_fork(tl, ev);
		break;
	case LAB_EV_EXEC:
		err = on_exec(tl, ev);
		break;
	case LAB_EV_EXIT:
	case LAB_EV_MARK:
	case LAB_EV_BLOCK:
	case LAB_EV_MIGRATE:
	case LAB_EV_LOCK_BEGIN:
	case LAB_EV_LOCK_END:
		err = on_subject(tl, ev);
		break;
	case LAB_EV_TASK:
		err = wakeups_name(&tl->wakeups, ev);
		break;
	default: /* a newer writer's event type: nothing to learn here */
		break;
	}
	if (err)
		tl->oom = true;
	return err;
}
