/* workload_child.c - one workload run in a forked child, watched from the
 * tests (see workload_child.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "workloads/coro/coro.h"
#include "tests/test.h"
#include "tests/workload_child.h"

/* how often and how many times to look for a worker by name: ~3 s */
#define NAME_POLL_US	1000
#define NAME_POLL_TRIES 3000
/* the unprivileged user a child limited in tasks runs as */
#define CHILD_NOBODY 65534

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

/* Whether the process is down to want threads within a second: a joined
 * thread can still be listed for a moment, as its joiner is woken on the
 * way out (by the kernel, or by qemu-user before its host thread ends). */
static bool threads_settle(int want)
{
	for (int i = 0; i < 1000; i++) {
		if (entries_of("/proc/self/task") == want)
			return true;
		usleep(1000);
	}
	return false;
}

/* Counted from what is mapped once the child has forked, so the headroom
 * means the same whatever the tests before it left mapped. */
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
	if (!pages)
		return;
	rl.rlim_cur = rl.rlim_max =
		(rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + headroom;
	setrlimit(RLIMIT_AS, &rl);
}

/* Tasks, threads included, whose real user is uid: what RLIMIT_NPROC
 * counts. */
static rlim_t tasks_of_user(uid_t uid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	rlim_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[300], line[128];
		unsigned long ruid = ULONG_MAX, threads = 0;
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Uid: %lu", &ruid) != 1)
				sscanf(line, "Threads: %lu", &threads);
		fclose(f);
		if (ruid == uid)
			n += threads;
	}
	closedir(d);
	return n;
}

/* Becomes user nobody, who may then start headroom tasks more than the
 * user has; counted afterwards, so this child is among them. 0 when it
 * did, else -1 with errno set. */
static int limit_tasks(rlim_t headroom)
{
	struct rlimit rl;
	rlim_t have;

	if (setgroups(0, NULL) != 0 || setgid(CHILD_NOBODY) != 0 ||
	    setuid(CHILD_NOBODY) != 0)
		return -1;
	have = tasks_of_user(CHILD_NOBODY);
	if (!have) {
		errno = ESRCH;
		return -1;
	}
	rl.rlim_cur = rl.rlim_max = have + headroom;
	return setrlimit(RLIMIT_NPROC, &rl);
}

static void apply_limits(const struct child_limits *lim)
{
	if (!lim)
		return;
	if (lim->as_headroom)
		limit_as(lim->as_headroom);
	if (lim->nofile) {
		struct rlimit rl = {lim->nofile, lim->nofile};

		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (lim->nproc_headroom && limit_tasks(lim->nproc_headroom) != 0) {
		fprintf(stderr,
			"cannot run as user %d with %llu more tasks: %s\n",
			CHILD_NOBODY, (unsigned long long)lim->nproc_headroom,
			strerror(errno));
		_exit(CHILD_NOT_LIMITED);
	}
}

static __attribute__((noreturn)) void
child_main(const struct workload *w, const struct workload_params *p,
	   const struct child_limits *lim, int sw)
{
	uint64_t switches = coro_switches(); /* inherited from the tests */
	/* 1, but for an emulator's own threads (qemu-user's RCU thread) */
	int rc, fds, threads = entries_of("/proc/self/task");

	apply_limits(lim);
	fds = lim && lim->same_fds ? entries_of("/proc/self/fd") : 0;
	rc = w->run(p);
	switches = coro_switches() - switches;
	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
		rc = CHILD_LEFT_A_CHILD;
	else if (!threads_settle(threads))
		rc = CHILD_LEFT_A_THREAD;
	else if (lim && lim->same_fds && entries_of("/proc/self/fd") != fds)
		rc = CHILD_LEFT_A_DESCRIPTOR;
	fflush(stdout);
	if (write(sw, &switches, sizeof(switches)) != sizeof(switches))
		rc = 2;
	_exit(rc);
}

static void close_pair(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

int child_start(struct child *c, const struct workload *w,
		const struct workload_params *p, const struct child_limits *lim)
{
	int out[2], err[2], sw[2];

	memset(c, 0, sizeof(*c));
	c->status = -1;
	if (pipe2(out, O_CLOEXEC) != 0)
		return -1;
	if (pipe2(err, O_CLOEXEC) != 0) {
		close_pair(out);
		return -1;
	}
	if (pipe2(sw, O_CLOEXEC) != 0) {
		close_pair(out);
		close_pair(err);
		return -1;
	}
	/* or what the tests printed so far comes out twice */
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
	if (c->pid < 0) {
		int saved = errno;

		close(out[0]);
		close(err[0]);
		close(sw[0]);
		errno = saved;
		return -1;
	}
	c->out = out[0];
	c->err = err[0];
	c->sw = sw[0];
	/* and the switch count: a killed child's own children may keep its
	 * write end open, and must not hang the test */
	fcntl(c->sw, F_SETFL, O_NONBLOCK);
	fcntl(c->out, F_SETFL, O_NONBLOCK);
	fcntl(c->err, F_SETFL, O_NONBLOCK);
	return 0;
}

/* Reads what the child wrote so far, so that a full pipe never stops it;
 * what does not fit in buf is read and dropped. */
static void drain(int fd, char *buf, size_t size, size_t *len)
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

int child_finish(struct child *c)
{
	uint64_t switches;
	int hung = 0;

	while (waitpid(c->pid, &c->status, WNOHANG) == 0) {
		drain(c->out, c->outtext, sizeof(c->outtext), &c->outlen);
		drain(c->err, c->errtext, sizeof(c->errtext), &c->errlen);
		if (since(&c->t0) > CHILD_TIMEOUT_S) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &c->status, 0);
			hung = 1;
			break;
		}
		usleep(500);
	}
	c->secs = since(&c->t0);
	drain(c->out, c->outtext, sizeof(c->outtext), &c->outlen);
	drain(c->err, c->errtext, sizeof(c->errtext), &c->errlen);
	if (read(c->sw, &switches, sizeof(switches)) == sizeof(switches))
		c->switches = switches;
	close(c->out);
	close(c->err);
	close(c->sw);
	return hung ? -2 : 0;
}

