/* io_events.c - the io scenario's task as a state machine, for the
 * events model: the same rounds as io_task_run() in io.c (a timer, a
 * record sent, its echo read back and compared), but cut at every wait
 * into callbacks of the loop (evloop.h):
 *
 *	timer ─▶ io_ev_slept: send ─sent─▶ io_ev_read ─whole─▶ timer (next op)
 *	             │ EAGAIN                 ▲  │ part, EAGAIN
 *	             ▼                        │  ▼
 *	         io_ev_writable: send ─sent───┘  io_ev_read again
 *
 * What io_task_run keeps in local variables and its place in the loop, a
 * state machine keeps in struct io_machine; what the coroutine's echo
 * keeps on its stack, in struct io_echo_machine.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "workloads/io_run.h"

static void io_ev_writable(struct evloop_watch *w, uint32_t revents);
static void io_ev_read(struct evloop_watch *w, uint32_t revents);
static void io_ev_send(struct io_task *t);

/* The task is over: its end closed tells the echo side, as io_job's
 * close does. */
static void io_ev_done(struct io_task *t, int failed)
{
	struct io_run *r = (struct io_run *)t->base.run;

	t->base.failed |= failed;
	t->base.done = t->m.op;
	close(r->fd[t->base.id]);
	r->fd[t->base.id] = -1;
}

/* Waits for w's descriptor, calling fn; a watch that cannot be armed
 * ends the task. */
static void io_ev_wait(struct io_task *t, uint32_t events,
		       void (*fn)(struct evloop_watch *, uint32_t))
{
	t->m.watch.fn = fn;
	if (evloop_watch(&t->m.watch, events) != 0)
		io_ev_done(t, 1);
}

/* The timer is up: the round's record goes out. */
static void io_ev_slept(struct evloop_timer *tm)
{
	struct io_task *t = tm->arg;
	unsigned id = t->base.id;

	t->m.steps++;
	t->m.out = (struct io_record){id, t->m.op, io_check(id, t->m.op)};
	t->m.moved = 0;
	io_ev_send(t);
}

/* Sends what is left of the record; then waits for its echo. */
static void io_ev_send(struct io_task *t)
{
	const char *p = (const char *)&t->m.out;

	while (t->m.moved < sizeof(t->m.out)) {
		ssize_t n = send(t->m.watch.fd, p + t->m.moved,
				 sizeof(t->m.out) - t->m.moved, MSG_NOSIGNAL);

		if (n >= 0) {
			t->m.moved += (unsigned)n;
		} else if (errno == EAGAIN) {
			io_ev_wait(t, EPOLLOUT, io_ev_writable);
			return;
		} else if (errno != EINTR) {
			io_ev_done(t, 1);
			return;
		}
	}
	t->m.moved = 0;
	io_ev_wait(t, EPOLLIN, io_ev_read);
}

/* The socket has room again. */
static void io_ev_writable(struct evloop_watch *w, uint32_t revents)
{
	struct io_task *t = w->arg;

	(void)revents;
	t->m.steps++;
	io_ev_send(t);
}

/* Reads what has come of the echo; a whole one ends the round. */
static void io_ev_read(struct evloop_watch *w, uint32_t revents)
{
	struct io_task *t = w->arg;
	struct io_run *r = (struct io_run *)t->base.run;
	char *p = (char *)&t->m.back;

	(void)revents;
	t->m.steps++;
	while (t->m.moved < sizeof(t->m.back)) {
		ssize_t n = recv(w->fd, p + t->m.moved,
				 sizeof(t->m.back) - t->m.moved, 0);

		if (n > 0) {
			t->m.moved += (unsigned)n;
		} else if (n < 0 && errno == EAGAIN) {
			io_ev_wait(t, EPOLLIN, io_ev_read);
			return;
		} else if (n == 0 || errno != EINTR) {
			io_ev_done(t, 1);
			return;
		}
	}
	if (memcmp(&t->m.out, &t->m.back, sizeof(t->m.out)) != 0) {
		io_ev_done(t, 1);
		return;
	}
	if (++t->m.op == r->base.ops) {
		io_ev_done(t, 0);
		return;
	}
	if (evloop_after(&t->m.timer, r->wait_ns) != 0)
		io_ev_done(t, 1);
}

