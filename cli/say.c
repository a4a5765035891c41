/* say.c - lab's one-line messages, made safe for a terminal. */
#include <stdarg.h>
#include <stdio.h>
#include "analyzer/safe_text.h"
#include "cli/say.h"

static void vsay(const char *fmt, va_list ap)
{
	char line[2048], safe[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "lab: %s\n", safe_text(safe, sizeof(safe), line, 1));
}

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

int die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	return code;
}
