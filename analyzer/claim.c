/* claim.c - making one claim: its text, its evidence, its relations
 * (claim.h). */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "analyzer/claim.h"

const enum cmp_model claim_concurrent[CLAIM_NCONCURRENT] = {
	CMP_PROCESSES, CMP_THREADS, CMP_EVENTS, CMP_COROUTINES};

int claim_expected_rank(enum cmp_model m)
{
	return m == CMP_COROUTINES ? CMP_EVENTS : (int)m;
}

void claim_say(struct claim *cl, const char *fmt, ...)
{
	size_t used = strlen(cl->text);
	va_list ap;

	if (used + 1 >= sizeof(cl->text))
		return;
	va_start(ap, fmt);
	vsnprintf(cl->text + used, sizeof(cl->text) - used, fmt, ap);
	va_end(ap);
}

/* Records a figure as evidence (once per metric and model) and returns
 * it as the text shows it. */
static const char *cite(struct claim *cl, const char *key, int model,
			const struct cmp_stat *s, double v, enum cmp_unit unit)
{
	static struct evidence spare; /* a rule citing too much: still shown */
	struct evidence *e = NULL;

	for (size_t i = 0; i < cl->nev; i++)
		if (cl->ev[i].model == model && !strcmp(cl->ev[i].metric, key))
			return cl->ev[i].shown;
	e = cl->nev < EXPLAIN_MAX_EVIDENCE ? &cl->ev[cl->nev++] : &spare;
	e->metric = key;
	e->model = model;
	e->value = v;
	e->min = s ? s->min : v;
	e->max = s ? s->max : v;
	e->runs = s ? s->n : 0;
	compare_show(e->shown, sizeof(e->shown), v, unit);
	return e->shown;
}

const char *claim_fig(struct claim *cl, const struct comparison *c,
		      enum cmp_metric m, enum cmp_model model)
{
	const struct cmp_stat *s = compare_stat(c, model, m);
	const struct cmp_metric_info *mi = compare_metric(m);

	return cite(cl, mi->key, (int)model, s, s ? s->median : 0, mi->unit);
}

const char *claim_cpus(struct claim *cl, const struct comparison *c)
{
	return cite(cl, "cpus", -1, NULL, c->cpus, CMP_UNIT_COUNT);
}

const char *claim_tick(struct claim *cl, const struct comparison *c)
{
	return cite(cl, "tick_ns", -1, NULL, (double)c->info.tick_ns,
		    CMP_UNIT_NS);
}

const char *claim_value(struct claim *cl, const char *key, enum cmp_model model,
			double v)
{
	return cite(cl, key, (int)model, NULL, v, CMP_UNIT_COUNT);
}

static struct relation *relate(struct claim *cl, enum relation_kind kind,
			       enum cmp_metric ma, enum cmp_model a,
			       enum cmp_metric mb, enum cmp_model b)
{
	static struct relation spare; /* a rule relating too much */
	struct relation *r = cl->nrel < EXPLAIN_MAX_RELATIONS
				     ? &cl->rel[cl->nrel++]
				     : &spare;

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->metric_a = compare_metric(ma)->key;
	r->metric_b = compare_metric(mb)->key;
	r->a = (int)a;
	r->b = (int)b;
	return r;
}

enum cmp_order claim_order(struct claim *cl, const struct comparison *c,
			   enum cmp_metric m, enum cmp_model a,
			   enum cmp_model b)
{
	enum cmp_order o = compare_order(c, m, a, b);

	for (size_t i = 0; i < cl->nrel; i++) {
		const struct relation *r = &cl->rel[i];

		if (r->kind == RELATION_ORDER &&
		    !strcmp(r->metric_a, compare_metric(m)->key) &&
		    ((r->a == (int)a && r->b == (int)b) ||
		     (r->a == (int)b && r->b == (int)a)))
			return o;
	}
	relate(cl, RELATION_ORDER, m, a, m, b)->order = o;
	return o;
}

void claim_ratio(struct claim *cl, const struct comparison *c,
		 enum cmp_metric m, enum cmp_model a, enum cmp_model b)
{
	claim_ratio_of(cl, c, m, a, m, b);
}

