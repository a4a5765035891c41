/* stats.h - percentiles: exact from samples, within 1/128 from a fine
 * histogram, and bounded from log2 histograms.
 *
 * Percentiles are nearest-rank: the p-th percentile of n sorted values
 * is the value of rank ceil(p * n / 100).
 */
#ifndef LAB_STATS_H
#define LAB_STATS_H

#include <stddef.h>
#include <stdint.h>

/* A growable array of measurements (ns), for figures with one value per
 * thread at most. Zero-initialised is empty. */
struct samples {
	uint64_t *v;
	size_t n;
	size_t cap;
};

/* Returns 0, or -1 when out of memory (the sample is not added). */
int stats_samples_add(struct samples *s, uint64_t v);
void stats_samples_sort(struct samples *s);
/* Nearest-rank percentile (pct in 1..100) of sorted samples; 0 if none. */
uint64_t stats_samples_percentile(const struct samples *s, unsigned int pct);
/* Largest sample of sorted samples; 0 if none. */
uint64_t stats_samples_max(const struct samples *s);
void stats_samples_free(struct samples *s);

/* A log-linear histogram of durations (ns), for figures with one value
 * per event: its size depends on the range of the values, never on how
 * many there are. Values below 128 have a bucket each; above, each power
 * of two [2^e, 2^(e+1)) is cut into FINE_HIST_SUB equal buckets, so a
 * bucket is at most 1/64 of its lower edge wide. Buckets are allocated
 * for the powers of two seen, 512 bytes each: at most 30 KiB, a few KiB
 * for a thread whose waits span a few decades. Count, sum, min and max
 * are exact. Zero-initialised is empty. */
#define FINE_HIST_SUB_BITS 6
#define FINE_HIST_SUB	   (1u << FINE_HIST_SUB_BITS)
/* group 0: values 0..63; group g >= 1: [2^(g+5), 2^(g+6)) */
#define FINE_HIST_GROUPS (64 - FINE_HIST_SUB_BITS + 1)

struct fine_hist {
	uint64_t count, sum, min, max;
	uint64_t *buckets; /* groups lo .. lo + ngroups - 1, in order */
	unsigned int lo, ngroups;
};

/* Returns 0, or -1 when out of memory (the value is not added). */
int stats_fine_add(struct fine_hist *h, uint64_t v);
/* The nearest-rank percentile (pct in 1..100), 0 if empty: the middle of
 * the bucket holding that rank, so within 1/128 of the exact value
 * (exact below 128 ns, and for the first and the last rank: min, max). */
uint64_t stats_fine_percentile(const struct fine_hist *h, unsigned int pct);
/* Adds the values into a log2 histogram as stats_hist_slot() would place them:
 * exactly, since no bucket straddles a power of two. */
void stats_fine_to_log2(const struct fine_hist *h, uint64_t *hist,
			unsigned int nslots);
void stats_fine_free(struct fine_hist *h);

/* The slot of v in a log2 histogram, as the kernel computes it: slot i
 * holds [2^i, 2^(i+1)), slot 0 also holds 0, the last slot everything
 * longer. */
unsigned int stats_hist_slot(uint64_t v, unsigned int nslots);
uint64_t stats_hist_total(const uint64_t *hist, unsigned int nslots);
/* The nearest-rank percentile as the upper edge of the slot that holds
 * it (the true value is at most this, and at least half of it), capped
 * at max: the best a histogram can say. 0 if the histogram is empty. */
uint64_t stats_hist_percentile(const uint64_t *hist, unsigned int nslots,
			       unsigned int pct, uint64_t max);
/* Lower edge of slot i: 2^i, and 0 for slot 0 (which also holds 0). */
uint64_t stats_hist_slot_floor(unsigned int i);

#endif /* LAB_STATS_H */
