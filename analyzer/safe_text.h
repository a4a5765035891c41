/* safe_text.h - strings from the traced program (comm, command line)
 * made safe to print or to hand to a JSON writer: a workload names its
 * own threads, so a comm may hold any bytes, terminal escapes included. */
#ifndef LAB_SAFE_TEXT_H
#define LAB_SAFE_TEXT_H

#include <stddef.h>

/* Copies src into dst (always NUL-terminated, truncated at a character
 * boundary): a byte that does not begin valid UTF-8 becomes U+FFFD; with
 * no_controls, control characters (C0, DEL, C1) become '?' as well, so
 * nothing can steer a terminal. Returns dst. */
char *safe_text(char *dst, size_t len, const char *src, int no_controls);

#endif /* LAB_SAFE_TEXT_H */
