/* svg.c - the report's pictures as inline SVG: scales, bar charts,
 * histograms. */
#include <math.h>
#include <string.h>
#include "analyzer/html.h"
#include "analyzer/svg.h"

/* ---- scales ---- */

/* 1, 2 or 5 times a power of ten, at least raw */
static double nice_step(double raw)
{
	double mag = pow(10, floor(log10(raw))), norm = raw / mag;

	if (norm <= 1)
		return mag;
	if (norm <= 2)
		return 2 * mag;
	if (norm <= 5)
		return 5 * mag;
	return 10 * mag;
}

void svg_scale_linear(struct svg_scale *s, double max, int ticks, double x0,
		      double x1)
{
	svg_scale_fit(s, max, ticks, x0, x1);
	/* the last tick: a hair of slack against rounding */
	s->hi = ceil(s->hi / s->step - 1e-9) * s->step;
}

void svg_scale_fit(struct svg_scale *s, double max, int ticks, double x0,
		   double x1)
{
	if (!(max > 0))
		max = 1;
	if (ticks < 1)
		ticks = 1;
	s->log = false;
	s->lo = 0;
	s->hi = max;
	s->step = nice_step(max / ticks);
	s->x0 = x0;
	s->x1 = x1;
}

void svg_scale_log(struct svg_scale *s, double min, double max, double x0,
		   double x1)
{
	if (!(min > 0))
		min = 1;
	if (max < min)
		max = min;
	s->log = true;
	s->lo = pow(10, floor(log10(min) + 1e-9));
	s->hi = pow(10, ceil(log10(max) - 1e-9));
	if (s->hi <= s->lo)
		s->hi = s->lo * 10;
	s->step = 0;
	s->x0 = x0;
	s->x1 = x1;
}

double svg_scale_at(const struct svg_scale *s, double v)
{
	double t;

	if (s->log)
		t = v > 0 ? log10(v / s->lo) / log10(s->hi / s->lo) : 0;
	else
		t = (v - s->lo) / (s->hi - s->lo);
	if (!(t > 0))
		t = 0;
	if (t > 1)
		t = 1;
	return s->x0 + t * (s->x1 - s->x0);
}

size_t svg_ticks(const struct svg_scale *s, double *ticks, size_t max)
{
	size_t n = 0;

	if (s->log) {
		int decades = (int)lround(log10(s->hi / s->lo));
		int every = decades > 6 ? 2 : 1;

		for (int d = 0; d <= decades && n < max; d += every)
			ticks[n++] = s->lo * pow(10, d);
		return n;
	}
	for (size_t i = 0; n < max; i++) {
		double v = s->lo + (double)i * s->step;

		if (v > s->hi * (1 + 1e-9))
			break;
		ticks[n++] = v;
	}
	return n;
}

struct unit_step {
	double scale;
	const char *suffix;
};

static const struct unit_step ns_steps[] = {
	{1, " ns"}, {1e3, " µs"}, {1e6, " ms"}, {1e9, " s"}, {0, NULL}};
static const struct unit_step count_steps[] = {
	{1, ""}, {1e3, "k"}, {1e6, "M"}, {1e9, "G"}, {0, NULL}};
static const struct unit_step kib_steps[] = {
	{1, " kB"}, {1024, " MB"}, {1048576, " GB"}, {0, NULL}};
static const struct unit_step plain_steps[] = {{1, ""}, {0, NULL}};

const char *svg_tick_label(char *buf, size_t len, double v, enum svg_unit u)
{
	const struct unit_step *t = u == SVG_UNIT_NS	  ? ns_steps
				    : u == SVG_UNIT_COUNT ? count_steps
				    : u == SVG_UNIT_KIB	  ? kib_steps
							  : plain_steps;

	if (v == 0) {
		snprintf(buf, len, "0");
		return buf;
	}
	/* decide on the rounded value: 999.7 µs is "1 ms" */
	while (t[1].suffix && fabs(v) / t[1].scale >= 0.9995)
		t++;
	/* %.3g would write 1500 as 1.5e+03 */
	if (fabs(v) / t->scale >= 99.95)
		snprintf(buf, len, "%.0f%s", v / t->scale, t->suffix);
	else
		snprintf(buf, len, "%.3g%s", v / t->scale, t->suffix);
	return buf;
}

bool svg_wants_log(double min, double max)
{
	return min > 0 && max > SVG_LOG_RATIO * min;
}

/* ---- bar chart ---- */

#define BAR_W	  440 /* the picture's width: legible scaled to a phone */
#define BAR_LABEL 84  /* the bar labels' column */
#define BAR_VALUE 92  /* room right of the plot for the value */
#define BAR_ROW	  24
#define BAR_H	  15
#define BAR_TOP	  4

