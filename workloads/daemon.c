/* daemon.c - the daemon scenario: a worker that outlives its usefulness,
 * and finished tasks that linger until someone waits for them.
 *
 * `tasks` workers each do `ops` ticks of waiting while a daemon beats a
 * heartbeat every tick in a loop that never ends by itself. Two lessons,
 * in every model.
 *
 * 1. A daemon ends with the main task. In Python, daemon=True on a
 *    multiprocessing.Process makes the parent terminate it (SIGTERM) once
 *    the main program's code is done; on a threading.Thread it makes the
 *    interpreter exit without waiting for it, which ends it mid-loop.
 *	processes	the parent sends SIGTERM at its end and reaps it
 *	threads		a detached thread still looping when its process
 *			exits: exit ends every thread of the process at once.
 *			run() has to return to its caller, so the process
 *			whose main ends is a child, "daemon-prog", that
 *			run() forks and reaps
 *	coroutines	a coroutine asleep in its loop when main returns.
 *			asyncio.run cancels what is left when main returns,
 *			raising CancelledError at each pending await, and an
 *			unjoined greenlet simply vanishes at exit. coro_run
 *			has no cancellation and waits for every coroutine,
 *			so the daemon checks main's flag at each wakeup
 *
 * 2. A finished task leaves something behind until it is waited for.
 *	processes	a worker that exited is a zombie, state Z in
 *			/proc/PID/stat: the kernel keeps its pid, exit status
 *			and usage until the parent's waitpid. The parent
 *			sees each exit with waitid(WNOWAIT), which leaves the
 *			zombie in place, holds them half the work time, then
 *			reaps. (A child that outlives its parent is an
 *			orphan, adopted by init or a subreaper: not a zombie.)
 *	threads		a joinable thread that returned has no kernel task any
 *			more (/proc/PID/task/TID is gone); what waits for
 *			pthread_join is its stack and return value, in user
 *			space
 *	coroutines	nothing waits: a finished coroutine's stack goes back
 *			to the runtime's pool at once, and the next spawn
 *			takes it without mapping a new one
 *
 * daemon_beat() is the daemon's loop and daemon_work() a worker's job, the
 * same in every model. launch.c starts the daemon and the workers, from
 * the daemon_<model>_run() functions at the end; what happens at main's
 * end and to finished workers is each model's own lesson, in
 * daemon_processes.c, daemon_threads.c and daemon_coroutines.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include "workloads/coro/coro.h"
#include "workloads/daemon.h"
#include "workloads/daemon_run.h"

#define DAEMON_TASKS	  2
#define DAEMON_OPS	  10
#define DAEMON_DURATION_S 0.5 /* the workers' work; zombies wait half */

uint64_t daemon_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void daemon_beat(struct daemon_shared *sh, uint64_t tick_ns,
		 void (*sleep_ns)(uint64_t), const int *stop)
{
	sh->daemon_id = gettid();
	__atomic_store_n(&sh->in_loop, 1, __ATOMIC_RELEASE);
	while (!stop || !*stop) {
		__atomic_add_fetch(&sh->beats, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&sh->asleep, 1, __ATOMIC_RELAXED);
		sleep_ns(tick_ns);
		__atomic_store_n(&sh->asleep, 0, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&sh->left_loop, 1, __ATOMIC_RELEASE);
}

unsigned daemon_work(struct daemon_run *r, void (*sleep_ns)(uint64_t))
{
	unsigned done = 0;

	for (; done < r->ops; done++) {
		sleep_ns(r->tick_ns);
		__atomic_add_fetch(&r->sh->ops_done, 1, __ATOMIC_RELAXED);
	}
	return done;
}

/* With tiny ticks on a busy machine, main may reach its end before the
 * daemon has run at all: wait for its first beat, so that what main then
 * sees is a daemon that runs. */
void daemon_wait_beat(struct daemon_shared *sh)
{
	uint64_t deadline = daemon_now_ns() + DAEMON_WAIT_NS;

	while (!__atomic_load_n(&sh->beats, __ATOMIC_ACQUIRE) &&
	       daemon_now_ns() < deadline)
		tasks_sleep_ns(1000000);
}

double daemon_ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

void daemon_die_with(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1); /* the parent died before the line above */
}

