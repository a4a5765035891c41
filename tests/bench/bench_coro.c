/* bench_coro.c - what the coroutine runtime costs: a switch, a spawn on a
 * pooled stack and on a fresh one, a channel round trip, and a round trip
 * over real pipes through the epoll loop. */
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "tests/bench/bench.h"
#include "workloads/coro/coro_impl.h"

#define YIELDS	     500000
#define SPAWN_BATCH  200 /* below CORO_POOL_MAX: every stack is pooled */
#define SPAWN_ROUNDS 250
#define FRESH_BATCH  25
#define FRESH_ROUNDS 20
#define FRESH_STACK  (32 * 1024) /* not the default size: never pooled */
#define CHAN_TRIPS   500000
#define PIPE_TRIPS   20000
#define SWAPS	     5000000

typedef void (*swap_fn)(void **save_sp, void *load_sp);

static swap_fn swap;
static void *swap_main_sp, *swap_other_sp;

static void __attribute__((noreturn)) swap_back_forever(void)
{
	for (;;)
		swap(&swap_other_sp, swap_main_sp);
}

/* Two contexts swap with fn and nothing else: no run queue, no counter.
 * The other side's first frame is laid out as coro.c lays out a new
 * coroutine's, entering a function as if it had been called. */
static double swaps(swap_fn fn)
{
	static uint64_t stack[8192] __attribute__((aligned(16)));
	uint64_t *f = stack + 8192 - 9; /* 8 slots, then rsp = 8 mod 16 */
	uint16_t fpucw;
	uint64_t t0;

	__asm__ volatile("fnstcw %0" : "=m"(fpucw));
	f[0] = __builtin_ia32_stmxcsr() | (uint64_t)fpucw << 32;
	for (int i = 1; i < 7; i++)
		f[i] = 0;
	f[7] = (uint64_t)(uintptr_t)swap_back_forever;
	swap_other_sp = f;
	swap = fn;
	t0 = bench_now_ns();
	for (int i = 0; i < SWAPS; i++)
		fn(&swap_main_sp, swap_other_sp);
	return (double)(bench_now_ns() - t0) / (2.0 * SWAPS);
}

double bench_swap_runtime(void)
{
	return swaps(coro_switch_ctx);
}

double bench_swap_gp_only(void)
{
	return swaps(bench_switch_gp);
}

static void yielder(void *arg)
{
	(void)arg;
	for (int i = 0; i < YIELDS; i++)
		coro_yield();
}

/* Two coroutines yield to each other. The scheduler's own turn, once a
 * round, is a switch too and is counted: the figure is elapsed time over
 * every switch made, the cost a workload pays per switch. */
double bench_coro_switch(void)
{
	uint64_t sw0 = coro_switches(), t0;
	int err;

	if ((err = coro_spawn(yielder, NULL, 0)) ||
	    (err = coro_spawn(yielder, NULL, 0)))
		return err;
	t0 = bench_now_ns();
	err = coro_run();
	if (err)
		return err;
	return (double)(bench_now_ns() - t0) / (double)(coro_switches() - sw0);
}

static void nothing(void *arg)
{
	(void)arg;
}

static double spawn_batches(size_t stack, int batch, int rounds)
{
	uint64_t t0 = bench_now_ns();
	int err;

	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < batch; i++)
			if ((err = coro_spawn(nothing, NULL, stack)))
				return err;
		if ((err = coro_run()))
			return err;
	}
	return (double)(bench_now_ns() - t0) / (double)(batch * rounds);
}

/* Spawn, first switch in, run, finish, switch out; the stacks come from
 * the pool the previous round filled. */
double bench_coro_spawn_pooled(void)
{
	return spawn_batches(0, SPAWN_BATCH, SPAWN_ROUNDS);
}

/* The same with a stack mapped, guarded, touched and unmapped each time. */
double bench_coro_spawn_fresh(void)
{
	return spawn_batches(FRESH_STACK, FRESH_BATCH, FRESH_ROUNDS);
}

