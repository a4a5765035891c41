/* launch.c - the model launcher (see launch.h).
 *
 * The lesson of every scenario is here, one section a model, side by
 * side: how a task is made, how it is let go, how the root waits for it.
 *	processes	fork; the child names itself, runs the job, _exit;
 *			the root reaps it with waitpid
 *	threads		pthread_create; pthread_join
 *	coroutines	coro_spawn; coro_run runs them all on this thread
 *			and returns once every one has ended
 *	serial		the jobs one after another, in a plain loop
 * Around them: the slots, the gate, the shared state and lock, pinning,
 * and every phase marker of the run.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "coro.h"
#include "gate.h"
#include "launch.h"

#define LAUNCH_CACHE_LINE 64

/* The head of the MAP_SHARED mapping; the slots follow, each on cache
 * lines of its own, so that tasks writing their own do not slow each
 * other down (no false sharing). */
struct launch_board {
	uint32_t gate; /* gate.h */
} __attribute__((aligned(LAUNCH_CACHE_LINE)));

static const char *const launch_models[LAUNCH_MODELS] = {
	[LAUNCH_PROCESSES] = "processes",
	[LAUNCH_THREADS] = "threads",
	[LAUNCH_COROUTINES] = "coroutines",
	[LAUNCH_SERIAL] = "serial",
};

const char *launch_model_name(enum launch_model model)
{
	return launch_models[model];
}

static int launch_has(const struct launch *l, unsigned flag)
{
	return (l->kind->flags & flag) != 0;
}

/* A phase marker, unless the kind marks none: the one place phases are
 * marked. */
static void launch_phase(const struct launch *l, enum lab_phase phase)
{
	if (phase && !launch_has(l, LAUNCH_UNMARKED))
		LAB_MARK_PHASE(phase);
}

void *launch_slot(const struct launch *l, unsigned i)
{
	return (char *)l->board + sizeof(*l->board) + (size_t)i * l->stride;
}

static void *launch_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ---- what the tasks share ---- */

/* The slots, and the shared state with its lock. Returns 0 or an errno
 * value. */
static int launch_make_board(struct launch *l, const struct launch_kind *k,
			     unsigned n)
{
	l->stride = (k->slot_size + LAUNCH_CACHE_LINE - 1) / LAUNCH_CACHE_LINE *
		    LAUNCH_CACHE_LINE;
	l->board_len = sizeof(*l->board) + (size_t)n * l->stride;
	l->board = launch_map(l->board_len);
	if (!l->board)
		return errno;
	for (unsigned i = 0; i < n; i++) {
		struct launch_task *t = launch_slot(l, i);

		t->run = l;
		t->id = i;
		t->cpu = -1;
		if (!l->ncpus || !launch_has(l, LAUNCH_PIN))
			continue;
		/* one thread runs coroutines and the serial run */
		t->cpu = l->model == LAUNCH_PROCESSES ||
					 l->model == LAUNCH_THREADS
				 ? l->cpus[i % l->ncpus]
				 : l->cpus[0];
	}
	return 0;
}

/* Threads, coroutines and the serial run share the kind's global; so
 * does each process its own copy of it, unless LAUNCH_SHARE_MEMORY puts
 * it in a mapping all of them see. */
static int launch_make_shared(struct launch *l)
{
	const struct launch_kind *k = l->kind;

	if (!k->shared)
		return 0;
	l->shared_mapped = l->model == LAUNCH_PROCESSES &&
			   launch_has(l, LAUNCH_SHARE_MEMORY);
	l->shared = l->shared_mapped ? launch_map(k->shared_size) : k->shared;
	if (!l->shared) {
		l->shared_mapped = 0;
		return errno;
	}
	memset(l->shared, 0, k->shared_size);
	return 0;
}

/* A fresh lock: an earlier one may have been held by a task that died.
 * Returns 0 or an errno value. */
static int launch_make_lock(struct launch *l)
{
	struct launch_lock *lk = l->shared;
	pthread_mutexattr_t attr;
	int err;

	if (!launch_has(l, LAUNCH_LOCK))
		return 0;
	pthread_mutexattr_init(&attr);
	err = pthread_mutexattr_setpshared(
		&attr, l->shared_mapped ? PTHREAD_PROCESS_SHARED
					: PTHREAD_PROCESS_PRIVATE);
	if (!err && l->shared_mapped && launch_has(l, LAUNCH_ROBUST))
		err = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	if (!err)
		err = pthread_mutex_init(&lk->mutex, &attr);
	pthread_mutexattr_destroy(&attr);
	if (err)
		return err;
	l->lock_made = 1;
	if (l->model == LAUNCH_COROUTINES) {
		lk->coro = coro_mutex_new();
		if (!lk->coro)
			return ENOMEM;
	}
	return 0;
}

