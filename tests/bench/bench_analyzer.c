/* bench_analyzer.c - `make bench`: how fast the analyzer turns a trace
 * into its JSON report, and how much memory it takes, on synthetic traces
 * of growing size and on real ones. Prints a Markdown table.
 *
 *	bench-analyzer [-n RUNS] [-k] [TRACE...]
 *
 * Each synthetic trace has 64 threads of one process on two CPUs that
 * block in futex and read calls, are woken and preempted, in the mix of a
 * busy traced workload (synth.h, SYNTH_MIX_BUSY). Every measurement runs
 * in a fresh child pinned to one CPU: the CPU time of analyze_trace_file +
 * report_write_json to /dev/null, and the child's peak resident set
 * (getrusage). The table gives medians of RUNS (5) runs, and the reader
 * alone (inflate, CRC and validation of every chunk) as the floor under
 * the analysis. -k keeps the synthetic traces (their paths are printed).
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
#include "tests/bench/pin.h"
#include "tests/bench/synth.h"
#include "analyzer/analyze.h"
#include "analyzer/report.h"
#include "analyzer/trace_reader.h"

#define MAX_RUNS 21
#define NTHREADS 64
#define TARGET	 10e6 /* events per second on one core */

/* CPU time, not wall time: on a machine shared with other work, the
 * time the analysis itself ran on its core. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
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
		if (fd < 0 ||
		    (close(fd), synth_trace(paths[i], sizes[i], NTHREADS,
					    SYNTH_MIX_BUSY))) {
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
