/* report_names.c - the names lab report lines several traces up under
 * (report_names.h). */
#include <stdlib.h>
#include <string.h>
#include "analyzer/safe_text.h"
#include "analyzer/trace_reader.h"
#include "cli/report_names.h"
#include "workloads/workload.h"

/* path's file name, or all of path (whole), without ".lab" */
static void stem(char *out, size_t len, const char *path, bool whole)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = whole || !base ? path : base + 1;
	n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".lab"))
		n -= 4;
	snprintf(out, len, "%.*s", (int)n, base);
}

int report_names(char **traces, const char *const *given, int n,
		 char (*names)[CMP_NAME_LEN], bool *models, char *err,
		 size_t errlen)
{
	struct lab_trace_info *info = calloc(n, sizeof(*info));
	bool any_given = false;

	if (!info) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*models = true;
	for (int i = 0; i < n; i++) {
		struct trace_reader *r;

		if (trace_reader_open_file(&r, traces[i], err, errlen)) {
			free(info);
			return -1;
		}
		info[i] = *trace_reader_info(r);
		trace_reader_free(r);
		any_given |= given[i] != NULL;
		*models &= workload_find(info[i].workload) != NULL;
	}
	*models &= !any_given;
	for (int i = 0; i < n; i++) {
		char raw[CMP_NAME_LEN * 4];
		bool one = true;

		for (int j = 0; j < n; j++)
			one &= strcmp(info[i].workload, info[j].workload) ||
			       !strcmp(info[i].cmdline, info[j].cmdline);
		if (given[i])
			snprintf(raw, sizeof(raw), "%s", given[i]);
		else if (one && info[i].workload[0])
			snprintf(raw, sizeof(raw), "%s", info[i].workload);
		else
			stem(raw, sizeof(raw), traces[i], false);
		safe_text(names[i], CMP_NAME_LEN, raw, 1);
	}
	/* two other commands under one file name: their paths tell them
	 * apart */
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			if (!given[i] && i != j &&
			    !strcmp(names[i], names[j]) &&
			    strcmp(info[i].cmdline, info[j].cmdline)) {
				char raw[CMP_NAME_LEN * 4];

				stem(raw, sizeof(raw), traces[i], true);
				safe_text(names[i], CMP_NAME_LEN, raw, 1);
			}
	free(info);
	return 0;
}
