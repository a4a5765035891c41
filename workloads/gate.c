/* gate.c - a start gate (see gate.h) */
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "workloads/gate.h"

static long gate_futex(uint32_t *word, int op, uint32_t val)
{
	/* not FUTEX_PRIVATE: the word may be shared between processes */
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

int gate_wait(uint32_t *gate)
{
	uint32_t g;

	while ((g = __atomic_load_n(gate, __ATOMIC_ACQUIRE)) == GATE_CLOSED)
		gate_futex(gate, FUTEX_WAIT, GATE_CLOSED);
	return g == GATE_OPEN;
}

void gate_set(uint32_t *gate, enum gate_state how)
{
	__atomic_store_n(gate, how, __ATOMIC_RELEASE);
	gate_futex(gate, FUTEX_WAKE, INT_MAX);
}
