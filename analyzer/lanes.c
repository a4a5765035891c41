/* lanes.c - each thread's scheduler state over the run, downsampled to
 * a fixed number of columns. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/array.h"
#include "analyzer/lanes.h"
#include "analyzer/timeline.h"

/* The states a column adds time to: all but LANE_NONE, at index s - 1.
 *
 * Time a thread spent UNKNOWN (seen mid-life, before its first
 * transition) is not added anywhere: it is shown as LANE_NONE, like the
 * time before the thread existed. The timeline learns at the first
 * transition which state that time was in, but its listener is told of
 * the interval before that, and guessing would paint a state nobody saw.
 * Being absence of knowledge, it does not compete with known time
 * either: a column shows the known state with most time, and LANE_NONE
 * only where the thread had no known time at all. */
#define KNOWN (LANE_NSTATES - 1)

/* The first column width, ns. Widths stay powers of two, so the unit
 * below halves exactly as they double. */
#define FIRST_COLUMN_NS 1024ULL

/* Time is kept in units of 2^shift ns, the smallest that holds a whole
 * column within 2^30 units: whole ns for columns up to about a second
 * (runs up to about 9 minutes). Each piece is rounded to the nearest
 * unit, which at most doubles it, so a column's sum stays below 2^31
 * plus a unit per merge: room to spare in a uint32_t. */
#define COLUMN_UNITS (1ULL << 30)

/* One record's columns [first, first + n): those it had known time in,
 * and any between. */
struct lane_acc {
	uint32_t first, n;
	size_t cap; /* never more than LANE_COLUMNS: see below */
	uint32_t (*units)[KNOWN];
};

/* A window holds LANE_COLUMNS columns at most, and room doubled from
 * ARRAY_FIRST reaches that number exactly: no record's room exceeds it. */
_Static_assert(LANE_COLUMNS % ARRAY_FIRST == 0 &&
		       ((LANE_COLUMNS / ARRAY_FIRST) &
			(LANE_COLUMNS / ARRAY_FIRST - 1)) == 0,
	       "LANE_COLUMNS is ARRAY_FIRST times a power of two");

struct lane_builder {
	uint64_t start_ns, column_ns;
	unsigned shift;
	/* by timeline record index: nrecs of them, the unused zeroed */
	struct lane_acc *recs;
	size_t nrecs;
	bool oom;
};

const char *lanes_state_name(enum lane_state s)
{
	static const char *const names[LANE_NSTATES] = {
		[LANE_NONE] = "none",
		[LANE_RUNNING] = "running",
		[LANE_RUNNABLE] = "runnable",
		[LANE_LOCK] = "lock",
		[LANE_EVENT] = "event",
		[LANE_JOIN] = "join",
		[LANE_IO] = "io",
		[LANE_SLEEP] = "sleep",
		[LANE_CHILD] = "child",
		[LANE_BLOCKED] = "blocked",
		[LANE_NEW] = "new",
		[LANE_OTHER] = "other",
		[LANE_IDLE] = "idle",
	};

	return (unsigned)s < LANE_NSTATES ? names[s] : "none";
}

static enum lane_state blocked_lane(const struct tl_thread *t)
{
	switch (t->why) {
	case OFFCPU_FUTEX:
		/* futex_waitv, futex_wait: which word is not recorded */
		if (!t->futex_wait)
			return LANE_LOCK;
		return t->futex_kind == LOCK_KIND_JOIN	 ? LANE_JOIN
		       : t->futex_kind == LOCK_KIND_LOCK ? LANE_LOCK
							 : LANE_EVENT;
	case OFFCPU_READ:
	case OFFCPU_WRITE:
	case OFFCPU_POLL:
		return LANE_IO;
	case OFFCPU_SLEEP:
		return LANE_SLEEP;
	case OFFCPU_WAIT:
		return LANE_CHILD;
	default:
		return LANE_BLOCKED;
	}
}

