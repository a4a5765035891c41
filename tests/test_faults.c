/* test_faults.c - lab run and lab report when things go wrong around
 * them: a supervisor kills lab's whole group, a shell stops it with
 * Ctrl-Z, the disk fills up, a directory sits where an output goes, a
 * program starts more threads than the probes can track, a process leaves
 * the run, a report would overwrite its own trace, names carry terminal
 * escapes, a signal lab does not expect arrives. Each test bounds its
 * waits and kills, by pid, whatever it started before it returns. The
 * traced sleeps take durations no other test uses (27.x s, 2.04917 s):
 * they mark the processes of one test, and other tests' searches for
 * "sleep 30" never see them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <bpf/libbpf.h>
#include "tests/test.h"
#include "analyzer/trace_reader.h"
#include "probes/events.h"
#include "lab.skel.h" /* after events.h: it uses the record types */

#define OUT_MAX	 65536
#define MAX_PIDS 256
/* visible() shows the last 3000 bytes, each as 4 at most */
#define VIS_MAX 16384

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static int64_t get_int(struct json_object *o, const char *key)
{
	return json_object_get_int64(get(o, key));
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The test's fresh directory as an absolute path: it appears in lab's
 * command line, and marks the processes of this test alone. */
static const char *abs_tmpdir(void)
{
	static char dir[PATH_MAX];

	if (!realpath(test_tmpdir(), dir)) {
		fprintf(stderr, "tests: realpath: %s\n", strerror(errno));
		exit(2);
	}
	return dir;
}

/* s with control bytes (escapes above all) shown as \xNN, its last part
 * only when long: safe to print on the terminal that runs the tests */
static const char *visible(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s), used = 0;

	if (n > 3000)
		s += n - 3000;
	for (; *s && used + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			used += snprintf(buf + used, len - used, "\\x%02x", c);
		else
			buf[used++] = (char)c;
	}
	buf[used] = 0;
	return buf;
}

/* the first lines of s, as visible() shows them */
static const char *visible_head(const char *s, int lines, char *buf, size_t len)
{
	char head[2048];
	size_t n = 0;

	while (s[n] && n + 1 < sizeof(head) && lines > 0)
		lines -= s[n++] == '\n';
	snprintf(head, sizeof(head), "%.*s%s", (int)n, s, s[n] ? "..." : "");
	return visible(head, buf, len);
}

/* exactly one line of output */
static bool one_line(const char *out)
{
	const char *nl = strchr(out, '\n');

	return nl && nl[1] == 0 && nl != out;
}

/* some line of out holds both a and b */
static bool line_with(const char *out, const char *a, const char *b)
{
	for (const char *p = out; *p;) {
		size_t n = strcspn(p, "\n");
		char line[4096];

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (strstr(line, a) && (!b || strstr(line, b)))
			return true;
		p += n + (p[n] == '\n');
	}
	return false;
}

/* ---- processes ---- */

/* The command line of pid, its arguments joined by spaces. */
static bool cmdline_of(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	for (ssize_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[n] = 0;
	return true;
}

/* Session of pid, or 0 when it is gone (a zombie is). */
static pid_t session_of(pid_t pid)
{
	char path[64], buf[1024], *p, state = 0;
	int sid = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %*d %*d %d", &state, &sid) != 2 ||
	    state == 'Z')
		return 0;
	return sid;
}

/* Processes other than this one whose command line holds needle (begins
 * with it, after a leading '^'), or (with needle NULL) that belong to
 * session sid. */
static int find_procs(const char *needle, pid_t sid, pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char cmd[4096];
	int n = 0;

	while (d && n < max && (e = readdir(d))) {
		pid_t pid = atoi(e->d_name);

		if (pid <= 0 || pid == getpid())
			continue;
		if (needle ? cmdline_of(pid, cmd, sizeof(cmd)) &&
				     (needle[0] == '^'
					      ? !strncmp(cmd, needle + 1,
							 strlen(needle + 1))
					      : !!strstr(cmd, needle))
			   : session_of(pid) == sid)
			pids[n++] = pid;
	}
	if (d)
		closedir(d);
	return n;
}

static int count_procs(const char *needle)
{
	pid_t pids[MAX_PIDS];

	return find_procs(needle, 0, pids, MAX_PIDS);
}

/* How many processes holding needle are left after up to ms. */
static int wait_procs_gone(const char *needle, int ms)
{
	long long until = now_ms() + ms;
	int n;

	while ((n = count_procs(needle)) && now_ms() < until)
		usleep(10000);
	return n;
}

/* Kills, pid by pid, the processes holding needle (or of session sid)
 * until none is left, for 2 s at most. */
static void kill_procs(const char *needle, pid_t sid)
{
	long long until = now_ms() + 2000;
	pid_t pids[MAX_PIDS];
	int n;

	while ((n = find_procs(needle, sid, pids, MAX_PIDS)) &&
	       now_ms() < until) {
		for (int i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		usleep(10000);
	}
}

/* Waits up to ms for child pid; true once it is reaped. */
static bool wait_child(pid_t pid, int *status, int ms)
{
	long long until = now_ms() + ms;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
		if (now_ms() >= until)
			return false;
		usleep(5000);
	}
}

static void no_core_dumps(void)
{
	struct rlimit none = {0, 0};

	setrlimit(RLIMIT_CORE, &none);
}

static void take_output(int fd, char *out, size_t outlen, size_t *used)
{
	char chunk[4096];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0 ||
	       (n < 0 && errno == EINTR)) {
		if (n <= 0)
			continue;
		if ((size_t)n > outlen - 1 - *used)
			n = (ssize_t)(outlen - 1 - *used);
		memcpy(out + *used, chunk, n);
		*used += n;
	}
}

