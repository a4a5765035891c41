/* switchy.c - an oracle for the probes: threads that get preempted, block
 * and sleep, and just before exiting record what the kernel itself counted
 * for them (/proc/thread-self/status and schedstat, getrusage). The test
 * compares lab's figures for the same threads with these.
 *
 * usage: switchy OUTFILE [THREADS [pin [YIELDS]]]
 * YIELDS sched_yield calls per thread after the spinning make a flood of
 * switches (a test shrinks the ring buffer under it to force drops).
 * With "pin" every thread runs on one CPU: no thread migrates between run
 * queues, where schedstat's run delay can gain up to a scheduler tick (its
 * per-CPU run-queue clocks differ), so the two measures can be held to a
 * tight tolerance.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct oracle {
	pid_t tid;
	unsigned long vol, invol;	     /* /proc/thread-self/status */
	unsigned long long oncpu, run_delay; /* /proc/thread-self/schedstat */
	long ru_nvcsw, ru_nivcsw;	     /* getrusage(RUSAGE_THREAD) */
};

static pthread_barrier_t spun;
static struct oracle *oracles;
static atomic_int recorded;
static long yields;

static unsigned long status_field(const char *name)
{
	FILE *f = fopen("/proc/thread-self/status", "r");
	char line[256];
	unsigned long v = 0;
	size_t n = strlen(name);

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':')
			v = strtoul(line + n + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static void record(struct oracle *o)
{
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	struct rusage ru;

	o->tid = gettid();
	if (!f || fscanf(f, "%llu %llu", &o->oncpu, &o->run_delay) != 2)
		exit(2);
	fclose(f);
	o->vol = status_field("voluntary_ctxt_switches");
	o->invol = status_field("nonvoluntary_ctxt_switches");
	getrusage(RUSAGE_THREAD, &ru);
	o->ru_nvcsw = ru.ru_nvcsw;
	o->ru_nivcsw = ru.ru_nivcsw;
}

static void spin_ms(long ms)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000 +
		       (b.tv_nsec - a.tv_nsec) / 1000000 <
	       ms);
}

static void *worker(void *arg)
{
	struct oracle *o = arg;
	char name[16];

	snprintf(name, sizeof(name), "sw-%d", (int)(o - oracles));
	pthread_setname_np(pthread_self(), name);
	/* more spinners than CPUs: preemptions and run-queue waits */
	spin_ms(100);
	pthread_barrier_wait(&spun);
	for (long i = 0; i < yields; i++)
		sched_yield();
	/* then voluntary switches, with the CPUs quiet */
	for (int i = 0; i < 20; i++)
		usleep(1000);
	record(o);
	atomic_fetch_add(&recorded, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 4;
	pthread_t *t;
	FILE *out;

	if (argc < 2 || n < 1 || n > 64) {
		fprintf(stderr,
			"usage: switchy OUTFILE [THREADS 1-64 [pin]]\n");
		return 2;
	}
	if (argc > 4)
		yields = atol(argv[4]);
	if (argc > 3 && !strcmp(argv[3], "pin")) {
		cpu_set_t one;

		if (sched_getaffinity(0, sizeof(one), &one))
			return 2;
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
			if (CPU_ISSET(cpu, &one)) {
				CPU_ZERO(&one);
				CPU_SET(cpu, &one);
				break;
			}
		if (sched_setaffinity(0, sizeof(one), &one))
			return 2;
	}
	oracles = calloc(n, sizeof(*oracles));
	t = calloc(n, sizeof(*t));
	pthread_barrier_init(&spun, NULL, n);
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, worker, &oracles[i]);
	/* Poll instead of joining at once: a joiner woken by an exiting
	 * thread would preempt it after it read its counters. */
	while (atomic_load(&recorded) < n)
		usleep(20000);
	usleep(20000);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	out = fopen(argv[1], "w");
	if (!out)
		return 2;
	for (int i = 0; i < n; i++)
		fprintf(out, "%d %lu %lu %llu %llu %ld %ld\n", oracles[i].tid,
			oracles[i].vol, oracles[i].invol, oracles[i].oncpu,
			oracles[i].run_delay, oracles[i].ru_nvcsw,
			oracles[i].ru_nivcsw);
	return fclose(out) ? 2 : 0;
}
