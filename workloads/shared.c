/* shared.c - the shared scenario: N tasks update one dictionary, first
 * through a manager, then directly in shared memory under a lock.
 *
 * The dictionary maps 16 keys, "k0" to "k15", to counts. Each task adds 1
 * to `ops` keys in turn, two ways in one run:
 *	manager	the dictionary lives in one server task, the seed's
 *		multiprocessing.Manager; every update is a request over the
 *		task's own socket and a reply, and the root reads the result
 *		back with get requests, as print(d) does through a proxy
 *	locked	the dictionary lives in memory every task sees and each
 *		update takes a mutex around it
 * Both final dictionaries must hold exactly the expected counts. The
 * figure to compare is the time per update: a round trip through a server
 * against a lock and a few stores. It is the wall time from the first
 * worker's first update to the last one's last, over all the updates;
 * a gate holds the workers until every one exists, so that creating
 * them is not counted.
 *
 * shared_serve(), shared_update_managed() and shared_update_locked() are
 * the same code in every model. Below them, one function per model:
 *	processes	a server process; the locked dictionary in a
 *			MAP_SHARED mapping under a process-shared mutex
 *	threads		a server thread; a pthread mutex
 *	coroutines	a server coroutine waiting on its epoll descriptor
 *			through the runtime; a coroutine mutex
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "coro.h"
#include "markers.h"
#include "shared.h"

#define SHARED_TASKS	 4
#define SHARED_UPDATES	 20000 /* per task, each way */
#define SHARED_MAX_TASKS 256u  /* two descriptors each stay under 1024 */
#define SHARED_KEYS	 16
#define SHARED_KEY_LEN	 8
#define SHARED_SLOTS	 32 /* a power of two, room for every key */
#define SHARED_EVENTS	 16

/* A fixed-size string-to-count hash table with open addressing. It holds
 * no pointer, so it means the same in every process that maps it. */
struct shared_dict {
	struct {
		char key[SHARED_KEY_LEN]; /* "" = free */
		int64_t value;
	} slot[SHARED_SLOTS];
};

enum shared_op {
	SHARED_GET = 1,
	SHARED_ADD = 2,
};

struct shared_request {
	uint32_t op;
	int32_t delta;
	char key[SHARED_KEY_LEN];
};

struct shared_reply {
	int64_t value;
};

/* what one worker did, where the root reads it after a fork */
struct shared_tally {
	int failed; /* a request or the lock failed */
	/* CLOCK_MONOTONIC when its updates began and were done */
	uint64_t start_ns, done_ns;
};

/* The head of one anonymous shared mapping; a tally per worker follows. */
struct shared_mem {
	pthread_mutex_t lock; /* processes and threads */
	struct shared_dict dict;
};

struct shared_task {
	char name[16]; /* "shared-w2", "shared-mgr" */
	pid_t pid;
	pthread_t thread;
	int started;
	int died; /* a process that did not exit 0 */
	struct shared_run *run;
	unsigned id; /* workers 0..N-1, the manager N */
};

struct shared_run;

/* What differs between the models, below the shared code. */
struct shared_model {
	/* epoll_wait and recv may block the whole thread */
	int blocking;
	/* waits until fd is ready; a coroutine parks instead of blocking */
	int (*wait_fd)(int fd, uint32_t events);
	/* waits until the root opens the gate: every worker starts at once */
	void (*wait_gate)(struct shared_run *r);
	int (*lock)(struct shared_run *r);
	void (*unlock)(struct shared_run *r);
};

struct shared_run {
	const char *name;
	const struct shared_model *m;
	unsigned n, ops;
	char keys[SHARED_KEYS][SHARED_KEY_LEN];
	struct shared_task *task; /* workers, then the manager */
	/* a socketpair per client: workers 0..N-1, then the root's own */
	int *cfd, *sfd;
	int gate[2];
	struct shared_mem *sh;
	size_t sh_len;
	struct shared_tally *tally;
	int64_t managed[SHARED_KEYS]; /* the manager's dict, as read back */
	int manager_failed;
	double managed_s, locked_s;
	/* coroutines */
	struct coro_mutex *cmutex;
	struct coro_chan *finished; /* a token per worker that is done */
};

/* ---- the dictionary ---- */

static unsigned shared_hash(const char *key)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*key)
		h = (h ^ (unsigned char)*key++) * 16777619u;
	return h;
}

/* The value slot of key, claimed when new; NULL when the table is full or
 * the key too long. */
