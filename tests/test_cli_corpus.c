/* test_cli_corpus.c - lab's command line against a generated corpus:
 * run, workload, report and export with their options repeated, missing
 * their values, given huge numbers, empty strings, 10,000-character
 * strings and "--" in odd places. Whatever the arguments, lab never dies
 * by a signal, and when it fails it says why in exactly one line,
 * "lab: ...", on stderr (a report of several traces: one line for each
 * trace it could not read). Runs as an unprivileged user; `run` never gets
 * to trace (no root), and the workload_table it may start are tiny. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/sudo_user.h"
#include "tests/test.h"
#include "tests/trace_file.h"

#define CASES	    150
#define MAX_TOKENS  24 /* of a generated line, not counting repeats */
#define LONG_LEN    10000
#define MAX_REPORTS 8 /* failures shown in full */

static char lab[4096];
static char long_str[LONG_LEN + 1];
static char long_path[LONG_LEN + 1];
static char out[1 << 16], err[1 << 16];
static uint64_t rnd = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 7;
	rnd ^= rnd << 17;
	return rnd;
}

#define PICK(a) ((a)[next() % (sizeof(a) / sizeof((a)[0]))])

/* values of every kind; "" and the long strings among them */
static const char *const values[] = {
	"1",
	"2",
	"0",
	"-1",
	"+1",
	"007",
	"99999999999",
	"18446744073709551616",
	"4294967297",
	"1e3",
	"0x10",
	"nan",
	"inf",
	"0.001",
	"-0.5",
	" 3",
	"3 ",
	"",
	"--",
	"-",
	"-o",
	"1,",
	",",
	"0,0",
	"%s%n",
	"\xff\xfe",
	NULL, /* long */
	NULL /* long path */,
};

static const char *value(void)
{
	size_t n = sizeof(values) / sizeof(values[0]);
	size_t i = next() % n;

	if (i == n - 2)
		return long_str;
	if (i == n - 1)
		return long_path;
	return values[i];
}

static const char *const run_opts[] = {
	"-o",	      "--output",
	"--output=",  "--tasks",
	"--tasks=2",  "--ops",
	"--duration", "--cpu",
	"--timeout",  "--ring-buffer",
	"--repeat",   "--creation-calls",
	"--dry-run",  "-v",
	"--verbose",  "--tas",
	"--frob",     "-x",
	"-",	      "--",
};
static const char *const run_names[] = {"cpu-serial", "io",  "spawn",
					"zzz",	      "cpu", "lock-threads"};

/* workload_table that end at once with --ops 1 --tasks 1 */
static const char *const workload_names[] = {"cpu-serial", "cpu-threads",
					     "cpu-coroutines", "zzz", "io"};
/* only small valid values: a workload may really run */
static const char *const small_values[] = {
	"1", "2", "0", "-1", "", "99999999999", "0.001", "nan", "0,0", "--",
};
static const char *const workload_opts[] = {
	"--tasks",   "--ops",	 "--duration", "--cpu", "-o", "--timeout",
	"--dry-run", "--repeat", "--frob",     "--",	"-v",
};

static const char *const report_opts[] = {
	"--json", "--html", "--json=", "--html=x.html",
	"-h",	  "--frob", "--",      "-o",
};
static const char *const export_opts[] = {
	"--perfetto", "-o",	"--output", "--output=", "--perfetto=1",
	"-h",	      "--frob", "--",	    "-p",
};

/* one valid option, 2 to 10 times: the last one wins or lab refuses */
static size_t repeated(const char **argv, size_t n)
{
	static const char *const valid[][2] = {
		{"--tasks", "1"},
		{"--ops", "1"},
		{"--duration", "0.001"},
		{"--cpu", "0"},
	};
	size_t times = 2 + next() % 9, which = next() % 4;

	for (size_t i = 0; i < times; i++) {
		argv[n++] = valid[which][0];
		argv[n++] = valid[which][1];
	}
	return n;
}

