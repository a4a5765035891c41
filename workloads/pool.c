/* pool.c - the pool scenario: a fixed pool of K workers runs J jobs, the
 * seed's multiprocessing.Pool.
 *
 * Each job sleeps (duration / J) and then computes a small hash of its
 * number, which is its result. The submitter hands the pool J jobs twice:
 *	apply		submit one job, wait for its result, then the next: the
 *			workers take turns and the run is as long as all the
 *			sleeps together
 *	apply_async	submit every job at once, then run a callback on each
 *			result as it arrives: K workers sleep side by side and
 *			the run is about K times shorter
 * Every job's result must arrive exactly once with the right value, and
 * the callback must run J times, in the submitter.
 *
 * pool_worker() is a worker's job, and pool_apply() and pool_apply_async()
 * the submitter's part, the same code in every model. launch.c starts the
 * workers, from the pool_<model>_run() functions at the end, and runs the
 * submitter as the root's part: on the root thread, or as one more
 * coroutine. What differs is how jobs and results travel, in
 * pool_queues.c:
 *	processes	worker processes read jobs from one pipe and write
 *			results into another, as Python's Pool does
 *	threads		a job queue and a result queue, each under a mutex
 *			and a condition variable
 *	coroutines	worker coroutines fed through a channel, answering
 *			through a second one
 *	events		worker state machines on one thread's epoll loop: a
 *			timer for each job's sleep, whose callback hands the
 *			result to the submitter's continuation
 *			(pool_events.c); apply and apply_async are then
 *			continuations too, below
 * The queues hold J records, so submitting never waits for room, as
 * Python's apply_async does not. A worker process that dies fails the run
 * at once instead of leaving the submitter waiting for its result.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "workloads/launch.h"
#include "workloads/pool.h"
#include "workloads/pool_events.h"
#include "workloads/pool_queues.h"

#define POOL_WORKERS	 4
#define POOL_JOBS	 200
#define POOL_DURATION_S	 1.0 /* the jobs' sleeps together: apply's time */
#define POOL_MAX_WORKERS 1000u
#define POOL_MAX_JOBS	 (1u << 20)

/* A worker's slot: the events model's state machine in it. */
struct pool_task {
	struct launch_task base;
	struct pool_worker_machine m; /* events only */
};

/* ---- the job, the same in every model ---- */

