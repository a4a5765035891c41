/* test_coro.c - the coroutine runtime: order, scale, timers, fd waits, the
 * switch counter, stack reuse and the overflow report. The runtime's state
 * is per thread and these tests share the main thread, so they compare
 * counters before and after rather than from zero. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "workloads/coro/coro.h"
#include "tests/test.h"

/* test.h's CHECK_EQ evaluates its arguments twice (test and message), so
 * calls with side effects go through CHECK_CALL, which evaluates once. */
#define CHECK_CALL(call, want)                                                 \
	check_call((long long)(call), (long long)(want), #call, __FILE__,      \
		   __LINE__)

static bool check_call(long long got, long long want, const char *expr,
		       const char *file, int line)
{
	return test_check(got == want, file, line,
			  "%s: got %lld, expected %lld", expr, got, want);
}

#define MS 1000000ull

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- run order ---- */

static char order[64];
static int norder;

static void note(char c)
{
	if (norder < (int)sizeof(order) - 1)
		order[norder++] = c;
	order[norder] = '\0';
}

static void note_yield_note(void *arg)
{
	char c = *(const char *)arg;

	note(c);
	coro_yield();
	note((char)(c - 'a' + 'A'));
}

TEST(coro_runs_fifo_and_yields_interleave)
{
	static const char names[] = "abc";

	norder = 0;
	for (int i = 0; i < 3; i++)
		if (!CHECK_CALL(
			    coro_spawn(note_yield_note, (void *)&names[i], 0),
			    0))
			return;
	if (!CHECK_CALL(coro_run(), 0))
		return;
	CHECK_STR(order, "abcABC");
	/* nothing left: returns at once */
	CHECK_CALL(coro_run(), 0);
}

static void note_d(void *arg)
{
	(void)arg;
	note('d');
}

static void spawn_d_then_yield(void *arg)
{
	(void)arg;
	note('a');
	CHECK_CALL(coro_spawn(note_d, NULL, 0), 0);
	coro_yield();
	note('A');
}

static void note_b(void *arg)
{
	(void)arg;
	note('b');
}

TEST(coro_spawned_inside_queues_behind_the_runnable)
{
	norder = 0;
	CHECK_CALL(coro_spawn(spawn_d_then_yield, NULL, 0), 0);
	CHECK_CALL(coro_spawn(note_b, NULL, 0), 0);
	if (!CHECK_CALL(coro_run(), 0))
		return;
	/* d was queued before a yielded, so it runs first */
	CHECK_STR(order, "abdA");
}

/* ---- scale ---- */

static unsigned long bumps;

static void bump_yield_bump(void *arg)
{
	(void)arg;
	bumps++;
	coro_yield();
	bumps++;
}

TEST(coro_ten_thousand_spawned_and_finished)
{
	enum { N = 10000 };

	bumps = 0;
	for (int i = 0; i < N; i++)
		if (!CHECK_CALL(coro_spawn(bump_yield_bump, NULL, 0), 0))
			return;
	CHECK_EQ(bumps, 0);
	if (!CHECK_CALL(coro_run(), 0))
		return;
	CHECK_EQ(bumps, 2 * N);
}

/* ---- timers ---- */

struct sleeper {
	uint64_t delay_ns;
	uint64_t slept_ns;
	int woke_as;
};

static int wakes;

static void sleep_and_note(void *arg)
{
	struct sleeper *s = arg;
	uint64_t t0 = now_ns();

	coro_sleep_ns(s->delay_ns);
	s->slept_ns = now_ns() - t0;
	s->woke_as = wakes++;
}

TEST(coro_sleeps_wake_in_deadline_order_and_never_early)
{
	/* same delay twice: the one that slept first wakes first */
	struct sleeper s[] = {
		{30 * MS, 0, -1}, {10 * MS, 0, -1}, {20 * MS, 0, -1},
		{5 * MS, 0, -1},  {10 * MS, 0, -1},
	};
	static const int expect[] = {4, 1, 3, 0, 2};
	uint64_t sum = 0, t0;

	wakes = 0;
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		sum += s[i].delay_ns;
		if (!CHECK_CALL(coro_spawn(sleep_and_note, &s[i], 0), 0))
			return;
	}
	t0 = now_ns();
	if (!CHECK_CALL(coro_run(), 0))
		return;
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		CHECK_MSG(s[i].slept_ns >= s[i].delay_ns,
			  "sleeper %zu woke early: %llu < %llu ns", i,
			  (unsigned long long)s[i].slept_ns,
			  (unsigned long long)s[i].delay_ns);
		CHECK_EQ(s[i].woke_as, expect[i]);
	}
	/* they slept at the same time, not one after another */
	CHECK_MSG(now_ns() - t0 < sum, "sleeps took %llu ns, their sum is %llu",
		  (unsigned long long)(now_ns() - t0), (unsigned long long)sum);
}

