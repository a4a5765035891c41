/* test_probes.c - real probes on the real kernel: lab's figures for a
 * program's threads must agree with what the kernel itself counted
 * (/proc/thread-self, getrusage), and nothing may stay attached. */
#include <stdio.h>
#include <sys/wait.h>
#include <signal.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "analyzer/explain.h"
#include "tests/test.h"
#include "workloads/workload.h"

#define OUT_MAX 65536

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

static struct json_object *find_thread(struct json_object *report, int tid)
{
	struct json_object *procs = get(report, "processes");

	for (size_t i = 0; i < json_object_array_length(procs); i++) {
		struct json_object *threads =
			get(json_object_array_get_idx(procs, i), "threads");

		for (size_t j = 0; j < json_object_array_length(threads); j++) {
			struct json_object *t =
				json_object_array_get_idx(threads, j);

			if (get_int(t, "tid") == tid)
				return t;
		}
	}
	return NULL;
}

static int64_t absdiff(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
}

/* Whether process pid holds BPF program id (its fdinfo says so). */
static bool holds_program(int pid, __u32 id)
{
	char path[300], line[128];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	d = opendir(path);
	while (d && !found && (e = readdir(d))) {
		FILE *f;
		unsigned prog;

		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid,
			 e->d_name);
		f = fopen(path, "r");
		while (f && !found && fgets(line, sizeof(line), f))
			found = sscanf(line, "prog_id: %u", &prog) == 1 &&
				prog == id;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

/* Whether a process running another binary than the lab under test
 * holds BPF program id: another lab on the machine (a second build, an
 * installed one), whose programs are not this test's to count. */
static bool held_by_another_lab(__u32 id)
{
	char ours[PATH_MAX], exe[PATH_MAX], path[300];
	struct dirent *e;
	bool found = false;
	DIR *d;

	if (!realpath(test_lab_path(), ours))
		return false;
	d = opendir("/proc");
	while (d && !found && (e = readdir(d))) {
		int pid = atoi(e->d_name);
		ssize_t n;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n <= 0)
			continue;
		exe[n] = '\0';
		found = strcmp(exe, ours) && holds_program(pid, id);
	}
	if (d)
		closedir(d);
	return found;
}

/* ids of loaded BPF programs whose name is one of ours */
static int our_programs_loaded(void)
{
	static const char *const names[] = {"handle_switch", "handle_wakeup",
					    "handle_fork", "handle_exit",
					    "handle_mark"};
	__u32 id = 0;
	int found = 0;

	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);
		bool named = false;

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]);
			     i++)
				named |= !strncmp(info.name, names[i],
						  sizeof(info.name) - 1);
		/* closed first: this test's own descriptor holds it too */
		close(fd);
		found += named && !held_by_another_lab(id);
	}
	return found;
}

/* The kernel frees a closed program after a grace period: wait a little. */
static int our_programs_left(void)
{
	struct timespec now, until;
	int n = our_programs_loaded();

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += 3;
	while (n) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > until.tv_sec ||
		    (now.tv_sec == until.tv_sec && now.tv_nsec > until.tv_nsec))
			break;
		usleep(10000);
		n = our_programs_loaded();
	}
	return n;
}

/* Traces switchy and compares each worker with what it read of itself.
 * The workers read their counters just before exiting: their last switches
 * come after, so lab may count up to 2 more. Under full emulation
 * (LAB_TEST_EMULATED, tests/kernels/guest-init) every instruction is
 * translated and workers were seen switching 4 times more after their
 * read, and lab's run-queue waits came out 7% to twice above
 * schedstat's, more the busier the host (docs/kernels.md), so only the
 * switch counts are held to the kernel's there, with a wider margin. */
static void compare_with_oracle(const char *mode, bool check_wait)
{
	const bool emulated = getenv("LAB_TEST_EMULATED") != NULL;
	const int64_t after = emulated ? 6 : 2;
	const char *why, *dir;
	char oracle[512], json[512], *out = malloc(OUT_MAX);
	struct json_object *report = NULL;
	int tid, n = 0;
	unsigned long vol, invol;
	unsigned long long oncpu, delay;
	long ru_vol, ru_invol;
	FILE *f = NULL;

	if (!test_can_trace(&why)) {
		free(out);
		test_skip(why);
		return;
	}
	dir = test_tmpdir();
	snprintf(oracle, sizeof(oracle), "%s/oracle.txt", dir);
	snprintf(json, sizeof(json), "%s/switchy.json", dir);
	const char *argv[] = {test_lab_path(),	     "run",  "-o", dir,	 "--",
			      "build/tests/switchy", oracle, "4",  mode, NULL};
	int code = test_run(argv, out, OUT_MAX, false);

	if (!CHECK_MSG(code == 0, "lab run exited %d:\n%s", code, out))
		goto done;
	report = json_object_from_file(json);
	f = fopen(oracle, "r");
	if (!CHECK(report) || !CHECK(f))
		goto done;
	CHECK_EQ(get_int(get(report, "trace"), "dropped"), 0);
	while (fscanf(f, "%d %lu %lu %llu %llu %ld %ld", &tid, &vol, &invol,
		      &oncpu, &delay, &ru_vol, &ru_invol) == 7) {
		struct json_object *t = find_thread(report, tid);
		int64_t lab_vol, lab_invol, lab_wait;

		n++;
		if (!CHECK_MSG(t, "thread %d missing from the report", tid))
			continue;
		lab_vol = get_int(t, "voluntary_switches");
		lab_invol = get_int(t, "involuntary_switches");
		/* schedstat leaves out waits that began with a preemption on
		 * the way to sleep; lab counts them apart too */
		lab_wait = get_int(t, "runq_wait_ns") -
			   get_int(t, "runq_wait_asleep_ns");
		CHECK_MSG(lab_vol >= (int64_t)vol &&
				  lab_vol - (int64_t)vol <= after,
			  "tid %d voluntary: lab %lld, /proc %lu", tid,
			  (long long)lab_vol, vol);
		CHECK_MSG(lab_invol >= (int64_t)invol &&
				  lab_invol - (int64_t)invol <= after,
			  "tid %d involuntary: lab %lld, /proc %lu", tid,
			  (long long)lab_invol, invol);
		CHECK_MSG(absdiff(lab_vol, ru_vol) <= after &&
				  absdiff(lab_invol, ru_invol) <= after,
			  "tid %d switches: lab %lld/%lld, getrusage %ld/%ld",
			  tid, (long long)lab_vol, (long long)lab_invol, ru_vol,
			  ru_invol);
		CHECK_MSG(
			invol > 0 && delay > 0,
			"tid %d never waited to run: the oracle tests nothing",
			tid);
		if (check_wait && !emulated)
			CHECK_MSG(absdiff(lab_wait, delay) <= 100000 ||
					  absdiff(lab_wait, delay) <=
						  (int64_t)delay / 50,
				  "tid %d run-queue wait: lab %lld ns, "
				  "schedstat %llu ns",
				  tid, (long long)lab_wait, delay);
	}
	CHECK_EQ(n, 4);
	CHECK_EQ(our_programs_left(), 0);
done:
	if (f)
		fclose(f);
	json_object_put(report);
	free(out);
}

