/* coro.h - a small single-threaded coroutine runtime.
 *
 * One scheduler per kernel thread. Coroutines switch with a hand-written
 * register swap (switch_x86_64.S), run on mmap'd stacks with a guard page,
 * and wait for timers and file descriptors through one epoll loop, so a
 * coroutine that waits lets the others run.
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
/* Runs every coroutine until all have finished. Returns 0 or -errno. */
int coro_run(void);
/* Inside a coroutine: let the others run. */
void coro_yield(void);
/* Inside a coroutine: sleep; others run meanwhile. */
void coro_sleep_ns(uint64_t ns);
/* Inside a coroutine: wait until fd is ready for events (EPOLLIN/EPOLLOUT);
 * returns 0 or -errno. */
int coro_wait_fd(int fd, uint32_t events);
/* User-space switches made by this thread's scheduler so far. */
uint64_t coro_switches(void);

#endif /* LAB_CORO_H */
