// SPDX-License-Identifier: GPL-2.0
/* lab.bpf.c - the kernel side: per-thread scheduler counters and an event
 * stream, for the workload's threads only.
 *
 * A thread is tracked exactly when it has task storage in `tasks` and an
 * entry in `threads`: user space seeds the workload's root before
 * releasing it, fork/clone of a tracked task adds the child, the task's
 * final switch moves its entry to `dead` (so a reused tid starts afresh).
 * Every probe asks `tasks` first: the machine's other tasks, which are
 * most of what the probes see, cost one load each. Only BTF tracepoints
 * and USDT are used: kprobes, fentry and tracefs are unavailable on many
 * kernels. docs/performance.md has what each probe costs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "probes/events.h"
#include "probes/compat.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* set by user space before load */
const volatile __u64 wakeup_bytes = 256 * 1024; /* wake the reader past this */
const volatile bool futex_retries; /* count futex waits that did not sleep */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct lab_thread);
} threads SEC(".maps");

/* The fast filter and the per-syscall state: a task is tracked exactly
 * when it has storage here (and an entry in `threads`). Every syscall and
 * switch of the machine asks; for an untracked task the answer is one
 * load of task->bpf_storage, where a hash lookup would hash and walk a
 * bucket. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lab_task);
} tasks SEC(".maps");

/* counters of threads that died, in order of death */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct lab_thread);
} dead SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} events SEC(".maps");

/* Waits summed per thread and syscall, futex word or kernel lock: the
 * lock and off-CPU tables stay exact whatever the ring buffer drops. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct lab_wait_key);
	__type(value, struct lab_wait_sum);
} waits SEC(".maps");

enum lab_counter {
	LAB_CNT_DROPPED,    /* ring buffer full */
	LAB_CNT_UNTRACKED,  /* threads or dead map full */
	LAB_CNT_WAITS_LOST, /* waits map full */
	LAB_CNT_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LAB_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Tasks outside the run already named in the stream (LAB_EV_TASK): tid
 * -> a digest of the comm sent. An LRU: a task forgotten is named again. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} named SEC(".maps");

__u32 dead_count; /* entries used in `dead` */
const struct lab_thread zero_thread = {};
const struct lab_wait_sum zero_sum = {};

static __always_inline void count(enum lab_counter c)
{
	__u32 key = c;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);

	if (v)
		(*v)++;
}

/* One wait of d ns into its sum, created on first use. */
static __always_inline void wait_add(struct lab_wait_key *k, __u64 d)
{
	struct lab_wait_sum *w = bpf_map_lookup_elem(&waits, k);

	if (!w) {
		bpf_map_update_elem(&waits, k, &zero_sum, BPF_NOEXIST);
		w = bpf_map_lookup_elem(&waits, k);
		if (!w) {
			count(LAB_CNT_WAITS_LOST);
			return;
		}
	}
	__sync_fetch_and_add(&w->count, 1);
	__sync_fetch_and_add(&w->total_ns, d);
	if (d > w->max_ns)
		w->max_ns = d;
}

static __always_inline struct lab_event *event_new(__u8 type, __u64 ts,
						   __u32 tid, __u32 pid)
{
	struct lab_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count(LAB_CNT_DROPPED);
		return NULL;
	}
	e->ts = ts;
	e->value = 0;
	e->tid = tid;
	e->pid = pid;
	e->other_tid = 0;
	e->other_pid = 0;
	e->cpu = bpf_get_smp_processor_id();
	e->type = type;
	e->flags = 0;
	e->aux = 0;
	return e;
}

/* Wake the reader only once enough has piled up: a wakeup per event would
 * make the tracer itself a busy task on the CPUs it observes. */
static __always_inline void event_submit(struct lab_event *e)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	bpf_ringbuf_submit(e, avail >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP
						    : BPF_RB_NO_WAKEUP);
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 slot = 0;

	/* unrolled binary search; the verifier prefers it to a loop */
	if (v >= (1ULL << 32)) {
		v >>= 32;
		slot += 32;
	}
	if (v >= (1ULL << 16)) {
		v >>= 16;
		slot += 16;
	}
	if (v >= (1ULL << 8)) {
		v >>= 8;
		slot += 8;
	}
	if (v >= (1ULL << 4)) {
		v >>= 4;
		slot += 4;
	}
	if (v >= (1ULL << 2)) {
		v >>= 2;
		slot += 2;
	}
	if (v >= (1ULL << 1))
		slot += 1;
	return slot < LAB_HIST_SLOTS ? slot : LAB_HIST_SLOTS - 1;
}

