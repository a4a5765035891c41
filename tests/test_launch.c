/* test_launch.c - the model launcher, through kinds of its own run as
 * workload_table in a forked child (workload_child.h): every model starts its
 * tasks once each, named, shares a counter and a lock with them, holds
 * them at the gate until all exist, and stops the rest when one process
 * dies. */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "workloads/launch.h"
#include "tests/test.h"
#include "tests/workload_child.h"

#define OPS 20000

struct counted {
	struct launch_lock lock; /* first, as LAUNCH_LOCK wants */
	long value;
};

static struct counted counted;

struct probe_task {
	struct launch_task base;
	int named;	 /* its process or thread carried its name */
	uint64_t passed; /* CLOCK_MONOTONIC when its job began */
};

/* The job: the counter, ops times under the lock, letting the others run
 * now and then; and whether the kernel knows the task by its name. */
static void probe_job(struct launch_task *t)
{
	struct probe_task *p = (struct probe_task *)t;
	struct counted *c = t->run->shared;
	char comm[16] = "";

	p->passed = tasks_clock_ns(CLOCK_MONOTONIC);
	prctl(PR_GET_NAME, comm);
	p->named = strcmp(comm, t->name) == 0;
	for (uint64_t i = 0; i < t->run->ops; i++) {
		launch_lock_take(&c->lock);
		c->value++;
		if (i % 64 == 0)
			launch_pause(t);
		launch_lock_give(&c->lock);
	}
	t->done = t->run->ops;
}

static int probe_prepare(struct launch *l, const struct workload_params *p)
{
	l->ops = p->ops ? p->ops : OPS;
	return 0;
}

/* One line with what the root saw; the test reads it. */
static int probe_check(struct launch *l)
{
	const struct counted *c = l->shared;
	unsigned named = 0, early = 0;

	for (unsigned i = 0; i < l->n; i++) {
		const struct probe_task *p = launch_slot(l, i);

		named += p->named;
		early += p->passed < l->go_ns;
	}
	printf("%s: counter %ld of %llu, %u named, %u before the gate, "
	       "%u started\n",
	       l->name, c->value, (unsigned long long)(l->n * l->ops), named,
	       early, l->started);
	return launch_verdict(l, "increments", "", "");
}

static const struct launch_kind probe_kind = {
	.scenario = "probe",
	.prefix = "probe-w",
	.tasks = 3,
	.run_size = sizeof(struct launch),
	.slot_size = sizeof(struct probe_task),
	.flags = LAUNCH_GATE | LAUNCH_SHARE_MEMORY | LAUNCH_LOCK,
	.shared = &counted,
	.shared_size = sizeof(counted),
	.go_phase = LAB_PHASE_WORK,
	.join_phase = LAB_PHASE_JOIN,
	.job = probe_job,
	.prepare = probe_prepare,
	.check = probe_check,
};

static int probe_processes_run(const struct workload_params *p)
{
	return launch_run(&probe_kind, LAUNCH_PROCESSES, p);
}

static int probe_threads_run(const struct workload_params *p)
{
	return launch_run(&probe_kind, LAUNCH_THREADS, p);
}

static int probe_coroutines_run(const struct workload_params *p)
{
	return launch_run(&probe_kind, LAUNCH_COROUTINES, p);
}

static int probe_serial_run(const struct workload_params *p)
{
	return launch_run(&probe_kind, LAUNCH_SERIAL, p);
}

static const struct workload probes[] = {
	{"probe-processes", "probe", "processes", "", probe_processes_run},
	{"probe-threads", "probe", "threads", "", probe_threads_run},
	{"probe-coroutines", "probe", "coroutines", "", probe_coroutines_run},
	{"probe-serial", "probe", "serial", "", probe_serial_run},
};

TEST(launch_every_model_counts_under_one_lock)
{
	const struct workload_params p = {.tasks = 3};

	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		const struct workload *w = &probes[i];
		unsigned named = 0, early = 0, started = 0;
		long value = -1;
		unsigned long long want = 0;
		const char *out;
		struct child c;

		if (child_run_ok(&c, w, &p) != 0)
			continue;
		out = child_result(&c, w->name);
		if (!CHECK_MSG(out && sscanf(out,
					     "counter %ld of %llu, %u named, "
					     "%u before the gate, %u started",
					     &value, &want, &named, &early,
					     &started) == 5,
			       "%s: %s", w->name, c.outtext))
			continue;
		CHECK_EQ(value, 3 * OPS);
		CHECK_EQ(want, 3 * OPS);
		CHECK_EQ(started, 3);
		CHECK_EQ(early, 0);
		/* coroutines and the serial run are the root's own thread */
		if (i < 2)
			CHECK_MSG(named == 3, "%s: %s", w->name, out);
	}
}

/* A process that dies stops the others at once with LAUNCH_STOP_ALL:
 * they would sleep for a minute. */
static void stop_job(struct launch_task *t)
{
	if (t->id == 1) {
		t->failed = 1;
		return;
	}
	tasks_sleep_ns(60ull * 1000000000u);
	t->done = t->run->ops;
}

static int stop_check(struct launch *l)
{
	unsigned killed = 0;

	for (unsigned i = 0; i < l->n; i++) {
		const struct launch_task *t = launch_slot(l, i);

		killed += WIFSIGNALED(t->status) && WTERMSIG(t->status) == 9;
	}
	fprintf(stderr, "%s: %s died first, %u killed\n", l->name,
		l->died ? l->died->name : "none", killed);
	return 1;
}

static const struct launch_kind stop_kind = {
	.scenario = "stop",
	.prefix = "stop-w",
	.tasks = 3,
	.run_size = sizeof(struct launch),
	.slot_size = sizeof(struct launch_task),
	.flags = LAUNCH_STOP_ALL,
	.job = stop_job,
	.prepare = probe_prepare,
	.check = stop_check,
};

static int stop_processes_run(const struct workload_params *p)
{
	return launch_run(&stop_kind, LAUNCH_PROCESSES, p);
}

TEST(launch_stops_the_other_processes_when_one_dies)
{
	const struct workload w = {"stop-processes", "stop", "processes", "",
				   stop_processes_run};
	const struct workload_params p = {0};
	struct child c;

	if (child_run(&c, &w, &p, NULL) != 0)
		return;
	CHECK_MSG(child_exited(&c, 1), "status %#x: %s", c.status, c.errtext);
	CHECK_MSG(strstr(c.errtext, "stop-w1 died first, 2 killed"), "%s",
		  c.errtext);
	CHECK_MSG(c.secs < 10, "took %.1f s", c.secs);
}
