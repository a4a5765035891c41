/* pool.c - the pool scenario: a fixed pool of K workers runs J jobs, the
 * seed's multiprocessing.Pool.
 *
 * Each job sleeps (duration / J) and then computes a small hash of its
 * number, which is its result. The submitter hands the pool J jobs twice:
 *	apply		submit one job, wait for its result, then the next: the
 *			workers take turns and the run is as long as all the
 *			sleeps together
 *	apply_async	submit every job at once, then run a callback on each
 *			result as it arrives: K workers sleep side by side and
 *			the run is about K times shorter
 * Every job's result must arrive exactly once with the right value, and
 * the callback must run J times, in the submitter.
 *
 * pool_apply(), pool_apply_async() and pool_job_run() are the same code in
 * every model; what differs is how jobs and results travel:
 *	processes	worker processes read jobs from one pipe and write
 *			results into another, as Python's Pool does
 *	threads		a job queue and a result queue, each under a mutex
 *			and a condition variable
 *	coroutines	worker coroutines fed through a channel, answering
 *			through a second one
 * The queues hold J records, so submitting never waits for room, as
 * Python's apply_async does not. A worker process that dies fails the run
 * at once instead of leaving the submitter waiting for its result.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "coro.h"
#include "markers.h"
#include "pool.h"

#define POOL_WORKERS	 4
#define POOL_JOBS	 200
#define POOL_DURATION_S	 1.0 /* the jobs' sleeps together: apply's time */
#define POOL_MAX_WORKERS 1000u
#define POOL_MAX_JOBS	 (1u << 20)

/* A job (worker unset) or its result. Jobs of the apply phase are
 * numbered 0..J-1, those of apply_async J..2J-1, so a result that strays
 * into the wrong phase is caught. */
struct pool_msg {
	uint32_t job;
	uint32_t worker;
	uint64_t value;
};

/* the threads' queues: a FIFO of records under a mutex */
struct pool_queue {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	struct pool_msg *slot;
	unsigned cap, head, len;
	int closed;
};

struct pool_task {
	char name[16]; /* "pool-w3" */
	pid_t pid;
	pthread_t thread;
	int started;
	int died;  /* a process that did not exit 0 */
	int pidfd; /* readable once the process has exited, or -1 */
	struct pool_run *run;
	unsigned id;
};

struct pool_run;

struct pool_ops {
	/* queues one job; never waits: the queue holds them all */
	int (*submit)(struct pool_run *r, uint32_t job);
	/* waits for the next result: 0, or -1 when none can come */
	int (*result)(struct pool_run *r, struct pool_msg *m);
	/* how a worker waits out its job's sleep */
	void (*sleep_ns)(uint64_t ns);
};

struct pool_run {
	const char *name;
	const struct pool_ops *ops;
	unsigned workers, jobs;
	uint64_t job_ns;
	struct pool_task *task;
	uint8_t *got;	    /* results taken per job, both phases */
	unsigned callbacks; /* apply_async's callback runs */
	unsigned *by;	    /* apply_async's jobs per worker */
	unsigned wrong;	    /* results with a wrong value or job */
	int failed;	    /* a submit or a result failed */
	double sync_s, async_s;
	/* processes: jobs and results through two pipes */
	int job_rd, job_wr, res_rd, res_wr;
	struct pollfd *pf; /* the results, then each worker's pidfd */
	/* threads */
	struct pool_queue jobq, resq;
	/* coroutines: a result travels as a pointer to its slot */
	struct coro_chan *jobc, *resc;
	struct pool_msg *slot;
};

/* ---- the job, the same in every model ---- */

