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
 * computes in about 64 steps (chain.c, shared with the gil scenario).
 *
 * cpu_job() is the job, the same in every model. The models are started
 * by launch.c, from the cpu_<model>_run() functions at the end:
 *	processes	fork, each task in its own process, waitpid
 *	threads		pthread_create, pthread_join
 *	coroutines	coro_spawn, coro_run; a yield after every slice
 *	serial		the tasks one after another
 */
#include <stdint.h>
#include <stdio.h>
#include "workloads/chain.h"
#include "workloads/cpu.h"
#include "workloads/launch.h"

#define CPU_TASKS     4
#define CPU_MAX_TASKS 10000u
#define CPU_OPS	      250000000ull /* per task: about 0.25 s of one CPU */
#define CPU_SLICE_OPS (1ull << 20) /* about 1 ms */

/* A task's slot: its chain, then its timings. */
struct cpu_task {
	struct chain_task base;
	uint64_t cpu_ns;	   /* CPU time of its slices */
	uint64_t begin_ns, end_ns; /* CLOCK_MONOTONIC */
};

/* The job, the same in every model: the chain in slices, each timed on the
 * thread's CPU clock, the others let run between two. */
static void cpu_job(struct launch_task *lt)
{
	struct cpu_task *t = (struct cpu_task *)lt;
	const struct chain *c = &t->base.chain;
	uint64_t x = c->x0, ops = lt->run->ops, done = 0, cpu = 0;

	t->begin_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	while (done < ops) {
		uint64_t n =
			ops - done < CPU_SLICE_OPS ? ops - done : CPU_SLICE_OPS;
		uint64_t c0 = tasks_clock_ns(CLOCK_THREAD_CPUTIME_ID);

		x = chain_run(c, x, n);
		done += n;
		cpu += tasks_clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
		if (done < ops)
			launch_pause(lt);
	}
	t->end_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	t->base.x = x;
	t->base.base.done = done;
	t->cpu_ns = cpu;
}

static int cpu_prepare(struct launch *l, const struct workload_params *p)
{
	return chain_steps(l, p, CPU_OPS);
}

/* One line for the reader: wall time against the CPU the tasks used. The
 * busy figure is how many CPUs worked on average; a task's span is from
 * its first step to its last, which exceeds its CPU time when it shared a
 * CPU with others. */
static void cpu_report(const struct launch *l)
{
	uint64_t sum = 0, lo = UINT64_MAX, hi = 0, span = 0;
	uint64_t ns = l->joined_ns - l->start_ns;
	double secs = (double)ns / 1e9;
	char extra[160] = "";

	for (unsigned i = 0; i < l->n; i++) {
		const struct cpu_task *t = launch_slot(l, i);

		sum += t->cpu_ns;
		lo = t->cpu_ns < lo ? t->cpu_ns : lo;
		hi = t->cpu_ns > hi ? t->cpu_ns : hi;
		span += t->end_ns - t->begin_ns;
	}
	if (l->model == LAUNCH_COROUTINES)
		snprintf(
			extra, sizeof(extra),
			"; %llu switches, one thread: a yield every %llu steps",
			(unsigned long long)l->switches,
			(unsigned long long)CPU_SLICE_OPS);
	printf("%s: %u tasks x %llu multiply-adds: %.3f s wall, %.3f s CPU "
	       "(%.3f-%.3f s a task), %.2f CPUs busy; a task spanned %.3f s on "
	       "average%s\n",
	       l->name, l->n, (unsigned long long)l->ops, secs,
	       (double)sum / 1e9, (double)lo / 1e9, (double)hi / 1e9,
	       secs > 0 ? (double)sum / 1e9 / secs : 0,
	       (double)span / l->n / 1e9, extra);
	LAB_RESULT(LAB_RESULT_OPS, (uint64_t)l->n * l->ops);
	LAB_RESULT(LAB_RESULT_OPS_NS, ns);
}

static const struct launch_kind cpu_kind = {
	.scenario = "cpu",
	.prefix = "cpu-w",
	.tasks = CPU_TASKS,
	.max_tasks = CPU_MAX_TASKS,
	.run_size = sizeof(struct launch),
	.slot_size = sizeof(struct cpu_task),
	.flags = LAUNCH_PIN,
	.go_phase = LAB_PHASE_WORK,
	.join_phase = LAB_PHASE_JOIN,
	.job = cpu_job,
	.prepare = cpu_prepare,
	.setup = chain_setup,
	.check = chain_verdict,
	.report = cpu_report,
};

/* ---- the models, each started by launch.c ---- */

static int cpu_processes_run(const struct workload_params *p)
{
	return launch_run(&cpu_kind, LAUNCH_PROCESSES, p);
}

static int cpu_threads_run(const struct workload_params *p)
{
	return launch_run(&cpu_kind, LAUNCH_THREADS, p);
}

static int cpu_coroutines_run(const struct workload_params *p)
{
	return launch_run(&cpu_kind, LAUNCH_COROUTINES, p);
}

static int cpu_serial_run(const struct workload_params *p)
{
	return launch_run(&cpu_kind, LAUNCH_SERIAL, p);
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
