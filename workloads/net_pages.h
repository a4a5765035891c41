/* net_pages.h - the net scenario's callback and the ways fetched pages
 * reach it, one a model:
 *	processes	each client writes its pages into a pipe, and the
 *			parent reads them and calls the callback
 *	threads		pages go into a queue under a mutex, and the root
 *			thread drains it and calls the callback outside the
 *			lock
 *	events		each client's state machine calls it itself
 *	coroutines	each client calls the callback itself
 *	serial		the only client calls it itself
 * The callback checks each page against what the server had to send, and
 * that it runs where it should: in the collecting task.
 */
#ifndef LAB_NET_PAGES_H
#define LAB_NET_PAGES_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "workloads/launch.h"
#include "workloads/net_client.h"

/* threads: pages waiting for the root thread. The array has room for
 * every page, so it is never full and never moves. */
struct net_queue {
	pthread_mutex_t lock;
	pthread_cond_t more;
	struct net_page *items;
	size_t tail, cap;
	unsigned running; /* clients that may still add pages */
};

struct net_pages {
	enum launch_model model;
	unsigned clients, ops;
	/* what the callback learns; touched only in the collecting task */
	pid_t tid;	     /* the collecting task */
	unsigned char *seen; /* per client and op */
	unsigned pages, dups, wrong, elsewhere;
	uint64_t bytes, fetch_ns;
	int pipe_r, pipe_w; /* processes */
	struct net_queue q; /* threads */
	int queue_made;
};

/* The books, in the collecting task (the caller), and the model's way
 * to them; 0, or -1 having said why after name. */
int net_pages_make(struct net_pages *pg, const char *name,
		   enum launch_model model, unsigned clients, unsigned ops);
/* Gives back what make made, made or not (fds -1 before it runs). */
void net_pages_free(struct net_pages *pg);
/* A client's deliver for the model (net_client.h), with pg as arg. */
int net_pages_deliver(void *pg, const struct net_page *page);
/* Once the clients are started: the pipe's write end is theirs now, and
 * those that never started add no pages. */
void net_pages_started(struct net_pages *pg, unsigned not_started);
/* A thread's client is done: the root waits for no more of its pages. */
void net_pages_leave(struct net_pages *pg);
/* The collecting task's part while the clients run (processes and
 * threads): every page to the callback, until the last client is done. */
void net_pages_collect(struct net_pages *pg);
/* Pages of client i that reached the callback. */
unsigned net_pages_of(const struct net_pages *pg, unsigned i);

#endif /* LAB_NET_PAGES_H */
