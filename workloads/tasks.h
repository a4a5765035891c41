/* tasks.h - the tasks of a chain run (the cpu and gil scenarios), whatever
 * the model: how many and how much work, the CPUs they go on, the shared
 * slots they report in, and the verdict on their chains.
 *
 * The calls that make a model stay in the scenario files, next to each
 * other: fork/waitpid, pthread_create/pthread_join, coro_spawn/coro_run.
 * This module is what surrounds them. A run goes
 *	tasks_begin -> start, join -> tasks_finish
 * and tasks_finish is the way out once tasks_begin has succeeded.
 */
#ifndef LAB_TASKS_H
#define LAB_TASKS_H

#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include "chain.h"
#include "workload.h"

#define TASKS_MAX_CPUS 64 /* entries in a --cpu list */

/* What every task's slot starts with. A scenario's slot is a struct with
 * one of these first, then the task's own results. */
struct tasks_slot {
	unsigned id;
	char name[16]; /* "cpu-w3": fits the kernel's 15 characters */
	int cpu;       /* the CPU it is pinned to, -1 for any */
	pid_t pid;
	pthread_t thread;
	int started;
	int failed;	    /* could not pin, or died */
	uint64_t ops;	    /* steps to make */
	struct chain chain; /* the task's own */
	uint64_t x;	    /* where the chain ended */
	uint64_t done;	    /* steps made */
};

struct tasks;

/* What a scenario's tasks are, said once. */
struct tasks_kind {
	unsigned tasks;	    /* how many when not told */
	uint64_t ops;	    /* steps a task when told neither ops nor time */
	const char *prefix; /* of task names: "cpu-w" names cpu-w0, cpu-w1.. */
	size_t slot_size;   /* sizeof the scenario's slot struct */
	/* the line printed for a run that passed; extra ends it */
	void (*report)(const struct tasks *ts, const char *extra);
};

struct tasks {
	const struct tasks_kind *kind;
	const char *name; /* the workload's, "cpu-threads": starts every line */
	unsigned n;
	uint64_t ops; /* per task */
	int cpus[TASKS_MAX_CPUS];
	unsigned ncpus;
	/* a MAP_SHARED mapping, so that a forked child writes where the root
	 * reads */
	void *slots;
	size_t stride, map_len;
	uint64_t begin_ns; /* CLOCK_MONOTONIC, once the slots are ready */
	double secs;	   /* wall time of the run */
};

/* Takes the parameters, marks the start of the run and makes the slots,
 * each task with its name, CPU and chain; 0 when the run can go on. The
 * parameters: tasks, else the kind's default; ops, else duration_s
 * (seconds of CPU for all tasks together, turned into steps by a quick
 * calibration), else the default; the CPU list, where "0" puts every task
 * on CPU 0 and "0,1" alternates them. When it fails it has said why on
 * stderr and undone what it did. */
int tasks_begin(struct tasks *ts, const struct tasks_kind *kind,
		const char *name, const struct workload_params *p);

/* Task i's slot, as the scenario's own struct. */
void *tasks_slot(const struct tasks *ts, unsigned i);

/* Records whether task t started: err is what the call that starts it
 * gave, as an errno value, 0 when it started. Says why not on stderr;
 * returns err != 0. */
int tasks_started(const struct tasks *ts, struct tasks_slot *t, int err,
		  const char *call);

/* In a process or thread task: pins the calling thread to the task's CPU.
 * A task that cannot be pinned is failed and must not run (-1). */
int tasks_pin(struct tasks_slot *t);

/* After waitpid for a process task gave got and status: a child that died
 * or exited non-zero failed, its slot left as far as it got. */
void tasks_reaped(struct tasks_slot *t, pid_t got, int status);

/* Coroutines and the serial run are one thread: it goes on the first CPU
 * of the list, and back where it was afterwards. */
int tasks_pin_root(const struct tasks *ts, cpu_set_t *saved);
void tasks_unpin_root(const struct tasks *ts, const cpu_set_t *saved);

/* What scenarios that keep their tasks another way (lock, race,
 * pingpong) share with these runs: the --cpu list and pinning. */

/* Reads a --cpu list, "0" or "0,1,3", into cpus, which has room for
 * TASKS_MAX_CPUS; a trailing comma is allowed, as lab's own --cpu allows
 * it. NULL is no list: *ncpus 0. Says why not on stderr, after name, when
 * the list is bad or names a CPU this process may not run on (-1). */
int tasks_parse_cpus(const char *name, const char *list, int *cpus,
		     unsigned *ncpus);

/* Pins the calling thread (and so a single-threaded process) to cpu; -1
 * leaves it where it is. 0 when it did, else -1 with errno set. */
int tasks_pin_cpu(int cpu);

/* Confines the calling process, and so every task it creates after, to
 * the CPUs of a --cpu list (NULL: leaves it as it is); scenarios that
 * place each task on one CPU of the list do so within it. 0 when it did,
 * else -1 having said why on stderr, after name. */
int tasks_confine(const char *name, const char *list);

/* tasks_pin_root and tasks_unpin_root, for a list of ncpus CPUs */
int tasks_pin_thread(const char *name, const int *cpus, unsigned ncpus,
		     cpu_set_t *saved);
void tasks_unpin_thread(unsigned ncpus, const cpu_set_t *saved);

/* Judges the run, reports it, marks its end and gives back the slots.
 * result non-zero is a failure that was already said; returns the run's
 * result, 0 when every task made all its steps and ended where the closed
 * form says. */
int tasks_finish(struct tasks *ts, int result, const char *extra);

/* clock in nanoseconds: CLOCK_MONOTONIC for spans, CLOCK_THREAD_CPUTIME_ID
 * for the CPU a task used */
uint64_t tasks_clock_ns(clockid_t clock);

/* Raises the descriptor limit to fit n tasks holding `fds` each ("what"
 * names them in the message); 0, or -1 after one line on stderr. */
int tasks_fd_room(const char *name, const char *what, unsigned n, unsigned fds);

#endif /* LAB_TASKS_H */
