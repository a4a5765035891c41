/* test_compare.c - the family comparison and its explanation, on
 * synthetic runs with known figures: one test (or more) per rule,
 * including orders the measurements violate and differences too close to
 * call, and the writers that render them. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "analyzer/analysis.h"
#include "analyzer/analyze.h"
#include "analyzer/compare.h"
#include "analyzer/explain.h"
#include "analyzer/report.h"
#include "tests/test.h"
#include "analyzer/units.h"

#define US 1000ULL
#define MS 1000000ULL
#define S  1000000000ULL
#define T0 (1000 * MS)

/* ---- synthetic runs ---- */

/* A complete, successful run of scenario-model on 2 CPUs with 4 tasks:
 * the figures the tests care about are set after. */
static struct run_report *run_of(const char *workload, uint64_t wall,
				 uint64_t oncpu)
{
	struct run_report *r = calloc(1, sizeof(*r));

	if (!r)
		abort();
	snprintf(r->info.workload, sizeof(r->info.workload), "%s", workload);
	snprintf(r->info.params, sizeof(r->info.params), "tasks=4");
	snprintf(r->info.lab_version, sizeof(r->info.lab_version), "0.1.0");
	r->info.cpu_count = 2;
	r->complete = true;
	r->has_summary = true;
	r->summary.utime_ns = oncpu;
	r->summary.maxrss_kb = 2048;
	r->wall_ns = wall;
	r->totals.oncpu_ns = oncpu;
	r->has_times = true;
	r->marked_tasks = 4;
	return r;
}

static void switches(struct run_report *r, uint64_t vol, uint64_t invol)
{
	r->totals.voluntary_switches = vol;
	r->totals.involuntary_switches = invol;
}

/* A comparison of the runs given, NULL-terminated; frees them. */
static void compare_runs(struct comparison *c, struct run_report **runs)
{
	char err[256];

	compare_init(c);
	for (size_t i = 0; runs[i]; i++) {
		if (!CHECK_MSG(compare_add(c, runs[i], err, sizeof(err)) == 0,
			       "compare_add: %s", err))
			break;
	}
	for (size_t i = 0; runs[i]; i++)
		free(runs[i]);
	compare_finish(c);
}

/* Runs every rule; returns the claim of one of them, or NULL. */
static const struct claim *claim_of(const struct comparison *c,
				    struct explanation *e, const char *rule)
{
	if (!CHECK(explain(c, e) == 0))
		return NULL;
	return explain_find(e, rule);
}

/* Every sentence of every claim rests on a number, and every figure a
 * claim records as evidence is shown in its text. */
static void check_claims_have_numbers(const struct explanation *e)
{
	for (size_t i = 0; i < e->n; i++) {
		const struct claim *cl = &e->claims[i];
		const char *p = cl->text;

		CHECK_MSG(cl->nev > 0, "%s: no evidence: %s", cl->rule,
			  cl->text);
		CHECK_MSG(cl->nev < EXPLAIN_MAX_EVIDENCE,
			  "%s: evidence may have been cut", cl->rule);
		for (size_t j = 0; j < cl->nev; j++)
			CHECK_MSG(strstr(cl->text, cl->ev[j].shown),
				  "%s: evidence %s not in the text: %s",
				  cl->rule, cl->ev[j].shown, cl->text);
		/* sentences end with ". " then a capital, or the end */
		while (*p) {
			const char *end = strstr(p, ". ");
			bool digit = false;

			while (end && !isupper((unsigned char)end[2]))
				end = strstr(end + 1, ". ");
			if (!end)
				end = p + strlen(p);
			for (const char *q = p; q < end; q++)
				digit |= isdigit((unsigned char)*q) != 0;
			CHECK_MSG(digit,
				  "%s: a sentence without a number: %.*s",
				  cl->rule, (int)(end - p), p);
			p = *end ? end + 2 : end;
		}
	}
}

static bool has_text(const struct claim *cl, const char *s)
{
	return cl && strstr(cl->text, s);
}

#define CHECK_CLAIM(cl, s)                                                     \
	CHECK_MSG(has_text(cl, s), "claim lacks \"%s\": %s", s,                \
		  (cl) ? (cl)->text : "(no claim)")

/* ---- lining the runs up ---- */

TEST(compare_reads_the_model_from_the_workload_name)
{
	char sc[64];

	CHECK_EQ(compare_model_of("io-threads", sc, sizeof(sc)), CMP_THREADS);
	CHECK_STR(sc, "io");
	CHECK_EQ(compare_model_of("race-free-serial", sc, sizeof(sc)),
		 CMP_SERIAL);
	CHECK_STR(sc, "race-free");
	CHECK_EQ(compare_model_of("io-coroutines", sc, sizeof(sc)),
		 CMP_COROUTINES);
	CHECK_EQ(compare_model_of("switchy", sc, sizeof(sc)), -1);
	CHECK_EQ(compare_model_of("-threads", sc, sizeof(sc)), -1);
	CHECK_EQ(compare_model_of("io-fibers", sc, sizeof(sc)), -1);
	CHECK_EQ(compare_model_of("io-threads", sc, 2), -1);
}

