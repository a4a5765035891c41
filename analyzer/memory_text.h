/* memory_text.h - a run's memory (memory.h) in words, for the terminal
 * and the HTML report. */
#ifndef LAB_MEMORY_TEXT_H
#define LAB_MEMORY_TEXT_H

#include <stddef.h>
#include "analyzer/report.h"

/* "memory at the peak (201 threads alive): PSS 8,221 kB in 201
 * processes, page tables 8,844 kB": false when the trace has no peak
 * sample. */
bool memory_text_peak(char *buf, size_t len, const struct run_report *r);
/* "a process added 36 kB of its own pages, 44 kB of page tables and
 * 21.7 kB in the kernel (16 kB stack, 5.7 kB task_struct)", one clause
 * a kind of task the run added; false when it added none. */
bool memory_text_costs(char *buf, size_t len, const struct run_report *r);
/* A task's kernel memory: "21.7 kB (16 kB stack, 5.7 kB task_struct)",
 * "16 kB (its stack; task_struct not readable)". */
const char *memory_text_kernel(char *buf, size_t len,
			       const struct lab_trace_info *info);

#endif /* LAB_MEMORY_TEXT_H */
