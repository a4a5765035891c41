/* fuzz_trace.c - any bytes through the trace reader, the analysis and
 * every report writer: the path every trace given to lab report takes;
 * bytes that are not a trace, through the analysis alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/analysis.h"
#include "analyzer/analyze.h"
#include "tests/fuzz/fuzz.h"

/* Renders into memory, so the writers run in full but nothing is shown. */
enum render { RENDER_TEXT, RENDER_JSON, RENDER_HTML };

static void render(const struct run_report *rep, enum render how)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	if (how == RENDER_JSON)
		report_write_json(f, rep);
	else if (how == RENDER_HTML)
		report_write_html(f, rep);
	else
		report_print_text(f, rep);
	fclose(f);
	free(buf);
}

/* An input that is not a trace goes to the analysis as bare records,
 * past the reader's CRCs and zlib, which stop most mutations of a trace
 * before any record changes. Layout: one byte k, then events, then
 * k % 4 thread-counter records (as many as fit); k & 0x80: events were
 * dropped. */
static struct run_report *analyze_records(const uint8_t *data, size_t size)
{
	static const uint64_t drops[2] = {1, 0};
	struct lab_trace_info info = {.version = LAB_TRACE_VERSION,
				      .machine = "x86_64",
				      .workload = "fuzz",
				      .cpu_count = 2};
	size_t nthreads, nevents;
	struct analysis *a;
	uint8_t k;

	if (!size)
		return NULL;
	k = data[0];
	data++;
	size--;
	nthreads = k % 4;
	if (nthreads > size / sizeof(struct lab_thread_stats))
		nthreads = size / sizeof(struct lab_thread_stats);
	nevents = (size - nthreads * sizeof(struct lab_thread_stats)) /
		  sizeof(struct lab_event);
	a = analysis_new(&info);
	if (!a)
		return NULL;
	/* the records are copied: the input need not be aligned */
	for (size_t i = 0; i < nevents; i++) {
		struct lab_event ev;

		memcpy(&ev, data + i * sizeof(ev), sizeof(ev));
		analysis_add_events(a, &ev, 1);
	}
	data += nevents * sizeof(struct lab_event);
	for (size_t i = 0; i < nthreads; i++) {
		struct lab_thread_stats st;

		memcpy(&st, data + i * sizeof(st), sizeof(st));
		analysis_add_threads(a, &st, 1);
	}
	if (k & 0x80)
		analysis_add_drops(a, drops, 2);
	return analysis_finish(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run_report *rep = NULL;
	char err[512];

	if (size >= LAB_TRACE_MAGIC_LEN &&
	    !memcmp(data, LAB_TRACE_MAGIC, LAB_TRACE_MAGIC_LEN)) {
		if (analyze_trace_mem(data, size, &rep, err, sizeof(err)))
			return 0;
	} else {
		rep = analyze_records(data, size);
		if (!rep)
			return 0;
	}
	render(rep, RENDER_JSON);
	render(rep, RENDER_TEXT);
	render(rep, RENDER_HTML);
	run_report_free(rep);
	return 0;
}
