/* test_trace.c - the trace writer and reader: round trips, the documented
 * byte layout, and every kind of damage the reader must name. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include "tests/test.h"
#include "probes/hypervisor.h"
#include "analyzer/trace_reader.h"
#include "analyzer/output_file.h"
#include "tests/trace_craft.h"
#include "tests/trace_file.h"

#define MANY_EVENTS 150000 /* three EVENTS chunks: 65536 + 65536 + 18928 */
#define NTHREADS    37
#define NCPUS	    4

/* Like CHECK_EQ, but evaluates a call once and shows signed results. */
static bool check_rc_at(const char *file, int line, const char *what,
			long long got, long long want)
{
	return test_check(got == want, file, line,
			  "%s: got %lld, expected %lld", what, got, want);
}

#define CHECK_RC(expr, want)                                                   \
	check_rc_at(__FILE__, __LINE__, #expr, (long long)(expr),              \
		    (long long)(want))

/* ---- deterministic test data ---- */

static uint32_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

/* Switches and wakeups among 10 threads of one process on two CPUs,
 * timestamps increasing by 1 to 2.5 us: what a busy workload produces. */
static void gen_event(uint64_t i, struct lab_event *e)
{
	uint32_t h = mix(i);

	memset(e, 0, sizeof(*e));
	e->ts = 5000000000ULL + i * 1500 + h % 1000;
	e->tid = 4000 + h % 10;
	e->pid = 4000;
	e->other_tid = 4000 + (h >> 8) % 10;
	e->other_pid = 4000;
	e->cpu = (h >> 16) & 1;
	if ((h >> 17) & 1) {
		e->type = LAB_EV_SWITCH;
		e->value = (h >> 18) & 1;
		e->flags = e->value ? 0 : LAB_SWITCH_PREEMPT;
	} else {
		e->type = LAB_EV_WAKEUP;
		e->aux = (h >> 19) & 1;
	}
}

static void gen_thread(size_t i, struct lab_thread_stats *t)
{
	memset(t, 0, sizeof(*t));
	t->tid = 4000 + (uint32_t)i;
	t->pid = 4000;
	t->parent_tid = i ? 4000 : 0;
	t->flags = i % 2 ? LAB_THREAD_EXITED : 0;
	snprintf(t->comm, sizeof(t->comm), "worker-%zu", i);
	t->voluntary_switches = 100 + i;
	t->involuntary_switches = 7 * i;
	t->oncpu_ns = 123456789ULL * i;
	t->runq_wait_ns = 555 * i;
	t->runq_count = 3 * i;
	t->runq_max_ns = 99999 + i;
	t->wakeups = 11 * i;
	t->user_switches = i << 40;
	t->start_ns = 5000000000ULL + i;
	t->exit_ns = i % 2 ? 6000000000ULL + i : 0;
	t->exit_code = -(int32_t)i;
	t->migrations = i * 13;
	t->page_faults = i * 17;
	t->klock_wait_ns = i * 19;
	t->klock_count = i * 23;
	t->runq_wait_asleep_ns = i * 29;
	t->create_call_ns = i * 31;
	t->create_calls = i * 37;
	for (int s = 0; s < LAB_HIST_SLOTS; s++)
		t->runq_hist[s] = (uint64_t)s * i;
}

static void fill_str(char *dst, size_t size, char base)
{
	for (size_t i = 0; i + 1 < size; i++)
		dst[i] = (char)(base + i % 26);
	dst[size - 1] = '\0';
}

static void gen_info(struct lab_trace_info *in)
{
	memset(in, 0, sizeof(*in));
	in->version = LAB_TRACE_VERSION;
	snprintf(in->lab_version, sizeof(in->lab_version), "0.1.0");
	snprintf(in->kernel, sizeof(in->kernel), "6.18.0-lab");
	snprintf(in->machine, sizeof(in->machine), "x86_64");
	snprintf(in->cpu_model, sizeof(in->cpu_model), "Some CPU @ 2.40GHz");
	in->cpu_count = NCPUS;
	snprintf(in->workload, sizeof(in->workload), "io-threads");
	fill_str(in->params, sizeof(in->params),
		 'a'); /* full to the last byte */
	fill_str(in->cmdline, sizeof(in->cmdline), 'A');
	in->start_realtime_ns = 1700000000123456789ULL;
	in->start_ns = 4999999999ULL;
	snprintf(in->hypervisor, sizeof(in->hypervisor), "KVM");
	snprintf(in->tlb_tags, sizeof(in->tlb_tags), "pcid invpcid");
	fill_str(in->page_table_isolation, sizeof(in->page_table_isolation),
		 'm'); /* full to the last byte */
	in->tick_ns = 3333333;
}

static void gen_summary(struct lab_run_summary *s, uint64_t nevents)
{
	*s = (struct lab_run_summary){
		.end_ns = 7000000000ULL,
		.events = nevents,
		.dropped = 42,
		.untracked = 3,
		.exit_status = -9,
		.flags = LAB_RUN_INCOMPLETE,
		.utime_ns = 1111,
		.stime_ns = 2222,
		.maxrss_kb = 3333,
		.minflt = 4444,
		.majflt = 5555,
		.nvcsw = 6666,
		.nivcsw = 7777,
	};
}

static void gen_drops(uint64_t *d)
{
	for (int i = 0; i < NCPUS; i++)
		d[i] = (uint64_t)i * 10 + 1;
}

/* Writes a trace of nevents, adding them in uneven batches so buffer
 * boundaries fall everywhere. */
