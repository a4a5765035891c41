/* workload_child.h - runs one workload in a forked child for the scenario
 * tests: its exit status, stdout and stderr, wall time and coroutine
 * switches, and whether it left a child process or a thread behind. Also
 * finds workers by name in /proc, reads the figures a run printed and
 * races the models against each other on a machine that may be busy.
 */
#ifndef LAB_WORKLOAD_CHILD_H
#define LAB_WORKLOAD_CHILD_H

#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>
#include "workloads/workload.h"

/* exit codes of a child whose run returned but left something behind */
#define CHILD_LEFT_A_CHILD	100
#define CHILD_LEFT_A_THREAD	101
#define CHILD_LEFT_A_DESCRIPTOR 102 /* only with child_limits.same_fds */
/* the child could not take the limits asked for; stderr says why */
#define CHILD_NOT_LIMITED 103
/* a hung workload fails its test after this long instead of the suite */
#define CHILD_TIMEOUT_S 30

struct child {
	pid_t pid;
	int status;  /* as waitpid() gives it; -1 before the child ended */
	double secs; /* wall time from fork to exit */
	unsigned long long switches; /* coroutine switches of the run */
	char outtext[4096];	     /* stdout, truncated, NUL-terminated */
	char errtext[4096];	     /* stderr, the same */
	/* private to workload_child.c */
	int out, err, sw; /* read ends: stdout, stderr, the switch count */
	size_t outlen, errlen;
	struct timespec t0;
};

/* What the child may use; a zero field keeps the limit it inherits. */
struct child_limits {
	/* address space above what the child already maps: enough for the
	 * workload's own allocations, too little for many thread stacks */
	size_t as_headroom;
	rlim_t nofile; /* open descriptors */
	/* Tasks, threads included, the child may start beyond those its
	 * user already has: a clone past them fails with EAGAIN, whatever
	 * thread stacks glibc cached from the tests before (an address space
	 * limit lets a cached stack through). Root is not held to
	 * RLIMIT_NPROC, so the child first becomes user nobody: needs root. */
	rlim_t nproc_headroom;
	/* set: the run must close every descriptor it opened */
	int same_fds;
};

/* Forks a child that runs w with p under lim (NULL for none). 0 when it
 * started; -1 with errno set when it could not. */
int child_start(struct child *c, const struct workload *w,
		const struct workload_params *p,
		const struct child_limits *lim);
/* Collects the child: 0 when it exited by itself, -2 when it was still
 * running after CHILD_TIMEOUT_S and had to be killed. */
int child_finish(struct child *c);
/* Starts and finishes; 0 when the child ran and exited by itself,
 * otherwise fails the test saying why not. */
int child_run(struct child *c, const struct workload *w,
	      const struct workload_params *p, const struct child_limits *lim);
/* child_run, killing w's child process named comm with SIGKILL as soon
 * as it appears: how a run copes with a worker that dies. 0 when the
 * child then exited by itself; a worker never seen fails the test too. */
int child_run_killing(struct child *c, const struct workload *w,
		      const struct workload_params *p, const char *comm);
/* Runs w and checks it exited 0 with nothing on stderr; 0 when it did. */
int child_run_ok(struct child *c, const struct workload *w,
		 const struct workload_params *p);
/* 1 when the child exited by itself with code */
int child_exited(const struct child *c, int code);

/* pid of a process whose parent is ppid and whose name is comm, or 0;
 * its state letter ('R', 'S', 'Z', ...) in *state unless state is NULL */
pid_t child_find_named(pid_t ppid, const char *comm, char *state);
/* child_find_named, retried for about 3 s: workers take time to appear */
pid_t child_wait_for_named(pid_t ppid, const char *comm);
/* 1 once every name in comms is a thread of pid, 0 if not within 3 s */
int child_wait_for_threads(pid_t pid, const char *const *comms, size_t n);

/* The stdout text after the first "<name>: ", or NULL. */
const char *child_result(const struct child *c, const char *name);
/* The number that follows the first occurrence of key in text, or -1. */
double child_figure(const char *text, const char *key);
/* The number just before the first occurrence of key in text, or -1. */
double child_figure_before(const char *text, const char *key);

/* CPUs this process may run on */
int child_cpus(void);
/* How many CPUs two spinning threads get right now: about 2 on an idle
 * two-CPU machine, less when other work holds one. */
double child_cpus_free_now(void);

/* One timed race between a scenario's models: 1 when the outcome is the
 * expected one, 0 when it is not, -1 when a run failed (failing the test);
 * what happened in why either way. */
typedef int (*child_race_fn)(const struct workload_params *p, char *why,
			     size_t len);
/* other work on the machine can upset one race */
#define CHILD_RACE_TRIES 3
/* lost every try, but on a machine without two CPUs free to race on */
#define CHILD_RACE_BUSY (-2)
/* Runs race up to CHILD_RACE_TRIES times until it is won or a run fails;
 * its last result, or CHILD_RACE_BUSY when it lost while other work held
 * a CPU, so that the test can skip rather than blame the workload. */
int child_race(child_race_fn race, const struct workload_params *p, char *why,
	       size_t len);

#endif /* LAB_WORKLOAD_CHILD_H */
