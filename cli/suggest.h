/* suggest.h - "did you mean" for a mistyped workload name. */
#ifndef LAB_SUGGEST_H
#define LAB_SUGGEST_H

#include <stddef.h>

/* The workload and scenario names near name (within two edits, or
 * starting with it), ", "-separated into out; "" when none. */
void suggest_workloads(const char *name, char *out, size_t size);

/* "run: unknown workload" with the names near it, one line; returns
 * EXIT_USAGE. */
int suggest_unknown_workload(const char *name);

#endif /* LAB_SUGGEST_H */
