/* compat.bpf.h - the kernel fields that moved between the kernels lab
 * runs on (5.15 on), read with CO-RE so that one object loads on all of
 * them: one helper per upstream change, as libbpf-tools' core_fixes.bpf.h.
 * Which programs load where is probe_compat.c's choice.
 */
#ifndef LAB_COMPAT_BPF_H
#define LAB_COMPAT_BPF_H

#include <bpf/bpf_core_read.h>

/* The names these fields had on older kernels. */
struct task_struct___o {
	long state;
	unsigned int cpu;
} __attribute__((preserve_access_index));

struct task_struct___x {
	unsigned int __state;
} __attribute__((preserve_access_index));

/* 5.14 (2f064a59a11f "sched: Change task_struct::state") renamed
 * task_struct::state to __state. */
static __always_inline __u32 compat_task_state(struct task_struct *t)
{
	struct task_struct___x *x = (void *)t;

	if (bpf_core_field_exists(x->__state))
		return BPF_CORE_READ(x, __state);
	return BPF_CORE_READ((struct task_struct___o *)t, state);
}

/* 5.16 (bcf9033e5449 "sched: move CPU field back into thread_info if
 * THREAD_INFO_IN_TASK=y") moved task_struct::cpu to thread_info::cpu. */
static __always_inline __u32 compat_task_cpu(struct task_struct *t)
{
	if (bpf_core_field_exists(t->thread_info.cpu))
		return t->thread_info.cpu; /* a plain load: the common case */
	return BPF_CORE_READ((struct task_struct___o *)t, cpu);
}

#endif /* LAB_COMPAT_BPF_H */
