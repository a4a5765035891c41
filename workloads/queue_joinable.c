/* queue_joinable.c - the queue scenario's JoinableQueue, one a model
 * (see queue_joinable.h) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>
#include "workloads/coro/coro.h"
#include "workloads/queue_joinable.h"

uint64_t queue_check(uint32_t producer, uint32_t seq)
{
	return ((uint64_t)producer << 32 | seq) * 0x9e3779b97f4a7c15ull;
}

size_t queue_id(const struct queue_run *r, const struct queue_item *it)
{
	return (size_t)it->producer * r->items + it->seq;
}

/* ---- the unfinished count of processes and threads ---- */

static int queue_sync_init(pthread_mutex_t *m, pthread_cond_t *const *conds,
			   unsigned nconds, int pshared)
{
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	int err;

	pthread_mutexattr_init(&ma);
	pthread_condattr_init(&ca);
	err = pthread_mutexattr_setpshared(&ma, pshared);
	if (!err)
		err = pthread_condattr_setpshared(&ca, pshared);
	if (!err)
		err = pthread_mutex_init(m, &ma);
	for (unsigned i = 0; !err && i < nconds; i++)
		err = pthread_cond_init(conds[i], &ca);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_destroy(&ca);
	return err;
}

static void queue_joinable_add(struct queue_joinable *j)
{
	pthread_mutex_lock(&j->lock);
	j->unfinished++;
	pthread_mutex_unlock(&j->lock);
}

static void queue_joinable_done(struct queue_joinable *j)
{
	pthread_mutex_lock(&j->lock);
	if (--j->unfinished == 0)
		pthread_cond_broadcast(&j->all_done);
	pthread_mutex_unlock(&j->lock);
}

static void queue_joinable_join(struct queue_joinable *j)
{
	pthread_mutex_lock(&j->lock);
	while (j->unfinished)
		pthread_cond_wait(&j->all_done, &j->lock);
	pthread_mutex_unlock(&j->lock);
}

static void queue_shared_task_done(struct queue_run *r)
{
	queue_joinable_done(&r->sh->joinable);
}

static void queue_shared_join(struct queue_run *r)
{
	queue_joinable_join(&r->sh->joinable);
}

/* ---- processes: a pipe ---- */

static int queue_pipe_put(struct queue_run *r, const struct queue_item *it)
{
	ssize_t n;

	/* counted before it can be got, or a join could see zero early */
	queue_joinable_add(&r->sh->joinable);
	/* at most PIPE_BUF bytes: written whole, never interleaved */
	do
		n = write(r->wr, it, sizeof(*it));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*it) ? 0 : -1;
}

/* Every write is one whole item, so a read of one item gets all of it,
 * or end of file once every producer has closed its end. */
static int queue_pipe_get(struct queue_run *r, struct queue_item *it)
{
	ssize_t n;

	do
		n = read(r->rd, it, sizeof(*it));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(*it))
		return 1;
	return n == 0 ? 0 : -1;
}

static void queue_pipe_producer_done(struct queue_run *r)
{
	close(r->wr);
	r->wr = -1;
}

static const struct queue_ops queue_pipe_ops = {
	.put = queue_pipe_put,
	.get = queue_pipe_get,
	.task_done = queue_shared_task_done,
	.join = queue_shared_join,
	.producer_done = queue_pipe_producer_done,
};

/* ---- threads: a ring under a mutex ---- */

