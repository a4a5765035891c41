/* lanes_svg.c - threads' states over time as inline SVG. */
#include <math.h>
#include <string.h>
#include "analyzer/html.h"
#include "analyzer/lanes_svg.h"
#include "analyzer/svg.h"
#include "analyzer/units.h"

#define TL_LABEL 176  /* the thread labels' column */
#define TL_PLOT	 1000 /* the columns' width */
#define TL_RIGHT 24
#define TL_BAND	 18 /* the phases' row */
#define TL_LANE	 12 /* a lane's height */
#define TL_STEP	 15 /* from one lane to the next */
#define TL_AXIS	 36
#define TL_MARKS 16 /* phases drawn down through the lanes, at most */

/* The states for people; their CSS classes are s-<lanes_state_name>. */
static const char *const state_labels[LANE_NSTATES] = {
	[LANE_NONE] = "not alive",
	[LANE_RUNNING] = "running",
	[LANE_RUNNABLE] = "runnable, waiting for a CPU",
	[LANE_LOCK] = "blocked: lock (futex)",
	[LANE_EVENT] = "waiting for an event (futex: condition, semaphore)",
	[LANE_JOIN] = "waiting for a thread to end (join)",
	[LANE_IO] = "blocked: I/O, poll",
	[LANE_SLEEP] = "sleeping",
	[LANE_CHILD] = "waiting for a child",
	[LANE_BLOCKED] = "blocked: other",
	[LANE_NEW] = "created, not yet run",
	[LANE_OTHER] = "other work (not the run's)",
	[LANE_IDLE] = "idle",
};

void lanes_svg_legend_cpus(FILE *f)
{
	fputs("<ul class=\"legend\">\n", f);
	for (int s = LANE_OTHER; s <= LANE_IDLE; s++)
		fprintf(f,
			"<li><svg width=\"22\" height=\"12\" "
			"aria-hidden=\"true\"><rect class=\"s-%s\" "
			"width=\"22\" height=\"12\" stroke-width=\"0\"/>"
			"</svg>%s</li>\n",
			lanes_state_name(s), state_labels[s]);
	fputs("</ul>\n", f);
}

const char *lanes_svg_state_label(enum lane_state s)
{
	return s < LANE_NSTATES ? state_labels[s] : "?";
}

void lanes_svg_legend(FILE *f)
{
	fputs("<ul class=\"legend\">\n", f);
	for (int s = LANE_RUNNING; s <= LANE_NEW; s++)
		fprintf(f,
			"<li><svg width=\"22\" height=\"12\" "
			"aria-hidden=\"true\"><rect class=\"s-%s\" "
			"width=\"22\" height=\"12\" stroke-width=\"0\"/>"
			"</svg>%s</li>\n",
			lanes_state_name(s), state_labels[s]);
	fputs("</ul>\n", f);
}

/* One lane: a path per state, a segment per run of equal columns. */
static void lane(FILE *f, const struct lane_set *set, const struct lane *ln,
		 const struct svg_scale *s, double mid, const char *label)
{
	for (int st = LANE_RUNNING; st < LANE_NSTATES; st++) {
		bool any = false;

		for (size_t c = 0; c < set->ncolumns; c++) {
			size_t e = c;
			double a, z;

			if (ln->state[c] != st)
				continue;
			while (e + 1 < set->ncolumns && ln->state[e + 1] == st)
				e++;
			a = svg_scale_at(s, (double)c * set->column_ns);
			z = svg_scale_at(s, (double)(e + 1) * set->column_ns);
			if (!any)
				fprintf(f, "<path class=\"s-%s\" d=\"",
					lanes_state_name(st));
			any = true;
			fprintf(f, "M%.1f %.0fh%.1f", a, mid, z - a);
			c = e;
		}
		if (!any)
			continue;
		fputs("\"><title>", f);
		html_text(f, label);
		fprintf(f, ": %s</title></path>\n", state_labels[st]);
	}
}

