/* io_run.h - what the io scenario's files share: a run, a task's slot,
 * and the events model's state machines (io_events.c). */
#ifndef LAB_IO_RUN_H
#define LAB_IO_RUN_H

#include <stdint.h>
#include "workloads/evloop.h"
#include "workloads/io_waits.h"
#include "workloads/launch.h"

/* The events model's task: everything it remembers between two
 * callbacks, where a coroutine keeps its place on its stack. */
struct io_machine {
	struct evloop_timer timer;
	struct evloop_watch watch; /* its end of the socket */
	unsigned op;		   /* the round it is in */
	unsigned moved;		   /* bytes of out sent, or of back read */
	struct io_record out, back;
	uint64_t steps; /* callbacks that advanced it */
};

/* The events model's echo side of one socket. */
struct io_echo_machine {
	struct evloop_watch watch;
	unsigned moved; /* bytes of rec read, or sent back */
	struct io_record rec;
	uint64_t steps;
};

/* A task's slot; base.failed is the task's own verdict: an echo did not
 * come back. */
struct io_task {
	struct launch_task base;
	unsigned echoed;	  /* records the echo side answered, in order */
	int bad;		  /* the echo side got a record out of order */
	struct io_machine m;	  /* events only */
	struct io_echo_machine e; /* events only */
};

struct io_run {
	struct launch base;
	uint64_t wait_ns;
	/* each task's socketpair: its own end and the echo side's */
	int *fd, *echo_fd;
};

/* The echo side's check of the next record a task sends. */
static inline int io_record_expected(const struct io_task *t,
				     const struct io_record *rec)
{
	return rec->task == t->base.id && rec->op == t->echoed &&
	       rec->check == io_check(rec->task, rec->op);
}

/* The events model: arms task t's first timer (launch_kind.machine). */
void io_events_begin(struct launch_task *t);
/* Arms the echo side of task t's socket; 0, or -errno. */
int io_events_echo(struct io_task *t);
/* Callbacks the state machines of l counted: the loop's dispatches. */
uint64_t io_events_steps(const struct launch *l);

#endif /* LAB_IO_RUN_H */