static int64_t *shared_dict_at(struct shared_dict *d, const char *key,
			       int claim)
{
	size_t len = strnlen(key, SHARED_KEY_LEN);
	unsigned h = shared_hash(key);

	if (len == 0 || len == SHARED_KEY_LEN)
		return NULL;
	for (unsigned i = 0; i < SHARED_SLOTS; i++) {
		unsigned s = (h + i) & (SHARED_SLOTS - 1);

		if (strcmp(d->slot[s].key, key) == 0)
			return &d->slot[s].value;
		if (d->slot[s].key[0])
			continue;
		if (!claim)
			return NULL;
		memcpy(d->slot[s].key, key, len + 1);
		return &d->slot[s].value;
	}
	return NULL;
}

/* Which key a worker's i-th update adds to: workers start at different
 * keys so that they collide on the manager, not on one key. */
static unsigned shared_key_of(unsigned task, unsigned i)
{
	return (task * 7 + i) % SHARED_KEYS;
}

/* ---- talking to the manager ---- */

static int shared_send(struct shared_run *r, int fd, const void *buf,
		       size_t len)
{
	for (;;) {
		/* a manager that died must fail the call, not raise SIGPIPE */
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n == (ssize_t)len)
			return 0;
		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		if (errno == EAGAIN && r->m->wait_fd(fd, EPOLLOUT) < 0)
			return -1;
	}
}

/* 1 with one whole message, 0 at end of file, -1 on error. Each socket is
 * SOCK_SEQPACKET: one send is one message. */
static int shared_recv(struct shared_run *r, int fd, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n == (ssize_t)len)
			return 1;
		if (n == 0)
			return 0;
		if (n > 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		if (errno == EAGAIN && r->m->wait_fd(fd, EPOLLIN) < 0)
			return -1;
	}
}

/* One request and its reply: the proxy's side of d[key] += delta. */
static int shared_call(struct shared_run *r, int fd, enum shared_op op,
		       const char *key, int32_t delta, int64_t *value)
{
	struct shared_request q = {.op = op, .delta = delta};
	struct shared_reply a;

	memcpy(q.key, key, strnlen(key, SHARED_KEY_LEN - 1));
	if (shared_send(r, fd, &q, sizeof(q)) != 0 ||
	    shared_recv(r, fd, &a, sizeof(a)) != 1)
		return -1;
	*value = a.value;
	return 0;
}

/* Answers one request on fd. Returns 1 to keep the client, 0 when it has
 * gone or sent something that is not a request. */
static int shared_answer(struct shared_run *r, struct shared_dict *d, int fd)
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
	v = shared_dict_at(d, q.key, q.op == SHARED_ADD);
	if (q.op == SHARED_ADD && v)
		*v += q.delta;
	else if (q.op != SHARED_GET || q.key[0] == '\0')
		return 0;
	a.value = v ? *v : 0;
	return shared_send(r, fd, &a, sizeof(a)) == 0;
}

/* The manager: its own dictionary, which no one else touches, and one
 * epoll loop over every client until each has closed its end. Returns 0,
 * or -1 when it had to stop early. */
static int shared_serve(struct shared_run *r)
{
	struct shared_dict d;
	struct epoll_event ev[SHARED_EVENTS];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	unsigned open = 0;
	int err = ep < 0;

	memset(&d, 0, sizeof(d));
	for (unsigned i = 0; !err && i <= r->n; i++) {
		struct epoll_event e = {.events = EPOLLIN, .data.u32 = i};

		if (r->sfd[i] < 0)
			continue;
		err = epoll_ctl(ep, EPOLL_CTL_ADD, r->sfd[i], &e) != 0;
		open += !err;
	}
	while (!err && open) {
		int got = epoll_wait(ep, ev, SHARED_EVENTS,
				     r->m->blocking ? -1 : 0);

		if (got == 0) {
			/* a coroutine: let the clients run until one asks */
			err = r->m->wait_fd(ep, EPOLLIN) < 0;
			continue;
		}
		if (got < 0) {
			err = errno != EINTR;
			continue;
		}
		for (int k = 0; k < got; k++) {
			unsigned i = ev[k].data.u32;

			if (shared_answer(r, &d, r->sfd[i]))
				continue;
			epoll_ctl(ep, EPOLL_CTL_DEL, r->sfd[i], NULL);
			close(r->sfd[i]);
			r->sfd[i] = -1;
			open--;
		}
	}
	if (ep >= 0)
		close(ep);
	/* a client still waiting for a reply gets end of file, not a hang */
	for (unsigned i = 0; i <= r->n; i++) {
		if (r->sfd[i] >= 0)
			close(r->sfd[i]);
		r->sfd[i] = -1;
	}
	return err ? -1 : 0;
}

