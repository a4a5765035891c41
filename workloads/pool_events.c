/* pool_events.c - the pool's workers as state machines (see
 * pool_events.h) */
#include <errno.h>
#include <stdlib.h>
#include "workloads/pool_events.h"

static void pool_ev_start(struct pool_run *r, struct pool_worker_machine *w,
			  uint32_t job)
{
	w->m = (struct pool_msg){.job = job};
	/* a timer that cannot be armed would lose the job: the run fails
	 * for want of its result */
	if (evloop_after(&w->timer, r->job_ns) != 0)
		r->failed = 1;
}

/* The job's sleep is over: its result, then the next job or idleness. */
static void pool_ev_done(struct evloop_timer *t)
{
	struct pool_worker_machine *w = t->arg;
	struct pool_run *r = w->run;
	struct pool_events *ev = r->ev;

	ev->steps++;
	w->m.worker = w->id;
	w->m.value = ev->work(w->m.job);
	ev->result(r, &w->m);
	if (ev->len) {
		uint32_t job = ev->waiting[ev->head];

		ev->head = (ev->head + 1) % ev->cap;
		ev->len--;
		pool_ev_start(r, w, job);
	} else {
		ev->idle[ev->nidle++] = w;
	}
}

void pool_events_worker(struct pool_run *r, struct pool_worker_machine *w,
			unsigned id)
{
	w->run = r;
	w->id = id;
	w->timer.fn = pool_ev_done;
	w->timer.arg = w;
	r->ev->idle[r->ev->nidle++] = w;
}

void pool_events_submit(struct pool_run *r, uint32_t job)
{
	struct pool_events *ev = r->ev;

	if (ev->nidle) {
		pool_ev_start(r, ev->idle[--ev->nidle], job);
		return;
	}
	ev->waiting[(ev->head + ev->len) % ev->cap] = job;
	ev->len++;
}

int pool_events_make(struct pool_run *r, uint64_t (*work)(uint32_t))
{
	struct pool_events *ev = calloc(1, sizeof(*ev));

	r->ev = ev;
	if (!ev)
		return ENOMEM;
	ev->work = work;
	/* apply_async submits every job while the workers hold some */
	ev->cap = r->jobs ? r->jobs : 1;
	ev->waiting = calloc(ev->cap, sizeof(*ev->waiting));
	ev->idle = calloc(r->base.n ? r->base.n : 1, sizeof(*ev->idle));
	return ev->waiting && ev->idle ? 0 : ENOMEM;
}

void pool_events_free(struct pool_run *r)
{
	if (!r->ev)
		return;
	free(r->ev->waiting);
	free(r->ev->idle);
	free(r->ev);
	r->ev = NULL;
}

uint64_t pool_events_steps(const struct pool_run *r)
{
	return r->ev ? r->ev->steps : 0;
}