static int write_trace(const char *path, uint64_t nevents)
{
	static const size_t batch[] = {1, 7, 1000, 1, 65535, 3, 20000};
	struct lab_thread_stats th[NTHREADS];
	struct lab_run_summary sum;
	struct lab_trace_info in;
	struct trace_writer *w;
	struct lab_event *ev = malloc(65535 * sizeof(*ev));
	uint64_t drops[NCPUS];
	uint64_t i = 0;
	int r;

	if (!ev)
		return -ENOMEM;
	gen_info(&in);
	r = trace_file_open(&w, path, &in);
	for (size_t b = 0; !r && i < nevents; b++) {
		size_t n = batch[b % 7];

		if (n > nevents - i)
			n = nevents - i;
		for (size_t k = 0; k < n; k++)
			gen_event(i + k, &ev[k]);
		r = trace_writer_add_events(w, ev, n);
		i += n;
	}
	for (size_t t = 0; t < NTHREADS; t++)
		gen_thread(t, &th[t]);
	gen_drops(drops);
	gen_summary(&sum, nevents);
	if (!r)
		r = trace_writer_finish(w, th, NTHREADS, drops, NCPUS, &sum);
	trace_writer_free(w);
	free(ev);
	return r;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0) {
		p = malloc(n ? (size_t)n : 1);
		rewind(f);
		if (p && fread(p, 1, (size_t)n, f) == (size_t)n) {
			*len = (size_t)n;
		} else {
			free(p);
			p = NULL;
		}
	}
	fclose(f);
	return p;
}

