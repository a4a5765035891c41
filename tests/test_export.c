/* test_export.c - the Perfetto export: real traces and a generated one
 * exported, read back with json-c and held to the trace-event format
 * (the fields each event needs, begin/end pairs, one track's slices in
 * order and apart) and to the report (a name for every thread, slices
 * adding up to each thread's time in each state); then the command
 * line's failures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include "analyzer/analyze.h"
#include "analyzer/export_perfetto.h"
#include "tests/json_path.h"
#include "analyzer/offcpu.h"
#include "analyzer/phases.h"
#include "analyzer/report.h"
#include "analyzer/safe_text.h"
#include "tests/test.h"
#include "tests/trace_file.h"

/* ---- a generated trace ---- */

#define T0	 (5000 * 1000000ULL) /* tracing starts */
#define ROOT	 100
#define NWORKERS 4    /* threads ROOT+1 .. ROOT+NWORKERS */
#define CHILD	 200  /* a process the root forks, which exits at once */
#define STRANGER 9000 /* another program's thread, seen only in switches */
#define SLEEP	 1    /* prev_state TASK_INTERRUPTIBLE */

/* quotes, a backslash, markup, control bytes and a byte that is not
 * UTF-8: 15 bytes, the longest comm */
static const char hostile[LAB_COMM_LEN] = "\"\\<svg on=\x01\x1b\n\xff>";

/* a command line with DEL and a C1 control (CSI, U+009B): valid UTF-8
 * that JSON lets through raw, and some terminals obey */
static const char c1_cmdline[] = "./prog \xc2\x9b"
				 "2J\x7f";

/* x86-64 syscalls the workers block in, one per reason: futex, read,
 * nanosleep, poll */
static const unsigned int block_nr[] = {202, 0, 35, 7};

struct gen {
	struct trace_writer *w;
	struct lab_event buf[4096];
	size_t n;
	uint64_t total;
	uint64_t ts;
	int err;
};

static void put(struct gen *g, struct lab_event e)
{
	g->buf[g->n++] = e;
	g->total++;
	if (g->n == sizeof(g->buf) / sizeof(g->buf[0])) {
		g->err |= trace_writer_add_events(g->w, g->buf, g->n);
		g->n = 0;
	}
}

static void ev(struct gen *g, int type, uint32_t tid, uint32_t pid,
	       uint64_t value, uint32_t aux, uint32_t other_tid,
	       uint32_t other_pid)
{
	put(g, (struct lab_event){.ts = g->ts,
				  .type = (uint8_t)type,
				  .tid = tid,
				  .pid = pid,
				  .value = value,
				  .aux = aux,
				  .other_tid = other_tid,
				  .other_pid = other_pid});
}

static uint32_t pid_of(uint32_t tid)
{
	return tid == STRANGER || tid == CHILD ? tid : ROOT;
}

/* prev leaves the CPU to next: preempted, blocked in syscall nr, or
 * dead (state LAB_TASK_DEAD) */
static void sw(struct gen *g, uint32_t prev, uint64_t state, bool preempt,
	       uint32_t next)
{
	put(g, (struct lab_event){.ts = g->ts,
				  .type = LAB_EV_SWITCH,
				  .tid = prev,
				  .pid = pid_of(prev),
				  .other_tid = next,
				  .other_pid = pid_of(next),
				  .value = state,
				  .flags = preempt ? LAB_SWITCH_PREEMPT : 0});
}

static void block(struct gen *g, uint32_t tid, unsigned int nr, uint32_t next)
{
	ev(g, LAB_EV_BLOCK, tid, pid_of(tid), 0x1000, nr, 128, 0);
	sw(g, tid, SLEEP, false, next);
}

static void mark(struct gen *g, uint32_t marker, uint64_t value)
{
	ev(g, LAB_EV_MARK, ROOT, ROOT, value, marker, 0, 0);
}

static void stats(struct lab_thread_stats *k, uint32_t tid, uint32_t parent,
		  uint64_t start, const char *comm)
{
	memset(k, 0, sizeof(*k));
	k->tid = tid;
	k->pid = pid_of(tid);
	k->parent_tid = parent;
	k->start_ns = start;
	memcpy(k->comm, comm, strnlen(comm, LAB_COMM_LEN - 1));
}

