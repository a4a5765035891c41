/* workload_child.h - runs one workload in a forked child for the scenario
 * tests (test_cpu.c, test_gil.c, test_spawn.c): its exit status, stdout
 * and stderr, wall time and coroutine switches, and whether it left a
 * child process or a thread behind. Also finds workers by name in /proc.
 */
#ifndef LAB_WORKLOAD_CHILD_H
#define LAB_WORKLOAD_CHILD_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "coro.h"
#include "test.h"
#include "workload.h"

#define CHILD_LEFT_A_CHILD  100
#define CHILD_LEFT_A_THREAD 101
#define CHILD_TIMEOUT_S	    30

struct child {
	pid_t pid;
	int out, err, sw; /* read ends: stdout, stderr, the switch count */
	int status;
	double secs;
	uint64_t switches;
	char outtext[4096];
	char errtext[4096];
	size_t outlen, errlen;
	struct timespec t0;
};

/* An address-space limit for the child, above what it already maps:
 * enough for the workload's own allocations, too little for many thread
 * stacks. 0 keeps the limit as it is. */
struct child_limits {
	size_t as_headroom;
};

static inline double child_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static inline int child_threads_of_self(void)
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

static inline void child_limit_as(size_t headroom)
{
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	struct rlimit rl;

	if (!f)
		return;
	if (fscanf(f, "%lu", &pages) != 1)
		pages = 0;
	fclose(f);
	if (!pages)
		return;
	rl.rlim_cur = rl.rlim_max =
		(rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + headroom;
	setrlimit(RLIMIT_AS, &rl);
}

static inline __attribute__((noreturn)) void
child_main(const struct workload *w, const struct workload_params *p,
	   const struct child_limits *lim, int sw)
{
	uint64_t switches = coro_switches(); /* inherited from the tests */
	int rc;

	if (lim && lim->as_headroom)
		child_limit_as(lim->as_headroom);
	rc = w->run(p);
	switches = coro_switches() - switches;
	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
		rc = CHILD_LEFT_A_CHILD;
	else if (child_threads_of_self() != 1)
		rc = CHILD_LEFT_A_THREAD;
	fflush(stdout);
	if (write(sw, &switches, sizeof(switches)) != sizeof(switches))
		rc = 2;
	_exit(rc);
}

static inline void child_close_pair(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

/* lim: limits for the child, NULL for none */
static inline int child_start(struct child *c, const struct workload *w,
			      const struct workload_params *p,
			      const struct child_limits *lim)
{
	int out[2], err[2], sw[2];

	memset(c, 0, sizeof(*c));
	c->status = -1;
	if (pipe2(out, O_CLOEXEC) != 0)
		return -1;
	if (pipe2(err, O_CLOEXEC) != 0) {
		child_close_pair(out);
		return -1;
	}
	if (pipe2(sw, O_CLOEXEC) != 0) {
		child_close_pair(out);
		child_close_pair(err);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	c->pid = fork();
	if (c->pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		child_main(w, p, lim, sw[1]);
	}
	close(out[1]);
	close(err[1]);
	close(sw[1]);
	c->out = out[0];
	c->err = err[0];
	c->sw = sw[0];
	fcntl(c->out, F_SETFL, O_NONBLOCK);
	fcntl(c->err, F_SETFL, O_NONBLOCK);
	if (c->pid < 0) {
		close(c->out);
		close(c->err);
		close(c->sw);
		return -1;
	}
	return 0;
}

/* Reads what the child wrote so far, so that a full pipe never stops it. */
static inline void child_drain(int fd, char *buf, size_t size, size_t *len)
{
	char scrap[512];
	ssize_t n;

	for (;;) {
		if (*len + 1 < size)
			n = read(fd, buf + *len, size - 1 - *len);
		else
			n = read(fd, scrap, sizeof(scrap));
		if (n <= 0)
			break;
		if (*len + 1 < size)
			*len += (size_t)n;
	}
	buf[*len] = '\0';
}

/* Waits at most CHILD_TIMEOUT_S, so a hung workload fails the test instead
 * of stopping the suite. Returns 0 when the child exited by itself, -2
 * when it had to be killed. */
static inline int child_finish(struct child *c)
{
	int hung = 0;

	while (waitpid(c->pid, &c->status, WNOHANG) == 0) {
		child_drain(c->out, c->outtext, sizeof(c->outtext), &c->outlen);
		child_drain(c->err, c->errtext, sizeof(c->errtext), &c->errlen);
		if (child_since(&c->t0) > CHILD_TIMEOUT_S) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &c->status, 0);
			hung = 1;
			break;
		}
		usleep(500);
	}
	c->secs = child_since(&c->t0);
	child_drain(c->out, c->outtext, sizeof(c->outtext), &c->outlen);
	child_drain(c->err, c->errtext, sizeof(c->errtext), &c->errlen);
	if (read(c->sw, &c->switches, sizeof(c->switches)) !=
	    sizeof(c->switches))
		c->switches = 0;
	close(c->out);
	close(c->err);
	close(c->sw);
	return hung ? -2 : 0;
}

/* 0 when the child ran and exited by itself; otherwise fails the test
 * saying why not. */
static inline int child_run(struct child *c, const struct workload *w,
			    const struct workload_params *p,
			    const struct child_limits *lim)
{
	if (child_start(c, w, p, lim) != 0) {
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

static inline int child_exited(const struct child *c, int code)
{
	return c->status != -1 && WIFEXITED(c->status) &&
	       WEXITSTATUS(c->status) == code;
}

/* Runs w and checks it succeeded quietly; 0 when it did. */
static inline int child_run_ok(struct child *c, const struct workload *w,
			       const struct workload_params *p)
{
	if (child_run(c, w, p, NULL) != 0)
		return -1;
	if (!CHECK_MSG(child_exited(c, 0) && c->errtext[0] == '\0',
		       "%s: status %#x, stderr: %s", w->name, c->status,
		       c->errtext))
		return -1;
	return 0;
}

/* CPUs this process may run on */
static inline int child_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	return CPU_COUNT(&set);
}

static inline void *child_spin(void *arg)
{
	double *cpu = arg;
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (child_since(&t0) < 0.05)
		;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	*cpu = (double)t.tv_sec + (double)t.tv_nsec / 1e9;
	return NULL;
}

/* How many CPUs two spinning threads get right now: about 2 on an idle
 * two-CPU machine, less when other work holds one. Timing races between
 * the models need the CPUs free; when they lose, this says whether the
 * machine or the workload is to blame. */
static inline double child_cpus_free_now(void)
{
	double cpu[2] = {0, 0};
	pthread_t th[2];
	struct timespec t0;
	int made = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, child_spin, &cpu[i]) == 0)
			made++;
	for (int i = 0; i < made; i++)
		pthread_join(th[i], NULL);
	return (cpu[0] + cpu[1]) / child_since(&t0);
}

