/* test_net.c - the net scenario. Each workload runs in a forked child,
 * which also checks that the run left no child process and no thread
 * behind (the server thread included). */
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
#include "net.h"
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

/* delay 20 ms: a serial run waits 4 x 3 x 20 ms, a concurrent one 60 */
static const struct workload_params small = {
	.tasks = 4, .ops = 3, .duration_s = 0.06};

static const struct workload *const net_family[] = {
	&net_processes,
	&net_threads,
	&net_coroutines,
	&net_serial,
};

#define NFAMILY (sizeof(net_family) / sizeof(net_family[0]))

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

/* The figures a successful run prints: pages, seconds, ms per fetch. */
static int parse_result(const struct child *c, const char *name,
			unsigned *pages, double *fetch_ms)
{
	char fmt[128];
	double secs;

	snprintf(fmt, sizeof(fmt), "%s: %%u pages in %%lf s, %%lf ms", name);
	return sscanf(c->outtext, fmt, pages, &secs, fetch_ms) == 3 ? 0 : -1;
}

TEST(net_every_variant_fetches_every_page_and_cleans_up)
{
	double delay_ms = small.duration_s / small.ops * 1e3;

	for (size_t i = 0; i < NFAMILY; i++) {
		const struct workload *w = net_family[i];
		struct child c;
		unsigned pages = 0;
		double fetch_ms = 0;

		if (run_child(&c, w, &small, 0) != 0)
			continue;
		if (!CHECK_MSG(exited(&c, 0), "%s: status %#x, stderr: %s",
			       w->name, c.status, c.errtext))
			continue;
		CHECK_MSG(c.errtext[0] == '\0', "%s printed: %s", w->name,
			  c.errtext);
		if (!CHECK_MSG(parse_result(&c, w->name, &pages, &fetch_ms) ==
				       0,
			       "%s: stdout: %s", w->name, c.outtext))
			continue;
		CHECK_EQ(pages, small.tasks * small.ops);
		/* a fetch cannot beat the server's delay */
		CHECK_MSG(fetch_ms >= delay_ms && fetch_ms < 10 * delay_ms,
			  "%s: %.2f ms a fetch for a %.2f ms delay", w->name,
			  fetch_ms, delay_ms);
		/* every fetch parks its coroutine at least once, waiting for
		 * the reply: a switch away from it each time */
		if (w == &net_coroutines)
			CHECK_MSG(c.switches >=
					  (uint64_t)small.tasks * small.ops,
				  "%llu switches",
				  (unsigned long long)c.switches);
		else
			CHECK_EQ(c.switches, 0);
	}
}

TEST(net_concurrent_variants_beat_serial)
{
	const struct workload_params p = {
		.tasks = 5, .ops = 3, .duration_s = 0.06};
	struct child serial, c;

	if (run_child(&serial, &net_serial, &p, 0) != 0 ||
	    !CHECK_MSG(exited(&serial, 0), "serial: %s", serial.errtext))
		return;
	/* one client after another waits tasks x ops x delay */
	CHECK_MSG(serial.secs >= p.tasks * p.duration_s,
		  "serial took %.3f s < %.3f s", serial.secs,
		  p.tasks * p.duration_s);
	for (size_t i = 0; i + 1 < NFAMILY; i++) {
		const struct workload *w = net_family[i];

		if (run_child(&c, w, &p, 0) != 0 ||
		    !CHECK_MSG(exited(&c, 0), "%s: %s", w->name, c.errtext))
			continue;
		/* about ops x delay: the server answers all clients at once */
		CHECK_MSG(c.secs >= p.duration_s && c.secs < 0.5 * serial.secs,
			  "%s took %.3f s, serial %.3f s", w->name, c.secs,
			  serial.secs);
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
		char path[300], stat[512], *rp, *lp;
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
		if (!lp || !rp || sscanf(rp, ") %*c %d", &parent) != 1 ||
		    parent != ppid)
			continue;
		if ((size_t)(rp - lp - 1) == strlen(comm) &&
		    strncmp(lp + 1, comm, strlen(comm)) == 0)
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

TEST(net_clients_and_server_carry_their_names)
{
	const struct workload_params p = {
		.tasks = 2, .ops = 5, .duration_s = 0.3};
	static const char *const threads[] = {"net-server", "net-w0", "net-w1"};
	struct child c;

	if (!CHECK_CALL(child_start(&c, &net_processes, &p, 0), 0))
		return;
	CHECK_MSG(wait_for_child_named(c.pid, "net-w1"),
		  "no process net-w1 under %d", (int)c.pid);
	CHECK_MSG(wait_for_threads(c.pid, threads, 1),
		  "no thread net-server in %d", (int)c.pid);
	child_finish(&c);
	CHECK_MSG(exited(&c, 0), "status %#x: %s", c.status, c.errtext);

	if (!CHECK_CALL(child_start(&c, &net_threads, &p, 0), 0))
		return;
	CHECK_MSG(wait_for_threads(c.pid, threads, 3),
		  "no threads net-server, net-w0, net-w1 in %d", (int)c.pid);
	child_finish(&c);
	CHECK_MSG(exited(&c, 0), "status %#x: %s", c.status, c.errtext);
}

TEST(net_a_killed_client_makes_a_wrong_result)
{
	const struct workload_params p = {
		.tasks = 2, .ops = 10, .duration_s = 0.4};
	struct child c;
	pid_t client;

	if (!CHECK_CALL(child_start(&c, &net_processes, &p, 0), 0))
		return;
	client = wait_for_child_named(c.pid, "net-w1");
	if (CHECK_MSG(client > 0, "no client net-w1 under %d", (int)c.pid))
		kill(client, SIGKILL);
	if (!CHECK_CALL(child_finish(&c), 0))
		return;
	/* 1 = wrong result, naming the client; no hang, no child left */
	CHECK_MSG(exited(&c, 1), "status %#x, stderr: %s", c.status, c.errtext);
	CHECK_MSG(strstr(c.errtext, "net-w1") && !strstr(c.errtext, "net-w0"),
		  "stderr: %s", c.errtext);
	CHECK_MSG(c.outtext[0] == '\0', "a wrong run printed: %s", c.outtext);
}

TEST(net_rejects_what_it_cannot_run)
{
	struct workload_params bad = small;
	struct child c;

	bad.duration_s = -1;
	if (run_child(&c, &net_serial, &bad, 0) == 0)
		CHECK_MSG(exited(&c, 1) && strstr(c.errtext, "duration"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	bad.duration_s = NAN;
	if (run_child(&c, &net_threads, &bad, 0) == 0)
		CHECK(exited(&c, 1));
	/* 100 clients need more than 64 descriptors */
	bad = small;
	bad.tasks = 100;
	for (size_t i = 0; i < NFAMILY; i++) {
		if (run_child(&c, net_family[i], &bad, 64) != 0)
			continue;
		CHECK_MSG(exited(&c, 1) && strstr(c.errtext, "descriptors"),
			  "%s: status %#x, stderr: %s", net_family[i]->name,
			  c.status, c.errtext);
	}
}
