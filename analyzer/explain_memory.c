/* explain_memory.c - the memory lesson: what one more task holds in
 * each model, and why, from the figures of memory.h. */
#include "analyzer/claim.h"
#include "analyzer/explain_rules.h"

#define fig claim_fig
#define has claim_has
#define say claim_say

/* Why a process holds more than a thread, said where its figures are
 * apart from the thread's: its own page tables, and its own copy of
 * every page it wrote since fork. */
static void process_why(struct claim *cl, const struct comparison *c)
{
	say(cl,
	    " A process has page tables of its own (%s each here) and a "
	    "copy of every page it wrote since fork (%s)",
	    fig(cl, c, CMP_MEMORY_PAGE_TABLES, CMP_PROCESSES),
	    fig(cl, c, CMP_MEMORY_PAGES, CMP_PROCESSES));
	if (has(c, CMP_THREADS, CMP_MEMORY_PAGE_TABLES) &&
	    claim_order(cl, c, CMP_MEMORY_PAGE_TABLES, CMP_PROCESSES,
			CMP_THREADS) == CMP_ABOVE)
		say(cl,
		    "; a thread shares both, and costs the pages of its "
		    "stack and thread data it touched (%s), the page "
		    "tables that map its stack (%s) and its kernel task's "
		    "stack and task_struct (%s)",
		    fig(cl, c, CMP_MEMORY_PAGES, CMP_THREADS),
		    fig(cl, c, CMP_MEMORY_PAGE_TABLES, CMP_THREADS),
		    fig(cl, c, CMP_MEMORY_KERNEL, CMP_THREADS));
	say(cl, ".");
}

void explain_rule_memory(const struct comparison *c, struct claim *cl, int arg)
{
	enum cmp_model ms[CLAIM_NCONCURRENT];
	size_t n = claim_present(c, CMP_MEMORY_PER_TASK, ms);

	(void)arg;
	if (n < 2)
		return;
	say(cl, "Memory per task at the peak: ");
	claim_ranking(cl, c, CMP_MEMORY_PER_TASK, ms, n);
	say(cl, ".");
	if (has(c, CMP_PROCESSES, CMP_MEMORY_PAGE_TABLES))
		process_why(cl, c);
	if (has(c, CMP_COROUTINES, CMP_MEMORY_PAGES))
		say(cl,
		    " A coroutine task has no kernel task: it costs the "
		    "pages of its stacks it touched and its records (%s).",
		    fig(cl, c, CMP_MEMORY_PAGES, CMP_COROUTINES));
}
