/* units.c - numbers for people. */
#include <stdio.h>
#include <string.h>
#include "analyzer/units.h"

const char *units_duration(char *buf, size_t len, uint64_t ns)
{
	static const struct {
		double scale;
		const char *unit;
	} units[] = {
		{1e3, "µs"},
		{1e6, "ms"},
		{1e9, "s"},
	};
	const size_t last = sizeof(units) / sizeof(units[0]) - 1;

	if (ns < 1000) {
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
		return buf;
	}
	for (size_t i = 0;; i++) {
		double v = (double)ns / units[i].scale;

		/* decide on the rounded value: 999.7 µs is "1.00 ms" */
		if (v >= 999.5 && i < last)
			continue;
		if (v >= 99.95)
			snprintf(buf, len, "%.0f %s", v, units[i].unit);
		else if (v >= 9.995)
			snprintf(buf, len, "%.1f %s", v, units[i].unit);
		else
			snprintf(buf, len, "%.2f %s", v, units[i].unit);
		return buf;
	}
}

const char *units_count(char *buf, size_t len, uint64_t n)
{
	char digits[24];
	int nd =
		snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
	size_t o = 0;

	for (int i = 0; i < nd && o + 1 < len; i++) {
		if (i && (nd - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	if (len)
		buf[o < len ? o : len - 1] = '\0';
	return buf;
}

size_t units_width(const char *s)
{
	size_t w = 0;

	/* count every byte that does not continue a UTF-8 sequence */
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

size_t units_clip(const char *s, size_t width)
{
	size_t cols = 0, i = 0;

	if (!width || units_width(s) <= width)
		return strlen(s);
	for (; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && cols++ == width - 1)
			break;
	return i;
}