/* two loads from a BTF pointer: a helper call would cost ten times more */
static __always_inline void copy_comm(struct lab_thread *s,
				      struct task_struct *t)
{
	const __u64 *from = (const __u64 *)t->comm;
	__u64 *to = (__u64 *)s->stats.comm;

	to[0] = from[0];
	to[1] = from[1];
}

static __always_inline struct lab_task *task_of(struct task_struct *t)
{
	return bpf_task_storage_get(&tasks, t, 0, 0);
}

#define PF_KTHREAD 0x00200000 /* include/linux/sched.h */

/* Names t, a task outside the run, in the stream before an event names
 * it: its comm and whether it is a kernel thread. The idle task (tid 0)
 * needs no name. */
static __always_inline void name_task(struct task_struct *t, __u64 now)
{
	const __u64 *comm = (const __u64 *)t->comm;
	__u64 lo = comm[0], hi = comm[1],
	      digest = lo ^ (hi * 0x9e3779b97f4a7c15);
	__u32 tid = t->pid;
	__u64 *seen;
	struct lab_event *e;

	if (!tid)
		return;
	seen = bpf_map_lookup_elem(&named, &tid);
	if (seen && *seen == digest)
		return;
	e = event_new(LAB_EV_TASK, now, tid, t->tgid);
	if (!e)
		return;
	e->value = lo;
	e->other_tid = hi;
	e->other_pid = hi >> 32;
	e->flags = t->flags & PF_KTHREAD ? LAB_TASK_KTHREAD : 0;
	event_submit(e);
	bpf_map_update_elem(&named, &tid, &digest, BPF_ANY);
}

/* The registers t entered the kernel with (still there while it waits). */
static __always_inline struct pt_regs *user_regs(struct task_struct *t)
{
	return (struct pt_regs *)bpf_task_pt_regs(t);
}

/* The syscall a task with these entry registers is inside, or -1: what
 * /proc/PID/syscall shows. Entries from user space that are not syscalls
 * (faults, interrupts) store -1 there, so a thread blocked in a page
 * fault is in no syscall. */
static __always_inline long syscall_of(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return regs->orig_ax;
#elif defined(__TARGET_ARCH_arm64)
	return regs->syscallno;
#else
	return -1;
#endif
}

/* The futex syscall, by number on this architecture. */
static __always_inline int is_futex_call(long nr)
{
#if defined(__TARGET_ARCH_x86)
	return nr == 202;
#elif defined(__TARGET_ARCH_arm64)
	return nr == 98;
#else
	return 0;
#endif
}

/* A blocked interval begins: what it waits in, kept until it ends. */
static __always_inline void block_start(struct lab_thread *s, __u64 now,
					long nr, struct pt_regs *regs)
{
	s->work.blocked_since = now;
	s->work.block_nr = nr;
	s->work.block_addr = 0;
	s->work.block_op = 0;
	if (is_futex_call(nr)) {
		s->work.block_addr = PT_REGS_PARM1_SYSCALL(regs);
		s->work.block_op = PT_REGS_PARM2_SYSCALL(regs);
	}
}

/* ... and ends (its wakeup, else its next switch-in): summed per thread
 * and syscall, futex word and op. */
static __always_inline void block_end(struct lab_thread *s, __u64 now)
{
	struct lab_wait_key k = {
		.addr = s->work.block_addr,
		.tid = s->stats.tid,
		.pid = s->stats.pid,
		.nr = s->work.block_nr,
		.op = s->work.block_op,
		.kind = LAB_WAIT_BLOCKED,
	};
	__u64 since = s->work.blocked_since;

	s->work.blocked_since = 0;
	wait_add(&k, now > since ? now - since : 0);
}

/* What a thread blocks in: the syscall and its first arguments, from its
 * entry registers. */
static __always_inline void emit_block(__u64 now, struct task_struct *t,
				       struct pt_regs *regs, long sys_nr)
{
	struct lab_event *e = event_new(LAB_EV_BLOCK, now, t->pid, t->tgid);

	if (!e)
		return;
	e->aux = sys_nr;
	e->value = PT_REGS_PARM1_SYSCALL(regs);
	e->other_tid = PT_REGS_PARM2_SYSCALL(regs);
	event_submit(e);
}

/* The thread's counters leave `threads` for `dead` at its last switch. */
static __always_inline void retire(__u32 tid, struct lab_thread *s)
{
	__u32 idx = __sync_fetch_and_add(&dead_count, 1);

	if (bpf_map_update_elem(&dead, &idx, s, BPF_ANY))
		count(LAB_CNT_UNTRACKED);
	bpf_map_delete_elem(&threads, &tid);
}