/* One CPU: the root forks NWORKERS threads and a process and blocks;
 * the process runs and exits; the workers take turns with a stranger
 * for `rounds` rounds, each leaving the CPU preempted or blocked in one
 * of four syscalls and woken soon after; then they exit and the root
 * runs to the end. The root's state before its first switch is not
 * seen. Returns the number of events, or 0 when writing failed. */
static uint64_t write_synthetic(const char *path, unsigned int rounds)
{
	struct lab_trace_info info = {
		.version = LAB_TRACE_VERSION, .cpu_count = 1, .start_ns = T0};
	struct lab_thread_stats k[NWORKERS + 2];
	struct lab_run_summary sum = {0};
	struct gen *g = calloc(1, sizeof(*g));
	uint32_t cur;
	uint64_t n = 0;

	if (!g)
		return 0;
	snprintf(info.machine, sizeof(info.machine), "x86_64");
	snprintf(info.workload, sizeof(info.workload), "synthetic");
	snprintf(info.cmdline, sizeof(info.cmdline), "%s", c1_cmdline);
	if (trace_file_open(&g->w, path, &info)) {
		free(g);
		return 0;
	}
	stats(&k[0], ROOT, 0, T0, "synthetic");
	g->ts = T0 + 1000;
	mark(g, LAB_MARK_PHASE, LAB_PHASE_SETUP);
	g->ts += 5000;
	mark(g, LAB_MARK_PHASE, LAB_PHASE_SPAWN);
	for (uint32_t i = 1; i <= NWORKERS + 1; i++) {
		uint32_t tid = i <= NWORKERS ? ROOT + i : CHILD;
		char comm[LAB_COMM_LEN];

		g->ts += 2000;
		ev(g, LAB_EV_FORK, ROOT, ROOT, 0, 0, tid, pid_of(tid));
		ev(g, LAB_EV_WAKEUP_NEW, tid, pid_of(tid), 0, 0, ROOT, ROOT);
		snprintf(comm, sizeof(comm), "worker-%u", i);
		stats(&k[i], tid, ROOT, g->ts,
		      i == 2 || i > NWORKERS ? hostile : comm);
	}
	g->ts += 1000;
	mark(g, LAB_MARK_PHASE, LAB_PHASE_WORK);
	g->ts += 1000;
	block(g, ROOT, 61, CHILD); /* wait4 */
	g->ts += 3000;
	ev(g, LAB_EV_EXIT, CHILD, CHILD, 0, 0, 0, 0);
	sw(g, CHILD, LAB_TASK_DEAD, false, ROOT + 1);
	k[NWORKERS + 1].flags = LAB_THREAD_EXITED;
	k[NWORKERS + 1].exit_ns = g->ts;
	cur = ROOT + 1;
	for (unsigned int r = 0; r < rounds; r++) {
		for (uint32_t i = 1; i <= NWORKERS + 1; i++) {
			uint32_t next = i < NWORKERS	? ROOT + i + 1
					: i == NWORKERS ? STRANGER
							: ROOT + 1;
			unsigned int action = (r + i) % 5;

			g->ts += 1000 + 100 * i + r % 7;
			if (cur == STRANGER || !action) {
				sw(g, cur, 0, cur != STRANGER, next);
			} else {
				block(g, cur, block_nr[action - 1], next);
				g->ts += 300;
				ev(g, LAB_EV_WAKEUP, cur, ROOT, 0, 0, next,
				   pid_of(next));
			}
			cur = next;
		}
	}
	/* cur is ROOT + 1 again: the workers exit in turn */
	for (uint32_t i = 1; i <= NWORKERS; i++) {
		uint32_t next = i < NWORKERS ? ROOT + i + 1 : ROOT;

		g->ts += 2000;
		ev(g, LAB_EV_EXIT, ROOT + i, ROOT, 0, 0, 0, 0);
		if (next == ROOT)
			ev(g, LAB_EV_WAKEUP, ROOT, ROOT, 0, 0, ROOT + i, ROOT);
		sw(g, ROOT + i, LAB_TASK_DEAD, false, next);
		k[i].flags = LAB_THREAD_EXITED;
		k[i].exit_ns = g->ts;
	}
	g->ts += 1000;
	mark(g, LAB_MARK_PHASE, LAB_PHASE_JOIN);
	g->ts += 1000;
	mark(g, LAB_MARK_WORKLOAD_END, 0);
	if (g->n)
		g->err |= trace_writer_add_events(g->w, g->buf, g->n);
	sum.end_ns = g->ts + 5000;
	sum.events = g->total;
	if (!g->err &&
	    !trace_writer_finish(g->w, k, NWORKERS + 2, NULL, 0, &sum))
		n = g->total;
	trace_writer_free(g->w);
	free(g);
	return n;
}

