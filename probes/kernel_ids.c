/* kernel_ids.c - an open-addressing table from kernel address to id. */
#include <stdlib.h>
#include "probes/kernel_ids.h"

struct slot {
	uint64_t addr; /* 0: empty (no kernel object lives at 0) */
	uint64_t id;
};

struct kernel_ids {
	struct slot *slots;
	size_t cap; /* a power of two */
	uint64_t used;
};

struct kernel_ids *kernel_ids_new(void)
{
	return calloc(1, sizeof(struct kernel_ids));
}

static struct slot *find(struct slot *slots, size_t cap, uint64_t addr)
{
	/* kernel objects are aligned: mix the bits before masking */
	size_t i = (size_t)((addr * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);

	while (slots[i].addr && slots[i].addr != addr)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(struct kernel_ids *k)
{
	size_t cap = k->cap ? k->cap * 2 : 64;
	struct slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < k->cap; i++)
		if (k->slots[i].addr)
			*find(slots, cap, k->slots[i].addr) = k->slots[i];
	free(k->slots);
	k->slots = slots;
	k->cap = cap;
	return 0;
}

uint64_t kernel_ids_of(struct kernel_ids *k, uint64_t addr)
{
	struct slot *s;

	if (!addr)
		return 0;
	/* at most half full, so a probe always ends at an empty slot */
	if ((k->used + 1) * 2 > k->cap && grow(k))
		return 0;
	s = find(k->slots, k->cap, addr);
	if (!s->addr) {
		s->addr = addr;
		s->id = ++k->used;
	}
	return s->id;
}

void kernel_ids_free(struct kernel_ids *k)
{
	if (!k)
		return;
	free(k->slots);
	free(k);
}