void io_events_begin(struct launch_task *lt)
{
	struct io_task *t = (struct io_task *)lt;
	struct io_run *r = (struct io_run *)lt->run;

	memset(&t->m, 0, sizeof(t->m));
	t->m.timer.fn = io_ev_slept;
	t->m.timer.arg = t;
	t->m.watch.fd = r->fd[lt->id];
	t->m.watch.arg = t;
	if (!lt->run->ops)
		io_ev_done(t, 0);
	else if (evloop_after(&t->m.timer, r->wait_ns) != 0)
		io_ev_done(t, 1);
}

/* ---- the echo side: read a record, check it, send it back ---- */

static void io_ev_echo_read(struct evloop_watch *w, uint32_t revents);

/* The task closed its end, or the socket failed: a task still waiting
 * gets end of file, not a hang. */
static void io_ev_echo_done(struct io_task *t)
{
	struct io_run *r = (struct io_run *)t->base.run;

	close(r->echo_fd[t->base.id]);
	r->echo_fd[t->base.id] = -1;
}

static void io_ev_echo_wait(struct io_task *t, uint32_t events,
			    void (*fn)(struct evloop_watch *, uint32_t))
{
	t->e.watch.fn = fn;
	if (evloop_watch(&t->e.watch, events) != 0)
		io_ev_echo_done(t);
}

static void io_ev_echo_writable(struct evloop_watch *w, uint32_t revents);

/* Sends the record back; then waits for the next. */
static void io_ev_echo_send(struct io_task *t)
{
	const char *p = (const char *)&t->e.rec;

	while (t->e.moved < sizeof(t->e.rec)) {
		ssize_t n = send(t->e.watch.fd, p + t->e.moved,
				 sizeof(t->e.rec) - t->e.moved, MSG_NOSIGNAL);

		if (n >= 0) {
			t->e.moved += (unsigned)n;
		} else if (errno == EAGAIN) {
			io_ev_echo_wait(t, EPOLLOUT, io_ev_echo_writable);
			return;
		} else if (errno != EINTR) {
			io_ev_echo_done(t);
			return;
		}
	}
	t->echoed++;
	t->e.moved = 0;
	io_ev_echo_wait(t, EPOLLIN, io_ev_echo_read);
}

static void io_ev_echo_writable(struct evloop_watch *w, uint32_t revents)
{
	struct io_task *t = w->arg;

	(void)revents;
	t->e.steps++;
	io_ev_echo_send(t);
}

static void io_ev_echo_read(struct evloop_watch *w, uint32_t revents)
{
	struct io_task *t = w->arg;
	char *p = (char *)&t->e.rec;

	(void)revents;
	t->e.steps++;
	while (t->e.moved < sizeof(t->e.rec)) {
		ssize_t n = recv(w->fd, p + t->e.moved,
				 sizeof(t->e.rec) - t->e.moved, 0);

		if (n > 0) {
			t->e.moved += (unsigned)n;
		} else if (n < 0 && errno == EAGAIN) {
			io_ev_echo_wait(t, EPOLLIN, io_ev_echo_read);
			return;
		} else if (n == 0 || errno != EINTR) {
			io_ev_echo_done(t);
			return;
		}
	}
	if (!io_record_expected(t, &t->e.rec))
		t->bad = 1;
	t->e.moved = 0;
	io_ev_echo_send(t);
}

int io_events_echo(struct io_task *t)
{
	struct io_run *r = (struct io_run *)t->base.run;

	memset(&t->e, 0, sizeof(t->e));
	t->e.watch.fd = r->echo_fd[t->base.id];
	t->e.watch.arg = t;
	t->e.watch.fn = io_ev_echo_read;
	return evloop_watch(&t->e.watch, EPOLLIN);
}

uint64_t io_events_steps(const struct launch *l)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < l->n; i++) {
		const struct io_task *t = launch_slot(l, i);

		n += t->m.steps + t->e.steps;
	}
	return n;
}