#define TIMED_OUT -2

/* Runs argv as test_run does (as root, stdout and stderr into out), in a
 * process group of its own with stdin on /dev/null; past limit_ms the
 * group is killed and TIMED_OUT returned. The wait ends with the
 * process, not with its output: a process that left the run may hold
 * the pipe. */
static int run_for(const char *const argv[], char *out, size_t outlen,
		   int limit_ms)
{
	long long until = now_ms() + limit_ms;
	int fds[2], status = 0;
	size_t used = 0;
	bool over = false;
	pid_t pid;

	out[0] = 0;
	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		no_core_dumps();
		dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	setpgid(pid, pid);
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd p = {.fd = fds[0], .events = POLLIN};

		poll(&p, 1, 20);
		take_output(fds[0], out, outlen, &used);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (now_ms() > until) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			over = true;
			break;
		}
	}
	usleep(20000);
	take_output(fds[0], out, outlen, &used);
	close(fds[0]);
	out[used] = 0;
	if (over)
		return TIMED_OUT;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Starts lab run -o dir -- /bin/sh -c script with its output in outfile,
 * in a process group of its own as a supervisor starts it (setpgid in
 * the child before exec), and waits until nsleeps processes holding
 * marker run. Returns lab's pid, or 0 (everything killed) if they never
 * did. */
