/* net_pages.c - the net scenario's callback and the ways pages reach it
 * (see net_pages.h) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "workloads/net_pages.h"
#include "workloads/net_proto.h"

/* The callback: every fetched page, in the collecting task. */
static void net_on_page(struct net_pages *col, const struct net_page *pg)
{
	size_t slot;

	if (gettid() != col->tid)
		col->elsewhere++;
	if (pg->task >= col->clients || pg->op >= col->ops ||
	    pg->bytes != net_page_len(pg->task, pg->op)) {
		col->wrong++;
		return;
	}
	slot = (size_t)pg->task * col->ops + pg->op;
	if (col->seen[slot]) {
		col->dups++;
		return;
	}
	col->seen[slot] = 1;
	col->pages++;
	col->bytes += pg->bytes;
	col->fetch_ns += pg->fetch_ns;
}

/* processes: a record into the pipe, for the parent */
static int net_deliver_pipe(struct net_pages *pg, const struct net_page *page)
{
	ssize_t n;

	while ((n = write(pg->pipe_w, page, sizeof(*page))) < 0 &&
	       errno == EINTR)
		;
	return n == sizeof(*page) ? 0 : -1;
}

/* threads: into the queue, for the root thread */
static int net_deliver_queue(struct net_pages *pg, const struct net_page *page)
{
	struct net_queue *q = &pg->q;
	int rc = 0;

	pthread_mutex_lock(&q->lock);
	if (q->tail < q->cap)
		q->items[q->tail++] = *page;
	else
		rc = -1;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->lock);
	return rc;
}

int net_pages_deliver(void *arg, const struct net_page *page)
{
	struct net_pages *pg = arg;

	if (pg->model == LAUNCH_PROCESSES)
		return net_deliver_pipe(pg, page);
	if (pg->model == LAUNCH_THREADS)
		return net_deliver_queue(pg, page);
	/* events, coroutines and the serial run: the callback, here and
	 * now */
	net_on_page(pg, page);
	return 0;
}

void net_pages_leave(struct net_pages *pg)
{
	struct net_queue *q = &pg->q;

	pthread_mutex_lock(&q->lock);
	q->running--;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->lock);
}

/* The parent's side of the pipe: one callback per record, until the last
 * client has exited and so closed its end. */
static void net_collect_pipe(struct net_pages *r)
{
	struct net_page pg;
	size_t got = 0;

	for (;;) {
		ssize_t n =
			read(r->pipe_r, (char *)&pg + got, sizeof(pg) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got < sizeof(pg))
			continue;
		net_on_page(r, &pg);
		got = 0;
	}
	if (got)
		r->wrong++; /* a torn record */
	close(r->pipe_r);
	r->pipe_r = -1;
}

/* The root thread takes the pages that have come in, then runs the
 * callback on them outside the lock, so that a slow callback never holds
 * up a client. Ends when the queue is empty and no client is left. */
static void net_drain_queue(struct net_pages *r)
{
	struct net_queue *q = &r->q;
	size_t done = 0, upto;

	for (;;) {
		pthread_mutex_lock(&q->lock);
		while (q->tail == done && q->running)
			pthread_cond_wait(&q->more, &q->lock);
		upto = q->tail;
		pthread_mutex_unlock(&q->lock);
		if (upto == done)
			break;
		/* items below tail are complete and never written again */
		for (; done < upto; done++)
			net_on_page(r, &q->items[done]);
	}
}

void net_pages_collect(struct net_pages *pg)
{
	if (pg->model == LAUNCH_PROCESSES)
		net_collect_pipe(pg);
	else if (pg->model == LAUNCH_THREADS)
		net_drain_queue(pg);
}

int net_pages_make(struct net_pages *pg, const char *name,
		   enum launch_model model, unsigned clients, unsigned ops)
{
	int pfd[2];

	pg->model = model;
	pg->clients = clients;
	pg->ops = ops;
	pg->tid = gettid();
	pg->seen = calloc(clients, ops);
	if (!pg->seen) {
		fprintf(stderr, "%s: out of memory\n", name);
		return -1;
	}
	if (model == LAUNCH_PROCESSES) {
		if (pipe2(pfd, O_CLOEXEC) != 0) {
			fprintf(stderr, "%s: pipe: %s\n", name,
				strerror(errno));
			return -1;
		}
		pg->pipe_r = pfd[0];
		pg->pipe_w = pfd[1];
	} else if (model == LAUNCH_THREADS) {
		pg->q.cap = (size_t)clients * ops;
		pg->q.items = calloc(pg->q.cap, sizeof(*pg->q.items));
		if (!pg->q.items) {
			fprintf(stderr, "%s: out of memory\n", name);
			return -1;
		}
		pthread_mutex_init(&pg->q.lock, NULL);
		pthread_cond_init(&pg->q.more, NULL);
		pg->queue_made = 1;
		pg->q.running = clients;
	}
	return 0;
}

void net_pages_started(struct net_pages *pg, unsigned not_started)
{
	/* end of file comes when the last client exits */
	if (pg->pipe_w >= 0)
		close(pg->pipe_w);
	pg->pipe_w = -1;
	for (unsigned i = 0; pg->queue_made && i < not_started; i++)
		net_pages_leave(pg);
}

void net_pages_free(struct net_pages *pg)
{
	if (pg->pipe_r >= 0)
		close(pg->pipe_r);
	if (pg->pipe_w >= 0)
		close(pg->pipe_w);
	pg->pipe_r = pg->pipe_w = -1;
	if (pg->queue_made) {
		pthread_cond_destroy(&pg->q.more);
		pthread_mutex_destroy(&pg->q.lock);
	}
	pg->queue_made = 0;
	free(pg->seen);
	free(pg->q.items);
	pg->seen = NULL;
	pg->q.items = NULL;
}

unsigned net_pages_of(const struct net_pages *pg, unsigned i)
{
	const unsigned char *seen = pg->seen + (size_t)i * pg->ops;
	unsigned got = 0;

	for (unsigned op = 0; op < pg->ops; op++)
		got += seen[op];
	return got;
}