static int spit(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(p, 1, len, f) == len;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

static char *path_in(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

/* A trace of MANY_EVENTS in memory, written once and shared by tests:
 * each runs in a process of its own, so the first writes the file and
 * keeps its path in memory the run shares, the others read it. */
static uint8_t *sample;
static size_t sample_len;
static char *sample_path; /* PATH_MAX bytes of test_shared() memory */

__attribute__((constructor)) static void share_sample_path(void)
{
	sample_path = test_shared(PATH_MAX);
}

__attribute__((destructor)) static void free_sample(void)
{
	free(sample);
}

static bool load_sample(void)
{
	char *path;

	if (sample)
		return true;
	if (!sample_path[0]) {
		path = path_in(test_tmpdir(), "sample.lab");
		if (CHECK_RC(write_trace(path, MANY_EVENTS), 0))
			snprintf(sample_path, PATH_MAX, "%s", path);
		free(path);
	}
	if (sample_path[0])
		sample = slurp(sample_path, &sample_len);
	return CHECK(sample != NULL);
}

/* ---- an independent decoder of the documented layout ---- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

#define MAX_CHUNKS 64

struct layout {
	size_t header_len;
	size_t n;
	size_t off[MAX_CHUNKS];
	uint32_t type[MAX_CHUNKS], count[MAX_CHUNKS], comp[MAX_CHUNKS];
};

/* Walks the file as docs/trace-format.md describes it. */
static bool parse_layout(const uint8_t *b, size_t len, struct layout *l)
{
	size_t off;

	memset(l, 0, sizeof(*l));
	if (len < 20)
		return false;
	l->header_len = 16 + le32(b + 12) + 4;
	for (off = l->header_len; off + 28 <= len && l->n < MAX_CHUNKS;) {
		l->off[l->n] = off;
		l->type[l->n] = le32(b + off + 4);
		l->count[l->n] = le32(b + off + 8);
		l->comp[l->n] = le32(b + off + 16);
		off += 28 + l->comp[l->n];
		l->n++;
	}
	return off == len;
}

/* ---- reading helpers ---- */

struct outcome {
	int open_rc;
	int last_rc;   /* of the last trace_reader_next */
	size_t chunks; /* chunks returned */
	uint64_t offsets[MAX_CHUNKS];
	char err[512];
};

static void drain(struct trace_reader *r, struct outcome *o)
{
	struct trace_chunk c;

	while ((o->last_rc =
			trace_reader_next(r, &c, o->err, sizeof(o->err))) == 1)
		if (o->chunks < MAX_CHUNKS)
			o->offsets[o->chunks++] = c.offset;
}

static void read_mem(const uint8_t *p, size_t len, struct outcome *o)
{
	struct trace_reader *r;

	memset(o, 0, sizeof(*o));
	o->open_rc = trace_reader_open_mem(&r, p, len, o->err, sizeof(o->err));
	if (o->open_rc == 0)
		drain(r, o);
	trace_reader_free(r);
}

static void read_path(const char *path, struct outcome *o)
{
	struct trace_reader *r;

	memset(o, 0, sizeof(*o));
	o->open_rc = trace_reader_open_file(&r, path, o->err, sizeof(o->err));
	if (o->open_rc == 0)
		drain(r, o);
	trace_reader_free(r);
}

static bool has_at(const char *file, int line, const char *s, const char *what)
{
	return test_check(strstr(s, what) != NULL, file, line,
			  "message \"%s\" should contain \"%s\"", s, what);
}

/* what, with %llu replaced by an offset */
static bool names_at(const char *file, int line, const char *s, const char *fmt,
		     uint64_t off)
{
	char want[160];

	snprintf(want, sizeof(want), fmt, (unsigned long long)off);
	return has_at(file, line, s, want);
}

#define has(s, what)		  has_at(__FILE__, __LINE__, s, what)
#define names_offset(s, fmt, off) names_at(__FILE__, __LINE__, s, fmt, off)

/* ---- round trip ---- */

static bool check_info(const struct lab_trace_info *got)
{
	struct lab_trace_info want;

	gen_info(&want);
	return CHECK_EQ(got->version, LAB_TRACE_VERSION) &&
	       CHECK_STR(got->lab_version, want.lab_version) &&
	       CHECK_STR(got->kernel, want.kernel) &&
	       CHECK_STR(got->machine, want.machine) &&
	       CHECK_STR(got->cpu_model, want.cpu_model) &&
	       CHECK_EQ(got->cpu_count, want.cpu_count) &&
	       CHECK_STR(got->workload, want.workload) &&
	       CHECK_STR(got->params, want.params) &&
	       CHECK_STR(got->cmdline, want.cmdline) &&
	       CHECK_EQ(got->start_realtime_ns, want.start_realtime_ns) &&
	       CHECK_EQ(got->start_ns, want.start_ns) &&
	       CHECK_STR(got->hypervisor, want.hypervisor) &&
	       CHECK_STR(got->tlb_tags, want.tlb_tags) &&
	       CHECK_STR(got->page_table_isolation,
			 want.page_table_isolation) &&
	       CHECK_EQ(got->tick_ns, want.tick_ns);
}

static bool check_events(const struct trace_chunk *c, uint64_t first)
{
	const struct lab_event *ev = c->data;
	struct lab_event want;

	for (size_t i = 0; i < c->count; i++) {
		gen_event(first + i, &want);
		if (memcmp(&ev[i], &want, sizeof(want)))
			return CHECK_MSG(
				0, "event %llu differs (ts %llu, want %llu)",
				(unsigned long long)(first + i),
				(unsigned long long)ev[i].ts,
				(unsigned long long)want.ts);
	}
	return true;
}

static bool check_threads(const struct trace_chunk *c)
{
	const struct lab_thread_stats *t = c->data;
	struct lab_thread_stats want;

	if (!CHECK_EQ(c->count, NTHREADS))
		return false;
	for (size_t i = 0; i < NTHREADS; i++) {
		gen_thread(i, &want);
		if (memcmp(&t[i], &want, sizeof(want)))
			return CHECK_MSG(0, "thread %zu differs", i);
	}
	return true;
}

static bool check_drops(const struct trace_chunk *c)
{
	uint64_t want[NCPUS];

	gen_drops(want);
	return CHECK_EQ(c->count, NCPUS) &&
	       CHECK(memcmp(c->data, want, sizeof(want)) == 0);
}

static bool check_summary(const struct trace_chunk *c)
{
	const struct lab_run_summary *s = c->data;
	struct lab_run_summary w;

	gen_summary(&w, MANY_EVENTS);
	return CHECK_EQ(c->count, 1) && CHECK_EQ(s->end_ns, w.end_ns) &&
	       CHECK_EQ(s->events, w.events) &&
	       CHECK_EQ(s->dropped, w.dropped) &&
	       CHECK_EQ(s->untracked, w.untracked) &&
	       CHECK_EQ((int64_t)s->exit_status, (int64_t)w.exit_status) &&
	       CHECK_EQ(s->flags, w.flags) &&
	       CHECK_EQ(s->utime_ns, w.utime_ns) &&
	       CHECK_EQ(s->stime_ns, w.stime_ns) &&
	       CHECK_EQ(s->maxrss_kb, w.maxrss_kb) &&
	       CHECK_EQ(s->minflt, w.minflt) && CHECK_EQ(s->majflt, w.majflt) &&
	       CHECK_EQ(s->nvcsw, w.nvcsw) && CHECK_EQ(s->nivcsw, w.nivcsw);
}

TEST(trace_round_trip)
{
	static const enum lab_chunk_type order[] = {
		LAB_CHUNK_EVENTS,  LAB_CHUNK_EVENTS, LAB_CHUNK_EVENTS,
		LAB_CHUNK_THREADS, LAB_CHUNK_DROPS,  LAB_CHUNK_SUMMARY,
	};
	char *path = path_in(test_tmpdir(), "run.lab");
	struct trace_reader *r = NULL;
	struct trace_chunk c;
	uint64_t nev = 0;
	char err[512] = "";
	size_t i = 0;
	int rc;

	if (!CHECK_RC(write_trace(path, MANY_EVENTS), 0) ||
	    !CHECK_MSG(trace_reader_open_file(&r, path, err, sizeof(err)) == 0,
		       "open: %s", err) ||
	    !check_info(trace_reader_info(r)))
		goto out;
	while ((rc = trace_reader_next(r, &c, err, sizeof(err))) == 1) {
		if (!CHECK(i < 6) || !CHECK_EQ(c.type, order[i]))
			goto out;
		if (c.type == LAB_CHUNK_EVENTS) {
			if (!CHECK(c.count <= LAB_CHUNK_MAX_EVENTS) ||
			    !check_events(&c, nev))
				goto out;
			nev += c.count;
		} else if ((c.type == LAB_CHUNK_THREADS &&
			    !check_threads(&c)) ||
			   (c.type == LAB_CHUNK_DROPS && !check_drops(&c)) ||
			   (c.type == LAB_CHUNK_SUMMARY &&
			    !check_summary(&c))) {
			goto out;
		}
		i++;
	}
	CHECK_MSG(rc == 0, "end: %s", err);
	CHECK_EQ(i, 6);
	CHECK_EQ(nev, MANY_EVENTS);
	/* a clean end stays a clean end */
	CHECK_RC(trace_reader_next(r, &c, err, sizeof(err)), 0);
out:
	trace_reader_free(r);
	free(path);
}

TEST(trace_empty_run_round_trips)
{
	char *path = path_in(test_tmpdir(), "empty.lab");
	struct lab_run_summary sum;
	struct lab_trace_info in;
	struct trace_writer *w;
	struct outcome o;

	memset(&in, 0, sizeof(in));
	gen_summary(&sum, 0);
	if (CHECK_RC(trace_file_open(&w, path, &in), 0)) {
		CHECK_RC(trace_writer_finish(w, NULL, 0, NULL, 0, &sum), 0);
		/* a finished writer takes nothing more */
		CHECK_RC(trace_writer_finish(w, NULL, 0, NULL, 0, &sum),
			 -EINVAL);
		trace_writer_free(w);
	}
	read_path(path, &o);
	CHECK_MSG(o.open_rc == 0 && o.last_rc == 0, "%s", o.err);
	CHECK_EQ(o.chunks, 3); /* THREADS, DROPS, SUMMARY, all but one empty */
	free(path);
}

/* The bytes on disk, decoded by the test's own reading of the doc. */
TEST(trace_layout_matches_doc)
{
	struct lab_trace_info in;
	struct layout l;
	uint32_t flen;
	size_t off;
	const uint8_t *h;

	if (!load_sample() ||
	    !CHECK(memcmp(sample, "\x89LAB\r\n\x1a\n", 8) == 0) ||
	    !CHECK_EQ(le32(sample + 8), 2) ||
	    !CHECK(parse_layout(sample, sample_len, &l)))
		return;
	flen = le32(sample + 12);
	CHECK_EQ(le32(sample + 16 + flen), crc32(0, sample, 16 + flen));
	/* the workload field among the tag-length-value entries */
	gen_info(&in);
	for (off = 16; off < 16 + flen; off += 4 + le16(sample + off + 2))
		if (le16(sample + off) == 6)
			break;
	if (CHECK(off < 16 + flen) &&
	    CHECK_EQ(le16(sample + off + 2), strlen(in.workload)))
		CHECK(memcmp(sample + off + 4, in.workload,
			     strlen(in.workload)) == 0);
	CHECK_EQ(l.n, 6);
	CHECK_EQ(l.type[0], 1);
	CHECK_EQ(l.count[0], 65536);
	CHECK_EQ(l.type[5], 4);
	h = sample + l.off[0];
	CHECK(memcmp(h, "LCHK", 4) == 0);
	CHECK_EQ(le32(h + 12), 65536 * 40);
	CHECK_EQ(le32(h + 24), crc32(0, h, 24));
	/* the payload is a zlib stream of the records */
	{
		uLongf n = 65536 * 40;
		uint8_t *raw = malloc(n);
		struct lab_event e0, want;

		if (CHECK(raw) &&
		    CHECK_RC(uncompress(raw, &n, h + 28, le32(h + 16)), Z_OK) &&
		    CHECK_EQ(n, 65536 * 40) &&
		    CHECK_EQ(le32(h + 20), crc32(0, raw, 65536 * 40))) {
			memcpy(&e0, raw, sizeof(e0));
			gen_event(0, &want);
			CHECK(memcmp(&e0, &want, sizeof(e0)) == 0);
		}
		free(raw);
	}
}

/* ---- damage ---- */

TEST(trace_header_damage_is_caught)
{
	struct layout l;
	uint8_t *copy;
	struct outcome o;

	if (!load_sample() || !CHECK(parse_layout(sample, sample_len, &l)))
		return;
	copy = malloc(sample_len);
	for (size_t i = 0; i < l.header_len; i++) {
		memcpy(copy, sample, sample_len);
		copy[i] ^= 0x10;
		read_mem(copy, sample_len, &o);
		if (!CHECK_MSG(o.open_rc == -1, "flip at byte %zu accepted", i))
			break;
		if (i >= 16 && !has(o.err, "header at byte 0: CRC-32 mismatch"))
			break;
	}
	/* a byte of the fields: expected vs got */
	memcpy(copy, sample, sample_len);
	copy[40] ^= 0x01;
	read_mem(copy, sample_len, &o);
	has(o.err, "CRC-32 mismatch (expected 0x");
	has(o.err, ", got 0x");
	free(copy);
}

/* Flips every byte of the second chunk's header in turn. */
TEST(trace_chunk_header_damage_is_caught)
{
	struct layout l;
	uint8_t *copy;
	struct outcome o;

	if (!load_sample() || !CHECK(parse_layout(sample, sample_len, &l)))
		return;
	copy = malloc(sample_len);
	for (size_t i = 0; i < LAB_CHUNK_HEADER_LEN; i++) {
		memcpy(copy, sample, sample_len);
		copy[l.off[1] + i] ^= 0x04;
		read_mem(copy, sample_len, &o);
		if (!CHECK_EQ(o.open_rc, 0) || !CHECK_EQ(o.chunks, 1) ||
		    !CHECK_EQ(o.last_rc, -1) ||
		    !names_offset(o.err, "chunk at byte %llu:", l.off[1]))
			break;
	}
	free(copy);
}

/* The chunks before a damaged payload stay readable, with their data. */
TEST(trace_payload_damage_is_caught)
{
	struct trace_reader *r = NULL;
	struct trace_chunk c;
	struct layout l;
	struct outcome o;
	char err[512];
	uint8_t *copy;

	if (!load_sample() || !CHECK(parse_layout(sample, sample_len, &l)))
		return;
	copy = malloc(sample_len);
	for (size_t k = 0; k < l.n; k++) {
		for (size_t at = 0; at < l.comp[k]; at += l.comp[k] / 7 + 1) {
			memcpy(copy, sample, sample_len);
			/* a whole byte: deflate ignores the padding bits of
			 * its last byte, so a lone bit there changes nothing */
			copy[l.off[k] + 28 + at] ^= 0xff;
			read_mem(copy, sample_len, &o);
			if (!CHECK_EQ(o.chunks, k) ||
			    !CHECK_EQ(o.last_rc, -1) ||
			    !names_offset(o.err,
					  "chunk at byte %llu:", l.off[k]))
				goto out;
		}
	}
	/* the first chunk's events are intact when the second is damaged */
	memcpy(copy, sample, sample_len);
	copy[l.off[1] + 28 + l.comp[1] / 2] ^= 0x20;
	if (CHECK_RC(trace_reader_open_mem(&r, copy, sample_len, err,
					   sizeof(err)),
		     0) &&
	    CHECK_RC(trace_reader_next(r, &c, err, sizeof(err)), 1))
		check_events(&c, 0);
	if (r && CHECK_RC(trace_reader_next(r, &c, err, sizeof(err)), -1)) {
		char first[512];

		snprintf(first, sizeof(first), "%s", err);
		/* a failed reader keeps saying why */
		CHECK_RC(trace_reader_next(r, &c, err, sizeof(err)), -1);
		CHECK_STR(err, first);
	}
out:
	trace_reader_free(r);
	free(copy);
}

static size_t whole_chunks_before(const struct layout *l, size_t cut)
{
	size_t n = 0;

	while (n < l->n && l->off[n] + 28 + l->comp[n] <= cut)
		n++;
	return n;
}

static bool check_cut(const struct layout *l, size_t cut,
		      const struct outcome *o)
{
	if (cut == 0)
		return has(o->err, "empty file");
	if (cut < l->header_len)
		return CHECK_EQ(o->open_rc, -1) &&
		       names_offset(
			       o->err,
			       "truncated at byte %llu inside the file header",
			       cut);
	return CHECK_EQ(o->open_rc, 0) && CHECK_EQ(o->last_rc, -1) &&
	       CHECK_EQ(o->chunks, whole_chunks_before(l, cut)) &&
	       names_offset(o->err, "truncated at byte %llu ", cut);
}

TEST(trace_truncation_is_reported)
{
	struct layout l;
	struct outcome o;
	size_t ncuts = 0;

	if (!load_sample() || !CHECK(parse_layout(sample, sample_len, &l)))
		return;
	for (size_t cut = 0; cut <= l.header_len; cut++, ncuts++) {
		read_mem(sample, cut, &o);
		if (!check_cut(&l, cut, &o))
			return;
	}
	for (size_t k = 0; k < l.n; k++) {
		static const size_t in_chunk[] = {0, 1, 13, 27, 28, 29, 100};
		size_t end = l.off[k] + 28 + l.comp[k];

		for (size_t j = 0; j < 7 + 8; j++, ncuts++) {
			/* points in the header, then spread over the payload */
			size_t cut =
				j < 7 ? l.off[k] + in_chunk[j]
				      : l.off[k] + 28 + l.comp[k] * (j - 7) / 8;

			if (cut >= end)
				continue;
			read_mem(sample, cut, &o);
			if (!check_cut(&l, cut, &o))
				return;
		}
	}
	/* the whole file reads to a clean end */
	read_mem(sample, sample_len, &o);
	CHECK_MSG(o.last_rc == 0, "%s", o.err);
	CHECK(ncuts > 100);
}

/* Child: writes the first len bytes of the sample into the FIFO, then
 * exits without returning into the test. */
__attribute__((noreturn)) static void feed_fifo(char *path, char *fifo,
						size_t len)
{
	int fd = open(fifo, O_WRONLY);
	ssize_t n = fd >= 0 ? write(fd, sample, len) : -1;

	free(path);
	free(fifo);
	free(sample);
	_exit(n == (ssize_t)len ? 0 : 1);
}

/* The same cuts through a file and through a pipe, whose size is not
 * known in advance. */
TEST(trace_truncation_of_files_and_pipes)
{
	const char *dir = test_tmpdir();
	char *path = path_in(dir, "cut.lab"), *fifo = path_in(dir, "fifo");
	struct layout l;
	struct outcome o;

	if (!load_sample() || !CHECK(parse_layout(sample, sample_len, &l)))
		goto out;
	for (size_t k = 0; k < l.n; k++) {
		size_t cut = l.off[k] + 28 + l.comp[k] / 2;
		pid_t pid;

		if (!CHECK_RC(spit(path, sample, cut), 0))
			goto out;
		read_path(path, &o);
		if (!check_cut(&l, cut, &o))
			goto out;
		unlink(fifo);
		if (!CHECK_RC(mkfifo(fifo, 0600), 0))
			goto out;
		pid = fork();
		if (pid == 0)
			feed_fifo(path, fifo, cut);
		read_path(fifo, &o);
		waitpid(pid, NULL, 0);
		if (!check_cut(&l, cut, &o))
			goto out;
	}
out:
	free(path);
	free(fifo);
}

TEST(trace_newer_version_is_refused)
{
	uint8_t *copy;
	uint32_t flen;
	struct outcome o;
	char want[128];

	if (!load_sample())
		return;
	copy = malloc(sample_len);
	memcpy(copy, sample, sample_len);
	copy[8] = LAB_TRACE_VERSION + 1;
	/* a consistent header: the refusal is about the version alone */
	flen = le32(copy + 12);
	{
		uint32_t c = crc32(0, copy, 16 + flen);

		memcpy(copy + 16 + flen, &c, 4);
	}
	read_mem(copy, sample_len, &o);
	snprintf(want, sizeof(want),
		 "trace format version %d is newer than this lab supports (%d)",
		 LAB_TRACE_VERSION + 1, LAB_TRACE_VERSION);
	CHECK_EQ(o.open_rc, -1);
	CHECK_STR(o.err, want);
	free(copy);
}

TEST(trace_open_refuses_non_traces)
{
	const char *dir = test_tmpdir();
	char *empty = path_in(dir, "empty.lab"),
	     *text = path_in(dir, "notes.txt");
	char *missing = path_in(dir, "missing.lab");
	static const char words[] = "this is a text file, not a trace\n";
	struct outcome o;

	CHECK_RC(spit(empty, "", 0), 0);
	read_path(empty, &o);
	CHECK_EQ(o.open_rc, -1);
	has(o.err, "empty file (0 bytes)");

	read_path(dir, &o);
	CHECK_EQ(o.open_rc, -1);
	has(o.err, "is a directory");

	CHECK_RC(spit(text, words, sizeof(words) - 1), 0);
	read_path(text, &o);
	CHECK_EQ(o.open_rc, -1);
	has(o.err, "not a lab trace");

	read_path(missing, &o);
	CHECK_EQ(o.open_rc, -1);
	has(o.err, "cannot open: No such file");

	read_mem(NULL, 0, &o);
	CHECK_EQ(o.open_rc, -1);
	has(o.err, "empty file");
	free(empty);
	free(text);
	free(missing);
}

/* What a text-mode copy does to the signature, and what the reader says. */
TEST(trace_mangled_signature_is_named)
{
	static const uint8_t lf[] = "\x89LAB\n\x1a\n\1\0\0\0\0\0\0\0";
	static const uint8_t crlf[] = "\x89LAB\r\r\n\x1a\r\n\1\0\0\0\0\0\0";
	static const uint8_t seven[] = "\x09LAB\r\n\x1a\n\1\0\0\0\0\0\0\0";
	struct outcome o;

	read_mem(lf, sizeof(lf) - 1, &o);
	has(o.err, "line endings were converted (\\r\\n became \\n)");
	read_mem(crlf, sizeof(crlf) - 1, &o);
	has(o.err, "line endings were converted (\\n became \\r\\n)");
	read_mem(seven, sizeof(seven) - 1, &o);
	has(o.err, "top bit");
}

/* ---- crafted chunks: each validation on its own ---- */

/* A valid file header, then one EVENTS chunk of two events. */
static bool start_crafted(struct bytes *b, struct lab_event ev[2])
{
	struct layout l;

	b->p = NULL;
	b->len = 0;
	if (!load_sample() || !CHECK(parse_layout(sample, sample_len, &l)))
		return false;
	put(b, sample, l.header_len);
	gen_event(0, &ev[0]);
	gen_event(1, &ev[1]);
	put_chunk(b, &(struct craft){LAB_CHUNK_EVENTS, 2, 80, 0, 0, ev, 80});
	return true;
}

/* Reads b: one good chunk, then the failure at the chunk after it. */
static bool second_chunk_fails(struct bytes *b, size_t at, const char *why)
{
	struct outcome o;

	read_mem(b->p, b->len, &o);
	return CHECK_EQ(o.chunks, 1) && CHECK_EQ(o.last_rc, -1) &&
	       names_offset(o.err, "chunk at byte %llu: ", at) &&
	       has(o.err, why);
}

TEST(trace_crafted_damage_is_named)
{
	struct lab_run_summary sum;
	static const uint8_t zero[80];
	struct lab_event ev[2], four[4];
	struct bytes b;
	size_t at, len;
	struct outcome o;
	char want[160];
	const struct {
		struct craft c;
		const char *why;
	} cases[] = {
		{{9, 2, 80, 0, 0, ev, 80}, "unknown chunk type 9"},
		{{LAB_CHUNK_EVENTS, 2, 81, 0, 0, ev, 80},
		 "raw length 81 is not a multiple of the EVENTS record size "
		 "(40 bytes)"},
		{{LAB_CHUNK_EVENTS, 3, 80, 0, 0, ev, 80},
		 "record count mismatch (expected 2 from the raw length, got "
		 "3)"},
		{{LAB_CHUNK_SUMMARY, 1, 88, 0, 0, ev, 80},
		 "SUMMARY chunk of the wrong size (expected 96 bytes, got 88)"},
		{{LAB_CHUNK_EVENTS, 1, 40, 0, 0, zero, 80},
		 "inflated size differs from the declared raw length (expected "
		 "40, got more)"},
		{{LAB_CHUNK_EVENTS, 4, 160, 0, 0, ev, 80},
		 "inflated size differs from the declared raw length (expected "
		 "160, got 80)"},
		{{LAB_CHUNK_EVENTS, 2, 80, 5, 0, ev, 80},
		 "the zlib stream ends 5 bytes before the declared compressed "
		 "length"},
		{{LAB_CHUNK_THREADS, 0, 0, 0, 0, ev, 40},
		 "exceeds compressBound(0)"},
	};

	if (!start_crafted(&b, ev))
		return;
	at = b.len;
	len = b.len;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b.len = len;
		put_chunk(&b, &cases[i].c);
		if (!second_chunk_fails(&b, at, cases[i].why))
			break;
	}
	/* a CRC mismatch says expected (stored) and got (computed) */
	b.len = len;
	put_chunk(&b,
		  &(struct craft){LAB_CHUNK_EVENTS, 2, 80, 0, 0x1000, ev, 80});
	snprintf(want, sizeof(want),
		 "CRC-32 mismatch (expected 0x%08x, got 0x%08x)",
		 (uint32_t)crc32(0, (const Bytef *)ev, 80) ^ 0x1000,
		 (uint32_t)crc32(0, (const Bytef *)ev, 80));
	second_chunk_fails(&b, at, want);

	/* a well-formed crafted trace reads cleanly: the cases above fail
	 * for their own reason, not the craft's */
	gen_summary(&sum, 2);
	b.len = len;
	memcpy(four, ev, sizeof(ev));
	memcpy(four + 2, ev, sizeof(ev));
	put_chunk(&b,
		  &(struct craft){LAB_CHUNK_EVENTS, 4, 160, 0, 0, four, 160});
	put_chunk(&b,
		  &(struct craft){LAB_CHUNK_SUMMARY, 1, 96, 0, 0, &sum, 96});
	read_mem(b.p, b.len, &o);
	CHECK_MSG(o.last_rc == 0, "%s", o.err);
	CHECK_EQ(o.chunks, 3);

	/* anything after the summary */
	put(&b, "junk!", 5);
	read_mem(b.p, b.len, &o);
	CHECK_EQ(o.chunks, 3);
	CHECK_EQ(o.last_rc, -1);
	names_offset(o.err,
		     "data after the summary chunk: 5 bytes at byte %llu",
		     b.len - 5);
	free(b.p);
}

/* A few absurd lengths: refused, and the reader's buffers stay small. */
TEST(trace_huge_lengths_are_refused_unallocated)
{
	static const struct {
		uint32_t raw_len, comp_len;
		const char *why;
	} cases[] = {
		{0xfffffff0u, 16, "exceeds the limit of 67108864 bytes"},
		{64u << 20, 16, "cannot come from 16 compressed bytes"},
		{64u << 20, 0xffffffffu, "exceeds compressBound"},
		{64u << 20, 1u << 20, "truncated at byte"},
	};
	struct trace_reader *r;
	struct lab_event ev[2];
	struct trace_chunk c;
	struct outcome o;
	struct bytes b;
	char err[512];
	size_t len;

	if (!start_crafted(&b, ev))
		return;
	len = b.len;
	for (size_t i = 0; i < 4; i++) {
		uint8_t h[28];

		put32(h, 0x4b48434c);
		put32(h + 4, LAB_CHUNK_DROPS);
		put32(h + 8, cases[i].raw_len / 8);
		put32(h + 12, cases[i].raw_len);
		put32(h + 16, cases[i].comp_len);
		put32(h + 20, 0);
		put32(h + 24, crc32(0, h, 24));
		b.len = len;
		put(&b, h, 28);
		put(&b, "\x78\x01", 2);
		if (!CHECK_RC(trace_reader_open_mem(&r, b.p, b.len, err,
						    sizeof(err)),
			      0))
			break;
		CHECK_RC(trace_reader_next(r, &c, err, sizeof(err)), 1);
		CHECK_RC(trace_reader_next(r, &c, err, sizeof(err)), -1);
		has(err, cases[i].why);
		CHECK_MSG(trace_reader_buffer_bytes(r) < (1u << 20),
			  "reader holds %zu bytes",
			  trace_reader_buffer_bytes(r));
		trace_reader_free(r);
	}
	/* a header claiming megabytes of fields */
	b.len = len;
	put32(b.p + 12, 0x7fffffff);
	read_mem(b.p, b.len, &o);
	CHECK_EQ(o.open_rc, -1);
	has(o.err, "fields length 2147483647 exceeds the limit of 65536 bytes");
	free(b.p);
}

/* ---- the writer's file handling ---- */

static int count_entries(const char *dir, char *first, size_t firstlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    n++ == 0 && first)
			snprintf(first, firstlen, "%s", e->d_name);
	closedir(d);
	return n;
}

