/* pool_queues.h - how the pool scenario's jobs and results travel, one
 * way a model:
 *	processes	two pipes, jobs one way, results the other, as
 *			Python's Pool does
 *	threads		a job queue and a result queue, each under a mutex
 *			and a condition variable
 *	coroutines	two channels; a result travels as a pointer to its
 *			slot
 *	events		none: a worker's callback hands its result on
 *			(pool_events.h)
 * Each holds every job there is, so submitting never waits for room. The
 * submitter's side (submit, result) and the workers' (take, give) are
 * the same calls in every model.
 */
#ifndef LAB_POOL_QUEUES_H
#define LAB_POOL_QUEUES_H

#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include "workloads/launch.h"

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

struct pool_run;

struct pool_ops {
	/* queues one job; never waits: the queue holds them all */
	int (*submit)(struct pool_run *r, uint32_t job);
	/* waits for the next result: 0, or -1 when none can come */
	int (*result)(struct pool_run *r, struct pool_msg *m);
	/* a worker's next job: 1, or 0 once the pool is closed, -1 */
	int (*take)(struct pool_run *r, struct pool_msg *m);
	/* a worker's result: 0, or -1 when it cannot be given */
	int (*give)(struct pool_run *r, const struct pool_msg *m);
	/* no more jobs: the workers return */
	void (*close)(struct pool_run *r);
	/* how a worker waits out its job's sleep */
	void (*sleep_ns)(uint64_t ns);
};

struct pool_run {
	struct launch base; /* base.n workers */
	const struct pool_ops *ops;
	unsigned jobs;
	uint64_t job_ns;
	uint8_t *got;	    /* results taken per job, both phases */
	unsigned callbacks; /* apply_async's callback runs */
	unsigned *by;	    /* apply_async's jobs per worker */
	unsigned wrong;	    /* results with a wrong value or job */
	int failed;	    /* a submit or a result failed */
	/* apply's and apply_async's time */
	uint64_t sync_ns, async_ns;
	/* processes: jobs and results through two pipes */
	int job_rd, job_wr, res_rd, res_wr;
	struct pollfd *pf; /* the results, then each worker's pidfd */
	/* threads */
	struct pool_queue jobq, resq;
	/* coroutines: a result travels as a pointer to its slot */
	struct coro_chan *jobc, *resc;
	struct pool_msg *slot;
	/* events: the workers' jobs and the submitter's place
	 * (pool_events.h); ops is NULL */
	struct pool_events *ev;
};

/* The model's queues, for r->jobs jobs: 0 or an errno value; EPERM when
 * a pipe would hold more than an unprivileged one may
 * (/proc/sys/fs/pipe-max-size). */
int pool_queues_make(struct pool_run *r);
/* In a worker process: the ends only the submitter uses are closed. */
void pool_queues_child(struct pool_run *r);
/* Once the workers are started: the ends only they use are closed, and
 * each worker process is watched through a pidfd, so that one that dies
 * fails the submitter's wait for a result. */
void pool_queues_started(struct pool_run *r);
/* Gives back what pool_queues_make and pool_queues_started made. */
void pool_queues_free(struct pool_run *r);

#endif /* LAB_POOL_QUEUES_H */
