// SPDX-License-Identifier: GPL-2.0
/* lab.bpf.c - the kernel side: per-thread scheduler counters and an event
 * stream, for the workload's threads only.
 *
 * A thread is tracked exactly when it has task storage in `tasks`, which
 * names its slot in `threads`: user space seeds the workload's root
 * before releasing it, fork/clone of a tracked task adds the child with
 * the next free slot, and a slot is never reused (a reused tid starts
 * afresh in a new one). Every probe asks `tasks` first: the machine's
 * other tasks, which are most of what the probes see, cost one load
 * each; a tracked one's counters are then an array index away. Only BTF
 * tracepoints and USDT are used: kprobes, fentry and tracefs are unavailable on
 * many kernels. docs/performance.md has what each probe costs.
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

/* the run's threads, living and dead, in the order they were made;
 * mapped by user space, which reads them without a system call each */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 32768);
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
	LAB_CNT_UNTRACKED,  /* every slot of `threads` taken */
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

__u32 slots_used; /* entries of `threads` taken */
const struct lab_wait_sum zero_sum = {};

static __always_inline void count_n(enum lab_counter c, __u64 n)
{
	__u32 key = c;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);

	if (v)
		*v += n;
}

static __always_inline void count(enum lab_counter c)
{
	count_n(c, 1);
}

/* Waits into their sum in `waits`, created on first use. */
static __always_inline void wait_add(struct lab_wait_key *k,
				     const struct lab_wait_sum *add)
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
	__sync_fetch_and_add(&w->count, add->count);
	__sync_fetch_and_add(&w->total_ns, add->total_ns);
	if (add->max_ns > w->max_ns)
		w->max_ns = add->max_ns;
}

/* Room for a record of size bytes in the ring buffer, or NULL: the
 * trace's events it stood for counted as dropped. */
static __always_inline void *event_reserve(__u64 size, __u64 events_in_it)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		count_n(LAB_CNT_DROPPED, events_in_it);
	return e;
}

static __always_inline void event_fill(struct lab_event *e, __u8 type, __u64 ts,
				       __u32 tid, __u32 pid)
{
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
}

