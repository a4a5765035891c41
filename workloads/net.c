/* net.c - the net scenario: a crawler with callbacks.
 *
 * N clients each fetch `ops` pages, one after another, from a TCP server on
 * 127.0.0.1 that the workload starts in a thread of its own. The server
 * answers every request after the same delay without holding up the other
 * connections: one epoll loop, with the requests that wait for their delay
 * in a FIFO behind one timerfd (equal delays make arrival order deadline
 * order, so the FIFO is all the timer heap it needs). Each finished fetch
 * reaches one callback, net_on_page(), in the task that collects the
 * results, as Python's Pool.apply_async(get, callback=parse) runs parse in
 * the main process. Waiting for the server is all a client does, so the
 * concurrent models take about one client's time and the serial one N
 * times as long.
 *
 * net_client_run() is the client's job and net_on_page() the callback, the
 * same code in every model, and the server is the same thread in every
 * model. Below them, one function per model:
 *	processes	fork a client per task; each writes its pages into a
 *			pipe, and the parent reads them and calls the callback
 *	threads		a client thread per task; pages go into a queue under
 *			a mutex, and the root thread drains it and calls the
 *			callback outside the lock
 *	coroutines	a client coroutine per task on non-blocking sockets,
 *			waiting in coro_wait_fd; each calls the callback itself
 *	serial		one client after another, calling the callback itself
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "coro.h"
#include "markers.h"
#include "net.h"
#include "tasks.h"

#define NET_TASKS 10
#define NET_OPS	  7
/* Per client: ops times the server's delay, 7 x 70 ms. The serial
 * baseline waits N times as long, 4.9 s with the default ten clients. */
#define NET_DURATION_S 0.49

#define NET_REQ_MAX    64 /* "GET /<task>/<op>\n" */
#define NET_HDR_MAX    64 /* "PAGE <task> <op> <length>\n" */
#define NET_PAGE_MIN   200
#define NET_PAGE_SPAN  800 /* page lengths vary with task and op */
#define NET_REPLY_MAX  (NET_HDR_MAX + NET_PAGE_MIN + NET_PAGE_SPAN)
#define NET_EVENTS     64

/* The server's epoll tags; connection i is NET_EV_CONN + i. */
enum { NET_EV_LISTEN, NET_EV_TIMER, NET_EV_STOP, NET_EV_CONN };

/* ---- what a page holds: both ends compute it from task and op ---- */

static unsigned net_page_len(unsigned task, unsigned op)
{
	return NET_PAGE_MIN + (task * 131u + op * 71u) % NET_PAGE_SPAN;
}

static char net_page_byte(unsigned task, unsigned op, unsigned i)
{
	return (char)('a' + (task * 7u + op * 3u + i) % 26u);
}

static uint64_t net_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the server: one thread, one epoll loop ---- */

struct net_conn {
	int fd;
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
	int lfd, epfd, tfd, stopfd;
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

static void net_conn_close(struct net_server *s, struct net_conn *c)
{
	if (c->fd < 0)
		return;
	/* a forked client may still hold a copy of this socket for a moment:
	 * without the DEL, the epoll set would keep reporting it */
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1; /* a request still in the FIFO is skipped */
}

static int net_conn_watch(struct net_server *s, struct net_conn *c, int out)
{
	struct epoll_event ev = {
		.events = EPOLLIN | (out ? EPOLLOUT : 0),
		.data.u64 = NET_EV_CONN + (uint64_t)(c - s->conns),
	};

	if (c->want_out == out)
		return 0;
	c->want_out = out;
	return epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Sends what is left of the reply, arming EPOLLOUT while the socket is
 * full. Returns -1 when the connection is to be closed. */
static int net_conn_write(struct net_server *s, struct net_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n > 0)
			c->out_off += (size_t)n;
		else if (n < 0 && errno == EAGAIN)
			return net_conn_watch(s, c, 1);
		else if (n == 0 || errno != EINTR)
			return -1;
	}
	if (c->out_len) {
		s->served++;
		c->out_len = c->out_off = 0;
	}
	return net_conn_watch(s, c, 0);
}