TEST(compare_refuses_runs_of_another_job)
{
	struct comparison c;
	struct run_report *a = run_of("io-threads", 10 * MS, MS),
			  *b = run_of("cpu-threads", 10 * MS, MS),
			  *d = run_of("io-processes", 10 * MS, MS),
			  *x = run_of("switchy", 10 * MS, MS);
	char err[256];

	compare_init(&c);
	CHECK_EQ(compare_add(&c, a, err, sizeof(err)), 0);
	CHECK_EQ(compare_add(&c, b, err, sizeof(err)), -1);
	CHECK_MSG(strstr(err, "cpu-threads is a run of cpu, not of io"), "%s",
		  err);
	snprintf(d->info.params, sizeof(d->info.params), "tasks=8");
	CHECK_EQ(compare_add(&c, d, err, sizeof(err)), -1);
	CHECK_MSG(strstr(err, "not the same job"), "%s", err);
	CHECK_EQ(compare_add(&c, x, err, sizeof(err)), -1);
	CHECK_MSG(strstr(err, "switchy is not a built-in workload's run"), "%s",
		  err);
	compare_free(&c);
	free(a);
	free(b);
	free(d);
	free(x);
}

TEST(compare_leaves_out_failed_and_incomplete_runs)
{
	struct comparison c;
	struct explanation e;
	struct run_report *ok = run_of("io-threads", 10 * MS, MS),
			  *failed = run_of("io-threads", 99 * MS, MS),
			  *cut = run_of("io-threads", 98 * MS, MS);
	const struct claim *cl;

	failed->summary.exit_status = 3 << 8; /* exit 3 */
	cut->complete = false;
	compare_runs(&c, (struct run_report *[]){ok, failed, cut, NULL});
	CHECK_EQ(c.model[CMP_THREADS].runs, 1);
	CHECK_EQ(c.model[CMP_THREADS].excluded, 2);
	CHECK_EQ(compare_stat(&c, CMP_THREADS, CMP_WALL)->median, 10 * MS);
	cl = claim_of(&c, &e, "quality");
	CHECK_CLAIM(cl, "2 of io-threads left out");
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

TEST(compare_takes_medians_and_ranges_over_repeats)
{
	struct comparison c;
	const struct cmp_stat *s;

	compare_runs(&c, (struct run_report *[]){
				 run_of("io-threads", 10 * MS, MS),
				 run_of("io-threads", 30 * MS, MS),
				 run_of("io-threads", 20 * MS, MS),
				 run_of("io-processes", 40 * MS, MS),
				 run_of("io-processes", 50 * MS, MS),
				 NULL,
			 });
	s = compare_stat(&c, CMP_THREADS, CMP_WALL);
	if (!CHECK(s))
		return;
	CHECK_EQ(s->n, 3);
	CHECK_EQ(s->median, 20 * MS);
	CHECK_EQ(s->min, 10 * MS);
	CHECK_EQ(s->max, 30 * MS);
	/* nearest rank: of two runs, the lower, a value that was measured */
	CHECK_EQ(compare_stat(&c, CMP_PROCESSES, CMP_WALL)->median, 40 * MS);
	CHECK_EQ(compare_repeats(&c), 3);
	CHECK(compare_has_spread(&c));
	CHECK(!compare_stat(&c, CMP_COROUTINES, CMP_WALL));
	compare_free(&c);
}

/* A table's cell: the median, and half the range relative to it. */
TEST(compare_shows_a_figure_with_its_spread)
{
	char b[48];

	CHECK_STR(
		compare_show_stat(b, sizeof(b),
				  &(struct cmp_stat){1, 1.52e6, 1.52e6, 1.52e6},
				  CMP_UNIT_NS),
		"1.52 ms");
	CHECK_STR(compare_show_stat(b, sizeof(b),
				    &(struct cmp_stat){3, 100, 96, 104},
				    CMP_UNIT_COUNT),
		  "100 ±4%");
	CHECK_STR(compare_show_stat(b, sizeof(b),
				    &(struct cmp_stat){3, 100, 0, 500},
				    CMP_UNIT_COUNT),
		  "100 ±>99%");
}

TEST(compare_calls_an_order_only_beyond_the_margin)
{
	struct comparison c;

	/* one run each: wall time's margin, 65% */
	compare_runs(&c, (struct run_report *[]){
				 run_of("io-processes", 164 * MS, MS),
				 run_of("io-threads", 100 * MS, MS),
				 run_of("io-coroutines", 166 * MS, MS),
				 NULL,
			 });
	CHECK_EQ(compare_order(&c, CMP_WALL, CMP_PROCESSES, CMP_THREADS),
		 CMP_CLOSE);
	CHECK_EQ(compare_order(&c, CMP_WALL, CMP_COROUTINES, CMP_THREADS),
		 CMP_ABOVE);
	CHECK_EQ(compare_order(&c, CMP_WALL, CMP_THREADS, CMP_COROUTINES),
		 CMP_BELOW);
	CHECK_EQ(compare_order(&c, CMP_WALL, CMP_THREADS, CMP_SERIAL),
		 CMP_UNKNOWN);
	/* run-queue waits vary far more between identical runs */
	CHECK(compare_margin(CMP_RUNQ_WAIT) > compare_margin(CMP_WALL));
	compare_free(&c);

	/* repeats: medians 2x apart, but the ranges overlap */
	compare_runs(&c, (struct run_report *[]){
				 run_of("io-processes", 100 * MS, MS),
				 run_of("io-processes", 200 * MS, MS),
				 run_of("io-processes", 210 * MS, MS),
				 run_of("io-threads", 90 * MS, MS),
				 run_of("io-threads", 100 * MS, MS),
				 run_of("io-threads", 101 * MS, MS),
				 NULL,
			 });
	CHECK_EQ(compare_order(&c, CMP_WALL, CMP_PROCESSES, CMP_THREADS),
		 CMP_CLOSE);
	compare_free(&c);

	/* repeats: 10% apart and the ranges apart: called */
	compare_runs(&c, (struct run_report *[]){
				 run_of("io-processes", 110 * MS, MS),
				 run_of("io-processes", 111 * MS, MS),
				 run_of("io-threads", 100 * MS, MS),
				 run_of("io-threads", 101 * MS, MS),
				 NULL,
			 });
	CHECK_EQ(compare_order(&c, CMP_WALL, CMP_PROCESSES, CMP_THREADS),
		 CMP_ABOVE);
	compare_free(&c);
}

TEST(compare_counts_tasks_spawn_phases_and_mutex_waits)
{
	struct comparison c;
	struct run_report *r = run_of("spawn-threads", 10 * MS, MS);
	struct phase_report ph[3] = {
		{.phase = LAB_PHASE_SPAWN, .start_ns = T0, .end_ns = T0 + MS},
		{.phase = LAB_PHASE_JOIN,
		 .start_ns = T0 + MS,
		 .end_ns = T0 + 2 * MS},
		{.phase = LAB_PHASE_SPAWN,
		 .start_ns = T0 + 2 * MS,
		 .end_ns = T0 + 3 * MS},
	};
	uint32_t tids[1] = {7};
	struct lock_report locks[2] = {
		/* a mutex: FUTEX_WAIT */
		{.ops = 1u << 0,
		 .kind = LOCK_KIND_LOCK,
		 .count = 5,
		 .total_ns = 3 * MS,
		 .tids = tids,
		 .ntids = 1},
		/* pthread_join: a wait for a thread, no lock */
		{.ops = 1u << 9,
		 .kind = LOCK_KIND_JOIN,
		 .count = 1,
		 .total_ns = 9 * MS,
		 .tids = tids,
		 .ntids = 1},
	};

	r->marked_tasks = 50;
	r->phases = ph;
	r->nphases = 3;
	r->user_locks = locks;
	r->nuser_locks = 2;
	r->totals.klock_wait_ns = 7 * US;
	compare_init(&c);
	{
		char err[128];

		CHECK_EQ(compare_add(&c, r, err, sizeof(err)), 0);
	}
	compare_finish(&c);
	free(r);
	/* each spawn round creates the marked tasks */
	CHECK_EQ(compare_stat(&c, CMP_THREADS, CMP_TASKS)->median, 100);
	CHECK_EQ(compare_stat(&c, CMP_THREADS, CMP_SPAWN)->median, 2 * MS);
	CHECK_EQ(compare_stat(&c, CMP_THREADS, CMP_SPAWN_PER_TASK)->median,
		 20 * US);
	CHECK_EQ(compare_stat(&c, CMP_THREADS, CMP_LOCK_WAIT)->median, 3 * MS);
	CHECK_EQ(compare_stat(&c, CMP_THREADS, CMP_LOCK_WAITS)->median, 5);
	/* nor a wait for an event */
	CHECK_EQ(compare_stat(&c, CMP_THREADS, CMP_COND_WAITS)->median, 0);
	CHECK_EQ(compare_stat(&c, CMP_THREADS, CMP_KLOCK_WAIT)->median, 7 * US);
	compare_free(&c);
}

/* The WORKLOAD_START marker's task count reaches the report. */
TEST(compare_tasks_come_from_the_start_marker)
{
	struct lab_trace_info info = {
		.version = LAB_TRACE_VERSION, .cpu_count = 2, .start_ns = T0};
	const struct lab_event ev[] = {
		{.ts = T0 + 10,
		 .type = LAB_EV_MARK,
		 .tid = 100,
		 .pid = 100,
		 .aux = LAB_MARK_WORKLOAD_START,
		 .value = 6},
		{.ts = T0 + 20,
		 .type = LAB_EV_MARK,
		 .tid = 100,
		 .pid = 100,
		 .aux = LAB_MARK_WORKLOAD_START,
		 .value = 99},
	};
	struct analysis *a;
	struct run_report *r;

	snprintf(info.workload, sizeof(info.workload), "io-threads");
	a = analysis_new(&info);
	if (!CHECK(a))
		return;
	analysis_add_events(a, ev, 2);
	r = analysis_finish(a);
	if (!CHECK(r))
		return;
	CHECK_EQ(r->marked_tasks, 6);
	run_report_free(r);
}

/* ---- the rules ---- */

TEST(explain_names_the_cheapest_by_wall_time)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;

	compare_runs(&c, (struct run_report *[]){
				 run_of("spawn-processes", 9 * MS, 8 * MS),
				 run_of("spawn-threads", 2 * MS, 2 * MS),
				 run_of("spawn-coroutines", MS / 10, MS / 10),
				 NULL,
			 });
	cl = claim_of(&c, &e, "cheapest");
	CHECK_CLAIM(cl, "Coroutines measured cheapest by wall time: 100 µs "
			"against 2.00 ms for threads and 9.00 ms for "
			"processes.");
	if (cl) {
		CHECK_STR(cl->ev[0].metric, "wall_ns");
		CHECK_EQ(cl->ev[0].model, CMP_COROUTINES);
		CHECK_EQ(cl->ev[0].value, MS / 10);
	}
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

/* The cost decides alone: another figure that happens to separate the
 * models does not name a cheapest. */
TEST(explain_names_no_cheapest_when_the_cost_is_too_close)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;

	compare_runs(&c, (struct run_report *[]){
				 run_of("io-processes", 311 * MS, 9 * MS),
				 run_of("io-threads", 307 * MS, 7 * MS),
				 run_of("io-coroutines", 304 * MS, 3 * MS),
				 NULL,
			 });
	cl = claim_of(&c, &e, "cheapest");
	CHECK_CLAIM(cl, "No model measured clearly cheapest by wall time: "
			"coroutines had the lowest, 304 ms, too close to call "
			"against threads 307 ms and processes 311 ms");
	/* no order against expectation: nothing the table does not say */
	CHECK(!explain_find(&e, "order_wall"));
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

TEST(explain_says_when_nothing_is_clearly_cheapest)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;
	struct run_report *p = run_of("lock-processes", 640 * MS, 680 * MS),
			  *t = run_of("lock-threads", 590 * MS, 600 * MS),
			  *co = run_of("lock-coroutines", 990 * MS, 970 * MS);

	switches(p, 400, 78);
	switches(t, 400, 87);
	switches(co, 60, 6);
	compare_runs(&c, (struct run_report *[]){p, t, co, NULL});
	cl = claim_of(&c, &e, "cheapest");
	/* the coroutines' few switches do not make up for losing on wall
	 * time */
	CHECK_CLAIM(cl, "No model measured clearly cheapest by wall time: "
			"threads had the lowest, 590 ms, too close to call "
			"against processes 640 ms; coroutines 990 ms is above "
			"it");
	/* the evidence follows the text: the lowest wall time first */
	if (cl) {
		CHECK_STR(cl->ev[0].metric, "wall_ns");
		CHECK_EQ(cl->ev[0].model, CMP_THREADS);
		CHECK_EQ(cl->ev[1].model, CMP_PROCESSES);
	}
	CHECK_CLAIM(cl, "--repeat 5");
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

/* An order as expected restates the table: no line of its own. */
TEST(explain_says_no_more_of_an_order_as_expected)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;

	compare_runs(&c, (struct run_report *[]){
				 run_of("spawn-processes", 9 * MS, 8 * MS),
				 run_of("spawn-threads", 2 * MS, 2 * MS),
				 run_of("spawn-coroutines", MS / 10, MS / 10),
				 NULL,
			 });
	cl = claim_of(&c, &e, "order_oncpu");
	CHECK(!cl);
	explain_free(&e);
	compare_free(&c);
}

