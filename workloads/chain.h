/* chain.h - the multiply-add chain: CPU work that no compiler can shorten,
 * and where it ends computed another way, so that a run checks itself.
 *
 * A chain is the affine map x -> mul * x + add (mod 2^64) applied again and
 * again from x0, every step waiting for the one before: pure CPU work, no
 * memory traffic. n steps of an affine map are one affine map, which
 * repeated squaring finds in about 64 steps: the check costs nothing next
 * to the work.
 *
 * The cpu and gil scenarios run chains in every model; what their runs
 * share is here too: how many steps, the slot each task reports in, and
 * the verdict on where the chains ended.
 */
#ifndef LAB_CHAIN_H
#define LAB_CHAIN_H

#include <stdint.h>
#include "workloads/launch.h"

struct chain {
	uint64_t mul, add; /* the map */
	uint64_t x0;	   /* where it starts */
};

/* Task i's own chain: a task that reported another's result would not
 * pass. */
struct chain chain_for_task(unsigned i);

/* n steps of c's map from x (not from c->x0: a task goes on where its
 * last slice stopped) */
uint64_t chain_run(const struct chain *c, uint64_t x, uint64_t n);

/* where n steps from c->x0 end */
uint64_t chain_expected(const struct chain *c, uint64_t n);

/* A chain task's slot starts with this; a scenario's own figures follow. */
struct chain_task {
	struct launch_task base;
	struct chain chain; /* the task's own */
	uint64_t x;	    /* where the chain ended; base.done: steps made */
};

/* Sets l->ops, the steps a task makes: p->ops, else p->duration_s
 * seconds of CPU for all the tasks together, turned into steps by a quick
 * calibration, else dflt. Then gives each task its chain, in setup. 0, or
 * -1 having said why. */
int chain_steps(struct launch *l, const struct workload_params *p,
		uint64_t dflt);
int chain_setup(struct launch *l);

/* Every task made all its steps and ended where the closed form says; 0,
 * else 1 after one line on stderr about the first that did not. */
int chain_verdict(struct launch *l);

#endif /* LAB_CHAIN_H */