/* ---- exporting and reading back ---- */

/* The export of trace into out; its report in *rep (free it). */
static bool export_to(const char *trace, const char *out,
		      struct run_report **rep)
{
	char err[512];
	FILE *f;
	int rc;

	if (!CHECK_MSG(!analyze_trace_file(trace, rep, err, sizeof(err)), "%s",
		       err))
		return false;
	f = fopen(out, "w");
	if (!f)
		return CHECK_MSG(false, "cannot create %s", out);
	rc = export_perfetto(f, trace, *rep, err, sizeof(err));
	CHECK_MSG(!ferror(f), "writing %s", out);
	fclose(f);
	return CHECK_MSG(!rc, "export of %s: %s", trace, err);
}

struct slice {
	uint32_t pid, tid;
	size_t index; /* in the file */
	int64_t ts, dur;
	const char *ph, *name, *cat;
	bool inferred;
	uint64_t id; /* a flow's (s, f) */
	uint32_t on; /* a CPU slice's thread (args.tid) */
};

/* The CPUs' process of the export (export_perfetto.c) */
#define CPUS_PID ((1u << 22) + 1)

static int by_track_then_file(const void *a, const void *b)
{
	const struct slice *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

/* µs as the format has them, to ns */
static int64_t ns_of(json_object *o)
{
	return (int64_t)llround(json_object_get_double(o) * 1000.0);
}

static bool is_number(json_object *o)
{
	return json_object_is_type(o, json_type_int) ||
	       json_object_is_type(o, json_type_double);
}

/* Every event has what the format requires; the timed ones (all but
 * metadata) come back in *out. */
static bool read_events(json_object *doc, struct slice **out, size_t *nout)
{
	json_object *evs = json_path(doc, "traceEvents");
	size_t n;
	struct slice *s;

	*nout = 0;
	if (!CHECK_MSG(json_object_is_type(doc, json_type_object) && evs &&
			       json_object_is_type(evs, json_type_array),
		       "no traceEvents array"))
		return false;
	CHECK_STR(json_path_str(doc, "displayTimeUnit"), "ns");
	n = json_object_array_length(evs);
	s = calloc(n + 1, sizeof(*s));
	*out = s;
	if (!s)
		return false;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(evs, i);
		json_object *name, *ph, *pid, *tid, *ts, *dur, *cat;
		const char *p;

		if (!CHECK_MSG(
			    json_object_object_get_ex(e, "name", &name) &&
				    json_object_is_type(name,
							json_type_string) &&
				    json_object_object_get_ex(e, "ph", &ph) &&
				    json_object_is_type(ph, json_type_string) &&
				    json_object_get_string_len(ph) == 1 &&
				    json_object_object_get_ex(e, "pid", &pid) &&
				    json_object_is_type(pid, json_type_int) &&
				    json_object_object_get_ex(e, "tid", &tid) &&
				    json_object_is_type(tid, json_type_int),
			    "event %zu lacks name, ph, pid or tid: %s", i,
			    json_object_to_json_string(e)))
			return false;
		p = json_object_get_string(ph);
		if (!CHECK_MSG(strchr("BEXiIMCsf", p[0]), "event %zu: ph %s", i,
			       p))
			return false;
		if (p[0] == 'M')
			continue;
		if (!CHECK_MSG(json_object_object_get_ex(e, "ts", &ts) &&
				       is_number(ts),
			       "event %zu has no ts: %s", i,
			       json_object_to_json_string(e)))
			return false;
		s[*nout] = (struct slice){
			.pid = (uint32_t)json_object_get_int64(pid),
			.tid = (uint32_t)json_object_get_int64(tid),
			.index = i,
			.ts = ns_of(ts),
			.ph = p,
			.name = json_object_get_string(name),
			.cat = json_object_object_get_ex(e, "cat", &cat)
				       ? json_object_get_string(cat)
				       : "",
			.inferred = json_path(e, "args.inferred") &&
				    json_object_get_boolean(
					    json_path(e, "args.inferred")),
			.id = json_path_u64(e, "id"),
			.on = (uint32_t)json_path_u64(e, "args.tid")};
		if (p[0] == 'X') {
			if (!CHECK_MSG(
				    json_object_object_get_ex(e, "dur", &dur) &&
					    is_number(dur) && ns_of(dur) >= 0,
				    "event %zu: X without a dur >= 0: %s", i,
				    json_object_to_json_string(e)))
				return false;
			s[*nout].dur = ns_of(dur);
		}
		(*nout)++;
	}
	return true;
}

