/* test_race.c - the race scenario: counts that add up, coroutines that
 * lose nothing, threads and processes on two CPUs that lose updates. Each
 * workload runs in a forked child that captures what it prints and checks
 * that the run left no child process, thread or descriptor behind. */
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
#include "race.h"
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

/* ---- the race scenario ---- */

static const struct workload *const race_family[] = {
	&race_processes,
	&race_threads,
	&race_coroutines,
};

#define NFAMILY (sizeof(race_family) / sizeof(race_family[0]))

struct race_figures {
	long got, expected, lost;
};

/* "counter G of E, lost L updates"; 0 when found */
static int race_figures(const char *out, struct race_figures *f)
{
	const char *s = strstr(out, "counter ");

	if (!s || sscanf(s, "counter %ld of %ld, lost %ld updates", &f->got,
			 &f->expected, &f->lost) != 3)
		return -1;
	return 0;
}

/* Runs w, checks that it succeeded and that its counts add up. */
static int race_run_checked(const struct workload *w,
			    const struct workload_params *p,
			    struct race_figures *f, struct child *c)
{
	if (run_child(c, w, p) != 0)
		return -1;
	if (!CHECK_MSG(exited(c, 0), "%s: status %#x, stderr: %s", w->name,
		       c->status, c->errtext) ||
	    !CHECK_MSG(race_figures(c->outtext, f) == 0,
		       "%s: no figures in: %s", w->name, c->outtext))
		return -1;
	CHECK_MSG(c->errtext[0] == '\0', "%s printed: %s", w->name, c->errtext);
	if (!CHECK_EQ(f->expected, (long)p->tasks * p->ops) ||
	    !CHECK_MSG(f->got >= 0 && f->got <= f->expected &&
			       f->lost == f->expected - f->got,
		       "%s: counts do not add up: %s", w->name, c->outtext))
		return -1;
	return 0;
}

TEST(race_every_variant_counts_consistently)
{
	const struct workload_params p = {.tasks = 3, .ops = 100000};

	for (size_t i = 0; i < NFAMILY; i++) {
		struct race_figures f;
		struct child c;

		race_run_checked(race_family[i], &p, &f, &c);
	}
}

TEST(race_coroutines_lose_nothing_and_say_why)
{
	const struct workload_params p = {.tasks = 4, .ops = 100000};
	struct race_figures f;
	struct child c;
	const char *why;
	unsigned long long switches = 0;

	if (race_run_checked(&race_coroutines, &p, &f, &c) != 0)
		return;
	CHECK_EQ(f.lost, 0);
	CHECK_EQ(f.got, f.expected);
	why = strstr(c.outtext, "switch only where they yield (");
	if (!CHECK_MSG(why, "no reason given: %s", c.outtext))
		return;
	sscanf(why, "switch only where they yield (%llu switches", &switches);
	/* each task yields every 64 increments and every yield is a switch */
	CHECK_MSG(switches >= (unsigned long long)p.tasks * p.ops / 64,
		  "%llu switches: %s", switches, c.outtext);
}

/* Two tasks on two CPUs, let go at the same moment, read-add-write the
 * same word 100 million times each, for about a tenth of a second: losing
 * nothing needs them never to overlap. That happens only when other work
 * holds the CPUs, in turns, for the whole run; seen here while the machine
 * was compiling, so a run that lost nothing is tried twice more. A
 * workload that made the update atomic would lose nothing every time. */
TEST(race_on_two_cpus_loses_updates)
{
	const struct workload_params p = {
		.tasks = 2, .ops = 100000000, .cpus = "0,1"};
	const struct workload *const kernel_tasks[] = {&race_threads,
						       &race_processes};

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("one CPU: the race needs two to lose updates reliably");
	for (size_t i = 0; i < 2; i++) {
		struct race_figures f = {0};
		struct child c;
		int tries = 0;

		while (tries++ < 3) {
			if (race_run_checked(kernel_tasks[i], &p, &f, &c) !=
				    0 ||
			    f.lost > 0)
				break;
		}
		CHECK_MSG(f.lost > 0, "%s lost nothing in %d runs: %s",
			  kernel_tasks[i]->name, tries - 1, c.outtext);
	}
}

/* The workers live a few tenths of a second: long enough to be seen
 * even when this process waits for a CPU behind other work. */
TEST(race_workers_carry_their_names)
{
	const struct workload_params p = {.tasks = 2, .ops = 200000000};
	struct child c;
	int seen;

	if (!CHECK(child_start(&c, &race_processes, &p, 0) == 0))
		return;
	seen = wait_for_child_named(c.pid, "race-w1");
	child_finish(&c);
	CHECK_MSG(
		seen,
		"no process race-w1 under %d (run of %.2f s, status %#x: %s%s)",
		(int)c.pid, c.secs, c.status, c.outtext, c.errtext);
	CHECK_MSG(exited(&c, 0), "%s", c.errtext);

	if (!CHECK(child_start(&c, &race_threads, &p, 0) == 0))
		return;
	seen = wait_for_threads_named(c.pid, "race-w0", "race-w1");
	child_finish(&c);
	CHECK_MSG(seen,
		  "no threads race-w0, race-w1 in %d (run of %.2f s, status "
		  "%#x: %s%s)",
		  (int)c.pid, c.secs, c.status, c.outtext, c.errtext);
	CHECK_MSG(exited(&c, 0), "%s", c.errtext);
}

/* A lost update is the lesson, a lost task is not. Left alone, the other
 * worker would need seconds: the run must stop it. */
TEST(race_a_killed_worker_makes_a_wrong_result)
{
	const struct workload_params p = {.tasks = 2, .ops = 4000000000u};
	struct child c;
	pid_t worker;

	if (!CHECK(child_start(&c, &race_processes, &p, 0) == 0))
		return;
	worker = wait_for_child_named(c.pid, "race-w1");
	if (CHECK_MSG(worker > 0, "no worker race-w1 under %d", (int)c.pid))
		kill(worker, SIGKILL);
	if (!CHECK(child_finish(&c) == 0))
		return;
	CHECK_MSG(exited(&c, 1), "status %#x, stderr: %s", c.status, c.errtext);
	CHECK_MSG(c.secs < 5, "the run went on for %.1f s", c.secs);
	CHECK_MSG(strstr(c.errtext, "race-w1 was killed by signal 9"),
		  "stderr: %s", c.errtext);
}

TEST(race_rejects_what_it_cannot_run)
{
	struct workload_params p = {.tasks = 2, .ops = 10, .cpus = ",0"};
	struct child c;

	if (run_child(&c, &race_processes, &p) == 0)
		CHECK_MSG(exited(&c, 1) && strstr(c.errtext, "bad CPU list"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	p.cpus = "0,";
	if (run_child(&c, &race_coroutines, &p) == 0)
		CHECK_MSG(exited(&c, 1) && strstr(c.errtext, "bad CPU list"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	p.cpus = NULL;
	p.tasks = 10001;
	if (run_child(&c, &race_threads, &p) == 0)
		CHECK_MSG(exited(&c, 1) && strstr(c.errtext, "at most"),
			  "status %#x, stderr: %s", c.status, c.errtext);
}
