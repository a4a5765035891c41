/* shared.c - the shared scenario: N tasks update one dictionary, first
 * through a manager, then directly in shared memory under a lock.
 *
 * The dictionary maps 16 keys, "k0" to "k15", to counts. Each task adds 1
 * to `ops` keys in turn, two ways in one run:
 *	manager	the dictionary lives in one server task, the seed's
 *		multiprocessing.Manager (shared_manager.c); every update is a
 *		request over the task's own socket and a reply, and the root
 *		reads the result back with get requests, as print(d) does
 *		through a proxy
 *	locked	the dictionary lives in memory every task sees and each
 *		update takes a mutex around it
 * Both final dictionaries must hold exactly the expected counts. The
 * figure to compare is the time per update: a round trip through a server
 * against a lock and a few stores. It is the wall time from the first
 * worker's first update to the last one's last, over all the updates;
 * a gate holds the workers until every one exists, so that creating
 * them is not counted.
 *
 * shared_update_managed() and shared_update_locked() are the job, the
 * same code in every model. launch.c starts the manager and the workers,
 * twice, from shared_run(); the models differ in what they are:
 *	processes	a server process; the locked dictionary in a
 *			MAP_SHARED mapping under a process-shared mutex
 *	threads		a server thread; a pthread mutex
 *	coroutines	a server coroutine waiting on its epoll descriptor
 *			through the runtime; a coroutine mutex
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "workloads/coro/coro.h"
#include "workloads/launch.h"
#include "workloads/shared.h"
#include "workloads/shared_run.h"

#define SHARED_TASKS	 4
#define SHARED_UPDATES	 20000 /* per task, each way */
#define SHARED_MAX_TASKS 256u  /* two descriptors each stay under 1024 */

/* The dictionary of the locked way and its lock. Threads and coroutines
 * share this global; processes get a MAP_SHARED copy of it. */
struct shared_locked {
	struct launch_lock lock;
	struct shared_dict dict;
};

static struct shared_locked shared_locked;

/* Which key a worker's i-th update adds to: workers start at different
 * keys so that they collide on the manager, not on one key. */
static unsigned shared_key_of(unsigned task, unsigned i)
{
	return (task * 7 + i) % SHARED_KEYS;
}

/* ---- the job, the same in every model ---- */

/* d[key] += 1 through the manager, ops times; then closes the worker's
 * end, which tells the manager it has gone. */
static void shared_update_managed(struct shared_run *r, struct shared_task *t)
{
	unsigned id = t->base.id;
	int64_t value;
	int failed = 0;

	t->start_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	for (unsigned i = 0; i < r->base.ops && !failed; i++)
		failed = shared_call(r->cfd[id], shared_wait(&r->base),
				     SHARED_ADD, r->keys[shared_key_of(id, i)],
				     1, &value) != 0;
	t->done_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	t->base.failed |= failed;
	shared_close(&r->cfd[id]);
}

/* d[key] += 1 in shared memory, ops times, each under the lock. */
static void shared_update_locked(struct shared_run *r, struct shared_task *t)
{
	struct shared_locked *sl = r->base.shared;
	int failed = 0;

	t->start_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	for (unsigned i = 0; i < r->base.ops && !failed; i++) {
		int64_t *v;

		if (launch_lock_take(&sl->lock) != 0) {
			failed = 1;
			break;
		}
		v = shared_dict_at(&sl->dict,
				   r->keys[shared_key_of(t->base.id, i)], 1);
		if (v)
			++*v;
		launch_lock_give(&sl->lock);
		failed = !v;
	}
	t->done_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	t->base.failed |= failed;
}

static void shared_job(struct launch_task *lt)
{
	struct shared_run *r = (struct shared_run *)lt->run;
	struct shared_task *t = (struct shared_task *)lt;

	if (r->way == SHARED_LOCKED) {
		shared_update_locked(r, t);
		return;
	}
	shared_update_managed(r, t);
	/* the channel holds a token per worker: this never waits */
	if (lt->run->model == LAUNCH_COROUTINES)
		coro_chan_send(r->finished, NULL);
}

/* ---- setting up, checking, tearing down ---- */

static void shared_teardown(struct launch *l)
{
	struct shared_run *r = (struct shared_run *)l;

	shared_clients_free(r);
	free(r->failed);
	r->failed = NULL;
}