/* a small valid trace of one thread, for report and export to read */
static bool write_trace(const char *path)
{
	struct lab_trace_info info = {.version = LAB_TRACE_VERSION,
				      .cpu_count = 2,
				      .start_ns = 1000000000ULL};
	struct lab_thread_stats kt = {.tid = 100, .pid = 100};
	struct lab_run_summary sum = {.end_ns = 1000300000ULL, .events = 3};
	struct lab_event e[3] = {
		{.ts = 1000000000ULL,
		 .type = LAB_EV_SWITCH,
		 .other_tid = 100,
		 .other_pid = 100},
		{.ts = 1000100000ULL,
		 .type = LAB_EV_SWITCH,
		 .tid = 100,
		 .pid = 100,
		 .value = 1},
		{.ts = 1000200000ULL,
		 .type = LAB_EV_EXIT,
		 .tid = 100,
		 .pid = 100,
		 .flags = 1},
	};
	struct trace_writer *w = NULL;
	bool ok;

	snprintf(info.workload, sizeof(info.workload), "cpu-serial");
	snprintf(kt.comm, sizeof(kt.comm), "cpu-serial");
	ok = trace_file_open(&w, path, &info) == 0 &&
	     trace_writer_add_events(w, e, 3) == 0 &&
	     trace_writer_finish(w, &kt, 1, NULL, 0, &sum) == 0;
	trace_writer_free(w);
	return ok;
}

static const char *trace_arg(void)
{
	static const char *const traces[] = {
		"t.lab", "t.lab", "t.lab",     "missing.lab",
		"",	 ".",	  "/dev/null", "/proc/self/status",
		NULL,
	};
	const char *t = PICK(traces);

	return t ? t : long_path;
}

/* one generated command line into argv (argv[0] is lab) */
static size_t generate(const char **argv)
{
	size_t n = 0, len = next() % 9;

	argv[n++] = lab;
	switch (next() % 4) {
	case 0: /* run: a dry run somewhere, maybe after "--" */
		argv[n++] = "run";
		for (size_t i = 0; i < len; i++) {
			switch (next() % 5) {
			case 0:
				argv[n++] = PICK(run_names);
				break;
			case 1:
				argv[n++] = value();
				break;
			case 2:
				n = repeated(argv, n);
				break;
			default:
				argv[n++] = PICK(run_opts);
				if (next() % 4)
					argv[n++] = value();
			}
		}
		if (next() % 8) {
			size_t at = 2 + next() % (n - 1);

			memmove(&argv[at + 1], &argv[at],
				(n - at) * sizeof(*argv));
			argv[at] = "--dry-run";
			n++;
		}
		break;
	case 1: /* workload: made small first, whatever follows */
		argv[n++] = "workload";
		argv[n++] = "--ops";
		argv[n++] = "1";
		argv[n++] = "--tasks";
		argv[n++] = "1";
		argv[n++] = "--duration";
		argv[n++] = "0.001";
		for (size_t i = 0; i < len; i++) {
			if (next() % 3 == 0) {
				argv[n++] = PICK(workload_names);
				continue;
			}
			if (next() % 4 == 0) {
				n = repeated(argv, n);
				continue;
			}
			argv[n++] = PICK(workload_opts);
			if (next() % 4)
				argv[n++] = PICK(small_values);
		}
		break;
	case 2:
		argv[n++] = "report";
		for (size_t i = 0; i < len; i++) {
			if (next() % 3 == 0) {
				argv[n++] = trace_arg();
				continue;
			}
			argv[n++] = PICK(report_opts);
			if (next() % 4)
				argv[n++] = next() % 2 ? "out.json" : value();
		}
		break;
	default:
		argv[n++] = "export";
		for (size_t i = 0; i < len; i++) {
			if (next() % 3 == 0) {
				argv[n++] = trace_arg();
				continue;
			}
			argv[n++] = PICK(export_opts);
			if (next() % 4)
				argv[n++] = next() % 2 ? "out.json" : value();
		}
	}
	argv[n] = NULL;
	return n;
}

