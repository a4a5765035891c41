/* queue.c - the queue scenario: producers and consumers through a bounded
 * queue with task_done and join, the seed's JoinableQueue.
 *
 * P producers each put `ops` items, then join: they wait until every item
 * put so far has been marked done. P consumers get items, check them, mark
 * them seen and call task_done. When the last producer is through, the
 * queue is closed and the consumers stop. Every item must be consumed
 * exactly once, and no producer's join may return before all of its own
 * items were handled.
 *
 * queue_produce() and queue_consume() are the job, the same code in every
 * model; launch.c starts the tasks, from the queue_<model>_run() functions
 * at the end, consumers first: a producer with nobody to take its items
 * would wait for ever. What differs is the queue under them:
 *	processes	a pipe carries the items through the kernel, as in
 *			Python's multiprocessing queue; the count of
 *			unfinished items sits in shared memory under a
 *			process-shared mutex and condition variable
 *	threads		a ring in memory under a mutex and two condition
 *			variables; the same unfinished count, private
 *	coroutines	a channel, which carries each item's id as its
 *			pointer-sized value; the count is a plain integer
 *			and join waits on a second channel
 * The pipe costs a system call for every put and get, the ring a futex
 * call only when someone must wait or be woken, the channel none at all.
 * Unlike Python's queue, nothing is pickled and no feeder thread writes
 * the pipe: a put is one write(2) of 16 bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "coro.h"
#include "launch.h"
#include "queue.h"

#define QUEUE_PRODUCERS 2	/* and as many consumers */
#define QUEUE_ITEMS	1000000 /* per producer */
#define QUEUE_SLOTS	256u	/* items the queue holds before put waits */
#define QUEUE_MAX_TASKS 1000u
#define QUEUE_MAX_TOTAL (1u << 30) /* items in all, one seen byte each */

struct queue_item {
	uint32_t producer;
	uint32_t seq;
	uint64_t check;
};

/* A task's slot: what it did. The consumers are tasks 0..P-1, started
 * first; the producers P..2P-1. base.failed: a queue call failed. */
