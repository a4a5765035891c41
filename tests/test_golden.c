/* test_golden.c - what `lab report` prints for each family kept in
 * tests/traces/families/ (the comparison table and its explanation),
 * byte for byte the golden file tests/golden/<scenario>.txt: a change
 * to a figure, a rule or a sentence shows as a diff, to be read and, if
 * meant, regenerated with tests/golden/regen.sh. */
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/kept_families.h"
#include "tests/test.h"

#define GOLDEN_DIR "tests/golden"
#define OUT_MAX	   (256 * 1024)

static bool spill(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	bool ok = f && fputs(text, f) >= 0;

	if (f)
		ok &= fclose(f) == 0;
	return ok;
}

/* got against the golden file: on a difference, the unified diff. */
static void against_golden(const char *scenario, const char *got,
			   const char *dir)
{
	char golden[PATH_MAX], path[PATH_MAX];
	char *want, *diff;
	const char *argv[] = {"/usr/bin/diff", "-u", golden, path, NULL};

	snprintf(golden, sizeof(golden), "%s/%s.txt", GOLDEN_DIR, scenario);
	snprintf(path, sizeof(path), "%s/%s.txt", dir, scenario);
	want = test_slurp(golden);
	if (!CHECK_MSG(want, "%s is missing: make it with %s/regen.sh", golden,
		       GOLDEN_DIR)) {
		return;
	}
	if (!strcmp(got, want)) {
		free(want);
		return;
	}
	diff = malloc(OUT_MAX);
	if (CHECK(diff) && CHECK(spill(path, got))) {
		test_run(argv, diff, OUT_MAX, false);
		CHECK_MSG(0,
			  "lab report %s/%s/*.lab no longer prints %s "
			  "(- golden, + today):\n%s"
			  "Read the new explanation against its figures; if "
			  "the change is meant, regenerate the goldens with "
			  "%s/regen.sh and say why in the commit.",
			  KEPT_FAMILIES_DIR, scenario, golden, diff,
			  GOLDEN_DIR);
	}
	free(diff);
	free(want);
}

TEST(golden_reports_of_the_kept_families_are_unchanged)
{
	char *names[KEPT_FAMILIES_MAX], *out = malloc(OUT_MAX);
	const char *dir = test_tmpdir();
	size_t n = kept_families(names, KEPT_FAMILIES_MAX);

	CHECK_MSG(n >= 5, "%zu families in %s, not the 5 kept", n,
		  KEPT_FAMILIES_DIR);
	for (size_t i = 0; i < n; i++) {
		int code =
			out ? kept_family_report(names[i], NULL, out, OUT_MAX)
			    : -1;

		if (CHECK_MSG(code == 0, "lab report of the kept %s: exit %d",
			      names[i], code))
			against_golden(names[i], out, dir);
		free(names[i]);
	}
	free(out);
}

/* Every golden belongs to a kept family: none is left over from one
 * that was removed. */
TEST(golden_every_file_has_its_family)
{
	char *names[KEPT_FAMILIES_MAX];
	size_t n = kept_families(names, KEPT_FAMILIES_MAX);
	glob_t g;

	if (CHECK(glob(GOLDEN_DIR "/*.txt", 0, NULL, &g) == 0)) {
		for (size_t j = 0; j < g.gl_pathc; j++) {
			bool kept = false;

			for (size_t i = 0; i < n; i++) {
				char want[PATH_MAX];

				snprintf(want, sizeof(want), "%s/%s.txt",
					 GOLDEN_DIR, names[i]);
				kept |= !strcmp(g.gl_pathv[j], want);
			}
			CHECK_MSG(kept, "%s: no family in %s/ for it",
				  g.gl_pathv[j], KEPT_FAMILIES_DIR);
		}
		globfree(&g);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
}
