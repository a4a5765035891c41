/* sudo_user.h - an unprivileged user who may run lab through sudo, as a
 * course machine grants it:
 *
 *	labstudent ALL=(root) NOPASSWD: /absolute/path/to/lab
 *
 * Once per test run the user is created (with a home directory) if
 * missing and the rule is written to /etc/sudoers.d/ for exactly the lab
 * binary under test (test_lab_path(), resolved). The tests then act as
 * that user: directly, or through the real sudo.
 */
#ifndef LAB_SUDO_USER_H
#define LAB_SUDO_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define STUDENT_NAME "labstudent"

/* run_captured's result when the deadline passed (the process group was
 * killed) */
#define RUN_TIMED_OUT (-2)

struct student {
	uid_t uid;
	gid_t gid;
	char name[32];
	char home[256];
	char lab[4096]; /* the absolute path the sudoers rule names */
};

/* Who runs a command, and where. uid 0 with user NULL: root, as is. */
struct run_as {
	uid_t uid;
	gid_t gid;
	const char *user; /* for initgroups; NULL: no supplementary groups */
	const char *home; /* with user: HOME, USER, LOGNAME and PATH set */
	const char *cwd;  /* NULL: the tests' own directory */
};

/* Runs argv (NULL-terminated; argv[0] a path) as `as`, its input
 * /dev/null, in a process group of its own. out gets stdout and stderr
 * as they came, err (if not NULL) stderr alone, both NUL-terminated and
 * truncated to their sizes. After timeout_s seconds the group is killed.
 * Returns the exit code, 128+N for signal N, RUN_TIMED_OUT, or -1. */
int run_captured(const char *const argv[], const struct run_as *as, char *out,
		 size_t outlen, char *err, size_t errlen, double timeout_s);

/* The student, the sudoers rule in place for the lab binary under test.
 * NULL when that could not be done: the reason is recorded as a failure
 * of the current test (sudo missing: make deps installs it). Callers
 * skip first when !test_can_trace(). */
const struct student *student_get(void);

/* A new empty directory owned by the student for the current test:
 * base/name when the student can reach and write it there, else under
 * the student's home. Returns its absolute path (static storage, valid
 * until the next call), or NULL after recording a failure. */
const char *student_dir(const char *base, const char *name);

/* A new directory base/name owned by root with the given mode (0700:
 * the student cannot enter it). Absolute path as student_dir. */
const char *root_dir(const char *base, const char *name, mode_t mode);

/* snprintf, its result cut to len (no path here comes near PATH_MAX);
 * returns the length written */
size_t sfmt(char *buf, size_t len, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

/* Copies src to dst with mode, owned by uid:gid. true when done. */
bool copy_file(const char *src, const char *dst, mode_t mode, uid_t uid,
	       gid_t gid);

/* `sudo -n LAB ARGS...` as the student in cwd: what the student sees.
 * args is NULL-terminated. Returns as run_captured; a run that takes a
 * minute is killed. */
int sudo_lab(const char *cwd, const char *const args[], char *out,
	     size_t outlen, char *err, size_t errlen);
/* The same, killed after timeout_s seconds. */
int sudo_lab_within(double timeout_s, const char *cwd, const char *const args[],
		    char *out, size_t outlen, char *err, size_t errlen);

/* argv run as the student, without sudo. */
int as_student(const char *cwd, const char *const argv[], char *out,
	       size_t outlen);

#endif /* LAB_SUDO_USER_H */
