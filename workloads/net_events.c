/* net_events.c - a net client as a state machine (see net_events.h).
 * The system calls are net_client.c's, in its order; where it would wait
 * in wait_fd, a state machine returns to the loop, which calls it back:
 *
 *	net_ev_start: connect ─EINPROGRESS─▶ net_ev_connected ─┐
 *	                 │ at once                              ▼
 *	                 └──────────────────────────────▶ a request: send, recv
 *	                                     │ EAGAIN ▲ EAGAIN
 *	              net_ev_writable, net_ev_readable │
 *	                                     ▼ whole reply
 *	                          the page handed over, next request
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "workloads/net_events.h"
#include "workloads/tasks.h"

static void net_ev_request(struct net_machine *m);
static void net_ev_send(struct net_machine *m);
static void net_ev_recv(struct net_machine *m);

static void net_ev_end(struct net_machine *m, int failed)
{
	m->failed |= failed;
	m->done = 1;
	if (m->watch.fd >= 0)
		close(m->watch.fd);
	m->watch.fd = -1;
}

static void net_ev_wait(struct net_machine *m, uint32_t events,
			void (*fn)(struct evloop_watch *, uint32_t))
{
	m->watch.fn = fn;
	if (evloop_watch(&m->watch, events) != 0)
		net_ev_end(m, 1);
}

static void net_ev_connected(struct evloop_watch *w, uint32_t revents)
{
	struct net_machine *m = w->arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)revents;
	m->steps++;
	/* the handshake is over; SO_ERROR says how it went */
	if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) {
		net_ev_end(m, 1);
		return;
	}
	net_ev_request(m);
}

static void net_ev_writable(struct evloop_watch *w, uint32_t revents)
{
	struct net_machine *m = w->arg;

	(void)revents;
	m->steps++;
	net_ev_send(m);
}

static void net_ev_readable(struct evloop_watch *w, uint32_t revents)
{
	struct net_machine *m = w->arg;

	(void)revents;
	m->steps++;
	net_ev_recv(m);
}

/* The next fetch, or the end. */
static void net_ev_request(struct net_machine *m)
{
	if (m->op == m->c.ops) {
		net_ev_end(m, 0);
		return;
	}
	m->req_len = net_request(m->req, sizeof(m->req), m->c.id, m->op);
	m->sent = m->got = 0;
	m->want = 0;
	m->t0 = tasks_clock_ns(CLOCK_MONOTONIC);
	net_ev_send(m);
}

static void net_ev_send(struct net_machine *m)
{
	while (m->sent < (size_t)m->req_len) {
		/* a server gone must fail this call, not kill us by SIGPIPE */
		ssize_t n = send(m->watch.fd, m->req + m->sent,
				 (size_t)m->req_len - m->sent, MSG_NOSIGNAL);

		if (n >= 0) {
			m->sent += (size_t)n;
		} else if (errno == EAGAIN) {
			net_ev_wait(m, EPOLLOUT, net_ev_writable);
			return;
		} else if (errno != EINTR) {
			net_ev_end(m, 1);
			return;
		}
	}
	/* as net_client.c, which reads at once and waits on EAGAIN */
	net_ev_recv(m);
}

/* A whole reply: checked byte for byte, handed over, the next fetch. */
static void net_ev_page(struct net_machine *m)
{
	struct net_page pg = {.task = m->c.id, .op = m->op};

	if (m->got != (size_t)m->want ||
	    net_reply_check(m->buf, m->got, m->c.id, m->op) != 0) {
		net_ev_end(m, 1);
		return;
	}
	pg.bytes = net_page_len(m->c.id, m->op);
	pg.fetch_ns = tasks_clock_ns(CLOCK_MONOTONIC) - m->t0;
	if (m->c.deliver(m->c.arg, &pg) != 0) {
		net_ev_end(m, 1);
		return;
	}
	m->op++;
	net_ev_request(m);
}

static void net_ev_recv(struct net_machine *m)
{
	while (!m->want || m->got < (size_t)m->want) {
		ssize_t n = recv(m->watch.fd, m->buf + m->got,
				 sizeof(m->buf) - 1 - m->got, 0);

		if (n == 0) {
			net_ev_end(m, 1); /* the server hung up */
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN) {
				net_ev_wait(m, EPOLLIN, net_ev_readable);
				return;
			}
			if (errno != EINTR) {
				net_ev_end(m, 1);
				return;
			}
			continue;
		}
		m->got += (size_t)n;
		m->buf[m->got] = '\0';
		if (!m->want && (m->want = net_reply_header(
					 m->buf, m->got, m->c.id, m->op)) < 0) {
			net_ev_end(m, 1);
			return;
		}
	}
	net_ev_page(m);
}

/* The first step, once the loop runs: the connection, as a coroutine's
 * first run makes it. */
static void net_ev_start(struct evloop_timer *t)
{
	struct net_machine *m = t->arg;
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(m->c.port),
	};
	int one = 1;

	m->steps++;
	m->watch.fd =
		socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (m->watch.fd < 0) {
		net_ev_end(m, 1);
		return;
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* requests and replies are single writes: Nagle would only delay */
	setsockopt(m->watch.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(m->watch.fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		net_ev_request(m);
	else if (errno == EINPROGRESS)
		net_ev_wait(m, EPOLLOUT, net_ev_connected);
	else
		net_ev_end(m, 1);
}

void net_events_begin(struct net_machine *m, const struct net_client *c)
{
	memset(m, 0, sizeof(*m));
	m->c = *c;
	m->watch.fd = -1;
	m->watch.arg = m;
	m->start.fn = net_ev_start;
	m->start.arg = m;
	if (evloop_after(&m->start, 0) != 0)
		net_ev_end(m, 1);
}
