/* run_error.c - the one line lab run says when one of its steps fails. */
#include <stdarg.h>
#include <stdio.h>
#include "probes/run_error.h"

int run_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}