/* pid of a process whose parent is ppid and whose name is comm, or 0 */
static inline pid_t child_find_named(pid_t ppid, const char *comm)
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

static inline pid_t child_wait_for_named(pid_t ppid, const char *comm)
{
	for (int i = 0; i < 3000; i++) {
		pid_t pid = child_find_named(ppid, comm);

		if (pid)
			return pid;
		usleep(1000);
	}
	return 0;
}

static inline int child_has_thread_named(pid_t pid, const char *comm)
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

/* Waits until every name in comms is a thread of pid; 1 when they were. */
static inline int child_wait_for_threads(pid_t pid, const char *const *comms,
					 size_t n)
{
	for (int i = 0; i < 3000; i++) {
		size_t seen = 0;

		while (seen < n && child_has_thread_named(pid, comms[seen]))
			seen++;
		if (seen == n)
			return 1;
		usleep(1000);
	}
	return 0;
}

/* The number that follows the first occurrence of key in text, or -1. */
static inline double child_figure(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	double v;

	if (!p || sscanf(p + strlen(key), "%lf", &v) != 1)
		return -1;
	return v;
}

/* The number just before the first occurrence of key in text, or -1. */
static inline double child_figure_before(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	double v;

	if (!p)
		return -1;
	while (p > text && p[-1] == ' ')
		p--;
	while (p > text && strchr("0123456789.", p[-1]))
		p--;
	if (sscanf(p, "%lf", &v) != 1)
		return -1;
	return v;
}

#endif /* LAB_WORKLOAD_CHILD_H */
