/* io.c - the io scenario: N tasks that spend their time waiting.
 *
 * Each task does `ops` rounds of: wait on a timer (duration / ops), then
 * send a 16-byte record through its own socketpair and wait until the
 * echo side sends it back. Almost no CPU is used, so the concurrent models
 * all finish in about one task's duration, and the serial one takes N
 * times as long. What differs is what a wait costs: a blocked process, a
 * blocked thread, or a parked coroutine in one thread's epoll loop.
 *
 * io_task_run() is the job and io_echo_one() the other end of the socket,
 * the same code in every model. Below them, one function per model:
 *	processes	fork, the root echoes with poll, waitpid
 *	threads		pthread_create, the root echoes with poll, pthread_join
 *	coroutines	coro_spawn a task and an echo per socket, coro_run
 *	serial		the tasks one after another, answering their own records
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "coro.h"
#include "io.h"
#include "markers.h"
#include "tasks.h"

#define IO_TASKS      10
#define IO_OPS	      10
#define IO_DURATION_S 0.3 /* per task, all its waits together */

struct io_record {
	uint32_t task;
	uint32_t op;
	uint64_t check;
};

struct io_task {
	unsigned id;
	unsigned ops;
	uint64_t wait_ns;
	char name[16];	 /* "io-w3": the name of its process or thread */
	int fd;		 /* the task's end of its socketpair */
	int echo_fd;	 /* the echo side's end */
	int failed;	 /* the task's own verdict: an echo did not come back */
	unsigned echoed; /* records the echo side answered, in order */
	int bad;	 /* the echo side got a record out of order */
	pid_t pid;
	pthread_t thread;
	int started;
};

struct io_run {
	const char *name;
	unsigned n;
	struct io_task *t;
};

/* How a task waits: in a blocking system call, or by parking its
 * coroutine while the others run. */
struct io_waits {
	void (*sleep_ns)(uint64_t ns);
	int (*wait_fd)(int fd, uint32_t events);
	/* serial: nobody else runs, so the task's thread answers itself */
	int echo_inline;
};

static uint64_t io_check(uint32_t task, uint32_t op)
{
	return ((uint64_t)task << 32 | op) * 0x9e3779b97f4a7c15ull;
}

/* Returns 1 with the whole record, 0 at end of file before it, -1 on
 * error. A non-blocking fd that has nothing yet waits through w. */
static int io_read_full(int fd, void *buf, size_t len, const struct io_waits *w)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, p + got, len - got, 0);

		if (n > 0) {
			got += (size_t)n;
		} else if (n == 0) {
			return got ? -1 : 0;
		} else if (errno == EAGAIN) {
			if (w->wait_fd(fd, EPOLLIN) < 0)
				return -1;
		} else if (errno != EINTR) {
			return -1;
		}
	}
	return 1;
}

static int io_write_full(int fd, const void *buf, size_t len,
			 const struct io_waits *w)
{
	const char *p = buf;
	size_t sent = 0;

	while (sent < len) {
		/* a peer that died must fail this call, not kill us by SIGPIPE
		 */
		ssize_t n = send(fd, p + sent, len - sent, MSG_NOSIGNAL);

		if (n >= 0) {
			sent += (size_t)n;
		} else if (errno == EAGAIN) {
			if (w->wait_fd(fd, EPOLLOUT) < 0)
				return -1;
		} else if (errno != EINTR) {
			return -1;
		}
	}
	return 0;
}

/* The echo side of one task's socket: take the next record, check that it
 * is the one this task should send now, send it back. Returns 1 when it
 * answered, 0 when the task has closed its end, -1 on error. */
static int io_echo_one(struct io_task *t, const struct io_waits *w)
{
	struct io_record r;
	int n = io_read_full(t->echo_fd, &r, sizeof(r), w);

	if (n <= 0)
		return n;
	if (r.task != t->id || r.op != t->echoed ||
	    r.check != io_check(r.task, r.op))
		t->bad = 1;
	if (io_write_full(t->echo_fd, &r, sizeof(r), w) != 0)
		return -1;
	t->echoed++;
	return 1;
}

/* The job, the same in every model. Returns 0 when every record came back
 * as it was sent. */
static int io_task_run(struct io_task *t, const struct io_waits *w)
{
	for (unsigned op = 0; op < t->ops; op++) {
		struct io_record out = {t->id, op, io_check(t->id, op)};
		struct io_record back;

		w->sleep_ns(t->wait_ns);
		if (io_write_full(t->fd, &out, sizeof(out), w) != 0)
			return -1;
		if (w->echo_inline && io_echo_one(t, w) != 1)
			return -1;
		if (io_read_full(t->fd, &back, sizeof(back), w) != 1)
			return -1;
		if (memcmp(&out, &back, sizeof(out)) != 0)
			return -1;
	}
	return 0;
}

static void io_sleep_blocking(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000u),
		.tv_nsec = (long)(ns % 1000000000u),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

