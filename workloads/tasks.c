/* tasks.c - the tasks of a chain run, whatever the model (see tasks.h) */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "markers.h"
#include "tasks.h"

#define TASKS_MAX	     10000u
#define TASKS_MAX_DURATION_S 1e5
#define TASKS_CALIBRATE_OPS  (1ull << 18)
#define TASKS_CACHE_LINE     64

uint64_t tasks_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Nanoseconds per step on this CPU: the fastest of a few short runs, as a
 * run that was preempted would make the step look slower than it is. */
static double tasks_ns_per_op(void)
{
	const struct chain c = {.mul = 0x9e3779b97f4a7c15ull, .add = 1};
	double best = 0;
	uint64_t sink = 0;

	for (int i = 0; i < 5; i++) {
		uint64_t t0 = tasks_clock_ns(CLOCK_MONOTONIC);
		double ns;

		sink += chain_run(&c, sink, TASKS_CALIBRATE_OPS);
		ns = (double)(tasks_clock_ns(CLOCK_MONOTONIC) - t0) /
		     (double)TASKS_CALIBRATE_OPS;
		if (i == 0 || ns < best)
			best = ns;
	}
	__asm__ volatile("" : : "r"(sink)); /* the runs must happen */
	return best > 0 ? best : 1;
}

int tasks_parse_cpus(const char *name, const char *list, int *cpus,
		     unsigned *ncpus)
{
	const char *s = list;
	cpu_set_t allowed;

	*ncpus = 0;
	if (!s)
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		fprintf(stderr, "%s: sched_getaffinity: %s\n", name,
			strerror(errno));
		return -1;
	}
	do {
		char *end;
		long cpu;

		errno = 0;
		cpu = isdigit((unsigned char)*s) ? strtol(s, &end, 10) : -1;
		if (cpu < 0 || errno || (*end && *end != ',') ||
		    *ncpus == TASKS_MAX_CPUS) {
			fprintf(stderr, "%s: bad CPU list '%s'\n", name, s);
			return -1;
		}
		if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) {
			fprintf(stderr, "%s: CPU %ld is not available here\n",
				name, cpu);
			return -1;
		}
		cpus[(*ncpus)++] = (int)cpu;
		s = *end ? end + 1 : end;
	} while (*s);
	return 0;
}

/* Nothing to undo when it fails. */
static int tasks_params(struct tasks *ts, const struct tasks_kind *kind,
			const char *name, const struct workload_params *p)
{
	memset(ts, 0, sizeof(*ts));
	ts->kind = kind;
	ts->name = name;
	ts->n = p->tasks ? p->tasks : kind->tasks;
	if (ts->n > TASKS_MAX) {
		fprintf(stderr, "%s: %u tasks, at most %u\n", name, ts->n,
			TASKS_MAX);
		return -1;
	}
	if (p->ops) {
		ts->ops = p->ops;
	} else if (p->duration_s) {
		double d = p->duration_s;

		if (!isfinite(d) || d <= 0 || d > TASKS_MAX_DURATION_S) {
			fprintf(stderr, "%s: bad duration %g s\n", name, d);
			return -1;
		}
		ts->ops = (uint64_t)(d * 1e9 / tasks_ns_per_op() / ts->n);
		if (!ts->ops)
			ts->ops = 1;
	} else {
		ts->ops = kind->ops;
	}
	return tasks_parse_cpus(name, p->cpus, ts->cpus, &ts->ncpus);
}

void *tasks_slot(const struct tasks *ts, unsigned i)
{
	return (char *)ts->slots + (size_t)i * ts->stride;
}

int tasks_begin(struct tasks *ts, const struct tasks_kind *kind,
		const char *name, const struct workload_params *p)
{
	void *map;

	if (tasks_params(ts, kind, name, p) != 0)
		return -1;
	LAB_MARK_START(ts->n);
	LAB_MARK_OPS(ts->ops);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	/* each slot on cache lines of its own, so that tasks writing their
	 * own do not slow each other down (no false sharing) */
	ts->stride = (kind->slot_size + TASKS_CACHE_LINE - 1) /
		     TASKS_CACHE_LINE * TASKS_CACHE_LINE;
	ts->map_len = ts->n * ts->stride;
	map = mmap(NULL, ts->map_len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "%s: mmap: %s\n", ts->name, strerror(errno));
		tasks_finish(ts, 1, "");
		return -1;
	}
	ts->slots = map;
	for (unsigned i = 0; i < ts->n; i++) {
		struct tasks_slot *t = tasks_slot(ts, i);

		t->id = i;
		t->ops = ts->ops;
		snprintf(t->name, sizeof(t->name), "%s%u", kind->prefix, i);
		t->cpu = ts->ncpus ? ts->cpus[i % ts->ncpus] : -1;
		t->chain = chain_for_task(i);
	}
	ts->begin_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	return 0;
}