/* lab run's trace file: written under a hidden temporary name, renamed
 * onto its own only when committed. */
TEST(trace_file_is_renamed_only_on_commit)
{
	const char *dir = test_tmpdir();
	char *path = path_in(dir, "run.lab");
	struct lab_run_summary sum;
	struct lab_trace_info in;
	struct output_file out;
	struct trace_writer *w;
	struct lab_event ev;
	char name[256] = "";
	struct stat st;

	gen_info(&in);
	gen_summary(&sum, 70000);
	if (!CHECK_RC(output_file_create(&out, path), 0) ||
	    !CHECK_RC(trace_writer_open(&w, dup(out.fd), &in), 0))
		goto out;
	for (uint64_t i = 0; i < 70000; i++) {
		gen_event(i, &ev);
		if (!CHECK_RC(trace_writer_add_events(w, &ev, 1), 0))
			break;
	}
	/* a full chunk is on disk, under the temporary name only */
	CHECK(stat(path, &st) < 0 && errno == ENOENT);
	CHECK_RC(count_entries(dir, name, sizeof(name)), 1);
	CHECK_MSG(name[0] == '.' && strstr(name, ".tmp"), "temporary %s", name);
	CHECK_RC(trace_writer_finish(w, NULL, 0, NULL, 0, &sum), 0);
	trace_writer_free(w);
	CHECK_RC(output_file_commit(&out), 0);
	CHECK_MSG(stat(path, &st) == 0 && S_ISREG(st.st_mode), "%s missing",
		  path);
	mode_t mask = umask(0);

	umask(mask);
	CHECK_EQ(st.st_mode & 0777, 0644 & ~mask);
	CHECK_RC(count_entries(dir, name, sizeof(name)), 1);
	CHECK_STR(name, "run.lab");
	/* a discarded one leaves nothing */
	if (CHECK_RC(output_file_create(&out, path), 0)) {
		CHECK_RC(count_entries(dir, NULL, 0), 2);
		output_file_discard(&out);
	}
	CHECK_RC(count_entries(dir, NULL, 0), 1);
out:
	free(path);
}

