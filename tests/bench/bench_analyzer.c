/* bench_analyzer.c - `make bench`: how fast the analyzer turns a trace
 * into its JSON report, and how much memory it takes, on synthetic traces
 * of growing size and on real ones. Prints a Markdown table.
 *
 *	bench-analyzer [-n RUNS] [-k] [TRACE...]
 *
 * Each synthetic trace has 64 threads of one process on two CPUs that
 * block in futex and read calls, are woken and preempted, in the mix of a
 * busy traced workload. Every measurement runs in a fresh child pinned to
 * one CPU: the CPU time of analyze_trace_file + report_write_json to
 * /dev/null, and the child's peak resident set (getrusage). The table
 * gives medians of RUNS (5) runs, and the reader alone (inflate, CRC and
 * validation of every chunk) as the floor under the analysis. -k keeps
 * the synthetic traces (their paths are printed).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "pin.h"
#include "analyze.h"
#include "report.h"
#include "stats.h"
#include "trace_reader.h"
#include "trace_writer.h"

#define MAX_RUNS 21
#define NTHREADS 64
#define ROOT	 1000
#define NCPUS	 2
#define BATCH	 65536
#define NR_READ	 0
#define NR_FUTEX 202
#define TARGET	 10e6 /* events per second on one core */

/* CPU time, not wall time: on a machine shared with other work, the
 * time the analysis itself ran on its core. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the synthetic trace ---- */

enum sim_state { SIM_RUNNING, SIM_RUNNABLE, SIM_BLOCKED };

struct sim {
	struct trace_writer *w;
	struct lab_event buf[BATCH];
	size_t nbuf;
	uint64_t events, ts, rnd;
	enum sim_state state[NTHREADS];
	uint64_t since[NTHREADS]; /* when it became runnable */
	int cur[NCPUS];		  /* the thread on each CPU, -1 idle */
	int runq[NTHREADS], rq_head, rq_len;
	int blocked[NTHREADS], nblocked;
	struct lab_thread_stats kt[NTHREADS];
};

static uint64_t next_random(struct sim *s)
{
	s->rnd ^= s->rnd << 13;
	s->rnd ^= s->rnd >> 7;
	s->rnd ^= s->rnd << 17;
	return s->rnd;
}

static int emit(struct sim *s, struct lab_event ev)
{
	ev.ts = s->ts;
	s->ts += 100 + next_random(s) % 1500;
	s->buf[s->nbuf++] = ev;
	s->events++;
	if (s->nbuf < BATCH)
		return 0;
	s->nbuf = 0;
	return trace_writer_add_events(s->w, s->buf, BATCH);
}

static uint32_t tid_of(int i)
{
	return ROOT + (uint32_t)i;
}

static void rq_push(struct sim *s, int i)
{
	s->runq[(s->rq_head + s->rq_len++) % NTHREADS] = i;
	s->state[i] = SIM_RUNNABLE;
	s->since[i] = s->ts;
}

static int rq_pop(struct sim *s)
{
	int i;

	if (!s->rq_len)
		return -1;
	i = s->runq[s->rq_head];
	s->rq_head = (s->rq_head + 1) % NTHREADS;
	s->rq_len--;
	return i;
}

/* CPU c switches from its thread to the next runnable one, or idles. */
static int switch_out(struct sim *s, int c, uint64_t prev_state, bool preempt)
{
	int prev = s->cur[c], next = rq_pop(s);
	struct lab_event ev = {.type = LAB_EV_SWITCH,
			       .cpu = (uint16_t)c,
			       .value = prev_state,
			       .flags = preempt ? LAB_SWITCH_PREEMPT : 0};

	if (prev >= 0) {
		ev.tid = tid_of(prev);
		ev.pid = ROOT;
		if (preempt)
			s->kt[prev].involuntary_switches++;
		else
			s->kt[prev].voluntary_switches++;
	}
	if (next >= 0) {
		uint64_t wait = s->ts - s->since[next];
		struct lab_thread_stats *k = &s->kt[next];

		ev.other_tid = tid_of(next);
		ev.other_pid = ROOT;
		s->state[next] = SIM_RUNNING;
		k->runq_count++;
		k->runq_wait_ns += wait;
		k->runq_hist[hist_slot(wait, LAB_HIST_SLOTS)]++;
		if (wait > k->runq_max_ns)
			k->runq_max_ns = wait;
	}
	s->cur[c] = next;
	return emit(s, ev);
}

