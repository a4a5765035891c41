/* test_main.c - runs the registered tests, each in a process of its own
 * (see test.h), those declared TEST_AT_END last, and prints one line
 * each, then "N passed, N failed, N skipped". Arguments select tests by
 * substring of their name or file.
 *
 * A test's process reports to the runner through a pipe: its failure
 * lines as they come, why it skipped, and that it returned. The runner
 * waits for it up to its timeout, then kills it with every process it
 * started; a test that died, or exited before it returned, fails. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <grp.h>
#include <unistd.h>
#include "tests/test.h"

#define MAX_TESTS  512
#define MAX_AT_END 16
#define MAX_TREE   4096 /* processes a timed-out test may leave */
/* after a Ctrl-C, how long the running test has to end on its own */
#define INTERRUPT_GRACE_MS 5000

struct test {
	const char *name;
	const char *file;
	test_fn fn;
	int timeout_s;
	bool at_end; /* runs after every other */
};

static struct test tests[MAX_TESTS];
static int ntests;
static const struct test *current;
static char tmpdir[512];
static char lab_path[512];
static struct timespec run_start;
static void (*at_end[MAX_AT_END])(void);
static int nat_end;

/* In a test's process: the pipe to the runner, else -1. */
static int report_fd = -1;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

/* The records on that pipe: a type, the text's length, the text. */
enum { REC_FAIL = 'F', REC_SKIP = 'S', REC_DONE = 'D' };
struct rec_head {
	char type;
	uint32_t len;
} __attribute__((packed));

static void add_test(const char *name, test_fn fn, const char *file,
		     int timeout_s, bool last)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "tests: more than %d tests\n", MAX_TESTS);
		exit(2);
	}
	tests[ntests++] = (struct test){
		name, file, fn,
		timeout_s > 0 ? timeout_s : TEST_DEFAULT_TIMEOUT, last};
}

void test_register(const char *name, test_fn fn, const char *file,
		   int timeout_s)
{
	add_test(name, fn, file, timeout_s, false);
}

void test_register_at_end(const char *name, test_fn fn, const char *file,
			  int timeout_s)
{
	add_test(name, fn, file, timeout_s, true);
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the runner is gone */
		p += n;
		len -= n;
	}
}

/* One record, in one write where the pipe allows: the test's threads
 * take turns, and a process it forked does not cut into it. */
static void report(char type, const char *text, size_t len)
{
	struct rec_head h = {type, (uint32_t)len};
	char *rec = malloc(sizeof(h) + len);

	pthread_mutex_lock(&report_lock);
	if (rec) {
		memcpy(rec, &h, sizeof(h));
		memcpy(rec + sizeof(h), text, len);
		write_all(report_fd, rec, sizeof(h) + len);
	} else {
		write_all(report_fd, (const char *)&h, sizeof(h));
		write_all(report_fd, text, len);
	}
	pthread_mutex_unlock(&report_lock);
	free(rec);
}

bool test_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	char *msg = NULL, *text = NULL;
	va_list ap;
	int n;

	if (ok)
		return true;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	n = asprintf(&text, "    %s:%d: %s\n", file, line, n < 0 ? fmt : msg);
	if (n >= 0 && report_fd >= 0)
		report(REC_FAIL, text, n);
	else if (n >= 0)
		fputs(text, stdout);
	free(msg);
	free(text);
	return false;
}

void test_skip(const char *why)
{
	if (report_fd >= 0)
		report(REC_SKIP, why, strlen(why));
}

/* test_shared and test_at_end act on the runner's process */
static void in_runner(const char *what)
{
	if (report_fd >= 0) {
		fprintf(stderr, "tests: %s called in a test\n", what);
		exit(2);
	}
}

void *test_shared(size_t len)
{
	void *p;

	in_runner("test_shared");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "tests: no shared memory: %s\n",
			strerror(errno));
		exit(2);
	}
	return p;
}

