/* test_daemon.c - the daemon scenario. Each workload runs in a forked
 * child, which also checks that the run left no child process (no daemon,
 * no zombie) and no thread behind. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "coro.h"
#include "daemon.h"
#include "test.h"

/* CHECK_EQ evaluates its arguments twice (test and message), so calls
 * with side effects go through CHECK_CALL, which evaluates once. */
#define CHECK_CALL(call, want)                                                 \
	check_call((long long)(call), (long long)(want), #call, __FILE__,      \
		   __LINE__)

static bool check_call(long long got, long long want, const char *expr,
		       const char *file, int line)
{
	return test_check(got == want, file, line,
			  "%s: got %lld, expected %lld", expr, got, want);
}

#define LEFT_A_CHILD	100
#define LEFT_A_THREAD	101
#define CHILD_TIMEOUT_S 30

struct child {
	pid_t pid;
	int sw, out, err; /* read ends: the switch count, stdout, stderr */
	int status;
	double secs;
	uint64_t switches;
	char outtext[4096];
	char errtext[4096];
	struct timespec t0;
};

/* ticks of 20 ms, zombies held 30 ms */
static const struct workload_params small = {
	.tasks = 2, .ops = 3, .duration_s = 0.06};

static const struct workload *const daemon_family[] = {
	&daemon_processes,
	&daemon_threads,
	&daemon_coroutines,
};

#define NFAMILY (sizeof(daemon_family) / sizeof(daemon_family[0]))

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int threads_of_self(void)
{
	DIR *d = opendir("/proc/self/task");
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

static __attribute__((noreturn)) void
child_main(const struct workload *w, const struct workload_params *p,
	   rlim_t nofile, int sw)
{
	uint64_t switches = coro_switches(); /* inherited from the tests */
	int rc;

	if (nofile) {
		struct rlimit rl = {nofile, nofile};

		setrlimit(RLIMIT_NOFILE, &rl);
	}
	rc = w->run(p);
	switches = coro_switches() - switches;
	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
		rc = LEFT_A_CHILD;
	else if (threads_of_self() != 1)
		rc = LEFT_A_THREAD;
	if (write(sw, &switches, sizeof(switches)) != sizeof(switches))
		rc = 2;
	fflush(stdout);
	_exit(rc);
}

static void close_pair(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

/* nofile: a descriptor limit for the child, 0 to keep ours */
static int child_start(struct child *c, const struct workload *w,
		       const struct workload_params *p, rlim_t nofile)
{
	int sw[2], out[2], err[2];

	memset(c, 0, sizeof(*c));
	c->status = -1;
	if (pipe2(sw, O_CLOEXEC) != 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) != 0) {
		close_pair(sw);
		return -1;
	}
	if (pipe2(err, O_CLOEXEC) != 0) {
		close_pair(sw);
		close_pair(out);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	c->pid = fork();
	if (c->pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		child_main(w, p, nofile, sw[1]);
	}
	close(sw[1]);
	close(out[1]);
	close(err[1]);
	c->sw = sw[0];
	c->out = out[0];
	c->err = err[0];
	if (c->pid < 0) {
		close(c->sw);
		close(c->out);
		close(c->err);
		return -1;
	}
	return 0;
}

static void slurp(int fd, char *buf, size_t len)
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
	if (read(c->sw, &c->switches, sizeof(c->switches)) !=
	    sizeof(c->switches))
		c->switches = 0;
	close(c->sw);
	slurp(c->out, c->outtext, sizeof(c->outtext));
	slurp(c->err, c->errtext, sizeof(c->errtext));
	return hung ? -2 : 0;
}

/* 0 when the child ran and exited by itself; otherwise fails the test
 * saying why not. */
static int run_child(struct child *c, const struct workload *w,
		     const struct workload_params *p, rlim_t nofile)
{
	if (child_start(c, w, p, nofile) != 0) {
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

/* pid of a process whose parent is ppid and whose name is comm, or 0;
 * its state letter in *state when given */
static pid_t find_child(pid_t ppid, const char *comm, char *state)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char path[300], stat[512], *rp, *lp, st;
		FILE *f;
		int parent;
		size_t n;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		n = fread(stat, 1, sizeof(stat) - 1, f);
		fclose(f);
		stat[n] = '\0';
		lp = strchr(stat, '(');
		rp = strrchr(stat, ')');
		if (!lp || !rp || sscanf(rp, ") %c %d", &st, &parent) != 2 ||
		    parent != ppid)
			continue;
		if ((size_t)(rp - lp - 1) != strlen(comm) ||
		    strncmp(lp + 1, comm, strlen(comm)) != 0)
			continue;
		found = (pid_t)atoi(e->d_name);
		if (state)
			*state = st;
	}
	closedir(d);
	return found;
}

static pid_t wait_for_child_named(pid_t ppid, const char *comm)
{
	for (int i = 0; i < 3000; i++) {
		pid_t pid = find_child(ppid, comm, NULL);

		if (pid)
			return pid;
		usleep(1000);
	}
	return 0;
}

static int has_thread_named(pid_t pid, const char *comm)
{
	char path[300];
	DIR *d;
	struct dirent *e;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char name[64] = "";
		char file[600];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/comm", path, e->d_name);
		f = fopen(file, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f))
			name[strcspn(name, "\n")] = '\0';
		fclose(f);
		found = strcmp(name, comm) == 0;
	}
	closedir(d);
	return found;
}

