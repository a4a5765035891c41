/* export_perfetto.c - a trace as Chrome trace-event JSON, streamed. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/export_perfetto.h"
#include "analyzer/offcpu.h"
#include "analyzer/phases.h"
#include "analyzer/report.h"
#include "analyzer/safe_text.h"
#include "analyzer/timeline.h"
#include "analyzer/trace_reader.h"

/* The phases track's thread id: above any the kernel hands out
 * (PID_MAX_LIMIT is 2^22), so it cannot be a real thread's. */
#define PHASES_TID (1u << 22)
/* The CPUs' process: a track per CPU, its tid the CPU's number. */
#define CPUS_PID (PHASES_TID + 1)

/* A timeline record that is one of the report's threads. The time it
 * spent before its state was known is named only at its first move, so
 * that slice waits; every other slice is written as it is charged. */
struct track {
	const struct thread_report *thread; /* NULL: not the workload's */
	bool unknown; /* [from, to), before the state was known, waits */
	uint64_t from, to;
	/* where the thread's time in state stood when that began */
	uint64_t oncpu_ns, runnable_ns, new_ns;
	/* its latest running interval charged, [run_from, run_to) */
	uint64_t run_from, run_to;
	/* woken by a thread of the run (waker) at woken_at: a flow from
	 * the waker to this thread's next run */
	bool woken;
	uint32_t waker;
	uint64_t woken_at;
};

/* A CPU: which of the run's threads runs on it since when. */
struct cpu_track {
	bool busy;
	uint32_t rec;
	uint64_t since;
};

struct exporter {
	FILE *out;
	const struct run_report *rep;
	bool first;	      /* no event written yet */
	struct track *tracks; /* one per timeline record */
	size_t ntracks;
	struct cpu_track *cpus; /* one per CPU of the trace's header */
	size_t ncpus;
	uint64_t flows; /* flow ids given so far */
};

/* ---- JSON ---- */

/* A string from the traced program or its trace as a JSON string:
 * invalid UTF-8 becomes U+FFFD, quotes, backslashes and control
 * characters (C1 included) are escaped. */
static void put_str(FILE *f, const char *s)
{
	char safe[3 * sizeof(((struct lab_trace_info *)0)->cmdline) + 1];

	safe_text(safe, sizeof(safe), s, 0);
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)safe; *p; p++) {
		size_t c = safe_text_del_or_c1((const char *)p);

		if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p);
		} else if (*p < 0x20) {
			fprintf(f, "\\u%04x", *p);
		} else if (c) {
			fprintf(f, "\\u%04x", p[c - 1]);
			p += c - 1;
		} else {
			fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* ns as the format's µs, exactly: three decimals */
static void put_us(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%03u", ns / 1000, (unsigned int)(ns % 1000));
}

/* a timestamp: µs after tracing start (negative for an event a few µs
 * before it, from another CPU) */
static void put_ts(struct exporter *x, uint64_t ns)
{
	uint64_t base = x->rep->info.start_ns;

	if (ns < base)
		fputc('-', x->out);
	put_us(x->out, ns < base ? base - ns : ns - base);
}

/* Starts an event: the separator, phase, pid and tid. Perfetto reads
 * an event's keys in order up to "ts" with a tokenizer that some of its
 * versions give no \u escapes, so names from the traced program go
 * only into "args", after it. */
static void event_begin(struct exporter *x, char ph, uint32_t pid, uint32_t tid)
{
	fprintf(x->out, "%s{\"ph\":\"%c\",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32,
		x->first ? "\n" : ",\n", ph, pid, tid);
	x->first = false;
}

/* A metadata event naming a process or thread. */
static void put_name(struct exporter *x, const char *what, uint32_t pid,
		     uint32_t tid, const char *name)
{
	event_begin(x, 'M', pid, tid);
	fprintf(x->out, ",\"name\":\"%s\",\"args\":{\"name\":", what);
	put_str(x->out, name);
	fputs("}}", x->out);
}

/* A complete event: a slice from..to on track (pid, tid). */
static void put_slice(struct exporter *x, uint32_t pid, uint32_t tid,
		      const char *cat, const char *name, const char *detail,
		      uint64_t from, uint64_t to)
{
	event_begin(x, 'X', pid, tid);
	fprintf(x->out, ",\"cat\":\"%s\",\"name\":\"%s%s\",\"ts\":", cat, name,
		detail);
	put_ts(x, from);
	fputs(",\"dur\":", x->out);
	put_us(x->out, to - from);
}

/* ---- the header: run, names, phases ---- */

static void put_other(FILE *f, const char *key, const char *value)
{
	fprintf(f, ",\"%s\":", key);
	put_str(f, value);
}

/* otherData: what the trace says about its run (Perfetto and
 * chrome://tracing show it as the trace's metadata). */
static void put_header(struct exporter *x)
{
	const struct run_report *r = x->rep;
	FILE *f = x->out;

	fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"exported_by\":"
	      "\"lab " LAB_VERSION "\"",
	      f);
	put_other(f, "lab_version", r->info.lab_version);
	put_other(f, "workload", r->info.workload);
	put_other(f, "params", r->info.params);
	put_other(f, "cmdline", r->info.cmdline);
	put_other(f, "kernel", r->info.kernel);
	put_other(f, "machine", r->info.machine);
	put_other(f, "cpu_model", r->info.cpu_model);
	put_other(f, "hypervisor", r->info.hypervisor);
	if (r->info.tlb_tags[0])
		put_other(f, "tlb_tags", r->info.tlb_tags);
	if (r->info.page_table_isolation[0])
		put_other(f, "page_table_isolation",
			  r->info.page_table_isolation);
	if (r->info.tick_ns)
		fprintf(f, ",\"tick_ns\":%" PRIu64, r->info.tick_ns);
	fprintf(f,
		",\"cpu_count\":%" PRIu32 ",\"events\":%" PRIu64
		",\"dropped_events\":%" PRIu64,
		r->info.cpu_count, r->events, r->dropped);
	put_other(f, "incomplete", r->incomplete_reason);
	fputs("},\"traceEvents\":[", f);
}

