/* sudo_user.c - the user the sudo tests act as, and running commands as
 * them (see sudo_user.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tests/sudo_user.h"
#include "tests/test.h"

#define SUDO	     "/usr/bin/sudo"
#define VISUDO	     "/usr/sbin/visudo"
#define USERADD	     "/usr/sbin/useradd"
#define SUDOERS_DIR  "/etc/sudoers.d"
#define LAB_COPY_DIR "/var/lib/lab-tests"
#define RUN_TIMEOUT  60.0 /* seconds: a sudo test's run takes about one */
#define MAX_ARGS     64

size_t sfmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	if (!len)
		return 0;
	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n < len ? (size_t)n : len - 1;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void append(char *buf, size_t size, size_t *used, const char *s,
		   size_t n)
{
	if (!buf || !size)
		return;
	if (n > size - 1 - *used)
		n = size - 1 - *used;
	memcpy(buf + *used, s, n);
	*used += n;
	buf[*used] = '\0';
}

/* In the child: become `as` for good. */
static int become(const struct run_as *as)
{
	if (!as || (as->uid == 0 && !as->user))
		return 0;
	if (as->user ? initgroups(as->user, as->gid) : setgroups(0, NULL))
		return -1;
	if (setgid(as->gid) || setuid(as->uid))
		return -1;
	if (as->user && as->home) {
		clearenv();
		setenv("HOME", as->home, 1);
		setenv("USER", as->user, 1);
		setenv("LOGNAME", as->user, 1);
		setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
	}
	return 0;
}