static int net_conn_answer(struct net_server *s, struct net_conn *c)
{
	unsigned len = net_page_len(c->task, c->op);
	int h = snprintf(c->out, NET_HDR_MAX, "PAGE %u %u %u\n", c->task, c->op,
			 len);

	for (unsigned i = 0; i < len; i++)
		c->out[h + i] = net_page_byte(c->task, c->op, i);
	c->out_len = (size_t)h + len;
	c->out_off = 0;
	c->waiting = 0;
	return net_conn_write(s, c);
}

/* "GET /<task>/<op>" and nothing else; 0 when it is one */
static int net_parse_request(struct net_conn *c, const char *nl)
{
	int end = -1;

	if (sscanf(c->in, "GET /%u/%u%n", &c->task, &c->op, &end) != 2)
		return -1;
	return c->in + end == nl ? 0 : -1;
}

/* Takes what the client sent; a whole request joins the FIFO, to be
 * answered after the delay. A client sends its next request only after
 * the reply to the last one, so anything else is a protocol error.
 * Returns -1 when the connection is to be closed. */
static int net_conn_read(struct net_server *s, struct net_conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_len,
				 sizeof(c->in) - 1 - c->in_len, 0);
		char *nl;

		if (n == 0)
			return -1; /* the client is done */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->in_len += (size_t)n;
		c->in[c->in_len] = '\0';
		nl = memchr(c->in, '\n', c->in_len);
		if (!nl && c->in_len < sizeof(c->in) - 1)
			continue;
		if (!nl || c->waiting || c->out_len ||
		    nl + 1 != c->in + c->in_len) {
			s->bad++;
			return -1;
		}
		*nl = '\0';
		if (net_parse_request(c, nl) != 0) {
			s->bad++;
			return -1;
		}
		c->in_len = 0;
		c->waiting = 1;
		c->due = net_now_ns() + s->delay_ns;
		c->next = NULL;
		if (s->due_tail)
			s->due_tail->next = c;
		else
			s->due_head = c;
		s->due_tail = c;
	}
}

static void net_conn_event(struct net_server *s, struct net_conn *c,
			   uint32_t events)
{
	int rc = 0;

	if (c->fd < 0)
		return; /* closed earlier in this batch of events */
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		rc = net_conn_read(s, c);
	if (rc == 0 && c->fd >= 0 && (events & EPOLLOUT))
		rc = net_conn_write(s, c);
	if (rc != 0)
		net_conn_close(s, c);
}

/* Returns -1 when the server cannot go on (out of descriptors). */
static int net_server_accept(struct net_server *s)
{
	for (;;) {
		int one = 1, fd = accept4(s->lfd, NULL, NULL,
					  SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = {.events = EPOLLIN};
		struct net_conn *c;

		if (fd < 0) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			s->err = errno;
			return -1;
		}
		/* port 0 is any free port: a stranger may find it too */
		if (s->nconns == s->max_conns) {
			close(fd);
			s->bad++;
			continue;
		}
		c = &s->conns[s->nconns];
		ev.data.u64 = NET_EV_CONN + s->nconns++;
		c->fd = fd;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			s->err = errno;
			return -1;
		}
	}
}

/* Answers every request whose delay is over. */
static void net_server_fire(struct net_server *s)
{
	uint64_t now = net_now_ns();

	while (s->due_head && s->due_head->due <= now) {
		struct net_conn *c = s->due_head;

		s->due_head = c->next;
		if (!s->due_head)
			s->due_tail = NULL;
		if (c->fd >= 0 && net_conn_answer(s, c) != 0)
			net_conn_close(s, c);
	}
}