static void launch_free_shared(struct launch *l)
{
	struct launch_lock *lk = l->shared;

	if (l->lock_made) {
		pthread_mutex_destroy(&lk->mutex);
		coro_mutex_free(lk->coro);
		lk->coro = NULL;
	}
	l->lock_made = 0;
	if (l->shared_mapped)
		munmap(l->shared, l->kind->shared_size);
	l->shared_mapped = 0;
	l->shared = NULL;
}

int launch_lock_try(struct launch_lock *k)
{
	return k->coro ? coro_mutex_trylock(k->coro)
		       : pthread_mutex_trylock(&k->mutex);
}

int launch_lock_take(struct launch_lock *k)
{
	int err;

	if (k->coro) {
		coro_mutex_lock(k->coro);
		return 0;
	}
	err = pthread_mutex_lock(&k->mutex);
	/* a robust lock's holder died: the lock is ours and the others go
	 * on; what it was doing shows in the verdict */
	if (err == EOWNERDEAD)
		err = pthread_mutex_consistent(&k->mutex);
	return err;
}

void launch_lock_give(struct launch_lock *k)
{
	if (k->coro)
		coro_mutex_unlock(k->coro);
	else
		pthread_mutex_unlock(&k->mutex);
}

void launch_pause(const struct launch_task *t)
{
	if (t->run->model == LAUNCH_COROUTINES)
		coro_yield();
}

/* ---- the run: parameters, start, end ---- */

/* Nothing to undo when it fails. */
static int launch_params(struct launch *l, const struct workload_params *p)
{
	const struct launch_kind *k = l->kind;

	snprintf(l->name, sizeof(l->name), "%s-%s", k->scenario,
		 launch_model_name(l->model));
	l->n = p->tasks ? p->tasks : k->tasks;
	if (k->max_tasks && l->n > k->max_tasks) {
		fprintf(stderr, "%s: %u tasks, at most %u\n", l->name, l->n,
			k->max_tasks);
		return -1;
	}
	if (!launch_has(l, LAUNCH_PIN))
		return 0;
	return tasks_parse_cpus(l->name, p->cpus, l->cpus, &l->ncpus);
}

struct launch *launch_begin(const struct launch_kind *kind,
			    enum launch_model model,
			    const struct workload_params *p)
{
	struct launch *l = calloc(1, kind->run_size);
	int err;

	if (!l) {
		fprintf(stderr, "%s-%s: out of memory\n", kind->scenario,
			launch_model_name(model));
		return NULL;
	}
	l->kind = kind;
	l->model = model;
	l->switches0 = coro_switches();
	if (launch_params(l, p) != 0) {
		free(l);
		return NULL;
	}
	if (kind->prepare && kind->prepare(l, p) != 0) {
		if (kind->teardown)
			kind->teardown(l);
		free(l);
		return NULL;
	}
	LAB_MARK_START(l->marked ? l->marked : l->n);
	if (!launch_has(l, LAUNCH_UNMARKED))
		LAB_MARK_OPS(l->ops);
	launch_phase(l, LAB_PHASE_SETUP);
	err = launch_make_board(l, kind, l->n);
	if (!err)
		err = launch_make_shared(l);
	if (!err)
		err = launch_make_lock(l);
	if (err)
		fprintf(stderr, "%s: setting up: %s\n", l->name, strerror(err));
	if (err || (kind->setup && kind->setup(l) != 0)) {
		/* a failure already said: nothing to check */
		launch_end(l, 1);
		return NULL;
	}
	return l;
}

static void launch_free(struct launch *l)
{
	if (l->board)
		munmap(l->board, l->board_len);
	free(l);
}

struct launch *launch_group(struct launch *run, const struct launch_kind *kind,
			    unsigned n)
{
	struct launch *g = calloc(1, kind->run_size);

	if (!g)
		return NULL;
	g->kind = kind;
	g->model = run->model;
	g->parent = run;
	g->n = n;
	snprintf(g->name, sizeof(g->name), "%s", run->name);
	if (launch_make_board(g, kind, n) != 0) {
		free(g);
		return NULL;
	}
	return g;
}

