/* wakeups.c - who woke each thread and who took its CPU. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/array.h"
#include "analyzer/wakeups.h"

/* One subject's count against one party, wakeups or preemptions. */
struct wk_edge {
	uint32_t subject;
	bool preempt;
	struct wk_party party;
	uint64_t count, waits, wait_ns, max_wait_ns;
};

struct wk_name {
	uint32_t tid, pid;
	bool named; /* false once the tid is a run thread's */
	bool kthread;
	char comm[LAB_COMM_LEN];
};

static bool same_name(const void *names, size_t i, const void *tid)
{
	return ((const struct wk_name *)names)[i].tid == *(const uint32_t *)tid;
}

static struct wk_name *name_of(const struct wakeups *w, uint32_t tid)
{
	size_t i = hash_find(&w->name_index, hash_mix(tid), same_name, w->names,
			     &tid);

	return i == HASH_NONE ? NULL : &w->names[i];
}

int wakeups_name(struct wakeups *w, const struct lab_event *ev)
{
	struct wk_name *n = name_of(w, ev->tid);
	uint32_t hi[2] = {ev->other_tid, ev->other_pid};

	if (!n) {
		if (w->nnames >= UINT32_MAX ||
		    ARRAY_GROW(w->names, w->capnames, w->nnames + 1) ||
		    hash_add(&w->name_index, hash_mix(ev->tid), w->nnames))
			return -1;
		n = &w->names[w->nnames++];
		n->tid = ev->tid;
	}
	n->pid = ev->pid;
	n->named = true;
	n->kthread = ev->flags & LAB_TASK_KTHREAD;
	/* the comm's 16 bytes: value, then other_tid and other_pid */
	memcpy(n->comm, &ev->value, 8);
	memcpy(n->comm + 8, hi, 8);
	n->comm[LAB_COMM_LEN - 1] = '\0';
	return 0;
}

bool wakeups_is_outside(const struct wakeups *w, uint32_t tid)
{
	const struct wk_name *n = name_of(w, tid);

	return n && n->named;
}

void wakeups_forget(struct wakeups *w, uint32_t tid)
{
	struct wk_name *n = name_of(w, tid);

	if (n)
		n->named = false;
}

struct wk_party wakeups_party(const struct wakeups *w, uint32_t tid,
			      uint32_t pid, uint32_t rec)
{
	const struct wk_name *n = tid ? name_of(w, tid) : NULL;
	struct wk_party p = {WAKEUPS_NO_REC, PARTY_PROGRAM, ""};

	if (!tid) {
		p.kind = PARTY_KERNEL;
		snprintf(p.comm, sizeof(p.comm), "interrupt");
	} else if (n && n->named) {
		p.kind = n->kthread		? PARTY_KERNEL
			 : w->tracer_pid == pid ? PARTY_LAB
						: PARTY_PROGRAM;
		memcpy(p.comm, n->comm, sizeof(p.comm));
	} else if (rec != WAKEUPS_NO_REC) {
		p.rec = rec;
		p.kind = PARTY_RUN;
	} else {
		p.kind = w->tracer_pid && w->tracer_pid == pid ? PARTY_LAB
							       : PARTY_PROGRAM;
		snprintf(p.comm, sizeof(p.comm), "?");
	}
	return p;
}

struct edge_key {
	uint32_t subject;
	bool preempt;
	const struct wk_party *party;
};

static uint64_t edge_hash(const struct edge_key *k)
{
	uint64_t h = hash_mix((uint64_t)k->subject << 1 | k->preempt);
	uint64_t c;

	memcpy(&c, k->party->comm, sizeof(c));
	return hash_mix(h ^ hash_mix(k->party->rec) ^ c ^ k->party->kind);
}

static bool same_edge(const void *edges, size_t i, const void *key)
{
	const struct wk_edge *e = &((const struct wk_edge *)edges)[i];
	const struct edge_key *k = key;

	return e->subject == k->subject && e->preempt == k->preempt &&
	       e->party.rec == k->party->rec &&
	       e->party.kind == k->party->kind &&
	       !strcmp(e->party.comm, k->party->comm);
}

/* The edge of subject and p, made when new: its index, or -1. */
static long edge_of(struct wakeups *w, uint32_t subject, bool preempt,
		    const struct wk_party *p)
{
	struct edge_key k = {subject, preempt, p};
	uint64_t h = edge_hash(&k);
	size_t i = hash_find(&w->index, h, same_edge, w->edges, &k);

	if (i == HASH_NONE) {
		if (w->n >= UINT32_MAX ||
		    ARRAY_GROW(w->edges, w->cap, w->n + 1) ||
		    hash_add(&w->index, h, w->n))
			return -1;
		i = w->n++;
		memset(&w->edges[i], 0, sizeof(w->edges[i]));
		w->edges[i].subject = subject;
		w->edges[i].preempt = preempt;
		w->edges[i].party = *p;
	}
	return (long)i;
}

