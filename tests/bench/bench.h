/* bench.h - the benchmark's measurements. Each runs one round of its
 * operation many times and returns the mean cost of one operation in
 * nanoseconds, or a negative -errno when it could not run; bench.c
 * repeats rounds and reports medians. */
#ifndef LAB_BENCH_H
#define LAB_BENCH_H

#include <stdint.h>

uint64_t bench_now_ns(void);

/* bench_coro.c: the coroutine runtime */
double bench_swap_runtime(void);
double bench_swap_gp_only(void);
double bench_coro_switch(void);
double bench_coro_spawn_pooled(void);
double bench_coro_spawn_fresh(void);
double bench_coro_chan_round_trip(void);
double bench_coro_pipe_round_trip(void);

/* bench_os.c: what the kernel and libc offer for the same jobs */
double bench_getppid(void);
double bench_swapcontext(void);
double bench_thread_create_join(void);
double bench_fork_wait(void);
double bench_process_pipe_round_trip(void);
double bench_thread_pipe_round_trip(void);
double bench_thread_futex_round_trip(void);

/* swap_gp_x86_64.S: coro_switch_ctx without the FP control words */
void bench_switch_gp(void **save_sp, void *load_sp);

#endif /* LAB_BENCH_H */
