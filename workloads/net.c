/* net.c - the net scenario: a crawler with callbacks.
 *
 * N clients each fetch `ops` pages, one after another, from a TCP server on
 * 127.0.0.1 that the workload starts in a thread of its own
 * (net_server.c): it answers every request after the same delay without
 * holding up the other connections. Each finished fetch reaches one
 * callback, net_on_page(), in the task that collects the results, as
 * Python's Pool.apply_async(get, callback=parse) runs parse in the main
 * process. Waiting for the server is all a client does, so the concurrent
 * models take about one client's time and the serial one N times as long.
 *
 * net_job() runs the client (net_client.c) and net_on_page() is the
 * callback (net_pages.c), the same code in every model, and the server is
 * the same thread in every model. launch.c starts the clients, from the
 * net_<model>_run() functions at the end; how pages reach the callback is
 * the model's:
 *	processes	fork a client per task; each writes its pages into a
 *			pipe, and the parent reads them and calls the callback
 *	threads		a client thread per task; pages go into a queue under
 *			a mutex, and the root thread drains it and calls the
 *			callback outside the lock
 *	events		a client state machine per task on a non-blocking
 *			socket, called back by one thread's epoll loop
 *			(net_events.c); each calls the callback itself
 *	coroutines	a client coroutine per task on non-blocking sockets,
 *			waiting in coro_wait_fd; each calls the callback itself
 *	serial		one client after another, calling the callback itself
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "workloads/coro/coro.h"
#include "workloads/launch.h"
#include "workloads/net.h"
#include "workloads/net_client.h"
#include "workloads/net_events.h"
#include "workloads/net_pages.h"
#include "workloads/net_server.h"

#define NET_TASKS 10
#define NET_OPS	  7
/* Per client: ops times the server's delay, 7 x 70 ms. The serial
 * baseline waits N times as long, 4.9 s with the default ten clients. */
#define NET_DURATION_S 0.49

/* A client's slot: the events model's state machine in it. */
struct net_task {
	struct launch_task base;
	struct net_machine m; /* events only */
};

struct net_run {
	struct launch base;
	uint64_t delay_ns;
	struct net_server server;
	struct net_pages pages;
};

/* where the callback runs, for the verdict */
static const char *const net_where[LAUNCH_MODELS] = {
	[LAUNCH_PROCESSES] = "the parent",
	[LAUNCH_THREADS] = "the root thread",
	[LAUNCH_COROUTINES] = "the coroutines' thread",
	[LAUNCH_SERIAL] = "the only thread",
	[LAUNCH_EVENTS] = "the loop's thread",
};

/* The job, the same in every model: a client fetching its pages. A
 * coroutine's socket is non-blocking, and it waits by parking. */
static void net_job(struct launch_task *t)
{
	struct net_run *r = (struct net_run *)t->run;
	int coro = t->run->model == LAUNCH_COROUTINES;
	struct net_client c = {
		.id = t->id,
		.ops = (unsigned)t->run->ops,
		.port = r->server.port,
		.sock_flags = coro ? SOCK_NONBLOCK : 0,
		.wait_fd = coro ? coro_wait_fd : tasks_wait_fd,
		.deliver = net_pages_deliver,
		.arg = &r->pages,
	};

	t->failed = net_client_run(&c) != 0;
	if (t->run->model == LAUNCH_THREADS)
		net_pages_leave(&r->pages);
}

/* The same client for the events model: its state machine armed on the
 * loop; how it ended, net_verdict reads. */
static void net_machine(struct launch_task *t)
{
	struct net_run *r = (struct net_run *)t->run;
	struct net_client c = {
		.id = t->id,
		.ops = (unsigned)t->run->ops,
		.port = r->server.port,
		.deliver = net_pages_deliver,
		.arg = &r->pages,
	};

	net_events_begin(&((struct net_task *)t)->m, &c);
}

/* The events model's clients: how each ended, and the callbacks they
 * counted, which must be every one the loop dispatched. */
