/* test_not_measured.c - a run on a kernel without some optional probes
 * (pretended with LAB_PROBES_WITHOUT) records in its trace which figures
 * were not measured, and every report of it says so and shows them as
 * absent, not 0: the run's own, and a later `lab report` of the trace,
 * which reads it from the trace and not from its environment. A run
 * with every probe names none; an older trace, which does not say,
 * reports as when it was recorded. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "tests/json_path.h"
#include "tests/test.h"
#include "analyzer/trace_reader.h"

#define OUT_MAX (1 << 16)

/* What the terminal prints, its wrapped lines joined again. */
static void unwrap(char *s)
{
	char *o = s;

	for (const char *p = s; *p; p++) {
		if (p[0] == '\n' && p[1] == ' ' && p[2] == ' ') {
			*o++ = ' ';
			p += 2;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
}

/* "a,b": the names of a report's trace.not_measured (a comparison's
 * not_measured), or "(absent)". */
static const char *names(json_object *doc, char *buf, size_t len)
{
	json_object *a = json_path(doc, "trace.not_measured");

	if (!a)
		a = json_path(doc, "not_measured");
	size_t n = 0;

	buf[0] = '\0';
	if (!a || !json_object_is_type(a, json_type_array))
		return "(absent)";
	for (size_t i = 0; i < json_object_array_length(a) && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "," : "",
				      json_object_get_string(
					      json_object_array_get_idx(a, i)));
	return buf;
}

/* Whether the object at path has key, set to null. */
static bool is_null(json_object *doc, const char *path, const char *key)
{
	json_object *o = json_path(doc, path), *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) && !v;
}

/* Whether the object at path has key, set to an integer. */
static bool is_int(json_object *doc, const char *path, const char *key)
{
	json_object *o = json_path(doc, path), *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) &&
	       json_object_is_type(v, json_type_int);
}

static const char line[] =
	"not measured on this kernel: kernel lock waits (no lock:contention "
	"tracepoints, Linux 5.19 on), page faults per thread (no "
	"exceptions:page_fault_user tracepoint, x86 only)";

/* The report at json says kernel lock waits and page faults were not
 * measured, and has null where their figures would be. */
static void check_unmeasured(const char *json)
{
	json_object *doc = json_object_from_file(json);
	char b[128];

	if (!CHECK_MSG(doc, "no report %s", json))
		return;
	CHECK_STR(names(doc, b, sizeof(b)), "kernel_lock_waits,page_faults");
	CHECK(is_null(doc, "totals", "klock_wait_ns"));
	CHECK(is_null(doc, "totals", "klock_count"));
	CHECK(is_null(doc, "totals", "page_faults"));
	CHECK(is_null(doc, "processes.0", "page_faults"));
	CHECK(is_null(doc, "processes.0.threads.0", "klock_wait_ns"));
	CHECK(is_null(doc, "processes.0.threads.0", "page_faults"));
	/* what the kernel did measure stays a figure */
	CHECK(is_int(doc, "totals", "user_switches"));
	CHECK(is_int(doc, "totals", "voluntary_switches"));
	json_object_put(doc);
}

TEST(not_measured_named_by_the_run_and_by_its_trace_later)
{
	const char *why, *dir;
	char *out = malloc(OUT_MAX), *page = NULL;
	char odir[400], json[512], html[512], trace[512], again[512];

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	snprintf(odir, sizeof(odir), "%s/without", dir);
	snprintf(json, sizeof(json), "%s/lock-threads.json", odir);
	snprintf(html, sizeof(html), "%s/lock-threads.html", odir);
	snprintf(trace, sizeof(trace), "%s/lock-threads.lab", odir);
	snprintf(again, sizeof(again), "%s/again.json", dir);
	const char *run[] = {
		test_lab_path(), "run",	 "lock-threads", "--tasks", "2",
		"--ops",	 "1000", "-o",		 odir,	    NULL};
	const char *report[] = {test_lab_path(), "report", trace,
				"--json",	 again,	   NULL};
	int code;

	if (!CHECK(out))
		goto out;
	setenv("LAB_PROBES_WITHOUT", "lock_contention,page_fault_user", 1);
	code = test_run(run, out, OUT_MAX, false);
	unsetenv("LAB_PROBES_WITHOUT");
	if (!CHECK_MSG(code == 0, "lab run exited %d:\n%s", code, out))
		goto out;
	unwrap(out);
	CHECK_MSG(strstr(out, line), "no line naming the gaps:\n%s", out);
	check_unmeasured(json);
	page = test_slurp(html);
	CHECK_MSG(page && strstr(page, "<section id=\"not-measured\"") &&
			  strstr(page, "kernel lock waits") &&
			  strstr(page, "page faults per thread"),
		  "%s: no not-measured notice", html);
	/* later, with every probe in the environment: the trace
	 * says what was missing */
	code = test_run(report, out, OUT_MAX, false);
	if (!CHECK_MSG(code == 0, "lab report exited %d:\n%s", code, out))
		goto out;
	unwrap(out);
	CHECK_MSG(strstr(out, line), "lab report does not say it:\n%s", out);
	check_unmeasured(again);
out:
	free(page);
	free(out);
}

