/* queue_joinable.h - the queue scenario's JoinableQueue, one a model:
 *	processes	a pipe carries the items through the kernel; the
 *			count of unfinished items sits in shared memory under
 *			a process-shared mutex and condition variable
 *	threads		a ring in memory under a mutex and two condition
 *			variables; the same unfinished count, private
 *	coroutines	a channel, which carries each item's id as its
 *			pointer-sized value; the count is a plain integer and
 *			join waits on a second channel
 * The producers' and consumers' calls (put, get, task_done, join) are the
 * same in every model.
 */
#ifndef LAB_QUEUE_JOINABLE_H
#define LAB_QUEUE_JOINABLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "workloads/launch.h"

#define QUEUE_SLOTS 256u /* items the queue holds before put waits */

struct queue_item {
	uint32_t producer;
	uint32_t seq;
	uint64_t check;
};

/* JoinableQueue's count of items put and not yet marked done: the same
 * code for processes (process-shared) and threads (private). */
struct queue_joinable {
	pthread_mutex_t lock;
	pthread_cond_t all_done;
	uint64_t unfinished;
};

/* the threads' queue: a ring of QUEUE_SLOTS items */
struct queue_ring {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	unsigned head, len;
	unsigned producers_left; /* none left and empty: closed */
	struct queue_item slot[QUEUE_SLOTS];
};

/* The head of one anonymous shared mapping, so that forked children
 * write where the root reads; threads and coroutines share it anyway.
 * A seen byte per item follows it. */
struct queue_shared {
	struct queue_joinable joinable;
	struct queue_ring ring;
};

struct queue_run;

struct queue_ops {
	/* 0, or -1 when the queue is broken */
	int (*put)(struct queue_run *r, const struct queue_item *it);
	/* 1 with an item, 0 once the queue is closed and drained, -1 */
	int (*get)(struct queue_run *r, struct queue_item *it);
	void (*task_done)(struct queue_run *r);
	/* waits until every item put so far is done */
	void (*join)(struct queue_run *r);
	/* this producer puts no more; after the last one the queue closes */
	void (*producer_done)(struct queue_run *r);
};

struct queue_run {
	struct launch base;
	const struct queue_ops *ops;
	unsigned producers, consumers;
	unsigned items; /* per producer */
	size_t total;
	struct queue_shared *sh;
	size_t sh_len;
	uint8_t *seen;
	int rd, wr; /* processes: the pipe */
	/* coroutines: the channels and their bookkeeping */
	struct coro_chan *chan, *all_done;
	uint64_t unfinished;
	unsigned joiners, producers_left;
};

uint64_t queue_check(uint32_t producer, uint32_t seq);
/* An item's index over the whole run: its seen byte, its channel value */
size_t queue_id(const struct queue_run *r, const struct queue_item *it);

/* The model's queue, r->ops with it, in r->sh; 0 or an errno value. */
int queue_make(struct queue_run *r);
/* Gives back what queue_make made, made or not (rd, wr -1 before it),
 * r->sh still mapped. */
void queue_free(struct queue_run *r);

#endif /* LAB_QUEUE_JOINABLE_H */