static int io_wait_blocking(int fd, uint32_t events)
{
	struct pollfd p = {.fd = fd, .events = (short)events};

	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static const struct io_waits io_blocking = {
	.sleep_ns = io_sleep_blocking,
	.wait_fd = io_wait_blocking,
};

static const struct io_waits io_parking = {
	.sleep_ns = coro_sleep_ns,
	.wait_fd = coro_wait_fd,
};

static const struct io_waits io_alone = {
	.sleep_ns = io_sleep_blocking,
	.wait_fd = io_wait_blocking,
	.echo_inline = 1,
};

static void io_teardown(struct io_run *r)
{
	for (unsigned i = 0; i < r->n; i++) {
		if (r->t[i].fd >= 0)
			close(r->t[i].fd);
		if (r->t[i].echo_fd >= 0)
			close(r->t[i].echo_fd);
	}
	free(r->t);
	r->t = NULL;
}

static int io_setup(struct io_run *r, const char *name,
		    const struct workload_params *p, int sock_flags)
{
	unsigned ops = p->ops ? p->ops : IO_OPS;
	double duration = p->duration_s ? p->duration_s : IO_DURATION_S;

	r->name = name;
	r->n = p->tasks ? p->tasks : IO_TASKS;
	r->t = NULL;
	if (!isfinite(duration) || duration < 0 || duration > 1e6) {
		fprintf(stderr, "%s: bad duration %g s\n", name, duration);
		return -1;
	}
	if (tasks_fd_room(name, "tasks", r->n, 2) != 0)
		return -1;
	r->t = calloc(r->n, sizeof(*r->t));
	if (!r->t) {
		fprintf(stderr, "%s: out of memory\n", name);
		return -1;
	}
	for (unsigned i = 0; i < r->n; i++) {
		struct io_task *t = &r->t[i];
		int sv[2];

		t->id = i;
		t->ops = ops;
		t->wait_ns = (uint64_t)(duration * 1e9 / ops);
		snprintf(t->name, sizeof(t->name), "io-w%u", i);
		t->fd = t->echo_fd = -1;
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | sock_flags,
			       0, sv) != 0) {
			fprintf(stderr, "%s: socketpair: %s\n", name,
				strerror(errno));
			r->n = i;
			io_teardown(r);
			return -1;
		}
		t->fd = sv[0];
		t->echo_fd = sv[1];
	}
	return 0;
}

/* Every op of every task done: the task got each record back intact and
 * the echo side saw each one, in order. */
static int io_verdict(const struct io_run *r)
{
	unsigned wrong = 0;

	for (unsigned i = 0; i < r->n; i++) {
		const struct io_task *t = &r->t[i];

		if (!t->failed && !t->bad && t->echoed == t->ops)
			continue;
		if (!wrong++)
			fprintf(stderr, "%s: %s echoed %u of %u ops%s%s\n",
				r->name, t->name, t->echoed, t->ops,
				t->failed ? ", the task failed" : "",
				t->bad ? ", records out of order" : "");
	}
	if (wrong)
		fprintf(stderr, "%s: %u of %u tasks wrong\n", r->name, wrong,
			r->n);
	return wrong ? 1 : 0;
}

/* Processes and threads: the root answers every socket with poll until
 * each task has closed its end, then closes its own ends so that a task
 * still waiting (the root gave up) gets an error instead of a hang. */
static void io_serve(struct io_run *r)
{
	struct pollfd *pf = calloc(r->n, sizeof(*pf));
	unsigned open = r->n;

	for (unsigned i = 0; pf && i < r->n; i++) {
		pf[i].fd = r->t[i].echo_fd;
		pf[i].events = POLLIN;
	}
	while (pf && open) {
		if (poll(pf, r->n, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", r->name,
				strerror(errno));
			break;
		}
		for (unsigned i = 0; i < r->n; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			if (io_echo_one(&r->t[i], &io_blocking) != 1) {
				close(r->t[i].echo_fd);
				r->t[i].echo_fd = -1;
				pf[i].fd = -1;
				open--;
			}
		}
	}
	free(pf);
	for (unsigned i = 0; i < r->n; i++) {
		if (r->t[i].echo_fd >= 0)
			close(r->t[i].echo_fd);
		r->t[i].echo_fd = -1;
	}
}

/* ---- processes ---- */

static __attribute__((noreturn)) void io_child(struct io_run *r, unsigned i)
{
	struct io_task *t = &r->t[i];

	prctl(PR_SET_NAME, t->name);
	/* a stray copy of another socket would hide that task's end of file
	 * from the echo side */
	for (unsigned j = 0; j < r->n; j++) {
		if (r->t[j].echo_fd >= 0)
			close(r->t[j].echo_fd);
		if (j != i && r->t[j].fd >= 0)
			close(r->t[j].fd);
	}
	_exit(io_task_run(t, &io_blocking) == 0 ? 0 : 1);
}

