/* io.c - the io scenario: N tasks that spend their time waiting.
 *
 * Each task does `ops` rounds of: wait on a timer (duration / ops), then
 * send a 16-byte record through its own socketpair and wait until the
 * echo side sends it back. Almost no CPU is used, so the concurrent models
 * all finish in about one task's duration, and the serial one takes N
 * times as long. What differs is what a wait costs: a blocked process, a
 * blocked thread, or a parked coroutine in one thread's epoll loop.
 *
 * io_job() is the job and io_echo_one() the other end of the socket, the
 * same code in every model; a struct io_waits says how a task waits
 * (io_waits.c). The
 * models are started by launch.c, from the io_<model>_run() functions at
 * the end:
 *	processes	fork, the root echoes with poll, waitpid
 *	threads		pthread_create, the root echoes with poll, pthread_join
 *	events		each task and each echo side a state machine whose
 *			callbacks one thread's epoll loop calls (io_events.c)
 *	coroutines	coro_spawn a task and an echo per socket, coro_run
 *	serial		the tasks one after another, answering their own records
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "workloads/coro/coro.h"
#include "workloads/io.h"
#include "workloads/io_run.h"

#define IO_TASKS      10
#define IO_OPS	      10
#define IO_DURATION_S 0.3 /* per task, all its waits together */

/* The echo side of one task's socket: take the next record, check that it
 * is the one this task should send now, send it back. Returns 1 when it
 * answered, 0 when the task has closed its end, -1 on error. */
static int io_echo_one(struct io_run *r, struct io_task *t,
		       const struct io_waits *w)
{
	struct io_record rec;
	int n = io_read_full(r->echo_fd[t->base.id], &rec, sizeof(rec), w);

	if (n <= 0)
		return n;
	if (!io_record_expected(t, &rec))
		t->bad = 1;
	if (io_write_full(r->echo_fd[t->base.id], &rec, sizeof(rec), w) != 0)
		return -1;
	t->echoed++;
	return 1;
}

/* Returns 0 when every record came back as it was sent. */
static int io_task_run(struct io_run *r, struct io_task *t,
		       const struct io_waits *w)
{
	unsigned id = t->base.id;

	for (unsigned op = 0; op < r->base.ops; op++) {
		struct io_record out = {id, op, io_check(id, op)};
		struct io_record back;

		w->sleep_ns(r->wait_ns);
		if (io_write_full(r->fd[id], &out, sizeof(out), w) != 0)
			return -1;
		if (w->echo_inline && io_echo_one(r, t, w) != 1)
			return -1;
		if (io_read_full(r->fd[id], &back, sizeof(back), w) != 1)
			return -1;
		if (memcmp(&out, &back, sizeof(out)) != 0)
			return -1;
	}
	return 0;
}

static const struct io_waits *const io_waits_of[LAUNCH_MODELS] = {
	[LAUNCH_PROCESSES] = &io_blocking,
	[LAUNCH_THREADS] = &io_blocking,
	[LAUNCH_COROUTINES] = &io_parking,
	[LAUNCH_SERIAL] = &io_alone,
};

static void io_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The job, the same in every model; closing its end then tells the echo
 * side it is done. */
static void io_job(struct launch_task *lt)
{
	struct io_run *r = (struct io_run *)lt->run;

	lt->failed = io_task_run(r, (struct io_task *)lt,
				 io_waits_of[lt->run->model]) != 0;
	io_close(&r->fd[lt->id]);
}

static void io_teardown(struct launch *l)
{
	struct io_run *r = (struct io_run *)l;

	for (unsigned i = 0; r->fd && i < l->n; i++) {
		io_close(&r->fd[i]);
		io_close(&r->echo_fd[i]);
	}
	free(r->fd);
	free(r->echo_fd);
	r->fd = r->echo_fd = NULL;
}

