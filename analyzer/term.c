/* term.c - the terminal writers' vocabulary: columns and wrapping. */
#include <stdbool.h>
#include <string.h>
#include "analyzer/safe_text.h"
#include "analyzer/term.h"
#include "analyzer/units.h"

void term_left(FILE *f, const char *s, size_t width)
{
	fputs(s, f);
	for (size_t w = units_width(s); w < width; w++)
		fputc(' ', f);
}

void term_right(FILE *f, const char *s, size_t width)
{
	for (size_t w = units_width(s); w < width; w++)
		fputc(' ', f);
	fputs(s, f);
}

/* UTF-8 continuation bytes are 10xxxxxx and take no column */
static bool starts_char(char c)
{
	return ((unsigned char)c & 0xc0) != 0x80;
}

/* "µs", "ms)": a unit, kept on the line of its number */
static bool is_unit(const char *w, size_t len)
{
	static const char *const units[] = {"ns", "µs", "ms", "s", "kB"};

	while (len && strchr(").,;:", w[len - 1]))
		len--;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (len == strlen(units[i]) && !strncmp(w, units[i], len))
			return true;
	return false;
}

/* The bytes of the word at p, with the unit after it if flags keep
 * units. */
static size_t word_len(const char *p, unsigned int flags)
{
	size_t len = strcspn(p, " ");

	if ((flags & TERM_KEEP_UNITS) && p[len] == ' ' &&
	    is_unit(p + len + 1, strcspn(p + len + 1, " ")))
		len += 1 + strcspn(p + len + 1, " ");
	return len;
}

int term_wrap(FILE *f, const char *prefix, size_t indent, const char *text,
	      unsigned int flags)
{
	char clean[2048];
	const char *p = safe_text(clean, sizeof(clean), text, 1);
	/* line_start: where the current line's words begin */
	size_t line_start = units_width(prefix), col = line_start;
	int lines = 1;

	fputs(prefix, f);
	while (*p) {
		size_t len = word_len(p, flags), w = 0;

		for (size_t i = 0; i < len; i++)
			w += starts_char(p[i]);
		if (col > line_start && col + 1 + w > TERM_WIDTH) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = line_start = indent;
			lines++;
		} else if (col > line_start) {
			fputc(' ', f);
			col++;
		}
		for (size_t i = 0; i < len; i++) {
			if ((flags & TERM_BREAK_LONG) && starts_char(p[i]) &&
			    col == TERM_WIDTH) {
				fprintf(f, "\n%*s", (int)indent, "");
				col = line_start = indent;
				lines++;
			}
			fputc(p[i], f);
			col += starts_char(p[i]);
		}
		p += len;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
	return lines;
}