/* ---- fd waits ---- */

struct pipe_wait {
	int rd, wr;
	int wait_rc;
	unsigned ticks, ticks_when_blocked, ticks_when_resumed;
	uint64_t written_at, resumed_at;
	char got;
	int ticker_done;
};

static void pipe_reader(void *arg)
{
	struct pipe_wait *pw = arg;

	pw->ticks_when_blocked = pw->ticks;
	pw->wait_rc = coro_wait_fd(pw->rd, EPOLLIN);
	pw->resumed_at = now_ns();
	pw->ticks_when_resumed = pw->ticks;
	if (read(pw->rd, &pw->got, 1) != 1)
		pw->got = 0;
}

static void pipe_ticker(void *arg)
{
	struct pipe_wait *pw = arg;

	for (int i = 0; i < 20; i++) {
		pw->ticks++;
		coro_sleep_ns(1 * MS);
	}
	pw->ticker_done = 1;
}

static void pipe_writer(void *arg)
{
	struct pipe_wait *pw = arg;

	coro_sleep_ns(8 * MS);
	pw->written_at = now_ns();
	if (write(pw->wr, "x", 1) != 1)
		pw->written_at = 0;
}

TEST(coro_wait_fd_parks_only_the_waiter)
{
	struct pipe_wait pw;
	int p[2];

	memset(&pw, 0, sizeof(pw));
	if (!CHECK_CALL(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0))
		return;
	pw.rd = p[0];
	pw.wr = p[1];
	pw.wait_rc = -1;
	CHECK_CALL(coro_spawn(pipe_reader, &pw, 0), 0);
	CHECK_CALL(coro_spawn(pipe_ticker, &pw, 0), 0);
	CHECK_CALL(coro_spawn(pipe_writer, &pw, 0), 0);
	CHECK_CALL(coro_run(), 0);
	close(p[0]);
	close(p[1]);
	CHECK_EQ(pw.wait_rc, 0);
	CHECK_EQ(pw.got, 'x');
	CHECK_EQ(pw.ticker_done, 1);
	CHECK_MSG(
		pw.ticks_when_resumed > pw.ticks_when_blocked,
		"the ticker made no progress while the reader waited (%u, %u)",
		pw.ticks_when_blocked, pw.ticks_when_resumed);
	CHECK_MSG(pw.written_at && pw.resumed_at >= pw.written_at,
		  "reader resumed before the write");
}

struct duplex {
	int fd, peer;
	int rd_rc, wr_rc;
	size_t filled;
};

static void duplex_reader(void *arg)
{
	struct duplex *d = arg;

	d->rd_rc = coro_wait_fd(d->fd, EPOLLIN);
}

static void duplex_writer(void *arg)
{
	struct duplex *d = arg;
	char buf[4096];
	ssize_t n;

	memset(buf, 'w', sizeof(buf));
	while ((n = write(d->fd, buf, sizeof(buf))) > 0)
		d->filled += (size_t)n;
	d->wr_rc = coro_wait_fd(d->fd, EPOLLOUT);
}

static void duplex_peer(void *arg)
{
	struct duplex *d = arg;
	char buf[4096];
	size_t drained = 0;
	ssize_t n;

	coro_sleep_ns(3 * MS);
	if (write(d->peer, "r", 1) != 1)
		return;
	while (drained < d->filled && (n = read(d->peer, buf, sizeof(buf))) > 0)
		drained += (size_t)n;
}

TEST(coro_reader_and_writer_wait_on_one_socket)
{
	struct duplex d = {.rd_rc = 1, .wr_rc = 1};
	int sv[2];

	if (!CHECK_CALL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv),
			0))
		return;
	d.fd = sv[0];
	d.peer = sv[1];
	CHECK_CALL(coro_spawn(duplex_reader, &d, 0), 0);
	CHECK_CALL(coro_spawn(duplex_writer, &d, 0), 0);
	CHECK_CALL(coro_spawn(duplex_peer, &d, 0), 0);
	CHECK_CALL(coro_run(), 0);
	close(sv[0]);
	close(sv[1]);
	CHECK(d.filled > 0);
	CHECK_EQ(d.rd_rc, 0);
	CHECK_EQ(d.wr_rc, 0);
}

