/* test_gil.c - the gil scenario. Each workload runs in a forked child
 * (workload_child.h), which also checks that the run left no child
 * process and no extra thread behind; the last tests trace gil-threads,
 * and CPython doing the same job, under the probes. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "workloads/gil.h"
#include "tests/json_path.h"
#include "tests/test.h"
#include "tests/workload_child.h"

static const struct workload *const gil_family[] = {
	&gil_processes, &gil_threads,	  &gil_coroutines,
	&gil_serial,	&gil_old_threads,
};

#define NFAMILY (sizeof(gil_family) / sizeof(gil_family[0]))

static const struct workload_params small = {.tasks = 3, .ops = 3000000};

/* figures of the line a run printed */
struct gil_line {
	double wall, busy, takes, over, waits, asked;
};

static int gil_parse(const struct child *c, struct gil_line *l)
{
	l->wall = child_figure(c->outtext, "multiply-adds: ");
	l->busy = child_figure_before(c->outtext, " CPUs busy");
	l->takes = child_figure(c->outtext, "the lock taken ");
	l->over = child_figure(c->outtext, " times, ");
	l->waits = child_figure_before(c->outtext, " after a wait");
	l->asked = child_figure_before(c->outtext, " drop requests");
	return CHECK_MSG(l->wall > 0 && l->busy >= 0 && l->takes > 0 &&
				 l->over >= 0 && l->waits >= 0 && l->asked >= 0,
			 "cannot read: %s", c->outtext)
		       ? 0
		       : -1;
}

TEST(gil_every_variant_succeeds_and_cleans_up)
{
	for (size_t i = 0; i < NFAMILY; i++) {
		const struct workload *w = gil_family[i];
		struct gil_line l;
		char head[96];
		struct child c;

		if (child_run_ok(&c, w, &small) != 0)
			continue;
		snprintf(head, sizeof(head),
			 "%s: 3 tasks x 3000000 multiply-adds", w->name);
		CHECK_MSG(strncmp(c.outtext, head, strlen(head)) == 0,
			  "%s printed: %s", w->name, c.outtext);
		if (gil_parse(&c, &l) == 0)
			CHECK_MSG(l.wall <= c.secs + 0.0015,
				  "%s: %.3f s printed, ran %.3f s", w->name,
				  l.wall, c.secs);
	}
}

/* Only the holder computes: one lock keeps the CPU time spent computing
 * within the wall time, however many CPUs there are. Threads twice, as
 * a run on a machine whose other CPU is busy could not tell. */
TEST(gil_one_lock_computes_on_one_cpu_at_a_time)
{
	const struct workload_params p = {.tasks = 3, .ops = 20000000};
	const struct workload *const one_lock[] = {&gil_threads, &gil_threads,
						   &gil_coroutines, &gil_serial,
						   &gil_old_threads};

	for (size_t i = 0; i < sizeof(one_lock) / sizeof(one_lock[0]); i++) {
		struct gil_line l;
		struct child c;

		if (child_run_ok(&c, one_lock[i], &p) != 0 ||
		    gil_parse(&c, &l) != 0)
			continue;
		CHECK_MSG(l.busy <= 1.02, "%s: %s", one_lock[i]->name,
			  c.outtext);
	}
}

/* Who gets the lock after whom is the scenario's point; where the model
 * fixes it, the counts are exact. */