static pid_t start_lab_group(const char *dir, const char *outfile,
			     const char *script, const char *marker,
			     int nsleeps)
{
	char needle[64];
	pid_t lab = fork();

	if (lab < 0)
		return 0;
	if (lab == 0) {
		int null = open("/dev/null", O_RDONLY);
		int out = open(outfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		setpgid(0, 0);
		no_core_dumps();
		dup2(null, 0);
		dup2(out, 1);
		dup2(out, 2);
		execl(test_lab_path(), "lab", "run", "-o", dir, "--", "/bin/sh",
		      "-c", script, (char *)NULL);
		_exit(127);
	}
	setpgid(lab, lab);
	/* the sleeps, not lab or the shell that hold marker too */
	snprintf(needle, sizeof(needle), "^sleep %s", marker);
	for (long long until = now_ms() + 5000; now_ms() < until;) {
		if (count_procs(needle) >= nsleeps)
			return lab;
		usleep(10000);
	}
	kill(-lab, SIGKILL);
	waitpid(lab, NULL, 0);
	kill_procs(marker, 0);
	kill_procs(dir, 0);
	return 0;
}

/* Names of files in dir ending in .tmp, hidden ones included; true if
 * any. */
static bool tmp_files_in(const char *dir, char *names, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t used = 0;

	names[0] = 0;
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n >= 4 && !strcmp(e->d_name + n - 4, ".tmp") &&
		    used + n + 2 < len)
			used += snprintf(names + used, len - used, "%s ",
					 e->d_name);
	}
	if (d)
		closedir(d);
	return used > 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(n + 1)) &&
	    fread(buf, 1, n, f) == (size_t)n) {
		buf[n] = 0;
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static bool spit(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(buf, 1, len, f) == len;

	if (f && fclose(f))
		ok = false;
	return ok;
}

/* ---- 1. a supervisor kills lab's process group ---- */

/* A supervisor (systemd, a CI runner, timeout -s KILL with --foreground
 * off) ends a job with kill -9 -- -PGID: lab and everything in lab's
 * group die at once, the guard included when it shares the group, and
 * the traced group must not outlive them. */
TEST(killing_labs_process_group_leaves_no_command_running)
{
	const char *why, *dir;
	char out[PATH_MAX + 32], buf[VIS_MAX];
	pid_t lab;
	int status, left, guards;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = abs_tmpdir();
	snprintf(out, sizeof(out), "%s/lab-output.txt", dir);
	lab = start_lab_group(dir, out, "sleep 27.123 & sleep 27.123", "27.123",
			      2);
	if (!CHECK_MSG(lab, "the sleeps never ran under lab"))
		return;
	kill(-lab, SIGKILL);
	if (!CHECK(wait_child(lab, &status, 2000))) {
		kill(lab, SIGKILL);
		waitpid(lab, NULL, 0);
	}
	left = wait_procs_gone("^sleep 27.123", 2000);
	guards = wait_procs_gone(dir, 500);
	CHECK_MSG(!left,
		  "%d sleep 27.123 of the run still running 2 s after "
		  "kill -9 -- -%d (lab's group)",
		  left, (int)lab);
	CHECK_MSG(!guards, "%d process(es) of lab itself still running",
		  guards);
	if (left || guards) {
		size_t len;
		char *text = slurp(out, &len);

		if (text && text[0])
			printf("    lab's output: %s\n",
			       visible(text, buf, sizeof(buf)));
		free(text);
	}
	kill_procs("27.123", 0);
	kill_procs(dir, 0);
}

/* ---- 2. Ctrl-Z in an interactive shell ---- */

enum tty_play {
	CTRL_Z_THEN_FG,	    /* Ctrl-Z, then fg: the run finishes */
	CTRL_Z_THEN_CTRL_C, /* Ctrl-Z, then Ctrl-C twice, then fg */
};

#define TTY_SLEEP    "2.04917" /* the traced command: sleep TTY_SLEEP */
#define TTY_SLEEP_MS 2049

/* The shell's report: what lab did, line by line. */
static void say(int fd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(int fd, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && write(fd, line, strlen(line)) < 0)
		_exit(1);
}

/* Waits up to ms for lab to stop or end, as bash's waitchld does with
 * WUNTRACED; 'S' stopped, 'X' ended (status in *status), 0 neither. */
static int shell_wait(pid_t lab, int *status, int ms)
{
	long long until = now_ms() + ms;

	for (;;) {
		pid_t r = waitpid(lab, status, WUNTRACED | WNOHANG);

		if (r == lab)
			return WIFSTOPPED(*status) ? 'S' : 'X';
		if (now_ms() >= until)
			return 0;
		usleep(5000);
	}
}

static void say_end(int report, int status, const char *when)
{
	if (WIFEXITED(status))
		say(report, "exit %d %s\n", WEXITSTATUS(status), when);
	else
		say(report, "signal %d %s\n", WTERMSIG(status), when);
}

/* bash's fg: the job gets the terminal back, then SIGCONT */
static void shell_fg(int tty, pid_t lab)
{
	tcsetpgrp(tty, lab);
	kill(-lab, SIGCONT);
}

/* The interactive shell, in a child of the test: a session of its own on
 * the pseudo-terminal, lab started as a foreground job the way bash
 * starts one (its own group, the terminal given to it by both sides,
 * the signals the shell ignores set back to default), then the keys of
 * play typed on the terminal. It reports each step on report. */
static void shell_main(enum tty_play play, int master, const char *slave,
		       const char *dir, int report)
{
	static const int ignored[] = {SIGTTOU, SIGTTIN, SIGTSTP, SIGINT,
				      SIGQUIT};
	int tty, status, what;
	pid_t lab;

	if (setsid() < 0 || (tty = open(slave, O_RDWR)) < 0 ||
	    ioctl(tty, TIOCSCTTY, 0) < 0) {
		say(report, "error the shell has no terminal: %s\n",
		    strerror(errno));
		_exit(1);
	}
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	lab = fork();
	if (lab == 0) {
		setpgid(0, 0);
		tcsetpgrp(tty, getpid());
		for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]);
		     i++)
			signal(ignored[i], SIG_DFL);
		dup2(tty, 0);
		dup2(tty, 1);
		dup2(tty, 2);
		close(tty);
		close(master);
		close(report);
		execl(test_lab_path(), "lab", "run", "-o", dir, "--", "sleep",
		      TTY_SLEEP, (char *)NULL);
		_exit(127);
	}
	setpgid(lab, lab);
	tcsetpgrp(tty, lab);
	for (long long until = now_ms() + 5000;
	     !count_procs("^sleep " TTY_SLEEP);) {
		if (now_ms() > until) {
			say(report, "error the command never ran\n");
			_exit(1);
		}
		usleep(10000);
	}
	usleep(100000);
	if (write(master, "\x1a", 1) != 1)
		_exit(1);
	what = shell_wait(lab, &status, 1500);
	if (what == 'X') {
		say_end(report, status, "on Ctrl-Z");
		_exit(0);
	}
	if (what == 'S') {
		say(report, "stopped\n");
		/* bash takes the terminal back and shows its prompt */
		tcsetpgrp(tty, getpgrp());
		if (play == CTRL_Z_THEN_CTRL_C) {
			/* the keys go to the shell now, which ignores them */
			if (write(master, "\x03", 1) != 1)
				_exit(1);
			usleep(100000);
			if (write(master, "\x03", 1) != 1)
				_exit(1);
		}
		usleep(300000);
		shell_fg(tty, lab);
		what = shell_wait(lab, &status, TTY_SLEEP_MS + 2000);
		if (what)
			say_end(report, status, "after fg");
		else
			say(report, "hang after fg\n");
		_exit(0);
	}
	/* lab went on (or hangs) with the terminal still its job's */
	say(report, "not stopped\n");
	if (play == CTRL_Z_THEN_CTRL_C) {
		if (write(master, "\x03", 1) != 1)
			_exit(1);
		usleep(100000);
		if (write(master, "\x03", 1) != 1)
			_exit(1);
	}
	what = shell_wait(lab, &status, TTY_SLEEP_MS + 2000);
	if (what == 'X')
		say_end(report, status,
			play == CTRL_Z_THEN_CTRL_C ? "after Ctrl-C" : "");
	else if (what == 'S')
		say(report, "stopped late\n");
	else
		say(report, "hang\n");
	_exit(0);
}

/* Runs play in a shell on a new pseudo-terminal; its report in rep, what
 * the terminal showed in screen. Kills everything of the session. */
static bool play_on_tty(enum tty_play play, const char *dir, char *rep,
			size_t replen, char *screen, size_t screenlen)
{
	size_t rused = 0, sused = 0;
	int master, fds[2];
	long long until;
	pid_t shell;
	bool eof = false;

	rep[0] = screen[0] = 0;
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) || unlockpt(master) ||
	    !ptsname(master) || pipe2(fds, O_CLOEXEC)) {
		if (master >= 0)
			close(master);
		return false;
	}
	shell = fork();
	if (shell == 0) {
		close(fds[0]);
		shell_main(play, master, ptsname(master), dir, fds[1]);
	}
	close(fds[1]);
	fcntl(master, F_SETFL, O_NONBLOCK);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	/* drain the terminal, so that lab never blocks writing to it */
	until = now_ms() + 8000 + 2 * TTY_SLEEP_MS;
	while (!eof && now_ms() < until) {
		struct pollfd p[2] = {{.fd = master, .events = POLLIN},
				      {.fd = fds[0], .events = POLLIN}};
		ssize_t n;

		poll(p, 2, 50);
		take_output(master, screen, screenlen, &sused);
		n = read(fds[0], rep + rused, replen - 1 - rused);
		if (n > 0)
			rused += n;
		else if (n == 0)
			eof = true;
	}
	rep[rused] = 0;
	screen[sused] = 0;
	/* what the shell started, whatever state it is in; lab's guard and
	 * the command may have left the session: by their command lines */
	kill_procs(NULL, shell);
	kill_procs("sleep " TTY_SLEEP, 0);
	kill_procs(dir, 0);
	if (!wait_child(shell, NULL, 2000)) {
		kill(shell, SIGKILL);
		waitpid(shell, NULL, 0);
	}
	close(fds[0]);
	close(master);
	return eof;
}

