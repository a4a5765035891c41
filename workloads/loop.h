/* loop.h - the epoll loop of the workload_table' servers: net's server and
 * shared's manager. Each watched descriptor has a callback; the loop
 * waits for them, calls them, and goes on until it is stopped or nothing
 * is watched any more.
 *
 * A loop blocks its thread in epoll_wait, or, run in a coroutine
 * (parking), looks without waiting and parks through the runtime until
 * its epoll descriptor is ready, so that the other coroutines, its
 * clients, run meanwhile. (The coroutine runtime's own loop, coro/poll.c,
 * waits for the coroutines' descriptors; this one is a server's.)
 */
#ifndef LAB_LOOP_H
#define LAB_LOOP_H

#include <stdint.h>

#define LOOP_MAX_EVENTS 64 /* the largest batch a loop may ask for */

struct loop;

/* One watched descriptor, kept by its owner for as long as it is
 * watched. */
struct loop_item {
	int fd;
	/* called with the events epoll reported */
	void (*fn)(struct loop *lp, struct loop_item *it, uint32_t events);
	void *arg; /* the owner's */
};

struct loop {
	int epfd;
	int parking;	  /* run in a coroutine: park, never block */
	int max_events;	  /* a batch: the most one epoll_wait returns */
	unsigned watched; /* descriptors in the set */
	int stop;	  /* set by a callback: the loop returns */
	/* after each batch of callbacks, or NULL */
	void (*after)(struct loop *lp);
	void *arg; /* the owner's */
};

/* An empty loop taking up to max_events (at most LOOP_MAX_EVENTS) a
 * batch; 0, or -1 with errno set. */
int loop_init(struct loop *lp, int parking, int max_events);
/* Watches it->fd for events; 0, or -1 with errno set. */
int loop_add(struct loop *lp, struct loop_item *it, uint32_t events);
/* Changes what it->fd is watched for; 0, or -1 with errno set. */
int loop_mod(struct loop *lp, struct loop_item *it, uint32_t events);
/* Watches it->fd no more (before it is closed). */
void loop_del(struct loop *lp, struct loop_item *it);
/* Runs until a callback sets stop or nothing is watched: 0, or -errno
 * when waiting failed. */
int loop_run(struct loop *lp);
void loop_free(struct loop *lp);

#endif /* LAB_LOOP_H */
