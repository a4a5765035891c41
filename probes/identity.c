/* identity.c - the invoking user under sudo, and dropping to them. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "identity.h"

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
