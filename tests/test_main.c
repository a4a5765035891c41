/* test_main.c - runs the registered tests and prints one line each, then
 * "N passed, N failed, N skipped". Arguments select tests by substring. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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
	tests[ntests++] = (struct test){ name, file, fn };
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
	char cmd[600];

	snprintf(tmpdir, sizeof(tmpdir), "build/test-tmp/%s", current->name);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", tmpdir, tmpdir);
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

	snprintf(lab_path, sizeof(lab_path), "%s", env ? env : "build/lab");
	setvbuf(stdout, NULL, _IOLBF, 0);
	qsort(tests, ntests, sizeof(tests[0]), by_file_then_order);
	for (int i = 0; i < ntests; i++) {
		struct timespec a, b;

		if (!selected(&tests[i], argc, argv))
			continue;
		current = &tests[i];
		current_failed = 0;
		current_skip = NULL;
		clock_gettime(CLOCK_MONOTONIC, &a);
		current->fn();
		clock_gettime(CLOCK_MONOTONIC, &b);
		double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
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
