/* stats.c - exact percentiles from samples and log2 histograms. */
#include <stdlib.h>
#include "stats.h"

int samples_add(struct samples *s, uint64_t v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		uint64_t *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -1;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void samples_sort(struct samples *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
}

/* rank = ceil(pct * n / 100), at least 1: the smallest sample with at
 * least pct percent of the samples at or below it */
static uint64_t nearest_rank(uint64_t n, unsigned int pct)
{
	uint64_t rank = (n * pct + 99) / 100;

	return rank ? rank : 1;
}

uint64_t samples_percentile(const struct samples *s, unsigned int pct)
{
	if (!s->n)
		return 0;
	if (pct > 100)
		pct = 100;
	return s->v[nearest_rank(s->n, pct) - 1];
}

uint64_t samples_max(const struct samples *s)
{
	return s->n ? s->v[s->n - 1] : 0;
}

void samples_free(struct samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

unsigned int hist_slot(uint64_t v, unsigned int nslots)
{
	unsigned int slot = 0;

	while (v > 1) {
		v >>= 1;
		slot++;
	}
	return slot < nslots ? slot : nslots - 1;
}

uint64_t hist_total(const uint64_t *hist, unsigned int nslots)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < nslots; i++)
		total += hist[i];
	return total;
}

uint64_t hist_slot_floor(unsigned int i)
{
	return i ? 1ULL << i : 0;
}

uint64_t hist_percentile(const uint64_t *hist, unsigned int nslots,
			 unsigned int pct, uint64_t max)
{
	uint64_t total = hist_total(hist, nslots), rank, seen = 0;

	if (!total)
		return 0;
	if (pct > 100)
		pct = 100;
	rank = nearest_rank(total, pct);
	for (unsigned int i = 0; i < nslots; i++) {
		seen += hist[i];
		if (seen < rank)
			continue;
		/* the last slot is open-ended: only max bounds it */
		if (i == nslots - 1 || i >= 63)
			return max;
		uint64_t edge = (1ULL << (i + 1)) - 1;
		return max < edge ? max : edge;
	}
	return max;
}
