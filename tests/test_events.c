/* test_events.c - the events model under the real probes: one thread's
 * epoll loop keeps the kernel out of the waiting as coroutines do, and
 * the callbacks it reports are the ones it ran. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "tests/json_path.h"
#include "tests/test.h"
#include "tests/workload_child.h"

#define OUT_MAX 65536

/* A model's median of a metric in a comparison, NAN when missing. */
static double median(json_object *cmp, const char *model, const char *metric)
{
	json_object *models = json_path(cmp, "comparison.models");

	for (size_t i = 0; models && i < json_object_array_length(models);
	     i++) {
		json_object *m = json_object_array_get_idx(models, i);
		json_object *v = json_path(m, "metrics");

		if (strcmp(json_path_str(m, "model"), model))
			continue;
		if (!json_object_object_get_ex(v, metric, &v))
			return NAN;
		v = json_path(v, "median");
		return v && !json_object_is_type(v, json_type_null)
			       ? json_object_get_double(v)
			       : NAN;
	}
	return NAN;
}

/* io with every model: per task the events run's kernel switches are
 * within a few of the coroutines', both far below the threads', and the
 * callbacks it printed are those its trace and its comparison carry. */
TEST(events_keep_the_kernel_out_of_the_waiting_as_coroutines_do)
{
	const char *why, *dir;
	char *out = malloc(OUT_MAX), path[512];
	json_object *cmp = NULL, *run = NULL;
	double ev, co, th, printed, marked;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	dir = test_tmpdir();
	const char *argv[] = {
		test_lab_path(), "run",	     "io",    "-o", dir,
		"--tasks",	 "8",	     "--ops", "8",  "--duration",
		"0.1",		 "--repeat", "1",     NULL};
	int code = test_run(argv, out, OUT_MAX, false);

	if (!CHECK_MSG(code == 0, "lab run io exited %d:\n%s", code, out))
		goto done;
	snprintf(path, sizeof(path), "%s/io.json", dir);
	cmp = json_object_from_file(path);
	snprintf(path, sizeof(path), "%s/io-events.json", dir);
	run = json_object_from_file(path);
	if (!CHECK_MSG(cmp && run, "no comparison or no report in %s", dir))
		goto done;
	ev = median(cmp, "events", "kernel_switches_per_task");
	co = median(cmp, "coroutines", "kernel_switches_per_task");
	th = median(cmp, "threads", "kernel_switches_per_task");
	/* the loop's thread blocks once a wakeup whatever resumes the
	 * tasks: a few switches of its own, spread over 8 tasks */
	CHECK_MSG(fabs(ev - co) <= 3, "per task: events %.2f, coroutines %.2f",
		  ev, co);
	/* a thread blocks at each timer and each echo: 16 waits a task */
	CHECK_MSG(th >= 12 && th > 4 * ev && th > 4 * co,
		  "per task: threads %.2f, events %.2f, coroutines %.2f", th,
		  ev, co);
	CHECK_EQ(json_path_u64(run, "totals.user_switches"), 0);
	printed = child_figure_before(out, " dispatches, ");
	marked = (double)json_path_u64(run, "workload.results.dispatches");
	CHECK_MSG(printed > 0 && printed == marked &&
			  marked == median(cmp, "events", "dispatches"),
		  "printed %.0f callbacks, the trace has %.0f, the comparison "
		  "%.0f",
		  printed, marked, median(cmp, "events", "dispatches"));
	/* a timer, the echo's read and the echo side's read each op */
	CHECK_MSG(marked >= 3 * 8 * 8, "%.0f callbacks", marked);
done:
	json_object_put(cmp);
	json_object_put(run);
	free(out);
}