/* The lane state of t's current interval; LANE_NONE: not known. */
static enum lane_state lane_of(const struct tl_thread *t)
{
	switch (t->state) {
	case TL_RUNNING:
		return LANE_RUNNING;
	case TL_RUNNABLE:
		return LANE_RUNNABLE;
	case TL_NEW:
		return LANE_NEW;
	case TL_BLOCKED:
		return blocked_lane(t);
	default:
		return LANE_NONE;
	}
}

struct lane_builder *lanes_new(uint64_t start_ns)
{
	struct lane_builder *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->start_ns = start_ns;
	b->column_ns = FIRST_COLUMN_NS;
	return b;
}

void lanes_builder_free(struct lane_builder *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nrecs; i++)
		free(b->recs[i].units);
	free(b->recs);
	free(b);
}

size_t lanes_bytes(const struct lane_builder *b)
{
	size_t bytes = sizeof(*b) + b->nrecs * sizeof(*b->recs);

	for (size_t i = 0; i < b->nrecs; i++)
		bytes += b->recs[i].cap * sizeof(*b->recs[i].units);
	return bytes;
}

static unsigned shift_of(uint64_t column_ns)
{
	unsigned shift = 0;

	while ((column_ns >> shift) > COLUMN_UNITS)
		shift++;
	return shift;
}

/* Columns 2k and 2k + 1 become column k; units grow by 2^dshift. In
 * place: new column j reads old ones 2j - 1 and up, never below j. */
static void acc_merge(struct lane_acc *a, unsigned dshift)
{
	uint32_t first = a->first / 2;
	uint32_t n = (a->first + a->n - 1) / 2 - first + 1;

	for (uint32_t j = 0; j < n; j++) {
		uint64_t sum[KNOWN] = {0};

		for (uint32_t c = 2 * (first + j); c <= 2 * (first + j) + 1;
		     c++) {
			if (c < a->first || c >= a->first + a->n)
				continue;
			for (int k = 0; k < KNOWN; k++)
				sum[k] += a->units[c - a->first][k];
		}
		for (int k = 0; k < KNOWN; k++)
			a->units[j][k] =
				(uint32_t)((sum[k] + dshift) >> dshift);
	}
	a->first = first;
	a->n = n;
}

static void widen(struct lane_builder *b)
{
	unsigned shift;

	b->column_ns *= 2;
	shift = shift_of(b->column_ns);
	for (size_t i = 0; i < b->nrecs; i++)
		if (b->recs[i].n)
			acc_merge(&b->recs[i], shift - b->shift);
	b->shift = shift;
}

/* Widens the columns until [start_ns, end) fits in LANE_COLUMNS. */
static void fit(struct lane_builder *b, uint64_t end)
{
	while (end > b->start_ns &&
	       (end - 1 - b->start_ns) / b->column_ns >= LANE_COLUMNS)
		widen(b);
}

/* Record rec's accumulation, created (empty) with any before it. */
static struct lane_acc *acc_of(struct lane_builder *b, uint32_t rec)
{
	if (ARRAY_GROW_ZEROED(b->recs, b->nrecs, (size_t)rec + 1))
		return NULL;
	return &b->recs[rec];
}

/* Extends a's window to hold column c, the new columns empty. Returns 0,
 * or -1 when out of memory. */
static int acc_cover(struct lane_acc *a, uint32_t c)
{
	uint32_t first = c, end = c + 1, old_end = a->first + a->n;

	if (a->n) {
		if (c >= a->first && c < old_end)
			return 0;
		first = c < a->first ? c : a->first;
		end = c >= old_end ? c + 1 : old_end;
	}
	if (ARRAY_GROW(a->units, a->cap, end - first))
		return -1;
	if (!a->n) {
		memset(a->units, 0, (end - first) * sizeof(*a->units));
	} else {
		memmove(&a->units[a->first - first], a->units,
			a->n * sizeof(*a->units));
		memset(a->units, 0, (a->first - first) * sizeof(*a->units));
		memset(&a->units[old_end - first], 0,
		       (end - old_end) * sizeof(*a->units));
	}
	a->first = first;
	a->n = end - first;
	return 0;
}

