/* launch_run.c - a launcher's run from its parameters to its end: the
 * markers around the tasks, what is said when a step fails (see launch.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include "workloads/coro/coro.h"
#include "workloads/evloop.h"
#include "workloads/launch_impl.h"
#include "workloads/memory_point.h"

static const char *const launch_models[LAUNCH_MODELS] = {
	[LAUNCH_PROCESSES] = "processes",   [LAUNCH_THREADS] = "threads",
	[LAUNCH_COROUTINES] = "coroutines", [LAUNCH_SERIAL] = "serial",
	[LAUNCH_EVENTS] = "events",
};

/* The name of a model, as in workload names: "processes". */
static const char *launch_model_name(enum launch_model model)
{
	return launch_models[model];
}

void launch_phase(const struct launch *l, enum lab_phase phase)
{
	if (phase && !launch_has(l, LAUNCH_UNMARKED))
		LAB_MARK_PHASE(phase);
}

/* Nothing to undo when it fails. */
static int launch_params(struct launch *l, const struct workload_params *p)
{
	const struct launch_kind *k = l->kind;

	snprintf(l->name, sizeof(l->name), "%s-%s", k->scenario,
		 launch_model_name(l->model));
	l->n = p->tasks ? p->tasks : k->tasks;
	if (k->max_tasks && l->n > k->max_tasks) {
		fprintf(stderr, "%s: %u tasks, at most %u\n", l->name, l->n,
			k->max_tasks);
		return -1;
	}
	if (!launch_has(l, LAUNCH_PIN))
		return 0;
	return tasks_parse_cpus(l->name, p->cpus, l->cpus, &l->ncpus);
}

struct launch *launch_begin(const struct launch_kind *kind,
			    enum launch_model model,
			    const struct workload_params *p)
{
	struct launch *l = calloc(1, kind->run_size);
	int err;

	if (!l) {
		fprintf(stderr, "%s-%s: out of memory\n", kind->scenario,
			launch_model_name(model));
		return NULL;
	}
	l->kind = kind;
	l->model = model;
	l->switches0 = coro_switches();
	l->dispatches0 = evloop_dispatches();
	if (launch_params(l, p) != 0) {
		free(l);
		return NULL;
	}
	memory_point_hold(l->name, p->hold_s);
	if (kind->prepare && kind->prepare(l, p) != 0) {
		if (kind->teardown)
			kind->teardown(l);
		free(l);
		return NULL;
	}
	LAB_MARK_START(l->marked ? l->marked : l->n);
	if (!launch_has(l, LAUNCH_UNMARKED))
		LAB_MARK_OPS(l->ops);
	launch_phase(l, LAB_PHASE_SETUP);
	err = launch_board_make(l, l->n);
	if (!err)
		err = launch_state_make(l);
	if (err)
		fprintf(stderr, "%s: setting up: %s\n", l->name, strerror(err));
	if (err || (kind->setup && kind->setup(l) != 0)) {
		/* a failure already said: nothing to check */
		launch_end(l, 1);
		return NULL;
	}
	return l;
}

struct launch *launch_group(struct launch *run, const struct launch_kind *kind,
			    unsigned n)
{
	struct launch *g = calloc(1, kind->run_size);

	if (!g)
		return NULL;
	g->kind = kind;
	g->model = run->model;
	g->parent = run;
	g->n = n;
	snprintf(g->name, sizeof(g->name), "%s", run->name);
	if (launch_board_make(g, n) != 0) {
		free(g);
		return NULL;
	}
	return g;
}

void launch_group_free(struct launch *g)
{
	launch_free(g);
}

/* What the coroutines' stacks hold, for the memory a task costs. */
static void launch_mark_stacks(void)
{
	uint64_t kept, resident = coro_pool_resident(&kept);

	LAB_RESULT(LAB_RESULT_CORO_MAPPED,
		   coro_stacks_mapped() * (CORO_STACK_DEFAULT +
					   (uint64_t)sysconf(_SC_PAGESIZE)));
	LAB_RESULT(LAB_RESULT_CORO_KEPT, kept);
	LAB_RESULT(LAB_RESULT_CORO_RESIDENT, resident);
}

/* The stack a thread maps: glibc's default, the stack limit's size. */
static void launch_mark_thread_stack(void)
{
	pthread_attr_t attr;
	size_t size;

	if (pthread_getattr_default_np(&attr))
		return;
	if (pthread_attr_getstacksize(&attr, &size) == 0)
		LAB_RESULT(LAB_RESULT_THREAD_STACK, size);
	pthread_attr_destroy(&attr);
}

int launch_end(struct launch *l, int result)
{
	const struct launch_kind *k = l->kind;

	launch_phase(l, LAB_PHASE_TEARDOWN);
	l->switches = coro_switches() - l->switches0;
	l->dispatches = evloop_dispatches() - l->dispatches0;
	if (!result) {
		result = k->check ? k->check(l) : 0;
		result = result || l->start_err;
		if (!result && k->report)
			k->report(l);
	}
	if (l->model == LAUNCH_COROUTINES) {
		LAB_MARK_CORO_SWITCHES(l->switches);
		launch_mark_stacks();
	} else if (l->model == LAUNCH_THREADS) {
		launch_mark_thread_stack();
	}
	LAB_MARK_END(result);
	if (k->teardown)
		k->teardown(l);
	launch_free(l);
	return result;
}

int launch_failed(struct launch *l, int err, const char *call)
{
	if (!l->start_err) {
		l->start_err = err;
		l->start_call = call;
		l->unsaid = call != NULL;
	}
	return -1;
}

void launch_events_note(const struct launch *l)
{
	if (l->model != LAUNCH_EVENTS)
		return;
	printf("; %llu dispatches, %.1f a task, from a %zu-byte state machine "
	       "each",
	       (unsigned long long)l->dispatches,
	       l->n ? (double)l->dispatches / l->n : 0.0,
	       l->kind->machine_size);
	LAB_RESULT(LAB_RESULT_DISPATCHES, l->dispatches);
	LAB_RESULT(LAB_RESULT_MACHINE_BYTES, l->kind->machine_size);
}

void launch_say(struct launch *l)
{
	if (l->unsaid)
		fprintf(stderr, "%s: %s: %s\n", l->name, l->start_call,
			strerror(l->start_err));
	l->unsaid = 0;
}
