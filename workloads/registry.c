/* registry.c - the table of built-in workloads and lookups by name.
 * A scenario's variants sit next to each other, in the order a family run
 * and `lab list` show them. */
#include <string.h>
#include "io.h"
#include "workload.h"

const struct workload *const workloads[] = {
	&io_processes, &io_threads, &io_coroutines, &io_serial, NULL,
};

const struct workload *workload_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct workload *const *w = workloads; *w; w++)
		if (strcmp((*w)->name, name) == 0)
			return *w;
	return NULL;
}

int workload_is_scenario(const char *name)
{
	if (!name)
		return 0;
	for (const struct workload *const *w = workloads; *w; w++)
		if (strcmp((*w)->scenario, name) == 0)
			return 1;
	return 0;
}
