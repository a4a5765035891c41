/* test_machine.c - what a trace records of the machine that sets the
 * cost of a switch (TLB tags, page-table isolation, the scheduler tick),
 * checked against the kernel's own files and clocks, and how the
 * reports show it: for a trace that recorded it, and not at all for one
 * that did not. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <json-c/json.h>
#include "tests/json_path.h"
#include "tests/test.h"
#include "analyzer/machine_text.h"
#include "analyzer/trace_reader.h"
#include "probes/mmu.h"

#define OUT_MAX (1 << 16)

static const char *tags_of(const char *machine, const char *flags)
{
	static char buf[32];

	mmu_tlb_tags_of(machine, flags, buf, sizeof(buf));
	return buf;
}

TEST(machine_tlb_tags_from_the_flags)
{
	CHECK_STR(tags_of("x86_64", " fpu vme pcid sse\n"), "pcid");
	CHECK_STR(tags_of("x86_64", " fpu invpcid pcid\n"), "pcid invpcid");
	CHECK_STR(tags_of("x86_64", " pcid invpcid"), "pcid invpcid");
	/* words, not parts of words */
	CHECK_STR(tags_of("x86_64", " fpu invpcid_single pti\n"), "none");
	CHECK_STR(tags_of("x86_64", " xpcid pcidx\n"), "none");
	CHECK_STR(tags_of("x86_64", ""), "none");
	CHECK_STR(tags_of("i686", "\tpcid\n"), "pcid");
	CHECK_STR(tags_of("x86_64", NULL), "unknown");
	/* arm64 tags every TLB entry with an ASID: no flag to read */
	CHECK_STR(tags_of("aarch64", NULL), "asid");
	CHECK_STR(tags_of("aarch64", " pcid"), "asid");
	CHECK_STR(tags_of("riscv64", " pcid"), "unknown");
}

TEST(machine_text_words_for_the_reports)
{
	struct lab_trace_info in = {0};
	char b[160];

	CHECK_STR(machine_text_tlb_tags("none"), "none (no PCID)");
	CHECK_STR(machine_text_tlb_tags("pcid invpcid"), "PCID, INVPCID");
	CHECK_STR(machine_text_tlb_tags("asid"), "ASID");
	CHECK_STR(machine_text_tlb_tags(""), "");
	CHECK(machine_text_tlb_tagged("pcid") &&
	      machine_text_tlb_tagged("asid"));
	CHECK(!machine_text_tlb_tagged("none") && !machine_text_tlb_tagged(""));
	CHECK_STR(machine_text_tick(b, sizeof(b), 4000000), "4 ms");
	CHECK_STR(machine_text_tick(b, sizeof(b), 3333333), "3.33 ms");
	CHECK_STR(machine_text_tick(b, sizeof(b), 0), "");
	/* TICK_NSEC of the HZ choices Kconfig offers */
	CHECK_EQ(machine_text_hz(10000000), 100);
	CHECK_EQ(machine_text_hz(4000000), 250);
	CHECK_EQ(machine_text_hz(3333333), 300);
	CHECK_EQ(machine_text_hz(1000000), 1000);
	CHECK_EQ(machine_text_hz(0), 0);
	/* nothing recorded, no line */
	CHECK(!machine_text_line(b, sizeof(b), &in));
	CHECK_STR(b, "");
	in.tick_ns = 4000000;
	CHECK(machine_text_line(b, sizeof(b), &in));
	CHECK_STR(b, "tick: 4 ms");
	snprintf(in.tlb_tags, sizeof(in.tlb_tags), "none");
	snprintf(in.page_table_isolation, sizeof(in.page_table_isolation),
		 "Mitigation: PTI");
	CHECK(machine_text_line(b, sizeof(b), &in));
	CHECK_STR(b, "TLB tags: none (no PCID); page-table isolation: "
		     "Mitigation: PTI; tick: 4 ms");
}

/* The oracle: the first "flags" line's words, read here on their own. */
static void expected_tlb_tags(char *buf, size_t size)
{
	static char line[1 << 16];
	bool pcid = false, invpcid = false, seen = false;
	struct utsname u;
	FILE *f;

	if (uname(&u) || strcmp(u.machine, "x86_64")) {
		snprintf(buf, size, "%s",
			 !strcmp(u.machine, "aarch64") ? "asid" : "unknown");
		return;
	}
	f = fopen("/proc/cpuinfo", "r");
	while (f && !seen && fgets(line, sizeof(line), f)) {
		char *word, *save = NULL;

		if (strncmp(line, "flags\t", 6) && strncmp(line, "flags ", 6))
			continue;
		seen = true;
		for (word = strtok_r(strchr(line, ':') + 1, " \t\n", &save);
		     word; word = strtok_r(NULL, " \t\n", &save)) {
			pcid |= !strcmp(word, "pcid");
			invpcid |= !strcmp(word, "invpcid");
		}
	}
	if (f)
		fclose(f);
	snprintf(buf, size, "%s",
		 !seen	   ? "unknown"
		 : !pcid   ? "none"
		 : invpcid ? "pcid invpcid"
			   : "pcid");
}

