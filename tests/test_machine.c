/* test_machine.c - what a trace records of the machine that sets the
 * cost of a switch (TLB tags, page-table isolation, the scheduler tick),
 * checked against the kernel's own files and clocks. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include "tests/test.h"
#include "analyzer/trace_reader.h"
#include "probes/mmu.h"

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
