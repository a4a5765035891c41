/* test_stats.c - the fine histogram against sorted arrays, and the phase
 * log against a per-switch recount, on random data. */
#include <stdlib.h>
#include <string.h>
#include "analyzer/phases.h"
#include "analyzer/stats.h"
#include "tests/test.h"

/* a fixed-seed generator: every run tests the same data */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Every percentile of h is within 1/128 of the exact nearest rank of the
 * sorted values v, and its exact figures are v's. */
static void check_against_sorted(const struct fine_hist *h, uint64_t *v,
				 size_t n)
{
	uint64_t sum = 0, log2[LAB_HIST_SLOTS] = {0},
		 want[LAB_HIST_SLOTS] = {0};

	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++) {
		sum += v[i];
		want[stats_hist_slot(v[i], LAB_HIST_SLOTS)]++;
	}
	CHECK_EQ(h->count, n);
	CHECK_EQ(h->sum, sum);
	CHECK_EQ(h->min, v[0]);
	CHECK_EQ(h->max, v[n - 1]);
	for (unsigned int pct = 1; pct <= 100; pct++) {
		uint64_t rank = (n * pct + 99) / 100;
		uint64_t exact = v[(rank ? rank : 1) - 1];
		uint64_t got = stats_fine_percentile(h, pct);
		uint64_t err = got > exact ? got - exact : exact - got;

		if (!CHECK_MSG(err <= exact / 128,
			       "p%u of %zu: got %llu, exact %llu", pct, n,
			       (unsigned long long)got,
			       (unsigned long long)exact))
			return;
	}
	stats_fine_to_log2(h, log2, LAB_HIST_SLOTS);
	CHECK(memcmp(log2, want, sizeof(want)) == 0);
}

TEST(stats_fine_histogram_within_its_bound_of_sorted_values)
{
	enum { N = 20000 };
	uint64_t *v = malloc(N * sizeof(*v)), state = 0x9e3779b97f4a7c15ULL;

	CHECK(v);
	if (!v)
		return;
	/* three shapes: small values, a spread over twelve decades, and
	 * few distinct values repeated */
	for (int shape = 0; shape < 3; shape++) {
		for (size_t n = 1; n <= N; n *= 7) {
			struct fine_hist h = {0};

			for (size_t i = 0; i < n; i++) {
				uint64_t r = next_random(&state);

				if (shape == 0)
					v[i] = r % 300;
				else if (shape == 1)
					v[i] = r >> (r % 64 + 20 > 63
							     ? 63
							     : r % 64 + 20);
				else
					v[i] = 1000 + 37 * (r % 5);
				if (!CHECK(stats_fine_add(&h, v[i]) == 0))
					break;
			}
			check_against_sorted(&h, v, n);
			stats_fine_free(&h);
		}
	}
	free(v);
}

TEST(stats_fine_histogram_edge_values)
{
	struct fine_hist h = {0};
	uint64_t v[] = {0, 1, 127, 128, UINT64_MAX, UINT64_MAX - 1, 1ULL << 63};

	CHECK_EQ(stats_fine_percentile(&h, 50), 0);
	CHECK(stats_fine_add(&h, UINT64_MAX) == 0);
	CHECK_EQ(stats_fine_percentile(&h, 50), UINT64_MAX);
	CHECK_EQ(h.min, UINT64_MAX);
	stats_fine_free(&h);
	CHECK(h.count == 0 && h.buckets == NULL);

	/* below 128 every value has its own bucket: exact */
	for (uint64_t i = 0; i < 128; i++)
		CHECK(stats_fine_add(&h, i) == 0);
	for (unsigned int pct = 1; pct <= 100; pct++)
		CHECK_EQ(stats_fine_percentile(&h, pct),
			 (128 * pct + 99) / 100 - 1);
	stats_fine_free(&h);

	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++)
		CHECK(stats_fine_add(&h, v[i]) == 0);
	CHECK_EQ(stats_fine_percentile(&h, 1), 0);
	CHECK_EQ(stats_fine_percentile(&h, 100), UINT64_MAX);
	/* rank 4 of 7 is 128, rank 6 is UINT64_MAX - 1 */
	CHECK_EQ(stats_fine_percentile(&h, 50), 128);
	CHECK(UINT64_MAX - stats_fine_percentile(&h, 80) <= UINT64_MAX / 128);
	stats_fine_free(&h);
}

TEST(stats_fine_histogram_memory_follows_the_range_not_the_count)
{
	struct fine_hist h = {0};
	uint64_t state = 42;

	/* a million waits between 1 and 2 µs: one group of buckets */
	for (int i = 0; i < 1000000; i++)
		if (!CHECK(stats_fine_add(&h, 1024 + next_random(&state) %
							      1024) == 0))
			break;
	CHECK_EQ(h.ngroups, 1);
	/* one at 1 ms widens it to every group in between, no further */
	CHECK(stats_fine_add(&h, 1000000) == 0);
	CHECK_EQ(h.ngroups, 19 - 10 + 1);
	CHECK(stats_fine_add(&h, 3) == 0);
	CHECK_EQ(h.lo, 0);
	CHECK(h.ngroups <= FINE_HIST_GROUPS);
	stats_fine_free(&h);
}

/* ---- phases ---- */

