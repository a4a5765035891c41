/* explain.c - the explanation's rules that hold for every scenario. Each
 * rule is one function over the comparison that makes one claim or none,
 * through claim.h; the scenario's own lesson is explain_lessons.c's. The
 * rules table at the end says which run, in which order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/claim.h"
#include "analyzer/explain_rules.h"
#include "analyzer/compare.h"
#include "analyzer/explain.h"
#include "analyzer/explain_wakeups.h"
#include "analyzer/offcpu.h"

#define NCONC CLAIM_NCONCURRENT
#define med   claim_med
#define has   claim_has
#define fig   claim_fig
#define name  claim_name
#define say   claim_say

/* Every model that ran did the same work: the same operations, where
 * the workload counted them. Totals (wall time, on-CPU time, switches)
 * are compared only then. */
static bool same_work(const struct comparison *c)
{
	const struct cmp_stat *first = NULL;

	for (int m = 0; m < CMP_NMODELS; m++) {
		const struct cmp_stat *s = compare_stat(c, m, CMP_OPS);

		if (!s)
			continue;
		if (s->min != s->max || (first && s->median != first->median))
			return false;
		first = s;
	}
	return true;
}

/* The scenario's cost: its lesson's metric, where every concurrent
 * model that ran has it; wall time otherwise, when the work was the
 * same. CMP_NMETRICS: nothing to rank by. */
static enum cmp_metric cost_of(const struct comparison *c, const char **per)
{
	const struct explain_lesson *l = explain_lesson(c->scenario);
	enum cmp_model ms[NCONC];

	*per = NULL;
	if (l && l->cost == CMP_NMETRICS)
		return CMP_NMETRICS;
	if (l && claim_present(c, l->cost, ms) >= 2) {
		*per = l->per;
		return l->cost;
	}
	return same_work(c) ? CMP_WALL : CMP_NMETRICS;
}

/* ---- the rules ---- */

/* Which concurrent model measured cheapest by the scenario's own cost:
 * the one below every other beyond the margin, else none. */
static void rule_cheapest(const struct comparison *c, struct claim *cl, int arg)
{
	const char *per;
	enum cmp_metric m = cost_of(c, &per);
	enum cmp_model ms[NCONC];
	size_t n = m == CMP_NMETRICS ? 0 : claim_present(c, m, ms);
	bool apart = true;
	char b[64];

	(void)arg;
	if (n < 2)
		return;
	claim_sort_up(c, m, ms, n);
	for (size_t i = 1; i < n; i++)
		apart &= claim_order(cl, c, m, ms[0], ms[i]) == CMP_BELOW;
	if (!apart) {
		size_t k = 0;

		say(cl,
		    "No model measured clearly cheapest by %s%s: %s had the "
		    "lowest, %s, too close to call against ",
		    per ? "the time per " : compare_metric(m)->label,
		    per ? per : "", name(ms[0]), fig(cl, c, m, ms[0]));
		for (size_t i = 1; i < n; i++)
			if (compare_order(c, m, ms[0], ms[i]) == CMP_CLOSE)
				say(cl, "%s%s %s", k++ ? " and " : "",
				    name(ms[i]), fig(cl, c, m, ms[i]));
		for (size_t i = 1; i < n; i++)
			if (compare_order(c, m, ms[0], ms[i]) != CMP_CLOSE)
				say(cl, "; %s %s is above it", name(ms[i]),
				    fig(cl, c, m, ms[i]));
		say(cl, "%s",
		    compare_has_spread(c)
			    ? "."
			    : "; --repeat 5 would measure the spread.");
		return;
	}
	fig(cl, c, m, ms[0]);
	say(cl, "%s measured cheapest by %s%s: %s against ",
	    claim_capital(b, sizeof(b), name(ms[0])),
	    per ? "the time per " : compare_metric(m)->label, per ? per : "",
	    fig(cl, c, m, ms[0]));
	for (size_t i = 1; i < n; i++)
		say(cl, "%s%s for %s",
		    i == 1 ? "" : (i + 1 == n ? " and " : ", "),
		    fig(cl, c, m, ms[i]), name(ms[i]));
	say(cl, ".");
}

/* A metric's measured order against the expected one: processes cost
 * most, then threads, then coroutines; every pair judged. Totals only
 * where every model did the same work. */
