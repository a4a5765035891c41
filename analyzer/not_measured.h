/* not_measured.h - the words the reports use for the figures the
 * recording kernel could not measure (enum lab_not_measured): the probe
 * behind them was missing there, so they read as absent, never as 0. A
 * trace that does not say (older ones) gets no words, never a guess. */
#ifndef LAB_NOT_MEASURED_H
#define LAB_NOT_MEASURED_H

#include <stdbool.h>
#include <stddef.h>
#include "probes/trace_format.h"

/* One figure a kernel may lack. */
struct not_measured_figure {
	unsigned bit;	  /* enum lab_not_measured; 0 ends the list */
	const char *key;  /* "kernel_lock_waits": the JSON's name */
	const char *what; /* "kernel lock waits" */
	const char *why;  /* "no lock:contention tracepoints, Linux 5.19 on" */
};

/* The figures in the order the reports list them. */
extern const struct not_measured_figure not_measured_figures[];

/* Whether the trace says its kernel could not measure bit. */
bool not_measured(const struct lab_trace_info *in, unsigned bit);
/* The terminal's line, "not measured on this kernel: kernel lock waits
 * (no lock:contention tracepoints, Linux 5.19 on)", in buf, the reasons
 * in brackets only with why; false (and buf "") when every figure was
 * measured or the trace does not say. */
bool not_measured_line(char *buf, size_t size, const struct lab_trace_info *in,
		       bool why);

#endif /* LAB_NOT_MEASURED_H */
