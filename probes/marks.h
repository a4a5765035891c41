/* marks.h - the contract between the workload_table and the probes: the ids
 * of the USDT marker lab:mark(id, value) the workload_table fire
 * (workload_table/markers.h) and the probes record (LAB_EV_MARK events, aux =
 * the id, value = its argument). The only header of probes/ a workload
 * includes. */
#ifndef LAB_MARKS_H
#define LAB_MARKS_H

/* USDT markers of the built-in workload_table (provider "lab") */
enum lab_marker {
	LAB_MARK_WORKLOAD_START = 1, /* arg = number of tasks */
	LAB_MARK_WORKLOAD_END = 2,   /* arg = the workload's result (0 = ok) */
	LAB_MARK_CORO_SWITCHES = 3,  /* arg = user-space switches made */
	LAB_MARK_PHASE = 4,	     /* arg = enum lab_phase now entered */
	LAB_MARK_OPS = 5,	     /* arg = operations per task */
};

/* phases a workload marks as it enters them */
enum lab_phase {
	LAB_PHASE_SETUP = 1,	/* shared state, servers, pipes */
	LAB_PHASE_SPAWN = 2,	/* creating the tasks */
	LAB_PHASE_WORK = 3,	/* every task created, the job runs */
	LAB_PHASE_JOIN = 4,	/* waiting for / reaping the tasks */
	LAB_PHASE_SYNC = 5,	/* synchronous submission (pool apply) */
	LAB_PHASE_ASYNC = 6,	/* asynchronous submission (apply_async) */
	LAB_PHASE_TEARDOWN = 7, /* checking the result, freeing */
};

#endif /* LAB_MARKS_H */