static void expected_isolation(char *buf, size_t size)
{
	FILE *f =
		fopen("/sys/devices/system/cpu/vulnerabilities/meltdown", "r");

	buf[0] = '\0';
	if (f && fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
}

/* The reports of a run that recorded them: the terminal's line, the
 * JSON's typed fields, the page's items. */
static void check_reports(const char *dir, const struct lab_trace_info *in,
			  const char *out)
{
	char path[512], line[256], *html;
	json_object *doc, *env;

	machine_text_line(line, sizeof(line), in);
	/* a line that fits is printed as it is */
	if (strlen(line) < 79)
		CHECK_MSG(strstr(out, line), "no \"%s\" in:\n%s", line, out);
	CHECK_MSG(strstr(out, "TLB tags: ") && strstr(out, "; tick: "), "%s",
		  out);
	snprintf(path, sizeof(path), "%s/true.json", dir);
	doc = json_object_from_file(path);
	env = json_path(doc, "environment");
	if (CHECK_MSG(env, "%s has no environment", path)) {
		CHECK(json_object_is_type(json_path(env, "tlb_tags"),
					  json_type_string));
		CHECK_STR(json_path_str(env, "tlb_tags"), in->tlb_tags);
		CHECK(json_object_is_type(json_path(env, "tick_ns"),
					  json_type_int));
		CHECK_EQ(json_path_u64(env, "tick_ns"), in->tick_ns);
		if (in->page_table_isolation[0])
			CHECK_STR(json_path_str(env, "page_table_isolation"),
				  in->page_table_isolation);
	}
	json_object_put(doc);
	snprintf(path, sizeof(path), "%s/true.html", dir);
	html = test_slurp(path);
	if (CHECK_MSG(html, "%s is missing", path)) {
		CHECK(strstr(html, "<dt>TLB tags</dt>"));
		CHECK(strstr(html, "<dt>scheduler tick</dt>"));
	}
	free(html);
}

/* A real run records what the kernel says: the flags of /proc/cpuinfo,
 * the meltdown file, the coarse clock's resolution. */
TEST(machine_lab_run_records_what_the_kernel_says)
{
	static char out[1 << 14];
	const char *why, *dir;
	const char *argv[] = {test_lab_path(), "run", "-o", NULL, "--",
			      "true",	       NULL};
	char trace[512], err[256], tags[32], pti[64];
	struct trace_reader *r = NULL;
	const struct lab_trace_info *in;
	struct timespec res;
	int code;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = argv[3] = test_tmpdir();
	code = test_run(argv, out, sizeof(out), false);
	if (!CHECK_MSG(code == 0, "lab run exited %d:\n%s", code, out))
		return;
	snprintf(trace, sizeof(trace), "%s/true.lab", dir);
	if (!CHECK_MSG(!trace_reader_open_file(&r, trace, err, sizeof(err)),
		       "%s", err))
		return;
	in = trace_reader_info(r);
	expected_tlb_tags(tags, sizeof(tags));
	expected_isolation(pti, sizeof(pti));
	CHECK_STR(in->tlb_tags, tags);
	CHECK_STR(in->page_table_isolation, pti);
	if (CHECK(!clock_getres(CLOCK_MONOTONIC_COARSE, &res)))
		CHECK_EQ(in->tick_ns, (uint64_t)res.tv_nsec);
	/* a tick of 100 Hz to 1000 Hz, as CONFIG_HZ offers */
	CHECK_MSG(in->tick_ns >= 1000000 && in->tick_ns <= 10000000,
		  "tick %llu ns", (unsigned long long)in->tick_ns);
	check_reports(dir, in, out);
	trace_reader_free(r);
}

/* Traces of lab 0.1 recorded none of them: read as empty and 0. */
TEST(machine_old_trace_records_none)
{
	const char *names[] = {"true", "lock-threads", "spawn-threads",
			       "klock"};
	char path[256], err[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct trace_reader *r = NULL;
		const struct lab_trace_info *in;

		snprintf(path, sizeof(path), "tests/traces/v1/%s.lab",
			 names[i]);
		if (!CHECK_MSG(
			    !trace_reader_open_file(&r, path, err, sizeof(err)),
			    "%s: %s", path, err))
			continue;
		in = trace_reader_info(r);
		CHECK_STR(in->tlb_tags, "");
		CHECK_STR(in->page_table_isolation, "");
		CHECK_EQ(in->tick_ns, 0);
		trace_reader_free(r);
	}
}

/* ... and their reports say nothing of them: no guess, no zero. */
TEST(machine_old_trace_reports_show_none)
{
	const char *dir = test_tmpdir();
	char json[512], html[512], *out = malloc(OUT_MAX), *page = NULL;
	const char *argv[] = {test_lab_path(),
			      "report",
			      "tests/traces/v1/lock-threads.lab",
			      "--json",
			      json,
			      "--html",
			      html,
			      NULL};
	json_object *doc = NULL, *env;

	snprintf(json, sizeof(json), "%s/old.json", dir);
	snprintf(html, sizeof(html), "%s/old.html", dir);
	if (!CHECK(out) ||
	    !CHECK_MSG(test_run(argv, out, OUT_MAX, false) == 0, "%s", out))
		goto out;
	CHECK_MSG(!strstr(out, "TLB tags") && !strstr(out, "tick"), "%s", out);
	doc = json_object_from_file(json);
	env = json_path(doc, "environment");
	if (CHECK(env)) {
		CHECK(!json_path(env, "tlb_tags"));
		CHECK(!json_path(env, "page_table_isolation"));
		CHECK(!json_path(env, "tick_ns"));
	}
	page = test_slurp(html);
	if (CHECK(page)) {
		CHECK(!strstr(page, "TLB tags"));
		CHECK(!strstr(page, "page-table isolation"));
		CHECK(!strstr(page, "scheduler tick"));
	}
out:
	json_object_put(doc);
	free(page);
	free(out);
}