TEST(gil_counts_who_takes_the_lock)
{
	const struct workload_params p = {.tasks = 3, .ops = 20000000};
	struct gil_line l;
	struct child c;

	/* one task after another: nobody asks, so each task takes the lock
	 * once and keeps it to its end; it changes hands twice */
	if (child_run_ok(&c, &gil_serial, &p) == 0 && gil_parse(&c, &l) == 0)
		CHECK_MSG(l.takes == 3 && l.over == 2 && l.waits == 0 &&
				  l.asked == 0,
			  "%s", c.outtext);
	/* a lock per process: nobody else ever holds it or asks for it */
	if (child_run_ok(&c, &gil_processes, &p) == 0 && gil_parse(&c, &l) == 0)
		CHECK_MSG(l.takes == 3 && l.over == 0 && l.waits == 0 &&
				  l.asked == 0,
			  "%s", c.outtext);
	/* coroutines release before they yield: no waits, no requests, and
	 * the next in line takes the lock every time but at the end, when
	 * the tasks that are left may be one */
	if (child_run_ok(&c, &gil_coroutines, &p) == 0 &&
	    gil_parse(&c, &l) == 0) {
		CHECK_MSG(l.waits == 0 && l.asked == 0 &&
				  l.over >= 0.5 * l.takes,
			  "%s", c.outtext);
		CHECK_MSG(c.switches >= l.takes - 1, "%llu switches: %s",
			  (unsigned long long)c.switches, c.outtext);
	}
	/* threads: at least a take per task; a take from another thread
	 * found the lock held, but for the lock left by a thread that ended
	 * and the rare thread that arrives while the holder is between
	 * release and take */
	if (child_run_ok(&c, &gil_threads, &p) == 0 && gil_parse(&c, &l) == 0)
		CHECK_MSG(l.takes >= 3 && l.over <= l.waits + 3, "%s",
			  c.outtext);
}

/* CPython's GIL since 3.2: a waiter asks after a switch interval, and the
 * holder, asked, lets go and waits until another has taken it. So nearly
 * every take is from another thread (a thread's first take may not be),
 * each of those but a task's last follows a request, and the lock changes
 * hands at least once every few intervals of computing, however busy the
 * machine (a waiter delayed by other work only makes an interval
 * longer). */
TEST(gil_threads_hand_the_lock_over_when_asked)
{
	const struct workload_params p = {.tasks = 3, .ops = 100000000};
	struct gil_line l;
	struct child c;
	double cpu;

	if (child_run_ok(&c, &gil_threads, &p) != 0 || gil_parse(&c, &l) != 0)
		return;
	cpu = l.busy * l.wall;
	CHECK_MSG(l.over + 3 >= l.takes, "%s", c.outtext);
	CHECK_MSG(l.asked >= 1 && l.asked + 3 >= l.over, "%s", c.outtext);
	CHECK_MSG(l.over >= cpu / 0.025, "%.3f s computing: %s", cpu,
		  c.outtext);
}

/* The GIL before 3.2 is let go after every interval of the holder's CPU,
 * asked or not; nobody asks. */
TEST(gil_old_threads_let_go_every_interval_unasked)
{
	const struct workload_params p = {.tasks = 3, .ops = 50000000};
	struct gil_line l;
	struct child c;

	if (child_run_ok(&c, &gil_old_threads, &p) != 0 ||
	    gil_parse(&c, &l) != 0)
		return;
	CHECK_MSG(l.asked == 0 && l.takes >= 0.8 * l.busy * l.wall / 0.005,
		  "%s", c.outtext);
}

/* One race; 1 when the outcome is the expected one, with what it was in
 * why. */
static int gil_race(const struct workload_params *p, char *why, size_t len)
{
	const struct workload *const racers[] = {&gil_serial, &gil_threads,
						 &gil_processes};
	double wall[3];

	for (size_t i = 0; i < 3; i++) {
		struct gil_line l;
		struct child c;

		if (child_run_ok(&c, racers[i], p) != 0 ||
		    gil_parse(&c, &l) != 0)
			return -1;
		wall[i] = l.wall;
	}
	snprintf(why, len, "serial %.3f s, threads %.3f s, processes %.3f s",
		 wall[0], wall[1], wall[2]);
	return wall[1] >= 0.8 * wall[0] && wall[2] < 0.8 * wall[0];
}

