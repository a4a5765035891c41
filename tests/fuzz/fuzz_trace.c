/* fuzz_trace.c - any bytes through the trace reader, the analysis and
 * both report writers: the path every trace given to lab report takes. */
#include <stdio.h>
#include <stdlib.h>
#include "analyze.h"
#include "fuzz.h"

/* Renders into memory, so the writers run in full but nothing is shown. */
static void render(const struct run_report *rep, int json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	if (json)
		report_write_json(f, rep);
	else
		report_print_text(f, rep);
	fclose(f);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run_report *rep = NULL;
	char err[512];

	if (analyze_trace_mem(data, size, &rep, err, sizeof(err)))
		return 0;
	render(rep, 1);
	render(rep, 0);
	run_report_free(rep);
	return 0;
}
