/* machine.c - where a trace is recorded: lab, kernel, CPU, hypervisor. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "probes/hypervisor.h"
#include "probes/machine.h"

/* the header's strings have fixed sizes: cut to fit */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

#define COPY(field, src) copy_str(field, sizeof(field), src)

void machine_describe(struct lab_trace_info *info)
{
	struct utsname u;
	char line[512];
	FILE *f;

	info->version = LAB_TRACE_VERSION;
	COPY(info->lab_version, LAB_VERSION);
	if (uname(&u) == 0) {
		COPY(info->kernel, u.release);
		COPY(info->machine, u.machine);
	}
	info->cpu_count = sysconf(_SC_NPROCESSORS_ONLN);
	hypervisor_name(info->hypervisor, sizeof(info->hypervisor));
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += strspn(colon + 1, " \t") + 1;
		colon[strcspn(colon, "\n")] = 0;
		COPY(info->cpu_model, colon);
		break;
	}
	if (f)
		fclose(f);
}