TEST(explain_names_an_order_against_expectation)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;

	compare_runs(&c, (struct run_report *[]){
				 run_of("lock-processes", 640 * MS, 680 * MS),
				 run_of("lock-threads", 590 * MS, 600 * MS),
				 run_of("lock-coroutines", 990 * MS, 970 * MS),
				 NULL,
			 });
	cl = claim_of(&c, &e, "order_wall");
	/* coroutines are apart from threads, not from processes, and
	 * processes from neither: no chain says that */
	CHECK_CLAIM(cl, "Wall time: coroutines 990 ms, processes 640 ms, "
			"threads 590 ms: coroutines above threads (1.7×); "
			"processes too close to call against either; against "
			"the expected order, coroutines above threads.");
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

/* Threads slower than processes: the figures where they measured more. */
TEST(explain_threads_slower_than_processes_says_where)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;
	struct run_report *p = run_of("lock-processes", 1430 * MS, 2810 * MS),
			  *t = run_of("lock-threads", 2500 * MS, 4500 * MS),
			  *co = run_of("lock-coroutines", 1010 * MS, 1010 * MS);

	switches(p, 1000, 492);
	switches(t, 9000, 220);
	t->totals.klock_wait_ns = 22600 * US;
	p->totals.klock_wait_ns = 5110 * US;
	compare_runs(&c, (struct run_report *[]){p, t, co, NULL});
	cl = claim_of(&c, &e, "inversion");
	CHECK_CLAIM(cl, "Threads took longer than processes, 2.50 s against "
			"1.43 s, against the expected order; threads measured "
			"more: on-CPU time 4.50 s against 2.81 s (1.6×), "
			"kernel switches 9,220 against 1,492 (6.2×); --repeat "
			"5 would show whether it holds.");
	/* 17.5 ms more kernel lock waits is too little for 1.07 s */
	CHECK(cl && !strstr(cl->text, "kernel lock waits"));
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

