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
	/* LAB_MARK_RESULT + enum lab_result: arg = that figure of the
	 * workload's result, marked once at its end */
	LAB_MARK_RESULT = 32,
};

/* The figures a workload's result line gives, recorded so the reports can
 * state each scenario's lesson with them. Durations in ns. */
enum lab_result {
	LAB_RESULT_OPS = 0,	   /* operations done in all: round trips,
				      items, increments, tasks created */
	LAB_RESULT_OPS_NS = 1,	   /* the time the workload measured for them */
	LAB_RESULT_LOST = 2,	   /* race: updates lost */
	LAB_RESULT_WAITED = 3,	   /* lock: lock takes that had to wait */
	LAB_RESULT_CREATE_NS = 4,  /* spawn: the creator's time in fork,
				      pthread_create or coro_spawn, all tasks */
	LAB_RESULT_MANAGER_NS = 5, /* shared: ns per update via the manager */
	LAB_RESULT_LOCKED_NS = 6,  /* shared: ns per update under a lock */
	LAB_RESULT_SYNC_NS = 7,	   /* pool: the jobs submitted with apply */
	LAB_RESULT_ASYNC_NS = 8,   /* pool: the same with apply_async */
	LAB_RESULT_CALLBACKS = 9,  /* pool: callbacks run for async jobs */
	LAB_RESULT_ZOMBIE_NS = 10, /* daemon: how long finished workers
				      stayed unreaped (zombies) */
	LAB_RESULT_DAEMON_BEATS = 11,  /* daemon: beats of the daemon before
					  main's end ended it */
	LAB_RESULT_HANDOFFS = 12,      /* gil: takes from another task */
	LAB_RESULT_TAKES = 13,	       /* gil: takes of the lock in all */
	LAB_RESULT_DELAY_NS = 14,      /* net: the server's delay per fetch */
	LAB_RESULT_DISPATCHES = 15,    /* events: callbacks the loop called */
	LAB_RESULT_MACHINE_BYTES = 16, /* events: a task's state machine */
	/* From here on, what the runtimes measured of themselves for the
	 * memory a task holds, not figures of the result line. Coroutines:
	 * bytes of stacks mapped over the run, and of the stacks kept for
	 * reuse at its end, how many and what of them is resident (touched
	 * by their coroutines) */
	LAB_RESULT_RUNTIME = 17,
	LAB_RESULT_CORO_MAPPED = LAB_RESULT_RUNTIME,
	LAB_RESULT_CORO_KEPT = 18,
	LAB_RESULT_CORO_RESIDENT = 19,
	/* threads: the stack each one maps (glibc's default size) */
	LAB_RESULT_THREAD_STACK = 20,
	LAB_NRESULTS = 21,
};
_Static_assert(LAB_NRESULTS <= 32, "a reader keeps one bit per result");

/* phases a workload marks as it enters them */
enum lab_phase {
	LAB_PHASE_SETUP = 1,	/* shared state, servers, pipes */
	LAB_PHASE_SPAWN = 2,	/* creating the tasks */
	LAB_PHASE_WORK = 3,	/* every task created, the job runs */
	LAB_PHASE_JOIN = 4,	/* waiting for / reaping the tasks */
	LAB_PHASE_SYNC = 5,	/* synchronous submission (pool apply) */
	LAB_PHASE_ASYNC = 6,	/* asynchronous submission (apply_async) */
	LAB_PHASE_TEARDOWN = 7, /* checking the result, freeing */
	/* every task made, the root waits while lab samples the memory:
	 * no part of making the tasks or of their work */
	LAB_PHASE_SAMPLE = 8,
};

/* When a memory sample was taken. */
enum lab_memory_point {
	/* before any task: the workload's root alone, or the command as it
	 * starts */
	LAB_MEMORY_BEFORE = 1,
	/* every task alive and waiting (the workload marked it), or the
	 * command's sample with the most tasks alive */
	LAB_MEMORY_PEAK = 2,
};

/* The memory samples' handshake (probes/memory_watch.h). A workload run
 * by lab finds the number of a socket in this variable; at each point
 * it sends a struct lab_memory_request and waits for a byte back: the
 * sample is taken while it waits, outside the phases it times. */
#define LAB_MEMORY_FD_ENV "LAB_MEMORY_FD"

struct lab_memory_request {
	unsigned int point; /* enum lab_memory_point */
};

#endif /* LAB_MARKS_H */
