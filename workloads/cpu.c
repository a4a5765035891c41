/* cpu.c - the cpu scenario: N tasks multiply in a loop.
 *
 * Each task runs its own chain of `ops` multiply-adds, x = x * mul + add
 * (mod 2^64), every step waiting for the one before: pure CPU work, no
 * memory traffic, no system call but two CPU clock reads a slice. The job
 * needs processors, so processes and threads finish in about total / CPUs
 * while coroutines, all on one kernel thread, take as long as the serial
 * run: they interleave the tasks but never run two at once.
 *
 * A task works in slices of CPU_SLICE_OPS steps (about a millisecond) and
 * measures the CPU time of each, so every model reports CPU per task next
 * to the wall time. Coroutines yield after each slice, as tasks under a
 * cooperative scheduler must, or the first would run to its end before
 * the second started.
 *
 * The result is checked without redoing the work: n steps of the affine
 * map x -> mul * x + add are one affine map, which repeated squaring
 * computes in about 64 steps (cpu_expected).
 *
 * cpu_task_run() is the job, the same in every model. Below it, one
 * function per model:
 *	processes	fork, each task in its own process, waitpid
 *	threads		pthread_create, pthread_join
 *	coroutines	coro_spawn, coro_run; a yield after every slice
 *	serial		the tasks one after another
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "coro.h"
#include "cpu.h"
#include "markers.h"

#define CPU_TASKS	   4
#define CPU_OPS		   250000000ull /* per task: about 0.25 s of one CPU */
#define CPU_SLICE_OPS	   (1ull << 20) /* about 1 ms */
#define CPU_CALIBRATE_OPS  (1ull << 18)
#define CPU_MAX_TASKS	   10000u
#define CPU_MAX_CPUS	   64 /* entries in a --cpu list */
#define CPU_MAX_DURATION_S 1e5

/* A task's slot. Slots start on cache lines, so that tasks writing their
 * own do not slow each other down (no false sharing). */
struct cpu_task {
	unsigned id;
	char name[16]; /* "cpu-w3": fits the kernel's 15 characters */
	int cpu;       /* the CPU it is pinned to, -1 for any */
	pid_t pid;
	pthread_t thread;
	int started;
	int failed;		   /* could not pin, or died */
	uint64_t ops;		   /* steps to make */
	uint64_t mul, add, x0;	   /* the task's own chain */
	uint64_t x;		   /* where the chain ended */
	uint64_t done;		   /* steps made */
	uint64_t cpu_ns;	   /* CPU time of its slices */
	uint64_t begin_ns, end_ns; /* CLOCK_MONOTONIC */
} __attribute__((aligned(64)));

struct cpu_run {
	const char *name;
	unsigned n;
	uint64_t ops; /* per task */
	int cpus[CPU_MAX_CPUS];
	unsigned ncpus;
	/* a MAP_SHARED mapping, so that a forked child writes where the root
	 * reads */
	struct cpu_task *t;
	size_t map_len;
	uint64_t begin_ns;
	double secs;
};

static uint64_t cpu_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The work: n dependent multiply-adds. The empty asm makes x opaque after
 * every step, so the compiler keeps one multiply and one add per step
 * instead of merging steps or folding the loop. */
static __attribute__((noinline)) uint64_t cpu_chain(uint64_t x, uint64_t mul,
						    uint64_t add, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		x = x * mul + add;
		__asm__("" : "+r"(x));
	}
	return x;
}

/* The same n steps computed another way: the map x -> m * x + a composed
 * with itself is x -> m*m * x + (m * a + a), so n steps take log2(n)
 * squarings. */
static uint64_t cpu_expected(uint64_t x, uint64_t mul, uint64_t add, uint64_t n)
{
	uint64_t m = 1, a = 0; /* the identity */

	while (n) {
		if (n & 1) {
			a = mul * a + add;
			m *= mul;
		}
		add = mul * add + add;
		mul *= mul;
		n >>= 1;
	}
	return m * x + a;
}

/* The job, the same in every model: the chain in slices, each timed on the
 * thread's CPU clock. pause, when set, runs between slices. */
static void cpu_task_run(struct cpu_task *t, void (*pause)(void))
{
	uint64_t x = t->x0, ops = t->ops, done = 0, cpu = 0;

	t->begin_ns = cpu_clock_ns(CLOCK_MONOTONIC);
	while (done < ops) {
		uint64_t n =
			ops - done < CPU_SLICE_OPS ? ops - done : CPU_SLICE_OPS;
		uint64_t c0 = cpu_clock_ns(CLOCK_THREAD_CPUTIME_ID);

		x = cpu_chain(x, t->mul, t->add, n);
		done += n;
		cpu += cpu_clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
		if (pause && done < ops)
			pause();
	}
	t->end_ns = cpu_clock_ns(CLOCK_MONOTONIC);
	t->x = x;
	t->done = done;
	t->cpu_ns = cpu;
}

