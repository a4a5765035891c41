/* stack.c - coroutine stacks: mmap'd with a PROT_NONE guard page below,
 * pooled for reuse, and an overflow report instead of silent corruption.
 *
 * A mapping, low to high: guard page | stack, growing down | struct coro.
 * The record lives in the mapping so that a pooled stack is a ready-made
 * coroutine: spawning on one costs no system call and no allocation.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include "workloads/coro/coro_impl.h"

/* Tell valgrind where each stack is, or it takes a switch between two
 * adjacent stacks for a frame being pushed and flags the memory between.
 * Without the header these are no-ops; outside valgrind they cost a few
 * instructions per mapped stack. (cppcheck cannot evaluate __has_include,
 * so it skips this.) */
#if defined(__has_include) && !defined(__CPPCHECK__)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define STACK_REGISTER(c)                                                      \
	((c)->vg_stack = VALGRIND_STACK_REGISTER((c)->map + guard_of(c),       \
						 (c)->map + (c)->map_len))
#define STACK_DEREGISTER(c) VALGRIND_STACK_DEREGISTER((c)->vg_stack)
#endif
#endif
#ifndef STACK_REGISTER
#define STACK_REGISTER(c)   ((void)(c))
#define STACK_DEREGISTER(c) ((void)(c))
#endif

#define ALTSTACK_LEN (64 * 1024)

static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;
static int exit_key_ok;

static pthread_once_t segv_once = PTHREAD_ONCE_INIT;
static struct sigaction segv_prev;
static int segv_err;
static size_t guard_len; /* set before the handler can run */

static inline size_t guard_of(const struct coro *c)
{
	return c->map_len - c->stack_size;
}

int coro_stack_get(struct coro_sched *s, size_t size, struct coro **out)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len;
	char *map;
	struct coro *c;

	if (size == 0)
		size = CORO_STACK_DEFAULT;
	if (size < CORO_STACK_MIN)
		size = CORO_STACK_MIN;
	if (size > SIZE_MAX / 4)
		return -ENOMEM;
	size = (size + page - 1) & ~(page - 1);
	if (size == CORO_STACK_DEFAULT && s->pool) {
		c = s->pool;
		s->pool = c->next;
		s->pool_len--;
		*out = c;
		return 0;
	}
	len = page + size;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return -errno;
	if (mprotect(map, page, PROT_NONE) != 0) {
		int err = -errno;

		munmap(map, len);
		return err;
	}
	c = (struct coro *)(((uintptr_t)(map + len) - sizeof(*c)) &
			    ~(uintptr_t)63);
	memset(c, 0, sizeof(*c));
	c->map = map;
	c->map_len = len;
	c->stack_size = size;
	STACK_REGISTER(c);
	s->stacks_mapped++;
	*out = c;
	return 0;
}

static void unmap_list(struct coro *c)
{
	while (c) {
		struct coro *next = c->next; /* c dies with its mapping */

		STACK_DEREGISTER(c);
		munmap(c->map, c->map_len);
		c = next;
	}
}

static void altstack_free(struct coro_sched *s)
{
	stack_t cur, off;

	if (!s->altstack)
		return;
	/* unless the program has put its own in place since */
	if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == s->altstack) {
		memset(&off, 0, sizeof(off));
		off.ss_flags = SS_DISABLE;
		sigaltstack(&off, NULL);
	}
	munmap(s->altstack, s->altstack_len);
	s->altstack = NULL;
}

/* A thread that ran coroutines and exits gives back its pooled stacks and
 * its alternate signal stack. */
static void on_thread_exit(void *arg)
{
	struct coro_sched *s = arg;

	unmap_list(s->pool);
	unmap_list(s->unmap);
	s->pool = s->unmap = NULL;
	s->pool_len = 0;
	altstack_free(s);
}

static void exit_key_make(void)
{
	exit_key_ok = pthread_key_create(&exit_key, on_thread_exit) == 0;
}

static void watch_thread_exit(struct coro_sched *s)
{
	if (s->exit_key_set)
		return;
	pthread_once(&exit_key_once, exit_key_make);
	s->exit_key_set = exit_key_ok && pthread_setspecific(exit_key, s) == 0;
}

void coro_stack_put(struct coro_sched *s, struct coro *c)
{
	if (c->stack_size == CORO_STACK_DEFAULT &&
	    s->pool_len < CORO_POOL_MAX) {
		watch_thread_exit(s);
		c->next = s->pool;
		s->pool = c;
		s->pool_len++;
		return;
	}
	c->next = s->unmap;
	s->unmap = c;
}

