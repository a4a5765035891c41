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
 * model. What differs is the queue under them:
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
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "coro.h"
#include "markers.h"
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

/* What one task did, written where the root reads it after a fork. */
struct queue_tally {
	uint64_t items; /* put by a producer, got by a consumer */
	uint64_t sum;	/* of the checks a consumer got */
	uint64_t bad;	/* items a consumer got damaged */
	uint64_t early; /* a producer's items not yet seen when join returned */
	int failed;	/* a queue call failed */
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
 * The tallies (producers, then consumers) and a seen byte per item
 * follow it. */
struct queue_shared {
	struct queue_joinable joinable;
	struct queue_ring ring;
};

struct queue_task {
	char name[16]; /* "queue-p0", "queue-c1" */
	pid_t pid;
	pthread_t thread;
	int started;
	int died;  /* a process that did not exit with its own verdict */
	int pidfd; /* readable once the process has exited, or -1 */
	int reaped;
	struct queue_run *run;
	unsigned id; /* producers 0..P-1, consumers P..2P-1 */
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
	const char *name;
	const struct queue_ops *ops;
	unsigned producers, consumers;
	unsigned items; /* per producer */
	size_t total;
	struct queue_task *task;
	struct queue_shared *sh;
	size_t sh_len;
	struct queue_tally *tally;
	uint8_t *seen;
	const char *culprit; /* the first process that died by itself */
	double secs;
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
	struct queue_tally *t = &r->tally[p];
	const uint8_t *seen = r->seen + (size_t)p * r->items;