/* ---- CPUs: "0" puts every task on CPU 0, "0,1" alternates them ---- */

static int cpu_parse_cpus(struct cpu_run *r, const char *s)
{
	cpu_set_t allowed;

	r->ncpus = 0;
	if (!s)
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		fprintf(stderr, "%s: sched_getaffinity: %s\n", r->name,
			strerror(errno));
		return -1;
	}
	do {
		char *end;
		long cpu;

		errno = 0;
		cpu = isdigit((unsigned char)*s) ? strtol(s, &end, 10) : -1;
		if (cpu < 0 || errno || (*end && *end != ',') ||
		    r->ncpus == CPU_MAX_CPUS) {
			fprintf(stderr, "%s: bad CPU list '%s'\n", r->name, s);
			return -1;
		}
		if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) {
			fprintf(stderr, "%s: CPU %ld is not available here\n",
				r->name, cpu);
			return -1;
		}
		r->cpus[r->ncpus++] = (int)cpu;
		s = *end ? end + 1 : end;
	} while (*s);
	return 0;
}

/* Pins the calling thread (and so a single-threaded process). */
static int cpu_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Coroutines and the serial run are one thread: it goes on the first CPU
 * of the list, and back where it was afterwards. */
static int cpu_pin_root(const struct cpu_run *r, cpu_set_t *saved)
{
	if (!r->ncpus)
		return 0;
	if (sched_getaffinity(0, sizeof(*saved), saved) == 0 &&
	    cpu_pin(r->cpus[0]) == 0)
		return 0;
	fprintf(stderr, "%s: pinning to CPU %d: %s\n", r->name, r->cpus[0],
		strerror(errno));
	return -1;
}

static void cpu_unpin_root(const struct cpu_run *r, const cpu_set_t *saved)
{
	if (r->ncpus)
		sched_setaffinity(0, sizeof(*saved), saved);
}

/* ---- parameters, setup, verdict, teardown ---- */

/* Nanoseconds per step on this CPU: the fastest of a few short runs, as a
 * run that was preempted would make the step look slower than it is. */
static double cpu_ns_per_op(void)
{
	double best = 0;
	uint64_t sink = 0;

	for (int i = 0; i < 5; i++) {
		uint64_t t0 = cpu_clock_ns(CLOCK_MONOTONIC);
		double ns;

		sink += cpu_chain(sink, 0x9e3779b97f4a7c15ull, 1,
				  CPU_CALIBRATE_OPS);
		ns = (double)(cpu_clock_ns(CLOCK_MONOTONIC) - t0) /
		     (double)CPU_CALIBRATE_OPS;
		if (i == 0 || ns < best)
			best = ns;
	}
	__asm__ volatile("" : : "r"(sink)); /* the runs must happen */
	return best > 0 ? best : 1;
}

/* ops, else duration_s (seconds of CPU for all tasks together, turned into
 * steps by a quick calibration), else the default. Nothing to undo when
 * it fails. */
static int cpu_params(struct cpu_run *r, const char *name,
		      const struct workload_params *p)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->n = p->tasks ? p->tasks : CPU_TASKS;
	if (r->n > CPU_MAX_TASKS) {
		fprintf(stderr, "%s: %u tasks, at most %u\n", name, r->n,
			CPU_MAX_TASKS);
		return -1;
	}
	if (p->ops) {
		r->ops = p->ops;
	} else if (p->duration_s) {
		double d = p->duration_s;

		if (!isfinite(d) || d <= 0 || d > CPU_MAX_DURATION_S) {
			fprintf(stderr, "%s: bad duration %g s\n", name, d);
			return -1;
		}
		r->ops = (uint64_t)(d * 1e9 / cpu_ns_per_op() / r->n);
		if (!r->ops)
			r->ops = 1;
	} else {
		r->ops = CPU_OPS;
	}
	return cpu_parse_cpus(r, p->cpus);
}

static void cpu_teardown(struct cpu_run *r)
{
	if (r->t)
		munmap(r->t, r->map_len);
	r->t = NULL;
}