static int shared_prepare(struct launch *l, const struct workload_params *p)
{
	l->ops = p->ops ? p->ops : SHARED_UPDATES;
	if (l->n > SHARED_MAX_TASKS || l->ops > INT32_MAX / l->n) {
		fprintf(stderr,
			"%s: %u tasks of %u updates: at most %u tasks "
			"and %d updates in all\n",
			l->name, l->n, (unsigned)l->ops, SHARED_MAX_TASKS,
			INT32_MAX);
		return -1;
	}
	return 0;
}

/* The keys, the manager and its clients' sockets. */
static int shared_setup(struct launch *l)
{
	struct shared_run *r = (struct shared_run *)l;

	for (unsigned k = 0; k < SHARED_KEYS; k++)
		snprintf(r->keys[k], sizeof(r->keys[k]), "k%u", k);
	r->failed = calloc(l->n, 1);
	if (!r->failed) {
		fprintf(stderr, "%s: out of memory\n", l->name);
		return -1;
	}
	return shared_clients_make(r);
}

/* ns from the first worker's first update to the last one's last,
 * without the cost of creating, waking and reaping the tasks. */
static int64_t shared_span(const struct launch *l)
{
	uint64_t first = UINT64_MAX, last = 0;

	for (unsigned i = 0; i < l->n; i++) {
		const struct shared_task *t = launch_slot(l, i);

		if (!t->start_ns || t->done_ns < t->start_ns)
			continue;
		if (t->start_ns < first)
			first = t->start_ns;
		if (t->done_ns > last)
			last = t->done_ns;
	}
	return last > first ? (int64_t)(last - first) : 0;
}

/* Each key's count in a dictionary against what the updates add up to;
 * the first wrong one is described in why. */
static int shared_check_counts(const struct shared_run *r,
			       const int64_t got[SHARED_KEYS], char *why,
			       size_t len)
{
	int64_t want[SHARED_KEYS] = {0};

	for (unsigned t = 0; t < r->base.n; t++)
		for (unsigned i = 0; i < r->base.ops; i++)
			want[shared_key_of(t, i)]++;
	for (unsigned k = 0; k < SHARED_KEYS; k++) {
		if (got[k] == want[k])
			continue;
		snprintf(why, len, "%s is %lld, expected %lld", r->keys[k],
			 (long long)got[k], (long long)want[k]);
		return 1;
	}
	return 0;
}

static int shared_verdict(struct launch *l)
{
	struct shared_run *r = (struct shared_run *)l;
	struct shared_locked *sl = l->shared;
	const struct launch_task *mgr = launch_slot(r->manager, 0);
	int64_t locked[SHARED_KEYS];
	char managed_why[96] = "", locked_why[96] = "";
	const char *failed = NULL;
	int wrong;

	for (unsigned k = 0; k < SHARED_KEYS; k++) {
		const int64_t *v = shared_dict_at(&sl->dict, r->keys[k], 0);

		locked[k] = v ? *v : 0;
	}
	/* the manager first: when it fails, every worker does */
	if (!mgr->started || mgr->failed)
		failed = mgr->name;
	for (unsigned i = 0; i < l->n && !failed; i++)
		if (r->failed[i])
			failed = ((const struct launch_task *)launch_slot(l, i))
					 ->name;
	if (!failed && r->manager_failed)
		failed = "the read back";
	wrong = shared_check_counts(r, r->managed, managed_why,
				    sizeof(managed_why));
	wrong |= shared_check_counts(r, locked, locked_why, sizeof(locked_why));
	if (!wrong && !failed)
		return 0;
	fprintf(stderr, "%s: manager dict %s, locked dict %s%s%s\n", l->name,
		managed_why[0] ? managed_why : "right",
		locked_why[0] ? locked_why : "right",
		failed ? "; failed: " : "", failed ? failed : "");
	return 1;
}

/* ns an update, to the nearest */
static uint64_t shared_per_update(int64_t span_ns, uint64_t updates)
{
	return span_ns > 0 ? ((uint64_t)span_ns + updates / 2) / updates : 0;
}

