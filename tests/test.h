/* test.h - a small test registry and assertions.
 *
 * A test is a function declared with TEST(name) in any tests/test_*.c; it
 * registers itself. CHECK records a failure and evaluates to false, so a
 * test stops where going on makes no sense:
 *	if (!CHECK_EQ(got, 3)) return;
 * SKIP(why) ends a test that cannot run here and says why.
 */
#ifndef LAB_TEST_H
#define LAB_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*test_fn)(void);

void test_register(const char *name, test_fn fn, const char *file);
bool test_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void test_skip(const char *why);
/* A fresh empty directory under build/test-tmp/ for this test. */
const char *test_tmpdir(void);
/* Path of the built lab binary (build/lab). */
const char *test_lab_path(void);
/* Runs argv (NULL-terminated) with stdout and stderr captured into out
 * (NUL-terminated, truncated to outlen), as an unprivileged user when
 * as_user is set. Returns the exit code, 128+N for signal N, -1 if it
 * could not run. */
int test_run(const char *const argv[], char *out, size_t outlen, bool as_user);
/* true when tests that load BPF programs can run; else why not in *why */
bool test_can_trace(const char **why);

#define TEST(name)                                                             \
	static void name(void);                                                \
	__attribute__((constructor)) static void name##_register(void)         \
	{                                                                      \
		test_register(#name, name, __FILE__);                          \
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
