/* test_hash.c - the hash index: every element found by its key through
 * growth, keys that share a hash told apart, absent keys not found. */
#include <stdint.h>
#include <stdlib.h>
#include "analyzer/array.h"
#include "analyzer/hash.h"
#include "tests/test.h"

struct item {
	uint64_t key;
	uint32_t value;
};

static bool same_key(const void *items, size_t i, const void *key)
{
	return ((const struct item *)items)[i].key == *(const uint64_t *)key;
}

/* Adds key to items/index unless there; returns its index. */
static size_t put(struct item **items, size_t *n, size_t *cap,
		  struct hash_index *index, uint64_t key, uint64_t hash)
{
	size_t i = hash_find(index, hash, same_key, *items, &key);

	if (i != HASH_NONE)
		return i;
	if (!CHECK_EQ(ARRAY_GROW(*items, *cap, *n + 1), 0) ||
	    !CHECK_EQ(hash_add(index, hash, *n), 0))
		return HASH_NONE;
	(*items)[*n] = (struct item){key, (uint32_t)*n};
	return (*n)++;
}

TEST(hash_finds_every_key_through_growth)
{
	struct hash_index index = {0};
	struct item *items = NULL;
	size_t n = 0, cap = 0;
	bool found = true;

	/* addresses 64 bytes apart, as lock words often are */
	for (uint64_t k = 0; k < 20000; k++)
		put(&items, &n, &cap, &index, 0x7f0000000000 + 64 * k,
		    hash_mix(0x7f0000000000 + 64 * k));
	CHECK_EQ(n, 20000);
	CHECK_EQ(index.n, 20000);
	/* at most half full */
	CHECK(index.nslots >= 2 * index.n);
	for (uint64_t k = 0; k < 20000; k++) {
		uint64_t key = 0x7f0000000000 + 64 * k;

		found &= hash_find(&index, hash_mix(key), same_key, items,
				   &key) == k;
	}
	CHECK(found);
	/* added again: the same element */
	CHECK_EQ(put(&items, &n, &cap, &index, 0x7f0000000000 + 64 * 77,
		     hash_mix(0x7f0000000000 + 64 * 77)),
		 77);
	CHECK_EQ(n, 20000);
	free(items);
	hash_free(&index);
}

TEST(hash_tells_apart_keys_of_one_hash)
{
	struct hash_index index = {0};
	struct item *items = NULL;
	size_t n = 0, cap = 0;
	uint64_t absent = 999;

	/* every key hashed alike: only the match decides */
	for (uint64_t k = 1; k <= 100; k++)
		put(&items, &n, &cap, &index, k, 42);
	for (uint64_t k = 1; k <= 100; k++)
		if (!CHECK_EQ(hash_find(&index, 42, same_key, items, &k),
			      k - 1))
			break;
	CHECK_EQ(hash_find(&index, 42, same_key, items, &absent), HASH_NONE);
	free(items);
	hash_free(&index);
}

TEST(hash_empty_finds_nothing)
{
	struct hash_index index = {0};
	uint64_t key = 0;

	CHECK_EQ(hash_find(&index, hash_mix(0), same_key, NULL, &key),
		 HASH_NONE);
	hash_free(&index);
	CHECK(!index.slots && !index.nslots);
}

TEST(hash_mix_spreads_keys_of_one_stride)
{
	/* lock words 64 bytes apart share their low bits: mixed, they take
	 * most of 64 slots (at random, about 40) */
	bool taken[64] = {0};
	int distinct = 0;

	for (uint64_t k = 0; k < 64; k++) {
		uint64_t s = hash_mix(0x7f3c2a000000 + 64 * k) & 63;

		distinct += !taken[s];
		taken[s] = true;
	}
	CHECK_MSG(distinct >= 32, "64 keys in %d slots of 64", distinct);
}
