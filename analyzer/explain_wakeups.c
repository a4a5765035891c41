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

void explain_rule_wakeups(const struct comparison *c, struct claim *cl, int arg)
{
	const struct explain_lesson *l = explain_lesson(c->scenario);
	const char *per = l && l->per ? l->per : "operation";
	enum cmp_model ms[CLAIM_NCONCURRENT];
	size_t n = waking_models(c, CMP_WAKEUPS_PER_OP, ms);
	bool per_op = l && l->per;

	(void)arg;
	/* without a unit of work handed on, only where the tasks woke each
	 * other more than a start and an end each: a lock handed over */
	for (size_t i = 0; !per_op && i < n; i++)
		if (!has(c, ms[i], CMP_TASKS) ||
		    med(c, ms[i], CMP_WAKEUPS) < 2 * med(c, ms[i], CMP_TASKS))
			return;
	if (!n)
		return;
	say(cl, per_op ? "Handing work from task to task took the kernel "
		       : "The run's own tasks woke each other ");
	for (size_t i = 0; i < n; i++) {
		say(cl, "%s", i ? (i + 1 == n ? " and " : ", ") : "");
		if (per_op)
			say(cl, "%s wakeups per %s for %s",
			    fig(cl, c, CMP_WAKEUPS_PER_OP, ms[i]), per,
			    name(ms[i]));
		else
			say(cl, "%s times for %s",
			    fig(cl, c, CMP_WAKEUPS, ms[i]), name(ms[i]));
	}
	say(cl, " (a task is woken only when it was asleep: one still "
		"running or preempted needs no wakeup)");
	for (size_t i = 0, k = 0; i < n; i++)
		if (has(c, ms[i], CMP_WAKE_LATENCY))
			say(cl, "%s%s for %s",
			    k++ ? " and " : "; a woken task ran after ",
			    fig(cl, c, CMP_WAKE_LATENCY, ms[i]), name(ms[i]));
	if (per_op && has(c, CMP_COROUTINES, CMP_USER_SWITCHES) &&
	    med(c, CMP_COROUTINES, CMP_USER_SWITCHES) > 0 &&
	    has(c, CMP_COROUTINES, CMP_WAKEUPS_PER_OP))
		say(cl,
		    "; coroutines hand over inside their runtime, %s "
		    "kernel wakeups per %s",
		    fig(cl, c, CMP_WAKEUPS_PER_OP, CMP_COROUTINES), per);
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
		 * without the tid words shows as a condition (locks.h) */
		if (has(c, m, CMP_COND_WAIT) && has(c, m, CMP_WALL) &&
		    has(c, m, CMP_TASKS) &&
		    med(c, m, CMP_COND_WAITS) > med(c, m, CMP_TASKS) &&
		    med(c, m, CMP_COND_WAIT) >= 0.05 * med(c, m, CMP_WALL) &&
		    (worst == CMP_NMODELS ||
		     med(c, m, CMP_COND_WAIT) > med(c, worst, CMP_COND_WAIT)))
			worst = m;
	}
	if (worst == CMP_NMODELS || !has(c, worst, CMP_OFFCPU) ||
	    !med(c, worst, CMP_OFFCPU))
		return;
	say(cl,
	    "%s waited %s in futex waits for an event (%s: a condition "
	    "variable or semaphore, not a lock word: glibc waits on those "
	    "with FUTEX_WAIT_BITSET), %s of the %s their threads spent "
	    "off-CPU",
	    claim_capital(b, sizeof(b), name(worst)),
	    fig(cl, c, CMP_COND_WAIT, worst), fig(cl, c, CMP_COND_WAITS, worst),
	    claim_share(cl, c, CMP_COND_WAIT, worst, CMP_OFFCPU, worst),
	    fig(cl, c, CMP_OFFCPU, worst));
	if (has(c, worst, CMP_LOCK_WAIT))
		say(cl, ", against %s in lock waits",
		    fig(cl, c, CMP_LOCK_WAIT, worst));
	say(cl, ".");
}

void explain_rule_preemptors(const struct comparison *c, struct claim *cl,
			     int arg)
{
	bool any = false;
	char who[64];

	(void)arg;
	for (int m = 0; m < CMP_NMODELS; m++) {
		const struct cmp_model_runs *mr = &c->model[m];
		double others, wait;

		if (!has(c, m, CMP_RUNQ_BY_OTHERS) || !has(c, m, CMP_RUNQ_WAIT))
			continue;
		others = med(c, m, CMP_RUNQ_BY_OTHERS);
		wait = med(c, m, CMP_RUNQ_WAIT);
		/* worth a sentence: a quarter of a wait that is itself 1%
		 * of the run */
		if (!wait || others < 0.25 * wait ||
		    wait < 0.01 * med(c, m, CMP_WALL) || !mr->preemptor[0])
			continue;
		safe_text(who, sizeof(who), mr->preemptor, 1);
		say(cl,
		    "%s%s waited %s on run queues, %s of it after other "
		    "programs took their CPU (%s, most of all by %s), "
		    "not their own tasks (%s)",
		    any ? "; " : "The ", name(m), fig(cl, c, CMP_RUNQ_WAIT, m),
		    claim_share(cl, c, CMP_RUNQ_BY_OTHERS, m, CMP_RUNQ_WAIT, m),
		    fig(cl, c, CMP_RUNQ_BY_OTHERS, m), who,
		    fig(cl, c, CMP_RUNQ_BY_RUN, m));
		any = true;
	}
	if (any)
		say(cl, ": that wait measures the machine's other work, not "
			"the model.");
}