struct queue_task {
	struct launch_task base;
	uint64_t items; /* put by a producer, got by a consumer */
	uint64_t sum;	/* of the checks a consumer got */
	uint64_t bad;	/* items a consumer got damaged */
	uint64_t early; /* a producer's items not yet seen when join returned */
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

static uint64_t queue_check(uint32_t producer, uint32_t seq)
{
	return ((uint64_t)producer << 32 | seq) * 0x9e3779b97f4a7c15ull;
}

static size_t queue_id(const struct queue_run *r, const struct queue_item *it)
{
	return (size_t)it->producer * r->items + it->seq;
}

/* ---- the job, the same in every model ---- */

/* Puts this producer's items, then joins. When join returns, every item
 * it put must have been seen by a consumer: JoinableQueue's promise. */
static void queue_produce(struct queue_run *r, unsigned p)
{
	struct queue_task *t = launch_slot(&r->base, r->consumers + p);
	const uint8_t *seen = r->seen + (size_t)p * r->items;

	for (uint32_t seq = 0; seq < r->items; seq++) {
		struct queue_item it = {p, seq, queue_check(p, seq)};

		if (r->ops->put(r, &it) != 0) {
			t->base.failed = 1;
			break;
		}
		t->items++;
	}
	r->ops->join(r);
	for (uint64_t seq = 0; seq < t->items; seq++)
		if (!__atomic_load_n(&seen[seq], __ATOMIC_RELAXED))
			t->early++;
	r->ops->producer_done(r);
}

/* Gets items until the queue is closed; marks each one seen before
 * task_done, so that a join that returns finds it marked. */
static void queue_consume(struct queue_run *r, unsigned c)
{
	struct queue_task *t = launch_slot(&r->base, c);
	struct queue_item it;
	int got;

	while ((got = r->ops->get(r, &it)) == 1) {
		t->items++;
		if (it.producer < r->producers && it.seq < r->items &&
		    it.check == queue_check(it.producer, it.seq)) {
			/* atomic: an item delivered twice must count twice */
			__atomic_fetch_add(&r->seen[queue_id(r, &it)], 1,
					   __ATOMIC_RELAXED);
			t->sum += it.check;
		} else {
			t->bad++;
		}
		r->ops->task_done(r);
	}
	if (got < 0)
		t->base.failed = 1;
}

/* A task is a consumer or a producer by its id. */
static void queue_job(struct launch_task *t)
{
	struct queue_run *r = (struct queue_run *)t->run;

	if (t->id < r->consumers)
		queue_consume(r, t->id);
	else
		queue_produce(r, t->id - r->consumers);
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

/* ---- setting up, checking, tearing down ---- */

static const struct queue_ops *const queue_ops_of[LAUNCH_MODELS] = {
	[LAUNCH_PROCESSES] = &queue_pipe_ops,
	[LAUNCH_THREADS] = &queue_ring_ops,
	[LAUNCH_COROUTINES] = &queue_chan_ops,
};

static void queue_teardown(struct launch *l)
{
	struct queue_run *r = (struct queue_run *)l;

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
	if (r->sh)
		munmap(r->sh, r->sh_len);
	r->sh = NULL;
}

/* The model's queue: a pipe one page long (QUEUE_SLOTS items), a ring, or
 * a channel of QUEUE_SLOTS. Returns 0 or an errno value. */
static int queue_make(struct queue_run *r)
{
	struct queue_shared *sh = r->sh;
	int err = 0;

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

/* P producers and as many consumers, each producer's items. */
static int queue_prepare(struct launch *l, const struct workload_params *p)
{
	struct queue_run *r = (struct queue_run *)l;

	r->rd = r->wr = -1;
	r->ops = queue_ops_of[l->model];
	r->producers = r->consumers = l->n;
	r->items = p->ops ? p->ops : QUEUE_ITEMS;
	if (r->producers > QUEUE_MAX_TASKS / 2 ||
	    (uint64_t)r->producers * r->items > QUEUE_MAX_TOTAL) {
		fprintf(stderr,
			"%s: %u producers of %u items: at most %u producers "
			"and %u items in all\n",
			l->name, r->producers, r->items, QUEUE_MAX_TASKS / 2,
			QUEUE_MAX_TOTAL);
		return -1;
	}
	r->total = (size_t)r->producers * r->items;
	l->n = r->producers + r->consumers;
	l->ops = r->items;
	return 0;
}

/* The shared mapping and the model's queue. */
static int queue_setup(struct launch *l)
{
	struct queue_run *r = (struct queue_run *)l;
	int err;

	r->sh_len = sizeof(*r->sh) + r->total;
	r->sh = mmap(NULL, r->sh_len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->sh == MAP_FAILED) {
		r->sh = NULL;
		fprintf(stderr, "%s: out of memory\n", l->name);
		return -1;
	}
	r->seen = (uint8_t *)(r->sh + 1);
	err = queue_make(r);
	if (err) {
		fprintf(stderr, "%s: making the queue: %s\n", l->name,
			strerror(err));
		return -1;
	}
	return 0;
}

static void queue_name(const struct launch *l, unsigned i, char *buf,
		       size_t len)
{
	const struct queue_run *r = (const struct queue_run *)l;

	if (i < r->consumers)
		snprintf(buf, len, "queue-c%u", i);
	else
		snprintf(buf, len, "queue-p%u", i - r->consumers);
}

/* In a child: a producer does not read the pipe, and a consumer holding
 * a write end would never see end of file. */
static void queue_child(struct launch_task *t)
{
	struct queue_run *r = (struct queue_run *)t->run;
	int *fd = t->id < r->consumers ? &r->wr : &r->rd;

	close(*fd);
	*fd = -1;
}

/* The children hold the pipe now; with the root's write end open the
 * consumers would never see end of file. The consumers stop only once
 * every producer is done, started or not. */
static void queue_started(struct launch *l)
{
	struct queue_run *r = (struct queue_run *)l;

	if (l->model == LAUNCH_PROCESSES) {
		close(r->rd);
		close(r->wr);
		r->rd = r->wr = -1;
		return;
	}
	for (unsigned i = r->consumers; i < l->n; i++) {
		const struct launch_task *t = launch_slot(l, i);

		if (!t->started)
			r->ops->producer_done(r);
	}
}

/* Items consumed, once each, intact, and no join returned too early.
 * One line to stderr when not. */
static int queue_verdict(struct launch *l)
{
	const struct queue_run *r = (const struct queue_run *)l;
	uint64_t want_sum = 0, sum = 0, got = 0, bad = 0, early = 0;
	uint64_t missing = 0, twice = 0;
	const char *failed = NULL;

	for (unsigned p = 0; p < r->producers; p++)
		for (uint32_t seq = 0; seq < r->items; seq++)
			want_sum += queue_check(p, seq);
	for (size_t i = 0; i < r->total; i++) {
		missing += r->seen[i] == 0;
		twice += r->seen[i] > 1;
	}
	/* the producers first, then the consumers */
	for (unsigned k = 0; k < l->n; k++) {
		unsigned i = (k + r->consumers) % l->n;
		const struct queue_task *t = launch_slot(l, i);

		if (i < r->consumers) {
			got += t->items;
			sum += t->sum;
			bad += t->bad;
		}
		early += t->early;
		if (!failed && (t->base.failed || !t->base.started))
			failed = t->base.name;
	}
	/* the first process that died by itself: the others were stopped */
	if (l->died)
		failed = l->died->name;
	if (!failed && !early && !bad && !missing && !twice &&
	    got == r->total && sum == want_sum)
		return 0;
	fprintf(stderr,
		"%s: %llu of %zu items got, %llu missing, %llu more than once, "
		"%llu damaged, %llu seen only after join, checksum %s%s%s\n",
		l->name, (unsigned long long)got, r->total,
		(unsigned long long)missing, (unsigned long long)twice,
		(unsigned long long)bad, (unsigned long long)early,
		sum == want_sum ? "right" : "wrong", failed ? "; failed: " : "",
		failed ? failed : "");
	return 1;
}

static void queue_report(const struct launch *l)
{
	const struct queue_run *r = (const struct queue_run *)l;
	double secs = (double)(l->joined_ns - l->start_ns) / 1e9;

	printf("%s: %zu items, %u producers, %u consumers, %u slots: "
	       "%.0f ns per item (%.3f s)\n",
	       l->name, r->total, r->producers, r->consumers, QUEUE_SLOTS,
	       secs * 1e9 / (double)r->total, secs);
}

static const struct launch_kind queue_kind = {
	.scenario = "queue",
	.tasks = QUEUE_PRODUCERS,
	.run_size = sizeof(struct queue_run),
	.slot_size = sizeof(struct queue_task),
	/* a consumer killed with items in hand would leave the producers
	 * joined for ever */
	.flags = LAUNCH_STOP_ALL,
	/* the root's work is waiting: reaping each task as it ends */
	.go_phase = LAB_PHASE_WORK,
	.join_phase = LAB_PHASE_WORK,
	.job = queue_job,
	.prepare = queue_prepare,
	.setup = queue_setup,
	.name = queue_name,
	.child = queue_child,
	.started = queue_started,
	.check = queue_verdict,
	.report = queue_report,
	.teardown = queue_teardown,
};

/* ---- the models, each started by launch.c ---- */

static int queue_processes_run(const struct workload_params *p)
{
	return launch_run(&queue_kind, LAUNCH_PROCESSES, p);
}

static int queue_threads_run(const struct workload_params *p)
{
	return launch_run(&queue_kind, LAUNCH_THREADS, p);
}

static int queue_coroutines_run(const struct workload_params *p)
{
	return launch_run(&queue_kind, LAUNCH_COROUTINES, p);
}

const struct workload queue_processes = {
	.name = "queue-processes",
	.scenario = "queue",
	.model = "processes",
	.summary = "producer/consumer processes via a pipe, task_done/join",
	.run = queue_processes_run,
};

const struct workload queue_threads = {
	.name = "queue-threads",
	.scenario = "queue",
	.model = "threads",
	.summary = "producer/consumer threads via a ring under a mutex",
	.run = queue_threads_run,
};

const struct workload queue_coroutines = {
	.name = "queue-coroutines",
	.scenario = "queue",
	.model = "coroutines",
	.summary = "producer/consumer coroutines via a channel",
	.run = queue_coroutines_run,
};
