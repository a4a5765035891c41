/* hypervisor.c - names the hypervisor lab runs under, from CPUID. */
#include <stdio.h>
#include <string.h>
#include "probes/hypervisor.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

#define CPUID_HYPERVISOR_BIT  (1u << 31) /* leaf 1, ecx: "running virtual" */
#define CPUID_HYPERVISOR_LEAF 0x40000000u

static const struct {
	const char *signature;
	const char *name;
} known[] = {
	{"KVMKVMKVM", "KVM"},	       {"Microsoft Hv", "Hyper-V"},
	{"VMwareVMware", "VMware"},    {"XenVMMXenVMM", "Xen"},
	{"TCGTCGTCGTCG", "QEMU"},      {"VBoxVBoxVBox", "VirtualBox"},
	{"bhyve bhyve ", "bhyve"},     {"ACRNACRNACRN", "ACRN"},
	{"prl hyperv  ", "Parallels"},
};

void hypervisor_name(char *buf, size_t size)
{
	unsigned int eax, ebx, ecx, edx;
	char sig[13];

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) ||
	    !(ecx & CPUID_HYPERVISOR_BIT)) {
		snprintf(buf, size, "none");
		return;
	}
	__cpuid(CPUID_HYPERVISOR_LEAF, eax, ebx, ecx, edx);
	memcpy(sig, &ebx, 4);
	memcpy(sig + 4, &ecx, 4);
	memcpy(sig + 8, &edx, 4);
	sig[12] = '\0';
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(sig, known[i].signature)) {
			snprintf(buf, size, "%s", known[i].name);
			return;
		}
	/* a signature of printable bytes names itself; else say we saw one */
	for (size_t i = 0; sig[i]; i++)
		if (sig[i] < ' ' || sig[i] > '~') {
			snprintf(buf, size, "a hypervisor");
			return;
		}
	snprintf(buf, size, "%s", sig[0] ? sig : "a hypervisor");
}
#else
void hypervisor_name(char *buf, size_t size)
{
	snprintf(buf, size, "unknown");
}
#endif