/* A chart's opening tag, w by h, named title (escaped) for screen
 * readers. */
static void svg_open(FILE *f, int w, int h, const char *title)
{
	fprintf(f,
		"<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		"role=\"img\" aria-label=\"",
		w, h, w, h);
	html_text(f, title);
	fputs("\">\n", f);
}

void svg_x_tick(FILE *f, double x, double top, double bottom, const char *label)
{
	fprintf(f,
		"<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		"y2=\"%.1f\"/><text class=\"small\" x=\"%.1f\" y=\"%.1f\" "
		"text-anchor=\"middle\">%s</text>\n",
		x, top, x, bottom, x, bottom + 12, label);
}

static void bar_row(FILE *f, const struct svg_bar *b, double y,
		    const struct svg_scale *s)
{
	double x0 = s->x0, end = x0;

	fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
		BAR_LABEL - 6, y + BAR_H - 3);
	html_text_clipped(f, b->label, 13);
	fputs("</text>\n", f);
	if (!b->known) {
		fprintf(f,
			"<text class=\"small\" x=\"%.1f\" y=\"%.1f\">– not "
			"known</text>\n",
			x0 + 4, y + BAR_H - 3);
		return;
	}
	if (!s->log || b->value > 0) {
		end = svg_scale_at(s, b->value);
		if (!s->log && b->part > 0 && b->part < b->value) {
			double mid = svg_scale_at(s, b->part);

			fprintf(f,
				"<rect class=\"bar-rest\" x=\"%.1f\" "
				"y=\"%.1f\" width=\"%.1f\" height=\"%d\"/>\n",
				mid, y, end - mid, BAR_H);
			end = mid;
		}
		fprintf(f,
			"<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" "
			"width=\"%.1f\" height=\"%d\"><title>",
			x0, y, end - x0, BAR_H);
		end = svg_scale_at(s, b->value);
		html_text(f, b->label);
		fputs(": ", f);
		html_text(f, b->shown);
		fputs("</title></rect>\n", f);
	}
	if (b->lo < b->hi) {
		double a = svg_scale_at(s, b->lo), z = svg_scale_at(s, b->hi);
		double mid = y + BAR_H / 2.0;

		fprintf(f,
			"<path class=\"range\" d=\"M%.1f %.1fH%.1fM%.1f "
			"%.1fv8M%.1f %.1fv8\"/>\n",
			a, mid, z, a, mid - 4, z, mid - 4);
		if (z > end)
			end = z;
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", end + 4, y + BAR_H - 3);
	html_text(f, b->shown);
	fputs("</text>\n", f);
}

void svg_bar_chart(FILE *f, const char *title, const struct svg_bar *bars,
		   size_t n, enum svg_unit unit)
{
	double ticks[SVG_MAX_TICKS], hi = 0, lo = 0;
	size_t nt;
	struct svg_scale s;
	double bottom = BAR_TOP + (double)n * BAR_ROW;
	int height = (int)bottom + 30;
	char label[32];

	for (size_t i = 0; i < n; i++) {
		if (!bars[i].known)
			continue;
		if (bars[i].value > hi)
			hi = bars[i].value;
		if (bars[i].hi > hi)
			hi = bars[i].hi;
		if (bars[i].value > 0 && (lo == 0 || bars[i].value < lo))
			lo = bars[i].value;
		if (bars[i].lo > 0 && bars[i].lo < lo)
			lo = bars[i].lo;
	}
	if (svg_wants_log(lo, hi)) {
		svg_scale_log(&s, lo, hi, BAR_LABEL, BAR_W - BAR_VALUE);
	} else if (unit == SVG_UNIT_KIB && hi >= 1024) {
		/* ticks at whole MB, not at 1,000 kB */
		svg_scale_linear(&s, hi / 1024, 4, BAR_LABEL,
				 BAR_W - BAR_VALUE);
		s.hi *= 1024;
		s.step *= 1024;
	} else {
		svg_scale_linear(&s, hi, 4, BAR_LABEL, BAR_W - BAR_VALUE);
	}
	if (s.log)
		height += 12;
	svg_open(f, BAR_W, height, title);
	nt = svg_ticks(&s, ticks, SVG_MAX_TICKS);
	for (size_t i = 0; i < nt; i++)
		svg_x_tick(
			f, svg_scale_at(&s, ticks[i]), BAR_TOP - 2, bottom,
			svg_tick_label(label, sizeof(label), ticks[i], unit));
	fprintf(f,
		"<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
		"y2=\"%.1f\"/>\n",
		BAR_LABEL, BAR_TOP - 2, BAR_LABEL, bottom);
	for (size_t i = 0; i < n; i++)
		bar_row(f, &bars[i], BAR_TOP + (double)i * BAR_ROW + 3, &s);
	if (s.log && nt > 1)
		fprintf(f,
			"<text class=\"small\" x=\"%d\" y=\"%.1f\" "
			"text-anchor=\"end\">log scale: each grid line %.0f "
			"times the last</text>\n",
			BAR_W - BAR_VALUE, bottom + 26, ticks[1] / ticks[0]);
	fputs("</svg>\n", f);
}