/* mark: a line down through the lanes where the band begins */
static void band(FILE *f, const struct lanes_svg_band *b,
		 const struct svg_scale *s, bool odd, bool mark, double bottom)
{
	double a = svg_scale_at(s, (double)b->from_ns),
	       z = svg_scale_at(s, (double)b->to_ns);
	/* about 6 units a character at this size */
	size_t fits = (size_t)((z - a - 4) / 6);

	fprintf(f,
		"<rect class=\"band%s\" x=\"%.1f\" y=\"0\" width=\"%.1f\" "
		"height=\"%d\"><title>",
		odd ? " odd" : "", a, z - a > 0.5 ? z - a : 0.5, TL_BAND);
	html_text(f, b->label);
	fputs("</title></rect>\n", f);
	if (fits >= 3) {
		fprintf(f, "<text x=\"%.1f\" y=\"%d\">", a + 3, TL_BAND - 5);
		html_text_clipped(f, b->label, fits);
		fputs("</text>\n", f);
	}
	if (mark)
		fprintf(f, "<path class=\"mark\" d=\"M%.1f %dV%.1f\"/>\n", a,
			TL_BAND, bottom);
}

void lanes_svg_timeline(FILE *f, const struct lanes_svg_run *l)
{
	const struct lane_set *set = l->set;
	double span = (double)set->ncolumns * (double)set->column_ns;
	int top = l->nbands ? TL_BAND + 4 : 4;
	size_t ncpus = l->cpus && l->cpus->ncolumns == set->ncolumns &&
				       l->cpus->column_ns == set->column_ns
			       ? l->cpus->nlanes
			       : 0;
	/* the CPUs' lanes after a gap of a lane */
	double cpu_top = top + (double)(l->nrows + 1) * TL_STEP;
	double bottom = ncpus ? cpu_top + (double)ncpus * TL_STEP
			      : top + (double)l->nrows * TL_STEP;
	int width = TL_LABEL + TL_PLOT + TL_RIGHT;
	int height = (int)bottom + TL_AXIS;
	double ticks[SVG_MAX_TICKS];
	struct svg_scale s;
	char label[32];
	size_t nt;

	svg_scale_fit(&s, span, 10, TL_LABEL, TL_LABEL + TL_PLOT);
	fprintf(f,
		"<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		"role=\"img\" aria-label=\"threads' states over time\">\n",
		width, height, width, height);
	nt = svg_ticks(&s, ticks, SVG_MAX_TICKS);
	for (size_t i = 0; i < nt; i++)
		svg_x_tick(f, svg_scale_at(&s, ticks[i]), top, bottom + 2,
			   svg_tick_label(label, sizeof(label), ticks[i],
					  SVG_UNIT_NS));
	/* lines for many phases would hide the lanes */
	for (size_t i = 0; i < l->nbands; i++)
		band(f, &l->bands[i], &s, i % 2, l->nbands <= TL_MARKS, bottom);
	fprintf(f, "<g stroke-width=\"%d\">\n", TL_LANE);
	for (size_t i = 0; i < l->nrows; i++) {
		double y = top + (double)i * TL_STEP;

		fprintf(f, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">",
			TL_LABEL - 6, y + TL_LANE - 2);
		html_text_clipped(f, l->labels[i], 28);
		fputs("</text>\n", f);
		lane(f, set, &set->lanes[l->rows[i]], &s, y + TL_LANE / 2.0,
		     l->labels[i]);
	}
	for (size_t i = 0; i < ncpus; i++) {
		double y = cpu_top + (double)i * TL_STEP;
		char name[32];

		snprintf(name, sizeof(name), "CPU %zu", i);
		fprintf(f,
			"<g class=\"cpu-lane\"><text x=\"%d\" y=\"%.0f\" "
			"text-anchor=\"end\">%s</text>\n",
			TL_LABEL - 6, y + TL_LANE - 2, name);
		lane(f, l->cpus, &l->cpus->lanes[i], &s, y + TL_LANE / 2.0,
		     name);
		fputs("</g>\n", f);
	}
	fprintf(f,
		"</g>\n<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
		"y2=\"%.1f\"/>\n<text class=\"small\" x=\"%d\" y=\"%.1f\" "
		"text-anchor=\"end\">time since tracing began</text>\n</svg>\n",
		TL_LABEL, bottom + 2, TL_LABEL + TL_PLOT, bottom + 2,
		TL_LABEL + TL_PLOT, bottom + 28);
}

/* ---- runs on one axis, stacked by share ---- */

#define ST_LABEL 150 /* the runs' labels' column */
#define ST_PLOT	 900 /* the longest run's width */
#define ST_RIGHT 80  /* room for the longest run's wall time */
#define ST_BIN	 4   /* a bin's width: its shares are stacked */
#define ST_NBINS (ST_PLOT / ST_BIN)
#define ST_LANE	 8  /* a lane's height: the shares' steps, in pixels */
#define ST_STEP	 10 /* from one lane to the next */
#define ST_LINE	 12 /* a line of text */
#define ST_GAP	 14 /* between runs */
#define ST_AXIS	 36