void test_at_end(void (*fn)(void))
{
	in_runner("test_at_end");
	if (nat_end == MAX_AT_END) {
		fprintf(stderr, "tests: more than %d test_at_end\n",
			MAX_AT_END);
		exit(2);
	}
	at_end[nat_end++] = fn;
}

const char *test_tmpdir(void)
{
	char cmd[1100];

	snprintf(tmpdir, sizeof(tmpdir), "build/test-tmp/%s", current->name);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", tmpdir,
		 tmpdir);
	if (system(cmd) != 0) {
		fprintf(stderr, "tests: cannot create %s\n", tmpdir);
		exit(2);
	}
	return tmpdir;
}

struct timespec test_run_start(void)
{
	return run_start;
}

char *test_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0) {
		p = malloc((size_t)n + 1);
		rewind(f);
		if (p && fread(p, 1, (size_t)n, f) == (size_t)n) {
			p[n] = '\0';
		} else {
			free(p);
			p = NULL;
		}
	}
	fclose(f);
	return p;
}

const char *test_lab_path(void)
{
	return lab_path;
}

/* the unprivileged identity used to run lab without root */
#define TEST_UID 65534
#define TEST_GID 65534

int test_run(const char *const argv[], char *out, size_t outlen, bool as_user)
{
	int fds[2], status;
	size_t used = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		if (as_user && (setgroups(0, NULL) || setgid(TEST_GID) ||
				setuid(TEST_UID)))
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	/* keep reading past outlen so the child never blocks on a full pipe */
	for (;;) {
		char chunk[4096];

		n = read(fds[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((size_t)n > outlen - 1 - used)
			n = outlen - 1 - used;
		memcpy(out + used, chunk, n);
		used += n;
	}
	out[used] = 0;
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool test_can_trace(const char **why)
{
	if (getenv("LAB_UNIT_ONLY")) {
		*why = "LAB_UNIT_ONLY is set (make unit)";
		return false;
	}
	if (geteuid() != 0) {
		*why = "loading BPF programs needs root (run: sudo make test)";
		return false;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		*why = "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
		return false;
	}
	return true;
}

static int selected(const struct test *t, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strstr(t->name, argv[i]) || strstr(t->file, argv[i]))
			return 1;
	return 0;
}

/* the tests at the end after the others; then by file, in the order
 * they were declared */
static int by_file_then_order(const void *a, const void *b)
{
	const struct test *x = a, *y = b;
	int c = (x->at_end > y->at_end) - (x->at_end < y->at_end);

	if (!c)
		c = strcmp(x->file, y->file);
	return c ? c : (x < y ? -1 : x > y);
}

/* ---- the runner's side ---- */

/* the signal that ends the run (Ctrl-C, SIGTERM, a hangup), 0 if none */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	interrupted = sig;
}

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NSTOP (int)(sizeof(stop_signals) / sizeof(stop_signals[0]))

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* What a test's process reported. */
struct outcome {
	int failures;
	bool returned; /* the test function returned */
	char *skip;    /* why it skipped, or NULL */
	char *buf;     /* bytes read, not yet a whole record */
	size_t len, cap;
};

static void take_record(struct outcome *o, char type, const char *text,
			uint32_t len)
{
	switch (type) {
	case REC_FAIL:
		o->failures++;
		fwrite(text, 1, len, stdout);
		fflush(stdout);
		break;
	case REC_SKIP:
		free(o->skip);
		o->skip = strndup(text, len);
		break;
	case REC_DONE:
		o->returned = true;
		break;
	}
}

/* Reads what the pipe holds (it does not block); false at end of file. */
static bool take_reports(struct outcome *o, int fd)
{
	struct rec_head h;
	char chunk[4096];
	size_t used = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (o->len + n > o->cap) {
			size_t cap = (o->len + n) * 2;
			char *p = realloc(o->buf, cap);

			if (!p)
				break;
			o->buf = p;
			o->cap = cap;
		}
		memcpy(o->buf + o->len, chunk, n);
		o->len += n;
	}
	while (o->len - used >= sizeof(h)) {
		memcpy(&h, o->buf + used, sizeof(h));
		if (o->len - used - sizeof(h) < h.len)
			break;
		take_record(o, h.type, o->buf + used + sizeof(h), h.len);
		used += sizeof(h) + h.len;
	}
	if (used) {
		memmove(o->buf, o->buf + used, o->len - used);
		o->len -= used;
	}
	return n != 0;
}