/* child_start, failing the test when it cannot */
static int start_checked(struct child *c, const struct workload *w,
			 const struct workload_params *p,
			 const struct child_limits *lim)
{
	if (child_start(c, w, p, lim) == 0)
		return 0;
	CHECK_MSG(0, "%s: cannot start: %s", w->name, strerror(errno));
	return -1;
}

/* child_finish, failing the test when the child hung */
static int finish_checked(struct child *c, const struct workload *w)
{
	if (child_finish(c) == 0)
		return 0;
	CHECK_MSG(0, "%s: still running after %d s", w->name, CHILD_TIMEOUT_S);
	return -1;
}

int child_run(struct child *c, const struct workload *w,
	      const struct workload_params *p, const struct child_limits *lim)
{
	if (start_checked(c, w, p, lim) != 0)
		return -1;
	return finish_checked(c, w);
}

int child_run_killing(struct child *c, const struct workload *w,
		      const struct workload_params *p, const char *comm)
{
	pid_t victim;

	if (start_checked(c, w, p, NULL) != 0)
		return -1;
	victim = child_wait_for_named(c->pid, comm);
	if (CHECK_MSG(victim > 0, "%s: no process %s under %d", w->name, comm,
		      (int)c->pid))
		kill(victim, SIGKILL);
	return finish_checked(c, w);
}

int child_exited(const struct child *c, int code)
{
	return c->status != -1 && WIFEXITED(c->status) &&
	       WEXITSTATUS(c->status) == code;
}

int child_run_ok(struct child *c, const struct workload *w,
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

pid_t child_find_named(pid_t ppid, const char *comm, char *state)
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
		/* the name may hold spaces and parentheses: it ends at the
		 * last ')' */
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

pid_t child_wait_for_named(pid_t ppid, const char *comm)
{
	for (int i = 0; i < NAME_POLL_TRIES; i++) {
		pid_t pid = child_find_named(ppid, comm, NULL);

		if (pid)
			return pid;
		usleep(NAME_POLL_US);
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

int child_wait_for_threads(pid_t pid, const char *const *comms, size_t n)
{
	for (int i = 0; i < NAME_POLL_TRIES; i++) {
		size_t seen = 0;

		while (seen < n && has_thread_named(pid, comms[seen]))
			seen++;
		if (seen == n)
			return 1;
		usleep(NAME_POLL_US);
	}
	return 0;
}

const char *child_result(const struct child *c, const char *name)
{
	char head[128];
	const char *line;

	snprintf(head, sizeof(head), "%s: ", name);
	line = strstr(c->outtext, head);
	return line ? line + strlen(head) : NULL;
}

double child_figure(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	double v;

	if (!p || sscanf(p + strlen(key), "%lf", &v) != 1)
		return -1;
	return v;
}

double child_figure_before(const char *text, const char *key)
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

int child_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	return CPU_COUNT(&set);
}

static void *spin(void *arg)
{
	double *cpu = arg;
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (since(&t0) < 0.05)
		;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	*cpu = (double)t.tv_sec + (double)t.tv_nsec / 1e9;
	return NULL;
}

double child_cpus_free_now(void)
{
	double cpu[2] = {0, 0};
	pthread_t th[2];
	struct timespec t0;
	int made = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&th[made], NULL, spin, &cpu[i]) == 0)
			made++;
	for (int i = 0; i < made; i++)
		pthread_join(th[i], NULL);
	return (cpu[0] + cpu[1]) / since(&t0);
}

int child_race(child_race_fn race, const struct workload_params *p, char *why,
	       size_t len)
{
	int ok = 0;

	for (int i = 0; i < CHILD_RACE_TRIES && ok == 0; i++)
		ok = race(p, why, len);
	/* the races need two CPUs free; when they lose, say whether the
	 * machine or the workload is to blame */
	if (ok == 0 && child_cpus() > 1 && child_cpus_free_now() < 1.6)
		return CHILD_RACE_BUSY;
	return ok;
}
