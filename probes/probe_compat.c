/* probe_compat.c - which of the probes this kernel can run, from its BTF:
 * a tracepoint exists when its btf_trace_<name> type does, a map type or
 * helper when the kernel's own enums name it. tracefs is not needed (it
 * is often not mounted). */
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "probes/probe_compat.h"
#include "probes/trace_format.h"

const struct probe_feature_info probe_compat_features[] = {
	{PROBE_F_BTF, "btf", "kernel BTF", "/sys/kernel/btf/vmlinux",
	 "nothing loads"},
	{PROBE_F_RINGBUF, "ringbuf", "BPF ring buffer", "Linux 5.8",
	 "nothing loads"},
	{PROBE_F_TASK_STORAGE, "task_storage", "BPF task storage", "Linux 5.11",
	 "nothing loads"},
	{PROBE_F_TASK_PT_REGS, "task_pt_regs", "bpf_task_pt_regs", "Linux 5.15",
	 "nothing loads"},
	{PROBE_F_SWITCH_PREV_STATE, "prev_state",
	 "sched_switch with prev_state", "Linux 5.18",
	 "the state is read from the task, which a racing wakeup may "
	 "already have set to waking (still a voluntary switch)"},
	{PROBE_F_CPU_IN_THREAD_INFO, "thread_info_cpu", "task thread_info.cpu",
	 "Linux 5.16", "read from task_struct.cpu"},
	{PROBE_F_LOCK_CONTENTION, "lock_contention",
	 "lock:contention_begin/end", "Linux 5.19",
	 "kernel lock waits are not measured"},
	{PROBE_F_PAGE_FAULT_USER, "page_fault_user",
	 "exceptions:page_fault_user", "x86 only",
	 "page faults per thread are not counted"},
	{PROBE_F_UPROBES, "uprobes", "uprobes for lab:mark",
	 "CONFIG_UPROBE_EVENTS",
	 "coroutine switches (the markers) are not counted"},
	{0, NULL, NULL, NULL, NULL},
};

enum want {
	WANT_ALWAYS,
	WANT_MARKERS,
	WANT_CREATION_CALLS,
	/* a syscall's return: --creation-calls or --futex-retries */
	WANT_SYSCALL_EXIT,
};

/* A program loads when the run wants it, the kernel has all of needs
 * and none of unless (its twin for that kernel loads instead). */
static const struct prog_rule {
	const char *prog;
	unsigned needs, unless;
	enum want want;
} rules[] = {
	{"handle_switch", PROBE_F_SWITCH_PREV_STATE, 0, WANT_ALWAYS},
	{"handle_switch_task_state", 0, PROBE_F_SWITCH_PREV_STATE, WANT_ALWAYS},
	{"handle_lock_begin", PROBE_F_LOCK_CONTENTION, 0, WANT_ALWAYS},
	{"handle_lock_end", PROBE_F_LOCK_CONTENTION, 0, WANT_ALWAYS},
	{"handle_page_fault", PROBE_F_PAGE_FAULT_USER, 0, WANT_ALWAYS},
	{"handle_mark", PROBE_F_UPROBES, 0, WANT_MARKERS},
	{"handle_sys_enter", 0, 0, WANT_CREATION_CALLS},
	{"handle_sys_exit", 0, 0, WANT_SYSCALL_EXIT},
};

static bool has_type(const struct btf *btf, const char *name, int kind)
{
	return btf__find_by_name_kind(btf, name, kind) > 0;
}

static bool has_tracepoint(const struct btf *btf, const char *name)
{
	char type[128] = "btf_trace_";

	strncat(type, name, sizeof(type) - strlen(type) - 1);
	return has_type(btf, type, BTF_KIND_TYPEDEF);
}

/* Arguments of the tracepoint's BPF prototype, its context pointer
 * included; -1 when there is no such tracepoint. */
static int tracepoint_args(const struct btf *btf, const char *name)
{
	char type[128] = "btf_trace_";
	const struct btf_type *t;
	int id;

	strncat(type, name, sizeof(type) - strlen(type) - 1);
	id = btf__find_by_name_kind(btf, type, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return -1;
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL; /* the pointer */
	t = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
	return t && btf_is_func_proto(t) ? btf_vlen(t) : -1;
}

static bool has_enumerator(const struct btf *btf, const char *enum_name,
			   const char *value)
{
	int id = btf__find_by_name_kind(btf, enum_name, BTF_KIND_ENUM);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_enum *e;

	if (!t)
		return false;
	e = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++, e++)
		if (!strcmp(btf__name_by_offset(btf, e->name_off), value))
			return true;
	return false;
}

static bool has_member(const struct btf *btf, const char *struct_name,
		       const char *member)
{
	int id = btf__find_by_name_kind(btf, struct_name, BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_member *m;

	if (!t)
		return false;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), member))
			return true;
	return false;
}

