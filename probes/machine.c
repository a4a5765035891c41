/* machine.c - where a trace is recorded: lab, kernel, CPU, hypervisor,
 * and what on this machine sets the cost of a switch. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "probes/hypervisor.h"
#include "probes/machine.h"
#include "probes/mmu.h"

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

/* The period of the scheduler tick, 0 if unknown. The coarse clocks
 * advance once a tick, and the kernel gives their resolution as
 * TICK_NSEC, the jiffy: 1e9 / CONFIG_HZ ns, rounded. The scheduler's tick
 * runs once a jiffy on every busy CPU. Not sysconf(_SC_CLK_TCK): that is
 * USER_HZ, the unit of /proc's times, 100 whatever HZ is. */
static uint64_t tick_ns(void)
{
	struct timespec res;

	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) || res.tv_sec ||
	    res.tv_nsec <= 0)
		return 0;
	return (uint64_t)res.tv_nsec;
}

/* THREAD_SIZE: the kernel stack every task has, thread or process, as
 * the architecture's kernel sets it with 4 KiB pages and no KASAN (which
 * doubles it); /proc/meminfo's KernelStack divided by the machine's
 * tasks agrees (tests/test_memory.c checks it). */
static uint64_t kernel_stack_bytes(const char *machine)
{
	if (!strcmp(machine, "x86_64") || !strcmp(machine, "aarch64"))
		return 16384;
	return 0;
}

/* The size of a task_struct on this kernel, from its slab; the file is
 * root's alone, so 0 when lab does not run as root. */
static uint64_t task_struct_bytes(void)
{
	unsigned long long n = 0;
	FILE *f = fopen("/sys/kernel/slab/task_struct/object_size", "re");

	if (f && fscanf(f, "%llu", &n) != 1)
		n = 0;
	if (f)
		fclose(f);
	return n;
}

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
	mmu_tlb_tags(info->machine, info->tlb_tags, sizeof(info->tlb_tags));
	mmu_page_table_isolation(info->page_table_isolation,
				 sizeof(info->page_table_isolation));
	info->tick_ns = tick_ns();
	info->kernel_stack_bytes = kernel_stack_bytes(info->machine);
	info->task_struct_bytes = task_struct_bytes();
}
