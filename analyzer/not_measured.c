/* not_measured.c - the figures a trace's kernel could not measure,
 * named for the reports. */
#include <stdio.h>
#include "analyzer/not_measured.h"

const struct not_measured_figure not_measured_figures[] = {
	{LAB_NM_KLOCK_WAITS, "kernel_lock_waits", "kernel lock waits",
	 "no lock:contention tracepoints, Linux 5.19 on"},
	{LAB_NM_PAGE_FAULTS, "page_faults", "page faults per thread",
	 "no exceptions:page_fault_user tracepoint, x86 only"},
	{LAB_NM_COROUTINE_SWITCHES, "coroutine_switches", "coroutine switches",
	 "no uprobe events for the lab:mark markers, CONFIG_UPROBE_EVENTS"},
	{0, NULL, NULL, NULL},
};

bool not_measured(const struct lab_trace_info *in, unsigned bit)
{
	return in->not_measured_known && (in->not_measured & bit);
}

bool not_measured_line(char *buf, size_t size, const struct lab_trace_info *in,
		       bool why)
{
	size_t n = 0;

	buf[0] = '\0';
	for (const struct not_measured_figure *f = not_measured_figures; f->bit;
	     f++) {
		int w;

		if (!not_measured(in, f->bit))
			continue;
		w = snprintf(
			buf + n, size - n, "%s%s%s%s%s",
			n ? ", " : "not measured on this kernel: ", f->what,
			why ? " (" : "", why ? f->why : "", why ? ")" : "");
		if (w < 0 || (size_t)w >= size - n)
			break;
		n += (size_t)w;
	}
	return n > 0;
}
