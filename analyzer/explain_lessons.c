/* explain_lessons.c - what each built-in scenario exists to show: the
 * figure that decides its cost, and a rule that states its lesson with
 * the mechanism, from the figures the comparison has (the workload's own
 * result among them), or says where this machine does not show it. */
#include <stdio.h>
#include <string.h>
#include "analyzer/claim.h"
#include "analyzer/explain.h"
#include "analyzer/machine_text.h"

#define med  claim_med
#define has  claim_has
#define fig  claim_fig
#define name claim_name
#define say  claim_say

static const enum cmp_model P = CMP_PROCESSES, T = CMP_THREADS, E = CMP_EVENTS,
			    C = CMP_COROUTINES, S = CMP_SERIAL;

/* "a, b and c": the models that have m, with their figure each */
static size_t say_each(struct claim *cl, const struct comparison *c,
		       enum cmp_metric m, const char *sep)
{
	enum cmp_model ms[CMP_NMODELS];
	size_t n = 0;

	for (int k = 0; k < CMP_NMODELS; k++)
		if (has(c, k, m))
			ms[n++] = k;
	for (size_t i = 0; i < n; i++)
		say(cl, "%s%s %s%s", i ? (i + 1 == n ? " and " : ", ") : "",
		    fig(cl, c, m, ms[i]), sep, name(ms[i]));
	return n;
}

/* io, net with the events model, after lesson_waits has set its kernel
 * switches beside the coroutines': where a coroutine resumes by a switch
 * in user space, a state machine is called back, and what that costs
 * more shows, if at all, in their on-CPU time. Code that reads in
 * sequence, the rest of the course text's claim, no figure measures. */
static void lesson_callbacks(const struct comparison *c, struct claim *cl,
			     const char *per)
{
	enum cmp_order o;

	if (!has(c, C, CMP_RESUMES_PER_OP) || !has(c, E, CMP_RESUMES_PER_OP))
		return;
	say(cl,
	    " Per %s %s callbacks against %s user-space switches, on-CPU %s "
	    "against %s",
	    per, fig(cl, c, CMP_RESUMES_PER_OP, E),
	    fig(cl, c, CMP_RESUMES_PER_OP, C), fig(cl, c, CMP_ONCPU, E),
	    fig(cl, c, CMP_ONCPU, C));
	o = claim_order(cl, c, CMP_ONCPU, C, E);
	if (o == CMP_ABOVE) {
		say(cl, ", more for coroutines");
		claim_ratio(cl, c, CMP_ONCPU, C, E);
	} else {
		say(cl, ", %s",
		    o == CMP_BELOW ? "less for coroutines"
				   : "too close to call");
	}
	/* no figure of a trace measures it: a clause of the sentence
	 * whose figures it qualifies */
	say(cl, "; readable code, the text's last claim, is about code (see "
		"the handout).");
}

/* io, net: a wait costs a blocked kernel task for processes and threads,
 * and nothing of the kernel for a coroutine or a state machine, whose
 * one thread waits for all of them at once. */
