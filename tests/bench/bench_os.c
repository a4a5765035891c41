/* bench_os.c - the same jobs done by libc and the kernel: swapcontext,
 * thread and process creation, and same-CPU ping-pong through pipes and
 * futexes. bench.c has pinned the process, so every thread and child runs
 * on the one CPU and each hand-over is a kernel context switch. */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include "tests/bench/bench.h"

#define SYSCALLS    1000000
#define SWAPS	    50000
#define THREADS	    2000
#define FORKS	    200
#define PIPE_TRIPS  10000
#define FUTEX_TRIPS 10000

/* The floor under every kernel figure below. */
double bench_getppid(void)
{
	uint64_t t0 = bench_now_ns();

	for (int i = 0; i < SYSCALLS; i++)
		syscall(SYS_getppid);
	return (double)(bench_now_ns() - t0) / SYSCALLS;
}

static ucontext_t uc_main, uc_other;

static void swap_back_forever(void)
{
	for (;;)
		swapcontext(&uc_other, &uc_main);
}

/* glibc saves and restores the signal mask on every swap: one
 * rt_sigprocmask system call per switch. */
double bench_swapcontext(void)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	uint64_t t0;

	if (getcontext(&uc_other))
		return -errno;
	uc_other.uc_stack.ss_sp = stack;
	uc_other.uc_stack.ss_size = sizeof(stack);
	uc_other.uc_link = NULL;
	makecontext(&uc_other, swap_back_forever, 0);
	t0 = bench_now_ns();
	for (int i = 0; i < SWAPS; i++)
		if (swapcontext(&uc_main, &uc_other))
			return -errno;
	/* each iteration is two switches: there and back */
	return (double)(bench_now_ns() - t0) / (2.0 * SWAPS);
}

static void *thread_nothing(void *arg)
{
	return arg;
}

double bench_thread_create_join(void)
{
	uint64_t t0 = bench_now_ns();

	for (int i = 0; i < THREADS; i++) {
		pthread_t t;
		int err = pthread_create(&t, NULL, thread_nothing, NULL);

		if (err)
			return -err;
		pthread_join(t, NULL);
	}
	return (double)(bench_now_ns() - t0) / THREADS;
}

double bench_fork_wait(void)
{
	uint64_t t0 = bench_now_ns();

	for (int i = 0; i < FORKS; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (pid == 0)
			_exit(0);
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				return -errno;
	}
	return (double)(bench_now_ns() - t0) / FORKS;
}

static int put_byte(int fd)
{
	char b = 'x';
	ssize_t n;

	while ((n = write(fd, &b, 1)) < 0 && errno == EINTR)
		;
	return n == 1 ? 0 : n < 0 ? -errno : -EPIPE;
}

static int get_byte(int fd)
{
	char b;
	ssize_t n;

	while ((n = read(fd, &b, 1)) < 0 && errno == EINTR)
		;
	return n == 1 ? 0 : n < 0 ? -errno : -EPIPE;
}

/* The echoing side: reads a byte and writes it back until end of file. */
static void echo(int in, int out)
{
	while (get_byte(in) == 0)
		if (put_byte(out))
			break;
}

static double ping(int out, int in, int trips)
{
	uint64_t t0 = bench_now_ns();

	for (int i = 0; i < trips; i++) {
		int err = put_byte(out);

		if (err || (err = get_byte(in)))
			return err;
	}
	return (double)(bench_now_ns() - t0) / trips;
}

static void close_pair(int p[2])
{
	close(p[0]);
	close(p[1]);
}

double bench_process_pipe_round_trip(void)
{
	int there[2], back[2], status;
	double ns;
	pid_t pid;

	if (pipe(there))
		return -errno;
	if (pipe(back)) {
		close_pair(there);
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		close(there[1]);
		close(back[0]);
		echo(there[0], back[1]);
		_exit(0);
	}
	ns = pid < 0 ? -errno : ping(there[1], back[0], PIPE_TRIPS);
	close_pair(there); /* end of file: the child leaves */
	close_pair(back);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	return ns;
}

struct fdpair {
	int in, out;
};

static void *echo_thread(void *arg)
{
	const struct fdpair *fp = arg;

	echo(fp->in, fp->out);
	return NULL;
}

double bench_thread_pipe_round_trip(void)
{
	int there[2], back[2], err;
	struct fdpair fp;
	pthread_t t;
	double ns;

	if (pipe(there))
		return -errno;
	if (pipe(back)) {
		close_pair(there);
		return -errno;
	}
	fp.in = there[0];
	fp.out = back[1];
	err = pthread_create(&t, NULL, echo_thread, &fp);
	ns = err ? -err : ping(there[1], back[0], PIPE_TRIPS);
	close(there[1]); /* end of file: the thread leaves */
	if (!err)
		pthread_join(t, NULL);
	close(there[0]);
	close_pair(back);
	return ns;
}

static uint32_t futex_word;

static void futex_wait(uint32_t *w, uint32_t val)
{
	syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(uint32_t *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* The word says whose turn it is: 1 the echoing thread's, 0 the
 * pinging one's. */
static void *futex_echo(void *arg)
{
	(void)arg;
	for (int i = 0; i < FUTEX_TRIPS; i++) {
		while (__atomic_load_n(&futex_word, __ATOMIC_ACQUIRE) == 0)
			futex_wait(&futex_word, 0);
		__atomic_store_n(&futex_word, 0, __ATOMIC_RELEASE);
		futex_wake(&futex_word);
	}
	return NULL;
}

double bench_thread_futex_round_trip(void)
{
	uint64_t t0;
	double ns;
	pthread_t t;
	int err;

	futex_word = 0;
	err = pthread_create(&t, NULL, futex_echo, NULL);
	if (err)
		return -err;
	t0 = bench_now_ns();
	for (int i = 0; i < FUTEX_TRIPS; i++) {
		__atomic_store_n(&futex_word, 1, __ATOMIC_RELEASE);
		futex_wake(&futex_word);
		while (__atomic_load_n(&futex_word, __ATOMIC_ACQUIRE) == 1)
			futex_wait(&futex_word, 1);
	}
	ns = (double)(bench_now_ns() - t0) / FUTEX_TRIPS;
	pthread_join(t, NULL);
	return ns;
}