/* pid of a child of parent named comm, or 0 */
static pid_t child_named(pid_t parent, const char *comm)
{
	char path[64], buf[64];
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	while (d && !found && (e = readdir(d))) {
		int pid = atoi(e->d_name), ppid = 0;
		FILE *f;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%*d (%63[^)]) %*c %d", buf, &ppid) == 2 &&
		    ppid == parent && !strcmp(buf, comm))
			found = pid;
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

/* A tracer that cannot drain (stopped while a flood of switches fills a
 * 4 KiB ring) loses events and says so; the per-thread counters, kept
 * apart in maps, stay exact. */
TEST(dropped_events_leave_the_counters_exact)
{
	const char *why, *dir;
	char oracle[512], json[512];
	struct json_object *report = NULL, *t;
	int tid, n = 0, status;
	unsigned long vol, invol;
	unsigned long long oncpu, delay;
	long ru_vol, ru_invol;
	pid_t lab, sw = 0;
	FILE *f = NULL;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = test_tmpdir();
	snprintf(oracle, sizeof(oracle), "%s/oracle.txt", dir);
	snprintf(json, sizeof(json), "%s/switchy.json", dir);
	lab = fork();
	if (lab == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl(test_lab_path(), "lab", "run", "--ring-buffer", "4", "-o",
		      dir, "--", "build/tests/switchy", oracle, "4", "pin",
		      "20000", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 5000 && !sw; i++) {
		usleep(1000);
		sw = child_named(lab, "switchy");
	}
	if (!CHECK_MSG(sw, "switchy never started under lab")) {
		kill(lab, SIGKILL);
		waitpid(lab, NULL, 0);
		return;
	}
	kill(lab, SIGSTOP);
	/* the workload runs on and writes its oracle at its end */
	for (int i = 0; i < 10000 && access(oracle, F_OK); i++)
		usleep(1000);
	usleep(50000);
	kill(lab, SIGCONT);
	if (!CHECK(waitpid(lab, &status, 0) == lab) ||
	    !CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		       "lab exited with status %#x", status))
		return;
	report = json_object_from_file(json);
	f = fopen(oracle, "r");
	if (!CHECK(report) || !CHECK(f))
		goto done;
	CHECK_MSG(get_int(get(report, "trace"), "dropped") > 0,
		  "a stalled tracer with a 4 KiB ring dropped nothing");
	/* the flood's switches were lost, not just other events */
	CHECK_MSG(get_int(get(report, "trace"), "threads_with_gaps") > 0,
		  "events were dropped, yet no timeline has a gap");
	while (fscanf(f, "%d %lu %lu %llu %llu %ld %ld", &tid, &vol, &invol,
		      &oncpu, &delay, &ru_vol, &ru_invol) == 7) {
		t = find_thread(report, tid);
		n++;
		if (!CHECK_MSG(t, "thread %d missing from the report", tid))
			continue;
		CHECK_MSG(get_int(t, "voluntary_switches") - (int64_t)vol >=
					  0 &&
				  get_int(t, "voluntary_switches") -
						  (int64_t)vol <=
					  2,
			  "tid %d voluntary: lab %lld, /proc %lu", tid,
			  (long long)get_int(t, "voluntary_switches"), vol);
		CHECK_MSG(get_int(t, "involuntary_switches") - (int64_t)invol >=
					  0 &&
				  get_int(t, "involuntary_switches") -
						  (int64_t)invol <=
					  2,
			  "tid %d involuntary: lab %lld, /proc %lu", tid,
			  (long long)get_int(t, "involuntary_switches"), invol);
		CHECK_MSG(invol > 20000, "tid %d: no flood (%lu)", tid, invol);
	}
	CHECK_EQ(n, 4);
done:
	if (f)
		fclose(f);
	json_object_put(report);
}

enum mutex_run { MUTEX_CLEAN, MUTEX_STALLED, MUTEX_RETRIES };

/* Two processes fight over one process-shared mutex on both CPUs and
 * count their own futex waits, blocking and EAGAIN. MUTEX_STALLED stops
 * lab while they fight, so its ring (4 KiB) overflows; MUTEX_RETRIES
 * runs lab with --futex-retries. The JSON report is left in *report;
 * the program's counts in *blocked and *eagain. */