static int io_processes_run(const struct workload_params *p)
{
	struct io_run r;
	int result;

	if (io_setup(&r, "io-processes", p, 0) != 0)
		return 1;
	LAB_MARK_START(r.n);
	for (unsigned i = 0; i < r.n; i++) {
		struct io_task *t = &r.t[i];

		t->pid = fork();
		if (t->pid == 0)
			io_child(&r, i);
		if (t->pid < 0)
			fprintf(stderr, "%s: fork: %s\n", r.name,
				strerror(errno));
		t->started = t->pid > 0;
		t->failed = !t->started;
		close(t->fd); /* the child's now; without it, no end of file */
		t->fd = -1;
	}
	io_serve(&r);
	for (unsigned i = 0; i < r.n; i++) {
		struct io_task *t = &r.t[i];
		int status = 0;
		pid_t got;

		if (!t->started)
			continue;
		while ((got = waitpid(t->pid, &status, 0)) < 0 &&
		       errno == EINTR)
			;
		/* the exit status is the child's report of its own check */
		t->failed = got != t->pid || !WIFEXITED(status) ||
			    WEXITSTATUS(status) != 0;
	}
	result = io_verdict(&r);
	LAB_MARK_END(result);
	io_teardown(&r);
	return result;
}

/* ---- threads ---- */

static void *io_thread(void *arg)
{
	struct io_task *t = arg;

	pthread_setname_np(pthread_self(), t->name);
	t->failed = io_task_run(t, &io_blocking) != 0;
	close(t->fd); /* end of file tells the echo side we are done */
	t->fd = -1;
	return NULL;
}

static int io_threads_run(const struct workload_params *p)
{
	struct io_run r;
	int result;

	if (io_setup(&r, "io-threads", p, 0) != 0)
		return 1;
	LAB_MARK_START(r.n);
	for (unsigned i = 0; i < r.n; i++) {
		struct io_task *t = &r.t[i];
		int err = pthread_create(&t->thread, NULL, io_thread, t);

		t->started = err == 0;
		if (!err)
			continue;
		fprintf(stderr, "%s: pthread_create: %s\n", r.name,
			strerror(err));
		t->failed = 1;
		close(t->fd);
		t->fd = -1;
	}
	io_serve(&r);
	for (unsigned i = 0; i < r.n; i++)
		if (r.t[i].started)
			pthread_join(r.t[i].thread, NULL);
	result = io_verdict(&r);
	LAB_MARK_END(result);
	io_teardown(&r);
	return result;
}

/* ---- coroutines ---- */

static void io_coro_task(void *arg)
{
	struct io_task *t = arg;

	t->failed = io_task_run(t, &io_parking) != 0;
	close(t->fd);
	t->fd = -1;
}

static void io_coro_echo(void *arg)
{
	struct io_task *t = arg;

	while (io_echo_one(t, &io_parking) == 1)
		;
	/* a task still waiting for an answer gets end of file, not a hang */
	close(t->echo_fd);
	t->echo_fd = -1;
}

static int io_coroutines_run(const struct workload_params *p)
{
	struct io_run r;
	uint64_t switches = coro_switches();
	int result, err = 0;

	if (io_setup(&r, "io-coroutines", p, SOCK_NONBLOCK) != 0)
		return 1;
	LAB_MARK_START(r.n);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct io_task *t = &r.t[i];

		/* the echo first: a task without one would wait forever */
		err = coro_spawn(io_coro_echo, t, 0);
		if (!err) {
			err = coro_spawn(io_coro_task, t, 0);
			t->started = !err;
		}
	}
	if (err)
		fprintf(stderr, "%s: coro_spawn: %s\n", r.name, strerror(-err));
	for (unsigned i = 0; i < r.n; i++) {
		if (r.t[i].started)
			continue;
		r.t[i].failed = 1;
		close(r.t[i].fd); /* lets a spawned echo see end of file */
		r.t[i].fd = -1;
	}
	err = coro_run();
	if (err)
		fprintf(stderr, "%s: coro_run: %s\n", r.name, strerror(-err));
	result = io_verdict(&r) || err;
	LAB_MARK_CORO_SWITCHES(coro_switches() - switches);
	LAB_MARK_END(result);
	io_teardown(&r);
	return result;
}

/* ---- serial ---- */

static int io_serial_run(const struct workload_params *p)
{
	struct io_run r;
	int result;

	if (io_setup(&r, "io-serial", p, 0) != 0)
		return 1;
	LAB_MARK_START(r.n);
	for (unsigned i = 0; i < r.n; i++) {
		struct io_task *t = &r.t[i];

		t->failed = io_task_run(t, &io_alone) != 0;
		close(t->fd);
		t->fd = -1;
	}
	result = io_verdict(&r);
	LAB_MARK_END(result);
	io_teardown(&r);
	return result;
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