/* Points the timerfd at the oldest waiting request. */
static int net_timer_arm(struct net_server *s)
{
	uint64_t due = s->due_head ? s->due_head->due : 0;
	struct itimerspec its;

	if (due == s->armed)
		return 0;
	memset(&its, 0, sizeof(its)); /* all zero disarms it */
	its.it_value.tv_sec = (time_t)(due / 1000000000u);
	its.it_value.tv_nsec = (long)(due % 1000000000u);
	if (timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
		return -1;
	s->armed = due;
	return 0;
}

static void net_server_dispatch(struct net_server *s, uint64_t tag,
				uint32_t events, int *stop)
{
	uint64_t expirations;

	switch (tag) {
	case NET_EV_STOP:
		*stop = 1;
		break;
	case NET_EV_LISTEN:
		if (net_server_accept(s) != 0)
			*stop = 1;
		break;
	case NET_EV_TIMER:
		if (read(s->tfd, &expirations, sizeof(expirations)) < 0 &&
		    errno != EAGAIN)
			s->err = errno;
		s->armed = 0; /* it fired: armed no more */
		net_server_fire(s);
		break;
	default:
		if (tag - NET_EV_CONN < s->nconns)
			net_conn_event(s, &s->conns[tag - NET_EV_CONN], events);
	}
}

static void *net_server_loop(void *arg)
{
	struct net_server *s = arg;
	struct epoll_event ev[NET_EVENTS];
	int stop = 0;

	pthread_setname_np(pthread_self(), "net-server");
	while (!stop && !s->err) {
		int n = epoll_wait(s->epfd, ev, NET_EVENTS, -1);

		if (n < 0 && errno != EINTR)
			s->err = errno;
		for (int i = 0; i < n; i++)
			net_server_dispatch(s, ev[i].data.u64, ev[i].events,
					    &stop);
		if (!stop && net_timer_arm(s) != 0)
			s->err = errno;
	}
	/* stopped or failed: a client still waiting gets end of file, one
	 * still connecting a refusal, none a hang */
	for (unsigned i = 0; i < s->nconns; i++)
		net_conn_close(s, &s->conns[i]);
	close(s->lfd);
	s->lfd = -1;
	return NULL;
}

static void net_server_close(struct net_server *s)
{
	int *fds[] = {&s->lfd, &s->epfd, &s->tfd, &s->stopfd};

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	free(s->conns);
	s->conns = NULL;
}

static int net_epoll_add(struct net_server *s, int fd, uint64_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* Opens the listening socket on 127.0.0.1, port 0 (the kernel picks a
 * free one), before any client starts, then the server thread. */
static int net_server_start(struct net_server *s, const char *name,
			    unsigned max_conns, uint64_t delay_ns)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	const char *what = "out of memory";
	int err;

	memset(s, 0, sizeof(*s));
	s->lfd = s->epfd = s->tfd = s->stopfd = -1;
	s->max_conns = max_conns;
	s->delay_ns = delay_ns;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->conns = calloc(max_conns, sizeof(*s->conns));
	if (!s->conns)
		goto fail;
	what = "listen";
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(s->lfd, SOMAXCONN) ||
	    getsockname(s->lfd, (struct sockaddr *)&a, &alen))
		goto fail;
	s->port = ntohs(a.sin_port);
	what = "epoll";
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	s->stopfd = eventfd(0, EFD_CLOEXEC);
	if (s->epfd < 0 || s->tfd < 0 || s->stopfd < 0 ||
	    net_epoll_add(s, s->lfd, NET_EV_LISTEN) ||
	    net_epoll_add(s, s->tfd, NET_EV_TIMER) ||
	    net_epoll_add(s, s->stopfd, NET_EV_STOP))
		goto fail;
	err = pthread_create(&s->thread, NULL, net_server_loop, s);
	if (err) {
		errno = err;
		what = "pthread_create";
		goto fail;
	}
	s->started = 1;
	return 0;
fail:
	fprintf(stderr, "%s: server: %s: %s\n", name, what, strerror(errno));
	net_server_close(s);
	return -1;
}

static void net_server_stop(struct net_server *s, const char *name)
{
	uint64_t one = 1;

	if (s->started) {
		if (write(s->stopfd, &one, sizeof(one)) != sizeof(one)) {
			fprintf(stderr, "%s: cannot stop the server: %s\n",
				name, strerror(errno));
			abort(); /* joining now would hang */
		}
		pthread_join(s->thread, NULL);
		s->started = 0;
	}
	net_server_close(s);
}

