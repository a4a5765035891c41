/* trace_reader.c - reads and validates a trace file chunk by chunk.
 *
 * Files and memory buffers go through one parser over a small source
 * that only knows how to read the next n bytes, so the fuzzer exercises
 * exactly the code that reads real traces. Every length in the file is
 * checked against limits before anything is allocated for it; memory is
 * bounded by the largest chunk. The layout is in docs/trace-format.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "analyzer/thread_records.h"
#include "analyzer/trace_reader.h"

/* Records are handed out as the bytes on disk, THREADS records decoded
 * into this lab's struct. */
_Static_assert(
	__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	"trace records are read in host order, which must be little-endian");

#define SIZE_UNKNOWN UINT64_MAX
#define IN_BUF_LEN   (64u * 1024) /* compressed bytes read at a time */
/* deflate emits at least one bit per 258 bytes of output, even for the
 * longest matches: no stream inflates by more than this factor */
#define DEFLATE_MAX_RATIO 1032u

struct source {
	int fd;		    /* -1 for a memory buffer */
	const uint8_t *mem; /* the caller's buffer */
	uint64_t size;	    /* total length, SIZE_UNKNOWN for a pipe */
	uint64_t pos;	    /* bytes consumed */
};

enum reader_state { READ_CHUNKS, READ_AFTER_SUMMARY, READ_END, READ_FAILED };

struct trace_reader {
	struct source src;
	struct lab_trace_info info;
	enum reader_state state;
	bool any_chunk;
	uint64_t last_chunk; /* offset of the last good chunk */
	char error[512];     /* the damage, repeated by every later call */
	uint8_t *in;	     /* IN_BUF_LEN bytes of compressed input */
	uint8_t *raw;	     /* the inflated chunk, raw_cap bytes */
	size_t raw_cap;
	/* a THREADS chunk's records as this lab knows them */
	struct lab_thread_stats *threads;
	size_t threads_cap; /* in records */
	z_stream zs;
	bool zs_ready;
};

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* ---- source ---- */

/* Reads up to n bytes: fewer only at the end of the input. Returns the
 * count, or -errno. */