/* The parent of pid, from /proc; -1 when it is gone. */
static pid_t parent_of(pid_t pid)
{
	char path[64], stat[512], *p;
	int fd, ppid;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	stat[n] = 0;
	/* "pid (comm) state ppid ...", where comm may hold anything */
	p = strrchr(stat, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

static bool listed(const pid_t *pids, int n, pid_t pid)
{
	for (int i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Kills a test's process and every process it started: lab, workload_table,
 * chromium, some in process groups or sessions of their own. All are
 * stopped first, so none forks or is orphaned while the tree is read. */
static void kill_tree(pid_t root)
{
	static pid_t tree[MAX_TREE];
	bool grew = true;
	int n = 0;

	tree[n++] = root;
	kill(root, SIGSTOP);
	while (grew && n < MAX_TREE) {
		DIR *d = opendir("/proc");
		struct dirent *e;

		grew = false;
		while (d && (e = readdir(d)) && n < MAX_TREE) {
			pid_t pid = (pid_t)strtol(e->d_name, NULL, 10);

			if (pid <= 0 || listed(tree, n, pid) ||
			    !listed(tree, n, parent_of(pid)))
				continue;
			kill(pid, SIGSTOP);
			tree[n++] = pid;
			grew = true;
		}
		if (d)
			closedir(d);
	}
	for (int i = 0; i < n; i++)
		kill(tree[i], SIGKILL);
	kill(-root, SIGKILL);
}

/* In the test's process: run it, tell the runner it returned. */
static void run_child(const struct test *t, int fd, const sigset_t *mask)
{
	int null = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	for (int i = 0; i < NSTOP; i++)
		signal(stop_signals[i], SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	/* a test in a background group reading a terminal would stop */
	if (null > 0) {
		dup2(null, 0);
		close(null);
	}
	report_fd = fd;
	current = t;
	t->fn();
	report(REC_DONE, "", 0);
	exit(0);
}

/* Runs t in a process of its own and prints its line; returns 1 passed,
 * 0 skipped, -1 failed. */
static int run_test(const struct test *t, const sigset_t *unblocked)
{
	struct outcome o = {0};
	long long start = now_ms(), deadline = start + t->timeout_s * 1000LL,
		  ms;
	bool timed_out = false, forwarded = false, open_pipe = true;
	int fds[2], pidfd, status = 0, result;
	siginfo_t info;
	pid_t pid;

	fflush(NULL);
	if (pipe2(fds, O_CLOEXEC)) {
		printf("FAIL %s (no pipe: %s)\n", t->name, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		run_child(t, fds[1], unblocked);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		printf("FAIL %s (no process: %s)\n", t->name, strerror(errno));
		return -1;
	}
	/* both sides set the group, whichever runs first */
	setpgid(pid, pid);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		struct pollfd p[2] = {{open_pipe ? fds[0] : -1, POLLIN, 0},
				      {pidfd, POLLIN, 0}};
		long long left = deadline - now_ms();
		struct timespec ts;

		info.si_pid = 0;
		if (!waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) &&
		    info.si_pid == pid)
			break;
		if (interrupted && !forwarded) {
			/* as a Ctrl-C would have: lab cleans up on its own */
			kill(-pid, interrupted);
			forwarded = true;
			if (deadline > now_ms() + INTERRUPT_GRACE_MS)
				deadline = now_ms() + INTERRUPT_GRACE_MS;
			continue;
		}
		if (left <= 0) {
			timed_out = !interrupted;
			kill_tree(pid);
			break;
		}
		/* without a pidfd, look for the end every 10 ms */
		if (pidfd < 0 && left > 10)
			left = 10;
		ts = (struct timespec){left / 1000, left % 1000 * 1000000};
		if (ppoll(p, 2, &ts, unblocked) > 0 && p[0].revents)
			open_pipe = take_reports(&o, fds[0]);
	}
	take_reports(&o, fds[0]);
	/* what the test left in its group; its pid is not free until reaped */
	kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pidfd >= 0)
		close(pidfd);
	close(fds[0]);
	ms = now_ms() - start;
	result = -1;
	if (timed_out) {
		printf("FAIL %s (timed out after %d s)\n", t->name,
		       t->timeout_s);
	} else if (WIFSIGNALED(status)) {
		printf("FAIL %s (killed by signal %d: %s)\n", t->name,
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else if (!o.returned) {
		printf("FAIL %s (exited with status %d before it returned)\n",
		       t->name, WEXITSTATUS(status));
	} else if (WEXITSTATUS(status)) {
		printf("FAIL %s (exited with status %d after it returned)\n",
		       t->name, WEXITSTATUS(status));
	} else if (o.failures) {
		printf("FAIL %s (%lld ms)\n", t->name, ms);
	} else if (o.skip) {
		result = 0;
		printf("SKIP %s: %s\n", t->name, o.skip);
	} else {
		result = 1;
		printf("ok   %s (%lld ms)\n", t->name, ms);
	}
	free(o.skip);
	free(o.buf);
	return result;
}

static void run_at_end(void)
{
	fflush(NULL);
	while (nat_end)
		at_end[--nat_end]();
}

/* Whether name contains one of the comma-separated parts of skip. */
static bool skipped_by(const char *name, const char *skip)
{
	while (skip && *skip) {
		size_t len = strcspn(skip, ",");
		char part[128];

		if (len && len < sizeof(part)) {
			memcpy(part, skip, len);
			part[len] = '\0';
			if (strstr(name, part))
				return true;
		}
		skip += len + (skip[len] == ',');
	}
	return false;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;
	const char *env = getenv("LAB");
	/* tests whose name contains one of its comma-separated parts are
	 * skipped (make test-asan: speed comparisons there measure the
	 * sanitizers, not the models) */
	const char *skip = getenv("LAB_SKIP");
	struct sigaction sa = {.sa_handler = on_interrupt};
	sigset_t stops, unblocked;

	clock_gettime(CLOCK_REALTIME, &run_start);
	snprintf(lab_path, sizeof(lab_path), "%s", env ? env : "build/lab");
	/* sudo make test: the tests that want sudo's identity play it
	 * themselves; lab run as root by the others stays root */
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* the stop signals arrive only while the runner waits for a test */
	sigemptyset(&stops);
	for (int i = 0; i < NSTOP; i++) {
		sigaddset(&stops, stop_signals[i]);
		sigaction(stop_signals[i], &sa, NULL);
	}
	sigprocmask(SIG_BLOCK, &stops, &unblocked);
	qsort(tests, ntests, sizeof(tests[0]), by_file_then_order);
	for (int i = 0; i < ntests && !interrupted; i++) {
		if (!selected(&tests[i], argc, argv))
			continue;
		if (skipped_by(tests[i].name, skip)) {
			skipped++;
			printf("SKIP %s: LAB_SKIP=%s\n", tests[i].name, skip);
			continue;
		}
		switch (run_test(&tests[i], &unblocked)) {
		case 1:
			passed++;
			break;
		case 0:
			skipped++;
			break;
		default:
			failed++;
		}
		/* a signal that came between tests */
		sigprocmask(SIG_SETMASK, &unblocked, NULL);
		sigprocmask(SIG_BLOCK, &stops, NULL);
	}
	run_at_end();
	if (interrupted) {
		fflush(NULL);
		signal(interrupted, SIG_DFL);
		sigprocmask(SIG_SETMASK, &unblocked, NULL);
		raise(interrupted);
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
