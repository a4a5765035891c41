/* memory_point.c - the points where lab samples a workload's memory. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include "workloads/memory_point.h"
#include "workloads/tasks.h"

/* the socket, -1 untraced; -2 until the variable has been read */
static int memory_fd = -2;
static unsigned sampled; /* a bit 1 << point once asked */

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

uint64_t memory_point(enum lab_memory_point point)
{
	struct lab_memory_request rq = {.point = point};
	uint64_t t0;
	ssize_t got;
	char ack;

	if (memory_socket() < 0 || (sampled & (1u << point)))
		return 0;
	sampled |= 1u << point;
	t0 = tasks_clock_ns(CLOCK_MONOTONIC);
	/* lab gone or not listening: the run goes on unsampled */
	if (send(memory_fd, &rq, sizeof(rq), MSG_NOSIGNAL) != sizeof(rq)) {
		memory_fd = -1;
		return 0;
	}
	do
		got = recv(memory_fd, &ack, 1, 0);
	while (got < 0 && errno == EINTR);
	if (got != 1)
		memory_fd = -1;
	return tasks_clock_ns(CLOCK_MONOTONIC) - t0;
}