long wakeups_add(struct wakeups *w, uint32_t subject, bool preempt,
		 const struct wk_party *p)
{
	long i = edge_of(w, subject, preempt, p);

	if (i >= 0)
		w->edges[i].count++;
	return i;
}

void wakeups_clear_edges(struct wakeups *w)
{
	w->n = 0;
	hash_free(&w->index);
}

int wakeups_add_sums(struct wakeups *w, uint32_t subject, bool preempt,
		     const struct wk_party *p, uint64_t found,
		     const struct lab_wait_sum *ran)
{
	long i = edge_of(w, subject, preempt, p);
	struct wk_edge *x;

	if (i < 0)
		return -1;
	x = &w->edges[i];
	x->count += found + ran->count;
	x->waits += ran->count;
	x->wait_ns += ran->total_ns;
	if (ran->max_ns > x->max_wait_ns)
		x->max_wait_ns = ran->max_ns;
	return 0;
}

void wakeups_add_wait(struct wakeups *w, long e, uint64_t ns)
{
	struct wk_edge *x;

	if (e < 0 || (size_t)e >= w->n)
		return;
	x = &w->edges[e];
	x->waits++;
	x->wait_ns += ns;
	if (ns > x->max_wait_ns)
		x->max_wait_ns = ns;
}

static int by_count(const void *x, const void *y)
{
	const struct task_link *a = x, *b = y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return strcmp(a->comm, b->comm);
}

/* Adds e to list (n entries, room cap), merged with an entry of the same
 * party: a record outside the report counts as an unnamed outsider. */
static int link_add(struct task_link **list, size_t *n, size_t *cap,
		    const struct task_link *l)
{
	for (size_t i = 0; i < *n; i++) {
		struct task_link *o = &(*list)[i];

		if (o->kind == l->kind && o->tid == l->tid &&
		    !strcmp(o->comm, l->comm)) {
			o->count += l->count;
			o->waits += l->waits;
			o->wait_ns += l->wait_ns;
			if (l->max_wait_ns > o->max_wait_ns)
				o->max_wait_ns = l->max_wait_ns;
			return 0;
		}
	}
	if (ARRAY_GROW(*list, *cap, *n + 1))
		return -1;
	(*list)[(*n)++] = *l;
	return 0;
}

int wakeups_fill(struct wakeups *w, struct run_report *run,
		 const size_t *rec_thread, size_t n)
{
	size_t *caps = calloc(2 * run->nthreads + 1, sizeof(*caps));

	if (!caps)
		return -1;
	for (size_t i = 0; i < w->n; i++) {
		const struct wk_edge *e = &w->edges[i];
		size_t ti = e->subject < n ? rec_thread[e->subject] : SIZE_MAX;
		struct task_link l = {
			e->party.kind, 0,	 0,	     "",
			e->count,      e->waits, e->wait_ns, e->max_wait_ns};
		struct thread_report *t;
		int err;

		if (ti == SIZE_MAX)
			continue;
		t = &run->threads[ti];
		memcpy(l.comm, e->party.comm, sizeof(l.comm));
		if (e->party.rec != WAKEUPS_NO_REC) {
			size_t pi = e->party.rec < n ? rec_thread[e->party.rec]
						     : SIZE_MAX;

			if (pi == SIZE_MAX) {
				l.kind = PARTY_PROGRAM;
				snprintf(l.comm, sizeof(l.comm), "?");
			} else {
				l.tid = run->threads[pi].tid;
				l.pid = run->threads[pi].pid;
				memcpy(l.comm, run->threads[pi].comm,
				       sizeof(l.comm));
			}
		}
		err = e->preempt ? link_add(&t->preempted_by, &t->npreempted_by,
					    &caps[2 * ti + 1], &l)
				 : link_add(&t->woken_by, &t->nwoken_by,
					    &caps[2 * ti], &l);
		if (err) {
			free(caps);
			return -1;
		}
	}
	free(caps);
	for (size_t i = 0; i < run->nthreads; i++) {
		struct thread_report *t = &run->threads[i];

		if (t->nwoken_by)
			qsort(t->woken_by, t->nwoken_by, sizeof(*t->woken_by),
			      by_count);
		if (t->npreempted_by)
			qsort(t->preempted_by, t->npreempted_by,
			      sizeof(*t->preempted_by), by_count);
	}
	return 0;
}

void wakeups_free(struct wakeups *w)
{
	free(w->edges);
	hash_free(&w->index);
	free(w->names);
	hash_free(&w->name_index);
	memset(w, 0, sizeof(*w));
}

const char *wakeups_kind_name(enum party_kind k)
{
	switch (k) {
	case PARTY_PROGRAM:
		return "program";
	case PARTY_KERNEL:
		return "kernel";
	case PARTY_LAB:
		return "lab";
	case PARTY_RUN:
		break;
	}
	return "run";
}
