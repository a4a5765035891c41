/* test_pingpong.c - the pingpong scenario: exact token counts, coroutine
 * round trips orders of magnitude below kernel ones, pinning honoured.
 * Each workload runs in a forked child that captures what it prints and
 * checks that the run left no child process, thread or descriptor behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "pingpong.h"
#include "test.h"

#define LEFT_A_CHILD	100
#define LEFT_A_THREAD	101
#define LEFT_AN_FD	102
#define CHILD_TIMEOUT_S 30

struct child {
	pid_t pid;
	int out, err; /* read ends: its stdout, its stderr */
	int status;
	double secs;
	char outtext[4096];
	char errtext[4096];
	struct timespec t0;
};

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int entries_of(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Limits the address space to what is mapped now plus headroom: room
 * for the workload's own needs, too little for many thread stacks. */
static void limit_as(size_t headroom)
{
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	struct rlimit rl;

	if (!f)
		return;
	if (fscanf(f, "%lu", &pages) != 1)
		pages = 0;
	fclose(f);
	rl.rlim_cur = rl.rlim_max =
		(rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + headroom;
	if (pages)
		setrlimit(RLIMIT_AS, &rl);
}

/* as_headroom: see limit_as; 0 leaves the limit alone */
static __attribute__((noreturn)) void
child_main(const struct workload *w, const struct workload_params *p,
	   size_t as_headroom)
{
	int fds = entries_of("/proc/self/fd");
	int rc;

	if (as_headroom)
		limit_as(as_headroom);
	rc = w->run(p);

	fflush(stdout);
	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
		rc = LEFT_A_CHILD;
	else if (entries_of("/proc/self/task") != 1)
		rc = LEFT_A_THREAD;
	else if (entries_of("/proc/self/fd") != fds)
		rc = LEFT_AN_FD;
	_exit(rc);
}

static int child_start(struct child *c, const struct workload *w,
		       const struct workload_params *p, size_t as_headroom)
{
	int out[2], err[2];

	memset(c, 0, sizeof(*c));
	c->status = -1;
	if (pipe2(out, O_CLOEXEC) != 0)
		return -1;
	if (pipe2(err, O_CLOEXEC) != 0) {
		close(out[0]);
		close(out[1]);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	c->pid = fork();
	if (c->pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		child_main(w, p, as_headroom);
	}
	close(out[1]);
	close(err[1]);
	c->out = out[0];
	c->err = err[0];
	if (c->pid < 0) {
		close(c->out);
		close(c->err);
		return -1;
	}
	return 0;
}

static void drain(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
}

/* Waits at most CHILD_TIMEOUT_S, so a hung workload fails the test instead
 * of stopping the suite. Returns 0 when the child exited by itself, -2
 * when it had to be killed. */
static int child_finish(struct child *c)
{
	int hung = 0;

	while (waitpid(c->pid, &c->status, WNOHANG) == 0) {
		if (since(&c->t0) > CHILD_TIMEOUT_S) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &c->status, 0);
			hung = 1;
			break;
		}
		usleep(1000);
	}
	c->secs = since(&c->t0);
	drain(c->out, c->outtext, sizeof(c->outtext));
	drain(c->err, c->errtext, sizeof(c->errtext));
	return hung ? -2 : 0;
}

/* 0 when the child ran and exited by itself; otherwise fails the test
 * saying why not. */
static int run_child(struct child *c, const struct workload *w,
		     const struct workload_params *p)
{
	if (child_start(c, w, p, 0) != 0) {
		CHECK_MSG(0, "%s: cannot start: %s", w->name, strerror(errno));
		return -1;
	}
	if (child_finish(c) != 0) {
		CHECK_MSG(0, "%s: still running after %d s", w->name,
			  CHILD_TIMEOUT_S);
		return -1;
	}
	return 0;
}

static int exited(const struct child *c, int code)
{
	return c->status != -1 && WIFEXITED(c->status) &&
	       WEXITSTATUS(c->status) == code;
}

/* true when /proc/pid/comm is comm */
static int named(long pid, const char *comm)
{
	char path[64], name[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(name, sizeof(name), f))
		name[strcspn(name, "\n")] = '\0';
	fclose(f);
	return strcmp(name, comm) == 0;
}

/* pid of a child of ppid named comm, or 0. The kernel's list of ppid's
 * children is quick to read, so short-lived children are caught too. */
static pid_t find_child_named(pid_t ppid, const char *comm)
{
	char path[64], list[4096];
	size_t n;
	char *s, *end;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)ppid,
		 (int)ppid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(list, 1, sizeof(list) - 1, f);
	fclose(f);
	list[n] = '\0';
	for (s = list;; s = end) {
		long pid = strtol(s, &end, 10);

		if (end == s)
			return 0;
		if (named(pid, comm))
			return (pid_t)pid;
	}
}