static void rule_order(const struct comparison *c, struct claim *cl, int arg)
{
	enum cmp_metric m = (enum cmp_metric)arg;
	enum cmp_model ms[NCONC];
	size_t n = claim_present(c, m, ms);
	bool any = false, against;
	char b[64];

	const struct explain_lesson *l = explain_lesson(c->scenario);

	if (n < 2 || !same_work(c))
		return;
	/* a job whose wall time its sleeps set (daemon), or whose cost the
	 * headline ranked by another figure */
	if (m == CMP_WALL && l &&
	    ((l->cost == CMP_NMETRICS && !l->cpu_bound) ||
	     (l->cost != CMP_NMETRICS && l->cost != CMP_WALL)))
		return;
	/* rule_user_switches sets the kernel's switches beside the
	 * coroutines' own */
	if (m == CMP_SWITCHES && med(c, CMP_COROUTINES, CMP_USER_SWITCHES) > 0)
		return;
	for (size_t i = 0; i < n; i++)
		any |= med(c, ms[i], m) > 0;
	if (!any)
		return;
	say(cl, "%s:", claim_capital(b, sizeof(b), compare_metric(m)->label));
	against = claim_ranking(cl, c, m, ms, n);
	/* an order as expected, or none, restates the table: the headline
	 * and the lesson say why; only an exception is worth its line */
	if (!against) {
		cl->text[0] = '\0';
		cl->nev = cl->nrel = 0;
		return;
	}
	/* every pair apart the wrong way round, grouped by the higher */
	say(cl, "; against the expected order,");
	for (int hi = CMP_NMODELS - 1, k = 0; hi >= 0; hi--) {
		size_t below = 0;

		for (size_t i = 0; i < cl->nrel; i++) {
			const struct relation *r = &cl->rel[i];
			int up = r->order == CMP_ABOVE ? r->a : r->b,
			    lo = r->order == CMP_ABOVE ? r->b : r->a;

			if (r->kind != RELATION_ORDER ||
			    r->order == CMP_CLOSE || up != hi ||
			    claim_expected_rank(up) <= claim_expected_rank(lo))
				continue;
			if (!below++)
				say(cl, "%s %s above ", k++ ? " and" : "",
				    name(hi));
			else
				say(cl, " and ");
			say(cl, "%s", name(lo));
		}
	}
	say(cl, ".");
}

/* Coroutines on a CPU-bound job with more than one CPU: one thread runs
 * them all, so threads and processes, which can use every CPU, should
 * win. Says whether they did and, where not, what the trace shows held
 * them back. CPU-bound: the scenario's job is computation, one thread
 * doing all of it was on a CPU most of the run, and creating the tasks
 * was not most of it. */