static bool run_shared_mutex(enum mutex_run how, struct json_object **report,
			     unsigned long *blocked, unsigned long *eagain)
{
	bool stall = how == MUTEX_STALLED;
	const char *dir = test_tmpdir();
	char oracle[512], json[512];
	pid_t lab, prog = 0;
	int status;
	FILE *f;

	snprintf(oracle, sizeof(oracle), "%s/oracle.txt", dir);
	snprintf(json, sizeof(json), "%s/shared_mutex.json", dir);
	lab = fork();
	if (lab == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		if (stall)
			execl(test_lab_path(), "lab", "run", "--ring-buffer",
			      "4", "-o", dir, "--", "build/tests/shared_mutex",
			      oracle, "800", (char *)NULL);
		else if (how == MUTEX_RETRIES)
			execl(test_lab_path(), "lab", "run", "--futex-retries",
			      "-o", dir, "--", "build/tests/shared_mutex",
			      oracle, "800", (char *)NULL);
		else
			execl(test_lab_path(), "lab", "run", "-o", dir, "--",
			      "build/tests/shared_mutex", oracle, "800",
			      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; stall && i < 5000 && !prog; i++) {
		usleep(1000);
		prog = child_named(lab, "shared_mutex");
	}
	if (stall) {
		kill(lab, SIGSTOP);
		for (int i = 0; i < 10000 && access(oracle, F_OK); i++)
			usleep(1000);
		usleep(50000);
		kill(lab, SIGCONT);
	}
	if (!CHECK(waitpid(lab, &status, 0) == lab) ||
	    !CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		       "lab exited with status %#x", status))
		return false;
	f = fopen(oracle, "r");
	if (!CHECK(f))
		return false;
	if (!CHECK(fscanf(f, "%lu %lu", blocked, eagain) == 2)) {
		fclose(f);
		return false;
	}
	fclose(f);
	*report = json_object_from_file(json);
	return CHECK_MSG(*report, "no report %s", json);
}

/* The run's one shared lock against the program's count, and the
 * futex off-CPU time against the lock's. */
static void check_shared_lock(struct json_object *report, unsigned long blocked)
{
	struct json_object *user = get(get(report, "locks"), "user");
	struct json_object *l = json_object_array_get_idx(user, 0);
	int64_t count = get_int(l, "count"),
		total = get_int(l, "total_wait_ns");
	int64_t futex =
		get_int(get(get(report, "totals"), "offcpu_ns"), "futex");

	CHECK_MSG(blocked >= 200,
		  "only %lu blocking waits: the oracle tests "
		  "nothing",
		  blocked);
	CHECK_EQ(json_object_array_length(user), 1);
	CHECK(json_object_get_boolean(get(l, "shared")));
	CHECK_MSG(absdiff(count, (int64_t)blocked) <= (int64_t)blocked / 100,
		  "lock waits: lab %lld, the program's own count %lu",
		  (long long)count, blocked);
	CHECK_MSG(absdiff(futex, total) <= total / 100,
		  "futex off-CPU %lld ns, the lock's waits %lld ns",
		  (long long)futex, (long long)total);
}

/* Sum of field over the entries of array list. */
static int64_t sum_of(struct json_object *list, const char *field)
{
	int64_t sum = 0;

	for (size_t i = 0; i < json_object_array_length(list); i++)
		sum += get_int(json_object_array_get_idx(list, i), field);
	return sum;
}

/* Who woke each thread and who took its CPU, from the kernel's sums
 * when events were lost: as many as the kernel's own counters. */
static void check_parties(struct json_object *report)
{
	struct json_object *procs = get(report, "processes");
	int64_t woken = 0;

	for (size_t i = 0; i < json_object_array_length(procs); i++) {
		struct json_object *th =
			get(json_object_array_get_idx(procs, i), "threads");

		for (size_t j = 0; j < json_object_array_length(th); j++) {
			struct json_object *t =
				json_object_array_get_idx(th, j);

			woken += get_int(t, "wakeups");
			CHECK_MSG(
				sum_of(get(t, "woken_by"), "count") ==
					get_int(t, "wakeups"),
				"thread %lld: woken_by counts %lld "
				"wakeups, the kernel %lld",
				(long long)get_int(t, "tid"),
				(long long)sum_of(get(t, "woken_by"), "count"),
				(long long)get_int(t, "wakeups"));
			CHECK_MSG(
				sum_of(get(t, "preempted_by"), "count") ==
					get_int(t, "involuntary_switches"),
				"thread %lld: preempted_by counts %lld, "
				"the kernel %lld involuntary switches",
				(long long)get_int(t, "tid"),
				(long long)sum_of(get(t, "preempted_by"),
						  "count"),
				(long long)get_int(t, "involuntary_switches"));
		}
	}
	CHECK_MSG(woken >= 200, "only %lld wakeups: the check tests nothing",
		  (long long)woken);
}

/* Every table stays exact whatever the ring buffer drops: with the
 * default ring nothing is lost; with a tiny one and a stalled reader
 * the lock, off-CPU and wakeup figures come from the kernel's sums, and
 * the report says the timeline is incomplete. */
TEST(lock_waits_stay_exact_whatever_is_dropped)
{
	struct json_object *clean = NULL, *lossy = NULL, *trace;
	unsigned long clean_blocked = 0, lossy_blocked = 0, eagain;
	const char *why;

	if (!test_can_trace(&why))
		SKIP(why);
	if (!run_shared_mutex(MUTEX_CLEAN, &clean, &clean_blocked, &eagain))
		goto done;
	trace = get(clean, "trace");
	CHECK_EQ(get_int(trace, "dropped"), 0);
	CHECK(json_object_get_boolean(get(trace, "timeline_complete")));
	CHECK(!json_object_get_boolean(get(trace, "wakeups_from_kernel")));
	CHECK(json_object_get_boolean(get(get(clean, "locks"), "complete")));
	check_shared_lock(clean, clean_blocked);
	/* not counted unless asked for */
	CHECK(json_object_get_type(
		      get(json_object_array_get_idx(
				  get(get(clean, "locks"), "user"), 0),
			  "retries")) == json_type_null);
	if (!run_shared_mutex(MUTEX_STALLED, &lossy, &lossy_blocked, &eagain))
		goto done;
	trace = get(lossy, "trace");
	CHECK_MSG(get_int(trace, "dropped") > 0,
		  "a stalled tracer with a 4 KiB ring dropped nothing");
	CHECK(!json_object_get_boolean(get(trace, "timeline_complete")));
	CHECK(json_object_get_boolean(get(trace, "waits_from_kernel")));
	CHECK(!strcmp(
		json_object_get_string(get(get(lossy, "locks"), "source")),
		"kernel"));
	check_shared_lock(lossy, lossy_blocked);
	CHECK(json_object_get_boolean(get(trace, "wakeups_from_kernel")));
	check_parties(lossy);
done:
	json_object_put(clean);
	json_object_put(lossy);
	CHECK_EQ(our_programs_left(), 0);
}

