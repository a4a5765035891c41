/* poll.c - the epoll loop: coroutines waiting for file descriptors.
 *
 * An fd stays in the epoll set between waits and is armed one-shot: a
 * wait costs one epoll_ctl (MOD after the first ADD) and an event disarms
 * the fd, so a ready fd that nobody waits on any more does not make every
 * epoll_wait return at once. Each fd has a reader and a writer slot, so
 * one coroutine may read a socket while another writes it.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "workloads/coro/coro_impl.h"

#define RD_EVENTS  (EPOLLIN | EPOLLPRI | EPOLLRDHUP)
#define MAX_EVENTS 64

static int epoll_open(struct coro_sched *s)
{
	if (s->epfd >= 0)
		return 0;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	return s->epfd < 0 ? -errno : 0;
}

static int fds_reserve(struct coro_sched *s, int fd)
{
	size_t cap = s->fds_cap ? s->fds_cap : 64;
	struct coro_fdwait *f;

	if ((size_t)fd < s->fds_cap)
		return 0;
	while (cap <= (size_t)fd)
		cap *= 2;
	f = realloc(s->fds, cap * sizeof(*f));
	if (!f)
		return -ENOMEM;
	memset(f + s->fds_cap, 0, (cap - s->fds_cap) * sizeof(*f));
	s->fds = f;
	s->fds_cap = cap;
	return 0;
}

static int arm(struct coro_sched *s, int fd, struct coro_fdwait *w)
{
	struct epoll_event ev;
	int op = w->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	memset(&ev, 0, sizeof(ev));
	if (w->rd)
		ev.events |= w->rd->wait_events & RD_EVENTS;
	if (w->wr)
		ev.events |= EPOLLOUT;
	ev.events |= EPOLLONESHOT;
	ev.data.fd = fd;
	if (epoll_ctl(s->epfd, op, fd, &ev) != 0) {
		/* the number was closed and reused since it was registered,
		 * or is registered without our knowing */
		if (op == EPOLL_CTL_MOD && errno == ENOENT)
			op = EPOLL_CTL_ADD;
		else if (op == EPOLL_CTL_ADD && errno == EEXIST)
			op = EPOLL_CTL_MOD;
		else
			return -errno;
		if (epoll_ctl(s->epfd, op, fd, &ev) != 0)
			return -errno;
	}
	w->registered = 1;
	return 0;
}

static void wake(struct coro_sched *s, struct coro_fdwait *w, struct coro *c)
{
	if (w->rd == c)
		w->rd = NULL;
	if (w->wr == c)
		w->wr = NULL;
	s->fd_waiters--;
	coro_sched_ready(s, c);
}

static void dispatch(struct coro_sched *s, int fd, uint32_t revents)
{
	struct coro_fdwait *w;
	int broken = !!(revents & (EPOLLERR | EPOLLHUP));

	if (fd < 0 || (size_t)fd >= s->fds_cap)
		return;
	w = &s->fds[fd];
	if (w->rd && (broken || (revents & w->rd->wait_events)))
		wake(s, w, w->rd);
	if (w->wr && (broken || (revents & EPOLLOUT)))
		wake(s, w, w->wr);
	/* the event disarmed the fd; whoever still waits needs it armed */
	if ((w->rd || w->wr) && arm(s, fd, w) != 0) {
		/* let them retry their IO and meet the error themselves */
		if (w->rd)
			wake(s, w, w->rd);
		if (w->wr)
			wake(s, w, w->wr);
	}
}

static int wait_blocking(int fd, uint32_t events)
{
	struct pollfd p = {.fd = fd, .events = (short)events};

	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return -errno;
	return p.revents & POLLNVAL ? -EBADF : 0;
}

int coro_wait_fd(int fd, uint32_t events)
{
	struct coro_sched *s = coro_sched_get();
	struct coro *self = coro_sched_running();
	uint32_t rd = events & RD_EVENTS, wr = events & EPOLLOUT;
	struct coro_fdwait *w;
	int err;

	if (fd < 0)
		return -EBADF;
	if (!rd && !wr)
		return -EINVAL;
	if (!self)
		return wait_blocking(fd, rd | wr);
	err = epoll_open(s);
	if (!err)
		err = fds_reserve(s, fd);
	if (err)
		return err;
	w = &s->fds[fd];
	if ((rd && w->rd) || (wr && w->wr))
		return -EBUSY;
	self->wait_events = rd | wr;
	if (rd)
		w->rd = self;
	if (wr)
		w->wr = self;
	err = arm(s, fd, w);
	if (err) {
		if (w->rd == self)
			w->rd = NULL;
		if (w->wr == self)
			w->wr = NULL;
		/* epoll refuses regular files: always ready, as poll(2) has it
		 */
		return err == -EPERM ? 0 : err;
	}
	s->fd_waiters++;
	coro_sched_park(s);
	return 0;
}

/* epoll_pwait2 takes a timespec; epoll_wait's milliseconds would make every
 * sleep up to 1 ms late. Kernels before 5.11 lack it. */
static int epoll_until(int epfd, struct epoll_event *ev, uint64_t deadline)
{
	static __thread int no_pwait2;
	struct timespec ts, *tp = NULL;
	uint64_t left = 0;
	int n;

	if (deadline != UINT64_MAX) {
		uint64_t now = deadline ? coro_now_ns() : 0;

		left = deadline > now ? deadline - now : 0;
		ts.tv_sec = (time_t)(left / 1000000000u);
		ts.tv_nsec = (long)(left % 1000000000u);
		tp = &ts;
	}
	if (!no_pwait2) {
		n = epoll_pwait2(epfd, ev, MAX_EVENTS, tp, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		no_pwait2 = 1;
	}
	left = (left + 999999) / 1000000;
	return epoll_wait(epfd, ev, MAX_EVENTS,
			  !tp		   ? -1
			  : left > INT_MAX ? INT_MAX
					   : (int)left);
}

int coro_poll(struct coro_sched *s, uint64_t deadline)
{
	struct epoll_event ev[MAX_EVENTS];
	int n, err = epoll_open(s);

	if (err)
		return err;
	n = epoll_until(s->epfd, ev, deadline);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++)
		dispatch(s, ev[i].data.fd, ev[i].events);
	return 0;
}

void coro_poll_free(struct coro_sched *s)
{
	if (s->epfd >= 0)
		close(s->epfd);
	s->epfd = -1;
	free(s->fds);
	s->fds = NULL;
	s->fds_cap = 0;
	s->fd_waiters = 0;
}
