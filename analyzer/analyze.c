/* analyze.c - a trace file or buffer through the reader into the analysis. */
#include <stdio.h>
#include "analyzer/analysis.h"
#include "analyzer/analyze.h"
#include "analyzer/trace_reader.h"

/* Hands one chunk to the analysis; chunk types this reader does not know
 * (from a newer writer) are skipped. */
static int feed(struct analysis *a, const struct trace_chunk *c)
{
	switch (c->type) {
	case LAB_CHUNK_EVENTS:
		return analysis_add_events(a, c->data, c->count);
	case LAB_CHUNK_THREADS:
		return analysis_add_threads(a, c->data, c->count);
	case LAB_CHUNK_DROPS:
		return analysis_add_drops(a, c->data, c->count);
	case LAB_CHUNK_SUMMARY:
		if (c->count)
			analysis_set_summary(a, c->data);
		return 0;
	case LAB_CHUNK_MAPS:
		return analysis_add_maps(a, c->data, c->count);
	case LAB_CHUNK_MEMORY:
		return analysis_add_memory(a, c->data, c->count);
	case LAB_CHUNK_WAITS:
		return analysis_add_waits(a, c->data, c->count);
	}
	return 0;
}

/* Sets err to "<name>: <why>", or just why for a buffer with no name. */
static void set_err(char *err, size_t errlen, const char *name, const char *why)
{
	if (name)
		snprintf(err, errlen, "%s: %s", name, why);
	else
		snprintf(err, errlen, "%s", why);
}

/* Files and buffers share this loop, so the fuzzer drives the same
 * analysis as lab report. Takes ownership of the reader. */
static int analyze_reader(struct trace_reader *r, const char *name,
			  struct run_report **out, char *err, size_t errlen)
{
	struct analysis *a;
	struct trace_chunk c;
	char why[512];
	int rc;

	a = analysis_new(trace_reader_info(r));
	if (!a) {
		trace_reader_free(r);
		set_err(err, errlen, name, "out of memory");
		return -1;
	}
	while ((rc = trace_reader_next(r, &c, why, sizeof(why))) == 1) {
		if (feed(a, &c)) {
			trace_reader_free(r);
			analysis_free(a);
			set_err(err, errlen, name, "out of memory");
			return -1;
		}
	}
	/* the chunks before the damage still make a report */
	if (rc < 0) {
		analysis_set_damage(a, why);
		set_err(err, errlen, name, why);
	}
	trace_reader_free(r);
	*out = analysis_finish(a);
	if (!*out) {
		set_err(err, errlen, name, "out of memory");
		return -1;
	}
	return 0;
}

int analyze_trace_file(const char *path, struct run_report **out, char *err,
		       size_t errlen)
{
	struct trace_reader *r = NULL;
	char why[512];

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	/* the reader's messages name the byte, not the file */
	if (trace_reader_open_file(&r, path, why, sizeof(why))) {
		set_err(err, errlen, path, why);
		return -1;
	}
	return analyze_reader(r, path, out, err, errlen);
}

int analyze_trace_mem(const uint8_t *data, size_t len, struct run_report **out,
		      char *err, size_t errlen)
{
	struct trace_reader *r = NULL;
	char why[512];

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (trace_reader_open_mem(&r, data, len, why, sizeof(why))) {
		set_err(err, errlen, NULL, why);
		return -1;
	}
	return analyze_reader(r, NULL, out, err, errlen);
}