static uint64_t pool_work(uint32_t job)
{
	uint64_t x = job + 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < 1000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

static void pool_job_run(struct pool_run *r, unsigned worker,
			 struct pool_msg *m)
{
	r->ops->sleep_ns(r->job_ns);
	m->worker = worker;
	m->value = pool_work(m->job);
}

static double pool_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Books one result; counts it wrong when it is not one of this phase's
 * jobs or its value is not the job's. */
static void pool_take(struct pool_run *r, const struct pool_msg *m,
		      uint32_t first)
{
	if (m->job < first || m->job >= first + r->jobs ||
	    m->value != pool_work(m->job)) {
		r->wrong++;
		return;
	}
	r->got[m->job]++;
}

/* apply_async's callback, run by the submitter as each result arrives */
static void pool_callback(struct pool_run *r, const struct pool_msg *m)
{
	r->callbacks++;
	if (m->worker < r->workers)
		r->by[m->worker]++;
	pool_take(r, m, r->jobs);
}

/* apply: one job at a time; each result must be the job just submitted */
static void pool_apply(struct pool_run *r)
{
	double t0 = pool_now();

	LAB_MARK_PHASE(LAB_PHASE_SYNC);
	for (uint32_t j = 0; j < r->jobs && !r->failed; j++) {
		struct pool_msg m;

		if (r->ops->submit(r, j) != 0 || r->ops->result(r, &m) != 0) {
			r->failed = 1;
			break;
		}
		if (m.job != j)
			r->wrong++;
		else
			pool_take(r, &m, 0);
	}
	r->sync_s = pool_now() - t0;
}

/* apply_async: every job submitted at once, then a callback per result */
static void pool_apply_async(struct pool_run *r)
{
	double t0 = pool_now();
	unsigned sent = 0;

	LAB_MARK_PHASE(LAB_PHASE_ASYNC);
	while (sent < r->jobs && !r->failed)
		r->failed = r->ops->submit(r, r->jobs + sent++) != 0;
	for (unsigned i = 0; i < sent && !r->failed; i++) {
		struct pool_msg m;

		r->failed = r->ops->result(r, &m) != 0;
		if (!r->failed)
			pool_callback(r, &m);
	}
	r->async_s = pool_now() - t0;
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
	while (poll(r->pf, r->workers + 1, -1) < 0)
		if (errno != EINTR)
			return -1;
	if (!r->pf[0].revents)
		return -1;
	return pool_read(r->res_rd, m) == 1 ? 0 : -1;
}

static void pool_sleep_blocking(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000u),
		.tv_nsec = (long)(ns % 1000000000u),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

static const struct pool_ops pool_pipe_ops = {
	.submit = pool_pipe_submit,
	.result = pool_pipe_result,
	.sleep_ns = pool_sleep_blocking,
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

static const struct pool_ops pool_queue_ops = {
	.submit = pool_queue_submit,
	.result = pool_queue_result,
	.sleep_ns = pool_sleep_blocking,
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

static const struct pool_ops pool_chan_ops = {
	.submit = pool_chan_submit,
	.result = pool_chan_result,
	.sleep_ns = coro_sleep_ns,
};

/* ---- setting up, checking, tearing down ---- */

static void pool_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void pool_teardown(struct pool_run *r)
{
	pool_close(&r->job_rd);
	pool_close(&r->job_wr);
	pool_close(&r->res_rd);
	pool_close(&r->res_wr);
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
	free(r->got);
	free(r->by);
	free(r->task);
	memset(r, 0, sizeof(*r));
	r->job_rd = r->job_wr = r->res_rd = r->res_wr = -1;
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

/* The model's job and result queues. Returns 0 or an errno value. */
static int pool_make(struct pool_run *r)
{
	int err;

	if (r->ops == &pool_pipe_ops) {
		r->pf = calloc(r->workers + 1, sizeof(*r->pf));
		if (!r->pf)
			return ENOMEM;
		err = pool_make_pipe(r, &r->job_rd, &r->job_wr);
		if (!err)
			err = pool_make_pipe(r, &r->res_rd, &r->res_wr);
		for (unsigned i = 0; !err && i <= r->workers; i++) {
			r->pf[i].fd = i ? -1 : r->res_rd;
			r->pf[i].events = POLLIN;
		}
		return err;
	}
	if (r->ops == &pool_queue_ops) {
		err = pool_queue_init(&r->jobq, r->jobs);
		return err ? err : pool_queue_init(&r->resq, r->jobs);
	}
	r->jobc = coro_chan_new(r->jobs);
	r->resc = coro_chan_new(r->jobs);
	/* a slot per job number, apply's and apply_async's */
	r->slot = calloc(2 * (size_t)r->jobs, sizeof(*r->slot));
	return r->jobc && r->resc && r->slot ? 0 : ENOMEM;
}

static int pool_setup(struct pool_run *r, const char *name,
		      const struct workload_params *p,
		      const struct pool_ops *ops)
{
	double duration = p->duration_s ? p->duration_s : POOL_DURATION_S;
	int err;

	memset(r, 0, sizeof(*r));
	r->job_rd = r->job_wr = r->res_rd = r->res_wr = -1;
	r->name = name;
	r->ops = ops;
	r->workers = p->tasks ? p->tasks : POOL_WORKERS;
	r->jobs = p->ops ? p->ops : POOL_JOBS;
	if (!isfinite(duration) || duration < 0 || duration > 1e6) {
		fprintf(stderr, "%s: bad duration %g s\n", name, duration);
		return -1;
	}
	if (r->workers > POOL_MAX_WORKERS || r->jobs > POOL_MAX_JOBS) {
		fprintf(stderr, "%s: %u workers, %u jobs: at most %u and %u\n",
			name, r->workers, r->jobs, POOL_MAX_WORKERS,
			POOL_MAX_JOBS);
		return -1;
	}
	r->job_ns = (uint64_t)(duration * 1e9 / r->jobs);
	r->task = calloc(r->workers, sizeof(*r->task));
	r->got = calloc(2 * (size_t)r->jobs, 1);
	r->by = calloc(r->workers, sizeof(*r->by));
	if (!r->task || !r->got || !r->by) {
		fprintf(stderr, "%s: out of memory\n", name);
		pool_teardown(r);
		return -1;
	}
	for (unsigned i = 0; i < r->workers; i++) {
		r->task[i].run = r;
		r->task[i].id = i;
		r->task[i].pidfd = -1;
		snprintf(r->task[i].name, sizeof(r->task[i].name), "pool-w%hu",
			 (unsigned short)i);
	}
	err = pool_make(r);
	if (err) {
		/* EPERM: a pipe larger than /proc/sys/fs/pipe-max-size */
		fprintf(stderr, "%s: queues for %u jobs of %zu bytes: %s\n",
			name, r->jobs, sizeof(struct pool_msg), strerror(err));
		pool_teardown(r);
		return -1;
	}
	return 0;
}

/* Every job's result taken exactly once, right, and J callbacks. */
static int pool_verdict(const struct pool_run *r)
{
	unsigned missing = 0, twice = 0;
	const char *died = NULL;

	for (size_t j = 0; j < 2 * (size_t)r->jobs; j++) {
		missing += r->got[j] == 0;
		twice += r->got[j] > 1;
	}
	for (unsigned i = 0; i < r->workers && !died; i++)
		if (!r->task[i].started || r->task[i].died)
			died = r->task[i].name;
	if (!missing && !twice && !r->wrong && !r->failed && !died &&
	    r->callbacks == r->jobs)
		return 0;
	fprintf(stderr,
		"%s: %u of %u results missing, %u more than once, %u wrong, "
		"%u of %u callbacks%s%s%s\n",
		r->name, missing, 2 * r->jobs, twice, r->wrong, r->callbacks,
		r->jobs, r->failed ? "; the pool failed" : "",
		died ? "; failed: " : "", died ? died : "");
	return 1;
}

static void pool_report(const struct pool_run *r)
{
	printf("%s: %u workers, %u jobs of %.2f ms: apply %.3f s, "
	       "apply_async %.3f s (%.1fx); async jobs per worker:",
	       r->name, r->workers, r->jobs, (double)r->job_ns / 1e6, r->sync_s,
	       r->async_s, r->async_s > 0 ? r->sync_s / r->async_s : 0.0);
	for (unsigned i = 0; i < r->workers; i++)
		printf(" %u", r->by[i]);
	printf("\n");
}

static int pool_begin(struct pool_run *r, const char *name,
		      const struct workload_params *p,
		      const struct pool_ops *ops)
{
	LAB_MARK_START(p->tasks ? p->tasks : POOL_WORKERS);
	LAB_MARK_OPS(p->ops ? p->ops : POOL_JOBS);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (pool_setup(r, name, p, ops) == 0)
		return 0;
	LAB_MARK_END(1);
	return -1;
}

static int pool_end(struct pool_run *r)
{
	int result;

	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	result = pool_verdict(r);
	if (!result)
		pool_report(r);
	return result;
}

/* ---- processes ---- */

static __attribute__((noreturn)) void pool_child(struct pool_run *r, unsigned i)
{
	struct pool_msg m;
	int got;

	prctl(PR_SET_NAME, r->task[i].name);
	/* the write end held here would hide end of file from us */
	pool_close(&r->job_wr);
	pool_close(&r->res_rd);
	while ((got = pool_read(r->job_rd, &m)) == 1) {
		pool_job_run(r, i, &m);
		if (pool_write(r->res_wr, &m) != 0)
			_exit(1);
	}
	_exit(got == 0 ? 0 : 1);
}

static int pool_processes_run(const struct workload_params *p)
{
	struct pool_run r;
	unsigned started = 0;
	int result;

	if (pool_begin(&r, "pool-processes", p, &pool_pipe_ops) != 0)
		return 1;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.workers; i++) {
		struct pool_task *t = &r.task[i];

		t->pid = fork();
		if (t->pid == 0)
			pool_child(&r, i);
		t->started = t->pid > 0;
		started += t->started;
		/* watched while results are awaited; ignored where missing */
		if (t->started)
			t->pidfd = (int)syscall(SYS_pidfd_open, t->pid, 0);
		r.pf[i + 1].fd = t->pidfd;
		if (t->pid < 0)
			fprintf(stderr, "%s: fork: %s\n", r.name,
				strerror(errno));
	}
	/* the workers' ends; without closing them a dead pool would leave
	 * us waiting for results instead of reading end of file */
	pool_close(&r.job_rd);
	pool_close(&r.res_wr);
	if (started) {
		pool_apply(&r);
		pool_apply_async(&r);
	}
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	pool_close(&r.job_wr); /* end of file: the workers exit */
	for (unsigned i = 0; i < r.workers; i++) {
		struct pool_task *t = &r.task[i];
		int status = 0;
		pid_t got;

		if (!t->started)
			continue;
		while ((got = waitpid(t->pid, &status, 0)) < 0 &&
		       errno == EINTR)
			;
		t->died = got != t->pid || !WIFEXITED(status) ||
			  WEXITSTATUS(status) != 0;
		pool_close(&t->pidfd);
	}
	result = pool_end(&r);
	LAB_MARK_END(result);
	pool_teardown(&r);
	return result;
}

/* ---- threads ---- */

static void *pool_thread(void *arg)
{
	struct pool_task *t = arg;
	struct pool_run *r = t->run;
	struct pool_msg m;

	pthread_setname_np(pthread_self(), t->name);
	while (pool_queue_get(&r->jobq, &m)) {
		pool_job_run(r, t->id, &m);
		pool_queue_put(&r->resq, &m);
	}
	return NULL;
}

static int pool_threads_run(const struct workload_params *p)
{
	struct pool_run r;
	unsigned started = 0;
	int result;

	if (pool_begin(&r, "pool-threads", p, &pool_queue_ops) != 0)
		return 1;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.workers; i++) {
		struct pool_task *t = &r.task[i];
		int err = pthread_create(&t->thread, NULL, pool_thread, t);

		t->started = !err;
		started += t->started;
		if (err)
			fprintf(stderr, "%s: pthread_create: %s\n", r.name,
				strerror(err));
	}
	if (started) {
		pool_apply(&r);
		pool_apply_async(&r);
	}
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	pool_queue_close(&r.jobq);
	for (unsigned i = 0; i < r.workers; i++)
		if (r.task[i].started)
			pthread_join(r.task[i].thread, NULL);
	result = pool_end(&r);
	LAB_MARK_END(result);
	pool_teardown(&r);
	return result;
}

/* ---- coroutines ---- */

static void pool_coro_worker(void *arg)
{
	struct pool_task *t = arg;
	struct pool_run *r = t->run;
	void *job;

	while (coro_chan_recv(r->jobc, &job) == 0) {
		struct pool_msg *m = &r->slot[(uintptr_t)job];

		m->job = (uint32_t)(uintptr_t)job;
		pool_job_run(r, t->id, m);
		if (coro_chan_send(r->resc, m) != 0)
			break;
	}
}

/* The root's part as a coroutine, since waiting for a result means
 * letting the workers run. */
static void pool_coro_submitter(void *arg)
{
	struct pool_run *r = arg;

	pool_apply(r);
	pool_apply_async(r);
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	coro_chan_close(r->jobc); /* the workers return */
}

static int pool_coroutines_run(const struct workload_params *p)
{
	struct pool_run r;
	uint64_t switches = coro_switches();
	int err = 0, result;

	if (pool_begin(&r, "pool-coroutines", p, &pool_chan_ops) != 0)
		return 1;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.workers && !err; i++) {
		err = coro_spawn(pool_coro_worker, &r.task[i], 0);
		r.task[i].started = !err;
	}
	if (!err)
		err = coro_spawn(pool_coro_submitter, &r, 0);
	if (err) {
		fprintf(stderr, "%s: coro_spawn: %s\n", r.name, strerror(-err));
		/* nobody will submit: let the workers that exist return */
		coro_chan_close(r.jobc);
		r.failed = 1;
	}
	if (coro_run() != 0) {
		fprintf(stderr, "%s: coro_run failed\n", r.name);
		r.failed = 1;
	}
	result = pool_end(&r);
	LAB_MARK_CORO_SWITCHES(coro_switches() - switches);
	LAB_MARK_END(result);
	pool_teardown(&r);
	return result;
}

const struct workload pool_processes = {
	.name = "pool-processes",
	.scenario = "pool",
	.model = "processes",
	.summary = "a pool of worker processes: apply, then apply_async",
	.run = pool_processes_run,
};

const struct workload pool_threads = {
	.name = "pool-threads",
	.scenario = "pool",
	.model = "threads",
	.summary = "a pool of worker threads: apply, then apply_async",
	.run = pool_threads_run,
};

const struct workload pool_coroutines = {
	.name = "pool-coroutines",
	.scenario = "pool",
	.model = "coroutines",
	.summary = "a pool of worker coroutines: apply, then apply_async",
	.run = pool_coroutines_run,
};
