/* test_cli_modules.c - the command line's modules in process: names
 * near a mistyped one, output directories and files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/outputs.h"
#include "cli/say.h"
#include "cli/suggest.h"
#include "tests/test.h"

TEST(suggest_names_workloads_and_scenarios_near_a_typo)
{
	char out[256];

	suggest_workloads("io-thread", out, sizeof(out));
	CHECK_MSG(strstr(out, "io-threads"), "%s", out);
	suggest_workloads("lokc", out, sizeof(out));
	CHECK_MSG(strstr(out, "lock"), "%s", out);
	suggest_workloads("zzzzzzzz", out, sizeof(out));
	CHECK_STR(out, "");
	/* a tiny buffer is never overrun */
	suggest_workloads("io", out, 8);
	CHECK(strlen(out) < 8);
}

TEST(outputs_make_directories_and_refuse_what_is_in_the_way)
{
	const char *dir = test_tmpdir();
	char deep[600], file[600], link[600];
	const char *paths[1] = {deep};
	int saved = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct stat st;

	snprintf(deep, sizeof(deep), "%s/a/b/c", dir);
	CHECK_EQ(outputs_mkdirs(deep), 0);
	CHECK(stat(deep, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_EQ(outputs_mkdirs(deep), 0); /* already there */
	/* a directory where a file is to go is refused before any run */
	dup2(null, 2);
	CHECK_EQ(outputs_check(paths, 1), EXIT_ERROR);
	dup2(saved, 2);
	snprintf(file, sizeof(file), "%s/a/f", dir);
	paths[0] = file;
	CHECK_EQ(outputs_check(paths, 1), EXIT_OK);
	/* a file in the way of a directory */
	CHECK(close(open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) == 0);
	snprintf(deep, sizeof(deep), "%s/a/f/g", dir);
	CHECK_EQ(outputs_mkdirs(deep), -ENOTDIR);
	/* the same file under two names */
	snprintf(link, sizeof(link), "%s/a/b/../f", dir);
	CHECK(outputs_same_file(file, link));
	CHECK(!outputs_same_file(file, dir));
	close(saved);
	close(null);
}
