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
 *
 * A futex word's kind (enum lock_kind) comes from how it was waited on.
 * A join: the word is a thread's tid word, the clear_child_tid its clone
 * registered (CLONE_CHILD_CLEARTID), which the kernel clears and wakes
 * when the thread ends; pthread_join waits there. Else glibc's waits
 * tell: its mutexes sleep with FUTEX_WAIT (LOCK_PI for priority
 * inheritance), as a hand-made futex hand-off does; its condition
 * variables, semaphores, rwlocks and joins with WAIT_BITSET. A word
 * waited on both ways counts as a lock.
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

/* A thread's tid word: the clear_child_tid of its clone, in its process */
struct join_word {
	uint64_t addr;
	uint32_t pid;
};

struct lock_table {
	struct lock_entry *v; /* in order of first wait */
	size_t n, cap;
	struct hash_index index; /* of v, by lock */
	/* the tid words of the threads created so far */
	struct join_word *joins;
	size_t njoins, capjoins;
	struct hash_index join_index;
};

/* true for the futex commands that sleep on the word: WAIT,
 * WAIT_BITSET, LOCK_PI, LOCK_PI2, WAIT_REQUEUE_PI */
bool locks_futex_op_waits(uint32_t op);

/* One wait of tid on a lock. pid is 0 for shared and kernel locks; ops
 * the futex command bits (0 for kernel locks); join: the word is a
 * thread's tid word. Returns 0, or -1 when out of memory. */
int locks_add(struct lock_table *t, uint64_t addr, uint32_t pid, bool shared,
	      uint32_t ops, bool join, uint32_t tid, uint64_t wait_ns);
/* The kind of a futex wait with command bits ops (1 << cmd): join when
 * the word is a thread's tid word. */
enum lock_kind locks_kind(uint32_t ops, bool join);
/* "lock", "condition", "join" */
const char *locks_kind_name(enum lock_kind k);
/* A waiter on a lock, woken from its wait by another thread, ran
 * latency_ns after the wakeup. Returns 0, or -1 when out of memory. */
int locks_add_handoff(struct lock_table *t, uint64_t addr, uint32_t pid,
		      bool shared, uint64_t latency_ns);
/* Notes a thread's tid word (the FORK event's clear_child_tid) at addr
 * in process pid. Returns 0, or -1 when out of memory. */
int locks_add_join_word(struct lock_table *t, uint32_t pid, uint64_t addr);
/* Whether addr in process pid is a thread's tid word. */
bool locks_is_join_word(const struct lock_table *t, uint32_t pid,
			uint64_t addr);
/* The same for w->count waits the kernel summed. */
int locks_add_sum(struct lock_table *t, uint64_t addr, uint32_t pid,
		  bool shared, uint32_t ops, bool join, uint32_t tid,
		  const struct lab_wait_sum *w);
/* Every lock's waits back to none (count, total, longest), the rest
 * kept: the kernel's sums then take their place. */
void locks_clear_waits(struct lock_table *t);
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
 * in *user), NULL after the last. Futex words that are no lock
 * (conditions, joins) are left out. */
const struct lock_report *locks_next_report(const struct run_report *r,
					    size_t *u, size_t *k, bool *user);
/* The futex waits of a report on words of kind k: how many words,
 * waits and their total. */
void locks_kind_sum(const struct run_report *r, enum lock_kind k, size_t *words,
		    uint64_t *waits, uint64_t *total_ns);
/* Frees an array from locks_take. */
void locks_reports_free(struct lock_report *l, size_t n);

#endif /* LAB_LOCKS_H */
