/* net_server.c - the net scenario's server (see net_server.h) */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "workloads/net_server.h"
#include "workloads/tasks.h"

#define NET_EVENTS 64

static void net_conn_close(struct net_server *s, struct net_conn *c)
{
	if (c->item.fd < 0)
		return;
	loop_del(&s->loop, &c->item);
	close(c->item.fd);
	c->item.fd = -1; /* a request still in the FIFO is skipped */
}

static int net_conn_watch(struct net_server *s, struct net_conn *c, int out)
{
	if (c->want_out == out)
		return 0;
	c->want_out = out;
	return loop_mod(&s->loop, &c->item, EPOLLIN | (out ? EPOLLOUT : 0));
}

/* Sends what is left of the reply, arming EPOLLOUT while the socket is
 * full. Returns -1 when the connection is to be closed. */
static int net_conn_write(struct net_server *s, struct net_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->item.fd, c->out + c->out_off,
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
	c->out_len = net_reply(c->out, c->task, c->op);
	c->out_off = 0;
	c->waiting = 0;
	return net_conn_write(s, c);
}

/* Takes what the client sent; a whole request joins the FIFO, to be
 * answered after the delay. A client sends its next request only after
 * the reply to the last one, so anything else is a protocol error.
 * Returns -1 when the connection is to be closed. */
