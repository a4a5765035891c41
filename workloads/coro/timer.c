/* timer.c - sleeping coroutines in a binary min-heap on their deadline.
 *
 * Ties break on a sequence number, so coroutines that asked for the same
 * deadline wake in the order they went to sleep, as the FIFO run queue
 * would have it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "workloads/coro/coro_impl.h"

static int before(const struct coro *a, const struct coro *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->seq < b->seq;
}

int coro_timer_add(struct coro_sched *s, struct coro *c, uint64_t deadline)
{
	size_t i;

	if (s->heap_len == s->heap_cap) {
		size_t cap = s->heap_cap ? s->heap_cap * 2 : 64;
		struct coro **h = realloc(s->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		s->heap = h;
		s->heap_cap = cap;
	}
	c->deadline = deadline;
	c->seq = s->timer_seq++;
	for (i = s->heap_len++; i > 0; i = (i - 1) / 2) {
		struct coro *parent = s->heap[(i - 1) / 2];

		if (!before(c, parent))
			break;
		s->heap[i] = parent;
	}
	s->heap[i] = c;
	return 0;
}

static struct coro *pop_min(struct coro_sched *s)
{
	struct coro *min = s->heap[0];
	struct coro *last = s->heap[--s->heap_len];
	size_t i = 0, n = s->heap_len;

	while (2 * i + 1 < n) {
		size_t child = 2 * i + 1;

		if (child + 1 < n && before(s->heap[child + 1], s->heap[child]))
			child++;
		if (!before(s->heap[child], last))
			break;
		s->heap[i] = s->heap[child];
		i = child;
	}
	if (n)
		s->heap[i] = last;
	return min;
}

void coro_timer_expire(struct coro_sched *s, uint64_t now)
{
	while (s->heap_len && s->heap[0]->deadline <= now)
		coro_sched_ready(s, pop_min(s));
}

uint64_t coro_timer_next(const struct coro_sched *s)
{
	return s->heap_len ? s->heap[0]->deadline : UINT64_MAX;
}

void coro_timer_free(struct coro_sched *s)
{
	free(s->heap);
	s->heap = NULL;
	s->heap_len = s->heap_cap = 0;
}