static void lesson_waits(const struct comparison *c, struct claim *cl)
{
	bool events = has(c, E, CMP_SWITCHES_PER_TASK);
	enum cmp_order o;

	if (!has(c, T, CMP_SWITCHES_PER_TASK) ||
	    !has(c, C, CMP_SWITCHES_PER_TASK) ||
	    med(c, T, CMP_SWITCHES_PER_TASK) <= 0)
		return;
	say(cl,
	    "Each task mostly waits, and the models differ in who waits: a "
	    "process or thread blocks in the kernel at every wait (%s kernel "
	    "switches per task for threads",
	    fig(cl, c, CMP_SWITCHES_PER_TASK, T));
	if (has(c, P, CMP_SWITCHES_PER_TASK))
		say(cl, ", %s for processes",
		    fig(cl, c, CMP_SWITCHES_PER_TASK, P));
	if (events) {
		say(cl,
		    "), while one thread waits for all of them at once in "
		    "epoll, for events as for coroutines (%s and %s per task",
		    fig(cl, c, CMP_SWITCHES_PER_TASK, E),
		    fig(cl, c, CMP_SWITCHES_PER_TASK, C));
		o = claim_order(cl, c, CMP_SWITCHES_PER_TASK, E, C);
		if (o == CMP_CLOSE) {
			say(cl, ", too close to call)");
		} else {
			say(cl, "; events %s",
			    o == CMP_BELOW ? "fewer" : "more");
			claim_ratio(cl, c, CMP_SWITCHES_PER_TASK,
				    o == CMP_BELOW ? C : E,
				    o == CMP_BELOW ? E : C);
			say(cl, ")");
		}
	} else {
		say(cl,
		    "), while the coroutines' one thread waits for all of them "
		    "at once in epoll (%s per task)",
		    fig(cl, c, CMP_SWITCHES_PER_TASK, C));
	}
	if (claim_order(cl, c, CMP_SWITCHES_PER_TASK, T, C) == CMP_ABOVE) {
		say(cl, "; threads against coroutines");
		claim_ratio(cl, c, CMP_SWITCHES_PER_TASK, T, C);
	} else {
		say(cl, ", too close to call: here the coroutines' waits "
			"cost the kernel as many switches");
	}
	if (has(c, S, CMP_DELAY) && has(c, S, CMP_OPS))
		say(cl,
		    ". Serially the %s fetches wait the server's %s delay "
		    "one after another",
		    fig(cl, c, CMP_OPS, S), fig(cl, c, CMP_DELAY, S));
	say(cl, ".");
	if (events)
		lesson_callbacks(c, cl,
				 strcmp(c->scenario, "net") ? "round trip"
							    : "fetch");
}

/* lock: the same decrements serially, uncontended, against every
 * concurrent model: a contended lock costs system calls, one thread of
 * coroutines costs a switch per take. */
static void lesson_lock(const struct comparison *c, struct claim *cl)
{
	enum cmp_model ms[CLAIM_NCONCURRENT];
	size_t n = claim_present(c, CMP_WALL, ms);
	bool slower = n > 0;

	if (!n || !has(c, S, CMP_WALL))
		return;
	for (size_t i = 0; i < n; i++)
		slower &= claim_order(cl, c, CMP_WALL, ms[i], S) == CMP_ABOVE;
	if (!slower) {
		say(cl,
		    "The serial run, never contended, took %s; not every "
		    "concurrent model was slower beyond the margin (",
		    fig(cl, c, CMP_WALL, S));
		say_each(cl, c, CMP_WALL, "for ");
		say(cl, "), so this run does not show what contention costs");
		/* one CPU: the tasks take turns */
		if (c->cpus < 2 && has(c, T, CMP_WAITED_SHARE))
			say(cl,
			    ": with %s usable CPU the tasks take turns, and a "
			    "take finds the lock held only when its holder was "
			    "preempted holding it (%s of the threads' takes "
			    "waited)",
			    claim_cpus(cl, c), fig(cl, c, CMP_WAITED_SHARE, T));
		say(cl, ".");
		return;
	}
	claim_sort_up(c, CMP_WALL, ms, n);
	say(cl,
	    "Contention is the cost: serially, with the lock never "
	    "contended, the job took %s; the fastest concurrent model, %s, "
	    "took %s",
	    fig(cl, c, CMP_WALL, S), name(ms[0]), fig(cl, c, CMP_WALL, ms[0]));
	claim_ratio(cl, c, CMP_WALL, ms[0], S);
	if (has(c, T, CMP_SYS) && has(c, S, CMP_SYS) &&
	    claim_order(cl, c, CMP_SYS, T, S) == CMP_ABOVE) {
		say(cl,
		    ". An uncontended take is one atomic instruction in user "
		    "space; a contended one sleeps and wakes in futex system "
		    "calls: threads spent %s in the kernel against %s "
		    "serially",
		    fig(cl, c, CMP_SYS, T), fig(cl, c, CMP_SYS, S));
		if (has(c, P, CMP_SYS))
			say(cl, " (processes %s)", fig(cl, c, CMP_SYS, P));
		if (has(c, T, CMP_WAITED_SHARE))
			say(cl, ", and %s of the threads' takes had to wait",
			    fig(cl, c, CMP_WAITED_SHARE, T));
		/* the kernel's part is not all of it: say how much */
		if (has(c, T, CMP_ONCPU))
			say(cl,
			    ". That kernel time is %s of the threads' %s "
			    "on-CPU; the rest ran in user space, which these "
			    "probes cannot break down",
			    claim_share(cl, c, CMP_SYS, T, CMP_ONCPU, T),
			    fig(cl, c, CMP_ONCPU, T));
	}
	if (has(c, C, CMP_USER_SWITCHES) && med(c, C, CMP_USER_SWITCHES) > 0)
		say(cl,
		    ". Coroutines never wait in the kernel but ran on one CPU "
		    "with %s switches in user space, taking %s against %s "
		    "serially",
		    fig(cl, c, CMP_USER_SWITCHES, C), fig(cl, c, CMP_WALL, C),
		    fig(cl, c, CMP_WALL, S));
	say(cl, ".");
}

