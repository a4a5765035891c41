/* test_runner.c - the test runner itself: a test that crashes, exits,
 * hangs or leaves processes behind is one failure and the run goes on.
 *
 * The probes below misbehave on purpose. They are registered only when
 * LAB_RUNNER_PROBES names a directory for their files, which the test at
 * the end does when it runs this binary again on them alone. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tests/test.h"

#define PROBES_ENV   "LAB_RUNNER_PROBES"
#define PROBE_PREFIX "runner_probe_"
#define SHARED_VALUE 42
/* seconds the sleeps the probes leave would last: unusual enough that a
 * process with that command line is theirs */
#define HANG_SLEEP  "417"
#define LEAVE_SLEEP "418"

static const char *probe_dir;
static int *shared;

/* Starts `sleep secs`, in a process group of its own when alone is set,
 * and writes its pid to probe_dir/name. */
static void leave_sleep(const char *secs, bool alone, const char *name)
{
	char path[PATH_MAX];
	FILE *f;
	pid_t pid = fork();

	if (pid == 0) {
		if (alone)
			setpgid(0, 0);
		execlp("sleep", "sleep", secs, (char *)NULL);
		_exit(127);
	}
	if (!CHECK(pid > 0))
		return;
	snprintf(path, sizeof(path), "%s/%s", probe_dir, name);
	f = fopen(path, "w");
	if (CHECK(f != NULL)) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
}

static void probe_fail(void)
{
	CHECK_MSG(0, "probe: a failure");
}

static void probe_crash(void)
{
	CHECK_MSG(0, "probe: a failure before the crash");
	raise(SIGSEGV);
}

static void probe_exit(void)
{
	exit(3);
}

static void probe_hang(void)
{
	leave_sleep(HANG_SLEEP, true, "hang.pid");
	CHECK_MSG(0, "probe: a failure before the hang");
	for (;;)
		pause();
}

static void probe_leave(void)
{
	leave_sleep(LEAVE_SLEEP, false, "leave.pid");
}

static void probe_share_set(void)
{
	*shared = SHARED_VALUE;
}

static void probe_share_get(void)
{
	CHECK_EQ(*shared, SHARED_VALUE);
}

static void probe_skip(void)
{
	SKIP("probe: no reason to run");
}

static void probe_lab_skipped(void)
{
	CHECK_MSG(0, "probe: ran despite LAB_SKIP");
}

/* declared first, run last: after share_set, which ran before share_get */
static void probe_last(void)
{
	CHECK_EQ(*shared, SHARED_VALUE);
}

/* in the runner, after the probes: what the shared memory holds */
static void probe_at_end(void)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ended", probe_dir);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%d\n", *shared);
		fclose(f);
	}
}

__attribute__((constructor)) static void register_probes(void)
{
	static const struct {
		const char *name;
		test_fn fn;
		int timeout_s;
	} probes[] = {
		{PROBE_PREFIX "fail", probe_fail, 0},
		{PROBE_PREFIX "crash", probe_crash, 0},
		{PROBE_PREFIX "exit", probe_exit, 0},
		{PROBE_PREFIX "hang", probe_hang, 1},
		{PROBE_PREFIX "leave", probe_leave, 0},
		{PROBE_PREFIX "share_set", probe_share_set, 0},
		{PROBE_PREFIX "share_get", probe_share_get, 0},
		{PROBE_PREFIX "skip", probe_skip, 0},
		{PROBE_PREFIX "lab_skipped", probe_lab_skipped, 0},
	};

	probe_dir = getenv(PROBES_ENV);
	if (!probe_dir)
		return;
	shared = test_shared(sizeof(*shared));
	test_at_end(probe_at_end);
	test_register_at_end(PROBE_PREFIX "last", probe_last, __FILE__, 0);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		test_register(probes[i].name, probes[i].fn, __FILE__,
			      probes[i].timeout_s);
}

