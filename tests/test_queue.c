/* test_queue.c - the queue scenario. Each workload runs in a forked child
 * whose stdout and stderr are kept, and which also checks that the run
 * left no child process and no extra thread behind. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "coro.h"
#include "queue.h"
#include "test.h"

#define LEFT_A_CHILD	100
#define LEFT_A_THREAD	101
#define CHILD_TIMEOUT_S 30

struct child {
	pid_t pid;
	int out, err; /* read ends of its stdout and stderr */
	int status;
	double secs;
	unsigned long long switches; /* the run's coroutine switches */
	char outtext[4096], errtext[4096];
	struct timespec t0;
};

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

/* Runs w, then appends "switches N" to its stdout. */
static __attribute__((noreturn)) void
child_main(const struct workload *w, const struct workload_params *p)
{
	uint64_t switches = coro_switches(); /* inherited from the tests */
	int rc = w->run(p);

	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
		rc = LEFT_A_CHILD;
	else if (threads_of_self() != 1)
		rc = LEFT_A_THREAD;
	printf("switches %llu\n",
	       (unsigned long long)(coro_switches() - switches));
	fflush(stdout);
	_exit(rc);
}

static int child_start(struct child *c, const struct workload *w,
		       const struct workload_params *p)
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
		child_main(w, p);
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

/* Waits at most CHILD_TIMEOUT_S; returns 0 when the child exited by
 * itself, -2 when it had to be killed. */
static int child_finish(struct child *c)
{
	const char *sw;
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
	slurp(c->out, c->outtext, sizeof(c->outtext));
	slurp(c->err, c->errtext, sizeof(c->errtext));
	sw = strstr(c->outtext, "switches ");
	if (sw)
		c->switches = strtoull(sw + 9, NULL, 10);
	return hung ? -2 : 0;
}

static int run_child(struct child *c, const struct workload *w,
		     const struct workload_params *p)
{
	if (child_start(c, w, p) != 0) {
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

/* pid of a process whose parent is ppid and whose name is comm, or 0 */
static pid_t find_child_named(pid_t ppid, const char *comm)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char path[300], stat[512], *lp, *rp;
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
		*rp = '\0';
		if (strcmp(lp + 1, comm) == 0)
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

static const struct workload *const queue_family[] = {
	&queue_processes,
	&queue_threads,
	&queue_coroutines,
};

#define NQUEUE (sizeof(queue_family) / sizeof(queue_family[0]))

/* The result line: "<name>: N items, P producers, C consumers, ..." */
static int parse_items(const struct child *c, const char *name,
		       unsigned long *items, unsigned *prod, unsigned *cons)
{
	char head[64];
	const char *line;

	snprintf(head, sizeof(head), "%s: ", name);
	line = strstr(c->outtext, head);
	return line && sscanf(line + strlen(head),
			      "%lu items, %u producers, %u consumers", items,
			      prod, cons) == 3;
}

TEST(queue_every_variant_delivers_every_item_once)
{
	const struct workload_params p = {.tasks = 2, .ops = 3000};

	for (size_t i = 0; i < NQUEUE; i++) {
		const struct workload *w = queue_family[i];
		unsigned long items = 0;
		unsigned prod = 0, cons = 0;
		struct child c;

		if (run_child(&c, w, &p) != 0)
			continue;
		if (!CHECK_MSG(exited(&c, 0), "%s: status %#x, stderr: %s",
			       w->name, c.status, c.errtext))
			continue;
		CHECK_MSG(c.errtext[0] == '\0', "%s printed: %s", w->name,
			  c.errtext);
		if (!CHECK_MSG(parse_items(&c, w->name, &items, &prod, &cons),
			       "%s: no result line in: %s", w->name, c.outtext))
			continue;
		CHECK_EQ(items, (unsigned long)p.tasks * p.ops);
		CHECK_EQ(prod, p.tasks);
		CHECK_EQ(cons, p.tasks);
	}
}

TEST(queue_odd_sizes_work_too)
{
	/* one item; more tasks than the queue has slots' worth of items */
	const struct workload_params ps[] = {
		{.tasks = 1, .ops = 1},
		{.tasks = 5, .ops = 7},
	};

	for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++)
		for (size_t i = 0; i < NQUEUE; i++) {
			struct child c;

			if (run_child(&c, queue_family[i], &ps[k]) != 0)
				continue;
			CHECK_MSG(exited(&c, 0), "%s %u x %u: %s",
				  queue_family[i]->name, ps[k].tasks, ps[k].ops,
				  c.errtext);
		}
}

TEST(queue_coroutines_switch_only_in_user_space)
{
	const struct workload_params p = {.tasks = 2, .ops = 3000};
	struct child c;

	if (run_child(&c, &queue_coroutines, &p) != 0 ||
	    !CHECK_MSG(exited(&c, 0), "%s", c.errtext))
		return;
	/* a full channel of 256 stops a producer at least once per 256 */
	CHECK_MSG(c.switches >= 2ull * p.tasks * p.ops / 256,
		  "%llu switches for %u items", c.switches, p.tasks * p.ops);
	if (run_child(&c, &queue_threads, &p) != 0)
		return;
	CHECK_EQ(c.switches, 0);
}

TEST(queue_tasks_carry_their_names)
{
	const struct workload_params p = {.tasks = 2, .ops = 400000};
	struct child c;
	int named = 0;

	if (!CHECK_MSG(child_start(&c, &queue_threads, &p) == 0, "start"))
		return;
	for (int i = 0; i < 3000 && !named; i++) {
		named = has_thread_named(c.pid, "queue-p1") &&
			has_thread_named(c.pid, "queue-c1");
		if (!named)
			usleep(500);
	}
	child_finish(&c);
	CHECK_MSG(named, "no threads queue-p1, queue-c1 in %d", (int)c.pid);
	CHECK_MSG(exited(&c, 0), "status %#x: %s", c.status, c.errtext);
}

/* A consumer killed with items in hand would leave the producers joined
 * for ever; the root must notice, end the rest and say who. */
TEST(queue_a_killed_process_fails_the_run_fast)
{
	const char *victims[] = {"queue-c1", "queue-p0"};
	const struct workload_params p = {.tasks = 2, .ops = 4000000};

	for (size_t k = 0; k < 2; k++) {
		struct child c;
		pid_t worker;

		if (!CHECK_MSG(child_start(&c, &queue_processes, &p) == 0,
			       "start"))
			return;
		worker = wait_for_child_named(c.pid, victims[k]);
		if (CHECK_MSG(worker > 0, "no %s under %d", victims[k],
			      (int)c.pid))
			kill(worker, SIGKILL);
		if (!CHECK_MSG(child_finish(&c) == 0, "hung"))
			return;
		CHECK_MSG(exited(&c, 1), "status %#x, stderr: %s", c.status,
			  c.errtext);
		CHECK_MSG(strstr(c.errtext, victims[k]) &&
				  strstr(c.errtext, "missing"),
			  "stderr: %s", c.errtext);
		/* 8 million items take seconds; the end came at once */
		CHECK_MSG(c.secs < 1.5, "took %.2f s", c.secs);
	}
}

TEST(queue_rejects_what_it_cannot_run)
{
	const struct workload_params p = {.tasks = 100000, .ops = 1};
	struct child c;

	if (run_child(&c, &queue_threads, &p) == 0)
		CHECK_MSG(exited(&c, 1) && strstr(c.errtext, "at most"),
			  "status %#x, stderr: %s", c.status, c.errtext);
}