TEST(explain_coroutines_lose_a_cpu_bound_race_on_two_cpus)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;

	compare_runs(&c, (struct run_report *[]){
				 run_of("cpu-processes", 530 * MS, 1000 * MS),
				 run_of("cpu-threads", 520 * MS, 1000 * MS),
				 run_of("cpu-coroutines", 1000 * MS, 990 * MS),
				 run_of("cpu-serial", 1000 * MS, 995 * MS),
				 NULL,
			 });
	cl = claim_of(&c, &e, "cpu_bound");
	CHECK_CLAIM(cl, "On 2 CPUs coroutines lost the CPU-bound race: 1.00 s "
			"against 520 ms for threads");
	CHECK_CLAIM(cl, "they kept 0.99 CPUs busy, threads kept 1.92");
	CHECK_CLAIM(cl, "--cpu 0");
	if (cl) {
		bool cpus = false;

		for (size_t i = 0; i < cl->nev; i++)
			cpus |= !strcmp(cl->ev[i].metric, "cpus") &&
				cl->ev[i].model == -1 && cl->ev[i].value == 2;
		CHECK_MSG(cpus, "the CPU count is not in the evidence");
	}
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

/* The expected loss did not happen: the trace says why. */
TEST(explain_coroutines_not_losing_says_what_held_the_others_back)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;
	struct run_report *t = run_of("cpu-threads", 1500 * MS, 1000 * MS),
			  *co = run_of("cpu-coroutines", 1270 * MS, 940 * MS);

	t->totals.runq_wait_ns = 4890 * MS;
	compare_runs(&c, (struct run_report *[]){t, co, NULL});
	cl = claim_of(&c, &e, "cpu_bound");
	CHECK_CLAIM(cl, "On 2 CPUs coroutines should lose a CPU-bound race "
			"(they kept 0.74 CPUs busy), yet threads took 1.50 s "
			"against their 1.27 s, too close to call");
	CHECK_CLAIM(cl, "waited 4.89 s in all runnable, so the CPUs ran other "
			"work");
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