/* The thread on CPU c blocks in a futex wait or a read. */
static int block(struct sim *s, int c)
{
	int i = s->cur[c];
	bool futex = next_random(s) % 4 != 0;
	struct lab_event ev = {.type = LAB_EV_BLOCK,
			       .cpu = (uint16_t)c,
			       .tid = tid_of(i),
			       .pid = ROOT,
			       .aux = futex ? NR_FUTEX : NR_READ,
			       .value = 0x7f0000001000 + 64 * (i % 8),
			       .other_tid = futex ? 128 : 0};
	uint64_t at = s->ts;

	if (emit(s, ev))
		return -1;
	/* the switch carries the block's timestamp */
	s->ts = at;
	s->blocked[s->nblocked++] = i;
	s->state[i] = SIM_BLOCKED;
	return switch_out(s, c, 1, false);
}

static int wake_one(struct sim *s, int c)
{
	size_t j = next_random(s) % (size_t)s->nblocked;
	int i = s->blocked[j];
	struct lab_event ev = {.type = LAB_EV_WAKEUP,
			       .cpu = (uint16_t)c,
			       .tid = tid_of(i),
			       .pid = ROOT,
			       .other_tid =
				       s->cur[c] >= 0 ? tid_of(s->cur[c]) : 0};

	s->blocked[j] = s->blocked[--s->nblocked];
	s->kt[i].wakeups++;
	rq_push(s, i);
	return emit(s, ev);
}

static int mark(struct sim *s, uint32_t what, uint64_t value)
{
	return emit(s, (struct lab_event){.type = LAB_EV_MARK,
					  .tid = ROOT,
					  .pid = ROOT,
					  .aux = what,
					  .value = value});
}

/* The root marks its phases and creates the other 63 threads, which then
 * run until the trace holds want events. */
static int simulate(struct sim *s, uint64_t want)
{
	int err = mark(s, LAB_MARK_PHASE, LAB_PHASE_SETUP) ||
		  mark(s, LAB_MARK_WORKLOAD_START, NTHREADS - 1) ||
		  mark(s, LAB_MARK_PHASE, LAB_PHASE_SPAWN);

	for (int i = 1; i < NTHREADS && !err; i++) {
		s->kt[i].start_ns = s->ts;
		err = emit(s, (struct lab_event){.type = LAB_EV_FORK,
						 .tid = ROOT,
						 .pid = ROOT,
						 .other_tid = tid_of(i),
						 .other_pid = ROOT}) ||
		      emit(s, (struct lab_event){.type = LAB_EV_WAKEUP_NEW,
						 .tid = tid_of(i),
						 .pid = ROOT,
						 .other_tid = ROOT});
		rq_push(s, i);
	}
	err = err || mark(s, LAB_MARK_PHASE, LAB_PHASE_WORK);
	while (!err && s->events + 8 < want) {
		int c = (int)(next_random(s) % NCPUS);
		uint64_t r = next_random(s) % 100;

		if (s->cur[c] < 0)
			err = s->rq_len ? switch_out(s, c, 0, false) : 0;
		else if (r < 55)
			err = block(s, c);
		else if (r < 75)
			err = s->rq_len ? (rq_push(s, s->cur[c]),
					   switch_out(s, c, 0, true))
					: 0;
		else if (r < 78)
			err = emit(s,
				   (struct lab_event){.type = LAB_EV_MIGRATE,
						      .tid = tid_of(s->cur[c]),
						      .pid = ROOT,
						      .cpu = (uint16_t)c});
		if (!err && s->nblocked && next_random(s) % 100 < 60)
			err = wake_one(s, c);
	}
	err = err || mark(s, LAB_MARK_PHASE, LAB_PHASE_JOIN) ||
	      mark(s, LAB_MARK_WORKLOAD_END, 0);
	if (!err && s->nbuf)
		err = trace_writer_add_events(s->w, s->buf, s->nbuf);
	return err ? -1 : 0;
}

/* Writes a synthetic trace of about `events` events to path. */
static int make_trace(const char *path, uint64_t events)
{
	struct lab_trace_info info = {.version = LAB_TRACE_VERSION,
				      .cpu_count = NCPUS,
				      .start_ns = 1000000000};
	struct lab_run_summary sum = {0};
	uint64_t drops[NCPUS] = {0};
	struct sim *s = calloc(1, sizeof(*s));
	int err = -1;

	if (!s)
		return -1;
	snprintf(info.lab_version, sizeof(info.lab_version), "%s", LAB_VERSION);
	snprintf(info.machine, sizeof(info.machine), "x86_64");
	snprintf(info.workload, sizeof(info.workload), "synthetic-threads");
	snprintf(info.cmdline, sizeof(info.cmdline), "bench-analyzer");
	s->ts = info.start_ns;
	s->rnd = 0x9e3779b97f4a7c15ULL;
	s->cur[0] = 0; /* the root runs from the start */
	for (int c = 1; c < NCPUS; c++)
		s->cur[c] = -1;
	for (int i = 0; i < NTHREADS; i++) {
		s->kt[i].tid = tid_of(i);
		s->kt[i].pid = ROOT;
		s->kt[i].parent_tid = i ? ROOT : 0;
		s->kt[i].start_ns = info.start_ns;
		snprintf(s->kt[i].comm, sizeof(s->kt[i].comm), "worker");
	}
	if (trace_writer_open(&s->w, path, &info))
		goto out;
	if (simulate(s, events))
		goto out;
	sum.end_ns = s->ts;
	sum.events = s->events;
	err = trace_writer_finish(s->w, s->kt, NTHREADS, drops, NCPUS, &sum);
out:
	trace_writer_free(s->w);
	free(s);
	return err ? -1 : 0;
}

