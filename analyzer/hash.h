/* hash.h - a hash index: finds an element of the caller's array by its
 * key in constant time. The elements and their keys stay in the
 * caller's array (grown with array.h), in the order they were added;
 * the index keeps, per slot, an element's position and its key's hash.
 * Open addressing with linear probing; the slots double at half full.
 *
 *	uint64_t h = hash_mix(key);
 *	size_t i = hash_find(&index, h, same_key, array, &key);
 *
 *	if (i == HASH_NONE) {
 *		... append the element, at n ...
 *		if (hash_add(&index, h, n))
 *			return -1;
 *	}
 */
#ifndef LAB_HASH_H
#define LAB_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* hash_find's answer when no element has the key */
#define HASH_NONE SIZE_MAX

struct hash_slot {
	uint32_t elem; /* 1 + the element's index; 0: an empty slot */
	uint32_t hash; /* its key's hash, low bits: to place it again */
};

/* Zero-initialised is empty. */
struct hash_index {
	struct hash_slot *slots;
	size_t nslots, n;
};

/* Whether element i of the caller's array ctx has key. */
typedef bool hash_match(const void *ctx, size_t i, const void *key);

/* A key's bits mixed so that neighbouring keys (tids, addresses) fall
 * far apart. */
uint64_t hash_mix(uint64_t x);

/* The index of the element whose key (hashed to hash) match accepts, or
 * HASH_NONE. */
size_t hash_find(const struct hash_index *h, uint64_t hash, hash_match *match,
		 const void *ctx, const void *key);
/* Indexes element elem (below UINT32_MAX), whose key is hashed to hash
 * and is not indexed yet. Returns 0, or -1 when out of memory (the index
 * is then unchanged). */
int hash_add(struct hash_index *h, uint64_t hash, size_t elem);
void hash_free(struct hash_index *h);

#endif /* LAB_HASH_H */
