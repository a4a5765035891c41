/* hypervisor.h - whether lab runs in a virtual machine, and under which
 * hypervisor: figures such as cross-CPU wakeups differ there. */
#ifndef LAB_HYPERVISOR_H
#define LAB_HYPERVISOR_H

#include <stddef.h>

/* "none" on bare metal, else the hypervisor's name ("KVM", "Hyper-V",
 * ...), its raw signature when not one of those, or "unknown" where this
 * architecture gives no way to tell. */
void hypervisor_name(char *buf, size_t size);

#endif /* LAB_HYPERVISOR_H */
