/* test_memory.c - what a process, a thread and a coroutine hold in memory:
 * the arithmetic of analyzer/memory.c, the samples through a trace file,
 * and, under the probes, the figures against /proc read independently at
 * the same moment and against each other. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>
#include "analyzer/analyze.h"
#include "analyzer/memory.h"
#include "probes/trace_writer.h"
#include "tests/json_path.h"
#include "tests/test.h"

static struct lab_memory sample(uint32_t point, uint32_t pid, uint32_t threads,
				uint64_t uss, uint64_t anon, uint64_t pte)
{
	return (struct lab_memory){.point = point,
				   .pid = pid,
				   .threads = threads,
				   .uss_kb = uss,
				   .pss_kb = anon + 100,
				   .pss_anon_kb = anon,
				   .pss_file_kb = 100,
				   .pte_kb = pte};
}

/* A root of 200 kB anonymous memory forks two children that hold 40 kB
 * each of their own and starts three threads: a process costs its own
 * pages and page tables, the threads share what is left of the growth. */
TEST(memory_costs_split_processes_from_threads)
{
	struct run_report r = {0};
	const struct lab_memory s[] = {
		sample(LAB_MEMORY_BEFORE, 10, 1, 180, 200, 40),
		sample(LAB_MEMORY_PEAK, 10, 4, 100, 230, 52),
		sample(LAB_MEMORY_PEAK, 11, 1, 40, 60, 44),
		sample(LAB_MEMORY_PEAK, 12, 1, 40, 60, 44),
	};
	const struct memory_cost *p = &r.memory.cost[MEMORY_PROCESS],
				 *t = &r.memory.cost[MEMORY_THREAD];

	r.info.kernel_stack_bytes = 16384;
	r.info.task_struct_bytes = 6144;
	if (!CHECK_EQ(memory_fill(&r, s, sizeof(s) / sizeof(s[0])), 0))
		return;
	CHECK(r.memory.sampled);
	CHECK_EQ(r.memory.peak.processes, 3);
	CHECK_EQ(r.memory.peak.threads, 6);
	CHECK_EQ(p->tasks, 2);
	CHECK(p->user_kib == 40 && p->page_tables_kib == 44);
	CHECK(p->kernel_kib == 22);
	/* grown: anonymous 350 - 200, page tables 140 - 40; less the
	 * processes' own 80 and 88: 70 and 12 over three threads */
	CHECK_EQ(t->tasks, 3);
	CHECK_MSG(fabs(t->user_kib - 70.0 / 3) < 1e-9, "%f", t->user_kib);
	CHECK_MSG(fabs(t->page_tables_kib - 4) < 1e-9, "%f",
		  t->page_tables_kib);
	CHECK_EQ(r.memory.kind, MEMORY_THREAD);
	CHECK(r.memory.has_kind);
	free(r.memory.processes);
}

/* Coroutines add no kernel task: their growth is divided among the tasks
 * the workload marked, and they cost the kernel nothing more. A workload
 * whose tasks had mostly ended at its peak says no cost at all. */
TEST(memory_costs_of_coroutines_and_of_tasks_gone)
{
	struct run_report r = {0};
	const struct lab_memory co[] = {
		sample(LAB_MEMORY_BEFORE, 10, 1, 180, 200, 40),
		sample(LAB_MEMORY_PEAK, 10, 1, 980, 1000, 44),
	};
	const struct lab_memory gone[] = {
		sample(LAB_MEMORY_BEFORE, 10, 1, 180, 200, 40),
		sample(LAB_MEMORY_PEAK, 10, 1, 180, 200, 40),
		sample(LAB_MEMORY_PEAK, 11, 1, 40, 60, 44),
	};

	r.marked_tasks = 100;
	r.results_known = 1u << LAB_RESULT_CORO_MAPPED;
	r.info.kernel_stack_bytes = 16384;
	if (!CHECK_EQ(memory_fill(&r, co, 2), 0))
		return;
	CHECK_EQ(r.memory.kind, MEMORY_COROUTINE);
	CHECK_EQ(r.memory.cost[MEMORY_COROUTINE].tasks, 100);
	CHECK(r.memory.cost[MEMORY_COROUTINE].user_kib == 8);
	CHECK(r.memory.cost[MEMORY_COROUTINE].kernel_kib == 0);
	free(r.memory.processes);
	memset(&r.memory, 0, sizeof(r.memory));
	r.results_known = 0;
	/* one process of the 100 made was alive at the peak */
	if (!CHECK_EQ(memory_fill(&r, gone, 3), 0))
		return;
	CHECK(!r.memory.has_kind && !r.memory.cost[MEMORY_PROCESS].tasks);
	CHECK_EQ(r.memory.nprocesses, 2);
	free(r.memory.processes);
}

