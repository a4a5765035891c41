/* thread_records.c - a THREADS chunk of any format version as the
 * struct lab_thread_stats this lab knows. */
#include <string.h>
#include "analyzer/thread_records.h"

/* Version 1's record: the counters among the kernel's working state. */
struct thread_record_v1 {
	uint32_t tid, pid, parent_tid, flags;
	char comm[LAB_COMM_LEN];
	uint64_t voluntary_switches, involuntary_switches, oncpu_ns;
	uint64_t runq_wait_ns, runq_count, runq_max_ns, wakeups;
	uint64_t user_switches, start_ns, exit_ns;
	int32_t exit_code;
	uint32_t runnable_asleep;	      /* working state */
	uint64_t oncpu_since, runnable_since; /* working state */
	uint64_t runq_hist[LAB_HIST_SLOTS];
	uint64_t migrations, page_faults, klock_wait_ns, klock_count;
	uint64_t reserved[3];
	uint64_t klock_since; /* working state */
	uint64_t runq_wait_asleep_ns, create_call_ns, create_calls;
	uint64_t reserved_end;
};
_Static_assert(sizeof(struct thread_record_v1) == LAB_THREAD_RECORD_V1,
	       "version 1 THREADS record");

static void decode_v1(const uint8_t *raw, struct lab_thread_stats *t)
{
	struct thread_record_v1 v;

	memcpy(&v, raw, sizeof(v)); /* raw need not be aligned */
	memset(t, 0, sizeof(*t));
	t->tid = v.tid;
	t->pid = v.pid;
	t->parent_tid = v.parent_tid;
	t->flags = v.flags;
	memcpy(t->comm, v.comm, sizeof(t->comm));
	t->voluntary_switches = v.voluntary_switches;
	t->involuntary_switches = v.involuntary_switches;
	t->oncpu_ns = v.oncpu_ns;
	t->runq_wait_ns = v.runq_wait_ns;
	t->runq_count = v.runq_count;
	t->runq_max_ns = v.runq_max_ns;
	t->wakeups = v.wakeups;
	t->user_switches = v.user_switches;
	t->start_ns = v.start_ns;
	t->exit_ns = v.exit_ns;
	t->exit_code = v.exit_code;
	memcpy(t->runq_hist, v.runq_hist, sizeof(t->runq_hist));
	t->migrations = v.migrations;
	t->page_faults = v.page_faults;
	t->klock_wait_ns = v.klock_wait_ns;
	t->klock_count = v.klock_count;
	t->runq_wait_asleep_ns = v.runq_wait_asleep_ns;
	t->create_call_ns = v.create_call_ns;
	t->create_calls = v.create_calls;
}

/* The known prefix of a record of any size from version 2 on: a longer
 * one has fields of a newer lab, a shorter one lacks this lab's last. */
static void decode_sized(const uint8_t *raw, size_t size,
			 struct lab_thread_stats *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t, raw, size < sizeof(*t) ? size : sizeof(*t));
}

void thread_records_decode(uint32_t version, const uint8_t *raw, size_t raw_len,
			   size_t count, struct lab_thread_stats *out)
{
	size_t size = count ? raw_len / count : 0;

	for (size_t i = 0; i < count; i++) {
		if (version == 1)
			decode_v1(raw + i * size, &out[i]);
		else
			decode_sized(raw + i * size, size, &out[i]);
	}
}
