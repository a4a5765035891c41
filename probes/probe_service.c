/* probe_service.c - the root half of lab run serves trace requests from
 * the half that runs as the user (see probe_service.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "probes/machine.h"
#include "probes/probe_service.h"
#include "probes/run_error.h"
#include "probes/sock_io.h"

/* bounds on what a request may carry */
#define MAX_ARGC       4096
#define MAX_ARGV_BYTES (2u << 20)
#define MAX_FDS	       8
/* where runs under sudo take their per-user lock: root's, in memory */
#define LOCK_DIR "/run/lab"
/* under sudo: the ring's kernel memory a user may take */
#define SUDO_MAX_RING_KIB (64u << 10)

struct wire_request {
	struct probe_request rq;
	uint32_t argc;
	uint32_t argv_len; /* NUL-terminated arguments that follow */
};

struct wire_reply {
	int32_t status; /* tracer_run's */
	struct tracer_result res;
	char err[512];
};

static int service_fd = -1; /* the child's end */

/* 1 when len bytes were read, 0 at a clean end of file, -1 otherwise */
static int send_request(int sock, const struct wire_request *w, int fd)
{
	char ctl[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {(void *)w, sizeof(*w)};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = ctl,
			   .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	ssize_t n;

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*w) ? 0 : -1;
}

/* The request's fixed part and its descriptor: 1, 0 at end of file, -1
 * on anything else (then *fd is -1). */
static int recv_request(int sock, struct wire_request *w, int *fd)
{
	/* room for more than one descriptor, so extra ones are seen (and
	 * closed) rather than cut off and left open */
	char ctl[CMSG_SPACE(MAX_FDS * sizeof(int))];
	int fds[MAX_FDS], nfds = 0;
	struct iovec iov = {w, sizeof(*w)};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = ctl,
			   .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	while (n < 0 && errno == EINTR);
	for (c = n > 0 ? CMSG_FIRSTHDR(&m) : NULL; c; c = CMSG_NXTHDR(&m, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k && nfds < MAX_FDS; i++)
			memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int),
			       sizeof(int));
	}
	if (n == (ssize_t)sizeof(*w) && nfds == 1 &&
	    !(m.msg_flags & MSG_CTRUNC)) {
		*fd = fds[0];
		return 1;
	}
	while (nfds > 0)
		close(fds[--nfds]);
	return n == 0 ? 0 : -1;
}

/* Splits the arguments the child sent; NULL when they are not argc
 * NUL-terminated strings. */
static char **split_argv(char *buf, uint32_t len, uint32_t argc)
{
	char **argv;
	uint32_t n = 0;

	if (argc == 0 || argc > MAX_ARGC || len == 0 || buf[len - 1])
		return NULL;
	argv = calloc(argc + 1, sizeof(*argv));
	for (char *p = buf; argv && p < buf + len; p += strlen(p) + 1) {
		if (n == argc) {
			free(argv);
			return NULL;
		}
		argv[n++] = p;
	}
	if (argv && n != argc) {
		free(argv);
		return NULL;
	}
	return argv;
}

#define TERMINATE(field) ((field)[sizeof(field) - 1] = 0)

/* Checks the request and fills the tracer's options from it; -1 with
 * one line in err when it cannot be served. */
static int take_request(struct wire_request *w, int fd, struct tracer_opts *o,
			char *err, size_t errlen)
{
	struct probe_request *rq = &w->rq;
	struct stat st;
	uint32_t kib = rq->ring_kib;

	TERMINATE(rq->workload);
	TERMINATE(rq->params);
	TERMINATE(rq->cmdline);
	if (o->run_as && kib > SUDO_MAX_RING_KIB)
		return run_error(err, errlen,
				 "run: --ring-buffer %u is above the %u KiB "
				 "lab allows under sudo (choose a smaller one)",
				 kib, SUDO_MAX_RING_KIB);
	if (!(rq->timeout_s >= 0 && rq->timeout_s <= 86400) ||
	    (kib && (kib < 4 || kib > 1048576 || (kib & (kib - 1)))) ||
	    fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size)
		return run_error(err, errlen,
				 "run: the request to trace was malformed");
	o->trace_fd = fd;
	o->timeout_s = rq->timeout_s;
	o->ring_kib = kib;
	o->verbose = rq->verbose;
	o->creation_calls = rq->creation_calls;
	o->futex_retries = rq->futex_retries;
	machine_describe(&o->info);
	memcpy(o->info.workload, rq->workload, sizeof(o->info.workload));
	memcpy(o->info.params, rq->params, sizeof(o->info.params));
	memcpy(o->info.cmdline, rq->cmdline, sizeof(o->info.cmdline));
	return 0;
}

