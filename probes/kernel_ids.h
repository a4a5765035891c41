/* kernel_ids.h - kernel addresses replaced by per-trace ids.
 *
 * A trace recorded under sudo belongs to a user who may not read kernel
 * addresses (/proc/kallsyms shows them zeros): a lock's address would
 * tell them where the kernel lies (KASLR). Their trace names each kernel
 * lock by an id instead: 1, 2, 3, ... in order of first appearance, so
 * the same lock keeps the same id through the trace.
 */
#ifndef LAB_KERNEL_IDS_H
#define LAB_KERNEL_IDS_H

#include <stdint.h>

struct kernel_ids;

struct kernel_ids *kernel_ids_new(void);
/* The id of addr, given one at its first sight; 0 when out of memory. */
uint64_t kernel_ids_of(struct kernel_ids *k, uint64_t addr);
void kernel_ids_free(struct kernel_ids *k);

#endif /* LAB_KERNEL_IDS_H */
