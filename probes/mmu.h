/* mmu.h - what switching address spaces costs on this machine: whether
 * the CPU tags TLB entries with their address space, and whether the
 * kernel keeps its page tables apart from user space's (PTI). */
#ifndef LAB_MMU_H
#define LAB_MMU_H

#include <stddef.h>

/* "pcid", "pcid invpcid" or "none" on x86 (the "flags" of
 * /proc/cpuinfo, which the kernel clears for a feature it does not
 * use), "asid" on arm64 (whose TLB entries always carry an ASID),
 * "unknown" elsewhere or when the flags cannot be read. */
void mmu_tlb_tags(const char *machine, char *buf, size_t size);
/* The same from a flags line already read (NULL: not read). */
void mmu_tlb_tags_of(const char *machine, const char *flags, char *buf,
		     size_t size);
/* The kernel's own word on Meltdown, whose mitigation is page-table
 * isolation: "Mitigation: PTI", "Not affected", "Vulnerable"; "" when
 * the kernel has no such file. */
void mmu_page_table_isolation(char *buf, size_t size);

#endif /* LAB_MMU_H */