static void rule_cpu_bound(const struct comparison *c, struct claim *cl,
			   int arg)
{
	const struct explain_lesson *l = explain_lesson(c->scenario);
	const enum cmp_model co = CMP_COROUTINES;
	enum cmp_model par = CMP_NMODELS;
	enum cmp_order o;

	(void)arg;
	if (!l || !l->cpu_bound || !has(c, co, CMP_BUSY) ||
	    (med(c, co, CMP_BUSY) < 0.7 && med(c, CMP_SERIAL, CMP_BUSY) < 0.7))
		return;
	for (int m = CMP_THREADS; m >= CMP_PROCESSES; m--)
		if (has(c, m, CMP_WALL) && has(c, m, CMP_BUSY) &&
		    (par == CMP_NMODELS ||
		     med(c, m, CMP_WALL) < med(c, par, CMP_WALL)))
			par = m;
	/* the same work in every model: its CPU time, not the model's
	 * overhead, is what the models share out */
	if (par == CMP_NMODELS ||
	    med(c, par, CMP_ONCPU) > 2 * med(c, co, CMP_ONCPU) ||
	    med(c, par, CMP_SPAWN) > 0.25 * med(c, par, CMP_WALL) ||
	    med(c, co, CMP_SPAWN) > 0.25 * med(c, co, CMP_WALL))
		return;
	if (c->cpus < 2) {
		say(cl,
		    "With %s usable CPU nothing runs in parallel: the "
		    "CPU-bound job took %s as coroutines and %s as %s, on-CPU "
		    "%s and %s.",
		    claim_cpus(cl, c), fig(cl, c, CMP_WALL, co),
		    fig(cl, c, CMP_WALL, par), name(par),
		    fig(cl, c, CMP_ONCPU, co), fig(cl, c, CMP_ONCPU, par));
		return;
	}
	o = claim_order(cl, c, CMP_WALL, co, par);
	if (o == CMP_ABOVE && med(c, par, CMP_BUSY) >= 1.2) {
		say(cl,
		    "On %s CPUs coroutines lost the CPU-bound race: %s against "
		    "%s for %s, because one thread runs them all: they kept "
		    "%s CPUs busy, %s kept %s. Pinned to one CPU (--cpu 0) "
		    "%s could not run in parallel either.",
		    claim_cpus(cl, c), fig(cl, c, CMP_WALL, co),
		    fig(cl, c, CMP_WALL, par), name(par),
		    fig(cl, c, CMP_BUSY, co), name(par),
		    fig(cl, c, CMP_BUSY, par), name(par));
		/* and more work, where the coroutines' switches added some */
		if (claim_order(cl, c, CMP_ONCPU, co, par) == CMP_ABOVE &&
		    med(c, co, CMP_USER_SWITCHES) > 0) {
			say(cl,
			    " Coroutines also needed more CPU, %s against %s, "
			    "with %s switches in user space",
			    fig(cl, c, CMP_ONCPU, co),
			    fig(cl, c, CMP_ONCPU, par),
			    fig(cl, c, CMP_USER_SWITCHES, co));
			if (claim_order(cl, c, CMP_WALL, co, CMP_SERIAL) ==
			    CMP_ABOVE)
				say(cl,
				    ": the serial run, on one thread too, "
				    "took %s",
				    fig(cl, c, CMP_WALL, CMP_SERIAL));
			say(cl, ".");
		}
		return;
	}
	if (o == CMP_ABOVE) {
		say(cl,
		    "Coroutines lost the CPU-bound race, %s against %s for "
		    "%s, but not to parallelism: %s kept only %s CPUs busy "
		    "too, and coroutines needed %s on-CPU against %s",
		    fig(cl, c, CMP_WALL, co), fig(cl, c, CMP_WALL, par),
		    name(par), name(par), fig(cl, c, CMP_BUSY, par),
		    fig(cl, c, CMP_ONCPU, co), fig(cl, c, CMP_ONCPU, par));
		if (med(c, co, CMP_USER_SWITCHES) > 0)
			say(cl,
			    ", with %s switches in user space where %s made "
			    "none",
			    fig(cl, c, CMP_USER_SWITCHES, co), name(par));
		say(cl, ".");
		return;
	}
	say(cl,
	    "On %s CPUs coroutines should lose a CPU-bound race (they kept "
	    "%s CPUs busy), yet %s took %s against their %s, %s",
	    claim_cpus(cl, c), fig(cl, c, CMP_BUSY, co), name(par),
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
		/* a sum over threads, said beside the CPUs kept busy and
		 * never as a share of the wall time */
		say(cl,
		    ": its threads waited %s in all for locks and kept only "
		    "%s CPUs busy: the lock let one run at a time.",
		    fig(cl, c, CMP_LOCK_WAIT, par), fig(cl, c, CMP_BUSY, par));
	else if (med(c, par, CMP_RUNQ_WAIT) >= 0.25 * med(c, par, CMP_WALL))
		/* runnable tasks and a CPU not running them: it ran others */
		say(cl,
		    ": %s kept only %s of %s CPUs busy while their tasks "
		    "waited %s in all runnable, so the CPUs ran other work "
		    "meanwhile; on an idle machine they would use all %s.",
		    name(par), fig(cl, c, CMP_BUSY, par), claim_cpus(cl, c),
		    fig(cl, c, CMP_RUNQ_WAIT, par), claim_cpus(cl, c));
	else
		say(cl,
		    ": %s kept only %s CPUs busy, with %s of lock waits and "
		    "%s in the run queue; the trace does not show why.",
		    name(par), fig(cl, c, CMP_BUSY, par),
		    fig(cl, c, CMP_LOCK_WAIT, par),
		    fig(cl, c, CMP_RUNQ_WAIT, par));
}

/* A cheaper model that took longer than a costlier one, same work: the
 * figures in which it measured more than the other beyond the margin.
 * Times count only where the difference is a tenth of the difference in
 * wall time or more, largest first; counts follow; fewer CPUs kept busy
 * closes it. Coroutines losing a CPU-bound race are rule_cpu_bound's. */
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
	const struct explain_lesson *l = explain_lesson(c->scenario);
	enum cmp_model hi = CMP_NMODELS, lo = CMP_NMODELS;
	enum cmp_metric found[sizeof(why) / sizeof(why[0])];
	bool cpu_bound = l && l->cpu_bound &&
			 (med(c, CMP_COROUTINES, CMP_BUSY) >= 0.7 ||
			  med(c, CMP_SERIAL, CMP_BUSY) >= 0.7);
	double late;
	size_t n = 0;
	char b[64];

	(void)arg;
	/* a job whose wall time its sleeps set (daemon) has no order */
	if (!same_work(c) || (l && l->cost == CMP_NMETRICS && !l->cpu_bound))
		return;
	/* the first pair out of order: hi expected cheaper than lo */
	for (size_t i = 1; i < NCONC && hi == CMP_NMODELS; i++)
		for (size_t j = 0; j < i; j++) {
			if (cpu_bound && claim_concurrent[i] == CMP_COROUTINES)
				continue;
			if (claim_expected_rank(claim_concurrent[i]) >
				    claim_expected_rank(claim_concurrent[j]) &&
			    compare_order(c, CMP_WALL, claim_concurrent[i],
					  claim_concurrent[j]) == CMP_ABOVE) {
				hi = claim_concurrent[i];
				lo = claim_concurrent[j];
				break;
			}
		}
	if (hi == CMP_NMODELS)
		return;
	claim_order(cl, c, CMP_WALL, hi, lo);
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
	    claim_capital(b, sizeof(b), name(hi)), name(lo),
	    fig(cl, c, CMP_WALL, hi), fig(cl, c, CMP_WALL, lo));
	for (size_t k = 0; k < n && k < 3; k++) {
		if (!k)
			say(cl, "; %s measured more:", name(hi));
		claim_order(cl, c, found[k], hi, lo);
		say(cl, "%s %s %s against %s", k ? "," : "",
		    compare_metric(found[k])->label, fig(cl, c, found[k], hi),
		    fig(cl, c, found[k], lo));
		claim_ratio(cl, c, found[k], hi, lo);
	}
	if (claim_order(cl, c, CMP_BUSY, hi, lo) == CMP_BELOW)
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
 * overlap, whichever model overlaps them. "Mostly waits": the serial
 * run kept under half a CPU busy (its on-CPU time against its wall
 * time); its blocked time is a sum over threads, named by reason only. */