/* --futex-retries counts the futex waits that returned EAGAIN at once,
 * per word, beside the blocking waits: as the program counted them. */
TEST(futex_retries_are_counted_per_word_when_asked)
{
	struct json_object *report = NULL, *l;
	unsigned long blocked = 0, eagain = 0;
	const char *why;
	int64_t retries;

	if (!test_can_trace(&why))
		SKIP(why);
	if (!run_shared_mutex(MUTEX_RETRIES, &report, &blocked, &eagain))
		goto done;
	check_shared_lock(report, blocked);
	l = json_object_array_get_idx(get(get(report, "locks"), "user"), 0);
	retries = get_int(l, "retries");
	CHECK_MSG(eagain >= 20,
		  "only %lu EAGAIN returns: the oracle tests "
		  "nothing",
		  eagain);
	CHECK_MSG(absdiff(retries, (int64_t)eagain) <= (int64_t)eagain / 100,
		  "EAGAIN returns: lab %lld, the program's own count %lu",
		  (long long)retries, eagain);
done:
	json_object_put(report);
	CHECK_EQ(our_programs_left(), 0);
}

TEST(probes_agree_with_the_kernel_on_one_cpu)
{
	compare_with_oracle("pin", true);
}

/* Across CPUs only the switch counts are held to the kernel's: schedstat's
 * run delay gains up to a tick when a waiting thread migrates. */
TEST(probes_agree_with_the_kernel_across_cpus)
{
	compare_with_oracle("spread", false);
}

/* The programs of a kernel before 5.18 and 5.19 (prev_state read from
 * the task, no lock tracepoints), run on this one: the same agreement. */
TEST(probes_agree_with_the_kernel_with_older_kernels_programs)
{
	setenv("LAB_PROBES_WITHOUT", "prev_state,lock_contention", 1);
	compare_with_oracle("pin", true);
	unsetenv("LAB_PROBES_WITHOUT");
}

TEST(io_family_runs_under_probes_without_drops)
{
	static const char *const models[] = {"io-processes", "io-threads",
					     "io-events", "io-coroutines",
					     "io-serial"};
	const char *why, *dir;
	char *out = malloc(OUT_MAX);

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	const char *argv[] = {
		test_lab_path(), "run", "io",	 "-o", dir,
		"--tasks",	 "4",	"--ops", "4",  "--duration",
		"0.1",		 NULL};
	int code = test_run(argv, out, OUT_MAX, false);

	if (!CHECK_MSG(code == 0, "lab run io exited %d:\n%s", code, out))
		goto done;
	for (int i = 0; i < 5; i++) {
		char path[512];
		struct json_object *r, *totals;

		snprintf(path, sizeof(path), "%s/%s.json", dir, models[i]);
		r = json_object_from_file(path);
		if (!CHECK_MSG(r, "no report %s", path))
			continue;
		totals = get(r, "totals");
		CHECK_EQ(get_int(get(r, "trace"), "dropped"), 0);
		CHECK(json_object_get_boolean(
			get(get(r, "trace"), "complete")));
		CHECK_MSG(get_int(totals, "voluntary_switches") > 0,
			  "%s: no voluntary switches", models[i]);
		if (!strcmp(models[i], "io-coroutines"))
			CHECK_MSG(
				get_int(totals, "user_switches") >
					get_int(totals, "voluntary_switches"),
				"coroutines: %lld user switches vs %lld kernel",
				(long long)get_int(totals, "user_switches"),
				(long long)get_int(totals,
						   "voluntary_switches"));
		else
			CHECK_EQ(get_int(totals, "user_switches"), 0);
		snprintf(path, sizeof(path), "%s/%s.lab", dir, models[i]);
		CHECK_MSG(access(path, R_OK) == 0, "no trace %s", path);
		CHECK_MSG(strstr(out, models[i]), "summary does not name %s",
			  models[i]);
		json_object_put(r);
	}
	CHECK_MSG(strstr(out, dir), "the run does not say where its files are");
	/* a saved trace is re-analysed without root */
	char trace[512];
	snprintf(trace, sizeof(trace), "%s/io-threads.lab", dir);
	const char *report[] = {test_lab_path(), "report", trace, NULL};
	code = test_run(report, out, OUT_MAX, true);
	CHECK_MSG(code == 0 && strstr(out, "io-w"),
		  "lab report as a user exited %d:\n%s", code, out);
	CHECK_EQ(our_programs_left(), 0);
done:
	free(out);
}

TEST(check_says_the_machine_can_trace)
{
	const char *why;
	char out[4096];

	if (!test_can_trace(&why))
		SKIP(why);
	const char *argv[] = {test_lab_path(), "check", NULL};
	CHECK_MSG(test_run(argv, out, sizeof(out), false) == 0, "%s", out);
	CHECK(strstr(out, "kernel probes load (tp_btf)") && strstr(out, "ok"));
}

TEST(a_command_that_cannot_start_leaves_nothing_behind)
{
	const char *why, *dir;
	char out[4096];

	if (!test_can_trace(&why))
		SKIP(why);
	dir = test_tmpdir();
	const char *argv[] = {test_lab_path(),	   "run", "-o", dir, "--",
			      "./no-such-program", NULL};
	int code = test_run(argv, out, sizeof(out), false);

	CHECK_EQ(code, 1);
	CHECK_MSG(strstr(out, "lab: run: cannot start ./no-such-program"), "%s",
		  out);
	CHECK_MSG(!strchr(strchr(out, '\n') + 1, '\n'),
		  "more than one line:\n%s", out);
	CHECK_EQ(our_programs_left(), 0);
}

/* The model of a comparison JSON's models[] entry, NULL if absent. */
static struct json_object *model_entry(struct json_object *cmp,
				       const char *model)
{
	struct json_object *models = get(get(cmp, "comparison"), "models");

	for (size_t i = 0; i < json_object_array_length(models); i++) {
		struct json_object *m = json_object_array_get_idx(models, i);

		if (model &&
		    !strcmp(json_object_get_string(get(m, "model")), model))
			return m;
	}
	return NULL;
}

static double median_of(struct json_object *cmp, const char *model,
			const char *metric)
{
	return json_object_get_double(
		get(get(get(model_entry(cmp, model), "metrics"), metric),
		    "median"));
}

