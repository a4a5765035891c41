/* fuzz.h - the trace fuzz target and the corpus replay around it. */
#ifndef LAB_FUZZ_H
#define LAB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* One input through the analysis and every renderer; always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Runs every regular file of dir through the target. Returns the number
 * of files run, or -1 with the reason in err. */
int fuzz_replay_dir(const char *dir, char *err, size_t errlen);

#endif /* LAB_FUZZ_H */
