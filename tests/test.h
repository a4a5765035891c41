/* test.h - a small test registry and assertions.
 *
 * A test is a function declared with TEST(name) in any tests/test_*.c; it
 * registers itself. CHECK records a failure and evaluates to false, so a
 * test stops where going on makes no sense:
 *	if (!CHECK_EQ(got, 3)) return;
 * SKIP(why) ends a test that cannot run here and says why.
 *
 * Each test runs in a process of its own, the leader of its own process
 * group, with stdin on /dev/null: a test that crashes, exits or hangs is
 * one failure and the run goes on. A test taking longer than its timeout
 * (TEST_DEFAULT_TIMEOUT seconds, or what TEST_TIMEOUT declares) is
 * killed with every process it started. Statics start afresh in each
 * test; state meant to outlast one test goes in test_shared() memory.
 * A test declared with TEST_AT_END runs after every other, to check what
 * they left behind.
 */
#ifndef LAB_TEST_H
#define LAB_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef void (*test_fn)(void);

/* seconds a test may take unless it declares otherwise */
#define TEST_DEFAULT_TIMEOUT 120

/* timeout_s 0: TEST_DEFAULT_TIMEOUT */
void test_register(const char *name, test_fn fn, const char *file,
		   int timeout_s);
/* The same for a test that runs once every other selected test has
 * ended. */
void test_register_at_end(const char *name, test_fn fn, const char *file,
			  int timeout_s);
bool test_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void test_skip(const char *why);
/* A fresh empty directory under build/test-tmp/ for this test. */
const char *test_tmpdir(void);
/* When this run of the tests began (CLOCK_REALTIME): what is older in
 * build/test-tmp/ an earlier run left. */
struct timespec test_run_start(void);
/* Path of the built lab binary (build/lab). */
const char *test_lab_path(void);
/* The whole file at path, NUL-terminated, to free; NULL if unreadable. */
char *test_slurp(const char *path);
/* Runs argv (NULL-terminated) with stdout and stderr captured into out
 * (NUL-terminated, truncated to outlen), as an unprivileged user when
 * as_user is set. Returns the exit code, 128+N for signal N, -1 if it
 * could not run. */
int test_run(const char *const argv[], char *out, size_t outlen, bool as_user);
/* true when tests that load BPF programs can run; else why not in *why */
bool test_can_trace(const char **why);
/* len zeroed bytes shared by the runner and every test's process, for
 * what is set up once per run: what one test writes there, the tests
 * after it read. Call it before the tests run (from a constructor). */
void *test_shared(size_t len);
/* fn runs in the runner once the last test has ended (or the run was
 * interrupted), not in a test's process: the cleanup of what the run
 * set up. Call it before the tests run (from a constructor). */
void test_at_end(void (*fn)(void));

#define TEST(name) TEST_TIMEOUT(name, 0)
/* a test with a timeout of its own, in seconds: one that may take longer
 * than TEST_DEFAULT_TIMEOUT, or should never */
#define TEST_TIMEOUT(name, seconds)                                            \
	static void name(void);                                                \
	__attribute__((constructor)) static void name##_register(void)         \
	{                                                                      \
		test_register(#name, name, __FILE__, (seconds));               \
	}                                                                      \
	static void name(void)

/* A test that runs after every other selected test, in a process of its
 * own and counted like them, whatever its file: one that checks what the
 * tests before it left (test_run_start() tells this run's files from an
 * earlier run's). Unlike test_at_end(), it can fail. */
#define TEST_AT_END(name, seconds)                                             \
	static void name(void);                                                \
	__attribute__((constructor)) static void name##_register(void)         \
	{                                                                      \
		test_register_at_end(#name, name, __FILE__, (seconds));        \
	}                                                                      \
	static void name(void)

#define CHECK(cond) test_check(!!(cond), __FILE__, __LINE__, "%s", #cond)
#define CHECK_MSG(cond, ...)                                                   \
	test_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* each argument is evaluated once */
#define CHECK_EQ(a, b)                                                         \
	({                                                                     \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);               \
		test_check(a_ == b_, __FILE__, __LINE__,                       \
			   "%s == %s: got %llu, expected %llu", #a, #b,        \
			   (unsigned long long)a_, (unsigned long long)b_);    \
	})
#define CHECK_STR(a, b)                                                        \
	test_check(strcmp((a), (b)) == 0, __FILE__, __LINE__,                  \
		   "%s == %s: got \"%s\", expected \"%s\"", #a, #b, (a), (b))
#define SKIP(why)                                                              \
	do {                                                                   \
		test_skip(why);                                                \
		return;                                                        \
	} while (0)

#endif /* LAB_TEST_H */