/* ---- the clients ---- */

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

struct net_run;

struct net_client {
	unsigned id;
	char name[16]; /* "net-w3": the name of its process or thread */
	struct net_run *run;
	int fd;
	int failed; /* the client's own verdict: a page was wrong or lost */
	pid_t pid;
	pthread_t thread;
	int started;
	char buf[NET_REPLY_MAX + 1];
};

/* Everything the callback learns; touched only in the collecting task. */
struct net_collect {
	pid_t tid;	     /* the collecting task */
	unsigned char *seen; /* per client and op */
	unsigned pages, dups, wrong, elsewhere;
	uint64_t bytes, fetch_ns;
};

/* threads: pages waiting for the root thread. The array has room for
 * every page, so it is never full and never moves. */
struct net_queue {
	pthread_mutex_t lock;
	pthread_cond_t more;
	struct net_page *items;
	size_t tail, cap;
	unsigned running; /* clients that may still add pages */
};

struct net_run {
	const char *name;
	const char *where; /* where the callback runs, for the report */
	unsigned n, ops;
	uint64_t delay_ns;
	struct net_server server;
	struct net_client *c;
	struct net_collect col;
	struct net_queue q;
	int pipe_w; /* processes: the clients' end of the page pipe */
};

/* How a client waits and how its pages reach the callback. */
struct net_model {
	int sock_flags;
	int (*wait_fd)(int fd, uint32_t events);
	int (*deliver)(struct net_client *c, const struct net_page *pg);
};

/* The callback: every fetched page, in the collecting task. It checks the
 * page against what the server had to send, and that it runs where it
 * should: in the parent, the root thread, or the coroutines' thread. */
static void net_on_page(struct net_run *r, const struct net_page *pg)
{
	struct net_collect *col = &r->col;
	size_t slot;

	if (gettid() != col->tid)
		col->elsewhere++;
	if (pg->task >= r->n || pg->op >= r->ops ||
	    pg->bytes != net_page_len(pg->task, pg->op)) {
		col->wrong++;
		return;
	}
	slot = (size_t)pg->task * r->ops + pg->op;
	if (col->seen[slot]) {
		col->dups++;
		return;
	}
	col->seen[slot] = 1;
	col->pages++;
	col->bytes += pg->bytes;
	col->fetch_ns += pg->fetch_ns;
}

static int net_write_full(int fd, const char *p, size_t len,
			  const struct net_model *m)
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

/* A page's header once its line is complete: the total length of the
 * reply, 0 while the line is still coming, -1 when it is not the page
 * that was asked for. */
static long net_header(const struct net_client *c, unsigned op, size_t got)
{
	const char *nl = memchr(c->buf, '\n', got);
	unsigned task, o, len;
	int end = -1;

	if (!nl)
		return got < NET_HDR_MAX ? 0 : -1;
	if (sscanf(c->buf, "PAGE %u %u %u%n", &task, &o, &len, &end) != 3 ||
	    c->buf + end != nl || task != c->id || o != op ||
	    len != net_page_len(task, op))
		return -1;
	return (long)(nl + 1 - c->buf) + len;
}

/* Reads one whole reply and checks it byte by byte. Returns the page's
 * length, or -1. */
static int net_read_page(struct net_client *c, unsigned op,
			 const struct net_model *m)
{
	size_t got = 0;
	long want = 0;
	unsigned len = net_page_len(c->id, op);
	const char *body;

	while (!want || got < (size_t)want) {
		ssize_t n =
			recv(c->fd, c->buf + got, sizeof(c->buf) - 1 - got, 0);

		if (n == 0)
			return -1; /* the server hung up */
		if (n < 0) {
			if (errno == EAGAIN) {
				if (m->wait_fd(c->fd, EPOLLIN) != 0)
					return -1;
			} else if (errno != EINTR) {
				return -1;
			}
			continue;
		}
		got += (size_t)n;
		c->buf[got] = '\0';
		if (!want && (want = net_header(c, op, got)) < 0)
			return -1;
	}
	/* one request, one reply: more bytes than it would be a bug */
	if (got != (size_t)want)
		return -1;
	body = c->buf + want - len;
	for (unsigned i = 0; i < len; i++)
		if (body[i] != net_page_byte(c->id, op, i))
			return -1;
	return (int)len;
}

