/* results.c - names of the result figures a workload marks */
#include "analyzer/results.h"

static const char *const keys[LAB_NRESULTS] = {
	[LAB_RESULT_OPS] = "ops",
	[LAB_RESULT_OPS_NS] = "ops_ns",
	[LAB_RESULT_LOST] = "lost",
	[LAB_RESULT_WAITED] = "waited",
	[LAB_RESULT_CREATE_NS] = "create_ns",
	[LAB_RESULT_MANAGER_NS] = "manager_ns_per_op",
	[LAB_RESULT_LOCKED_NS] = "locked_ns_per_op",
	[LAB_RESULT_SYNC_NS] = "sync_ns",
	[LAB_RESULT_ASYNC_NS] = "async_ns",
	[LAB_RESULT_CALLBACKS] = "callbacks",
	[LAB_RESULT_ZOMBIE_NS] = "zombie_ns",
	[LAB_RESULT_DAEMON_BEATS] = "daemon_beats",
	[LAB_RESULT_HANDOFFS] = "handoffs",
	[LAB_RESULT_TAKES] = "takes",
	[LAB_RESULT_DELAY_NS] = "delay_ns",
	[LAB_RESULT_DISPATCHES] = "dispatches",
	[LAB_RESULT_MACHINE_BYTES] = "machine_bytes",
	[LAB_RESULT_CORO_MAPPED] = "coroutine_stacks_mapped_bytes",
	[LAB_RESULT_CORO_KEPT] = "coroutine_stacks_kept",
	[LAB_RESULT_CORO_RESIDENT] = "coroutine_stacks_resident_bytes",
	[LAB_RESULT_THREAD_STACK] = "thread_stack_bytes",
};

const char *results_key(enum lab_result id)
{
	return (unsigned)id < LAB_NRESULTS ? keys[id] : "?";
}

bool results_get(const struct run_report *r, enum lab_result id, double *v)
{
	if ((unsigned)id >= LAB_NRESULTS || !(r->results_known & 1u << id))
		return false;
	*v = (double)r->results[id];
	return true;
}
