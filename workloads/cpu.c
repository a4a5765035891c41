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
 * computes in about 64 steps (chain.c). What surrounds the models, from
 * the parameters to that verdict, is tasks.c, shared with the gil
 * scenario.
 *
 * cpu_task_run() is the job, the same in every model. Below it, one
 * function per model:
 *	processes	fork, each task in its own process, waitpid
 *	threads		pthread_create, pthread_join
 *	coroutines	coro_spawn, coro_run; a yield after every slice
 *	serial		the tasks one after another
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "coro.h"
#include "cpu.h"
#include "markers.h"
#include "tasks.h"

#define CPU_TASKS     4
#define CPU_OPS	      250000000ull /* per task: about 0.25 s of one CPU */
#define CPU_SLICE_OPS (1ull << 20) /* about 1 ms */

/* A task's slot: what tasks.c keeps for every task, then its timings. */
struct cpu_task {
	struct tasks_slot base;
	uint64_t cpu_ns;	   /* CPU time of its slices */
	uint64_t begin_ns, end_ns; /* CLOCK_MONOTONIC */
};

/* The job, the same in every model: the chain in slices, each timed on the
 * thread's CPU clock. pause, when set, runs between slices. */
static void cpu_task_run(struct cpu_task *t, void (*pause)(void))
{
	const struct chain *c = &t->base.chain;
	uint64_t x = c->x0, ops = t->base.ops, done = 0, cpu = 0;

	t->begin_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	while (done < ops) {
		uint64_t n =
			ops - done < CPU_SLICE_OPS ? ops - done : CPU_SLICE_OPS;
		uint64_t c0 = tasks_clock_ns(CLOCK_THREAD_CPUTIME_ID);

		x = chain_run(c, x, n);
		done += n;
		cpu += tasks_clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
		if (pause && done < ops)
			pause();
	}
	t->end_ns = tasks_clock_ns(CLOCK_MONOTONIC);
	t->base.x = x;
	t->base.done = done;
	t->cpu_ns = cpu;
}

/* One line for the reader: wall time against the CPU the tasks used. The
 * busy figure is how many CPUs worked on average; a task's span is from
 * its first step to its last, which exceeds its CPU time when it shared a
 * CPU with others. */
static void cpu_report(const struct tasks *r, const char *extra)
{
	uint64_t sum = 0, lo = UINT64_MAX, hi = 0, span = 0;

	for (unsigned i = 0; i < r->n; i++) {
		const struct cpu_task *t = tasks_slot(r, i);

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

static const struct tasks_kind cpu_kind = {
	.tasks = CPU_TASKS,
	.ops = CPU_OPS,
	.prefix = "cpu-w",
	.slot_size = sizeof(struct cpu_task),
	.report = cpu_report,
};

/* ---- processes ---- */

static __attribute__((noreturn)) void cpu_child(struct cpu_task *t)
{
	prctl(PR_SET_NAME, t->base.name);
	if (tasks_pin(&t->base) == 0)
		cpu_task_run(t, NULL);
	_exit(t->base.failed);
}

static int cpu_processes_run(const struct workload_params *p)
{
	struct tasks r;
	int err = 0;

	if (tasks_begin(&r, &cpu_kind, "cpu-processes", p) != 0)
		return 1;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct cpu_task *t = tasks_slot(&r, i);
		pid_t pid = fork();

		if (pid == 0)
			cpu_child(t);
		t->base.pid = pid;
		err = tasks_started(&r, &t->base, pid < 0 ? errno : 0, "fork");
	}
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	for (unsigned i = 0; i < r.n; i++) {
		struct cpu_task *t = tasks_slot(&r, i);
		int status = 0;
		pid_t got;

		if (!t->base.started)
			continue;
		while ((got = waitpid(t->base.pid, &status, 0)) < 0 &&
		       errno == EINTR)
			;
		tasks_reaped(&t->base, got, status);
	}
	return tasks_finish(&r, err, "");
}

/* ---- threads ---- */

static void *cpu_thread(void *arg)
{
	struct cpu_task *t = arg;

	pthread_setname_np(pthread_self(), t->base.name);
	if (tasks_pin(&t->base) == 0)
		cpu_task_run(t, NULL);
	return NULL;
}

static int cpu_threads_run(const struct workload_params *p)
{
	struct tasks r;
	int err = 0;

	if (tasks_begin(&r, &cpu_kind, "cpu-threads", p) != 0)
		return 1;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct cpu_task *t = tasks_slot(&r, i);
		int e = pthread_create(&t->base.thread, NULL, cpu_thread, t);

		err = tasks_started(&r, &t->base, e, "pthread_create");
	}
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	for (unsigned i = 0; i < r.n; i++) {
		struct cpu_task *t = tasks_slot(&r, i);

		if (t->base.started)
			pthread_join(t->base.thread, NULL);
	}
	return tasks_finish(&r, err, "");
}

/* ---- coroutines ---- */

static void cpu_coro_task(void *arg)
{
	cpu_task_run(arg, coro_yield);
}

static int cpu_coroutines_run(const struct workload_params *p)
{
	struct tasks r;
	uint64_t switches = coro_switches();
	cpu_set_t saved;
	char extra[160];
	int err = 0, result;

	if (tasks_begin(&r, &cpu_kind, "cpu-coroutines", p) != 0)
		return 1;
	if (tasks_pin_root(&r, &saved) != 0)
		return tasks_finish(&r, 1, "");
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct cpu_task *t = tasks_slot(&r, i);
		int e = coro_spawn(cpu_coro_task, t, 0);

		err = tasks_started(&r, &t->base, -e, "coro_spawn");
	}
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	result = coro_run();
	if (result)
		fprintf(stderr, "%s: coro_run: %s\n", r.name,
			strerror(-result));
	tasks_unpin_root(&r, &saved);
	switches = coro_switches() - switches;
	snprintf(extra, sizeof(extra),
		 "; %llu switches, one thread: a yield every %llu steps",
		 (unsigned long long)switches,
		 (unsigned long long)CPU_SLICE_OPS);
	LAB_MARK_CORO_SWITCHES(switches);
	return tasks_finish(&r, err || result, extra);
}

/* ---- serial ---- */

static int cpu_serial_run(const struct workload_params *p)
{
	struct tasks r;
	cpu_set_t saved;

	if (tasks_begin(&r, &cpu_kind, "cpu-serial", p) != 0)
		return 1;
	if (tasks_pin_root(&r, &saved) != 0)
		return tasks_finish(&r, 1, "");
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	for (unsigned i = 0; i < r.n; i++) {
		struct cpu_task *t = tasks_slot(&r, i);

		t->base.started = 1;
		cpu_task_run(t, NULL);
	}
	tasks_unpin_root(&r, &saved);
	return tasks_finish(&r, 0, "");
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