/* The explanation names the model that measured cheapest, when there
 * are two or more: the first figure of the "cheapest" claim is its
 * model's median, no other model the claim compares it with measured
 * less, and on wall time none of the concurrent models did. Every claim
 * rests on evidence with numbers. */
static void check_explanation(struct json_object *cmp, const char *scenario)
{
	static const char *const concurrent[] = {"processes", "threads",
						 "coroutines"};
	struct json_object *claims = get(cmp, "explanation"), *cheapest = NULL;
	struct json_object *ev, *first;
	const char *metric, *model;
	double low;
	char cap[32];

	CHECK_MSG(json_object_array_length(claims) > 0, "%s: no explanation",
		  scenario);
	for (size_t i = 0; i < json_object_array_length(claims); i++) {
		struct json_object *cl = json_object_array_get_idx(claims, i);

		ev = get(cl, "evidence");
		CHECK_MSG(json_object_array_length(ev) > 0,
			  "%s: a claim without evidence: %s", scenario,
			  json_object_get_string(get(cl, "claim")));
		for (size_t j = 0; j < json_object_array_length(ev); j++) {
			struct json_object *v =
				get(json_object_array_get_idx(ev, j), "value");

			CHECK_MSG(json_object_is_type(v, json_type_int) ||
					  json_object_is_type(v,
							      json_type_double),
				  "%s: evidence without a number", scenario);
		}
		if (!strcmp(json_object_get_string(get(cl, "rule")),
			    "cheapest"))
			cheapest = cl;
	}
	/* a scenario whose lesson is not about cost names no cheapest, nor
	 * does a family of one model (gil-old) */
	if ((explain_lesson(scenario) &&
	     explain_lesson(scenario)->cost == CMP_NMETRICS) ||
	    json_object_array_length(get(get(cmp, "comparison"), "models")) <
		    2) {
		CHECK_MSG(!cheapest, "%s: a cheapest model named", scenario);
		return;
	}
	if (!CHECK_MSG(cheapest, "%s: no claim names the cheapest model",
		       scenario))
		return;
	ev = get(cheapest, "evidence");
	first = json_object_array_get_idx(ev, 0);
	metric = json_object_get_string(get(first, "metric"));
	model = json_object_get_string(get(first, "model"));
	low = json_object_get_double(get(first, "value"));
	if (!CHECK_MSG(model, "%s: the first evidence has no model", scenario))
		return;
	snprintf(cap, sizeof(cap), "%s", model);
	cap[0] = (char)(cap[0] - 'a' + 'A');
	CHECK_MSG(
		strstr(json_object_get_string(get(cheapest, "claim")), model) ||
			strstr(json_object_get_string(get(cheapest, "claim")),
			       cap),
		"%s: the claim does not name %s", scenario, model);
	CHECK_MSG(low == median_of(cmp, model, metric),
		  "%s: %s of %s is %g in the claim, %g in the comparison",
		  scenario, metric, model, low, median_of(cmp, model, metric));
	for (size_t j = 1; j < json_object_array_length(ev); j++) {
		struct json_object *x = json_object_array_get_idx(ev, j);

		if (!strcmp(json_object_get_string(get(x, "metric")), metric))
			CHECK_MSG(
				low <= json_object_get_double(get(x, "value")),
				"%s: %s is not the lowest %s", scenario, model,
				metric);
	}
	if (strcmp(metric, "wall_ns"))
		return;
	for (size_t i = 0; i < 3; i++)
		if (model_entry(cmp, concurrent[i]))
			CHECK_MSG(low <= median_of(cmp, concurrent[i], metric),
				  "%s: %s measured less wall time than %s",
				  scenario, concurrent[i], model);
}

/* A family whose first round is cheap runs again by default, to measure
 * its spread, and says so; --repeat 1 runs it once. */
TEST(a_cheap_family_repeats_by_default)
{
	const char *why, *dir;
	char *out = malloc(OUT_MAX), path[512];
	struct json_object *cmp;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	const char *argv[] = {test_lab_path(), "run", "spawn", "--tasks", "5",
			      "--ops",	       "2",   "-o",    dir,	  NULL};
	int code = test_run(argv, out, OUT_MAX, false);

	if (!CHECK_MSG(code == 0, "lab run spawn exited %d:\n%s", code, out))
		goto done;
	CHECK_MSG(strstr(out, "more times to measure the spread"), "%s", out);
	snprintf(path, sizeof(path), "%s/spawn.json", dir);
	cmp = json_object_from_file(path);
	if (CHECK_MSG(cmp, "no comparison %s", path))
		CHECK_EQ(json_object_get_int(get(cmp, "repeats")), 3);
	json_object_put(cmp);
	/* the first round keeps the plain names */
	snprintf(path, sizeof(path), "%s/spawn-threads.lab", dir);
	CHECK_MSG(access(path, F_OK) == 0, "no %s", path);
	snprintf(path, sizeof(path), "%s/spawn-threads-3.lab", dir);
	CHECK_MSG(access(path, F_OK) == 0, "no %s", path);

	const char *once[] = {
		test_lab_path(), "run", "spawn", "--tasks", "5", "--ops", "2",
		"--repeat",	 "1",	"-o",	 dir,	    NULL};
	code = test_run(once, out, OUT_MAX, false);
	CHECK_MSG(code == 0 && !strstr(out, "to measure the spread"),
		  "lab run spawn --repeat 1 exited %d:\n%s", code, out);
done:
	free(out);
}

/* A family run ends with its comparison and explanation, in the terminal
 * and in <scenario>.json. */