TEST(gil_threads_do_not_beat_serial_processes_do)
{
	const struct workload_params p = {.tasks = 2, .ops = 50000000};
	char why[160] = "";
	int ok;

	if (child_cpus() < 2)
		SKIP("one CPU: processes have nothing to run in parallel on");
	ok = child_race(gil_race, &p, why, sizeof(why));
	if (ok == CHILD_RACE_BUSY)
		SKIP("other work holds a CPU: two spinning threads got less "
		     "than 1.6 CPUs");
	if (ok >= 0)
		CHECK_MSG(ok == 1, "%d tries, last: %s", CHILD_RACE_TRIES, why);
}

TEST(gil_workers_carry_their_names)
{
	const struct workload_params p = {.tasks = 2, .ops = 100000000};
	const char *const names[] = {"gil-w0", "gil-w1"};
	struct child c;

	if (!CHECK(child_start(&c, &gil_processes, &p, NULL) == 0))
		return;
	CHECK_MSG(child_wait_for_named(c.pid, "gil-w1"),
		  "no process gil-w1 under %d", (int)c.pid);
	child_finish(&c);
	CHECK_MSG(child_exited(&c, 0), "status %#x: %s", c.status, c.errtext);

	if (!CHECK(child_start(&c, &gil_threads, &p, NULL) == 0))
		return;
	CHECK_MSG(child_wait_for_threads(c.pid, names, 2),
		  "no threads gil-w0, gil-w1 in %d", (int)c.pid);
	child_finish(&c);
	CHECK_MSG(child_exited(&c, 0), "status %#x: %s", c.status, c.errtext);
}

TEST(gil_a_killed_worker_makes_a_wrong_result)
{
	const struct workload_params p = {.tasks = 2, .ops = 150000000};
	struct child c;

	if (child_run_killing(&c, &gil_processes, &p, "gil-w1") != 0)
		return;
	CHECK_MSG(child_exited(&c, 1), "status %#x, stderr: %s", c.status,
		  c.errtext);
	CHECK_MSG(strstr(c.errtext, "gil-w1") && !strstr(c.errtext, "gil-w0"),
		  "stderr: %s", c.errtext);
}

