/* svg.h - the report's pictures as inline SVG: scales with their ticks,
 * a horizontal bar chart and a histogram over log2 slots (the threads'
 * lanes are lanes_svg.h's). Numbers in, markup out; labels given are
 * escaped (html_text), colours come from the page's style sheet
 * (html.c). */
#ifndef LAB_SVG_H
#define LAB_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What an axis counts, for its tick labels. */
enum svg_unit {
	SVG_UNIT_NS,	/* durations: "500 µs", "1.5 s" */
	SVG_UNIT_COUNT, /* counts: "800", "12k", "3M" */
	SVG_UNIT_KIB,	/* memory: "512 kB", "2 MB" */
	SVG_UNIT_PLAIN, /* a bare number: "0.75" */
};

/* Values lo..hi drawn at x0..x1; a log scale spans whole decades. */
struct svg_scale {
	bool log;
	double lo, hi;
	double step; /* linear: between ticks */
	double x0, x1;
};

/* A linear scale from 0 to the first tick at or above max, ticks at 1,
 * 2 or 5 times a power of ten, about `ticks` of them. */
void svg_scale_linear(struct svg_scale *s, double max, int ticks, double x0,
		      double x1);
/* The same, but ending at max itself (a time axis the data fills). */
void svg_scale_fit(struct svg_scale *s, double max, int ticks, double x0,
		   double x1);
/* A log10 scale from the decade at or below min to the decade at or
 * above max; min > 0. */
void svg_scale_log(struct svg_scale *s, double min, double max, double x0,
		   double x1);
/* Where v is drawn, clamped to the scale; on a log scale v <= 0 is x0. */
double svg_scale_at(const struct svg_scale *s, double v);
/* The scale's tick values, in order, at most max of them: linear, steps
 * of 1, 2 or 5 times a power of ten; log, each decade (every other one
 * when there are many). Returns how many. */
size_t svg_ticks(const struct svg_scale *s, double *ticks, size_t max);
/* A tick's label, three significant digits at most, with its unit. */
const char *svg_tick_label(char *buf, size_t len, double v, enum svg_unit u);
/* true when values this far apart read better on a log scale: the
 * largest, max, is more than SVG_LOG_RATIO times the smallest above 0 */
#define SVG_LOG_RATIO 30.0
bool svg_wants_log(double min, double max);

/* The most ticks an axis is given room for. */
#define SVG_MAX_TICKS 24
/* A vertical grid line from top to bottom at x, its label (the
 * writer's own text) under it. */
void svg_x_tick(FILE *f, double x, double top, double bottom,
		const char *label);

/* One bar: label and shown text are escaped. lo..hi is the range over
 * repeated runs, drawn as a whisker when lo < hi. A bar not known is
 * drawn as "–". */
struct svg_bar {
	const char *label;
	const char *shown; /* the value as people read it */
	double value, lo, hi;
	bool known;
	/* 0 < part < value: the bar drawn in two parts, 0..part and the
	 * rest lighter (on a linear scale) */
	double part;
};

/* A horizontal bar chart; the axis is in unit, on a log scale when the
 * values call for one (svg_wants_log), which the axis then says. title
 * names the picture for screen readers. */
void svg_bar_chart(FILE *f, const char *title, const struct svg_bar *bars,
		   size_t n, enum svg_unit unit);

/* A histogram of durations over log2 slots (slot i: [2^i, 2^(i+1)) ns,
 * as stats.h keeps them), from the first slot used to the last; bar
 * heights linear in the count. */
void svg_log2_histogram(FILE *f, const char *title, const uint64_t *hist,
			unsigned int nslots);

#endif /* LAB_SVG_H */
