/* test_compat.c - which programs load on which kernel (probe_compat.c),
 * for the features of the kernels lab is meant to run on, applied to the
 * real probes' object; and the features found in this machine's BTF.
 * Needs no root: nothing is loaded. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "probes/probe_compat.h"
#include "probes/trace_format.h"
#include "tests/test.h"
#include "lab.skel.h"

/* What each kernel has (from the upstream changes compat.bpf.h cites). */
#define F_5_15_X86                                                             \
	(PROBE_F_REQUIRED | PROBE_F_PAGE_FAULT_USER | PROBE_F_UPROBES)
#define F_6_1_X86                                                              \
	(F_5_15_X86 | PROBE_F_SWITCH_PREV_STATE | PROBE_F_LOCK_CONTENTION |    \
	 PROBE_F_CPU_IN_THREAD_INFO)
#define F_6_1_ARM64 (F_6_1_X86 & ~PROBE_F_PAGE_FAULT_USER)
#define F_5_10	    (F_5_15_X86 & ~PROBE_F_TASK_PT_REGS)

static const struct probe_wants plain = {0};
static const struct probe_wants everything = {.markers = true,
					      .creation_calls = true};

static bool loads(unsigned f, const struct probe_wants *w, const char *prog)
{
	return probe_compat_loads(f, w, prog);
}

/* Applies the decisions to the real object, as bpf_session_open does,
 * and counts the programs that would load and those named like prefix. */
static int chosen(unsigned f, const struct probe_wants *w, const char *prefix,
		  int *named)
{
	struct lab_bpf *skel = lab_bpf__open();
	struct bpf_program *prog = NULL;
	int n = 0;

	*named = 0;
	if (!CHECK(skel))
		return -1;
	while ((prog = bpf_object__next_program(skel->obj, prog))) {
		const char *name = bpf_program__name(prog);

		bpf_program__set_autoload(prog, loads(f, w, name));
		if (!bpf_program__autoload(prog))
			continue;
		n++;
		*named += !strncmp(name, prefix, strlen(prefix));
	}
	lab_bpf__destroy(skel);
	return n;
}

TEST(compat_one_switch_program_on_every_kernel)
{
	static const unsigned kernels[] = {F_5_15_X86, F_6_1_X86, F_6_1_ARM64};
	int named;

	for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
		CHECK(chosen(kernels[i], &everything, "handle_switch", &named) >
		      0);
		CHECK_MSG(named == 1, "kernel %zu: %d switch programs", i,
			  named);
	}
	CHECK(loads(F_5_15_X86, &plain, "handle_switch_task_state"));
	CHECK(!loads(F_5_15_X86, &plain, "handle_switch"));
	CHECK(loads(F_6_1_X86, &plain, "handle_switch"));
	CHECK(!loads(F_6_1_X86, &plain, "handle_switch_task_state"));
}

TEST(compat_optional_programs_follow_the_tracepoints)
{
	int named, all, fewer;

	CHECK(!loads(F_5_15_X86, &plain, "handle_lock_begin"));
	CHECK(!loads(F_5_15_X86, &plain, "handle_lock_end"));
	CHECK(loads(F_5_15_X86, &plain, "handle_page_fault"));
	CHECK(loads(F_6_1_X86, &plain, "handle_lock_begin"));
	CHECK(loads(F_6_1_X86, &plain, "handle_page_fault"));
	CHECK(!loads(F_6_1_ARM64, &plain, "handle_page_fault"));
	CHECK(loads(F_6_1_ARM64, &plain, "handle_lock_end"));
	/* programs with no rule need only what every kernel has */
	CHECK(loads(F_5_15_X86, &plain, "handle_wakeup"));
	CHECK(loads(F_5_15_X86, &plain, "handle_fork"));
	/* on the real object: 5.15 loses the two lock programs */
	all = chosen(F_6_1_X86, &plain, "handle_lock", &named);
	CHECK_EQ(named, 2);
	fewer = chosen(F_5_15_X86, &plain, "handle_lock", &named);
	CHECK_EQ(named, 0);
	CHECK_EQ(all - fewer, 2);
	fewer = chosen(F_6_1_ARM64, &plain, "handle_page_fault", &named);
	CHECK_EQ(named, 0);
	CHECK_EQ(all - fewer, 1);
}