/* Each state's time in [from, to) ns of a stacked run's lane, from its
 * columns' shares, taking a column's time as spread evenly across it. */
static void bin_times(const struct lanes_svg_stack *r,
		      const struct lanes_svg_mix *l, double from, double to,
		      double t[LANE_NSTATES])
{
	double cw = (double)r->column_ns;
	size_t c = cw > 0 ? (size_t)(from / cw) : 0;

	memset(t, 0, LANE_NSTATES * sizeof(*t));
	if (!(cw > 0))
		return;
	for (; c < r->ncolumns && (double)c * cw < to; c++) {
		double a = fmax(from, (double)c * cw);
		double z = fmin(to, (double)(c + 1) * cw);

		if (z <= a)
			continue;
		for (int s = LANE_RUNNING; s < LANE_NSTATES; s++)
			t[s] += (z - a) * l->share[c][s] / 255.0;
	}
}

/* The shares of t in a bin of width ns as ST_LANE steps, largest
 * remainders first; what no state had (not alive, not known) stays
 * empty. */
static void bin_steps(const double t[LANE_NSTATES], double width,
		      uint8_t steps[LANE_NSTATES])
{
	double rest[LANE_NSTATES] = {0}, sum = 0;
	int total, used = 0;

	memset(steps, 0, LANE_NSTATES);
	for (int s = LANE_RUNNING; s < LANE_NSTATES; s++) {
		double v = width > 0 ? t[s] / width * ST_LANE : 0;

		steps[s] = (uint8_t)v;
		rest[s] = v - steps[s];
		used += steps[s];
		sum += v;
	}
	total = (int)lround(sum);
	if (total > ST_LANE)
		total = ST_LANE;
	while (used < total) {
		int best = LANE_RUNNING;

		for (int s = LANE_RUNNING + 1; s < LANE_NSTATES; s++)
			if (rest[s] > rest[best])
				best = s;
		steps[best]++;
		rest[best] = -1;
		used++;
	}
	while (used > ST_LANE) {
		/* rounding up past the lane: take from the largest */
		int most = LANE_RUNNING;

		for (int s = LANE_RUNNING + 1; s < LANE_NSTATES; s++)
			if (steps[s] > steps[most])
				most = s;
		steps[most]--;
		used--;
	}
}

/* One lane at y: a path per state, a rectangle per piece, pieces of
 * equal height and place in neighbouring bins drawn as one. */
static void stacked_lane(FILE *f, const struct lanes_svg_stack *r,
			 const struct lanes_svg_mix *l,
			 const struct svg_scale *s, double bin_ns, int y)
{
	uint8_t steps[ST_NBINS + 1][LANE_NSTATES];
	double x[ST_NBINS + 2], wall = (double)r->wall_ns;
	size_t nb = 0;

	/* not a sliver of a bin that rounding left at the end */
	for (; nb <= ST_NBINS && ((double)nb + 1e-6) * bin_ns < wall; nb++) {
		double from = (double)nb * bin_ns;
		double to = fmin(wall, from + bin_ns), t[LANE_NSTATES];

		bin_times(r, l, from, to, t);
		bin_steps(t, to - from, steps[nb]);
		x[nb] = svg_scale_at(s, from);
		x[nb + 1] = svg_scale_at(s, to);
	}
	fputs("<g class=\"lane\">", f);
	for (int st = LANE_RUNNING; st < LANE_NSTATES; st++) {
		bool any = false;

		for (size_t b = 0; b < nb; b++) {
			int below = 0, h = steps[b][st];
			size_t e = b;

			if (!h)
				continue;
			for (int k = LANE_RUNNING; k < st; k++)
				below += steps[b][k];
			/* the same piece in the bins after */
			while (e + 1 < nb && steps[e + 1][st] == h) {
				int next = 0;

				for (int k = LANE_RUNNING; k < st; k++)
					next += steps[e + 1][k];
				if (next != below)
					break;
				e++;
			}
			if (!any)
				fprintf(f, "\n<path class=\"s-%s\" d=\"",
					lanes_state_name(st));
			any = true;
			fprintf(f, "M%.1f %dh%.1fv%dh%.1fz", x[b],
				y + ST_LANE - below - h, x[e + 1] - x[b], h,
				x[b] - x[e + 1]);
			b = e;
		}
		if (!any)
			continue;
		fputs("\"><title>", f);
		html_text(f, l->label);
		fprintf(f, ": %s</title></path>", state_labels[st]);
	}
	fputs("</g>\n", f);
}