static void rule_io_bound(const struct comparison *c, struct claim *cl, int arg)
{
	enum cmp_model ms[NCONC], best;
	enum offcpu_reason top = OFFCPU_UNKNOWN;
	size_t n = claim_present(c, CMP_WALL, ms);

	(void)arg;
	if (!n || !has(c, CMP_SERIAL, CMP_BUSY) ||
	    med(c, CMP_SERIAL, CMP_BUSY) >= 0.5 || !same_work(c))
		return;
	claim_sort_up(c, CMP_WALL, ms, n);
	best = ms[0];
	if (claim_order(cl, c, CMP_WALL, best, CMP_SERIAL) != CMP_BELOW)
		return;
	for (int r = 0; r < OFFCPU_NREASONS; r++)
		if (top == OFFCPU_UNKNOWN ||
		    med(c, CMP_SERIAL, CMP_OFFCPU_REASON + r) >
			    med(c, CMP_SERIAL, CMP_OFFCPU_REASON + top))
			top = r;
	say(cl,
	    "The job mostly waits: serially it took %s and kept only %s CPUs "
	    "busy, its threads blocked mostly in %s (%s in all); "
	    "concurrently the waits overlap and %s took %s",
	    fig(cl, c, CMP_WALL, CMP_SERIAL), fig(cl, c, CMP_BUSY, CMP_SERIAL),
	    offcpu_reason_label(top),
	    fig(cl, c, CMP_OFFCPU_REASON + top, CMP_SERIAL), name(best),
	    fig(cl, c, CMP_WALL, best));
	claim_ratio(cl, c, CMP_WALL, CMP_SERIAL, best);
	if (n > 1) {
		say(cl, "; ");
		for (size_t i = 1; i < n; i++)
			say(cl, "%s%s %s",
			    i == 1 ? "" : (i + 1 == n ? " and " : ", "),
			    name(ms[i]), fig(cl, c, CMP_WALL, ms[i]));
		if (claim_order(cl, c, CMP_WALL, ms[n - 1], best) == CMP_CLOSE)
			say(cl, ", too close to call: %s",
			    has(c, CMP_COROUTINES, CMP_WALL)
				    ? "coroutines on one thread keep up, "
				      "since waiting needs no CPU"
				    : "waiting needs no CPU");
	}
	say(cl, ".");
}

/* What creating a task cost each model: the time in the workload's spawn
 * phases per task, else the kernel's fork-to-first-run latency. */