int tasks_started(const struct tasks *ts, struct tasks_slot *t, int err,
		  const char *call)
{
	if (err)
		fprintf(stderr, "%s: %s: %s\n", ts->name, call, strerror(err));
	t->started = !err;
	return err != 0;
}

int tasks_pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

int tasks_confine(const char *name, const char *list)
{
	int cpus[TASKS_MAX_CPUS];
	unsigned ncpus;
	cpu_set_t set;

	if (!list)
		return 0;
	if (tasks_parse_cpus(name, list, cpus, &ncpus))
		return -1;
	CPU_ZERO(&set);
	for (unsigned i = 0; i < ncpus; i++)
		CPU_SET(cpus[i], &set);
	if (sched_setaffinity(0, sizeof(set), &set) == 0)
		return 0;
	fprintf(stderr, "%s: keeping to CPUs %s: %s\n", name, list,
		strerror(errno));
	return -1;
}

int tasks_pin(struct tasks_slot *t)
{
	if (tasks_pin_cpu(t->cpu) == 0)
		return 0;
	t->failed = 1;
	return -1;
}

void tasks_reaped(struct tasks_slot *t, pid_t got, int status)
{
	if (got != t->pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		t->failed = 1;
}

int tasks_pin_thread(const char *name, const int *cpus, unsigned ncpus,
		     cpu_set_t *saved)
{
	if (!ncpus)
		return 0;
	if (sched_getaffinity(0, sizeof(*saved), saved) == 0 &&
	    tasks_pin_cpu(cpus[0]) == 0)
		return 0;
	fprintf(stderr, "%s: pinning to CPU %d: %s\n", name, cpus[0],
		strerror(errno));
	return -1;
}

void tasks_unpin_thread(unsigned ncpus, const cpu_set_t *saved)
{
	if (ncpus)
		sched_setaffinity(0, sizeof(*saved), saved);
}

int tasks_pin_root(const struct tasks *ts, cpu_set_t *saved)
{
	return tasks_pin_thread(ts->name, ts->cpus, ts->ncpus, saved);
}

void tasks_unpin_root(const struct tasks *ts, const cpu_set_t *saved)
{
	tasks_unpin_thread(ts->ncpus, saved);
}

/* Every task made all its steps and ended where the closed form says;
 * one line on stderr says what was wrong otherwise. */
static int tasks_verdict(const struct tasks *ts)
{
	unsigned wrong = 0;

	for (unsigned i = 0; i < ts->n; i++) {
		const struct tasks_slot *t = tasks_slot(ts, i);
		uint64_t want = chain_expected(&t->chain, ts->ops);

		if (t->started && !t->failed && t->done == ts->ops &&
		    t->x == want)
			continue;
		if (wrong++)
			continue;
		if (!t->started || t->failed || t->done != ts->ops)
			fprintf(stderr, "%s: %s made %llu of %llu steps%s%s\n",
				ts->name, t->name, (unsigned long long)t->done,
				(unsigned long long)ts->ops,
				t->started ? "" : ", never started",
				t->failed ? ", failed" : "");
		else
			fprintf(stderr,
				"%s: %s ended at %#llx, expected %#llx\n",
				ts->name, t->name, (unsigned long long)t->x,
				(unsigned long long)want);
	}
	if (wrong > 1)
		fprintf(stderr, "%s: %u of %u tasks wrong\n", ts->name, wrong,
			ts->n);
	return wrong ? 1 : 0;
}

int tasks_finish(struct tasks *ts, int result, const char *extra)
{
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	ts->secs =
		(double)(tasks_clock_ns(CLOCK_MONOTONIC) - ts->begin_ns) / 1e9;
	/* a failure already said what it was */
	if (!result)
		result = tasks_verdict(ts);
	if (!result)
		ts->kind->report(ts, extra);
	LAB_MARK_END(result);
	if (ts->slots)
		munmap(ts->slots, ts->map_len);
	ts->slots = NULL;
	return result;
}

/* Room for n tasks of `fds` descriptors each, plus a margin: raises the
 * soft limit when it is too low, or says why it cannot. */
int tasks_fd_room(const char *name, const char *what, unsigned n, unsigned fds)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)fds * n + 32;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		fprintf(stderr,
			"%s: %u %s need %llu descriptors, the limit is %llu\n",
			name, n, what, (unsigned long long)need,
			(unsigned long long)rl.rlim_max);
		return -1;
	}
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		fprintf(stderr, "%s: raising the descriptor limit: %s\n", name,
			strerror(errno));
		return -1;
	}
	return 0;
}