/* race: read-add-write interleaved on two CPUs loses updates; where
 * tasks switch only at their yields, none are lost. */
static void lesson_race(const struct comparison *c, struct claim *cl)
{
	bool lost = false;

	if (!has(c, T, CMP_LOST_SHARE) && !has(c, P, CMP_LOST_SHARE))
		return;
	lost = med(c, P, CMP_LOST_SHARE) > 0 || med(c, T, CMP_LOST_SHARE) > 0;
	if (!lost) {
		say(cl, "No update was lost: ");
		say_each(cl, c, CMP_LOST_SHARE, "for ");
		say(cl, "; the tasks' read-add-write steps never overlapped "
			"in these runs.");
		return;
	}
	say(cl, "The counter lost updates: ");
	say_each(cl, c, CMP_LOST_SHARE, "for ");
	if (c->cpus > 1)
		say(cl,
		    ". counter += 1 is a read, an add and a write: two tasks "
		    "that interleave between them, on %s CPUs at once or one "
		    "preempted by the other, read the same value and write "
		    "the same result, and one increment is gone",
		    claim_cpus(cl, c));
	else
		say(cl,
		    ". counter += 1 is a read, an add and a write: on %s CPU "
		    "a task preempted between them (at the tick, by another "
		    "task due to run) writes back a value the others have "
		    "since increased, and their increments are gone",
		    claim_cpus(cl, c));
	if (has(c, C, CMP_LOST_SHARE) && med(c, C, CMP_LOST_SHARE) == 0)
		say(cl, "; coroutines lost none: they switch only where they "
			"yield, never inside a read-add-write");
	say(cl, ".");
}

/* What changing address space costs on the recording machine, from
 * what it recorded of its CPU: nothing is said where it recorded
 * nothing. */
static void say_address_space(struct claim *cl, const struct lab_trace_info *in)
{
	bool pti = !strncmp(in->page_table_isolation, "Mitigation: PTI", 15);

	if (!in->tlb_tags[0])
		return;
	if (machine_text_tlb_tagged(in->tlb_tags))
		say(cl,
		    "; this CPU tags TLB entries with their address space "
		    "(%s), so a process switch keeps them and changing "
		    "address space costs little",
		    machine_text_tlb_tags(in->tlb_tags));
	else if (pti)
		say(cl,
		    "; this CPU has no PCID and the kernel isolates its page "
		    "tables (%s): every system call already swaps page tables "
		    "and flushes the TLB's user entries, so a process's "
		    "change of address space adds little here",
		    in->page_table_isolation);
	else if (!strcmp(in->tlb_tags, "none"))
		say(cl, "; this CPU has no PCID: a change of address space "
			"flushes the TLB, so the process side refills its "
			"entries after every switch");
}

