/* safe_text.c - strings from the traced program, made safe to show. */
#include <stdint.h>
#include <string.h>
#include "analyzer/safe_text.h"

/* Length of the valid UTF-8 sequence at s (1-4), its code point in *cp;
 * 0 if s does not start one (overlong forms and surrogates included). */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

char *safe_text(char *dst, size_t len, const char *src, int no_controls)
{
	static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (!len)
		return dst;
	while (*s) {
		uint32_t cp;
		size_t n = utf8_seq(s, &cp);
		const char *out = (const char *)s;
		size_t outlen = n;

		if (!n) {
			out = replacement;
			outlen = 3;
			n = 1;
		} else if (no_controls &&
			   (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))) {
			out = "?";
			outlen = 1;
		}
		if (o + outlen >= len)
			break;
		memcpy(dst + o, out, outlen);
		o += outlen;
		s += n;
	}
	dst[o] = '\0';
	return dst;
}

size_t safe_text_del_or_c1(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	if (s[0] == 0x7f)
		return 1;
	return s[0] == 0xc2 && s[1] >= 0x80 && s[1] < 0xa0 ? 2 : 0;
}

int safe_text_json_write(FILE *f, const char *json)
{
	const char *s = json;

	/* outside strings JSON is ASCII: these only occur inside one */
	while (*s) {
		size_t n = 0, c;

		while (s[n] && !safe_text_del_or_c1(s + n))
			n++;
		if (fwrite(s, 1, n, f) != n)
			return -1;
		s += n;
		c = safe_text_del_or_c1(s);
		if (c && fprintf(f, "\\u%04x", (unsigned char)s[c - 1]) < 0)
			return -1;
		s += c;
	}
	return 0;
}
