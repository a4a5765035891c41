/* test_audit.c - the claims auditor (tests/audit_claims.py), an oracle of
 * its own for every explanation: that it catches each kind of false
 * claim, made by changing one thing in a real comparison, and, after
 * every other test, its verdict on every comparison the tests left and
 * on the kept families. */
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include "tests/json_path.h"
#include "tests/kept_families.h"
#include "tests/test.h"

#define PYTHON	    "/usr/bin/python3"
#define AUDITOR	    "tests/audit_claims.py"
#define SCHEMA_LINE "\"schema\": \"lab-comparison/1\""
#define OUT_MAX	    (1 << 20)

/* The auditor over files: its output into out, its exit code returned
 * (0 all claims hold, 1 some do not, 2 a file is not a comparison). */
static int audit(char *const files[], size_t n, char *out, size_t outlen)
{
	const char **argv = calloc(n + 3, sizeof(*argv));
	int code;

	if (!argv)
		return -1;
	argv[0] = PYTHON;
	argv[1] = AUDITOR;
	for (size_t i = 0; i < n; i++)
		argv[2 + i] = files[i];
	code = test_run(argv, out, outlen, false);
	free(argv);
	return code;
}

/* How many violations of a kind ("order") the auditor printed: its lines
 * read "FILE: claim N (RULE): KIND: what". */
