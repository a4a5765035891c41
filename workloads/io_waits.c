/* io_waits.c - how an io task waits, and its records (see io_waits.h) */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include "workloads/coro/coro.h"
#include "workloads/io_waits.h"
#include "workloads/tasks.h"

uint64_t io_check(uint32_t task, uint32_t op)
{
	return ((uint64_t)task << 32 | op) * 0x9e3779b97f4a7c15ull;
}

int io_read_full(int fd, void *buf, size_t len, const struct io_waits *w)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, p + got, len - got, 0);

		if (n > 0) {
			got += (size_t)n;
		} else if (n == 0) {
			return got ? -1 : 0;
		} else if (errno == EAGAIN) {
			if (w->wait_fd(fd, EPOLLIN) < 0)
				return -1;
		} else if (errno != EINTR) {
			return -1;
		}
	}
	return 1;
}

int io_write_full(int fd, const void *buf, size_t len, const struct io_waits *w)
{
	const char *p = buf;
	size_t sent = 0;

	while (sent < len) {
		/* a peer that died must fail this call, not kill us by SIGPIPE
		 */
		ssize_t n = send(fd, p + sent, len - sent, MSG_NOSIGNAL);

		if (n >= 0) {
			sent += (size_t)n;
		} else if (errno == EAGAIN) {
			if (w->wait_fd(fd, EPOLLOUT) < 0)
				return -1;
		} else if (errno != EINTR) {
			return -1;
		}
	}
	return 0;
}

const struct io_waits io_blocking = {
	.sleep_ns = tasks_sleep_ns,
	.wait_fd = tasks_wait_fd,
};

const struct io_waits io_parking = {
	.sleep_ns = coro_sleep_ns,
	.wait_fd = coro_wait_fd,
};

const struct io_waits io_alone = {
	.sleep_ns = tasks_sleep_ns,
	.wait_fd = tasks_wait_fd,
	.echo_inline = 1,
};