static pid_t wait_for_child_named(pid_t ppid, const char *comm)
{
	for (int i = 0; i < 3000; i++) {
		pid_t pid = find_child_named(ppid, comm);

		if (pid)
			return pid;
		usleep(1000);
	}
	return 0;
}

static int has_thread_named(pid_t pid, const char *comm)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	/* a thread's own /proc/TID is there, only not listed */
	while (!found && (e = readdir(d)))
		if (e->d_name[0] != '.')
			found = named(atol(e->d_name), comm);
	closedir(d);
	return found;
}

/* true once threads named a and b have both been seen in pid, not
 * necessarily at the same time: one may end before the other starts */
static int wait_for_threads_named(pid_t pid, const char *a, const char *b)
{
	int seen_a = 0, seen_b = 0;

	for (int i = 0; i < 3000 && !(seen_a && seen_b); i++) {
		seen_a = seen_a || has_thread_named(pid, a);
		seen_b = seen_b || has_thread_named(pid, b);
		if (!(seen_a && seen_b))
			usleep(1000);
	}
	return seen_a && seen_b;
}

/* ---- the pingpong scenario ---- */

static const struct workload *const pp_family[] = {
	&pingpong_processes,
	&pingpong_threads,
	&pingpong_coroutines,
};

#define NFAMILY (sizeof(pp_family) / sizeof(pp_family[0]))

struct pp_figures {
	unsigned trips;
	double ns_per_trip;
	unsigned long long kernel, user; /* switches */
	char cpus0[64], cpus1[64];	 /* "0", "0,1" */
};

/* the figures of "NAME: T round trips in S s: N ns per round trip, X ns
 * per switch (K in the kernel, U in user space, ..); w0 on CPU A; w1 on
 * CPU B"; 0 when all were found */
static int pp_figures(const char *out, struct pp_figures *f)
{
	const char *colon = strstr(out, ": ");
	const char *trip = strstr(out, " s: ");
	const char *sw = strstr(out, "per switch (");
	const char *on = strstr(out, "w0 on CPU ");

	if (!colon || !trip || !sw || !on ||
	    sscanf(colon, ": %u round trips", &f->trips) != 1 ||
	    sscanf(trip, " s: %lf ns per round trip", &f->ns_per_trip) != 1 ||
	    sscanf(sw, "per switch (%llu in the kernel, %llu in user space",
		   &f->kernel, &f->user) != 2 ||
	    sscanf(on, "w0 on CPU %63[0-9,]; w1 on CPU %63[0-9,]", f->cpus0,
		   f->cpus1) != 2)
		return -1;
	return 0;
}

/* Runs w and checks that it succeeded and made exactly p->ops trips. */
static int pp_run_checked(const struct workload *w,
			  const struct workload_params *p, struct pp_figures *f)
{
	struct child c;

	if (run_child(&c, w, p) != 0)
		return -1;
	if (!CHECK_MSG(exited(&c, 0), "%s: status %#x, stderr: %s", w->name,
		       c.status, c.errtext) ||
	    !CHECK_MSG(pp_figures(c.outtext, f) == 0, "%s: no figures in: %s",
		       w->name, c.outtext))
		return -1;
	CHECK_MSG(c.errtext[0] == '\0', "%s printed: %s", w->name, c.errtext);
	if (!CHECK_EQ(f->trips, p->ops))
		return -1;
	return 0;
}

TEST(pingpong_every_variant_counts_every_token)
{
	const struct workload_params p = {.ops = 1000};

	for (size_t i = 0; i < NFAMILY; i++) {
		struct pp_figures f;

		pp_run_checked(pp_family[i], &p, &f);
	}
}

/* On one CPU each hand-over between kernel tasks is a context switch, two
 * per round trip; coroutines make theirs in user space, for a small
 * fraction of the price. The coroutines make more round trips, so that
 * being preempted once by other work does not swamp their figure. */
TEST(pingpong_coroutines_switch_for_far_less)
{
	const struct workload_params pt = {.ops = 5000, .cpus = "0"};
	const struct workload_params pc = {.ops = 200000, .cpus = "0"};
	struct pp_figures thr, coro;

	if (pp_run_checked(&pingpong_threads, &pt, &thr) != 0 ||
	    pp_run_checked(&pingpong_coroutines, &pc, &coro) != 0)
		return;
	CHECK_MSG(thr.kernel >= 19ull * pt.ops / 10,
		  "%llu kernel switches for %u round trips on one CPU",
		  thr.kernel, pt.ops);
	CHECK_EQ(thr.user, 0);
	CHECK_MSG(coro.user >= 2ull * pc.ops, "%llu coroutine switches",
		  coro.user);
	/* measured: about 3.5 us against 35 ns; 20x leaves room for a slow
	 * day without letting a kernel wait per hand-over through */
	CHECK_MSG(coro.ns_per_trip * 20 < thr.ns_per_trip,
		  "coroutines %.0f ns, threads %.0f ns per round trip",
		  coro.ns_per_trip, thr.ns_per_trip);
}

