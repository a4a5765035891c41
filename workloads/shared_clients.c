/* shared_clients.c - the manager's side of a shared run (see
 * shared_run.h) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "workloads/coro/coro.h"
#include "workloads/shared_run.h"

void shared_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

shared_wait_fn shared_wait(const struct launch *l)
{
	return l->model == LAUNCH_COROUTINES ? coro_wait_fd : tasks_wait_fd;
}

void shared_read_back(struct shared_run *r)
{
	unsigned n = r->base.n;

	for (unsigned k = 0; k < SHARED_KEYS && !r->manager_failed; k++)
		r->manager_failed =
			shared_call(r->cfd[n], shared_wait(&r->base),
				    SHARED_GET, r->keys[k], 0,
				    &r->managed[k]) != 0;
	shared_close(&r->cfd[n]);
}

/* Coroutines: the root's part as one more coroutine, waiting for every
 * started worker before it reads back. */
static void shared_coro_root(void *arg)
{
	struct shared_run *r = arg;

	for (unsigned i = 0; i < r->base.started; i++)
		coro_chan_recv(r->finished, NULL);
	shared_read_back(r);
}

/* ---- the manager: a group of one beside the workers ---- */

static void shared_manage(struct launch_task *t)
{
	struct shared_run *r = (struct shared_run *)t->run->parent;

	t->failed = shared_serve(r->sfd, r->base.n + 1,
				 t->run->model == LAUNCH_COROUTINES,
				 shared_wait(t->run)) != 0;
}

static void shared_manager_name(const struct launch *l, unsigned i, char *buf,
				size_t len)
{
	(void)l;
	(void)i;
	snprintf(buf, len, "shared-mgr");
}

/* A stray copy of a client's end would hide that client's end of file
 * from the manager: each process keeps only its own part. */
static void shared_manager_child(struct launch_task *t)
{
	struct shared_run *r = (struct shared_run *)t->run->parent;

	for (unsigned i = 0; i <= r->base.n; i++)
		shared_close(&r->cfd[i]);
}

void shared_clients_child(struct launch_task *t)
{
	struct shared_run *r = (struct shared_run *)t->run;

	for (unsigned i = 0; i <= r->base.n; i++) {
		if (i != t->id)
			shared_close(&r->cfd[i]);
		shared_close(&r->sfd[i]);
	}
}

/* The manager's ends are the manager process's alone. */
static void shared_manager_started(struct launch *g)
{
	struct shared_run *r = (struct shared_run *)g->parent;

	for (unsigned i = 0; g->model == LAUNCH_PROCESSES && i <= r->base.n;
	     i++)
		shared_close(&r->sfd[i]);
}

static const struct launch_kind shared_manager_kind = {
	.scenario = "shared",
	.run_size = sizeof(struct launch),
	.slot_size = sizeof(struct launch_task),
	/* the run's phases are the workers' */
	.flags = LAUNCH_UNMARKED,
	.job = shared_manage,
	.name = shared_manager_name,
	.child = shared_manager_child,
	.started = shared_manager_started,
};

/* After the managed way's workers are started: the processes hold their
 * ends now, and the manager must not wait for a worker that never ran.
 * Coroutines read back in a coroutine of their own, if every worker
 * started; otherwise nobody will, and every client's end is closed. */
void shared_clients_started(struct launch *l)
{
	struct shared_run *r = (struct shared_run *)l;
	int err = 0;

	if (r->way != SHARED_MANAGED)
		return;
	for (unsigned i = 0; i < l->n; i++) {
		const struct launch_task *t = launch_slot(l, i);

		if (l->model == LAUNCH_PROCESSES || !t->started)
			shared_close(&r->cfd[i]);
	}
	if (l->model != LAUNCH_COROUTINES)
		return;
	err = l->started < l->n ? -EAGAIN : coro_spawn(shared_coro_root, r, 0);
	if (!err)
		return;
	if (l->started == l->n) {
		fprintf(stderr, "%s: coro_spawn: %s\n", l->name,
			strerror(-err));
		l->start_err = -err;
	}
	for (unsigned i = 0; i <= l->n; i++)
		shared_close(&r->cfd[i]);
	r->manager_failed = 1;
}

/* A socketpair per client; the manager's ends wait on epoll, so the
 * coroutines' are non-blocking. */
int shared_clients_make(struct shared_run *r)
{
	struct launch *l = &r->base;
	int flags = SOCK_SEQPACKET | SOCK_CLOEXEC;

	if (l->model == LAUNCH_COROUTINES)
		flags |= SOCK_NONBLOCK;
	r->cfd = malloc((l->n + 1) * sizeof(*r->cfd));
	r->sfd = malloc((l->n + 1) * sizeof(*r->sfd));
	r->manager = launch_group(l, &shared_manager_kind, 1);
	if (l->model == LAUNCH_COROUTINES)
		r->finished = coro_chan_new(l->n);
	if (!r->cfd || !r->sfd || !r->manager ||
	    (l->model == LAUNCH_COROUTINES && !r->finished)) {
		fprintf(stderr, "%s: out of memory\n", l->name);
		return -1;
	}
	for (unsigned i = 0; i <= l->n; i++)
		r->cfd[i] = r->sfd[i] = -1;
	for (unsigned i = 0; i <= l->n; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, flags, 0, sv) != 0) {
			fprintf(stderr, "%s: setting up: %s\n", l->name,
				strerror(errno));
			return -1;
		}
		r->cfd[i] = sv[0];
		r->sfd[i] = sv[1];
	}
	return 0;
}

void shared_clients_free(struct shared_run *r)
{
	for (unsigned i = 0; r->cfd && i <= r->base.n; i++) {
		shared_close(&r->cfd[i]);
		shared_close(&r->sfd[i]);
	}
	coro_chan_free(r->finished);
	free(r->cfd);
	free(r->sfd);
	if (r->manager)
		launch_group_free(r->manager);
	r->finished = NULL;
	r->cfd = r->sfd = NULL;
	r->manager = NULL;
}
