/* mutex.c - a mutex between the coroutines of one thread.
 *
 * Coroutines of one thread never run at the same time, so the lock only
 * matters across a wait: a holder that sleeps, yields or does IO. Waiters
 * queue in arrival order and unlock hands the mutex straight to the first
 * of them, so a coroutine that comes along later cannot take it first and
 * no waiter starves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "workloads/coro/coro_impl.h"

struct coro_mutex {
	int locked;
	struct coro *holder; /* the thread's main record outside coroutines */
	struct coro_waitq waiters;
	uint64_t contended;
};

struct coro_mutex *coro_mutex_new(void)
{
	return calloc(1, sizeof(struct coro_mutex));
}

void coro_mutex_free(struct coro_mutex *m)
{
	free(m);
}

/* A misuse that would otherwise hang the thread or break exclusion. */
static void misuse(const char *what)
{
	fprintf(stderr, "coro: %s (coroutine %llu)\n", what,
		(unsigned long long)coro_id());
	abort();
}

int coro_mutex_trylock(struct coro_mutex *m)
{
	if (m->locked)
		return -EBUSY;
	m->locked = 1;
	m->holder = coro_sched_get()->current;
	return 0;
}

void coro_mutex_lock(struct coro_mutex *m)
{
	struct coro_sched *s = coro_sched_get();
	struct coro_waiter self;

	if (!m->locked) {
		m->locked = 1;
		m->holder = s->current;
		return;
	}
	if (m->holder == s->current)
		misuse("coro_mutex_lock: the caller already holds the mutex");
	if (!coro_sched_running())
		misuse("coro_mutex_lock outside a coroutine on a held mutex: "
		       "nothing could run to release it");
	m->contended++;
	self.c = s->current;
	coro_waitq_push(&m->waiters, &self);
	/* on return coro_mutex_unlock has made us the holder */
	coro_sched_park(s);
}

void coro_mutex_unlock(struct coro_mutex *m)
{
	struct coro_waiter *w;

	if (!m->locked)
		misuse("coro_mutex_unlock of a mutex nobody holds");
	w = coro_waitq_pop(&m->waiters);
	if (!w) {
		m->locked = 0;
		m->holder = NULL;
		return;
	}
	m->holder = w->c;
	coro_sched_ready(coro_sched_get(), w->c);
}

uint64_t coro_mutex_contended(const struct coro_mutex *m)
{
	return m->contended;
}