/* pingpong: what a round trip costs, the kernel's part of it, and what
 * a process and a thread here pass the token through. */
static void lesson_pingpong(const struct comparison *c, struct claim *cl)
{
	if (!has(c, T, CMP_OP_COST) || !has(c, C, CMP_OP_COST))
		return;
	say(cl, "A round trip cost ");
	say_each(cl, c, CMP_OP_COST, "for ");
	say(cl,
	    ". Processes and threads pass the token through the kernel, "
	    "which switches to the other side each time (%s kernel switches "
	    "a round trip for threads",
	    fig(cl, c, CMP_SWITCHES_PER_OP, T));
	if (has(c, P, CMP_SWITCHES_PER_OP))
		say(cl, ", %s for processes",
		    fig(cl, c, CMP_SWITCHES_PER_OP, P));
	say(cl, "); coroutines switch in user space, without the kernel");
	if (has(c, P, CMP_OP_COST)) {
		enum cmp_order o = claim_order(cl, c, CMP_OP_COST, P, T);

		say(cl, ". Processes against threads: %s",
		    o == CMP_ABOVE   ? "processes cost more"
		    : o == CMP_BELOW ? "threads cost more"
				     : "too close to call");
		if (o == CMP_ABOVE)
			claim_ratio(cl, c, CMP_OP_COST, P, T);
		say(cl,
		    "%s: processes pass the token through a pair of pipes "
		    "(a write and a read system call each way), threads "
		    "through a futex word",
		    o == CMP_CLOSE ? "; nor do they pass the token alike"
				   : ", and not by the switch alone");
		if (med(c, P, CMP_SYS_PER_OP) > 0 &&
		    med(c, T, CMP_SYS_PER_OP) > 0)
			say(cl,
			    "; CPU system per round trip: %s for processes, %s "
			    "for threads",
			    fig(cl, c, CMP_SYS_PER_OP, P),
			    fig(cl, c, CMP_SYS_PER_OP, T));
		say_address_space(cl, &c->info);
	}
	say(cl, ".");
}

/* spawn: what the creator pays per task, and the faults that follow a
 * fork. */
static void lesson_spawn(const struct comparison *c, struct claim *cl)
{
	if (!has(c, P, CMP_CHILD_FAULTS))
		return;
	say(cl,
	    "fork gives the child a copy of the parent's address space: it "
	    "copies the page tables and marks every writable page "
	    "copy-on-write, so the child faults each page it then touches, "
	    "%s page faults per created process",
	    fig(cl, c, CMP_CHILD_FAULTS, P));
	if (has(c, T, CMP_CHILD_FAULTS))
		say(cl,
		    " against %s for a thread, which shares the address "
		    "space and needs only its stack",
		    fig(cl, c, CMP_CHILD_FAULTS, T));
	if (has(c, P, CMP_CREATOR_PER_TASK)) {
		say(cl, ". The creator's time in the call, per task: ");
		say_each(cl, c, CMP_CREATOR_PER_TASK, "for ");
		if (has(c, P, CMP_CREATE_CALL))
			say(cl, ", of which the kernel's fork took %s",
			    fig(cl, c, CMP_CREATE_CALL, P));
		else if (has(c, P, CMP_RUNQ_WAIT))
			say(cl,
			    " (a call that returns to a busy CPU waits for it: "
			    "the processes' threads waited %s in all runnable)",
			    fig(cl, c, CMP_RUNQ_WAIT, P));
	}
	if (has(c, C, CMP_SPAWN_PER_TASK))
		say(cl,
		    ". A coroutine is a stack and a saved context from the "
		    "runtime, no kernel task at all: %s per task",
		    fig(cl, c, CMP_SPAWN_PER_TASK, C));
	say(cl, ".");
}

