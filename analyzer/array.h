/* array.h - arrays that grow as they fill: one helper for every array
 * the analyzer builds up an element at a time. The array stays a plain
 * pointer and a capacity in the caller's struct (the report's structs
 * are read as such); the helper only makes room.
 *
 *	if (ARRAY_GROW(t->v, t->cap, t->n + 1))
 *		return -1;
 *	t->v[t->n++] = x;
 *
 * The capacity doubles, from ARRAY_FIRST, so n additions cost O(n).
 */
#ifndef LAB_ARRAY_H
#define LAB_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

#define ARRAY_FIRST 8

/* Room for need elements of size bytes in p, which has room for *cap:
 * p itself if it has the room, else p moved to a larger block (*cap
 * updated), or NULL when out of memory (p and *cap are then unchanged).
 * With zero, the elements the block gains are zeroed. */
void *array_grow(void *p, size_t *cap, size_t need, size_t size, bool zero);

/* Room for need elements in arr (a pointer of any type, its capacity in
 * the size_t cap), grown in place: 0, or -1 when out of memory (arr and
 * cap are then unchanged). */
#define ARRAY_GROW(arr, cap, need) ARRAY_GROW_((arr), (cap), (need), false)
/* The same, every element up to cap zeroed until it is written: for an
 * array read at any index below cap. */
#define ARRAY_GROW_ZEROED(arr, cap, need)                                      \
	ARRAY_GROW_((arr), (cap), (need), true)

#define ARRAY_GROW_(arr, cap, need, zero)                                      \
	({                                                                     \
		__typeof__(arr) g_ =                                           \
			array_grow(arr, &(cap), need, sizeof(*(arr)), zero);   \
		if (g_)                                                        \
			(arr) = g_;                                            \
		g_ ? 0 : -1;                                                   \
	})

#endif /* LAB_ARRAY_H */