static void job_control(enum tty_play play)
{
	const char *why, *dir;
	char rep[2048], screen[8192], vis[VIS_MAX];
	bool stopped;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = abs_tmpdir();
	if (!CHECK_MSG(play_on_tty(play, dir, rep, sizeof(rep), screen,
				   sizeof(screen)),
		       "the shell itself hung; its report: %s", rep))
		return;
	if (!CHECK_MSG(!strstr(rep, "error"), "%s", rep))
		return;
	stopped = !strncmp(rep, "stopped\n", 8);
	if (play == CTRL_Z_THEN_FG)
		/* stopped, then resumed to the end; or the stop refused
		 * and the run finished by itself */
		CHECK_MSG(stopped ? !strcmp(rep, "stopped\nexit 0 after fg\n")
				  : !strncmp(rep, "not stopped\nexit ", 17),
			  "after Ctrl-Z the shell saw: %s(a stopped lab must "
			  "resume on fg and finish with exit 0; one that "
			  "refuses the stop must not hang)\nterminal: %s",
			  rep, visible(screen, vis, sizeof(vis)));
	else
		CHECK_MSG(
			stopped ? !strcmp(rep, "stopped\nexit 0 after fg\n") ||
					  !strcmp(rep,
						  "stopped\nexit 130 after "
						  "fg\n")
				: !strcmp(rep, "not stopped\nexit 130 after "
					       "Ctrl-C\n"),
			"Ctrl-Z then Ctrl-C twice: the shell saw: %s(lab "
			"must end: 130 after the Ctrl-Cs, or after fg)\n"
			"terminal: %s",
			rep, visible(screen, vis, sizeof(vis)));
	CHECK_MSG(!count_procs("sleep " TTY_SLEEP),
		  "the traced sleep survived the test's cleanup");
}

TEST(ctrl_z_in_a_shell_stops_lab_and_fg_resumes_the_run)
{
	job_control(CTRL_Z_THEN_FG);
}

TEST(ctrl_z_then_ctrl_c_twice_never_hangs)
{
	job_control(CTRL_Z_THEN_CTRL_C);
}

/* ---- 3. the disk fills up ---- */

#define FLOOD_OPS "200017" /* also marks the run's processes */

