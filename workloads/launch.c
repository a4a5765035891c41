/* launch.c - the model launcher (see launch.h): how a scenario's tasks
 * are made, let go and waited for, one section a model, side by side.
 *	processes	fork; the child names itself (prctl), runs the job
 *			and _exits with its verdict; the root reaps it with
 *			waitpid
 *	threads		pthread_create; the thread names itself and runs the
 *			job; pthread_join
 *	events		each task's state machine armed on this thread's
 *			epoll loop (evloop.h); nothing runs until evloop_run,
 *			which calls their callbacks until none is armed: the
 *			run is the join
 *	coroutines	coro_spawn; nothing runs until coro_run, which runs
 *			them all on this thread and returns once every one
 *			has ended: the run is the join
 *	serial		the jobs one after another, in a plain loop
 * What the tasks share (slots, gate, shared state, lock) is
 * launch_share.c; a run's start and end, with their markers, is
 * launch_run.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "workloads/coro/coro.h"
#include "workloads/evloop.h"
#include "workloads/gate.h"
#include "workloads/launch_impl.h"
#include "workloads/memory_point.h"

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

/* After the root's part: the join phase, and what tells the tasks to
 * end. */
static void launch_wind_down(struct launch *l)
{
	launch_phase(l, l->kind->join_phase);
	if (l->kind->stop)
		l->kind->stop(l);
}

/* ---- processes: fork, _exit, waitpid ---- */

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
		uint64_t t0 = tasks_clock_ns(CLOCK_MONOTONIC);
		/* t is in the shared mapping: only the root may set its pid */
		pid_t pid = fork();

		if (pid == 0)
			launch_child(t);
		/* the root's side of the call; the child recorded nothing */
		l->create_ns += tasks_clock_ns(CLOCK_MONOTONIC) - t0;
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
		uint64_t t0 = tasks_clock_ns(CLOCK_MONOTONIC);
		int err = pthread_create(&t->thread, NULL, launch_thread, t);

		l->create_ns += tasks_clock_ns(CLOCK_MONOTONIC) - t0;
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

/* Every task made: the run's peak, which lab samples while the root
 * waits, in a phase of its own so that neither the making of the tasks
 * nor their work is charged with the wait; the caller marks the phase
 * that follows. The wait is taken off the run's start. */
static void launch_peak(struct launch *l)
{
	if (memory_point_waits(LAB_MEMORY_PEAK))
		launch_phase(l, LAB_PHASE_SAMPLE);
	l->start_ns += memory_point(LAB_MEMORY_PEAK);
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
		uint64_t t0 = tasks_clock_ns(CLOCK_MONOTONIC);
		int err = coro_spawn(launch_coro, t, 0);

		l->create_ns += tasks_clock_ns(CLOCK_MONOTONIC) - t0;
		if (err)
			return launch_failed(l, -err, "coro_spawn");
		t->started = 1;
		l->started++;
	}
	return 0;
}

static void launch_root_coro(void *arg)
{
	struct launch *l = arg;

	l->kind->root[LAUNCH_COROUTINES](l);
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
			/* nobody takes the root's part: let the tasks end */
			if (l->kind->stop)
				l->kind->stop(l);
		}
	}
	/* every coroutine made, none run: the peak (see launch_kernel_go) */
	if (!err)
		launch_peak(l);
	launch_phase(l, l->kind->go_phase);
	l->go_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	err = coro_run();
	l->joined_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	l->join_ns = l->joined_ns - l->go_ns;
	if (err)
		launch_failed(l, -err, "coro_run");
	launch_unpin_root(l);
}

/* ---- events: state machines on one epoll loop ---- */

/* Arming a task's first wait is all its creation: no stack, no kernel
 * task. One that could not arm it failed, and the others go on. */
static int launch_events_start(struct launch *l)
{
	if (launch_pin_root(l) != 0)
		return -1;
	for (unsigned i = 0; i < l->n; i++) {
		struct launch_task *t = launch_slot(l, i);
		uint64_t t0 = tasks_clock_ns(CLOCK_MONOTONIC);

		l->kind->machine(t);
		l->create_ns += tasks_clock_ns(CLOCK_MONOTONIC) - t0;
		t->started = 1;
		l->started++;
	}
	return 0;
}

/* Nothing runs until evloop_run, which returns once no task waits any
 * more: the run is the join. */
static void launch_events_go(struct launch *l)
{
	void (*root)(struct launch *) = l->kind->root[LAUNCH_EVENTS];
	int err;

	/* every state machine made, none called back: the peak (see
	 * launch_kernel_go) */
	launch_peak(l);
	launch_phase(l, l->kind->go_phase);
	l->go_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	/* the root's part is a state machine too: its first step arms what
	 * the loop then calls back */
	if (root)
		root(l);
	err = evloop_run();
	l->joined_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	l->join_ns = l->joined_ns - l->go_ns;
	if (err)
		launch_failed(l, -err, "epoll_pwait2");
	if (root)
		launch_wind_down(l);
	launch_unpin_root(l);
}

/* ---- serial: a plain loop ---- */

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

/* ---- letting processes and threads go ---- */

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

	/* every task made: the peak, each waiting at the gate or, without
	 * one, at work already. The root waits while lab samples it; that
	 * time is no part of the run, nor of a phase when one follows. */
	if (ok && (gate || root))
		launch_peak(l);
	else if (ok)
		l->start_ns += memory_point(LAB_MEMORY_PEAK);
	if (gate || root)
		launch_phase(l, l->kind->go_phase);
	l->go_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	if (gate)
		gate_set(&l->board->gate, ok ? GATE_OPEN : GATE_CALLED_OFF);
	if (root)
		root(l);
	launch_wind_down(l);
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
	/* the root alone, what every task adds to */
	memory_point(LAB_MEMORY_BEFORE);
	launch_phase(l, LAB_PHASE_SPAWN);
	l->start_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	if (l->model == LAUNCH_PROCESSES)
		err = launch_processes_start(l);
	else if (l->model == LAUNCH_THREADS)
		err = launch_threads_start(l);
	else if (l->model == LAUNCH_EVENTS)
		err = launch_events_start(l);
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
	else if (l->model == LAUNCH_EVENTS)
		launch_events_go(l);
	else if (l->model == LAUNCH_SERIAL)
		launch_serial_go(l);
	else
		launch_kernel_go(l);
}

void launch_join(struct launch *l)
{
	uint64_t t0 = tasks_clock_ns(CLOCK_MONOTONIC);

	if (launch_has(l, LAUNCH_OWN_JOIN))
		return;
	if (l->model == LAUNCH_PROCESSES)
		launch_processes_join(l);
	else if (l->model == LAUNCH_THREADS)
		launch_threads_join(l);
	else
		return; /* the one-thread models ended in go */
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