static int cpu_setup(struct cpu_run *r)
{
	void *map;

	r->map_len = r->n * sizeof(*r->t);
	map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "%s: mmap: %s\n", r->name, strerror(errno));
		return -1;
	}
	r->t = map;
	for (unsigned i = 0; i < r->n; i++) {
		struct cpu_task *t = &r->t[i];

		t->id = i;
		t->ops = r->ops;
		snprintf(t->name, sizeof(t->name), "cpu-w%u", i);
		t->cpu = r->ncpus ? r->cpus[i % r->ncpus] : -1;
		/* a different chain per task: a task that reported another's
		 * result would not pass */
		t->mul =
			(0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull * i) | 1;
		t->add = 2 * (uint64_t)i + 1;
		t->x0 = (uint64_t)i + 1;
	}
	return 0;
}

/* Every task made all its steps and ended where the closed form says;
 * one line on stderr says what was wrong otherwise. */
static int cpu_verdict(const struct cpu_run *r)
{
	unsigned wrong = 0;

	for (unsigned i = 0; i < r->n; i++) {
		const struct cpu_task *t = &r->t[i];
		uint64_t want = cpu_expected(t->x0, t->mul, t->add, r->ops);

		if (t->started && !t->failed && t->done == r->ops &&
		    t->x == want)
			continue;
		if (wrong++)
			continue;
		if (!t->started || t->failed || t->done != r->ops)
			fprintf(stderr, "%s: %s made %llu of %llu steps%s%s\n",
				r->name, t->name, (unsigned long long)t->done,
				(unsigned long long)r->ops,
				t->started ? "" : ", never started",
				t->failed ? ", failed" : "");
		else
			fprintf(stderr,
				"%s: %s ended at %#llx, expected %#llx\n",
				r->name, t->name, (unsigned long long)t->x,
				(unsigned long long)want);
	}
	if (wrong > 1)
		fprintf(stderr, "%s: %u of %u tasks wrong\n", r->name, wrong,
			r->n);
	return wrong ? 1 : 0;
}

/* One line for the reader: wall time against the CPU the tasks used. The
 * busy figure is how many CPUs worked on average; a task's span is from
 * its first step to its last, which exceeds its CPU time when it shared a
 * CPU with others. */
static void cpu_report(const struct cpu_run *r, const char *extra)
{
	uint64_t sum = 0, lo = UINT64_MAX, hi = 0, span = 0;

	for (unsigned i = 0; i < r->n; i++) {
		const struct cpu_task *t = &r->t[i];

		sum += t->cpu_ns;
		lo = t->cpu_ns < lo ? t->cpu_ns : lo;
		hi = t->cpu_ns > hi ? t->cpu_ns : hi;
		span += t->end_ns - t->begin_ns;
	}
	printf("%s: %u tasks x %llu multiply-adds: %.3f s wall, %.3f s CPU "
	       "(%.3f-%.3f s a task), %.2f CPUs busy; a task spanned %.3f s on "
	       "average%s\n",
	       r->name, r->n, (unsigned long long)r->ops, r->secs,
	       (double)sum / 1e9, (double)lo / 1e9, (double)hi / 1e9,
	       r->secs > 0 ? (double)sum / 1e9 / r->secs : 0,
	       (double)span / r->n / 1e9, extra);
}

/* Marks the start of a run and sets it up; 0 when it can go on. */
static int cpu_begin(struct cpu_run *r)
{
	LAB_MARK_START(r->n);
	LAB_MARK_OPS(r->ops);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (cpu_setup(r) != 0)
		return -1;
	r->begin_ns = cpu_clock_ns(CLOCK_MONOTONIC);
	return 0;
}

/* Judges the run, marks its end and gives back what it holds. */
static int cpu_finish(struct cpu_run *r, int result, const char *extra)
{
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	r->secs = (double)(cpu_clock_ns(CLOCK_MONOTONIC) - r->begin_ns) / 1e9;
	/* a failure already said what it was */
	if (!result)
		result = cpu_verdict(r);
	if (!result)
		cpu_report(r, extra);
	LAB_MARK_END(result);
	cpu_teardown(r);
	return result;
}

/* What a process or thread task does once it exists. */
static void cpu_task_start(struct cpu_task *t)
{
	if (cpu_pin(t->cpu) != 0) {
		t->failed = 1;
		return;
	}
	cpu_task_run(t, NULL);
}

/* ---- processes ---- */

static __attribute__((noreturn)) void cpu_child(struct cpu_task *t)
{
	prctl(PR_SET_NAME, t->name);
	cpu_task_start(t);
	_exit(t->failed);
}