/* The kernel stack the trace header states is what the running kernel
 * holds per task: /proc/meminfo's KernelStack over the tasks alive
 * (/proc/loadavg's count, and one idle task a CPU). */
TEST(kernel_stack_per_task_is_the_kernels)
{
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long long kb = 0, tasks = 0;
	unsigned running;
	char line[256];
	long cpus = sysconf(_SC_NPROCESSORS_CONF);

	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "KernelStack: %llu", &kb);
	if (f)
		fclose(f);
	f = fopen("/proc/loadavg", "r");
	if (!CHECK(f) ||
	    !CHECK(fscanf(f, "%*f %*f %*f %u/%llu", &running, &tasks) == 2)) {
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	double per = (double)kb * 1024 / (double)(tasks + (unsigned)cpus);

	/* tasks come and go between the two reads */
	CHECK_MSG(fabs(per - 16384) < 0.2 * 16384,
		  "%llu kB of kernel stacks for %llu tasks: %.0f bytes each",
		  kb, tasks, per);
}

/* ---- under the probes ---- */

/* The peak's record of pid in a report, NULL if it has none. */
static json_object *peak_process(json_object *report, int pid)
{
	json_object *ps = json_path(report, "memory.peak.by_process");

	for (size_t i = 0; ps && i < json_object_array_length(ps); i++) {
		json_object *p = json_object_array_get_idx(ps, i);

		if (json_path_u64(p, "pid") == (uint64_t)pid)
			return p;
	}
	return NULL;
}

/* Equal within 5%, or a page for figures of a few pages. */
static bool close_to(uint64_t lab, uint64_t oracle)
{
	uint64_t d = lab > oracle ? lab - oracle : oracle - lab;

	return d <= 4 || (double)d <= 0.05 * (double)oracle;
}

struct read_kb {
	int pid;
	unsigned long long uss, pss;
};

static unsigned long long rollup_field(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	return p ? strtoull(p + strlen(name), NULL, 10) : 0;
}

/* A /proc file, which says it is empty until read, into buf. */
static bool read_proc(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n = 1;

	if (fd < 0)
		return false;
	while (n > 0 && got + 1 < len) {
		n = read(fd, buf + got, len - 1 - got);
		got += n > 0 ? (size_t)n : 0;
	}
	close(fd);
	buf[got] = 0;
	return got > 0;
}

static bool read_rollup(int pid, struct read_kb *r)
{
	char path[64], text[4096];

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	if (!read_proc(path, text, sizeof(text)))
		return false;
	r->pid = pid;
	r->uss = rollup_field(text, "\nPrivate_Clean:") +
		 rollup_field(text, "\nPrivate_Dirty:");
	r->pss = rollup_field(text, "\nPss:");
	return true;
}

/* The root and its children, read while lab holds them at the peak. */
static size_t read_held(int root, struct read_kb *out, size_t cap)
{
	char path[64], kids[8192] = "";
	size_t n = 0;

	if (read_rollup(root, &out[0]))
		n = 1;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", root, root);
	read_proc(path, kids, sizeof(kids));
	for (char *p = kids, *end; *p && n < cap; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (read_rollup((int)pid, &out[n]))
			n++;
	}
	return n;
}

/* Within the oracle's own range: a process read twice moves between the
 * reads as much as other programs start and end beside it (their share
 * of libc's pages is in its PSS), and lab samples at the hold's end,
 * less than the reads' 2 s after the second: the range widened by that
 * move, then 5% or a page. */
static bool within(uint64_t lab, unsigned long long a, unsigned long long b)
{
	unsigned long long lo = a < b ? a : b, hi = a < b ? b : a;
	double moved = (double)(hi - lo);

	return (double)lab + 4 + moved >= 0.95 * (double)lo &&
	       (double)lab <= 1.05 * (double)hi + 4 + moved;
}

/* The held processes read twice, into first and second by pid. */
struct held {
	size_t n;
	struct read_kb first[256], second[256];
};

static const struct read_kb *read_of(const struct held *h, int pid)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->second[i].pid == pid)
			return &h->second[i];
	return NULL;
}

