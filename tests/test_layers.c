/* test_layers.c - tests/layers.sh (run by make lint) passes on the tree
 * and catches an include that crosses the layers the wrong way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/test.h"

TEST(layers_the_tree_crosses_none)
{
	const char *argv[] = {"tests/layers.sh", NULL};
	char out[4096];

	CHECK_MSG(test_run(argv, out, sizeof(out), false) == 0, "%s", out);
}

TEST(layers_a_workload_including_the_analyzer_is_caught)
{
	const char *dir = test_tmpdir();
	char cmd[2048], script[600], out[4096];

	snprintf(cmd, sizeof(cmd),
		 "set -e; cd '%s'; mkdir -p tests workloads/coro probes "
		 "analyzer cli; cp \"$OLDPWD/tests/layers.sh\" tests/; "
		 "touch analyzer/analysis.h probes/marks.h probes/tracer.h; "
		 "printf '#include \"analyzer/analysis.h\"\\n#include "
		 "\"probes/marks.h\"\\n' > workloads/w.c; printf '#include "
		 "\"probes/tracer.h\"\\n' > analyzer/a.c",
		 dir);
	if (!CHECK(system(cmd) == 0))
		return;
	snprintf(script, sizeof(script), "%s/tests/layers.sh", dir);
	const char *argv[] = {script, NULL};

	CHECK_EQ(test_run(argv, out, sizeof(out), false), 1);
	CHECK_MSG(strstr(out, "workloads/w.c includes analyzer/analysis.h"),
		  "%s", out);
	CHECK_MSG(strstr(out, "analyzer/a.c includes probes/tracer.h"), "%s",
		  out);
	/* the contract header is allowed */
	CHECK_MSG(!strstr(out, "marks.h"), "%s", out);
}
