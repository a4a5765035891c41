/* export_file.c - lab export: a saved trace as Chrome trace-event JSON,
 * written whole or not at all. */
#include <stdio.h>
#include <string.h>
#include "analyzer/analyze.h"
#include "cli/export_file.h"
#include "analyzer/export_perfetto.h"
#include "analyzer/output_file.h"
#include "cli/say.h"

struct perfetto_export {
	const char *trace;
	const struct run_report *rep;
	char err[512];
};

static int perfetto_fn(FILE *f, const void *arg)
{
	struct perfetto_export *x = (struct perfetto_export *)arg;

	return export_perfetto(f, x->trace, x->rep, x->err, sizeof(x->err));
}

/* The trace is analysed first, so an unreadable one leaves no file
 * behind; the export is written whole or not at all. */
int export_file_perfetto(const char *trace, const char *path)
{
	struct perfetto_export x = {.trace = trace};
	struct run_report *rep;
	int r;

	if (analyze_trace_file(trace, &rep, x.err, sizeof(x.err)))
		return die(EXIT_ERROR, "export: %s", x.err);
	if (x.err[0])
		say("export: %s (exporting the intact part)", x.err);
	x.rep = rep;
	x.err[0] = 0;
	r = output_file_write(path, perfetto_fn, &x);
	run_report_free(rep);
	if (r && x.err[0])
		return die(EXIT_ERROR, "export: %s", x.err);
	if (r)
		return die(EXIT_ERROR, "export: writing %s: %s", path,
			   strerror(-r));
	return EXIT_OK;
}