/* On each track, in file order: timestamps never go back, slices do
 * not overlap, every E closes the B before it. Sorts s by track. */
static bool check_tracks(struct slice *s, size_t n)
{
	const char *open[64];
	size_t depth = 0;
	int64_t end = INT64_MIN, last = INT64_MIN;

	qsort(s, n, sizeof(*s), by_track_then_file);
	for (size_t i = 0; i < n; i++) {
		/* a flow is written when its end is known, after its start's
		 * track has gone on: checked apart (check_flows) */
		if (s[i].ph[0] == 's' || s[i].ph[0] == 'f')
			continue;
		if (i &&
		    (s[i].pid != s[i - 1].pid || s[i].tid != s[i - 1].tid)) {
			if (!CHECK_MSG(!depth, "track %u/%u: %zu B unclosed",
				       s[i - 1].pid, s[i - 1].tid, depth))
				return false;
			end = last = INT64_MIN;
		}
		if (!CHECK_MSG(s[i].ts >= last,
			       "track %u/%u: ts %lld after %lld", s[i].pid,
			       s[i].tid, (long long)s[i].ts, (long long)last))
			return false;
		last = s[i].ts;
		if (s[i].ph[0] == 'B' && depth < 64)
			open[depth++] = s[i].name;
		if (s[i].ph[0] == 'E' &&
		    !CHECK_MSG(depth && (!s[i].name[0] ||
					 !strcmp(open[--depth], s[i].name)),
			       "track %u/%u: E %s closes no B", s[i].pid,
			       s[i].tid, s[i].name))
			return false;
		if (s[i].ph[0] != 'X')
			continue;
		if (!CHECK_MSG(s[i].ts >= end,
			       "track %u/%u: slice at %lld overlaps one "
			       "ending at %lld",
			       s[i].pid, s[i].tid, (long long)s[i].ts,
			       (long long)end))
			return false;
		end = s[i].ts + s[i].dur;
	}
	return CHECK_MSG(!depth, "a B is unclosed");
}

/* the name a metadata event gives (pid, tid), or NULL */
static const char *meta_name(json_object *doc, const char *what, uint32_t pid,
			     uint32_t tid)
{
	json_object *evs = json_path(doc, "traceEvents");

	for (size_t i = 0; i < json_object_array_length(evs); i++) {
		json_object *e = json_object_array_get_idx(evs, i);

		if (!strcmp(json_path_str(e, "ph"), "M") &&
		    !strcmp(json_path_str(e, "name"), what) &&
		    json_path_u64(e, "pid") == pid &&
		    json_path_u64(e, "tid") == tid)
			return json_path_str(e, "args.name");
	}
	return NULL;
}

/* the thread's slices of each state, and all of them, within its life */
struct state_sums {
	uint64_t total, oncpu, runnable, new_ns, offcpu[OFFCPU_NREASONS];
};

static void sum_states(const struct slice *s, size_t n,
		       const struct thread_report *t, int64_t base,
		       struct state_sums *sum)
{
	int64_t from = (int64_t)(t->start_ns - base);
	int64_t to = from + (int64_t)t->lifetime_ns;

