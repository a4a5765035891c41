/* daemon_coroutines.c - the daemon scenario's coroutines: a daemon asleep
 * in its loop when main returns, and finished coroutines' stacks back in
 * the pool at once (see daemon.c for the lessons). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "workloads/coro/coro.h"
#include "workloads/daemon_run.h"

static void daemon_coro_late(void *arg)
{
	struct daemon_run *r = arg;

	r->late_ran = 1;
}

/* The main coroutine, the root's part: waits for the workers, spawns one
 * more coroutine once they are done, and returns with the daemon asleep
 * in its loop. */
void daemon_coro_main(struct launch *l)
{
	struct daemon_run *r = (struct daemon_run *)l;
	struct daemon_shared *sh = r->sh;
	uint64_t stacks;
	int err = l->start_err;

	for (unsigned i = 0; i < r->n; i++)
		sh->w[i].started =
			((const struct launch_task *)launch_slot(l, i + 1))
				->started;
	for (unsigned i = 0; i < r->n && sh->w[i].started; i++) {
		void *ops = NULL;

		sh->w[i].ok = coro_chan_recv(r->done, &ops) == 0 &&
			      (uintptr_t)ops == r->ops;
	}
	/* lesson 2: the finished workers' stacks are in the pool already */
	stacks = coro_stacks_mapped();
	if (!err)
		err = coro_spawn(daemon_coro_late, r, 0);
	r->stacks_new = coro_stacks_mapped() - stacks;
	sh->beats_at_end = __atomic_load_n(&sh->beats, __ATOMIC_RELAXED);
	sh->alive_at_end = sh->in_loop && sh->asleep && !sh->left_loop;
	if (err < 0)
		fprintf(stderr, "%s: coro_spawn: %s\n", l->name,
			strerror(-err));
	r->main_end_ns = daemon_now_ns();
	r->main_done = 1; /* the daemon sees it when its sleep ends */
}

int daemon_coroutines_check(struct launch *l)
{
	struct daemon_run *r = (struct daemon_run *)l;
	struct daemon_shared *sh = r->sh;
	int result = 0;

	if (l->start_err)
		return 1; /* said already */
	if (!sh->alive_at_end || !sh->beats_at_end || !sh->left_loop ||
	    r->daemon_end_ns < r->main_end_ns) {
		fprintf(stderr,
			"%s: the daemon was not asleep in its loop when main "
			"returned\n",
			l->name);
		result = 1;
	}
	if (r->stacks_new || !r->late_ran) {
		fprintf(stderr,
			"%s: a spawn after the workers ended mapped %" PRIu64
			" new stacks\n",
			l->name, r->stacks_new);
		result = 1;
	}
	return result | daemon_workers_verdict(r, NULL, "");
}

void daemon_coroutines_report(const struct launch *l)
{
	const struct daemon_run *r = (const struct daemon_run *)l;

	printf("%s: the daemon beat %" PRIu64 " times, asleep when "
	       "main returned; saw its flag %.1f ms later\n",
	       l->name, r->sh->beats_at_end,
	       daemon_ms(r->daemon_end_ns - r->main_end_ns));
	printf("%s: a spawn after %u workers ended mapped %" PRIu64
	       " new stacks: finished ones are pooled\n",
	       l->name, r->n, r->stacks_new);
	/* no ZOMBIE_NS: nothing of a finished coroutine waits to be
	 * reaped, so there is no time to measure */
	LAB_RESULT(LAB_RESULT_DAEMON_BEATS, r->sh->beats_at_end);
}