/* ---- the job, the same in every model ---- */

static uint64_t shared_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* d[key] += 1 through the manager, ops times; then closes the worker's
 * end, which tells the manager it has gone. */
static void shared_update_managed(struct shared_run *r, unsigned task)
{
	struct shared_tally *t = &r->tally[task];
	int64_t value;
	int failed = 0;

	r->m->wait_gate(r);
	t->start_ns = shared_now_ns();
	for (unsigned i = 0; i < r->ops && !failed; i++)
		failed = shared_call(r, r->cfd[task], SHARED_ADD,
				     r->keys[shared_key_of(task, i)], 1,
				     &value) != 0;
	t->done_ns = shared_now_ns();
	t->failed |= failed;
	close(r->cfd[task]);
	r->cfd[task] = -1;
}

/* d[key] += 1 in shared memory, ops times, each under the lock. */
static void shared_update_locked(struct shared_run *r, unsigned task)
{
	struct shared_tally *t = &r->tally[task];
	int failed = 0;

	r->m->wait_gate(r);
	t->start_ns = shared_now_ns();
	for (unsigned i = 0; i < r->ops && !failed; i++) {
		int64_t *v;

		if (r->m->lock(r) != 0) {
			failed = 1;
			break;
		}
		v = shared_dict_at(&r->sh->dict,
				   r->keys[shared_key_of(task, i)], 1);
		if (v)
			++*v;
		r->m->unlock(r);
		failed = !v;
	}
	t->done_ns = shared_now_ns();
	t->failed |= failed;
}

/* The root's read of the manager's dictionary, once every worker is
 * done; closing its end then lets the manager finish. */
static void shared_read_back(struct shared_run *r)
{
	for (unsigned k = 0; k < SHARED_KEYS && !r->manager_failed; k++)
		r->manager_failed =
			shared_call(r, r->cfd[r->n], SHARED_GET, r->keys[k], 0,
				    &r->managed[k]) != 0;
	close(r->cfd[r->n]);
	r->cfd[r->n] = -1;
}

/* ---- what each model waits with ---- */

static int shared_poll(int fd, uint32_t events)
{
	struct pollfd p = {.fd = fd, .events = (short)events};

	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* end of file once the root closes the write end */
static void shared_gate_wait(struct shared_run *r)
{
	char c;

	while (read(r->gate[0], &c, 1) < 0 && errno == EINTR)
		;
}

/* coroutines start together when coro_run runs them */
static void shared_gate_none(struct shared_run *r)
{
	(void)r;
}

static int shared_mutex_lock(struct shared_run *r)
{
	int err = pthread_mutex_lock(&r->sh->lock);

	/* a process died holding it: the lock is ours and the others go
	 * on; the updates it lost show in the verdict */
	if (err == EOWNERDEAD)
		err = pthread_mutex_consistent(&r->sh->lock);
	return err;
}

static void shared_mutex_unlock(struct shared_run *r)
{
	pthread_mutex_unlock(&r->sh->lock);
}

static int shared_coro_lock(struct shared_run *r)
{
	coro_mutex_lock(r->cmutex);
	return 0;
}

static void shared_coro_unlock(struct shared_run *r)
{
	coro_mutex_unlock(r->cmutex);
}

static const struct shared_model shared_blocking = {
	.blocking = 1,
	.wait_fd = shared_poll,
	.wait_gate = shared_gate_wait,
	.lock = shared_mutex_lock,
	.unlock = shared_mutex_unlock,
};

static const struct shared_model shared_parking = {
	.wait_fd = coro_wait_fd,
	.wait_gate = shared_gate_none,
	.lock = shared_coro_lock,
	.unlock = shared_coro_unlock,
};

/* ---- setting up, checking, tearing down ---- */

static void shared_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void shared_teardown(struct shared_run *r)
{
	for (unsigned i = 0; r->cfd && i <= r->n; i++) {
		shared_close(&r->cfd[i]);
		shared_close(&r->sfd[i]);
	}
	shared_close(&r->gate[0]);
	shared_close(&r->gate[1]);
	if (r->sh && r->m != &shared_parking)
		pthread_mutex_destroy(&r->sh->lock);
	if (r->sh)
		munmap(r->sh, r->sh_len);
	coro_mutex_free(r->cmutex);
	coro_chan_free(r->finished);
	free(r->cfd);
	free(r->sfd);
	free(r->task);
	memset(r, 0, sizeof(*r));
	r->gate[0] = r->gate[1] = -1;
}

static int shared_make_lock(struct shared_run *r, int pshared)
{
	pthread_mutexattr_t ma;
	int err;

	if (r->m == &shared_parking) {
		r->cmutex = coro_mutex_new();
		r->finished = coro_chan_new(r->n);
		return r->cmutex && r->finished ? 0 : ENOMEM;
	}
	pthread_mutexattr_init(&ma);
	err = pthread_mutexattr_setpshared(&ma, pshared);
	/* between processes, one killed while holding the lock must not
	 * leave the others waiting for ever */
	if (!err && pshared == PTHREAD_PROCESS_SHARED)
		err = pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	if (!err)
		err = pthread_mutex_init(&r->sh->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	return err;
}

/* A socketpair per client; the manager's ends wait on epoll, so the
 * coroutines' are non-blocking. Returns 0 or an errno value. */
static int shared_make_sockets(struct shared_run *r)
{
	int flags = SOCK_SEQPACKET | SOCK_CLOEXEC;

	if (!r->m->blocking)
		flags |= SOCK_NONBLOCK;
	for (unsigned i = 0; i <= r->n; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, flags, 0, sv) != 0)
			return errno;
		r->cfd[i] = sv[0];
		r->sfd[i] = sv[1];
	}
	return 0;
}