static int net_connect(uint16_t port, const struct net_model *m)
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

/* The client's job, the same in every model: connect, fetch each page in
 * turn, hand each one over for the callback. Returns 0 when every page
 * came back right and was handed over. */
static int net_client_run(struct net_client *c, const struct net_model *m)
{
	struct net_run *r = c->run;
	int rc = 0;

	c->fd = net_connect(r->server.port, m);
	if (c->fd < 0)
		return -1;
	for (unsigned op = 0; op < r->ops && rc == 0; op++) {
		struct net_page pg = {.task = c->id, .op = op};
		char req[NET_REQ_MAX];
		int n = snprintf(req, sizeof(req), "GET /%u/%u\n", c->id, op);
		uint64_t t0 = net_now_ns();
		int len;

		if (net_write_full(c->fd, req, (size_t)n, m) != 0 ||
		    (len = net_read_page(c, op, m)) < 0) {
			rc = -1;
			break;
		}
		pg.bytes = (uint32_t)len;
		pg.fetch_ns = net_now_ns() - t0;
		rc = m->deliver(c, &pg);
	}
	close(c->fd);
	c->fd = -1;
	return rc;
}

static int net_wait_blocking(int fd, uint32_t events)
{
	struct pollfd p = {.fd = fd, .events = (short)events};

	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int net_deliver_pipe(struct net_client *c, const struct net_page *pg)
{
	ssize_t n;

	while ((n = write(c->run->pipe_w, pg, sizeof(*pg))) < 0 &&
	       errno == EINTR)
		;
	return n == sizeof(*pg) ? 0 : -1;
}

static int net_deliver_queue(struct net_client *c, const struct net_page *pg)
{
	struct net_queue *q = &c->run->q;
	int rc = 0;

	pthread_mutex_lock(&q->lock);
	if (q->tail < q->cap)
		q->items[q->tail++] = *pg;
	else
		rc = -1;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->lock);
	return rc;
}

static int net_deliver_call(struct net_client *c, const struct net_page *pg)
{
	net_on_page(c->run, pg);
	return 0;
}

static const struct net_model net_by_pipe = {
	.wait_fd = net_wait_blocking,
	.deliver = net_deliver_pipe,
};

static const struct net_model net_by_queue = {
	.wait_fd = net_wait_blocking,
	.deliver = net_deliver_queue,
};

static const struct net_model net_by_coroutine = {
	.sock_flags = SOCK_NONBLOCK,
	.wait_fd = coro_wait_fd,
	.deliver = net_deliver_call,
};

static const struct net_model net_by_serial = {
	.wait_fd = net_wait_blocking,
	.deliver = net_deliver_call,
};

/* ---- one run: parameters, set-up, verdict ---- */

/* Reads the parameters; touches nothing else. */
static int net_prepare(struct net_run *r, const char *name, const char *where,
		       const struct workload_params *p)
{
	double duration = p->duration_s ? p->duration_s : NET_DURATION_S;

	memset(r, 0, sizeof(*r));
	r->name = name;
	r->where = where;
	r->pipe_w = -1;
	r->server.lfd = r->server.epfd = r->server.tfd = r->server.stopfd = -1;
	r->n = p->tasks ? p->tasks : NET_TASKS;
	r->ops = p->ops ? p->ops : NET_OPS;
	if (!isfinite(duration) || duration < 0 || duration > 1e6) {
		fprintf(stderr, "%s: bad duration %g s\n", name, duration);
		return -1;
	}
	r->delay_ns = (uint64_t)(duration * 1e9 / r->ops);
	return 0;
}

