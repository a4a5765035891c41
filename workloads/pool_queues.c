/* pool_queues.c - how the pool's jobs and results travel (see
 * pool_queues.h) */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "workloads/coro/coro.h"
#include "workloads/pool_queues.h"
#include "workloads/tasks.h"

static void pool_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- processes: two pipes ---- */

/* at most PIPE_BUF bytes: written whole, never interleaved */
static int pool_write(int fd, const struct pool_msg *m)
{
	ssize_t n;

	do
		n = write(fd, m, sizeof(*m));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*m) ? 0 : -1;
}

/* 1 with a whole record (every write is one), 0 at end of file, -1 */
static int pool_read(int fd, struct pool_msg *m)
{
	ssize_t n;

	do
		n = read(fd, m, sizeof(*m));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(*m))
		return 1;
	return n == 0 ? 0 : -1;
}

static int pool_pipe_submit(struct pool_run *r, uint32_t job)
{
	struct pool_msg m = {.job = job};

	return pool_write(r->job_wr, &m);
}

/* Waits for a result, or for a worker's exit: before end of file on the
 * jobs that is a death, and the job it held would never come back. */
static int pool_pipe_result(struct pool_run *r, struct pool_msg *m)
{
	while (poll(r->pf, r->base.n + 1, -1) < 0)
		if (errno != EINTR)
			return -1;
	if (!r->pf[0].revents)
		return -1;
	return pool_read(r->res_rd, m) == 1 ? 0 : -1;
}

static int pool_pipe_take(struct pool_run *r, struct pool_msg *m)
{
	return pool_read(r->job_rd, m);
}

static int pool_pipe_give(struct pool_run *r, const struct pool_msg *m)
{
	return pool_write(r->res_wr, m);
}

/* end of file: the workers exit */
static void pool_pipe_close(struct pool_run *r)
{
	pool_close(&r->job_wr);
}

static const struct pool_ops pool_pipe_ops = {
	.submit = pool_pipe_submit,
	.result = pool_pipe_result,
	.take = pool_pipe_take,
	.give = pool_pipe_give,
	.close = pool_pipe_close,
	.sleep_ns = tasks_sleep_ns,
};

/* ---- threads: two queues under mutexes ---- */

static int pool_queue_init(struct pool_queue *q, unsigned cap)
{
	int err;

	q->slot = calloc(cap, sizeof(*q->slot));
	if (!q->slot)
		return ENOMEM;
	q->cap = cap;
	err = pthread_mutex_init(&q->lock, NULL);
	if (!err)
		err = pthread_cond_init(&q->ready, NULL);
	return err;
}

static void pool_queue_put(struct pool_queue *q, const struct pool_msg *m)
{
	pthread_mutex_lock(&q->lock);
	/* cap is every job there is: never full */
	q->slot[(q->head + q->len) % q->cap] = *m;
	q->len++;
	pthread_cond_signal(&q->ready);
	pthread_mutex_unlock(&q->lock);
}

/* 1 with the oldest record, 0 once closed and empty */
static int pool_queue_get(struct pool_queue *q, struct pool_msg *m)
{
	int got = 0;

	pthread_mutex_lock(&q->lock);
	while (!q->len && !q->closed)
		pthread_cond_wait(&q->ready, &q->lock);
	if (q->len) {
		*m = q->slot[q->head];
		q->head = (q->head + 1) % q->cap;
		q->len--;
		got = 1;
	}
	pthread_mutex_unlock(&q->lock);
	return got;
}

static void pool_queue_close(struct pool_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = 1;
	pthread_cond_broadcast(&q->ready);
	pthread_mutex_unlock(&q->lock);
}

static int pool_queue_submit(struct pool_run *r, uint32_t job)
{
	struct pool_msg m = {.job = job};

	pool_queue_put(&r->jobq, &m);
	return 0;
}

static int pool_queue_result(struct pool_run *r, struct pool_msg *m)
{
	return pool_queue_get(&r->resq, m) == 1 ? 0 : -1;
}

static int pool_queue_take(struct pool_run *r, struct pool_msg *m)
{
	return pool_queue_get(&r->jobq, m);
}

static int pool_queue_give(struct pool_run *r, const struct pool_msg *m)
{
	pool_queue_put(&r->resq, m);
	return 0;
}

static void pool_queue_end(struct pool_run *r)
{
	pool_queue_close(&r->jobq);
}

static const struct pool_ops pool_queue_ops = {
	.submit = pool_queue_submit,
	.result = pool_queue_result,
	.take = pool_queue_take,
	.give = pool_queue_give,
	.close = pool_queue_end,
	.sleep_ns = tasks_sleep_ns,
};

/* ---- coroutines: two channels ---- */

static int pool_chan_submit(struct pool_run *r, uint32_t job)
{
	return coro_chan_send(r->jobc, (void *)(uintptr_t)job) == 0 ? 0 : -1;
}

static int pool_chan_result(struct pool_run *r, struct pool_msg *m)
{
	void *slot;

	if (coro_chan_recv(r->resc, &slot) != 0)
		return -1;
	*m = *(struct pool_msg *)slot;
	return 0;
}

