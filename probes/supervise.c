/* supervise.c - the traced command's life, from start to reaping. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "probes/clock_ns.h"
#include "probes/marks.h"
#include "probes/run_error.h"
#include "probes/supervise.h"
#include "probes/tracer.h"

/* how long a killed group may take to be gone */
#define GROUP_GONE_NS (1000 * 1000 * 1000ULL)

void tracer_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGALRM);
}

int tracer_find_command(const char *cmd, char *err, size_t errlen)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(cmd, '/')) {
		if (access(cmd, X_OK) == 0)
			return 0;
		return run_error(err, errlen,
				 "run: cannot start %s: %s (check the path and "
				 "that it is executable)",
				 cmd, strerror(errno));
	}
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? p : ".", cmd);
		if (access(buf, X_OK) == 0)
			return 0;
		p += n + (p[n] == ':');
	}
	return run_error(err, errlen,
			 "run: cannot start %s: not found in PATH (give its "
			 "path, e.g. ./%s)",
			 cmd, cmd);
}

void supervise_init(struct supervised *s)
{
	memset(s, 0, sizeof(*s));
	s->release_w = s->exec_err_r = s->guard_w = s->sigfd = -1;
	s->memory_fd = -1;
	s->owns_tty =
		isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
}

int supervise_signals(struct supervised *s, char *err, size_t errlen)
{
	sigset_t mask;

	/* SIGCHLD too, to follow the command's stops */
	tracer_stop_signals(&s->mask);
	mask = s->mask;
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &s->oldmask);
	sigaction(SIGPIPE, &(struct sigaction){.sa_handler = SIG_IGN},
		  &s->old_sigpipe);
	s->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->sigfd < 0)
		return run_error(err, errlen, "run: signalfd: %s",
				 strerror(errno));
	return 0;
}

/* An interactive command gets the terminal, as a shell would give it: it
 * reads its input, and Ctrl-C reaches it (and its children) directly. */
static void hand_terminal(const struct supervised *s, pid_t pgrp)
{
	pid_t fg = tcgetpgrp(STDIN_FILENO);
	sigset_t ttou, old;

	/* only between lab and its command: a terminal the shell took back
	 * (lab stopped, then continued in the background) stays the shell's */
	if (!s->owns_tty || (fg != getpgrp() && fg != s->group))
		return;
	/* a background group changing the foreground gets SIGTTOU */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	tcsetpgrp(STDIN_FILENO, pgrp);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* The workload's end of the memory samples' socket (memory_watch.h)
 * stays open across exec, its number in LAB_MEMORY_FD. */
static void pass_memory_fd(int fd)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", fd);
	if (fcntl(fd, F_SETFD, 0) == 0)
		setenv(LAB_MEMORY_FD_ENV, num, 1);
}