uint64_t coro_stack_pool_resident(const struct coro_sched *s, uint64_t *stacks)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char vec[(CORO_STACK_DEFAULT + 4096) / 4096];
	uint64_t bytes = 0;

	*stacks = 0;
	for (const struct coro *c = s->pool; c; c = c->next) {
		size_t pages = c->stack_size / page;

		/* the stack and the record above it, not the guard below */
		if (pages > sizeof(vec) ||
		    mincore(c->map + guard_of(c), c->stack_size, vec))
			continue;
		for (size_t i = 0; i < pages; i++)
			bytes += (vec[i] & 1) ? page : 0;
		(*stacks)++;
	}
	return bytes;
}

void coro_stack_reap(struct coro_sched *s)
{
	unmap_list(s->unmap);
	s->unmap = NULL;
}

/* Async-signal-safe decimal formatting; returns the end of the digits. */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *str)
{
	while (*str)
		*p++ = *str++;
	return p;
}

static void report_overflow(const struct coro *c)
{
	char msg[128], *p = msg;

	p = put_str(p, "coro: stack overflow in coroutine ");
	p = put_u64(p, c->id);
	p = put_str(p, " (stack of ");
	p = put_u64(p, c->stack_size);
	p = put_str(p, " bytes)\n");
	if (write(STDERR_FILENO, msg, (size_t)(p - msg)) < 0)
		return;
}

/* The faulting address is in the guard page, or, when one frame was
 * bigger than the guard page and jumped over it, the stack pointer has
 * left the stack downwards. */
static int overflowed(const struct coro *c, const siginfo_t *si, void *uctx)
{
	uintptr_t lo = (uintptr_t)c->map, stack_lo = lo + guard_len;
	uintptr_t addr = (uintptr_t)si->si_addr;

	if (addr >= lo && addr < stack_lo)
		return 1;
#if defined(__x86_64__)
	{
		const ucontext_t *uc = uctx;
		uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];

		return sp < stack_lo && sp >= lo - c->stack_size;
	}
#elif defined(__aarch64__)
	{
		const ucontext_t *uc = uctx;
		uintptr_t sp = (uintptr_t)uc->uc_mcontext.sp;

		return sp < stack_lo && sp >= lo - c->stack_size;
	}
#else
	(void)uctx;
	return 0;
#endif
}

static void die_by_default(int sig)
{
	struct sigaction dfl;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	/* pending until the handler returns; a fault would recur anyway */
	raise(sig);
}

static void on_segv(int sig, siginfo_t *si, void *uctx)
{
	const struct coro *c = coro_sched_running();

	if (c && overflowed(c, si, uctx)) {
		report_overflow(c);
		die_by_default(sig);
		return;
	}
	if (segv_prev.sa_flags & SA_SIGINFO) {
		segv_prev.sa_sigaction(sig, si, uctx);
	} else if (segv_prev.sa_handler == SIG_IGN) {
		/* only a sent signal can be ignored; a fault cannot */
		if (si->si_code > 0)
			die_by_default(sig);
	} else if (segv_prev.sa_handler != SIG_DFL) {
		segv_prev.sa_handler(sig);
	} else {
		die_by_default(sig);
	}
}

static void segv_install(void)
{
	struct sigaction sa;

	guard_len = (size_t)sysconf(_SC_PAGESIZE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &segv_prev) != 0)
		segv_err = -errno;
}

/* An overflowing coroutine has no stack left to run a handler on, so the
 * handler runs on an alternate stack, one per thread, kept until the
 * thread exits: setting one up costs a few microseconds, more than many
 * whole coro_run calls. A thread that already has one (a sanitizer's, the
 * program's own) keeps it. */
int coro_guard_begin(struct coro_sched *s)
{
	stack_t cur, ss;
	void *p;

	pthread_once(&segv_once, segv_install);
	if (segv_err)
		return segv_err;
	if (s->altstack_checked)
		return 0;
	if (sigaltstack(NULL, &cur) != 0)
		return -errno;
	if (!(cur.ss_flags & SS_DISABLE)) {
		s->altstack_checked = 1;
		return 0;
	}
	p = mmap(NULL, ALTSTACK_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = p;
	ss.ss_size = ALTSTACK_LEN;
	if (sigaltstack(&ss, NULL) != 0) {
		int err = -errno;

		munmap(p, ALTSTACK_LEN);
		return err;
	}
	s->altstack = p;
	s->altstack_len = ALTSTACK_LEN;
	s->altstack_checked = 1;
	watch_thread_exit(s);
	return 0;
}