TEST(a_family_run_compares_and_explains)
{
	const char *why, *dir;
	char *out = malloc(OUT_MAX), path[512];
	struct json_object *cmp;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	const char *argv[] = {
		test_lab_path(), "run", "io",	 "-o", dir,
		"--tasks",	 "3",	"--ops", "3",  "--duration",
		"0.05",		 NULL};
	int code = test_run(argv, out, OUT_MAX, false);

	if (!CHECK_MSG(code == 0, "lab run io exited %d:\n%s", code, out))
		goto done;
	CHECK_MSG(strstr(out, "io compared:") && strstr(out, "\n- "),
		  "no comparison in the output:\n%s", out);
	snprintf(path, sizeof(path), "%s/io.json", dir);
	cmp = json_object_from_file(path);
	if (!CHECK_MSG(cmp, "no comparison %s", path))
		goto done;
	CHECK_MSG(!strcmp(json_object_get_string(get(cmp, "schema")),
			  "lab-comparison/1"),
		  "schema %s", json_object_get_string(get(cmp, "schema")));
	CHECK_EQ(
		json_object_array_length(get(get(cmp, "comparison"), "models")),
		5);
	check_explanation(cmp, "io");
	json_object_put(cmp);
done:
	free(out);
}

/* --repeat runs the models interleaved and compares their medians. */
TEST(repeated_runs_give_medians_and_ranges)
{
	static const char *const models[] = {"processes", "threads",
					     "coroutines"};
	const char *why, *dir;
	char *out = malloc(OUT_MAX), path[512];
	struct json_object *cmp;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	const char *argv[] = {
		test_lab_path(), "run", "spawn",    "-o", dir, "--tasks", "2",
		"--ops",	 "2",	"--repeat", "2",  NULL};
	int code = test_run(argv, out, OUT_MAX, false);

	if (!CHECK_MSG(code == 0, "lab run spawn exited %d:\n%s", code, out))
		goto done;
	/* the comparison instead of the per-run summaries */
	CHECK_MSG(strstr(out, "medians of 2 runs each") &&
			  !strstr(out, "run-queue latency"),
		  "%s", out);
	snprintf(path, sizeof(path), "%s/spawn.json", dir);
	cmp = json_object_from_file(path);
	if (!CHECK_MSG(cmp, "no comparison %s", path))
		goto done;
	CHECK_EQ(get_int(cmp, "repeats"), 2);
	for (size_t i = 0; i < 3; i++) {
		struct json_object *m = model_entry(cmp, models[i]);
		struct json_object *wall = get(get(m, "metrics"), "wall_ns");

		if (!CHECK_MSG(m, "no %s in the comparison", models[i]))
			continue;
		CHECK_EQ(get_int(m, "runs"), 2);
		CHECK_EQ(get_int(wall, "runs"), 2);
		CHECK(get_int(wall, "min") <= get_int(wall, "median") &&
		      get_int(wall, "median") <= get_int(wall, "max"));
		for (int run = 1; run <= 2; run++) {
			snprintf(path, sizeof(path), "%s/spawn-%s-%d.lab", dir,
				 models[i], run);
			CHECK_MSG(access(path, R_OK) == 0, "no trace %s", path);
		}
	}
	check_explanation(cmp, "spawn");
	json_object_put(cmp);
done:
	free(out);
}

/* Every scenario's family, small, under the probes: each model exits 0,
 * its trace is complete and lost nothing, and the explanation names the
 * model that measured cheapest. */
/* The creator's time in fork/clone needs the syscall tracepoints, which
 * slow every syscall of the machine: measured only when asked for. */
/* The CPUs /proc/PID/status allows pid, as a mask of the first 64
 * (0 when unreadable). */
static unsigned long long cpus_allowed(pid_t pid)
{
	char path[64], line[256];
	unsigned long long mask = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Cpus_allowed:", 13))
			mask = strtoull(line + 13, NULL, 16);
	if (f)
		fclose(f);
	return mask;
}

/* A ping-pong pinned to CPU 0 keeps CPU 0 busy: the real-time reader
 * moves off it, where it would preempt the ping-pong at every drain. */
TEST(the_reader_keeps_off_the_cpu_the_program_keeps_busy)
{
	const char *why, *dir = test_tmpdir();
	unsigned long long mask = 0, seen = 0;
	pid_t lab;
	int status;

	if (!test_can_trace(&why))
		SKIP(why);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || !(cpus_allowed(getpid()) & 3))
		SKIP("needs CPUs 0 and 1");
	lab = fork();
	if (lab == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl(test_lab_path(), "lab", "run", "-o", dir,
		      "pingpong-threads", "--cpu", "0", "--ops", "100000",
		      (char *)NULL);
		_exit(127);
	}
	/* the reader is lab itself here (no sudo) */
	for (int i = 0; i < 5000 && !(seen & 1); i++) {
		mask = cpus_allowed(lab);
		if (mask && !(mask & 1))
			seen |= 1;
		if (waitpid(lab, &status, WNOHANG) == lab)
			break;
		usleep(1000);
	}
	CHECK_MSG(seen & 1,
		  "lab's reader kept CPU 0 among its CPUs (last mask %#llx) "
		  "while the ping-pong ran there",
		  mask);
	if (waitpid(lab, &status, 0) == lab)
		CHECK_MSG(WIFEXITED(status) && !WEXITSTATUS(status),
			  "lab run exited with status %#x", status);
	CHECK_EQ(our_programs_left(), 0);
}

TEST(creation_calls_are_timed_only_when_asked)
{
	const char *why, *dir;
	char *out = malloc(OUT_MAX), path[512];

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	snprintf(path, sizeof(path), "%s/spawn-threads.json", dir);
	for (int asked = 0; asked < 2; asked++) {
		const char *argv[] = {test_lab_path(),
				      "run",
				      "spawn-threads",
				      "-o",
				      dir,
				      "--tasks",
				      "4",
				      asked ? "--creation-calls" : NULL,
				      NULL};
		struct json_object *r, *t;

		CHECK_MSG(test_run(argv, out, OUT_MAX, false) == 0, "%s", out);
		r = json_object_from_file(path);
		if (!CHECK_MSG(r, "no report %s", path))
			continue;
		t = get(r, "totals");
		if (asked)
			CHECK_MSG(get_int(t, "create_calls") ==
						  get_int(t, "threads") - 1 &&
					  get_int(t, "create_call_ns") > 0,
				  "%lld calls timed for %lld threads",
				  (long long)get_int(t, "create_calls"),
				  (long long)get_int(t, "threads"));
		else
			CHECK_MSG(get_int(t, "create_calls") == 0,
				  "%lld calls timed without --creation-calls",
				  (long long)get_int(t, "create_calls"));
		json_object_put(r);
	}
	free(out);
}

