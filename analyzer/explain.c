/* explain.c - the explanation's rules. Each rule is one function over the
 * comparison that makes one claim or none; every number in a claim goes
 * through fig(), which formats it and records it as evidence. The rules
 * table at the end says which run, in which order. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/compare.h"
#include "analyzer/explain.h"
#include "analyzer/offcpu.h"
#include "analyzer/units.h"

/* ---- making a claim ---- */

static void say(struct claim *cl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends to the claim's text; a text that does not fit is cut, never
 * overrun. */
static void say(struct claim *cl, const char *fmt, ...)
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

/* A model's figure: its median over the runs. */
static const char *fig(struct claim *cl, const struct comparison *c,
		       enum cmp_metric m, enum cmp_model model)
{
	const struct cmp_stat *s = compare_stat(c, model, m);
	const struct cmp_metric_info *mi = compare_metric(m);

	return cite(cl, mi->key, (int)model, s, s ? s->median : 0, mi->unit);
}

/* A figure of the machine, not of a model. */
static const char *fig_cpus(struct claim *cl, const struct comparison *c)
{
	return cite(cl, "cpus", -1, NULL, c->cpus, CMP_UNIT_COUNT);
}

/* A model's figure that is not a metric of its own (runs left out). */
static const char *fig_value(struct claim *cl, const char *key,
			     enum cmp_model model, double v)
{
	return cite(cl, key, (int)model, NULL, v, CMP_UNIT_COUNT);
}

/* ---- reading the comparison ---- */

static const enum cmp_model concurrent[] = {CMP_PROCESSES, CMP_THREADS,
					    CMP_COROUTINES};
#define NCONCURRENT (sizeof(concurrent) / sizeof(concurrent[0]))

static double med(const struct comparison *c, enum cmp_model model,
		  enum cmp_metric m)
{
	const struct cmp_stat *s = compare_stat(c, model, m);

	return s ? s->median : 0;
}

static bool has(const struct comparison *c, enum cmp_model model,
		enum cmp_metric m)
{
	return compare_stat(c, model, m) != NULL;
}

/* The concurrent models with metric m, in the expected order of cost. */
static size_t present(const struct comparison *c, enum cmp_metric m,
		      enum cmp_model *out)
{
	size_t n = 0;

	for (size_t i = 0; i < NCONCURRENT; i++)
		if (has(c, concurrent[i], m))
			out[n++] = concurrent[i];
	return n;
}

static enum cmp_model lowest(const struct comparison *c, enum cmp_metric m,
			     const enum cmp_model *ms, size_t n)
{
	enum cmp_model best = ms[0];

	for (size_t i = 1; i < n; i++)
		if (med(c, ms[i], m) < med(c, best, m))
			best = ms[i];
	return best;
}

static const char *name(enum cmp_model m)
{
	return compare_model_name(m);
}

/* "Processes": a model or label that starts a sentence. */
static const char *capital(char *buf, size_t len, const char *s)
{
	snprintf(buf, len, "%s", s);
	buf[0] = (char)toupper((unsigned char)buf[0]);
	return buf;
}

/* Why an ordering is not claimed, with the margin it used. */
static void say_margin(struct claim *cl, const struct comparison *c)
{
	if (compare_has_spread(c))
		say(cl,
		    "their ranges over %zu runs overlap or their medians "
		    "differ by less than %.0f%%",
		    compare_repeats(c), 100 * CMP_MARGIN_REPEAT);
	else
		say(cl, "within %.0f%% with one run each",
		    100 * CMP_MARGIN_SINGLE);
}

static void say_ratio(struct claim *cl, double hi, double lo)
{
	if (lo > 0)
		say(cl, " (%.*f×)", hi / lo < 10 ? 1 : 0, hi / lo);
}

/* ---- the rules ---- */

/* ms sorted by their median of m, lowest first; a tie keeps the
 * expected order. */
static void sort_up(const struct comparison *c, enum cmp_metric m,
		    enum cmp_model *ms, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i;
		     j > 0 && med(c, ms[j], m) < med(c, ms[j - 1], m); j--) {
			enum cmp_model t = ms[j];

			ms[j] = ms[j - 1];
			ms[j - 1] = t;
		}
}

/* Which concurrent model measured cheapest, and which figure decides
 * it: wall time first; the models it does not separate from the lowest
 * go on to on-CPU time, and those it does not separate to kernel
 * switches. A model beaten on wall time is out, however few switches it
 * made. */
