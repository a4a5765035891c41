/* shared_dict.c - the shared scenario's dictionary (see shared_dict.h) */
#include <string.h>
#include "workloads/shared_dict.h"

static unsigned shared_hash(const char *key)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*key)
		h = (h ^ (unsigned char)*key++) * 16777619u;
	return h;
}

int64_t *shared_dict_at(struct shared_dict *d, const char *key, int claim)
{
	size_t len = strnlen(key, SHARED_KEY_LEN);
	unsigned h = shared_hash(key);

	if (len == 0 || len == SHARED_KEY_LEN)
		return NULL;
	for (unsigned i = 0; i < SHARED_SLOTS; i++) {
		unsigned s = (h + i) & (SHARED_SLOTS - 1);

		if (strcmp(d->slot[s].key, key) == 0)
			return &d->slot[s].value;
		if (d->slot[s].key[0])
			continue;
		if (!claim)
			return NULL;
		memcpy(d->slot[s].key, key, len + 1);
		return &d->slot[s].value;
	}
	return NULL;
}
