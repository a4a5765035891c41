/* tally.c - the tasks of a tally run, whatever the model (see tally.h) */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include "gate.h"
#include "markers.h"
#include "tally.h"

#define TALLY_MAX_TASKS 10000u

static void *tally_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Nothing to undo when it fails. */
static int tally_params(struct tally_run *r, const struct tally_kind *kind,
			const char *name, const struct workload_params *p)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->name = name;
	r->n = p->tasks ? p->tasks : kind->tasks;
	r->ops = p->ops ? p->ops : kind->ops;
	r->updates = (long)r->n * (long)r->ops;
	if (r->n > TALLY_MAX_TASKS) {
		fprintf(stderr, "%s: %u tasks, at most %u\n", name, r->n,
			TALLY_MAX_TASKS);
		return -1;
	}
	return tasks_parse_cpus(name, p->cpus, r->cpus, &r->ncpus);
}

int tally_begin(struct tally_run *r, const struct tally_kind *kind,
		const char *name, const struct workload_params *p, int shared)
{
	if (tally_params(r, kind, name, p) != 0)
		return -1;
	LAB_MARK_START(r->n);
	LAB_MARK_OPS(r->ops);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	r->board_size = sizeof(*r->board) + r->n * sizeof(r->board->t[0]);
	r->board = tally_map(r->board_size);
	r->counter = shared ? tally_map(kind->counter_size) : kind->counter;
	r->counter_mapped = shared && r->counter;
	if (!r->board || !r->counter) {
		fprintf(stderr, "%s: mmap: %s\n", r->name, strerror(errno));
		tally_finish(r, 1);
		return -1;
	}
	for (unsigned i = 0; i < r->n; i++) {
		struct tally_task *t = &r->board->t[i];

		t->run = r;
		t->id = i;
		snprintf(t->name, sizeof(t->name), "%s%u", kind->prefix, i);
		t->cpu = r->ncpus ? r->cpus[i % r->ncpus] : -1;
	}
	return 0;
}

int tally_started(const struct tally_run *r, struct tally_task *t, int err,
		  const char *call)
{
	if (err)
		fprintf(stderr, "%s: %s: %s\n", r->name, call, strerror(err));
	t->started = !err;
	return err != 0;
}

int tally_ready(struct tally_task *t)
{
	if (tasks_pin_cpu(t->cpu) == 0 && gate_wait(&t->run->board->gate))
		return 1;
	t->failed = 1;
	return 0;
}

void tally_work(struct tally_run *r)
{
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	r->t0_ns = tasks_clock_ns(CLOCK_MONOTONIC);
}

void tally_open(struct tally_run *r)
{
	r->started = 0;
	for (unsigned i = 0; i < r->n; i++)
		r->started += r->board->t[i].started;
	tally_work(r);
	gate_set(&r->board->gate,
		 r->started == r->n ? GATE_OPEN : GATE_CALLED_OFF);
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
}

void tally_stop(struct tally_run *r)
{
	r->secs = (double)(tasks_clock_ns(CLOCK_MONOTONIC) - r->t0_ns) / 1e9;
}

int tally_reaped(struct tally_run *r, pid_t pid, int status)
{
	struct tally_task *dead = NULL;

	for (unsigned i = 0; i < r->n && !dead; i++)
		if (r->board->t[i].started && r->board->t[i].pid == pid)
			dead = &r->board->t[i];
	if (!dead)
		return 0;
	dead->pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 1;
	dead->failed = 1;
	if (r->died)
		return 1;
	r->died = dead;
	r->died_status = status;
	for (unsigned i = 0; i < r->n; i++)
		if (r->board->t[i].pid > 0)
			kill(r->board->t[i].pid, SIGKILL);
	return 1;
}

int tally_verdict(const struct tally_run *r, const char *tail)
{
	unsigned short_tasks = 0, started = 0;
	const struct tally_task *first = NULL;

	for (unsigned i = 0; i < r->n; i++) {
		const struct tally_task *t = &r->board->t[i];

		started += t->started;
		if (t->started && !t->failed && t->done == r->ops)
			continue;
		if (!short_tasks++)
			first = t;
	}
	if (r->died && WIFSIGNALED(r->died_status)) {
		fprintf(stderr,
			"%s: %s was killed by signal %d; the others were "
			"stopped%s\n",
			r->name, r->died->name, WTERMSIG(r->died_status),
			r->kind->stopped);
		return 1;
	}
	if (started < r->n) {
		fprintf(stderr,
			"%s: only %u of %u tasks could be started; the run "
			"was called off\n",
			r->name, started, r->n);
		return 1;
	}
	if (first) {
		fprintf(stderr,
			"%s: %u of %u tasks did not finish (%s made %u of "
			"%u %s)%s\n",
			r->name, short_tasks, r->n, first->name, first->done,
			r->ops, r->kind->updates, tail);
		return 1;
	}
	return 0;
}

int tally_finish(struct tally_run *r, int result)
{
	LAB_MARK_END(result);
	if (r->counter_mapped)
		munmap(r->counter, r->kind->counter_size);
	r->counter_mapped = 0;
	r->counter = NULL;
	if (r->board)
		munmap(r->board, r->board_size);
	r->board = NULL;
	return result;
}