static void cpu_reap(struct cpu_task *t)
{
	int status;
	pid_t got;

	while ((got = waitpid(t->pid, &status, 0)) < 0 && errno == EINTR)
		;
	/* a child that died left its slot as far as it got */
	if (got != t->pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		t->failed = 1;
}

static int cpu_processes_run(const struct workload_params *p)
{
	struct cpu_run r;
	int err = 0;

	if (cpu_params(&r, "cpu-processes", p) != 0)
		return 1;
	if (cpu_begin(&r) != 0)
		return cpu_finish(&r, 1, "");
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct cpu_task *t = &r.t[i];
		pid_t pid = fork();

		if (pid == 0)
			cpu_child(t);
		if (pid < 0) {
			fprintf(stderr, "%s: fork: %s\n", r.name,
				strerror(errno));
			err = 1;
			break;
		}
		t->pid = pid;
		t->started = 1;
	}
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	for (unsigned i = 0; i < r.n; i++)
		if (r.t[i].started)
			cpu_reap(&r.t[i]);
	return cpu_finish(&r, err, "");
}

/* ---- threads ---- */

static void *cpu_thread(void *arg)
{
	struct cpu_task *t = arg;

	pthread_setname_np(pthread_self(), t->name);
	cpu_task_start(t);
	return NULL;
}

static int cpu_threads_run(const struct workload_params *p)
{
	struct cpu_run r;
	int err = 0;

	if (cpu_params(&r, "cpu-threads", p) != 0)
		return 1;
	if (cpu_begin(&r) != 0)
		return cpu_finish(&r, 1, "");
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct cpu_task *t = &r.t[i];

		err = pthread_create(&t->thread, NULL, cpu_thread, t);
		if (err)
			fprintf(stderr, "%s: pthread_create: %s\n", r.name,
				strerror(err));
		t->started = !err;
	}
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	for (unsigned i = 0; i < r.n; i++)
		if (r.t[i].started)
			pthread_join(r.t[i].thread, NULL);
	return cpu_finish(&r, err != 0, "");
}

/* ---- coroutines ---- */

static void cpu_coro_task(void *arg)
{
	cpu_task_run(arg, coro_yield);
}

static int cpu_coroutines_run(const struct workload_params *p)
{
	struct cpu_run r;
	uint64_t switches = coro_switches();
	cpu_set_t saved;
	char extra[160];
	int err = 0, result;

	if (cpu_params(&r, "cpu-coroutines", p) != 0)
		return 1;
	if (cpu_begin(&r) != 0 || cpu_pin_root(&r, &saved) != 0)
		return cpu_finish(&r, 1, "");
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		err = coro_spawn(cpu_coro_task, &r.t[i], 0);
		if (err)
			fprintf(stderr, "%s: coro_spawn: %s\n", r.name,
				strerror(-err));
		r.t[i].started = !err;
	}
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	result = coro_run();
	if (result)
		fprintf(stderr, "%s: coro_run: %s\n", r.name,
			strerror(-result));
	cpu_unpin_root(&r, &saved);
	switches = coro_switches() - switches;
	snprintf(extra, sizeof(extra),
		 "; %llu switches, one thread: a yield every %llu steps",
		 (unsigned long long)switches,
		 (unsigned long long)CPU_SLICE_OPS);
	LAB_MARK_CORO_SWITCHES(switches);
	return cpu_finish(&r, err || result, extra);
}

/* ---- serial ---- */

static int cpu_serial_run(const struct workload_params *p)
{
	struct cpu_run r;
	cpu_set_t saved;

	if (cpu_params(&r, "cpu-serial", p) != 0)
		return 1;
	if (cpu_begin(&r) != 0 || cpu_pin_root(&r, &saved) != 0)
		return cpu_finish(&r, 1, "");
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	for (unsigned i = 0; i < r.n; i++) {
		r.t[i].started = 1;
		cpu_task_run(&r.t[i], NULL);
	}
	cpu_unpin_root(&r, &saved);
	return cpu_finish(&r, 0, "");
}

const struct workload cpu_processes = {
	.name = "cpu-processes",
	.scenario = "cpu",
	.model = "processes",
	.summary =
		"N processes run multiply-add chains, in parallel on all CPUs",
	.run = cpu_processes_run,
};

const struct workload cpu_threads = {
	.name = "cpu-threads",
	.scenario = "cpu",
	.model = "threads",
	.summary = "N threads run multiply-add chains, in parallel on all CPUs",
	.run = cpu_threads_run,
};

const struct workload cpu_coroutines = {
	.name = "cpu-coroutines",
	.scenario = "cpu",
	.model = "coroutines",
	.summary = "N coroutines run the chains on one thread: one CPU",
	.run = cpu_coroutines_run,
};

const struct workload cpu_serial = {
	.name = "cpu-serial",
	.scenario = "cpu",
	.model = "serial",
	.summary = "the same chains one after another: the one-CPU baseline",
	.run = cpu_serial_run,
};