static int shared_setup(struct shared_run *r, const char *name,
			const struct workload_params *p,
			const struct shared_model *m, int pshared)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->gate[0] = r->gate[1] = -1;
	r->name = name;
	r->m = m;
	r->n = p->tasks ? p->tasks : SHARED_TASKS;
	r->ops = p->ops ? p->ops : SHARED_UPDATES;
	if (r->n > SHARED_MAX_TASKS || r->ops > INT32_MAX / r->n) {
		fprintf(stderr,
			"%s: %u tasks of %u updates: at most %u tasks "
			"and %d updates in all\n",
			name, r->n, r->ops, SHARED_MAX_TASKS, INT32_MAX);
		return -1;
	}
	for (unsigned k = 0; k < SHARED_KEYS; k++)
		snprintf(r->keys[k], sizeof(r->keys[k]), "k%u", k);
	r->sh_len = sizeof(*r->sh) + r->n * sizeof(*r->tally);
	r->sh = mmap(NULL, r->sh_len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->sh == MAP_FAILED)
		r->sh = NULL;
	r->task = calloc(r->n + 1, sizeof(*r->task));
	r->cfd = malloc((r->n + 1) * sizeof(*r->cfd));
	r->sfd = malloc((r->n + 1) * sizeof(*r->sfd));
	if (!r->sh || !r->task || !r->cfd || !r->sfd) {
		fprintf(stderr, "%s: out of memory\n", name);
		shared_teardown(r);
		return -1;
	}
	r->tally = (struct shared_tally *)(r->sh + 1);
	for (unsigned i = 0; i <= r->n; i++) {
		r->cfd[i] = r->sfd[i] = -1;
		r->task[i].run = r;
		r->task[i].id = i;
		if (i < r->n)
			snprintf(r->task[i].name, sizeof(r->task[i].name),
				 "shared-w%hu", (unsigned short)i);
		else
			snprintf(r->task[i].name, sizeof(r->task[i].name),
				 "shared-mgr");
	}
	err = shared_make_lock(r, pshared);
	if (!err)
		err = shared_make_sockets(r);
	if (err) {
		fprintf(stderr, "%s: setting up: %s\n", name, strerror(err));
		shared_teardown(r);
		return -1;
	}
	return 0;
}

/* A fresh gate for each way: its pipe says "go" by end of file. */
static int shared_gate_make(struct shared_run *r)
{
	if (r->m != &shared_blocking)
		return 0;
	if (pipe2(r->gate, O_CLOEXEC) == 0)
		return 0;
	fprintf(stderr, "%s: pipe: %s\n", r->name, strerror(errno));
	return -1;
}

/* Opens the gate: the updates start now. */
static void shared_gate_open(struct shared_run *r)
{
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	shared_close(&r->gate[1]);
}

