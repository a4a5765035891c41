/* identity.h - who lab works for under sudo, and becoming them.
 *
 * Root is needed to load the probes and for nothing else: every other
 * step of a sudo'ed lab runs as the user who typed it (SUDO_UID,
 * SUDO_GID), with their groups and their permission checks.
 */
#ifndef LAB_IDENTITY_H
#define LAB_IDENTITY_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

struct identity {
	uid_t uid;
	gid_t gid;
	char user[64];
	char home[PATH_MAX];
};

/* 1 with id filled when lab runs as root for another user through sudo;
 * 0 when lab works for itself (not root, no sudo, or sudo to root); -1
 * with one line in err when SUDO_UID or SUDO_GID name no user. */
int identity_from_sudo(struct identity *id, char *err, size_t errlen);
/* Becomes id for good: its groups, then its gid, then its uid, with no
 * way back to root and nothing gained by exec'ing a set-user-ID program
 * (PR_SET_NO_NEW_PRIVS). 0, or -1 with errno. */
int identity_become(const struct identity *id);
/* Root working for a user keeps what loads and drains the probes and
 * starts and stops the user's processes, and gives up the rest: the
 * capabilities that override file permissions, reserved disk blocks and
 * quotas; its memory and core closed to inspection. 0, or -1 with
 * errno. */
int identity_narrow_root(void);
/* HOME, USER and LOGNAME of id, as `sudo -u` gives them. */
int identity_set_env(const struct identity *id);

#endif /* LAB_IDENTITY_H */
