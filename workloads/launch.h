/* launch.h - the model launcher: one scenario's N tasks started as
 * processes, threads, state machines on one epoll loop or coroutines (or
 * one after another), let go together, joined, and judged, whatever the
 * model.
 *
 * A scenario says what its tasks are once, in a struct launch_kind: the
 * job every task runs, the same code in every model, its own check and
 * report, and the hooks for what only it does. launch.c does the rest,
 * one function a model side by side: fork/waitpid, pthread_create/
 * pthread_join, state machines on an epoll loop, coro_spawn/coro_run, a
 * plain loop. It also makes every phase marker (markers.h) of a run, so
 * that all scenarios split their runs the same way.
 *
 * What the tasks share, whatever the model:
 *	slots	one a task, in a MAP_SHARED mapping, so that a forked child
 *		writes where the root reads; a scenario's slot is a struct
 *		with struct launch_task first
 *	gate	tasks wait at it until every one exists (LAUNCH_GATE)
 *	shared	the scenario's counter, dictionary or interpreter state: a
 *		global of its own, so that a trace names its address; with
 *		LAUNCH_SHARE_MEMORY processes get a MAP_SHARED copy instead
 *	lock	a struct launch_lock at the start of shared (LAUNCH_LOCK):
 *		a pthread mutex, process-shared in that copy, or a
 *		coroutine mutex
 *
 * A run goes
 *	launch_run: prepare -> START, OPS, SETUP -> setup -> SPAWN ->
 *	started -> go phase -> root -> join phase -> stop -> join ->
 *	TEARDOWN -> check, report -> END -> teardown
 * where each hook may be missing, and the join is the scenario's own
 * with LAUNCH_OWN_JOIN. Scenarios that start their tasks in
 * rounds (spawn) or in several groups (shared) call the steps below
 * launch_run themselves.
 */
#ifndef LAB_LAUNCH_H
#define LAB_LAUNCH_H

#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "workloads/markers.h"
#include "workloads/tasks.h"
#include "workloads/workload.h"

enum launch_model {
	LAUNCH_PROCESSES,
	LAUNCH_THREADS,
	LAUNCH_COROUTINES,
	LAUNCH_SERIAL,
	/* one thread, an epoll loop, each task a state machine advanced by
	 * callbacks: only kinds with a machine have it */
	LAUNCH_EVENTS,
	LAUNCH_MODELS,
};

struct launch;

/* What every task's slot starts with. */
struct launch_task {
	struct launch *run;
	unsigned id;   /* 0..n-1 */
	char name[16]; /* "cpu-w3": fits the kernel's 15 characters */
	int cpu;       /* the CPU it is pinned to, -1 for any */
	pid_t pid;
	pthread_t thread;
	int started;
	int failed;    /* could not pin, was called off, died, or said so */
	int status;    /* processes: as waitpid gave it, once reaped */
	uint64_t done; /* operations made, as the job counts them */
};

/* The lock of LAUNCH_LOCK, at the start of the scenario's shared struct.
 * One call for every model, so that a job takes it the same way. */
struct launch_lock {
	pthread_mutex_t mutex;	 /* processes, threads, serial */
	struct coro_mutex *coro; /* coroutines */
};

enum launch_flags {
	/* processes and threads wait at a start gate until every task
	 * exists: the timed part is the job alone */
	LAUNCH_GATE = 1 << 0,
	/* each task on one CPU of --cpu, taken in turn; coroutines and the
	 * serial run, one thread, on the first */
	LAUNCH_PIN = 1 << 1,
	/* processes reaped as they end; the first to die or fail has the
	 * others killed, as they would wait for it for ever (it may hold
	 * the lock, or items they wait for). Needs the tasks to be the
	 * only children of the run. */
	LAUNCH_STOP_ALL = 1 << 2,
	/* processes get a MAP_SHARED copy of shared, zeroed */
	LAUNCH_SHARE_MEMORY = 1 << 3,
	/* a struct launch_lock at the start of shared */
	LAUNCH_LOCK = 1 << 4,
	/* ... robust between processes: one killed holding it leaves it to
	 * the next taker instead of to no one */
	LAUNCH_ROBUST = 1 << 5,
	/* START and END only: no OPS, no phase */
	LAUNCH_UNMARKED = 1 << 6,
	/* the scenario waits for its tasks itself, as its lesson shows:
	 * launch_join leaves them */
	LAUNCH_OWN_JOIN = 1 << 7,
};

