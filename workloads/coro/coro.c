/* coro.c - the scheduler: spawn, the FIFO run queue, yield and the run loop.
 *
 * Coroutines switch straight to one another. The thread's own stack (the
 * "main" context, where coro_run loops) reaps finished stacks, fires due
 * timers and collects fd events. While it has such work it waits in the
 * run queue like a coroutine and queues itself again at the tail after
 * each turn, so one pass over the queue is one round and IO is polled once
 * a round. While it has none it stays out of the queue, and coroutines
 * that pass control back and forth do so without a detour through it; it
 * runs again as soon as work appears or nothing else is runnable.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "workloads/coro/coro_impl.h"

static __thread struct coro_sched sched = {.epfd = -1};

struct coro_sched *coro_sched_get(void)
{
	if (!sched.current)
		sched.current = &sched.main;
	return &sched;
}

struct coro *coro_sched_running(void)
{
	struct coro *c = sched.current;

	return c == &sched.main ? NULL : c;
}

uint64_t coro_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void coro_sched_ready(struct coro_sched *s, struct coro *c)
{
	c->next = NULL;
	if (s->runq_tail)
		s->runq_tail->next = c;
	else
		s->runq_head = c;
	s->runq_tail = c;
}

/* The head of the run queue, or NULL. */
static struct coro *runq_pop(struct coro_sched *s)
{
	struct coro *c = s->runq_head;

	if (c) {
		s->runq_head = c->next;
		if (!s->runq_head)
			s->runq_tail = NULL;
	}
	return c;
}

/* What only main can do: stacks to unmap (not from the stack being left),
 * timers to fire, fds to poll. */
static inline int main_has_work(const struct coro_sched *s)
{
	return s->unmap || s->heap_len || s->fd_waiters;
}

static inline void main_queue(struct coro_sched *s)
{
	s->main_queued = 1;
	coro_sched_ready(s, &s->main);
}

static inline void switch_to(struct coro_sched *s, struct coro *from,
			     struct coro *to)
{
	s->switches++;
	s->current = to;
	coro_switch_ctx(&from->sp, to->sp);
}

void coro_sched_park(struct coro_sched *s)
{
	struct coro *next;

	/* work appears only in a coroutine that then parks: a timer, an fd
	 * wait, a finished stack to unmap */
	if (!s->main_queued && main_has_work(s))
		main_queue(s);
	/* nothing runnable: main finds out why (timers, IO, deadlock) */
	next = runq_pop(s);
	if (!next)
		next = &s->main;
	/* a coroutine that yields with nobody else runnable goes on */
	if (next != s->current)
		switch_to(s, s->current, next);
}

/* Lays out the frame coro_switch_ctx pops, so that the first switch into
 * the coroutine "returns" into coro_entry_trampoline with c in r12 (x19
 * on AArch64). The control words are the spawner's, as a new thread
 * inherits them. */
static void frame_init(struct coro *c)
{
#if defined(__x86_64__)
	uint64_t *f = (uint64_t *)(void *)c - 8;
	uint32_t mxcsr = __builtin_ia32_stmxcsr();
	uint16_t fpucw;

	__asm__ volatile("fnstcw %0" : "=m"(fpucw));
	f[0] = mxcsr | (uint64_t)fpucw << 32;
	f[1] = 0;		       /* r15 */
	f[2] = 0;		       /* r14 */
	f[3] = 0;		       /* r13 */
	f[4] = (uint64_t)(uintptr_t)c; /* r12 */
	f[5] = 0;		       /* rbx */
	f[6] = 0;		       /* rbp: ends frame-pointer walks */
	f[7] = (uint64_t)(uintptr_t)coro_entry_trampoline;
	c->sp = f;
#elif defined(__aarch64__)
	/* x19-x30, d8-d15, fpcr, pad: switch_aarch64.S's 176 bytes */
	uint64_t *f = (uint64_t *)(void *)c - 22;
	uint64_t fpcr;

	__asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
	memset(f, 0, 22 * sizeof(*f));
	f[0] = (uint64_t)(uintptr_t)c; /* x19 */
	/* x29 stays 0: ends frame-pointer walks */
	f[11] = (uint64_t)(uintptr_t)coro_entry_trampoline; /* x30 */
	f[20] = fpcr;
	c->sp = f;
#else
#error "coro: no context switch for this architecture"
#endif
}

