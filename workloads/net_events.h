/* net_events.h - a client of the net scenario as a state machine, for the
 * events model: the same fetches as net_client_run() (net_client.h), cut
 * at every wait into callbacks of the thread's loop (evloop.h). */
#ifndef LAB_NET_EVENTS_H
#define LAB_NET_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include "workloads/evloop.h"
#include "workloads/net_client.h"
#include "workloads/net_proto.h"

/* Everything a client remembers between two callbacks: where a
 * coroutine keeps its locals and its place on its stack. */
struct net_machine {
	struct net_client c;	   /* who it is, where pages go */
	struct evloop_timer start; /* its first step, once the loop runs */
	struct evloop_watch watch;
	unsigned op;	  /* the fetch it is in */
	int failed;	  /* it ended early */
	int done;	  /* it ended */
	size_t sent, got; /* of the request, of the reply */
	long want;	  /* the reply's length, once its header came */
	int req_len;
	uint64_t t0;	/* the request went out */
	uint64_t steps; /* callbacks that advanced it */
	char req[NET_REQ_MAX];
	char buf[NET_REPLY_MAX + 1];
};

/* Arms a client's first step, which connects to c->port once the loop
 * runs, as a coroutine's first run would; its callbacks do the rest.
 * Ends at once with failed set when it cannot. */
void net_events_begin(struct net_machine *m, const struct net_client *c);

#endif /* LAB_NET_EVENTS_H */