	memset(sum, 0, sizeof(*sum));
	for (size_t i = 0; i < n; i++) {
		const struct slice *x = &s[i];

		if (x->pid != t->pid || x->tid != t->tid ||
		    strcmp(x->cat, "sched") || x->ts < from || x->ts >= to)
			continue;
		sum->total += (uint64_t)x->dur;
		if (!strcmp(x->name, "running"))
			sum->oncpu += (uint64_t)x->dur;
		else if (!strcmp(x->name, "runnable"))
			sum->runnable += (uint64_t)x->dur;
		else if (!strcmp(x->name, "new"))
			sum->new_ns += (uint64_t)x->dur;
		for (int r = 0; r < OFFCPU_NREASONS; r++) {
			char name[64];

			snprintf(name, sizeof(name), "blocked: %s",
				 offcpu_reason_label(r));
			if (!strcmp(x->name, name))
				sum->offcpu[r] += (uint64_t)x->dur;
		}
	}
}

/* The export holds the report: names for every process and thread,
 * each thread's slices adding up to its time in each state, and to its
 * lifetime; sched slices only on the report's threads; its phases. */
static void check_against_report(json_object *doc, const struct slice *s,
				 size_t n, const struct run_report *rep)
{
	int64_t base = (int64_t)rep->info.start_ns;
	size_t nphases = 0;

	for (size_t i = 0; i < rep->nprocesses; i++) {
		const struct process_report *p = &rep->processes[i];
		const char *name =
			meta_name(doc, "process_name", p->pid, p->pid);
		char want[3 * LAB_COMM_LEN];

		safe_text(want, sizeof(want), p->comm, 0);
		CHECK_MSG(name && !strcmp(name, want),
			  "process %u: name %s, expected %s", p->pid,
			  name ? name : "(none)", want);
	}
	for (size_t i = 0; i < rep->nthreads; i++) {
		const struct thread_report *t = &rep->threads[i];
		const char *name =
			meta_name(doc, "thread_name", t->pid, t->tid);
		char want[3 * LAB_COMM_LEN];
		struct state_sums sum;

		safe_text(want, sizeof(want), t->comm, 0);
		CHECK_MSG(name && !strcmp(name, want),
			  "thread %u: name %s, expected %s", t->tid,
			  name ? name : "(none)", want);
		if (!t->has_timeline)
			continue;
		sum_states(s, n, t, base, &sum);
		CHECK_MSG(sum.total <= t->lifetime_ns + 1000 &&
				  sum.total + 1000 >= t->lifetime_ns,
			  "thread %u: slices add up to %llu ns, lifetime %llu",
			  t->tid, (unsigned long long)sum.total,
			  (unsigned long long)t->lifetime_ns);
		CHECK_EQ(sum.oncpu, t->times.oncpu_ns);
		CHECK_EQ(sum.runnable, t->times.runnable_ns);
		CHECK_EQ(sum.new_ns, t->times.new_ns);
		for (int r = 0; r < OFFCPU_NREASONS; r++)
			CHECK_MSG(sum.offcpu[r] == t->times.offcpu_ns[r],
				  "thread %u blocked in %s: %llu ns, report "
				  "%llu",
				  t->tid, offcpu_reason_key(r),
				  (unsigned long long)sum.offcpu[r],
				  (unsigned long long)t->times.offcpu_ns[r]);
	}
	for (size_t i = 0; i < n; i++) {
		bool known = false;

		if (s[i].pid == CPUS_PID) {
			for (size_t j = 0; j < rep->nthreads && !known; j++)
				known = rep->threads[j].tid == s[i].on;
			CHECK_MSG(known && !strcmp(s[i].cat, "cpu") &&
					  s[i].tid < rep->info.cpu_count,
				  "CPU slice on %u of thread %u, not the "
				  "report's",
				  s[i].tid, s[i].on);
			continue;
		}
		if (!strcmp(s[i].cat, "phase")) {
			const struct phase_report *p =
				nphases < rep->nphases ? &rep->phases[nphases]
						       : NULL;

			CHECK_MSG(p && phases_name(p->phase) &&
					  !strcmp(s[i].name,
						  phases_name(p->phase)) &&
					  s[i].ts ==
						  (int64_t)p->start_ns - base,
				  "phase slice %s at %lld is not the report's",
				  s[i].name, (long long)s[i].ts);
			nphases++;
			continue;
		}
		for (size_t j = 0; j < rep->nthreads && !known; j++)
			known = rep->threads[j].pid == s[i].pid &&
				rep->threads[j].tid == s[i].tid;
		CHECK_MSG(known, "a slice on %u/%u, no thread of the report",
			  s[i].pid, s[i].tid);
	}
	CHECK_EQ(nphases, rep->nphases);
}

