/* thread_flood.c - more threads than a tracer's maps may hold: BLOCKED
 * threads that all stay alive at once, waiting on one pipe, while CHURN
 * more are created and joined a few at a time; then the blocked ones are
 * released and joined. Small stacks keep it light.
 *
 * usage: thread_flood BLOCKED CHURN
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define STACK (64 * 1024)
#define BATCH 16

static int gate[2];

static void *blocked(void *arg)
{
	char c;

	(void)arg;
	/* end of file once main closes the write end */
	while (read(gate[0], &c, 1) > 0)
		;
	return NULL;
}

static void *churned(void *arg)
{
	return arg;
}

static int start(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *))
{
	if (pthread_create(t, a, fn, NULL) == 0)
		return 0;
	fprintf(stderr, "thread_flood: cannot start a thread\n");
	return -1;
}

int main(int argc, char **argv)
{
	long nblocked = argc > 1 ? atol(argv[1]) : 5000;
	long nchurn = argc > 2 ? atol(argv[2]) : 20000;
	pthread_t *t = calloc(nblocked > 0 ? nblocked : 1, sizeof(*t));
	pthread_t b[BATCH];
	pthread_attr_t a;
	long i, k, n;

	if (!t || pipe(gate) || pthread_attr_init(&a) ||
	    pthread_attr_setstacksize(&a, STACK)) {
		perror("thread_flood");
		return 2;
	}
	for (i = 0; i < nblocked; i++)
		if (start(&t[i], &a, blocked))
			return 2;
	for (i = 0; i < nchurn; i += n) {
		n = nchurn - i < BATCH ? nchurn - i : BATCH;
		for (k = 0; k < n; k++)
			if (start(&b[k], &a, churned))
				return 2;
		for (k = 0; k < n; k++)
			pthread_join(b[k], NULL);
	}
	close(gate[1]);
	for (i = 0; i < nblocked; i++)
		pthread_join(t[i], NULL);
	free(t);
	return 0;
}
