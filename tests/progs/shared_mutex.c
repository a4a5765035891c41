/* shared_mutex.c - two processes, one on each CPU, fight over one
 * process-shared mutex (a futex word in MAP_SHARED memory) and count
 * their own futex calls: the oracle of lab's lock table. A FUTEX_WAIT
 * that returns 0 slept (a blocking wait); one that fails with EAGAIN
 * found the word changed and did not.
 *
 * usage: shared_mutex ORACLE_FILE [MILLISECONDS]
 * writes "BLOCKING_WAITS EAGAIN_RETURNS" to ORACLE_FILE at its end.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shared {
	atomic_uint word; /* 0 free, 1 held, 2 held with waiters */
	atomic_ulong blocked, eagain;
	unsigned long counter;
};

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* the futex wrapper that counts */
static void wait_word(struct shared *s)
{
	if (syscall(SYS_futex, &s->word, FUTEX_WAIT, 2, NULL, NULL, 0) == 0)
		atomic_fetch_add(&s->blocked, 1);
	else if (errno == EAGAIN)
		atomic_fetch_add(&s->eagain, 1);
}

static void lock(struct shared *s)
{
	unsigned c = 0;

	if (atomic_compare_exchange_strong(&s->word, &c, 1))
		return;
	if (c != 2)
		c = atomic_exchange(&s->word, 2);
	while (c != 0) {
		wait_word(s);
		c = atomic_exchange(&s->word, 2);
	}
}

static void unlock(struct shared *s)
{
	if (atomic_fetch_sub(&s->word, 1) != 1) {
		atomic_store(&s->word, 0);
		syscall(SYS_futex, &s->word, FUTEX_WAKE, 1, NULL, NULL, 0);
	}
}

static void fight(struct shared *s, int cpu, double stop)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (now_ms() < stop)
		for (int i = 0; i < 100; i++) {
			lock(s);
			for (volatile int k = 0; k < 20000; k++)
				s->counter++;
			unlock(s);
			/* work of its own, so the other finds it free too */
			for (volatile int k = 0; k < 2000; k++)
				;
		}
}

int main(int argc, char **argv)
{
	double ms = argc > 2 ? atof(argv[2]) : 1000;
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
	struct shared *s;
	FILE *f;
	pid_t child;

	if (argc < 2)
		return 2;
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return 1;
	double stop = now_ms() + ms;
	child = fork();
	if (child < 0)
		return 1;
	fight(s, child == 0 ? ncpu - 1 : 0, stop);
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	f = fopen(argv[1], "w");
	if (!f)
		return 1;
	fprintf(f, "%lu %lu\n", atomic_load(&s->blocked),
		atomic_load(&s->eagain));
	return fclose(f) ? 1 : 0;
}