static int wait_for_threads(pid_t pid, const char *const names[], size_t n)
{
	for (int i = 0; i < 3000; i++) {
		size_t have = 0;

		while (have < n && has_thread_named(pid, names[have]))
			have++;
		if (have == n)
			return 1;
		usleep(1000);
	}
	return 0;
}

/* The figure after "what" in the line of stdout that has it, or -1 */
static double figure_after(const struct child *c, const char *what)
{
	const char *at = strstr(c->outtext, what);
	double v;

	if (!at || sscanf(at + strlen(what), "%lf", &v) != 1)
		return -1;
	return v;
}

TEST(daemon_every_variant_shows_its_lessons_and_cleans_up)
{
	/* each variant's two lessons, as it reports them */
	static const char *const lesson[NFAMILY][2] = {
		{"stayed zombies (state Z) ", "SIGTERM ended it"},
		{"unjoined ", "looping at exit; exit ended it"},
		{"saw its flag ", "mapped 0 new stacks"},
	};
	double hold_ms = small.duration_s / 2 * 1e3;
	double tick_ms = small.duration_s / small.ops * 1e3;

	for (size_t i = 0; i < NFAMILY; i++) {
		const struct workload *w = daemon_family[i];
		struct child c;
		double ms;

		if (run_child(&c, w, &small, 0) != 0)
			continue;
		/* 100: a daemon or zombie left behind; 101: a thread */
		if (!CHECK_MSG(exited(&c, 0), "%s: status %#x, stderr: %s",
			       w->name, c.status, c.errtext))
			continue;
		CHECK_MSG(c.errtext[0] == '\0', "%s printed: %s", w->name,
			  c.errtext);
		CHECK_MSG(strstr(c.outtext, lesson[i][1]), "%s: stdout: %s",
			  w->name, c.outtext);
		ms = figure_after(&c, lesson[i][0]);
		if (w == &daemon_coroutines) {
			/* the daemon wakes within a tick of main's end */
			CHECK_MSG(ms >= 0 && ms <= tick_ms + 100,
				  "%s: %.1f ms after main, tick %.1f ms",
				  w->name, ms, tick_ms);
			CHECK(c.switches > 0);
		} else {
			/* the zombie or unjoined thread waited the hold */
			CHECK_MSG(ms >= hold_ms, "%s: held %.1f ms < %.1f ms",
				  w->name, ms, hold_ms);
			CHECK_EQ(c.switches, 0);
		}
	}
}