static void child(const char *const argv[], const struct run_as *as, int out_w,
		  int err_w)
{
	int null = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out_w, 1) < 0 ||
	    dup2(err_w, 2) < 0)
		_exit(126);
	close_range(3, ~0U, 0);
	if (become(as)) {
		fprintf(stderr, "tests: cannot become uid %u: %s\n",
			(unsigned)as->uid, strerror(errno));
		_exit(126);
	}
	if (as && as->cwd && chdir(as->cwd)) {
		fprintf(stderr, "tests: cannot enter %s: %s\n", as->cwd,
			strerror(errno));
		_exit(126);
	}
	execv(argv[0], (char *const *)argv);
	fprintf(stderr, "tests: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int run_captured(const char *const argv[], const struct run_as *as, char *out,
		 size_t outlen, char *err, size_t errlen, double timeout_s)
{
	int o[2], e[2], status;
	size_t oused = 0, eused = 0;
	double deadline = now_s() + timeout_s;
	bool timed_out = false;
	struct pollfd p[2];
	pid_t pid;

	if (out && outlen)
		out[0] = '\0';
	if (err && errlen)
		err[0] = '\0';
	if (pipe2(o, O_CLOEXEC))
		return -1;
	if (pipe2(e, O_CLOEXEC)) {
		close(o[0]);
		close(o[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0)
		child(argv, as, o[1], e[1]);
	close(o[1]);
	close(e[1]);
	if (pid < 0) {
		close(o[0]);
		close(e[0]);
		return -1;
	}
	setpgid(pid, pid);
	p[0] = (struct pollfd){.fd = o[0], .events = POLLIN};
	p[1] = (struct pollfd){.fd = e[0], .events = POLLIN};
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		double left = deadline - now_s();
		int n;

		if (left <= 0 && !timed_out) {
			/* the group, and lab's traced command with it: lab's
			 * guard kills that once lab is gone */
			timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			deadline = now_s() + 2;
			continue;
		}
		if (left <= 0)
			break;
		n = poll(p, 2, (int)(left * 1000) + 1);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; n > 0 && i < 2; i++) {
			char chunk[4096];
			ssize_t r;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			r = read(p[i].fd, chunk, sizeof(chunk));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				continue;
			}
			append(out, outlen, &oused, chunk, r);
			if (i == 1)
				append(err, errlen, &eused, chunk, r);
		}
	}
	for (int i = 0; i < 2; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (timed_out)
		return RUN_TIMED_OUT;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Set up once per run: each test runs in a process of its own, so this
 * lives in memory the run shares (test_shared). The first test that asks
 * sets the student up; the tests after it find them ready, or why not. */
struct setup {
	struct student st;
	int state; /* 0 not tried, 1 ready, -1 failed: why says why */
	char why[1024];
	char sudoers[PATH_MAX];
	char lab_copy[PATH_MAX]; /* a copy of lab made for the student */
};
static struct setup *su;

static const struct run_as root_here = {0, 0, NULL, NULL, NULL};

/* argv as root; 0 when it exited 0, else its output in su->why */
static int run_root(const char *const argv[], const char *what)
{
	char out[2048];
	int code = run_captured(argv, &root_here, out, sizeof(out), NULL, 0,
				RUN_TIMEOUT);

	if (code == 0)
		return 0;
	out[strcspn(out, "\n")] = '\0';
	sfmt(su->why, sizeof(su->why), "%s exited %d: %s", what, code, out);
	return -1;
}

/* Can the student reach path with access mode amode? */
static bool student_can(const char *path, int amode)
{
	const struct run_as as = {su->st.uid, su->st.gid, su->st.name, NULL,
				  NULL};
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (become(&as))
			_exit(2);
		_exit(access(path, amode) == 0 ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool copy_file(const char *src, const char *dst, mode_t mode, uid_t uid,
	       gid_t gid)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1;
	char buf[65536];
	ssize_t n = 0;
	bool ok = false;

	if (in < 0)
		return false;
	unlink(dst);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		   0600);
	if (out < 0)
		goto done;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			goto done;
	ok = n == 0 && fchown(out, uid, gid) == 0 && fchmod(out, mode) == 0;
done:
	close(in);
	if (out >= 0 && close(out))
		ok = false;
	return ok;
}

static bool find_student(void)
{
	struct passwd *pw = getpwnam(STUDENT_NAME);

	if (!pw)
		return false;
	su->st.uid = pw->pw_uid;
	su->st.gid = pw->pw_gid;
	sfmt(su->st.name, sizeof(su->st.name), "%s", pw->pw_name);
	sfmt(su->st.home, sizeof(su->st.home), "%s", pw->pw_dir);
	return true;
}

static int make_student(void)
{
	const char *const add[] = {USERADD,	"--create-home", "--user-group",
				   "--shell",	"/bin/sh",	 "--comment",
				   "lab tests", STUDENT_NAME,	 NULL};
	struct stat sb;

	/* a concurrent run may have created it meanwhile */
	if (!find_student() && run_root(add, "useradd") && !find_student())
		return -1;
	if (!find_student()) {
		sfmt(su->why, sizeof(su->why), "useradd made no user %s",
		     STUDENT_NAME);
		return -1;
	}
	if (su->st.uid == 0) {
		sfmt(su->why, sizeof(su->why), "user %s is root", su->st.name);
		return -1;
	}
	if (stat(su->st.home, &sb) &&
	    (mkdir(su->st.home, 0755) ||
	     chown(su->st.home, su->st.uid, su->st.gid))) {
		sfmt(su->why, sizeof(su->why), "cannot create %s's home %s: %s",
		     su->st.name, su->st.home, strerror(errno));
		return -1;
	}
	return 0;
}

/* The binary under test, resolved; copied where the student can reach it
 * when its own directory is closed to them (a home of mode 700). */
static int find_lab(void)
{
	char real[PATH_MAX], copy[PATH_MAX];

	if (!realpath(test_lab_path(), real)) {
		sfmt(su->why, sizeof(su->why), "no lab binary at %s: %s",
		     test_lab_path(), strerror(errno));
		return -1;
	}
	sfmt(su->st.lab, sizeof(su->st.lab), "%s", real);
	if (student_can(real, X_OK))
		return 0;
	sfmt(copy, sizeof(copy), "%s/lab", LAB_COPY_DIR);
	if ((mkdir(LAB_COPY_DIR, 0755) && errno != EEXIST) ||
	    chmod(LAB_COPY_DIR, 0755) || !copy_file(real, copy, 0755, 0, 0) ||
	    !student_can(copy, X_OK)) {
		sfmt(su->why, sizeof(su->why),
		     "%s cannot reach %s, nor a copy in %s: %s", su->st.name,
		     real, LAB_COPY_DIR, strerror(errno));
		return -1;
	}
	sfmt(su->st.lab, sizeof(su->st.lab), "%s", copy);
	sfmt(su->lab_copy, sizeof(su->lab_copy), "%s", copy);
	return 0;
}

/* in the runner, when the run ends */
static void remove_sudoers(void)
{
	if (su->sudoers[0])
		unlink(su->sudoers);
	if (su->lab_copy[0])
		unlink(su->lab_copy);
}

__attribute__((constructor)) static void sudo_user_init(void)
{
	su = test_shared(sizeof(*su));
	test_at_end(remove_sudoers);
}

/* A rule for exactly su->st.lab, checked by visudo, then put in place.
 * Its file is named after the binary, so test runs of other builds do
 * not replace each other's rules; it is removed when the tests end, with
 * the copy of lab if one was made. */
static int write_sudoers(void)
{
	char tmp[PATH_MAX + 8], escaped[2 * PATH_MAX];
	uint32_t hash = 2166136261u;
	size_t n = 0;
	FILE *f;

	for (const char *c = su->st.lab; *c; c++) {
		hash = (hash ^ (unsigned char)*c) * 16777619u;
		/* sudoers escapes these in a command's path */
		if (strchr(" \t,:=\\#\"!()", *c))
			escaped[n++] = '\\';
		escaped[n++] = *c;
	}
	escaped[n] = '\0';
	sfmt(su->sudoers, sizeof(su->sudoers), "%s/lab-tests-%08x", SUDOERS_DIR,
	     hash);
	/* sudo reads no file whose name holds a dot */
	sfmt(tmp, sizeof(tmp), "%s.new", su->sudoers);
	unlink(tmp);
	f = fopen(tmp, "wx");
	if (!f) {
		sfmt(su->why, sizeof(su->why), "cannot write %s: %s", tmp,
		     strerror(errno));
		su->sudoers[0] = '\0';
		return -1;
	}
	fprintf(f,
		"# lab's tests: %s may run the lab binary under test as root,"
		"\n# nothing else. Removed when the tests end.\n"
		"%s ALL=(root) NOPASSWD: %s\n",
		su->st.name, su->st.name, escaped);
	if (fchmod(fileno(f), 0440) | fclose(f)) {
		sfmt(su->why, sizeof(su->why), "cannot write %s", tmp);
		unlink(tmp);
		su->sudoers[0] = '\0';
		return -1;
	}
	const char *const check[] = {VISUDO, "-c", "-q", "-f", tmp, NULL};

	if (run_root(check, "visudo -cf") || rename(tmp, su->sudoers)) {
		unlink(tmp);
		su->sudoers[0] = '\0';
		return -1;
	}
	return 0;
}

/* sudo itself agrees: `sudo -n -l LAB` as the student lists it */
static int check_rule(void)
{
	const char *const argv[] = {SUDO, "-n", "-l", su->st.lab, NULL};
	const struct run_as as = {su->st.uid, su->st.gid, su->st.name,
				  su->st.home, su->st.home};
	char out[2048];
	int code =
		run_captured(argv, &as, out, sizeof(out), NULL, 0, RUN_TIMEOUT);

	if (code == 0)
		return 0;
	out[strcspn(out, "\n")] = '\0';
	sfmt(su->why, sizeof(su->why),
	     "sudo -n -l %s as %s exited %d: %s (is %s included by "
	     "/etc/sudoers?)",
	     su->st.lab, su->st.name, code, out, SUDOERS_DIR);
	return -1;
}

static int setup(void)
{
	struct stat sb;

	if (geteuid() != 0) {
		sfmt(su->why, sizeof(su->why), "the sudo tests need root");
		return -1;
	}
	if (stat(SUDO, &sb) || !(sb.st_mode & S_ISUID) || sb.st_uid != 0) {
		sfmt(su->why, sizeof(su->why),
		     "sudo is not installed (%s%s): make deps installs it",
		     SUDO,
		     access(SUDO, F_OK) ? " is missing"
					: " is not "
					  "setuid "
					  "root");
		return -1;
	}
	if (access(VISUDO, X_OK)) {
		sfmt(su->why, sizeof(su->why),
		     "%s is missing: make deps installs sudo", VISUDO);
		return -1;
	}
	return make_student() || find_lab() || write_sudoers() || check_rule()
		       ? -1
		       : 0;
}

const struct student *student_get(void)
{
	if (!su->state)
		su->state = setup() ? -1 : 1;
	if (su->state < 0) {
		CHECK_MSG(0, "%s", su->why);
		return NULL;
	}
	return &su->st;
}

static int remove_tree(const char *path)
{
	const char *const rm[] = {"/bin/rm", "-rf", "--", path, NULL};

	return run_root(rm, "rm -rf");
}

const char *student_dir(const char *base, const char *name)
{
	static char path[PATH_MAX];
	char real[PATH_MAX], parent[PATH_MAX];
	const char *test;

	if (!student_get())
		return NULL;
	if (!realpath(base, real)) {
		CHECK_MSG(0, "no directory %s: %s", base, strerror(errno));
		return NULL;
	}
	sfmt(path, sizeof(path), "%s/%s", real, name);
	if (mkdir(path, 0755) == 0 &&
	    chown(path, su->st.uid, su->st.gid) == 0 &&
	    student_can(path, W_OK | X_OK))
		return path;
	/* a tree closed to the student: a directory in their home */
	test = strrchr(real, '/');
	sfmt(parent, sizeof(parent), "%s/lab-tests", su->st.home);
	if ((mkdir(parent, 0755) && errno != EEXIST) ||
	    chown(parent, su->st.uid, su->st.gid)) {
		CHECK_MSG(0, "cannot create %s: %s", parent, strerror(errno));
		return NULL;
	}
	sfmt(path, sizeof(path), "%s/%s-%s", parent, test ? test + 1 : real,
	     name);
	if (remove_tree(path) || mkdir(path, 0755) ||
	    chown(path, su->st.uid, su->st.gid) ||
	    !student_can(path, W_OK | X_OK)) {
		CHECK_MSG(0, "cannot make %s for %s: %s", path, su->st.name,
			  su->why);
		return NULL;
	}
	return path;
}

const char *root_dir(const char *base, const char *name, mode_t mode)
{
	static char path[PATH_MAX];
	char real[PATH_MAX];

	if (!realpath(base, real)) {
		CHECK_MSG(0, "no directory %s: %s", base, strerror(errno));
		return NULL;
	}
	sfmt(path, sizeof(path), "%s/%s", real, name);
	if (mkdir(path, mode) || chown(path, 0, 0) || chmod(path, mode)) {
		CHECK_MSG(0, "cannot create %s: %s", path, strerror(errno));
		return NULL;
	}
	return path;
}

static int run_as_student(double timeout_s, const char *cwd,
			  const char *const argv[], char *out, size_t outlen,
			  char *err, size_t errlen)
{
	const struct run_as as = {su->st.uid, su->st.gid, su->st.name,
				  su->st.home, cwd};

	return run_captured(argv, &as, out, outlen, err, errlen, timeout_s);
}

int sudo_lab(const char *cwd, const char *const args[], char *out,
	     size_t outlen, char *err, size_t errlen)
{
	return sudo_lab_within(RUN_TIMEOUT, cwd, args, out, outlen, err,
			       errlen);
}

int sudo_lab_within(double timeout_s, const char *cwd, const char *const args[],
		    char *out, size_t outlen, char *err, size_t errlen)
{
	const char *argv[MAX_ARGS + 4] = {SUDO, "-n", su->st.lab};
	size_t n = 3;

	if (!student_get())
		return -1;
	for (size_t i = 0; args[i]; i++) {
		if (n == MAX_ARGS + 3)
			return -1;
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	return run_as_student(timeout_s, cwd, argv, out, outlen, err, errlen);
}

int as_student(const char *cwd, const char *const argv[], char *out,
	       size_t outlen)
{
	if (!student_get())
		return -1;
	return run_as_student(RUN_TIMEOUT, cwd, argv, out, outlen, NULL, 0);
}
