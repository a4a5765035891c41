/* trace_format.h - the trace file: the contract between probes/ (writer)
 * and analyzer/ (reader). The byte layout is described in
 * docs/trace-format.md; everything on disk is little-endian.
 */
#ifndef LAB_TRACE_FORMAT_H
#define LAB_TRACE_FORMAT_H

#include <stdint.h>
#include <linux/types.h>
#include "events.h"

#define LAB_TRACE_VERSION 1

enum lab_chunk_type {
	LAB_CHUNK_EVENTS = 1,  /* struct lab_event[] in ring-buffer order */
	LAB_CHUNK_THREADS = 2, /* struct lab_thread_stats[], the kernel's counters */
	LAB_CHUNK_DROPS = 3,   /* uint64_t[] events lost to a full ring, per CPU */
	LAB_CHUNK_SUMMARY = 4, /* one struct lab_run_summary; last chunk of a complete trace */
};

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
	uint64_t start_ns;	    /* CLOCK_MONOTONIC at start: events' time base */
};

#define LAB_RUN_INCOMPLETE 0x1 /* interrupted, timed out or killed */

/* How the run ended; written last, so a trace without it was cut short. */
struct lab_run_summary {
	uint64_t end_ns; /* CLOCK_MONOTONIC when tracing stopped */
	uint64_t events; /* events written to the trace */
	uint64_t dropped; /* events lost to a full ring buffer, all CPUs */
	uint64_t untracked; /* threads not tracked because the map was full */
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

#endif /* LAB_TRACE_FORMAT_H */
