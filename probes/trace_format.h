/* trace_format.h - the trace file: the contract between probes/ (writer)
 * and analyzer/ (reader). The byte layout is described in
 * docs/trace-format.md; everything on disk is little-endian.
 */
#ifndef LAB_TRACE_FORMAT_H
#define LAB_TRACE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "probes/events.h"
#include "probes/marks.h"

/* Version 2: THREADS records without the kernel's working state, each
 * as long as its chunk says; version 1 had them at a fixed 552 bytes. */
#define LAB_TRACE_VERSION 2

/* File header: magic, u32 version, u32 fields_len, the fields as
 * tag-length-value entries, then a CRC-32 of everything before it. The
 * magic's 0x89 catches 7-bit transfers, "\r\n" and "\n" catch line-ending
 * conversion, 0x1a stops a DOS "type". */
#define LAB_TRACE_MAGIC	     "\x89LAB\r\n\x1a\n"
#define LAB_TRACE_MAGIC_LEN  8
#define LAB_TRACE_FIXED_LEN  16	   /* magic, version, fields_len */
#define LAB_TRACE_MAX_FIELDS 65536 /* limit on fields_len */

/* Header field tags: u16 tag, u16 length, then length bytes. Strings are
 * stored without their NUL; integers are little-endian of the given size.
 * A reader skips tags it does not know, so fields can be added without a
 * version change. */
enum lab_trace_tag {
	LAB_TAG_LAB_VERSION = 1,	   /* string */
	LAB_TAG_KERNEL = 2,		   /* string */
	LAB_TAG_MACHINE = 3,		   /* string */
	LAB_TAG_CPU_MODEL = 4,		   /* string */
	LAB_TAG_CPU_COUNT = 5,		   /* u32 */
	LAB_TAG_WORKLOAD = 6,		   /* string */
	LAB_TAG_PARAMS = 7,		   /* string */
	LAB_TAG_CMDLINE = 8,		   /* string */
	LAB_TAG_START_REALTIME_NS = 9,	   /* u64 */
	LAB_TAG_START_NS = 10,		   /* u64 */
	LAB_TAG_HYPERVISOR = 11,	   /* string */
	LAB_TAG_TLB_TAGS = 12,		   /* string */
	LAB_TAG_PAGE_TABLE_ISOLATION = 13, /* string */
	LAB_TAG_TICK_NS = 14,		   /* u64 */
	LAB_TAG_KERNEL_STACK = 15, /* u64: bytes of a task's kernel stack */
	LAB_TAG_TASK_STRUCT = 16,  /* u64: bytes of a task_struct */
	LAB_TAG_TRACER_PID = 17,   /* u32 */
	LAB_TAG_NOT_MEASURED = 18, /* u32: enum lab_not_measured bits */
};

/* Figures the recording kernel could not measure, as bits: it lacked
 * the optional probe behind them (probes/probe_compat.h). */
enum lab_not_measured {
	LAB_NM_KLOCK_WAITS = 1u << 0,	     /* no lock:contention_begin/end */
	LAB_NM_PAGE_FAULTS = 1u << 1,	     /* no exceptions:page_fault_user */
	LAB_NM_COROUTINE_SWITCHES = 1u << 2, /* no uprobes for lab:mark */
};

/* Chunk header: seven little-endian u32 in this order, then comp_len
 * bytes of zlib stream that inflate to raw_len bytes of records. */
#define LAB_CHUNK_MAGIC	     0x4b48434cu /* "LCHK" as bytes on disk */
#define LAB_CHUNK_HEADER_LEN 28
#define LAB_CHUNK_MAX_RAW    (64u << 20) /* limit on raw_len */
#define LAB_CHUNK_MAX_EVENTS 65536	 /* events per chunk the writer emits */
#define LAB_DEFLATE_LEVEL    1		 /* the write path favours speed */