static __always_inline int on_switch(bool preempt, struct task_struct *prev,
				     struct task_struct *next,
				     unsigned int prev_state)
{
	__u32 prev_tid = prev->pid, next_tid = next->pid;
	struct lab_task *pt = task_of(prev);
	struct lab_thread *p = NULL, *n = NULL;
	__u64 now = 0; /* stays 0 when neither side is tracked */

	if (pt)
		p = bpf_map_lookup_elem(&threads, &prev_tid);
	if (task_of(next))
		n = bpf_map_lookup_elem(&threads, &next_tid);
	if (p) {
		int involuntary = preempt || prev_state == 0;

		now = bpf_ktime_get_ns();
		if (!n)
			name_task(next, now);
		if (involuntary) {
			p->stats.involuntary_switches++;
			p->work.runnable_since = now;
			p->work.runnable_asleep = prev_state != 0;
		} else {
			p->stats.voluntary_switches++;
			p->work.runnable_since = 0;
			struct pt_regs *regs = user_regs(prev);
			long nr = syscall_of(regs);

			if (nr >= 0)
				emit_block(now, prev, regs, nr);
			if (prev_state != LAB_TASK_DEAD)
				block_start(p, now, nr < 0 ? -1 : nr, regs);
		}
		if (p->work.oncpu_since)
			p->stats.oncpu_ns += now - p->work.oncpu_since;
		p->work.oncpu_since = 0;
		copy_comm(p, prev);
	}
	if (n) {
		if (!now)
			now = bpf_ktime_get_ns();
		if (n->work.runnable_since) {
			__u64 delay = now - n->work.runnable_since;

			n->stats.runq_wait_ns += delay;
			n->stats.runq_count++;
			if (delay > n->stats.runq_max_ns)
				n->stats.runq_max_ns = delay;
			n->stats.runq_hist[log2_slot(delay)]++;
			if (n->work.runnable_asleep)
				n->stats.runq_wait_asleep_ns += delay;
			n->work.runnable_since = 0;
			n->work.runnable_asleep = 0;
		}
		n->work.oncpu_since = now;
		if (!n->stats.first_run_ns)
			n->stats.first_run_ns = now;
		if (n->work.blocked_since)
			block_end(n, now);
	}
	if (!now)
		return 0;

	struct lab_event *e =
		event_new(LAB_EV_SWITCH, now, prev_tid, prev->tgid);
	if (e) {
		e->other_tid = next_tid;
		e->other_pid = next->tgid;
		e->value = prev_state;
		e->flags = preempt ? LAB_SWITCH_PREEMPT : 0;
		event_submit(e);
	}
	if (p && prev_state == LAB_TASK_DEAD) {
		retire(prev_tid, p);
		bpf_task_storage_delete(&tasks, prev);
	}
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(handle_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	return on_switch(preempt, prev, next, prev_state);
}

/* Before 5.18 (fa2c3254d7cf "sched/tracing: Don't re-read p->state when
 * emitting sched_switch event") the tracepoint had no prev_state: the
 * task's own state is what the scheduler decided on, unless a wakeup
 * racing with the switch has already set it to TASK_WAKING. */
SEC("tp_btf/sched_switch")
int BPF_PROG(handle_switch_task_state, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	return on_switch(preempt, prev, next, compat_task_state(prev));
}

static __always_inline int on_wakeup(struct task_struct *t, __u8 type)
{
	__u32 tid = t->pid;
	struct lab_thread *s;
	__u64 now, waker;

	if (!task_of(t))
		return 0;
	s = bpf_map_lookup_elem(&threads, &tid);
	if (!s)
		return 0;
	now = bpf_ktime_get_ns();
	/* a wakeup of a task still on its CPU is not a run-queue wait; the
	 * switch that takes it off decides */
	if (!s->work.oncpu_since && !s->work.runnable_since)
		s->work.runnable_since = now;
	if (type == LAB_EV_WAKEUP)
		s->stats.wakeups++;
	if (s->work.blocked_since)
		block_end(s, now);

	struct lab_event *e = event_new(type, now, tid, t->tgid);
	if (e) {
		struct lab_task *task = task_of(t);

		/* a new task is woken by its creator, in its own context */
		if (type == LAB_EV_WAKEUP && task) {
			e->other_tid = task->waker_tid;
			e->other_pid = task->waker_pid;
		} else {
			waker = bpf_get_current_pid_tgid();
			e->other_tid = waker;
			e->other_pid = waker >> 32;
		}
		e->aux = compat_task_cpu(t);
		event_submit(e);
	}
	return 0;
}

/* Who wakes a tracked task: the caller of try_to_wake_up, kept for its
 * sched_wakeup, which may fire later on the wakee's CPU. An interrupt
 * handler's wakeup is put down to the task it interrupted (the idle
 * task, tid 0, on an idle CPU), as perf sched and wakeuptime do. */
SEC("tp_btf/sched_waking")
int BPF_PROG(handle_waking, struct task_struct *t)
{
	struct lab_task *task = task_of(t);
	struct task_struct *current;

	if (!task)
		return 0;
	current = bpf_get_current_task_btf();
	task->waker_tid = current->pid;
	task->waker_pid = current->tgid;
	if (!task_of(current))
		name_task(current, bpf_ktime_get_ns());
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(handle_wakeup, struct task_struct *t)
{
	return on_wakeup(t, LAB_EV_WAKEUP);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(handle_wakeup_new, struct task_struct *t)
{
	return on_wakeup(t, LAB_EV_WAKEUP_NEW);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 parent_tid = parent->pid, child_tid = child->pid;
	struct lab_thread *s;
	__u64 now;

	if (!task_of(parent))
		return 0;
	now = bpf_ktime_get_ns();
	/* inserted zeroed, then filled: the struct is too big for the stack */
	if (bpf_map_update_elem(&threads, &child_tid, &zero_thread,
				BPF_NOEXIST)) {
		count(LAB_CNT_UNTRACKED);
		return 0;
	}
	if (!bpf_task_storage_get(&tasks, child, 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE)) {
		bpf_map_delete_elem(&threads, &child_tid);
		count(LAB_CNT_UNTRACKED);
		return 0;
	}
	s = bpf_map_lookup_elem(&threads, &child_tid);
	if (!s)
		return 0;
	s->stats.tid = child_tid;
	s->stats.pid = child->tgid;
	s->stats.parent_tid = parent_tid;
	s->stats.start_ns = now;
	copy_comm(s, child);

	struct lab_event *e =
		event_new(LAB_EV_FORK, now, parent_tid, parent->tgid);
	if (e) {
		e->other_tid = child_tid;
		e->other_pid = child->tgid;
		e->value = (__u64)child->clear_child_tid;
		event_submit(e);
	}
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *t, pid_t old_tid)
{
	__u32 tid = t->pid, old = old_tid;
	struct lab_thread *s;

	if (!task_of(t))
		return 0;
	s = bpf_map_lookup_elem(&threads, &old);
	if (!s)
		return 0;
	copy_comm(s, t);
	/* a non-leader thread that execs takes over the leader's tid */
	if (old != tid) {
		s->stats.tid = tid;
		if (bpf_map_update_elem(&threads, &tid, s, BPF_ANY))
			count(LAB_CNT_UNTRACKED);
		bpf_map_delete_elem(&threads, &old);
	}

	struct lab_event *e =
		event_new(LAB_EV_EXEC, bpf_ktime_get_ns(), tid, t->tgid);
	if (e) {
		e->other_tid = old;
		event_submit(e);
	}
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *t)
{
	__u32 tid = t->pid;
	struct lab_thread *s;
	__u64 now;

	if (!task_of(t))
		return 0;
	s = bpf_map_lookup_elem(&threads, &tid);
	if (!s)
		return 0;
	now = bpf_ktime_get_ns();
	s->stats.exit_ns = now;
	s->stats.exit_code = t->exit_code;
	s->stats.flags |= LAB_THREAD_EXITED;
	copy_comm(s, t);

	struct lab_event *e = event_new(LAB_EV_EXIT, now, tid, t->tgid);
	if (e) {
		e->value = t->exit_code;
		event_submit(e);
	}
	return 0;
}

/* lab:mark(id, value), the workload_table' one marker site */
SEC("usdt")
int BPF_USDT(handle_mark, unsigned int marker, __u64 arg)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = id;
	struct lab_thread *s = bpf_map_lookup_elem(&threads, &tid);

	if (!s)
		return 0;
	if (marker == LAB_MARK_CORO_SWITCHES)
		s->stats.user_switches += arg;

	struct lab_event *e =
		event_new(LAB_EV_MARK, bpf_ktime_get_ns(), tid, id >> 32);
	if (e) {
		e->aux = marker;
		e->value = arg;
		event_submit(e);
	}
	return 0;
}

static __always_inline struct lab_thread *current_thread(__u32 *tid)
{
	if (!task_of(bpf_get_current_task_btf()))
		return NULL;
	*tid = bpf_get_current_pid_tgid();
	return bpf_map_lookup_elem(&threads, tid);
}

/* The syscalls that create a task, by number on this architecture. */
static __always_inline int is_create_call(__u64 nr)
{
#if defined(__TARGET_ARCH_x86)
	return nr == 56 || nr == 57 || nr == 58 ||
	       nr == 435; /* clone, fork, vfork, clone3 */
#elif defined(__TARGET_ARCH_arm64)
	return nr == 220 || nr == 435; /* clone, clone3 */
#else
	return 0;
#endif
}

/* The creator's time inside fork/clone (lab run --creation-calls): from
 * the call's entry to its return. Off by default: attaching to the
 * syscall tracepoints sends every syscall of the machine down the
 * kernel's slower path. */
SEC("tp_btf/sys_enter")
int BPF_PROG(handle_sys_enter, struct pt_regs *regs, long nr)
{
	struct lab_task *task = task_of(bpf_get_current_task_btf());

	if (task && is_create_call(nr))
		task->create_call_start = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *current = bpf_get_current_task_btf();
	struct lab_task *task = task_of(current);
	struct lab_thread *s;
	__u32 tid;

	if (!task)
		return 0;
	/* a futex wait whose word had changed: contention, no sleep */
	if (futex_retries && ret == -11 /* EAGAIN */) {
		long nr = syscall_of(user_regs(current));

		if (is_futex_call(nr)) {
			struct lab_wait_key k = {
				.addr = PT_REGS_PARM1_SYSCALL(regs),
				.tid = current->pid,
				.pid = current->tgid,
				.nr = nr,
				.op = PT_REGS_PARM2_SYSCALL(regs),
				.kind = LAB_WAIT_RETRY,
			};
			wait_add(&k, 0);
		}
		return 0;
	}
	/* the parent's side of a creation: the child returns 0 */
	if (ret <= 0 || !task->create_call_start ||
	    !is_create_call(syscall_of(user_regs(current))))
		return 0;
	s = current_thread(&tid);
	if (s) {
		s->stats.create_call_ns +=
			bpf_ktime_get_ns() - task->create_call_start;
		s->stats.create_calls++;
	}
	task->create_call_start = 0;
	return 0;
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(handle_migrate, struct task_struct *t, int dest_cpu)
{
	__u32 tid = t->pid;
	struct lab_thread *s;
	struct lab_event *e;

	if (!task_of(t))
		return 0;
	s = bpf_map_lookup_elem(&threads, &tid);
	if (!s)
		return 0;
	s->stats.migrations++;
	e = event_new(LAB_EV_MIGRATE, bpf_ktime_get_ns(), tid, t->tgid);
	if (e) {
		e->aux = dest_cpu;
		event_submit(e);
	}
	return 0;
}

/* counted only: faults are too many for the event stream */
SEC("tp_btf/page_fault_user")
int BPF_PROG(handle_page_fault, unsigned long address, struct pt_regs *regs,
	     unsigned long error_code)
{
	__u32 tid;
	struct lab_thread *s = current_thread(&tid);

	if (s)
		s->stats.page_faults++;
	return 0;
}

SEC("tp_btf/contention_begin")
int BPF_PROG(handle_lock_begin, void *lock, unsigned int flags)
{
	__u32 tid;
	struct lab_thread *s = current_thread(&tid);
	struct lab_event *e;
	__u64 now;

	if (!s)
		return 0;
	now = bpf_ktime_get_ns();
	s->work.klock_since = now;
	e = event_new(LAB_EV_LOCK_BEGIN, now, tid,
		      bpf_get_current_pid_tgid() >> 32);
	if (e) {
		e->value = (__u64)lock;
		e->aux = flags;
		event_submit(e);
	}
	return 0;
}

SEC("tp_btf/contention_end")
int BPF_PROG(handle_lock_end, void *lock, int ret)
{
	__u32 tid;
	struct lab_thread *s = current_thread(&tid);
	struct lab_event *e;
	__u64 now;

	if (!s || !s->work.klock_since)
		return 0;
	now = bpf_ktime_get_ns();
	s->stats.klock_wait_ns += now - s->work.klock_since;
	s->stats.klock_count++;

	struct lab_wait_key k = {
		.addr = (__u64)lock,
		.tid = tid,
		.pid = s->stats.pid,
		.nr = -1,
		.kind = LAB_WAIT_KLOCK,
	};
	wait_add(&k, now - s->work.klock_since);
	s->work.klock_since = 0;
	e = event_new(LAB_EV_LOCK_END, now, tid,
		      bpf_get_current_pid_tgid() >> 32);
	if (e) {
		e->value = (__u64)lock;
		e->aux = ret;
		event_submit(e);
	}
	return 0;
}
