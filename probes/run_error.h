/* run_error.h - the one line lab run says when one of its steps fails. */
#ifndef LAB_RUN_ERROR_H
#define LAB_RUN_ERROR_H

#include <stddef.h>

/* Formats the line into err (errlen bytes) and returns -1, so a step
 * can end with `return run_error(err, errlen, "run: ...", ...);`. */
int run_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* LAB_RUN_ERROR_H */