/* ---- one run: parameters, the shared mapping ---- */

/* The workers, and beside them the daemon: task 0 of the launcher's
 * processes and coroutines, a thread of daemon-prog's. */
static int daemon_prepare(struct launch *l, const struct workload_params *p)
{
	struct daemon_run *r = (struct daemon_run *)l;
	double duration = p->duration_s ? p->duration_s : DAEMON_DURATION_S;

	r->n = l->n;
	r->ops = p->ops ? p->ops : DAEMON_OPS;
	l->ops = r->ops;
	if (!isfinite(duration) || duration < 0 || duration > 1e6) {
		fprintf(stderr, "%s: bad duration %g s\n", l->name, duration);
		return -1;
	}
	if (r->n > 100000) {
		fprintf(stderr, "%s: %u workers are too many\n", l->name, r->n);
		return -1;
	}
	r->tick_ns = (uint64_t)(duration * 1e9 / r->ops);
	r->hold_ns = (uint64_t)(duration * 1e9 / 2);
	l->n = l->model == LAUNCH_THREADS ? 0 : r->n + 1;
	l->marked = r->n + 1;
	return 0;
}

/* The shared state, which forked children see too. */
static int daemon_setup(struct launch *l)
{
	struct daemon_run *r = (struct daemon_run *)l;

	r->parent = getpid();
	r->sh_len = sizeof(*r->sh) + (size_t)r->n * sizeof(r->sh->w[0]);
	r->sh = mmap(NULL, r->sh_len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->sh == MAP_FAILED) {
		fprintf(stderr, "%s: mmap: %s\n", l->name, strerror(errno));
		r->sh = NULL;
		return -1;
	}
	for (unsigned i = 0; i < r->n; i++) {
		r->sh->w[i].id = i;
		snprintf(r->sh->w[i].name, sizeof(r->sh->w[i].name),
			 "daemon-w%u", i);
	}
	if (l->model == LAUNCH_COROUTINES && !(r->done = coro_chan_new(r->n))) {
		fprintf(stderr, "%s: %s\n", l->name, strerror(ENOMEM));
		return -1;
	}
	return 0;
}

static void daemon_teardown(struct launch *l)
{
	struct daemon_run *r = (struct daemon_run *)l;

	if (r->sh)
		munmap(r->sh, r->sh_len);
	r->sh = NULL;
	coro_chan_free(r->done);
	r->done = NULL;
}

static void daemon_name(const struct launch *l, unsigned i, char *buf,
			size_t len)
{
	(void)l;
	if (i)
		snprintf(buf, len, "daemon-w%u", i - 1);
	else
		snprintf(buf, len, "daemon-d");
}

/* Task 0 is the daemon, which never ends by itself in a process; the
 * others are the workers. */
static void daemon_job(struct launch_task *t)
{
	struct daemon_run *r = (struct daemon_run *)t->run;
	int coro = t->run->model == LAUNCH_COROUTINES;
	void (*sleep_ns)(uint64_t) = coro ? coro_sleep_ns : tasks_sleep_ns;
	unsigned done;

	if (!t->id) {
		daemon_beat(r->sh, r->tick_ns, sleep_ns,
			    coro ? &r->main_done : NULL);
		r->daemon_end_ns = daemon_now_ns();
		return;
	}
	done = daemon_work(r, sleep_ns);
	t->failed = done != r->ops;
	if (coro)
		coro_chan_send(r->done, (void *)(uintptr_t)done);
}

static void daemon_child(struct launch_task *t)
{
	daemon_die_with(((struct daemon_run *)t->run)->parent);
}