struct misuse {
	int rd, wr, file;
	int bad_fd, no_events, closed_fd, second, regular, hup;
};

static void misuse_first(void *arg)
{
	struct misuse *m = arg;

	m->bad_fd = coro_wait_fd(-1, EPOLLIN);
	m->no_events = coro_wait_fd(m->rd, 0);
	m->closed_fd = coro_wait_fd(1000, EPOLLIN);
	m->regular = coro_wait_fd(m->file, EPOLLIN);
	/* parks: the second waiter for input on this fd is refused */
	m->hup = coro_wait_fd(m->rd, EPOLLIN);
}

static void misuse_second(void *arg)
{
	struct misuse *m = arg;

	m->second = coro_wait_fd(m->rd, EPOLLIN);
	/* the reader sees end of file once the last writer is gone */
	close(m->wr);
}

TEST(coro_wait_fd_rejects_misuse)
{
	struct misuse m = {.hup = 1};
	char path[600];
	int p[2];

	if (fcntl(1000, F_GETFD) != -1)
		SKIP("fd 1000 is open here");
	snprintf(path, sizeof(path), "%s/file", test_tmpdir());
	m.file = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (!CHECK(m.file >= 0) || !CHECK_CALL(pipe2(p, O_NONBLOCK), 0))
		return;
	m.rd = p[0];
	m.wr = p[1];
	CHECK_CALL(coro_spawn(misuse_first, &m, 0), 0);
	CHECK_CALL(coro_spawn(misuse_second, &m, 0), 0);
	CHECK_CALL(coro_run(), 0);
	close(p[0]);
	close(m.file);
	CHECK_EQ(m.bad_fd, -EBADF);
	CHECK_EQ(m.no_events, -EINVAL);
	CHECK_EQ(m.closed_fd, -EBADF);
	CHECK_EQ(m.regular, 0);
	CHECK_EQ(m.second, -EBUSY);
	CHECK_EQ(m.hup, 0);
}

/* ---- counters, ids, misuse of run ---- */

static uint64_t seen_id;

static void yield_hundred(void *arg)
{
	(void)arg;
	seen_id = coro_id();
	for (int i = 0; i < 100; i++)
		coro_yield();
}

TEST(coro_switch_counter_counts)
{
	uint64_t before = coro_switches(), d;

	coro_yield(); /* outside a coroutine: nothing to switch to */
	CHECK_CALL(coro_switches(), before);
	CHECK_CALL(coro_id(), 0);
	seen_id = 0;
	CHECK_CALL(coro_spawn(yield_hundred, NULL, 0), 0);
	CHECK_CALL(coro_spawn(yield_hundred, NULL, 0), 0);
	CHECK_CALL(coro_run(), 0);
	d = coro_switches() - before;
	/* each yield and each finish leaves a coroutine (202); at most
	 * every one of those goes through the scheduler and back in */
	CHECK_MSG(d >= 202 && d <= 404, "%llu switches for 200 yields",
		  (unsigned long long)d);
	CHECK(seen_id > 0);
}

static int nested_rc;

static void run_nested(void *arg)
{
	(void)arg;
	nested_rc = coro_run();
}

TEST(coro_run_inside_a_coroutine_is_refused)
{
	nested_rc = 0;
	CHECK_CALL(coro_spawn(run_nested, NULL, 0), 0);
	CHECK_CALL(coro_run(), 0);
	CHECK_EQ(nested_rc, -EDEADLK);
	CHECK_CALL(coro_spawn(NULL, NULL, 0), -EINVAL);
}

TEST(coro_calls_outside_a_coroutine_block_instead)
{
	uint64_t t0 = now_ns();
	int p[2];

	coro_sleep_ns(2 * MS);
	CHECK(now_ns() - t0 >= 2 * MS);
	if (!CHECK_CALL(pipe(p), 0))
		return;
	CHECK_CALL(write(p[1], "x", 1), 1);
	CHECK_CALL(coro_wait_fd(p[0], EPOLLIN), 0);
	close(p[0]);
	close(p[1]);
}

/* ---- the scheduler's own turns ---- */

