/* units.h - numbers for people: durations with a unit chosen for
 * reading ("812 µs", "1.52 ms") and counts with thousands separators. */
#ifndef LAB_UNITS_H
#define LAB_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Three significant digits in ns, µs, ms or s; returns buf. */
const char *units_duration(char *buf, size_t len, uint64_t ns);
/* "20,000"; returns buf. */
const char *units_count(char *buf, size_t len, uint64_t n);
/* Terminal columns a UTF-8 string takes (one per character). */
size_t units_width(const char *s);
/* The bytes of s to show in width columns: all of s when it fits (or
 * width is 0), else its first width - 1 characters, which leaves a
 * column for the "…" that says it was cut. */
size_t units_clip(const char *s, size_t width);

#endif /* LAB_UNITS_H */