/* The workload's root, as the analysis finds it: the earliest thread
 * no thread of the trace created. NULL when there is none. */
static const struct thread_report *root_of(const struct run_report *r)
{
	const struct thread_report *root = NULL;

	for (size_t i = 0; i < r->nthreads; i++) {
		const struct thread_report *t = &r->threads[i];

		if (!t->created && !t->parent_tid &&
		    (!root || t->start_ns < root->start_ns))
			root = t;
	}
	return root;
}

/* The root's phases on a track of their own, first in its process. */
static void put_phases(struct exporter *x)
{
	const struct thread_report *root = root_of(x->rep);

	if (!root || !x->rep->nphases)
		return;
	put_name(x, "thread_name", root->pid, PHASES_TID, "phases");
	event_begin(x, 'M', root->pid, PHASES_TID);
	fputs(",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":-1}}",
	      x->out);
	for (size_t i = 0; i < x->rep->nphases; i++) {
		const struct phase_report *p = &x->rep->phases[i];
		const char *name = phases_name(p->phase);
		char unknown[32];

		if (!name) {
			snprintf(unknown, sizeof(unknown), "phase %" PRIu32,
				 p->phase);
			name = unknown;
		}
		put_slice(x, root->pid, PHASES_TID, "phase", name, "",
			  p->start_ns,
			  p->end_ns > p->start_ns ? p->end_ns : p->start_ns);
		fputs("}", x->out);
	}
}

static void put_names(struct exporter *x)
{
	const struct run_report *r = x->rep;

	for (size_t i = 0; i < r->nprocesses; i++)
		put_name(x, "process_name", r->processes[i].pid,
			 r->processes[i].pid, r->processes[i].comm);
	for (size_t i = 0; i < r->nthreads; i++)
		put_name(x, "thread_name", r->threads[i].pid, r->threads[i].tid,
			 r->threads[i].comm);
	put_name(x, "process_name", CPUS_PID, CPUS_PID, "CPUs");
	for (uint32_t c = 0; c < r->info.cpu_count; c++) {
		char name[32];

		snprintf(name, sizeof(name), "CPU %" PRIu32, c);
		put_name(x, "thread_name", CPUS_PID, c, name);
	}
}

/* ---- the threads' slices ---- */

static void put_state(struct exporter *x, const struct thread_report *t,
		      enum tl_state state, enum offcpu_reason why,
		      uint64_t from, uint64_t to, bool inferred)
{
	const char *name = "running", *detail = "";

	switch (state) {
	case TL_NEW:
		name = "new";
		break;
	case TL_RUNNABLE:
		name = "runnable";
		break;
	case TL_BLOCKED:
		name = "blocked: ";
		detail = offcpu_reason_label(why);
		break;
	default:
		break;
	}
	put_slice(x, t->pid, t->tid, "sched", name, detail, from, to);
	fputs(inferred ? ",\"args\":{\"inferred\":true}}" : "}", x->out);
}

/* The slice before the thread's state was known, in the state the
 * timeline has since given that time to (the one its first move, or
 * its close, proves): the one of its times that grew. */
static void put_unknown(struct exporter *x, struct track *k,
			const struct tl_thread *t)
{
	enum tl_state state = TL_BLOCKED;

	if (t->times.oncpu_ns != k->oncpu_ns)
		state = TL_RUNNING;
	else if (t->times.runnable_ns != k->runnable_ns)
		state = TL_RUNNABLE;
	else if (t->times.new_ns != k->new_ns)
		state = TL_NEW;
	put_state(x, k->thread, state, OFFCPU_UNKNOWN, k->from, k->to, true);
	k->unknown = false;
}