static int net_machines_ended(struct launch *l)
{
	uint64_t steps = 0;

	for (unsigned i = 0; i < l->n; i++) {
		struct net_task *t = launch_slot(l, i);

		t->base.failed |= t->m.failed || !t->m.done;
		steps += t->m.steps;
	}
	if (steps == l->dispatches)
		return 0;
	fprintf(stderr,
		"%s: the loop dispatched %llu callbacks, the state machines "
		"counted %llu\n",
		l->name, (unsigned long long)l->dispatches,
		(unsigned long long)steps);
	return 1;
}

/* ---- one run: parameters, set-up, verdict ---- */

static int net_prepare(struct launch *l, const struct workload_params *p)
{
	struct net_run *r = (struct net_run *)l;
	double duration = p->duration_s ? p->duration_s : NET_DURATION_S;

	r->pages.pipe_r = r->pages.pipe_w = -1;
	r->server.loop.epfd = -1;
	r->server.listen.fd = r->server.timer.fd = r->server.stop.fd = -1;
	l->ops = p->ops ? p->ops : NET_OPS;
	if (!isfinite(duration) || duration < 0 || duration > 1e6) {
		fprintf(stderr, "%s: bad duration %g s\n", l->name, duration);
		return -1;
	}
	r->delay_ns = (uint64_t)(duration * 1e9 / (double)l->ops);
	return 0;
}

static void net_teardown(struct launch *l)
{
	struct net_run *r = (struct net_run *)l;

	net_server_stop(&r->server, l->name);
	net_pages_free(&r->pages);
}

/* The callback's books and the model's way to them, then the server. */
static int net_setup(struct launch *l)
{
	struct net_run *r = (struct net_run *)l;

	if (tasks_fd_room(l->name, "clients", l->n, 2) != 0 ||
	    net_pages_make(&r->pages, l->name, l->model, l->n,
			   (unsigned)l->ops) != 0)
		return -1;
	return net_server_start(&r->server, l->name, l->n, r->delay_ns);
}

/* In a client process: the copy holds every descriptor of the parent,
 * the server's included; keep the standard ones and the pipe. Only system
 * calls and number formatting from here: safe in a child forked from a
 * process with a second thread. */
static void net_child(struct launch_task *t)
{
	int w = ((struct net_run *)t->run)->pages.pipe_w;

	if (w > 3)
		close_range(3, (unsigned)w - 1, 0);
	close_range((unsigned)w + 1, ~0u, 0);
}

/* A client that never started has failed. */
static void net_started(struct launch *l)
{
	struct net_run *r = (struct net_run *)l;

	for (unsigned i = 0; i < l->n; i++) {
		struct launch_task *t = launch_slot(l, i);

		t->failed |= !t->started;
	}
	net_pages_started(&r->pages, l->n - l->started);
}

static void net_collect(struct launch *l)
{
	net_pages_collect(&((struct net_run *)l)->pages);
}

/* Every page of every client reached the callback once, in the collecting
 * task, as the server sent it; the server answered each request once. The
 * server's counts are read once its thread is joined. */
static int net_verdict(struct launch *l)
{
	struct net_run *r = (struct net_run *)l;
	const struct net_pages *col = &r->pages;
	const struct net_server *s = &r->server;
	uint64_t expect = (uint64_t)l->n * l->ops;
	unsigned wrong = 0;
	int lost = l->model == LAUNCH_EVENTS && net_machines_ended(l);

	net_server_stop(&r->server, l->name);
	for (unsigned i = 0; i < l->n; i++) {
		const struct launch_task *c = launch_slot(l, i);
		unsigned got = net_pages_of(col, i);

		if (!c->failed && got == l->ops)
			continue;
		if (!wrong++)
			fprintf(stderr, "%s: %s: %u of %u pages%s\n", l->name,
				c->name, got, (unsigned)l->ops,
				c->failed ? ", the client failed" : "");
	}
	if (wrong)
		fprintf(stderr, "%s: %u of %u clients wrong\n", l->name, wrong,
			l->n);
	if (col->dups || col->wrong)
		fprintf(stderr,
			"%s: the callback got %u pages twice, %u wrong\n",
			l->name, col->dups, col->wrong);
	if (col->elsewhere)
		fprintf(stderr, "%s: the callback ran %u times outside %s\n",
			l->name, col->elsewhere, net_where[l->model]);
	if (s->err)
		fprintf(stderr, "%s: the server failed: %s\n", l->name,
			strerror(s->err));
	if (s->bad || s->served != expect)
		fprintf(stderr,
			"%s: the server answered %llu of %llu requests, "
			"refused %llu\n",
			l->name, (unsigned long long)s->served,
			(unsigned long long)expect, (unsigned long long)s->bad);
	return wrong || lost || col->dups || col->wrong || col->elsewhere ||
	       s->err || s->bad || s->served != expect;
}