/* What a scenario's tasks are, said once. */
struct launch_kind {
	const char *scenario; /* "cpu": the run is named "cpu-processes" */
	const char *prefix;   /* of task names: "cpu-w" names cpu-w0.. */
	unsigned tasks;	      /* how many when not told */
	unsigned max_tasks;   /* 0: the scenario checks in prepare */
	size_t run_size;      /* its run struct, struct launch first */
	size_t slot_size;     /* its slot struct, struct launch_task first */
	unsigned flags;	      /* enum launch_flags */
	void *shared;	      /* the global the tasks share, or NULL */
	size_t shared_size;
	/* The phases the root marks: go when the tasks are let go (coro_run,
	 * the serial loop; for processes and threads the gate opening or the
	 * root's part beginning, when there is one), join once the root's
	 * part is done and it waits for them; 0 marks none. */
	enum lab_phase go_phase, join_phase;

	/* The job, the same in every model. */
	void (*job)(struct launch_task *t);
	/* The same job for the events model, as a state machine: arms task
	 * t's first timer or watch on the thread's loop (evloop.h), whose
	 * callbacks then do the work; t->failed says when it could not. */
	void (*machine)(struct launch_task *t);
	/* Bytes of a task's state machine: all it keeps between two
	 * callbacks, where a coroutine keeps its stack. */
	size_t machine_size;
	/* Before anything is marked: the scenario's parameters (l->ops,
	 * durations), and what must exist before START; 0, or -1 having
	 * said why. */
	int (*prepare)(struct launch *l, const struct workload_params *p);
	/* In the SETUP phase, the slots ready: what the tasks share beyond
	 * them; 0, or -1 having said why. */
	int (*setup)(struct launch *l);
	/* A task's name, when prefix and id are not enough. */
	void (*name)(const struct launch *l, unsigned i, char *buf, size_t len);
	/* In a forked child, before the job: keep only its own part. */
	void (*child)(struct launch_task *t);
	/* Once every task is started (or the first could not be): the
	 * root's part of the start, such as closing the ends its children
	 * hold now. */
	void (*started)(struct launch *l);
	/* The root's own part while the tasks run, per model: on the root
	 * thread for processes and threads, as one more coroutine for
	 * coroutines, which must let the others run while it waits; for
	 * events its first step, arming what the loop then calls back
	 * (then the join phase and stop once the loop has ended). */
	void (*root[LAUNCH_MODELS])(struct launch *l);
	/* After the root's part: what tells the tasks to end. */
	void (*stop)(struct launch *l);
	/* The verdict, 0 when right; one line on stderr says what is not. */
	int (*check)(struct launch *l);
	/* The line printed for a run that passed. */
	void (*report)(const struct launch *l);
	/* Gives back what prepare and setup made: runs once prepare has run,
	 * even when it or setup failed. */
	void (*teardown)(struct launch *l);
};

struct launch {
	const struct launch_kind *kind;
	enum launch_model model;
	char name[40];	 /* "cpu-processes": starts every line */
	unsigned n;	 /* tasks */
	unsigned marked; /* START's value when not n, as prepare set it:
			  * tasks a launched one makes itself */
	uint64_t ops;	 /* per task, as prepare set it: the OPS marker */
	int cpus[TASKS_MAX_CPUS];
	unsigned ncpus;
	void *shared;	/* the kind's, or the processes' MAP_SHARED copy */
	unsigned round; /* tasks are named round x n + id */
	struct launch *parent; /* the run a group belongs to; NULL: a run */
	/* how the start went */
	unsigned started;
	int start_err;		  /* errno of the call that failed, 0 */
	const char *start_call;	  /* "fork", "pthread_create", ... */
	struct launch_task *died; /* STOP_ALL: the first that died */
	/* CLOCK_MONOTONIC ns: creation began (the serial run: went), the
	 * tasks were let go, the last was joined */
	uint64_t start_ns, go_ns, joined_ns;
	uint64_t spawn_ns, join_ns; /* the last start's and join's length */
	/* the root's time inside fork, pthread_create or coro_spawn, summed
	 * over every task of every start: the creator's share of a task */
	uint64_t create_ns;
	uint64_t switches;   /* coroutine switches of the run, at its end */
	uint64_t dispatches; /* events: callbacks the loop called */
	/* private to launch.c */
	struct launch_board *board;
	size_t board_len, stride;
	int shared_mapped, lock_made, pinned;
	int unsaid; /* start_err is not on stderr yet */
	uint64_t switches0, dispatches0;
	cpu_set_t saved;
};