TEST(explain_coroutines_losing_not_to_parallelism)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;
	struct run_report *t = run_of("lock-threads", 600 * MS, 600 * MS),
			  *co = run_of("lock-coroutines", 1100 * MS, 1080 * MS);

	co->totals.user_switches = 48000000;
	compare_runs(&c, (struct run_report *[]){t, co, NULL});
	cl = claim_of(&c, &e, "cpu_bound");
	CHECK_CLAIM(cl, "but not to parallelism: threads kept only 1.00 CPUs "
			"busy too");
	CHECK_CLAIM(cl, "with 48,000,000 switches in user space where threads "
			"made none.");
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

TEST(explain_one_cpu_runs_nothing_in_parallel)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;
	struct run_report *t = run_of("cpu-threads", 1010 * MS, 1000 * MS),
			  *co = run_of("cpu-coroutines", 1000 * MS, 990 * MS);

	snprintf(t->info.params, sizeof(t->info.params), "tasks=4 cpu=0");
	snprintf(co->info.params, sizeof(co->info.params), "tasks=4 cpu=0");
	compare_runs(&c, (struct run_report *[]){t, co, NULL});
	CHECK_EQ(c.cpus, 1);
	cl = claim_of(&c, &e, "cpu_bound");
	CHECK_CLAIM(cl, "With 1 usable CPU nothing runs in parallel");
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

TEST(explain_an_io_bound_job_overlaps_its_waits)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;
	struct run_report *t = run_of("io-threads", 307 * MS, 7 * MS),
			  *co = run_of("io-coroutines", 304 * MS, 3 * MS),
			  *s = run_of("io-serial", 3020 * MS, 5 * MS);

	s->times.offcpu_ns[OFFCPU_SLEEP] = 3010 * MS;
	compare_runs(&c, (struct run_report *[]){t, co, s, NULL});
	cl = claim_of(&c, &e, "io_bound");
	/* the blocked time, a sum over threads, is never set against the
	 * wall time */
	CHECK_CLAIM(
		cl,
		"serially it took 3.02 s and kept only 0.002 CPUs busy, its "
		"threads blocked mostly in sleep (3.01 s in all); "
		"concurrently the waits overlap and coroutines took 304 ms "
		"(9.9×); threads 307 ms, too close to call: coroutines on "
		"one thread keep up, since waiting needs no CPU.");
	CHECK(!explain_find(&e, "cpu_bound"));
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

static struct run_report *spawn_run(const char *name, uint64_t spawn_ns,
				    uint64_t created, uint64_t faults)
{
	struct run_report *r = run_of(name, spawn_ns + MS, spawn_ns);
	static struct phase_report ph[3];
	static int next;
	struct phase_report *p = &ph[next++ % 3];

	*p = (struct phase_report){.phase = LAB_PHASE_SPAWN,
				   .start_ns = T0,
				   .end_ns = T0 + spawn_ns};
	r->marked_tasks = 100;
	r->phases = p;
	r->nphases = 1;
	r->created_processes.count = created;
	r->created_processes.with_faults = created;
	r->created_processes.page_faults = faults;
	return r;
}