/* The timeline's interval listener (timeline.h). */
static void on_interval(void *ctx, uint32_t rec, const struct tl_thread *t,
			uint64_t from, uint64_t to)
{
	struct exporter *x = ctx;
	struct track *k = rec < x->ntracks ? &x->tracks[rec] : NULL;

	if (!k || !k->thread)
		return;
	if (t->state == TL_UNKNOWN) {
		if (!k->unknown) {
			k->unknown = true;
			k->from = from;
			k->oncpu_ns = t->times.oncpu_ns;
			k->runnable_ns = t->times.runnable_ns;
			k->new_ns = t->times.new_ns;
		}
		k->to = to;
		return;
	}
	if (k->unknown)
		put_unknown(x, k, t);
	put_state(x, k->thread, t->state, t->why, from, to, false);
	if (t->state == TL_RUNNING) {
		k->run_from = from;
		k->run_to = to;
	}
}

/* ---- the CPUs and the wakeups ---- */

static struct track *kept(struct exporter *x, uint32_t rec)
{
	return rec < x->ntracks && x->tracks[rec].thread ? &x->tracks[rec]
							 : NULL;
}

/* A slice on CPU cpu's track: the thread that ran there. Its name is
 * the thread's tid; its comm, from the traced program, goes in args. */
static void put_cpu_slice(struct exporter *x, uint16_t cpu, uint32_t rec,
			  uint64_t from, uint64_t to)
{
	const struct thread_report *t = x->tracks[rec].thread;
	char name[32];

	snprintf(name, sizeof(name), "%" PRIu32, t->tid);
	put_slice(x, CPUS_PID, cpu, "cpu", name, "", from, to);
	fprintf(x->out,
		",\"args\":{\"tid\":%" PRIu32 ",\"pid\":%" PRIu32 ",\"comm\":",
		t->tid, t->pid);
	put_str(x->out, t->comm);
	fputs("}}", x->out);
}

/* The CPU's running thread, if one of the run's, leaves it at ts. */
static void cpu_close(struct exporter *x, struct cpu_track *c, uint16_t cpu,
		      uint64_t ts)
{
	if (c->busy && ts > c->since)
		put_cpu_slice(x, cpu, c->rec, c->since, ts);
	c->busy = false;
}

/* A flow from the waker's running slice to the woken thread's: the
 * start at the wakeup, inside a slice in which the waker ran (the
 * latest charged, or the one it is in), the end where the woken
 * thread's run begins. */
static void put_flow(struct exporter *x, const struct timeline *tl,
		     struct track *w, uint64_t at)
{
	const struct track *a = &x->tracks[w->waker];
	const struct tl_thread *at_rec = &tl->threads[w->waker];
	uint64_t ts = w->woken_at;

	if (at_rec->state == TL_RUNNING && at_rec->since <= ts) {
		/* its running slice is still open: it holds ts */
	} else if (a->run_to > a->run_from) {
		if (ts < a->run_from)
			ts = a->run_from;
		if (ts >= a->run_to)
			ts = a->run_to - 1;
	} else {
		return;
	}
	x->flows++;
	event_begin(x, 's', a->thread->pid, a->thread->tid);
	fprintf(x->out,
		",\"cat\":\"wakeup\",\"name\":\"wakeup\",\"id\":%" PRIu64
		",\"ts\":",
		x->flows);
	put_ts(x, ts);
	fputs("}", x->out);
	event_begin(x, 'f', w->thread->pid, w->thread->tid);
	fprintf(x->out,
		",\"cat\":\"wakeup\",\"name\":\"wakeup\",\"id\":%" PRIu64
		",\"bp\":\"e\",\"ts\":",
		x->flows);
	put_ts(x, at);
	fputs("}", x->out);
}

/* After the timeline took ev: the CPU tracks, and the wakeups between
 * the run's threads as flows. Returns 0, or -1 when out of memory. */
