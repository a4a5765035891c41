/* timed.c - runs one built-in workload in this process, as `lab workload`
 * does, and prints the time the workload itself took, for the overhead
 * benchmark (tests/bench/overhead):
 *
 *	bench-timed NAME [--tasks N] [--ops N] [--duration S] [--cpu LIST]
 *	bench-timed: NAME wall_ns WALL cpu_ns CPU
 *
 * WALL is CLOCK_MONOTONIC around the workload's run, so process start-up
 * and a tracer's set-up are left out; CPU is the user and system time of
 * this process and its reaped children over the same span. Some
 * workload_table print their own figures: those go to stdout before this line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include "workloads/workload.h"

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static unsigned long long cpu_ns(void)
{
	unsigned long long sum = 0;
	struct rusage ru;

	for (int who = 0; who < 2; who++) {
		getrusage(who ? RUSAGE_CHILDREN : RUSAGE_SELF, &ru);
		sum += (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
			       1000000000ULL +
		       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
	}
	return sum;
}

static int parse_unsigned(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v == 0 || v > 1000000000UL)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct workload_params p = {0};
	const struct workload *w;
	unsigned long long wall0, cpu0, wall, cpu;
	int r;

	if (argc < 2 || !(w = workload_find(argv[1]))) {
		fprintf(stderr,
			"bench-timed: which workload? (see: lab list)\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *opt = argv[i],
			   *val = i + 1 < argc ? argv[i + 1] : "";
		char *end;
		int bad = 0;

		if (!strcmp(opt, "--tasks"))
			bad = parse_unsigned(val, &p.tasks);
		else if (!strcmp(opt, "--ops"))
			bad = parse_unsigned(val, &p.ops);
		else if (!strcmp(opt, "--duration"))
			bad = !*val ||
			      (p.duration_s = strtod(val, &end)) <= 0 || *end;
		else if (!strcmp(opt, "--cpu"))
			p.cpus = val;
		else
			bad = 1;
		if (bad || i + 1 >= argc) {
			fprintf(stderr,
				"bench-timed: bad option %s %s (see: lab help "
				"workload)\n",
				opt, val);
			return 2;
		}
		i++;
	}
	/* the root names itself after the workload, as under lab */
	prctl(PR_SET_NAME, w->name);
	wall0 = now_ns();
	cpu0 = cpu_ns();
	r = w->run(&p);
	wall = now_ns() - wall0;
	cpu = cpu_ns() - cpu0;
	fflush(stdout);
	printf("bench-timed: %s wall_ns %llu cpu_ns %llu\n", w->name, wall,
	       cpu);
	return r ? 3 : 0;
}