/* Events read back from path: whole chunks only, -1 when unreadable. */
static long events_in(const char *path, bool *summary)
{
	struct trace_reader *r = NULL;
	struct trace_chunk c;
	char err[512];
	long n = 0;

	*summary = false;
	if (trace_reader_open_file(&r, path, err, sizeof(err)))
		return -1;
	while (trace_reader_next(r, &c, err, sizeof(err)) == 1) {
		if (c.type == LAB_CHUNK_EVENTS)
			n += c.count;
		*summary |= c.type == LAB_CHUNK_SUMMARY;
	}
	trace_reader_free(r);
	return n;
}

/* A writer freed without finish (lab killed) leaves whole chunks: what
 * was recorded stays readable. */
TEST(trace_writer_free_without_finish_keeps_whole_chunks)
{
	char *path = path_in(test_tmpdir(), "run.lab");
	struct lab_trace_info in;
	struct trace_writer *w;
	struct lab_event ev[100];
	struct stat st;
	bool summary;

	gen_info(&in);
	for (int i = 0; i < 100; i++)
		gen_event(i, &ev[i]);
	if (CHECK_RC(trace_file_open(&w, path, &in), 0)) {
		for (int i = 0; i < 1000; i++)
			trace_writer_add_events(w, ev, 100);
		trace_writer_free(w);
	}
	CHECK_EQ(events_in(path, &summary),
		 100000 / LAB_CHUNK_MAX_EVENTS * LAB_CHUNK_MAX_EVENTS);
	CHECK(!summary);
	/* the space kept aside for the closing chunks is given back */
	CHECK(stat(path, &st) == 0 && st.st_blocks * 512 < st.st_size + 65536);
	trace_writer_free(NULL);
	free(path);
}

