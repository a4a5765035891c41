/* term.h - the terminal writers' vocabulary: text padded to columns by
 * what it shows, not by its bytes, and text wrapped at TERM_WIDTH.
 *
 * The padding helpers print s as it is: a string of the traced program's
 * goes through safe_text first. term_wrap cleans its text itself. */
#ifndef LAB_TERM_H
#define LAB_TERM_H

#include <stddef.h>
#include <stdio.h>

/* Columns of the terminal the writers fill: 80 less the last, where some
 * terminals wrap early. */
#define TERM_WIDTH 79

/* s then spaces up to width columns; spaces then s. printf's %*s counts
 * bytes, and "µs" takes two bytes and one column. */
void term_left(FILE *f, const char *s, size_t width);
void term_right(FILE *f, const char *s, size_t width);

/* How term_wrap breaks lines, besides between words. */
enum term_wrap_flags {
	/* "39.6 µs" is one word: a unit stays on its number's line */
	TERM_KEEP_UNITS = 1,
	/* a word longer than a line (a path) is broken where the line
	 * ends; else it runs past it */
	TERM_BREAK_LONG = 2,
};

/* prefix, then the words of text wrapped at TERM_WIDTH, continuation
 * lines indented by indent columns, and a newline. The text may quote
 * the trace: no control character is printed (safe_text). Returns the
 * lines printed. */
int term_wrap(FILE *f, const char *prefix, size_t indent, const char *text,
	      unsigned int flags);

#endif /* LAB_TERM_H */
