/* tally.h - the tasks of a tally run (the lock and race scenarios): N
 * tasks update one shared counter, ops times each, and are let go through
 * a gate together once all of them exist, so that the timed part is the
 * job alone and they contend from the first update.
 *
 * The calls that make a model stay in the scenario files, next to each
 * other: fork/waitpid, pthread_create/pthread_join, coro_spawn/coro_run.
 * This module is what surrounds them. A run goes
 *	tally_begin -> start, tally_open, join -> tally_stop -> tally_finish
 * where coroutines and the serial run, which need no gate, start the
 * clock with tally_work instead of tally_open; tally_finish is the way
 * out once tally_begin has succeeded.
 */
#ifndef LAB_TALLY_H
#define LAB_TALLY_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "tasks.h"
#include "workload.h"

struct tally_run;

struct tally_task {
	struct tally_run *run;
	unsigned id;
	char name[16]; /* "lock-w3": fits the kernel's 15 characters */
	int cpu;       /* the CPU it is pinned to, -1 for any */
	pid_t pid;
	pthread_t thread;
	int started;
	int failed;	/* could not pin, was called off, or died */
	unsigned done;	/* updates made */
	uint64_t waits; /* lock: acquisitions that found the lock held */
};

/* Where tasks report: a MAP_SHARED mapping, so that a forked child writes
 * where the root reads. */
struct tally_board {
	uint32_t gate; /* gate.h */
	struct tally_task t[];
};

/* What a scenario's run is, said once. */
struct tally_kind {
	unsigned tasks;	     /* how many when not told */
	unsigned ops;	     /* updates a task makes when not told */
	const char *prefix;  /* of task names: "lock-w" names lock-w0.. */
	const char *updates; /* what a task makes: "decrements" */
	/* ends the line that says a task was killed and the others stopped */
	const char *stopped;
	/* The counter threads, coroutines and the serial run update: a
	 * global, so that the address a trace sees has its name. Processes
	 * cannot share a global (after fork each has its own copy) and get a
	 * shared mapping of the same size instead, zeroed. */
	void *counter;
	size_t counter_size;
};

struct tally_run {
	const struct tally_kind *kind;
	const char
		*name; /* the workload's, "lock-threads": starts every line */
	unsigned n;
	unsigned ops;  /* per task */
	long updates;  /* tasks x ops */
	void *counter; /* the kind's, or the processes' shared copy */
	int counter_mapped;
	struct tally_board *board;
	size_t board_size;
	int cpus[TASKS_MAX_CPUS];
	unsigned ncpus;
	unsigned started; /* tasks that existed when the gate was set */
	uint64_t t0_ns;	  /* CLOCK_MONOTONIC, when the work began */
	double secs;	  /* from there to tally_stop */
	/* processes: the first child that died or failed, and how */
	const struct tally_task *died;
	int died_status;
};

/* Takes the parameters (tasks and ops, else the kind's defaults; the CPU
 * list, where "0" puts every task on CPU 0 and "0,1" alternates them),
 * marks the start of the run and makes the board, each task with its name
 * and CPU. shared: the counter goes in a shared mapping (processes). 0
 * when the run can go on; when it fails it has said why on stderr and
 * undone what it did. */
int tally_begin(struct tally_run *r, const struct tally_kind *kind,
		const char *name, const struct workload_params *p, int shared);

/* Records whether task t started: err is what the call that starts it
 * gave, as an errno value, 0 when it started. Says why not on stderr;
 * returns err != 0. */
int tally_started(const struct tally_run *r, struct tally_task *t, int err,
		  const char *call);

/* In a process or thread task, before its job: pins it to its CPU and
 * waits at the gate. 1 when it may work; 0, the task failed, when it could
 * not be pinned or the run was called off. */
int tally_ready(struct tally_task *t);

/* Processes and threads, once the calls that start them are made: marks
 * the work, starts the clock and opens the gate, or calls the run off
 * when not every task started; then marks the join. */
void tally_open(struct tally_run *r);

/* Coroutines and the serial run: marks the work and starts the clock. */
void tally_work(struct tally_run *r);

/* Stops the clock: secs is the time since the work began. */
void tally_stop(struct tally_run *r);

/* After waitpid for any child gave pid and status: 1 when pid was one of
 * the run's tasks. One that died or exited non-zero failed, and the first
 * to do so stops the others at once (SIGKILL): the count is wrong whatever
 * they do, and one killed holding a lock would leave them waiting for it
 * forever. */
int tally_reaped(struct tally_run *r, pid_t pid, int status);

/* Every task started and made all its updates, and no process was
 * killed; one line on stderr says what was wrong otherwise, the line for a
 * task that fell short ending with tail. 0 when the tasks did their part;
 * the counter is for the scenario to judge. */
int tally_verdict(const struct tally_run *r, const char *tail);

/* Marks the end of the run and gives back the board and the shared
 * counter; returns result. */
int tally_finish(struct tally_run *r, int result);

#endif /* LAB_TALLY_H */
