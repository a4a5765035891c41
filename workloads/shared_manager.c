/* shared_manager.c - the shared scenario's manager (see
 * shared_manager.h) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "workloads/loop.h"
#include "workloads/shared_dict.h"
#include "workloads/shared_manager.h"

#define SHARED_EVENTS 16

struct shared_request {
	uint32_t op;
	int32_t delta;
	char key[SHARED_KEY_LEN];
};

struct shared_reply {
	int64_t value;
};

/* The manager's state, for its loop's callbacks. */
struct shared_server {
	struct shared_dict dict;
	shared_wait_fn wait_fd;
};

static int shared_send(int fd, shared_wait_fn wait_fd, const void *buf,
		       size_t len)
{
	for (;;) {
		/* a manager that died must fail the call, not raise SIGPIPE */
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n == (ssize_t)len)
			return 0;
		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		if (errno == EAGAIN && wait_fd(fd, EPOLLOUT) < 0)
			return -1;
	}
}

/* 1 with one whole message, 0 at end of file, -1 on error. */
static int shared_recv(int fd, shared_wait_fn wait_fd, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n == (ssize_t)len)
			return 1;
		if (n == 0)
			return 0;
		if (n > 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		if (errno == EAGAIN && wait_fd(fd, EPOLLIN) < 0)
			return -1;
	}
}

int shared_call(int fd, shared_wait_fn wait_fd, enum shared_op op,
		const char *key, int32_t delta, int64_t *value)
{
	struct shared_request q = {.op = op, .delta = delta};
	struct shared_reply a;

	memcpy(q.key, key, strnlen(key, SHARED_KEY_LEN - 1));
	if (shared_send(fd, wait_fd, &q, sizeof(q)) != 0 ||
	    shared_recv(fd, wait_fd, &a, sizeof(a)) != 1)
		return -1;
	*value = a.value;
	return 0;
}

/* Answers one request on fd. Returns 1 to keep the client, 0 when it has
 * gone or sent something that is not a request. */
static int shared_answer(struct shared_server *s, int fd)
{
	struct shared_request q;
	struct shared_reply a;
	int64_t *v;
	/* the descriptor was ready, so never wait here */
	ssize_t n = recv(fd, &q, sizeof(q), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n != (ssize_t)sizeof(q))
		return 0;
	q.key[SHARED_KEY_LEN - 1] = '\0';
	v = shared_dict_at(&s->dict, q.key, q.op == SHARED_ADD);
	if (q.op == SHARED_ADD && v)
		*v += q.delta;
	else if (q.op != SHARED_GET || q.key[0] == '\0')
		return 0;
	a.value = v ? *v : 0;
	return shared_send(fd, s->wait_fd, &a, sizeof(a)) == 0;
}

/* A client's socket is ready: its request, or its leaving. */
static void shared_client_event(struct loop *lp, struct loop_item *it,
				uint32_t events)
{
	int *fd = it->arg;

	(void)events;
	if (shared_answer(lp->arg, it->fd))
		return;
	loop_del(lp, it);
	close(it->fd);
	*fd = -1;
}

int shared_serve(int *fds, unsigned n, int parking, shared_wait_fn wait_fd)
{
	struct shared_server s = {.wait_fd = wait_fd};
	struct loop_item *items = calloc(n, sizeof(*items));
	struct loop lp = {.epfd = -1, .arg = &s};
	int err = !items || loop_init(&lp, parking, SHARED_EVENTS) != 0;

	lp.arg = &s;
	for (unsigned i = 0; !err && i < n; i++) {
		items[i] = (struct loop_item){fds[i], shared_client_event,
					      &fds[i]};
		err = fds[i] >= 0 && loop_add(&lp, &items[i], EPOLLIN) != 0;
	}
	if (!err)
		err = loop_run(&lp) != 0;
	loop_free(&lp);
	free(items);
	/* a client still waiting for a reply gets end of file, not a hang */
	for (unsigned i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
	return err ? -1 : 0;
}
