/* report_names.h - the names lab report lines several traces up under. */
#ifndef LAB_REPORT_NAMES_H
#define LAB_REPORT_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include "analyzer/compare.h"

/* The name of each of n traces: given[i] when set (-n), else the name
 * its trace records where every trace of that name ran the same command
 * line (the runs of one command), else its file's name without .lab,
 * else its path without .lab. *models is set when nothing was given and
 * every trace is a built-in workload's run: then they are compared as a
 * family's models, not by name. Returns 0, or -1 with the reason in err
 * (a trace that cannot be read). */
int report_names(char **traces, const char *const *given, int n,
		 char (*names)[CMP_NAME_LEN], bool *models, char *err,
		 size_t errlen);

#endif /* LAB_REPORT_NAMES_H */