static void rule_cheapest(const struct comparison *c, struct claim *cl, int arg)
{
	static const enum cmp_metric deciders[] = {CMP_WALL, CMP_ONCPU,
						   CMP_SWITCHES};
	const size_t ndeciders = sizeof(deciders) / sizeof(deciders[0]);
	enum cmp_model cand[NCONCURRENT], tied[NCONCURRENT],
		slower[NCONCURRENT];
	enum cmp_model low[3], rival[3], field[NCONCURRENT];
	size_t nc = present(c, CMP_WALL, cand), nslower = 0, nfield = 0, d;
	char b[64];

	(void)arg;
	if (nc < 2)
		return;
	for (d = 0; d < ndeciders; d++) {
		enum cmp_metric m = deciders[d];
		size_t nt = 1;

		sort_up(c, m, cand, nc);
		memcpy(field, cand, sizeof(cand));
		nfield = nc;
		low[d] = tied[0] = cand[0];
		for (size_t i = 1; i < nc; i++)
			if (compare_order(c, m, cand[0], cand[i]) != CMP_BELOW)
				tied[nt++] = cand[i];
			else if (!d)
				slower[nslower++] = cand[i];
		if (nt == 1)
			break;
		rival[d] = tied[1];
		memcpy(cand, tied, sizeof(tied));
		nc = nt;
	}
	/* the figure that names the cheapest is the first evidence, also
	 * where the text shows two equal values */
	fig(cl, c, deciders[d < ndeciders ? d : 0], low[d < ndeciders ? d : 0]);
	if (d == ndeciders) {
		say(cl,
		    "No model measured clearly cheapest: %s had the lowest "
		    "wall time, %s, too close to call against %s for %s, and "
		    "so were their ",
		    name(low[0]), fig(cl, c, CMP_WALL, low[0]),
		    fig(cl, c, CMP_WALL, rival[0]), name(rival[0]));
		for (size_t k = 1; k < ndeciders; k++)
			say(cl, "%s%s (%s %s vs %s %s)", k == 1 ? "" : " and ",
			    compare_metric(deciders[k])->label, name(low[k]),
			    fig(cl, c, deciders[k], low[k]), name(rival[k]),
			    fig(cl, c, deciders[k], rival[k]));
	} else {
		say(cl, "%s measured cheapest, decided by %s: %s against ",
		    capital(b, sizeof(b), name(low[d])),
		    compare_metric(deciders[d])->label,
		    fig(cl, c, deciders[d], low[d]));
		for (size_t i = 1; i < nfield; i++)
			say(cl, "%s%s for %s",
			    i == 1 ? "" : (i + 1 == nfield ? " and " : ", "),
			    fig(cl, c, deciders[d], field[i]), name(field[i]));
		for (size_t k = 0; k < d; k++)
			say(cl, "%s%s (%s %s vs %s %s)",
			    k ? (k + 1 == d ? " nor " : ", ")
			      : (d == 1 ? "; " : "; neither "),
			    compare_metric(deciders[k])->label, name(low[k]),
			    fig(cl, c, deciders[k], low[k]), name(rival[k]),
			    fig(cl, c, deciders[k], rival[k]));
		if (d)
			say(cl, " %s them",
			    d == 1 ? "did not separate" : "separated");
	}
	for (size_t i = 0; d && i < nslower; i++)
		say(cl, "%s%s %s",
		    i ? ", " : "; slower in wall time: ", name(slower[i]),
		    fig(cl, c, CMP_WALL, slower[i]));
	if (d == ndeciders && !compare_has_spread(c))
		say(cl, "; --repeat 5 would measure the spread");
	say(cl, ".");
}

/* A metric's measured order against the expected one: processes cost
 * most, then threads, then coroutines. Written highest first, with ">"
 * between models apart beyond the margin and "≈" between models too
 * close to call; a pair apart in the unexpected direction is named. */
static void rule_order(const struct comparison *c, struct claim *cl, int arg)
{
	enum cmp_metric m = (enum cmp_metric)arg;
	enum cmp_model ms[NCONCURRENT], up[NCONCURRENT];
	size_t n = present(c, m, ms), close = 0, against = 0;
	char b[64];
	bool any = false;

	if (n < 2)
		return;
	/* rule_user_switches sets the kernel's switches beside the
	 * coroutines' own */
	if (m == CMP_SWITCHES && med(c, CMP_COROUTINES, CMP_USER_SWITCHES) > 0)
		return;
	for (size_t i = 0; i < n; i++)
		any |= med(c, ms[i], m) > 0;
	if (!any)
		return;
	memcpy(up, ms, sizeof(ms));
	sort_up(c, m, up, n);
	for (size_t i = 0; i < n; i++)
		ms[i] = up[n - 1 - i];
	say(cl, "%s:", capital(b, sizeof(b), compare_metric(m)->label));
	for (size_t i = 0; i < n; i++) {
		bool apart =
			i && compare_order(c, m, ms[i - 1], ms[i]) == CMP_ABOVE;

		if (i && !apart)
			close++;
		if (apart && ms[i - 1] > ms[i])
			against++;
		say(cl, "%s %s %s", i ? (apart ? " >" : " ≈") : "", name(ms[i]),
		    fig(cl, c, m, ms[i]));
	}
	if (close == n - 1) {
		say(cl, ", too close to call.");
		return;
	}
	if (!against) {
		say(cl,
		    close ? ", as expected where apart." : ", as expected.");
		return;
	}
	/* every pair apart the wrong way round, grouped by the higher one */
	say(cl, ": against the expected order,");
	for (size_t i = 0, k = 0; i < n; i++) {
		size_t below = 0;

		for (size_t j = i + 1; j < n; j++) {
			if (ms[i] < ms[j] ||
			    compare_order(c, m, ms[i], ms[j]) != CMP_ABOVE)
				continue;
			if (!below)
				say(cl, "%s %s %s above ", k ? "," : "",
				    name(ms[i]), "are");
			say(cl, "%s%s", below ? " and " : "", name(ms[j]));
			below++;
			k++;
		}
	}
	say(cl, ".");
}