void lanes_interval(void *builder, uint32_t rec, const struct tl_thread *t,
		    uint64_t from, uint64_t to)
{
	struct lane_builder *b = builder;
	enum lane_state s = lane_of(t);
	uint64_t half, lo, hi, c0, c1;
	struct lane_acc *a;

	if (b->oom || s == LANE_NONE)
		return;
	/* events a few µs out of order may come before tracing start */
	if (from < b->start_ns)
		from = b->start_ns;
	if (to <= from)
		return;
	fit(b, to);
	/* offsets from start_ns: start_ns + a column's end may not fit */
	lo = from - b->start_ns;
	hi = to - b->start_ns;
	c0 = lo / b->column_ns;
	c1 = (hi - 1) / b->column_ns;
	a = acc_of(b, rec);
	if (!a || acc_cover(a, (uint32_t)c0) || acc_cover(a, (uint32_t)c1)) {
		b->oom = true;
		return;
	}
	half = b->shift ? 1ULL << (b->shift - 1) : 0;
	for (uint64_t c = c0; c <= c1; c++) {
		uint64_t cstart = c * b->column_ns;
		uint64_t piece = (c == c1 ? hi : cstart + b->column_ns) -
				 (c == c0 ? lo : cstart);

		a->units[c - a->first][s - 1] +=
			(uint32_t)((piece + half) >> b->shift);
	}
}

/* The state with most time in each column, ties to the earlier state of
 * enum lane_state (running first); LANE_NONE without any. */
static void lane_fill(struct lane *l, const struct lane_acc *a, size_t ncolumns)
{
	for (uint32_t i = 0; i < a->n && a->first + i < ncolumns; i++) {
		uint32_t most = 0;

		for (int k = 0; k < KNOWN; k++) {
			if (a->units[i][k] > most) {
				most = a->units[i][k];
				l->state[a->first + i] = (uint8_t)(k + 1);
			}
		}
	}
}

/* Each state's time in each column, in 255ths of a column of
 * column_units. */
static void mix_fill(struct lane_mix *m, const struct lane_acc *a,
		     size_t ncolumns, uint64_t column_units)
{
	for (uint32_t i = 0; i < a->n && a->first + i < ncolumns; i++) {
		for (int k = 0; k < KNOWN; k++) {
			uint64_t share = (255 * (uint64_t)a->units[i][k] +
					  column_units / 2) /
					 column_units;

			m->share[a->first + i][k + 1] =
				(uint8_t)(share < 255 ? share : 255);
		}
	}
}

int lanes_finish(struct lane_builder *b, uint64_t end_ns, const uint32_t *recs,
		 size_t n, struct lane_set *out)
{
	memset(out, 0, sizeof(*out));
	if (b->oom)
		goto fail;
	fit(b, end_ns);
	out->nmixed = n < LANE_MIXED ? n : LANE_MIXED;
	out->lanes = calloc(n + 1, sizeof(*out->lanes));
	out->mixes = calloc(out->nmixed + 1, sizeof(*out->mixes));
	if (!out->lanes || !out->mixes)
		goto fail;
	out->start_ns = b->start_ns;
	out->column_ns = b->column_ns;
	if (end_ns > b->start_ns)
		out->ncolumns = (end_ns - 1 - b->start_ns) / b->column_ns + 1;
	out->nlanes = n;
	for (size_t i = 0; i < n; i++) {
		if (recs[i] >= b->nrecs)
			continue;
		lane_fill(&out->lanes[i], &b->recs[recs[i]], out->ncolumns);
		if (i < out->nmixed)
			mix_fill(&out->mixes[i], &b->recs[recs[i]],
				 out->ncolumns, b->column_ns >> b->shift);
	}
	lanes_builder_free(b);
	return 0;
fail:
	lanes_free(out);
	lanes_builder_free(b);
	return -1;
}

void lanes_free(struct lane_set *s)
{
	free(s->lanes);
	free(s->mixes);
	memset(s, 0, sizeof(*s));
}