/* Child: wait to be released, then become the command. */
static void child_main(const struct supervised *s, int release_r,
		       int exec_err_w, char *const *argv,
		       const struct identity *run_as)
{
	char c;
	int e;

	setpgid(0, 0);
	/* the command gets the signals lab holds back for itself */
	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
	sigprocmask(SIG_UNBLOCK, &s->mask, NULL);
	sigaction(SIGPIPE, &s->old_sigpipe, NULL);
	close(s->release_w);
	close(s->exec_err_r);
	if (run_as && identity_become(run_as)) {
		e = errno;
		if (write(exec_err_w, &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	if (read(release_r, &c, 1) != 1)
		_exit(127); /* the tracer gave up before releasing us */
	close(release_r);
	if (s->memory_fd >= 0)
		pass_memory_fd(s->memory_fd);
	execvp(argv[0], argv);
	e = errno;
	if (write(exec_err_w, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static int start_child(struct supervised *s, char *const *argv,
		       const struct identity *run_as, char *err, size_t errlen)
{
	int release[2], exec_err[2];

	if (pipe2(release, O_CLOEXEC) || pipe2(exec_err, O_CLOEXEC))
		return run_error(err, errlen, "run: pipe: %s", strerror(errno));
	s->release_w = release[1];
	s->exec_err_r = exec_err[0];
	s->child = fork();
	if (s->child < 0)
		return run_error(err, errlen, "run: fork: %s", strerror(errno));
	if (s->child == 0)
		child_main(s, release[0], exec_err[1], argv, run_as);
	/* both sides set the group, whichever runs first */
	setpgid(s->child, s->child);
	s->group = s->child;
	hand_terminal(s, s->child);
	close(release[0]);
	close(exec_err[1]);
	return 0;
}

/* The guard: a small process that outlives lab. Its pipe's other end
 * closes when lab exits in any way, SIGKILL included; a byte first means
 * lab cleaned up itself, end of file alone means the command's group is
 * left without its tracer, and the guard kills it. */
static void guard_main(int done_r, pid_t group)
{
	char c = 0;
	ssize_t n;

	/* nothing of lab's: the release pipe must see lab's death, and a
	 * pipe reading lab's output must not wait for the guard. The stop
	 * signals stay blocked as lab blocked them: a Ctrl-C for lab's
	 * group is lab's to handle. */
	if (done_r != 3 && dup2(done_r, 3) < 0)
		_exit(1);
	close_range(0, 2, 0);
	close_range(4, ~0U, 0);
	/* a session of its own: what kills lab's process group (kill -9
	 * -PGID, a terminal's hangup) must not take the guard with it */
	setsid();
	prctl(PR_SET_NAME, "lab-guard");
	do
		n = read(3, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || c != 'd')
		kill(-group, SIGKILL);
	_exit(0);
}

static int start_guard(struct supervised *s, char *err, size_t errlen)
{
	int done[2];

	if (pipe2(done, O_CLOEXEC))
		return run_error(err, errlen, "run: pipe: %s", strerror(errno));
	s->guard = fork();
	if (s->guard < 0) {
		close(done[0]);
		close(done[1]);
		return run_error(err, errlen, "run: fork: %s", strerror(errno));
	}
	if (s->guard == 0)
		guard_main(done[0], s->child);
	close(done[0]);
	s->guard_w = done[1];
	return 0;
}

/* lab's own cleanup has run: the guard leaves the group alone */
static void stop_guard(struct supervised *s)
{
	if (s->guard <= 0)
		return;
	if (write(s->guard_w, "d", 1) != 1)
		kill(s->guard, SIGKILL);
	close(s->guard_w);
	s->guard_w = -1;
	waitpid(s->guard, NULL, 0);
}

int supervise_start(struct supervised *s, char *const *argv,
		    const struct identity *run_as, char *err, size_t errlen)
{
	if (start_child(s, argv, run_as, err, errlen))
		return -1;
	return start_guard(s, err, errlen);
}

int supervise_release(struct supervised *s, char *const *argv, char *err,
		      size_t errlen)
{
	int e = 0;
	ssize_t n;

	/* EPIPE: the child failed before its release; its errno follows */
	if (write(s->release_w, "go", 1) != 1 && errno != EPIPE)
		return run_error(err, errlen, "run: releasing the command: %s",
				 strerror(errno));
	close(s->release_w);
	s->release_w = -1;
	/* EOF: exec succeeded and closed the pipe; else the child's errno */
	n = read(s->exec_err_r, &e, sizeof(e));
	if (n == sizeof(e))
		return run_error(err, errlen, "run: cannot start %s: %s",
				 argv[0], strerror(e));
	return 0;
}

/* Ctrl-Z stopped the command, which has the terminal: lab stops with
 * it, as a shell's job does, so the shell takes the terminal back; when
 * continued, lab continues the command. Without a terminal a stop is
 * someone else's business. */
static void follow_stop(const struct supervised *s)
{
	siginfo_t si = {0};

	if (waitid(P_PID, s->child, &si, WSTOPPED | WNOHANG) ||
	    si.si_pid != s->child || !s->owns_tty)
		return;
	hand_terminal(s, getpgrp());
	/* lab's whole group, as the terminal's Ctrl-Z would have stopped
	 * it: the shell sees the job stop (others of the job, a tee, may
	 * handle it as they would Ctrl-Z) */
	kill(0, SIGTSTP);
	/* continued: in the foreground (fg) the command gets the terminal
	 * again; in the background (bg, kill %1) it runs without it */
	hand_terminal(s, s->child);
	kill(-s->child, SIGCONT);
}

int supervise_take_signal(struct supervised *s)
{
	struct signalfd_siginfo si;

	if (read(s->sigfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGCHLD) {
		follow_stop(s);
		return 0;
	}
	return si.ssi_signo;
}

/* Only while the command is not reaped: until then its pid, the group's
 * id, cannot be given to another process, so the kill reaches no group
 * but the command's. */
void supervise_kill_group(const struct supervised *s)
{
	if (s->child > 0)
		kill(-s->child, SIGKILL);
}

int supervise_exited(struct supervised *s, int *status)
{
	siginfo_t si = {0};

	/* WNOWAIT: the command stays a zombie, its pid the group's */
	if (waitid(P_PID, s->child, &si, WEXITED | WNOWAIT | WNOHANG) ||
	    si.si_pid != s->child)
		return -1;
	if (si.si_code == CLD_EXITED)
		*status = W_EXITCODE(si.si_status, 0);
	else
		*status = si.si_status | (si.si_code == CLD_DUMPED ? 0x80 : 0);
	return 0;
}

int supervise_reap(struct supervised *s, struct rusage *ru)
{
	/* the guard goes first: once the pid is free it may be another
	 * group's, which a guard left behind by lab's death would kill */
	stop_guard(s);
	if (wait4(s->child, NULL, 0, ru) != s->child)
		return -1;
	s->child = 0;
	return 0;
}

/* A member of group other than its leader that has not exited: read
 * from /proc, since the leader, unreaped, keeps the group alive. */
static bool group_has_others(pid_t group)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		char path[64], buf[512], *p, state;
		int pgrp = 0, ppid;
		long pid = strtol(e->d_name, &p, 10);
		FILE *f;

		if (*p || pid <= 0 || pid == group)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		found = p &&
			sscanf(p + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 &&
			pgrp == group && state != 'Z';
	}
	if (d)
		closedir(d);
	return found;
}

void supervise_await_group(const struct supervised *s)
{
	uint64_t until = clock_ns(CLOCK_MONOTONIC) + GROUP_GONE_NS;

	while (group_has_others(s->group) && clock_ns(CLOCK_MONOTONIC) < until)
		usleep(5000);
}

/* A second Ctrl-C is still pending when the mask is restored and would
 * kill lab before its report: take it here; the first one decides. */
void supervise_take_pending(struct supervised *s, int *interrupted)
{
	struct signalfd_siginfo si;

	while (s->sigfd >= 0 && read(s->sigfd, &si, sizeof(si)) == sizeof(si))
		if (!*interrupted && si.ssi_signo != SIGCHLD)
			*interrupted = si.ssi_signo;
}

void supervise_end(struct supervised *s)
{
	if (s->child > 0) {
		kill(-s->child, SIGKILL);
		kill(s->child, SIGKILL);
		waitpid(s->child, NULL, 0);
	}
	stop_guard(s);
	hand_terminal(s, getpgrp());
}

void supervise_restore(struct supervised *s)
{
	int fds[] = {s->sigfd, s->release_w, s->exec_err_r};

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
	sigaction(SIGPIPE, &s->old_sigpipe, NULL);
}