/* Coroutines on a CPU-bound job with more than one CPU: one thread runs
 * them all, so threads and processes, which can use every CPU, should
 * win. Says whether they did and, where not, what the trace shows held
 * them back. */
static void rule_cpu_bound(const struct comparison *c, struct claim *cl,
			   int arg)
{
	const enum cmp_model co = CMP_COROUTINES;
	enum cmp_model par = CMP_NMODELS;
	enum cmp_order o;

	(void)arg;
	/* CPU-bound: one thread doing the whole job, coroutines or serial,
	 * was on a CPU most of the run */
	if (!has(c, co, CMP_BUSY) ||
	    (med(c, co, CMP_BUSY) < 0.7 && med(c, CMP_SERIAL, CMP_BUSY) < 0.7))
		return;
	for (int m = CMP_THREADS; m >= CMP_PROCESSES; m--)
		if (has(c, m, CMP_WALL) && has(c, m, CMP_BUSY) &&
		    (par == CMP_NMODELS ||
		     med(c, m, CMP_WALL) < med(c, par, CMP_WALL)))
			par = m;
	/* the same work in every model: its CPU time, not the model's
	 * overhead, is what the models share out (spawning, for one, is all
	 * overhead) */
	if (par == CMP_NMODELS ||
	    med(c, par, CMP_ONCPU) > 2 * med(c, co, CMP_ONCPU))
		return;
	if (c->cpus < 2) {
		say(cl,
		    "With %s usable CPU nothing runs in parallel: the "
		    "CPU-bound job took %s as coroutines and %s as %s, on-CPU "
		    "%s and %s.",
		    fig_cpus(cl, c), fig(cl, c, CMP_WALL, co),
		    fig(cl, c, CMP_WALL, par), name(par),
		    fig(cl, c, CMP_ONCPU, co), fig(cl, c, CMP_ONCPU, par));
		return;
	}
	o = compare_order(c, CMP_WALL, co, par);
	if (o == CMP_ABOVE && med(c, par, CMP_BUSY) >= 1.2) {
		say(cl,
		    "On %s CPUs coroutines lost the CPU-bound race: %s against "
		    "%s for %s, because one thread runs them all: they kept "
		    "%s CPUs busy, %s kept %s. Pinned to one CPU (--cpu 0) "
		    "%s could not run in parallel either.",
		    fig_cpus(cl, c), fig(cl, c, CMP_WALL, co),
		    fig(cl, c, CMP_WALL, par), name(par),
		    fig(cl, c, CMP_BUSY, co), name(par),
		    fig(cl, c, CMP_BUSY, par), name(par));
		return;
	}
	if (o == CMP_ABOVE) {
		double extra = med(c, co, CMP_ONCPU) - med(c, par, CMP_ONCPU),
		       sw = med(c, co, CMP_USER_SWITCHES);

		say(cl,
		    "Coroutines lost the CPU-bound race, %s against %s for "
		    "%s, but not to parallelism: %s kept only %s CPUs busy "
		    "too, and coroutines needed %s on-CPU against %s",
		    fig(cl, c, CMP_WALL, co), fig(cl, c, CMP_WALL, par),
		    name(par), name(par), fig(cl, c, CMP_BUSY, par),
		    fig(cl, c, CMP_ONCPU, co), fig(cl, c, CMP_ONCPU, par));
		/* arithmetic, not a cause: what the extra time is a switch */
		if (extra > 0 && sw > 0)
			say(cl,
			    "; spread over their %s user-space switches the "
			    "difference is %.1f ns a switch",
			    fig(cl, c, CMP_USER_SWITCHES, co), extra / sw);
		say(cl, ".");
		return;
	}
	say(cl,
	    "On %s CPUs coroutines should lose a CPU-bound race (they kept "
	    "%s CPUs busy), yet %s took %s against their %s, %s",
	    fig_cpus(cl, c), fig(cl, c, CMP_BUSY, co), name(par),
	    fig(cl, c, CMP_WALL, par), fig(cl, c, CMP_WALL, co),
	    o == CMP_CLOSE ? "too close to call" : "slower");
	if (med(c, par, CMP_BUSY) >= 1.2)
		say(cl,
		    ": %s kept %s CPUs busy but needed %s on-CPU against %s "
		    "for coroutines.",
		    name(par), fig(cl, c, CMP_BUSY, par),
		    fig(cl, c, CMP_ONCPU, par), fig(cl, c, CMP_ONCPU, co));
	else if (has(c, par, CMP_TASKS) && med(c, par, CMP_TASKS) < 2)
		say(cl, ": with %s task there was nothing to run in parallel.",
		    fig(cl, c, CMP_TASKS, par));
	else if (med(c, par, CMP_LOCK_WAIT) >= 0.25 * med(c, par, CMP_WALL))
		say(cl,
		    ": %s waited %s for locks and kept only %s CPUs busy: "
		    "the lock let one run at a time.",
		    name(par), fig(cl, c, CMP_LOCK_WAIT, par),
		    fig(cl, c, CMP_BUSY, par));
	else if (med(c, par, CMP_RUNQ_WAIT) >= 0.25 * med(c, par, CMP_WALL))
		/* runnable tasks and a CPU not running them: it ran others */
		say(cl,
		    ": %s kept only %s of %s CPUs busy while their tasks "
		    "waited %s runnable, so the CPUs ran other work meanwhile; "
		    "on an idle machine they would use all %s.",
		    name(par), fig(cl, c, CMP_BUSY, par), fig_cpus(cl, c),
		    fig(cl, c, CMP_RUNQ_WAIT, par), fig_cpus(cl, c));
	else
		say(cl,
		    ": %s kept only %s CPUs busy, with %s of lock waits and "
		    "%s in the run queue; the trace does not show why.",
		    name(par), fig(cl, c, CMP_BUSY, par),
		    fig(cl, c, CMP_LOCK_WAIT, par),
		    fig(cl, c, CMP_RUNQ_WAIT, par));
}