void coro_entry(struct coro *c)
{
	struct coro_sched *s = &sched;

	c->fn(c->arg);
	s->live--;
	/* Nothing else runs on this thread before the switch below, so the
	 * stack may be pooled while still in use for these last lines. */
	coro_stack_put(s, c);
	coro_sched_park(s);
	__builtin_unreachable();
}

int coro_spawn(coro_fn fn, void *arg, size_t stack_size)
{
	struct coro_sched *s = coro_sched_get();
	struct coro *c;
	int err;

	if (!fn)
		return -EINVAL;
	err = coro_stack_get(s, stack_size, &c);
	if (err)
		return err;
	c->fn = fn;
	c->arg = arg;
	c->id = ++s->next_id;
	frame_init(c);
	s->live++;
	coro_sched_ready(s, c);
	return 0;
}

/* One turn of main: returns 0 with the queue non-empty, 1 to look again,
 * or -errno. */
static int gather(struct coro_sched *s)
{
	uint64_t deadline = 0;
	int err;

	coro_stack_reap(s);
	if (!s->runq_head) {
		deadline = coro_timer_next(s);
		/* nothing runnable and nothing that could make it so */
		if (deadline == UINT64_MAX && !s->fd_waiters)
			return -EDEADLK;
	}
	if (s->fd_waiters || deadline) {
		err = coro_poll(s, deadline);
		if (err)
			return err;
	}
	if (s->heap_len)
		coro_timer_expire(s, coro_now_ns());
	return s->runq_head ? 0 : 1;
}

int coro_run(void)
{
	struct coro_sched *s = coro_sched_get();
	int err;

	if (s->running)
		return -EDEADLK;
	if (!s->live)
		return 0;
	err = coro_guard_begin(s);
	if (err)
		return err;
	s->running = 1;
	while (s->live) {
		err = gather(s);
		if (err < 0)
			break;
		if (err)
			continue;
		if (main_has_work(s))
			main_queue(s);
		switch_to(s, &s->main, runq_pop(s));
		/* back from the queue or from an empty one: not in it now */
		s->main_queued = 0;
	}
	s->running = 0;
	coro_stack_reap(s);
	if (!s->live) {
		err = 0;
		coro_poll_free(s);
		coro_timer_free(s);
	}
	return err;
}

void coro_yield(void)
{
	struct coro_sched *s = coro_sched_get();

	if (!coro_sched_running())
		return;
	coro_sched_ready(s, s->current);
	coro_sched_park(s);
}

static void sleep_blocking(uint64_t deadline)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline / 1000000000u),
		.tv_nsec = (long)(deadline % 1000000000u),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

void coro_sleep_ns(uint64_t ns)
{
	struct coro_sched *s = coro_sched_get();
	uint64_t now = coro_now_ns();
	/* UINT64_MAX means "no timer" to the scheduler */
	uint64_t deadline =
		ns < UINT64_MAX - 1 - now ? now + ns : UINT64_MAX - 1;

	if (!coro_sched_running()) {
		sleep_blocking(deadline);
		return;
	}
	if (coro_timer_add(s, s->current, deadline) == 0) {
		coro_sched_park(s);
		return;
	}
	/* no memory for the timer heap: still never wake early */
	while (coro_now_ns() < deadline)
		coro_yield();
}

uint64_t coro_switches(void)
{
	return sched.switches;
}

uint64_t coro_id(void)
{
	struct coro *c = coro_sched_running();

	return c ? c->id : 0;
}

uint64_t coro_stacks_mapped(void)
{
	return sched.stacks_mapped;
}

uint64_t coro_pool_resident(uint64_t *stacks)
{
	return coro_stack_pool_resident(&sched, stacks);
}