struct test_switch {
	uint64_t ts;
	uint32_t rec;
	bool voluntary;
};

/* What the phases hold, counted switch by switch: each switch of a kept
 * record inside [start, end), the last phase [start, end]. */
static void recount(const struct phase_report *v, size_t n,
		    const struct test_switch *sw, size_t nsw, const bool *keep,
		    uint64_t *vol, uint64_t *invol)
{
	for (size_t i = 0; i < n; i++) {
		vol[i] = invol[i] = 0;
		for (size_t j = 0; j < nsw; j++) {
			const struct test_switch *s = &sw[j];

			if (!keep[s->rec] || s->ts < v[i].start_ns ||
			    s->ts > v[i].end_ns ||
			    (s->ts == v[i].end_ns && i + 1 < n))
				continue;
			if (s->voluntary)
				vol[i]++;
			else
				invol[i]++;
		}
	}
}

TEST(stats_phase_counts_match_a_recount_of_every_switch)
{
	enum { NREC = 12, ROOT_TID = 500, STEPS = 60000 };
	uint64_t state = 7, t = 1000000;
	bool keep[NREC];

	for (int round = 0; round < 4; round++) {
		struct phase_log p = {0};
		struct test_switch *sw = malloc(STEPS * sizeof(*sw));
		struct phase_report *v = NULL;
		uint64_t vol[64], invol[64], root_end = 0;
		size_t nsw = 0, n = 0;
		int phase = 0;

		CHECK(sw);
		if (!sw)
			return;
		for (int r = 0; r < NREC; r++)
			keep[r] = r % 3 != 2;
		for (int i = 0; i < STEPS; i++) {
			uint64_t r = next_random(&state);
			/* a few µs out of order, as from several CPUs */
			uint64_t ts = t - r % 4000;

			t += r % 977;
			if (r % 5000 == 0 && phase < 40) {
				/* the root, or another thread, marks a phase;
				 * some marks share a switch's timestamp */
				struct lab_event ev = {
					.ts = r % 2 ? ts
						    : sw[nsw ? nsw - 1 : 0].ts,
					.type = LAB_EV_MARK,
					.tid = r % 7 ? ROOT_TID : ROOT_TID + 1,
					.aux = r % 11 ? LAB_MARK_PHASE
						      : LAB_MARK_WORKLOAD_END,
					.value = ++phase};

				if (!nsw)
					ev.ts = ts;
				CHECK(phases_mark(&p, &ev) == 0);
				continue;
			}
			if (!p.started)
				continue;
			sw[nsw] = (struct test_switch){
				ts, (uint32_t)(r >> 32) % NREC, r >> 40 & 1};
			CHECK(phases_switch(&p, sw[nsw].ts, sw[nsw].rec,
					    sw[nsw].voluntary) == 0);
			nsw++;
			/* rounds 1 and 3: the root dies two thirds through,
			 * and keeps switching no more */
			if (round % 2 && !root_end && i > STEPS * 2 / 3) {
				root_end = ts;
				CHECK(phases_thread_end(&p, ROOT_TID, ts) == 0);
			}
		}
		if (!CHECK(phases_report(&p, ROOT_TID, keep, root_end, t, &v,
					 &n) == 0) ||
		    !CHECK(n > 3 && n <= 64)) {
			free(sw);
			phases_free(&p);
			free(v);
			return;
		}
		recount(v, n, sw, nsw, keep, vol, invol);
		for (size_t i = 0; i < n; i++) {
			CHECK_EQ(v[i].voluntary_switches, vol[i]);
			CHECK_EQ(v[i].involuntary_switches, invol[i]);
		}
		/* the log keeps a count per record and bound, not per switch */
		CHECK(p.nbounds <= (size_t)phase + 1);
		free(v);
		free(sw);
		phases_free(&p);
	}
}

TEST(stats_phases_place_a_switch_that_came_before_its_marker)
{
	struct phase_log p = {0};
	struct lab_event ev = {.ts = 100,
			       .type = LAB_EV_MARK,
			       .tid = 7,
			       .aux = LAB_MARK_PHASE,
			       .value = LAB_PHASE_SETUP};
	bool keep[1] = {true};
	struct phase_report *v = NULL;
	size_t n = 0;

	CHECK(phases_mark(&p, &ev) == 0);
	/* stamped after the next marker, read before it */
	CHECK(phases_switch(&p, 250, 0, true) == 0);
	CHECK(phases_switch(&p, 150, 0, false) == 0);
	ev.ts = 200;
	ev.value = LAB_PHASE_WORK;
	CHECK(phases_mark(&p, &ev) == 0);
	CHECK(phases_switch(&p, 300, 0, true) == 0);
	/* the root's end closes the last phase; a switch after it is out */
	CHECK(phases_thread_end(&p, 7, 300) == 0);
	CHECK(phases_switch(&p, 400, 0, true) == 0);
	if (!CHECK(phases_report(&p, 7, keep, 300, 1000, &v, &n) == 0) ||
	    !CHECK_EQ(n, 2))
		goto out;
	CHECK(v[0].voluntary_switches == 0 && v[0].involuntary_switches == 1);
	CHECK_EQ(v[1].end_ns, 300);
	CHECK(v[1].voluntary_switches == 2 && v[1].involuntary_switches == 0);
out:
	free(v);
	phases_free(&p);
}
