/* timeline.c - each thread's scheduler state over the event stream. */
#include <stdlib.h>
#include <string.h>
#include "timeline.h"

#define NO_RECORD UINT32_MAX

void timeline_init(struct timeline *tl)
{
	memset(tl, 0, sizeof(*tl));
}

void timeline_free(struct timeline *tl)
{
	for (size_t i = 0; i < tl->n; i++)
		samples_free(&tl->threads[i].runq);
	free(tl->threads);
	free(tl->keys);
	free(tl->vals);
	memset(tl, 0, sizeof(*tl));
}

/* tid -> record: open addressing, linear probing; key 0 (the idle task,
 * never a record) marks an empty slot */
static size_t slot_of(const struct timeline *tl, uint32_t tid)
{
	size_t i = (tid * 2654435761u) & (tl->hcap - 1);

	while (tl->keys[i] && tl->keys[i] != tid)
		i = (i + 1) & (tl->hcap - 1);
	return i;
}

static uint32_t lookup(const struct timeline *tl, uint32_t tid)
{
	size_t i;

	if (!tl->hcap)
		return NO_RECORD;
	i = slot_of(tl, tid);
	return tl->keys[i] ? tl->vals[i] - 1 : NO_RECORD;
}

static int map_grow(struct timeline *tl)
{
	size_t ocap = tl->hcap, ncap = ocap ? ocap * 2 : 256;
	uint32_t *okeys = tl->keys, *ovals = tl->vals;

	tl->keys = calloc(ncap, sizeof(*tl->keys));
	tl->vals = calloc(ncap, sizeof(*tl->vals));
	if (!tl->keys || !tl->vals) {
		free(tl->keys);
		free(tl->vals);
		tl->keys = okeys;
		tl->vals = ovals;
		return -1;
	}
	tl->hcap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		if (!okeys[i])
			continue;
		size_t j = slot_of(tl, okeys[i]);

		tl->keys[j] = okeys[i];
		tl->vals[j] = ovals[i];
	}
	free(okeys);
	free(ovals);
	return 0;
}

/* idx NO_RECORD leaves the key in place, naming nothing */
static int map_set(struct timeline *tl, uint32_t tid, uint32_t idx)
{
	size_t i;

	if ((tl->hused + 1) * 2 > tl->hcap && map_grow(tl))
		return -1;
	i = slot_of(tl, tid);
	if (!tl->keys[i]) {
		tl->keys[i] = tid;
		tl->hused++;
	}
	tl->vals[i] = idx == NO_RECORD ? 0 : idx + 1;
	return 0;
}

/* A new record for tid, named by it from now on. */
static uint32_t record_new(struct timeline *tl, uint32_t tid, uint32_t pid,
			   uint64_t ts)
{
	struct tl_thread *t;

	if (tl->n == tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 64;
		struct tl_thread *nt = realloc(tl->threads, cap * sizeof(*nt));

		if (!nt)
			return NO_RECORD;
		tl->threads = nt;
		tl->cap = cap;
	}
	if (tl->n >= NO_RECORD - 1 || map_set(tl, tid, (uint32_t)tl->n))
		return NO_RECORD;
	t = &tl->threads[tl->n];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->pid = pid;
	t->state = TL_UNKNOWN;
	t->since = t->start_ns = t->last_ns = ts;
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

static void enter(struct tl_thread *t, enum tl_state s, uint64_t ts)
{
	t->state = s;
	t->since = ts;
}

/* ts - since, or 0 when the events arrived out of order */
static uint64_t elapsed(const struct tl_thread *t, uint64_t ts)
{
	return ts > t->since ? ts - t->since : 0;
}

static int on_switch(struct timeline *tl, const struct lab_event *ev)
{
	uint32_t pi = NO_RECORD, ni = NO_RECORD;

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

		if (p->state == TL_RUNNING)
			p->counts.oncpu_ns += elapsed(p, ev->ts);
		if ((ev->flags & LAB_SWITCH_PREEMPT) || ev->value == 0) {
			p->counts.involuntary_switches++;
			enter(p, TL_RUNNABLE, ev->ts);
		} else {
			p->counts.voluntary_switches++;
			if (ev->value == LAB_TASK_DEAD) {
				enter(p, TL_DEAD, ev->ts);
				p->end_ns = ev->ts;
			} else {
				enter(p, TL_BLOCKED, ev->ts);
			}
		}
	}
	if (ni != NO_RECORD) {
		struct tl_thread *n = &tl->threads[ni];

		if (n->state == TL_RUNNABLE) {
			uint64_t wait = elapsed(n, ev->ts);

			n->counts.runq_wait_ns += wait;
			n->counts.runq_count++;
			if (samples_add(&n->runq, wait))
				return -1;
		}
		enter(n, TL_RUNNING, ev->ts);
	}
	return 0;
}

static int on_wakeup(struct timeline *tl, const struct lab_event *ev)
{
	uint32_t i = record_of(tl, ev->tid, ev->pid, ev->ts);
	struct tl_thread *t;

	if (i == NO_RECORD)
		return -1;
	t = &tl->threads[i];
	t->tracked = true;
	if (ev->type == LAB_EV_WAKEUP)
		t->counts.wakeups++;
	/* waking a running or runnable thread changes nothing */
	if (t->state == TL_UNKNOWN || t->state == TL_NEW ||
	    t->state == TL_BLOCKED)
		enter(t, TL_RUNNABLE, ev->ts);
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

		o->end_ns = o->last_ns;
		enter(o, TL_DEAD, o->last_ns);
	}
	ci = record_new(tl, ev->other_tid, ev->other_pid, ev->ts);
	if (ci == NO_RECORD)
		return -1;
	c = &tl->threads[ci];
	c->parent_tid = ev->tid;
	c->forked = c->tracked = true;
	enter(c, TL_NEW, ev->ts);
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

static int on_subject(struct timeline *tl, const struct lab_event *ev)
{
	uint32_t i = record_of(tl, ev->tid, ev->pid, ev->ts);
	struct tl_thread *t;

	if (i == NO_RECORD)
		return -1;
	t = &tl->threads[i];
	t->tracked = true;
	if (ev->type == LAB_EV_EXIT) {
		t->exited = true;
	} else if (ev->type == LAB_EV_MARK &&
		   ev->aux == LAB_MARK_CORO_SWITCHES) {
		t->counts.user_switches += ev->value;
		tl->marker_user_switches += ev->value;
	}
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
		err = on_subject(tl, ev);
		break;
	default: /* a newer writer's event type: nothing to learn here */
		break;
	}
	if (err)
		tl->oom = true;
	return err;
}