/* ---- histogram over log2 slots ---- */

#define HIST_W	    320
#define HIST_H	    150
#define HIST_LEFT   42
#define HIST_RIGHT  8
#define HIST_TOP    14
#define HIST_BOTTOM 34

/* slot i holds [2^i, 2^(i+1)) ns; slot 0 also 0 */
static double slot_floor(unsigned int i)
{
	return i ? ldexp(1, (int)i) : 0;
}

void svg_log2_histogram(FILE *f, const char *title, const uint64_t *hist,
			unsigned int nslots)
{
	unsigned int first = nslots, last = 0, shown, every;
	uint64_t most = 0;
	double ticks[SVG_MAX_TICKS], band, base = HIST_H - HIST_BOTTOM;
	struct svg_scale y;
	char a[32], b[32];
	size_t nt;

	for (unsigned int i = 0; i < nslots; i++) {
		if (!hist[i])
			continue;
		if (first == nslots)
			first = i;
		last = i;
		if (hist[i] > most)
			most = hist[i];
	}
	if (first == nslots)
		first = last = 0;
	/* a slot of room on either side, so one bar is not the whole width */
	if (first > 0)
		first--;
	if (last + 1 < nslots)
		last++;
	shown = last - first + 1;
	band = (double)(HIST_W - HIST_LEFT - HIST_RIGHT) / shown;
	every = (shown + 5) / 6;
	svg_scale_linear(&y, (double)most, 3, base, HIST_TOP);
	if (y.step < 1) {
		/* no ticks at half a wait */
		y.step = 1;
		y.hi = most ? (double)most : 1;
	}
	svg_open(f, HIST_W, HIST_H, title);
	nt = svg_ticks(&y, ticks, SVG_MAX_TICKS);
	for (size_t i = 0; i < nt; i++) {
		double at = svg_scale_at(&y, ticks[i]);

		fprintf(f,
			"<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
			"y2=\"%.1f\"/><text class=\"small\" x=\"%d\" "
			"y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			HIST_LEFT, at, HIST_W - HIST_RIGHT, at, HIST_LEFT - 4,
			at + 3,
			svg_tick_label(a, sizeof(a), ticks[i], SVG_UNIT_COUNT));
	}
	fprintf(f,
		"<text class=\"small\" x=\"%d\" y=\"%d\" "
		"text-anchor=\"end\">waits</text>\n",
		HIST_LEFT - 4, HIST_TOP - 6);
	for (unsigned int i = first; i <= last; i++) {
		double x = HIST_LEFT + (i - first) * band;
		double top = svg_scale_at(&y, (double)hist[i]);

		if (hist[i])
			fprintf(f,
				"<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" "
				"width=\"%.1f\" height=\"%.1f\"><title>%s to "
				"%s: %llu</title></rect>\n",
				x + 0.5, top, band - 1, base - top,
				svg_tick_label(a, sizeof(a), slot_floor(i),
					       SVG_UNIT_NS),
				svg_tick_label(b, sizeof(b), slot_floor(i + 1),
					       SVG_UNIT_NS),
				(unsigned long long)hist[i]);
		if ((i - first) % every == 0)
			fprintf(f,
				"<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" "
				"x2=\"%.1f\" y2=\"%.1f\"/><text "
				"class=\"small\" x=\"%.1f\" y=\"%.1f\" "
				"text-anchor=\"middle\">%s</text>\n",
				x, base, x, base + 4, x, base + 14,
				svg_tick_label(a, sizeof(a), slot_floor(i),
					       SVG_UNIT_NS));
	}
	fprintf(f,
		"<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
		"y2=\"%.1f\"/>\n<text class=\"small\" x=\"%d\" y=\"%d\" "
		"text-anchor=\"middle\">run-queue wait (each bar twice the "
		"last)</text>\n</svg>\n",
		HIST_LEFT, base, HIST_W - HIST_RIGHT, base,
		(HIST_LEFT + HIST_W - HIST_RIGHT) / 2, HIST_H - 4);
}
