/* pingpong_links.c - how the pingpong token travels (see
 * pingpong_links.h) */
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "workloads/coro/coro.h"
#include "workloads/pingpong_links.h"

static struct pp_word *pp_word_of(const struct pp_task *t)
{
	return t->base.run->shared;
}

/* ---- pipes: processes ---- */

static int pp_pipe_pass(struct pp_task *t, uint32_t token)
{
	ssize_t n;

	while ((n = write(t->fd_out, &token, sizeof(token))) < 0 &&
	       errno == EINTR)
		;
	return n == sizeof(token) ? 0 : -1;
}

/* A token is written whole (4 bytes, far below PIPE_BUF) and read whole. */
static int pp_pipe_await(struct pp_task *t, uint32_t *token)
{
	ssize_t n;

	while ((n = read(t->fd_in, token, sizeof(*token))) < 0 &&
	       errno == EINTR)
		;
	return n == sizeof(*token) ? 0 : -1;
}

static const struct pp_link pp_pipes = {
	.pass = pp_pipe_pass,
	.await = pp_pipe_await,
};

/* ---- a shared word and futex(2): threads ---- */

static long pp_futex(uint32_t *word, int op, uint32_t val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

static int pp_futex_pass(struct pp_task *t, uint32_t token)
{
	uint32_t *word = &pp_word_of(t)->word;

	t->last = token;
	__atomic_store_n(word, token, __ATOMIC_SEQ_CST);
	pp_futex(word, FUTEX_WAKE_PRIVATE, 1);
	return 0;
}

/* Sleeps until the word holds something other than our own last token.
 * FUTEX_WAIT returns at once if the word has already changed, so a pass
 * made between the load and the wait is not missed. */
static int pp_futex_await(struct pp_task *t, uint32_t *token)
{
	struct pp_word *b = pp_word_of(t);
	uint32_t v;

	while ((v = __atomic_load_n(&b->word, __ATOMIC_SEQ_CST)) == t->last &&
	       !__atomic_load_n(&b->gone, __ATOMIC_SEQ_CST))
		pp_futex(&b->word, FUTEX_WAIT_PRIVATE, v);
	*token = v == t->last ? PP_GONE : v;
	return 0;
}

/* gone first: a pass that overwrites the word after this cannot hide it */
static void pp_futex_abandon(struct pp_task *t)
{
	__atomic_store_n(&pp_word_of(t)->gone, 1, __ATOMIC_SEQ_CST);
	pp_futex_pass(t, PP_GONE);
}

static const struct pp_link pp_futexes = {
	.pass = pp_futex_pass,
	.await = pp_futex_await,
	.abandon = pp_futex_abandon,
};

/* ---- the same word and coro_yield: coroutines ---- */

static int pp_coro_pass(struct pp_task *t, uint32_t token)
{
	t->last = token;
	pp_word_of(t)->word = token;
	return 0;
}

/* Where a thread sleeps in the kernel, a coroutine lets the other run. */
static int pp_coro_await(struct pp_task *t, uint32_t *token)
{
	struct pp_word *b = pp_word_of(t);

	while (b->word == t->last && !b->gone)
		coro_yield();
	*token = b->word == t->last ? PP_GONE : b->word;
	return 0;
}

static void pp_coro_abandon(struct pp_task *t)
{
	pp_word_of(t)->gone = 1;
	pp_coro_pass(t, PP_GONE);
}

static const struct pp_link pp_yields = {
	.pass = pp_coro_pass,
	.await = pp_coro_await,
	.abandon = pp_coro_abandon,
};

static const struct pp_link *const pp_links[LAUNCH_MODELS] = {
	[LAUNCH_PROCESSES] = &pp_pipes,
	[LAUNCH_THREADS] = &pp_futexes,
	[LAUNCH_COROUTINES] = &pp_yields,
};

const struct pp_link *pingpong_link_of(enum launch_model model)
{
	return pp_links[model];
}