/* A family run's output, the workload_table' own lines included, fits a
 * terminal of 68 lines: five models (their result and brief lines, ten),
 * the table (about twenty rows) and an explanation of the three costs,
 * whose conditional claims (locks, hand-offs, wakeups) come and go with
 * the figures of a loaded machine. */
#define SCREEN_LINES 68

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

TEST(every_family_runs_under_probes)
{
	const char *why, *dir, *last = "";
	char *out = malloc(OUT_MAX);

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	for (const struct workload *const *w = workload_table; *w; w++) {
		char path[512];
		struct json_object *r;

		if (strcmp((*w)->scenario, last)) {
			const char *argv[] = {
				test_lab_path(), "run", (*w)->scenario, "-o",
				dir, "--tasks", "2", "--ops", "20",
				"--duration", "0.05", "--creation-calls",
				/* once: the screen holds one
				 * round's lines */
				"--repeat", "1", NULL};
			int code;

			last = (*w)->scenario;
			code = test_run(argv, out, OUT_MAX, false);
			CHECK_MSG(code == 0, "lab run %s exited %d:\n%s", last,
				  code, out);
			/* runs in brief, the comparison, the explanation */
			CHECK_MSG(count_lines(out) <= SCREEN_LINES,
				  "lab run %s printed %zu lines, more than a "
				  "screen:\n%s",
				  last, count_lines(out), out);
			snprintf(path, sizeof(path), "%s/%s.json", dir, last);
			r = json_object_from_file(path);
			if (CHECK_MSG(r, "no comparison %s", path))
				check_explanation(r, last);
			json_object_put(r);
		}
		snprintf(path, sizeof(path), "%s/%s.json", dir, (*w)->name);
		r = json_object_from_file(path);
		if (!CHECK_MSG(r, "no report %s", path))
			continue;
		CHECK_MSG(get_int(get(r, "trace"), "dropped") == 0,
			  "%s dropped events", (*w)->name);
		/* nothing lost: every timeline has every switch */
		CHECK_MSG(get_int(get(r, "trace"), "threads_with_gaps") == 0,
			  "%s: %lld timelines with gaps and nothing dropped",
			  (*w)->name,
			  (long long)get_int(get(r, "trace"),
					     "threads_with_gaps"));
		CHECK_MSG(json_object_get_boolean(
				  get(get(r, "trace"), "complete")),
			  "%s: trace incomplete", (*w)->name);
		CHECK_MSG(get_int(get(r, "totals"), "threads") >= 1,
			  "%s: no threads", (*w)->name);
		/* every task but the root came from one counted fork/clone */
		if (!strcmp((*w)->name, "spawn-processes") ||
		    !strcmp((*w)->name, "spawn-threads"))
			CHECK_MSG(get_int(get(r, "totals"), "create_calls") ==
						  get_int(get(r, "totals"),
							  "threads") -
							  1 &&
					  get_int(get(r, "totals"),
						  "create_call_ns") > 0,
				  "%s: %lld creating calls for %lld threads",
				  (*w)->name,
				  (long long)get_int(get(r, "totals"),
						     "create_calls"),
				  (long long)get_int(get(r, "totals"),
						     "threads"));
		json_object_put(r);
	}
	free(out);
}

static uid_t owner(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? (uid_t)-1 : st.st_uid;
}

/* Under sudo the command runs as the invoking user and the outputs are
 * theirs; without sudo, root stays root. */
TEST(sudo_runs_the_command_as_the_invoking_user)
{
	const char *why, *dir;
	char out[8192], path[600];

	if (!test_can_trace(&why))
		SKIP(why);
	dir = test_tmpdir();
	/* the user's own directory: lab creates out/ there as the user */
	if (!CHECK(chown(dir, 65534, 65534) == 0))
		return;
	snprintf(path, sizeof(path), "%s/out", dir);
	const char *argv[] = {"/usr/bin/env",
			      "SUDO_UID=65534",
			      "SUDO_GID=65534",
			      test_lab_path(),
			      "run",
			      "-o",
			      path,
			      "--",
			      "id",
			      NULL};
	int code = test_run(argv, out, sizeof(out), false);

	if (!CHECK_MSG(code == 0, "exit %d:\n%s", code, out))
		return;
	CHECK_MSG(strstr(out, "uid=65534") && strstr(out, "gid=65534"),
		  "the command did not run as the user:\n%s", out);
	CHECK_MSG(!strstr(out, "groups=0") && !strstr(out, "(root)"),
		  "root's groups were kept:\n%s", out);
	CHECK_EQ(owner(path), 65534);
	snprintf(path, sizeof(path), "%s/out/id.lab", dir);
	CHECK_EQ(owner(path), 65534);
	snprintf(path, sizeof(path), "%s/out/id.json", dir);
	CHECK_EQ(owner(path), 65534);

	snprintf(path, sizeof(path), "%s/root", dir);
	const char *as_root[] = {"/usr/bin/env",
				 "-u",
				 "SUDO_UID",
				 "-u",
				 "SUDO_GID",
				 test_lab_path(),
				 "run",
				 "-o",
				 path,
				 "--",
				 "id",
				 "-u",
				 NULL};
	code = test_run(as_root, out, sizeof(out), false);
	CHECK_MSG(code == 0 && !strncmp(out, "0\n", 2), "exit %d:\n%s", code,
		  out);
	snprintf(path, sizeof(path), "%s/root/id.json", dir);
	CHECK_EQ(owner(path), 0);
}

