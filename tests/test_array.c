/* test_array.c - the growable array: room made by doubling, kept
 * elements kept, gained ones zeroed when asked, and nothing lost when
 * the room cannot be had. */
#include <stdint.h>
#include <stdlib.h>
#include "analyzer/array.h"
#include "tests/test.h"

TEST(array_grows_by_doubling_and_keeps_its_elements)
{
	uint64_t *v = NULL, *before;
	size_t n = 0, cap = 0, grew = 0;

	for (uint64_t i = 0; i < 10000; i++) {
		size_t old = cap;

		if (!CHECK_EQ(ARRAY_GROW(v, cap, n + 1), 0))
			break;
		grew += cap != old;
		v[n++] = i * i;
	}
	/* 8, 16, ..., 16384: log2(10000 / 8) + 1 blocks */
	CHECK_EQ(cap, 16384);
	CHECK_EQ(grew, 12);
	for (uint64_t i = 0; i < n; i++)
		if (!CHECK_EQ(v[i], i * i))
			break;
	/* room already there: the same block */
	before = v;
	CHECK_EQ(ARRAY_GROW(v, cap, cap), 0);
	CHECK(v == before);
	free(v);
}

TEST(array_grows_to_what_is_needed_at_once)
{
	char *v = NULL;
	size_t cap = 0;

	CHECK_EQ(ARRAY_GROW(v, cap, 1000), 0);
	CHECK_EQ(cap, 1024);
	free(v);
}

/* An array read at any index below its room: what was not written reads
 * as zero. */
TEST(array_grown_zeroed_reads_empty_up_to_its_room)
{
	struct pair {
		uint32_t a;
		uint64_t b;
	} *v = NULL;
	size_t cap = 0;
	bool zero = true;

	if (!CHECK_EQ(ARRAY_GROW_ZEROED(v, cap, 3), 0))
		return;
	v[2] = (struct pair){7, 9};
	if (!CHECK_EQ(ARRAY_GROW_ZEROED(v, cap, 100), 0))
		return;
	CHECK_EQ(cap, 128);
	CHECK(v[2].a == 7 && v[2].b == 9);
	for (size_t i = 0; i < cap; i++)
		if (i != 2)
			zero &= !v[i].a && !v[i].b;
	CHECK(zero);
	free(v);
}

TEST(array_that_cannot_grow_is_left_as_it_was)
{
	uint64_t *v = NULL, *before;
	size_t cap = 0;

	if (!CHECK_EQ(ARRAY_GROW(v, cap, 5), 0))
		return;
	v[4] = 42;
	before = v;
	/* more bytes than there are addresses */
	CHECK_EQ(ARRAY_GROW(v, cap, SIZE_MAX / 4), -1);
	CHECK(v == before);
	CHECK_EQ(cap, 8);
	CHECK_EQ(v[4], 42);
	free(v);
}