/* ---- measuring ---- */

struct result {
	uint64_t events, ns;
	long maxrss_kb;
};

/* The reader alone: every chunk inflated, checked and decoded. */
static int read_only(const char *path, uint64_t *events)
{
	struct trace_reader *r = NULL;
	struct trace_chunk c;
	char err[512];
	int rc;

	if (trace_reader_open_file(&r, path, err, sizeof(err)))
		return -1;
	*events = 0;
	while ((rc = trace_reader_next(r, &c, err, sizeof(err))) == 1)
		if (c.type == LAB_CHUNK_EVENTS)
			*events += c.count;
	trace_reader_free(r);
	return rc;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Inflate alone: each chunk's stream inflated raw, past its zlib header,
 * with no checksum (neither zlib's Adler-32 nor the chunk's CRC-32): the
 * floor under any reader of this format that uses zlib. Trusts the file:
 * for the benchmark's own traces and recorded ones only. */
static int inflate_only(const char *path, uint64_t *events)
{
	uint8_t fixed[LAB_TRACE_FIXED_LEN], h[LAB_CHUNK_HEADER_LEN];
	uint8_t *in = malloc(LAB_CHUNK_MAX_RAW),
		*out = malloc(LAB_CHUNK_MAX_RAW);
	FILE *f = fopen(path, "rb");
	z_stream zs = {0};
	int rc = -1;

	*events = 0;
	if (!in || !out || !f || inflateInit2(&zs, -15) != Z_OK)
		goto out;
	if (fread(fixed, 1, sizeof(fixed), f) != sizeof(fixed) ||
	    fseek(f, (long)le32(fixed + 12) + 4, SEEK_CUR))
		goto end;
	while (fread(h, 1, sizeof(h), f) == sizeof(h)) {
		uint32_t raw = le32(h + 12), comp = le32(h + 16);

		if (raw > LAB_CHUNK_MAX_RAW || comp > LAB_CHUNK_MAX_RAW ||
		    comp < 6 || fread(in, 1, comp, f) != comp)
			goto end;
		inflateReset(&zs);
		zs.next_in = in + 2; /* the zlib header; its trailer is left */
		zs.avail_in = comp - 6;
		zs.next_out = out;
		zs.avail_out = raw;
		if (inflate(&zs, Z_FINISH) != Z_STREAM_END)
			goto end;
		if (le32(h + 4) == LAB_CHUNK_EVENTS)
			*events += le32(h + 8);
	}
	rc = 0;
end:
	inflateEnd(&zs);
out:
	if (f)
		fclose(f);
	free(in);
	free(out);
	return rc;
}

static int analyze_to_json(const char *path, uint64_t *events)
{
	struct run_report *r = NULL;
	FILE *f = fopen("/dev/null", "w");
	char err[512];
	int rc = -1;

	if (f && !analyze_trace_file(path, &r, err, sizeof(err))) {
		*events = r->events;
		rc = report_write_json(f, r) ? -1 : 0;
	}
	run_report_free(r);
	if (f)
		fclose(f);
	return rc;
}

/* One measurement in a fresh child, so that its peak resident set is its
 * own; path NULL measures an empty child (the baseline). */
enum what { ANALYZE, READ, INFLATE };

static int measure(const char *path, enum what what, struct result *res)
{
	struct rusage ru;
	int p[2], status;
	pid_t pid;

	if (pipe(p))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct result out = {0};
		uint64_t t0 = cpu_ns();
		int rc = 0;

		close(p[0]);
		if (path && what == ANALYZE)
			rc = analyze_to_json(path, &out.events);
		else if (path && what == READ)
			rc = read_only(path, &out.events);
		else if (path)
			rc = inflate_only(path, &out.events);
		out.ns = cpu_ns() - t0;
		if (rc || write(p[1], &out, sizeof(out)) != sizeof(out))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], res, sizeof(*res)) != sizeof(*res)) {
		close(p[0]);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return -1;
	}
	close(p[0]);
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	res->maxrss_kb = ru.ru_maxrss;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Medians of runs measurements: time, and peak resident set. */
static int measure_median(const char *path, enum what what, int runs,
			  struct result *med, uint64_t *lo, uint64_t *hi)
{
	uint64_t ns[MAX_RUNS] = {0}, rss[MAX_RUNS] = {0};
	struct result r;

