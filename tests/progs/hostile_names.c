/* hostile_names.c - a traced program whose names are markup: it names
 * itself and its threads with HTML (a comm holds 15 bytes, so the payloads
 * are short), and whatever arguments it is given land in the traced
 * command line. A report must show all of it as text and run none of it.
 *
 * usage: hostile_names [ARG...]
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

static const char *const thread_names[] = {
	"<svg onload=x>", /* 14 bytes */
	"<b>x</b>&amp;",  /* 13 */
	"\"'><i>q</i>",	  /* 11: leaves a quoted attribute */
	"</script><!--",  /* 13: leaves an inline script */
};
#define NTHREADS (sizeof(thread_names) / sizeof(thread_names[0]))

static void *worker(void *arg)
{
	pthread_setname_np(pthread_self(), arg);
	/* sleeps, so that each thread switches and shows in the report */
	for (int i = 0; i < 5; i++)
		usleep(2000);
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];

	if (prctl(PR_SET_NAME, "<img src=x>", 0, 0, 0)) {
		perror("hostile_names: prctl");
		return 2;
	}
	for (size_t i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, worker,
				   (void *)thread_names[i])) {
			fprintf(stderr,
				"hostile_names: cannot start a thread\n");
			return 2;
		}
	for (size_t i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	return 0;
}
