/* proc_memory.c - what one process holds in memory, as /proc says.
 *
 * smaps_rollup sums every mapping of the process at once (the kernel
 * walks its page tables under the mm's lock for reading, so the process
 * is not stopped): Rss counts each page it maps, Pss divides each page
 * by the number of processes mapping it, and Private_* are the pages it
 * alone maps, its unique set (USS). */
#include <stdio.h>
#include <string.h>
#include "probes/proc_memory.h"

struct rollup_field {
	const char *name;
	size_t off;
};

#define ROLLUP(name, member)                                                   \
	{                                                                      \
		name, offsetof(struct lab_memory, member)                      \
	}

static const struct rollup_field rollup_fields[] = {
	ROLLUP("Rss:", rss_kb),
	ROLLUP("Pss:", pss_kb),
	ROLLUP("Pss_Anon:", pss_anon_kb),
	ROLLUP("Pss_File:", pss_file_kb),
	ROLLUP("Pss_Shmem:", pss_shmem_kb),
	ROLLUP("Swap:", swap_kb),
	ROLLUP("Private_Clean:", uss_kb),
	ROLLUP("Private_Dirty:", uss_kb),
};

/* Adds a "Name:   123 kB" line's figure to its field; 1 when the line
 * was one of them. */
static int take_line(const char *line, struct lab_memory *m)
{
	for (size_t i = 0; i < sizeof(rollup_fields) / sizeof(*rollup_fields);
	     i++) {
		const struct rollup_field *f = &rollup_fields[i];
		size_t n = strlen(f->name);
		unsigned long long kb;

		if (strncmp(line, f->name, n) ||
		    sscanf(line + n, "%llu", &kb) != 1)
			continue;
		*(uint64_t *)((char *)m + f->off) += kb;
		return 1;
	}
	return 0;
}

static int read_rollup(pid_t pid, struct lab_memory *m)
{
	char path[64], line[256];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		found += take_line(line, m);
	fclose(f);
	return found ? 0 : -1; /* a zombie's rollup is empty */
}

static int read_pte(pid_t pid, struct lab_memory *m)
{
	char path[64], line[256];
	unsigned long long kb;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %llu", &kb) == 1)
			m->pte_kb = kb;
	fclose(f);
	return 0;
}

int proc_memory_read(pid_t pid, struct lab_memory *m)
{
	memset(m, 0, sizeof(*m));
	m->pid = (uint32_t)pid;
	return read_rollup(pid, m) || read_pte(pid, m) ? -1 : 0;
}