/* the first line of dir/name, as a number; -1 when there is none */
static long read_number(const char *dir, const char *name)
{
	char path[PATH_MAX];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/* Is pid still the sleep a probe left, alive? (a zombie is dead) */
static bool sleep_alive(long pid, const char *secs)
{
	char path[64], buf[256], want[32], *p;
	size_t n, wlen;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	wlen = (size_t)snprintf(want, sizeof(want), "sleep%c%s", 0, secs) + 1;
	return n == wlen && !memcmp(buf, want, wlen);
}

/* Gives a killed sleep up to 2 s to be gone. */
static bool sleep_gone(long pid, const char *secs)
{
	for (int i = 0; i < 200; i++) {
		if (!sleep_alive(pid, secs))
			return true;
		usleep(10000);
	}
	kill((pid_t)pid, SIGKILL); /* not to leave it to later tests */
	return false;
}

/* text with each line indented, so that its summary line is not taken
 * for this run's (static storage) */
static const char *indented(const char *text)
{
	static char buf[1 << 17];
	size_t n = 0;

	for (const char *p = text; *p && n + 10 < sizeof(buf); p++) {
		if (p == text || p[-1] == '\n')
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\t| ");
		buf[n++] = *p;
	}
	buf[n] = 0;
	return buf;
}

/* each of want[] in text, in that order */
static void check_in_order(const char *text, const char *const want[])
{
	const char *at = text;

	for (int i = 0; want[i]; i++) {
		const char *p = strstr(at, want[i]);

		if (!CHECK_MSG(p, "no \"%s\" where expected in:\n%s", want[i],
			       indented(text)))
			return;
		at = p + strlen(want[i]);
	}
}

TEST_TIMEOUT(runner_isolates_crashes_exits_and_hangs, 30)
{
	static const char *const want[] = {
		"probe: a failure\nFAIL " PROBE_PREFIX "fail (",
		"probe: a failure before the crash\nFAIL " PROBE_PREFIX
		"crash (killed by signal 11: Segmentation fault)\n",
		"FAIL " PROBE_PREFIX "exit (exited with status 3 before it "
		"returned)\n",
		"probe: a failure before the hang\nFAIL " PROBE_PREFIX
		"hang (timed out after 1 s)\n",
		"ok   " PROBE_PREFIX "leave (",
		"ok   " PROBE_PREFIX "share_set (",
		"ok   " PROBE_PREFIX "share_get (",
		"SKIP " PROBE_PREFIX "skip: probe: no reason to run\n",
		"SKIP " PROBE_PREFIX "lab_skipped: LAB_SKIP=lab_skipped\n",
		"ok   " PROBE_PREFIX "last (",
		"4 passed, 4 failed, 2 skipped\n",
		NULL};
	static char out[1 << 16];
	char dir[PATH_MAX], self[PATH_MAX], asan[1024];
	const char *asan_was = getenv("ASAN_OPTIONS");
	const char *argv[] = {self, PROBE_PREFIX, NULL};
	ssize_t n;
	long pid;
	int code;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (!CHECK(n > 0) || !CHECK(realpath(test_tmpdir(), dir)))
		return;
	self[n] = 0;
	/* this process is the test's own: what it sets ends with it */
	setenv(PROBES_ENV, dir, 1);
	setenv("LAB_SKIP", "lab_skipped", 1);
	/* a sanitized build: the crash is a signal, not ASan's report */
	snprintf(asan, sizeof(asan), "%s%shandle_segv=0",
		 asan_was ? asan_was : "", asan_was ? ":" : "");
	setenv("ASAN_OPTIONS", asan, 1);
	code = test_run(argv, out, sizeof(out), false);
	CHECK_MSG(code == 1, "exit %d, not 1, from:\n%s", code, indented(out));
	check_in_order(out, want);
	CHECK_EQ(read_number(dir, "ended"), SHARED_VALUE);
	/* the hang's sleep, in a group of its own, killed with the test;
	 * the one left in the group of a test that passed, killed after */
	pid = read_number(dir, "hang.pid");
	if (CHECK(pid > 0))
		CHECK_MSG(sleep_gone(pid, HANG_SLEEP),
			  "the hanging test's sleep %ld is still running", pid);
	pid = read_number(dir, "leave.pid");
	if (CHECK(pid > 0))
		CHECK_MSG(
			sleep_gone(pid, LEAVE_SLEEP),
			"the sleep %ld left by a passing test is still running",
			pid);
}