struct lab_chunk_header {
	uint32_t magic;	   /* LAB_CHUNK_MAGIC */
	uint32_t type;	   /* enum lab_chunk_type */
	uint32_t count;	   /* records in the chunk */
	uint32_t raw_len;  /* inflated length: count * record size */
	uint32_t comp_len; /* length of the zlib stream that follows */
	uint32_t raw_crc;  /* CRC-32 of the raw_len inflated bytes */
	uint32_t head_crc; /* CRC-32 of the 24 header bytes before it */
};

enum lab_chunk_type {
	LAB_CHUNK_EVENTS = 1,  /* struct lab_event[] in the order received */
	LAB_CHUNK_THREADS = 2, /* struct lab_thread_stats[], the kernel's
				  counters; see LAB_THREAD_RECORD_MIN */
	LAB_CHUNK_DROPS =
		3, /* uint64_t[] events lost to a full ring, per CPU */
	LAB_CHUNK_SUMMARY = 4, /* one struct lab_run_summary; last chunk of a
				  complete trace */
	LAB_CHUNK_MAPS =
		5, /* struct lab_map[]: memory maps of traced processes */
	LAB_CHUNK_MEMORY = 6, /* struct lab_memory[]: the run's processes'
				 memory at the samples of memory_watch.h */
	LAB_CHUNK_WAITS = 7,  /* struct lab_wait[]: the kernel's sums of
				 waits, written at the end of the run */
};

/* A WAITS record of this kind counts, in sum.count, the waits the
 * kernel could not sum (its map was full). */
#define LAB_WAIT_LOST 0xffffffffu
/* A WAITS record of this kind says futex EAGAIN returns were counted
 * (LAB_WAIT_RETRY records; lab run --futex-retries). */
#define LAB_WAIT_RETRIES_COUNTED 0xfffffffeu

/* From version 2 on, a THREADS record is raw_len / count bytes, as the
 * chunk says, so counters can be added at its end without a new
 * version: a reader takes the fields it knows from each record's start
 * and skips the rest, and reads a field past a record's end as 0. No
 * record is shorter than the one version 2 began with. */
#define LAB_THREAD_RECORD_MIN 496
_Static_assert(sizeof(struct lab_thread_stats) >= LAB_THREAD_RECORD_MIN,
	       "THREADS records only grow");
/* Version 1's THREADS record: the counters among the kernel's working
 * state (docs/trace-format.md has its layout). */
#define LAB_THREAD_RECORD_V1 552

#define LAB_MAP_PATH_LEN     232

/* One line of /proc/<pid>/maps, taken while the process ran, so user
 * addresses (futex words) can be named later: a symbol in a mapped file,
 * or [heap], [stack], anonymous memory. */
struct lab_map {
	uint64_t start, end; /* addresses [start, end) */
	uint64_t offset;     /* file offset of start */
	uint32_t pid;	     /* the process (tgid) it belongs to */
	uint32_t prot;	     /* LAB_MAP_READ | _WRITE | _EXEC | _SHARED */
	char path[LAB_MAP_PATH_LEN]; /* file, "[heap]", "[stack]", "" */
};
_Static_assert(sizeof(struct lab_map) == 264, "lab_map layout");

/* One process of the run at one sample: /proc/PID/smaps_rollup and the
 * VmPTE of /proc/PID/status, in KiB as the kernel gives them. */
struct lab_memory {
	uint64_t time_ns; /* CLOCK_MONOTONIC of the sample */
	uint32_t point;	  /* enum lab_memory_point (marks.h) */
	uint32_t pid;
	uint32_t threads; /* its threads the probes track, alive */
	uint32_t pad;	  /* zero */
	uint64_t rss_kb;
	uint64_t pss_kb;
	uint64_t uss_kb; /* Private_Clean + Private_Dirty */
	uint64_t pss_anon_kb;
	uint64_t pss_file_kb;
	uint64_t pss_shmem_kb;
	uint64_t swap_kb;
	uint64_t pte_kb; /* its page tables (VmPTE) */
};
_Static_assert(sizeof(struct lab_memory) == 88, "lab_memory layout");

#define LAB_MAP_READ   0x1
#define LAB_MAP_WRITE  0x2
#define LAB_MAP_EXEC   0x4
#define LAB_MAP_SHARED 0x8