TEST(not_measured_empty_with_every_probe)
{
	const char *why, *dir;
	char *out = malloc(OUT_MAX), *page = NULL;
	char odir[400], json[512], html[512], trace[512], b[128];
	json_object *doc = NULL;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	snprintf(odir, sizeof(odir), "%s/with", dir);
	snprintf(json, sizeof(json), "%s/lock-threads.json", odir);
	snprintf(html, sizeof(html), "%s/lock-threads.html", odir);
	snprintf(trace, sizeof(trace), "%s/lock-threads.lab", odir);
	const char *run[] = {
		test_lab_path(), "run",	 "lock-threads", "--tasks", "2",
		"--ops",	 "1000", "-o",		 odir,	    NULL};
	const char *report[] = {test_lab_path(), "report", trace, NULL};
	int code;

	if (!CHECK(out))
		goto out;
	code = test_run(run, out, OUT_MAX, false);
	if (!CHECK_MSG(code == 0, "lab run exited %d:\n%s", code, out))
		goto out;
	CHECK_MSG(!strstr(out, "not measured"), "%s", out);
	doc = json_object_from_file(json);
	if (!CHECK_MSG(doc, "no report %s", json))
		goto out;
	CHECK_STR(names(doc, b, sizeof(b)), "");
	CHECK(is_int(doc, "totals", "klock_wait_ns"));
	CHECK(is_int(doc, "totals", "page_faults"));
	CHECK(is_int(doc, "processes.0.threads.0", "page_faults"));
	page = test_slurp(html);
	CHECK_MSG(page && !strstr(page, "not-measured"), "%s", html);
	/* the environment of a later report changes nothing */
	setenv("LAB_PROBES_WITHOUT", "lock_contention,page_fault_user", 1);
	code = test_run(report, out, OUT_MAX, false);
	unsetenv("LAB_PROBES_WITHOUT");
	CHECK_MSG(code == 0 && !strstr(out, "not measured"),
		  "lab report exited %d:\n%s", code, out);
out:
	json_object_put(doc);
	free(page);
	free(out);
}

/* Traces of older labs do not say: not known, and not a gap. */
TEST(not_measured_not_known_in_older_traces)
{
	const char *dir = test_tmpdir();
	char json[512], err[256], *out = malloc(OUT_MAX);
	const char *argv[] = {
		test_lab_path(), "report", "tests/traces/v1/klock.lab",
		"--json",	 json,	   NULL};
	struct trace_reader *r = NULL;
	json_object *doc = NULL;

	snprintf(json, sizeof(json), "%s/old.json", dir);
	if (CHECK_MSG(!trace_reader_open_file(&r, "tests/traces/v1/klock.lab",
					      err, sizeof(err)),
		      "%s", err)) {
		CHECK(!trace_reader_info(r)->not_measured_known);
		trace_reader_free(r);
	}
	if (!CHECK(out) ||
	    !CHECK_MSG(test_run(argv, out, OUT_MAX, false) == 0, "%s", out))
		goto out;
	CHECK_MSG(!strstr(out, "not measured"), "%s", out);
	doc = json_object_from_file(json);
	if (!CHECK(doc))
		goto out;
	CHECK(!json_path(doc, "trace.not_measured"));
	CHECK(json_path_u64(doc, "totals.klock_count") > 0);
out:
	json_object_put(doc);
	free(out);
}

/* A family's comparison leaves the figures out and its screen, JSON and
 * page say which, once, within the screen a family fits (68 lines, as
 * test_probes.c's SCREEN_LINES). */
TEST(not_measured_named_by_a_family)
{
	const char *why, *dir;
	char *out = malloc(OUT_MAX), *page = NULL;
	char json[512], html[512], b[128];
	json_object *doc = NULL;
	size_t lines = 0;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	snprintf(json, sizeof(json), "%s/lock.json", dir);
	snprintf(html, sizeof(html), "%s/index.html", dir);
	const char *run[] = {
		test_lab_path(), "run",	     "lock", "--tasks", "2", "--ops",
		"1000",		 "--repeat", "1",    "-o",	dir, NULL};
	int code;

	if (!CHECK(out))
		goto out;
	setenv("LAB_PROBES_WITHOUT", "lock_contention,page_fault_user", 1);
	code = test_run(run, out, OUT_MAX, false);
	unsetenv("LAB_PROBES_WITHOUT");
	if (!CHECK_MSG(code == 0, "lab run exited %d:\n%s", code, out))
		goto out;
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	CHECK_MSG(lines <= 68, "%zu lines:\n%s", lines, out);
	CHECK_MSG(strstr(out, "\nnot measured on this kernel: kernel lock "
			      "waits, page faults per thread\n"),
		  "%s", out);
	doc = json_object_from_file(json);
	if (!CHECK_MSG(doc, "no comparison %s", json))
		goto out;
	CHECK_STR(names(doc, b, sizeof(b)), "kernel_lock_waits,page_faults");
	page = test_slurp(html);
	CHECK_MSG(page && strstr(page, "<section id=\"not-measured\""),
		  "%s: no not-measured notice", html);
out:
	json_object_put(doc);
	free(page);
	free(out);
}
