/* pool_events.h - the pool scenario in the events model: its workers as
 * state machines on one thread's epoll loop (evloop.h). A worker that
 * takes a job arms a timer for the job's sleep; the timer's callback
 * computes the result and hands it to the submitter's continuation,
 * which submits apply's next job or runs apply_async's callback; the
 * worker then takes the next job waiting, or goes idle. Jobs wait in a
 * FIFO that holds them all, so submitting never waits for room. */
#ifndef LAB_POOL_EVENTS_H
#define LAB_POOL_EVENTS_H

#include <stdint.h>
#include "workloads/evloop.h"
#include "workloads/pool_queues.h"

/* A worker: all it keeps between two callbacks. */
struct pool_worker_machine {
	struct evloop_timer timer; /* the job's sleep */
	struct pool_run *run;
	struct pool_msg m; /* the job in hand */
	unsigned id;
};

struct pool_events {
	uint32_t *waiting; /* jobs submitted, not yet taken */
	unsigned head, len, cap;
	struct pool_worker_machine **idle;
	unsigned nidle;
	/* the submitter's continuation: called with each result */
	void (*result)(struct pool_run *r, const struct pool_msg *m);
	/* a job's result from its number: the same in every model */
	uint64_t (*work)(uint32_t job);
	/* the submitter's place: apply's next job, when its phase began */
	uint32_t next;
	uint64_t t0;
	uint64_t steps; /* callbacks that advanced a worker */
};

/* The FIFO and the idle list for r->jobs jobs and r->base.n workers; 0
 * or ENOMEM. */
int pool_events_make(struct pool_run *r, uint64_t (*work)(uint32_t));
void pool_events_free(struct pool_run *r);
/* Worker id, idle until a job comes. */
void pool_events_worker(struct pool_run *r, struct pool_worker_machine *w,
			unsigned id);
/* Hands job to an idle worker, which arms its timer, or queues it. */
void pool_events_submit(struct pool_run *r, uint32_t job);
/* The callbacks that advanced a worker, as the workers counted them. */
uint64_t pool_events_steps(const struct pool_run *r);

#endif /* LAB_POOL_EVENTS_H */
