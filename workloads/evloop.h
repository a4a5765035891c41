/* evloop.h - the events model's loop: one thread, one epoll set and a
 * heap of timers, and every task a state machine that the loop advances
 * by calling its callbacks. No task has a stack of its own: what it must
 * remember between two steps is in its state machine's struct.
 *
 * It waits as the coroutine runtime (coro/poll.c, coro/timer.c) does, so
 * that the two models differ only in how a task resumes: a descriptor is
 * armed one-shot for each wait (one epoll_ctl), and the loop sleeps in
 * epoll_pwait2 until the next timer is due. Where a coroutine would be
 * switched to, the loop calls a function: one dispatch, which it counts.
 *
 *	evloop_watch(&w, EPOLLIN);   w.fn runs once when w.fd is readable
 *	evloop_after(&t, ns);        t.fn runs once ns from now
 *	evloop_run();                until nothing is armed
 */
#ifndef LAB_EVLOOP_H
#define LAB_EVLOOP_H

#include <stdint.h>

/* A descriptor a state machine waits on; its owner keeps it for as long
 * as the descriptor is open. */
struct evloop_watch {
	int fd;
	/* called once with the events epoll reported, the watch disarmed */
	void (*fn)(struct evloop_watch *w, uint32_t revents);
	void *arg;	/* the owner's */
	int registered; /* in the epoll set, armed or not */
	int armed;
};

/* A timer a state machine waits on. */
struct evloop_timer {
	uint64_t deadline; /* CLOCK_MONOTONIC ns */
	uint64_t seq;	   /* ties wake in the order they were set */
	void (*fn)(struct evloop_timer *t);
	void *arg; /* the owner's */
};

/* Arms w for one report of events (EPOLLIN, EPOLLOUT); 0, or -errno. A
 * watch already armed is re-armed for the new events. */
int evloop_watch(struct evloop_watch *w, uint32_t events);
/* Calls t->fn once ns from now; 0, or -ENOMEM. */
int evloop_after(struct evloop_timer *t, uint64_t ns);
/* Calls the callbacks as their events come, until no watch and no timer
 * is armed; 0, or -errno when waiting failed (the armed ones are then
 * dropped). Closes the epoll set at the end. */
int evloop_run(void);
/* Callbacks this thread's loop has called so far: its dispatches. */
uint64_t evloop_dispatches(void);

#endif /* LAB_EVLOOP_H */