/* A cheaper model that took longer than a costlier one: the figures in
 * which it measured more than the other beyond the margin. Times count
 * only where the difference is a tenth of the difference in wall time or
 * more, largest first; counts follow; fewer CPUs kept busy closes it.
 * Coroutines losing a CPU-bound race are rule_cpu_bound's. */
static void rule_inversion(const struct comparison *c, struct claim *cl,
			   int arg)
{
	/* off-CPU time is left out: a parent waiting for its tasks waits
	 * longer when they take longer, which explains nothing */
	static const enum cmp_metric why[] = {
		CMP_RUNQ_WAIT,	     CMP_ONCPU,	     CMP_SYS,
		CMP_LOCK_WAIT,	     CMP_KLOCK_WAIT, CMP_SWITCHES,
		CMP_FAULTS_PER_TASK,
	};
	const size_t nwhy = sizeof(why) / sizeof(why[0]);
	enum cmp_model hi = CMP_NMODELS, lo = CMP_NMODELS;
	enum cmp_metric found[sizeof(why) / sizeof(why[0])];
	bool cpu_bound = med(c, CMP_COROUTINES, CMP_BUSY) >= 0.7 ||
			 med(c, CMP_SERIAL, CMP_BUSY) >= 0.7;
	double late;
	size_t n = 0;
	char b[64];

	(void)arg;
	/* the first pair out of order: hi expected cheaper than lo */
	for (size_t i = 1; i < NCONCURRENT && hi == CMP_NMODELS; i++)
		for (size_t j = 0; j < i; j++) {
			if (cpu_bound && concurrent[i] == CMP_COROUTINES)
				continue;
			if (compare_order(c, CMP_WALL, concurrent[i],
					  concurrent[j]) == CMP_ABOVE) {
				hi = concurrent[i];
				lo = concurrent[j];
				break;
			}
		}
	if (hi == CMP_NMODELS)
		return;
	late = med(c, hi, CMP_WALL) - med(c, lo, CMP_WALL);
	for (size_t k = 0; k < nwhy; k++) {
		double d = med(c, hi, why[k]) - med(c, lo, why[k]);

		if (compare_order(c, why[k], hi, lo) != CMP_ABOVE)
			continue;
		if (compare_metric(why[k])->unit == CMP_UNIT_NS &&
		    d < 0.1 * late)
			continue;
		found[n++] = why[k];
	}
	/* times by how much they differ, largest first; counts keep their
	 * place after them */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			enum cmp_metric t = found[j], u = found[j - 1];

			if (compare_metric(t)->unit != CMP_UNIT_NS ||
			    compare_metric(u)->unit != CMP_UNIT_NS ||
			    med(c, hi, t) - med(c, lo, t) <=
				    med(c, hi, u) - med(c, lo, u))
				break;
			found[j] = u;
			found[j - 1] = t;
		}
	say(cl,
	    "%s took longer than %s, %s against %s, against the expected "
	    "order",
	    capital(b, sizeof(b), name(hi)), name(lo), fig(cl, c, CMP_WALL, hi),
	    fig(cl, c, CMP_WALL, lo));
	for (size_t k = 0; k < n && k < 3; k++) {
		if (!k)
			say(cl, "; %s measured more:", name(hi));
		say(cl, "%s %s %s against %s", k ? "," : "",
		    compare_metric(found[k])->label, fig(cl, c, found[k], hi),
		    fig(cl, c, found[k], lo));
		say_ratio(cl, med(c, hi, found[k]), med(c, lo, found[k]));
	}
	if (compare_order(c, CMP_BUSY, hi, lo) == CMP_BELOW)
		say(cl, "%s kept %s CPUs busy against %s",
		    n ? ", and" : "; they", fig(cl, c, CMP_BUSY, hi),
		    fig(cl, c, CMP_BUSY, lo));
	else if (!n)
		say(cl,
		    "; no other figure of %s exceeds that of %s beyond the "
		    "margin",
		    name(hi), name(lo));
	if (!compare_has_spread(c))
		say(cl, "; --repeat 5 would show whether it holds");
	say(cl, ".");
}

