/* output_file.h - the files lab writes: a trace, a report, an export.
 *
 * Each is made under a hidden temporary name beside its target and
 * renamed into place only when whole, so a reader never sees half of
 * one and an interrupted run leaves no file that looks complete. The
 * temporary name is created exclusively: a leftover or a planted symlink
 * is never opened. Under sudo these run as the invoking user, so the
 * kernel checks every step with their permissions.
 */
#ifndef LAB_OUTPUT_FILE_H
#define LAB_OUTPUT_FILE_H

#include <limits.h>
#include <stdio.h>

struct output_file {
	char path[PATH_MAX]; /* the target */
	char tmp[PATH_MAX];  /* ".<name>.<pid>-<n>.tmp" beside it */
	int fd;		     /* the temporary file, open for writing */
};

/* Creates the temporary file. Returns 0 or -errno. */
int output_file_create(struct output_file *o, const char *path);
/* Closes the temporary file and renames it onto the target. Returns 0 or
 * -errno; on failure the temporary file is removed. */
int output_file_commit(struct output_file *o);
/* Closes and removes the temporary file. */
void output_file_discard(struct output_file *o);
/* 0 when path can be written as a file: absent, or a file (not a
 * directory or anything else); else -errno (-EISDIR, -EEXIST). */
int output_file_check(const char *path);
/* Writes the whole file with fn (0 on success). Returns 0 or -errno. */
int output_file_write(const char *path, int (*fn)(FILE *f, const void *arg),
		      const void *arg);

#endif /* LAB_OUTPUT_FILE_H */
