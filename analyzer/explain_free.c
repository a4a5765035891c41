/* explain_free.c - the rules for any program's runs: commands compared
 * side by side (lab compare, lab report of traces not of a built-in
 * scenario). No order is expected of free names, so these rules say
 * which command cost more, by how much and by which figure, each order
 * called only beyond the metric's noise (compare_order); names that are
 * all models' keep the family's rules (explain.c) and add only the
 * figures those do not cover: CPUs kept busy and off-CPU by reason. */
#include <stdio.h>
#include <string.h>
#include "analyzer/claim.h"
#include "analyzer/compare.h"
#include "analyzer/explain.h"
#include "analyzer/offcpu.h"

#define med claim_med
#define has claim_has
#define fig claim_fig
#define say claim_say

/* The commands (slots) with metric m, in the slots' order. */
static size_t present(const struct comparison *c, enum cmp_metric m,
		      enum cmp_model *out)
{
	size_t n = 0;

	for (int k = 0; k < CMP_NMODELS; k++)
		if (has(c, k, m))
			out[n++] = k;
	return n;
}

static const char *nm(const struct comparison *c, enum cmp_model m)
{
	return compare_name(c, m);
}

/* Some pair of ms apart on m beyond the margin. */
static bool any_apart(const struct comparison *c, enum cmp_metric m,
		      const enum cmp_model *ms, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (compare_order(c, m, ms[i], ms[j]) == CMP_ABOVE ||
			    compare_order(c, m, ms[i], ms[j]) == CMP_BELOW)
				return true;
	return false;
}

/* Which command took longest and by how much, and the figures in
 * which it measured more than the quickest beyond the margin: times
 * only where they differ by a tenth of the wall times' difference or
 * more, largest first; fewer CPUs kept busy closes it. Off-CPU time in
 * reaping is left out: a parent waiting longer for slower children
 * explains nothing. */
static void rule_cost(const struct comparison *c, struct claim *cl, int arg)
{
	static const enum cmp_metric why[] = {
		CMP_ONCPU,
		CMP_RUNQ_WAIT,
		CMP_LOCK_WAIT,
		CMP_KLOCK_WAIT,
		CMP_OFFCPU_REASON + OFFCPU_SLEEP,
		CMP_OFFCPU_REASON + OFFCPU_READ,
		CMP_OFFCPU_REASON + OFFCPU_WRITE,
		CMP_OFFCPU_REASON + OFFCPU_POLL,
		CMP_OFFCPU_REASON + OFFCPU_OTHER_SYSCALL,
		CMP_OFFCPU_REASON + OFFCPU_NO_SYSCALL,
	};
	enum cmp_model ms[CMP_NMODELS], hi, lo;
	enum cmp_metric found[sizeof(why) / sizeof(why[0])];
	size_t n = present(c, CMP_WALL, ms), nf = 0;
	double late;

	(void)arg;
	if (!c->free_names || n < 2)
		return;
	say(cl, "Wall time:");
	claim_ranking(cl, c, CMP_WALL, ms, n);
	claim_sort_up(c, CMP_WALL, ms, n);
	lo = ms[0];
	hi = ms[n - 1];
	if (claim_order(cl, c, CMP_WALL, hi, lo) != CMP_ABOVE) {
		say(cl, "; no command took clearly longer (");
		claim_margin(cl, c, CMP_WALL);
		say(cl, ").");
		return;
	}
	late = med(c, hi, CMP_WALL) - med(c, lo, CMP_WALL);
	for (size_t k = 0; k < sizeof(why) / sizeof(why[0]); k++) {
		double d = med(c, hi, why[k]) - med(c, lo, why[k]);

		if (compare_order(c, why[k], hi, lo) == CMP_ABOVE &&
		    (why[k] == CMP_ONCPU || d >= 0.1 * late))
			found[nf++] = why[k];
	}
	/* largest difference first */
	for (size_t i = 1; i < nf; i++)
		for (size_t j = i;
		     j > 0 && med(c, hi, found[j]) - med(c, lo, found[j]) >
				      med(c, hi, found[j - 1]) -
					      med(c, lo, found[j - 1]);
		     j--) {
			enum cmp_metric t = found[j];

			found[j] = found[j - 1];
			found[j - 1] = t;
		}
	say(cl, "; %s took longer than %s", nm(c, hi), nm(c, lo));
	claim_ratio(cl, c, CMP_WALL, hi, lo);
	for (size_t k = 0; k < nf && k < 3; k++) {
		say(cl, "%s %s %s against %s", k ? "," : ", measuring more",
		    compare_metric(found[k])->label, fig(cl, c, found[k], hi),
		    fig(cl, c, found[k], lo));
		claim_order(cl, c, found[k], hi, lo);
		claim_ratio(cl, c, found[k], hi, lo);
	}
	if (claim_order(cl, c, CMP_BUSY, hi, lo) == CMP_BELOW)
		say(cl, "%s kept %s CPUs busy against %s",
		    nf ? ", and" : ": it", fig(cl, c, CMP_BUSY, hi),
		    fig(cl, c, CMP_BUSY, lo));
	else if (!nf)
		say(cl,
		    ": no other figure of %s exceeds %s's beyond the "
		    "margin",
		    nm(c, hi), nm(c, lo));
	if (!compare_has_spread(c))
		say(cl, "; --repeat 5 would show whether it holds");
	say(cl, ".");
}