static void net_teardown(struct net_run *r)
{
	net_server_stop(&r->server, r->name);
	if (r->pipe_w >= 0)
		close(r->pipe_w);
	r->pipe_w = -1;
	free(r->c);
	free(r->col.seen);
	free(r->q.items);
	r->c = NULL;
	r->col.seen = NULL;
	r->q.items = NULL;
}

static int net_setup(struct net_run *r)
{
	if (tasks_fd_room(r->name, "clients", r->n, 2) != 0)
		return -1;
	r->c = calloc(r->n, sizeof(*r->c));
	r->col.seen = calloc(r->n, r->ops);
	if (!r->c || !r->col.seen) {
		fprintf(stderr, "%s: out of memory\n", r->name);
		return -1;
	}
	r->col.tid = gettid();
	for (unsigned i = 0; i < r->n; i++) {
		struct net_client *c = &r->c[i];

		c->id = i;
		c->run = r;
		c->fd = -1;
		snprintf(c->name, sizeof(c->name), "net-w%u", i);
	}
	return net_server_start(&r->server, r->name, r->n, r->delay_ns);
}

/* The pages of client i that reached the callback */
static unsigned net_pages_of(const struct net_run *r, unsigned i)
{
	const unsigned char *seen = r->col.seen + (size_t)i * r->ops;
	unsigned got = 0;

	for (unsigned op = 0; op < r->ops; op++)
		got += seen[op];
	return got;
}

/* Every page of every client reached the callback once, in the collecting
 * task, as the server sent it; the server answered each request once. */
static int net_verdict(const struct net_run *r)
{
	const struct net_collect *col = &r->col;
	const struct net_server *s = &r->server;
	uint64_t expect = (uint64_t)r->n * r->ops;
	unsigned wrong = 0;

	for (unsigned i = 0; i < r->n; i++) {
		const struct net_client *c = &r->c[i];
		unsigned got = net_pages_of(r, i);

		if (!c->failed && got == r->ops)
			continue;
		if (!wrong++)
			fprintf(stderr, "%s: %s: %u of %u pages%s\n", r->name,
				c->name, got, r->ops,
				c->failed ? ", the client failed" : "");
	}
	if (wrong)
		fprintf(stderr, "%s: %u of %u clients wrong\n", r->name, wrong,
			r->n);
	if (col->dups || col->wrong)
		fprintf(stderr,
			"%s: the callback got %u pages twice, %u wrong\n",
			r->name, col->dups, col->wrong);
	if (col->elsewhere)
		fprintf(stderr, "%s: the callback ran %u times outside %s\n",
			r->name, col->elsewhere, r->where);
	if (s->err)
		fprintf(stderr, "%s: the server failed: %s\n", r->name,
			strerror(s->err));
	if (s->bad || s->served != expect)
		fprintf(stderr,
			"%s: the server answered %llu of %llu requests, "
			"refused %llu\n",
			r->name, (unsigned long long)s->served,
			(unsigned long long)expect, (unsigned long long)s->bad);
	return wrong || col->dups || col->wrong || col->elsewhere || s->err ||
	       s->bad || s->served != expect;
}

/* Stops the server, checks, reports, frees. Returns the result. */
static int net_finish(struct net_run *r, uint64_t t0)
{
	double secs = (double)(net_now_ns() - t0) / 1e9;
	int result;

	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	net_server_stop(&r->server, r->name);
	result = net_verdict(r);
	if (!result)
		printf("%s: %u pages in %.3f s, %.1f ms a fetch for a %.1f ms "
		       "delay\n",
		       r->name, r->col.pages, secs,
		       (double)r->col.fetch_ns / r->col.pages / 1e6,
		       (double)r->delay_ns / 1e6);
	net_teardown(r);
	return result;
}

/* Marks the start and sets up; on failure marks the end too. */
static int net_begin(struct net_run *r)
{
	LAB_MARK_START(r->n);
	LAB_MARK_OPS(r->ops);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (net_setup(r) == 0)
		return 0;
	net_teardown(r);
	LAB_MARK_END(1);
	return -1;
}