static int pool_chan_take(struct pool_run *r, struct pool_msg *m)
{
	void *job;

	if (coro_chan_recv(r->jobc, &job) != 0)
		return 0;
	m->job = (uint32_t)(uintptr_t)job;
	return 1;
}

/* the result goes into the job's slot, and the slot into the channel */
static int pool_chan_give(struct pool_run *r, const struct pool_msg *m)
{
	struct pool_msg *slot = &r->slot[m->job];

	*slot = *m;
	return coro_chan_send(r->resc, slot) == 0 ? 0 : -1;
}

static void pool_chan_close(struct pool_run *r)
{
	coro_chan_close(r->jobc);
}

static const struct pool_ops pool_chan_ops = {
	.submit = pool_chan_submit,
	.result = pool_chan_result,
	.take = pool_chan_take,
	.give = pool_chan_give,
	.close = pool_chan_close,
	.sleep_ns = coro_sleep_ns,
};

/* ---- making and freeing them ---- */

void pool_queues_free(struct pool_run *r)
{
	pool_close(&r->job_rd);
	pool_close(&r->job_wr);
	pool_close(&r->res_rd);
	pool_close(&r->res_wr);
	for (unsigned i = 1; r->pf && i <= r->base.n; i++)
		pool_close(&r->pf[i].fd);
	if (r->jobq.slot) {
		pthread_mutex_destroy(&r->jobq.lock);
		pthread_cond_destroy(&r->jobq.ready);
	}
	if (r->resq.slot) {
		pthread_mutex_destroy(&r->resq.lock);
		pthread_cond_destroy(&r->resq.ready);
	}
	free(r->jobq.slot);
	free(r->resq.slot);
	coro_chan_free(r->jobc);
	coro_chan_free(r->resc);
	free(r->slot);
	free(r->pf);
	r->jobq.slot = r->resq.slot = r->slot = NULL;
	r->jobc = r->resc = NULL;
	r->pf = NULL;
}

/* A pipe that holds every job (or result) there is. Returns 0 or an
 * errno value; EPERM when that is more than an unprivileged pipe may
 * hold (/proc/sys/fs/pipe-max-size). */
static int pool_make_pipe(const struct pool_run *r, int *rd, int *wr)
{
	long need = (long)r->jobs * (long)sizeof(struct pool_msg);
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) != 0)
		return errno;
	*rd = fds[0];
	*wr = fds[1];
	if (fcntl(fds[1], F_GETPIPE_SZ) >= need)
		return 0;
	return fcntl(fds[1], F_SETPIPE_SZ, (int)need) < 0 ? errno : 0;
}

int pool_queues_make(struct pool_run *r)
{
	int err;

	r->job_rd = r->job_wr = r->res_rd = r->res_wr = -1;
	/* its workers hand results on themselves: pool_events.c */
	if (r->base.model == LAUNCH_EVENTS)
		return 0;
	if (r->base.model == LAUNCH_PROCESSES) {
		r->ops = &pool_pipe_ops;
		r->pf = calloc(r->base.n + 1, sizeof(*r->pf));
		if (!r->pf)
			return ENOMEM;
		for (unsigned i = 0; i <= r->base.n; i++) {
			r->pf[i].fd = -1;
			r->pf[i].events = POLLIN;
		}
		err = pool_make_pipe(r, &r->job_rd, &r->job_wr);
		if (!err)
			err = pool_make_pipe(r, &r->res_rd, &r->res_wr);
		r->pf[0].fd = r->res_rd;
		return err;
	}
	if (r->base.model == LAUNCH_THREADS) {
		r->ops = &pool_queue_ops;
		err = pool_queue_init(&r->jobq, r->jobs);
		return err ? err : pool_queue_init(&r->resq, r->jobs);
	}
	r->ops = &pool_chan_ops;
	r->jobc = coro_chan_new(r->jobs);
	r->resc = coro_chan_new(r->jobs);
	/* a slot per job number, apply's and apply_async's */
	r->slot = calloc(2 * (size_t)r->jobs, sizeof(*r->slot));
	return r->jobc && r->resc && r->slot ? 0 : ENOMEM;
}

void pool_queues_child(struct pool_run *r)
{
	/* the write end held here would hide end of file from us */
	pool_close(&r->job_wr);
	pool_close(&r->res_rd);
}

void pool_queues_started(struct pool_run *r)
{
	if (r->base.model != LAUNCH_PROCESSES)
		return;
	for (unsigned i = 0; i < r->base.n; i++) {
		const struct launch_task *t = launch_slot(&r->base, i);

		/* watched while results are awaited; ignored where missing */
		if (t->started)
			r->pf[i + 1].fd =
				(int)syscall(SYS_pidfd_open, t->pid, 0);
	}
	/* the workers' ends; without closing them a dead pool would leave
	 * us waiting for results instead of reading end of file */
	pool_close(&r->job_rd);
	pool_close(&r->res_wr);
}