/* Before a way: no worker has started or finished it yet. */
static void shared_way_begin(struct shared_run *r)
{
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r->n; i++)
		r->tally[i].start_ns = r->tally[i].done_ns = 0;
}

/* Seconds from the first worker's first update to the last one's last,
 * without the cost of creating, waking and reaping the tasks. */
static double shared_span(const struct shared_run *r)
{
	uint64_t first = UINT64_MAX, last = 0;

	for (unsigned i = 0; i < r->n; i++) {
		const struct shared_tally *t = &r->tally[i];

		if (!t->start_ns || t->done_ns < t->start_ns)
			continue;
		if (t->start_ns < first)
			first = t->start_ns;
		if (t->done_ns > last)
			last = t->done_ns;
	}
	return last > first ? (double)(last - first) / 1e9 : 0.0;
}

/* Each key's count in a dictionary against what the updates add up to;
 * the first wrong one is described in why. */
static int shared_check_counts(const struct shared_run *r,
			       const int64_t got[SHARED_KEYS], char *why,
			       size_t len)
{
	int64_t want[SHARED_KEYS] = {0};

	for (unsigned t = 0; t < r->n; t++)
		for (unsigned i = 0; i < r->ops; i++)
			want[shared_key_of(t, i)]++;
	for (unsigned k = 0; k < SHARED_KEYS; k++) {
		if (got[k] == want[k])
			continue;
		snprintf(why, len, "%s is %lld, expected %lld", r->keys[k],
			 (long long)got[k], (long long)want[k]);
		return 1;
	}
	return 0;
}

static int shared_verdict(struct shared_run *r)
{
	int64_t locked[SHARED_KEYS];
	char managed_why[96] = "", locked_why[96] = "";
	const char *failed = NULL;
	int wrong;

	for (unsigned k = 0; k < SHARED_KEYS; k++) {
		const int64_t *v = shared_dict_at(&r->sh->dict, r->keys[k], 0);

		locked[k] = v ? *v : 0;
	}
	/* the manager first: when it fails, every worker does */
	for (unsigned k = 0; k <= r->n && !failed; k++) {
		unsigned i = k ? k - 1 : r->n;

		if (!r->task[i].started || r->task[i].died ||
		    (i < r->n && r->tally[i].failed))
			failed = r->task[i].name;
	}
	if (!failed && r->manager_failed)
		failed = "the read back";
	wrong = shared_check_counts(r, r->managed, managed_why,
				    sizeof(managed_why));
	wrong |= shared_check_counts(r, locked, locked_why, sizeof(locked_why));
	if (!wrong && !failed)
		return 0;
	fprintf(stderr, "%s: manager dict %s, locked dict %s%s%s\n", r->name,
		managed_why[0] ? managed_why : "right",
		locked_why[0] ? locked_why : "right",
		failed ? "; failed: " : "", failed ? failed : "");
	return 1;
}

static int shared_end(struct shared_run *r, int failed)
{
	double updates = (double)r->n * r->ops;
	int result;

	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	result = shared_verdict(r) || failed;
	if (!result)
		printf("%s: %u tasks x %u updates: manager %.0f ns, "
		       "locked %.0f ns per update (%.1fx)\n",
		       r->name, r->n, r->ops, r->managed_s * 1e9 / updates,
		       r->locked_s * 1e9 / updates,
		       r->locked_s > 0 ? r->managed_s / r->locked_s : 0.0);
	return result;
}

static int shared_begin(struct shared_run *r, const char *name,
			const struct workload_params *p,
			const struct shared_model *m, int pshared)
{
	LAB_MARK_START(p->tasks ? p->tasks : SHARED_TASKS);
	LAB_MARK_OPS(p->ops ? p->ops : SHARED_UPDATES);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (shared_setup(r, name, p, m, pshared) == 0)
		return 0;
	LAB_MARK_END(1);
	return -1;
}

/* ---- processes ---- */

/* A child keeps only the descriptors of its own part: a stray copy of a
 * client's end would hide that client's end of file from the manager. */
static void shared_child_fds(struct shared_run *r, unsigned self)
{
	for (unsigned i = 0; i <= r->n; i++) {
		if (i != self || self == r->n)
			shared_close(&r->cfd[i]);
		if (self != r->n)
			shared_close(&r->sfd[i]);
	}
	shared_close(&r->gate[1]);
}

