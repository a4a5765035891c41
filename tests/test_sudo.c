/* test_sudo.c - `sudo lab` is safe to grant. A course machine lets its
 * students run lab, and nothing else, as root:
 *
 *	labstudent ALL=(root) NOPASSWD: /path/to/lab
 *
 * Root loads the probes and nothing else: whatever a student asks of
 * `sudo lab`, every file is created, written and read as the student
 * would, the traced command runs as them, and nothing of the kernel's
 * (its addresses) reaches them. Each test acts as the student through the
 * real sudo (see sudo_user.h) against files of root's, in directories
 * the student cannot enter (vault, 0700) or cannot write (etc, 0755),
 * and checks that root's files are exactly as they were. */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "tests/sudo_user.h"
#include "tests/test.h"
#include "analyzer/trace_reader.h"
#include "tests/trace_file.h"

#define OUT_MAX 65536
/* x86-64 and arm64 kernel addresses: the upper half, from here up */
#define KERNEL_HALF 0xffff000000000000ULL
/* an mtime no run of lab can leave: 2001-09-09 */
#define OLD_TIME 1000000000

static char out[OUT_MAX], err[OUT_MAX];

/* exactly one line, starting "lab: " */
static bool one_line(const char *s)
{
	const char *nl = strchr(s, '\n');

	return !strncmp(s, "lab: ", 5) && nl && nl[1] == 0;
}

/* The current test's directory: messages name paths below it short. */
static char scene_base[PATH_MAX];

static const char *sp(const char *path)
{
	size_t n = strlen(scene_base);

	return n && !strncmp(path, scene_base, n) && path[n] == '/'
		       ? path + n + 1
		       : path;
}

/* lab refused: a non-zero exit of its own (no signal) and one line */
static void check_refused(int code, const char *what)
{
	if (!CHECK_MSG(code > 0 && code < 128,
		       "%s: exit %d where lab should refuse%s%s", what, code,
		       err[0] ? "; stderr: " : "", err))
		return;
	CHECK_MSG(one_line(err), "%s: not one line 'lab: ...' but:\n%s", what,
		  err);
}

/* The test's directories: home is the student's, vault root's (0700),
 * etc root's (0755): the student can look in but not write. */
struct scene {
	const struct student *s;
	char base[PATH_MAX], home[PATH_MAX], vault[PATH_MAX], etc[PATH_MAX];
};

static bool scene_new(struct scene *sc)
{
	const char *why, *p;

	if (!test_can_trace(&why)) {
		test_skip(why);
		return false;
	}
	sc->s = student_get();
	if (!sc->s)
		return false;
	if (!realpath(test_tmpdir(), sc->base))
		return CHECK_MSG(0, "no test directory: %s", strerror(errno));
	sfmt(scene_base, sizeof(scene_base), "%s", sc->base);
	if (!(p = student_dir(sc->base, "home")))
		return false;
	sfmt(sc->home, sizeof(sc->home), "%s", p);
	if (!(p = root_dir(sc->base, "vault", 0700)))
		return false;
	sfmt(sc->vault, sizeof(sc->vault), "%s", p);
	if (!(p = root_dir(sc->base, "etc", 0755)))
		return false;
	sfmt(sc->etc, sizeof(sc->etc), "%s", p);
	return true;
}

/* A file of root's, and what it was. */
struct victim {
	char path[PATH_MAX];
	char content[128]; /* "" for a copied binary: only stat is kept */
	struct stat st;
};

static bool victim_stat(struct victim *v)
{
	const struct timespec old[2] = {{OLD_TIME, 0}, {OLD_TIME, 0}};

	return CHECK_MSG(
		utimensat(AT_FDCWD, v->path, old, AT_SYMLINK_NOFOLLOW) == 0 &&
			lstat(v->path, &v->st) == 0,
		"cannot set up %s: %s", v->path, strerror(errno));
}

