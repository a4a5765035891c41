/* wake_ring.c - an oracle for who woke whom: threads hand a token
 * around a ring, thread i always to thread i+1 (the last to the first),
 * each waiting on a futex word of its own, and count the wakeups the
 * kernel says each of their FUTEX_WAKE calls made. Then the main thread
 * lets them go and joins them while they spin a few ms: its joins wait.
 *
 * usage: wake_ring OUTFILE [THREADS [ROUNDS]]
 * OUTFILE gets one line per thread: "TID NEXT_TID WOKEN", WOKEN the
 * threads its wakes woke (a wake finds no waiter when the next thread has
 * not gone to sleep yet: then it wakes nobody and no wakeup happens).
 */
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 16

struct member {
	_Atomic unsigned int word; /* 1: this thread holds the token */
	pid_t tid;
	long woken; /* waiters its wakes woke */
	pthread_t thread;
} __attribute__((aligned(64)));

static struct member ring[MAX_THREADS];
static int nthreads;
static long rounds;
/* members ready: counted without a futex, so that no wakeup but the
 * ring's passes between the members */
static atomic_int ready, done;
static _Atomic unsigned int release;

static long futex(_Atomic unsigned int *word, int op, unsigned int val)
{
	return syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, val, NULL,
		       NULL, 0);
}

static void spin_ms(long ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000 +
		       (t.tv_nsec - t0.tv_nsec) / 1000000 <
	       ms);
}

static void *member_main(void *arg)
{
	struct member *me = arg;
	struct member *next = &ring[(me - ring + 1) % nthreads];

	me->tid = gettid();
	atomic_fetch_add(&ready, 1);
	for (long r = 0; r < rounds; r++) {
		long n;

		while (!atomic_load(&me->word))
			futex(&me->word, FUTEX_WAIT, 0);
		atomic_store(&me->word, 0);
		atomic_store(&next->word, 1);
		n = futex(&next->word, FUTEX_WAKE, 1);
		if (n > 0)
			me->woken += n;
	}
	atomic_fetch_add(&done, 1);
	while (!atomic_load(&release))
		futex(&release, FUTEX_WAIT, 0);
	spin_ms(5);
	return NULL;
}

int main(int argc, char **argv)
{
	FILE *out;

	if (argc < 2) {
		fprintf(stderr,
			"usage: wake_ring OUTFILE [THREADS [ROUNDS]]\n");
		return 2;
	}
	nthreads = argc > 2 ? atoi(argv[2]) : 4;
	rounds = argc > 3 ? atol(argv[3]) : 200;
	if (nthreads < 2 || nthreads > MAX_THREADS || rounds < 1)
		return 2;
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&ring[i].thread, NULL, member_main,
				   &ring[i]))
			return 1;
	while (atomic_load(&ready) < nthreads)
		sched_yield();
	/* the first pass is the main thread's, from outside the ring */
	atomic_store(&ring[0].word, 1);
	futex(&ring[0].word, FUTEX_WAKE, 1);
	while (atomic_load(&done) < nthreads)
		sched_yield();
	atomic_store(&release, 1);
	futex(&release, FUTEX_WAKE, nthreads);
	for (int i = 0; i < nthreads; i++)
		pthread_join(ring[i].thread, NULL);
	out = fopen(argv[1], "w");
	if (!out)
		return 1;
	for (int i = 0; i < nthreads; i++)
		fprintf(out, "%d %d %ld\n", ring[i].tid,
			ring[(i + 1) % nthreads].tid, ring[i].woken);
	return fclose(out) ? 1 : 0;
}