void claim_ratio_of(struct claim *cl, const struct comparison *c,
		    enum cmp_metric ma, enum cmp_model a, enum cmp_metric mb,
		    enum cmp_model b)
{
	double x = claim_med(c, a, ma), y = claim_med(c, b, mb);
	struct relation *r;

	if (y <= 0)
		return;
	r = relate(cl, RELATION_RATIO, ma, a, mb, b);
	r->value = x / y;
	snprintf(r->shown, sizeof(r->shown), "%.*f×", x / y < 10 ? 1 : 0,
		 x / y);
	claim_say(cl, " (%s)", r->shown);
}

const char *claim_share(struct claim *cl, const struct comparison *c,
			enum cmp_metric part, enum cmp_model a,
			enum cmp_metric whole, enum cmp_model b)
{
	double x = claim_med(c, a, part), y = claim_med(c, b, whole);
	struct relation *r = relate(cl, RELATION_SHARE, part, a, whole, b);

	r->value = y > 0 ? x / y : 0;
	snprintf(r->shown, sizeof(r->shown), "%.0f%%", 100 * r->value);
	return r->shown;
}

/* ms sorted by their median of m, highest first */
static void sort_down(const struct comparison *c, enum cmp_metric m,
		      enum cmp_model *ms, size_t n)
{
	claim_sort_up(c, m, ms, n);
	for (size_t i = 0; i < n / 2; i++) {
		enum cmp_model t = ms[i];

		ms[i] = ms[n - 1 - i];
		ms[n - 1 - i] = t;
	}
}

/* ---- ranking ---- */

/* A group of the ranking is clean when no pair inside it is apart. */
static bool clean(const enum cmp_order *o, size_t n, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		for (size_t j = i + 1; j < to; j++)
			if (o[i * n + j] != CMP_CLOSE)
				return false;
	return true;
}

/* The pairs apart inside an unclean group [from, to), then the members
 * apart from none of the others. */
static void say_inside(struct claim *cl, const struct comparison *c,
		       enum cmp_metric m, const enum cmp_model *ms,
		       const enum cmp_order *o, size_t n, size_t from,
		       size_t to)
{
	bool first = true;

	for (size_t i = from; i < to; i++)
		for (size_t j = i + 1; j < to; j++) {
			if (o[i * n + j] != CMP_ABOVE)
				continue;
			claim_say(cl, "%s%s above %s", first ? ": " : ", ",
				  compare_name(c, ms[i]),
				  compare_name(c, ms[j]));
			claim_ratio(cl, c, m, ms[i], ms[j]);
			first = false;
		}
	for (size_t i = from; i < to; i++) {
		bool apart = false;

		for (size_t j = from; j < to; j++)
			apart |= j != i &&
				 o[(i < j ? i : j) * n + (i < j ? j : i)] !=
					 CMP_CLOSE;
		if (!apart)
			claim_say(cl, "; %s too close to call against %s",
				  compare_name(c, ms[i]),
				  to - from == 3 ? "either" : "the others");
	}
}

bool claim_ranking(struct claim *cl, const struct comparison *c,
		   enum cmp_metric m, const enum cmp_model *in, size_t n)
{
	enum cmp_model ms[CMP_NMODELS];
	enum cmp_order o[CMP_NMODELS * CMP_NMODELS];
	bool cut[CMP_NMODELS] = {false}, against = false;
	size_t from = 0;

	if (n > CMP_NMODELS)
		n = CMP_NMODELS;
	memcpy(ms, in, n * sizeof(*ms));
	sort_down(c, m, ms, n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			o[i * n + j] = claim_order(cl, c, m, ms[i], ms[j]);
			/* a model expected to cost less, above one expected
			 * to cost more; free names expect no order */
			against |= o[i * n + j] == CMP_ABOVE &&
				   claim_expected_rank(ms[i]) >
					   claim_expected_rank(ms[j]) &&
				   !c->free_names;
		}
	/* a cut between i - 1 and i: everything above it is above
	 * everything below it */
	for (size_t i = 1; i < n; i++) {
		cut[i] = true;
		for (size_t a = 0; a < i; a++)
			for (size_t b = i; b < n; b++)
				cut[i] &= o[a * n + b] == CMP_ABOVE;
	}
	for (size_t i = 0; i <= n; i++) {
		if (i < n && (!i || !cut[i])) {
			continue;
		}
		/* the group [from, i) */
		bool tidy = clean(o, n, from, i);

		for (size_t k = from; k < i; k++)
			claim_say(cl, "%s %s %s",
				  k == from ? (from ? " >" : "")
					    : (tidy ? " ≈" : ","),
				  compare_name(c, ms[k]),
				  claim_fig(cl, c, m, ms[k]));
		if (!tidy)
			say_inside(cl, c, m, ms, o, n, from, i);
		from = i;
	}
	return against;
}