TEST(explain_creation_costs_with_page_faults)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;

	compare_runs(&c,
		     (struct run_report *[]){
			     spawn_run("pool-processes", 9100 * US, 100, 2300),
			     spawn_run("pool-threads", 1200 * US, 0, 0),
			     spawn_run("pool-coroutines", 40 * US, 0, 0),
			     NULL,
		     });
	cl = claim_of(&c, &e, "creation");
	CHECK_CLAIM(cl, "In the spawn phases, creating a task took 91.0 µs as "
			"a process (23 page faults), 12.0 µs as a thread and "
			"400 ns as a coroutine: processes cost more than "
			"threads (7.6×), threads cost more than coroutines "
			"(30×): a process is a fork");
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

TEST(explain_creation_against_the_expected_order)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;

	compare_runs(&c, (struct run_report *[]){
				 spawn_run("pool-processes", 1000 * US, 0, 0),
				 spawn_run("pool-threads", 8000 * US, 0, 0),
				 NULL,
			 });
	cl = claim_of(&c, &e, "creation");
	CHECK_CLAIM(cl, "threads cost more than processes (8.0×), against the "
			"expected order");
	explain_free(&e);
	compare_free(&c);
}

TEST(explain_creation_from_fork_to_first_run_without_phases)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;
	struct run_report *p = run_of("io-processes", 300 * MS, 9 * MS),
			  *t = run_of("io-threads", 300 * MS, 7 * MS),
			  *co = run_of("io-coroutines", 300 * MS, 3 * MS);

	p->created_processes = (struct creation_summary){.count = 10,
							 .ran = 10,
							 .mean_ns = 4100 * US,
							 .with_faults = 10,
							 .page_faults = 190};
	t->created_threads = (struct creation_summary){.count = 10,
						       .ran = 10,
						       .mean_ns = 407 * US,
						       .with_faults = 10,
						       .page_faults = 11};
	compare_runs(&c, (struct run_report *[]){p, t, co, NULL});
	cl = claim_of(&c, &e, "creation");
	CHECK_CLAIM(cl, "From fork to first run a process took 4.10 ms on "
			"average (19 page faults each), a thread 407 µs (1.1 "
			"page faults each): processes cost more (10×), as "
			"expected; the coroutine run had the kernel create 0 "
			"tasks.");
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

TEST(explain_user_space_switches_the_kernel_does_not_see)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;
	struct run_report *p = run_of("io-processes", 300 * MS, 9 * MS),
			  *t = run_of("io-threads", 300 * MS, 7 * MS),
			  *co = run_of("io-coroutines", 300 * MS, 3 * MS);

	switches(p, 400, 18);
	switches(t, 370, 11);
	switches(co, 14, 0);
	co->totals.user_switches = 20000;
	compare_runs(&c, (struct run_report *[]){p, t, co, NULL});
	cl = claim_of(&c, &e, "user_switches");
	CHECK_CLAIM(cl, "The coroutine run made 20,000 switches in user space; "
			"the kernel saw 14 context switches of it, against 381 "
			"for threads and 418 for processes, whose every wait "
			"and wakeup is a kernel switch.");
	/* said there, not again as an order of its own */
	CHECK(!explain_find(&e, "order_switches"));
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

/* A figure of the workload's result line, as its marker records it. */
static void result(struct run_report *r, enum lab_result id, uint64_t v)
{
	r->results[id] = v;
	r->results_known |= 1u << id;
}

/* Round trips of different counts: the cost is per round trip, and the
 * totals are not set side by side. */
TEST(explain_pingpong_costs_a_round_trip)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;
	struct run_report *p = run_of("pingpong-processes", 800 * MS, 700 * MS),
			  *t = run_of("pingpong-threads", 400 * MS, 300 * MS),
			  *co = run_of("pingpong-coroutines", 9 * MS, 8 * MS);

	switches(p, 40000, 0);
	switches(t, 34000, 0);
	switches(co, 3, 0);
	result(p, LAB_RESULT_OPS, 20000);
	result(p, LAB_RESULT_OPS_NS, 400 * MS);
	result(t, LAB_RESULT_OPS, 20000);
	result(t, LAB_RESULT_OPS_NS, 180 * MS);
	result(co, LAB_RESULT_OPS, 150000);
	result(co, LAB_RESULT_OPS_NS, 7500 * US);
	compare_runs(&c, (struct run_report *[]){p, t, co, NULL});
	cl = claim_of(&c, &e, "cheapest");
	CHECK_CLAIM(cl, "Coroutines measured cheapest by the time per round "
			"trip: 50 ns against 9.00 µs for threads and 20.0 µs "
			"for processes.");
	cl = explain_find(&e, "lesson_pingpong");
	CHECK_CLAIM(cl, "A round trip cost 20.0 µs for processes, 9.00 µs for "
			"threads and 50 ns for coroutines.");
	CHECK_CLAIM(cl, "(1.7 kernel switches a round trip for threads, 2 for "
			"processes)");
	CHECK_CLAIM(cl, "Processes against threads: processes cost more "
			"(2.2×), and not by the switch alone");
	CHECK(!explain_find(&e, "order_wall"));
	CHECK(!explain_find(&e, "order_oncpu"));
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