int daemon_workers_verdict(const struct daemon_run *r,
			   int (*seen)(const struct daemon_worker *),
			   const char *what)
{
	unsigned wrong = 0;

	for (unsigned i = 0; i < r->n; i++) {
		const struct daemon_worker *w = &r->sh->w[i];

		if (w->ok && (!seen || seen(w)))
			continue;
		if (!wrong++)
			fprintf(stderr, "%s: %s %s\n", r->base.name, w->name,
				!w->ok ? "did not finish its work" : what);
	}
	if (__atomic_load_n(&r->sh->ops_done, __ATOMIC_RELAXED) !=
	    (uint64_t)r->n * r->ops) {
		fprintf(stderr,
			"%s: the workers did %" PRIu64 " of %" PRIu64 " ops\n",
			r->base.name, r->sh->ops_done, (uint64_t)r->n * r->ops);
		wrong++;
	}
	return wrong ? 1 : 0;
}

uint64_t daemon_min_held(const struct daemon_run *r)
{
	uint64_t min = UINT64_MAX;

	for (unsigned i = 0; i < r->n; i++) {
		const struct daemon_worker *w = &r->sh->w[i];

		if (w->reaped_ns - w->exited_ns < min)
			min = w->reaped_ns - w->exited_ns;
	}
	return min;
}

/* ---- the models: each its own kind, as each ends its own way ---- */

/* What the three kinds share. The workers are reaped, and the daemon
 * ended, as each model's lesson says, not by the launcher. */
#define DAEMON_KIND                                                            \
	.scenario = "daemon", .tasks = DAEMON_TASKS,                           \
	.run_size = sizeof(struct daemon_run),                                 \
	.slot_size = sizeof(struct launch_task), .flags = LAUNCH_OWN_JOIN,     \
	.go_phase = LAB_PHASE_WORK, .job = daemon_job,                         \
	.prepare = daemon_prepare, .setup = daemon_setup,                      \
	.teardown = daemon_teardown

static const struct launch_kind daemon_processes_kind = {
	DAEMON_KIND,
	.join_phase = LAB_PHASE_JOIN,
	.name = daemon_name,
	.child = daemon_child,
	.root = {[LAUNCH_PROCESSES] = daemon_see_exits},
	.stop = daemon_hold_zombies,
	.check = daemon_processes_check,
	.report = daemon_processes_report,
};

/* the launcher starts no thread: daemon-prog starts them all */
static const struct launch_kind daemon_threads_kind = {
	DAEMON_KIND,
	.started = daemon_prog_start,
	.root = {[LAUNCH_THREADS] = daemon_prog_wait},
	.check = daemon_prog_check,
	.report = daemon_prog_report,
};

static const struct launch_kind daemon_coroutines_kind = {
	DAEMON_KIND,
	.root = {[LAUNCH_COROUTINES] = daemon_coro_main},
	.check = daemon_coroutines_check,
	.report = daemon_coroutines_report,
};

static int daemon_processes_run(const struct workload_params *p)
{
	return launch_run(&daemon_processes_kind, LAUNCH_PROCESSES, p);
}

static int daemon_threads_run(const struct workload_params *p)
{
	return launch_run(&daemon_threads_kind, LAUNCH_THREADS, p);
}

static int daemon_coroutines_run(const struct workload_params *p)
{
	return launch_run(&daemon_coroutines_kind, LAUNCH_COROUTINES, p);
}

const struct workload daemon_processes = {
	.name = "daemon-processes",
	.scenario = "daemon",
	.model = "processes",
	.summary = "a daemon child killed at main's end; zombies until waitpid",
	.run = daemon_processes_run,
};

const struct workload daemon_threads = {
	.name = "daemon-threads",
	.scenario = "daemon",
	.model = "threads",
	.summary = "a detached thread ended by exit; unjoined finished threads",
	.run = daemon_threads_run,
};

const struct workload daemon_coroutines = {
	.name = "daemon-coroutines",
	.scenario = "daemon",
	.model = "coroutines",
	.summary = "a sleeping daemon coroutine when main returns",
	.run = daemon_coroutines_run,
};
