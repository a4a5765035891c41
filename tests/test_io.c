/* test_io.c - the io scenario and the workload registry. Each workload runs
 * in a forked child, which also checks that the run left no child process
 * and no extra thread behind. */
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
#include "io.h"
#include "test.h"

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

#define LEFT_A_CHILD	100
#define LEFT_A_THREAD	101
#define CHILD_TIMEOUT_S 30

struct child {
	pid_t pid;
	int out, err; /* read ends: the switch count, stderr */
	int status;
	double secs;
	uint64_t switches;
	char errtext[4096];
	struct timespec t0;
};

static const struct workload_params small = { .tasks = 3, .ops = 3, .duration_s = 0.03 };

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
	   rlim_t nofile, int out)
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
	if (write(out, &switches, sizeof(switches)) != sizeof(switches))
		rc = 2;
	_exit(rc);
}

/* nofile: a descriptor limit for the child, 0 to keep ours */
static int child_start(struct child *c, const struct workload *w,
		       const struct workload_params *p, rlim_t nofile)
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
		dup2(err[1], STDERR_FILENO);
		child_main(w, p, nofile, out[1]);
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

/* Waits at most CHILD_TIMEOUT_S, so a hung workload fails the test instead
 * of stopping the suite. Returns 0 when the child exited by itself, -2
 * when it had to be killed. */
static int child_finish(struct child *c)
{
	int hung = 0;
	ssize_t n;
	size_t got = 0;

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
	if (read(c->out, &c->switches, sizeof(c->switches)) !=
	    sizeof(c->switches))
		c->switches = 0;
	fcntl(c->err, F_SETFL, O_NONBLOCK);
	while (got + 1 < sizeof(c->errtext) &&
	       (n = read(c->err, c->errtext + got,
			 sizeof(c->errtext) - 1 - got)) > 0)
		got += (size_t)n;
	c->errtext[got] = '\0';
	close(c->out);
	close(c->err);
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

static const struct workload *const io_family[] = {
	&io_processes,
	&io_threads,
	&io_coroutines,
	&io_serial,
};

#define NFAMILY (sizeof(io_family) / sizeof(io_family[0]))

TEST(io_every_variant_succeeds_and_cleans_up)
{
	for (size_t i = 0; i < NFAMILY; i++) {
		struct child c;

		if (run_child(&c, io_family[i], &small, 0) != 0)
			continue;
		CHECK_MSG(exited(&c, 0), "%s: status %#x, stderr: %s",
			  io_family[i]->name, c.status, c.errtext);
		CHECK_MSG(c.errtext[0] == '\0', "%s printed: %s",
			  io_family[i]->name, c.errtext);
	}
}

TEST(io_coroutines_switch_in_user_space)
{
	struct child c;

	if (run_child(&c, &io_coroutines, &small, 0) != 0)
		return;
	if (!CHECK_MSG(exited(&c, 0), "status %#x: %s", c.status, c.errtext))
		return;
	/* every op parks its task at least twice: the timer, the echo */
	CHECK_MSG(c.switches >= 2ull * small.tasks * small.ops,
		  "%llu switches for %u ops", (unsigned long long)c.switches,
		  small.tasks * small.ops);
	/* the other models make none */
	if (run_child(&c, &io_threads, &small, 0) != 0)
		return;
	CHECK_EQ(c.switches, 0);
}

TEST(io_concurrent_variants_beat_serial)
{
	const struct workload_params p = { .tasks = 4, .ops = 3, .duration_s = 0.06 };
	struct child serial, c;
	double floor_s = p.tasks * p.duration_s;

	if (run_child(&serial, &io_serial, &p, 0) != 0 ||
	    !CHECK_MSG(exited(&serial, 0), "serial: %s", serial.errtext))
		return;
	/* one task after another cannot beat the sum of their sleeps */
	CHECK_MSG(serial.secs >= floor_s, "serial took %.3f s < %.3f s",
		  serial.secs, floor_s);
	for (size_t i = 0; i + 1 < NFAMILY; i++) {
		if (run_child(&c, io_family[i], &p, 0) != 0 ||
		    !CHECK_MSG(exited(&c, 0), "%s: %s", io_family[i]->name,
			       c.errtext))
			continue;
		CHECK_MSG(c.secs < 0.6 * serial.secs,
			  "%s took %.3f s, serial %.3f s", io_family[i]->name,
			  c.secs, serial.secs);
	}
}

/* pid of a process whose parent is ppid and whose name is comm, or 0 */
static pid_t find_child_named(pid_t ppid, const char *comm)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char path[300], stat[512], *rp;
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
		rp = strrchr(stat, ')');
		if (!rp || sscanf(rp, ") %*c %d", &parent) != 1 ||
		    parent != ppid)
			continue;
		if (strncmp(strchr(stat, '(') + 1, comm, strlen(comm)) == 0 &&
		    strchr(stat, '(')[1 + strlen(comm)] == ')')
			found = (pid_t)atoi(e->d_name);
	}
	closedir(d);
	return found;
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

