/* test_cli.c - the command line: every failure is one clear line and a
 * non-zero exit; the listings and help say what they should. Runs lab as
 * an unprivileged user where root is not the point. */
#include <stdio.h>
#include <string.h>
#include "test.h"

/* exactly one line, starting "lab: " */
static bool one_line(const char *out)
{
	const char *nl = strchr(out, '\n');

	return !strncmp(out, "lab: ", 5) && nl && nl[1] == 0;
}

static int lab(char *out, size_t len, const char *a, const char *b,
	       const char *c, const char *d)
{
	const char *argv[] = {test_lab_path(), a, b, c, d, NULL};

	return test_run(argv, out, len, true);
}

TEST(cli_version_and_help)
{
	char out[8192];

	CHECK_EQ(lab(out, sizeof(out), "--version", NULL, NULL, NULL), 0);
	CHECK(!strncmp(out, "lab ", 4));
	CHECK_EQ(lab(out, sizeof(out), "--help", NULL, NULL, NULL), 0);
	CHECK(strstr(out, "lab run") && strstr(out, "lab report"));
	CHECK_EQ(lab(out, sizeof(out), "help", "run", NULL, NULL), 0);
	CHECK(strstr(out, "--tasks") && strstr(out, "Exit: 0 ok"));
	CHECK_EQ(lab(out, sizeof(out), NULL, NULL, NULL, NULL), 2);
}

TEST(cli_unknown_workload_suggests_near_names)
{
	char out[4096];

	CHECK_EQ(lab(out, sizeof(out), "run", "io-thread", NULL, NULL), 2);
	CHECK_MSG(one_line(out) && strstr(out, "did you mean: io-threads"),
		  "%s", out);
	CHECK_EQ(lab(out, sizeof(out), "run", "zzzzzz", NULL, NULL), 2);
	CHECK_MSG(one_line(out) && strstr(out, "unknown workload 'zzzzzz'"),
		  "%s", out);
}

TEST(cli_bad_numbers_and_options)
{
	static const char *const bad[][3] = {
		{"--tasks", "-3", "--tasks '-3'"},
		{"--tasks", "12abc", "--tasks '12abc'"},
		{"--tasks", "0", "--tasks '0'"},
		{"--tasks", "99999999999", "--tasks '99999999999'"},
		{"--duration", "nan", "--duration 'nan'"},
		{"--duration", "-1", "--duration '-1'"},
		{"--frobnicate", "1", "unknown option '--frobnicate'"},
	};
	char out[4096];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(lab(out, sizeof(out), "run", "io-threads", bad[i][0],
			     bad[i][1]),
			 2);
		CHECK_MSG(one_line(out) && strstr(out, bad[i][2]), "%s %s: %s",
			  bad[i][0], bad[i][1], out);
	}
	CHECK_EQ(lab(out, sizeof(out), "run", "io-threads", "--tasks", NULL),
		 2);
	CHECK_MSG(one_line(out) && strstr(out, "needs a value"), "%s", out);
	CHECK_EQ(lab(out, sizeof(out), "run", "--", NULL, NULL), 2);
	CHECK_MSG(one_line(out), "%s", out);
	CHECK_EQ(lab(out, sizeof(out), "frob", NULL, NULL, NULL), 2);
	CHECK_MSG(one_line(out) && strstr(out, "unknown command 'frob'"), "%s",
		  out);
}

TEST(cli_run_without_root_says_to_use_sudo)
{
	char out[4096];

	CHECK_EQ(lab(out, sizeof(out), "run", "io-threads", NULL, NULL), 1);
	CHECK_MSG(one_line(out) && strstr(out, "sudo"), "%s", out);
}

TEST(cli_list_groups_by_scenario)
{
	char out[8192];

	CHECK_EQ(lab(out, sizeof(out), "list", NULL, NULL, NULL), 0);
	CHECK_MSG(strstr(out, "io (lab run io runs them all)"), "%s", out);
	for (const char *m =
		     "io-processes\0io-threads\0io-coroutines\0io-serial\0";
	     *m; m += strlen(m) + 1)
		CHECK_MSG(strstr(out, m), "lab list lacks %s", m);
}

TEST(cli_report_of_a_missing_trace_is_one_line)
{
	char out[4096];

	CHECK_EQ(lab(out, sizeof(out), "report", "/nonexistent/x.lab", NULL,
		     NULL),
		 1);
	CHECK_MSG(one_line(out), "%s", out);
	CHECK_EQ(lab(out, sizeof(out), "report", NULL, NULL, NULL), 2);
	CHECK_MSG(one_line(out), "%s", out);
}

TEST(cli_workload_runs_untraced_without_root)
{
	char out[8192];
	const char *argv[] = {
		test_lab_path(), "workload", "io-coroutines", "--tasks", "3",
		"--ops",	 "2",	     "--duration",    "0.02",	 NULL};

	CHECK_MSG(test_run(argv, out, sizeof(out), true) == 0, "%s", out);
}