static bool victim_make(struct victim *v, const char *dir, const char *name,
			mode_t mode)
{
	int fd;
	size_t n;

	sfmt(v->path, sizeof(v->path), "%s/%s", dir, name);
	sfmt(v->content, sizeof(v->content),
	     "root's %s: no student may change or read it\n", name);
	n = strlen(v->content);
	fd = open(v->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (!CHECK_MSG(fd >= 0, "cannot create %s: %s", v->path,
		       strerror(errno)))
		return false;
	if (!CHECK(write(fd, v->content, n) == (ssize_t)n &&
		   fchmod(fd, mode) == 0 && close(fd) == 0))
		return false;
	return victim_stat(v);
}

/* A copy of a program of root's, mode 0600: a target to be opened. */
static bool victim_copy(struct victim *v, const char *src, const char *dir,
			const char *name)
{
	sfmt(v->path, sizeof(v->path), "%s/%s", dir, name);
	v->content[0] = '\0';
	if (!CHECK_MSG(copy_file(src, v->path, 0600, 0, 0), "cannot copy %s",
		       src))
		return false;
	return victim_stat(v);
}

/* The same file: same inode, owner, mode, size, mtime and content. */
static void victim_check(const struct victim *v, const char *what)
{
	struct stat now;
	char buf[sizeof(v->content)] = "", diff[512] = "";
	size_t used = 0;
	int fd;

	if (!CHECK_MSG(lstat(v->path, &now) == 0, "%s: root's %s is gone", what,
		       sp(v->path)))
		return;
	if (now.st_dev != v->st.st_dev || now.st_ino != v->st.st_ino)
		used += sfmt(diff + used, sizeof(diff) - used,
			     "; replaced by another file");
	if (now.st_uid || now.st_gid)
		used += sfmt(diff + used, sizeof(diff) - used,
			     "; now belongs to %u:%u", (unsigned)now.st_uid,
			     (unsigned)now.st_gid);
	if (now.st_mode != v->st.st_mode)
		used += sfmt(diff + used, sizeof(diff) - used,
			     "; mode %o, was %o", (unsigned)now.st_mode,
			     (unsigned)v->st.st_mode);
	if (now.st_size != v->st.st_size ||
	    now.st_mtim.tv_sec != v->st.st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != v->st.st_mtim.tv_nsec)
		used += sfmt(diff + used, sizeof(diff) - used,
			     "; written (%lld bytes, was %lld)",
			     (long long)now.st_size, (long long)v->st.st_size);
	if (v->content[0] && S_ISREG(now.st_mode)) {
		fd = open(v->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);

			buf[n > 0 ? n : 0] = '\0';
			close(fd);
		}
		if (strcmp(buf, v->content))
			used += sfmt(diff + used, sizeof(diff) - used,
				     "; it now holds: %.*s",
				     (int)strcspn(buf, "\n"), buf);
	}
	CHECK_MSG(!used, "%s: root's %s changed%s", what, sp(v->path), diff);
}

/* dir holds exactly the names of want ("a\0b\0") */
static void dir_holds(const char *dir, const char *want, const char *what)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!CHECK_MSG(d, "cannot list %s: %s", dir, strerror(errno)))
		return;
	while ((e = readdir(d))) {
		bool wanted = false;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		for (const char *w = want; *w; w += strlen(w) + 1)
			wanted |= !strcmp(w, e->d_name);
		CHECK_MSG(wanted, "%s: %s/%s appeared in root's directory",
			  what, sp(dir), e->d_name);
	}
	closedir(d);
}

/* A trace the student made: sudo lab run -o HOME/t -- /bin/true */
static bool student_trace(const struct scene *sc, char *trace, size_t len)
{
	char dir[PATH_MAX + 8];
	const char *args[] = {"run", "-o", dir, "--", "/bin/true", NULL};
	int code;

	sfmt(dir, sizeof(dir), "%s/t", sc->home);
	code = sudo_lab(sc->home, args, out, OUT_MAX, err, OUT_MAX);
	if (!CHECK_MSG(code == 0,
		       "sudo lab run -- /bin/true as %s: exit %d:\n%s",
		       sc->s->name, code, out))
		return false;
	sfmt(trace, len, "%s/true.lab", dir);
	return CHECK_MSG(access(trace, R_OK) == 0, "no trace %s", trace);
}

/* ---- writing: root's files stay root's ---- */

TEST(sudo_export_cannot_overwrite_a_root_file)
{
	struct scene sc;
	struct victim v[2];
	char trace[PATH_MAX], what[PATH_MAX + 64];

	if (!scene_new(&sc) || !student_trace(&sc, trace, sizeof(trace)) ||
	    !victim_make(&v[0], sc.vault, "victim.json", 0600) ||
	    !victim_make(&v[1], sc.etc, "victim.json", 0644))
		return;
	for (int i = 0; i < 2; i++) {
		const char *args[] = {"export", "--perfetto", trace,
				      "-o",	v[i].path,    NULL};

		sfmt(what, sizeof(what), "sudo lab export -o %s",
		     sp(v[i].path));
		check_refused(
			sudo_lab(sc.home, args, out, OUT_MAX, err, OUT_MAX),
			what);
		victim_check(&v[i], what);
	}
	dir_holds(sc.vault, "victim.json\0", "sudo lab export");
	dir_holds(sc.etc, "victim.json\0", "sudo lab export");
}

