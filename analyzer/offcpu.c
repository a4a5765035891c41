/* offcpu.c - why a thread is off the CPU, from its syscall number. */
#include <string.h>
#include "analyzer/offcpu.h"

struct sys_reason {
	uint32_t nr;
	enum offcpu_reason why;
};

/* arch/x86/entry/syscalls/syscall_64.tbl */
static const struct sys_reason x86_64[] = {
	{0, OFFCPU_READ},    /* read */
	{1, OFFCPU_WRITE},   /* write */
	{7, OFFCPU_POLL},    /* poll */
	{17, OFFCPU_READ},   /* pread64 */
	{18, OFFCPU_WRITE},  /* pwrite64 */
	{19, OFFCPU_READ},   /* readv */
	{20, OFFCPU_WRITE},  /* writev */
	{23, OFFCPU_POLL},   /* select */
	{35, OFFCPU_SLEEP},  /* nanosleep */
	{44, OFFCPU_WRITE},  /* sendto */
	{45, OFFCPU_READ},   /* recvfrom */
	{46, OFFCPU_WRITE},  /* sendmsg */
	{47, OFFCPU_READ},   /* recvmsg */
	{61, OFFCPU_WAIT},   /* wait4 */
	{202, OFFCPU_FUTEX}, /* futex */
	{230, OFFCPU_SLEEP}, /* clock_nanosleep */
	{232, OFFCPU_POLL},  /* epoll_wait */
	{247, OFFCPU_WAIT},  /* waitid */
	{270, OFFCPU_POLL},  /* pselect6 */
	{271, OFFCPU_POLL},  /* ppoll */
	{281, OFFCPU_POLL},  /* epoll_pwait */
	{295, OFFCPU_READ},  /* preadv */
	{296, OFFCPU_WRITE}, /* pwritev */
	{299, OFFCPU_READ},  /* recvmmsg */
	{307, OFFCPU_WRITE}, /* sendmmsg */
	{327, OFFCPU_READ},  /* preadv2 */
	{328, OFFCPU_WRITE}, /* pwritev2 */
	{441, OFFCPU_POLL},  /* epoll_pwait2 */
	{449, OFFCPU_FUTEX}, /* futex_waitv */
	{455, OFFCPU_FUTEX}, /* futex_wait */
};

/* include/uapi/asm-generic/unistd.h: arm64 has no poll, select or
 * epoll_wait, only their p- forms */
static const struct sys_reason arm64[] = {
	{22, OFFCPU_POLL},   /* epoll_pwait */
	{63, OFFCPU_READ},   /* read */
	{64, OFFCPU_WRITE},  /* write */
	{65, OFFCPU_READ},   /* readv */
	{66, OFFCPU_WRITE},  /* writev */
	{67, OFFCPU_READ},   /* pread64 */
	{68, OFFCPU_WRITE},  /* pwrite64 */
	{69, OFFCPU_READ},   /* preadv */
	{70, OFFCPU_WRITE},  /* pwritev */
	{72, OFFCPU_POLL},   /* pselect6 */
	{73, OFFCPU_POLL},   /* ppoll */
	{95, OFFCPU_WAIT},   /* waitid */
	{98, OFFCPU_FUTEX},  /* futex */
	{101, OFFCPU_SLEEP}, /* nanosleep */
	{115, OFFCPU_SLEEP}, /* clock_nanosleep */
	{206, OFFCPU_WRITE}, /* sendto */
	{207, OFFCPU_READ},  /* recvfrom */
	{211, OFFCPU_WRITE}, /* sendmsg */
	{212, OFFCPU_READ},  /* recvmsg */
	{243, OFFCPU_READ},  /* recvmmsg */
	{260, OFFCPU_WAIT},  /* wait4 */
	{269, OFFCPU_WRITE}, /* sendmmsg */
	{286, OFFCPU_READ},  /* preadv2 */
	{287, OFFCPU_WRITE}, /* pwritev2 */
	{441, OFFCPU_POLL},  /* epoll_pwait2 */
	{449, OFFCPU_FUTEX}, /* futex_waitv */
	{455, OFFCPU_FUTEX}, /* futex_wait */
};

enum sys_abi offcpu_abi(const char *machine)
{
	if (!machine[0] || !strcmp(machine, "x86_64"))
		return SYS_ABI_X86_64;
	if (!strcmp(machine, "aarch64") || !strcmp(machine, "arm64"))
		return SYS_ABI_ARM64;
	return SYS_ABI_UNKNOWN;
}

enum offcpu_reason offcpu_reason_of(enum sys_abi abi, uint32_t nr)
{
	const struct sys_reason *t = abi == SYS_ABI_X86_64 ? x86_64 : arm64;
	size_t n = abi == SYS_ABI_X86_64 ? sizeof(x86_64) / sizeof(*x86_64)
					 : sizeof(arm64) / sizeof(*arm64);

	if (abi == SYS_ABI_UNKNOWN)
		return OFFCPU_OTHER_SYSCALL;
	for (size_t i = 0; i < n; i++)
		if (t[i].nr == nr)
			return t[i].why;
	return OFFCPU_OTHER_SYSCALL;
}

bool offcpu_is_futex(enum sys_abi abi, uint32_t nr)
{
	return (abi == SYS_ABI_X86_64 && nr == 202) ||
	       (abi == SYS_ABI_ARM64 && nr == 98);
}

static const char *const keys[OFFCPU_NREASONS] = {
	[OFFCPU_FUTEX] = "futex",
	[OFFCPU_READ] = "read",
	[OFFCPU_WRITE] = "write",
	[OFFCPU_SLEEP] = "sleep",
	[OFFCPU_POLL] = "poll",
	[OFFCPU_WAIT] = "wait",
	[OFFCPU_OTHER_SYSCALL] = "other_syscall",
	[OFFCPU_NO_SYSCALL] = "outside_syscall",
	[OFFCPU_UNKNOWN] = "unknown",
};

static const char *const labels[OFFCPU_NREASONS] = {
	[OFFCPU_FUTEX] = "futex",
	[OFFCPU_READ] = "read/recv",
	[OFFCPU_WRITE] = "write/send",
	[OFFCPU_SLEEP] = "sleep",
	[OFFCPU_POLL] = "poll",
	[OFFCPU_WAIT] = "wait",
	[OFFCPU_OTHER_SYSCALL] = "other syscall",
	[OFFCPU_NO_SYSCALL] = "outside syscall",
	[OFFCPU_UNKNOWN] = "unknown",
};

const char *offcpu_reason_key(enum offcpu_reason r)
{
	return r < OFFCPU_NREASONS ? keys[r] : "unknown";
}

const char *offcpu_reason_label(enum offcpu_reason r)
{
	return r < OFFCPU_NREASONS ? labels[r] : "unknown";
}

uint64_t offcpu_total(const struct state_times *t)
{
	uint64_t sum = 0;

	for (int i = 0; i < OFFCPU_NREASONS; i++)
		sum += t->offcpu_ns[i];
	return sum;
}

void offcpu_times_add(struct state_times *sum, const struct state_times *t)
{
	sum->oncpu_ns += t->oncpu_ns;
	sum->runnable_ns += t->runnable_ns;
	sum->new_ns += t->new_ns;
	for (int i = 0; i < OFFCPU_NREASONS; i++)
		sum->offcpu_ns[i] += t->offcpu_ns[i];
}