TEST(timeout_kills_the_run_and_keeps_its_trace)
{
	const char *why, *dir;
	char out[8192], path[600];
	struct json_object *r;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = test_tmpdir();
	const char *argv[] = {test_lab_path(),
			      "run",
			      "--timeout",
			      "0.3",
			      "-o",
			      dir,
			      "--",
			      "/bin/sh",
			      "-c",
			      "sleep 30 & sleep 30",
			      NULL};
	int code = test_run(argv, out, sizeof(out), false);

	CHECK_MSG(code == 124, "exit %d:\n%s", code, out);
	CHECK_MSG(strstr(out, "did not finish within 0.3 s"), "%s", out);
	snprintf(path, sizeof(path), "%s/sh.json", dir);
	r = json_object_from_file(path);
	if (CHECK_MSG(r, "no report %s", path)) {
		CHECK(!json_object_get_boolean(
			get(get(r, "trace"), "complete")));
		json_object_put(r);
	}
	/* the background sleep of the killed group is gone too */
	const char *pg[] = {"/usr/bin/pgrep", "-x", "-f", "sleep 30", NULL};
	CHECK_MSG(test_run(pg, out, sizeof(out), false) == 1,
		  "a process of the run survived: %s", out);
	CHECK_EQ(our_programs_left(), 0);
}

/* root writes into a directory the user owns: a planted symlink must
 * not make it overwrite another file */
TEST(a_planted_symlink_is_not_followed)
{
	const char *why, *dir;
	char out[8192], victim[600], link[600];
	FILE *f;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = test_tmpdir();
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(link, sizeof(link), "%s/true.json.tmp", dir);
	f = fopen(victim, "w");
	if (f == NULL) {
		CHECK_MSG(0, "cannot create %s", victim);
		return;
	}
	fputs("keep", f);
	fclose(f);
	if (!CHECK(symlink("victim", link) == 0))
		return;
	const char *argv[] = {test_lab_path(), "run", "-o", dir, "--",
			      "true",	       NULL};
	CHECK_MSG(test_run(argv, out, sizeof(out), false) == 0, "%s", out);
	f = fopen(victim, "r");
	if (CHECK(f)) {
		char buf[16] = "";

		CHECK_MSG(fgets(buf, sizeof(buf), f) && !strcmp(buf, "keep"),
			  "the file behind the link was overwritten: %s", buf);
		fclose(f);
	}
}

/* Ctrl-C (or SIGTERM), twice in a row as an impatient user does: the
 * run ends with 128+N, the whole process group is gone, nothing stays attached,
 * and the trace of what was recorded is readable and marked incomplete. */
/* lab run -o dir -- sh -c script, its output dropped; returns lab's pid
 * once the shell runs, or 0 when it did not start. */
static pid_t start_lab_on_shell(const char *dir, const char *script)
{
	pid_t lab = fork(), sh = 0;

	if (lab == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl(test_lab_path(), "lab", "run", "-o", dir, "--", "/bin/sh",
		      "-c", script, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 5000 && !sh; i++) {
		usleep(1000);
		sh = child_named(lab, "sh");
	}
	if (!sh) {
		kill(lab, SIGKILL);
		waitpid(lab, NULL, 0);
		return 0;
	}
	/* time for the shell to start its sleeps */
	usleep(100000);
	return lab;
}

static void stop_twice(int sig)
{
	const char *why, *dir;
	char json[512], out[4096];
	struct json_object *r;
	pid_t lab;
	int status;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = test_tmpdir();
	snprintf(json, sizeof(json), "%s/sh.json", dir);
	lab = start_lab_on_shell(dir, "sleep 31 & sleep 31");
	if (!CHECK_MSG(lab, "the command did not start"))
		return;
	kill(lab, sig);
	usleep(1000);
	kill(lab, sig);
	if (!CHECK(waitpid(lab, &status, 0) == lab))
		return;
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 128 + sig,
		  "status %#x", status);
	r = json_object_from_file(json);
	if (CHECK_MSG(r, "no report %s", json)) {
		CHECK(!json_object_get_boolean(
			get(get(r, "trace"), "complete")));
		CHECK(get_int(get(r, "trace"), "events") > 0);
		json_object_put(r);
	}
	const char *pg[] = {"/usr/bin/pgrep", "-x", "-f", "sleep 31", NULL};
	CHECK_MSG(test_run(pg, out, sizeof(out), false) == 1,
		  "a process of the run survived: %s", out);
	CHECK_EQ(our_programs_left(), 0);
}

TEST(ctrl_c_twice_cleans_up_and_keeps_the_trace)
{
	stop_twice(SIGINT);
}

TEST(sigterm_twice_cleans_up_and_keeps_the_trace)
{
	stop_twice(SIGTERM);
}

/* lab itself killed outright: no cleanup of its own runs, yet its guard
 * kills the command's group and the kernel drops the probes with lab's
 * descriptors. */
TEST(a_killed_lab_leaves_nothing_running_or_attached)
{
	const char *why, *dir;
	char out[4096];
	pid_t lab;
	int status;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = test_tmpdir();
	lab = start_lab_on_shell(dir, "sleep 32 & sleep 32");
	if (!CHECK_MSG(lab, "the command did not start"))
		return;
	kill(lab, SIGKILL);
	if (!CHECK(waitpid(lab, &status, 0) == lab))
		return;
	const char *pg[] = {"/usr/bin/pgrep", "-x", "-f", "sleep 32", NULL};
	int left = 1;

	/* the guard acts once lab's descriptors are closed */
	for (int i = 0; i < 200 && left; i++) {
		left = test_run(pg, out, sizeof(out), false) == 0;
		if (left)
			usleep(10000);
	}
	CHECK_MSG(!left, "a process of the run survived: %s", out);
	CHECK_EQ(our_programs_left(), 0);
}

/* A traced program that crashes: exit 3, the report written and saying
 * how it ended, nothing left attached. */
TEST(a_crashing_command_is_reported)
{
	const char *why, *dir;
	char out[8192], json[512];
	struct json_object *r;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = test_tmpdir();
	snprintf(json, sizeof(json), "%s/sh.json", dir);
	const char *argv[] = {
		test_lab_path(), "run", "-o", dir, "--", "/bin/sh", "-c",
		"kill -SEGV $$", NULL};
	int code = test_run(argv, out, sizeof(out), false);

	CHECK_MSG(code == 3, "exit %d:\n%s", code, out);
	CHECK_MSG(strstr(out, "killed by signal 11"), "%s", out);
	r = json_object_from_file(json);
	if (CHECK_MSG(r, "no report %s", json)) {
		CHECK_EQ(get_int(get(r, "run"), "exit_signal"), 11);
		json_object_put(r);
	}
	CHECK_EQ(our_programs_left(), 0);
}