/* ---- processes ---- */

static __attribute__((noreturn)) void net_child(struct net_run *r, unsigned i)
{
	int w = r->pipe_w;

	prctl(PR_SET_NAME, r->c[i].name);
	/* the copy holds every descriptor of the parent, the server's
	 * included: keep the standard ones and the pipe */
	if (w > 3)
		close_range(3, (unsigned)w - 1, 0);
	close_range((unsigned)w + 1, ~0u, 0);
	/* only system calls and number formatting from here: safe in a
	 * child forked from a process with a second thread */
	_exit(net_client_run(&r->c[i], &net_by_pipe) == 0 ? 0 : 1);
}

/* The parent's side of the pipe: one callback per record, until the last
 * client has exited and so closed its end. */
static void net_collect_pipe(struct net_run *r, int fd)
{
	struct net_page pg;
	size_t got = 0;

	for (;;) {
		ssize_t n = read(fd, (char *)&pg + got, sizeof(pg) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got < sizeof(pg))
			continue;
		net_on_page(r, &pg);
		got = 0;
	}
	if (got)
		r->col.wrong++; /* a torn record */
}

static int net_processes_run(const struct workload_params *p)
{
	struct net_run r;
	uint64_t t0;
	int pfd[2], result;

	if (net_prepare(&r, "net-processes", "the parent", p) != 0 ||
	    net_begin(&r) != 0)
		return 1;
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		fprintf(stderr, "%s: pipe: %s\n", r.name, strerror(errno));
		net_teardown(&r);
		LAB_MARK_END(1);
		return 1;
	}
	r.pipe_w = pfd[1];
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	t0 = net_now_ns();
	for (unsigned i = 0; i < r.n; i++) {
		struct net_client *c = &r.c[i];

		c->pid = fork();
		if (c->pid == 0)
			net_child(&r, i);
		if (c->pid < 0)
			fprintf(stderr, "%s: fork: %s\n", r.name,
				strerror(errno));
		c->started = c->pid > 0;
		c->failed = !c->started;
	}
	/* the clients' now: end of file comes when the last one exits */
	close(r.pipe_w);
	r.pipe_w = -1;
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	net_collect_pipe(&r, pfd[0]);
	close(pfd[0]);
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	for (unsigned i = 0; i < r.n; i++) {
		struct net_client *c = &r.c[i];
		int status = 0;
		pid_t got;

		if (!c->started)
			continue;
		while ((got = waitpid(c->pid, &status, 0)) < 0 &&
		       errno == EINTR)
			;
		/* the exit status is the child's report of its own checks */
		c->failed = got != c->pid || !WIFEXITED(status) ||
			    WEXITSTATUS(status) != 0;
	}
	result = net_finish(&r, t0);
	LAB_MARK_END(result);
	return result;
}

/* ---- threads ---- */