struct busy {
	int stop;	      /* set by whoever waited */
	unsigned long spins;  /* yields made meanwhile */
	unsigned long budget; /* give up after this many */
	int byte;
};

static void spin_until_stopped(void *arg)
{
	struct busy *b = arg;

	while (!b->stop && b->spins < b->budget) {
		b->spins++;
		coro_yield();
	}
}

static void sleep_then_stop(void *arg)
{
	struct busy *b = arg;

	coro_sleep_ns(2 * MS);
	b->stop = 1;
}

static void write_after_yields(void *arg)
{
	int fd = *(const int *)arg;

	for (int i = 0; i < 1000; i++)
		coro_yield();
	if (write(fd, "z", 1) != 1)
		return;
}

struct fd_stop {
	struct busy *b;
	int fd;
};

static void wait_fd_then_stop(void *arg)
{
	struct fd_stop *fs = arg;
	char c = 0;

	if (coro_wait_fd(fs->fd, EPOLLIN) == 0 && read(fs->fd, &c, 1) == 1)
		fs->b->byte = c;
	fs->b->stop = 1;
}

/* Coroutines that only yield never leave the run queue empty; timers and
 * fd events must still be collected while they do. */
TEST(coro_timers_and_fds_fire_while_others_keep_yielding)
{
	struct busy b = {.budget = 200000000};
	struct fd_stop fs = {.b = &b};
	int p[2];

	CHECK_CALL(coro_spawn(spin_until_stopped, &b, 0), 0);
	CHECK_CALL(coro_spawn(sleep_then_stop, &b, 0), 0);
	CHECK_CALL(coro_spawn(spin_until_stopped, &b, 0), 0);
	CHECK_CALL(coro_run(), 0);
	CHECK_MSG(b.stop && b.spins < b.budget, "sleeper not woken: %lu spins",
		  b.spins);

	if (!CHECK_CALL(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0))
		return;
	b = (struct busy){.budget = 200000000};
	fs.fd = p[0];
	CHECK_CALL(coro_spawn(wait_fd_then_stop, &fs, 0), 0);
	CHECK_CALL(coro_spawn(spin_until_stopped, &b, 0), 0);
	CHECK_CALL(coro_spawn(write_after_yields, &p[1], 0), 0);
	CHECK_CALL(coro_run(), 0);
	close(p[0]);
	close(p[1]);
	CHECK_MSG(b.stop && b.spins < b.budget,
		  "fd waiter not woken: %lu spins", b.spins);
	CHECK_EQ(b.byte, 'z');
}

static void yield_alone(void *arg)
{
	(void)arg;
	for (int i = 0; i < 50; i++)
		coro_yield();
}

TEST(coro_yield_with_nobody_else_runnable_goes_on)
{
	uint64_t before = coro_switches();

	CHECK_CALL(coro_spawn(yield_alone, NULL, 0), 0);
	CHECK_CALL(coro_run(), 0);
	/* in once and out once at the end: no switch per yield */
	CHECK_CALL(coro_switches() - before, 2);
}

/* ---- stacks ---- */

static void nothing(void *arg)
{
	(void)arg;
}

TEST(coro_pooled_stacks_are_reused)
{
	uint64_t mapped;

	for (int i = 0; i < 20; i++)
		CHECK_CALL(coro_spawn(nothing, NULL, 0), 0);
	CHECK_CALL(coro_run(), 0);
	mapped = coro_stacks_mapped();
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 20; i++)
			CHECK_CALL(coro_spawn(nothing, NULL, 0), 0);
		CHECK_CALL(coro_run(), 0);
	}
	CHECK_CALL(coro_stacks_mapped(), mapped);
	/* only default-size stacks are pooled */
	CHECK_CALL(coro_spawn(nothing, NULL, 2 * CORO_STACK_DEFAULT), 0);
	CHECK_CALL(coro_run(), 0);
	CHECK_CALL(coro_stacks_mapped(), mapped + 1);
}

struct thread_run {
	uint64_t switches;
	unsigned long count;
	int rc;
};

static __thread unsigned long thread_bumps;

static void thread_bump(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10; i++) {
		thread_bumps++;
		coro_yield();
	}
}

static void *thread_scheduler(void *arg)
{
	struct thread_run *t = arg;

	for (int i = 0; i < 50; i++)
		coro_spawn(thread_bump, NULL, 0);
	t->rc = coro_run();
	t->switches = coro_switches();
	t->count = thread_bumps;
	return NULL;
}