static __always_inline struct lab_event *event_new(__u8 type, __u64 ts,
						   __u32 tid, __u32 pid)
{
	struct lab_event *e = event_reserve(sizeof(*e), 1);

	if (e)
		event_fill(e, type, ts, tid, pid);
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

/* A tracked task's counters: an array lookup, which the verifier turns
 * into an address computation. */
static __always_inline struct lab_thread *thread_of(struct lab_task *task)
{
	__u32 slot;

	if (!task)
		return NULL;
	slot = task->slot;
	return bpf_map_lookup_elem(&threads, &slot);
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

/* The thread's recent waits into `waits` (see lab_thread_work). */
static __always_inline void recent_flush(struct lab_thread *s)
{
	struct lab_thread_work *w = &s->work;
	struct lab_wait_key k = {
		.addr = w->recent_addr,
		.tid = s->stats.tid,
		.pid = s->stats.pid,
		.nr = w->recent_nr,
		.op = w->recent_op,
		.kind = LAB_WAIT_BLOCKED,
	};

	if (!w->recent.count)
		return;
	wait_add(&k, &w->recent);
	w->recent.count = w->recent.total_ns = w->recent.max_ns = 0;
}

static __always_inline void sum_add(struct lab_wait_sum *sum, __u64 d)
{
	sum->count++;
	sum->total_ns += d;
	if (d > sum->max_ns)
		sum->max_ns = d;
}

/* ... and ends (its wakeup, else its next switch-in): summed per thread
 * and syscall, futex word and op. */
static __always_inline void block_end(struct lab_thread *s, __u64 now)
{
	struct lab_thread_work *w = &s->work;
	__u64 since = w->blocked_since, d = now > since ? now - since : 0;

	w->blocked_since = 0;
	if (w->recent_addr != w->block_addr || w->recent_nr != w->block_nr ||
	    w->recent_op != w->block_op) {
		recent_flush(s);
		w->recent_addr = w->block_addr;
		w->recent_nr = w->block_nr;
		w->recent_op = w->block_op;
	}
	sum_add(&w->recent, d);
}

/* The thread's sums against one other task (lab_thread_work) into
 * `waits`: those followed by a run, and those that were not. */
static __always_inline void party_flush(struct lab_thread *s, __u32 kind,
					__u64 party, struct lab_wait_sum *ran,
					__u64 *found)
{
	struct lab_wait_key k = {
		.addr = party,
		.tid = s->stats.tid,
		.pid = s->stats.pid,
		.nr = -1,
		.op = LAB_PARTY_RAN,
		.kind = kind,
	};

	if (ran->count) {
		wait_add(&k, ran);
		ran->count = ran->total_ns = ran->max_ns = 0;
	}
	if (found && *found) {
		struct lab_wait_sum f = {.count = *found};

		k.op = LAB_PARTY_FOUND;
		wait_add(&k, &f);
		*found = 0;
	}
}

static __always_inline void parties_flush(struct lab_thread *s)
{
	struct lab_thread_work *w = &s->work;

	party_flush(s, LAB_WAIT_WOKEN, w->woken_party, &w->woken_ran,
		    &w->woken_found);
	party_flush(s, LAB_WAIT_PREEMPTED, w->preempt_party, &w->preempt_ran,
		    &w->preempt_found);
}

/* A wakeup of s by party: found it on a CPU or queued, else followed by
 * a run after d ns. */
static __always_inline void woken_add(struct lab_thread *s, __u64 party,
				      bool found, __u64 d)
{
	struct lab_thread_work *w = &s->work;

	if (w->woken_party != party) {
		party_flush(s, LAB_WAIT_WOKEN, w->woken_party, &w->woken_ran,
			    &w->woken_found);
		w->woken_party = party;
	}
	if (found)
		w->woken_found++;
	else
		sum_add(&w->woken_ran, d);
}

/* A blocked thread's wakeup was to go out with its switch in, but the
 * thread is seen again without it: a probe missed the switch (one way:
 * bpf_task_storage_get gives nothing while another task storage call is
 * in progress on that CPU). The wakeup goes out now, on its own, at its
 * time, as one not followed by a run the probes saw. */
static __always_inline void woken_unseen(struct lab_thread *s)
{
	struct lab_thread_work *w = &s->work;
	struct lab_event *e;

	if (!w->woken)
		return;
	w->woken = 0;
	woken_add(s, w->woken_by, true, 0);
	e = event_new(LAB_EV_WAKEUP, w->runnable_since, s->stats.tid,
		      s->stats.pid);
	if (e) {
		e->other_tid = (__u32)w->woken_by;
		e->other_pid = w->woken_by >> 32;
		e->aux = bpf_get_smp_processor_id();
		event_submit(e);
	}
}

/* party took s's CPU: s ran again d ns later, or found: not seen to. */
static __always_inline void preempt_add(struct lab_thread *s, __u64 party,
					bool found, __u64 d)
{
	struct lab_thread_work *w = &s->work;

	if (w->preempt_party != party) {
		party_flush(s, LAB_WAIT_PREEMPTED, w->preempt_party,
			    &w->preempt_ran, &w->preempt_found);
		w->preempt_party = party;
	}
	if (found)
		w->preempt_found++;
	else
		sum_add(&w->preempt_ran, d);
}

static __always_inline void runq_add(struct lab_thread *s, __u64 delay,
				     bool asleep)
{
	s->stats.runq_wait_ns += delay;
	s->stats.runq_count++;
	if (delay > s->stats.runq_max_ns)
		s->stats.runq_max_ns = delay;
	s->stats.runq_hist[log2_slot(delay)]++;
	if (asleep)
		s->stats.runq_wait_asleep_ns += delay;
}

static __always_inline void rec_block(struct lab_rec_block *b,
				      struct pt_regs *regs, long nr)
{
	b->arg1 = PT_REGS_PARM1_SYSCALL(regs);
	b->arg2 = PT_REGS_PARM2_SYSCALL(regs);
	b->nr = nr;
}

static __always_inline void rec_woken(struct lab_rec_woken *w, __u64 ts,
				      __u64 waker)
{
	w->ts = ts;
	w->waker_tid = (__u32)waker;
	w->waker_pid = waker >> 32;
}

/* The switch's record, with what prev blocks in (regs, nr) and when next
 * was woken and by whom (woken_ts, waker) when they are to go with it. */
static __always_inline struct lab_event *
switch_record(struct pt_regs *regs, long nr, __u64 woken_ts, __u64 waker)
{
	bool block = regs && nr >= 0, woken = woken_ts;
	struct lab_event *e = NULL;

	if (block && woken) {
		struct {
			struct lab_event e;
			struct lab_rec_block b;
			struct lab_rec_woken w;
		} *r = event_reserve(sizeof(*r), 3);

		if (r) {
			rec_block(&r->b, regs, nr);
			rec_woken(&r->w, woken_ts, waker);
			e = &r->e;
		}
	} else if (block) {
		struct {
			struct lab_event e;
			struct lab_rec_block b;
		} *r = event_reserve(sizeof(*r), 2);

		if (r) {
			rec_block(&r->b, regs, nr);
			e = &r->e;
		}
	} else if (woken) {
		struct {
			struct lab_event e;
			struct lab_rec_woken w;
		} *r = event_reserve(sizeof(*r), 2);

		if (r) {
			rec_woken(&r->w, woken_ts, waker);
			e = &r->e;
		}
	} else {
		e = event_reserve(sizeof(*e), 1);
	}
	if (e)
		e->flags = (block ? LAB_REC_BLOCK : 0) |
			   (woken ? LAB_REC_WOKEN : 0);
	return e;
}

static __always_inline int on_switch(bool preempt, struct task_struct *prev,
				     struct task_struct *next,
				     unsigned int prev_state)
{
	__u32 prev_tid = prev->pid, next_tid = next->pid;
	struct lab_thread *p = thread_of(task_of(prev)),
			  *n = thread_of(task_of(next));
	struct pt_regs *regs = NULL;
	long nr = -1;	    /* the syscall prev blocks in, if it does */
	__u64 now = 0;	    /* stays 0 when neither side is tracked */
	__u64 woken_ts = 0; /* next's wakeup, to go out with the switch */
	__u64 waker = 0;

	if (p) {
		int involuntary = preempt || prev_state == 0;

		/* what a switch in the probe missed left behind */
		woken_unseen(p);
		if (p->work.preempt_open)
			preempt_add(p, p->work.preempt_by, true, 0);
		now = bpf_ktime_get_ns();
		if (!n)
			name_task(next, now);
		if (involuntary) {
			p->stats.involuntary_switches++;
			p->work.runnable_since = now;
			p->work.runnable_asleep = prev_state != 0;
			p->work.preempt_open = 1;
			p->work.preempt_by = lab_party(next_tid, next->tgid);
		} else {
			p->stats.voluntary_switches++;
			p->work.runnable_since = 0;
			p->work.preempt_open = 0;
			regs = user_regs(prev);
			nr = syscall_of(regs);
			if (nr < 0)
				nr = -1;
			if (prev_state != LAB_TASK_DEAD)
				block_start(p, now, nr, regs);
		}
		if (p->work.oncpu_since)
			p->stats.oncpu_ns += now - p->work.oncpu_since;
		p->work.oncpu_since = 0;
		copy_comm(p, prev);
	}
	if (n) {
		__u64 wait = 0;

		if (!now)
			now = bpf_ktime_get_ns();
		if (n->work.runnable_since) {
			wait = now - n->work.runnable_since;
			runq_add(n, wait, n->work.runnable_asleep);
		}
		/* the wait goes to who woke it, or to who took its CPU */
		if (n->work.woken) {
			woken_ts = n->work.runnable_since;
			waker = n->work.woken_by;
			woken_add(n, waker, false, wait);
		} else if (n->work.preempt_open) {
			preempt_add(n, n->work.preempt_by, false, wait);
		}
		n->work.woken = 0;
		n->work.preempt_open = 0;
		n->work.runnable_since = 0;
		n->work.runnable_asleep = 0;
		n->work.oncpu_since = now;
		if (!n->stats.first_run_ns)
			n->stats.first_run_ns = now;
		if (n->work.blocked_since)
			block_end(n, now);
	}
	if (!now)
		return 0;

	struct lab_event *e = switch_record(regs, nr, woken_ts, waker);
	if (e) {
		__u8 rec = e->flags;

		event_fill(e, LAB_EV_SWITCH, now, prev_tid, prev->tgid);
		e->other_tid = next_tid;
		e->other_pid = next->tgid;
		e->value = prev_state;
		e->flags = rec | (preempt ? LAB_SWITCH_PREEMPT : 0);
		event_submit(e);
	}
	if (p && prev_state == LAB_TASK_DEAD) {
		recent_flush(p);
		parties_flush(p);
		p->work.retired = 1;
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
	struct lab_task *task = task_of(t);
	struct lab_thread *s = thread_of(task);
	__u32 tid = t->pid;
	__u64 now, waker;

	if (!s)
		return 0;
	now = bpf_ktime_get_ns();
	/* a wakeup of a task still on its CPU is not a run-queue wait; the
	 * switch that takes it off decides */
	if (!s->work.oncpu_since && !s->work.runnable_since)
		s->work.runnable_since = now;
	if (type == LAB_EV_WAKEUP)
		s->stats.wakeups++;
	if (s->work.blocked_since) {
		block_end(s, now);
		/* goes out with its switch in: one record for both */
		if (type == LAB_EV_WAKEUP) {
			woken_unseen(s);
			s->work.woken = 1;
			s->work.woken_by =
				lab_party(task->waker_tid, task->waker_pid);
			return 0;
		}
	} else if (type == LAB_EV_WAKEUP) {
		woken_add(s, lab_party(task->waker_tid, task->waker_pid), true,
			  0);
	}

	struct lab_event *e = event_new(type, now, tid, t->tgid);
	if (e) {
		/* a new task is woken by its creator, in its own context */
		if (type == LAB_EV_WAKEUP) {
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
	struct lab_task init = {};
	struct lab_thread *s;
	__u64 now;

	if (!task_of(parent))
		return 0;
	now = bpf_ktime_get_ns();
	/* a slot of its own, never reused: a fresh one is all zeros */
	init.slot = __sync_fetch_and_add(&slots_used, 1);
	s = bpf_map_lookup_elem(&threads, &init.slot);
	if (!s || !bpf_task_storage_get(&tasks, child, &init,
					BPF_LOCAL_STORAGE_GET_F_CREATE)) {
		count(LAB_CNT_UNTRACKED);
		return 0;
	}
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
	struct lab_thread *s = thread_of(task_of(t));

	if (!s)
		return 0;
	copy_comm(s, t);
	/* a non-leader thread that execs takes over the leader's tid; its
	 * waits so far were summed under the old one */
	if (old != tid) {
		recent_flush(s);
		parties_flush(s);
		s->stats.tid = tid;
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
	struct lab_thread *s = thread_of(task_of(t));
	__u64 now;

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
	struct lab_thread *s = thread_of(task_of(bpf_get_current_task_btf()));

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
	*tid = bpf_get_current_pid_tgid();
	return thread_of(task_of(bpf_get_current_task_btf()));
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
			struct lab_wait_sum one = {.count = 1};

			wait_add(&k, &one);
		}
		return 0;
	}
	/* the parent's side of a creation: the child returns 0 */
	if (ret <= 0 || !task->create_call_start ||
	    !is_create_call(syscall_of(user_regs(current))))
		return 0;
	struct lab_thread *s = current_thread(&tid);

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
	struct lab_thread *s = thread_of(task_of(t));
	struct lab_event *e;

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
	struct lab_wait_sum one = {1, now - s->work.klock_since,
				   now - s->work.klock_since};

	wait_add(&k, &one);
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
