/* outputs.h - the directories and files lab run and lab report write. */
#ifndef LAB_OUTPUTS_H
#define LAB_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* mkdir -p: 0, or -errno. */
int outputs_mkdirs(const char *path);
/* The same file, whatever the paths: an output must not replace an
 * input. */
bool outputs_same_file(const char *a, const char *b);
/* Writes path whole with fn, or says why not (one line, as cmd).
 * Returns an exit code. */
int outputs_write(const char *cmd, const char *path,
		  int (*fn)(FILE *f, const void *arg), const void *arg);
/* Every path can be written as a file (not a directory sitting at its
 * name): EXIT_OK, or EXIT_ERROR after one line naming the first that
 * cannot. */
int outputs_check(const char *const paths[], size_t n);

#endif /* LAB_OUTPUTS_H */