static int queue_ring_put(struct queue_run *r, const struct queue_item *it)
{
	struct queue_ring *q = &r->sh->ring;

	queue_joinable_add(&r->sh->joinable);
	pthread_mutex_lock(&q->lock);
	while (q->len == QUEUE_SLOTS)
		pthread_cond_wait(&q->not_full, &q->lock);
	q->slot[(q->head + q->len) % QUEUE_SLOTS] = *it;
	q->len++;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

static int queue_ring_get(struct queue_run *r, struct queue_item *it)
{
	struct queue_ring *q = &r->sh->ring;
	int got = 0;

	pthread_mutex_lock(&q->lock);
	while (!q->len && q->producers_left)
		pthread_cond_wait(&q->not_empty, &q->lock);
	if (q->len) {
		*it = q->slot[q->head];
		q->head = (q->head + 1) % QUEUE_SLOTS;
		q->len--;
		pthread_cond_signal(&q->not_full);
		got = 1;
	}
	pthread_mutex_unlock(&q->lock);
	return got;
}

static void queue_ring_producer_done(struct queue_run *r)
{
	struct queue_ring *q = &r->sh->ring;

	pthread_mutex_lock(&q->lock);
	if (--q->producers_left == 0)
		pthread_cond_broadcast(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

static const struct queue_ops queue_ring_ops = {
	.put = queue_ring_put,
	.get = queue_ring_get,
	.task_done = queue_shared_task_done,
	.join = queue_shared_join,
	.producer_done = queue_ring_producer_done,
};

/* ---- coroutines: a channel ---- */

/* The channel carries pointer-sized values, so an item travels as its id
 * and nothing is copied on the way: the consumer rebuilds the rest. */
static int queue_chan_put(struct queue_run *r, const struct queue_item *it)
{
	r->unfinished++;
	return coro_chan_send(r->chan, (void *)(uintptr_t)queue_id(r, it)) == 0
		       ? 0
		       : -1;
}

static int queue_chan_get(struct queue_run *r, struct queue_item *it)
{
	void *id;
	int err = coro_chan_recv(r->chan, &id);

	if (err == -EPIPE)
		return 0;
	if (err)
		return -1;
	it->producer = (uint32_t)((uintptr_t)id / r->items);
	it->seq = (uint32_t)((uintptr_t)id % r->items);
	it->check = queue_check(it->producer, it->seq);
	return 1;
}

static void queue_chan_task_done(struct queue_run *r)
{
	if (--r->unfinished)
		return;
	/* wake every joined producer; all_done holds one token per
	 * producer, so these sends never wait */
	while (r->joiners) {
		r->joiners--;
		coro_chan_send(r->all_done, NULL);
	}
}

static void queue_chan_join(struct queue_run *r)
{
	if (!r->unfinished)
		return;
	r->joiners++;
	coro_chan_recv(r->all_done, NULL);
}

static void queue_chan_producer_done(struct queue_run *r)
{
	if (--r->producers_left == 0)
		coro_chan_close(r->chan);
}

static const struct queue_ops queue_chan_ops = {
	.put = queue_chan_put,
	.get = queue_chan_get,
	.task_done = queue_chan_task_done,
	.join = queue_chan_join,
	.producer_done = queue_chan_producer_done,
};

static const struct queue_ops *const queue_ops_of[LAUNCH_MODELS] = {
	[LAUNCH_PROCESSES] = &queue_pipe_ops,
	[LAUNCH_THREADS] = &queue_ring_ops,
	[LAUNCH_COROUTINES] = &queue_chan_ops,
};

/* The model's queue: a pipe one page long (QUEUE_SLOTS items), a ring, or
 * a channel of QUEUE_SLOTS. Returns 0 or an errno value. */
int queue_make(struct queue_run *r)
{
	struct queue_shared *sh = r->sh;
	int err = 0;

	r->ops = queue_ops_of[r->base.model];
	if (r->ops == &queue_pipe_ops || r->ops == &queue_ring_ops) {
		pthread_cond_t *jc[] = {&sh->joinable.all_done};
		int pshared = r->ops == &queue_pipe_ops
				      ? PTHREAD_PROCESS_SHARED
				      : PTHREAD_PROCESS_PRIVATE;

		err = queue_sync_init(&sh->joinable.lock, jc, 1, pshared);
	}
	if (!err && r->ops == &queue_pipe_ops) {
		int fds[2];

		if (pipe2(fds, O_CLOEXEC) != 0)
			return errno;
		r->rd = fds[0];
		r->wr = fds[1];
		/* the kernel frees room a whole page at a time: writers
		 * wait until readers have emptied it */
		if (fcntl(r->wr, F_SETPIPE_SZ,
			  (int)(QUEUE_SLOTS * sizeof(struct queue_item))) < 0)
			return errno;
	} else if (!err && r->ops == &queue_ring_ops) {
		pthread_cond_t *rc[] = {&sh->ring.not_empty,
					&sh->ring.not_full};

		sh->ring.producers_left = r->producers;
		err = queue_sync_init(&sh->ring.lock, rc, 2,
				      PTHREAD_PROCESS_PRIVATE);
	} else if (!err) {
		r->chan = coro_chan_new(QUEUE_SLOTS);
		r->all_done = coro_chan_new(r->producers);
		r->producers_left = r->producers;
		if (!r->chan || !r->all_done)
			return ENOMEM;
	}
	return err;
}

void queue_free(struct queue_run *r)
{
	if (r->sh && r->ops != &queue_chan_ops)
		pthread_mutex_destroy(&r->sh->joinable.lock);
	if (r->sh && r->ops == &queue_ring_ops)
		pthread_mutex_destroy(&r->sh->ring.lock);
	if (r->rd >= 0)
		close(r->rd);
	if (r->wr >= 0)
		close(r->wr);
	r->rd = r->wr = -1;
	coro_chan_free(r->chan);
	coro_chan_free(r->all_done);
	r->chan = r->all_done = NULL;
}