static void shared_report(const struct launch *l)
{
	const struct shared_run *r = (const struct shared_run *)l;
	/* one way's updates: each way makes them all */
	uint64_t updates = (uint64_t)l->n * l->ops;
	uint64_t manager = shared_per_update(r->managed_ns, updates);
	uint64_t locked = shared_per_update(r->locked_ns, updates);

	printf("%s: %u tasks x %u updates: manager %llu ns, "
	       "locked %llu ns per update (%.1fx)\n",
	       l->name, l->n, (unsigned)l->ops, (unsigned long long)manager,
	       (unsigned long long)locked,
	       r->locked_ns > 0 ? (double)r->managed_ns / (double)r->locked_ns
				: 0.0);
	LAB_RESULT(LAB_RESULT_OPS, updates);
	LAB_RESULT(LAB_RESULT_MANAGER_NS, manager);
	LAB_RESULT(LAB_RESULT_LOCKED_NS, locked);
}

static const struct launch_kind shared_kind = {
	.scenario = "shared",
	.prefix = "shared-w",
	.tasks = SHARED_TASKS,
	.run_size = sizeof(struct shared_run),
	.slot_size = sizeof(struct shared_task),
	/* a process killed holding the lock leaves it to the next taker:
	 * the updates it lost show in the verdict */
	.flags =
		LAUNCH_GATE | LAUNCH_SHARE_MEMORY | LAUNCH_LOCK | LAUNCH_ROBUST,
	.shared = &shared_locked,
	.shared_size = sizeof(shared_locked),
	.go_phase = LAB_PHASE_WORK,
	.job = shared_job,
	.prepare = shared_prepare,
	.setup = shared_setup,
	.child = shared_clients_child,
	.started = shared_clients_started,
	.check = shared_verdict,
	.report = shared_report,
	.teardown = shared_teardown,
};

/* One way: the workers started, let go together and joined; what failed
 * is kept for the verdict. Returns the updates' span, or -1 when
 * coroutines could not all run. */
static int64_t shared_way(struct shared_run *r, enum shared_way way)
{
	struct launch *l = &r->base;

	r->way = way;
	for (unsigned i = 0; i < l->n; i++) {
		struct shared_task *t = launch_slot(l, i);

		t->start_ns = t->done_ns = 0;
	}
	launch_start(l);
	launch_say(l);
	launch_go(l);
	launch_say(l);
	launch_join(l);
	for (unsigned i = 0; i < l->n; i++) {
		const struct launch_task *t = launch_slot(l, i);

		r->failed[i] |= !t->started || t->failed;
	}
	if (l->model == LAUNCH_COROUTINES && l->start_err)
		return -1;
	return shared_span(l);
}

/* The manager beside the workers for the managed way, then the workers
 * alone for the locked one: launch.c's steps, called here. */
static int shared_run(enum launch_model model, const struct workload_params *p)
{
	struct launch *l = launch_begin(&shared_kind, model, p);
	struct shared_run *r = (struct shared_run *)l;

	if (!l)
		return 1;
	launch_start(r->manager);
	launch_say(r->manager);
	if (r->manager->started) {
		r->managed_ns = shared_way(r, SHARED_MANAGED);
		if (model != LAUNCH_COROUTINES)
			shared_read_back(r);
		launch_join(r->manager);
		if (r->managed_ns >= 0)
			r->locked_ns = shared_way(r, SHARED_LOCKED);
	}
	return launch_end(l, 0);
}

/* ---- the models, each started by launch.c ---- */

static int shared_processes_run(const struct workload_params *p)
{
	return shared_run(LAUNCH_PROCESSES, p);
}

static int shared_threads_run(const struct workload_params *p)
{
	return shared_run(LAUNCH_THREADS, p);
}

static int shared_coroutines_run(const struct workload_params *p)
{
	return shared_run(LAUNCH_COROUTINES, p);
}

const struct workload shared_processes = {
	.name = "shared-processes",
	.scenario = "shared",
	.model = "processes",
	.summary = "processes update a dict via a manager process, then a lock",
	.run = shared_processes_run,
};

const struct workload shared_threads = {
	.name = "shared-threads",
	.scenario = "shared",
	.model = "threads",
	.summary = "threads update a dict via a manager thread, then a lock",
	.run = shared_threads_run,
};

const struct workload shared_coroutines = {
	.name = "shared-coroutines",
	.scenario = "shared",
	.model = "coroutines",
	.summary = "coroutines update a dict via a manager, then a lock",
	.run = shared_coroutines_run,
};