void launch_group_free(struct launch *g)
{
	launch_free(g);
}

int launch_end(struct launch *l, int result)
{
	const struct launch_kind *k = l->kind;

	launch_phase(l, LAB_PHASE_TEARDOWN);
	l->switches = coro_switches() - l->switches0;
	if (!result) {
		result = k->check ? k->check(l) : 0;
		result = result || l->start_err;
		if (!result && k->report)
			k->report(l);
	}
	if (l->model == LAUNCH_COROUTINES)
		LAB_MARK_CORO_SWITCHES(l->switches);
	LAB_MARK_END(result);
	if (k->teardown)
		k->teardown(l);
	launch_free_shared(l);
	launch_free(l);
	return result;
}

int launch_verdict(const struct launch *l, const char *ops, const char *stopped,
		   const char *tail)
{
	unsigned short_tasks = 0;
	const struct launch_task *first = NULL;

	for (unsigned i = 0; i < l->n; i++) {
		const struct launch_task *t = launch_slot(l, i);

		if (t->started && !t->failed && t->done == l->ops)
			continue;
		if (!short_tasks++)
			first = t;
	}
	if (l->died && WIFSIGNALED(l->died->status)) {
		fprintf(stderr,
			"%s: %s was killed by signal %d; the others were "
			"stopped%s\n",
			l->name, l->died->name, WTERMSIG(l->died->status),
			stopped);
		return 1;
	}
	if (l->started < l->n) {
		fprintf(stderr,
			"%s: only %u of %u tasks could be started; the run "
			"was called off\n",
			l->name, l->started, l->n);
		return 1;
	}
	if (first) {
		fprintf(stderr,
			"%s: %u of %u tasks did not finish (%s made %llu of "
			"%llu %s)%s\n",
			l->name, short_tasks, l->n, first->name,
			(unsigned long long)first->done,
			(unsigned long long)l->ops, ops, tail);
		return 1;
	}
	return 0;
}

/* Records why a task could not be created (no later one is tried) or
 * run, unless an earlier failure is on record already. */
static int launch_failed(struct launch *l, int err, const char *call)
{
	if (!l->start_err) {
		l->start_err = err;
		l->start_call = call;
		l->unsaid = call != NULL;
	}
	return -1;
}

void launch_say(struct launch *l)
{
	if (l->unsaid)
		fprintf(stderr, "%s: %s: %s\n", l->name, l->start_call,
			strerror(l->start_err));
	l->unsaid = 0;
}

/* A task, once it runs: its CPU, then the gate. 1 when it may work; 0,
 * the task failed, when it could not be pinned or the run was called
 * off. With a gate the root has pinned it already. */
static int launch_ready(struct launch_task *t)
{
	struct launch *l = t->run;

	if (launch_has(l, LAUNCH_GATE)) {
		if (gate_wait(&l->board->gate))
			return 1;
	} else if (tasks_pin_cpu(t->cpu) == 0) {
		return 1;
	}
	t->failed = 1;
	return 0;
}

/* ---- processes: fork, waitpid ---- */

static __attribute__((noreturn)) void launch_child(struct launch_task *t)
{
	const struct launch_kind *k = t->run->kind;

	prctl(PR_SET_NAME, t->name);
	if (k->child)
		k->child(t);
	if (launch_ready(t))
		k->job(t);
	/* the exit status is the task's own verdict */
	_exit(t->failed);
}

static int launch_processes_start(struct launch *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		struct launch_task *t = launch_slot(l, i);
		/* t is in the shared mapping: only the root may set its pid */
		pid_t pid = fork();

		if (pid == 0)
			launch_child(t);
		if (pid < 0)
			return launch_failed(l, errno, "fork");
		t->pid = pid;
		t->started = 1;
		l->started++;
	}
	return 0;
}

/* One task reaped: a child that died or exited non-zero failed. With
 * LAUNCH_STOP_ALL the first to do so has the others killed at once. */
static void launch_reaped(struct launch *l, struct launch_task *t, int status)
{
	t->pid = 0; /* never signal that pid again */
	t->status = status;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	t->failed = 1;
	if (!launch_has(l, LAUNCH_STOP_ALL) || l->died)
		return;
	l->died = t;
	for (unsigned i = 0; i < l->n; i++) {
		const struct launch_task *o = launch_slot(l, i);

		if (o->started && o->pid > 0)
			kill(o->pid, SIGKILL);
	}
}

