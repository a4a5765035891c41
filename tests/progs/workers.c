/* workers.c - a program of the tests' own for lab compare: N workers,
 * as threads of one process or as processes, each spinning on a CPU or
 * sleeping for a while, joined or reaped by the main thread.
 *
 * usage: workers threads|processes N spin|sleep MS
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static bool spin;
static long ms;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *work(void *arg)
{
	double end = now_ms() + (double)ms;
	volatile unsigned long x = 1;

	(void)arg;
	if (!spin) {
		usleep((useconds_t)ms * 1000);
		return NULL;
	}
	while (now_ms() < end)
		for (int i = 0; i < 10000; i++)
			x = x * 31 + 7;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t tids[64];
	pid_t pids[64];
	bool threads;
	int n;

	if (argc != 5 ||
	    (strcmp(argv[1], "threads") && strcmp(argv[1], "processes")) ||
	    (n = atoi(argv[2])) < 1 || n > 64 ||
	    (strcmp(argv[3], "spin") && strcmp(argv[3], "sleep")) ||
	    (ms = atol(argv[4])) < 0) {
		fprintf(stderr,
			"usage: workers threads|processes N spin|sleep MS\n");
		return 2;
	}
	threads = !strcmp(argv[1], "threads");
	spin = !strcmp(argv[3], "spin");
	for (int i = 0; i < n; i++) {
		if (threads) {
			if (pthread_create(&tids[i], NULL, work, NULL))
				return 1;
			continue;
		}
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (!pids[i]) {
			work(NULL);
			_exit(0);
		}
	}
	for (int i = 0; i < n; i++) {
		int st;

		if (threads)
			pthread_join(tids[i], NULL);
		else if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st))
			return 1;
	}
	return 0;
}
