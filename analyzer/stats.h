/* stats.h - exact percentiles from samples and log2 histograms.
 *
 * Percentiles are nearest-rank: the p-th percentile of n sorted samples
 * is the sample of rank ceil(p * n / 100), so it is always a value that
 * was measured.
 */
#ifndef LAB_STATS_H
#define LAB_STATS_H

#include <stddef.h>
#include <stdint.h>

/* A growable array of measurements (ns). Zero-initialised is empty. */
struct samples {
	uint64_t *v;
	size_t n;
	size_t cap;
};

/* Returns 0, or -1 when out of memory (the sample is not added). */
int samples_add(struct samples *s, uint64_t v);
void samples_sort(struct samples *s);
/* Nearest-rank percentile (pct in 1..100) of sorted samples; 0 if none. */
uint64_t samples_percentile(const struct samples *s, unsigned int pct);
/* Largest sample of sorted samples; 0 if none. */
uint64_t samples_max(const struct samples *s);
void samples_free(struct samples *s);

/* The slot of v in a log2 histogram, as the kernel computes it: slot i
 * holds [2^i, 2^(i+1)), slot 0 also holds 0, the last slot everything
 * longer. */
unsigned int hist_slot(uint64_t v, unsigned int nslots);
uint64_t hist_total(const uint64_t *hist, unsigned int nslots);
/* The nearest-rank percentile as the upper edge of the slot that holds
 * it (the true value is at most this, and at least half of it), capped
 * at max: the best a histogram can say. 0 if the histogram is empty. */
uint64_t hist_percentile(const uint64_t *hist, unsigned int nslots,
			 unsigned int pct, uint64_t max);
/* Lower edge of slot i: 2^i, and 0 for slot 0 (which also holds 0). */
uint64_t hist_slot_floor(unsigned int i);

#endif /* LAB_STATS_H */
