/* net_client.h - a client of the net scenario: connects to the server,
 * fetches its pages one after another, checks each byte for byte, and
 * hands each one over for the callback. The same code in every model; how
 * it waits for its socket and where its pages go are the model's.
 */
#ifndef LAB_NET_CLIENT_H
#define LAB_NET_CLIENT_H

#include <stdint.h>

/* One fetched page, as the callback sees it; also the record a client
 * process writes into the pipe, shorter than PIPE_BUF so that the kernel
 * never interleaves two clients' records. */
struct net_page {
	uint32_t task;
	uint32_t op;
	uint32_t bytes;
	uint32_t pad;
	uint64_t fetch_ns; /* request sent to reply complete */
};

_Static_assert(sizeof(struct net_page) == 24, "a pipe record");

struct net_client {
	unsigned id, ops;
	uint16_t port; /* the server's, on 127.0.0.1 */
	int sock_flags;
	/* waits until fd is ready: blocking, or parking a coroutine */
	int (*wait_fd)(int fd, uint32_t events);
	/* hands a page over for the callback: 0, or -1 */
	int (*deliver)(void *arg, const struct net_page *pg);
	void *arg;
};

/* Connects, fetches each page in turn, hands each one over. 0 when every
 * page came back right and was handed over. */
int net_client_run(const struct net_client *c);

#endif /* LAB_NET_CLIENT_H */