static size_t violations(const char *out, const char *kind)
{
	char needle[64];
	size_t n = 0;

	snprintf(needle, sizeof(needle), "): %s: ", kind);
	for (const char *p = out; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- changing one thing in a comparison ---- */

static const char *str(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v ? json_object_get_string(v) : "";
}

static void set_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

/* Each relation of the comparison in turn, with its claim, until fit
 * says it changed one. */
static bool each_relation(json_object *root,
			  bool (*fit)(json_object *claim, json_object *rel))
{
	json_object *claims = json_path(root, "explanation");

	for (size_t i = 0; i < json_object_array_length(claims); i++) {
		json_object *cl = json_object_array_get_idx(claims, i);
		json_object *rels = json_path(cl, "relations");

		for (size_t j = 0; j < json_object_array_length(rels); j++)
			if (fit(cl, json_object_array_get_idx(rels, j)))
				return true;
	}
	return false;
}

static bool apart(json_object *rel)
{
	return !strcmp(str(rel, "kind"), "order") &&
	       (!strcmp(str(rel, "order"), "above") ||
		!strcmp(str(rel, "order"), "below"));
}

static void flip(json_object *rel)
{
	set_str(rel, "order",
		!strcmp(str(rel, "order"), "above") ? "below" : "above");
}

/* an order called the other way round */
static bool flip_order(json_object *cl, json_object *rel)
{
	(void)cl;
	if (!apart(rel))
		return false;
	flip(rel);
	return true;
}

/* a ratio shown one more than it is: "3.5×" as "4.5×" */
static bool ratio_shown(json_object *cl, json_object *rel)
{
	const char *shown = str(rel, "shown");
	const char *dot = strchr(shown, '.');
	char buf[32];
	int decimals = 0;

	(void)cl;
	if (strcmp(str(rel, "kind"), "ratio"))
		return false;
	if (dot)
		decimals = (int)strspn(dot + 1, "0123456789");
	snprintf(buf, sizeof(buf), "%.*f×", decimals, strtod(shown, NULL) + 1);
	set_str(rel, "shown", buf);
	return true;
}

/* a share of a wall time whose part is summed over threads */
static bool share_of_wall(json_object *cl, json_object *rel)
{
	(void)cl;
	if (strcmp(str(rel, "kind"), "share"))
		return false;
	set_str(rel, "metric_a", "lock_wait_ns");
	set_str(rel, "metric_b", "wall_ns");
	return true;
}

/* "as expected" said of an order against the expected one: the words
 * added where the claim did not say them */
static bool as_expected(json_object *cl, json_object *rel)
{
	static const char *const cost[] = {"processes", "threads",
					   "coroutines"};
	char text[4096];
	int a = -1, b = -1;

	if (!apart(rel))
		return false;
	for (int i = 0; i < 3; i++) {
		a = strcmp(str(rel, "model_a"), cost[i]) ? a : i;
		b = strcmp(str(rel, "model_b"), cost[i]) ? b : i;
	}
	if (a < 0 || b < 0)
		return false;
	/* the model expected to cost more, now below */
	set_str(rel, "order", a < b ? "below" : "above");
	if (!strstr(str(cl, "claim"), "as expected")) {
		snprintf(text, sizeof(text), "%s All as expected.",
			 str(cl, "claim"));
		set_str(cl, "claim", text);
	}
	return true;
}

/* a pair the text calls too close to call, recorded apart */
static bool close_apart(json_object *cl, json_object *rel)
{
	if (!strstr(str(cl, "claim"), "too close to call") ||
	    strcmp(str(rel, "kind"), "order") ||
	    strcmp(str(rel, "order"), "close"))
		return false;
	set_str(rel, "order", "above");
	return true;
}

static bool mutate_order(json_object *root)
{
	return each_relation(root, flip_order);
}

static bool mutate_ratio(json_object *root)
{
	return each_relation(root, ratio_shown);
}

static bool mutate_share(json_object *root)
{
	return each_relation(root, share_of_wall);
}

static bool mutate_expected(json_object *root)
{
	return each_relation(root, as_expected);
}

static bool mutate_close(json_object *root)
{
	return each_relation(root, close_apart);
}

/* a figure of the evidence not its model's median: twice it, plus 1 µs */
static bool mutate_evidence(json_object *root)
{
	json_object *claims = json_path(root, "explanation");

	for (size_t i = 0; i < json_object_array_length(claims); i++) {
		json_object *ev = json_path(
			json_object_array_get_idx(claims, i), "evidence");

		for (size_t j = 0; j < json_object_array_length(ev); j++) {
			json_object *e = json_object_array_get_idx(ev, j);
			const char *m = str(e, "metric");
			size_t len = strlen(m);

			if (!json_path(e, "model") || len < 3 ||
			    strcmp(m + len - 3, "_ns"))
				continue;
			json_object_object_add(
				e, "value",
				json_object_new_int64(
					2 * json_path_u64(e, "value") + 1000));
			return true;
		}
	}
	return false;
}

/* "a > b" in a ranking written "a ≈ b" */
static bool mutate_text(json_object *root)
{
	json_object *claims = json_path(root, "explanation");

	for (size_t i = 0; i < json_object_array_length(claims); i++) {
		json_object *cl = json_object_array_get_idx(claims, i);
		const char *text = str(cl, "claim");
		const char *gt = strstr(text, " > ");
		char buf[4096];

		if (!gt || strlen(text) + 8 > sizeof(buf))
			continue;
		snprintf(buf, sizeof(buf), "%.*s ≈ %s", (int)(gt - text), text,
			 gt + 3);
		set_str(cl, "claim", buf);
		return true;
	}
	return false;
}

struct mutation {
	const char *what;
	bool (*apply)(json_object *root);
	const char *kind; /* the violation it must add */
	const char *says; /* words of it */
};

static const struct mutation mutations[] = {
	{"an order flipped", mutate_order, "order", "the margin gives"},
	{"a ratio shown wrong", mutate_ratio, "ratio", "the medians give"},
	{"a share's whole made a wall time, its part a sum over threads",
	 mutate_share, "share", "a sum over threads as a share of a wall time"},
	{"a figure of the evidence changed", mutate_evidence, "evidence",
	 "the comparison's median"},
	{"\">\" between two figures written \"≈\"", mutate_text, "text", "≈"},
	{"\"as expected\" of an order made against it", mutate_expected,
	 "expected", "says \"as expected\""},
	{"a pair called too close to call recorded apart", mutate_close, "text",
	 "too close to call"},
};
#define NMUTATIONS (sizeof(mutations) / sizeof(mutations[0]))

/* The comparisons to change: a fresh family run where the probes can
 * run, then the kept families rendered; into src, returns how many. */
static size_t sources(const char *dir, char src[][PATH_MAX], size_t max,
		      char *out)
{
	char run[PATH_MAX - 32], *names[KEPT_FAMILIES_MAX];
	const char *why;
	size_t n = 0, nf;

	snprintf(run, sizeof(run), "%s/run", dir);
	if (test_can_trace(&why)) {
		const char *argv[] = {
			test_lab_path(), "run", "pingpong", "--ops",
			"2000",		 "-o",	run,	    NULL};

		if (CHECK_MSG(test_run(argv, out, OUT_MAX, false) == 0,
			      "lab run pingpong: %s", out))
			snprintf(src[n++], PATH_MAX, "%s/pingpong.json", run);
	}
	nf = kept_families(names, KEPT_FAMILIES_MAX);
	for (size_t i = 0; i < nf; i++) {
		if (n < max) {
			snprintf(src[n], PATH_MAX, "%s/%s.json", dir, names[i]);
			if (CHECK_MSG(kept_family_report(names[i], src[n], out,
							 OUT_MAX) == 0,
				      "lab report of the kept %s: %s", names[i],
				      out))
				n++;
		}
		free(names[i]);
	}
	return n;
}

TEST_TIMEOUT(audit_catches_each_kind_of_false_claim, 180)
{
	static char src[KEPT_FAMILIES_MAX + 1][PATH_MAX], out[OUT_MAX],
		base[OUT_MAX];
	const char *dir = test_tmpdir();
	char mutant[PATH_MAX];
	size_t n;

	if (access(PYTHON, X_OK))
		SKIP("no " PYTHON " to run the auditor");
	n = sources(dir, src, sizeof(src) / sizeof(src[0]), out);
	if (!CHECK_MSG(n > 0, "no comparison to change"))
		return;
	for (size_t m = 0; m < NMUTATIONS; m++) {
		const struct mutation *mu = &mutations[m];
		char *files[1] = {mutant};
		bool changed = false;

		/* the first comparison that has what the change needs */
		for (size_t i = 0; i < n && !changed; i++) {
			json_object *root = json_object_from_file(src[i]);
			int code;

			if (!CHECK_MSG(root, "%s: not JSON", src[i]))
				break;
			changed = mu->apply(root);
			/* not *.json: the audit at the end passes it by */
			snprintf(mutant, sizeof(mutant), "%s/mutant-%zu.mutant",
				 dir, m);
			if (changed)
				CHECK(json_object_to_file_ext(
					      mutant, root,
					      JSON_C_TO_STRING_PRETTY) == 0);
			json_object_put(root);
			if (!changed)
				continue;
			files[0] = src[i];
			audit(files, 1, base, OUT_MAX);
			files[0] = mutant;
			code = audit(files, 1, out, OUT_MAX);
			CHECK_MSG(code == 1 &&
					  violations(out, mu->kind) >
						  violations(base, mu->kind) &&
					  strstr(out, mu->says),
				  "%s in %s (%s) is not caught as a \"%s\" "
				  "violation (exit %d):\n%s",
				  mu->what, src[i], mutant, mu->kind, code,
				  out);
		}
		CHECK_MSG(changed, "no comparison has what \"%s\" needs",
			  mu->what);
	}
}

/* ---- every comparison the tests left ---- */

static struct {
	const char *skip; /* the audit's own directory */
	struct timespec since;
	bool fresh; /* only files written since */
	char **files, **texts;
	size_t n, cap;
} found;

/* Takes a comparison to audit, once: a file the same as one taken (a
 * test that rendered a kept family) is passed by. 1 taken, 0 passed by,
 * -1 out of memory. */
static int add_file(const char *path)
{
	char *text = test_slurp(path);

	if (!text || !strstr(text, SCHEMA_LINE)) {
		free(text);
		return 0;
	}
	for (size_t i = 0; i < found.n; i++)
		if (!strcmp(found.texts[i], text)) {
			free(text);
			return 0;
		}
	if (found.n == found.cap) {
		size_t cap = found.cap ? 2 * found.cap : 64;
		char **f = realloc(found.files, cap * sizeof(*f));
		char **t = f ? realloc(found.texts, cap * sizeof(*t)) : NULL;

		found.files = f ? f : found.files;
		found.texts = t ? t : found.texts;
		if (!f || !t) {
			free(text);
			return -1;
		}
		found.cap = cap;
	}
	found.texts[found.n] = text;
	found.files[found.n] = strdup(path);
	return found.files[found.n++] ? 1 : -1;
}

static int take(const char *path, const struct stat *st, int type,
		struct FTW *ftw)
{
	size_t len = strlen(path);

	(void)ftw;
	if (type == FTW_D && !strcmp(path, found.skip))
		return FTW_SKIP_SUBTREE;
	if (type != FTW_F || len < 5 || strcmp(path + len - 5, ".json"))
		return FTW_CONTINUE;
	if (found.fresh && st->st_mtim.tv_sec < found.since.tv_sec)
		return FTW_CONTINUE;
	return add_file(path) < 0 ? FTW_STOP : FTW_CONTINUE;
}

/* Takes the lab-comparison/1 files under root but skip, those written
 * since this run of the tests began when fresh; returns how many. */
static size_t find_comparisons(const char *root, const char *skip, bool fresh)
{
	size_t before = found.n;

	found.skip = skip;
	found.fresh = fresh;
	found.since = test_run_start();
	/* a file's time comes from the kernel's coarse clock */
	found.since.tv_sec -= 1;
	nftw(root, take, 16, FTW_PHYS | FTW_ACTIONRETVAL);
	return found.n - before;
}

/* The auditor's last line: "audited N comparisons: ...". */
static const char *summary(const char *out)
{
	static char line[512];
	const char *p = strstr(out, "audited ");

	snprintf(line, sizeof(line), "%.*s", p ? (int)strcspn(p, "\n") : 0,
		 p ? p : "");
	return line;
}

/* After every other test: the kept families rendered by today's lab,
 * and the comparisons this run's tests left under build/test-tmp/ (or
 * those an earlier run left, when this one wrote none: this test run
 * alone). */
TEST_AT_END(audit_every_comparison_the_tests_left, 300)
{
	char root[PATH_MAX], dir[PATH_MAX], *names[KEPT_FAMILIES_MAX];
	static char out[OUT_MAX];
	char note[256];
	size_t left, kept = 0, nf;
	bool fresh = true, can_trace;
	const char *why;
	int code;

	if (access(PYTHON, X_OK))
		SKIP("no " PYTHON " to run the auditor");
	snprintf(dir, sizeof(dir), "%s", test_tmpdir());
	snprintf(root, sizeof(root), "%s", dir);
	dirname(root);
	nf = kept_families(names, KEPT_FAMILIES_MAX);
	for (size_t i = 0; i < nf; i++) {
		char json[PATH_MAX + 64];

		snprintf(json, sizeof(json), "%s/%s.json", dir, names[i]);
		if (CHECK_MSG(kept_family_report(names[i], json, out,
						 OUT_MAX) == 0,
			      "lab report of the kept %s: %s", names[i], out) &&
		    add_file(json) > 0)
			kept++;
		free(names[i]);
	}
	CHECK_MSG(kept > 0, "no kept family in %s", KEPT_FAMILIES_DIR);
	left = find_comparisons(root, dir, true);
	/* without the probes no test runs a family, and an earlier run's
	 * files may be an older lab's */
	can_trace = test_can_trace(&why);
	if (!left && can_trace) {
		fresh = false;
		left = find_comparisons(root, dir, false);
	}
	CHECK_MSG(left > 0 || !can_trace,
		  "no %s file under %s/ but the kept families': the search "
		  "is wrong, or no test wrote a family's comparison",
		  SCHEMA_LINE, root);
	code = audit(found.files, found.n, out, OUT_MAX);
	snprintf(note, sizeof(note), " (no family ran: %s)", why);
	printf("    %zu comparisons audited: %zu kept families, %zu left by "
	       "%s tests%s; %s\n",
	       found.n, kept, left, fresh ? "this run's" : "an earlier run's",
	       can_trace ? "" : note, summary(out));
	fflush(stdout);
	CHECK_MSG(code == 0,
		  "claims that their own figures do not support (each line "
		  "names the comparison, the claim and the rule that made "
		  "it):\n%s",
		  out);
	for (size_t i = 0; i < found.n; i++) {
		free(found.files[i]);
		free(found.texts[i]);
	}
	free(found.files);
	free(found.texts);
}
