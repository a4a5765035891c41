/* net_server.h - the net scenario's server: a TCP server on 127.0.0.1
 * that answers every request after the same delay, in a thread of its
 * own whatever the clients' model.
 *
 * One loop (loop.c) serves every connection without holding up the
 * others; the requests that wait for their delay stand in a FIFO behind
 * one timerfd (equal delays make arrival order deadline order, so the
 * FIFO is all the timer heap it needs).
 */
#ifndef LAB_NET_SERVER_H
#define LAB_NET_SERVER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "workloads/loop.h"
#include "workloads/net_proto.h"

struct net_server;

struct net_conn {
	struct loop_item item;
	struct net_server *server;
	int waiting;	       /* a request waits for its delay */
	int want_out;	       /* EPOLLOUT is armed: the reply did not fit */
	unsigned task, op;     /* of the waiting request */
	uint64_t due;	       /* when to answer it, CLOCK_MONOTONIC ns */
	struct net_conn *next; /* the FIFO of waiting requests */
	size_t in_len, out_len, out_off;
	char in[NET_REQ_MAX];
	char out[NET_REPLY_MAX];
};

struct net_server {
	struct loop loop;
	struct loop_item listen, timer, stop;
	uint16_t port;
	uint64_t delay_ns;
	unsigned max_conns, nconns;
	struct net_conn *conns;
	struct net_conn *due_head, *due_tail;
	uint64_t armed; /* the timerfd's deadline, 0 = disarmed */
	pthread_t thread;
	int started;
	/* read once the thread is joined */
	uint64_t served; /* replies sent whole */
	uint64_t bad;	 /* malformed requests, connections beyond N */
	int err;	 /* errno of a failure that stopped the server */
};

/* Opens the listening socket on 127.0.0.1, port 0 (the kernel picks a
 * free one: s->port), before any client starts, then the server thread,
 * "net-server", for max_conns clients. 0, or -1 having said why after
 * name. */
int net_server_start(struct net_server *s, const char *name, unsigned max_conns,
		     uint64_t delay_ns);
/* Stops and joins the thread, if it runs, and frees what start made. */
void net_server_stop(struct net_server *s, const char *name);

#endif /* LAB_NET_SERVER_H */
