/* phases.c - the workload's phases and the switches inside each. */
#include <stdlib.h>
#include <string.h>
#include "phases.h"

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

int phases_mark(struct phase_log *p, const struct lab_event *ev)
{
	if (ev->aux != LAB_MARK_PHASE && ev->aux != LAB_MARK_WORKLOAD_END)
		return 0;
	if (grow((void **)&p->marks, &p->capmarks, p->nmarks,
		 sizeof(*p->marks)))
		return -1;
	p->marks[p->nmarks++] = (struct phase_mark){.ts = ev->ts,
						    .tid = ev->tid,
						    .marker = ev->aux,
						    .value = ev->value};
	return 0;
}

static bool any_phase(const struct phase_log *p)
{
	for (size_t i = 0; i < p->nmarks; i++)
		if (p->marks[i].marker == LAB_MARK_PHASE)
			return true;
	return false;
}

int phases_switch(struct phase_log *p, uint64_t ts, uint32_t rec,
		  bool voluntary)
{
	/* before the first phase nothing is counted: a command without
	 * phase markers costs no memory here */
	if (!p->nmarks || (!p->nsw && !any_phase(p)))
		return 0;
	if (grow((void **)&p->sw, &p->capsw, p->nsw, sizeof(*p->sw)))
		return -1;
	p->sw[p->nsw++] = (struct phase_switch){
		.ts = ts, .rec = rec, .voluntary = voluntary};
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

int phases_report(const struct phase_log *p, uint32_t root_tid,
		  const bool *keep, uint64_t root_end, uint64_t end,
		  struct phase_report **out, size_t *n)
{
	struct phase_report *v;
	size_t np = 0;

	*out = NULL;
	*n = 0;
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
	/* a handful of phases: one pass over the switches per phase; the
	 * last phase keeps a switch at its very end (the root's final one) */
	for (size_t i = 0; i < np; i++) {
		bool last = i + 1 == np;

		for (size_t j = 0; j < p->nsw; j++) {
			const struct phase_switch *s = &p->sw[j];

			if (!keep[s->rec] || s->ts < v[i].start_ns ||
			    s->ts > v[i].end_ns ||
			    (s->ts == v[i].end_ns && !last))
				continue;
			if (s->voluntary)
				v[i].voluntary_switches++;
			else
				v[i].involuntary_switches++;
		}
	}
	*out = v;
	*n = np;
	return 0;
}

void phases_free(struct phase_log *p)
{
	free(p->marks);
	free(p->sw);
	memset(p, 0, sizeof(*p));
}

const char *phase_name(uint32_t phase)
{
	static const char *const names[] = {
		[LAB_PHASE_SETUP] = "setup",	   [LAB_PHASE_SPAWN] = "spawn",
		[LAB_PHASE_WORK] = "work",	   [LAB_PHASE_JOIN] = "join",
		[LAB_PHASE_SYNC] = "sync",	   [LAB_PHASE_ASYNC] = "async",
		[LAB_PHASE_TEARDOWN] = "teardown",
	};

	if (phase >= sizeof(names) / sizeof(*names))
		return NULL;
	return names[phase];
}
