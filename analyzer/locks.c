/* locks.c - contended locks, accumulated per lock. */
#include <stdlib.h>
#include <string.h>
#include "analyzer/array.h"
#include "analyzer/locks.h"
#include "analyzer/stats.h"

struct lock_entry {
	struct lock_report r;
	size_t tcap;		  /* room in r.tids */
	bool join;		  /* waited on as a thread's tid word */
	struct fine_hist handoff; /* wakeup to running of its waiters */
};

enum {
	FUTEX_WAIT = 0,
	FUTEX_LOCK_PI = 6,
	FUTEX_WAIT_BITSET = 9,
	FUTEX_WAIT_REQUEUE_PI = 11,
	FUTEX_LOCK_PI2 = 13,
};

bool locks_futex_op_waits(uint32_t op)
{
	switch (op & FUTEX_CMD_BITS) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_WAIT_REQUEUE_PI:
		return true;
	}
	return false;
}

enum lock_kind locks_kind(uint32_t ops, bool join)
{
	if (join)
		return LOCK_KIND_JOIN;
	if (ops &
	    (1u << FUTEX_WAIT | 1u << FUTEX_LOCK_PI | 1u << FUTEX_LOCK_PI2))
		return LOCK_KIND_LOCK;
	return LOCK_KIND_CONDITION;
}

const char *locks_kind_name(enum lock_kind k)
{
	switch (k) {
	case LOCK_KIND_CONDITION:
		return "condition";
	case LOCK_KIND_JOIN:
		return "join";
	case LOCK_KIND_LOCK:
		break;
	}
	return "lock";
}

/* What tells locks apart (locks.h). */
struct lock_key {
	uint64_t addr;
	uint32_t pid;
	bool shared;
};

static uint64_t key_hash(const struct lock_key *k)
{
	return hash_mix(k->addr ^ hash_mix((uint64_t)k->pid << 1 | k->shared));
}

static bool same(const void *entries, size_t i, const void *key)
{
	const struct lock_report *r =
		&((const struct lock_entry *)entries)[i].r;
	const struct lock_key *k = key;

	return r->addr == k->addr && r->pid == k->pid && r->shared == k->shared;
}

/* The entry of a lock, created empty if new; NULL when out of memory. */
static struct lock_entry *entry(struct lock_table *t, uint64_t addr,
				uint32_t pid, bool shared)
{
	struct lock_key k = {addr, pid, shared};
	uint64_t h = key_hash(&k);
	size_t i = hash_find(&t->index, h, same, t->v, &k);

	if (i != HASH_NONE)
		return &t->v[i];
	if (t->n >= UINT32_MAX || ARRAY_GROW(t->v, t->cap, t->n + 1) ||
	    hash_add(&t->index, h, t->n))
		return NULL;
	memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
	t->v[t->n].r.addr = addr;
	t->v[t->n].r.pid = pid;
	t->v[t->n].r.shared = shared;
	return &t->v[t->n++];
}

/* tids stay sorted, each once: a lock has a handful of waiters */
static int add_tid(struct lock_entry *e, uint32_t tid)
{
	struct lock_report *r = &e->r;
	size_t i = r->ntids;

	while (i && r->tids[i - 1] > tid)
		i--;
	if (i && r->tids[i - 1] == tid)
		return 0;
	if (ARRAY_GROW(r->tids, e->tcap, r->ntids + 1))
		return -1;
	memmove(&r->tids[i + 1], &r->tids[i],
		(r->ntids - i) * sizeof(*r->tids));
	r->tids[i] = tid;
	r->ntids++;
	return 0;
}

int locks_add(struct lock_table *t, uint64_t addr, uint32_t pid, bool shared,
	      uint32_t ops, bool join, uint32_t tid, uint64_t wait_ns)
{
	return locks_add_sum(t, addr, pid, shared, ops, join, tid,
			     &(struct lab_wait_sum){1, wait_ns, wait_ns});
}

int locks_add_sum(struct lock_table *t, uint64_t addr, uint32_t pid,
		  bool shared, uint32_t ops, bool join, uint32_t tid,
		  const struct lab_wait_sum *w)
{
	struct lock_entry *e = entry(t, addr, pid, shared);

	if (!e || add_tid(e, tid))
		return -1;
	e->r.ops |= ops;
	e->join |= join;
	e->r.count += w->count;
	e->r.total_ns += w->total_ns;
	if (w->max_ns > e->r.max_ns)
		e->r.max_ns = w->max_ns;
	return 0;
}

void locks_clear_waits(struct lock_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		t->v[i].r.count = 0;
		t->v[i].r.total_ns = 0;
		t->v[i].r.max_ns = 0;
	}
}

