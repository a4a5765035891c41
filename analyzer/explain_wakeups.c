/* explain_wakeups.c - who woke whom and who took the CPU, in the
 * explanation: every figure through claim.h. */
#include <stdio.h>
#include <string.h>
#include "analyzer/claim.h"
#include "analyzer/explain_wakeups.h"
#include "analyzer/safe_text.h"

#define med  claim_med
#define has  claim_has
#define fig  claim_fig
#define name claim_name
#define say  claim_say

/* The kernel models (processes, threads) that ran and woke each other. */
static size_t waking_models(const struct comparison *c, enum cmp_metric m,
			    enum cmp_model *out)
{
	size_t n = 0;

	for (size_t i = 0; i < CLAIM_NCONCURRENT; i++) {
		enum cmp_model k = claim_concurrent[i];

		if (k != CMP_COROUTINES && has(c, k, m) && med(c, k, m) > 0)
			out[n++] = k;
	}
	return n;
}

/* Some model spent 5% of its wall time in lock waits: its tasks hand a
 * lock to each other. */
static bool locks_matter(const struct comparison *c)
{
	for (int m = 0; m < CMP_NMODELS; m++)
		if (has(c, m, CMP_LOCK_WAIT) && has(c, m, CMP_WALL) &&
		    med(c, m, CMP_LOCK_WAIT) >= 0.05 * med(c, m, CMP_WALL))
			return true;
	return false;
}

/* A lock word handed to a sleeping waiter: how often, and how long the
 * woken waiter took to run (the busiest word's median). */
static void handoffs(const struct comparison *c, struct claim *cl)
{
	enum cmp_model ms[CLAIM_NCONCURRENT];
	size_t n = waking_models(c, CMP_HANDOFFS, ms);
	bool many = false;

	/* a hand-off or two is no pattern */
	for (size_t i = 0; i < n; i++)
		many |= med(c, ms[i], CMP_HANDOFFS) >= 10;
	if (!many)
		return;
	say(cl, "The lock was handed to a sleeping waiter ");
	for (size_t i = 0; i < n; i++)
		say(cl, "%s%s times for %s",
		    i ? (i + 1 == n ? " and " : ", ") : "",
		    fig(cl, c, CMP_HANDOFFS, ms[i]), name(ms[i]));
	for (size_t i = 0, k = 0; i < n; i++)
		if (has(c, ms[i], CMP_HANDOFF_P50))
			say(cl, "%s%s for %s",
			    k++ ? " and " : "; the woken waiter ran a median ",
			    fig(cl, c, CMP_HANDOFF_P50, ms[i]), name(ms[i]));
	say(cl, " after its wakeup: each hand-off costs a wakeup and a wait "
		"for a CPU, which a lock taken without waiting does not.");
}

void explain_rule_wakeups(const struct comparison *c, struct claim *cl, int arg)
{
	const struct explain_lesson *l = explain_lesson(c->scenario);
	const char *per = l && l->per ? l->per : "operation";
	enum cmp_model ms[CLAIM_NCONCURRENT];
	size_t n = waking_models(c, CMP_WAKEUPS_PER_OP, ms);
	/* the scenarios whose job is handing a token or an item on */
	bool per_op = l && l->per &&
		      (!strcmp(c->scenario, "pingpong") ||
		       !strcmp(c->scenario, "queue"));

	(void)arg;
	/* without a unit of work handed on, only where a lock is handed */
	if (!per_op) {
		if (locks_matter(c))
			handoffs(c, cl);
		return;
	}
	if (!n)
		return;
	say(cl, "Handing work on took ");
	for (size_t i = 0; i < n; i++) {
		say(cl, "%s%s", i ? (i + 1 == n ? " and " : ", ") : "",
		    fig(cl, c, CMP_WAKEUPS_PER_OP, ms[i]));
		if (!i)
			say(cl, " kernel wakeups per %s", per);
		say(cl, " for %s", name(ms[i]));
	}
	say(cl, " (only a sleeping task needs one)");
	for (size_t i = 0, k = 0; i < n; i++)
		if (has(c, ms[i], CMP_WAKE_LATENCY))
			say(cl, "%s%s for %s",
			    k++ ? ", " : "; the woken ran after ",
			    fig(cl, c, CMP_WAKE_LATENCY, ms[i]), name(ms[i]));
	say(cl, ".");
}

void explain_rule_conditions(const struct comparison *c, struct claim *cl,
			     int arg)
{
	enum cmp_model worst = CMP_NMODELS;
	char b[64];

	(void)arg;
	for (size_t i = 0; i < CLAIM_NCONCURRENT; i++) {
		enum cmp_model m = claim_concurrent[i];

		/* more waits than tasks: not a join each, which a trace
		 * without the tid words shows as a condition (locks.h);
		 * most of the time off-CPU */
		if (has(c, m, CMP_COND_WAIT) && has(c, m, CMP_OFFCPU) &&
		    has(c, m, CMP_TASKS) &&
		    med(c, m, CMP_COND_WAITS) > med(c, m, CMP_TASKS) &&
		    med(c, m, CMP_COND_WAIT) >= 0.5 * med(c, m, CMP_OFFCPU) &&
		    (worst == CMP_NMODELS ||
		     med(c, m, CMP_COND_WAIT) > med(c, worst, CMP_COND_WAIT)))
			worst = m;
	}
	if (worst == CMP_NMODELS || !med(c, worst, CMP_OFFCPU))
		return;
	say(cl,
	    "%s waited %s in %s futex waits for an event (a condition "
	    "variable or semaphore), not a lock: %s of their %s off-CPU.",
	    claim_capital(b, sizeof(b), name(worst)),
	    fig(cl, c, CMP_COND_WAIT, worst), fig(cl, c, CMP_COND_WAITS, worst),
	    claim_share(cl, c, CMP_COND_WAIT, worst, CMP_OFFCPU, worst),
	    fig(cl, c, CMP_OFFCPU, worst));
}

/* The model whose run-queue wait came most from other work: half of a
 * wait that is a tenth of its wall time or more. */
void explain_rule_preemptors(const struct comparison *c, struct claim *cl,
			     int arg)
{
	enum cmp_model worst = CMP_NMODELS;
	double share = 0;
	char who[64];

	(void)arg;
	for (int m = 0; m < CMP_NMODELS; m++) {
		double wait;

		if (!has(c, m, CMP_RUNQ_BY_OTHERS) ||
		    !has(c, m, CMP_RUNQ_WAIT) || !has(c, m, CMP_WALL) ||
		    !c->model[m].preemptor[0])
			continue;
		wait = med(c, m, CMP_RUNQ_WAIT);
		if (!wait || wait < 0.1 * med(c, m, CMP_WALL) ||
		    med(c, m, CMP_RUNQ_BY_OTHERS) < 0.5 * wait ||
		    med(c, m, CMP_RUNQ_BY_OTHERS) / wait <= share)
			continue;
		share = med(c, m, CMP_RUNQ_BY_OTHERS) / wait;
		worst = m;
	}
	if (worst == CMP_NMODELS)
		return;
	safe_text(who, sizeof(who), c->model[worst].preemptor, 1);
	say(cl,
	    "Other programs (%s most) preempted the %s: %s of their %s "
	    "run-queue wait (%s), the machine's, not the model's.",
	    who, name(worst),
	    claim_share(cl, c, CMP_RUNQ_BY_OTHERS, worst, CMP_RUNQ_WAIT, worst),
	    fig(cl, c, CMP_RUNQ_WAIT, worst),
	    fig(cl, c, CMP_RUNQ_BY_OTHERS, worst));
}