TEST(explain_lock_waits_holding_up_the_gil)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;
	struct run_report *p = run_of("gil-processes", 500 * MS, 995 * MS),
			  *t = run_of("gil-threads", 998 * MS, 999 * MS),
			  *co = run_of("gil-coroutines", 998 * MS, 995 * MS);
	uint32_t tids[2] = {2, 3};
	struct lock_report *gil = calloc(1, sizeof(*gil));

	*gil = (struct lock_report){.ops = 1u << 0,
				    .count = 163,
				    .total_ns = 1610 * MS,
				    .tids = tids,
				    .ntids = 2};
	t->user_locks = gil;
	t->nuser_locks = 1;
	t->times.offcpu_ns[OFFCPU_FUTEX] = 2600 * MS;
	co->totals.user_switches = 205;
	compare_runs(&c, (struct run_report *[]){p, t, co, NULL});
	free(gil);
	cl = claim_of(&c, &e, "locks");
	CHECK_CLAIM(cl,
		    "Threads were held up by locks: 1.61 s in 163 futex "
		    "lock waits, 62% of the 2.60 s their threads spent "
		    "off-CPU, so they kept only 1.00 CPUs busy where "
		    "processes kept 1.99; against "
		    "0 ns for processes and 0 ns for coroutines, which wait "
		    "inside their runtime");
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

/* Lock waits dominate, but processes, without
 * them, kept no more CPUs busy, so the waits are not blamed for it. */
TEST(explain_lock_waits_not_blamed_without_a_freer_model)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;
	struct run_report *p = run_of("queue-processes", 870 * MS, 405 * MS),
			  *t = run_of("queue-threads", 955 * MS, 431 * MS);

	/* the same round trips: totals compare */
	uint32_t tids[2] = {2, 3};
	struct lock_report token = {.ops = 1u << 0,
				    .count = 37034,
				    .total_ns = 1150 * MS,
				    .tids = tids,
				    .ntids = 2};

	t->user_locks = &token;
	t->nuser_locks = 1;
	t->times.offcpu_ns[OFFCPU_FUTEX] = 2100 * MS;
	compare_runs(&c, (struct run_report *[]){p, t, NULL});
	cl = claim_of(&c, &e, "locks");
	CHECK_CLAIM(cl, "Threads were held up by locks: 1.15 s in 37,034 futex "
			"lock waits, 55% of the 2.10 s their threads spent "
			"off-CPU; against 0 ns for processes.");
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}

TEST(explain_says_events_were_dropped)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;
	struct run_report *t = run_of("io-threads", 300 * MS, 7 * MS);

	t->dropped = 1234;
	compare_runs(&c, (struct run_report *[]){t, NULL});
	cl = claim_of(&c, &e, "quality");
	CHECK_CLAIM(cl, "io-threads lost 1,234 events to a full ring buffer");
	explain_free(&e);
	compare_free(&c);
}

/* ---- the writers ---- */

static struct comparison *sample_comparison(struct comparison *c)
{
	struct run_report *p = run_of("io-processes", 311 * MS, 9 * MS),
			  *p2 = run_of("io-processes", 320 * MS, 10 * MS),
			  *t = run_of("io-threads", 307 * MS, 7 * MS),
			  *t2 = run_of("io-threads", 305 * MS, 6 * MS),
			  *co = run_of("io-coroutines", 304 * MS, 3 * MS),
			  *co2 = run_of("io-coroutines", 303 * MS, 3 * MS),
			  *s = run_of("io-serial", 3020 * MS, 5 * MS),
			  *s2 = run_of("io-serial", 3030 * MS, 5 * MS);

	s->times.offcpu_ns[OFFCPU_SLEEP] = 3010 * MS;
	s2->times.offcpu_ns[OFFCPU_SLEEP] = 3010 * MS;
	co->totals.user_switches = co2->totals.user_switches = 362;
	compare_runs(
		c, (struct run_report *[]){p, t, co, s, p2, t2, co2, s2, NULL});
	return c;
}