static __attribute__((noreturn)) void shared_child(struct shared_run *r,
						   unsigned i, int managed)
{
	prctl(PR_SET_NAME, r->task[i].name);
	if (i == r->n) {
		shared_child_fds(r, i);
		_exit(shared_serve(r) == 0 ? 0 : 1);
	}
	if (managed) {
		shared_child_fds(r, i);
		shared_update_managed(r, i);
	} else {
		shared_close(&r->gate[1]);
		shared_update_locked(r, i);
	}
	_exit(r->tally[i].failed ? 1 : 0);
}

static void shared_fork(struct shared_run *r, unsigned i, int managed)
{
	struct shared_task *t = &r->task[i];

	t->pid = fork();
	if (t->pid == 0)
		shared_child(r, i, managed);
	t->started = t->pid > 0;
	if (t->pid < 0)
		fprintf(stderr, "%s: fork: %s\n", r->name, strerror(errno));
}

static void shared_reap(struct shared_run *r, unsigned i)
{
	struct shared_task *t = &r->task[i];
	int status = 0;
	pid_t got;

	if (!t->started)
		return;
	while ((got = waitpid(t->pid, &status, 0)) < 0 && errno == EINTR)
		;
	t->died |=
		got != t->pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

/* Workers through the gate, then reaped; a worker that did not start
 * leaves the run failed. */
static double shared_processes_way(struct shared_run *r, int managed)
{
	shared_way_begin(r);
	for (unsigned i = 0; i < r->n; i++)
		shared_fork(r, i, managed);
	/* the workers hold their ends now, and the manager has its own */
	for (unsigned i = 0; managed && i < r->n; i++)
		shared_close(&r->cfd[i]);
	shared_gate_open(r);
	for (unsigned i = 0; i < r->n; i++)
		shared_reap(r, i);
	shared_close(&r->gate[0]);
	return shared_span(r);
}

static int shared_processes_run(const struct workload_params *p)
{
	struct shared_run r;
	int failed, result;

	if (shared_begin(&r, "shared-processes", p, &shared_blocking,
			 PTHREAD_PROCESS_SHARED) != 0)
		return 1;
	failed = shared_gate_make(&r);
	if (!failed) {
		shared_fork(&r, r.n, 0);
		/* the manager's ends are the manager's alone */
		for (unsigned i = 0; i <= r.n; i++)
			shared_close(&r.sfd[i]);
		failed = !r.task[r.n].started;
	}
	if (!failed) {
		r.managed_s = shared_processes_way(&r, 1);
		shared_read_back(&r);
		shared_reap(&r, r.n);
		failed = shared_gate_make(&r);
	}
	if (!failed)
		r.locked_s = shared_processes_way(&r, 0);
	result = shared_end(&r, failed);
	LAB_MARK_END(result);
	shared_teardown(&r);
	return result;
}

/* ---- threads ---- */

static void *shared_thread_managed(void *arg)
{
	struct shared_task *t = arg;

	pthread_setname_np(pthread_self(), t->name);
	shared_update_managed(t->run, t->id);
	return NULL;
}

static void *shared_thread_locked(void *arg)
{
	struct shared_task *t = arg;

	pthread_setname_np(pthread_self(), t->name);
	shared_update_locked(t->run, t->id);
	return NULL;
}

static void *shared_thread_manager(void *arg)
{
	struct shared_task *t = arg;

	pthread_setname_np(pthread_self(), t->name);
	t->died = shared_serve(t->run) != 0;
	return NULL;
}

static void shared_thread_start(struct shared_run *r, unsigned i,
				void *(*fn)(void *))
{
	struct shared_task *t = &r->task[i];
	int err = pthread_create(&t->thread, NULL, fn, t);

	t->started = !err;
	if (err)
		fprintf(stderr, "%s: pthread_create: %s\n", r->name,
			strerror(err));
}

static double shared_threads_way(struct shared_run *r, int managed)
{
	shared_way_begin(r);
	for (unsigned i = 0; i < r->n; i++) {
		shared_thread_start(r, i,
				    managed ? shared_thread_managed
					    : shared_thread_locked);
		/* the manager must not wait for a worker that never ran */
		if (managed && !r->task[i].started)
			shared_close(&r->cfd[i]);
	}
	shared_gate_open(r);
	for (unsigned i = 0; i < r->n; i++)
		if (r->task[i].started)
			pthread_join(r->task[i].thread, NULL);
	/* only now has every worker passed it */
	shared_close(&r->gate[0]);
	return shared_span(r);
}

static int shared_threads_run(const struct workload_params *p)
{
	struct shared_run r;
	int failed, result;

	if (shared_begin(&r, "shared-threads", p, &shared_blocking,
			 PTHREAD_PROCESS_PRIVATE) != 0)
		return 1;
	failed = shared_gate_make(&r);
	if (!failed) {
		shared_thread_start(&r, r.n, shared_thread_manager);
		failed = !r.task[r.n].started;
	}
	if (!failed) {
		r.managed_s = shared_threads_way(&r, 1);
		shared_read_back(&r);
		pthread_join(r.task[r.n].thread, NULL);
		failed = shared_gate_make(&r);
	}
	if (!failed)
		r.locked_s = shared_threads_way(&r, 0);
	result = shared_end(&r, failed);
	LAB_MARK_END(result);
	shared_teardown(&r);
	return result;
}

/* ---- coroutines ---- */

static void shared_coro_managed(void *arg)
{
	struct shared_task *t = arg;

	shared_update_managed(t->run, t->id);
	/* the channel holds a token per worker: this never waits */
	coro_chan_send(t->run->finished, NULL);
}

static void shared_coro_locked(void *arg)
{
	struct shared_task *t = arg;

	shared_update_locked(t->run, t->id);
}

static void shared_coro_manager(void *arg)
{
	struct shared_task *t = arg;

	t->died = shared_serve(t->run) != 0;
}

/* The root's part as a coroutine: wait for every started worker, then
 * read the manager's dictionary back. */
static void shared_coro_root(void *arg)
{
	struct shared_run *r = arg;

	for (unsigned i = 0; i < r->n; i++)
		if (r->task[i].started)
			coro_chan_recv(r->finished, NULL);
	shared_read_back(r);
}

/* Spawns the workers (and for the managed way the manager and the root's
 * part) and runs them all. Returns the updates' span or -1. */
static double shared_coroutines_way(struct shared_run *r, int managed)
{
	int err = 0;

	shared_way_begin(r);
	if (managed) {
		err = coro_spawn(shared_coro_manager, &r->task[r->n], 0);
		r->task[r->n].started = !err;
	}
	for (unsigned i = 0; i < r->n && !err; i++) {
		err = coro_spawn(managed ? shared_coro_managed
					 : shared_coro_locked,
				 &r->task[i], 0);
		r->task[i].started = !err;
	}
	if (!err && managed)
		err = coro_spawn(shared_coro_root, r, 0);
	if (err) {
		fprintf(stderr, "%s: coro_spawn: %s\n", r->name,
			strerror(-err));
		/* the manager must not wait for clients that never ran */
		for (unsigned i = 0; i <= r->n; i++)
			shared_close(&r->cfd[i]);
		r->manager_failed = 1;
	}
	shared_gate_open(r);
	if (coro_run() != 0) {
		fprintf(stderr, "%s: coro_run failed\n", r->name);
		err = 1;
	}
	return err ? -1 : shared_span(r);
}

static int shared_coroutines_run(const struct workload_params *p)
{
	struct shared_run r;
	uint64_t switches = coro_switches();
	int failed, result;

	if (shared_begin(&r, "shared-coroutines", p, &shared_parking, 0) != 0)
		return 1;
	r.managed_s = shared_coroutines_way(&r, 1);
	failed = r.managed_s < 0;
	if (!failed)
		r.locked_s = shared_coroutines_way(&r, 0);
	failed |= r.locked_s < 0;
	result = shared_end(&r, failed);
	LAB_MARK_CORO_SWITCHES(coro_switches() - switches);
	LAB_MARK_END(result);
	shared_teardown(&r);
	return result;
}

const struct workload shared_processes = {
	.name = "shared-processes",
	.scenario = "shared",
	.model = "processes",
	.summary = "processes update a dict via a manager process, then a lock",
	.run = shared_processes_run,
};

const struct workload shared_threads = {
	.name = "shared-threads",
	.scenario = "shared",
	.model = "threads",
	.summary = "threads update a dict via a manager thread, then a lock",
	.run = shared_threads_run,
};

const struct workload shared_coroutines = {
	.name = "shared-coroutines",
	.scenario = "shared",
	.model = "coroutines",
	.summary = "coroutines update a dict via a manager, then a lock",
	.run = shared_coroutines_run,
};
