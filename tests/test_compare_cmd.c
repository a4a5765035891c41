/* test_compare_cmd.c - lab compare over real commands (the tests' own
 * workers program, CPython scripts where /usr/bin/python3 is), lab run
 * of a command with --repeat and --cpu, and lab report comparing traces
 * of commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "tests/json_path.h"
#include "tests/test.h"

#define OUT_MAX	 (256 * 1024)
#define WORKERS	 "build/tests/workers"
#define PYTHON	 "/usr/bin/python3"
#define SEED_JOB "docs/labs/seed_models.py"
#define AUDITOR	 "tests/audit_claims.py"

/* The model (command) named name in a lab-comparison/1 document. */
static json_object *model(json_object *doc, const char *name)
{
	json_object *models = json_path(doc, "comparison.models");

	for (size_t i = 0; models && i < json_object_array_length(models);
	     i++) {
		json_object *m = json_object_array_get_idx(models, i);

		if (!strcmp(json_path_str(m, "model"), name))
			return m;
	}
	return NULL;
}

/* A metric's median of a named command; -1 when it has none. */
static double median(json_object *doc, const char *name, const char *metric)
{
	char path[128];
	json_object *v;

	snprintf(path, sizeof(path), "metrics.%s.median", metric);
	v = json_path(model(doc, name), path);
	return v ? json_object_get_double(v) : -1;
}

/* The auditor passes the comparison at path. */
static void audited(const char *path)
{
	const char *argv[] = {PYTHON, AUDITOR, path, NULL};
	char *out = malloc(OUT_MAX);
	int code;

	if (!out || access(PYTHON, X_OK)) {
		free(out);
		return;
	}
	code = test_run(argv, out, OUT_MAX, false);
	CHECK_MSG(code == 0, "the auditor exited %d on %s:\n%s", code, path,
		  out);
	free(out);
}

/* The order a claim recorded of a against b on metric, or NULL. */
static const char *recorded(json_object *doc, const char *a, const char *b,
			    const char *metric)
{
	json_object *claims = json_path(doc, "explanation");

	for (size_t i = 0; claims && i < json_object_array_length(claims);
	     i++) {
		json_object *rels = json_path(
			json_object_array_get_idx(claims, i), "relations");

		for (size_t j = 0; rels && j < json_object_array_length(rels);
		     j++) {
			json_object *r = json_object_array_get_idx(rels, j);

			if (!strcmp(json_path_str(r, "kind"), "order") &&
			    !strcmp(json_path_str(r, "metric_a"), metric) &&
			    !strcmp(json_path_str(r, "model_a"), a) &&
			    !strcmp(json_path_str(r, "model_b"), b))
				return json_path_str(r, "order");
		}
	}
	return NULL;
}

static bool exists(const char *dir, const char *file)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, R_OK) == 0;
}