TEST(coro_each_thread_has_its_own_scheduler)
{
	struct thread_run a = {.rc = 1}, b = {.rc = 1};
	uint64_t mine = coro_switches();
	pthread_t ta, tb;

	if (!CHECK_CALL(pthread_create(&ta, NULL, thread_scheduler, &a), 0))
		return;
	if (CHECK_CALL(pthread_create(&tb, NULL, thread_scheduler, &b), 0))
		pthread_join(tb, NULL);
	pthread_join(ta, NULL);
	CHECK_EQ(a.rc, 0);
	CHECK_EQ(b.rc, 0);
	CHECK_EQ(a.count, 500);
	CHECK_EQ(b.count, 500);
	CHECK(a.switches >= 550);
	CHECK_EQ(a.switches, b.switches);
	CHECK_CALL(coro_switches(), mine);
}

static int count_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0, c;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int run_thread_scheduler(void)
{
	struct thread_run r = {.rc = 1};
	pthread_t t;

	if (pthread_create(&t, NULL, thread_scheduler, &r) != 0)
		return -1;
	pthread_join(t, NULL);
	return r.rc;
}

TEST(coro_thread_exit_gives_its_stacks_back)
{
	int after_first, after_second;

	/* the first thread also leaves glibc's cached thread stack behind */
	if (!CHECK_CALL(run_thread_scheduler(), 0))
		return;
	after_first = count_mappings();
	for (int i = 0; i < 3; i++)
		if (!CHECK_CALL(run_thread_scheduler(), 0))
			return;
	after_second = count_mappings();
	/* each leaked pool would be 100 mappings, a signal stack one more */
	CHECK_MSG(after_first > 0 && after_second == after_first,
		  "mappings: %d after one thread, %d after four", after_first,
		  after_second);
}

/* ---- crashes, in a child ---- */

static volatile int never = -1;

static __attribute__((noinline)) int deep(int n)
{
	volatile char pad[256];

	pad[0] = (char)n;
	if (n == never)
		return 0;
	return deep(n + 1) + pad[0];
}

static void overflow(void *arg)
{
	(void)arg;
	dprintf(STDERR_FILENO, "running %llu\n", (unsigned long long)coro_id());
	deep(0);
}

/* a real fault, but far from any guard page */
static void readonly_store(void *arg)
{
	volatile char *page =
		mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	dprintf(STDERR_FILENO, "running %llu\n", (unsigned long long)coro_id());
	if (page != MAP_FAILED)
		page[0] = 1;
}

/* Runs fn in a coroutine in a child; returns its wait status and what it
 * wrote to stderr. */
static int crash_in_child(coro_fn fn, size_t stack, char *err, size_t len)
{
	int p[2], status = -1;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(p) != 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit no_core = {0, 0};

		setrlimit(RLIMIT_CORE, &no_core);
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		close(p[1]);
		coro_spawn(fn, NULL, stack);
		coro_run();
		_exit(0);
	}
	close(p[1]);
	while (got + 1 < len && (n = read(p[0], err + got, len - 1 - got)) > 0)
		got += (size_t)n;
	err[got] = '\0';
	close(p[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

TEST(coro_stack_overflow_dies_with_a_message)
{
	char err[512], want[128];
	unsigned long long id = 0;
	int status = crash_in_child(overflow, 32 * 1024, err, sizeof(err));

	if (!CHECK_MSG(WIFSIGNALED(status), "child status %#x, stderr: %s",
		       status, err))
		return;
	CHECK_CALL(WTERMSIG(status), SIGSEGV);
	if (!CHECK_MSG(sscanf(err, "running %llu", &id) == 1, "stderr: %s",
		       err))
		return;
	snprintf(want, sizeof(want),
		 "coro: stack overflow in coroutine %llu (stack of 32768 "
		 "bytes)\n",
		 id);
	CHECK_MSG(strstr(err, want), "stderr lacks \"%s\": %s", want, err);
}

TEST(coro_other_faults_keep_the_default_action)
{
	char err[512];
	int status = crash_in_child(readonly_store, 0, err, sizeof(err));

	if (!CHECK_MSG(WIFSIGNALED(status), "child status %#x", status))
		return;
	CHECK_CALL(WTERMSIG(status), SIGSEGV);
	CHECK(strstr(err, "running ") != NULL);
	CHECK_MSG(!strstr(err, "overflow"), "stderr: %s", err);
}