/* Runs a whole scenario in one model: what a workload's run() calls.
 * Returns 0 when the result is right. */
int launch_run(const struct launch_kind *kind, enum launch_model model,
	       const struct workload_params *p);

/* Task i's slot, as the scenario's own struct. */
void *launch_slot(const struct launch *l, unsigned i);

/* The steps launch_run is made of, for a scenario that calls them
 * itself: launch_begin, then any number of start, go, join rounds, then
 * launch_end, which is the way out once launch_begin has succeeded. */

/* Allocates kind->run_size bytes, takes the parameters, prepares, marks
 * the start and sets up. NULL when the run cannot go on, having said why
 * and undone what it did. */
struct launch *launch_begin(const struct launch_kind *kind,
			    enum launch_model model,
			    const struct workload_params *p);
/* A second group of tasks in the same run (a manager beside workers):
 * kind's slots, names and n tasks; nothing prepared, set up or marked
 * (give it LAUNCH_UNMARKED). NULL when it cannot be made. */
struct launch *launch_group(struct launch *run, const struct launch_kind *kind,
			    unsigned n);
/* Frees a group made by launch_group. */
void launch_group_free(struct launch *g);

/* Creates every task (the serial run: none), marking SPAWN. 0, or -1
 * when one could not be created: start_err and start_call say why, and
 * no later one was tried. The steps leave a failure for the caller to
 * say; launch_run says it. */
int launch_start(struct launch *l);
/* Says on stderr a failure the steps recorded and left unsaid, once. */
void launch_say(struct launch *l);
/* Lets them go: the go phase, the gate, the root's part, the join
 * phase, stop; coroutines and the serial run do their work here. */
void launch_go(struct launch *l);
/* Waits for every task that was started and reaps it. */
void launch_join(struct launch *l);
/* Marks TEARDOWN, then checks and reports unless result already says
 * the run failed, marks the end, tears down and frees l (and a group,
 * given as l). Returns the run's result. */
int launch_end(struct launch *l, int result);
/* The tasks' part of a verdict where each task makes l->ops operations
 * ("decrements"): every task started, none was killed, each made all of
 * its operations. 0, or 1 after one line on stderr, which for a task that
 * fell short ends with tail; stopped ends the line for a task killed with
 * LAUNCH_STOP_ALL. */
int launch_verdict(const struct launch *l, const char *ops, const char *stopped,
		   const char *tail);

/* For a report line of the events model, before its newline: the
 * callbacks its loop dispatched and a task's state-machine bytes, printed
 * and marked (LAB_RESULT_DISPATCHES, LAB_RESULT_MACHINE_BYTES). Other
 * models: nothing. */
void launch_events_note(const struct launch *l);

/* Where a task lets the others run: a coroutine yields, as a task under a
 * cooperative scheduler must; the kernel preempts threads and processes
 * by itself. */
void launch_pause(const struct launch_task *t);

/* The lock of LAUNCH_LOCK. take returns 0, or an errno value when it
 * cannot be had; a robust lock whose holder died is taken all the same,
 * what that holder was doing left undone. */
int launch_lock_try(struct launch_lock *k);
int launch_lock_take(struct launch_lock *k);
void launch_lock_give(struct launch_lock *k);

#endif /* LAB_LAUNCH_H */
