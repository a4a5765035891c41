/* stats.c - percentiles from samples, fine and log2 histograms. */
#include <stdlib.h>
#include <string.h>
#include "analyzer/array.h"
#include "analyzer/stats.h"

int stats_samples_add(struct samples *s, uint64_t v)
{
	if (ARRAY_GROW(s->v, s->cap, s->n + 1))
		return -1;
	s->v[s->n++] = v;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void stats_samples_sort(struct samples *s)
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

uint64_t stats_samples_percentile(const struct samples *s, unsigned int pct)
{
	if (!s->n)
		return 0;
	if (pct > 100)
		pct = 100;
	return s->v[nearest_rank(s->n, pct) - 1];
}

uint64_t stats_samples_max(const struct samples *s)
{
	return s->n ? s->v[s->n - 1] : 0;
}

void stats_samples_free(struct samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* Which group v falls in, and its bucket there. */
static unsigned int fine_group(uint64_t v)
{
	unsigned int e;

	if (v < FINE_HIST_SUB)
		return 0;
	e = 63 - (unsigned int)__builtin_clzll(v);
	return e - FINE_HIST_SUB_BITS + 1;
}

static unsigned int fine_sub(uint64_t v, unsigned int g)
{
	return g ? (unsigned int)(v >> (g - 1)) & (FINE_HIST_SUB - 1)
		 : (unsigned int)v;
}

/* The smallest value of bucket sub of group g; its width is 1 << (g-1)
 * (1 in groups 0 and 1). */
static uint64_t fine_floor(unsigned int g, unsigned int sub)
{
	return g ? (uint64_t)(FINE_HIST_SUB + sub) << (g - 1) : sub;
}

/* Makes room for group g: the buckets cover lo .. lo + ngroups - 1. */
static int fine_widen(struct fine_hist *h, unsigned int g)
{
	unsigned int lo = h->ngroups && h->lo < g ? h->lo : g;
	unsigned int hi = h->ngroups && h->lo + h->ngroups > g + 1
				  ? h->lo + h->ngroups
				  : g + 1;
	uint64_t *b = calloc((size_t)(hi - lo) * FINE_HIST_SUB, sizeof(*b));

	if (!b)
		return -1;
	if (h->ngroups)
		memcpy(b + (size_t)(h->lo - lo) * FINE_HIST_SUB, h->buckets,
		       (size_t)h->ngroups * FINE_HIST_SUB * sizeof(*b));
	free(h->buckets);
	h->buckets = b;
	h->lo = lo;
	h->ngroups = hi - lo;
	return 0;
}

int stats_fine_add(struct fine_hist *h, uint64_t v)
{
	unsigned int g = fine_group(v);

	/* unsigned: g below lo wraps to a large offset */
	if (g - h->lo >= h->ngroups && fine_widen(h, g))
		return -1;
	h->buckets[(size_t)(g - h->lo) * FINE_HIST_SUB + fine_sub(v, g)]++;
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	return 0;
}

uint64_t stats_fine_percentile(const struct fine_hist *h, unsigned int pct)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	rank = nearest_rank(h->count, pct > 100 ? 100 : pct);
	/* the ends are known exactly */
	if (rank == 1)
		return h->min;
	if (rank == h->count)
		return h->max;
	for (size_t i = 0; i < (size_t)h->ngroups * FINE_HIST_SUB; i++) {
		unsigned int g = h->lo + (unsigned int)(i / FINE_HIST_SUB);
		uint64_t width = g ? 1ULL << (g - 1) : 1, mid;

		seen += h->buckets[i];
		if (seen < rank)
			continue;
		/* the middle value: off by at most width / 2, and every
		 * value in the bucket is at least 64 widths */
		mid = fine_floor(g, i % FINE_HIST_SUB) + (width - 1) / 2;
		if (mid < h->min)
			return h->min;
		return mid > h->max ? h->max : mid;
	}
	return h->max;
}

void stats_fine_to_log2(const struct fine_hist *h, uint64_t *hist,
			unsigned int nslots)
{
	for (size_t i = 0; i < (size_t)h->ngroups * FINE_HIST_SUB; i++) {
		unsigned int g = h->lo + (unsigned int)(i / FINE_HIST_SUB);

		if (h->buckets[i])
			hist[stats_hist_slot(fine_floor(g, i % FINE_HIST_SUB),
					     nslots)] += h->buckets[i];
	}
}

void stats_fine_free(struct fine_hist *h)
{
	free(h->buckets);
	memset(h, 0, sizeof(*h));
}

unsigned int stats_hist_slot(uint64_t v, unsigned int nslots)
{
	unsigned int slot = 0;

	while (v > 1) {
		v >>= 1;
		slot++;
	}
	return slot < nslots ? slot : nslots - 1;
}

uint64_t stats_hist_total(const uint64_t *hist, unsigned int nslots)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < nslots; i++)
		total += hist[i];
	return total;
}

uint64_t stats_hist_slot_floor(unsigned int i)
{
	return i ? 1ULL << i : 0;
}

uint64_t stats_hist_percentile(const uint64_t *hist, unsigned int nslots,
			       unsigned int pct, uint64_t max)
{
	uint64_t total = stats_hist_total(hist, nslots), rank, seen = 0;

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