TEST(sudo_report_cannot_overwrite_a_root_file)
{
	static const char *const opts[] = {"--json", "--html"};
	struct scene sc;
	struct victim v[2];
	char trace[PATH_MAX], what[PATH_MAX + 64];

	if (!scene_new(&sc) || !student_trace(&sc, trace, sizeof(trace)) ||
	    !victim_make(&v[0], sc.vault, "victim", 0600) ||
	    !victim_make(&v[1], sc.etc, "victim", 0644))
		return;
	for (int o = 0; o < 2; o++)
		for (int i = 0; i < 2; i++) {
			const char *args[] = {"report", trace, opts[o],
					      v[i].path, NULL};

			sfmt(what, sizeof(what), "sudo lab report %s %s",
			     opts[o], sp(v[i].path));
			check_refused(sudo_lab(sc.home, args, out, OUT_MAX, err,
					       OUT_MAX),
				      what);
			victim_check(&v[i], what);
		}
	dir_holds(sc.vault, "victim\0", "sudo lab report");
	dir_holds(sc.etc, "victim\0", "sudo lab report");
}

/* -o names a directory the student cannot create or write: lab must not
 * make it or write into it, whether named outright or through a link
 * the student planted; nor may a command named like a file of root's
 * (victim: victim.json) replace it. */
TEST(sudo_run_cannot_create_or_replace_root_files)
{
	struct scene sc;
	struct victim kept, json;
	char dir[PATH_MAX + 16], link[PATH_MAX + 16], prog[PATH_MAX + 16];
	char what[3 * PATH_MAX];

	if (!scene_new(&sc) || !victim_make(&kept, sc.vault, "kept", 0600) ||
	    !victim_make(&json, sc.etc, "victim.json", 0644))
		return;
	sfmt(dir, sizeof(dir), "%s/new", sc.vault);
	const char *into_vault[] = {"run", "-o", dir, "--", "/bin/true", NULL};
	sfmt(what, sizeof(what), "sudo lab run -o %s", sp(dir));
	check_refused(sudo_lab(sc.home, into_vault, out, OUT_MAX, err, OUT_MAX),
		      what);
	CHECK_MSG(access(dir, F_OK), "%s: lab created it", what);

	/* the student's own link to root's directory */
	sfmt(link, sizeof(link), "%s/link", sc.home);
	if (!CHECK(symlink(sc.vault, link) == 0) ||
	    !CHECK(lchown(link, sc.s->uid, sc.s->gid) == 0))
		return;
	const char *through_link[] = {"run", "-o",	  link,
				      "--",  "/bin/true", NULL};
	sfmt(what, sizeof(what), "sudo lab run -o home/link (-> vault)");
	check_refused(
		sudo_lab(sc.home, through_link, out, OUT_MAX, err, OUT_MAX),
		what);
	victim_check(&kept, what);
	dir_holds(sc.vault, "kept\0", what);

	/* a program named victim writes victim.lab, .json and .html */
	sfmt(prog, sizeof(prog), "%s/victim", sc.home);
	if (!CHECK(copy_file("/bin/true", prog, 0755, sc.s->uid, sc.s->gid)))
		return;
	const char *named[] = {"run", "-o", sc.etc, "--", "./victim", NULL};
	sfmt(what, sizeof(what), "sudo lab run -o etc -- ./victim");
	check_refused(sudo_lab(sc.home, named, out, OUT_MAX, err, OUT_MAX),
		      what);
	victim_check(&json, what);
	dir_holds(sc.etc, "victim.json\0", what);
}

/* ---- reading: the analysis opens what the student could ---- */

static int watch_new(const char *path)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd >= 0 && inotify_add_watch(fd, path, IN_OPEN | IN_ACCESS) < 0) {
		close(fd);
		fd = -1;
	}
	CHECK_MSG(fd >= 0, "cannot watch %s: %s", path, strerror(errno));
	return fd;
}

/* Whether the watched file was opened or read since watch_new; closes
 * the watch. */
static bool watch_saw_open(int fd)
{
	char buf[4096]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(fd, buf, sizeof(buf));
	bool seen = false;

	for (char *p = buf; n > 0 && p < buf + n;) {
		const struct inotify_event *e = (const void *)p;

		seen |= (e->mask & (IN_OPEN | IN_ACCESS)) != 0;
		p += sizeof(*e) + e->len;
	}
	close(fd);
	return seen;
}

/* The traced program swaps its binary for a link to root's file before
 * it exits: naming its lock (a futex word in the binary's data) must not
 * open that file. */