/* A job that mostly waits: serially the waits add up, concurrently they
 * overlap, whichever model overlaps them. */
static void rule_io_bound(const struct comparison *c, struct claim *cl, int arg)
{
	enum cmp_model ms[NCONCURRENT], best;
	enum offcpu_reason top = OFFCPU_UNKNOWN;
	size_t n = present(c, CMP_WALL, ms);
	double wall = med(c, CMP_SERIAL, CMP_WALL);

	(void)arg;
	if (!n || !has(c, CMP_SERIAL, CMP_OFFCPU) ||
	    med(c, CMP_SERIAL, CMP_OFFCPU) < 0.5 * wall)
		return;
	best = lowest(c, CMP_WALL, ms, n);
	if (compare_order(c, CMP_WALL, best, CMP_SERIAL) != CMP_BELOW)
		return;
	for (int r = 0; r < OFFCPU_NREASONS; r++)
		if (top == OFFCPU_UNKNOWN ||
		    med(c, CMP_SERIAL, CMP_OFFCPU_REASON + r) >
			    med(c, CMP_SERIAL, CMP_OFFCPU_REASON + top))
			top = r;
	say(cl,
	    "The job mostly waits: serially it took %s, %s of it off-CPU "
	    "(%s %s); concurrently the waits overlap and %s took %s",
	    fig(cl, c, CMP_WALL, CMP_SERIAL),
	    fig(cl, c, CMP_OFFCPU, CMP_SERIAL), offcpu_reason_label(top),
	    fig(cl, c, CMP_OFFCPU_REASON + top, CMP_SERIAL), name(best),
	    fig(cl, c, CMP_WALL, best));
	say_ratio(cl, wall, med(c, best, CMP_WALL));
	if (best != CMP_COROUTINES && has(c, CMP_COROUTINES, CMP_WALL) &&
	    compare_order(c, CMP_WALL, CMP_COROUTINES, best) == CMP_CLOSE)
		say(cl,
		    "; coroutines on one thread kept up (%s), since waiting "
		    "needs no CPU",
		    fig(cl, c, CMP_WALL, CMP_COROUTINES));
	else if (best == CMP_COROUTINES && has(c, CMP_THREADS, CMP_WALL))
		say(cl,
		    ", on one thread, against %s for threads: waiting needs "
		    "no CPU",
		    fig(cl, c, CMP_WALL, CMP_THREADS));
	say(cl, ".");
}

/* What creating a task cost each model: the time in the workload's spawn
 * phases per task, else the kernel's fork-to-first-run latency. */