static ssize_t source_read(struct source *s, void *buf, size_t n)
{
	uint8_t *p = buf;
	size_t got = 0;

	if (s->fd < 0) {
		uint64_t left = s->size - s->pos;

		got = n < left ? n : (size_t)left;
		if (got)
			memcpy(p, s->mem + s->pos, got);
		s->pos += got;
		return (ssize_t)got;
	}
	while (got < n) {
		ssize_t r = read(s->fd, p + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	s->pos += got;
	return (ssize_t)got;
}

/* ---- errors ---- */

/* Records the damage; the reader stays failed from here on. */
__attribute__((format(printf, 4, 5))) static int
fail(struct trace_reader *r, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	r->state = READ_FAILED;
	if (err && errlen)
		snprintf(err, errlen, "%s", r->error);
	return -1;
}

static int read_error(struct trace_reader *r, char *err, size_t errlen,
		      ssize_t e)
{
	return fail(r, err, errlen, "read error at byte %llu: %s",
		    (unsigned long long)r->src.pos, strerror((int)-e));
}

const char *trace_chunk_type_name(uint32_t type)
{
	switch (type) {
	case LAB_CHUNK_EVENTS:
		return "EVENTS";
	case LAB_CHUNK_THREADS:
		return "THREADS";
	case LAB_CHUNK_DROPS:
		return "DROPS";
	case LAB_CHUNK_SUMMARY:
		return "SUMMARY";
	case LAB_CHUNK_MAPS:
		return "MAPS";
	case LAB_CHUNK_MEMORY:
		return "MEMORY";
	case LAB_CHUNK_WAITS:
		return "WAITS";
	}
	return "unknown";
}

/* ---- file header ---- */

/* Names the usual ways a binary file gets mangled in transit. */
static const char *magic_damage(const uint8_t *p, size_t n)
{
	static const char crlf_to_lf[] = "\x89LAB\n";
	static const char lf_to_crlf[] = "\x89LAB\r\r\n";

	if (n >= 5 && !memcmp(p, crlf_to_lf, 5))
		return ": its line endings were converted (\\r\\n became \\n); "
		       "copy it in binary mode";
	if (n >= 7 && !memcmp(p, lf_to_crlf, 7))
		return ": its line endings were converted (\\n became \\r\\n); "
		       "copy it in binary mode";
	if (n >= 4 && p[0] == 0x09 && !memcmp(p + 1, "LAB", 3))
		return ": the top bit of its bytes was stripped (a 7-bit "
		       "transfer)";
	return " (its first bytes are not the trace signature)";
}

struct field_spec {
	uint16_t tag;
	bool string;
	size_t off, size;
};

#define FIELD(tag, member, string)                                             \
	{                                                                      \
		tag, string, offsetof(struct lab_trace_info, member),          \
			sizeof(((struct lab_trace_info *)0)->member)           \
	}

static const struct field_spec fields[] = {
	FIELD(LAB_TAG_LAB_VERSION, lab_version, true),
	FIELD(LAB_TAG_KERNEL, kernel, true),
	FIELD(LAB_TAG_MACHINE, machine, true),
	FIELD(LAB_TAG_CPU_MODEL, cpu_model, true),
	FIELD(LAB_TAG_CPU_COUNT, cpu_count, false),
	FIELD(LAB_TAG_WORKLOAD, workload, true),
	FIELD(LAB_TAG_PARAMS, params, true),
	FIELD(LAB_TAG_CMDLINE, cmdline, true),
	FIELD(LAB_TAG_START_REALTIME_NS, start_realtime_ns, false),
	FIELD(LAB_TAG_START_NS, start_ns, false),
	FIELD(LAB_TAG_HYPERVISOR, hypervisor, true),
	FIELD(LAB_TAG_TLB_TAGS, tlb_tags, true),
	FIELD(LAB_TAG_PAGE_TABLE_ISOLATION, page_table_isolation, true),
	FIELD(LAB_TAG_TICK_NS, tick_ns, false),
	FIELD(LAB_TAG_KERNEL_STACK, kernel_stack_bytes, false),
	FIELD(LAB_TAG_TASK_STRUCT, task_struct_bytes, false),
	FIELD(LAB_TAG_TRACER_PID, tracer_pid, false),
	FIELD(LAB_TAG_NOT_MEASURED, not_measured, false),
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* Stores one known field into info. Strings longer than their array are
 * cut, like the writer cuts them; integers must have their exact size. */
static int store_field(struct trace_reader *r, const struct field_spec *f,
		       const uint8_t *v, uint16_t len, uint64_t at, char *err,
		       size_t errlen)
{
	uint8_t *dst = (uint8_t *)&r->info + f->off;

	if (f->string) {
		size_t n = len < f->size - 1 ? len : f->size - 1;

		memcpy(dst, v, n);
		dst[n] = '\0';
		return 0;
	}
	if (len != f->size)
		return fail(r, err, errlen,
			    "header field at byte %llu (tag %u): wrong length "
			    "(expected %zu, got %u)",
			    (unsigned long long)at, f->tag, f->size, len);
	if (f->size == 4) {
		uint32_t x = get_le32(v);

		memcpy(dst, &x, 4);
	} else {
		uint64_t x = get_le64(v);

		memcpy(dst, &x, 8);
	}
	return 0;
}

/* Walks the tag-length-value fields; p starts at file byte base. */
static int parse_fields(struct trace_reader *r, const uint8_t *p, uint32_t len,
			uint64_t base, char *err, size_t errlen)
{
	bool seen[NFIELDS] = {false};
	uint32_t off = 0;

	while (off < len) {
		uint64_t at = base + off;
		uint16_t tag, flen;

		if (len - off < 4)
			return fail(r, err, errlen,
				    "header field at byte %llu: cut by the end "
				    "of the fields at byte %llu",
				    (unsigned long long)at,
				    (unsigned long long)(base + len));
		tag = get_le16(p + off);
		flen = get_le16(p + off + 2);
		if (flen > len - off - 4)
			return fail(
				r, err, errlen,
				"header field at byte %llu (tag %u): length %u "
				"runs past the end of the fields at byte %llu",
				(unsigned long long)at, tag, flen,
				(unsigned long long)(base + len));
		for (size_t i = 0; i < NFIELDS; i++) {
			if (fields[i].tag != tag)
				continue;
			if (seen[i])
				return fail(r, err, errlen,
					    "header field at byte %llu: tag %u "
					    "appears twice",
					    (unsigned long long)at, tag);
			seen[i] = true;
			if (store_field(r, &fields[i], p + off + 4, flen, at,
					err, errlen))
				return -1;
		}
		/* unknown tags are later additions: skipped */
		off += 4 + (uint32_t)flen;
	}
	/* older traces do not say what their kernel could not measure */
	for (size_t i = 0; i < NFIELDS; i++)
		if (fields[i].tag == LAB_TAG_NOT_MEASURED)
			r->info.not_measured_known = seen[i];
	return 0;
}

/* Magic, version and field length: the part whose layout never changes. */
static int read_fixed(struct trace_reader *r, uint8_t *fixed, uint32_t *flen,
		      char *err, size_t errlen)
{
	ssize_t n = source_read(&r->src, fixed, LAB_TRACE_FIXED_LEN);
	size_t m;
	uint32_t version;

	if (n < 0)
		return read_error(r, err, errlen, n);
	if (n == 0)
		return fail(r, err, errlen,
			    "empty file (0 bytes): not a lab trace");
	m = (size_t)n < LAB_TRACE_MAGIC_LEN ? (size_t)n : LAB_TRACE_MAGIC_LEN;
	if (memcmp(fixed, LAB_TRACE_MAGIC, m))
		return fail(r, err, errlen, "not a lab trace%s",
			    magic_damage(fixed, (size_t)n));
	if (n < LAB_TRACE_FIXED_LEN)
		return fail(r, err, errlen,
			    "truncated at byte %zd inside the file header (%u "
			    "bytes needed)",
			    n, LAB_TRACE_FIXED_LEN);
	version = get_le32(fixed + 8);
	if (version > LAB_TRACE_VERSION)
		return fail(r, err, errlen,
			    "trace format version %u is newer than this lab "
			    "supports (%u)",
			    version, LAB_TRACE_VERSION);
	if (version == 0)
		return fail(r, err, errlen,
			    "header at byte 8: format version 0 is not valid");
	*flen = get_le32(fixed + 12);
	if (*flen > LAB_TRACE_MAX_FIELDS)
		return fail(r, err, errlen,
			    "header at byte 12: fields length %u exceeds the "
			    "limit of %u bytes",
			    *flen, LAB_TRACE_MAX_FIELDS);
	r->info.version = version;
	return 0;
}

static int read_header(struct trace_reader *r, char *err, size_t errlen)
{
	uint8_t fixed[LAB_TRACE_FIXED_LEN];
	uint32_t flen = 0, stored, crc;
	size_t total;
	uint8_t *h;
	ssize_t n;
	int ret;

	if (read_fixed(r, fixed, &flen, err, errlen))
		return -1;
	total = LAB_TRACE_FIXED_LEN + (size_t)flen + 4;
	h = malloc(total);
	if (!h)
		return fail(r, err, errlen, "out of memory");
	memcpy(h, fixed, LAB_TRACE_FIXED_LEN);
	n = source_read(&r->src, h + LAB_TRACE_FIXED_LEN,
			total - LAB_TRACE_FIXED_LEN);
	if (n < 0) {
		ret = read_error(r, err, errlen, n);
	} else if ((size_t)n < total - LAB_TRACE_FIXED_LEN) {
		ret = fail(r, err, errlen,
			   "truncated at byte %llu inside the file header (%zu "
			   "bytes needed)",
			   (unsigned long long)r->src.pos, total);
	} else {
		stored = get_le32(h + total - 4);
		crc = (uint32_t)crc32(0, h, (uInt)(total - 4));
		if (stored != crc)
			ret = fail(r, err, errlen,
				   "header at byte 0: CRC-32 mismatch "
				   "(expected 0x%08x, got 0x%08x)",
				   stored, crc);
		else
			ret = parse_fields(r, h + LAB_TRACE_FIXED_LEN, flen,
					   LAB_TRACE_FIXED_LEN, err, errlen);
	}
	free(h);
	return ret;
}

/* ---- chunks ---- */

static void decode_chunk_header(const uint8_t *p, struct lab_chunk_header *h)
{
	h->magic = get_le32(p);
	h->type = get_le32(p + 4);
	h->count = get_le32(p + 8);
	h->raw_len = get_le32(p + 12);
	h->comp_len = get_le32(p + 16);
	h->raw_crc = get_le32(p + 20);
	h->head_crc = get_le32(p + 24);
}

/* The end of the input where a chunk header should start: clean only
 * after the summary. */
static int cut_short(struct trace_reader *r, char *err, size_t errlen)
{
	if (!r->any_chunk)
		return fail(r, err, errlen,
			    "truncated at byte %llu after the file header: no "
			    "chunks and no summary (the run was cut short)",
			    (unsigned long long)r->src.pos);
	return fail(r, err, errlen,
		    "truncated at byte %llu after the chunk at byte %llu: no "
		    "summary chunk (the run was cut short)",
		    (unsigned long long)r->src.pos,
		    (unsigned long long)r->last_chunk);
}

static int read_chunk_header(struct trace_reader *r, struct lab_chunk_header *h,
			     char *err, size_t errlen)
{
	uint8_t p[LAB_CHUNK_HEADER_LEN];
	uint64_t at = r->src.pos;
	ssize_t n = source_read(&r->src, p, sizeof(p));
	uint32_t crc;

	if (n < 0)
		return read_error(r, err, errlen, n);
	if (n == 0)
		return cut_short(r, err, errlen);
	if ((size_t)n < sizeof(p))
		return fail(r, err, errlen,
			    "truncated at byte %llu inside the header of the "
			    "chunk at byte %llu (%u bytes needed, %zd present)",
			    (unsigned long long)r->src.pos,
			    (unsigned long long)at, LAB_CHUNK_HEADER_LEN, n);
	decode_chunk_header(p, h);
	if (h->magic != LAB_CHUNK_MAGIC)
		return fail(r, err, errlen,
			    "chunk at byte %llu: bad chunk magic (expected "
			    "0x%08x, got 0x%08x)",
			    (unsigned long long)at, LAB_CHUNK_MAGIC, h->magic);
	crc = (uint32_t)crc32(0, p, LAB_CHUNK_HEADER_LEN - 4);
	if (crc != h->head_crc)
		return fail(r, err, errlen,
			    "chunk at byte %llu: header CRC-32 mismatch "
			    "(expected 0x%08x, got 0x%08x)",
			    (unsigned long long)at, h->head_crc, crc);
	return 0;
}

/* The record size of a chunk type in this trace's version; 0 for a type
 * this lab does not know. */
static size_t record_size(const struct trace_reader *r, uint32_t type)
{
	if (type == LAB_CHUNK_THREADS && r->info.version == 1)
		return LAB_THREAD_RECORD_V1;
	return lab_chunk_record_size(type);
}

/* From version 2 on, the chunk gives its THREADS records' size. */
static int check_thread_records(struct trace_reader *r,
				const struct lab_chunk_header *h, uint64_t at,
				char *err, size_t errlen)
{
	if (h->count ? h->raw_len % h->count == 0 &&
			       h->raw_len / h->count >= LAB_THREAD_RECORD_MIN
		     : h->raw_len == 0)
		return 0;
	return fail(r, err, errlen,
		    "chunk at byte %llu: raw length %u is not %u THREADS "
		    "records of one size of at least %u bytes",
		    (unsigned long long)at, h->raw_len, h->count,
		    LAB_THREAD_RECORD_MIN);
}

/* Every length is judged before anything is allocated for it. */
static int check_lengths(struct trace_reader *r,
			 const struct lab_chunk_header *h, uint64_t at,
			 char *err, size_t errlen)
{
	unsigned long long o = at;
	size_t size = record_size(r, h->type);

	if (!size)
		return fail(r, err, errlen,
			    "chunk at byte %llu: unknown chunk type %u", o,
			    h->type);
	if (h->raw_len > LAB_CHUNK_MAX_RAW)
		return fail(r, err, errlen,
			    "chunk at byte %llu: raw length %u exceeds the "
			    "limit of %u bytes",
			    o, h->raw_len, LAB_CHUNK_MAX_RAW);
	if (h->type == LAB_CHUNK_SUMMARY && h->raw_len != size)
		return fail(r, err, errlen,
			    "chunk at byte %llu: SUMMARY chunk of the wrong "
			    "size (expected %zu bytes, got %u)",
			    o, size, h->raw_len);
	if (h->type == LAB_CHUNK_THREADS && r->info.version >= 2) {
		if (check_thread_records(r, h, at, err, errlen))
			return -1;
	} else if (h->raw_len % size) {
		return fail(r, err, errlen,
			    "chunk at byte %llu: raw length %u is not a "
			    "multiple of the %s record size (%zu bytes)",
			    o, h->raw_len, trace_chunk_type_name(h->type),
			    size);
	} else if (h->count != h->raw_len / size) {
		return fail(r, err, errlen,
			    "chunk at byte %llu: record count mismatch "
			    "(expected %zu from the raw length, got %u)",
			    o, h->raw_len / size, h->count);
	}
	if (h->comp_len > compressBound(h->raw_len))
		return fail(r, err, errlen,
			    "chunk at byte %llu: compressed length %u exceeds "
			    "compressBound(%u) = %lu",
			    o, h->comp_len, h->raw_len,
			    compressBound(h->raw_len));
	if ((uint64_t)h->raw_len > (uint64_t)h->comp_len * DEFLATE_MAX_RATIO)
		return fail(
			r, err, errlen,
			"chunk at byte %llu: raw length %u cannot come from %u "
			"compressed bytes (deflate expands at most %u:1)",
			o, h->raw_len, h->comp_len, DEFLATE_MAX_RATIO);
	return 0;
}

static int payload_cut(struct trace_reader *r, uint64_t at, uint64_t ends_at,
		       uint64_t file_end, char *err, size_t errlen)
{
	return fail(r, err, errlen,
		    "truncated at byte %llu inside the payload of the chunk at "
		    "byte %llu (it ends at byte %llu)",
		    (unsigned long long)file_end, (unsigned long long)at,
		    (unsigned long long)ends_at);
}

static int reserve_raw(struct trace_reader *r, size_t need, char *err,
		       size_t errlen)
{
	uint8_t *p;

	if (need <= r->raw_cap)
		return 0;
	p = realloc(r->raw, need);
	if (!p)
		return fail(r, err, errlen,
			    "out of memory for a chunk of %zu bytes", need);
	r->raw = p;
	r->raw_cap = need;
	return 0;
}

/* Feeds the compressed payload through inflate in IN_BUF_LEN pieces.
 * The output buffer has one byte more than declared, so a stream that
 * inflates to too much is caught rather than cut. */
static int inflate_payload(struct trace_reader *r,
			   const struct lab_chunk_header *h, uint64_t at,
			   char *err, size_t errlen)
{
	uint64_t payload_end = r->src.pos + h->comp_len;
	uint32_t left = h->comp_len;
	z_stream *zs = &r->zs;
	int ret;

	inflateReset(zs);
	zs->next_out = r->raw;
	zs->avail_out = h->raw_len + 1;
	zs->avail_in = 0;
	for (;;) {
		if (zs->avail_in == 0 && left > 0) {
			size_t want = left < IN_BUF_LEN ? left : IN_BUF_LEN;
			ssize_t n = source_read(&r->src, r->in, want);

			if (n < 0)
				return read_error(r, err, errlen, n);
			if ((size_t)n < want)
				return payload_cut(r, at, payload_end,
						   r->src.pos, err, errlen);
			zs->next_in = r->in;
			zs->avail_in = (uInt)n;
			left -= (uint32_t)n;
		}
		ret = inflate(zs, Z_NO_FLUSH);
		if (ret == Z_STREAM_END)
			break;
		if (zs->total_out > h->raw_len)
			return fail(r, err, errlen,
				    "chunk at byte %llu: inflated size differs "
				    "from the declared raw length (expected "
				    "%u, got more)",
				    (unsigned long long)at, h->raw_len);
		if (ret == Z_BUF_ERROR && zs->avail_in == 0 && left == 0)
			return fail(r, err, errlen,
				    "chunk at byte %llu: the %u compressed "
				    "bytes end inside the zlib stream",
				    (unsigned long long)at, h->comp_len);
		if (ret != Z_OK && ret != Z_BUF_ERROR)
			return fail(r, err, errlen,
				    "chunk at byte %llu: inflate failed (%s)",
				    (unsigned long long)at,
				    zs->msg ? zs->msg : zError(ret));
	}
	if (zs->total_out != h->raw_len)
		return fail(r, err, errlen,
			    "chunk at byte %llu: inflated size differs from "
			    "the declared raw length (expected %u, got %lu)",
			    (unsigned long long)at, h->raw_len, zs->total_out);
	if (zs->avail_in > 0 || left > 0)
		return fail(r, err, errlen,
			    "chunk at byte %llu: the zlib stream ends %u bytes "
			    "before the declared compressed length (%u)",
			    (unsigned long long)at, zs->avail_in + left,
			    h->comp_len);
	return 0;
}

static int read_payload(struct trace_reader *r,
			const struct lab_chunk_header *h, uint64_t at,
			char *err, size_t errlen)
{
	uint64_t end = r->src.pos + h->comp_len;
	uint32_t crc;

	/* a known-size input shows a cut before the buffer is allocated */
	if (r->src.size != SIZE_UNKNOWN && end > r->src.size)
		return payload_cut(r, at, end, r->src.size, err, errlen);
	if (reserve_raw(r, (size_t)h->raw_len + 1, err, errlen) ||
	    inflate_payload(r, h, at, err, errlen))
		return -1;
	crc = (uint32_t)crc32(0, r->raw, h->raw_len);
	if (crc != h->raw_crc)
		return fail(r, err, errlen,
			    "chunk at byte %llu: CRC-32 mismatch (expected "
			    "0x%08x, got 0x%08x)",
			    (unsigned long long)at, h->raw_crc, crc);
	return 0;
}

/* THREADS records of any version become this lab's struct; their count
 * is bounded by the raw length, checked before. Returns 1, or -1. */
static int decode_threads(struct trace_reader *r,
			  const struct lab_chunk_header *h,
			  struct trace_chunk *chunk, char *err, size_t errlen)
{
	if (h->count > r->threads_cap) {
		void *p = realloc(r->threads, h->count * sizeof(*r->threads));

		if (!p)
			return fail(r, err, errlen,
				    "out of memory for %u thread records",
				    h->count);
		r->threads = p;
		r->threads_cap = h->count;
	}
	thread_records_decode(r->info.version, r->raw, h->raw_len, h->count,
			      r->threads);
	chunk->data = r->threads;
	return 1;
}

/* After the summary the input must end. */
static int expect_end(struct trace_reader *r, char *err, size_t errlen)
{
	uint64_t at = r->src.pos;
	uint8_t byte;
	ssize_t n = source_read(&r->src, &byte, 1);

	if (n < 0)
		return read_error(r, err, errlen, n);
	if (n == 0) {
		r->state = READ_END;
		return 0;
	}
	if (r->src.size != SIZE_UNKNOWN && r->src.size > at)
		return fail(
			r, err, errlen,
			"data after the summary chunk: %llu bytes at byte %llu",
			(unsigned long long)(r->src.size - at),
			(unsigned long long)at);
	return fail(r, err, errlen, "data after the summary chunk at byte %llu",
		    (unsigned long long)at);
}

int trace_reader_next(struct trace_reader *r, struct trace_chunk *chunk,
		      char *err, size_t errlen)
{
	struct lab_chunk_header h = {0};
	uint64_t at;

	if (r->state == READ_AFTER_SUMMARY && expect_end(r, err, errlen))
		return -1;
	if (r->state == READ_END)
		return 0;
	if (r->state == READ_FAILED) {
		if (err && errlen)
			snprintf(err, errlen, "%s", r->error);
		return -1;
	}
	at = r->src.pos;
	if (read_chunk_header(r, &h, err, errlen) ||
	    check_lengths(r, &h, at, err, errlen) ||
	    read_payload(r, &h, at, err, errlen))
		return -1;
	r->any_chunk = true;
	r->last_chunk = at;
	if (h.type == LAB_CHUNK_SUMMARY)
		r->state = READ_AFTER_SUMMARY;
	chunk->type = (enum lab_chunk_type)h.type;
	chunk->offset = at;
	chunk->data = r->raw;
	chunk->count = h.count;
	if (h.type == LAB_CHUNK_THREADS)
		return decode_threads(r, &h, chunk, err, errlen);
	return 1;
}

/* ---- lifecycle ---- */

/* First what cannot fail half-way, so trace_reader_free works on any
 * state. */
static struct trace_reader *reader_new(char *err, size_t errlen)
{
	struct trace_reader *r = calloc(1, sizeof(*r));

	if (r) {
		r->src.fd = -1;
		r->in = malloc(IN_BUF_LEN);
		if (r->in && inflateInit(&r->zs) == Z_OK)
			r->zs_ready = true;
	}
	if (!r || !r->zs_ready) {
		trace_reader_free(r);
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return r;
}

static int finish_open(struct trace_reader **out, struct trace_reader *r,
		       char *err, size_t errlen)
{
	if (read_header(r, err, errlen)) {
		trace_reader_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

int trace_reader_open_mem(struct trace_reader **out, const uint8_t *data,
			  size_t len, char *err, size_t errlen)
{
	struct trace_reader *r;

	*out = NULL;
	r = reader_new(err, errlen);
	if (!r)
		return -1;
	r->src.mem = data;
	r->src.size = data ? len : 0;
	return finish_open(out, r, err, errlen);
}

int trace_reader_open_file(struct trace_reader **out, const char *path,
			   char *err, size_t errlen)
{
	struct trace_reader *r;
	struct stat st;

	*out = NULL;
	r = reader_new(err, errlen);
	if (!r)
		return -1;
	r->src.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->src.fd < 0 || fstat(r->src.fd, &st) < 0) {
		fail(r, err, errlen, "cannot open: %s", strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		fail(r, err, errlen, "is a directory, not a trace file");
	} else {
		/* pipes and devices have no size: cuts show while reading */
		r->src.size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size
						  : SIZE_UNKNOWN;
		return finish_open(out, r, err, errlen);
	}
	trace_reader_free(r);
	return -1;
}

const struct lab_trace_info *trace_reader_info(const struct trace_reader *r)
{
	return &r->info;
}

size_t trace_reader_buffer_bytes(const struct trace_reader *r)
{
	return IN_BUF_LEN + r->raw_cap +
	       r->threads_cap * sizeof(struct lab_thread_stats);
}

void trace_reader_free(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->src.fd >= 0)
		close(r->src.fd);
	if (r->zs_ready)
		inflateEnd(&r->zs);
	free(r->raw);
	free(r->threads);
	free(r->in);
	free(r);
}