TEST(sudo_analysis_does_not_follow_a_link_the_program_left)
{
	struct scene sc;
	struct victim target;
	char prog[PATH_MAX + 16], dir[PATH_MAX + 16];
	struct stat sb;
	int watch, code;

	if (!scene_new(&sc) ||
	    !victim_copy(&target, "/bin/true", sc.vault, "target"))
		return;
	sfmt(prog, sizeof(prog), "%s/relink", sc.home);
	sfmt(dir, sizeof(dir), "%s/out", sc.home);
	if (!CHECK(copy_file("build/tests/relink", prog, 0755, sc.s->uid,
			     sc.s->gid)))
		return;
	watch = watch_new(target.path);
	if (watch < 0)
		return;
	const char *args[] = {"run",	  "-o",	       dir, "--",
			      "./relink", target.path, NULL};
	code = sudo_lab(sc.home, args, out, OUT_MAX, err, OUT_MAX);
	CHECK_MSG(!watch_saw_open(watch),
		  "the analysis opened root's %s through the link the traced "
		  "program left at %s",
		  sp(target.path), sp(prog));
	CHECK_MSG(code == 0, "sudo lab run -- ./relink: exit %d:\n%s", code,
		  out);
	CHECK_MSG(lstat(prog, &sb) == 0 && S_ISLNK(sb.st_mode),
		  "relink did not replace itself with a link: the test tested "
		  "nothing");
	victim_check(&target, "sudo lab run -- ./relink");
}

#define T0	   1000000000ULL
#define CRAFT_PID  4242
#define NR_FUTEX   202 /* x86-64 */
#define FUTEX_PRIV 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#define MAP_AT	   0x10000000ULL

static struct lab_event ev(uint64_t ts, uint8_t type, uint32_t tid,
			   uint32_t other, uint64_t value, uint32_t aux)
{
	return (struct lab_event){.ts = ts,
				  .type = type,
				  .tid = tid,
				  .pid = tid,
				  .other_tid = other,
				  .other_pid = other,
				  .value = value,
				  .aux = aux};
}

/* A trace as lab run writes one, of one thread that waits on a futex
 * word in each of the files maps name (a mapping each at MAP_AT +
 * i MiB); given to uid:gid. */
static bool craft_trace(const char *path, const char *workload,
			const char *const maps[], size_t nmaps, uid_t uid,
			gid_t gid)
{
	struct lab_trace_info info = {
		.version = LAB_TRACE_VERSION, .cpu_count = 2, .start_ns = T0};
	struct lab_thread_stats kt = {.tid = CRAFT_PID, .pid = CRAFT_PID};
	struct lab_run_summary sum = {0};
	struct lab_map m[4] = {0};
	struct lab_event e[4 * 4 + 2];
	struct trace_writer *w = NULL;
	struct timespec now;
	uint64_t ts = T0;
	size_t n = 0;
	bool ok;

	if (nmaps > 4)
		return false;
	clock_gettime(CLOCK_REALTIME, &now);
	info.start_realtime_ns = now.tv_sec * 1000000000ULL + now.tv_nsec;
	sfmt(info.machine, sizeof(info.machine), "x86_64");
	sfmt(info.workload, sizeof(info.workload), "%s", workload);
	sfmt(info.cmdline, sizeof(info.cmdline), "./%s", workload);
	sfmt(kt.comm, sizeof(kt.comm), "%s", workload);
	e[n++] = ev(ts, LAB_EV_SWITCH, 0, CRAFT_PID, 0, 0);
	for (size_t i = 0; i < nmaps; i++) {
		uint64_t at = MAP_AT + (i << 20);

		m[i] = (struct lab_map){.start = at,
					.end = at + 4096,
					.pid = CRAFT_PID,
					.prot = LAB_MAP_READ | LAB_MAP_WRITE};
		sfmt(m[i].path, sizeof(m[i].path), "%s", maps[i]);
		ts += 10000;
		e[n++] = ev(ts, LAB_EV_BLOCK, CRAFT_PID, FUTEX_PRIV, at + 0x10,
			    NR_FUTEX);
		e[n++] = ev(ts, LAB_EV_SWITCH, CRAFT_PID, 0, 1, 0);
		e[n++] = ev(ts + 10000, LAB_EV_WAKEUP, CRAFT_PID, 0, 0, 0);
		e[n++] = ev(ts + 10000, LAB_EV_SWITCH, 0, CRAFT_PID, 0, 0);
		ts += 10000;
		kt.voluntary_switches++;
	}
	e[n++] = ev(ts + 1000, LAB_EV_EXIT, CRAFT_PID, 0, 0, 1);
	kt.flags = LAB_THREAD_EXITED;
	kt.start_ns = T0;
	kt.exit_ns = ts + 1000;
	sum.end_ns = ts + 2000;
	sum.events = n;
	ok = trace_file_open(&w, path, &info) == 0 &&
	     trace_writer_add_events(w, e, n) == 0 &&
	     (!nmaps || trace_writer_add_maps(w, m, nmaps) == 0) &&
	     trace_writer_finish(w, &kt, 1, NULL, 0, &sum) == 0;
	trace_writer_free(w);
	return CHECK_MSG(ok && chown(path, uid, gid) == 0,
			 "cannot write the trace %s", path);
}