TEST(daemon_zombie_and_daemon_seen_from_outside)
{
	const struct workload_params p = {
		.tasks = 1, .ops = 2, .duration_s = 0.2};
	struct child c;
	pid_t daemon, zombie = 0;
	char state = 0;

	if (!CHECK_CALL(child_start(&c, &daemon_processes, &p, 0), 0))
		return;
	daemon = wait_for_child_named(c.pid, "daemon-d");
	CHECK_MSG(daemon > 0, "no daemon-d under %d", (int)c.pid);
	/* the worker exits after 0.2 s and stays a zombie for 0.1 s */
	for (int i = 0; i < 3000 && state != 'Z'; i++) {
		zombie = find_child(c.pid, "daemon-w0", &state);
		if (state != 'Z')
			usleep(1000);
	}
	CHECK_MSG(zombie > 0 && state == 'Z',
		  "daemon-w0 under %d never seen as a zombie (state %c)",
		  (int)c.pid, state ? state : '-');
	if (!CHECK_CALL(child_finish(&c), 0))
		return;
	CHECK_MSG(exited(&c, 0), "status %#x, stderr: %s", c.status, c.errtext);
	/* ended and reaped, not orphaned to init */
	if (daemon > 0)
		CHECK_MSG(kill(daemon, 0) == -1 && errno == ESRCH,
			  "the daemon %d still exists", (int)daemon);
}

TEST(daemon_that_dies_early_is_a_wrong_result)
{
	const struct workload_params p = {
		.tasks = 1, .ops = 4, .duration_s = 0.2};
	struct child c;
	pid_t daemon;

	if (!CHECK_CALL(child_start(&c, &daemon_processes, &p, 0), 0))
		return;
	daemon = wait_for_child_named(c.pid, "daemon-d");
	if (CHECK_MSG(daemon > 0, "no daemon-d under %d", (int)c.pid))
		kill(daemon, SIGKILL);
	if (!CHECK_CALL(child_finish(&c), 0))
		return;
	/* 1, not 100: the dead daemon was reaped all the same */
	CHECK_MSG(exited(&c, 1), "status %#x, stderr: %s", c.status, c.errtext);
	CHECK_MSG(strstr(c.errtext, "gone before main ended"), "stderr: %s",
		  c.errtext);
}

TEST(daemon_threads_live_in_a_program_that_exits)
{
	const struct workload_params p = {
		.tasks = 2, .ops = 4, .duration_s = 0.2};
	static const char *const threads[] = {"daemon-d", "daemon-w0",
					      "daemon-w1"};
	struct child c;
	pid_t prog;

	if (!CHECK_CALL(child_start(&c, &daemon_threads, &p, 0), 0))
		return;
	prog = wait_for_child_named(c.pid, "daemon-prog");
	if (CHECK_MSG(prog > 0, "no daemon-prog under %d", (int)c.pid))
		CHECK_MSG(wait_for_threads(prog, threads, 3),
			  "no threads daemon-d, daemon-w0, daemon-w1 in %d",
			  (int)prog);
	child_finish(&c);
	CHECK_MSG(exited(&c, 0), "status %#x: %s", c.status, c.errtext);

	/* a program that dies before its end is a wrong result */
	if (!CHECK_CALL(child_start(&c, &daemon_threads, &p, 0), 0))
		return;
	prog = wait_for_child_named(c.pid, "daemon-prog");
	if (CHECK_MSG(prog > 0, "no daemon-prog under %d", (int)c.pid))
		kill(prog, SIGKILL);
	if (!CHECK_CALL(child_finish(&c), 0))
		return;
	CHECK_MSG(exited(&c, 1) && strstr(c.errtext, "daemon-prog"),
		  "status %#x, stderr: %s", c.status, c.errtext);
}

TEST(daemon_rejects_a_bad_duration)
{
	struct workload_params bad = small;
	struct child c;

	bad.duration_s = -1;
	for (size_t i = 0; i < NFAMILY; i++)
		if (run_child(&c, daemon_family[i], &bad, 0) == 0)
			CHECK_MSG(exited(&c, 1) &&
					  strstr(c.errtext, "duration"),
				  "%s: status %#x, stderr: %s",
				  daemon_family[i]->name, c.status, c.errtext);
}