TEST_TIMEOUT(compare_two_commands_threads_against_processes, 240)
{
	const char *why, *dir;
	char *out = malloc(OUT_MAX), json[512];
	json_object *doc;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	const char *argv[] = {test_lab_path(),
			      "compare",
			      "-o",
			      dir,
			      "--repeat",
			      "3",
			      "--creation-calls",
			      "-n",
			      "threads",
			      WORKERS " threads 8 sleep 20",
			      "-n",
			      "processes",
			      WORKERS " processes 8 sleep 20",
			      NULL};
	int code = test_run(argv, out, OUT_MAX, false);

	CHECK_MSG(code == 0, "lab compare exited %d:\n%s", code, out);
	CHECK_MSG(strstr(out, "explanation"), "no explanation:\n%s", out);
	for (int i = 1; i <= 3; i++)
		for (int k = 0; k < 2; k++) {
			char f[64];

			snprintf(f, sizeof(f), "%s-%d.lab",
				 k ? "processes" : "threads", i);
			CHECK_MSG(exists(dir, f), "no %s in %s", f, dir);
		}
	CHECK(exists(dir, "index.html"));
	snprintf(json, sizeof(json), "%s/compare.json", dir);
	doc = json_object_from_file(json);
	if (!CHECK_MSG(doc, "no comparison %s", json)) {
		free(out);
		return;
	}
	CHECK_EQ(strcmp(json_path_str(doc, "schema"), "lab-comparison/1"), 0);
	CHECK(model(doc, "threads") && model(doc, "processes"));
	CHECK_EQ(json_path_u64(model(doc, "threads"), "runs"), 3);
	/* processes create slower: a fork copies the page tables the clone
	 * of a thread shares (MEASURED.md: 170-260 us against 27-50 us),
	 * and each child faults in what it touches */
	CHECK_MSG(median(doc, "processes", "create_call_ns") >
			  median(doc, "threads", "create_call_ns"),
		  "fork %g ns, clone %g ns",
		  median(doc, "processes", "create_call_ns"),
		  median(doc, "threads", "create_call_ns"));
	CHECK(median(doc, "processes", "page_faults_per_created") >
	      median(doc, "threads", "page_faults_per_created"));
	/* an order the explanation states of creation is that one */
	for (int k = 0; k < 2; k++) {
		const char *m = k ? "create_call_ns" : "fork_to_run_ns";
		const char *o = recorded(doc, "threads", "processes", m);
		const char *p = recorded(doc, "processes", "threads", m);

		CHECK_MSG(!o || strcmp(o, "above"), "threads above on %s", m);
		CHECK_MSG(!p || strcmp(p, "below"), "processes below on %s", m);
	}
	json_object_put(doc);
	audited(json);
	free(out);
}

TEST_TIMEOUT(compare_cpython_threads_hold_the_gil, 300)
{
	const char *why, *dir;
	char *out = malloc(OUT_MAX), json[512], run[512];
	json_object *doc, *rep, *locks;
	double busy_t, busy_p;
	bool gil = false;

	if (access(PYTHON, X_OK)) {
		free(out);
		SKIP("no " PYTHON);
	}
	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	const char *argv[] = {test_lab_path(),
			      "compare",
			      "-o",
			      dir,
			      "--repeat",
			      "2",
			      "-n",
			      "py-threads",
			      PYTHON " " SEED_JOB " cpu threads 2 2500000",
			      "-n",
			      "py-processes",
			      PYTHON " " SEED_JOB " cpu processes 2 2500000",
			      NULL};
	int code = test_run(argv, out, OUT_MAX, false);

	CHECK_MSG(code == 0, "lab compare exited %d:\n%s", code, out);
	snprintf(json, sizeof(json), "%s/compare.json", dir);
	doc = json_object_from_file(json);
	if (!CHECK_MSG(doc, "no comparison %s:\n%s", json, out)) {
		free(out);
		return;
	}
	busy_t = median(doc, "py-threads", "cpus_busy");
	busy_p = median(doc, "py-processes", "cpus_busy");
	/* one thread holds the interpreter's lock at a time */
	CHECK_MSG(busy_t >= 0 && busy_t <= 1.1, "threads kept %g CPUs busy",
		  busy_t);
	/* processes each have their own: more CPUs, unless other work on
	 * the machine held them back, which their run-queue waits show */
	CHECK_MSG(busy_p > busy_t ||
			  median(doc, "py-processes", "runq_wait_ns") >
				  median(doc, "py-processes", "oncpu_ns"),
		  "processes kept %g CPUs busy, threads %g", busy_p, busy_t);
	/* the threads waited on the GIL's futex words, named in the run's
	 * lock table from the interpreter's symbols */
	snprintf(run, sizeof(run), "%s/py-threads-1.json", dir);
	rep = json_object_from_file(run);
	locks = json_path(rep, "locks.user");
	for (size_t i = 0; locks && i < json_object_array_length(locks); i++) {
		json_object *l = json_object_array_get_idx(locks, i);

		gil |= !strncmp(json_path_str(l, "symbol"), "_PyRuntime", 10) &&
		       json_path_u64(l, "total_wait_ns") > 0;
	}
	CHECK_MSG(gil, "no wait on a _PyRuntime futex word in %s", run);
	json_object_put(rep);
	json_object_put(doc);
	audited(json);
	free(out);
}

