/* locks.h - contended locks: the timeline adds each wait as it ends,
 * the report lists the locks with most total wait first.
 *
 * User-space locks are futex words. A private futex (FUTEX_PRIVATE_FLAG
 * in the op) is one process's: keyed by (pid, address). A shared one is
 * keyed by its address alone, since the pid would split one lock waited
 * on from several processes; but a process-shared mutex may sit at a
 * different address in each process, so such an entry can be one lock
 * seen from one process, or unrelated words that share an address.
 * Kernel locks are keyed by their kernel address, or by the per-trace id
 * that stands for it in traces recorded under sudo (klock_is_id).
 */
#ifndef LAB_LOCKS_H
#define LAB_LOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analyzer/hash.h"
#include "analyzer/report.h"

#define FUTEX_PRIVATE_FLAG 128
/* op & FUTEX_CMD_BITS is the command (FUTEX_CLOCK_REALTIME is 256) */
#define FUTEX_CMD_BITS 127

struct lock_entry;

/* A kernel lock's value in a trace recorded under sudo: not its address,
 * which would tell the user where kernel objects lie, but a per-trace id
 * (1, 2, ... in order of first appearance). Kernel addresses on x86-64
 * and arm64 are all at or above 0xffff000000000000, so any value below
 * 2^32 is an id: it names nothing and is shown as "kernel lock #N". */
static inline bool klock_is_id(uint64_t value)
{
	return value < (1ULL << 32);
}

struct lock_table {
	struct lock_entry *v; /* in order of first wait */
	size_t n, cap;
	struct hash_index index; /* of v, by lock */
};

/* true for the futex commands that sleep on the word: WAIT,
 * WAIT_BITSET, LOCK_PI, LOCK_PI2, WAIT_REQUEUE_PI */
bool locks_futex_op_waits(uint32_t op);

/* One wait of tid on a lock. pid is 0 for shared and kernel locks; ops
 * the futex command bits (0 for kernel locks). Returns 0, or -1 when out
 * of memory. */
int locks_add(struct lock_table *t, uint64_t addr, uint32_t pid, bool shared,
	      uint32_t ops, uint32_t tid, uint64_t wait_ns);
/* The same for w->count waits the kernel summed. */
int locks_add_sum(struct lock_table *t, uint64_t addr, uint32_t pid,
		  bool shared, uint32_t ops, uint32_t tid,
		  const struct lab_wait_sum *w);
/* n futex calls of tid on it that returned EAGAIN, not blocking. */
int locks_add_retries(struct lock_table *t, uint64_t addr, uint32_t pid,
		      bool shared, uint32_t ops, uint32_t tid, uint64_t n);
/* Names a lock's address: writes the name into buf (len bytes, NUL
 * included) and returns buf, or returns NULL when it cannot be named.
 * kernel: a kernel lock, else a futex word. */
typedef const char *lock_namer(void *ctx, const struct lock_report *l,
			       bool kernel, char *buf, size_t len);

/* Moves the locks into a new array, most total wait first, each named by
 * name (with ctx; NULL names none: the report's `symbol` is then null);
 * the table is left empty. Returns 0, or -1 when out of memory (the
 * table is then freed). */
int locks_take(struct lock_table *t, bool kernel, lock_namer *name, void *ctx,
	       struct lock_report **out, size_t *n);
void locks_free(struct lock_table *t);

/* A report's contended locks, user and kernel, most total wait first:
 * start with *u = *k = 0; each call gives the next (and says which kind
 * in *user), NULL after the last. */
const struct lock_report *locks_next_report(const struct run_report *r,
					    size_t *u, size_t *k, bool *user);
/* Frees an array from locks_take. */
void locks_reports_free(struct lock_report *l, size_t n);

#endif /* LAB_LOCKS_H */