/* N of the summary's "wall ..., N events, ..." line; -1 if none. */
static long long events_shown(const char *text)
{
	const char *line = text, *ev, *p;
	long long n = 0;

	while (line && strncmp(line, "wall ", 5)) {
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	if (!line || !(ev = strstr(line, " event")) ||
	    memchr(line, '\n', ev - line))
		return -1;
	for (p = ev;
	     p > line && (p[-1] == ',' || (p[-1] >= '0' && p[-1] <= '9'));)
		p--;
	if (p == ev)
		return -1;
	for (; p < ev; p++)
		if (*p != ',')
			n = n * 10 + (*p - '0');
	return n;
}

TEST(a_full_disk_keeps_what_was_recorded)
{
	const char *why, *dir;
	char mnt[PATH_MAX + 16], trace[PATH_MAX + 64], copy[PATH_MAX + 16];
	char names[1024], *out = malloc(OUT_MAX), *rout = malloc(OUT_MAX);
	char *vis = malloc(VIS_MAX);
	char *data = NULL;
	size_t len = 0;
	int code;

	if (!out || !rout || !vis)
		goto free;
	if (!test_can_trace(&why)) {
		test_skip(why);
		goto free;
	}
	dir = abs_tmpdir();
	snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
	if (mkdir(mnt, 0755) ||
	    mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m")) {
		test_skip("cannot mount a tmpfs of 1 MiB");
		goto free;
	}
	const char *argv[] = {test_lab_path(),	  "run",   "-o",      mnt,
			      "pingpong-threads", "--ops", FLOOD_OPS, NULL};
	code = run_for(argv, out, OUT_MAX, 30000);
	visible(out, vis, VIS_MAX);
	if (!CHECK_MSG(code != TIMED_OUT, "lab ran past 30 s:\n%s", vis))
		goto umount;
	CHECK_MSG(code != 0 && code < 128, "exit %d:\n%s", code, vis);
	CHECK_MSG(line_with(out, "No space left on device", "recorded"),
		  "no line says the disk is full and that the trace holds "
		  "what was recorded:\n%s",
		  vis);
	snprintf(trace, sizeof(trace), "%s/pingpong-threads.lab", mnt);
	data = slurp(trace, &len);
	if (CHECK_MSG(data && len > 0, "no trace %s", trace)) {
		snprintf(copy, sizeof(copy), "%s/copy.lab", dir);
		CHECK(spit(copy, data, len));
		const char *report[] = {test_lab_path(), "report", copy, NULL};
		code = run_for(report, rout, OUT_MAX, 30000);
		visible(rout, vis, VIS_MAX);
		CHECK_MSG((code == 0 || code == 1) &&
				  strstr(rout, "pingpong-threads"),
			  "lab report of the trace exited %d:\n%s", code, vis);
		CHECK_MSG(strstr(rout, "INCOMPLETE"),
			  "the trace is not marked incomplete:\n%s", vis);
		/* the disk filled with events: some are in the trace */
		CHECK_MSG(events_shown(rout) > 0,
			  "the trace kept no events of the run:\n%s", vis);
	}
	CHECK_MSG(!tmp_files_in(mnt, names, sizeof(names)),
		  "temporary files left: %s", names);
	CHECK_MSG(!wait_procs_gone("pingpong-threads --ops " FLOOD_OPS, 2000),
		  "a process of the run is still running");
umount:
	kill_procs("pingpong-threads --ops " FLOOD_OPS, 0);
	if (umount2(mnt, 0) && umount2(mnt, MNT_DETACH))
		CHECK_MSG(0, "cannot unmount %s: %s", mnt, strerror(errno));
free:
	free(data);
	free(vis);
	free(rout);
	free(out);
}

/* ---- 4. a directory where an output goes ---- */

static void directory_in_the_way(const char *ext)
{
	const char *why, *dir;
	char out[8192], outdir[PATH_MAX + 16], blocker[PATH_MAX + 32],
		marker[PATH_MAX + 16], script[PATH_MAX + 32], vis[VIS_MAX];
	struct stat st;
	int code;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = abs_tmpdir();
	snprintf(outdir, sizeof(outdir), "%s/out", dir);
	snprintf(blocker, sizeof(blocker), "%s/sh.%s", outdir, ext);
	snprintf(marker, sizeof(marker), "%s/ran", dir);
	snprintf(script, sizeof(script), "touch '%s'", marker);
	if (!CHECK(mkdir(outdir, 0755) == 0 && mkdir(blocker, 0755) == 0))
		return;
	const char *argv[] = {test_lab_path(), "run", "-o",   outdir, "--",
			      "/bin/sh",       "-c",  script, NULL};
	code = run_for(argv, out, sizeof(out), 20000);
	visible(out, vis, sizeof(vis));
	CHECK_MSG(code > 0 && code < 124, "exit %d:\n%s", code, vis);
	CHECK_MSG(access(marker, F_OK) != 0,
		  "the command ran although %s is a directory:\n%s", blocker,
		  vis);
	CHECK_MSG(one_line(out) && strstr(out, blocker),
		  "not one line naming %s:\n%s", blocker, vis);
	CHECK_MSG(stat(blocker, &st) == 0 && S_ISDIR(st.st_mode),
		  "the directory %s is gone", blocker);
	kill_procs(dir, 0);
}

TEST(a_directory_at_the_trace_path_is_refused_before_the_run)
{
	directory_in_the_way("lab");
}

TEST(a_directory_at_the_json_path_is_refused_before_the_run)
{
	directory_in_the_way("json");
}

TEST(a_directory_at_the_html_path_is_refused_before_the_run)
{
	directory_in_the_way("html");
}

/* ---- 5. more threads than the probes can track ---- */

/* How many threads the probes hold: live ones in `threads`, exited ones
 * in `dead` (probes/lab.bpf.c); 0 if the probes cannot be opened. */
/* How many threads the probes' table holds over a run, 0 if unknown. */
static size_t probe_capacity(void)
{
	struct lab_bpf *skel = lab_bpf__open();
	size_t slots;

	if (!skel)
		return 0;
	slots = bpf_map__max_entries(skel->maps.threads);
	lab_bpf__destroy(skel);
	return slots;
}

#define FLOOD_BLOCKED 5000   /* threads alive at once */
#define FLOOD_OVER    3000   /* threads past what the table holds */
#define FLOOD_MAX     100000 /* more would not take a few seconds */

/* 5,000 threads alive at once, then as many created and joined as
 * overflow the probes' table of threads by 3,000 (32,768 today: 30,768
 * churned). */
TEST(untracked_threads_are_reported_loudly)
{
	const char *why, *dir;
	char json[PATH_MAX + 32], prog[PATH_MAX], blocked[16], churn[16];
	char *out = malloc(OUT_MAX), *vis = malloc(VIS_MAX);
	struct json_object *r = NULL, *t;
	size_t slots;
	int code;

	prog[0] = 0;
	if (!out || !vis)
		goto done;
	if (!test_can_trace(&why)) {
		test_skip(why);
		goto done;
	}
	slots = probe_capacity();
	if (!CHECK_MSG(slots > 0, "cannot open the probes to read their maps"))
		goto done;
	if (slots + FLOOD_OVER > FLOOD_MAX) {
		test_skip("the probes' maps hold too many threads to overflow "
			  "them in a few seconds");
		goto done;
	}
	dir = abs_tmpdir();
	if (!CHECK(realpath("build/tests/thread_flood", prog)))
		goto done;
	snprintf(blocked, sizeof(blocked), "%d", FLOOD_BLOCKED);
	snprintf(churn, sizeof(churn), "%zu",
		 slots + FLOOD_OVER - FLOOD_BLOCKED);
	const char *argv[] = {test_lab_path(), "run", "-o", dir, "--", prog,
			      blocked,	       churn, NULL};
	code = run_for(argv, out, OUT_MAX, 60000);
	visible(out, vis, VIS_MAX);
	if (!CHECK_MSG(code >= 0 && code < 124, "exit %d:\n%s", code, vis))
		goto done;
	CHECK_MSG(line_with(out, "UNTRACKED", NULL) ||
			  line_with(out, "not tracked", NULL),
		  "no UNTRACKED line in the summary:\n%s", vis);
	snprintf(json, sizeof(json), "%s/thread_flood.json", dir);
	r = json_object_from_file(json);
	if (!CHECK_MSG(r, "no report %s", json))
		goto done;
	t = get(r, "trace");
	CHECK_MSG(get_int(t, "untracked") > 0,
		  "%zu threads for a table of %zu, and trace.untracked "
		  "is %lld",
		  slots + FLOOD_OVER, slots,
		  (long long)get_int(t, "untracked"));
	CHECK_MSG(!json_object_get_boolean(get(t, "complete")),
		  "trace.complete is true with %lld threads untracked",
		  (long long)get_int(t, "untracked"));
done:
	if (prog[0])
		kill_procs(prog, 0);
	json_object_put(r);
	free(vis);
	free(out);
}

/* ---- 6. a process that leaves the run ---- */

#define ESCAPE_SLEEP "27.456"

/* A line naming pid and sleep, and saying that it outlived the run. */
static bool says_still_running(const char *out, const char *pid)
{
	static const char *const words[] = {"running", "escaped", "outliv",
					    "left", "alive"};

	for (const char *p = out; *p;) {
		size_t n = strcspn(p, "\n");
		char line[4096];

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strstr(line, pid) && strstr(line, "sleep") &&
			    strstr(line, words[i]))
				return true;
		p += n + (p[n] == '\n');
	}
	return false;
}

