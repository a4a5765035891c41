/* machine_text.h - the words the reports use for what sets the cost of
 * a switch on the machine a trace was recorded on: TLB tags, page-table
 * isolation, the scheduler tick. A trace that did not record one (lab
 * 0.1's) gets no words for it, never a guess. */
#ifndef LAB_MACHINE_TEXT_H
#define LAB_MACHINE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "probes/trace_format.h"

/* "PCID, INVPCID", "PCID", "ASID", "none (no PCID)", "unknown", another
 * recorded word as it is, "" when not recorded. */
const char *machine_text_tlb_tags(const char *tags);
/* true when the recorded tags say TLB entries carry their address
 * space */
bool machine_text_tlb_tagged(const char *tags);
/* "4 ms", "3.33 ms": the tick period in buf; "" for 0 (not recorded) */
const char *machine_text_tick(char *buf, size_t size, uint64_t tick_ns);
/* CONFIG_HZ, the ticks a second the period comes from: 250 for 4 ms */
unsigned int machine_text_hz(uint64_t tick_ns);
/* Which fair scheduler the kernel release has: 1 EEVDF (6.6 and
 * later), 0 CFS (before), -1 when the release does not say. */
int machine_text_eevdf(const char *kernel);
/* The terminal's line, "TLB tags: none (no PCID); page-table isolation:
 * Mitigation: PTI; tick: 4 ms", of what the trace recorded;
 * false (and buf "") when it recorded none of them. */
bool machine_text_line(char *buf, size_t size, const struct lab_trace_info *in);

#endif /* LAB_MACHINE_TEXT_H */