/* CPUs kept busy, on-CPU time over wall time: how much of the machine
 * each command used at once. A command that created tasks and kept
 * about one CPU busy (0.7 to 1.1), where another kept 1.2 or more, ran
 * them in turns. */
static void rule_busy(const struct comparison *c, struct claim *cl, int arg)
{
	enum cmp_model ms[CMP_NMODELS], top, low;
	size_t n = present(c, CMP_BUSY, ms);

	(void)arg;
	if (n < 2 || !any_apart(c, CMP_BUSY, ms, n))
		return;
	say(cl, "CPUs kept busy (on-CPU time over wall time, %s CPUs):",
	    claim_cpus(cl, c));
	claim_ranking(cl, c, CMP_BUSY, ms, n);
	claim_sort_up(c, CMP_BUSY, ms, n);
	low = ms[0];
	top = ms[n - 1];
	/* a job that keeps one CPU busy, but no more, where another
	 * command keeps more than one: its tasks wanted the CPU, and took
	 * turns on it */
	if (med(c, low, CMP_BUSY) >= 0.7 && med(c, low, CMP_BUSY) <= 1.1 &&
	    med(c, top, CMP_BUSY) >= 1.2 && has(c, low, CMP_CREATED) &&
	    med(c, low, CMP_CREATED) >= 2 && c->cpus >= 2 &&
	    claim_order(cl, c, CMP_BUSY, top, low) == CMP_ABOVE)
		say(cl,
		    "; %s created %s tasks and kept one CPU busy, no more: "
		    "its tasks took turns on a CPU, where %s kept %s",
		    nm(c, low), fig(cl, c, CMP_CREATED, low), nm(c, top),
		    fig(cl, c, CMP_BUSY, top));
	say(cl, ".");
}

/* The order-free ranking of one figure, said only where some pair is
 * apart: on-CPU time, summed over every thread. */
static void rule_oncpu(const struct comparison *c, struct claim *cl, int arg)
{
	enum cmp_model ms[CMP_NMODELS];
	size_t n = present(c, CMP_ONCPU, ms);

	(void)arg;
	if (!c->free_names || n < 2 || !any_apart(c, CMP_ONCPU, ms, n))
		return;
	say(cl, "On-CPU time, summed over every thread:");
	claim_ranking(cl, c, CMP_ONCPU, ms, n);
	say(cl, ".");
}

/* What one more task of each command held in memory: its pages, page
 * tables and kernel task (memory.h), for the kind of task it made most
 * of; said where two commands are apart. */
static void rule_memory(const struct comparison *c, struct claim *cl, int arg)
{
	enum cmp_model ms[CMP_NMODELS];
	size_t n = present(c, CMP_MEMORY_PER_TASK, ms);

	(void)arg;
	if (!c->free_names || n < 2 ||
	    !any_apart(c, CMP_MEMORY_PER_TASK, ms, n))
		return;
	say(cl, "Memory one more task added (its pages, page tables and "
		"kernel stack and task_struct):");
	claim_ranking(cl, c, CMP_MEMORY_PER_TASK, ms, n);
	say(cl, ".");
}