static void rule_creation(const struct comparison *c, struct claim *cl, int arg)
{
	static const char *const one[] = {"a process", "a thread",
					  "a coroutine"};
	enum cmp_model ms[NCONCURRENT];
	size_t n = present(c, CMP_SPAWN_PER_TASK, ms);

	(void)arg;
	if (n >= 2) {
		say(cl, "In the spawn phases, creating a task took");
		for (size_t i = 0; i < n; i++) {
			enum cmp_model m = ms[i];

			say(cl, "%s %s as %s",
			    i ? (i + 1 == n ? " and" : ",") : "",
			    fig(cl, c, CMP_SPAWN_PER_TASK, m), one[m]);
			if (has(c, m, CMP_CHILD_FAULTS))
				say(cl, " (%s page faults)",
				    fig(cl, c, CMP_CHILD_FAULTS, m));
		}
		for (size_t i = 0; i + 1 < n; i++) {
			enum cmp_order o = compare_order(c, CMP_SPAWN_PER_TASK,
							 ms[i], ms[i + 1]);

			say(cl, "%s", i ? "," : ":");
			if (o == CMP_ABOVE) {
				say(cl, " %s cost more than %s", name(ms[i]),
				    name(ms[i + 1]));
				say_ratio(
					cl, med(c, ms[i], CMP_SPAWN_PER_TASK),
					med(c, ms[i + 1], CMP_SPAWN_PER_TASK));
			} else if (o == CMP_BELOW) {
				say(cl,
				    " %s cost less than %s, against the "
				    "expected order",
				    name(ms[i]), name(ms[i + 1]));
			} else {
				say(cl, " %s and %s too close to call",
				    name(ms[i]), name(ms[i + 1]));
			}
		}
		say(cl, ".");
		return;
	}
	/* no spawn phases: what the scheduler saw of each creation */
	n = 0;
	for (size_t i = 0; i < 2; i++)
		if (has(c, concurrent[i], CMP_FORK_RUN))
			ms[n++] = concurrent[i];
	if (!n)
		return;
	say(cl, "From fork to first run ");
	for (size_t i = 0; i < n; i++) {
		enum cmp_model m = ms[i];

		say(cl, "%s%s %s%s", i ? ", a " : "a ",
		    m == CMP_PROCESSES ? "process" : "thread", i ? "" : "took ",
		    fig(cl, c, CMP_FORK_RUN, m));
		if (!i)
			say(cl, " on average");
		if (has(c, m, CMP_CHILD_FAULTS))
			say(cl, " (%s page faults each)",
			    fig(cl, c, CMP_CHILD_FAULTS, m));
	}
	if (n == 2) {
		enum cmp_order o = compare_order(c, CMP_FORK_RUN, CMP_PROCESSES,
						 CMP_THREADS);

		if (o == CMP_ABOVE) {
			say(cl, ": processes cost more");
			say_ratio(cl, med(c, CMP_PROCESSES, CMP_FORK_RUN),
				  med(c, CMP_THREADS, CMP_FORK_RUN));
			say(cl, ", as expected");
		} else if (o == CMP_BELOW)
			say(cl, ": threads cost more, against the expected "
				"order");
		else
			say(cl, ": too close to call");
	}
	if (has(c, CMP_COROUTINES, CMP_CREATED))
		say(cl, "; the coroutine run had the kernel create %s tasks",
		    fig(cl, c, CMP_CREATED, CMP_COROUTINES));
	say(cl, ".");
}

/* Coroutine switches happen in user space, where the kernel does not
 * see them. */
static void rule_user_switches(const struct comparison *c, struct claim *cl,
			       int arg)
{
	const enum cmp_model co = CMP_COROUTINES;

	(void)arg;
	if (!has(c, co, CMP_USER_SWITCHES) ||
	    med(c, co, CMP_USER_SWITCHES) <= 0)
		return;
	say(cl,
	    "The coroutine run made %s switches in user space; the kernel saw "
	    "%s context switch%s of it",
	    fig(cl, c, CMP_USER_SWITCHES, co), fig(cl, c, CMP_SWITCHES, co),
	    med(c, co, CMP_SWITCHES) == 1 ? "" : "es");
	if (has(c, CMP_THREADS, CMP_SWITCHES) &&
	    has(c, CMP_PROCESSES, CMP_SWITCHES)) {
		enum cmp_order o = compare_order(c, CMP_SWITCHES, CMP_PROCESSES,
						 CMP_THREADS);

		say(cl, ", against %s for threads and %s for processes",
		    fig(cl, c, CMP_SWITCHES, CMP_THREADS),
		    fig(cl, c, CMP_SWITCHES, CMP_PROCESSES));
		if (o == CMP_CLOSE)
			say(cl, " (too close to call)");
		else if (o == CMP_ABOVE)
			say(cl, " (more for processes, as expected)");
		else
			say(cl, " (more for threads, against the expected "
				"order)");
	} else if (has(c, CMP_THREADS, CMP_SWITCHES))
		say(cl, ", against %s for threads",
		    fig(cl, c, CMP_SWITCHES, CMP_THREADS));
	say(cl, ".");
}

/* Where switching is the job (a switch every few µs), the wall time per
 * kernel switch is what one costs: a process switch also changes the
 * address space, which costs little where the CPU tags TLB entries with
 * it (PCID, ASID) and need not flush them. */