/* What a trace says about where and how it was recorded. Strings are
 * NUL-terminated, truncated to fit. */
struct lab_trace_info {
	uint32_t version; /* format version of the file */
	char lab_version[32];
	char kernel[128];    /* uname -r */
	char machine[32];    /* uname -m */
	char cpu_model[128]; /* /proc/cpuinfo "model name" */
	uint32_t cpu_count;  /* online CPUs */
	char workload[64];   /* "io-threads", or the command's basename */
	char params[256];    /* "tasks=10 duration=1.5" */
	char cmdline[1024];  /* what was run, arguments separated by spaces */
	uint64_t start_realtime_ns; /* wall clock at start (CLOCK_REALTIME) */
	uint64_t start_ns; /* CLOCK_MONOTONIC at start: events' time base */
	/* "none", the hypervisor's name, "unknown"; "" in older traces */
	char hypervisor[32];
	/* What sets the cost of a switch here; ""/0 in older traces.
	 * "pcid", "pcid invpcid", "none" (x86), "asid" (arm64), "unknown" */
	char tlb_tags[32];
	/* the vulnerabilities/meltdown file: "Mitigation: PTI", ... */
	char page_table_isolation[64];
	uint64_t tick_ns; /* scheduler tick period (the jiffy) */
	/* Kernel memory of every task (thread or process) that user space
	 * cannot see: its kernel stack (THREAD_SIZE of the architecture)
	 * and its task_struct (the slab's object size, readable by root
	 * only); 0 when not known */
	uint64_t kernel_stack_bytes;
	uint64_t task_struct_bytes;
	/* the process that drained the probes: lab itself, whose share of
	 * the CPUs the run's threads saw; 0 in older traces */
	uint32_t tracer_pid;
	/* enum lab_not_measured: figures this kernel could not measure */
	uint32_t not_measured;
	/* not on disk: whether the trace says not_measured (older traces
	 * do not: what they measured is not known) */
	bool not_measured_known;
};

#define LAB_RUN_INCOMPLETE 0x1 /* interrupted, timed out or killed */

/* How the run ended; written last, so a trace without it was cut short. */
struct lab_run_summary {
	uint64_t end_ns;     /* CLOCK_MONOTONIC when tracing stopped */
	uint64_t events;     /* events written to the trace */
	uint64_t dropped;    /* events lost to a full ring buffer, all CPUs */
	uint64_t untracked;  /* threads not tracked because the map was full */
	int32_t exit_status; /* waitpid status of the workload's root */
	uint32_t flags;	     /* LAB_RUN_* */
	/* getrusage(RUSAGE_CHILDREN) of the workload, after it was reaped */
	uint64_t utime_ns;
	uint64_t stime_ns;
	uint64_t maxrss_kb;
	uint64_t minflt;
	uint64_t majflt;
	uint64_t nvcsw;
	uint64_t nivcsw;
};

/* Record payloads are these structs as x86-64 lays them out: no padding,
 * little-endian. */
_Static_assert(sizeof(struct lab_run_summary) == 96, "lab_run_summary layout");

/* Size of one record of a chunk type as this lab writes it, 0 for a
 * type it does not know. */
static inline size_t lab_chunk_record_size(uint32_t type)
{
	switch (type) {
	case LAB_CHUNK_EVENTS:
		return sizeof(struct lab_event);
	case LAB_CHUNK_THREADS:
		return sizeof(struct lab_thread_stats);
	case LAB_CHUNK_DROPS:
		return sizeof(uint64_t);
	case LAB_CHUNK_SUMMARY:
		return sizeof(struct lab_run_summary);
	case LAB_CHUNK_MAPS:
		return sizeof(struct lab_map);
	case LAB_CHUNK_MEMORY:
		return sizeof(struct lab_memory);
	case LAB_CHUNK_WAITS:
		return sizeof(struct lab_wait);
	}
	return 0;
}

#endif /* LAB_TRACE_FORMAT_H */