static void say_more(struct claim *cl, const struct comparison *c,
		     enum cmp_metric m, enum cmp_model hi, enum cmp_model lo,
		     bool first)
{
	claim_say(cl, "%s%s cost more than %s", first ? "" : ", ",
		  compare_name(c, hi), compare_name(c, lo));
	claim_ratio(cl, c, m, hi, lo);
	if (claim_expected_rank(hi) > claim_expected_rank(lo) && !c->free_names)
		claim_say(cl, ", against the expected order");
}

void claim_costs(struct claim *cl, const struct comparison *c,
		 enum cmp_metric m, const enum cmp_model *in, size_t n)
{
	enum cmp_model ms[CMP_NMODELS];
	bool first = true;

	if (n > CMP_NMODELS)
		n = CMP_NMODELS;
	memcpy(ms, in, n * sizeof(*ms));
	sort_down(c, m, ms, n);
	for (size_t i = 0; i + 1 < n; i++) {
		if (claim_order(cl, c, m, ms[i], ms[i + 1]) == CMP_ABOVE)
			say_more(cl, c, m, ms[i], ms[i + 1], first);
		else
			claim_say(cl, "%s%s and %s too close to call",
				  first ? "" : ", ", compare_name(c, ms[i]),
				  compare_name(c, ms[i + 1]));
		first = false;
	}
	/* apart across two steps too close to call */
	for (size_t i = 0; i + 2 < n; i++)
		for (size_t j = i + 2; j < n; j++) {
			bool steps_close = true;

			for (size_t k = i; k < j; k++)
				steps_close &=
					compare_order(c, m, ms[k], ms[k + 1]) ==
					CMP_CLOSE;
			if (steps_close &&
			    claim_order(cl, c, m, ms[i], ms[j]) == CMP_ABOVE) {
				claim_say(cl, "; yet ");
				say_more(cl, c, m, ms[i], ms[j], true);
			}
		}
}

void claim_margin(struct claim *cl, const struct comparison *c,
		  enum cmp_metric m)
{
	if (compare_has_spread(c))
		claim_say(cl,
			  "their ranges over %zu runs overlap or their "
			  "medians differ by less than %.0f%%",
			  compare_repeats(c), 100 * CMP_MARGIN_REPEAT);
	else
		claim_say(cl, "within %.0f%% with one run each",
			  100 * compare_margin(m));
}

/* ---- reading the comparison ---- */

double claim_med(const struct comparison *c, enum cmp_model model,
		 enum cmp_metric m)
{
	const struct cmp_stat *s = compare_stat(c, model, m);

	return s ? s->median : 0;
}

bool claim_has(const struct comparison *c, enum cmp_model model,
	       enum cmp_metric m)
{
	return compare_stat(c, model, m) != NULL;
}

size_t claim_present(const struct comparison *c, enum cmp_metric m,
		     enum cmp_model *out)
{
	size_t n = 0;

	for (size_t i = 0; i < CLAIM_NCONCURRENT; i++)
		if (claim_has(c, claim_concurrent[i], m))
			out[n++] = claim_concurrent[i];
	return n;
}

void claim_sort_up(const struct comparison *c, enum cmp_metric m,
		   enum cmp_model *ms, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && claim_med(c, ms[j], m) <
						    claim_med(c, ms[j - 1], m);
		     j--) {
			enum cmp_model t = ms[j];

			ms[j] = ms[j - 1];
			ms[j - 1] = t;
		}
}

const char *claim_name(enum cmp_model m)
{
	return compare_model_name(m);
}

const char *claim_capital(char *buf, size_t len, const char *s)
{
	snprintf(buf, len, "%s", s);
	buf[0] = (char)toupper((unsigned char)buf[0]);
	return buf;
}