TEST(trace_writer_open_errors)
{
	const char *dir = test_tmpdir();
	char *nodir = path_in(dir, "no/such/dir/run.lab");
	char *used = path_in(dir, "used.lab");
	struct lab_trace_info in;
	struct trace_writer *w;
	int fd;

	gen_info(&in);
	CHECK_RC(trace_file_open(&w, nodir, &in), -ENOENT);
	CHECK(w == NULL);
	CHECK_RC(trace_writer_open(&w, -1, &in), -EINVAL);
	/* a file that holds something already is not written over */
	CHECK_RC(spit(used, "keep", 4), 0);
	fd = open(used, O_WRONLY | O_CLOEXEC);
	CHECK_RC(trace_writer_open(&w, fd, &in), -EINVAL);
	CHECK(fcntl(fd, F_GETFD) < 0); /* taken, and closed */
	CHECK_RC(count_entries(dir, NULL, 0), 1);
	free(used);
	free(nodir);
}

/* A file size limit stands in for a failing disk: every write is
 * checked, the error comes back as -errno, and the file is cut back to
 * its last whole chunk. */
TEST(trace_writer_reports_write_errors)
{
	const char *dir = test_tmpdir();
	char *path = path_in(dir, "run.lab");
	struct lab_run_summary sum;
	struct lab_trace_info in;
	struct trace_writer *w;
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	struct rlimit lim, small;
	struct lab_event ev[1000];
	bool summary;
	long n = 0;
	int r = 0;

	gen_info(&in);
	gen_summary(&sum, 0);
	/* a short cycle deflates well: many chunks fit under the limit */
	for (int i = 0; i < 1000; i++)
		gen_event(i % 100, &ev[i]);
	if (!CHECK_RC(getrlimit(RLIMIT_FSIZE, &lim), 0))
		goto out;
	small = lim;
	small.rlim_cur = 256 * 1024;
	sigaction(SIGXFSZ, &ign, &old);
	setrlimit(RLIMIT_FSIZE, &small);
	if (CHECK_RC(trace_file_open(&w, path, &in), 0)) {
		for (int i = 0; i < 500 && !r; i++, n += r ? 0 : 1000)
			r = trace_writer_add_events(w, ev, 1000);
		CHECK_EQ(r, -EFBIG);
		/* the first failure sticks */
		CHECK_RC(trace_writer_add_events(w, ev, 1), -EFBIG);
		CHECK_RC(trace_writer_finish(w, NULL, 0, NULL, 0, &sum),
			 -EFBIG);
		trace_writer_free(w);
	}
	setrlimit(RLIMIT_FSIZE, &lim);
	sigaction(SIGXFSZ, &old, NULL);
	/* whole chunks up to the failure, none after it */
	long kept = events_in(path, &summary);
	CHECK_MSG(kept > 0 && kept <= n && kept % LAB_CHUNK_MAX_EVENTS == 0,
		  "%ld of %ld events kept", kept, n);
out:
	free(path);
}

