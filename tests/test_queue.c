/* test_queue.c - the queue scenario. Each workload runs in a forked child
 * (workload_child.h) whose stdout and stderr are kept, and which also checks
 * that the run left no child process and no extra thread behind. */
#include <stdio.h>
#include <string.h>
#include "workloads/queue.h"
#include "tests/test.h"
#include "tests/workload_child.h"

static const struct workload *const queue_family[] = {
	&queue_processes,
	&queue_threads,
	&queue_coroutines,
};

#define NQUEUE (sizeof(queue_family) / sizeof(queue_family[0]))

/* The result line: "<name>: N items, P producers, C consumers, ..." */
static int parse_items(const struct child *c, const char *name,
		       unsigned long *items, unsigned *prod, unsigned *cons)
{
	const char *line = child_result(c, name);

	return line && sscanf(line, "%lu items, %u producers, %u consumers",
			      items, prod, cons) == 3;
}

TEST(queue_every_variant_delivers_every_item_once)
{
	const struct workload_params p = {.tasks = 2, .ops = 3000};

	for (size_t i = 0; i < NQUEUE; i++) {
		const struct workload *w = queue_family[i];
		unsigned long items = 0;
		unsigned prod = 0, cons = 0;
		struct child c;

		if (child_run(&c, w, &p, NULL) != 0)
			continue;
		if (!CHECK_MSG(child_exited(&c, 0),
			       "%s: status %#x, stderr: %s", w->name, c.status,
			       c.errtext))
			continue;
		CHECK_MSG(c.errtext[0] == '\0', "%s printed: %s", w->name,
			  c.errtext);
		if (!CHECK_MSG(parse_items(&c, w->name, &items, &prod, &cons),
			       "%s: no result line in: %s", w->name, c.outtext))
			continue;
		CHECK_EQ(items, (unsigned long)p.tasks * p.ops);
		CHECK_EQ(prod, p.tasks);
		CHECK_EQ(cons, p.tasks);
	}
}

TEST(queue_odd_sizes_work_too)
{
	/* one item; more tasks than the queue has slots' worth of items */
	const struct workload_params ps[] = {
		{.tasks = 1, .ops = 1},
		{.tasks = 5, .ops = 7},
	};

	for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++)
		for (size_t i = 0; i < NQUEUE; i++) {
			struct child c;

			if (child_run(&c, queue_family[i], &ps[k], NULL) != 0)
				continue;
			CHECK_MSG(child_exited(&c, 0), "%s %u x %u: %s",
				  queue_family[i]->name, ps[k].tasks, ps[k].ops,
				  c.errtext);
		}
}

TEST(queue_coroutines_switch_only_in_user_space)
{
	const struct workload_params p = {.tasks = 2, .ops = 3000};
	struct child c;

	if (child_run(&c, &queue_coroutines, &p, NULL) != 0 ||
	    !CHECK_MSG(child_exited(&c, 0), "%s", c.errtext))
		return;
	/* a full channel of 256 stops a producer at least once per 256 */
	CHECK_MSG(c.switches >= 2ull * p.tasks * p.ops / 256,
		  "%llu switches for %u items", c.switches, p.tasks * p.ops);
	if (child_run(&c, &queue_threads, &p, NULL) != 0)
		return;
	CHECK_EQ(c.switches, 0);
}

TEST(queue_tasks_carry_their_names)
{
	const struct workload_params p = {.tasks = 2, .ops = 400000};
	const char *const names[] = {"queue-p1", "queue-c1"};
	struct child c;
	int named;

	if (!CHECK_MSG(child_start(&c, &queue_threads, &p, NULL) == 0, "start"))
		return;
	named = child_wait_for_threads(c.pid, names, 2);
	child_finish(&c);
	CHECK_MSG(named, "no threads queue-p1, queue-c1 in %d", (int)c.pid);
	CHECK_MSG(child_exited(&c, 0), "status %#x: %s", c.status, c.errtext);
}

/* A consumer killed with items in hand would leave the producers joined
 * for ever; the root must notice, end the rest and say who. */
TEST(queue_a_killed_process_fails_the_run_fast)
{
	const char *victims[] = {"queue-c1", "queue-p0"};
	const struct workload_params p = {.tasks = 2, .ops = 4000000};

	for (size_t k = 0; k < 2; k++) {
		struct child c;

		if (child_run_killing(&c, &queue_processes, &p, victims[k]) !=
		    0)
			return;
		CHECK_MSG(child_exited(&c, 1), "status %#x, stderr: %s",
			  c.status, c.errtext);
		CHECK_MSG(strstr(c.errtext, victims[k]) &&
				  strstr(c.errtext, "missing"),
			  "stderr: %s", c.errtext);
		/* 8 million items take seconds; the end came at once */
		CHECK_MSG(c.secs < 1.5, "took %.2f s", c.secs);
	}
}

TEST(queue_rejects_what_it_cannot_run)
{
	const struct workload_params p = {.tasks = 100000, .ops = 1};
	struct child c;

	if (child_run(&c, &queue_threads, &p, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "at most"),
			  "status %#x, stderr: %s", c.status, c.errtext);
}