/* The kernel's sum of the sleep still in progress when the run ended
 * (the WAITS chunk of dir/sh.lab), against the report's timeline for the
 * same thread, which closes it at the run's end: equal. */
static void check_open_sleep(const char *dir, struct json_object *report,
			     pid_t sleeper)
{
	char path[PATH_MAX + 16], err[256];
	struct json_object *procs = get(report, "processes");
	struct trace_reader *tr = NULL;
	struct trace_chunk ch;
	int64_t timeline = -1, kernel = -1;

	for (size_t i = 0; i < json_object_array_length(procs); i++) {
		struct json_object *th =
			get(json_object_array_get_idx(procs, i), "threads");

		for (size_t j = 0; j < json_object_array_length(th); j++) {
			struct json_object *t =
				json_object_array_get_idx(th, j);

			if (get_int(t, "tid") == sleeper)
				timeline =
					get_int(get(t, "offcpu_ns"), "sleep");
		}
	}
	snprintf(path, sizeof(path), "%s/sh.lab", dir);
	if (!CHECK_MSG(!trace_reader_open_file(&tr, path, err, sizeof(err)),
		       "%s", err))
		return;
	while (trace_reader_next(tr, &ch, err, sizeof(err)) > 0) {
		const struct lab_wait *w = ch.data;

		for (size_t i = 0; ch.type == LAB_CHUNK_WAITS && i < ch.count;
		     i++)
			if (w[i].key.tid == (uint32_t)sleeper &&
			    w[i].key.kind == LAB_WAIT_BLOCKED &&
			    w[i].key.nr == SYS_clock_nanosleep)
				kernel = (int64_t)w[i].sum.total_ns;
	}
	trace_reader_free(tr);
	CHECK_MSG(timeline > 0 && kernel >= 0 &&
			  (kernel > timeline ? kernel - timeline
					     : timeline - kernel) <= 1000000,
		  "the sleep still running at the end: %lld ns by the "
		  "timeline, %lld by the kernel's sums",
		  (long long)timeline, (long long)kernel);
}

TEST(a_process_that_escapes_the_run_is_named)
{
	const char *why, *dir;
	char pidfile[PATH_MAX + 16], script[2 * PATH_MAX], json[PATH_MAX + 16];
	char cmd[256], num[32], *out = malloc(OUT_MAX), *vis = malloc(VIS_MAX);
	struct json_object *r = NULL, *still;
	bool named = false;
	pid_t escaped = 0;
	FILE *f;
	int code;

	if (!out || !vis)
		goto done;
	if (!test_can_trace(&why)) {
		test_skip(why);
		goto done;
	}
	dir = abs_tmpdir();
	snprintf(pidfile, sizeof(pidfile), "%s/escaped.pid", dir);
	/* the sleep leaves in a session of its own; the inner shell waits
	 * until it is sleep, not the shell's fork, and asleep, before the
	 * run ends */
	snprintf(script, sizeof(script),
		 "setsid sh -c \"sleep " ESCAPE_SLEEP " >/dev/null 2>&1 & "
		 "echo \\$! >'%s'; until grep -qx sleep /proc/\\$!/comm && "
		 "grep -q '^State:.S' /proc/\\$!/status; "
		 "do sleep 0.01; done\"; true",
		 pidfile);
	const char *argv[] = {test_lab_path(), "run", "-o",   dir, "--",
			      "/bin/sh",       "-c",  script, NULL};
	code = run_for(argv, out, OUT_MAX, 20000);
	visible(out, vis, VIS_MAX);
	f = fopen(pidfile, "r");
	if (f) {
		if (fscanf(f, "%d", &escaped) != 1)
			escaped = 0;
		fclose(f);
	}
	if (!CHECK_MSG(code == 0, "exit %d:\n%s", code, vis) ||
	    !CHECK_MSG(escaped > 0, "the escaping sleep did not start"))
		goto done;
	snprintf(num, sizeof(num), "%d", (int)escaped);
	/* the summary's table lists it as a traced process: a line of its
	 * own must say it is still there */
	CHECK_MSG(says_still_running(out, num),
		  "no line says the process is still running (%d, sleep):\n%s",
		  (int)escaped, vis);
	snprintf(json, sizeof(json), "%s/sh.json", dir);
	r = json_object_from_file(json);
	if (!CHECK_MSG(r, "no report %s", json))
		goto done;
	still = get(get(r, "trace"), "still_running");
	for (size_t i = 0; json_object_is_type(still, json_type_array) &&
			   i < json_object_array_length(still);
	     i++) {
		struct json_object *p = json_object_array_get_idx(still, i);
		const char *comm = json_object_get_string(get(p, "comm"));

		named |= get_int(p, "pid") == escaped && comm &&
			 !strcmp(comm, "sleep");
	}
	CHECK_MSG(json_object_is_type(still, json_type_array) && named,
		  "trace.still_running lacks {pid %d, comm sleep}: %s",
		  (int)escaped,
		  still ? json_object_to_json_string(still) : "(absent)");
	check_open_sleep(dir, r, escaped);
done:
	if (escaped > 0 && cmdline_of(escaped, cmd, sizeof(cmd)) &&
	    strstr(cmd, ESCAPE_SLEEP))
		kill(escaped, SIGKILL);
	kill_procs("sleep " ESCAPE_SLEEP, 0);
	json_object_put(r);
	free(vis);
	free(out);
}