TEST(io_workers_carry_their_names)
{
	const struct workload_params p = { .tasks = 2, .ops = 10, .duration_s = 0.5 };
	struct child c;
	int named = 0;

	if (!CHECK_CALL(child_start(&c, &io_processes, &p, 0), 0))
		return;
	CHECK_MSG(wait_for_child_named(c.pid, "io-w1"),
		  "no process io-w1 under %d", (int)c.pid);
	child_finish(&c);
	CHECK(exited(&c, 0));

	if (!CHECK_CALL(child_start(&c, &io_threads, &p, 0), 0))
		return;
	for (int i = 0; i < 3000 && !named; i++) {
		named = has_thread_named(c.pid, "io-w0") &&
			has_thread_named(c.pid, "io-w1");
		if (!named)
			usleep(1000);
	}
	CHECK_MSG(named, "no threads io-w0, io-w1 in %d", (int)c.pid);
	child_finish(&c);
	CHECK(exited(&c, 0));
}

TEST(io_a_killed_worker_makes_a_wrong_result)
{
	const struct workload_params p = { .tasks = 2, .ops = 20, .duration_s = 1.0 };
	struct child c;
	pid_t worker;

	if (!CHECK_CALL(child_start(&c, &io_processes, &p, 0), 0))
		return;
	worker = wait_for_child_named(c.pid, "io-w1");
	if (CHECK_MSG(worker > 0, "no worker io-w1 under %d", (int)c.pid))
		kill(worker, SIGKILL);
	if (!CHECK_CALL(child_finish(&c), 0))
		return;
	/* 1 = wrong result; no hang, no zombie left behind */
	CHECK_MSG(exited(&c, 1), "status %#x, stderr: %s", c.status, c.errtext);
	CHECK_MSG(strstr(c.errtext, "io-w1") && !strstr(c.errtext, "io-w0"),
		  "stderr: %s", c.errtext);
}

TEST(io_rejects_what_it_cannot_run)
{
	struct workload_params bad = small;
	struct child c;

	bad.duration_s = -1;
	if (run_child(&c, &io_serial, &bad, 0) == 0)
		CHECK_MSG(exited(&c, 1) && strstr(c.errtext, "duration"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	bad.duration_s = NAN;
	if (run_child(&c, &io_threads, &bad, 0) == 0)
		CHECK(exited(&c, 1));
	/* 100 tasks need more than 64 descriptors */
	bad = small;
	bad.tasks = 100;
	for (size_t i = 0; i < NFAMILY; i++) {
		if (run_child(&c, io_family[i], &bad, 64) != 0)
			continue;
		CHECK_MSG(exited(&c, 1) && strstr(c.errtext, "descriptors"),
			  "%s: status %#x, stderr: %s", io_family[i]->name,
			  c.status, c.errtext);
	}
}

TEST(registry_finds_workloads_and_scenarios)
{
	size_t n = 0;

	for (const struct workload *const *w = workloads; *w; w++, n++) {
		char expect[64];

		if (!CHECK((*w)->name && (*w)->scenario && (*w)->model &&
			   (*w)->summary && (*w)->run))
			continue;
		snprintf(expect, sizeof(expect), "%s-%s", (*w)->scenario,
			 (*w)->model);
		CHECK_STR((*w)->name, expect);
		CHECK(workload_find((*w)->name) == *w);
		CHECK(workload_is_scenario((*w)->scenario));
		CHECK(!workload_is_scenario((*w)->name));
		CHECK_MSG(strlen((*w)->summary) < 70, "%s: summary too long",
			  (*w)->name);
	}
	CHECK(n >= NFAMILY);
	for (size_t i = 0; i < NFAMILY; i++)
		CHECK(workload_find(io_family[i]->name) == io_family[i]);
	CHECK(workload_find("io-thread") == NULL);
	CHECK(workload_find("") == NULL);
	CHECK(workload_find(NULL) == NULL);
	CHECK(workload_is_scenario("io"));
	CHECK(!workload_is_scenario("i"));
	CHECK(!workload_is_scenario(NULL));
}
