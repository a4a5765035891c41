/* trace_writer.c - writes a trace file: header, deflated chunks, summary.
 *
 * It writes into a descriptor it is given: under sudo the file is created
 * by the invoking user (analyzer/output_file.c) and only written by the
 * root tracer. The layout is described in docs/trace-format.md.
 *
 * A disk that fills up must not cost what was recorded: the writer keeps
 * RESERVE_BYTES allocated past its end, and once the reserve cannot be
 * extended it takes no more events ("full"), so the closing chunks still
 * fit. A write that fails anyway is cut back to the last whole chunk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "probes/trace_writer.h"

/* Records go to disk as the host lays them out. */
_Static_assert(
	__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	"trace records are written in host order, which must be little-endian");

/* room kept for the threads, drops and summary chunks of a full disk */
#define RESERVE_BYTES (1u << 20)

struct trace_writer {
	int fd;
	int error; /* first failure as -errno; every later call returns it */
	bool finished;
	bool full;	/* the reserve could not grow: events are refused */
	off_t end;	/* bytes of whole chunks written */
	off_t reserved; /* allocated up to here, or 0: no reserve here */
	struct lab_event *events; /* LAB_CHUNK_MAX_EVENTS buffered events */
	size_t nevents;
	z_stream zs;
	bool zs_ready;
	uint8_t *out; /* chunk header followed by the deflated payload */
	size_t out_cap;
};

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Loops over short writes and EINTR; ENOSPC and friends come back. */
static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Remembers the first failure so a half-written chunk is never followed
 * by more data. */
static int fail(struct trace_writer *w, int err)
{
	if (!w->error)
		w->error = err;
	return w->error;
}

/* Keeps RESERVE_BYTES allocated past the end. When that fails for want
 * of space the writer is full; a filesystem without fallocate keeps no
 * reserve and relies on cutting back a failed write. */
static void keep_reserve(struct trace_writer *w)
{
	if (w->full || w->end + (off_t)RESERVE_BYTES / 2 < w->reserved)
		return;
	if (fallocate(w->fd, FALLOC_FL_KEEP_SIZE, w->end, RESERVE_BYTES) == 0)
		w->reserved = w->end + RESERVE_BYTES;
	else if (errno == ENOSPC || errno == EDQUOT)
		w->full = true;
}

/* One whole chunk or header, or nothing: a failed write is cut back so
 * the file ends at its last whole chunk. */
static int write_whole(struct trace_writer *w, const void *buf, size_t len)
{
	int r = write_all(w->fd, buf, len);

	if (r) {
		if (ftruncate(w->fd, w->end) == 0)
			lseek(w->fd, w->end, SEEK_SET);
		if (r == -ENOSPC || r == -EDQUOT)
			w->full = true;
		return fail(w, r);
	}
	w->end += (off_t)len;
	keep_reserve(w);
	return 0;
}

/* ---- header ---- */

struct field_buf {
	uint8_t data[LAB_TRACE_FIXED_LEN + LAB_TRACE_MAX_FIELDS + 4];
	size_t len;
};

static void field_bytes(struct field_buf *b, uint16_t tag, const void *v,
			uint16_t len)
{
	put_le16(b->data + b->len, tag);
	put_le16(b->data + b->len + 2, len);
	memcpy(b->data + b->len + 4, v, len);
	b->len += 4 + (size_t)len;
}

/* In-memory strings are NUL-terminated within their array; on disk the
 * NUL is dropped. */
static void field_str(struct field_buf *b, uint16_t tag, const char *s,
		      size_t cap)
{
	field_bytes(b, tag, s, (uint16_t)strnlen(s, cap));
}

static void field_u32(struct field_buf *b, uint16_t tag, uint32_t v)
{
	uint8_t le[4];

	put_le32(le, v);
	field_bytes(b, tag, le, sizeof(le));
}

static void field_u64(struct field_buf *b, uint16_t tag, uint64_t v)
{
	uint8_t le[8];

	put_le64(le, v);
	field_bytes(b, tag, le, sizeof(le));
}

#define FIELD_STR(b, tag, info, member)                                        \
	field_str(b, tag, (info)->member, sizeof((info)->member))

/* The whole header fits well under the field limit: the strings are
 * bounded by the sizes of lab_trace_info's arrays. */
_Static_assert(LAB_TRACE_FIXED_LEN + sizeof(struct lab_trace_info) + 18 * 4 +
			       4 <
		       sizeof(((struct field_buf *)0)->data),
	       "header buffer");