static void rule_creation(const struct comparison *c, struct claim *cl, int arg)
{
	static const char *const one[CMP_NMODELS] = {
		[CMP_PROCESSES] = "a process",
		[CMP_THREADS] = "a thread",
		[CMP_EVENTS] = "a state machine",
		[CMP_COROUTINES] = "a coroutine",
	};
	const struct explain_lesson *l = explain_lesson(c->scenario);
	enum cmp_model ms[NCONC];
	size_t n = claim_present(c, CMP_SPAWN_PER_TASK, ms);
	bool few = true;

	(void)arg;
	/* creation is spawn's headline and lesson already; with a task or
	 * two, the spawn phase is mostly the runtime's one-off setup */
	if (l && l->cost == CMP_SPAWN_PER_TASK)
		return;
	for (size_t i = 0; i < n; i++)
		few &= med(c, ms[i], CMP_TASKS) < 4;
	if (n >= 2 && few)
		return;
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
		say(cl, ": ");
		claim_costs(cl, c, CMP_SPAWN_PER_TASK, ms, n);
		say(cl,
		    ": a process is a fork, which copies the parent's page "
		    "tables and faults in what the child touches, a thread "
		    "shares the address space and needs a stack and a kernel "
		    "task, a coroutine no kernel task, only a stack (mapped, "
		    "or reused from a pool)%s.",
		    has(c, CMP_EVENTS, CMP_SPAWN_PER_TASK)
			    ? ", a state machine not even a stack: a timer "
			      "set in user space starts it"
			    : "");
		return;
	}
	/* no spawn phases: what the scheduler saw of each creation */
	n = 0;
	for (size_t i = 0; i < 2; i++)
		if (has(c, claim_concurrent[i], CMP_FORK_RUN))
			ms[n++] = claim_concurrent[i];
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
		enum cmp_order o = claim_order(cl, c, CMP_FORK_RUN,
					       CMP_PROCESSES, CMP_THREADS);

		if (o == CMP_ABOVE) {
			say(cl, ": processes cost more");
			claim_ratio(cl, c, CMP_FORK_RUN, CMP_PROCESSES,
				    CMP_THREADS);
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
	/* with an events run the lesson sets them against its callbacks */
	if (!has(c, co, CMP_USER_SWITCHES) ||
	    med(c, co, CMP_USER_SWITCHES) <= 0 ||
	    has(c, CMP_EVENTS, CMP_DISPATCHES))
		return;
	say(cl,
	    "The coroutine run made %s switches in user space; the kernel saw "
	    "%s context switch%s of it",
	    fig(cl, c, CMP_USER_SWITCHES, co), fig(cl, c, CMP_SWITCHES, co),
	    med(c, co, CMP_SWITCHES) == 1 ? "" : "es");
	if (has(c, CMP_THREADS, CMP_SWITCHES) && same_work(c)) {
		say(cl, ", against %s for threads",
		    fig(cl, c, CMP_SWITCHES, CMP_THREADS));
		if (has(c, CMP_PROCESSES, CMP_SWITCHES))
			say(cl, " and %s for processes",
			    fig(cl, c, CMP_SWITCHES, CMP_PROCESSES));
		say(cl, ", whose every wait and wakeup is a kernel switch");
	}
	say(cl, ".");
}

/* Waits on a lock word in futex: where they are most of a run's blocked
 * time, the lock, not the scheduler, set its pace. That it held the run
 * back is claimed only where a model with fewer lock waits kept more CPUs
 * busy. */
static void rule_locks(const struct comparison *c, struct claim *cl, int arg)
{
	const struct explain_lesson *l = explain_lesson(c->scenario);
	enum cmp_model worst = CMP_NMODELS, others[CMP_NMODELS];
	enum cmp_model freer = CMP_NMODELS;
	double wait, off;
	size_t n = 0;
	char b[64];

	(void)arg;
	/* a word handed back and forth, or a start gate, is waited on as a
	 * lock is, but no lock: the lesson says what the job waits for */
	if (l && l->no_lock)
		return;
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
	    claim_capital(b, sizeof(b), name(worst)),
	    wait >= 0.5 * off ? "were held up by locks:" : "spent",
	    fig(cl, c, CMP_LOCK_WAIT, worst),
	    fig(cl, c, CMP_LOCK_WAITS, worst));
	say(cl, "%s of the %s their threads spent off-CPU",
	    claim_share(cl, c, CMP_LOCK_WAIT, worst, CMP_OFFCPU, worst),
	    fig(cl, c, CMP_OFFCPU, worst));
	for (size_t i = 0; i < NCONC; i++) {
		enum cmp_model m = claim_concurrent[i];

		if (m != worst && med(c, m, CMP_LOCK_WAIT) < 0.5 * wait &&
		    compare_order(c, CMP_BUSY, m, worst) == CMP_ABOVE &&
		    (freer == CMP_NMODELS ||
		     med(c, m, CMP_BUSY) > med(c, freer, CMP_BUSY)))
			freer = m;
	}
	if (wait >= 0.5 * off && freer != CMP_NMODELS) {
		claim_order(cl, c, CMP_BUSY, freer, worst);
		say(cl, ", so they kept only %s CPUs busy where %s kept %s",
		    fig(cl, c, CMP_BUSY, worst), name(freer),
		    fig(cl, c, CMP_BUSY, freer));
	}
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