/* `sudo lab report` and `export` of a trace the student wrote, whose
 * maps name the target, a file of root's: neither opens it, nor waits
 * on it (a FIFO). */
static void crafted_trace_opens_nothing(bool fifo)
{
	struct scene sc;
	struct victim target;
	char trace[PATH_MAX + 16], json[PATH_MAX + 16];
	const char *maps[1];
	int watch, code;

	if (!scene_new(&sc))
		return;
	if (fifo) {
		sfmt(target.path, sizeof(target.path), "%s/fifo", sc.vault);
		target.content[0] = '\0';
		if (!CHECK(mkfifo(target.path, 0600) == 0) ||
		    !victim_stat(&target))
			return;
	} else if (!victim_copy(&target, "/bin/true", sc.vault, "target")) {
		return;
	}
	maps[0] = target.path;
	sfmt(trace, sizeof(trace), "%s/crafted.lab", sc.home);
	sfmt(json, sizeof(json), "%s/crafted.json", sc.home);
	if (!craft_trace(trace, "crafted", maps, 1, sc.s->uid, sc.s->gid))
		return;
	watch = watch_new(target.path);
	if (watch < 0)
		return;
	const char *report[] = {"report", trace, NULL};
	const char *export[] = {"export", "--perfetto", trace,
				"-o",	  json,		NULL};
	code = sudo_lab_within(20, sc.home, report, out, OUT_MAX, err, OUT_MAX);
	CHECK_MSG(code != RUN_TIMED_OUT,
		  "sudo lab report waited 20 s on the %s its trace names",
		  fifo ? "FIFO" : "file");
	CHECK_MSG(code == 0, "sudo lab report %s: exit %d:\n%s", trace, code,
		  out);
	code = sudo_lab_within(20, sc.home, export, out, OUT_MAX, err, OUT_MAX);
	CHECK_MSG(code != RUN_TIMED_OUT,
		  "sudo lab export waited 20 s on the %s its trace names",
		  fifo ? "FIFO" : "file");
	CHECK_MSG(code == 0, "sudo lab export %s: exit %d:\n%s", trace, code,
		  out);
	CHECK_MSG(!watch_saw_open(watch),
		  "the analysis opened root's %s, named in the trace's maps",
		  sp(target.path));
	victim_check(&target, "sudo lab report");
}

TEST(sudo_report_opens_no_root_file_a_trace_names)
{
	crafted_trace_opens_nothing(false);
}

TEST(sudo_report_neither_opens_nor_waits_on_a_fifo_a_trace_names)
{
	crafted_trace_opens_nothing(true);
}

/* A trace only root may read is as closed to `sudo lab report` and
 * `export` as to the student: refused, not opened, nothing of it shown. */
TEST(sudo_report_cannot_read_a_root_only_trace)
{
	struct scene sc;
	char secret[PATH_MAX + 16], leak[PATH_MAX + 16], what[PATH_MAX + 64];
	int watch;

	if (!scene_new(&sc))
		return;
	sfmt(secret, sizeof(secret), "%s/secret.lab", sc.vault);
	sfmt(leak, sizeof(leak), "%s/leak.json", sc.home);
	if (!craft_trace(secret, "secret-4711", NULL, 0, 0, 0) ||
	    !CHECK(chmod(secret, 0600) == 0))
		return;
	const char *const cmds[][7] = {
		{"report", secret, NULL},
		{"report", secret, "--json", leak, NULL},
		{"export", "--perfetto", secret, "-o", leak, NULL},
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		watch = watch_new(secret);
		if (watch < 0)
			return;
		sfmt(what, sizeof(what), "sudo lab %s vault/secret.lab%s",
		     cmds[i][0], cmds[i][2] ? " ..." : "");
		check_refused(
			sudo_lab(sc.home, cmds[i], out, OUT_MAX, err, OUT_MAX),
			what);
		CHECK_MSG(!watch_saw_open(watch), "%s opened root's trace",
			  what);
		CHECK_MSG(!strstr(out, "secret-4711"), "%s showed root's trace",
			  what);
		CHECK_MSG(access(leak, F_OK), "%s wrote %s", what, sp(leak));
		unlink(leak);
	}
}