static void rule_switch_cost(const struct comparison *c, struct claim *cl,
			     int arg)
{
	const enum cmp_model p = CMP_PROCESSES, t = CMP_THREADS;
	enum cmp_order o;

	(void)arg;
	if (!has(c, p, CMP_WALL_PER_SWITCH) || !has(c, t, CMP_WALL_PER_SWITCH))
		return;
	/* below 50 µs a switch, the switches are most of the run */
	if (med(c, p, CMP_WALL_PER_SWITCH) > 50000 ||
	    med(c, t, CMP_WALL_PER_SWITCH) > 50000)
		return;
	o = compare_order(c, CMP_WALL_PER_SWITCH, p, t);
	if (o == CMP_CLOSE) {
		say(cl,
		    "Processes and threads switched at nearly the same cost: "
		    "%s and %s of wall time per kernel switch (%s and %s "
		    "switches, ",
		    fig(cl, c, CMP_WALL_PER_SWITCH, p),
		    fig(cl, c, CMP_WALL_PER_SWITCH, t),
		    fig(cl, c, CMP_SWITCHES, p), fig(cl, c, CMP_SWITCHES, t));
		say_margin(cl, c);
		say(cl, "): a process switch also changes the address space, "
			"which flushes nothing where the CPU tags TLB entries "
			"with it (PCID, ASID), and these figures show no price "
			"for it.");
	} else if (o == CMP_ABOVE) {
		say(cl,
		    "A process switch cost more than a thread switch: %s "
		    "against %s of wall time per kernel switch (%s and %s "
		    "switches)",
		    fig(cl, c, CMP_WALL_PER_SWITCH, p),
		    fig(cl, c, CMP_WALL_PER_SWITCH, t),
		    fig(cl, c, CMP_SWITCHES, p), fig(cl, c, CMP_SWITCHES, t));
		say_ratio(cl, med(c, p, CMP_WALL_PER_SWITCH),
			  med(c, t, CMP_WALL_PER_SWITCH));
		say(cl, ": the change of address space and the caches and TLB "
			"entries it leaves cold.");
	} else if (o == CMP_BELOW) {
		say(cl,
		    "Against the expected order, a thread switch cost more "
		    "than a process switch: %s against %s of wall time per "
		    "kernel switch (%s and %s switches); the address-space "
		    "change costs processes little here, so what differs is "
		    "the work between switches.",
		    fig(cl, c, CMP_WALL_PER_SWITCH, t),
		    fig(cl, c, CMP_WALL_PER_SWITCH, p),
		    fig(cl, c, CMP_SWITCHES, t), fig(cl, c, CMP_SWITCHES, p));
	}
}

/* Waits on a lock word in futex: where they are most of a run's blocked
 * time, the lock, not the scheduler, set its pace. That it held the run
 * back is claimed only where a model with fewer lock waits kept more CPUs
 * busy. */
static void rule_locks(const struct comparison *c, struct claim *cl, int arg)
{
	enum cmp_model worst = CMP_NMODELS, others[CMP_NMODELS];
	enum cmp_model freer = CMP_NMODELS;
	double wait, off;
	size_t n = 0;
	char b[64];

	(void)arg;
	for (int m = 0; m < CMP_NMODELS; m++)
		if (has(c, m, CMP_LOCK_WAIT) &&
		    (worst == CMP_NMODELS ||
		     med(c, m, CMP_LOCK_WAIT) > med(c, worst, CMP_LOCK_WAIT)))
			worst = m;
	if (worst == CMP_NMODELS || !has(c, worst, CMP_OFFCPU))
		return;
	wait = med(c, worst, CMP_LOCK_WAIT);
	off = med(c, worst, CMP_OFFCPU);
	if (!off || wait < 0.05 * med(c, worst, CMP_WALL))
		return;
	say(cl, "%s %s %s in %s futex lock waits, ",
	    capital(b, sizeof(b), name(worst)),
	    wait >= 0.5 * off ? "were held up by locks:" : "spent",
	    fig(cl, c, CMP_LOCK_WAIT, worst),
	    fig(cl, c, CMP_LOCK_WAITS, worst));
	say(cl, "%.0f%% of their %s off-CPU", 100 * wait / off,
	    fig(cl, c, CMP_OFFCPU, worst));
	for (size_t i = 0; i < NCONCURRENT; i++)
		if (concurrent[i] != worst &&
		    med(c, concurrent[i], CMP_LOCK_WAIT) < 0.5 * wait &&
		    compare_order(c, CMP_BUSY, concurrent[i], worst) ==
			    CMP_ABOVE &&
		    (freer == CMP_NMODELS ||
		     med(c, concurrent[i], CMP_BUSY) > med(c, freer, CMP_BUSY)))
			freer = concurrent[i];
	if (wait >= 0.5 * off && freer != CMP_NMODELS)
		say(cl, ", so they kept only %s CPUs busy where %s kept %s",
		    fig(cl, c, CMP_BUSY, worst), name(freer),
		    fig(cl, c, CMP_BUSY, freer));
	/* coroutines last: what they wait in is said after their figure */
	for (int m = 0; m < CMP_NMODELS; m++)
		if (m != (int)worst && m != CMP_COROUTINES &&
		    has(c, m, CMP_LOCK_WAIT))
			others[n++] = m;
	if (worst != CMP_COROUTINES && has(c, CMP_COROUTINES, CMP_LOCK_WAIT))
		others[n++] = CMP_COROUTINES;
	for (size_t i = 0; i < n; i++)
		say(cl, "%s%s for %s",
		    i ? (i + 1 == n ? " and " : ", ") : "; against ",
		    fig(cl, c, CMP_LOCK_WAIT, others[i]), name(others[i]));
	if (n && others[n - 1] == CMP_COROUTINES &&
	    med(c, CMP_COROUTINES, CMP_LOCK_WAIT) < 0.1 * wait &&
	    med(c, CMP_COROUTINES, CMP_USER_SWITCHES) > 0)
		say(cl, ", which wait inside their runtime, where the kernel "
			"sees no wait");
	say(cl, ".");
}