/* rusage splits a task's CPU time into user and system by where the
 * scheduler tick found it: for many short tasks a sample, which the
 * table's CPU user and CPU system rows show as if measured. */
static void rule_cpu_split(const struct comparison *c, struct claim *cl,
			   int arg)
{
	enum cmp_model most = CMP_NMODELS;

	(void)arg;
	for (int m = 0; m < CMP_NMODELS; m++)
		if (has(c, m, CMP_CREATED) && has(c, m, CMP_USER) &&
		    (most == CMP_NMODELS ||
		     med(c, m, CMP_CREATED) > med(c, most, CMP_CREATED)))
			most = m;
	if (most == CMP_NMODELS || med(c, most, CMP_CREATED) < 100 ||
	    !c->info.tick_ns)
		return;
	say(cl,
	    "The CPU user and CPU system rows split CPU time by where the "
	    "scheduler tick (every %s) found each task, a sample that says "
	    "little of the %s tasks %s created if they live less than a "
	    "tick; on-CPU time, measured at every switch, is exact.",
	    claim_tick(cl, c), fig(cl, c, CMP_CREATED, most), name(most));
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
			    claim_value(cl, "excluded_runs", m,
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

/* The scenario's lesson (explain_lessons.c). */
static void rule_lesson(const struct comparison *c, struct claim *cl, int arg)
{
	const struct explain_lesson *l = explain_lesson(c->scenario);

	(void)arg;
	if (!l || !l->rule)
		return;
	cl->rule = l->rule_name;
	l->rule(c, cl);
}

/* In the order they speak: the verdict, the lesson, the orders, the
 * exceptions and what explains them, then the data's own health. */
static const struct explain_rule rules[] = {
	{"cheapest", rule_cheapest, 0},
	{"lesson", rule_lesson, 0},
	{"order_wall", rule_order, CMP_WALL},
	{"order_oncpu", rule_order, CMP_ONCPU},
	{"order_switches", rule_order, CMP_SWITCHES},
	{"inversion", rule_inversion, 0},
	{"cpu_bound", rule_cpu_bound, 0},
	{"io_bound", rule_io_bound, 0},
	{"creation", rule_creation, 0},
	{"user_switches", rule_user_switches, 0},
	{"cpu_split", rule_cpu_split, 0},
	{"locks", rule_locks, 0},
	{"conditions", explain_rule_conditions, 0},
	{"wakeups", explain_rule_wakeups, 0},
	{"preemptors", explain_rule_preemptors, 0},
	{"memory", explain_rule_memory, 0},
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

static void run_rule(const struct comparison *c, struct explanation *e,
		     const struct explain_rule *r)
{
	struct claim *cl = &e->claims[e->n];

	memset(cl, 0, sizeof(*cl));
	cl->rule = r->rule;
	r->fn(c, cl, r->arg);
	if (!cl->text[0])
		return;
	order_evidence(cl);
	e->n++;
}

int explain(const struct comparison *c, struct explanation *e)
{
	const size_t nrules = sizeof(rules) / sizeof(rules[0]);

	e->n = 0;
	e->claims = calloc(nrules + explain_free_nrules, sizeof(*e->claims));
	if (!e->claims)
		return -1;
	for (size_t i = 0; i < nrules; i++) {
		/* commands: the order-free rules before the data's health;
		 * free names expect no order, so only those speak */
		if (c->commands && rules[i].fn == rule_quality)
			for (size_t k = 0; k < explain_free_nrules; k++)
				run_rule(c, e, &explain_free_rules[k]);
		if (c->free_names && rules[i].fn != rule_quality)
			continue;
		run_rule(c, e, &rules[i]);
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
