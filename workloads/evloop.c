/* evloop.c - the events model's loop (see evloop.h) */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "workloads/evloop.h"
#include "workloads/tasks.h"

#define EVLOOP_MAX_EVENTS 64

struct evloop {
	int epfd;
	unsigned armed;		    /* watches waiting for their events */
	struct evloop_timer **heap; /* min-heap on (deadline, seq) */
	size_t heap_len, heap_cap;
	uint64_t seq, dispatches;
};

static __thread struct evloop loop = {.epfd = -1};

uint64_t evloop_dispatches(void)
{
	return loop.dispatches;
}

int evloop_watch(struct evloop_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events | EPOLLONESHOT,
				 .data.ptr = w};
	int op = w->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	if (loop.epfd < 0 && (loop.epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return -errno;
	if (epoll_ctl(loop.epfd, op, w->fd, &ev) != 0) {
		/* the number was closed and reused since it was registered */
		if (op == EPOLL_CTL_MOD && errno == ENOENT)
			op = EPOLL_CTL_ADD;
		else if (op == EPOLL_CTL_ADD && errno == EEXIST)
			op = EPOLL_CTL_MOD;
		else
			return -errno;
		if (epoll_ctl(loop.epfd, op, w->fd, &ev) != 0)
			return -errno;
	}
	w->registered = 1;
	loop.armed += !w->armed;
	w->armed = 1;
	return 0;
}

static int evloop_before(const struct evloop_timer *a,
			 const struct evloop_timer *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->seq < b->seq;
}

int evloop_after(struct evloop_timer *t, uint64_t ns)
{
	size_t i;

	if (loop.heap_len == loop.heap_cap) {
		size_t cap = loop.heap_cap ? loop.heap_cap * 2 : 64;
		struct evloop_timer **h = realloc(loop.heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		loop.heap = h;
		loop.heap_cap = cap;
	}
	t->deadline = tasks_clock_ns(CLOCK_MONOTONIC) + ns;
	t->seq = loop.seq++;
	for (i = loop.heap_len++; i > 0; i = (i - 1) / 2) {
		struct evloop_timer *parent = loop.heap[(i - 1) / 2];

		if (!evloop_before(t, parent))
			break;
		loop.heap[i] = parent;
	}
	loop.heap[i] = t;
	return 0;
}

static struct evloop_timer *evloop_pop(void)
{
	struct evloop_timer *min = loop.heap[0];
	struct evloop_timer *last = loop.heap[--loop.heap_len];
	size_t i = 0, n = loop.heap_len;

	while (2 * i + 1 < n) {
		size_t child = 2 * i + 1;

		if (child + 1 < n &&
		    evloop_before(loop.heap[child + 1], loop.heap[child]))
			child++;
		if (!evloop_before(loop.heap[child], last))
			break;
		loop.heap[i] = loop.heap[child];
		i = child;
	}
	if (n)
		loop.heap[i] = last;
	return min;
}

/* Every timer due by now: its callback. */
static void evloop_expire(void)
{
	uint64_t now = tasks_clock_ns(CLOCK_MONOTONIC);

	while (loop.heap_len && loop.heap[0]->deadline <= now) {
		struct evloop_timer *t = evloop_pop();

		loop.dispatches++;
		t->fn(t);
	}
}

/* epoll_pwait2 takes a timespec, as the coroutine runtime's loop does:
 * epoll_wait's milliseconds would make every timer up to 1 ms late.
 * Kernels before 5.11 lack it. */
static int evloop_wait(struct epoll_event *ev)
{
	static __thread int no_pwait2;
	struct timespec ts, *tp = NULL;
	uint64_t left = 0;
	int n;

	if (loop.heap_len) {
		uint64_t now = tasks_clock_ns(CLOCK_MONOTONIC);

		left = loop.heap[0]->deadline > now
			       ? loop.heap[0]->deadline - now
			       : 0;
		ts.tv_sec = (time_t)(left / 1000000000u);
		ts.tv_nsec = (long)(left % 1000000000u);
		tp = &ts;
	}
	if (!no_pwait2) {
		n = epoll_pwait2(loop.epfd, ev, EVLOOP_MAX_EVENTS, tp, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		no_pwait2 = 1;
	}
	left = (left + 999999) / 1000000;
	return epoll_wait(loop.epfd, ev, EVLOOP_MAX_EVENTS,
			  !tp		   ? -1
			  : left > INT_MAX ? INT_MAX
					   : (int)left);
}

int evloop_run(void)
{
	struct epoll_event ev[EVLOOP_MAX_EVENTS];
	int err = 0;

	if (loop.epfd < 0 && (loop.epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return -errno;
	for (;;) {
		int n;

		evloop_expire();
		if (!loop.armed && !loop.heap_len)
			break;
		n = evloop_wait(ev);
		if (n < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		for (int i = 0; i < n; i++) {
			struct evloop_watch *w = ev[i].data.ptr;

			/* one-shot: the event disarmed it */
			w->armed = 0;
			loop.armed--;
			loop.dispatches++;
			w->fn(w, ev[i].events);
		}
	}
	close(loop.epfd);
	loop.epfd = -1;
	loop.armed = 0;
	free(loop.heap);
	loop.heap = NULL;
	loop.heap_len = loop.heap_cap = 0;
	return err;
}
