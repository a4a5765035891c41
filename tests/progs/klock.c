/* klock.c - kernel lock contention: threads map, touch and unmap memory
 * in a loop, so they wait for their process's mmap lock (a kernel rwsem)
 * inside the kernel, where lock:contention_begin reports the lock by its
 * kernel address.
 *
 * usage: klock [THREADS [MILLISECONDS]]
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define MAX_THREADS 64
#define MAP_BYTES   (64 * 1024)

static double stop_ms;

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void *worker(void *arg)
{
	(void)arg;
	while (now_ms() < stop_ms)
		for (int i = 0; i < 64; i++) {
			char *p = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED)
				exit(1);
			p[0] = 1;
			p[MAP_BYTES / 2] = 1;
			munmap(p, MAP_BYTES);
		}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	double ms = argc > 2 ? atof(argv[2]) : 50;
	pthread_t t[MAX_THREADS];

	if (n < 1 || n > MAX_THREADS || !(ms > 0))
		return 2;
	stop_ms = now_ms() + ms;
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, worker, NULL))
			return 1;
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}
