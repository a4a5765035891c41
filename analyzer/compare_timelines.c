/* compare_timelines.c - the family page's timelines: each model's run
 * drawn on one time axis, from the lanes the comparison kept
 * (compare_lanes.h) by lanes_svg.c. */
#include <stdbool.h>
#include "analyzer/compare.h"
#include "analyzer/compare_lanes.h"
#include "analyzer/html.h"
#include "analyzer/lanes_svg.h"
#include "analyzer/report_sections.h"

/* Why a model that ran has no timeline. */
static void not_drawn(FILE *f, const struct comparison *c, bool drawn[])
{
	bool any = false;

	for (int m = 0; m < CMP_NMODELS; m++) {
		if (!compare_shown(c, m) || drawn[m])
			continue;
		fputs(any ? ", " : "<p class=\"note\">Not drawn: ", f);
		html_text(f, compare_name(c, m));
		any = true;
	}
	if (any)
		fputs(" (every run left out, or its threads' states not "
		      "recorded).</p>\n",
		      f);
}

void compare_html_timelines(FILE *f, const struct family_page *p)
{
	const struct comparison *c = p->c;
	struct lanes_svg_mix mixes[CMP_NMODELS][CMP_LANES];
	struct lanes_svg_stack runs[CMP_NMODELS];
	char ids[CMP_NMODELS][32], threads[CMP_NMODELS][64];
	bool drawn[CMP_NMODELS] = {false};
	size_t n = 0;

	for (int m = 0; m < CMP_NMODELS; m++) {
		const struct cmp_model_runs *mr = &c->model[m];
		const struct cmp_run_lanes *rl = compare_lanes_drawn(mr);

		if (!compare_shown(c, m) || !rl || !rl->nlanes)
			continue;
		drawn[m] = true;
		snprintf(ids[n], sizeof(ids[n]), "timeline-%s",
			 compare_model_name(m));
		snprintf(threads[n], sizeof(threads[n]), "%zu thread%s%s",
			 rl->nthreads, rl->nthreads == 1 ? "" : "s",
			 mr->runs > 1 ? ", median run" : "");
		for (size_t i = 0; i < rl->nlanes; i++)
			mixes[n][i] = (struct lanes_svg_mix){
				rl->lanes[i].label,
				(const uint8_t(*)[LANE_NSTATES])rl->lanes[i]
					.share};
		runs[n] = (struct lanes_svg_stack){
			.id = ids[n],
			.name = compare_name(c, m),
			.detail = {mr->workload, threads[n]},
			.wall_ns = rl->wall_ns,
			.column_ns = rl->column_ns,
			.ncolumns = rl->ncolumns,
			.lanes = mixes[n],
			.nlanes = rl->nlanes,
			.nmore = rl->nthreads - rl->nlanes};
		n++;
	}
	if (!n) {
		html_none(f, "no run's thread states were recorded");
		return;
	}
	fprintf(f,
		"<p class=\"note\">Each model's run on one time axis: the "
		"longest fills the width, a run half as long ends halfway, at "
		"its wall time. One lane per thread, the first %d of each run "
		"in order of start; each sliver of a lane is stacked by the "
		"share of its time in each state, running at the bottom.%s "
		"Hover a lane for its thread.</p>\n",
		CMP_LANES,
		compare_repeats(c) > 1
			? " Of a model's repeated runs, the one drawn is the "
			  "run whose wall time is the model's median."
			: "");
	lanes_svg_legend(f);
	fputs("<div class=\"wide timeline\">\n", f);
	lanes_svg_stacks(f, runs, n);
	fputs("</div>\n", f);
	not_drawn(f, c, drawn);
}