int locks_add_retries(struct lock_table *t, uint64_t addr, uint32_t pid,
		      bool shared, uint32_t ops, uint32_t tid, uint64_t n)
{
	struct lock_entry *e = entry(t, addr, pid, shared);

	if (!e || add_tid(e, tid))
		return -1;
	e->r.ops |= ops;
	e->r.retries += n;
	return 0;
}

int locks_add_handoff(struct lock_table *t, uint64_t addr, uint32_t pid,
		      bool shared, uint64_t latency_ns)
{
	struct lock_entry *e = entry(t, addr, pid, shared);

	if (!e)
		return -1;
	e->r.handoffs++;
	return stats_fine_add(&e->handoff, latency_ns);
}

static int by_total_wait(const void *x, const void *y)
{
	const struct lock_report *a = x, *b = y;

	if (a->total_ns != b->total_ns)
		return a->total_ns > b->total_ns ? -1 : 1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return (a->addr > b->addr) - (a->addr < b->addr);
}

int locks_take(struct lock_table *t, bool kernel, lock_namer *name, void *ctx,
	       struct lock_report **out, size_t *n)
{
	struct lock_report *v = calloc(t->n + 1, sizeof(*v));

	*out = NULL;
	*n = 0;
	if (!v) {
		locks_free(t);
		return -1;
	}
	for (size_t i = 0; i < t->n; i++) {
		v[i] = t->v[i].r;
		v[i].kind = kernel ? LOCK_KIND_LOCK
				   : locks_kind(v[i].ops, t->v[i].join);
		v[i].handoff_p50_ns =
			stats_fine_percentile(&t->v[i].handoff, 50);
		v[i].handoff_max_ns = t->v[i].handoff.max;
		if (!name ||
		    !name(ctx, &v[i], kernel, v[i].symbol, sizeof(v[i].symbol)))
			v[i].symbol[0] = '\0';
	}
	qsort(v, t->n, sizeof(*v), by_total_wait);
	*out = v;
	*n = t->n;
	/* the tids now belong to the reports */
	for (size_t i = 0; i < t->n; i++)
		stats_fine_free(&t->v[i].handoff);
	t->n = 0;
	locks_free(t);
	return 0;
}

static bool same_join(const void *joins, size_t i, const void *key)
{
	const struct join_word *a = &((const struct join_word *)joins)[i];
	const struct join_word *b = key;

	return a->addr == b->addr && a->pid == b->pid;
}

bool locks_is_join_word(const struct lock_table *t, uint32_t pid, uint64_t addr)
{
	struct join_word k = {addr, pid};

	return hash_find(&t->join_index, hash_mix(addr ^ hash_mix(pid)),
			 same_join, t->joins, &k) != HASH_NONE;
}

int locks_add_join_word(struct lock_table *t, uint32_t pid, uint64_t addr)
{
	uint64_t h = hash_mix(addr ^ hash_mix(pid));

	if (locks_is_join_word(t, pid, addr))
		return 0;
	if (t->njoins >= UINT32_MAX ||
	    ARRAY_GROW(t->joins, t->capjoins, t->njoins + 1) ||
	    hash_add(&t->join_index, h, t->njoins))
		return -1;
	t->joins[t->njoins++] = (struct join_word){addr, pid};
	return 0;
}

void locks_free(struct lock_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].r.tids);
		stats_fine_free(&t->v[i].handoff);
	}
	free(t->v);
	hash_free(&t->index);
	free(t->joins);
	hash_free(&t->join_index);
	memset(t, 0, sizeof(*t));
}

void locks_reports_free(struct lock_report *l, size_t n)
{
	for (size_t i = 0; l && i < n; i++)
		free(l[i].tids);
	free(l);
}

void locks_kind_sum(const struct run_report *r, enum lock_kind k, size_t *words,
		    uint64_t *waits, uint64_t *total_ns)
{
	*words = 0;
	*waits = *total_ns = 0;
	for (size_t i = 0; i < r->nuser_locks; i++)
		if (r->user_locks[i].kind == k) {
			(*words)++;
			*waits += r->user_locks[i].count;
			*total_ns += r->user_locks[i].total_ns;
		}
}

const struct lock_report *locks_next_report(const struct run_report *r,
					    size_t *u, size_t *k, bool *user)
{
	while (*u < r->nuser_locks && r->user_locks[*u].kind != LOCK_KIND_LOCK)
		(*u)++;
	if (*u >= r->nuser_locks && *k >= r->nkernel_locks)
		return NULL;
	*user = *k >= r->nkernel_locks ||
		(*u < r->nuser_locks &&
		 r->user_locks[*u].total_ns >= r->kernel_locks[*k].total_ns);
	return *user ? &r->user_locks[(*u)++] : &r->kernel_locks[(*k)++];
}
