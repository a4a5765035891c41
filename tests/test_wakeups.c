/* test_wakeups.c - futex waits by kind, who woke whom and who took the
 * CPU, on the real kernel, against programs that know the answer: a
 * ring of threads that hand a token on in a known order and count the
 * wakeups they made, their joins, pingpong's round trips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "tests/json_path.h"
#include "tests/test.h"

#define OUT_MAX 65536
#define RING	4

/* One member of the ring, as wake_ring wrote it. */
struct member {
	int tid, next;
	long woken;
};

/* Runs wake_ring under lab: its report in *report and its text in out,
 * the members it wrote in m. false when it could not. */
static bool run_ring(json_object **report, char *out, struct member *m)
{
	const char *dir = test_tmpdir();
	char oracle[512], json[512];
	const char *argv[] = {
		test_lab_path(),	 "run",	 "-o", dir,   "--",
		"build/tests/wake_ring", oracle, "4",  "300", NULL};
	FILE *f;
	int n = 0, code;

	snprintf(oracle, sizeof(oracle), "%s/ring.txt", dir);
	snprintf(json, sizeof(json), "%s/wake_ring.json", dir);
	code = test_run(argv, out, OUT_MAX, false);
	if (!CHECK_MSG(code == 0, "lab run exited %d:\n%s", code, out))
		return false;
	*report = json_object_from_file(json);
	f = fopen(oracle, "r");
	while (f && n < RING &&
	       fscanf(f, "%d %d %ld", &m[n].tid, &m[n].next, &m[n].woken) == 3)
		n++;
	if (f)
		fclose(f);
	return CHECK(*report) && CHECK_EQ(n, RING) &&
	       CHECK_EQ(json_path_u64(*report, "trace.dropped"), 0);
}

/* The main thread's joins wait on its threads' tid words: each such
 * word is of kind join, and none is listed among the contended locks. */
TEST(joins_are_never_listed_as_locks)
{
	char *out = malloc(OUT_MAX), addr[32];
	json_object *report = NULL, *user;
	struct member m[RING];
	size_t joins = 0;
	const char *why;

	if (!test_can_trace(&why)) {
		free(out);
		SKIP(why);
	}
	if (!run_ring(&report, out, m))
		goto done;
	user = json_path(report, "locks.user");
	for (size_t i = 0; i < json_object_array_length(user); i++) {
		json_object *l = json_object_array_get_idx(user, i);

		if (strcmp(json_path_str(l, "kind"), "join"))
			continue;
		joins++;
		snprintf(addr, sizeof(addr), "%s", json_path_str(l, "address"));
		CHECK_MSG(!strstr(out, addr),
			  "join word %s among the locks:\n%s", addr, out);
	}
	CHECK_MSG(joins > 0, "no join among the futex words:\n%s", out);
	CHECK_MSG(strstr(out, "for a thread to end (join)"),
		  "the joins are not said:\n%s", out);
done:
	json_object_put(report);
	free(out);
}
