/* phases.c - the workload's phases and the switches inside each. */
#include <stdlib.h>
#include <string.h>
#include "analyzer/array.h"
#include "analyzer/phases.h"

/* The first bound at or after ts: nbounds if none. */
static size_t bound_at(const struct phase_log *p, uint64_t ts)
{
	size_t lo = 0, hi = p->nbounds;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->bounds[mid] < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t span_of(const struct phase_log *p, uint64_t ts)
{
	size_t k;

	/* most switches come after every bound so far */
	if (!p->nbounds || ts > p->bounds[p->nbounds - 1])
		return 2 * p->nbounds;
	k = bound_at(p, ts);
	return p->bounds[k] == ts ? 2 * k + 1 : 2 * k;
}

/* A new bound at ts: the span it falls in is cut in three, its switches
 * so far staying before ts (they were placed PHASE_PENDING switches
 * after they came). */
static int add_bound(struct phase_log *p, uint64_t ts)
{
	size_t k = bound_at(p, ts), nspans = 2 * p->nbounds + 1;

	if (k < p->nbounds && p->bounds[k] == ts)
		return 0;
	if (ARRAY_GROW(p->bounds, p->capbounds, p->nbounds + 1))
		return -1;
	for (size_t r = 0; r < p->nrecs; r++) {
		struct phase_counts *c;

		if (!p->spans[r])
			continue;
		c = realloc(p->spans[r], (nspans + 2) * sizeof(*c));
		if (!c)
			return -1;
		memmove(&c[2 * k + 3], &c[2 * k + 1],
			(nspans - 2 * k - 1) * sizeof(*c));
		memset(&c[2 * k + 1], 0, 2 * sizeof(*c));
		p->spans[r] = c;
	}
	memmove(&p->bounds[k + 1], &p->bounds[k],
		(p->nbounds - k) * sizeof(*p->bounds));
	p->bounds[k] = ts;
	p->nbounds++;
	return 0;
}

/* Counts the oldest pending switch in its span. */
static int place_oldest(struct phase_log *p)
{
	const struct phase_switch *s = &p->pending[p->head];
	struct phase_counts *c;

	if (ARRAY_GROW_ZEROED(p->spans, p->nrecs, (size_t)s->rec + 1))
		return -1;
	if (!p->spans[s->rec]) {
		p->spans[s->rec] = calloc(2 * p->nbounds + 1, sizeof(*c));
		if (!p->spans[s->rec])
			return -1;
	}
	c = &p->spans[s->rec][span_of(p, s->ts)];
	if (s->voluntary)
		c->voluntary++;
	else
		c->involuntary++;
	p->head = (p->head + 1) % PHASE_PENDING;
	p->npending--;
	return 0;
}

int phases_mark(struct phase_log *p, const struct lab_event *ev)
{
	if (ev->aux != LAB_MARK_PHASE && ev->aux != LAB_MARK_WORKLOAD_END)
		return 0;
	if (ARRAY_GROW(p->marks, p->capmarks, p->nmarks + 1) ||
	    add_bound(p, ev->ts))
		return -1;
	p->marks[p->nmarks++] = (struct phase_mark){.ts = ev->ts,
						    .tid = ev->tid,
						    .marker = ev->aux,
						    .value = ev->value};
	p->started |= ev->aux == LAB_MARK_PHASE;
	return 0;
}

int phases_switch(struct phase_log *p, uint64_t ts, uint32_t rec,
		  bool voluntary)
{
	/* before the first phase nothing is counted: a command without
	 * phase markers costs no memory here */
	if (!p->started)
		return 0;
	if (!p->pending) {
		p->pending = malloc(PHASE_PENDING * sizeof(*p->pending));
		if (!p->pending)
			return -1;
	}
	if (p->npending == PHASE_PENDING && place_oldest(p))
		return -1;
	p->pending[(p->head + p->npending++) % PHASE_PENDING] =
		(struct phase_switch){
			.ts = ts, .rec = rec, .voluntary = voluntary};
	if (ts > p->last_ts)
		p->last_ts = ts;
	return 0;
}

int phases_thread_end(struct phase_log *p, uint32_t tid, uint64_t ts)
{
	for (size_t i = 0; i < p->nmarks; i++)
		if (p->marks[i].tid == tid &&
		    p->marks[i].marker == LAB_MARK_PHASE)
			return add_bound(p, ts);
	return 0;
}

/* When the phase the root's marker i started ends: at the root's next
 * phase or end marker, else at the root's end, else at tracing end. */
static uint64_t phase_end(const struct phase_log *p, size_t i,
			  uint32_t root_tid, uint64_t root_end, uint64_t end)
{
	uint64_t start = p->marks[i].ts;

	for (size_t j = i + 1; j < p->nmarks; j++)
		if (p->marks[j].tid == root_tid)
			return p->marks[j].ts > start ? p->marks[j].ts : start;
	if (root_end > start)
		return root_end;
	return end > start ? end : start;
}

/* The last span of a phase ending at end: up to the bound end (with it
 * for the last phase), or every span when no switch came later. An end
 * that is neither (the root's exit known only to the kernel's counters)
 * takes in the whole span it falls in. */
static size_t last_span(const struct phase_log *p, uint64_t end, bool last)
{
	size_t k = bound_at(p, end);

	if (k < p->nbounds && p->bounds[k] == end)
		return 2 * k + last;
	if (end >= p->last_ts)
		return 2 * p->nbounds;
	return 2 * k;
}

static void count_switches(const struct phase_log *p, const bool *keep,
			   struct phase_report *v, bool last)
{
	size_t from = 2 * bound_at(p, v->start_ns) + 1;
	size_t to = last_span(p, v->end_ns, last);

	for (size_t r = 0; r < p->nrecs; r++) {
		const struct phase_counts *c = p->spans[r];

		if (!c || !keep[r])
			continue;
		for (size_t s = from; s <= to; s++) {
			v->voluntary_switches += c[s].voluntary;
			v->involuntary_switches += c[s].involuntary;
		}
	}
}

int phases_report(struct phase_log *p, uint32_t root_tid, const bool *keep,
		  uint64_t root_end, uint64_t end, struct phase_report **out,
		  size_t *n)
{
	struct phase_report *v;
	size_t np = 0;

	*out = NULL;
	*n = 0;
	while (p->npending)
		if (place_oldest(p))
			return -1;
	for (size_t i = 0; i < p->nmarks; i++)
		np += p->marks[i].tid == root_tid &&
		      p->marks[i].marker == LAB_MARK_PHASE;
	if (!np)
		return 0;
	v = calloc(np, sizeof(*v));
	if (!v)
		return -1;
	np = 0;
	for (size_t i = 0; i < p->nmarks; i++) {
		const struct phase_mark *m = &p->marks[i];

		if (m->tid != root_tid || m->marker != LAB_MARK_PHASE)
			continue;
		v[np].phase =
			m->value > UINT32_MAX ? UINT32_MAX : (uint32_t)m->value;
		v[np].start_ns = m->ts;
		v[np].end_ns = phase_end(p, i, root_tid, root_end, end);
		np++;
	}
	/* the last phase keeps a switch at its very end (the root's final
	 * one) */
	for (size_t i = 0; i < np; i++)
		count_switches(p, keep, &v[i], i + 1 == np);
	*out = v;
	*n = np;
	return 0;
}

void phases_free(struct phase_log *p)
{
	for (size_t r = 0; r < p->nrecs; r++)
		free(p->spans[r]);
	free(p->spans);
	free(p->marks);
	free(p->bounds);
	free(p->pending);
	memset(p, 0, sizeof(*p));
}

const char *phases_name(uint32_t phase)
{
	static const char *const names[] = {
		[LAB_PHASE_SETUP] = "setup",
		[LAB_PHASE_SPAWN] = "spawn",
		[LAB_PHASE_WORK] = "work",
		[LAB_PHASE_JOIN] = "join",
		[LAB_PHASE_SYNC] = "sync",
		[LAB_PHASE_ASYNC] = "async",
		[LAB_PHASE_TEARDOWN] = "teardown",
		[LAB_PHASE_SAMPLE] = "sample",
	};

	if (phase >= sizeof(names) / sizeof(*names))
		return NULL;
	return names[phase];
}
