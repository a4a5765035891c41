/* chain.c - the multiply-add chain and its closed form (see chain.h) */
#include "chain.h"

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