TEST(pingpong_pinning_is_honoured)
{
	struct workload_params p = {.ops = 500, .cpus = "0"};
	struct pp_figures f;

	/* the tasks report each CPU sched_getcpu() found them on */
	for (size_t i = 0; i < NFAMILY; i++) {
		if (pp_run_checked(pp_family[i], &p, &f) != 0)
			continue;
		CHECK_STR(f.cpus0, "0");
		CHECK_STR(f.cpus1, "0");
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("one CPU: cannot put the tasks on two");
	p.cpus = "1,0";
	for (size_t i = 0; i < NFAMILY; i++) {
		if (pp_run_checked(pp_family[i], &p, &f) != 0)
			continue;
		CHECK_STR(f.cpus0, "1");
		/* coroutines share one thread: the list's first CPU */
		CHECK_STR(f.cpus1,
			  pp_family[i] == &pingpong_coroutines ? "1" : "0");
	}
}

/* The workers live a few tenths of a second: long enough to be seen
 * even when this process waits for a CPU behind other work. */
TEST(pingpong_workers_carry_their_names)
{
	const struct workload_params p = {.ops = 80000, .cpus = "0"};
	struct child c;
	int seen;

	if (!CHECK(child_start(&c, &pingpong_processes, &p, 0) == 0))
		return;
	seen = wait_for_child_named(c.pid, "pingpong-w0") &&
	       wait_for_child_named(c.pid, "pingpong-w1");
	child_finish(&c);
	CHECK_MSG(seen,
		  "no processes pingpong-w0, -w1 under %d (run of %.2f s, "
		  "status %#x: %s%s)",
		  (int)c.pid, c.secs, c.status, c.outtext, c.errtext);
	CHECK_MSG(exited(&c, 0), "%s", c.errtext);

	if (!CHECK(child_start(&c, &pingpong_threads, &p, 0) == 0))
		return;
	seen = wait_for_threads_named(c.pid, "pingpong-w0", "pingpong-w1");
	child_finish(&c);
	CHECK_MSG(seen,
		  "no threads pingpong-w0, -w1 in %d (run of %.2f s, status "
		  "%#x: %s%s)",
		  (int)c.pid, c.secs, c.status, c.outtext, c.errtext);
	CHECK_MSG(exited(&c, 0), "%s", c.errtext);
}

TEST(pingpong_a_killed_worker_makes_a_wrong_result)
{
	const struct workload_params p = {.ops = 1000000};
	struct child c;
	pid_t worker;

	if (!CHECK(child_start(&c, &pingpong_processes, &p, 0) == 0))
		return;
	worker = wait_for_child_named(c.pid, "pingpong-w1");
	if (CHECK_MSG(worker > 0, "no worker pingpong-w1 under %d", (int)c.pid))
		kill(worker, SIGKILL);
	/* w0 must see the pipe close, not wait for an answer forever */
	if (!CHECK(child_finish(&c) == 0))
		return;
	CHECK_MSG(exited(&c, 1), "status %#x, stderr: %s", c.status, c.errtext);
	CHECK_MSG(strstr(c.errtext, "pingpong-w1 was killed by signal 9"),
		  "stderr: %s", c.errtext);
}

TEST(pingpong_rejects_what_it_cannot_run)
{
	struct workload_params p = {.tasks = 3, .ops = 10};
	struct child c;

	if (run_child(&c, &pingpong_threads, &p) == 0)
		CHECK_MSG(exited(&c, 1) && strstr(c.errtext, "2 tasks"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	p.tasks = 2;
	p.cpus = "0;1";
	if (run_child(&c, &pingpong_processes, &p) == 0)
		CHECK_MSG(exited(&c, 1) && strstr(c.errtext, "bad CPU list"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	p.cpus = "1023";
	if (run_child(&c, &pingpong_coroutines, &p) == 0)
		CHECK_MSG(exited(&c, 1) && strstr(c.errtext, "not available"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	p.cpus = NULL;
	p.ops = 2000000000u;
	if (run_child(&c, &pingpong_threads, &p) == 0)
		CHECK_MSG(exited(&c, 1) && strstr(c.errtext, "at most"),
			  "status %#x, stderr: %s", c.status, c.errtext);
}

/* Room for one 8 MiB thread stack, not two: w0 must not wait forever for
 * a partner that was never created. */
TEST(pingpong_a_thread_alone_is_called_off)
{
	const struct workload_params p = {.ops = 1000};
	struct child c;

	if (!CHECK(child_start(&c, &pingpong_threads, &p, 12u << 20) == 0))
		return;
	if (!CHECK_MSG(child_finish(&c) == 0, "hung when called off"))
		return;
	CHECK_MSG(exited(&c, 1), "status %#x, stderr: %s", c.status, c.errtext);
	CHECK_MSG(strstr(c.errtext, "pthread_create") &&
			  strstr(c.errtext, "pingpong-w1 could not be started"),
		  "stderr: %s", c.errtext);
}
