/* trace_reader.h - reads and validates a trace file chunk by chunk.
 *
 * Streaming: memory is bounded by the largest chunk, never the file size.
 * Damage (bad magic, newer version, CRC mismatch, truncation, absurd
 * lengths) stops the reader with a message naming the byte offset; the
 * chunks read before it stay valid. Messages are one line naming the
 * byte offset; they do not name the file, callers prefix its path.
 */
#ifndef LAB_TRACE_READER_H
#define LAB_TRACE_READER_H

#include <stddef.h>
#include <stdint.h>
#include "probes/trace_format.h"

struct trace_reader;

struct trace_chunk {
	enum lab_chunk_type type;
	uint64_t offset; /* byte offset of the chunk in the file */
	/* the records as this lab's structs (a THREADS chunk's decoded from
	 * its format version); valid until the next call */
	const void *data;
	size_t count; /* number of records */
};

/* Open a file, or a buffer the caller keeps alive (for the fuzzer). The
 * header is validated here. Return 0, or -1 with the reason in err. */
int trace_reader_open_file(struct trace_reader **r, const char *path, char *err,
			   size_t errlen);
int trace_reader_open_mem(struct trace_reader **r, const uint8_t *data,
			  size_t len, char *err, size_t errlen);
const struct lab_trace_info *trace_reader_info(const struct trace_reader *r);
/* 1: *chunk filled; 0: clean end of file; -1: damage, reason in err
 * (e.g. "chunk at byte 4096: CRC mismatch (expected 0x.., got 0x..)"). */
int trace_reader_next(struct trace_reader *r, struct trace_chunk *chunk,
		      char *err, size_t errlen);
void trace_reader_free(struct trace_reader *r);

/* "EVENTS", "THREADS", "DROPS", "SUMMARY", or "unknown". */
const char *trace_chunk_type_name(uint32_t type);
/* Bytes the reader holds for chunk buffers: bounded by the largest chunk
 * it has read (plus a fixed input buffer), whatever the file claims. */
size_t trace_reader_buffer_bytes(const struct trace_reader *r);

#endif /* LAB_TRACE_READER_H */
