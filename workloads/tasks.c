/* tasks.c - CPU lists, pinning, descriptor room, clocks (see tasks.h) */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "workloads/tasks.h"

uint64_t tasks_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int tasks_parse_cpus(const char *name, const char *list, int *cpus,
		     unsigned *ncpus)
{
	const char *s = list;
	cpu_set_t allowed;

	*ncpus = 0;
	if (!s)
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		fprintf(stderr, "%s: sched_getaffinity: %s\n", name,
			strerror(errno));
		return -1;
	}
	do {
		char *end;
		long cpu;

		errno = 0;
		cpu = isdigit((unsigned char)*s) ? strtol(s, &end, 10) : -1;
		if (cpu < 0 || errno || (*end && *end != ',') ||
		    *ncpus == TASKS_MAX_CPUS) {
			fprintf(stderr, "%s: bad CPU list '%s'\n", name, s);
			return -1;
		}
		if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) {
			fprintf(stderr, "%s: CPU %ld is not available here\n",
				name, cpu);
			return -1;
		}
		cpus[(*ncpus)++] = (int)cpu;
		s = *end ? end + 1 : end;
	} while (*s);
	return 0;
}

int tasks_pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

int tasks_confine(const char *name, const char *list)
{
	int cpus[TASKS_MAX_CPUS];
	unsigned ncpus;
	cpu_set_t set;

	if (!list)
		return 0;
	if (tasks_parse_cpus(name, list, cpus, &ncpus))
		return -1;
	CPU_ZERO(&set);
	for (unsigned i = 0; i < ncpus; i++)
		CPU_SET(cpus[i], &set);
	if (sched_setaffinity(0, sizeof(set), &set) == 0)
		return 0;
	fprintf(stderr, "%s: keeping to CPUs %s: %s\n", name, list,
		strerror(errno));
	return -1;
}

int tasks_pin_thread(const char *name, const int *cpus, unsigned ncpus,
		     cpu_set_t *saved)
{
	if (!ncpus)
		return 0;
	if (sched_getaffinity(0, sizeof(*saved), saved) == 0 &&
	    tasks_pin_cpu(cpus[0]) == 0)
		return 0;
	fprintf(stderr, "%s: pinning to CPU %d: %s\n", name, cpus[0],
		strerror(errno));
	return -1;
}

void tasks_unpin_thread(unsigned ncpus, const cpu_set_t *saved)
{
	if (ncpus)
		sched_setaffinity(0, sizeof(*saved), saved);
}

void tasks_sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000u),
		.tv_nsec = (long)(ns % 1000000000u),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

int tasks_wait_fd(int fd, uint32_t events)
{
	struct pollfd p = {.fd = fd, .events = (short)events};

	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Room for n tasks of `fds` descriptors each, plus a margin: raises the
 * soft limit when it is too low, or says why it cannot. */
int tasks_fd_room(const char *name, const char *what, unsigned n, unsigned fds)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)fds * n + 32;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		fprintf(stderr,
			"%s: %u %s need %llu descriptors, the limit is %llu\n",
			name, n, what, (unsigned long long)need,
			(unsigned long long)rl.rlim_max);
		return -1;
	}
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		fprintf(stderr, "%s: raising the descriptor limit: %s\n", name,
			strerror(errno));
		return -1;
	}
	return 0;
}