/* What each command's threads waited in when off-CPU: the largest
 * reason of each, and how the command that waited most in it compares
 * there with the others. */
static void rule_offcpu(const struct comparison *c, struct claim *cl, int arg)
{
	enum cmp_model ms[CMP_NMODELS], most = CMP_NMODELS;
	int top[CMP_NMODELS];
	size_t n = present(c, CMP_OFFCPU, ms), k = 0;

	(void)arg;
	if (n < 2)
		return;
	for (size_t i = 0; i < n; i++) {
		top[i] = -1;
		for (int r = 0; r < OFFCPU_NREASONS; r++)
			if (r != OFFCPU_UNKNOWN &&
			    med(c, ms[i], CMP_OFFCPU_REASON + r) > 0 &&
			    (top[i] < 0 ||
			     med(c, ms[i], CMP_OFFCPU_REASON + r) >
				     med(c, ms[i], CMP_OFFCPU_REASON + top[i])))
				top[i] = r;
		if (top[i] >= 0 &&
		    (most == CMP_NMODELS ||
		     med(c, ms[i], CMP_OFFCPU) > med(c, most, CMP_OFFCPU)))
			most = ms[i];
	}
	if (most == CMP_NMODELS ||
	    med(c, most, CMP_OFFCPU) < 0.01 * med(c, most, CMP_WALL))
		return;
	say(cl, "Off-CPU, what the threads waited in most:");
	for (size_t i = 0; i < n; i++) {
		enum cmp_metric r = CMP_OFFCPU_REASON + top[i];

		if (top[i] < 0)
			continue;
		say(cl, "%s %s in %s (%s of %s)", k++ ? ";" : "", nm(c, ms[i]),
		    offcpu_reason_label(top[i]), fig(cl, c, r, ms[i]),
		    fig(cl, c, CMP_OFFCPU, ms[i]));
	}
	/* the largest waiter's reason, against every other command */
	for (size_t i = 0; i < n; i++) {
		enum cmp_metric r;
		size_t at = 0;
		enum cmp_order o;

		while (ms[at] != most)
			at++;
		r = CMP_OFFCPU_REASON + top[at];
		/* a reason set only against the same reason */
		if (ms[i] == most || top[i] != top[at])
			continue;
		o = claim_order(cl, c, r, most, ms[i]);
		if (o == CMP_ABOVE) {
			say(cl, "; in %s, %s %s > %s %s",
			    offcpu_reason_label(top[at]), nm(c, most),
			    fig(cl, c, r, most), nm(c, ms[i]),
			    fig(cl, c, r, ms[i]));
			claim_ratio(cl, c, r, most, ms[i]);
		} else if (o == CMP_CLOSE) {
			say(cl, "; in %s, %s %s ≈ %s %s, too close to call",
			    offcpu_reason_label(top[at]), nm(c, most),
			    fig(cl, c, r, most), nm(c, ms[i]),
			    fig(cl, c, r, ms[i]));
		}
	}
	say(cl, ". These are sums over threads: a parent waiting for its "
		"children counts its wait beside theirs.");
}

/* Futex waits on words taken as locks: a thread that wants a lock
 * another thread holds sleeps in futex until it is handed over. Where a
 * command's lock waits are a twentieth of its wall time or more, says
 * how much, and whether a command that waited less kept more CPUs
 * busy. */
