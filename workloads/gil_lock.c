/* gil_lock.c - the gil scenario's interpreter lock (see gil_lock.h) */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "workloads/gil_lock.h"
#include "workloads/tasks.h"

struct gil gil;

_Static_assert(offsetof(struct gil, lock) == 0, "the lock starts gil");

/* Globals of their own rather than members of gil, so that a trace names
 * each futex word for what it is. */
static pthread_cond_t gil_cond;	       /* the GIL was let go */
static pthread_cond_t gil_switch_cond; /* the GIL was taken */
static pthread_mutex_t gil_switch_mutex;
static int gil_made;

/* A waiter's deadline is on CLOCK_MONOTONIC, as CPython's. */
int gil_lock_make(struct gil *g, const char *name)
{
	pthread_condattr_t attr;
	int err;

	g->locked = 0;
	g->holder = -1;
	g->switches = 0;
	g->drop_request = 0;
	pthread_condattr_init(&attr);
	err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!err)
		err = pthread_cond_init(&gil_cond, &attr);
	pthread_condattr_destroy(&attr);
	if (!err && (err = pthread_cond_init(&gil_switch_cond, NULL)) != 0)
		pthread_cond_destroy(&gil_cond);
	if (!err && (err = pthread_mutex_init(&gil_switch_mutex, NULL)) != 0) {
		pthread_cond_destroy(&gil_switch_cond);
		pthread_cond_destroy(&gil_cond);
	}
	if (err) {
		fprintf(stderr, "%s: making the GIL: %s\n", name,
			strerror(err));
		return -1;
	}
	gil_made = 1;
	return 0;
}

void gil_lock_free(void)
{
	if (!gil_made)
		return;
	pthread_mutex_destroy(&gil_switch_mutex);
	pthread_cond_destroy(&gil_switch_cond);
	pthread_cond_destroy(&gil_cond);
	gil_made = 0;
}

/* Who took it; under the lock. */
static void gil_taken(struct gil *g, unsigned id, struct gil_counts *c)
{
	c->takes++;
	if (g->holder == (int)id)
		return;
	if (g->holder >= 0)
		c->taken_over++;
	g->holder = (int)id;
	g->switches++;
}

void gil_take(struct gil *g, unsigned id, struct gil_counts *c)
{
	pthread_mutex_lock(&g->lock.mutex);
	if (g->locked)
		c->waits++;
	while (g->locked) {
		uint64_t seen = g->switches;
		uint64_t until =
			tasks_clock_ns(CLOCK_MONOTONIC) + GIL_INTERVAL_NS;
		struct timespec ts = {.tv_sec = (time_t)(until / 1000000000),
				      .tv_nsec = (long)(until % 1000000000)};

		/* a whole interval without a change of hands: ask */
		if (pthread_cond_timedwait(&gil_cond, &g->lock.mutex, &ts) ==
			    ETIMEDOUT &&
		    g->locked && g->switches == seen) {
			__atomic_store_n(&g->drop_request, 1, __ATOMIC_RELAXED);
			c->requests++;
		}
	}
	/* the holder changes under the switch mutex: see gil_drop */
	pthread_mutex_lock(&gil_switch_mutex);
	g->locked = 1;
	gil_taken(g, id, c);
	pthread_cond_signal(&gil_switch_cond);
	pthread_mutex_unlock(&gil_switch_mutex);
	__atomic_store_n(&g->drop_request, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&g->lock.mutex);
}

int gil_asked(const struct gil *g)
{
	return __atomic_load_n(&g->drop_request, __ATOMIC_RELAXED);
}

/* Without the wait, the thread that lets go, still running, would take
 * the GIL back before the one it woke has been scheduled. */
void gil_drop(struct gil *g, unsigned id, int last)
{
	pthread_mutex_lock(&g->lock.mutex);
	g->locked = 0;
	pthread_cond_signal(&gil_cond);
	pthread_mutex_unlock(&g->lock.mutex);
	if (last || !gil_asked(g))
		return;
	pthread_mutex_lock(&gil_switch_mutex);
	if (g->holder == (int)id) {
		__atomic_store_n(&g->drop_request, 0, __ATOMIC_RELAXED);
		pthread_cond_wait(&gil_switch_cond, &gil_switch_mutex);
	}
	pthread_mutex_unlock(&gil_switch_mutex);
}

/* A try first, only to count the takes that had to wait; the lock call
 * does the waiting. */
void gil_plain_take(struct gil *g, unsigned id, struct gil_counts *c)
{
	if (launch_lock_try(&g->lock) != 0) {
		c->waits++;
		launch_lock_take(&g->lock);
	}
	gil_taken(g, id, c);
}

void gil_plain_drop(struct gil *g)
{
	launch_lock_give(&g->lock);
}