static int cpus_and_flows(struct exporter *x, const struct timeline *tl,
			  const struct lab_event *ev)
{
	if (ev->type == LAB_EV_WAKEUP) {
		struct track *w = kept(x, timeline_record(tl, ev->tid));
		uint32_t a = ev->other_tid ? timeline_record(tl, ev->other_tid)
					   : UINT32_MAX;

		if (w && a != UINT32_MAX && kept(x, a) && a != w - x->tracks &&
		    tl->threads[w - x->tracks].state == TL_RUNNABLE) {
			w->woken = true;
			w->waker = a;
			w->woken_at = ev->ts;
		}
		return 0;
	}
	/* a CPU the header does not count is a damaged record's */
	if (ev->type != LAB_EV_SWITCH || ev->cpu >= x->rep->info.cpu_count)
		return 0;
	if (ev->cpu >= x->ncpus) {
		struct cpu_track *c =
			realloc(x->cpus, (ev->cpu + 1u) * sizeof(*c));

		if (!c)
			return -1;
		memset(c + x->ncpus, 0, (ev->cpu + 1u - x->ncpus) * sizeof(*c));
		x->cpus = c;
		x->ncpus = ev->cpu + 1u;
	}
	cpu_close(x, &x->cpus[ev->cpu], ev->cpu, ev->ts);
	if (ev->other_tid) {
		uint32_t n = timeline_record(tl, ev->other_tid);
		struct track *k = kept(x, n);

		if (k) {
			x->cpus[ev->cpu] = (struct cpu_track){true, n, ev->ts};
			if (k->woken)
				put_flow(x, tl, k, ev->ts);
			k->woken = false;
		}
	}
	return 0;
}

/* ---- reading the trace again ---- */

/* Feeds the trace's events to tl as the analysis was fed them, up to
 * the damage if any. Returns 0, or -1 with err set. */
static int replay(const char *path, struct exporter *x, struct timeline *tl,
		  char *err, size_t errlen)
{
	const struct run_report *rep = x->rep;
	struct trace_reader *r = NULL;
	struct trace_chunk c;
	char why[512];

	if (trace_reader_open_file(&r, path, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	while (trace_reader_next(r, &c, why, sizeof(why)) == 1) {
		const struct lab_event *ev = c.data;

		if (c.type != LAB_CHUNK_EVENTS)
			continue;
		for (size_t i = 0; i < c.count; i++) {
			if (timeline_event(tl, &ev[i]) ||
			    cpus_and_flows(x, tl, &ev[i])) {
				trace_reader_free(r);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		}
	}
	trace_reader_free(r);
	if (tl->events != rep->events) {
		snprintf(err, errlen,
			 "%s: the trace changed since it was read (export it "
			 "again)",
			 path);
		return -1;
	}
	return 0;
}

/* A track for each timeline record that is one of the report's threads:
 * a fresh timeline fed the same events makes the same records in the
 * same order as the analysis's. Returns 0, or -1 when out of memory. */
static int find_threads(struct exporter *x)
{
	const struct run_report *r = x->rep;

	for (size_t i = 0; i < r->nthreads; i++)
		if (r->threads[i].has_timeline &&
		    r->threads[i].timeline_rec >= x->ntracks)
			x->ntracks = (size_t)r->threads[i].timeline_rec + 1;
	x->tracks = calloc(x->ntracks + 1, sizeof(*x->tracks));
	if (!x->tracks)
		return -1;
	for (size_t i = 0; i < r->nthreads; i++)
		if (r->threads[i].has_timeline)
			x->tracks[r->threads[i].timeline_rec].thread =
				&r->threads[i];
	return 0;
}

/* The kept threads' slices, written as the timeline charges them; each
 * thread is closed where the analysis closed it, its lifetime's end. */
static int put_threads(struct exporter *x, const char *path, char *err,
		       size_t errlen)
{
	struct timeline tl;
	int rc;

	timeline_init(&tl, offcpu_abi(x->rep->info.machine));
	tl.on_interval = on_interval;
	tl.interval_ctx = x;
	rc = replay(path, x, &tl, err, errlen);
	for (size_t i = 0; !rc && i < x->ntracks && i < tl.n; i++) {
		struct track *k = &x->tracks[i];

		if (!k->thread)
			continue;
		if (timeline_close(&tl, &tl.threads[i],
				   k->thread->start_ns +
					   k->thread->lifetime_ns)) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		if (k->unknown)
			put_unknown(x, k, &tl.threads[i]);
	}
	/* a thread still on its CPU at the end ran up to its own end */
	for (size_t c = 0; !rc && c < x->ncpus; c++)
		if (x->cpus[c].busy) {
			const struct thread_report *t =
				x->tracks[x->cpus[c].rec].thread;

			cpu_close(x, &x->cpus[c], (uint16_t)c,
				  t->start_ns + t->lifetime_ns);
		}
	timeline_free(&tl);
	return rc;
}

int export_perfetto(FILE *out, const char *path, const struct run_report *rep,
		    char *err, size_t errlen)
{
	struct exporter x = {.out = out, .rep = rep, .first = true};
	int rc;

	if (errlen)
		err[0] = '\0';
	if (find_threads(&x)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	put_header(&x);
	put_names(&x);
	put_phases(&x);
	rc = put_threads(&x, path, err, errlen);
	free(x.tracks);
	free(x.cpus);
	if (rc)
		return -1;
	fputs("\n]}\n", out);
	return 0;
}