struct pingpong {
	struct coro_chan *ping, *pong;
	int err;
};

static void chan_pinger(void *arg)
{
	struct pingpong *pp = arg;
	void *token = pp;

	for (int i = 0; i < CHAN_TRIPS && !pp->err; i++)
		if ((pp->err = coro_chan_send(pp->ping, token)) == 0)
			pp->err = coro_chan_recv(pp->pong, &token);
	coro_chan_close(pp->ping);
}

static void chan_ponger(void *arg)
{
	struct pingpong *pp = arg;
	void *token;

	while (coro_chan_recv(pp->ping, &token) == 0)
		if (coro_chan_send(pp->pong, token))
			break;
}

/* A pointer there and back over two rendezvous channels. */
double bench_coro_chan_round_trip(void)
{
	struct pingpong pp = {0};
	uint64_t t0;
	double ns;
	int err;

	pp.ping = coro_chan_new(0);
	pp.pong = coro_chan_new(0);
	err = pp.ping && pp.pong ? 0 : -ENOMEM;
	if (!err && !(err = coro_spawn(chan_pinger, &pp, 0)))
		err = coro_spawn(chan_ponger, &pp, 0);
	t0 = bench_now_ns();
	if (!err)
		err = coro_run();
	ns = (double)(bench_now_ns() - t0) / CHAN_TRIPS;
	coro_chan_free(pp.ping);
	coro_chan_free(pp.pong);
	if (!err)
		err = pp.err;
	return err ? err : ns;
}

struct pipes {
	int there[2], back[2];
	int err;
};

/* One byte through a non-blocking fd, waiting in the epoll loop for as
 * long as it says EAGAIN. */
static int xfer(int fd, int writing)
{
	char b = 'x';

	for (;;) {
		ssize_t n = writing ? write(fd, &b, 1) : read(fd, &b, 1);

		if (n == 1)
			return 0;
		if (n == 0)
			return -EPIPE;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		if (errno == EAGAIN) {
			int err =
				coro_wait_fd(fd, writing ? EPOLLOUT : EPOLLIN);

			if (err)
				return err;
		}
	}
}

static void pipe_pinger(void *arg)
{
	struct pipes *p = arg;

	for (int i = 0; i < PIPE_TRIPS && !p->err; i++)
		if (!(p->err = xfer(p->there[1], 1)))
			p->err = xfer(p->back[0], 0);
	if (p->err) {
		/* the other side then reads end of file instead of waiting */
		close(p->there[1]);
		p->there[1] = -1;
	}
}

static void pipe_ponger(void *arg)
{
	struct pipes *p = arg;
	int err = 0;

	for (int i = 0; i < PIPE_TRIPS && !err; i++)
		if (!(err = xfer(p->there[0], 0)))
			err = xfer(p->back[1], 1);
	if (err && !p->err)
		p->err = err;
}

/* Two coroutines of one thread pass a byte through two pipes: each
 * round trip is two writes, reads that find nothing, fd waits and the
 * epoll_wait that wakes the other side. */
double bench_coro_pipe_round_trip(void)
{
	struct pipes p = {.there = {-1, -1}, .back = {-1, -1}};
	uint64_t t0;
	double ns;
	int err = 0;

	if (pipe2(p.there, O_NONBLOCK | O_CLOEXEC) ||
	    pipe2(p.back, O_NONBLOCK | O_CLOEXEC))
		err = -errno;
	if (!err && !(err = coro_spawn(pipe_pinger, &p, 0)))
		err = coro_spawn(pipe_ponger, &p, 0);
	t0 = bench_now_ns();
	if (!err)
		err = coro_run();
	ns = (double)(bench_now_ns() - t0) / PIPE_TRIPS;
	for (int i = 0; i < 2; i++) {
		if (p.there[i] >= 0)
			close(p.there[i]);
		if (p.back[i] >= 0)
			close(p.back[i]);
	}
	if (!err)
		err = p.err;
	return err ? err : ns;
}
