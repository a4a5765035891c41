/* suggest.c - "did you mean": workload and scenario names near a
 * mistyped one. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "cli/say.h"
#include "cli/suggest.h"
#include "workloads/workload.h"

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (lb >= 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j],
			       best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

static int near(const char *name, const char *candidate)
{
	size_t n = strlen(name);

	return edit_distance(name, candidate) <= 2 ||
	       (n >= 2 && strncmp(name, candidate, n) == 0);
}

/* "did you mean io-threads, io?" from workload and scenario names */
void suggest_workloads(const char *name, char *out, size_t size)
{
	const char *last_scenario = "";
	size_t used = 0;

	out[0] = 0;
	for (const struct workload *const *w = workload_table; *w; w++) {
		const char *cands[2] = {(*w)->name, NULL};

		if (strcmp((*w)->scenario, last_scenario))
			cands[1] = last_scenario = (*w)->scenario;
		for (int i = 0; i < 2; i++) {
			if (!cands[i] || !near(name, cands[i]) ||
			    used + 2 >= size)
				continue;
			used += snprintf(out + used, size - used, "%s%s",
					 used ? ", " : "", cands[i]);
		}
	}
}

int suggest_unknown_workload(const char *name)
{
	char near_names[256];

	suggest_workloads(name, near_names, sizeof(near_names));
	if (near_names[0])
		return die(EXIT_USAGE,
			   "run: unknown workload '%s' (did you mean: %s? see: "
			   "lab list)",
			   name, near_names);
	return die(EXIT_USAGE, "run: unknown workload '%s' (see: lab list)",
		   name);
}
