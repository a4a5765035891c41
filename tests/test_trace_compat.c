/* test_trace_compat.c - traces of earlier format versions (tests/traces/)
 * read by today's lab: its reports of them are, byte for byte, the ones
 * the lab that recorded them printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"

#define OUT_MAX (256 * 1024)

/* The whole file, NUL-terminated; NULL if unreadable. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0) {
		p = malloc((size_t)n + 1);
		rewind(f);
		if (p && fread(p, 1, (size_t)n, f) == (size_t)n) {
			p[n] = '\0';
		} else {
			free(p);
			p = NULL;
		}
	}
	fclose(f);
	return p;
}

/* got equals the file want_path; else the first line that differs. */
static bool same_as(const char *got, const char *want_path)
{
	char *want = slurp(want_path);
	size_t at = 0, start = 0, line = 1;
	const char *g, *w;
	bool ok;

	if (!CHECK_MSG(want, "%s is missing", want_path))
		return false;
	for (; got[at] && got[at] == want[at]; at++)
		if (got[at] == '\n') {
			line++;
			start = at + 1;
		}
	g = got + start;
	w = want + start;
	ok = CHECK_MSG(
		!got[at] && !want[at],
		"%s differs at line %zu: got \"%.*s\", expected \"%.*s\"",
		want_path, line, (int)strcspn(g, "\n"), g,
		(int)strcspn(w, "\n"), w);
	free(want);
	return ok;
}

static void check_reports(const char *dir, const char *name)
{
	char trace[256], txt[256], json[256], json_out[512];
	char *out = malloc(OUT_MAX), *got_json;
	const char *argv[] = {test_lab_path(), "report", trace,
			      "--json",	       json_out, NULL};

	snprintf(trace, sizeof(trace), "tests/traces/%s/%s.lab", dir, name);
	snprintf(txt, sizeof(txt), "tests/traces/%s/%s.txt", dir, name);
	snprintf(json, sizeof(json), "tests/traces/%s/%s.json", dir, name);
	snprintf(json_out, sizeof(json_out), "%s/%s.json", test_tmpdir(), name);
	if (!CHECK(out) || !CHECK_MSG(test_run(argv, out, OUT_MAX, false) == 0,
				      "%s: %s", trace, out)) {
		free(out);
		return;
	}
	same_as(out, txt);
	got_json = slurp(json_out);
	if (CHECK_MSG(got_json, "%s: no JSON report", trace))
		same_as(got_json, json);
	free(got_json);
	free(out);
}

/* Format version 1, as lab 0.1.0 wrote it: a THREADS record of 552
 * bytes that held the kernel's working state among the counters. */
TEST(trace_version_1_reports_as_when_recorded)
{
	static const char *const names[] = {"true", "lock-threads",
					    "spawn-threads", "klock"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_reports("v1", names[i]);
}