static void *net_thread(void *arg)
{
	struct net_client *c = arg;
	struct net_queue *q = &c->run->q;

	pthread_setname_np(pthread_self(), c->name);
	c->failed = net_client_run(c, &net_by_queue) != 0;
	pthread_mutex_lock(&q->lock);
	q->running--;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

/* The root thread takes the pages that have come in, then runs the
 * callback on them outside the lock, so that a slow callback never holds
 * up a client. Ends when the queue is empty and no client is left. */
static void net_drain_queue(struct net_run *r)
{
	struct net_queue *q = &r->q;
	size_t done = 0, upto;

	for (;;) {
		pthread_mutex_lock(&q->lock);
		while (q->tail == done && q->running)
			pthread_cond_wait(&q->more, &q->lock);
		upto = q->tail;
		pthread_mutex_unlock(&q->lock);
		if (upto == done)
			break;
		/* items below tail are complete and never written again */
		for (; done < upto; done++)
			net_on_page(r, &q->items[done]);
	}
}

static int net_threads_run(const struct workload_params *p)
{
	struct net_run r;
	struct net_queue *q = &r.q;
	int result;
	uint64_t t0;

	if (net_prepare(&r, "net-threads", "the root thread", p) != 0 ||
	    net_begin(&r) != 0)
		return 1;
	q->cap = (size_t)r.n * r.ops;
	q->items = calloc(q->cap, sizeof(*q->items));
	if (!q->items) {
		fprintf(stderr, "%s: out of memory\n", r.name);
		net_teardown(&r);
		LAB_MARK_END(1);
		return 1;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->more, NULL);
	q->running = r.n;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	t0 = net_now_ns();
	for (unsigned i = 0; i < r.n; i++) {
		struct net_client *c = &r.c[i];
		int err = pthread_create(&c->thread, NULL, net_thread, c);

		c->started = err == 0;
		if (!err)
			continue;
		fprintf(stderr, "%s: pthread_create: %s\n", r.name,
			strerror(err));
		c->failed = 1;
		pthread_mutex_lock(&q->lock);
		q->running--;
		pthread_mutex_unlock(&q->lock);
	}
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	net_drain_queue(&r);
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	for (unsigned i = 0; i < r.n; i++)
		if (r.c[i].started)
			pthread_join(r.c[i].thread, NULL);
	pthread_cond_destroy(&q->more);
	pthread_mutex_destroy(&q->lock);
	result = net_finish(&r, t0);
	LAB_MARK_END(result);
	return result;
}

/* ---- coroutines ---- */

static void net_coro_client(void *arg)
{
	struct net_client *c = arg;

	c->failed = net_client_run(c, &net_by_coroutine) != 0;
}

static int net_coroutines_run(const struct workload_params *p)
{
	struct net_run r;
	uint64_t switches = coro_switches(), t0;
	int result, err = 0;

	if (net_prepare(&r, "net-coroutines", "the coroutines' thread", p) !=
		    0 ||
	    net_begin(&r) != 0)
		return 1;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	t0 = net_now_ns();
	for (unsigned i = 0; i < r.n; i++) {
		struct net_client *c = &r.c[i];

		if (!err)
			err = coro_spawn(net_coro_client, c, 0);
		c->started = !err;
		c->failed = !c->started;
	}
	if (err)
		fprintf(stderr, "%s: coro_spawn: %s\n", r.name, strerror(-err));
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	err = coro_run();
	if (err)
		fprintf(stderr, "%s: coro_run: %s\n", r.name, strerror(-err));
	result = net_finish(&r, t0) || err;
	LAB_MARK_CORO_SWITCHES(coro_switches() - switches);
	LAB_MARK_END(result);
	return result;
}

/* ---- serial ---- */

static int net_serial_run(const struct workload_params *p)
{
	struct net_run r;
	int result;
	uint64_t t0;

	if (net_prepare(&r, "net-serial", "the only thread", p) != 0 ||
	    net_begin(&r) != 0)
		return 1;
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	t0 = net_now_ns();
	for (unsigned i = 0; i < r.n; i++)
		r.c[i].failed = net_client_run(&r.c[i], &net_by_serial) != 0;
	result = net_finish(&r, t0);
	LAB_MARK_END(result);
	return result;
}

const struct workload net_processes = {
	.name = "net-processes",
	.scenario = "net",
	.model = "processes",
	.summary = "N client processes fetch from a slow local server",
	.run = net_processes_run,
};

const struct workload net_threads = {
	.name = "net-threads",
	.scenario = "net",
	.model = "threads",
	.summary = "N client threads fetch; the root thread runs callbacks",
	.run = net_threads_run,
};

const struct workload net_coroutines = {
	.name = "net-coroutines",
	.scenario = "net",
	.model = "coroutines",
	.summary = "N client coroutines fetch over non-blocking sockets",
	.run = net_coroutines_run,
};

const struct workload net_serial = {
	.name = "net-serial",
	.scenario = "net",
	.model = "serial",
	.summary = "the same fetches one after another: N times as long",
	.run = net_serial_run,
};
