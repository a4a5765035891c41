/* loop.c - the servers' epoll loop (see loop.h) */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "workloads/coro/coro.h"
#include "workloads/loop.h"

int loop_init(struct loop *lp, int parking, int max_events)
{
	lp->parking = parking;
	lp->max_events =
		max_events < LOOP_MAX_EVENTS ? max_events : LOOP_MAX_EVENTS;
	lp->watched = 0;
	lp->stop = 0;
	lp->epfd = epoll_create1(EPOLL_CLOEXEC);
	return lp->epfd < 0 ? -1 : 0;
}

static int loop_ctl(struct loop *lp, int op, struct loop_item *it,
		    uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = it};

	return epoll_ctl(lp->epfd, op, it->fd, &ev);
}

int loop_add(struct loop *lp, struct loop_item *it, uint32_t events)
{
	if (loop_ctl(lp, EPOLL_CTL_ADD, it, events) != 0)
		return -1;
	lp->watched++;
	return 0;
}

int loop_mod(struct loop *lp, struct loop_item *it, uint32_t events)
{
	return loop_ctl(lp, EPOLL_CTL_MOD, it, events);
}

void loop_del(struct loop *lp, struct loop_item *it)
{
	/* a forked child may still hold a copy of the descriptor for a
	 * moment: without the DEL, the set would keep reporting it */
	if (epoll_ctl(lp->epfd, EPOLL_CTL_DEL, it->fd, NULL) == 0)
		lp->watched--;
}

int loop_run(struct loop *lp)
{
	struct epoll_event ev[LOOP_MAX_EVENTS];
	int err = 0;

	while (!err && !lp->stop && lp->watched) {
		int n = epoll_wait(lp->epfd, ev, lp->max_events,
				   lp->parking ? 0 : -1);

		if (n == 0 && lp->parking) {
			/* a coroutine: let the clients run until one asks */
			err = coro_wait_fd(lp->epfd, EPOLLIN);
			continue;
		}
		if (n < 0) {
			err = errno == EINTR ? 0 : -errno;
			continue;
		}
		for (int i = 0; i < n; i++) {
			struct loop_item *it = ev[i].data.ptr;

			it->fn(lp, it, ev[i].events);
		}
		if (lp->after)
			lp->after(lp);
	}
	return err;
}

void loop_free(struct loop *lp)
{
	if (lp->epfd >= 0)
		close(lp->epfd);
	lp->epfd = -1;
}
