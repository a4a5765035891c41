/* coro.h - a small single-threaded coroutine runtime.
 *
 * One scheduler per kernel thread. Coroutines switch with a hand-written
 * register swap (switch_x86_64.S), run on mmap'd stacks with a guard page,
 * and wait for timers and file descriptors through one epoll loop, so a
 * coroutine that waits lets the others run.
 *
 * Runnable coroutines run in FIFO order. A stack overflow hits the guard
 * page and ends the process by SIGSEGV after writing "coro: stack overflow
 * in coroutine N (stack of K bytes)" to stderr.
 */
#ifndef LAB_CORO_H
#define LAB_CORO_H

#include <stddef.h>
#include <stdint.h>

typedef void (*coro_fn)(void *arg);

/* Creates a coroutine that will run fn(arg); it runs once coro_run() is
 * called (or, inside coro_run, at the next switch). stack_size 0 = 64 KiB.
 * Returns 0 or -errno. */
int coro_spawn(coro_fn fn, void *arg, size_t stack_size);
/* Runs every coroutine until all have finished. Returns 0 or -errno:
 * -EDEADLK when called from a coroutine. */
int coro_run(void);
/* Inside a coroutine: let the others run. Outside one: does nothing. */
void coro_yield(void);
/* Inside a coroutine: sleep at least ns; others run meanwhile. Outside
 * one: blocks the thread for as long. */
void coro_sleep_ns(uint64_t ns);
/* Inside a coroutine: wait until fd is ready for events (EPOLLIN/EPOLLOUT);
 * returns 0 or -errno. Readiness is a hint: retry the non-blocking call,
 * which may still say EAGAIN. One coroutine may wait to read an fd while
 * another waits to write it; a second waiter for the same direction gets
 * -EBUSY. Regular files are always ready. Do not close an fd that another
 * coroutine waits on. Outside a coroutine: blocks in poll(2). */
int coro_wait_fd(int fd, uint32_t events);
/* User-space switches made by this thread's scheduler so far: every
 * switch into or out of a coroutine counts one (a yield from one coroutine
 * straight to the next is one switch). */
uint64_t coro_switches(void);

/* Stack size when coro_spawn is given 0; only stacks of this size are
 * pooled for reuse. Smaller requests are raised to 16 KiB, and every size
 * is rounded up to whole pages. */
#define CORO_STACK_DEFAULT (64 * 1024)

/* The running coroutine's id (1, 2, ... in spawn order per thread), or 0
 * outside any coroutine. Overflow reports name coroutines by this id. */
uint64_t coro_id(void);
/* Stacks this thread has mapped so far; spawns served from the pool of
 * finished stacks do not add to it. */
uint64_t coro_stacks_mapped(void);
/* Bytes of the pooled stacks (the finished ones kept for reuse) that are
 * resident: what their coroutines touched, the deepest of each stack's
 * users; *stacks gets how many were looked at. A system call a stack. */
uint64_t coro_pool_resident(uint64_t *stacks);

/* Channels: a bounded FIFO of pointers between coroutines of one thread.
 * capacity 0 makes a rendezvous (send waits for a receiver). */
struct coro_chan;
struct coro_chan *coro_chan_new(size_t capacity);
void coro_chan_free(struct coro_chan *c);
/* Waits (letting others run) while the channel is full; 0, or -EPIPE when
 * the channel is closed. */
int coro_chan_send(struct coro_chan *c, void *item);
/* Waits while the channel is empty; 0, or -EPIPE once it is closed and
 * drained. */
int coro_chan_recv(struct coro_chan *c, void **item);
/* Wakes every waiter; later sends fail, receives drain what is left. */
void coro_chan_close(struct coro_chan *c);

/* Channel details beyond the above:
 * - Waiting senders and receivers are served in arrival order; a woken
 *   waiter's operation is already complete, so no later caller overtakes
 *   it. An item goes to exactly one receiver.
 * - A send still waiting at close fails with -EPIPE: its item was not
 *   delivered. coro_chan_free closes first, so waiters wake with -EPIPE.
 * - Outside a coroutine, send and recv complete when they need not wait
 *   (e.g. filling a buffered channel before coro_run) and return -EDEADLK
 *   instead of waiting, as nothing else could run to let them through.
 * - coro_chan_new returns NULL (errno ENOMEM) without memory; send and
 *   recv on a NULL channel return -EINVAL; recv with item NULL discards.
 * - A channel belongs to one thread's scheduler: coroutines of other
 *   threads must not use it. */

/* A mutex between coroutines of one thread: only a holder that waits
 * (sleeps, yields, does IO) while holding it makes others queue. */
struct coro_mutex;
struct coro_mutex *coro_mutex_new(void);
void coro_mutex_free(struct coro_mutex *m);
void coro_mutex_lock(struct coro_mutex *m);
void coro_mutex_unlock(struct coro_mutex *m);
/* Takes the mutex if it is free: 0, or -EBUSY without waiting. */
int coro_mutex_trylock(struct coro_mutex *m);
/* Mutex details beyond the above: waiters get the mutex in arrival
 * order, handed over by unlock. The thread's own stack (outside any
 * coroutine) may lock a free mutex. Misuses that would hang the thread or
 * break exclusion end the process with a message on stderr (abort): a
 * lock by the holder, a lock outside a coroutine on a held mutex, an
 * unlock of a free mutex. Unlocking from a coroutine other than the one
 * that locked is allowed. Free only an unlocked mutex. */
/* Lock acquisitions that had to wait, so a workload can report them. */
uint64_t coro_mutex_contended(const struct coro_mutex *m);

#endif /* LAB_CORO_H */
