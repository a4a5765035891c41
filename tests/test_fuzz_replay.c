/* test_fuzz_replay.c - the saved fuzz corpus as a regression test: every
 * input, including those that once crashed the reader or the analysis,
 * must go through without a crash (make test-asan also checks memory). */
#include "tests/fuzz/fuzz.h"
#include "tests/test.h"

TEST(fuzz_corpus_replays_without_crashing)
{
	char err[4200];
	int n = fuzz_replay_dir("tests/fuzz/corpus", err, sizeof(err));

	if (!CHECK_MSG(n >= 0, "%s", err))
		return;
	CHECK_MSG(n >= 3, "only %d inputs in tests/fuzz/corpus", n);
}
