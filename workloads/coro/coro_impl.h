/* coro_impl.h - what the runtime's files share: the coroutine record, the
 * per-thread scheduler, and the calls between scheduler, stacks, timers and
 * the epoll loop. Not for users of the runtime; they include coro.h. */
#ifndef LAB_CORO_IMPL_H
#define LAB_CORO_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "workloads/coro/coro.h"

/* Pooled stacks stay mapped (and their touched pages resident) for reuse;
 * beyond this many, finished stacks are unmapped. */
#define CORO_POOL_MAX 256
/* Smallest stack handed out: room for the record, a few frames and libc. */
#define CORO_STACK_MIN (16 * 1024)

struct coro {
	void *sp;	   /* saved stack pointer while switched out */
	struct coro *next; /* run queue, stack pool or unmap list */
	coro_fn fn;
	void *arg;
	uint64_t id;
	char *map; /* whole mapping: guard page, stack, this record */
	size_t map_len;
	size_t stack_size; /* usable bytes above the guard page */
	uint64_t deadline; /* timer key: CLOCK_MONOTONIC ns, then seq */
	uint64_t seq;
	uint32_t wait_events; /* what coro_wait_fd waits for */
	unsigned vg_stack;    /* valgrind's stack id, when built with it */
};

/* One fd's waiters; an fd may have a reader and a writer at once. */
struct coro_fdwait {
	struct coro *rd;
	struct coro *wr;
	int registered; /* known to the epoll set (possibly disarmed) */
};

struct coro_sched {
	struct coro main; /* the thread's own stack: where coro_run loops */
	struct coro *current;
	struct coro *runq_head, *runq_tail;
	uint64_t live; /* spawned and not yet finished */
	uint64_t next_id;
	uint64_t switches;
	int running;	 /* inside coro_run */
	int main_queued; /* main is in the run queue */

	struct coro *pool; /* finished default-size stacks, ready for reuse */
	unsigned pool_len;
	struct coro *unmap; /* finished stacks to unmap from the main stack */
	uint64_t stacks_mapped;
	int exit_key_set; /* on_thread_exit will clean up after us */
	int altstack_checked;
	void *altstack; /* ours, when this thread had no alternate stack */
	size_t altstack_len;

	struct coro **heap; /* timers: min-heap on (deadline, seq) */
	size_t heap_len, heap_cap;
	uint64_t timer_seq;

	int epfd;
	struct coro_fdwait *fds;
	size_t fds_cap;
	uint64_t fd_waiters;
};

/* A coroutine parked on a channel or mutex. It lives on the parked
 * coroutine's own stack, so waiting allocates nothing; whoever wakes it
 * fills in item and status before making it ready. */
struct coro_waiter {
	struct coro *c;
	struct coro_waiter *next;
	void *item;
	int status; /* 0 while waiting, then 1 = done or -errno */
};

/* FIFO of waiters: the first to wait is the first woken. */
struct coro_waitq {
	struct coro_waiter *head, *tail;
};

static inline void coro_waitq_push(struct coro_waitq *q, struct coro_waiter *w)
{
	w->next = NULL;
	if (q->tail)
		q->tail->next = w;
	else
		q->head = w;
	q->tail = w;
}

static inline struct coro_waiter *coro_waitq_pop(struct coro_waitq *q)
{
	struct coro_waiter *w = q->head;

	if (w) {
		q->head = w->next;
		if (!q->head)
			q->tail = NULL;
	}
	return w;
}

/* coro.c */
struct coro_sched *coro_sched_get(void);
/* The running coroutine, or NULL on the thread's own stack. Safe in a
 * signal handler. */
struct coro *coro_sched_running(void);
void coro_sched_ready(struct coro_sched *s, struct coro *c);
/* Switches away from the current coroutine, which someone else must make
 * ready again (a timer, an fd, a yield). */
void coro_sched_park(struct coro_sched *s);
uint64_t coro_now_ns(void);

/* stack.c */
int coro_stack_get(struct coro_sched *s, size_t size, struct coro **out);
/* The resident bytes of s's pooled stacks, guard pages aside, and how
 * many stacks (coro_pool_resident). */
uint64_t coro_stack_pool_resident(const struct coro_sched *s, uint64_t *stacks);
/* Called by a finishing coroutine on its own stack: pool it or leave it
 * for coro_stack_reap, which runs on the thread's stack. */
void coro_stack_put(struct coro_sched *s, struct coro *c);
void coro_stack_reap(struct coro_sched *s);
/* Alternate signal stack and SIGSEGV handler for overflow reports. */
int coro_guard_begin(struct coro_sched *s);

/* timer.c */
int coro_timer_add(struct coro_sched *s, struct coro *c, uint64_t deadline);
/* Makes ready every coroutine whose deadline is <= now, earliest first. */
void coro_timer_expire(struct coro_sched *s, uint64_t now);
/* Earliest deadline, or UINT64_MAX when no timer is pending. */
uint64_t coro_timer_next(const struct coro_sched *s);
void coro_timer_free(struct coro_sched *s);

/* poll.c */
/* Waits for fd events until deadline (0 = do not block, UINT64_MAX = no
 * deadline) and makes their waiters ready. Returns 0 or -errno. */
int coro_poll(struct coro_sched *s, uint64_t deadline);
void coro_poll_free(struct coro_sched *s);

/* The first C code of every coroutine; never returns. */
void coro_entry(struct coro *c) __attribute__((noreturn));

/* switch_<arch>.S */
void coro_switch_ctx(void **save_sp, void *load_sp);
void coro_entry_trampoline(void);

#endif /* LAB_CORO_IMPL_H */