/* queue: a system call per item, or a wait only when the queue is empty
 * or full. */
static void lesson_queue(const struct comparison *c, struct claim *cl)
{
	if (!has(c, P, CMP_OP_COST) || !has(c, T, CMP_OP_COST))
		return;
	say(cl, "An item cost ");
	say_each(cl, c, CMP_OP_COST, "for ");
	say(cl,
	    ". The processes' pipe takes a write and a read system call for "
	    "every item (CPU system %s per item), while the threads' ring "
	    "takes a mutex per item and enters the kernel only when the "
	    "mutex is contended or the ring is empty or full (%s per item)",
	    fig(cl, c, CMP_SYS_PER_OP, P), fig(cl, c, CMP_SYS_PER_OP, T));
	if (has(c, C, CMP_SYS_PER_OP))
		say(cl,
		    ", and the coroutines' channel needs no system call at "
		    "all (%s per item of system time, from the rest of the "
		    "run)",
		    fig(cl, c, CMP_SYS_PER_OP, C));
	say(cl, ".");
}

/* shared: a manager answering messages against a shared lock. */
static void lesson_shared(const struct comparison *c, struct claim *cl)
{
	bool first = true;

	for (int m = 0; m < CMP_NMODELS; m++) {
		if (!has(c, m, CMP_MANAGER_PER_OP) ||
		    !has(c, m, CMP_LOCKED_PER_OP))
			continue;
		say(cl, "%s%s %s through the manager, %s under the lock",
		    first ? "An update cost " : "; ", name(m),
		    fig(cl, c, CMP_MANAGER_PER_OP, m),
		    fig(cl, c, CMP_LOCKED_PER_OP, m));
		claim_ratio_of(cl, c, CMP_MANAGER_PER_OP, m, CMP_LOCKED_PER_OP,
			       m);
		first = false;
	}
	if (first)
		return;
	say(cl,
	    ". Through the manager each update is a message to another task "
	    "and an answer back, system calls on both sides and a wait for "
	    "the other; under a shared lock it is a few instructions on "
	    "memory every task can reach.");
}

/* pool: apply waits for each job; apply_async keeps every worker busy. */
static void lesson_pool(const struct comparison *c, struct claim *cl)
{
	bool first = true;

	for (int m = 0; m < CMP_NMODELS; m++) {
		if (!has(c, m, CMP_SYNC) || !has(c, m, CMP_ASYNC))
			continue;
		say(cl, "%s%s %s with apply, %s with apply_async",
		    first ? "The same jobs took " : "; ", name(m),
		    fig(cl, c, CMP_SYNC, m), fig(cl, c, CMP_ASYNC, m));
		claim_ratio_of(cl, c, CMP_SYNC, m, CMP_ASYNC, m);
		first = false;
	}
	if (first)
		return;
	say(cl, ". apply submits a job and waits for its result before the "
		"next, so one worker runs at a time; apply_async submits them "
		"all and every worker takes one");
	if (has(c, T, CMP_CALLBACKS))
		say(cl,
		    ", its result handed to a callback (%s callbacks for "
		    "threads)",
		    fig(cl, c, CMP_CALLBACKS, T));
	say(cl, ".");
}

/* daemon: a finished process stays a zombie until it is reaped; a
 * daemon ends with its parent. */
static void lesson_daemon(const struct comparison *c, struct claim *cl)
{
	if (!has(c, P, CMP_ZOMBIE))
		return;
	say(cl,
	    "A finished process stays a zombie (state Z), its exit status "
	    "kept by the kernel, until its parent calls waitpid: here %s",
	    fig(cl, c, CMP_ZOMBIE, P));
	if (has(c, T, CMP_ZOMBIE))
		say(cl,
		    "; a finished thread nobody joins keeps its stack "
		    "until joined (%s)",
		    fig(cl, c, CMP_ZOMBIE, T));
	if (has(c, P, CMP_DAEMON_BEATS))
		say(cl,
		    ". A daemon lives only as long as main: as a process it "
		    "beat %s times before main's end ended it",
		    fig(cl, c, CMP_DAEMON_BEATS, P));
	say(cl, "; the run's wall time is set by its sleeps, so it measures "
		"no model's cost.");
}

