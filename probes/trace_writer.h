/* trace_writer.h - writes a trace file (see trace_format.h) */
#ifndef LAB_TRACE_WRITER_H
#define LAB_TRACE_WRITER_H

#include <stddef.h>
#include "trace_format.h"

struct trace_writer;

/* Creates the file at path and writes the header. Returns 0 or -errno. */
int trace_writer_open(struct trace_writer **w, const char *path,
		      const struct lab_trace_info *info);
/* Buffers events; full buffers are deflated and written as chunks. */
int trace_writer_add_events(struct trace_writer *w, const struct lab_event *ev,
			    size_t n);
/* Writes memory maps of a traced process as a chunk of their own. */
int trace_writer_add_maps(struct trace_writer *w, const struct lab_map *maps,
			  size_t n);
/* Flushes buffered events, then writes the threads, drops and summary
 * chunks and closes the file. Returns 0 or -errno. */
int trace_writer_finish(struct trace_writer *w,
			const struct lab_thread_stats *threads, size_t nthreads,
			const uint64_t *drops_per_cpu, size_t ncpus,
			const struct lab_run_summary *summary);
/* Frees the writer; closes the file if finish was not called. NULL is ok. */
void trace_writer_free(struct trace_writer *w);

#endif /* LAB_TRACE_WRITER_H */
