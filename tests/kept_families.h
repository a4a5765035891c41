/* kept_families.h - the family runs kept in tests/traces/families/
 * (tests/traces/README.md): one directory of traces a scenario, which
 * `lab report` compares as it would a fresh family. */
#ifndef LAB_TEST_KEPT_FAMILIES_H
#define LAB_TEST_KEPT_FAMILIES_H

#include <stddef.h>

#define KEPT_FAMILIES_DIR "tests/traces/families"
/* scenarios kept at most */
#define KEPT_FAMILIES_MAX 32

/* The scenarios kept, in name order, into names (each a string to free);
 * returns how many. */
size_t kept_families(char *names[], size_t max);
/* `lab report` of the scenario's traces, in name order (as the shell's
 * glob gives them in the C locale), with `--json json` when json is not
 * NULL: its output into out, its exit code returned; -1 when the
 * scenario has no traces. */
int kept_family_report(const char *scenario, const char *json, char *out,
		       size_t outlen);

#endif /* LAB_TEST_KEPT_FAMILIES_H */
