/* identity.c - the invoking user under sudo, and dropping to them. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "probes/identity.h"

static int parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || *out >= (unsigned long)(uid_t)-1 ? -1 : 0;
}

int identity_from_sudo(struct identity *id, char *err, size_t errlen)
{
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
	unsigned long uid, gid;
	struct passwd *pw;

	memset(id, 0, sizeof(*id));
	if (geteuid() != 0 || !u || !g)
		return 0;
	if (parse_id(u, &uid) || parse_id(g, &gid)) {
		snprintf(err, errlen,
			 "SUDO_UID or SUDO_GID is not a number (unset them to "
			 "run as root)");
		return -1;
	}
	if (uid == 0)
		return 0;
	pw = getpwuid((uid_t)uid);
	if (!pw || strlen(pw->pw_name) >= sizeof(id->user) ||
	    strlen(pw->pw_dir) >= sizeof(id->home)) {
		snprintf(err, errlen,
			 "SUDO_UID %lu names no user (unset it to run as "
			 "root)",
			 uid);
		return -1;
	}
	id->uid = (uid_t)uid;
	id->gid = (gid_t)gid;
	strcpy(id->user, pw->pw_name);
	strcpy(id->home, pw->pw_dir);
	return 1;
}

int identity_become(const struct identity *id)
{
	if (initgroups(id->user, id->gid) ||
	    setresgid(id->gid, id->gid, id->gid) ||
	    setresuid(id->uid, id->uid, id->uid) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	/* a process that can still regain root has not dropped it */
	if (setuid(0) == 0 || (id->gid != 0 && setgid(0) == 0)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int identity_set_env(const struct identity *id)
{
	return setenv("HOME", id->home, 1) || setenv("USER", id->user, 1) ||
			       setenv("LOGNAME", id->user, 1)
		       ? -1
		       : 0;
}

int identity_narrow_root(void)
{
	/* what overrides file permissions, and the disk's reserved blocks
	 * and quotas: a trace written for the user must count as theirs */
	static const int drop[] = {CAP_CHOWN,		CAP_DAC_OVERRIDE,
				   CAP_DAC_READ_SEARCH, CAP_FOWNER,
				   CAP_FSETID,		CAP_LINUX_IMMUTABLE,
				   CAP_SYS_RESOURCE,	CAP_MKNOD};
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};

	/* the probes' maps, on kernels that still count them as locked
	 * memory: raised while it can be */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	if (syscall(SYS_capget, &h, d))
		return -1;
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
		__u32 bit = 1u << (drop[i] % 32);

		d[drop[i] / 32].effective &= ~bit;
		d[drop[i] / 32].permitted &= ~bit;
		d[drop[i] / 32].inheritable &= ~bit;
	}
	if (syscall(SYS_capset, &h, d))
		return -1;
	/* nobody but root may look into this process or its core */
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
