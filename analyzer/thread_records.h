/* thread_records.h - a THREADS chunk of any format version as the
 * struct lab_thread_stats this lab knows. */
#ifndef LAB_THREAD_RECORDS_H
#define LAB_THREAD_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include "probes/trace_format.h"

/* Decodes the count records of raw_len bytes (a valid THREADS chunk of a
 * trace of the given format version) into out[count]. */
void thread_records_decode(uint32_t version, const uint8_t *raw, size_t raw_len,
			   size_t count, struct lab_thread_stats *out);

#endif /* LAB_THREAD_RECORDS_H */
