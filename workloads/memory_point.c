/* memory_point.c - the points where lab samples a workload's memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "workloads/memory_point.h"
#include "workloads/tasks.h"

/* the socket, -1 untraced; -2 until the variable has been read */
static int memory_fd = -2;
static unsigned sampled; /* a bit 1 << point once asked */
static double hold_s;
static char hold_name[64];

void memory_point_hold(const char *name, double seconds)
{
	hold_s = seconds;
	snprintf(hold_name, sizeof(hold_name), "%s", name);
}

/* --hold: the tasks stay as they are while people look */
static void hold(void)
{
	int pid = (int)getpid();

	fprintf(stderr,
		"%s: every task made; holding %g s for you to look (root pid "
		"%d): ps -L --pid %d --ppid %d, /proc/%d/smaps_rollup\n",
		hold_name, hold_s, pid, pid, pid, pid);
	tasks_sleep_ns((uint64_t)(hold_s * 1e9));
}

static int memory_socket(void)
{
	const char *v;
	char *end;
	long fd;

	if (memory_fd != -2)
		return memory_fd;
	v = getenv(LAB_MEMORY_FD_ENV);
	fd = v ? strtol(v, &end, 10) : -1;
	memory_fd = v && *v && !*end && fd >= 0 && fd < 65536 ? (int)fd : -1;
	return memory_fd;
}

/* Asks lab for the sample and waits until it is taken; lab gone or not
 * listening, the run goes on unsampled. */
static void ask(enum lab_memory_point point)
{
	struct lab_memory_request rq = {.point = point};
	ssize_t got;
	char ack;

	if (memory_socket() < 0)
		return;
	if (send(memory_fd, &rq, sizeof(rq), MSG_NOSIGNAL) != sizeof(rq)) {
		memory_fd = -1;
		return;
	}
	do
		got = recv(memory_fd, &ack, 1, 0);
	while (got < 0 && errno == EINTR);
	if (got != 1)
		memory_fd = -1;
}

int memory_point_waits(enum lab_memory_point point)
{
	return !(sampled & (1u << point)) &&
	       ((point == LAB_MEMORY_PEAK && hold_s > 0) ||
		memory_socket() >= 0);
}

uint64_t memory_point(enum lab_memory_point point)
{
	uint64_t t0;

	if (sampled & (1u << point))
		return 0;
	sampled |= 1u << point;
	t0 = tasks_clock_ns(CLOCK_MONOTONIC);
	/* held first: lab samples what was looked at, the tasks settled
	 * (a child just forked still copies the pages it writes) */
	if (point == LAB_MEMORY_PEAK && hold_s > 0)
		hold();
	ask(point);
	return tasks_clock_ns(CLOCK_MONOTONIC) - t0;
}
