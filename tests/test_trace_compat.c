/* test_trace_compat.c - traces of other format versions: the ones kept
 * in tests/traces/ read by today's lab, whose reports of them are, byte
 * for byte, the ones the lab that recorded them printed; THREADS records
 * of version 1, and of a newer lab with fields this one does not know. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/test.h"
#include "tests/trace_craft.h"
#include "analyzer/trace_reader.h"

#define OUT_MAX (256 * 1024)

/* got equals the file want_path; else the first line that differs. */
static bool same_as(const char *got, const char *want_path)
{
	char *want = test_slurp(want_path);
	size_t at = 0, start = 0, line = 1;
	const char *g, *w;
	bool ok;

	if (!CHECK_MSG(want, "%s is missing", want_path))
		return false;
	for (; got[at] && got[at] == want[at]; at++)
		if (got[at] == '\n') {
			line++;
			start = at + 1;
		}
	g = got + start;
	w = want + start;
	ok = CHECK_MSG(
		!got[at] && !want[at],
		"%s differs at line %zu: got \"%.*s\", expected \"%.*s\"",
		want_path, line, (int)strcspn(g, "\n"), g,
		(int)strcspn(w, "\n"), w);
	free(want);
	return ok;
}

static void check_reports(const char *dir, const char *name)
{
	char trace[256], txt[256], json[256], json_out[512];
	char *out = malloc(OUT_MAX), *got_json;
	const char *argv[] = {test_lab_path(), "report", trace,
			      "--json",	       json_out, NULL};

	snprintf(trace, sizeof(trace), "tests/traces/%s/%s.lab", dir, name);
	snprintf(txt, sizeof(txt), "tests/traces/%s/%s.txt", dir, name);
	snprintf(json, sizeof(json), "tests/traces/%s/%s.json", dir, name);
	snprintf(json_out, sizeof(json_out), "%s/%s.json", test_tmpdir(), name);
	if (!CHECK(out) || !CHECK_MSG(test_run(argv, out, OUT_MAX, false) == 0,
				      "%s: %s", trace, out)) {
		free(out);
		return;
	}
	same_as(out, txt);
	got_json = test_slurp(json_out);
	if (CHECK_MSG(got_json, "%s: no JSON report", trace))
		same_as(got_json, json);
	free(got_json);
	free(out);
}

/* Format version 1, as lab 0.1.0 wrote it: a THREADS record of 552
 * bytes that held the kernel's working state among the counters. */
