/* explain_memory.c - the memory lesson: what one more task holds in
 * each model, and why, from the figures of memory.h. */
#include "analyzer/claim.h"
#include "analyzer/explain_rules.h"

#define fig claim_fig
#define has claim_has
#define say claim_say

/* What a process holds that a thread does not, said where their page
 * tables are apart: its own page tables and the pages it copied on
 * writing them after fork; a thread, its stack and its kernel task. */
static void process_why(struct claim *cl, const struct comparison *c)
{
	say(cl,
	    " A process holds its own page tables (%s) and the pages it "
	    "copied on writing (%s)",
	    fig(cl, c, CMP_MEMORY_PAGE_TABLES, CMP_PROCESSES),
	    fig(cl, c, CMP_MEMORY_PAGES, CMP_PROCESSES));
	if (has(c, CMP_THREADS, CMP_MEMORY_PAGE_TABLES) &&
	    claim_order(cl, c, CMP_MEMORY_PAGE_TABLES, CMP_PROCESSES,
			CMP_THREADS) == CMP_ABOVE)
		say(cl,
		    "; a thread shares both but for its touched stack (%s), "
		    "its page tables (%s) and a kernel stack and "
		    "task_struct (%s)",
		    fig(cl, c, CMP_MEMORY_PAGES, CMP_THREADS),
		    fig(cl, c, CMP_MEMORY_PAGE_TABLES, CMP_THREADS),
		    fig(cl, c, CMP_MEMORY_KERNEL, CMP_THREADS));
}

void explain_rule_memory(const struct comparison *c, struct claim *cl, int arg)
{
	enum cmp_model ms[CLAIM_NCONCURRENT];
	size_t n = claim_present(c, CMP_MEMORY_PER_TASK, ms);
	bool said = has(c, CMP_PROCESSES, CMP_MEMORY_PAGE_TABLES);
	bool events = has(c, CMP_EVENTS, CMP_MEMORY_PAGES) &&
		      has(c, CMP_EVENTS, CMP_MACHINE_BYTES);

	(void)arg;
	if (n < 2)
		return;
	say(cl, "Memory per task: ");
	claim_ranking(cl, c, CMP_MEMORY_PER_TASK, ms, n);
	say(cl, ".");
	if (said)
		process_why(cl, c);
	if (has(c, CMP_COROUTINES, CMP_MEMORY_PAGES)) {
		say(cl, "%s coroutine task only its touched stack (%s)",
		    said ? "; a" : " A",
		    fig(cl, c, CMP_MEMORY_PAGES, CMP_COROUTINES));
		said = true;
	}
	if (events)
		say(cl, "%s events task a %s-byte struct",
		    said ? "; an" : " An",
		    fig(cl, c, CMP_MACHINE_BYTES, CMP_EVENTS));
	if (said || events)
		say(cl, ".");
}
