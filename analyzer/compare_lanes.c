/* compare_lanes.c - the threads' states over time of a family's runs:
 * each run's first lanes copied, then the median run's kept. */
#include <stdlib.h>
#include <string.h>
#include "analyzer/array.h"
#include "analyzer/compare_lanes.h"

struct cmp_lanes {
	struct cmp_run_lanes *runs; /* in the order added; one after finish */
	size_t nruns, cap;
	bool finished, oom;
};

static void run_free(struct cmp_run_lanes *rl)
{
	for (size_t i = 0; i < rl->nlanes; i++)
		free(rl->lanes[i].share);
	rl->nlanes = 0;
}

static void runs_free(struct cmp_lanes *cl)
{
	for (size_t i = 0; i < cl->nruns; i++)
		run_free(&cl->runs[i]);
	free(cl->runs);
	cl->runs = NULL;
	cl->nruns = cl->cap = 0;
}

/* The first lanes of r into rl, their mix where the lanes keep one.
 * Returns 0, or -1 when out of memory (what was copied stays in rl). */
static int run_copy(struct cmp_run_lanes *rl, const struct run_report *r,
		    size_t run)
{
	const struct lane_set *set = &r->lanes;
	size_t n = r->nthreads < CMP_LANES ? r->nthreads : CMP_LANES;

	memset(rl, 0, sizeof(*rl));
	rl->run = run;
	rl->wall_ns = r->wall_ns;
	rl->nthreads = r->nthreads;
	/* a report without lanes has nothing to draw */
	if (set->nlanes != r->nthreads || !set->ncolumns || !set->column_ns)
		return 0;
	rl->column_ns = set->column_ns;
	rl->ncolumns = set->ncolumns;
	for (size_t i = 0; i < n; i++) {
		const struct thread_report *t = &r->threads[i];
		struct cmp_lane *l = &rl->lanes[i];

		l->share = calloc(set->ncolumns, sizeof(*l->share));
		if (!l->share)
			return -1;
		rl->nlanes++;
		snprintf(l->label, sizeof(l->label), "%u %.*s", t->tid,
			 LAB_COMM_LEN, t->comm);
		if (i < set->nmixed) {
			memcpy(l->share, set->mixes[i].share,
			       set->ncolumns * sizeof(*l->share));
			continue;
		}
		for (size_t c = 0; c < set->ncolumns; c++) {
			uint8_t s = set->lanes[i].state[c];

			if (s != LANE_NONE && s < LANE_NSTATES)
				l->share[c][s] = 255;
		}
	}
	return 0;
}

void compare_lanes_add(struct cmp_model_runs *mr, const struct run_report *r)
{
	struct cmp_lanes *cl = mr->lanes;

	if (!cl && !(cl = mr->lanes = calloc(1, sizeof(*cl))))
		return; /* no lanes: the model is not drawn */
	if (cl->oom || !mr->runs)
		return;
	if (ARRAY_GROW(cl->runs, cl->cap, cl->nruns + 1)) {
		cl->oom = true;
	} else if (run_copy(&cl->runs[cl->nruns++], r, mr->runs - 1)) {
		cl->oom = true;
	}
	if (cl->oom)
		runs_free(cl);
}

void compare_lanes_finish(struct cmp_model_runs *mr)
{
	const struct cmp_stat *st = &mr->stat[CMP_WALL];
	struct cmp_lanes *cl = mr->lanes;
	size_t keep = 0;

	if (!cl || cl->finished)
		return;
	cl->finished = true;
	/* the median is nearest-rank: the wall time of one of the runs */
	while (keep < cl->nruns) {
		const struct cmp_sample *s = &mr->samples[cl->runs[keep].run];

		if (st->n && s->known[CMP_WALL] && s->v[CMP_WALL] == st->median)
			break;
		keep++;
	}
	for (size_t i = 0; i < cl->nruns; i++)
		if (i != keep)
			run_free(&cl->runs[i]);
	if (keep < cl->nruns) {
		cl->runs[0] = cl->runs[keep];
		cl->nruns = 1;
	} else {
		cl->nruns = 0;
	}
}

void compare_lanes_free(struct cmp_model_runs *mr)
{
	if (!mr->lanes)
		return;
	runs_free(mr->lanes);
	free(mr->lanes);
	mr->lanes = NULL;
}

const struct cmp_run_lanes *compare_lanes_drawn(const struct cmp_model_runs *mr)
{
	const struct cmp_lanes *cl = mr->lanes;

	return cl && cl->finished && cl->nruns ? &cl->runs[0] : NULL;
}
