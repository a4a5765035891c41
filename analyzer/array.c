/* array.c - arrays that grow as they fill. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/array.h"

void *array_grow(void *p, size_t *cap, size_t need, size_t size, bool zero)
{
	size_t n = *cap ? *cap : ARRAY_FIRST;

	if (p && need <= *cap)
		return p;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return NULL;
		n *= 2;
	}
	if (n > SIZE_MAX / size)
		return NULL;
	p = realloc(p, n * size);
	if (!p)
		return NULL;
	if (zero)
		memset((char *)p + *cap * size, 0, (n - *cap) * size);
	*cap = n;
	return p;
}