static struct launch_task *launch_task_of(const struct launch *l, pid_t pid)
{
	for (unsigned i = 0; i < l->n; i++) {
		struct launch_task *t = launch_slot(l, i);

		if (t->started && t->pid == pid)
			return t;
	}
	return NULL;
}

/* In task order; with LAUNCH_STOP_ALL whichever child ends first, so
 * that one that died is seen at once. */
static void launch_processes_join(struct launch *l)
{
	if (launch_has(l, LAUNCH_STOP_ALL)) {
		for (unsigned left = l->started; left;) {
			int status;
			pid_t pid = waitpid(-1, &status, 0);
			struct launch_task *t;

			if (pid < 0 && errno != EINTR)
				break;
			t = pid > 0 ? launch_task_of(l, pid) : NULL;
			if (t) {
				launch_reaped(l, t, status);
				left--;
			}
		}
		return;
	}
	for (unsigned i = 0; i < l->n; i++) {
		struct launch_task *t = launch_slot(l, i);
		int status = 0;
		pid_t got;

		if (!t->started)
			continue;
		while ((got = waitpid(t->pid, &status, 0)) < 0 &&
		       errno == EINTR)
			;
		launch_reaped(l, t, got == t->pid ? status : -1);
	}
}

/* ---- threads: pthread_create, pthread_join ---- */

static void *launch_thread(void *arg)
{
	struct launch_task *t = arg;

	pthread_setname_np(pthread_self(), t->name);
	if (launch_ready(t))
		t->run->kind->job(t);
	return NULL;
}

static int launch_threads_start(struct launch *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		struct launch_task *t = launch_slot(l, i);
		int err = pthread_create(&t->thread, NULL, launch_thread, t);

		if (err)
			return launch_failed(l, err, "pthread_create");
		t->started = 1;
		l->started++;
	}
	return 0;
}

static void launch_threads_join(struct launch *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		struct launch_task *t = launch_slot(l, i);

		if (t->started)
			pthread_join(t->thread, NULL);
	}
}

/* ---- coroutines: coro_spawn, coro_run ---- */

static void launch_coro(void *arg)
{
	struct launch_task *t = arg;

	t->run->kind->job(t);
}

/* One thread runs them all: it goes on the first CPU of the list, and
 * back where it was afterwards. */
static int launch_pin_root(struct launch *l)
{
	if (!launch_has(l, LAUNCH_PIN) || !l->ncpus)
		return 0;
	if (tasks_pin_thread(l->name, l->cpus, l->ncpus, &l->saved) != 0)
		return launch_failed(l, EINVAL, NULL);
	l->pinned = 1;
	return 0;
}

static void launch_unpin_root(struct launch *l)
{
	if (l->pinned)
		tasks_unpin_thread(l->ncpus, &l->saved);
	l->pinned = 0;
}

static int launch_coroutines_start(struct launch *l)
{
	if (launch_pin_root(l) != 0)
		return -1;
	for (unsigned i = 0; i < l->n; i++) {
		struct launch_task *t = launch_slot(l, i);
		int err = coro_spawn(launch_coro, t, 0);

		if (err)
			return launch_failed(l, -err, "coro_spawn");
		t->started = 1;
		l->started++;
	}
	return 0;
}

/* ---- letting the tasks go ---- */

/* After the root's part: the join phase, and what tells the tasks to
 * end. */
static void launch_wind_down(struct launch *l)
{
	launch_phase(l, l->kind->join_phase);
	if (l->kind->stop)
		l->kind->stop(l);
}

static void launch_root_coro(void *arg)
{
	struct launch *l = arg;

	l->kind->root[LAUNCH_COROUTINES](l);
	launch_wind_down(l);
}

/* With a gate, the root pins each task while it waits there, so that a
 * task it cannot place calls the run off before any work. */
static int launch_pin_waiting(struct launch *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		const struct launch_task *t = launch_slot(l, i);
		cpu_set_t set;
		int err;

		if (!launch_has(l, LAUNCH_PIN) || t->cpu < 0)
			continue;
		CPU_ZERO(&set);
		CPU_SET(t->cpu, &set);
		if (l->model == LAUNCH_THREADS)
			err = pthread_setaffinity_np(t->thread, sizeof(set),
						     &set);
		else
			err = sched_setaffinity(t->pid, sizeof(set), &set)
				      ? errno
				      : 0;
		if (err) {
			fprintf(stderr, "%s: pinning %s to CPU %d: %s\n",
				l->name, t->name, t->cpu, strerror(err));
			return -1;
		}
	}
	return 0;
}