static uint64_t pool_work(uint32_t job)
{
	uint64_t x = job + 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < 1000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

static void pool_job_run(struct pool_run *r, unsigned worker,
			 struct pool_msg *m)
{
	r->ops->sleep_ns(r->job_ns);
	m->worker = worker;
	m->value = pool_work(m->job);
}

/* A worker: the next job, its result, until the pool is closed. A worker
 * that cannot take or give has failed. */
static void pool_worker(struct launch_task *t)
{
	struct pool_run *r = (struct pool_run *)t->run;
	struct pool_msg m;
	int got;

	while ((got = r->ops->take(r, &m)) == 1) {
		pool_job_run(r, t->id, &m);
		if (r->ops->give(r, &m) != 0)
			break;
	}
	t->failed = got != 0;
}

/* Books one result; counts it wrong when it is not one of this phase's
 * jobs or its value is not the job's. */
static void pool_take(struct pool_run *r, const struct pool_msg *m,
		      uint32_t first)
{
	if (m->job < first || m->job >= first + r->jobs ||
	    m->value != pool_work(m->job)) {
		r->wrong++;
		return;
	}
	r->got[m->job]++;
}

/* apply_async's callback, run by the submitter as each result arrives */
static void pool_callback(struct pool_run *r, const struct pool_msg *m)
{
	r->callbacks++;
	if (m->worker < r->base.n)
		r->by[m->worker]++;
	pool_take(r, m, r->jobs);
}

/* apply: one job at a time; each result must be the job just submitted.
 * The launcher has marked its phase, SYNC. */
static void pool_apply(struct pool_run *r)
{
	uint64_t t0 = tasks_clock_ns(CLOCK_MONOTONIC);

	for (uint32_t j = 0; j < r->jobs && !r->failed; j++) {
		struct pool_msg m;

		if (r->ops->submit(r, j) != 0 || r->ops->result(r, &m) != 0) {
			r->failed = 1;
			break;
		}
		if (m.job != j)
			r->wrong++;
		else
			pool_take(r, &m, 0);
	}
	r->sync_ns = tasks_clock_ns(CLOCK_MONOTONIC) - t0;
}

/* apply_async: every job submitted at once, then a callback per result */
static void pool_apply_async(struct pool_run *r)
{
	uint64_t t0 = tasks_clock_ns(CLOCK_MONOTONIC);
	unsigned sent = 0;

	/* the one phase only this scenario has */
	LAB_MARK_PHASE(LAB_PHASE_ASYNC);
	while (sent < r->jobs && !r->failed)
		r->failed = r->ops->submit(r, r->jobs + sent++) != 0;
	for (unsigned i = 0; i < sent && !r->failed; i++) {
		struct pool_msg m;

		r->failed = r->ops->result(r, &m) != 0;
		if (!r->failed)
			pool_callback(r, &m);
	}
	r->async_ns = tasks_clock_ns(CLOCK_MONOTONIC) - t0;
}

/* ---- the submitter as continuations, for the events model ---- */

static void pool_ev_async_result(struct pool_run *r, const struct pool_msg *m)
{
	pool_callback(r, m);
	if (r->callbacks == r->jobs)
		r->async_ns = tasks_clock_ns(CLOCK_MONOTONIC) - r->ev->t0;
}

/* apply_async: every job submitted at once; each result reaches the
 * callback as its worker's timer fires. */
static void pool_ev_async(struct pool_run *r)
{
	struct pool_events *ev = r->ev;

	LAB_MARK_PHASE(LAB_PHASE_ASYNC);
	ev->t0 = tasks_clock_ns(CLOCK_MONOTONIC);
	ev->result = pool_ev_async_result;
	for (uint32_t j = 0; j < r->jobs; j++)
		pool_events_submit(r, r->jobs + j);
}

/* apply: the result of the job just submitted, then the next job, which
 * apply's loop would submit after its wait returned. */
static void pool_ev_sync_result(struct pool_run *r, const struct pool_msg *m)
{
	struct pool_events *ev = r->ev;

	if (m->job != ev->next)
		r->wrong++;
	else
		pool_take(r, m, 0);
	if (++ev->next < r->jobs) {
		pool_events_submit(r, ev->next);
		return;
	}
	r->sync_ns = tasks_clock_ns(CLOCK_MONOTONIC) - ev->t0;
	pool_ev_async(r);
}

/* The root's part: apply's first job, before the loop runs; the rest
 * follows from the workers' callbacks. */
static void pool_ev_submit(struct launch *l)
{
	struct pool_run *r = (struct pool_run *)l;
	struct pool_events *ev = r->ev;

	ev->t0 = tasks_clock_ns(CLOCK_MONOTONIC);
	ev->next = 0;
	ev->result = pool_ev_sync_result;
	if (r->jobs)
		pool_events_submit(r, 0);
	else
		pool_ev_async(r);
}

static void pool_machine(struct launch_task *t)
{
	struct pool_run *r = (struct pool_run *)t->run;

	pool_events_worker(r, &((struct pool_task *)t)->m, t->id);
}

/* The submitter: the root's part, once the workers are started. */
static void pool_submit(struct launch *l)
{
	struct pool_run *r = (struct pool_run *)l;

	if (!l->started)
		return; /* nobody would take a job */
	pool_apply(r);
	pool_apply_async(r);
}

/* ---- setting up, checking, tearing down ---- */

static void pool_teardown(struct launch *l)
{
	struct pool_run *r = (struct pool_run *)l;

	pool_queues_free(r);
	pool_events_free(r);
	free(r->got);
	free(r->by);
	r->got = NULL;
	r->by = NULL;
}

static int pool_prepare(struct launch *l, const struct workload_params *p)
{
	struct pool_run *r = (struct pool_run *)l;
	double duration = p->duration_s ? p->duration_s : POOL_DURATION_S;

	r->job_rd = r->job_wr = r->res_rd = r->res_wr = -1;
	r->jobs = p->ops ? p->ops : POOL_JOBS;
	l->ops = r->jobs;
	if (!isfinite(duration) || duration < 0 || duration > 1e6) {
		fprintf(stderr, "%s: bad duration %g s\n", l->name, duration);
		return -1;
	}
	if (l->n > POOL_MAX_WORKERS || r->jobs > POOL_MAX_JOBS) {
		fprintf(stderr, "%s: %u workers, %u jobs: at most %u and %u\n",
			l->name, l->n, r->jobs, POOL_MAX_WORKERS,
			POOL_MAX_JOBS);
		return -1;
	}
	r->job_ns = (uint64_t)(duration * 1e9 / r->jobs);
	return 0;
}

/* The model's job and result queues, and the submitter's books. */
static int pool_setup(struct launch *l)
{
	struct pool_run *r = (struct pool_run *)l;
	int err;

	r->got = calloc(2 * (size_t)r->jobs, 1);
	r->by = calloc(l->n, sizeof(*r->by));
	if (!r->got || !r->by) {
		fprintf(stderr, "%s: out of memory\n", l->name);
		return -1;
	}
	err = l->model == LAUNCH_EVENTS ? pool_events_make(r, pool_work)
					: pool_queues_make(r);
	if (err) {
		/* EPERM: a pipe larger than /proc/sys/fs/pipe-max-size */
		fprintf(stderr, "%s: queues for %u jobs of %zu bytes: %s\n",
			l->name, r->jobs, sizeof(struct pool_msg),
			strerror(err));
		return -1;
	}
	return 0;
}

static void pool_child(struct launch_task *t)
{
	pool_queues_child((struct pool_run *)t->run);
}

static void pool_started(struct launch *l)
{
	pool_queues_started((struct pool_run *)l);
}

static void pool_stop(struct launch *l)
{
	struct pool_run *r = (struct pool_run *)l;

	/* events: no worker waits for more; the loop ended with the jobs */
	if (r->ops)
		r->ops->close(r);
}

/* Every job's result taken exactly once, right, and J callbacks. */
static int pool_verdict(struct launch *l)
{
	const struct pool_run *r = (const struct pool_run *)l;
	unsigned missing = 0, twice = 0;
	const char *died = NULL;

	for (size_t j = 0; j < 2 * (size_t)r->jobs; j++) {
		missing += r->got[j] == 0;
		twice += r->got[j] > 1;
	}
	for (unsigned i = 0; i < l->n && !died; i++) {
		const struct launch_task *t = launch_slot(l, i);

		if (!t->started || t->failed)
			died = t->name;
	}
	/* every dispatch of the loop advanced a worker */
	if (l->model == LAUNCH_EVENTS && pool_events_steps(r) != l->dispatches)
		fprintf(stderr,
			"%s: the loop dispatched %llu callbacks, the workers "
			"counted %llu\n",
			l->name, (unsigned long long)l->dispatches,
			(unsigned long long)pool_events_steps(r));
	else if (!missing && !twice && !r->wrong && !r->failed && !died &&
		 r->callbacks == r->jobs)
		return 0;
	fprintf(stderr,
		"%s: %u of %u results missing, %u more than once, %u wrong, "
		"%u of %u callbacks%s%s%s\n",
		l->name, missing, 2 * r->jobs, twice, r->wrong, r->callbacks,
		r->jobs, r->failed ? "; the pool failed" : "",
		died ? "; failed: " : "", died ? died : "");
	return 1;
}

static void pool_report(const struct launch *l)
{
	const struct pool_run *r = (const struct pool_run *)l;
	double sync_s = (double)r->sync_ns / 1e9;
	double async_s = (double)r->async_ns / 1e9;

	printf("%s: %u workers, %u jobs of %.2f ms: apply %.3f s, "
	       "apply_async %.3f s (%.1fx) with %u callbacks; async jobs per "
	       "worker:",
	       l->name, l->n, r->jobs, (double)r->job_ns / 1e6, sync_s, async_s,
	       async_s > 0 ? sync_s / async_s : 0.0, r->callbacks);
	for (unsigned i = 0; i < l->n; i++)
		printf(" %u", r->by[i]);
	launch_events_note(l);
	printf("\n");
	LAB_RESULT(LAB_RESULT_OPS, r->jobs);
	LAB_RESULT(LAB_RESULT_SYNC_NS, r->sync_ns);
	LAB_RESULT(LAB_RESULT_ASYNC_NS, r->async_ns);
	LAB_RESULT(LAB_RESULT_CALLBACKS, r->callbacks);
}

static const struct launch_kind pool_kind = {
	.scenario = "pool",
	.prefix = "pool-w",
	.tasks = POOL_WORKERS,
	.run_size = sizeof(struct pool_run),
	.slot_size = sizeof(struct pool_task),
	/* apply submits while the workers run, then apply_async */
	.go_phase = LAB_PHASE_SYNC,
	.join_phase = LAB_PHASE_JOIN,
	.job = pool_worker,
	.machine = pool_machine,
	.machine_size = sizeof(struct pool_worker_machine),
	.prepare = pool_prepare,
	.setup = pool_setup,
	.child = pool_child,
	.started = pool_started,
	.root = {pool_submit, pool_submit,
		 pool_submit, [LAUNCH_EVENTS] = pool_ev_submit},
	.stop = pool_stop,
	.check = pool_verdict,
	.report = pool_report,
	.teardown = pool_teardown,
};

/* ---- the models, each started by launch.c ---- */

static int pool_processes_run(const struct workload_params *p)
{
	return launch_run(&pool_kind, LAUNCH_PROCESSES, p);
}

static int pool_threads_run(const struct workload_params *p)
{
	return launch_run(&pool_kind, LAUNCH_THREADS, p);
}

static int pool_events_run(const struct workload_params *p)
{
	return launch_run(&pool_kind, LAUNCH_EVENTS, p);
}

static int pool_coroutines_run(const struct workload_params *p)
{
	return launch_run(&pool_kind, LAUNCH_COROUTINES, p);
}

const struct workload pool_processes = {
	.name = "pool-processes",
	.scenario = "pool",
	.model = "processes",
	.summary = "a pool of worker processes: apply, then apply_async",
	.run = pool_processes_run,
};

const struct workload pool_threads = {
	.name = "pool-threads",
	.scenario = "pool",
	.model = "threads",
	.summary = "a pool of worker threads: apply, then apply_async",
	.run = pool_threads_run,
};

const struct workload pool_events = {
	.name = "pool-events",
	.scenario = "pool",
	.model = "events",
	.summary = "a pool of worker state machines on one epoll loop",
	.run = pool_events_run,
};

const struct workload pool_coroutines = {
	.name = "pool-coroutines",
	.scenario = "pool",
	.model = "coroutines",
	.summary = "a pool of worker coroutines: apply, then apply_async",
	.run = pool_coroutines_run,
};