	for (int i = 0; i < runs; i++) {
		if (measure(path, what, &r))
			return -1;
		ns[i] = r.ns;
		rss[i] = (uint64_t)r.maxrss_kb;
		med->events = r.events;
	}
	qsort(ns, (size_t)runs, sizeof(*ns), cmp_u64);
	qsort(rss, (size_t)runs, sizeof(*rss), cmp_u64);
	med->ns = ns[runs / 2];
	med->maxrss_kb = (long)rss[runs / 2];
	*lo = ns[0];
	*hi = ns[runs - 1];
	return 0;
}

static double rate(uint64_t events, uint64_t ns)
{
	return ns ? (double)events * 1e9 / (double)ns : 0;
}

/* A trace's row: the analysis, the reader alone and inflate alone.
 * Returns the analysis's events per second, or -1 when it failed. */
static double row(const char *name, const char *path, int runs, long base_kb)
{
	struct result a, rd, inf;
	uint64_t lo, hi, unused;

	if (measure_median(path, ANALYZE, runs, &a, &lo, &hi) ||
	    measure_median(path, READ, runs, &rd, &unused, &unused) ||
	    measure_median(path, INFLATE, runs, &inf, &unused, &unused)) {
		fprintf(stderr, "bench-analyzer: %s: could not be analysed\n",
			path);
		return -1;
	}
	printf("| %s | %.2f M | %.0f ms (%.0f–%.0f) | **%.1f M/s** | "
	       "%.1f M/s | %.1f M/s | %.1f MiB (+%.1f) |\n",
	       name, (double)a.events / 1e6, (double)a.ns / 1e6,
	       (double)lo / 1e6, (double)hi / 1e6, rate(a.events, a.ns) / 1e6,
	       rate(rd.events, rd.ns) / 1e6, rate(inf.events, inf.ns) / 1e6,
	       (double)a.maxrss_kb / 1024,
	       (double)(a.maxrss_kb - base_kb) / 1024);
	return rate(a.events, a.ns);
}

int main(int argc, char **argv)
{
	static const uint64_t sizes[] = {1000000, 10000000};
	char paths[2][64];
	int runs = 5, opt;
	bool keep = false;
	struct result base;
	double big_rate = -1;

	while ((opt = getopt(argc, argv, "n:k")) != -1) {
		if (opt == 'k') {
			keep = true;
			continue;
		}
		runs = opt == 'n' ? atoi(optarg) : 0;
		if (runs < 1 || runs > MAX_RUNS) {
			fprintf(stderr,
				"usage: bench-analyzer [-n RUNS (1-%d)] "
				"[-k] [TRACE...]\n",
				MAX_RUNS);
			return 2;
		}
	}
	if (bench_pin_to_current_cpu() < 0)
		fprintf(stderr, "bench-analyzer: not pinned: %s\n",
			strerror(errno));
	for (size_t i = 0; i < 2; i++) {
		int fd;

		snprintf(paths[i], sizeof(paths[i]),
			 "/tmp/lab-bench-analyzer-XXXXXX");
		fd = mkstemp(paths[i]);
		if (fd < 0 || (close(fd), make_trace(paths[i], sizes[i]))) {
			fprintf(stderr,
				"bench-analyzer: cannot write a trace in /tmp: "
				"%s (free some space)\n",
				strerror(errno));
			return 1;
		}
	}
	if (measure(NULL, ANALYZE, &base)) {
		fprintf(stderr, "bench-analyzer: cannot fork: %s\n",
			strerror(errno));
		return 1;
	}
	printf("| trace | events | analysis + JSON, CPU time: median (range) | "
	       "events/s "
	       "| reader alone | inflate alone | peak RSS (over an empty "
	       "child) |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < 2; i++) {
		char name[64];
		double r;

		snprintf(name, sizeof(name), "synthetic, %d threads", NTHREADS);
		r = row(name, paths[i], runs, base.maxrss_kb);
		if (i == 1)
			big_rate = r;
		if (keep)
			fprintf(stderr, "bench-analyzer: kept %s\n", paths[i]);
		else
			unlink(paths[i]);
	}
	for (int i = optind; i < argc; i++) {
		const char *base_name = strrchr(argv[i], '/');

		row(base_name ? base_name + 1 : argv[i], argv[i], runs,
		    base.maxrss_kb);
	}
	if (big_rate < 0)
		return 1;
	printf("\nAn empty child of the benchmark peaks at %.1f MiB.\n\n"
	       "Target: %.0f M events/s on one core on the %.0f M trace: "
	       "%.1f M/s, %s.\n",
	       (double)base.maxrss_kb / 1024, TARGET / 1e6,
	       (double)sizes[1] / 1e6, big_rate / 1e6,
	       big_rate >= TARGET ? "met" : "missed");
	return 0;
}