/* the command line for a message: long strings shortened, an option
 * given many times over once, with the count */
static void describe(const char *const *argv, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 1; argv[i] && used + 1 < len; i++) {
		size_t n = strlen(argv[i]), times = 1;

		while (!strncmp(argv[i], "--", 2) && argv[i + 1] &&
		       argv[i + 2 * times] && argv[i + 2 * times + 1] &&
		       !strcmp(argv[i + 2 * times], argv[i]) &&
		       !strcmp(argv[i + 2 * times + 1], argv[i + 1]))
			times++;
		if (n > 40)
			used += sfmt(buf + used, len - used, " '<%zu chars>'",
				     n);
		else
			used += sfmt(buf + used, len - used, " '%s'", argv[i]);
		if (times > 1) {
			used += sfmt(buf + used, len - used,
				     " '%s' (%zu times)", argv[i + 1], times);
			i += 2 * times - 1;
		}
	}
}

/* exactly one line, starting "lab: " */
static bool one_line(const char *s)
{
	const char *nl = strchr(s, '\n');

	return !strncmp(s, "lab: ", 5) && nl && nl[1] == 0;
}

/* A failure said in one line; lab report of several traces says one
 * line for each it could not read. */
static bool failed_well(const char *const *argv, int code, const char *s)
{
	if (one_line(s))
		return true;
	if (strcmp(argv[1], "report") || code != 1 || !*s)
		return false;
	for (; *s; s = strchr(s, '\n') + 1)
		if (strncmp(s, "lab: report: ", 13) || !strchr(s, '\n'))
			return false;
	return true;
}

TEST(cli_generated_command_lines_fail_in_one_line)
{
	/* the unprivileged identity of test_run(..., true) */
	const struct run_as nobody = {65534, 65534, NULL, NULL, NULL};
	struct run_as as = {0};
	char dir[4096], trace[4200], line[2048];
	const char *argv[MAX_TOKENS * 20 + 16];
	int bad = 0;

	memset(long_str, 'x', LONG_LEN);
	for (size_t i = 0; i < LONG_LEN; i++)
		long_path[i] = i % 8 == 7 ? '/' : 'p';
	if (!realpath(test_tmpdir(), dir) || !realpath(test_lab_path(), lab))
		return (void)CHECK_MSG(0, "no test directory or no lab");
	sfmt(trace, sizeof(trace), "%s/t.lab", dir);
	if (!CHECK_MSG(write_trace(trace), "cannot write %s", trace))
		return;
	if (geteuid() == 0) {
		as = nobody;
		if (!CHECK(chown(dir, as.uid, as.gid) == 0 &&
			   chown(trace, as.uid, as.gid) == 0))
			return;
	}
	as.cwd = dir;
	for (int i = 0; i < CASES; i++) {
		int code;

		generate(argv);
		code = run_captured(argv, &as, out, sizeof(out), err,
				    sizeof(err), 10);
		if (code >= 0 && code < 128 &&
		    (code == 0 || failed_well(argv, code, err)))
			continue;
		if (bad++ >= MAX_REPORTS)
			continue;
		describe(argv, line, sizeof(line));
		if (code >= 128)
			CHECK_MSG(0, "lab%s: killed by signal %d", line,
				  code - 128);
		else if (code < 0)
			CHECK_MSG(0, "lab%s: %s", line,
				  code == RUN_TIMED_OUT ? "still running after "
							  "10 s"
							: "could not run");
		else
			CHECK_MSG(0, "lab%s: exit %d, stderr not one line:\n%s",
				  line, code, err);
	}
	CHECK_MSG(!bad, "%d of %d command lines failed", bad, CASES);
}
