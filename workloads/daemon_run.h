/* daemon_run.h - what the daemon scenario's files share: its run, its
 * workers as main sees them, and the daemon's and the workers' jobs; then
 * what each model does at main's end, in daemon_<model>.c. */
#ifndef LAB_DAEMON_RUN_H
#define LAB_DAEMON_RUN_H

#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "workloads/launch.h"

/* How long main waits for a returned thread's kernel task to go, or for
 * the daemon's first beat. */
#define DAEMON_WAIT_NS 5000000000ull

struct daemon_worker {
	unsigned id;
	char name[20]; /* "daemon-w1"; at most 100000 workers fit in 15 */
	pid_t pid;     /* processes: its pid; threads: its tid */
	pthread_t thread;
	int started;
	sem_t returned; /* threads: posted just before it returns */
	void *stack_lo; /* threads: where its stack is mapped */
	size_t stack_len;
	char state_exit; /* processes: /proc state once it has exited */
	char state_held; /* ... after the hold, before waitpid */
	char state_reaped;
	int gone_held;	 /* threads: no kernel task after the hold */
	int mapped_held; /* threads: stack still mapped after the hold */
	int ok;		 /* exited 0 / returned every op */
	uint64_t exited_ns, reaped_ns;
};

/* Shared with forked children: the heartbeat and what main observed. */
struct daemon_shared {
	uint64_t beats;	  /* the daemon's heartbeats */
	int in_loop;	  /* the daemon has entered its loop */
	int left_loop;	  /* the daemon left its loop: ended by itself */
	int asleep;	  /* the daemon waits in its sleep */
	pid_t daemon_id;  /* its pid or tid */
	int alive_at_end; /* main saw it still looping at main's end */
	uint64_t beats_at_end;
	uint64_t ops_done; /* every worker's ticks together */
	struct daemon_worker w[];
};

struct daemon_run {
	struct launch base; /* processes, coroutines: the daemon, then the
			     * workers; threads: none, daemon-prog has them */
	unsigned n, ops;    /* workers, ticks a worker */
	uint64_t tick_ns, hold_ns;
	struct daemon_shared *sh;
	size_t sh_len;
	pid_t parent; /* the run's process, which helpers must not outlive */
	pid_t prog;   /* threads: daemon-prog */
	int prog_status;
	/* coroutines */
	int main_done;
	uint64_t main_end_ns, daemon_end_ns;
	uint64_t stacks_new; /* stacks the late coroutine's spawn mapped */
	int late_ran;
	struct coro_chan *done;
};

uint64_t daemon_now_ns(void);
/* The daemon, the same in every model: a heartbeat each tick, for ever,
 * or until *stop when it is given one. */
void daemon_beat(struct daemon_shared *sh, uint64_t tick_ns,
		 void (*sleep_ns)(uint64_t), const int *stop);
/* A worker's job: ops ticks of waiting. Returns the ticks done. */
unsigned daemon_work(struct daemon_run *r, void (*sleep_ns)(uint64_t));
/* Waits, at most DAEMON_WAIT_NS, for the daemon's first beat. */
void daemon_wait_beat(struct daemon_shared *sh);
/* A forked helper must not outlive the run's process, even if that
 * dies: the kernel sends it SIGKILL then. */
void daemon_die_with(pid_t parent);
double daemon_ms(uint64_t ns);
/* Every worker did every op and, given seen, was seen as the lesson
 * says; 0, or 1 after a line on stderr. */
int daemon_workers_verdict(const struct daemon_run *r,
			   int (*seen)(const struct daemon_worker *),
			   const char *what);
/* The shortest time any worker waited between its end and its reaping */
uint64_t daemon_min_held(const struct daemon_run *r);

/* processes: sees the workers exit and leaves them zombies, the root's
 * part; holds and reaps them once JOIN is marked; ends the daemon with
 * SIGTERM and checks (daemon_processes.c). */
void daemon_see_exits(struct launch *l);
void daemon_hold_zombies(struct launch *l);
int daemon_processes_check(struct launch *l);
void daemon_processes_report(const struct launch *l);

/* threads: forks daemon-prog, the process whose main ends with the daemon
 * thread still looping, and waits for it, the root's part; then its
 * verdict and report (daemon_threads.c). */
void daemon_prog_start(struct launch *l);
void daemon_prog_wait(struct launch *l);
int daemon_prog_check(struct launch *l);
void daemon_prog_report(const struct launch *l);

/* coroutines: main, the root's part, as one more coroutine; then the
 * verdict and report (daemon_coroutines.c). */
void daemon_coro_main(struct launch *l);
int daemon_coroutines_check(struct launch *l);
void daemon_coroutines_report(const struct launch *l);

#endif /* LAB_DAEMON_RUN_H */
