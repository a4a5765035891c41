/* tasks.h - what a task needs of the system, whatever its scenario: the
 * CPUs of a --cpu list and pinning to them, room for its descriptors, and
 * clocks. The launcher (launch.c) and lab's own `workload` command use
 * it. */
#ifndef LAB_TASKS_H
#define LAB_TASKS_H

#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TASKS_MAX_CPUS 64 /* entries in a --cpu list */

/* Reads a --cpu list, "0" or "0,1,3", into cpus, which has room for
 * TASKS_MAX_CPUS; a trailing comma is allowed, as lab's own --cpu allows
 * it. NULL is no list: *ncpus 0. Says why not on stderr, after name, when
 * the list is bad or names a CPU this process may not run on (-1). */
int tasks_parse_cpus(const char *name, const char *list, int *cpus,
		     unsigned *ncpus);

/* Pins the calling thread (and so a single-threaded process) to cpu; -1
 * leaves it where it is. 0 when it did, else -1 with errno set. */
int tasks_pin_cpu(int cpu);

/* Confines the calling process, and so every task it creates after, to
 * the CPUs of a --cpu list (NULL: leaves it as it is); scenarios that
 * place each task on one CPU of the list do so within it. 0 when it did,
 * else -1 having said why on stderr, after name. */
int tasks_confine(const char *name, const char *list);

/* Pins the calling thread to the first CPU of a list of ncpus, saving
 * where it was allowed before in saved (no list: does nothing); 0, or -1
 * having said why on stderr, after name. unpin puts it back. */
int tasks_pin_thread(const char *name, const int *cpus, unsigned ncpus,
		     cpu_set_t *saved);
void tasks_unpin_thread(unsigned ncpus, const cpu_set_t *saved);

/* clock in nanoseconds: CLOCK_MONOTONIC for spans, CLOCK_THREAD_CPUTIME_ID
 * for the CPU a task used */
uint64_t tasks_clock_ns(clockid_t clock);

/* Blocks the calling thread for ns nanoseconds (CLOCK_MONOTONIC), asleep
 * in the kernel, through signals. */
void tasks_sleep_ns(uint64_t ns);

/* Blocks the calling thread in poll(2) until fd is ready for events
 * (EPOLLIN, EPOLLOUT); 0, or -1. */
int tasks_wait_fd(int fd, uint32_t events);

/* Raises the descriptor limit to fit n tasks holding `fds` each ("what"
 * names them in the message); 0, or -1 after one line on stderr. */
int tasks_fd_room(const char *name, const char *what, unsigned n, unsigned fds);

#endif /* LAB_TASKS_H */
