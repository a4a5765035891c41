/* test_run_args.c - the options of lab run and lab workload, in
 * process: a generated corpus of repeated, missing and odd options (run
 * under ASan and UBSan by make test-asan), and the last given wins. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/run_args.h"
#include "tests/test.h"

/* Parses argv with stderr muted; returns what run_args_parse did. */
static int parse(const char *cmd, int argc, char **argv, struct run_args *a)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC), r;

	fflush(stderr);
	if (saved < 0 || null < 0 || dup2(null, 2) < 0) {
		close(saved);
		close(null);
		return -100;
	}
	memset(a, 0, sizeof(*a));
	r = run_args_parse(cmd, argc, argv, a);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(null);
	return r;
}

TEST(run_args_repeated_options_last_one_wins)
{
	const char *argv[] = {
		"run",	   "cpu-serial", "--tasks", "1", "--tasks", "2",
		"--tasks", "3",		 "--tasks", "4", "--tasks", "5",
		"--ops",   "7",		 "--ops",   "9", NULL};
	struct run_args a;
	int i = parse("run", 16, (char **)argv, &a);

	if (!CHECK_EQ(i, 15))
		return;
	CHECK_STR(argv[i], "cpu-serial");
	CHECK_EQ(a.params.tasks, 5);
	CHECK_STR(a.given[GIVEN_TASKS], "5");
	CHECK_EQ(a.params.ops, 9);
	CHECK_STR(a.given[GIVEN_OPS], "9");
	CHECK(!a.given[GIVEN_CPU] && !a.given[GIVEN_DURATION]);
	CHECK(run_args_any_given(&a));
}

/* Every option, repeated up to 40 times, alone and mixed, with good,
 * bad and missing values: a parse ends with an operand index inside
 * argv or a usage error, never out of bounds. */
TEST(run_args_generated_corpus)
{
	static const char *const opts[] = {
		"--tasks",
		"--ops",
		"--duration",
		"--cpu",
		"--timeout",
		"--repeat",
		"--ring-buffer",
		"-o",
		"--output",
		"--dry-run",
		"-v",
		"--creation-calls",
		"-h",
		"--",
		"-x",
		"--tasks=3",
	};
	static const char *const vals[] = {
		"1",   "0",	"-1",	"4096", "99999999999999999999",
		"",    "0,1",	"0,,1", "nan",	"1e308",
		"0.5", "--ops", "a",
	};
	const char *argv[200];
	unsigned int seed = 1, runs = 0, errors = 0;

	for (int round = 0; round < 4000; round++) {
		int argc = 0, n = 1 + (int)(rand_r(&seed) % 40);
		struct run_args a;

		argv[argc++] = "run";
		for (int k = 0; k < n && argc < 197; k++) {
			argv[argc++] = opts[rand_r(&seed) %
					    (sizeof(opts) / sizeof(opts[0]))];
			if (rand_r(&seed) % 8)
				argv[argc++] =
					vals[rand_r(&seed) %
					     (sizeof(vals) / sizeof(vals[0]))];
		}
		if (rand_r(&seed) % 2)
			argv[argc++] = "io-threads";
		argv[argc] = NULL;
		int r = parse(round % 2 ? "run" : "workload", argc,
			      (char **)argv, &a);

		if (!CHECK_MSG(r == -2 || (r >= 1 && r <= argc),
			       "round %d: %d for %d arguments", round, r, argc))
			return;
		runs++;
		errors += r < 0;
	}
	/* both outcomes were exercised */
	CHECK_MSG(errors > 0 && errors < runs, "%u usage errors in %u parses",
		  errors, runs);
}
