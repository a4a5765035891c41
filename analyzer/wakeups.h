/* wakeups.h - who woke each thread, and who took its CPU when it was
 * preempted: the timeline adds each wakeup and each involuntary switch
 * as it reads them, the analysis gives each thread its lists.
 *
 * The other task is either one of the run's threads (a timeline record)
 * or a task outside the run, known by the name its LAB_EV_TASK gave:
 * those are grouped by name and kind, never told apart by pid, so a
 * report shows of another user's tasks no more than `ps` would name.
 * The idle task (tid 0) stands for an interrupt on an idle CPU: a
 * wakeup an interrupt handler made is put down to the task it
 * interrupted.
 */
#ifndef LAB_WAKEUPS_H
#define LAB_WAKEUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "analyzer/hash.h"
#include "analyzer/report.h"
#include "probes/events.h"

#define WAKEUPS_NO_REC UINT32_MAX

/* Another task as the timeline saw it. */
struct wk_party {
	uint32_t rec;	      /* its record, WAKEUPS_NO_REC when outside */
	enum party_kind kind; /* PARTY_RUN with a record */
	char comm[LAB_COMM_LEN];
};

struct wk_edge;
struct wk_name;

struct wakeups {
	struct wk_edge *edges; /* in order of first sight */
	size_t n, cap;
	struct hash_index index;
	/* the tasks outside the run named so far, by tid */
	struct wk_name *names;
	size_t nnames, capnames;
	struct hash_index name_index;
	uint32_t tracer_pid; /* lab's own process; 0: not known */
};

/* A LAB_EV_TASK: tid names a task outside the run. 0, or -1 when out of
 * memory. */
int wakeups_name(struct wakeups *w, const struct lab_event *ev);
/* Whether tid names a task outside the run (a LAB_EV_TASK named it). */
bool wakeups_is_outside(const struct wakeups *w, uint32_t tid);
/* tid now names one of the run's threads (its fork). */
void wakeups_forget(struct wakeups *w, uint32_t tid);
/* The party tid stands for: outside when named so, else rec (the record
 * tid names, WAKEUPS_NO_REC for none: then an unnamed outsider). */
struct wk_party wakeups_party(const struct wakeups *w, uint32_t tid,
			      uint32_t pid, uint32_t rec);
/* subject was woken (preempt false) or preempted (true) by p: returns
 * the edge's index, for wakeups_add_wait, or -1 when out of memory. */
long wakeups_add(struct wakeups *w, uint32_t subject, bool preempt,
		 const struct wk_party *p);
/* The wait that followed on edge e: wakeup to running, preemption to
 * running again. */
void wakeups_add_wait(struct wakeups *w, long e, uint64_t ns);
/* Forgets every edge (the tasks' names stay), for sums from elsewhere. */
void wakeups_clear_edges(struct wakeups *w);
/* found wakeups or preemptions of subject by p not followed by a run,
 * and ran that were (count, and the waits to running): 0, or -1 when out
 * of memory. */
int wakeups_add_sums(struct wakeups *w, uint32_t subject, bool preempt,
		     const struct wk_party *p, uint64_t found,
		     const struct lab_wait_sum *ran);

/* Gives each thread of the report its woken_by and preempted_by, most
 * first; rec_thread[r]: the report's thread of timeline record r, or
 * SIZE_MAX (n records). Returns 0, or -1 when out of memory. */
int wakeups_fill(struct wakeups *w, struct run_report *run,
		 const size_t *rec_thread, size_t n);
void wakeups_free(struct wakeups *w);

/* "run", "program", "kernel", "lab" */
const char *wakeups_kind_name(enum party_kind k);

#endif /* LAB_WAKEUPS_H */