/* ---- 7. a report that would overwrite its own trace ---- */

TEST(report_never_overwrites_the_trace_it_reads)
{
	const char *why, *dir;
	char trace[PATH_MAX + 16], dotted[PATH_MAX + 16], hard[PATH_MAX + 16];
	char soft[PATH_MAX + 16], out[8192], vis[VIS_MAX];
	char *orig = NULL, *now;
	size_t len = 0, nlen;
	int code;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = abs_tmpdir();
	const char *run[] = {test_lab_path(), "run", "-o", dir, "--",
			     "true",	      NULL};
	code = run_for(run, out, sizeof(out), 20000);
	snprintf(trace, sizeof(trace), "%s/true.lab", dir);
	orig = slurp(trace, &len);
	if (!CHECK_MSG(code == 0 && orig, "lab run exited %d:\n%s", code,
		       visible(out, vis, sizeof(vis)))) {
		free(orig);
		return;
	}
	snprintf(dotted, sizeof(dotted), "%s/./true.lab", dir);
	snprintf(hard, sizeof(hard), "%s/hard.lab", dir);
	snprintf(soft, sizeof(soft), "%s/soft.lab", dir);
	const struct {
		const char *opt, *path, *what;
	} cases[] = {
		{"--json", trace, "the same path"},
		{"--html", trace, "the same path"},
		{"--json", dotted, "another path to it"},
		{"--html", dotted, "another path to it"},
		{"--json", hard, "a hard link to it"},
		{"--html", soft, "a symbolic link to it"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[] = {test_lab_path(), "report",      trace,
				      cases[i].opt,    cases[i].path, NULL};

		/* each case starts from the original trace and links */
		unlink(hard);
		unlink(soft);
		if (!CHECK(spit(trace, orig, len)) ||
		    !CHECK(link(trace, hard) == 0) ||
		    !CHECK(symlink("true.lab", soft) == 0))
			break;
		code = run_for(argv, out, sizeof(out), 20000);
		visible_head(out, 3, vis, sizeof(vis));
		CHECK_MSG(code == 2 && one_line(out),
			  "lab report T %s %s (%s): exit %d, not one line of "
			  "refusal:\n%s",
			  cases[i].opt, cases[i].path, cases[i].what, code,
			  vis);
		now = slurp(trace, &nlen);
		CHECK_MSG(now && nlen == len && !memcmp(now, orig, len),
			  "lab report T %s %s (%s) changed the trace (%zu "
			  "bytes, was %zu)",
			  cases[i].opt, cases[i].path, cases[i].what,
			  now ? nlen : 0, len);
		free(now);
	}
	free(orig);
}

/* ---- 8. terminal escapes in names ---- */

/* No ESC or BEL from the traced names reaches lab's terminal. */
static bool clean_for_terminal(const char *out)
{
	return !strchr(out, 0x1b) && !strchr(out, 0x07);
}

/* The path of the only trace (*.lab) in dir; false if not one. */
static bool find_trace(const char *dir, char *path, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n > 4 && !strcmp(e->d_name + n - 4, ".lab") && !found++)
			snprintf(path, len, "%s/%s", dir, e->d_name);
	}
	if (d)
		closedir(d);
	return found == 1;
}

/* lab run -o outdir -- argv..., then lab report of its trace: neither
 * prints an escape or a bell. starts: the command can start. */
static void no_escapes(const char *outdir, const char *const cmd[], bool starts)
{
	const char *argv[16] = {test_lab_path(), "run", "-o", outdir, "--"};
	char *out = malloc(OUT_MAX), *vis = malloc(VIS_MAX);
	char trace[PATH_MAX + 64];
	size_t n = 5;
	int code;

	if (!out || !vis)
		goto done;
	for (; *cmd && n < 15; cmd++)
		argv[n++] = *cmd;
	argv[n] = NULL;
	code = run_for(argv, out, OUT_MAX, 20000);
	visible(out, vis, VIS_MAX);
	if (!CHECK_MSG(starts ? code == 0 : code == 1, "lab run exited %d:\n%s",
		       code, vis))
		goto done;
	CHECK_MSG(clean_for_terminal(out),
		  "an escape or bell from the names reached the terminal "
		  "(lab run):\n%s",
		  vis);
	if (!starts)
		goto done;
	/* the trace's name may be the program's made safe: the one .lab */
	if (!CHECK_MSG(find_trace(outdir, trace, sizeof(trace)),
		       "not one trace in %s", outdir))
		goto done;
	const char *report[] = {test_lab_path(), "report", trace, NULL};
	code = run_for(report, out, OUT_MAX, 20000);
	visible(out, vis, VIS_MAX);
	CHECK_MSG(code == 0, "lab report exited %d:\n%s", code, vis);
	CHECK_MSG(clean_for_terminal(out),
		  "an escape or bell from the trace reached the terminal "
		  "(lab report):\n%s",
		  vis);
done:
	free(vis);
	free(out);
}