TEST_TIMEOUT(run_a_command_repeated_on_one_cpu, 120)
{
	const char *why, *dir;
	char *out = malloc(OUT_MAX), json[512];
	json_object *doc;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	const char *argv[] = {
		test_lab_path(), "run", "-o", dir,     "--repeat", "2",
		"--cpu",	 "0",	"--", WORKERS, "threads",  "2",
		"spin",		 "100", NULL};
	int code = test_run(argv, out, OUT_MAX, false);

	CHECK_MSG(code == 0, "lab run exited %d:\n%s", code, out);
	CHECK(exists(dir, "workers-1.lab") && exists(dir, "workers-2.lab"));
	snprintf(json, sizeof(json), "%s/compare.json", dir);
	doc = json_object_from_file(json);
	if (CHECK_MSG(doc, "no comparison %s:\n%s", json, out)) {
		CHECK_EQ(strcmp(json_path_str(doc, "params"), "cpu=0"), 0);
		CHECK_EQ(json_path_u64(model(doc, "workers"), "runs"), 2);
		/* two spinning threads on one CPU keep at most that one */
		CHECK_MSG(median(doc, "workers", "cpus_busy") <= 1.02,
			  "kept %g CPUs busy on --cpu 0",
			  median(doc, "workers", "cpus_busy"));
		json_object_put(doc);
	}
	free(out);
}

TEST_TIMEOUT(report_compares_traces_of_commands, 120)
{
	const char *why, *dir;
	char *out = malloc(OUT_MAX), traces[2][512], json[512];
	json_object *doc;
	int code;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	for (int k = 0; k < 2; k++) {
		char sub[512], from[600];
		const char *argv[] = {test_lab_path(),
				      "run",
				      "-o",
				      sub,
				      "--",
				      WORKERS,
				      k ? "processes" : "threads",
				      "3",
				      "sleep",
				      "10",
				      NULL};

		snprintf(sub, sizeof(sub), "%s/%d", dir, k);
		code = test_run(argv, out, OUT_MAX, false);
		CHECK_MSG(code == 0, "lab run exited %d:\n%s", code, out);
		snprintf(from, sizeof(from), "%s/workers.lab", sub);
		snprintf(traces[k], sizeof(traces[k]), "%s/%s.lab", dir,
			 k ? "forked" : "cloned");
		CHECK_EQ(rename(from, traces[k]), 0);
	}
	snprintf(json, sizeof(json), "%s/both.json", dir);
	const char *argv[] = {test_lab_path(), "report", traces[0], traces[1],
			      "--json",	       json,	 NULL};

	code = test_run(argv, out, OUT_MAX, false);
	CHECK_MSG(code == 0, "lab report exited %d:\n%s", code, out);
	/* each trace's whole summary, then the comparison */
	CHECK_MSG(strstr(out, "on-CPU") && strstr(out, "CPUs kept busy"), "%s",
		  out);
	CHECK_MSG(strstr(out, "commands compared"), "%s", out);
	doc = json_object_from_file(json);
	if (CHECK_MSG(doc, "no comparison %s", json)) {
		CHECK(model(doc, "cloned") && model(doc, "forked"));
		json_object_put(doc);
	}
	audited(json);
	free(out);
}

TEST(compare_refuses_bad_command_lines)
{
	static const char *const bad[][13] = {
		{"compare", NULL},
		{"compare", "-n", "a", NULL},
		{"compare", "-n", "a", "true", "-n", NULL},
		{"compare", "-n", "a", "true", "-n", "a", "false", NULL},
		{"compare", "--tasks", "2", "true", "false", NULL},
		/* one more than the table has columns */
		{"compare", "a", "b", "c", "d", "e", "f", NULL},
		{"compare", "--repeat", "0", "true", NULL},
	};
	char out[4096];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[14] = {test_lab_path()};
		int code;

		for (int k = 0; bad[i][k]; k++)
			argv[k + 1] = bad[i][k];
		code = test_run(argv, out, sizeof(out), false);
		CHECK_MSG(code == 2, "case %zu exited %d:\n%s", i, code, out);
		CHECK_MSG(!strncmp(out, "lab: compare: ", 14) &&
				  strchr(out, '\n') == out + strlen(out) - 1,
			  "case %zu: not one line:\n%s", i, out);
	}
}