static void rule_locks(const struct comparison *c, struct claim *cl, int arg)
{
	enum cmp_model ms[CMP_NMODELS], worst = CMP_NMODELS;
	size_t n = present(c, CMP_LOCK_WAIT, ms);
	bool first = true;

	(void)arg;
	if (!c->free_names || n < 1)
		return;
	for (size_t i = 0; i < n; i++)
		if (worst == CMP_NMODELS ||
		    med(c, ms[i], CMP_LOCK_WAIT) > med(c, worst, CMP_LOCK_WAIT))
			worst = ms[i];
	if (med(c, worst, CMP_LOCK_WAIT) < 0.05 * med(c, worst, CMP_WALL) ||
	    !med(c, worst, CMP_OFFCPU))
		return;
	say(cl,
	    "%s's threads waited %s on futex words taken as locks, in %s "
	    "waits (%s of their %s off-CPU): a thread that wants a lock "
	    "another holds sleeps until it is handed over",
	    nm(c, worst), fig(cl, c, CMP_LOCK_WAIT, worst),
	    fig(cl, c, CMP_LOCK_WAITS, worst),
	    claim_share(cl, c, CMP_LOCK_WAIT, worst, CMP_OFFCPU, worst),
	    fig(cl, c, CMP_OFFCPU, worst));
	for (size_t i = 0; i < n; i++) {
		enum cmp_model m = ms[i];

		if (m == worst)
			continue;
		say(cl, "%s%s %s", first ? "; against " : ", ", nm(c, m),
		    fig(cl, c, CMP_LOCK_WAIT, m));
		first = false;
	}
	for (size_t i = 0; i < n; i++) {
		enum cmp_model m = ms[i];

		if (m == worst || !has(c, m, CMP_BUSY) ||
		    med(c, m, CMP_LOCK_WAIT) >=
			    0.5 * med(c, worst, CMP_LOCK_WAIT) ||
		    compare_order(c, CMP_BUSY, m, worst) != CMP_ABOVE)
			continue;
		claim_order(cl, c, CMP_BUSY, m, worst);
		say(cl,
		    "; %s, waiting less, kept %s CPUs busy where %s kept %s",
		    nm(c, m), fig(cl, c, CMP_BUSY, m), nm(c, worst),
		    fig(cl, c, CMP_BUSY, worst));
		break;
	}
	say(cl, ".");
}

/* Creation cost as the scheduler saw it: from fork or clone to the new
 * task's first run, with the page faults each created task took; and
 * the creator's own time in fork/clone where it was measured. */
static void rule_creation(const struct comparison *c, struct claim *cl, int arg)
{
	static const enum cmp_metric costs[] = {CMP_FORK_RUN, CMP_CREATE_CALL};
	enum cmp_model ms[CMP_NMODELS];
	size_t n = present(c, CMP_FORK_RUN, ms);

	(void)arg;
	if (!c->free_names || n < 2)
		return;
	say(cl, "Creating a task");
	for (size_t k = 0; k < 2; k++) {
		enum cmp_metric m = costs[k];
		enum cmp_order o;

		n = present(c, m, ms);
		if (n < 2)
			continue;
		say(cl, "%s:",
		    k ? "; the creator's time in fork/clone, each"
		      : ", from fork to first run");
		for (size_t i = 0; i < n; i++) {
			say(cl, "%s %s %s", i ? "," : "", nm(c, ms[i]),
			    fig(cl, c, m, ms[i]));
			if (!k && has(c, ms[i], CMP_CREATED))
				say(cl, " (%s created",
				    fig(cl, c, CMP_CREATED, ms[i]));
			if (!k && has(c, ms[i], CMP_CHILD_FAULTS))
				say(cl, ", %s page faults each",
				    fig(cl, c, CMP_CHILD_FAULTS, ms[i]));
			if (!k && has(c, ms[i], CMP_CREATED))
				say(cl, ")");
		}
		claim_sort_up(c, m, ms, n);
		o = claim_order(cl, c, m, ms[n - 1], ms[0]);
		if (o == CMP_ABOVE) {
			say(cl, ": %s cost more", nm(c, ms[n - 1]));
			claim_ratio(cl, c, m, ms[n - 1], ms[0]);
		} else {
			say(cl, ": %s and %s too close to call (",
			    nm(c, ms[n - 1]), nm(c, ms[0]));
			claim_margin(cl, c, m);
			say(cl, ")");
		}
	}
	say(cl, ".");
}

/* In the order they speak: the verdict, what used the CPUs, what the
 * threads waited for, what creating them cost. */
const struct explain_rule explain_free_rules[] = {
	{"free_cost", rule_cost, 0},	 {"free_busy", rule_busy, 0},
	{"free_oncpu", rule_oncpu, 0},	 {"free_locks", rule_locks, 0},
	{"free_offcpu", rule_offcpu, 0}, {"free_creation", rule_creation, 0},
	{"free_memory", rule_memory, 0},
};
const size_t explain_free_nrules =
	sizeof(explain_free_rules) / sizeof(explain_free_rules[0]);
