/* chain.c - the multiply-add chain, its closed form and the runs of
 * chain tasks (see chain.h) */
#include <math.h>
#include <stdio.h>
#include "workloads/chain.h"

#define CHAIN_MAX_DURATION_S 1e5
#define CHAIN_CALIBRATE_OPS  (1ull << 18)

struct chain chain_for_task(unsigned i)
{
	struct chain c = {
		/* odd: an even mul has mul^64 = 0 (mod 2^64), and the chain
		 * would stop changing after 64 steps */
		.mul = (0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull * i) | 1,
		.add = 2 * (uint64_t)i + 1,
		.x0 = (uint64_t)i + 1,
	};

	return c;
}

/* The empty asm makes x opaque after every step, so the compiler keeps
 * one multiply and one add per step instead of merging steps or folding
 * the loop. */
__attribute__((noinline)) uint64_t chain_run(const struct chain *c, uint64_t x,
					     uint64_t n)
{
	uint64_t mul = c->mul, add = c->add;

	for (uint64_t i = 0; i < n; i++) {
		x = x * mul + add;
		__asm__("" : "+r"(x));
	}
	return x;
}

/* The map x -> m * x + a composed with itself is x -> m*m * x + (m * a +
 * a), so n steps take log2(n) squarings. */
uint64_t chain_expected(const struct chain *c, uint64_t n)
{
	uint64_t mul = c->mul, add = c->add;
	uint64_t m = 1, a = 0; /* the identity */

	while (n) {
		if (n & 1) {
			a = mul * a + add;
			m *= mul;
		}
		add = mul * add + add;
		mul *= mul;
		n >>= 1;
	}
	return m * c->x0 + a;
}

/* Nanoseconds per step on this CPU: the fastest of a few short runs, as a
 * run that was preempted would make the step look slower than it is. */
static double chain_ns_per_op(void)
{
	const struct chain c = {.mul = 0x9e3779b97f4a7c15ull, .add = 1};
	double best = 0;
	uint64_t sink = 0;

	for (int i = 0; i < 5; i++) {
		uint64_t t0 = tasks_clock_ns(CLOCK_MONOTONIC);
		double ns;

		sink += chain_run(&c, sink, CHAIN_CALIBRATE_OPS);
		ns = (double)(tasks_clock_ns(CLOCK_MONOTONIC) - t0) /
		     (double)CHAIN_CALIBRATE_OPS;
		if (i == 0 || ns < best)
			best = ns;
	}
	__asm__ volatile("" : : "r"(sink)); /* the runs must happen */
	return best > 0 ? best : 1;
}

int chain_steps(struct launch *l, const struct workload_params *p,
		uint64_t dflt)
{
	double d = p->duration_s;

	if (p->ops) {
		l->ops = p->ops;
	} else if (d) {
		if (!isfinite(d) || d <= 0 || d > CHAIN_MAX_DURATION_S) {
			fprintf(stderr, "%s: bad duration %g s\n", l->name, d);
			return -1;
		}
		l->ops = (uint64_t)(d * 1e9 / chain_ns_per_op() / l->n);
		if (!l->ops)
			l->ops = 1;
	} else {
		l->ops = dflt;
	}
	return 0;
}

int chain_setup(struct launch *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		struct chain_task *t = launch_slot(l, i);

		t->chain = chain_for_task(i);
	}
	return 0;
}

int chain_verdict(struct launch *l)
{
	unsigned wrong = 0;

	for (unsigned i = 0; i < l->n; i++) {
		const struct chain_task *t = launch_slot(l, i);
		const struct launch_task *b = &t->base;
		uint64_t want = chain_expected(&t->chain, l->ops);

		if (b->started && !b->failed && t->base.done == l->ops &&
		    t->x == want)
			continue;
		if (wrong++)
			continue;
		if (!b->started || b->failed || t->base.done != l->ops)
			fprintf(stderr, "%s: %s made %llu of %llu steps%s%s\n",
				l->name, b->name,
				(unsigned long long)t->base.done,
				(unsigned long long)l->ops,
				b->started ? "" : ", never started",
				b->failed ? ", failed" : "");
		else
			fprintf(stderr,
				"%s: %s ended at %#llx, expected %#llx\n",
				l->name, b->name, (unsigned long long)t->x,
				(unsigned long long)want);
	}
	if (wrong > 1)
		fprintf(stderr, "%s: %u of %u tasks wrong\n", l->name, wrong,
			l->n);
	return wrong ? 1 : 0;
}