/* A disk that fills up: the writer stops taking events while room for
 * the closing chunks is still there, so the trace ends whole, with its
 * summary. A small tmpfs is the full disk. */
TEST(trace_writer_closes_the_trace_on_a_full_disk)
{
	const char *dir = test_tmpdir();
	char *path = path_in(dir, "run.lab");
	struct lab_run_summary sum;
	struct lab_trace_info in;
	struct trace_writer *w;
	struct lab_event ev[1000];
	bool summary;
	uint64_t n = 0;

	if (geteuid() != 0)
		SKIP("mounting a small filesystem needs root");
	if (mount("lab-test", dir, "tmpfs", 0, "size=6m"))
		SKIP("cannot mount a tmpfs here");
	gen_info(&in);
	gen_summary(&sum, 0);
	/* events that compress badly fill the disk sooner */
	srand(1);
	if (CHECK_RC(trace_file_open(&w, path, &in), 0)) {
		while (!trace_writer_full(w) && n < 10000000) {
			for (int i = 0; i < 1000; i++) {
				gen_event(n + i, &ev[i]);
				ev[i].value = (uint64_t)rand() << 32 | rand();
				ev[i].ts = (uint64_t)rand() << 32 | rand();
			}
			if (!CHECK_RC(trace_writer_add_events(w, ev, 1000), 0))
				break;
			n += 1000;
		}
		CHECK(trace_writer_full(w));
		/* refused, not written */
		CHECK_RC(trace_writer_add_events(w, ev, 1000), 0);
		CHECK_RC(trace_writer_finish(w, NULL, 0, NULL, 0, &sum), 0);
		trace_writer_free(w);
	}
	long kept = events_in(path, &summary);
	CHECK_MSG(kept > 0 && (uint64_t)kept <= n && summary,
		  "%ld of %llu events kept, summary %d", kept,
		  (unsigned long long)n, summary);
	umount2(dir, MNT_DETACH);
	free(path);
}