/* The running slice of track (pid, tid) that holds ts, or NULL; s is
 * sorted by track. */
static const struct slice *running_at(const struct slice *s, size_t n,
				      uint32_t pid, uint32_t tid, int64_t ts)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].pid == pid && s[i].tid == tid && s[i].ph[0] == 'X' &&
		    !strcmp(s[i].name, "running") && s[i].ts <= ts &&
		    ts < s[i].ts + (s[i].dur ? s[i].dur : 1))
			return &s[i];
	return NULL;
}

/* Every flow joins a waker's running slice to its wakee's: its start
 * inside a slice in which the waker ran, its end where the woken
 * thread's run begins; and each CPU's slices add up to the time the
 * report's threads ran. */
static void check_flows_and_cpus(const struct slice *s, size_t n,
				 const struct run_report *rep, size_t *flows)
{
	*flows = 0;
	for (size_t i = 0; i < n; i++) {
		const struct slice *f = NULL, *in;

		if (s[i].ph[0] != 's')
			continue;
		for (size_t j = 0; j < n && !f; j++)
			if (s[j].ph[0] == 'f' && s[j].id == s[i].id)
				f = &s[j];
		if (!CHECK_MSG(f, "flow %llu has no end",
			       (unsigned long long)s[i].id))
			continue;
		(*flows)++;
		CHECK_MSG(running_at(s, n, s[i].pid, s[i].tid, s[i].ts),
			  "flow %llu starts at %lld outside a run of %u",
			  (unsigned long long)s[i].id, (long long)s[i].ts,
			  s[i].tid);
		in = running_at(s, n, f->pid, f->tid, f->ts);
		CHECK_MSG(in && in->ts == f->ts,
			  "flow %llu ends at %lld, not where a run of %u "
			  "begins",
			  (unsigned long long)s[i].id, (long long)f->ts,
			  f->tid);
		CHECK_MSG(f->tid != s[i].tid, "flow %llu: a thread woke itself",
			  (unsigned long long)s[i].id);
	}
	for (size_t t = 0; t < rep->nthreads; t++) {
		const struct thread_report *th = &rep->threads[t];
		uint64_t on = 0;

		if (!th->has_timeline)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (s[i].pid == CPUS_PID && s[i].on == th->tid)
				on += (uint64_t)s[i].dur;
			/* time it ran before its first switch: on no CPU's
			 * track, since no switch says which */
			if (s[i].pid == th->pid && s[i].tid == th->tid &&
			    s[i].inferred && !strcmp(s[i].name, "running"))
				on += (uint64_t)s[i].dur;
		}
		/* within 1%: the thread's own clock never goes back, a
		 * CPU's slices end at its switches as stamped */
		CHECK_MSG(on <= th->times.oncpu_ns + th->times.oncpu_ns / 100 +
						  1000 &&
				  on + th->times.oncpu_ns / 100 + 1000 >=
					  th->times.oncpu_ns,
			  "thread %u: %llu ns on the CPU tracks, %llu running",
			  th->tid, (unsigned long long)on,
			  (unsigned long long)th->times.oncpu_ns);
	}
}

/* Exports trace into dir and holds the export to the format and the
 * report. Hands back the document and its timed events for more checks. */
static bool export_and_check(const char *trace, const char *dir,
			     json_object **doc, struct slice **s, size_t *n,
			     struct run_report **rep, size_t *flows)
{
	char out[512];