static void net_report(const struct launch *l)
{
	const struct net_run *r = (const struct net_run *)l;
	uint64_t ns = l->joined_ns - l->start_ns;

	printf("%s: %u pages in %.3f s, %.1f ms a fetch for a %.1f ms "
	       "delay",
	       l->name, r->pages.pages, (double)ns / 1e9,
	       (double)r->pages.fetch_ns / r->pages.pages / 1e6,
	       (double)r->delay_ns / 1e6);
	launch_events_note(l);
	putchar('\n');
	LAB_RESULT(LAB_RESULT_OPS, r->pages.pages);
	LAB_RESULT(LAB_RESULT_OPS_NS, ns);
	LAB_RESULT(LAB_RESULT_DELAY_NS, r->delay_ns);
}

static const struct launch_kind net_kind = {
	.scenario = "net",
	.prefix = "net-w",
	.tasks = NET_TASKS,
	.run_size = sizeof(struct net_run),
	.slot_size = sizeof(struct net_task),
	.go_phase = LAB_PHASE_WORK,
	.join_phase = LAB_PHASE_JOIN,
	.job = net_job,
	.machine = net_machine,
	.machine_size = sizeof(struct net_machine),
	.prepare = net_prepare,
	.setup = net_setup,
	.child = net_child,
	.started = net_started,
	.root = {[LAUNCH_PROCESSES] = net_collect,
		 [LAUNCH_THREADS] = net_collect},
	.check = net_verdict,
	.report = net_report,
	.teardown = net_teardown,
};

/* ---- the models, each started by launch.c ---- */

static int net_processes_run(const struct workload_params *p)
{
	return launch_run(&net_kind, LAUNCH_PROCESSES, p);
}

static int net_threads_run(const struct workload_params *p)
{
	return launch_run(&net_kind, LAUNCH_THREADS, p);
}

static int net_events_run(const struct workload_params *p)
{
	return launch_run(&net_kind, LAUNCH_EVENTS, p);
}

static int net_coroutines_run(const struct workload_params *p)
{
	return launch_run(&net_kind, LAUNCH_COROUTINES, p);
}

static int net_serial_run(const struct workload_params *p)
{
	return launch_run(&net_kind, LAUNCH_SERIAL, p);
}

const struct workload net_processes = {
	.name = "net-processes",
	.scenario = "net",
	.model = "processes",
	.summary = "N client processes fetch from a slow local server",
	.run = net_processes_run,
};

const struct workload net_threads = {
	.name = "net-threads",
	.scenario = "net",
	.model = "threads",
	.summary = "N client threads fetch; the root thread runs callbacks",
	.run = net_threads_run,
};

const struct workload net_events = {
	.name = "net-events",
	.scenario = "net",
	.model = "events",
	.summary =
		"N client state machines fetch, called back by one epoll loop",
	.run = net_events_run,
};

const struct workload net_coroutines = {
	.name = "net-coroutines",
	.scenario = "net",
	.model = "coroutines",
	.summary = "N client coroutines fetch over non-blocking sockets",
	.run = net_coroutines_run,
};

const struct workload net_serial = {
	.name = "net-serial",
	.scenario = "net",
	.model = "serial",
	.summary = "the same fetches one after another: N times as long",
	.run = net_serial_run,
};