TEST(compare_text_fits_80_columns_with_spreads)
{
	struct comparison c;
	struct explanation e;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int lines = 0;

	sample_comparison(&c);
	if (!CHECK(explain(&c, &e) == 0) || !CHECK(f))
		return;
	compare_print_text(f, &c, &e);
	fclose(f);
	CHECK_MSG(strstr(text, "medians of 2 runs each"), "%s", text);
	CHECK_MSG(strstr(text, "311 ms ±1%"), "%s", text);
	CHECK_MSG(strstr(text, "- No model measured clearly cheapest"), "%s",
		  text);
	/* a student finds every cited figure in the table above */
	for (size_t i = 0; i < e.n; i++)
		for (size_t j = 0; j < e.claims[i].nev; j++) {
			const struct evidence *x = &e.claims[i].ev[j];
			char *table_end = strstr(text, "explanation (");

			if (x->model < 0 || !table_end)
				continue;
			*table_end = 0;
			CHECK_MSG(strstr(text, x->shown),
				  "%s of %s (%s) not in the table", x->metric,
				  compare_model_name(x->model), x->shown);
			*table_end = 'e';
		}
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		CHECK_MSG(units_width(line) <= 79, "too wide: %s", line);
		lines++;
	}
	CHECK_MSG(lines <= 40, "%d lines", lines);
	free(text);
	explain_free(&e);
	compare_free(&c);
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* Each piece of evidence is the median the comparison holds. */
TEST(compare_json_carries_the_evidence_of_every_claim)
{
	struct comparison c;
	struct explanation e;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	json_object *root, *claims, *models;

	sample_comparison(&c);
	if (!CHECK(explain(&c, &e) == 0) || !CHECK(f))
		return;
	CHECK_EQ(compare_write_json(f, &c, &e), 0);
	fclose(f);
	root = json_tokener_parse(text);
	if (!CHECK(root))
		goto out;
	CHECK_STR(json_object_get_string(get(root, "schema")),
		  "lab-comparison/1");
	CHECK_EQ(json_object_get_int(get(root, "repeats")), 2);
	models = get(get(root, "comparison"), "models");
	claims = get(root, "explanation");
	CHECK_EQ(json_object_array_length(models), 4);
	CHECK(json_object_array_length(claims) >= 3);
	for (size_t i = 0; i < json_object_array_length(claims); i++) {
		json_object *cl = json_object_array_get_idx(claims, i);
		json_object *ev = get(cl, "evidence");

		CHECK(json_object_get_string(get(cl, "claim"))[0]);
		CHECK(json_object_array_length(ev) > 0);
		for (size_t j = 0; j < json_object_array_length(ev); j++) {
			json_object *x = json_object_array_get_idx(ev, j);
			const char *metric =
				json_object_get_string(get(x, "metric"));
			const char *model =
				json_object_get_string(get(x, "model"));
			json_object *stat = NULL;

			for (size_t k = 0;
			     model && k < json_object_array_length(models);
			     k++) {
				json_object *m =
					json_object_array_get_idx(models, k);

				if (!strcmp(json_object_get_string(
						    get(m, "model")),
					    model))
					stat = get(get(m, "metrics"), metric);
			}
			if (!model)
				continue;
			if (!CHECK_MSG(stat, "%s of %s not in the comparison",
				       metric, model))
				continue;
			CHECK_MSG(json_object_get_double(get(x, "value")) ==
					  json_object_get_double(
						  get(stat, "median")),
				  "%s of %s: evidence %s, comparison %s",
				  metric, model,
				  json_object_to_json_string(get(x, "value")),
				  json_object_to_json_string(
					  get(stat, "median")));
		}
	}
	json_object_put(root);
out:
	free(text);
	explain_free(&e);
	compare_free(&c);
}

/* Events and coroutines share their place in the expected order: either
 * above the other is no exception, but events above threads is. */
TEST(explain_events_and_coroutines_share_their_expected_place)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;

	compare_runs(&c, (struct run_report *[]){
				 run_of("io-threads", 300 * MS, 90 * MS),
				 run_of("io-events", 300 * MS, 10 * MS),
				 run_of("io-coroutines", 300 * MS, 40 * MS),
				 NULL,
			 });
	CHECK(!claim_of(&c, &e, "order_oncpu"));
	explain_free(&e);
	compare_free(&c);
	compare_runs(&c, (struct run_report *[]){
				 run_of("io-threads", 300 * MS, 10 * MS),
				 run_of("io-events", 300 * MS, 90 * MS),
				 run_of("io-coroutines", 300 * MS, 9 * MS),
				 NULL,
			 });
	cl = claim_of(&c, &e, "order_oncpu");
	CHECK_CLAIM(cl, "against the expected order, events above threads.");
	explain_free(&e);
	compare_free(&c);
}

/* The io lesson with an events run: both one-thread models below the
 * threads in kernel switches per task, the callbacks and the switches
 * per round trip side by side, and readability said to be about code. */
TEST(explain_events_set_callbacks_against_coroutine_switches)
{
	struct comparison c;
	struct explanation e;
	const struct claim *cl;
	struct run_report *t = run_of("io-threads", 320 * MS, 30 * MS),
			  *ev = run_of("io-events", 310 * MS, 12 * MS),
			  *co = run_of("io-coroutines", 310 * MS, 12 * MS);
	struct run_report *all[] = {t, ev, co};

	switches(t, 400, 0);
	switches(ev, 14, 0);
	switches(co, 15, 0);
	co->totals.user_switches = 360;
	for (size_t i = 0; i < 3; i++) {
		all[i]->marked_tasks = 10;
		result(all[i], LAB_RESULT_OPS, 100);
		result(all[i], LAB_RESULT_OPS_NS, 300 * MS);
	}
	result(ev, LAB_RESULT_DISPATCHES, 310);
	compare_runs(&c, (struct run_report *[]){t, ev, co, NULL});
	cl = claim_of(&c, &e, "lesson_io");
	CHECK_CLAIM(cl, "while one thread waits for all of them at once in "
			"epoll, for events as for coroutines (1.4 and 1.5 per "
			"task, too close to call); threads against coroutines "
			"(27×). Per round trip 3.1 callbacks against 3.6 "
			"user-space switches, on-CPU 12.0 ms against 12.0 ms, "
			"too close to call; readable code, the text's last "
			"claim, is about code");
	/* the lesson sets the switches against the callbacks already */
	CHECK(!explain_find(&e, "user_switches"));
	check_claims_have_numbers(&e);
	explain_free(&e);
	compare_free(&c);
}