/* The height of a run's part: its lanes or its labels, whichever is
 * taller, and the line saying how many threads are not drawn. */
static int stack_height(const struct lanes_svg_stack *r)
{
	int lines = 1 + (r->detail[0] != NULL) + (r->detail[1] != NULL);
	int lanes = (int)r->nlanes * ST_STEP;
	int h = lanes > lines * ST_LINE ? lanes : lines * ST_LINE;

	return h + (r->nmore ? ST_LINE + 2 : 0);
}

static void stack(FILE *f, const struct lanes_svg_stack *r,
		  const struct svg_scale *s, double bin_ns, int top)
{
	double end = svg_scale_at(s, (double)r->wall_ns);
	int bottom = top + stack_height(r), y = top + ST_LINE - 2;
	char wall[32];

	fprintf(f,
		"<g id=\"%s\">\n<text x=\"%d\" y=\"%d\" "
		"text-anchor=\"end\" font-weight=\"bold\">",
		r->id, ST_LABEL - 8, y);
	html_text_clipped(f, r->name, 24);
	fputs("</text>\n", f);
	for (int i = 0; i < 2; i++) {
		if (!r->detail[i])
			continue;
		y += ST_LINE;
		fprintf(f,
			"<text class=\"small\" x=\"%d\" y=\"%d\" "
			"text-anchor=\"end\">",
			ST_LABEL - 8, y);
		html_text_clipped(f, r->detail[i], 26);
		fputs("</text>\n", f);
	}
	fputs("<g stroke-width=\"0\" shape-rendering=\"crispEdges\">\n", f);
	for (size_t i = 0; i < r->nlanes; i++)
		stacked_lane(f, r, &r->lanes[i], s, bin_ns,
			     top + (int)i * ST_STEP);
	fputs("</g>\n", f);
	if (r->nmore)
		fprintf(f,
			"<text class=\"small\" x=\"%d\" y=\"%d\">… %zu more "
			"thread%s, not drawn</text>\n",
			ST_LABEL, bottom - 3, r->nmore,
			r->nmore == 1 ? "" : "s");
	fprintf(f,
		"<line class=\"axis\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
		"y2=\"%d\"/>\n<text x=\"%.1f\" y=\"%d\">%s</text>\n</g>\n",
		end, top - 2, end, bottom, end + 4, top + ST_LINE - 2,
		units_duration(wall, sizeof(wall), r->wall_ns));
}

void lanes_svg_stacks(FILE *f, const struct lanes_svg_stack *runs, size_t n)
{
	int width = ST_LABEL + ST_PLOT + ST_RIGHT, height, top = 4;
	double ticks[SVG_MAX_TICKS], longest = 0, bin_ns;
	struct svg_scale s;
	char label[32];
	size_t nt;

	for (size_t i = 0; i < n; i++) {
		if (runs[i].wall_ns > longest)
			longest = (double)runs[i].wall_ns;
		top += stack_height(&runs[i]) + (i ? ST_GAP : 0);
	}
	height = top + ST_AXIS;
	svg_scale_fit(&s, longest, 10, ST_LABEL, ST_LABEL + ST_PLOT);
	bin_ns = s.hi / ST_NBINS;
	fprintf(f,
		"<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		"role=\"img\" aria-label=\"each model's threads over one time "
		"axis\">\n",
		width, height, width, height);
	nt = svg_ticks(&s, ticks, SVG_MAX_TICKS);
	for (size_t i = 0; i < nt; i++)
		svg_x_tick(f, svg_scale_at(&s, ticks[i]), 0, top + 2,
			   svg_tick_label(label, sizeof(label), ticks[i],
					  SVG_UNIT_NS));
	top = 4;
	for (size_t i = 0; i < n; i++) {
		if (i) {
			fprintf(f,
				"<line class=\"grid\" x1=\"0\" y1=\"%d\" "
				"x2=\"%d\" y2=\"%d\"/>\n",
				top + ST_GAP / 2, width, top + ST_GAP / 2);
			top += ST_GAP;
		}
		stack(f, &runs[i], &s, bin_ns, top);
		top += stack_height(&runs[i]);
	}
	fprintf(f,
		"<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
		"y2=\"%d\"/>\n<text class=\"small\" x=\"%d\" y=\"%d\" "
		"text-anchor=\"end\">time since each run "
		"began</text>\n</svg>\n",
		ST_LABEL, top + 2, ST_LABEL + ST_PLOT, top + 2,
		ST_LABEL + ST_PLOT, top + 28);
}