/* Runs whose figures are less than exact, or were left out. */
static void rule_quality(const struct comparison *c, struct claim *cl, int arg)
{
	bool first = true;

	(void)arg;
	for (int m = 0; m < CMP_NMODELS; m++) {
		const struct cmp_model_runs *mr = &c->model[m];

		if (mr->excluded) {
			say(cl,
			    "%s%s of %s left out: the trace is incomplete or "
			    "the workload failed",
			    first ? "" : "; ",
			    fig_value(cl, "excluded_runs", m,
				      (double)mr->excluded),
			    mr->workload);
			first = false;
		}
		if (has(c, m, CMP_DROPPED) &&
		    compare_stat(c, m, CMP_DROPPED)->max > 0) {
			say(cl,
			    "%s%s lost %s events to a full ring buffer (the "
			    "median run): its counts stay exact, its latency "
			    "percentiles come from histograms",
			    first ? "" : "; ", mr->workload,
			    fig(cl, c, CMP_DROPPED, m));
			first = false;
		}
	}
	if (!first)
		say(cl, ".");
}

struct rule {
	const char *name;
	void (*fn)(const struct comparison *c, struct claim *cl, int arg);
	int arg;
};

/* In the order they speak: the verdict, the orders, the exceptions and
 * what explains them, then the data's own health. */
static const struct rule rules[] = {
	{"cheapest", rule_cheapest, 0},
	{"order_wall", rule_order, CMP_WALL},
	{"order_oncpu", rule_order, CMP_ONCPU},
	{"order_switches", rule_order, CMP_SWITCHES},
	{"inversion", rule_inversion, 0},
	{"cpu_bound", rule_cpu_bound, 0},
	{"io_bound", rule_io_bound, 0},
	{"creation", rule_creation, 0},
	{"user_switches", rule_user_switches, 0},
	{"switch_cost", rule_switch_cost, 0},
	{"locks", rule_locks, 0},
	{"quality", rule_quality, 0},
};

/* Evidence in the order the text shows it (the arguments of one say()
 * are cited in no set order); equal values keep the order cited. */
static void order_evidence(struct claim *cl)
{
	size_t at[EXPLAIN_MAX_EVIDENCE];

	for (size_t i = 0; i < cl->nev; i++) {
		const char *p = strstr(cl->text, cl->ev[i].shown);

		at[i] = p ? (size_t)(p - cl->text) : SIZE_MAX;
	}
	for (size_t i = 1; i < cl->nev; i++)
		for (size_t j = i; j > 0 && at[j] < at[j - 1]; j--) {
			struct evidence t = cl->ev[j];
			size_t a = at[j];

			cl->ev[j] = cl->ev[j - 1];
			cl->ev[j - 1] = t;
			at[j] = at[j - 1];
			at[j - 1] = a;
		}
}

int explain(const struct comparison *c, struct explanation *e)
{
	const size_t nrules = sizeof(rules) / sizeof(rules[0]);

	e->n = 0;
	e->claims = calloc(nrules, sizeof(*e->claims));
	if (!e->claims)
		return -1;
	for (size_t i = 0; i < nrules; i++) {
		struct claim *cl = &e->claims[e->n];

		memset(cl, 0, sizeof(*cl));
		cl->rule = rules[i].name;
		rules[i].fn(c, cl, rules[i].arg);
		if (!cl->text[0])
			continue;
		order_evidence(cl);
		e->n++;
	}
	return 0;
}

void explain_free(struct explanation *e)
{
	free(e->claims);
	e->claims = NULL;
	e->n = 0;
}

const struct claim *explain_find(const struct explanation *e, const char *rule)
{
	for (size_t i = 0; i < e->n; i++)
		if (!strcmp(e->claims[i].rule, rule))
			return &e->claims[i];
	return NULL;
}