/* One request: 1 when served, 0 at the child's end, -1 on a bad one. */
static int serve_one(int sock, const struct identity *user, const char *self)
{
	struct wire_request w = {0};
	struct wire_reply *reply = NULL;
	struct tracer_opts o = {.hangup_fd = sock, .run_as = user};
	char *args = NULL, **argv = NULL;
	int fd, r = recv_request(sock, &w, &fd);

	if (r <= 0 || w.argv_len > MAX_ARGV_BYTES ||
	    !(args = malloc(w.argv_len + 1)) ||
	    sock_recv_all(sock, args, w.argv_len) != 1 ||
	    !(argv = split_argv(args, w.argv_len, w.argc)) ||
	    !(reply = calloc(1, sizeof(*reply)))) {
		r = r ? -1 : 0;
		goto out;
	}
	if (take_request(&w, fd, &o, reply->err, sizeof(reply->err))) {
		reply->status = -1;
	} else {
		o.argv = argv;
		o.marker_path = w.rq.markers ? self : NULL;
		reply->status = tracer_run(&o, &reply->res, reply->err,
					   sizeof(reply->err));
		fd = -1; /* tracer_run took it */
	}
	r = sock_send_all(sock, reply, sizeof(*reply)) ? -1 : 1;
out:
	if (fd >= 0)
		close(fd);
	free(reply);
	free(argv);
	free(args);
	return r;
}

/* Under sudo, one run at a time per user: each holds kernel memory and
 * slows every context switch of the machine. The lock is held until the
 * parent exits. Returns its descriptor, or -1 with one line in err. */
static int one_run_per_user(uid_t uid, char *err, size_t errlen)
{
	char path[64];
	int fd;

	if (mkdir(LOCK_DIR, 0755) && errno != EEXIST) {
		run_error(err, errlen, "run: creating %s: %s", LOCK_DIR,
			  strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), LOCK_DIR "/%u.lock", (unsigned)uid);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		run_error(err, errlen, "run: opening %s: %s", path,
			  strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		run_error(err, errlen,
			  "run: another lab run of yours is going on (under "
			  "sudo, one at a time: wait for it to end)");
		return -1;
	}
	return fd;
}

int probe_service_start(const struct identity *user, char *err, size_t errlen)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int sv[2], status, lock = -1;
	pid_t child;

	if (n < 0) {
		snprintf(err, errlen, "run: finding the lab binary: %s",
			 strerror(errno));
		return -1;
	}
	self[n] = 0;
	if (user && (lock = one_run_per_user(user->uid, err, errlen)) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		snprintf(err, errlen, "run: socketpair: %s", strerror(errno));
		return -1;
	}
	fflush(NULL); /* nothing buffered is printed twice */
	child = fork();
	if (child < 0) {
		snprintf(err, errlen, "run: fork: %s", strerror(errno));
		return -1;
	}
	if (child == 0) {
		close(sv[0]);
		if (lock >= 0)
			close(lock);
		service_fd = sv[1];
		/* PR_SET_DUMPABLE: the user may not take this process over
		 * and send the parent what they please */
		if (user && (identity_become(user) ||
			     prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))) {
			snprintf(err, errlen, "run: becoming %s: %s",
				 user->user, strerror(errno));
			return -1;
		}
		return 0;
	}
	close(sv[1]);
	if (user && identity_narrow_root()) {
		/* the child sees its end close and says so */
		close(sv[0]);
		fprintf(stderr, "lab: run: giving up root's other rights: %s\n",
			strerror(errno));
		waitpid(child, NULL, 0);
		exit(1);
	}
	/* a file size limit of the user's ends a write, not lab */
	signal(SIGXFSZ, SIG_IGN);
	while (serve_one(sv[0], user, self) > 0)
		;
	close(sv[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int probe_service_trace(const struct probe_request *rq, char *const *argv,
			int trace_fd, struct tracer_result *res, char *err,
			size_t errlen)
{
	struct wire_request w = {.rq = *rq};
	struct wire_reply *reply = calloc(1, sizeof(*reply));
	size_t len = 0;
	char *args, *p;
	int r = -1;

	for (uint32_t i = 0; argv[i]; i++, w.argc++)
		len += strlen(argv[i]) + 1;
	args = malloc(len ? len : 1);
	if (!reply || !args || w.argc > MAX_ARGC || len > MAX_ARGV_BYTES) {
		snprintf(err, errlen,
			 reply && args ? "run: the command has too many "
					 "arguments (at most %d, %u bytes)"
				       : "run: out of memory",
			 MAX_ARGC, MAX_ARGV_BYTES);
		goto out;
	}
	p = args;
	for (uint32_t i = 0; argv[i]; i++)
		p = stpcpy(p, argv[i]) + 1;
	w.argv_len = (uint32_t)len;
	if (send_request(service_fd, &w, trace_fd) ||
	    sock_send_all(service_fd, args, len) ||
	    sock_recv_all(service_fd, reply, sizeof(*reply)) != 1) {
		snprintf(err, errlen,
			 "run: the tracing half of lab ended before the run "
			 "did (see its messages above)");
		goto out;
	}
	*res = reply->res;
	reply->err[sizeof(reply->err) - 1] = 0;
	snprintf(err, errlen, "%s", reply->err);
	r = reply->status;
out:
	close(trace_fd);
	free(args);
	free(reply);
	return r;
}
