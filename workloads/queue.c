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
 * would wait for ever. What differs is the queue under them
 * (queue_joinable.c):
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
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "workloads/coro/coro.h"
#include "workloads/launch.h"
#include "workloads/queue.h"
#include "workloads/queue_joinable.h"

#define QUEUE_PRODUCERS 2	/* and as many consumers */
#define QUEUE_ITEMS	1000000 /* per producer */
#define QUEUE_MAX_TASKS 1000u
#define QUEUE_MAX_TOTAL (1u << 30) /* items in all, one seen byte each */

/* A task's slot: what it did. The consumers are tasks 0..P-1, started
 * first; the producers P..2P-1. base.failed: a queue call failed. */
struct queue_task {
	struct launch_task base;
	uint64_t items; /* put by a producer, got by a consumer */
	uint64_t sum;	/* of the checks a consumer got */
	uint64_t bad;	/* items a consumer got damaged */
	uint64_t early; /* a producer's items not yet seen when join returned */
};

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

/* ---- setting up, checking, tearing down ---- */

static void queue_teardown(struct launch *l)
{
	struct queue_run *r = (struct queue_run *)l;

	queue_free(r);
	if (r->sh)
		munmap(r->sh, r->sh_len);
	r->sh = NULL;
}

/* P producers and as many consumers, each producer's items. */
static int queue_prepare(struct launch *l, const struct workload_params *p)
{
	struct queue_run *r = (struct queue_run *)l;

	r->rd = r->wr = -1;
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
	uint64_t ns = l->joined_ns - l->start_ns;
	double secs = (double)ns / 1e9;

	printf("%s: %zu items, %u producers, %u consumers, %u slots: "
	       "%.0f ns per item (%.3f s)\n",
	       l->name, r->total, r->producers, r->consumers, QUEUE_SLOTS,
	       secs * 1e9 / (double)r->total, secs);
	LAB_RESULT(LAB_RESULT_OPS, r->total);
	LAB_RESULT(LAB_RESULT_OPS_NS, ns);
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
