/* outputs.c - the directories and files lab run and lab report write,
 * checked before a run and written whole. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "analyzer/output_file.h"
#include "cli/outputs.h"
#include "cli/say.h"

int outputs_mkdirs(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = 0;
			if (mkdir(buf, 0755) && errno != EEXIST)
				return -errno;
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

/* The same file, whatever the path: an output must not replace an
 * input. */
bool outputs_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Writes a report (JSON or HTML) whole, or says why not. */
int outputs_write(const char *cmd, const char *path,
		  int (*fn)(FILE *f, const void *arg), const void *arg)
{
	int r = output_file_write(path, fn, arg);

	if (r)
		return die(EXIT_ERROR, "%s: writing %s: %s", cmd, path,
			   strerror(-r));
	return EXIT_OK;
}

/* Every output of a run can be written (not a directory sitting at its
 * name), checked before the run rather than found after it. */
int outputs_check(const char *const paths[], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = output_file_check(paths[i]);

		if (r)
			return die(EXIT_ERROR,
				   "run: cannot write %s: %s (move it away, or "
				   "choose another directory with -o DIR)",
				   paths[i],
				   r == -EEXIST ? "something other than a file "
						  "is there"
						: strerror(-r));
	}
	return EXIT_OK;
}
