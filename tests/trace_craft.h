/* trace_craft.h - trace files made byte by byte as docs/trace-format.md
 * describes them, for tests of what the reader makes of any layout. */
#ifndef LAB_TEST_TRACE_CRAFT_H
#define LAB_TEST_TRACE_CRAFT_H

#include <stddef.h>
#include <stdint.h>

/* A growing buffer; start it zeroed, free p when done. */
struct bytes {
	uint8_t *p;
	size_t len;
};

void put(struct bytes *b, const void *d, size_t n);
void put32(uint8_t *p, uint32_t v);

struct craft {
	uint32_t type, count, raw_len, comp_extra, crc_xor;
	const void *data; /* what is actually deflated */
	size_t data_len;
};

/* A file header of this format version with no fields, and its CRC. */
void put_header(struct bytes *b, uint32_t version);
/* A chunk header as documented, a valid header CRC, then the deflated
 * data followed by comp_extra stray bytes counted in comp_len. */
void put_chunk(struct bytes *b, const struct craft *c);

#endif /* LAB_TEST_TRACE_CRAFT_H */
