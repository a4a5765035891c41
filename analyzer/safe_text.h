/* safe_text.h - strings from the traced program (comm, command line)
 * made safe to print or to hand to a JSON writer: a workload names its
 * own threads, so a comm may hold any bytes, terminal escapes included. */
#ifndef LAB_SAFE_TEXT_H
#define LAB_SAFE_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* Copies src into dst (always NUL-terminated, truncated at a character
 * boundary): a byte that does not begin valid UTF-8 becomes U+FFFD; with
 * no_controls, control characters (C0, DEL, C1) become '?' as well, so
 * nothing can steer a terminal. Returns dst. */
char *safe_text(char *dst, size_t len, const char *src, int no_controls);

/* Bytes of DEL or a C1 control (U+0080-U+009F, as UTF-8) at s: 1, 2, or
 * 0 when s starts neither. */
size_t safe_text_del_or_c1(const char *s);

/* Writes a JSON document to f as it is, but for DEL and the C1 controls
 * (U+0080-U+009F, which JSON lets through raw and some terminals obey),
 * written as \u escapes: the same document, with nothing in it that can
 * steer a terminal it is printed on. json is valid UTF-8 (safe_text).
 * Returns 0, or -1 when writing failed. */
int safe_text_json_write(FILE *f, const char *json);

#endif /* LAB_SAFE_TEXT_H */
