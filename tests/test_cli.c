/* test_cli.c - the command line: every failure is one clear line and a
 * non-zero exit; the listings and help say what they should. Runs lab as
 * an unprivileged user where root is not the point. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/test.h"

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

/* Cpus_allowed_list of every task of pid into seen (comma-joined);
 * returns the number of tasks read. */
static int task_affinities(pid_t pid, char *seen, size_t len)
{
	char path[320], line[256];
	struct dirent *e;
	DIR *d;
	int n = 0;

	seen[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status",
			 (int)pid, e->d_name);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "Cpus_allowed_list:", 18)) {
				size_t used = strlen(seen);

				line[strcspn(line, "\n")] = '\0';
				snprintf(seen + used, len - used, "%s%s",
					 n ? "," : "",
					 line + 18 + strspn(line + 18, " \t"));
				n++;
			}
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

/* --cpu keeps every task of a run on the list, also in the scenarios
 * that do not place tasks one by one: the kernel's own affinity of each
 * thread, read while the workers run. */
TEST(cli_workload_keeps_every_task_to_its_cpu_list)
{
	static const char *const names[] = {"queue-threads", "pool-threads",
					    "io-threads"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char seen[1024] = "", now[1024];
		int status, most = 0;
		pid_t pid = fork();

		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, 1);
			dup2(null, 2);
			execl(test_lab_path(), "lab", "workload", names[i],
			      "--cpu", "0", "--tasks", "3", (char *)NULL);
			_exit(127);
		}
		/* the root confines itself before it creates a worker */
		while (waitpid(pid, &status, WNOHANG) == 0) {
			int n = task_affinities(pid, now, sizeof(now));

			if (n > 1 && n > most) {
				most = n;
				snprintf(seen, sizeof(seen), "%s", now);
			}
			usleep(2000);
		}
		CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			  "%s --cpu 0: status %#x", names[i], status);
		CHECK_MSG(most > 1, "%s: never saw its workers", names[i]);
		for (char *p = seen; *p; p += strcspn(p, ","), p += *p == ',')
			CHECK_MSG(!strncmp(p, "0", 1) && (p[1] == ',' || !p[1]),
				  "%s --cpu 0: threads allowed on %s", names[i],
				  seen);
	}
}