#define CLEAR_SCREEN "t\x1b[2Jx"

TEST(an_escape_in_the_programs_name_never_reaches_the_terminal)
{
	const char *why, *dir;
	char prog[PATH_MAX + 32], outdir[PATH_MAX + 16], cmd[2 * PATH_MAX];

	if (!test_can_trace(&why))
		SKIP(why);
	dir = abs_tmpdir();
	snprintf(prog, sizeof(prog), "%s/" CLEAR_SCREEN, dir);
	snprintf(outdir, sizeof(outdir), "%s/out", dir);
	snprintf(cmd, sizeof(cmd), "cp /bin/true '%s'", prog);
	if (!CHECK_MSG(system(cmd) == 0, "cannot copy /bin/true"))
		return;
	const char *argv[] = {prog, NULL};
	no_escapes(outdir, argv, true);
}

TEST(an_escape_in_the_arguments_never_reaches_the_terminal)
{
	const char *why, *dir;
	char outdir[PATH_MAX + 16];

	if (!test_can_trace(&why))
		SKIP(why);
	dir = abs_tmpdir();
	snprintf(outdir, sizeof(outdir), "%s/out", dir);
	/* sets the terminal's title, then rings */
	const char *argv[] = {"/bin/true", "\x1b]0;pwned\x07", NULL};
	no_escapes(outdir, argv, true);
}

TEST(an_escape_in_a_command_that_cannot_start_never_reaches_the_terminal)
{
	const char *why, *dir;
	char outdir[PATH_MAX + 16];

	if (!test_can_trace(&why))
		SKIP(why);
	dir = abs_tmpdir();
	snprintf(outdir, sizeof(outdir), "%s/out", dir);
	const char *argv[] = {"/nonexistent/\x1b[31mred", NULL};
	no_escapes(outdir, argv, false);
}

/* ---- 9. signals lab did not expect ---- */

/* A fatal signal lab has no reason to die of silently ends the run as
 * SIGTERM does: 128+N, the trace and report written, marked incomplete,
 * no temporary file, nothing left running. */
static void unexpected_signal(int sig, const char *marker)
{
	const char *why, *dir;
	char outdir[PATH_MAX + 16], outfile[PATH_MAX + 16], json[PATH_MAX + 32],
		trace[PATH_MAX + 32], script[128], names[1024], vis[VIS_MAX];
	struct json_object *r;
	char *text = NULL;
	size_t len;
	pid_t lab;
	int status = 0, left;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = abs_tmpdir();
	snprintf(outdir, sizeof(outdir), "%s/out", dir);
	snprintf(outfile, sizeof(outfile), "%s/lab-output.txt", dir);
	snprintf(json, sizeof(json), "%s/sh.json", outdir);
	snprintf(script, sizeof(script), "sleep %s & sleep %s", marker, marker);
	lab = start_lab_group(outdir, outfile, script, marker, 2);
	if (!CHECK_MSG(lab, "the sleeps never ran under lab"))
		return;
	usleep(100000);
	kill(lab, sig);
	if (!CHECK_MSG(wait_child(lab, &status, 5000),
		       "lab still running 5 s after signal %d", sig)) {
		kill(-lab, SIGKILL);
		waitpid(lab, &status, 0);
		goto done;
	}
	text = slurp(outfile, &len);
	visible(text ? text : "", vis, sizeof(vis));
	if (WIFSIGNALED(status))
		CHECK_MSG(0, "lab was killed by signal %d (%s):\n%s",
			  WTERMSIG(status), strsignal(WTERMSIG(status)), vis);
	else
		CHECK_MSG(WEXITSTATUS(status) == 128 + sig,
			  "exit %d, expected %d:\n%s", WEXITSTATUS(status),
			  128 + sig, vis);
	r = json_object_from_file(json);
	if (CHECK_MSG(r, "no report %s", json)) {
		CHECK(!json_object_get_boolean(
			get(get(r, "trace"), "complete")));
		json_object_put(r);
	}
	snprintf(trace, sizeof(trace), "%s/sh.lab", outdir);
	CHECK_MSG(access(trace, R_OK) == 0, "no trace %s", trace);
	CHECK_MSG(!tmp_files_in(outdir, names, sizeof(names)),
		  "temporary files left: %s", names);
done:
	/* lab, its guard, the shell and the sleeps all hold marker */
	left = wait_procs_gone(marker, 2000);
	CHECK_MSG(!left, "%d process(es) of the run still running", left);
	kill_procs(marker, 0);
	kill_procs(dir, 0);
	free(text);
}

TEST(sigquit_ends_the_run_as_sigterm_does)
{
	unexpected_signal(SIGQUIT, "27.903");
}

TEST(sigusr1_ends_the_run_as_sigterm_does)
{
	unexpected_signal(SIGUSR1, "27.910");
}

TEST(sigusr2_ends_the_run_as_sigterm_does)
{
	unexpected_signal(SIGUSR2, "27.912");
}

TEST(sigalrm_ends_the_run_as_sigterm_does)
{
	unexpected_signal(SIGALRM, "27.914");
}