	*doc = NULL;
	*s = NULL;
	*n = 0;
	snprintf(out, sizeof(out), "%s/export.json", dir);
	if (!export_to(trace, out, rep))
		return false;
	*doc = json_object_from_file(out);
	if (!CHECK_MSG(*doc, "%s is not JSON: %s", out,
		       json_util_get_last_err()))
		return false;
	if (!read_events(*doc, s, n) || !check_tracks(*s, *n))
		return false;
	check_against_report(*doc, *s, *n, *rep);
	check_flows_and_cpus(*s, *n, *rep, flows);
	return true;
}

TEST(export_real_traces_are_valid_and_add_up)
{
	static const char *const traces[] = {
		"tests/fuzz/corpus/io-threads.lab",
		"tests/fuzz/corpus/lock-threads.lab",
		"tests/fuzz/corpus/spawn-processes.lab",
		"tests/fuzz/corpus/pingpong-coroutines.lab",
	};

	const char *dir = test_tmpdir();

	for (size_t i = 0; i < sizeof(traces) / sizeof(traces[0]); i++) {
		struct run_report *rep = NULL;
		json_object *doc;
		struct slice *s;
		size_t n, flows;

		if (export_and_check(traces[i], dir, &doc, &s, &n, &rep,
				     &flows))
			CHECK_MSG(n > rep->nthreads, "%s: %zu slices",
				  traces[i], n);
		json_object_put(doc);
		free(s);
		run_report_free(rep);
	}
}

/* A trace recorded now, with the kernel's counters (names) and the
 * workload's phases. */
TEST(export_fresh_recording_is_valid_and_adds_up)
{
	const char *dir = test_tmpdir(), *why;
	const char *argv[] = {test_lab_path(),
			      "run",
			      "lock-threads",
			      "--ops",
			      "200000",
			      "-o",
			      dir,
			      NULL};
	char trace[512], out[8192];
	struct run_report *rep = NULL;
	json_object *doc;
	struct slice *s;
	size_t n, flows;

	if (!test_can_trace(&why))
		SKIP(why);
	if (!CHECK_MSG(test_run(argv, out, sizeof(out), false) == 0, "%s", out))
		return;
	snprintf(trace, sizeof(trace), "%s/lock-threads.lab", dir);
	if (export_and_check(trace, dir, &doc, &s, &n, &rep, &flows)) {
		CHECK(rep->complete && rep->nphases > 0);
		/* the workers hand the lock to each other */
		CHECK_MSG(flows > 0, "no wakeup flow between the threads");
		CHECK_STR(meta_name(doc, "process_name", rep->processes[0].pid,
				    rep->processes[0].pid)
				  ?: "",
			  "lock-threads");
	}
	json_object_put(doc);
	free(s);
	run_report_free(rep);
}

TEST(export_generated_trace_is_valid_and_adds_up)
{
	const char *dir = test_tmpdir();
	char trace[512], hostile_utf8[3 * LAB_COMM_LEN], *text;
	struct run_report *rep = NULL;
	json_object *doc;
	struct slice *s;
	size_t n, flows, inferred = 0;
	uint64_t events;

	snprintf(trace, sizeof(trace), "%s/synthetic.lab", dir);
	events = write_synthetic(trace, 2000);
	if (!CHECK_MSG(events > 20000, "wrote %llu events",
		       (unsigned long long)events))
		return;
	if (!export_and_check(trace, dir, &doc, &s, &n, &rep, &flows))
		goto out;
	/* the root, the workers and the process; not the stranger */
	CHECK_EQ(rep->nthreads, NWORKERS + 2);
	CHECK_EQ(rep->nphases, 4);
	for (size_t i = 0; i < n; i++) {
		CHECK_MSG(s[i].tid != STRANGER, "the stranger has a slice");
		if (!s[i].inferred)
			continue;
		/* the root ran before its first switch, unseen */
		inferred++;
		CHECK_EQ(s[i].tid, ROOT);
		CHECK_STR(s[i].name, "running");
		CHECK_EQ(s[i].ts, 1000);
	}
	CHECK_EQ(inferred, 1);
	/* the hostile name comes back byte for byte, the stray byte as
	 * U+FFFD */
	safe_text(hostile_utf8, sizeof(hostile_utf8), hostile, 0);
	CHECK(strstr(hostile_utf8, "\xef\xbf\xbd") &&
	      strchr(hostile_utf8, '\x1b'));
	CHECK_STR(meta_name(doc, "thread_name", ROOT, ROOT + 2) ?: "",
		  hostile_utf8);
	CHECK_STR(meta_name(doc, "process_name", CHILD, CHILD) ?: "",
		  hostile_utf8);
	CHECK_STR(json_path_str(doc, "otherData.workload"), "synthetic");
	/* DEL and C1 come back as they were, escaped in the file */
	CHECK_STR(json_path_str(doc, "otherData.cmdline") ?: "", c1_cmdline);
	snprintf(trace, sizeof(trace), "%s/export.json", dir);
	text = test_slurp(trace);
	CHECK(text && !strstr(text, "\xc2\x9b") && !strchr(text, '\x7f') &&
	      strstr(text, "\\u009b2J\\u007f"));
	free(text);
out:
	json_object_put(doc);
	free(s);
	run_report_free(rep);
}