TEST(trace_version_1_reports_as_when_recorded)
{
	static const char *const names[] = {"true", "lock-threads",
					    "spawn-threads", "klock"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_reports("v1", names[i]);
}

/* A trace of this version holding one THREADS chunk of the given bytes. */
static void craft_threads(struct bytes *b, uint32_t version, uint32_t count,
			  const void *raw, uint32_t raw_len)
{
	static const struct lab_run_summary sum = {.end_ns = 1};

	b->p = NULL;
	b->len = 0;
	put_header(b, version);
	put_chunk(b, &(struct craft){LAB_CHUNK_THREADS, count, raw_len, 0, 0,
				     raw, raw_len});
	put_chunk(b, &(struct craft){LAB_CHUNK_SUMMARY, 1, sizeof(sum), 0, 0,
				     &sum, sizeof(sum)});
}

/* The THREADS records of b, up to max into out: their count, or -1 with
 * the reader's message in err. */
static long read_threads(const struct bytes *b, struct lab_thread_stats *out,
			 size_t max, char *err, size_t errlen)
{
	struct trace_reader *r;
	struct trace_chunk c;
	long n = -1;
	int rc;

	if (trace_reader_open_mem(&r, b->p, b->len, err, errlen))
		return -1;
	while ((rc = trace_reader_next(r, &c, err, errlen)) == 1)
		if (c.type == LAB_CHUNK_THREADS) {
			n = (long)c.count;
			/* an empty chunk has no data at all */
			if (c.count)
				memcpy(out, c.data,
				       (c.count < max ? c.count : max) *
					       sizeof(*out));
		}
	trace_reader_free(r);
	return rc == 0 ? n : -1;
}

/* A newer lab's records, longer by fields this lab does not know: read
 * as the fields it knows, the rest skipped. */
TEST(trace_threads_records_longer_than_known_give_the_known_fields)
{
	enum { EXTRA = 24, SIZE = sizeof(struct lab_thread_stats) + EXTRA };
	struct lab_thread_stats want[2], got[2];
	uint8_t raw[2 * SIZE];
	char err[512] = "";
	struct bytes b;

	memset(want, 0, sizeof(want));
	for (size_t i = 0; i < 2; i++) {
		for (size_t k = 0; k < sizeof(want[i]); k++)
			((uint8_t *)&want[i])[k] = (uint8_t)(k * 31 + i + 1);
		memcpy(raw + i * SIZE, &want[i], sizeof(want[i]));
		memset(raw + i * SIZE + sizeof(want[i]), 0xee, EXTRA);
	}
	craft_threads(&b, LAB_TRACE_VERSION, 2, raw, sizeof(raw));
	if (CHECK_MSG(read_threads(&b, got, 2, err, sizeof(err)) == 2, "%s",
		      err))
		CHECK(memcmp(got, want, sizeof(want)) == 0);
	free(b.p);
}

/* Sizes a chunk cannot have: a record shorter than version 2's first,
 * records of unequal size, version 1's fixed size. */
TEST(trace_threads_record_sizes_are_checked)
{
	static const struct {
		uint32_t version, count, raw_len;
		const char *why; /* NULL: read */
	} cases[] = {
		{2, 2, 2 * 488,
		 "chunk at byte 20: raw length 976 is not 2 THREADS records of "
		 "one size of at least 496 bytes"},
		{2, 2, 993, "raw length 993 is not 2 THREADS records"},
		{2, 0, 496, "raw length 496 is not 0 THREADS records"},
		{1, 1, 496,
		 "raw length 496 is not a multiple of the THREADS record size "
		 "(552 bytes)"},
		{1, 2, 552,
		 "record count mismatch (expected 1 from the raw length, got "
		 "2)"},
		{2, 0, 0, NULL},
		{2, 2, 2 * 496, NULL},
		{2, 1, 1000, NULL},
		{1, 2, 2 * 552, NULL},
	};
	static const uint8_t zero[2 * 552];
	struct lab_thread_stats got[2];
	char err[512];
	struct bytes b;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long n;

		err[0] = '\0';
		craft_threads(&b, cases[i].version, cases[i].count, zero,
			      cases[i].raw_len);
		n = read_threads(&b, got, 2, err, sizeof(err));
		free(b.p);
		if (!cases[i].why)
			CHECK_MSG(n == (long)cases[i].count,
				  "case %zu: %ld records (%s)", i, n, err);
		else
			CHECK_MSG(n == -1 && strstr(err, cases[i].why),
				  "case %zu: \"%s\" should say \"%s\"", i, err,
				  cases[i].why);
	}
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Version 1's record at the offsets docs/trace-format.md gives: every
 * counter lands in its field, nothing of the working state does. */
TEST(trace_version_1_threads_records_decode_field_by_field)
{
#define AT(v1_offset, member)                                                  \
	{                                                                      \
		v1_offset, offsetof(struct lab_thread_stats, member)           \
	}
	static const struct {
		size_t v1, now;
	} u32s[] = {AT(0, tid), AT(4, pid), AT(8, parent_tid), AT(12, flags),
		    AT(112, exit_code)},
	  u64s[] = {AT(32, voluntary_switches),
		    AT(40, involuntary_switches),
		    AT(48, oncpu_ns),
		    AT(56, runq_wait_ns),
		    AT(64, runq_count),
		    AT(72, runq_max_ns),
		    AT(80, wakeups),
		    AT(88, user_switches),
		    AT(96, start_ns),
		    AT(104, exit_ns),
		    AT(456, migrations),
		    AT(464, page_faults),
		    AT(472, klock_wait_ns),
		    AT(480, klock_count),
		    AT(520, runq_wait_asleep_ns),
		    AT(528, create_call_ns),
		    AT(536, create_calls)};
#undef AT
	uint8_t rec[LAB_THREAD_RECORD_V1];
	struct lab_thread_stats got;
	char err[512] = "";
	struct bytes b;

	/* the working state and the reserved words: not counters */
	memset(rec, 0xa5, sizeof(rec));
	for (size_t j = 0; j < sizeof(u32s) / sizeof(u32s[0]); j++)
		put32(rec + u32s[j].v1, (uint32_t)j + 1);
	for (size_t j = 0; j < sizeof(u64s) / sizeof(u64s[0]); j++)
		put64(rec + u64s[j].v1, (j + 1) << 32 | (j + 100));
	memcpy(rec + 16, "v1-worker\0\0\0\0\0\0", 16);
	for (size_t i = 0; i < LAB_HIST_SLOTS; i++)
		put64(rec + 136 + 8 * i, 1000 + i);
	craft_threads(&b, 1, 1, rec, sizeof(rec));
	if (!CHECK_MSG(read_threads(&b, &got, 1, err, sizeof(err)) == 1, "%s",
		       err))
		goto out;
	for (size_t j = 0; j < sizeof(u32s) / sizeof(u32s[0]); j++) {
		uint32_t v;

		memcpy(&v, (uint8_t *)&got + u32s[j].now, sizeof(v));
		CHECK_MSG(v == j + 1, "field at version 1 offset %zu: %u",
			  u32s[j].v1, v);
	}
	for (size_t j = 0; j < sizeof(u64s) / sizeof(u64s[0]); j++) {
		uint64_t v;

		memcpy(&v, (uint8_t *)&got + u64s[j].now, sizeof(v));
		CHECK_MSG(v == ((j + 1) << 32 | (j + 100)),
			  "field at version 1 offset %zu: %#llx", u64s[j].v1,
			  (unsigned long long)v);
	}
	CHECK_STR(got.comm, "v1-worker");
	for (size_t i = 0; i < LAB_HIST_SLOTS; i++)
		CHECK_EQ(got.runq_hist[i], 1000 + i);
	CHECK_EQ(got.pad, 0);
out:
	free(b.p);
}
