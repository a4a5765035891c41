/* gate.h - a start gate: tasks wait at it until the root lets them all go
 * at once, or calls the run off because some of them could not be made.
 *
 * The gate is one futex word, closed when zero: a word in a MAP_SHARED
 * mapping starts closed and holds processes as well as threads. Waiting
 * tasks sleep in the kernel, so the last to be made is not slowed by the
 * first spinning.
 */
#ifndef LAB_GATE_H
#define LAB_GATE_H

#include <stdint.h>

enum gate_state { GATE_CLOSED, GATE_OPEN, GATE_CALLED_OFF };

/* Waits until the gate is no longer closed: 1 when it opened for work, 0
 * when the run was called off. */
int gate_wait(uint32_t *gate);

/* Sets the gate to how, GATE_OPEN or GATE_CALLED_OFF, and wakes every
 * task waiting at it. */
void gate_set(uint32_t *gate, enum gate_state how);

#endif /* LAB_GATE_H */
