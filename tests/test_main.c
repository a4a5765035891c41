/* test_main.c - runs the registered tests and prints one line each, then
 * "N passed, N failed, N skipped". Arguments select tests by substring. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <grp.h>
#include <unistd.h>
#include "test.h"

#define MAX_TESTS 512

struct test {
	const char *name;
	const char *file;
	test_fn fn;
};

static struct test tests[MAX_TESTS];
static int ntests;
static const struct test *current;
static int current_failed;
static const char *current_skip;
static char tmpdir[512];
static char lab_path[512];

void test_register(const char *name, test_fn fn, const char *file)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "tests: more than %d tests\n", MAX_TESTS);
		exit(2);
	}
	tests[ntests++] = (struct test){name, file, fn};
}

bool test_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	current_failed++;
	fprintf(stdout, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	return false;
}

void test_skip(const char *why)
{
	current_skip = why;
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

static int by_file_then_order(const void *a, const void *b)
{
	const struct test *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	return c ? c : (x < y ? -1 : x > y);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;
	const char *env = getenv("LAB");
	/* tests whose name contains it are skipped (make test-asan: speed
	 * comparisons there measure the sanitizers, not the models) */
	const char *skip = getenv("LAB_SKIP");

	snprintf(lab_path, sizeof(lab_path), "%s", env ? env : "build/lab");
	/* sudo make test: the tests that want sudo's identity play it
	 * themselves; lab run as root by the others stays root */
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	setvbuf(stdout, NULL, _IOLBF, 0);
	qsort(tests, ntests, sizeof(tests[0]), by_file_then_order);
	for (int i = 0; i < ntests; i++) {
		struct timespec a, b;

		if (!selected(&tests[i], argc, argv))
			continue;
		if (skip && *skip && strstr(tests[i].name, skip)) {
			skipped++;
			printf("SKIP %s: LAB_SKIP=%s\n", tests[i].name, skip);
			continue;
		}
		current = &tests[i];
		current_failed = 0;
		current_skip = NULL;
		clock_gettime(CLOCK_MONOTONIC, &a);
		current->fn();
		clock_gettime(CLOCK_MONOTONIC, &b);
		double ms = (b.tv_sec - a.tv_sec) * 1e3 +
			    (b.tv_nsec - a.tv_nsec) / 1e6;
		if (current_failed) {
			failed++;
			printf("FAIL %s (%.0f ms)\n", current->name, ms);
		} else if (current_skip) {
			skipped++;
			printf("SKIP %s: %s\n", current->name, current_skip);
		} else {
			passed++;
			printf("ok   %s (%.0f ms)\n", current->name, ms);
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