	for (uint32_t seq = 0; seq < r->items; seq++) {
		struct queue_item it = {p, seq, queue_check(p, seq)};

		if (r->ops->put(r, &it) != 0) {
			t->failed = 1;
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
	struct queue_tally *t = &r->tally[r->producers + c];
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
		t->failed = 1;
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

static double queue_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void queue_teardown(struct queue_run *r)
{
	if (r->ops == &queue_pipe_ops || r->ops == &queue_ring_ops)
		pthread_mutex_destroy(&r->sh->joinable.lock);
	if (r->ops == &queue_ring_ops)
		pthread_mutex_destroy(&r->sh->ring.lock);
	if (r->rd >= 0)
		close(r->rd);
	if (r->wr >= 0)
		close(r->wr);
	coro_chan_free(r->chan);
	coro_chan_free(r->all_done);
	free(r->task);
	if (r->sh)
		munmap(r->sh, r->sh_len);
	memset(r, 0, sizeof(*r));
	r->rd = r->wr = -1;
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

static int queue_setup(struct queue_run *r, const char *name,
		       const struct workload_params *p,
		       const struct queue_ops *ops)
{
	unsigned n;
	int err;

	memset(r, 0, sizeof(*r));
	r->rd = r->wr = -1;
	r->name = name;
	r->ops = ops;
	r->producers = r->consumers = p->tasks ? p->tasks : QUEUE_PRODUCERS;
	r->items = p->ops ? p->ops : QUEUE_ITEMS;
	if (r->producers > QUEUE_MAX_TASKS / 2 ||
	    (uint64_t)r->producers * r->items > QUEUE_MAX_TOTAL) {
		fprintf(stderr,
			"%s: %u producers of %u items: at most %u producers "
			"and %u items in all\n",
			name, r->producers, r->items, QUEUE_MAX_TASKS / 2,
			QUEUE_MAX_TOTAL);
		return -1;
	}
	r->total = (size_t)r->producers * r->items;
	n = r->producers + r->consumers;
	r->sh_len = sizeof(*r->sh) + n * sizeof(*r->tally) + r->total;
	r->sh = mmap(NULL, r->sh_len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	r->task = calloc(n, sizeof(*r->task));
	if (r->sh == MAP_FAILED || !r->task) {
		if (r->sh == MAP_FAILED)
			r->sh = NULL;
		queue_teardown(r);
		fprintf(stderr, "%s: out of memory\n", name);
		return -1;
	}
	r->tally = (struct queue_tally *)(r->sh + 1);
	r->seen = (uint8_t *)(r->tally + n);
	for (unsigned i = 0; i < n; i++) {
		struct queue_task *t = &r->task[i];

		t->run = r;
		t->id = i;
		t->pidfd = -1;
		if (i < r->producers)
			snprintf(t->name, sizeof(t->name), "queue-p%u", i);
		else
			snprintf(t->name, sizeof(t->name), "queue-c%u",
				 i - r->producers);
	}
	err = queue_make(r);
	if (err) {
		fprintf(stderr, "%s: making the queue: %s\n", name,
			strerror(err));
		queue_teardown(r);
		return -1;
	}
	return 0;
}

/* Tasks start consumers first: a producer with nobody to take its items
 * would wait forever. After a failure no more tasks start. Returns the
 * order's i-th task id. */
static unsigned queue_spawn_order(const struct queue_run *r, unsigned i)
{
	return i < r->consumers ? r->producers + i : i - r->consumers;
}

/* Items consumed, once each, intact, and no join returned too early.
 * One line to stderr when not. */
static int queue_verdict(const struct queue_run *r)
{
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
	for (unsigned i = 0; i < r->producers + r->consumers; i++) {
		const struct queue_tally *t = &r->tally[i];

		if (i >= r->producers) {
			got += t->items;
			sum += t->sum;
			bad += t->bad;
		}
		early += t->early;
		if (!failed &&
		    (t->failed || r->task[i].died || !r->task[i].started))
			failed = r->task[i].name;
	}
	if (r->culprit)
		failed = r->culprit;
	if (!failed && !early && !bad && !missing && !twice &&
	    got == r->total && sum == want_sum)
		return 0;
	fprintf(stderr,
		"%s: %llu of %zu items got, %llu missing, %llu more than once, "
		"%llu damaged, %llu seen only after join, checksum %s%s%s\n",
		r->name, (unsigned long long)got, r->total,
		(unsigned long long)missing, (unsigned long long)twice,
		(unsigned long long)bad, (unsigned long long)early,
		sum == want_sum ? "right" : "wrong", failed ? "; failed: " : "",
		failed ? failed : "");
	return 1;
}

static void queue_report(const struct queue_run *r)
{
	printf("%s: %zu items, %u producers, %u consumers, %u slots: "
	       "%.0f ns per item (%.3f s)\n",
	       r->name, r->total, r->producers, r->consumers, QUEUE_SLOTS,
	       r->secs * 1e9 / (double)r->total, r->secs);
}

/* START and OPS, then SETUP around queue_setup; on failure END too. */
static int queue_begin(struct queue_run *r, const char *name,
		       const struct workload_params *p,
		       const struct queue_ops *ops)
{
	unsigned tasks = p->tasks ? p->tasks : QUEUE_PRODUCERS;

	LAB_MARK_START(2ull * tasks);
	LAB_MARK_OPS(p->ops ? p->ops : QUEUE_ITEMS);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (queue_setup(r, name, p, ops) == 0)
		return 0;
	LAB_MARK_END(1);
	return -1;
}

static int queue_end(struct queue_run *r, int failed)
{
	int result;

	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	result = queue_verdict(r) || failed;
	if (!result)
		queue_report(r);
	return result;
}

/* ---- processes ---- */

/* A descriptor that polls readable once the child has exited; -1 on
 * kernels without pidfds. */
static int queue_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Reaps child i, which has exited or is about to. A child that died by a
 * signal cannot have done its part, and what it leaves (items counted
 * but never put, items got but never done, a lock it held) would keep
 * the others waiting for ever: the rest are killed then. */
static void queue_reap_one(struct queue_run *r, unsigned i)
{
	struct queue_task *t = &r->task[i];
	int status = 0;
	pid_t got;

	while ((got = waitpid(t->pid, &status, 0)) < 0 && errno == EINTR)
		;
	t->reaped = 1; /* never signal that pid again */
	/* exit 1 is the child's own report, already in its tally */
	t->died =
		got != t->pid || !WIFEXITED(status) || WEXITSTATUS(status) > 1;
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
	if (!t->died || r->culprit)
		return;
	r->culprit = t->name;
	for (unsigned k = 0; k < r->producers + r->consumers; k++)
		if (r->task[k].started && !r->task[k].reaped)
			kill(r->task[k].pid, SIGKILL);
}

/* Reaps every child in the order they exit, so that one dying early is
 * seen at once; in task order where pidfds are missing. */
static void queue_reap(struct queue_run *r)
{
	unsigned n = r->producers + r->consumers, left = 0;
	struct pollfd *pf = calloc(n, sizeof(*pf));
	int watch = pf != NULL;

	for (unsigned i = 0; i < n; i++) {
		left += r->task[i].started;
		watch &= !r->task[i].started || r->task[i].pidfd >= 0;
		if (pf) {
			pf[i].fd = r->task[i].started ? r->task[i].pidfd : -1;
			pf[i].events = POLLIN;
		}
	}
	while (watch && left) {
		if (poll(pf, n, -1) < 0) {
			watch = errno == EINTR;
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			pf[i].fd = -1;
			queue_reap_one(r, i);
			left--;
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (r->task[i].started && !r->task[i].reaped)
			queue_reap_one(r, i);
	free(pf);
}

static __attribute__((noreturn)) void queue_child(struct queue_run *r,
						  unsigned i)
{
	prctl(PR_SET_NAME, r->task[i].name);
	if (i < r->producers) {
		close(r->rd);
		r->rd = -1;
		queue_produce(r, i);
	} else {
		/* a consumer holding a write end would never see end of file */
		close(r->wr);
		r->wr = -1;
		queue_consume(r, i - r->producers);
	}
	_exit(r->tally[i].failed ? 1 : 0);
}

static int queue_processes_run(const struct workload_params *p)
{
	struct queue_run r;
	unsigned n;
	int failed = 0, result;
	double t0;

	if (queue_begin(&r, "queue-processes", p, &queue_pipe_ops) != 0)
		return 1;
	n = r.producers + r.consumers;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	t0 = queue_now();
	for (unsigned k = 0; k < n && !failed; k++) {
		struct queue_task *t = &r.task[queue_spawn_order(&r, k)];

		t->pid = fork();
		if (t->pid == 0)
			queue_child(&r, t->id);
		t->started = t->pid > 0;
		t->pidfd = t->started ? queue_pidfd(t->pid) : -1;
		if (t->pid < 0) {
			fprintf(stderr, "%s: fork: %s\n", r.name,
				strerror(errno));
			failed = 1;
		}
	}
	/* the children hold the pipe now; with our write end open the
	 * consumers would never see end of file */
	close(r.rd);
	close(r.wr);
	r.rd = r.wr = -1;
	/* the root's work is waiting: reaping each task as it ends */
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	queue_reap(&r);
	r.secs = queue_now() - t0;
	result = queue_end(&r, failed);
	LAB_MARK_END(result);
	queue_teardown(&r);
	return result;
}

/* ---- threads ---- */

static void *queue_thread(void *arg)
{
	struct queue_task *t = arg;
	struct queue_run *r = t->run;

	pthread_setname_np(pthread_self(), t->name);
	if (t->id < r->producers)
		queue_produce(r, t->id);
	else
		queue_consume(r, t->id - r->producers);
	return NULL;
}

static int queue_threads_run(const struct workload_params *p)
{
	struct queue_run r;
	unsigned n;
	int failed = 0, result;
	double t0;

	if (queue_begin(&r, "queue-threads", p, &queue_ring_ops) != 0)
		return 1;
	n = r.producers + r.consumers;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	t0 = queue_now();
	for (unsigned k = 0; k < n && !failed; k++) {
		struct queue_task *t = &r.task[queue_spawn_order(&r, k)];
		int err = pthread_create(&t->thread, NULL, queue_thread, t);

		t->started = !err;
		if (err) {
			fprintf(stderr, "%s: pthread_create: %s\n", r.name,
				strerror(err));
			failed = 1;
		}
	}
	/* the consumers stop only once every producer is done */
	for (unsigned i = 0; i < r.producers; i++)
		if (!r.task[i].started)
			queue_ring_producer_done(&r);
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	for (unsigned i = 0; i < n; i++)
		if (r.task[i].started)
			pthread_join(r.task[i].thread, NULL);
	r.secs = queue_now() - t0;
	result = queue_end(&r, failed);
	LAB_MARK_END(result);
	queue_teardown(&r);
	return result;
}

/* ---- coroutines ---- */

static void queue_coro(void *arg)
{
	struct queue_task *t = arg;
	struct queue_run *r = t->run;

	if (t->id < r->producers)
		queue_produce(r, t->id);
	else
		queue_consume(r, t->id - r->producers);
}

static int queue_coroutines_run(const struct workload_params *p)
{
	struct queue_run r;
	uint64_t switches = coro_switches();
	unsigned n;
	int err = 0, result;
	double t0;

	if (queue_begin(&r, "queue-coroutines", p, &queue_chan_ops) != 0)
		return 1;
	n = r.producers + r.consumers;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	t0 = queue_now();
	for (unsigned k = 0; k < n && !err; k++) {
		struct queue_task *t = &r.task[queue_spawn_order(&r, k)];

		err = coro_spawn(queue_coro, t, 0);
		t->started = !err;
	}
	if (err)
		fprintf(stderr, "%s: coro_spawn: %s\n", r.name, strerror(-err));
	for (unsigned i = 0; i < r.producers; i++)
		if (!r.task[i].started)
			queue_chan_producer_done(&r);
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	if (coro_run() != 0) {
		fprintf(stderr, "%s: coro_run failed\n", r.name);
		err = 1;
	}
	r.secs = queue_now() - t0;
	result = queue_end(&r, err);
	LAB_MARK_CORO_SWITCHES(coro_switches() - switches);
	LAB_MARK_END(result);
	queue_teardown(&r);
	return result;
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
