/* probe_compat.h - which of the probes this kernel can run, decided from
 * its BTF before anything is loaded: the required features (without
 * them nothing runs), the optional programs loaded only where their
 * tracepoint exists, and the figures a run then lacks, with the reason.
 */
#ifndef LAB_PROBE_COMPAT_H
#define LAB_PROBE_COMPAT_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

/* What a kernel has, as bits. */
enum probe_feature {
	PROBE_F_BTF = 1u << 0,		/* vmlinux BTF: tp_btf, CO-RE */
	PROBE_F_RINGBUF = 1u << 1,	/* BPF ring buffer (5.8) */
	PROBE_F_TASK_STORAGE = 1u << 2, /* task local storage (5.11) */
	PROBE_F_TASK_PT_REGS = 1u << 3, /* bpf_task_pt_regs (5.15) */
	/* sched_switch passes prev_state (5.18); else read from the task */
	PROBE_F_SWITCH_PREV_STATE = 1u << 4,
	PROBE_F_LOCK_CONTENTION = 1u << 5,    /* lock:contention_* (5.19) */
	PROBE_F_PAGE_FAULT_USER = 1u << 6,    /* exceptions:page_fault_user */
	PROBE_F_UPROBES = 1u << 7,	      /* uprobe events: USDT markers */
	PROBE_F_CPU_IN_THREAD_INFO = 1u << 8, /* thread_info.cpu (5.16) */
};

/* Every feature lab needs; the minimum kernel is the newest of them. */
#define PROBE_F_REQUIRED                                                       \
	(PROBE_F_BTF | PROBE_F_RINGBUF | PROBE_F_TASK_STORAGE |                \
	 PROBE_F_TASK_PT_REGS)
#define PROBE_COMPAT_MIN_KERNEL "5.15"

/* One feature as lab check lists it. */
struct probe_feature_info {
	unsigned bit;
	const char *name;    /* "lock_contention", for LAB_PROBES_WITHOUT */
	const char *what;    /* "lock:contention_begin/end" */
	const char *since;   /* "Linux 5.19", "x86 only" */
	const char *without; /* what a kernel without it does instead */
};

/* The features in the order lab check lists them; ends with bit 0. */
extern const struct probe_feature_info probe_compat_features[];

/* What a run asks for beyond the always-on probes. */
struct probe_wants {
	bool markers;	     /* the command has lab:mark markers */
	bool creation_calls; /* lab run --creation-calls */
	bool futex_retries;  /* lab run --futex-retries */
};

/* The features the kernel described by vmlinux (its BTF) has. */
unsigned probe_compat_detect(const struct btf *vmlinux);
/* The running kernel's features, from /sys/kernel/btf/vmlinux; 0 when
 * it has no BTF. Those named in LAB_PROBES_WITHOUT (comma-separated)
 * count as missing: how a newer kernel runs an older one's programs. */
unsigned probe_compat_detect_host(void);
/* Whether program prog (its name in lab.bpf.c) is loaded on a kernel
 * with these features for a run that wants w. Programs this module has
 * no rule for need only the required features. */
bool probe_compat_loads(unsigned features, const struct probe_wants *w,
			const char *prog);
/* The first required feature missing, or NULL. */
const struct probe_feature_info *probe_compat_missing(unsigned features);
/* The figures a run that wants w lacks on this kernel, one sentence
 * each ("kernel lock waits are not measured: ..."), into lines; returns
 * how many (at most max). */
size_t probe_compat_gaps(unsigned features, const struct probe_wants *w,
			 const char **lines, size_t max);
/* The same figures as enum lab_not_measured bits (trace_format.h), for
 * the trace to record. */
unsigned probe_compat_not_measured(unsigned features,
				   const struct probe_wants *w);

#endif /* LAB_PROBE_COMPAT_H */
