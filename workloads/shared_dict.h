/* shared_dict.h - the shared scenario's dictionary: a fixed-size
 * string-to-count hash table with open addressing. It holds no pointer,
 * so it means the same in every process that maps it.
 */
#ifndef LAB_SHARED_DICT_H
#define LAB_SHARED_DICT_H

#include <stdint.h>

#define SHARED_KEY_LEN 8
#define SHARED_SLOTS   32 /* a power of two, room for every key */

struct shared_dict {
	struct {
		char key[SHARED_KEY_LEN]; /* "" = free */
		int64_t value;
	} slot[SHARED_SLOTS];
};

/* The value slot of key, claimed when new and claim is set; NULL when the
 * table is full or the key too long. */
int64_t *shared_dict_at(struct shared_dict *d, const char *key, int claim);

#endif /* LAB_SHARED_DICT_H */