/* gil: only the lock's holder computes. */
static void lesson_gil(const struct comparison *c, struct claim *cl)
{
	if (!has(c, T, CMP_BUSY) || !has(c, P, CMP_BUSY))
		return;
	if (c->cpus < 2)
		say(cl,
		    "Only the interpreter lock's holder computes, but with %s "
		    "usable CPU processes, a lock each, cannot run side by "
		    "side either: threads kept %s CPUs busy, processes %s",
		    claim_cpus(cl, c), fig(cl, c, CMP_BUSY, T),
		    fig(cl, c, CMP_BUSY, P));
	else
		say(cl,
		    "Only the interpreter lock's holder computes: threads, "
		    "sharing one lock, kept %s CPUs busy, processes, a lock "
		    "each, %s",
		    fig(cl, c, CMP_BUSY, T), fig(cl, c, CMP_BUSY, P));
	if (has(c, T, CMP_HANDOFF_SHARE))
		say(cl, "; the lock went to another thread in %s of its takes",
		    fig(cl, c, CMP_HANDOFF_SHARE, T));
	say(cl, ".");
}

static const struct explain_lesson lessons[] = {
	{.scenario = "io",
	 .cost = CMP_WALL,
	 .rule_name = "lesson_io",
	 .rule = lesson_waits},
	{.scenario = "net",
	 .cost = CMP_WALL,
	 .rule_name = "lesson_net",
	 .rule = lesson_waits},
	/* its lesson is cpu_bound's, a rule every CPU-bound job has */
	{.scenario = "cpu", .cost = CMP_WALL, .cpu_bound = true},
	{.scenario = "gil",
	 .cost = CMP_WALL,
	 .cpu_bound = true,
	 .rule_name = "lesson_gil",
	 .rule = lesson_gil},
	{.scenario = "lock",
	 .cost = CMP_WALL,
	 .cpu_bound = true,
	 .rule_name = "lesson_lock",
	 .rule = lesson_lock},
	{.scenario = "race",
	 .cost = CMP_NMETRICS,
	 .cpu_bound = true,
	 .no_lock = true,
	 .rule_name = "lesson_race",
	 .rule = lesson_race},
	{.scenario = "pingpong",
	 .cost = CMP_OP_COST,
	 .per = "round trip",
	 .no_lock = true,
	 .rule_name = "lesson_pingpong",
	 .rule = lesson_pingpong},
	{.scenario = "spawn",
	 .cost = CMP_SPAWN_PER_TASK,
	 .rule_name = "lesson_spawn",
	 .rule = lesson_spawn},
	{.scenario = "queue",
	 .cost = CMP_OP_COST,
	 .per = "item",
	 .rule_name = "lesson_queue",
	 .rule = lesson_queue},
	{.scenario = "shared",
	 .cost = CMP_MANAGER_PER_OP,
	 .per = "update through the manager",
	 .rule_name = "lesson_shared",
	 .rule = lesson_shared},
	{.scenario = "pool",
	 .cost = CMP_ASYNC,
	 .rule_name = "lesson_pool",
	 .rule = lesson_pool},
	{.scenario = "daemon",
	 .cost = CMP_NMETRICS,
	 .rule_name = "lesson_daemon",
	 .rule = lesson_daemon},
};

const struct explain_lesson *explain_lesson(const char *scenario)
{
	for (size_t i = 0; i < sizeof(lessons) / sizeof(lessons[0]); i++)
		if (!strcmp(lessons[i].scenario, scenario))
			return &lessons[i];
	return NULL;
}
