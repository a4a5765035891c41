/* net_client.c - a client of the net scenario (see net_client.h) */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "workloads/net_client.h"
#include "workloads/net_proto.h"
#include "workloads/tasks.h"

static int net_write_full(int fd, const char *p, size_t len,
			  const struct net_client *m)
{
	size_t sent = 0;

	while (sent < len) {
		/* a server gone must fail this call, not kill us by SIGPIPE */
		ssize_t n = send(fd, p + sent, len - sent, MSG_NOSIGNAL);

		if (n >= 0)
			sent += (size_t)n;
		else if (errno == EAGAIN) {
			if (m->wait_fd(fd, EPOLLOUT) != 0)
				return -1;
		} else if (errno != EINTR) {
			return -1;
		}
	}
	return 0;
}

/* Reads one whole reply into buf and checks it byte by byte. Returns the
 * page's length, or -1. */
static int net_read_page(const struct net_client *c, int fd, unsigned op,
			 char *buf, size_t size)
{
	size_t got = 0;
	long want = 0;

	while (!want || got < (size_t)want) {
		ssize_t n = recv(fd, buf + got, size - 1 - got, 0);

		if (n == 0)
			return -1; /* the server hung up */
		if (n < 0) {
			if (errno == EAGAIN) {
				if (c->wait_fd(fd, EPOLLIN) != 0)
					return -1;
			} else if (errno != EINTR) {
				return -1;
			}
			continue;
		}
		got += (size_t)n;
		buf[got] = '\0';
		if (!want && (want = net_reply_header(buf, got, c->id, op)) < 0)
			return -1;
	}
	/* one request, one reply: more bytes than it would be a bug */
	if (got != (size_t)want || net_reply_check(buf, got, c->id, op) != 0)
		return -1;
	return (int)net_page_len(c->id, op);
}

static int net_connect(uint16_t port, const struct net_client *m)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};
	int one = 1, err = 0;
	socklen_t len = sizeof(err);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | m->sock_flags, 0);

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* requests and replies are single writes: Nagle would only delay */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return fd;
	/* non-blocking, the handshake ends later and SO_ERROR says how */
	if (errno == EINPROGRESS && m->wait_fd(fd, EPOLLOUT) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && !err)
		return fd;
	close(fd);
	return -1;
}

int net_client_run(const struct net_client *c)
{
	char buf[NET_REPLY_MAX + 1];
	int rc = 0, fd = net_connect(c->port, c);

	if (fd < 0)
		return -1;
	for (unsigned op = 0; op < c->ops && rc == 0; op++) {
		struct net_page pg = {.task = c->id, .op = op};
		char req[NET_REQ_MAX];
		int n = net_request(req, sizeof(req), c->id, op);
		uint64_t t0 = tasks_clock_ns(CLOCK_MONOTONIC);
		int len;

		if (net_write_full(fd, req, (size_t)n, c) != 0 ||
		    (len = net_read_page(c, fd, op, buf, sizeof(buf))) < 0) {
			rc = -1;
			break;
		}
		pg.bytes = (uint32_t)len;
		pg.fetch_ns = tasks_clock_ns(CLOCK_MONOTONIC) - t0;
		rc = c->deliver(c->arg, &pg);
	}
	close(fd);
	return rc;
}
