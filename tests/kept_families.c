/* kept_families.c - the family runs kept in tests/traces/families/,
 * rendered by today's lab (kept_families.h). */
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/kept_families.h"
#include "tests/test.h"

size_t kept_families(char *names[], size_t max)
{
	glob_t g;
	size_t n = 0;

	if (glob(KEPT_FAMILIES_DIR "/*/", 0, NULL, &g))
		return 0;
	for (size_t i = 0; i < g.gl_pathc && n < max; i++) {
		char path[PATH_MAX];

		/* "tests/traces/families/lock/": its last name */
		snprintf(path, sizeof(path), "%s", g.gl_pathv[i]);
		if (path[0] && path[strlen(path) - 1] == '/')
			path[strlen(path) - 1] = '\0';
		names[n++] = strdup(basename(path));
	}
	globfree(&g);
	return n;
}

int kept_family_report(const char *scenario, const char *json, char *out,
		       size_t outlen)
{
	char pattern[PATH_MAX];
	const char **argv;
	glob_t g;
	size_t n = 0;
	int code;

	snprintf(pattern, sizeof(pattern), "%s/%s/*.lab", KEPT_FAMILIES_DIR,
		 scenario);
	if (glob(pattern, 0, NULL, &g))
		return -1;
	argv = calloc(g.gl_pathc + 6, sizeof(*argv));
	if (!argv) {
		globfree(&g);
		return -1;
	}
	argv[n++] = test_lab_path();
	argv[n++] = "report";
	for (size_t i = 0; i < g.gl_pathc; i++)
		argv[n++] = g.gl_pathv[i];
	if (json) {
		argv[n++] = "--json";
		argv[n++] = json;
	}
	code = test_run(argv, out, outlen, false);
	free(argv);
	globfree(&g);
	return code;
}
