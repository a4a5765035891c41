// SPDX-License-Identifier: GPL-2.0
/* floor.bpf.c - empty programs on the tracepoints the tracers attach to:
 * what a probe costs before it does any work (the kernel's call into the
 * program and back), the floor under lab's and runqlat's figures in the
 * overhead benchmark (tests/bench/overhead).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* sched_switch's prototype gained prev_state in 5.18; an empty program
 * reads no argument, so the shorter one attaches everywhere */
SEC("tp_btf/sched_switch")
int BPF_PROG(empty_switch)
{
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(empty_waking)
{
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(empty_wakeup)
{
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(empty_wakeup_new)
{
	return 0;
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(empty_migrate)
{
	return 0;
}