/* Runs `lab run WORKLOAD --hold 3` with 200 tasks, reads /proc of the
 * held tasks twice while the workload holds (lab samples at the end of
 * the hold), then checks every process against the report's peak. The
 * tasks wait meanwhile: a forked child that writes a page copies it,
 * and its parent's page becomes the parent's own again, so a process's
 * figures move while its children run. */
static void held_against_proc(const char *workload, const char *dir)
{
	struct held *h = calloc(1, sizeof(*h));
	char json[512], line[1024];
	int fds[2], root = 0, status;
	FILE *out;
	pid_t lab;

	if (!h || pipe(fds)) {
		free(h);
		return;
	}
	lab = fork();
	if (lab == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		execl(test_lab_path(), "lab", "run", workload, "--tasks", "200",
		      "--ops", "100", "--hold", "3", "--repeat", "1", "-o", dir,
		      (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	out = fdopen(fds[0], "r");
	while (out && fgets(line, sizeof(line), out)) {
		const char *at = strstr(line, "(root pid ");

		if (at && !root) {
			root = atoi(at + strlen("(root pid "));
			usleep(500000);
			h->n = read_held(root, h->first, 256);
			usleep(2000000);
			read_held(root, h->second, 256);
		}
	}
	if (out)
		fclose(out);
	waitpid(lab, &status, 0);
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "lab run %s: status %d", workload, status);
	snprintf(json, sizeof(json), "%s/%s.json", dir, workload);
	json_object *report = json_object_from_file(json);

	if (CHECK_MSG(root && report, "%s: root %d, no %s", workload, root,
		      json)) {
		CHECK_MSG(
			h->n == json_path_u64(report, "memory.peak.processes"),
			"%s: %zu processes read at the hold, the report's "
			"peak has %llu",
			workload, h->n,
			(unsigned long long)json_path_u64(
				report, "memory.peak.processes"));
		for (size_t i = 0; i < h->n; i++) {
			const struct read_kb *a = &h->first[i],
					     *b = read_of(h, a->pid);
			json_object *p = peak_process(report, a->pid);
			uint64_t uss = p ? json_path_u64(p, "uss_kb") : 0,
				 pss = p ? json_path_u64(p, "pss_kb") : 0;

			CHECK_MSG(p && b && within(uss, a->uss, b->uss) &&
					  within(pss, a->pss, b->pss),
				  "%s: pid %d: lab USS %llu PSS %llu kB, /proc "
				  "%llu and %llu, then %llu and %llu",
				  workload, a->pid, (unsigned long long)uss,
				  (unsigned long long)pss, a->uss, a->pss,
				  b ? b->uss : 0, b ? b->pss : 0);
		}
	}
	json_object_put(report);
	free(h);
}

TEST_TIMEOUT(memory_at_the_peak_is_what_proc_says, 120)
{
	const char *why;
	char dir[512];

	if (!test_can_trace(&why))
		SKIP(why);
	/* race's processes wait at its start gate; io's threads are one
	 * process whose tasks sleep in their timers */
	snprintf(dir, sizeof(dir), "%s/processes", test_tmpdir());
	held_against_proc("race-processes", dir);
	snprintf(dir, sizeof(dir), "%s/threads", test_tmpdir());
	held_against_proc("io-threads", dir);
}

static double metric(json_object *cmp, const char *model, const char *key)
{
	json_object *models = json_path(cmp, "comparison.models");

	for (size_t i = 0; models && i < json_object_array_length(models);
	     i++) {
		json_object *m = json_object_array_get_idx(models, i);
		json_object *v;

		if (strcmp(json_path_str(m, "model"), model))
			continue;
		v = json_path(m, "metrics");
		if (v && json_object_object_get_ex(v, key, &v) &&
		    json_object_object_get_ex(v, "median", &v))
			return json_object_get_double(v);
	}
	return NAN;
}

/* 200 blocked tasks: a process holds more than twice what a thread
 * does, a thread more than twice what a coroutine does. */
/* lab samples the peak while the root waits, every task made: a phase
 * of its own between the making of the tasks and their work, so that
 * the spawn phase (creation per task) is not charged with it. */
TEST(the_peak_sample_is_a_phase_of_its_own)
{
	static const char *const models[] = {"processes", "threads",
					     "coroutines"};
	const char *why, *dir;
	char *out = malloc(65536), json[512];

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	const char *argv[] = {
		test_lab_path(), "run",	     "lock", "--tasks", "4", "--ops",
		"1000",		 "--repeat", "1",    "-o",	dir, NULL};
	int code = test_run(argv, out, 65536, false);

	if (!CHECK_MSG(code == 0, "lab run lock exited %d:\n%s", code, out))
		goto done;
	for (size_t m = 0; m < 3; m++) {
		char seq[256] = "";
		json_object *r, *phases;

		snprintf(json, sizeof(json), "%s/lock-%s.json", dir, models[m]);
		r = json_object_from_file(json);
		phases = r ? json_object_object_get(r, "phases") : NULL;
		for (size_t i = 0;
		     phases && i < json_object_array_length(phases); i++) {
			json_object *ph = json_object_object_get(
				json_object_array_get_idx(phases, i), "phase");

			strncat(seq, json_object_get_string(ph) ?: "?",
				sizeof(seq) - strlen(seq) - 2);
			strcat(seq, " ");
		}
		CHECK_MSG(strstr(seq, "spawn sample work "),
			  "lock-%s: phases %s", models[m], seq);
		json_object_put(r);
	}
done:
	free(out);
}

TEST_TIMEOUT(memory_per_task_orders_the_models, 180)
{
	const char *why, *dir;
	char *out = malloc(65536), json[512];

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	const char *argv[] = {test_lab_path(), "run", "io", "--tasks", "200",
			      "--repeat",      "1",   "-o", dir,       NULL};
	int code = test_run(argv, out, 65536, false);

	if (!CHECK_MSG(code == 0, "lab run io exited %d:\n%s", code, out))
		goto done;
	snprintf(json, sizeof(json), "%s/io.json", dir);
	json_object *cmp = json_object_from_file(json);
	double p = metric(cmp, "processes", "memory_per_task_kb"),
	       t = metric(cmp, "threads", "memory_per_task_kb"),
	       c = metric(cmp, "coroutines", "memory_per_task_kb");

	CHECK_MSG(p > 2 * t && t > 2 * c && c > 0,
		  "per task: processes %.1f kB, threads %.1f, coroutines %.1f",
		  p, t, c);
	CHECK_MSG(strstr(out, "Memory per task: processes"), "%s", out);
	json_object_put(cmp);
done:
	free(out);
}

/* A program of 100 threads and 100 processes that sleep: sampled along
 * the run, its peak holds all of them, each process as the program read
 * it itself, and a process costs more than twice a thread. */
TEST_TIMEOUT(memory_of_a_command_with_threads_and_processes, 120)
{
	const char *why, *dir;
	char *out = malloc(65536), oracle[512], json[512];
	json_object *report = NULL;
	FILE *f = NULL;
	int pid, n = 0;
	unsigned long long uss, pss;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	snprintf(oracle, sizeof(oracle), "%s/oracle.txt", dir);
	snprintf(json, sizeof(json), "%s/sleepers.json", dir);
	const char *argv[] = {test_lab_path(),
			      "run",
			      "-o",
			      dir,
			      "--",
			      "build/tests/sleepers",
			      oracle,
			      "100",
			      "100",
			      "1500",
			      NULL};
	int code = test_run(argv, out, 65536, false);

	if (!CHECK_MSG(code == 0, "lab run exited %d:\n%s", code, out))
		goto done;
	report = json_object_from_file(json);
	f = fopen(oracle, "r");
	if (!CHECK(report) || !CHECK(f))
		goto done;
	CHECK_EQ(json_path_u64(report, "memory.peak.threads"), 201);
	CHECK_EQ(json_path_u64(report, "memory.peak.processes"), 101);
	while (fscanf(f, "%d %llu %llu", &pid, &uss, &pss) == 3) {
		json_object *p = peak_process(report, pid);

		n++;
		CHECK_MSG(
			p && close_to(json_path_u64(p, "uss_kb"), uss) &&
				close_to(json_path_u64(p, "pss_kb"), pss),
			"pid %d: lab USS %llu PSS %llu kB, the program read "
			"%llu and %llu",
			pid,
			p ? (unsigned long long)json_path_u64(p, "uss_kb") : 0,
			p ? (unsigned long long)json_path_u64(p, "pss_kb") : 0,
			uss, pss);
	}
	CHECK_EQ(n, 101);
	double proc = json_object_get_double(
		       json_path(report, "memory.per_task.process.total_kb")),
	       thr = json_object_get_double(
		       json_path(report, "memory.per_task.thread.total_kb"));

	CHECK_MSG(proc > 2 * thr && thr > 0, "process %.1f kB, thread %.1f kB",
		  proc, thr);
done:
	if (f)
		fclose(f);
	json_object_put(report);
	free(out);
}
