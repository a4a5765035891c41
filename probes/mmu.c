/* mmu.c - TLB tags and page-table isolation, as the kernel reports them. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "probes/mmu.h"

#define MELTDOWN "/sys/devices/system/cpu/vulnerabilities/meltdown"

static bool is_x86(const char *machine)
{
	return !strcmp(machine, "x86_64") ||
	       (machine[0] == 'i' && machine[1] && !strcmp(machine + 2, "86"));
}

/* w is one of the blank-separated words of s */
static bool has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = s; (p = strstr(p, w)); p += n)
		if ((p == s || strchr(" \t", p[-1])) && strchr(" \t\n", p[n]))
			return true;
	return false;
}

void mmu_tlb_tags_of(const char *machine, const char *flags, char *buf,
		     size_t size)
{
	if (!strcmp(machine, "aarch64"))
		snprintf(buf, size, "asid");
	else if (!is_x86(machine) || !flags)
		snprintf(buf, size, "unknown");
	else if (!has_word(flags, "pcid"))
		snprintf(buf, size, "none");
	else if (has_word(flags, "invpcid"))
		snprintf(buf, size, "pcid invpcid");
	else
		snprintf(buf, size, "pcid");
}

void mmu_tlb_tags(const char *machine, char *buf, size_t size)
{
	FILE *f = is_x86(machine) ? fopen("/proc/cpuinfo", "r") : NULL;
	char *line = NULL, *flags = NULL;
	size_t cap = 0;

	/* the first CPU's "flags\t\t: fpu vme ...", a line of its own */
	while (f && getline(&line, &cap, f) > 0)
		if (!strncmp(line, "flags", 5) &&
		    strspn(line + 5, " \t") + 5 == strcspn(line, ":") &&
		    (flags = strchr(line, ':')))
			break;
	mmu_tlb_tags_of(machine, flags ? flags + 1 : NULL, buf, size);
	free(line);
	if (f)
		fclose(f);
}

void mmu_page_table_isolation(char *buf, size_t size)
{
	FILE *f = fopen(MELTDOWN, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}