static int net_conn_read(struct net_server *s, struct net_conn *c)
{
	for (;;) {
		ssize_t n = recv(c->item.fd, c->in + c->in_len,
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
		if (net_request_parse(c->in, nl, &c->task, &c->op) != 0) {
			s->bad++;
			return -1;
		}
		c->in_len = 0;
		c->waiting = 1;
		c->due = tasks_clock_ns(CLOCK_MONOTONIC) + s->delay_ns;
		c->next = NULL;
		if (s->due_tail)
			s->due_tail->next = c;
		else
			s->due_head = c;
		s->due_tail = c;
	}
}

static void net_conn_event(struct loop *lp, struct loop_item *it,
			   uint32_t events)
{
	struct net_conn *c = it->arg;
	struct net_server *s = lp->arg;
	int rc = 0;

	if (c->item.fd < 0)
		return; /* closed earlier in this batch of events */
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		rc = net_conn_read(s, c);
	if (rc == 0 && c->item.fd >= 0 && (events & EPOLLOUT))
		rc = net_conn_write(s, c);
	if (rc != 0)
		net_conn_close(s, c);
}

/* Stops the loop when the server cannot go on (out of descriptors). */
static void net_server_accept(struct loop *lp, struct loop_item *it,
			      uint32_t events)
{
	struct net_server *s = lp->arg;

	(void)events;
	for (;;) {
		int one = 1, fd = accept4(it->fd, NULL, NULL,
					  SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct net_conn *c;

		if (fd < 0) {
			if (errno == EAGAIN)
				return;
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			s->err = errno;
			lp->stop = 1;
			return;
		}
		/* port 0 is any free port: a stranger may find it too */
		if (s->nconns == s->max_conns) {
			close(fd);
			s->bad++;
			continue;
		}
		c = &s->conns[s->nconns++];
		c->item = (struct loop_item){fd, net_conn_event, c};
		c->server = s;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (loop_add(lp, &c->item, EPOLLIN) != 0) {
			s->err = errno;
			lp->stop = 1;
			return;
		}
	}
}

/* Answers every request whose delay is over. */
static void net_server_fire(struct loop *lp, struct loop_item *it,
			    uint32_t events)
{
	struct net_server *s = lp->arg;
	uint64_t now = tasks_clock_ns(CLOCK_MONOTONIC), expirations;

	(void)events;
	if (read(it->fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		s->err = errno;
	s->armed = 0; /* it fired: armed no more */
	while (s->due_head && s->due_head->due <= now) {
		struct net_conn *c = s->due_head;

		s->due_head = c->next;
		if (!s->due_head)
			s->due_tail = NULL;
		if (c->item.fd >= 0 && net_conn_answer(s, c) != 0)
			net_conn_close(s, c);
	}
}

static void net_server_stopped(struct loop *lp, struct loop_item *it,
			       uint32_t events)
{
	(void)it;
	(void)events;
	lp->stop = 1;
}

/* After each batch: the timerfd points at the oldest waiting request. */
static void net_timer_arm(struct loop *lp)
{
	struct net_server *s = lp->arg;
	uint64_t due = s->due_head ? s->due_head->due : 0;
	struct itimerspec its;

	if (s->err)
		lp->stop = 1;
	if (lp->stop || due == s->armed)
		return;
	memset(&its, 0, sizeof(its)); /* all zero disarms it */
	its.it_value.tv_sec = (time_t)(due / 1000000000u);
	its.it_value.tv_nsec = (long)(due % 1000000000u);
	if (timerfd_settime(s->timer.fd, TFD_TIMER_ABSTIME, &its, NULL) != 0) {
		s->err = errno;
		lp->stop = 1;
		return;
	}
	s->armed = due;
}

static void *net_server_thread(void *arg)
{
	struct net_server *s = arg;
	int err;

	pthread_setname_np(pthread_self(), "net-server");
	err = loop_run(&s->loop);
	if (err && !s->err)
		s->err = -err;
	/* stopped or failed: a client still waiting gets end of file, one
	 * still connecting a refusal, none a hang */
	for (unsigned i = 0; i < s->nconns; i++)
		net_conn_close(s, &s->conns[i]);
	close(s->listen.fd);
	s->listen.fd = -1;
	return NULL;
}

static void net_server_close(struct net_server *s)
{
	int *fds[] = {&s->listen.fd, &s->timer.fd, &s->stop.fd};

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	loop_free(&s->loop);
	free(s->conns);
	s->conns = NULL;
}

int net_server_start(struct net_server *s, const char *name, unsigned max_conns,
		     uint64_t delay_ns)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	const char *what = "out of memory";
	int err;

	memset(s, 0, sizeof(*s));
	s->loop.epfd = -1;
	s->listen = (struct loop_item){-1, net_server_accept, s};
	s->timer = (struct loop_item){-1, net_server_fire, s};
	s->stop = (struct loop_item){-1, net_server_stopped, s};
	s->max_conns = max_conns;
	s->delay_ns = delay_ns;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->conns = calloc(max_conns, sizeof(*s->conns));
	if (!s->conns)
		goto fail;
	what = "listen";
	s->listen.fd =
		socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->listen.fd < 0 ||
	    bind(s->listen.fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(s->listen.fd, SOMAXCONN) ||
	    getsockname(s->listen.fd, (struct sockaddr *)&a, &alen))
		goto fail;
	s->port = ntohs(a.sin_port);
	what = "epoll";
	s->timer.fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	s->stop.fd = eventfd(0, EFD_CLOEXEC);
	if (loop_init(&s->loop, 0, NET_EVENTS) != 0 || s->timer.fd < 0 ||
	    s->stop.fd < 0 || loop_add(&s->loop, &s->listen, EPOLLIN) ||
	    loop_add(&s->loop, &s->timer, EPOLLIN) ||
	    loop_add(&s->loop, &s->stop, EPOLLIN))
		goto fail;
	s->loop.after = net_timer_arm;
	s->loop.arg = s;
	err = pthread_create(&s->thread, NULL, net_server_thread, s);
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

void net_server_stop(struct net_server *s, const char *name)
{
	uint64_t one = 1;

	if (s->started) {
		if (write(s->stop.fd, &one, sizeof(one)) != sizeof(one)) {
			fprintf(stderr, "%s: cannot stop the server: %s\n",
				name, strerror(errno));
			abort(); /* joining now would hang */
		}
		pthread_join(s->thread, NULL);
		s->started = 0;
	}
	net_server_close(s);
}
