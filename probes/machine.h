/* machine.h - where a trace is recorded: lab, kernel, CPU, hypervisor,
 * and what on this machine sets the cost of a switch. */
#ifndef LAB_MACHINE_H
#define LAB_MACHINE_H

#include "probes/trace_format.h"

/* Fills the environment fields of info: format and lab version, kernel
 * release, architecture, CPU model and count, hypervisor, TLB tags,
 * page-table isolation, scheduler tick. */
void machine_describe(struct lab_trace_info *info);

#endif /* LAB_MACHINE_H */