TEST(gil_rejects_what_it_cannot_run)
{
	struct workload_params bad = small;
	struct child c;

	bad.tasks = 10001;
	if (child_run(&c, &gil_threads, &bad, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "at most"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	bad = small;
	bad.cpus = "4096";
	if (child_run(&c, &gil_processes, &bad, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) &&
				  strstr(c.errtext, "not available"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	bad = small;
	bad.ops = 0;
	bad.duration_s = -1;
	if (child_run(&c, &gil_serial, &bad, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "duration"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	bad.duration_s = INFINITY;
	if (child_run(&c, &gil_coroutines, &bad, NULL) == 0)
		CHECK(child_exited(&c, 1));
}

/* ---- under the probes ---- */

#define GIL_PYTHON "/usr/bin/python3"
#define GIL_JOB_PY "docs/labs/gil_job.py"

/* What a traced run's report says of its interpreter lock: the CPUs it
 * kept busy, and the futex waits on words that more than one thread
 * waited on (the lock's; a pthread_join waits once on a word of its
 * own), with the most waited on. */
struct gil_trace {
	double wall, busy, waits;
	char busiest[128];
};

static char gil_out[1 << 16]; /* what `lab run` printed */

/* Runs `lab run -o dir ARGS...` and reads dir/name.json; true when it
 * could. */
static bool gil_traced(const char *dir, const char *name,
		       const char *const *args, struct gil_trace *g)
{
	const char *argv[12] = {test_lab_path(), "run", "-o", dir};
	char json[512];
	json_object *r, *locks;
	uint64_t most = 0;
	size_t n = 4;
	int code;

	for (; *args && n + 1 < sizeof(argv) / sizeof(argv[0]); args++)
		argv[n++] = *args;
	code = test_run(argv, gil_out, sizeof(gil_out), false);
	if (!CHECK_MSG(code == 0, "lab run %s exited %d:\n%s", name, code,
		       gil_out))
		return false;
	snprintf(json, sizeof(json), "%s/%s.json", dir, name);
	r = json_object_from_file(json);
	if (!CHECK_MSG(r, "no report %s", json))
		return false;
	*g = (struct gil_trace){
		.wall = (double)json_path_u64(r, "run.wall_ns") / 1e9};
	g->busy = g->wall > 0 ? (double)json_path_u64(r, "totals.oncpu_ns") /
					1e9 / g->wall
			      : 0;
	locks = json_path(r, "locks.user");
	for (size_t i = 0; i < json_object_array_length(locks); i++) {
		json_object *l = json_object_array_get_idx(locks, i);
		uint64_t count = json_path_u64(l, "count");

		if (json_object_array_length(json_path(l, "tids")) < 2)
			continue;
		g->waits += (double)count;
		if (count > most) {
			most = count;
			snprintf(g->busiest, sizeof(g->busiest), "%s",
				 json_path_str(l, "symbol"));
		}
	}
	json_object_put(r);
	return CHECK_MSG(g->wall > 0, "%s: no wall time", json);
}

/* Traced, gil-threads keeps one CPU busy, and its threads sleep on the
 * condition variable where a waiter waits an interval at a time. */
TEST(gil_threads_under_the_probes_wait_on_the_condition)
{
	const char *const args[] = {"gil-threads", "--ops", "75000000", NULL};
	struct gil_trace t;
	const char *why;

	if (!test_can_trace(&why))
		SKIP(why);
	if (!gil_traced(test_tmpdir(), "gil-threads", args, &t))
		return;
	CHECK_MSG(t.busy <= 1.2, "%.2f CPUs busy:\n%s", t.busy, gil_out);
	CHECK_MSG(!strncmp(t.busiest, "gil_cond+", 9),
		  "the most waited-on word is %s:\n%s", t.busiest, gil_out);
	CHECK_MSG(t.waits >= 10, "%.0f waits on the lock:\n%s", t.waits,
		  gil_out);
}

/* CPython doing the same job waits the same way: one CPU busy, and waits
 * on its GIL's words at the same rate as gil-threads on its own, within
 * a factor that other work on the machine cannot upset (both wait an
 * interval at a time; a busy machine stretches both). */
TEST(gil_threads_wait_as_cpython_does)
{
	const char *const ours[] = {"gil-threads", "--ops", "75000000", NULL};
	const char *const theirs[] = {"--", GIL_PYTHON, GIL_JOB_PY, "5000000",
				      NULL};
	struct gil_trace t, py;
	const char *why, *dir;
	double ratio;

	if (!test_can_trace(&why))
		SKIP(why);
	if (access(GIL_PYTHON, X_OK) != 0 || access(GIL_JOB_PY, R_OK) != 0)
		SKIP("no " GIL_PYTHON " or " GIL_JOB_PY " to compare with");
	dir = test_tmpdir();
	if (!gil_traced(dir, "gil-threads", ours, &t) ||
	    !gil_traced(dir, "python3", theirs, &py))
		return;
	CHECK_MSG(py.busy <= 1.2, "CPython: %.2f CPUs busy:\n%s", py.busy,
		  gil_out);
	if (!CHECK_MSG(py.waits >= 10 && t.waits >= 10,
		       "waits: CPython %.0f, gil-threads %.0f", py.waits,
		       t.waits))
		return;
	ratio = (t.waits / t.wall) / (py.waits / py.wall);
	CHECK_MSG(ratio >= 0.25 && ratio <= 4,
		  "waits a second: gil-threads %.0f (%.0f in %.3f s), CPython "
		  "%.0f (%.0f in %.3f s)",
		  t.waits / t.wall, t.waits, t.wall, py.waits / py.wall,
		  py.waits, py.wall);
}
