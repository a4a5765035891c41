/* chain.h - the multiply-add chain: CPU work that no compiler can shorten,
 * and where it ends computed another way, so that a run checks itself.
 *
 * A chain is the affine map x -> mul * x + add (mod 2^64) applied again and
 * again from x0, every step waiting for the one before: pure CPU work, no
 * memory traffic. n steps of an affine map are one affine map, which
 * repeated squaring finds in about 64 steps: the check costs nothing next
 * to the work.
 */
#ifndef LAB_CHAIN_H
#define LAB_CHAIN_H

#include <stdint.h>

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

#endif /* LAB_CHAIN_H */