/* A socketpair a task, made before the run is marked. */
static int io_prepare(struct launch *l, const struct workload_params *p)
{
	struct io_run *r = (struct io_run *)l;
	double duration = p->duration_s ? p->duration_s : IO_DURATION_S;
	int flags = l->model == LAUNCH_COROUTINES || l->model == LAUNCH_EVENTS
			    ? SOCK_NONBLOCK
			    : 0;

	l->ops = p->ops ? p->ops : IO_OPS;
	if (!isfinite(duration) || duration < 0 || duration > 1e6) {
		fprintf(stderr, "%s: bad duration %g s\n", l->name, duration);
		return -1;
	}
	if (tasks_fd_room(l->name, "tasks", l->n, 2) != 0)
		return -1;
	r->wait_ns = (uint64_t)(duration * 1e9 / (double)l->ops);
	r->fd = malloc(l->n * sizeof(*r->fd));
	r->echo_fd = malloc(l->n * sizeof(*r->echo_fd));
	if (!r->fd || !r->echo_fd) {
		fprintf(stderr, "%s: out of memory\n", l->name);
		return -1;
	}
	for (unsigned i = 0; i < l->n; i++)
		r->fd[i] = r->echo_fd[i] = -1;
	for (unsigned i = 0; i < l->n; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0,
			       sv) != 0) {
			fprintf(stderr, "%s: socketpair: %s\n", l->name,
				strerror(errno));
			return -1;
		}
		r->fd[i] = sv[0];
		r->echo_fd[i] = sv[1];
	}
	return 0;
}

/* In a child: a stray copy of another socket would hide that task's end
 * of file from the echo side. */
static void io_child(struct launch_task *t)
{
	struct io_run *r = (struct io_run *)t->run;

	for (unsigned j = 0; j < t->run->n; j++) {
		io_close(&r->echo_fd[j]);
		if (j != t->id)
			io_close(&r->fd[j]);
	}
}

static void io_coro_echo(void *arg);

/* A task that never started has failed; its end is closed, so that the
 * echo side sees end of file. The processes' ends are the children's now:
 * without closing them here, no end of file either. Coroutines get their
 * echo side now, one more coroutine a socket; the events model one more
 * state machine. */
static void io_started(struct launch *l)
{
	struct io_run *r = (struct io_run *)l;

	for (unsigned i = 0; i < l->n; i++) {
		struct io_task *t = launch_slot(l, i);
		int err;

		if (!t->base.started || l->model == LAUNCH_PROCESSES) {
			t->base.failed |= !t->base.started;
			io_close(&r->fd[i]);
		}
		if (!t->base.started || (l->model != LAUNCH_COROUTINES &&
					 l->model != LAUNCH_EVENTS))
			continue;
		err = l->model == LAUNCH_EVENTS
			      ? io_events_echo(t)
			      : coro_spawn(io_coro_echo, t, 0);
		if (!err)
			continue;
		fprintf(stderr, "%s: %s: %s\n", l->name,
			l->model == LAUNCH_EVENTS ? "epoll_ctl" : "coro_spawn",
			strerror(-err));
		l->start_err = -err;
		/* the task gets end of file instead of an answer */
		io_close(&r->echo_fd[i]);
	}
}

static void io_coro_echo(void *arg)
{
	struct io_task *t = arg;
	struct io_run *r = (struct io_run *)t->base.run;

	while (io_echo_one(r, t, &io_parking) == 1)
		;
	/* a task still waiting for an answer gets end of file, not a hang */
	io_close(&r->echo_fd[t->base.id]);
}

/* Every op of every task done: the task got each record back intact and
 * the echo side saw each one, in order. */
static int io_verdict(struct launch *l)
{
	unsigned wrong = 0;

	for (unsigned i = 0; i < l->n; i++) {
		const struct io_task *t = launch_slot(l, i);

		if (!t->base.failed && !t->bad && t->echoed == l->ops)
			continue;
		if (!wrong++)
			fprintf(stderr, "%s: %s echoed %u of %u ops%s%s\n",
				l->name, t->base.name, t->echoed,
				(unsigned)l->ops,
				t->base.failed ? ", the task failed" : "",
				t->bad ? ", records out of order" : "");
	}
	if (wrong)
		fprintf(stderr, "%s: %u of %u tasks wrong\n", l->name, wrong,
			l->n);
	/* every dispatch of the loop advanced one of the run's machines */
	if (l->model == LAUNCH_EVENTS && io_events_steps(l) != l->dispatches) {
		fprintf(stderr,
			"%s: the loop dispatched %llu callbacks, the state "
			"machines counted %llu\n",
			l->name, (unsigned long long)l->dispatches,
			(unsigned long long)io_events_steps(l));
		wrong++;
	}
	return wrong ? 1 : 0;
}

