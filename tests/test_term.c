/* test_term.c - the terminal writers' helpers: padding by columns, not
 * bytes; wrapping with units kept and long words broken; clipping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/term.h"
#include "tests/test.h"
#include "analyzer/units.h"

/* Output into memory: open, print to out.f, then take the string. */
struct out {
	FILE *f;
	char *s;
	size_t len;
};

static FILE *out_open(struct out *o)
{
	o->s = NULL;
	o->f = open_memstream(&o->s, &o->len);
	return o->f;
}

/* What was printed; free it. */
static char *out_text(struct out *o)
{
	fclose(o->f);
	return o->s;
}

/* Every line of s fits TERM_WIDTH columns. */
static bool fits(const char *s)
{
	char *copy = strdup(s), *save = NULL;
	bool ok = true;

	for (char *l = strtok_r(copy, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		ok &= units_width(l) <= TERM_WIDTH;
	free(copy);
	return ok;
}

TEST(term_pads_by_columns)
{
	struct out o;
	char *s;

	term_right(out_open(&o), "812 µs", 8);
	s = out_text(&o);
	/* "µs" is two bytes and one column */
	CHECK_STR(s, "  812 µs");
	free(s);
	term_left(out_open(&o), "µs", 4);
	s = out_text(&o);
	CHECK_STR(s, "µs  ");
	free(s);
	term_right(out_open(&o), "too wide", 3);
	s = out_text(&o);
	CHECK_STR(s, "too wide");
	free(s);
}

TEST(term_wrap_keeps_units_with_their_numbers)
{
	/* 72 columns of words, then a figure whose unit would start the
	 * next line */
	const char *text =
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaa took 39.6 µs, then stopped";
	struct out o;
	int lines = term_wrap(out_open(&o), "- ", 2, text, TERM_KEEP_UNITS);
	char *s = out_text(&o);

	CHECK_EQ(lines, 2);
	CHECK_MSG(strstr(s, "\n  39.6 µs, then stopped\n"), "got %s", s);
	CHECK(!strncmp(s, "- aaaa", 6));
	CHECK(fits(s));
	free(s);
	term_wrap(out_open(&o), "- ", 2, text, 0);
	s = out_text(&o);
	CHECK_MSG(strstr(s, " 39.6\n  µs,"), "got %s", s);
	free(s);
}

TEST(term_wrap_breaks_long_words_when_asked)
{
	char word[200], *s;
	struct out o;
	int lines;

	memset(word, 'x', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	lines = term_wrap(out_open(&o), "", 2, word, TERM_BREAK_LONG);
	s = out_text(&o);
	/* 79 + 77 + 43 */
	CHECK_EQ(lines, 3);
	CHECK(fits(s));
	CHECK(!strncmp(strchr(s, '\n'), "\n  xxx", 6));
	free(s);
	lines = term_wrap(out_open(&o), "", 2, word, 0);
	s = out_text(&o);
	CHECK_EQ(lines, 1);
	CHECK_EQ(strlen(s), sizeof(word));
	free(s);
}

TEST(term_wrap_prints_no_controls)
{
	struct out o;
	char *s;

	term_wrap(out_open(&o), "", 0, "a\x1b]0;x\x07 b\xc2\x9b", 0);
	s = out_text(&o);
	CHECK_STR(s, "a?]0;x? b?\n");
	free(s);
}

TEST(text_clip_leaves_a_column_for_the_ellipsis)
{
	CHECK_EQ(units_clip("counter_lock", 12), 12);
	CHECK_EQ(units_clip("counter_lock", 0), 12);
	CHECK_EQ(units_clip("counter_lock", 8), 7);
	/* characters, not bytes: "µµµµ" is 8 bytes, 4 columns */
	CHECK_EQ(units_clip("µµµµ", 3), 4);
}
