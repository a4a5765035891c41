/* hash.c - a hash index over the caller's array. */
#include <stdlib.h>
#include "analyzer/hash.h"

uint64_t hash_mix(uint64_t x)
{
	/* the finaliser of MurmurHash3 */
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* The slot of an element with this hash, or the empty one where it
 * goes: nslots is a power of two, and at least one slot is empty. */
static size_t probe(const struct hash_slot *slots, size_t nslots, uint32_t hash,
		    hash_match *match, const void *ctx, const void *key)
{
	size_t s = hash & (nslots - 1);

	for (; slots[s].elem; s = (s + 1) & (nslots - 1))
		if (match && slots[s].hash == hash &&
		    match(ctx, slots[s].elem - 1, key))
			break;
	return s;
}

size_t hash_find(const struct hash_index *h, uint64_t hash, hash_match *match,
		 const void *ctx, const void *key)
{
	size_t s;

	if (!h->nslots)
		return HASH_NONE;
	s = probe(h->slots, h->nslots, (uint32_t)hash, match, ctx, key);
	return h->slots[s].elem ? h->slots[s].elem - 1 : HASH_NONE;
}

/* Twice the slots, every element placed again from its hash. */
static int grow(struct hash_index *h)
{
	size_t n = h->nslots ? 2 * h->nslots : 64;
	struct hash_slot *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < h->nslots; i++)
		if (h->slots[i].elem)
			slots[probe(slots, n, h->slots[i].hash, NULL, NULL,
				    NULL)] = h->slots[i];
	free(h->slots);
	h->slots = slots;
	h->nslots = n;
	return 0;
}

int hash_add(struct hash_index *h, uint64_t hash, size_t elem)
{
	if ((h->n + 1) * 2 > h->nslots && grow(h))
		return -1;
	h->slots[probe(h->slots, h->nslots, (uint32_t)hash, NULL, NULL, NULL)] =
		(struct hash_slot){(uint32_t)elem + 1, (uint32_t)hash};
	h->n++;
	return 0;
}

void hash_free(struct hash_index *h)
{
	free(h->slots);
	h->slots = NULL;
	h->nslots = h->n = 0;
}