static void encode_header(struct field_buf *b, const struct lab_trace_info *in)
{
	memcpy(b->data, LAB_TRACE_MAGIC, LAB_TRACE_MAGIC_LEN);
	put_le32(b->data + 8, LAB_TRACE_VERSION);
	b->len = LAB_TRACE_FIXED_LEN;
	FIELD_STR(b, LAB_TAG_LAB_VERSION, in, lab_version);
	FIELD_STR(b, LAB_TAG_KERNEL, in, kernel);
	FIELD_STR(b, LAB_TAG_MACHINE, in, machine);
	FIELD_STR(b, LAB_TAG_CPU_MODEL, in, cpu_model);
	field_u32(b, LAB_TAG_CPU_COUNT, in->cpu_count);
	FIELD_STR(b, LAB_TAG_WORKLOAD, in, workload);
	FIELD_STR(b, LAB_TAG_PARAMS, in, params);
	FIELD_STR(b, LAB_TAG_CMDLINE, in, cmdline);
	field_u64(b, LAB_TAG_START_REALTIME_NS, in->start_realtime_ns);
	field_u64(b, LAB_TAG_START_NS, in->start_ns);
	FIELD_STR(b, LAB_TAG_HYPERVISOR, in, hypervisor);
	FIELD_STR(b, LAB_TAG_TLB_TAGS, in, tlb_tags);
	FIELD_STR(b, LAB_TAG_PAGE_TABLE_ISOLATION, in, page_table_isolation);
	field_u64(b, LAB_TAG_TICK_NS, in->tick_ns);
	field_u64(b, LAB_TAG_KERNEL_STACK, in->kernel_stack_bytes);
	field_u64(b, LAB_TAG_TASK_STRUCT, in->task_struct_bytes);
	field_u32(b, LAB_TAG_TRACER_PID, in->tracer_pid);
	field_u32(b, LAB_TAG_NOT_MEASURED, in->not_measured);
	put_le32(b->data + 12, (uint32_t)(b->len - LAB_TRACE_FIXED_LEN));
	put_le32(b->data + b->len, (uint32_t)crc32(0, b->data, (uInt)b->len));
	b->len += 4;
}

static int write_header(struct trace_writer *w, const struct lab_trace_info *in)
{
	struct field_buf *b = malloc(sizeof(*b));
	int r;

	if (!b)
		return -ENOMEM;
	encode_header(b, in);
	r = write_whole(w, b->data, b->len);
	free(b);
	return r;
}

/* ---- chunks ---- */

static int reserve_out(struct trace_writer *w, size_t need)
{
	uint8_t *p;

	if (need <= w->out_cap)
		return 0;
	p = realloc(w->out, need);
	if (!p)
		return -ENOMEM;
	w->out = p;
	w->out_cap = need;
	return 0;
}

/* Deflates raw into w->out after room for the chunk header; returns the
 * compressed length. Each chunk is a complete zlib stream of its own, so
 * a reader can start at any chunk. */
static int deflate_payload(struct trace_writer *w, const void *raw,
			   size_t raw_len, size_t *comp_len)
{
	z_stream *zs = &w->zs;

	if (deflateReset(zs) != Z_OK)
		return -EINVAL;
	zs->next_in = (Bytef *)raw;
	zs->avail_in = (uInt)raw_len;
	zs->next_out = w->out + LAB_CHUNK_HEADER_LEN;
	zs->avail_out = (uInt)(w->out_cap - LAB_CHUNK_HEADER_LEN);
	/* out holds compressBound(raw_len): one call always finishes */
	if (deflate(zs, Z_FINISH) != Z_STREAM_END)
		return -EINVAL;
	*comp_len = zs->total_out;
	return 0;
}

static void encode_chunk_header(uint8_t *p, const struct lab_chunk_header *h)
{
	put_le32(p, h->magic);
	put_le32(p + 4, h->type);
	put_le32(p + 8, h->count);
	put_le32(p + 12, h->raw_len);
	put_le32(p + 16, h->comp_len);
	put_le32(p + 20, h->raw_crc);
	put_le32(p + 24, (uint32_t)crc32(0, p, LAB_CHUNK_HEADER_LEN - 4));
}

static int write_chunk(struct trace_writer *w, enum lab_chunk_type type,
		       const void *raw, size_t count)
{
	struct lab_chunk_header h = {.magic = LAB_CHUNK_MAGIC, .type = type};
	size_t raw_len, comp_len;
	int r;

	if (w->error)
		return w->error;
	if (count > LAB_CHUNK_MAX_RAW / lab_chunk_record_size(type))
		return fail(w, -E2BIG); /* a reader would refuse the chunk */
	raw_len = count * lab_chunk_record_size(type);
	r = reserve_out(w, LAB_CHUNK_HEADER_LEN + compressBound(raw_len));
	if (!r)
		r = deflate_payload(w, raw, raw_len, &comp_len);
	if (r)
		return fail(w, r);
	h.count = (uint32_t)count;
	h.raw_len = (uint32_t)raw_len;
	h.comp_len = (uint32_t)comp_len;
	h.raw_crc = (uint32_t)crc32(0, raw, (uInt)raw_len);
	encode_chunk_header(w->out, &h);
	return write_whole(w, w->out, LAB_CHUNK_HEADER_LEN + comp_len);
}

