/* chan.c - channels: a bounded FIFO of pointers between the coroutines of
 * one thread.
 *
 * A coroutine that must wait parks on the channel's queue of senders or
 * of receivers, in arrival order, with a waiter record on its own stack.
 * Whoever makes progress possible finishes the waiter's operation for it
 * (hands its item over, or moves it into the buffer) before making it
 * ready, so a woken coroutine never has to try again and no later arrival
 * can overtake it. Two invariants follow: receivers wait only while the
 * buffer is empty, senders only while it is full (always, at capacity 0).
 */
#include <errno.h>
#include <stdlib.h>
#include "workloads/coro/coro_impl.h"

struct coro_chan {
	size_t cap;
	size_t head; /* oldest buffered item */
	size_t len;  /* buffered items */
	int closed;
	struct coro_waitq senders, receivers;
	void *slot[]; /* cap items, a ring */
};

struct coro_chan *coro_chan_new(size_t capacity)
{
	struct coro_chan *c;

	if (capacity > (SIZE_MAX - sizeof(*c)) / sizeof(c->slot[0])) {
		errno = ENOMEM;
		return NULL;
	}
	c = calloc(1, sizeof(*c) + capacity * sizeof(c->slot[0]));
	if (c)
		c->cap = capacity;
	return c;
}

/* Waiters still parked get -EPIPE; they touch only their own waiter
 * record when they resume, so the channel may go away first. */
void coro_chan_free(struct coro_chan *c)
{
	if (!c)
		return;
	coro_chan_close(c);
	free(c);
}

static void finish(struct coro_waiter *w, int status)
{
	w->status = status;
	coro_sched_ready(coro_sched_get(), w->c);
}

/* Parks the running coroutine on q; returns its waiter's status. */
static int wait_on(struct coro_waitq *q, struct coro_waiter *w)
{
	struct coro_sched *s = coro_sched_get();

	/* on the thread's own stack nothing else can run to wake us */
	if (!coro_sched_running())
		return -EDEADLK;
	w->c = s->current;
	w->status = 0;
	coro_waitq_push(q, w);
	coro_sched_park(s);
	return w->status;
}

int coro_chan_send(struct coro_chan *c, void *item)
{
	struct coro_waiter *r, self;
	int err;

	if (!c)
		return -EINVAL;
	if (c->closed)
		return -EPIPE;
	r = coro_waitq_pop(&c->receivers);
	if (r) {
		r->item = item;
		finish(r, 1);
		return 0;
	}
	if (c->len < c->cap) {
		size_t tail = c->head + c->len;

		c->slot[tail < c->cap ? tail : tail - c->cap] = item;
		c->len++;
		return 0;
	}
	self.item = item;
	err = wait_on(&c->senders, &self);
	return err > 0 ? 0 : err;
}

int coro_chan_recv(struct coro_chan *c, void **item)
{
	struct coro_waiter *w, self;
	void *got;
	int err;

	if (!c)
		return -EINVAL;
	if (c->len) {
		got = c->slot[c->head];
		c->head = c->head + 1 < c->cap ? c->head + 1 : 0;
		c->len--;
		/* the buffer was full: the oldest sender's item takes the
		 * freed place, behind everything already buffered */
		w = coro_waitq_pop(&c->senders);
		if (w) {
			size_t tail = c->head + c->len;

			c->slot[tail < c->cap ? tail : tail - c->cap] = w->item;
			c->len++;
			finish(w, 1);
		}
	} else if ((w = coro_waitq_pop(&c->senders))) {
		/* capacity 0: take it straight from the sender */
		got = w->item;
		finish(w, 1);
	} else if (c->closed) {
		return -EPIPE;
	} else {
		err = wait_on(&c->receivers, &self);
		if (err <= 0)
			return err;
		got = self.item;
	}
	if (item)
		*item = got;
	return 0;
}

void coro_chan_close(struct coro_chan *c)
{
	struct coro_waiter *w;

	if (!c)
		return;
	c->closed = 1;
	/* receivers wait only on an empty buffer: nothing left for them */
	while ((w = coro_waitq_pop(&c->receivers)))
		finish(w, -EPIPE);
	/* a parked send has not happened; it fails like a later one */
	while ((w = coro_waitq_pop(&c->senders)))
		finish(w, -EPIPE);
}
