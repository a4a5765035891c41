/* lanes_svg.c - threads' states over time as inline SVG. */
#include "analyzer/html.h"
#include "analyzer/lanes_svg.h"
#include "analyzer/svg.h"

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
	[LANE_IO] = "blocked: I/O, poll",
	[LANE_SLEEP] = "sleeping",
	[LANE_CHILD] = "waiting for a child",
	[LANE_BLOCKED] = "blocked: other",
	[LANE_NEW] = "created, not yet run",
};

const char *lanes_svg_state_label(enum lane_state s)
{
	return s < LANE_NSTATES ? state_labels[s] : "?";
}

void lanes_svg_legend(FILE *f)
{
	fputs("<ul class=\"legend\">\n", f);
	for (int s = LANE_RUNNING; s < LANE_NSTATES; s++)
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
	double bottom = top + (double)l->nrows * TL_STEP;
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
	fprintf(f,
		"</g>\n<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
		"y2=\"%.1f\"/>\n<text class=\"small\" x=\"%d\" y=\"%.1f\" "
		"text-anchor=\"end\">time since tracing began</text>\n</svg>\n",
		TL_LABEL, bottom + 2, TL_LABEL + TL_PLOT, bottom + 2,
		TL_LABEL + TL_PLOT, bottom + 28);
}
