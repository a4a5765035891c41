/* offcpu.h - why a thread is off the CPU: the syscall it blocked inside
 * (LAB_EV_BLOCK), grouped into the reasons of enum offcpu_reason.
 *
 * Syscall numbers belong to the recording machine's architecture (the
 * trace header's `machine`), so the table is chosen from it.
 */
#ifndef LAB_OFFCPU_H
#define LAB_OFFCPU_H

#include <stdbool.h>
#include <stdint.h>
#include "analyzer/report.h"

enum sys_abi {
	SYS_ABI_UNKNOWN, /* numbers not known: every syscall is "other" */
	SYS_ABI_X86_64,
	SYS_ABI_ARM64,
};

/* The table for a `uname -m`; "" (no machine recorded) is x86-64, the
 * architecture the probes were first built for. */
enum sys_abi offcpu_abi(const char *machine);
enum offcpu_reason offcpu_reason_of(enum sys_abi abi, uint32_t nr);
/* futex(2) itself, whose first two arguments are the lock word and the
 * op (futex_waitv's first is an array of words, not one). */
bool offcpu_is_futex(enum sys_abi abi, uint32_t nr);

/* "futex", "read", ...: the JSON key */
const char *offcpu_reason_key(enum offcpu_reason r);
/* "futex", "read/recv", ...: for the terminal */
const char *offcpu_reason_label(enum offcpu_reason r);

uint64_t offcpu_total(const struct state_times *t);
void offcpu_times_add(struct state_times *sum, const struct state_times *t);

#endif /* LAB_OFFCPU_H */
