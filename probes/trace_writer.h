/* trace_writer.h - writes a trace file (see trace_format.h) */
#ifndef LAB_TRACE_WRITER_H
#define LAB_TRACE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include "probes/trace_format.h"

struct trace_writer;

/* Writes the header into fd, an empty regular file opened for writing,
 * which the writer takes: finish or free closes it, also when open
 * fails. Returns 0 or -errno. */
int trace_writer_open(struct trace_writer **w, int fd,
		      const struct lab_trace_info *info);
/* Buffers events; full buffers are deflated and written as chunks. Once
 * the writer is full, events are refused (and 0 returned). */
int trace_writer_add_events(struct trace_writer *w, const struct lab_event *ev,
			    size_t n);
/* Writes memory maps of a traced process as a chunk of their own. */
int trace_writer_add_maps(struct trace_writer *w, const struct lab_map *maps,
			  size_t n);
/* Writes memory samples of the run's processes as a chunk of their own. */
int trace_writer_add_memory(struct trace_writer *w,
			    const struct lab_memory *samples, size_t n);
/* Writes the kernel's sums of waits (lab_wait) as a chunk of their own,
 * after the events. */
int trace_writer_add_waits(struct trace_writer *w, const struct lab_wait *waits,
			   size_t n);
/* Flushes buffered events, then writes the threads, drops and summary
 * chunks, syncs and closes the file. Returns 0 or -errno; on failure the
 * file ends at its last whole chunk. */
int trace_writer_finish(struct trace_writer *w,
			const struct lab_thread_stats *threads, size_t nthreads,
			const uint64_t *drops_per_cpu, size_t ncpus,
			const struct lab_run_summary *summary);
/* The disk is (nearly) full: events are refused from now on, and the
 * room kept aside takes the closing chunks. */
bool trace_writer_full(const struct trace_writer *w);
/* Frees the writer; closes the file if finish was not called, which
 * then ends at its last whole chunk. NULL is ok. */
void trace_writer_free(struct trace_writer *w);

#endif /* LAB_TRACE_WRITER_H */