unsigned probe_compat_detect(const struct btf *btf)
{
	unsigned f = PROBE_F_BTF;

	if (has_enumerator(btf, "bpf_map_type", "BPF_MAP_TYPE_RINGBUF"))
		f |= PROBE_F_RINGBUF;
	if (has_enumerator(btf, "bpf_map_type", "BPF_MAP_TYPE_TASK_STORAGE"))
		f |= PROBE_F_TASK_STORAGE;
	if (has_enumerator(btf, "bpf_func_id", "BPF_FUNC_task_pt_regs"))
		f |= PROBE_F_TASK_PT_REGS;
	/* ctx, preempt, prev, next[, prev_state] */
	if (tracepoint_args(btf, "sched_switch") >= 5)
		f |= PROBE_F_SWITCH_PREV_STATE;
	if (has_tracepoint(btf, "contention_begin") &&
	    has_tracepoint(btf, "contention_end"))
		f |= PROBE_F_LOCK_CONTENTION;
	if (has_tracepoint(btf, "page_fault_user"))
		f |= PROBE_F_PAGE_FAULT_USER;
	/* the uprobe PMU libbpf attaches USDT through is built with the
	 * uprobe events, whose record type is this */
	if (has_type(btf, "trace_uprobe", BTF_KIND_STRUCT))
		f |= PROBE_F_UPROBES;
	if (has_member(btf, "thread_info", "cpu"))
		f |= PROBE_F_CPU_IN_THREAD_INFO;
	return f;
}

/* The features named in a comma-separated list. */
static unsigned named_features(const char *list)
{
	unsigned bits = 0;

	for (const struct probe_feature_info *i = probe_compat_features;
	     list && i->bit; i++) {
		size_t len = strlen(i->name);

		for (const char *p = strstr(list, i->name); p;
		     p = strstr(p + 1, i->name))
			if ((p == list || p[-1] == ',') &&
			    (p[len] == ',' || !p[len]))
				bits |= i->bit;
	}
	return bits;
}

unsigned probe_compat_detect_host(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	unsigned f;

	if (!btf)
		return 0;
	f = probe_compat_detect(btf);
	btf__free(btf);
	return f & ~named_features(getenv("LAB_PROBES_WITHOUT"));
}

bool probe_compat_loads(unsigned features, const struct probe_wants *w,
			const char *prog)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct prog_rule *r = &rules[i];

		if (strcmp(r->prog, prog))
			continue;
		if ((r->want == WANT_MARKERS && !w->markers) ||
		    (r->want == WANT_CREATION_CALLS && !w->creation_calls) ||
		    (r->want == WANT_SYSCALL_EXIT && !w->creation_calls &&
		     !w->futex_retries))
			return false;
		return (features & r->needs) == r->needs &&
		       !(features & r->unless);
	}
	return true;
}

const struct probe_feature_info *probe_compat_missing(unsigned features)
{
	for (const struct probe_feature_info *i = probe_compat_features; i->bit;
	     i++)
		if ((PROBE_F_REQUIRED & i->bit) && !(features & i->bit))
			return i;
	return NULL;
}

/* The figures each optional feature stands behind. */
static const struct {
	unsigned bit;
	bool markers_only;     /* only runs with lab:mark markers lack it */
	unsigned not_measured; /* enum lab_not_measured */
	const char *line;
} gaps[] = {
	{PROBE_F_LOCK_CONTENTION, false, LAB_NM_KLOCK_WAITS,
	 "kernel lock waits are not measured: this kernel has no "
	 "lock:contention_begin/end tracepoints (Linux 5.19 on)"},
	{PROBE_F_PAGE_FAULT_USER, false, LAB_NM_PAGE_FAULTS,
	 "page faults per thread are not counted: this kernel has no "
	 "exceptions:page_fault_user tracepoint (x86 only)"},
	{PROBE_F_UPROBES, true, LAB_NM_COROUTINE_SWITCHES,
	 "coroutine switches are not counted: this kernel has no "
	 "uprobe events for the lab:mark markers "
	 "(CONFIG_UPROBE_EVENTS)"},
};

static bool lacks(unsigned features, const struct probe_wants *w, size_t i)
{
	return !(features & gaps[i].bit) &&
	       (!gaps[i].markers_only || w->markers);
}

size_t probe_compat_gaps(unsigned features, const struct probe_wants *w,
			 const char **lines, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(gaps) / sizeof(gaps[0]) && n < max; i++)
		if (lacks(features, w, i))
			lines[n++] = gaps[i].line;
	return n;
}

unsigned probe_compat_not_measured(unsigned features,
				   const struct probe_wants *w)
{
	unsigned nm = 0;

	for (size_t i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++)
		if (lacks(features, w, i))
			nm |= gaps[i].not_measured;
	return nm;
}
