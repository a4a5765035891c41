/* pingpong_links.h - how the pingpong scenario's token travels, one way
 * a model, the lesson's difference:
 *	processes	two pipes, one each way: a write and a read a pass
 *	threads		one shared word: store, FUTEX_WAKE; the other side
 *			sleeps in FUTEX_WAIT until the word changes
 *	coroutines	the same shared word; the other side yields until it
 *			changes: each hand-over is one switch in user space
 */
#ifndef LAB_PINGPONG_LINKS_H
#define LAB_PINGPONG_LINKS_H

#include <sched.h>
#include <stdint.h>
#include "workloads/launch.h"

#define PP_GONE UINT32_MAX /* the token of a task that gave up */

/* A task's slot; base.id: w0 serves, w1 answers. */
struct pp_task {
	struct launch_task base;
	int fd_in, fd_out; /* processes: the pipe ends it reads and writes */
	uint32_t last;	   /* the token it passed last */
	uint32_t want;	   /* when failed: the token due, and the one got */
	uint32_t got;
	unsigned trips;		  /* round trips completed */
	uint64_t ns;		  /* time they took */
	uint64_t kernel_switches; /* context switches of its thread */
	uint64_t user_switches;	  /* coroutine switches of its thread */
	cpu_set_t seen;		  /* CPUs it was found running on */
};

/* Threads and coroutines pass the token in one word of their process,
 * the run's shared global. */
struct pp_word {
	uint32_t word; /* the token passed last */
	uint32_t gone; /* a task gave up: nobody will answer */
};

/* How the token travels; the job is the same whichever it is. */
struct pp_link {
	int (*pass)(struct pp_task *t, uint32_t token);
	int (*await)(struct pp_task *t, uint32_t *token);
	/* tells a waiting peer that this task gave up; NULL when its exit
	 * says so (a closed pipe) */
	void (*abandon)(struct pp_task *t);
};

/* The model's link. */
const struct pp_link *pingpong_link_of(enum launch_model model);

#endif /* LAB_PINGPONG_LINKS_H */