TEST(compat_markers_and_creation_calls_only_when_asked)
{
	struct probe_wants markers = {.markers = true};

	CHECK(!loads(F_6_1_X86, &plain, "handle_mark"));
	CHECK(loads(F_6_1_X86, &markers, "handle_mark"));
	CHECK(!loads(F_6_1_X86 & ~PROBE_F_UPROBES, &markers, "handle_mark"));
	CHECK(!loads(F_6_1_X86, &markers, "handle_sys_enter"));
	CHECK(loads(F_6_1_X86, &everything, "handle_sys_enter"));
	CHECK(loads(F_6_1_X86, &everything, "handle_sys_exit"));
}

TEST(compat_gaps_say_what_is_missing_and_why)
{
	const char *lines[8];
	size_t n;

	CHECK_EQ(probe_compat_gaps(F_6_1_X86, &everything, lines, 8), 0);
	n = probe_compat_gaps(F_5_15_X86, &plain, lines, 8);
	if (CHECK_EQ(n, 1))
		CHECK(strstr(lines[0], "lock waits") &&
		      strstr(lines[0], "5.19"));
	n = probe_compat_gaps(F_6_1_ARM64, &plain, lines, 8);
	if (CHECK_EQ(n, 1))
		CHECK(strstr(lines[0], "page faults") &&
		      strstr(lines[0], "x86"));
	/* the markers' gap only for a run with markers */
	CHECK_EQ(probe_compat_gaps(F_6_1_X86 & ~PROBE_F_UPROBES, &plain, lines,
				   8),
		 0);
	n = probe_compat_gaps(F_6_1_X86 & ~PROBE_F_UPROBES, &everything, lines,
			      8);
	if (CHECK_EQ(n, 1))
		CHECK(strstr(lines[0], "coroutine switches"));
	CHECK_EQ(probe_compat_gaps(0, &everything, lines, 1), 1);
}

TEST(compat_minimum_kernel_is_5_15)
{
	const struct probe_feature_info *m;

	CHECK(!probe_compat_missing(F_5_15_X86));
	CHECK(!probe_compat_missing(F_6_1_ARM64));
	m = probe_compat_missing(F_5_10);
	if (CHECK(m))
		CHECK(m->bit == PROBE_F_TASK_PT_REGS &&
		      !strcmp(m->since, "Linux " PROBE_COMPAT_MIN_KERNEL));
	m = probe_compat_missing(0);
	CHECK(m && m->bit == PROBE_F_BTF);
}

/* This machine's BTF, read as lab run reads it: a kernel from 5.19 on
 * has every feature, page faults on x86 (not checked elsewhere: under
 * qemu-user, uname names the emulated machine, not the kernel's). */
TEST(compat_features_found_in_this_kernels_btf)
{
	struct utsname u;
	unsigned f, major = 0, minor = 0;
	bool x86;

	uname(&u);
	if (sscanf(u.release, "%u.%u", &major, &minor) != 2 ||
	    major * 100 + minor < 519)
		SKIP("the kernel is older than 5.19");
	f = probe_compat_detect_host();
	if (!f)
		SKIP("no /sys/kernel/btf/vmlinux");
	x86 = !strcmp(u.machine, "x86_64");
	CHECK_EQ(f & PROBE_F_REQUIRED, PROBE_F_REQUIRED);
	CHECK(f & PROBE_F_SWITCH_PREV_STATE);
	CHECK(f & PROBE_F_LOCK_CONTENTION);
	CHECK(f & PROBE_F_CPU_IN_THREAD_INFO);
	if (x86)
		CHECK(f & PROBE_F_PAGE_FAULT_USER);
}
