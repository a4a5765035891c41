/* trace_craft.c - trace files made byte by byte as docs/trace-format.md
 * describes them. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "tests/trace_craft.h"

void put(struct bytes *b, const void *d, size_t n)
{
	b->p = realloc(b->p, b->len + n + 1);
	if (!b->p)
		abort();
	if (n)
		memcpy(b->p + b->len, d, n);
	b->len += n;
}

void put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

void put_header(struct bytes *b, uint32_t version)
{
	uint8_t h[20];

	memcpy(h, "\x89LAB\r\n\x1a\n", 8);
	put32(h + 8, version);
	put32(h + 12, 0);
	put32(h + 16, crc32(0, h, 16));
	put(b, h, sizeof(h));
}

void put_chunk(struct bytes *b, const struct craft *c)
{
	uLongf clen = compressBound(c->data_len);
	uint8_t *z = malloc(clen + c->comp_extra + 1);
	uint8_t h[28];

	if (!z || compress2(z, &clen, c->data, c->data_len, 1) != Z_OK)
		abort();
	memset(z + clen, 0xab, c->comp_extra);
	put32(h, 0x4b48434c);
	put32(h + 4, c->type);
	put32(h + 8, c->count);
	put32(h + 12, c->raw_len);
	put32(h + 16, (uint32_t)clen + c->comp_extra);
	put32(h + 20, crc32(0, c->data, c->data_len) ^ c->crc_xor);
	put32(h + 24, crc32(0, h, 24));
	put(b, h, 28);
	put(b, z, clen + c->comp_extra);
	free(z);
}