/* Processes and threads: opens the gate when every task exists, or calls
 * the run off; then the root's part while they work. */
static void launch_kernel_go(struct launch *l)
{
	void (*root)(struct launch *) = l->kind->root[l->model];
	int gate = launch_has(l, LAUNCH_GATE);
	int ok = l->started == l->n && (!gate || launch_pin_waiting(l) == 0);

	if (gate || root)
		launch_phase(l, l->kind->go_phase);
	l->go_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	if (gate)
		gate_set(&l->board->gate, ok ? GATE_OPEN : GATE_CALLED_OFF);
	if (root)
		root(l);
	launch_wind_down(l);
}

/* Nothing runs until coro_run, which returns once every coroutine has
 * ended: the run is the join. */
static void launch_coroutines_go(struct launch *l)
{
	int err = 0;

	if (l->kind->root[LAUNCH_COROUTINES]) {
		err = coro_spawn(launch_root_coro, l, 0);
		if (err) {
			launch_failed(l, -err, "coro_spawn");
			/* nobody will take the root's part: let the tasks end
			 */
			if (l->kind->stop)
				l->kind->stop(l);
		}
	}
	launch_phase(l, l->kind->go_phase);
	l->go_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	err = coro_run();
	l->joined_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	l->join_ns = l->joined_ns - l->go_ns;
	if (err)
		launch_failed(l, -err, "coro_run");
	launch_unpin_root(l);
}

/* One task after another, on the root's own thread. */
static void launch_serial_go(struct launch *l)
{
	if (launch_pin_root(l) != 0)
		return;
	launch_phase(l, l->kind->go_phase);
	l->start_ns = l->go_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	for (unsigned i = 0; i < l->n; i++) {
		struct launch_task *t = launch_slot(l, i);

		t->started = 1;
		l->started++;
		l->kind->job(t);
	}
	l->joined_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	l->join_ns = l->joined_ns - l->go_ns;
	launch_unpin_root(l);
}

/* ---- the steps ---- */

int launch_start(struct launch *l)
{
	const struct launch_kind *k = l->kind;
	int err = 0;

	l->started = 0;
	l->board->gate = GATE_CLOSED;
	for (unsigned i = 0; i < l->n; i++) {
		struct launch_task *t = launch_slot(l, i);
		unsigned k_id = l->round * l->n + i;

		t->pid = 0;
		t->started = t->failed = t->status = 0;
		if (k->name)
			k->name(l, i, t->name, sizeof(t->name));
		else
			snprintf(t->name, sizeof(t->name), "%s%u", k->prefix,
				 k_id);
	}
	if (l->model == LAUNCH_SERIAL)
		return 0;
	launch_phase(l, LAB_PHASE_SPAWN);
	l->start_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	if (l->model == LAUNCH_PROCESSES)
		err = launch_processes_start(l);
	else if (l->model == LAUNCH_THREADS)
		err = launch_threads_start(l);
	else
		err = launch_coroutines_start(l);
	l->spawn_ns = tasks_clock_ns(CLOCK_MONOTONIC) - l->start_ns;
	if (k->started)
		k->started(l);
	return err;
}

void launch_go(struct launch *l)
{
	if (l->model == LAUNCH_COROUTINES)
		launch_coroutines_go(l);
	else if (l->model == LAUNCH_SERIAL)
		launch_serial_go(l);
	else
		launch_kernel_go(l);
}

void launch_join(struct launch *l)
{
	uint64_t t0 = tasks_clock_ns(CLOCK_MONOTONIC);

	if (l->model == LAUNCH_PROCESSES)
		launch_processes_join(l);
	else if (l->model == LAUNCH_THREADS)
		launch_threads_join(l);
	else
		return; /* coroutines and the serial run ended in go */
	l->joined_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	l->join_ns = l->joined_ns - t0;
}

int launch_run(const struct launch_kind *kind, enum launch_model model,
	       const struct workload_params *p)
{
	struct launch *l = launch_begin(kind, model, p);

	if (!l)
		return 1;
	launch_start(l);
	launch_say(l);
	launch_go(l);
	launch_say(l);
	launch_join(l);
	return launch_end(l, 0);
}