/* A realistic stream compresses: the trace costs well under the 40
 * bytes of an in-memory event. */
TEST(trace_compresses_event_streams)
{
	struct layout l;
	size_t ev_bytes = 0;

	if (!load_sample() || !CHECK(parse_layout(sample, sample_len, &l)))
		return;
	for (size_t k = 0; k < l.n; k++)
		if (l.type[k] == LAB_CHUNK_EVENTS)
			ev_bytes += 28 + l.comp[k];
	CHECK_MSG(ev_bytes * 2 < (size_t)MANY_EVENTS * sizeof(struct lab_event),
		  "%zu bytes for %d events", ev_bytes, MANY_EVENTS);
}

/* Maps chunks travel among the events and come back field for field. */
TEST(trace_maps_round_trip)
{
	char *path = path_in(test_tmpdir(), "maps.lab");
	struct lab_trace_info info = {.version = LAB_TRACE_VERSION};
	struct lab_run_summary sum = {.events = 1};
	struct lab_event ev = {.ts = 5, .type = LAB_EV_SWITCH, .tid = 9};
	struct lab_map m[2] = {
		{.start = 0x1000,
		 .end = 0x3000,
		 .offset = 0x40,
		 .pid = 7,
		 .prot = LAB_MAP_READ | LAB_MAP_WRITE,
		 .path = "/usr/bin/x"},
		{.start = 0x9000, .end = 0xa000, .pid = 7, .path = "[heap]"},
	};
	struct trace_writer *w = NULL;
	struct trace_reader *r = NULL;
	struct trace_chunk c;
	char err[512] = "";
	int maps = 0, events = 0;

	if (!CHECK_RC(trace_file_open(&w, path, &info), 0))
		goto out;
	CHECK_RC(trace_writer_add_events(w, &ev, 1), 0);
	CHECK_RC(trace_writer_add_maps(w, m, 2), 0);
	CHECK_RC(trace_writer_finish(w, NULL, 0, NULL, 0, &sum), 0);
	if (!CHECK_MSG(trace_reader_open_file(&r, path, err, sizeof(err)) == 0,
		       "open: %s", err))
		goto out;
	while (trace_reader_next(r, &c, err, sizeof(err)) == 1) {
		if (c.type == LAB_CHUNK_EVENTS)
			events += c.count;
		if (c.type != LAB_CHUNK_MAPS)
			continue;
		maps += c.count;
		if (CHECK_EQ(c.count, 2))
			CHECK(memcmp(c.data, m, sizeof(m)) == 0);
		CHECK_STR(trace_chunk_type_name(c.type), "MAPS");
	}
	CHECK_MSG(err[0] == 0, "%s", err);
	CHECK_EQ(maps, 2);
	CHECK_EQ(events, 1);
out:
	trace_reader_free(r);
	trace_writer_free(w);
	free(path);
}

/* The kernel's own word: the "hypervisor" CPU flag in /proc/cpuinfo is
 * set exactly when CPUID says a hypervisor is there. */
TEST(hypervisor_agrees_with_the_cpu_flags)
{
	char name[32], line[4096];
	bool flagged = false, has_flags = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f) {
		CHECK_MSG(0, "/proc/cpuinfo: %s", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			has_flags = true;
			flagged = strstr(line, " hypervisor") != NULL;
			break;
		}
	fclose(f);
	hypervisor_name(name, sizeof(name));
	if (!has_flags) {
		CHECK_STR(name, "unknown");
		return;
	}
	CHECK_MSG(flagged == !!strcmp(name, "none"),
		  "cpuinfo flag %d, hypervisor \"%s\"", flagged, name);
}