/* ---- the command line ---- */

static bool one_line(const char *out)
{
	const char *nl = strchr(out, '\n');

	return !strncmp(out, "lab: export: ", 13) && nl && nl[1] == 0;
}

static bool write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	bool ok = f && fputs(text, f) >= 0;

	if (f && fclose(f))
		ok = false;
	return ok;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

TEST(export_command_line_failures_leave_nothing)
{
	const char *dir = test_tmpdir();
	char trace[512], out[512], tmp[600], notrace[512], nodir[512],
		msg[4096];
	struct {
		const char *argv[8];
		int code;
	} cases[] = {
		{{"export", "--perfetto", trace}, 2},
		{{"export", trace, "-o", out}, 2},
		{{"export", "--perfetto", "-o", out}, 2},
		{{"export", "--perfetto", trace, trace, "-o", out}, 2},
		{{"export", "--perfetto", trace, "-o", trace}, 2},
		{{"export", "--perfetto", "/nonexistent/x.lab", "-o", out}, 1},
		{{"export", "--perfetto", dir, "-o", out}, 1},
		{{"export", "--perfetto", notrace, "-o", out}, 1},
		{{"export", "--perfetto", trace, "-o", nodir}, 1},
	};

	snprintf(trace, sizeof(trace), "%s/synthetic.lab", dir);
	snprintf(out, sizeof(out), "%s/out.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	snprintf(notrace, sizeof(notrace), "%s/notes.txt", dir);
	snprintf(nodir, sizeof(nodir), "%s/missing/out.json", dir);
	if (!CHECK(write_synthetic(trace, 10)))
		return;
	if (!CHECK(write_text(notrace, "not a trace\n")))
		return;
	/* lab runs as an unprivileged user here: let it write */
	if (!CHECK(!chmod(dir, 0777) && !chmod(trace, 0644) &&
		   !chmod(notrace, 0644)))
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[10] = {test_lab_path()};

		for (size_t j = 0; cases[i].argv[j]; j++)
			argv[j + 1] = cases[i].argv[j];
		CHECK_MSG(test_run(argv, msg, sizeof(msg), true) ==
				  cases[i].code,
			  "case %zu: expected exit %d: %s", i, cases[i].code,
			  msg);
		CHECK_MSG(one_line(msg), "case %zu: %s", i, msg);
		CHECK_MSG(!exists(out) && !exists(tmp),
			  "case %zu left a file behind", i);
	}
	CHECK(exists(trace));

	/* and one that works: silent, exit 0, the file is JSON */
	{
		const char *argv[] = {test_lab_path(),
				      "export",
				      "--perfetto",
				      trace,
				      "-o",
				      out,
				      NULL};
		json_object *doc;

		CHECK_MSG(test_run(argv, msg, sizeof(msg), true) == 0, "%s",
			  msg);
		CHECK_STR(msg, "");
		CHECK(!exists(tmp));
		doc = json_object_from_file(out);
		CHECK_MSG(doc && json_path(doc, "traceEvents"), "%s",
			  json_util_get_last_err());
		json_object_put(doc);
	}
}
