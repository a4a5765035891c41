/* memory_text.h - a run's memory (memory.h) in words, for the terminal
 * and the HTML report. */
#ifndef LAB_MEMORY_TEXT_H
#define LAB_MEMORY_TEXT_H

#include <stddef.h>
#include "analyzer/report.h"

/* "memory at the peak: PSS 8,221 kB and page tables 8,844 kB in 201
 * processes": false when the trace has no peak sample. */
bool memory_text_peak(char *buf, size_t len, const struct run_report *r);
/* "a task added: process 105.7 kB (pages 36.0, page tables 48.0,
 * kernel 21.7)", a clause a kind of task the run added; false when it
 * added none. */
bool memory_text_costs(char *buf, size_t len, const struct run_report *r);

#endif /* LAB_MEMORY_TEXT_H */
