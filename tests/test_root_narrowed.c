/* test_root_narrowed.c - what root keeps and gives up when lab runs for
 * a user through sudo (as sudo sets SUDO_UID and SUDO_GID; the real
 * sudo is test_sudo.c's): no capability over files, disks or quotas; the
 * maps of a process the user may not read stay unread; one run at a
 * time; a bounded ring. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "analyzer/trace_reader.h"
#include "tests/test.h"

#define USER_ID 65534

/* a directory of the user's for the current test */
static const char *user_dir(void)
{
	const char *dir = test_tmpdir();

	return chown(dir, USER_ID, USER_ID) ? NULL : dir;
}

/* argv of lab as sudo starts it for the user: args after lab's path */
static void sudo_argv(const char *argv[16], const char *const args[])
{
	int n = 4;

	argv[0] = "/usr/bin/env";
	argv[1] = "SUDO_UID=65534";
	argv[2] = "SUDO_GID=65534";
	argv[3] = test_lab_path();
	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
}

/* that lab in the background, its output dropped; its pid */
static pid_t start_lab(const char *const args[])
{
	const char *argv[16];
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	pid_t pid;

	sudo_argv(argv, args);
	pid = fork();
	if (pid == 0) {
		dup2(null, 1);
		dup2(null, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(null);
	return pid;
}

static int sudo_lab(char *out, size_t len, const char *const args[])
{
	const char *argv[16];

	sudo_argv(argv, args);
	return test_run(argv, out, len, false);
}

/* the effective capabilities of pid, from /proc; 0 when unreadable */
static unsigned long long cap_eff(pid_t pid)
{
	char path[64], line[256];
	unsigned long long caps = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	if (f)
		fclose(f);
	return caps;
}

TEST(root_under_sudo_gives_up_file_and_disk_rights)
{
	const char *why, *dir;
	char out[600];
	unsigned long long caps = 0;
	int status;
	pid_t lab;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = user_dir();
	if (!CHECK(dir))
		return;
	snprintf(out, sizeof(out), "%s/o", dir);
	const char *args[] = {"run", "-o", out, "--", "sleep", "1", NULL};

	lab = start_lab(args);
	/* env execs lab in place: the pid is the root half's, which starts
	 * with every capability and gives some up once its child is forked;
	 * a root that never does keeps them past the wait */
	for (int i = 0; i < 200 && (!caps || (caps & 0x100000fULL)); i++) {
		usleep(5000);
		caps = cap_eff(lab);
	}
	CHECK_MSG(caps & (1ULL << 21), "no CAP_SYS_ADMIN seen: %llx", caps);
	/* 0 CHOWN, 1 DAC_OVERRIDE, 2 DAC_READ_SEARCH, 3 FOWNER,
	 * 24 SYS_RESOURCE */
	CHECK_MSG(!(caps & 0x100000fULL), "root kept %llx", caps & 0x100000f);
	CHECK(waitpid(lab, &status, 0) == lab && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
}

TEST(one_run_at_a_time_per_user_under_sudo)
{
	const char *why, *dir;
	char a[600], b[600], out[4096];
	int status, code;
	pid_t lab;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = user_dir();
	if (!CHECK(dir))
		return;
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	const char *first[] = {"run", "-o", a, "--", "sleep", "1", NULL};
	const char *second[] = {"run", "-o", b, "--", "true", NULL};

	lab = start_lab(first);
	/* the first holds its lock once its probes' half is up */
	for (int i = 0; i < 100 && !cap_eff(lab); i++)
		usleep(10000);
	usleep(200000);
	code = sudo_lab(out, sizeof(out), second);
	CHECK_MSG(code == 1 && strstr(out, "another lab run of yours"),
		  "exit %d: %s", code, out);
	CHECK(waitpid(lab, &status, 0) == lab && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	/* and once it is over, the next one runs */
	code = sudo_lab(out, sizeof(out), second);
	CHECK_MSG(code == 0, "exit %d: %s", code, out);
}

TEST(the_ring_is_bounded_under_sudo)
{
	const char *why, *dir;
	char o[600], out[4096];
	int code;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = user_dir();
	if (!CHECK(dir))
		return;
	snprintf(o, sizeof(o), "%s/o", dir);
	const char *args[] = {"run", "--ring-buffer", "131072", "-o", o,
			      "--",  "true",	      NULL};

	code = sudo_lab(out, sizeof(out), args);
	CHECK_MSG(code == 1 && strstr(out, "above the 65536 KiB"),
		  "exit %d: %s", code, out);
}

/* An execute-only program: the user may run it but not read it, nor
 * its memory map (the kernel makes it undumpable). Its maps must not
 * reach the user's trace through root. */
TEST(maps_a_user_may_not_read_stay_out_of_the_trace)
{
	const char *why, *dir;
	char prog[600], o[600], trace[700], out[8192], err[512];
	struct trace_reader *r = NULL;
	struct trace_chunk c;
	int code, of_prog = 0, maps = 0;

	if (!test_can_trace(&why))
		SKIP(why);
	dir = user_dir();
	if (!CHECK(dir))
		return;
	snprintf(prog, sizeof(prog), "%s/xonly", dir);
	snprintf(o, sizeof(o), "%s/o", dir);
	snprintf(trace, sizeof(trace), "%s/o/sh.lab", dir);
	snprintf(out, sizeof(out), "cp /bin/sleep '%s' && chmod 0711 '%s'",
		 prog, prog);
	if (!CHECK(system(out) == 0))
		return;
	/* the shell's own maps are the user's to read: a baseline */
	snprintf(out, sizeof(out), "'%s' 0.3", prog);
	const char *args[] = {"run", "-o", o, "--", "/bin/sh", "-c", out, NULL};

	code = sudo_lab(out, sizeof(out), args);
	if (!CHECK_MSG(code == 0, "exit %d: %s", code, out) ||
	    !CHECK_MSG(!trace_reader_open_file(&r, trace, err, sizeof(err)),
		       "%s", err))
		return;
	while (trace_reader_next(r, &c, err, sizeof(err)) == 1) {
		const struct lab_map *m = c.data;

		for (size_t i = 0; c.type == LAB_CHUNK_MAPS && i < c.count;
		     i++) {
			maps++;
			of_prog += strstr(m[i].path, "xonly") != NULL;
		}
	}
	trace_reader_free(r);
	CHECK_MSG(maps > 0, "no maps at all: the test tests nothing");
	CHECK_MSG(of_prog == 0, "%d maps of the unreadable program", of_prog);
}