/* One line for the reader: the rounds against the time they took, next
 * to what one task's timers alone take, the floor of a concurrent run. */
static void io_report(const struct launch *l)
{
	const struct io_run *r = (const struct io_run *)l;
	uint64_t ns = l->joined_ns - l->start_ns;

	printf("%s: %u tasks x %u ops (a %.1f ms timer, then an echo) in "
	       "%.3f s; a task's timers alone take %.3f s",
	       l->name, l->n, (unsigned)l->ops, (double)r->wait_ns / 1e6,
	       (double)ns / 1e9, (double)r->wait_ns * (double)l->ops / 1e9);
	launch_events_note(l);
	putchar('\n');
	LAB_RESULT(LAB_RESULT_OPS, (uint64_t)l->n * l->ops);
	LAB_RESULT(LAB_RESULT_OPS_NS, ns);
}

/* Processes and threads: the root answers every socket with poll until
 * each task has closed its end, then closes its own ends so that a task
 * still waiting (the root gave up) gets an error instead of a hang. */
static void io_serve(struct launch *l)
{
	struct io_run *r = (struct io_run *)l;
	struct pollfd *pf = calloc(l->n, sizeof(*pf));
	unsigned open = l->n;

	for (unsigned i = 0; pf && i < l->n; i++) {
		pf[i].fd = r->echo_fd[i];
		pf[i].events = POLLIN;
	}
	while (pf && open) {
		if (poll(pf, l->n, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", l->name,
				strerror(errno));
			break;
		}
		for (unsigned i = 0; i < l->n; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			if (io_echo_one(r, launch_slot(l, i), &io_blocking) !=
			    1) {
				io_close(&r->echo_fd[i]);
				pf[i].fd = -1;
				open--;
			}
		}
	}
	free(pf);
	for (unsigned i = 0; i < l->n; i++)
		io_close(&r->echo_fd[i]);
}

static const struct launch_kind io_kind = {
	.scenario = "io",
	.prefix = "io-w",
	.tasks = IO_TASKS,
	.run_size = sizeof(struct io_run),
	.slot_size = sizeof(struct io_task),
	/* one phase of waiting: the run marks its start and end only */
	.flags = LAUNCH_UNMARKED,
	.job = io_job,
	.machine = io_events_begin,
	.machine_size = sizeof(struct io_machine),
	.prepare = io_prepare,
	.child = io_child,
	.started = io_started,
	.root = {[LAUNCH_PROCESSES] = io_serve, [LAUNCH_THREADS] = io_serve},
	.check = io_verdict,
	.report = io_report,
	.teardown = io_teardown,
};

/* ---- the models, each started by launch.c ---- */

static int io_processes_run(const struct workload_params *p)
{
	return launch_run(&io_kind, LAUNCH_PROCESSES, p);
}

static int io_threads_run(const struct workload_params *p)
{
	return launch_run(&io_kind, LAUNCH_THREADS, p);
}

static int io_events_run(const struct workload_params *p)
{
	return launch_run(&io_kind, LAUNCH_EVENTS, p);
}

static int io_coroutines_run(const struct workload_params *p)
{
	return launch_run(&io_kind, LAUNCH_COROUTINES, p);
}

static int io_serial_run(const struct workload_params *p)
{
	return launch_run(&io_kind, LAUNCH_SERIAL, p);
}

const struct workload io_processes = {
	.name = "io-processes",
	.scenario = "io",
	.model = "processes",
	.summary = "N processes wait on timers and socket round trips",
	.run = io_processes_run,
};

const struct workload io_threads = {
	.name = "io-threads",
	.scenario = "io",
	.model = "threads",
	.summary = "N threads wait on timers and socket round trips",
	.run = io_threads_run,
};

const struct workload io_events = {
	.name = "io-events",
	.scenario = "io",
	.model = "events",
	.summary =
		"N state machines in one thread, advanced by epoll callbacks",
	.run = io_events_run,
};

const struct workload io_coroutines = {
	.name = "io-coroutines",
	.scenario = "io",
	.model = "coroutines",
	.summary = "N coroutines in one thread wait through one epoll loop",
	.run = io_coroutines_run,
};

const struct workload io_serial = {
	.name = "io-serial",
	.scenario = "io",
	.model = "serial",
	.summary = "the same N tasks one after another: N times as long",
	.run = io_serial_run,
};