static int flush_events(struct trace_writer *w)
{
	int r;

	if (w->nevents == 0)
		return 0;
	r = write_chunk(w, LAB_CHUNK_EVENTS, w->events, w->nevents);
	if (!r)
		w->nevents = 0;
	return r;
}

/* ---- lifecycle ---- */

int trace_writer_open(struct trace_writer **out, int fd,
		      const struct lab_trace_info *info)
{
	struct trace_writer *w;
	int r;

	*out = NULL;
	if (fd < 0 || !info)
		return -EINVAL;
	/* first what cannot fail half-way, so free() works on any state */
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	w->events = malloc(LAB_CHUNK_MAX_EVENTS * sizeof(*w->events));
	if (!w->events || deflateInit(&w->zs, LAB_DEFLATE_LEVEL) != Z_OK) {
		trace_writer_free(w);
		return -ENOMEM;
	}
	w->zs_ready = true;
	w->fd = fd;
	if (lseek(fd, 0, SEEK_END) != 0) { /* an empty file, and a file */
		trace_writer_free(w);
		return -EINVAL;
	}
	keep_reserve(w);
	r = write_header(w, info);
	if (r) {
		trace_writer_free(w);
		return r;
	}
	*out = w;
	return 0;
}

int trace_writer_add_events(struct trace_writer *w, const struct lab_event *ev,
			    size_t n)
{
	if (w->error)
		return w->error;
	if (w->finished)
		return -EINVAL;
	if (w->full)
		return 0;
	while (n > 0) {
		size_t room = LAB_CHUNK_MAX_EVENTS - w->nevents;
		size_t take = n < room ? n : room;
		int r;

		memcpy(w->events + w->nevents, ev, take * sizeof(*ev));
		w->nevents += take;
		ev += take;
		n -= take;
		if (w->nevents == LAB_CHUNK_MAX_EVENTS) {
			r = flush_events(w);
			if (r)
				return r;
		}
	}
	return 0;
}

/* The data must be on disk before the name points at it, or a crash
 * could leave a complete-looking name over missing blocks. */
static int sync_and_close(struct trace_writer *w)
{
	int fd = w->fd;

	w->fd = -1;
	if (fsync(fd) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	/* close reports delayed write errors on network filesystems */
	return close(fd) < 0 ? -errno : 0;
}

int trace_writer_add_maps(struct trace_writer *w, const struct lab_map *maps,
			  size_t n)
{
	if (w->error)
		return w->error;
	if (w->finished || (n && !maps))
		return -EINVAL;
	if (w->full)
		return 0; /* the reserve is for the closing chunks */
	return n ? write_chunk(w, LAB_CHUNK_MAPS, maps, n) : 0;
}

int trace_writer_add_memory(struct trace_writer *w,
			    const struct lab_memory *samples, size_t n)
{
	if (w->error)
		return w->error;
	if (w->finished || (n && !samples))
		return -EINVAL;
	if (w->full)
		return 0;
	return n ? write_chunk(w, LAB_CHUNK_MEMORY, samples, n) : 0;
}

int trace_writer_add_waits(struct trace_writer *w, const struct lab_wait *waits,
			   size_t n)
{
	if (w->error)
		return w->error;
	if (w->finished || (n && !waits))
		return -EINVAL;
	if (w->full)
		return 0;
	/* written when empty too: the reader learns the sums were kept */
	return write_chunk(w, LAB_CHUNK_WAITS, waits, n);
}

int trace_writer_finish(struct trace_writer *w,
			const struct lab_thread_stats *threads, size_t nthreads,
			const uint64_t *drops_per_cpu, size_t ncpus,
			const struct lab_run_summary *summary)
{
	int r;

	if (w->error)
		return w->error;
	if (w->finished || !summary || (nthreads && !threads) ||
	    (ncpus && !drops_per_cpu))
		return -EINVAL;
	r = flush_events(w);
	if (!r)
		r = write_chunk(w, LAB_CHUNK_THREADS, threads, nthreads);
	if (!r)
		r = write_chunk(w, LAB_CHUNK_DROPS, drops_per_cpu, ncpus);
	if (!r)
		r = write_chunk(w, LAB_CHUNK_SUMMARY, summary, 1);
	/* the reserve past the end is given back */
	if (!r && ftruncate(w->fd, w->end))
		r = -errno;
	if (!r)
		r = sync_and_close(w);
	if (r)
		return fail(w, r);
	w->finished = true;
	return 0;
}

bool trace_writer_full(const struct trace_writer *w)
{
	return w->full;
}

void trace_writer_free(struct trace_writer *w)
{
	if (!w)
		return;
	/* what was written stays: the file ends at its last whole chunk */
	if (w->fd >= 0) {
		if (w->end && ftruncate(w->fd, w->end))
			w->error = -errno;
		close(w->fd);
	}
	if (w->zs_ready)
		deflateEnd(&w->zs);
	free(w->out);
	free(w->events);
	free(w);
}