/* ---- the kernel's addresses stay in the kernel ---- */

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[65536];
	size_t n;

	while (f && m && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	if (f)
		fclose(f);
	if (m)
		fclose(m);
	if (!f) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The line of text holding needle (case ignored), cut short, for a
 * message; "" when there is none. */
static const char *line_with(const char *text, const char *needle)
{
	static char line[160];
	const char *at = text ? strcasestr(text, needle) : NULL;
	const char *start = at, *end;

	line[0] = '\0';
	if (!at)
		return line;
	while (start > text && start[-1] != '\n')
		start--;
	end = at + strcspn(at, "\n");
	if (end - start >= (long)sizeof(line))
		start = at - 40 > start ? at - 40 : start;
	sfmt(line, sizeof(line), "%.*s", (int)(end - start), start);
	return line;
}

/* Lock records hold no kernel address; nor do the maps, but for the
 * vsyscall page, which is at the same address on every x86-64 machine.
 * Returns the lock records seen. */
static size_t trace_kernel_addresses(const char *path, size_t *bad,
				     uint64_t *example)
{
	struct trace_reader *r;
	struct trace_chunk c;
	char e[512];
	size_t locks = 0;
	int n;

	*bad = 0;
	if (!CHECK_MSG(trace_reader_open_file(&r, path, e, sizeof(e)) == 0,
		       "%s: %s", path, e))
		return 0;
	while ((n = trace_reader_next(r, &c, e, sizeof(e))) == 1) {
		if (c.type == LAB_CHUNK_EVENTS) {
			const struct lab_event *ev = c.data;

			for (size_t i = 0; i < c.count; i++) {
				if (ev[i].type != LAB_EV_LOCK_BEGIN &&
				    ev[i].type != LAB_EV_LOCK_END)
					continue;
				locks++;
				if (ev[i].value >= KERNEL_HALF && !(*bad)++)
					*example = ev[i].value;
			}
		} else if (c.type == LAB_CHUNK_MAPS) {
			const struct lab_map *m = c.data;

			for (size_t i = 0; i < c.count; i++)
				if (m[i].start >= KERNEL_HALF &&
				    strcmp(m[i].path, "[vsyscall]") &&
				    !(*bad)++)
					*example = m[i].start;
		}
	}
	CHECK_MSG(n == 0, "%s: %s", path, e);
	trace_reader_free(r);
	return locks;
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* Kernel locks the student's run contended show in the report, under a
 * number of the trace's, never at their kernel address: neither the
 * terminal, the JSON, the page nor the trace tells a student where the
 * kernel's memory is. */
TEST(sudo_kernel_lock_addresses_stay_in_the_kernel)
{
	struct scene sc;
	char prog[PATH_MAX + 16], dir[PATH_MAX + 16], path[PATH_MAX + 32];
	static const char *const ms[] = {"60", "200", "500"};
	struct json_object *j = NULL, *kernel;
	char *text = NULL;
	uint64_t example = 0;
	int64_t contended = 0;
	size_t bad;
	int code;

	if (!scene_new(&sc))
		return;
	sfmt(prog, sizeof(prog), "%s/klock", sc.home);
	sfmt(dir, sizeof(dir), "%s/out", sc.home);
	if (!CHECK(copy_file("build/tests/klock", prog, 0755, sc.s->uid,
			     sc.s->gid)))
		return;
	/* longer runs where the machine contended less: the kernel counts
	 * every contention in the thread's counters (totals.klock_count) */
	for (int try = 0; try < 3; try++) {
		const char *args[] = {"run",	 "-o", dir,	"--",
				      "./klock", "4",  ms[try], NULL};

		code = sudo_lab(sc.home, args, out, OUT_MAX, err, OUT_MAX);
		if (!CHECK_MSG(code == 0,
			       "sudo lab run -- ./klock: exit %d:\n%s", code,
			       out))
			return;
		json_object_put(j);
		free(text);
		sfmt(path, sizeof(path), "%s/klock.json", dir);
		text = read_all(path);
		j = json_object_from_file(path);
		if (!CHECK_MSG(text && j, "no report %s", sp(path)))
			goto out;
		contended = json_object_get_int64(
			get(get(j, "totals"), "klock_count"));
		if (contended > 0)
			break;
	}
	if (!CHECK_MSG(contended > 0,
		       "klock never waited for a kernel lock: the test tested "
		       "nothing"))
		goto out;
	CHECK_MSG(!strcasestr(out, "0xffff"),
		  "lab printed a kernel address: %s", line_with(out, "0xffff"));
	CHECK_MSG(!strcasestr(text, "0xffff"), "a kernel address in %s: %s",
		  sp(path), line_with(text, "0xffff"));

	sfmt(path, sizeof(path), "%s/klock.lab", dir);
	(void)trace_kernel_addresses(path, &bad, &example);
	CHECK_MSG(!bad, "%zu kernel addresses in the trace, e.g. %#llx", bad,
		  (unsigned long long)example);

	kernel = get(get(j, "locks"), "kernel");
	CHECK_MSG(json_object_array_length(kernel) > 0,
		  "klock.json lists no kernel lock");
	for (size_t i = 0; i < json_object_array_length(kernel); i++) {
		struct json_object *l = json_object_array_get_idx(kernel, i);
		struct json_object *id = get(l, "id");

		CHECK_MSG(!get(l, "address"),
			  "locks.kernel[%zu] has an address: %s", i,
			  json_object_get_string(get(l, "address")));
		CHECK_MSG(id && json_object_is_type(id, json_type_int) &&
				  json_object_get_uint64(id) < (1ULL << 32),
			  "locks.kernel[%zu].id is %s, not a number of the "
			  "trace's",
			  i, json_object_get_string(id));
	}
	free(text);
	sfmt(path, sizeof(path), "%s/klock.html", dir);
	text = read_all(path);
	if (CHECK_MSG(text, "no page %s", sp(path)))
		CHECK_MSG(!strcasestr(text, "0xffff"),
			  "a kernel address in %s: %s", sp(path),
			  line_with(text, "0xffff"));
out:
	free(text);
	json_object_put(j);
}

/* ---- the student's identity ---- */

/* The groups `id -G` printed (after "groups ") are exactly the
 * student's. */
static bool groups_are(const char *line, const struct student *st)
{
	gid_t want[64];
	int nwant = 64, seen = 0;
	char *end;

	if (getgrouplist(st->name, st->gid, want, &nwant) < 0)
		return false;
	for (const char *p = line; *p && *p != '\n'; p = end) {
		unsigned long g = strtoul(p, &end, 10);
		bool known = false;

		if (end == p)
			return false;
		for (int i = 0; i < nwant; i++)
			known |= want[i] == g;
		if (!known)
			return false;
		seen++;
		end += strspn(end, " ");
	}
	return seen > 0 && seen <= nwant;
}

/* The traced command runs as the student, with the student's groups and
 * environment: their uid, gid, groups, home and name. */
TEST(sudo_the_command_sees_the_students_identity)
{
	struct scene sc;
	char dir[PATH_MAX + 16], want[512];
	const char *groups;

	if (!scene_new(&sc))
		return;
	sfmt(dir, sizeof(dir), "%s/out", sc.home);
	const char *args[] = {
		"run",
		"-o",
		dir,
		"--",
		"/bin/sh",
		"-c",
		"echo \"uid $(id -u) gid $(id -g)\"; echo \"groups $(id -G)\"; "
		"echo \"home $HOME user $USER logname $LOGNAME\"",
		NULL};
	int code = sudo_lab(sc.home, args, out, OUT_MAX, err, OUT_MAX);

	if (!CHECK_MSG(code == 0, "exit %d: %s", code, err))
		return;
	sfmt(want, sizeof(want), "uid %u gid %u\n", (unsigned)sc.s->uid,
	     (unsigned)sc.s->gid);
	CHECK_MSG(strstr(out, want),
		  "the command is not %s: expected '%.*s', "
		  "got '%s'",
		  sc.s->name, (int)strlen(want) - 1, want,
		  line_with(out, "uid "));
	groups = strstr(out, "groups ");
	CHECK_MSG(groups && groups_are(groups + 7, sc.s),
		  "the command has groups not %s's: '%s'", sc.s->name,
		  line_with(out, "groups "));
	sfmt(want, sizeof(want), "home %s user %s logname %s\n", sc.s->home,
	     sc.s->name, sc.s->name);
	CHECK_MSG(strstr(out, want),
		  "the command's environment is not %s's: expected '%.*s', "
		  "got '%s'",
		  sc.s->name, (int)strlen(want) - 1, want,
		  line_with(out, "home "));
}

/* every entry under dir (and dir) belongs to uid:gid and only its owner
 * may write it */
static size_t check_owned(const char *dir, uid_t uid, gid_t gid)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat sb;
	size_t n = 0;

	if (!CHECK_MSG(d && lstat(dir, &sb) == 0, "cannot list %s", dir))
		return 0;
	CHECK_MSG(sb.st_uid == uid && sb.st_gid == gid,
		  "%s belongs to %u:%u, not the student", dir,
		  (unsigned)sb.st_uid, (unsigned)sb.st_gid);
	while ((e = readdir(d))) {
		char path[PATH_MAX];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sfmt(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!CHECK(lstat(path, &sb) == 0))
			continue;
		n++;
		if (S_ISDIR(sb.st_mode)) {
			n += check_owned(path, uid, gid);
			continue;
		}
		CHECK_MSG(sb.st_uid == uid && sb.st_gid == gid,
			  "%s belongs to %u:%u, not the student", path,
			  (unsigned)sb.st_uid, (unsigned)sb.st_gid);
		CHECK_MSG(!(sb.st_mode & 022), "%s has mode %o", path,
			  (unsigned)(sb.st_mode & 07777));
	}
	closedir(d);
	return n;
}

/* What lab makes for the student is theirs: the directories -o names
 * (each level it creates), the trace, the reports, a family's pages. */
TEST(sudo_outputs_belong_to_the_student)
{
	struct scene sc;
	char dir[PATH_MAX + 16], top[PATH_MAX + 16];
	int code;

	if (!scene_new(&sc))
		return;
	sfmt(top, sizeof(top), "%s/a", sc.home);
	sfmt(dir, sizeof(dir), "%s/a/b", sc.home);
	const char *cmd[] = {"run", "-o", dir, "--", "/bin/true", NULL};
	code = sudo_lab(sc.home, cmd, out, OUT_MAX, err, OUT_MAX);
	CHECK_MSG(code == 0, "sudo lab run -- true: exit %d:\n%s", code, out);
	sfmt(dir, sizeof(dir), "%s/a/c", sc.home);
	const char *family[] = {"run", "spawn", "-o", dir, "--tasks",
				"2",   "--ops", "2",  NULL};
	code = sudo_lab(sc.home, family, out, OUT_MAX, err, OUT_MAX);
	CHECK_MSG(code == 0, "sudo lab run spawn: exit %d:\n%s", code, out);
	CHECK_MSG(check_owned(top, sc.s->uid, sc.s->gid) >= 3 + 3 * 3,
		  "fewer files than two runs write under %s", top);
}

/* ---- the command line ---- */

/* Repeated options, many times over: the last one wins (exit 0) or lab
 * refuses them (exit 2, one line); never a crash. Through the parser
 * alone (--dry-run) and on to a real run. */
TEST(sudo_repeated_options_never_crash)
{
	static const char *const counts[] = {"1", "2", "3", "4",
					     "5", "6", "7", "8"};
	static const char *const opts[][2] = {
		{"--tasks", "1"},
		{"--ops", "1000"},
		{"--duration", "0.01"},
		{"--cpu", "0"},
	};
	struct scene sc;
	char dir[PATH_MAX + 16], what[4096];
	const char *args[64];
	size_t n;

	if (!scene_new(&sc))
		return;
	sfmt(dir, sizeof(dir), "%s/out", sc.home);
	/* each option alone, 5 and 8 times; then all of them, 6 times */
	for (int round = 0; round < 2 * 4 + 2; round++) {
		bool dry = round < 2 * 4 + 1;
		int only = round < 8 ? round / 2 : -1;
		int times = round < 8 ? (round % 2 ? 8 : 5) : 6;

		n = 0;
		args[n++] = "run";
		args[n++] = "cpu-serial";
		if (dry)
			args[n++] = "--dry-run";
		else {
			args[n++] = "-o";
			args[n++] = dir;
		}
		for (int t = 0; t < times; t++)
			for (int o = 0; o < 4; o++) {
				if (only >= 0 && o != only)
					continue;
				args[n++] = opts[o][0];
				/* --tasks 1 --tasks 2 ... --tasks 5 */
				args[n++] = o == 0 ? counts[t] : opts[o][1];
			}
		args[n] = NULL;
		sfmt(what, sizeof(what),
		     "sudo lab run cpu-serial%s, %s %d times",
		     dry ? " --dry-run" : "",
		     only >= 0 ? opts[only][0] : "every option", times);
		int code = sudo_lab(sc.home, args, out, OUT_MAX, err, OUT_MAX);

		if (code >= 128)
			CHECK_MSG(0, "%s: killed by signal %d", what,
				  code - 128);
		else
			CHECK_MSG(code == 0 || (code == 2 && one_line(err)),
				  "%s: exit %d:\n%s", what, code, out);
	}
}
