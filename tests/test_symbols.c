/* test_symbols.c - naming addresses: this test program's own globals
 * through its real memory maps and ELF symbol tables, synthetic maps for
 * the heap, stacks, anonymous and shared memory, forked children,
 * kallsyms, the lock tables of the analysis, and a real `lab run`. */
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "analyzer/analysis.h"
#include "analyzer/analyze.h"
#include "analyzer/report.h"
#include "analyzer/symbols.h"
#include "tests/test.h"

/* Globals of this program, so that its .symtab names them: the lock is
 * all zeros (.bss), the table initialised (.data). */
pthread_mutex_t symbols_test_lock = PTHREAD_MUTEX_INITIALIZER;
long symbols_test_table[8] = {1, 2, 3, 4, 5, 6, 7, 8};

#define PID	 100 /* the pid the maps of this process are filed under */
#define MAX_MAPS 4096

static uint64_t now_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* This process's /proc/self/maps as the tracer records them, filed
 * under pid. Returns how many (0 when unreadable). */
static size_t self_maps(struct lab_map *m, size_t max, uint32_t pid)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	size_t n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		unsigned long long start, end, off;
		char perms[8] = "";
		int at = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end,
			   perms, &off, &at) < 4)
			continue;
		memset(&m[n], 0, sizeof(m[n]));
		m[n].start = start;
		m[n].end = end;
		m[n].offset = off;
		m[n].pid = pid;
		m[n].prot = (perms[0] == 'r' ? LAB_MAP_READ : 0) |
			    (perms[1] == 'w' ? LAB_MAP_WRITE : 0) |
			    (perms[2] == 'x' ? LAB_MAP_EXEC : 0) |
			    (perms[3] == 's' ? LAB_MAP_SHARED : 0);
		if (at > 0)
			snprintf(m[n].path, sizeof(m[n].path), "%s", line + at);
		m[n].path[strcspn(m[n].path, "\n")] = '\0';
		n++;
	}
	fclose(f);
	return n;
}

/* This program's file was replaced while it ran (a rebuild): its maps
 * then say "(deleted)", and rightly name nothing in it. */
static bool exe_replaced(void)
{
	char path[600];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n < 0)
		return false;
	path[n] = '\0';
	return n > 10 && strcmp(path + n - 10, " (deleted)") == 0;
}

#define EXE_REPLACED "this test program was rebuilt while it ran"

/* A symbols object holding this process's maps under pid; NULL (a
 * failed check) when that cannot be done. */
static struct symbols *self_symbols(uint32_t pid, uint64_t recorded_ns)
{
	struct lab_map *m = calloc(MAX_MAPS, sizeof(*m));
	struct symbols *s = symbols_new(recorded_ns);
	size_t n = m ? self_maps(m, MAX_MAPS, pid) : 0;

	if (!CHECK(s) || !CHECK_MSG(n > 0, "cannot read /proc/self/maps") ||
	    !CHECK_EQ(symbols_add_maps(s, m, n), 0)) {
		symbols_free(s);
		s = NULL;
	}
	free(m);
	return s;
}

static char name_buf[256];

/* The name of addr in pid, or "(null)". */
static const char *user(struct symbols *s, uint32_t pid, const void *addr)
{
	const char *n = symbols_user(s, pid, (uintptr_t)addr, name_buf,
				     sizeof(name_buf));

	return n ? n : "(null)";
}

static const char *user_at(struct symbols *s, uint32_t pid, uint64_t addr)
{
	const char *n = symbols_user(s, pid, addr, name_buf, sizeof(name_buf));

	return n ? n : "(null)";
}

static const char *kernel(struct symbols *s, uint64_t addr)
{
	const char *n = symbols_kernel(s, addr, name_buf, sizeof(name_buf));

	return n ? n : "(null)";
}

static struct lab_map map_of(uint64_t start, uint64_t end, uint32_t prot,
			     const char *path)
{
	struct lab_map m = {
		.start = start, .end = end, .pid = PID, .prot = prot};
	size_t len = strlen(path);

	/* the tracer's paths are cut to fit, and so are these */
	if (len >= sizeof(m.path))
		len = sizeof(m.path) - 1;
	memcpy(m.path, path, len);
	return m;
}

/* a function of this program, to be named */
static __attribute__((noinline)) int symbols_test_function(int x)
{
	return x * 3 + 1;
}

/* ---- user addresses ---- */

/* A PIE program's globals: file offset to virtual address through the
 * program headers, in .bss (maybe past the file's last page) and .data. */
TEST(symbols_name_this_programs_globals)
{
	struct symbols *s;
	char *lock = (char *)&symbols_test_lock, last[64];

	if (exe_replaced())
		SKIP(EXE_REPLACED);
	s = self_symbols(PID, now_realtime_ns());
	if (!s)
		return;
	CHECK_STR(user(s, PID, lock), "symbols_test_lock");
	CHECK_STR(user(s, PID, lock + 8), "symbols_test_lock+0x8");
	/* a pthread_mutex_t is 40 bytes on x86-64, 48 on arm64 */
	snprintf(last, sizeof(last), "symbols_test_lock+%#zx",
		 sizeof(symbols_test_lock) - 1);
	CHECK_STR(user(s, PID, lock + sizeof(symbols_test_lock) - 1), last);
	CHECK_STR(user(s, PID, &symbols_test_table[0]), "symbols_test_table");
	CHECK_STR(user(s, PID, &symbols_test_table[3]),
		  "symbols_test_table+0x18");
	CHECK_STR(user(s, PID, (void *)(uintptr_t)symbols_test_function),
		  "symbols_test_function");
	CHECK_EQ(symbols_test_function(1), 4);
	symbols_free(s);
}

/* A stripped shared library still has .dynsym: libc's exported
 * functions are named from there. */
TEST(symbols_name_shared_library_symbols)
{
	struct symbols *s = self_symbols(PID, now_realtime_ns());
	const char *n;

	if (!s)
		return;
	n = user(s, PID, (void *)(uintptr_t)getpid);
	CHECK_MSG(strstr(n, "getpid") != NULL, "getpid named \"%s\"", n);
	n = user(s, PID, (void *)(uintptr_t)pthread_mutex_lock);
	CHECK_MSG(strstr(n, "pthread_mutex_lock") != NULL,
		  "pthread_mutex_lock named \"%s\"", n);
	symbols_free(s);
}

TEST(symbols_name_heap_stack_anonymous_and_shared_memory)
{
	const uint32_t rw = LAB_MAP_READ | LAB_MAP_WRITE;
	struct lab_map m[] = {
		map_of(0x1000, 0x3000, rw, "[heap]"),
		map_of(0x10000, 0x20000, rw, ""),
		map_of(0x30000, 0x31000, rw | LAB_MAP_SHARED,
		       "/dev/zero (deleted)"),
		map_of(0x40000, 0x41000, rw | LAB_MAP_SHARED,
		       "/SYSV00000000 (deleted)"),
		map_of(0x50000, 0x51000, rw | LAB_MAP_SHARED, "/memfd:q"),
		map_of(0x60000, 0x61000, rw, "[vdso]"),
		map_of(0x7ff000, 0x801000, rw, "[stack]"),
	};
	struct symbols *s = symbols_new(0);

	if (!CHECK(s))
		return;
	CHECK_EQ(symbols_add_maps(s, m, sizeof(m) / sizeof(*m)), 0);
	CHECK_STR(user_at(s, PID, 0x1000), "[heap]");
	CHECK_STR(user_at(s, PID, 0x12a0), "[heap]+0x2a0");
	CHECK_STR(user_at(s, PID, 0x10040), "anon 0x10000+0x40");
	CHECK_STR(user_at(s, PID, 0x10000), "anon 0x10000");
	CHECK_STR(user_at(s, PID, 0x30040), "shared memory 0x30000+0x40");
	CHECK_STR(user_at(s, PID, 0x30000), "shared memory 0x30000");
	CHECK_STR(user_at(s, PID, 0x40008), "shared memory 0x40000+0x8");
	CHECK_STR(user_at(s, PID, 0x50010), "shared memory 0x50000+0x10");
	CHECK_STR(user_at(s, PID, 0x60010), "[vdso]+0x10");
	CHECK_STR(user_at(s, PID, 0x800ff0), "[stack]+0x1ff0");
	/* between mappings, past the last, another process */
	CHECK_STR(user_at(s, PID, 0x3000), "(null)");
	CHECK_STR(user_at(s, PID, 0x900000), "(null)");
	CHECK_STR(user_at(s, PID + 1, 0x1000), "(null)");
	CHECK_STR(user_at(s, 0, 0x1000), "(null)");
	/* a short buffer truncates */
	CHECK(symbols_user(s, PID, 0x30040, name_buf, 7) == name_buf);
	CHECK_STR(name_buf, "shared");
	symbols_free(s);
}

/* What the kernel shows for this process's own mmaps. */
TEST(symbols_name_real_anonymous_and_shared_mappings)
{
	char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *anon = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct symbols *s = NULL;
	const char *n;
	char want[64];

	if (!CHECK(shared != MAP_FAILED) || !CHECK(anon != MAP_FAILED))
		goto out;
	shared[0] = anon[0] = 1;
	s = self_symbols(PID, now_realtime_ns());
	if (!s)
		goto out;
	snprintf(want, sizeof(want), "shared memory %p+0x40", (void *)shared);
	CHECK_STR(user(s, PID, shared + 0x40), want);
	/* the kernel may merge it with its anonymous neighbours */
	n = user(s, PID, anon + 0x40);
	CHECK_MSG(strncmp(n, "anon 0x", 7) == 0 && strstr(n, "+0x"),
		  "anonymous memory named \"%s\"", n);
out:
	symbols_free(s);
	if (shared != MAP_FAILED)
		munmap(shared, 4096);
	if (anon != MAP_FAILED)
		munmap(anon, 8192);
}

/* A child forked without exec has no maps of its own in the trace: its
 * parent's say what its addresses are, until it execs. */
TEST(symbols_forked_child_named_through_its_parent)
{
	struct symbols *s;
	char *lock = (char *)&symbols_test_lock;

	if (exe_replaced())
		SKIP(EXE_REPLACED);
	s = self_symbols(PID, now_realtime_ns());
	if (!s)
		return;
	CHECK_STR(user(s, PID + 1, lock), "(null)");
	CHECK_EQ(symbols_add_fork(s, PID + 1, PID), 0);
	CHECK_EQ(symbols_add_fork(s, PID + 2, PID + 1), 0);
	/* the first parent given stays */
	CHECK_EQ(symbols_add_fork(s, PID + 2, PID + 50), 0);
	CHECK_STR(user(s, PID + 1, lock + 8), "symbols_test_lock+0x8");
	CHECK_STR(user(s, PID + 2, lock), "symbols_test_lock");
	/* a program of its own: the parent's maps say nothing about it */
	CHECK_EQ(symbols_add_fork(s, PID + 3, PID), 0);
	CHECK_EQ(symbols_add_exec(s, PID + 3), 0);
	CHECK_STR(user(s, PID + 3, lock), "(null)");
	/* a damaged trace's loop ends */
	CHECK_EQ(symbols_add_fork(s, PID + 4, PID + 5), 0);
	CHECK_EQ(symbols_add_fork(s, PID + 5, PID + 4), 0);
	CHECK_STR(user(s, PID + 4, lock), "(null)");
	/* the child's own maps come first */
	struct lab_map own = map_of((uintptr_t)lock & ~0xfffULL,
				    ((uintptr_t)lock & ~0xfffULL) + 0x1000,
				    LAB_MAP_READ | LAB_MAP_WRITE, "[heap]");
	own.pid = PID + 1;
	CHECK_EQ(symbols_add_maps(s, &own, 1), 0);
	CHECK_MSG(strncmp(user(s, PID + 1, lock), "[heap]", 6) == 0, "%s",
		  name_buf);
	symbols_free(s);
}

/* Several snapshots of one process: the latest one holding the address
 * names it (a heap that grew), an earlier one if only it has it. */
TEST(symbols_latest_snapshot_first)
{
	const uint32_t rw = LAB_MAP_READ | LAB_MAP_WRITE;
	struct lab_map first[] = {
		map_of(0x1000, 0x2000, rw, "[heap]"),
		map_of(0x9000, 0xa000, rw, ""),
	};
	struct lab_map later[] = {
		map_of(0x1000, 0x3000, rw, "[heap]"),
		map_of(0x5000, 0x6000, rw, ""),
	};
	struct symbols *s = symbols_new(0);

	if (!CHECK(s))
		return;
	CHECK_EQ(symbols_add_maps(s, first, 2), 0);
	CHECK_EQ(symbols_add_maps(s, later, 2), 0);
	CHECK_STR(user_at(s, PID, 0x2800), "[heap]+0x1800");
	CHECK_STR(user_at(s, PID, 0x5008), "anon 0x5000+0x8");
	CHECK_STR(user_at(s, PID, 0x9008), "anon 0x9000+0x8");
	symbols_free(s);
}

/* Files that are gone, replaced, no ELF, or no regular file name
 * nothing, and nothing waits on them. */
TEST(symbols_unreadable_files_name_nothing)
{
	const uint32_t r = LAB_MAP_READ;
	char dir[PATH_MAX], text[PATH_MAX + 16], fifo[PATH_MAX + 16];
	struct lab_map m[5];
	struct symbols *s = symbols_new(0);
	FILE *f;

	/* maps hold absolute paths: a relative one is never opened */
	if (!CHECK(s) || !CHECK(realpath(test_tmpdir(), dir))) {
		symbols_free(s);
		return;
	}
	snprintf(text, sizeof(text), "%s/notes.txt", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	f = fopen(text, "w");
	if (CHECK(f)) {
		fputs("not an ELF file\n", f);
		fclose(f);
	}
	CHECK_EQ(mkfifo(fifo, 0600), 0);
	m[0] = map_of(0x1000, 0x2000, r, "/nonexistent/lab/libgone.so");
	m[1] = map_of(0x2000, 0x3000, r, "/usr/bin/true (deleted)");
	m[2] = map_of(0x3000, 0x4000, r, text);
	m[3] = map_of(0x4000, 0x5000, r, fifo);
	m[4] = map_of(0x5000, 0x6000, r, "relative/path");
	CHECK_EQ(symbols_add_maps(s, m, 5), 0);
	for (uint64_t a = 0x1010; a < 0x6000; a += 0x1000)
		CHECK_MSG(!symbols_user(s, PID, a, name_buf, sizeof(name_buf)),
			  "0x%" PRIx64 " named \"%s\"", a, name_buf);
	/* asked again: the failure is remembered, not retried */
	CHECK(!symbols_user(s, PID, 0x1010, name_buf, sizeof(name_buf)));
	symbols_free(s);
}

/* A program rebuilt after the trace was recorded is not the one that
 * was mapped: its symbols would name the wrong variables. */
TEST(symbols_file_changed_since_recording_names_nothing)
{
	struct symbols *s = self_symbols(PID, 1);
	const char *n;

	if (!s)
		return;
	CHECK_STR(user(s, PID, &symbols_test_table[1]), "(null)");
	/* a .bss past the file's pages is still anonymous memory */
	n = user(s, PID, &symbols_test_lock);
	CHECK_MSG(strncmp(n, "symbols_test_lock", 17) != 0, "named \"%s\"", n);
	symbols_free(s);
}

/* ---- kernel addresses ---- */

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

TEST(symbols_kernel_names_from_a_kallsyms_file)
{
	const char *dir = test_tmpdir();
	char path[600], zeros[600];
	struct symbols *s = symbols_new(0);

	if (!CHECK(s))
		return;
	snprintf(path, sizeof(path), "%s/kallsyms", dir);
	snprintf(zeros, sizeof(zeros), "%s/kallsyms-user", dir);
	/* unsorted, as modules make it; a module's name in brackets */
	CHECK_EQ(write_file(path, "ffffffff83000080 B __bss_start\n"
				  "ffffffff81000000 T _stext\n"
				  "ffffffff81000100 T schedule\n"
				  "0000000000001000 A fixed_percpu_data\n"
				  "ffffffff82000000 D __start_rodata\n"
				  "ffffffff83000000 D jiffies_lock\n"
				  "ffffffff83000040 d tasklist_lock\n"
				  "ffffffff83000080 b zone_lock\n"
				  "ffffffff83000100 T after_data\n"
				  "ffffffffc0001000 d mod_lock\t[lab_mod]\n"),
		 0);
	CHECK_EQ(write_file(zeros, "0000000000000000 T _stext\n"
				   "0000000000000000 D jiffies_lock\n"),
		 0);
	CHECK_STR(kernel(s, 0xffffffff83000000), "(null)"); /* no kallsyms */
	CHECK_EQ(symbols_use_kallsyms(s, path), 0);
	CHECK_STR(kernel(s, 0xffffffff83000000), "jiffies_lock");
	CHECK_STR(kernel(s, 0xffffffff83000008), "jiffies_lock+0x8");
	CHECK_STR(kernel(s, 0xffffffff83000048), "tasklist_lock+0x8");
	/* a data symbol beside a marker at its address */
	CHECK_STR(kernel(s, 0xffffffff83000090), "zone_lock+0x10");
	CHECK_STR(kernel(s, 0xffffffffc0001010), "mod_lock+0x10");
	/* text, markers, below every symbol, absolute: no lock's name */
	CHECK_STR(kernel(s, 0xffffffff81000180), "(null)");
	CHECK_STR(kernel(s, 0xffffffff82000010), "(null)");
	CHECK_STR(kernel(s, 0xffffffff83000110), "(null)");
	CHECK_STR(kernel(s, 0xffff888100000000), "(null)");
	CHECK_STR(kernel(s, 0x1008), "(null)");
	/* what an unprivileged reader sees: zeros, nothing named */
	CHECK_EQ(symbols_use_kallsyms(s, zeros), 0);
	CHECK_STR(kernel(s, 0xffffffff83000000), "(null)");
	CHECK_EQ(symbols_use_kallsyms(s, "/nonexistent/kallsyms"), 0);
	CHECK_STR(kernel(s, 0xffffffff83000000), "(null)");
	symbols_free(s);
}

/* A kernel lock id (a trace recorded under sudo) is no address: never
 * looked up, even where kallsyms has a symbol below it. */
TEST(symbols_kernel_lock_ids_are_never_looked_up)
{
	char path[600];
	struct symbols *s = symbols_new(0);

	if (!CHECK(s))
		return;
	snprintf(path, sizeof(path), "%s/kallsyms", test_tmpdir());
	CHECK_EQ(write_file(path, "0000000000000010 d low_lock\n"
				  "ffffffff83000000 D jiffies_lock\n"),
		 0);
	CHECK_EQ(symbols_use_kallsyms(s, path), 0);
	CHECK_STR(kernel(s, 0xffffffff83000008), "jiffies_lock+0x8");
	CHECK_STR(kernel(s, 1), "(null)");
	CHECK_STR(kernel(s, 0x18), "(null)");
	CHECK_STR(kernel(s, 0xffffffff), "(null)");
	/* 2^32 and above are addresses */
	CHECK_STR(kernel(s, 0x100000010), "low_lock+0x100000000");
	symbols_free(s);
}

/* The running kernel's own table, when it shows addresses. */
TEST(symbols_kernel_names_from_proc_kallsyms)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[640], name[512], last_name[512] = "", data_name[512] = "";
	unsigned long long addr, last = 0, data_addr = 0, text_addr = 0;
	bool nonzero = false, last_data = false;
	struct symbols *s;
	char type;

	if (!f)
		SKIP("/proc/kallsyms cannot be read");
	/* a function, and a data symbol alone at its address with a byte
	 * of room after it (its name not one of the "_" markers) */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %511s", &addr, &type, name) != 3)
			continue;
		nonzero |= addr != 0;
		if (!text_addr && (type == 't' || type == 'T') && addr)
			text_addr = addr;
		if (!data_addr && last_data && addr > last + 1) {
			data_addr = last;
			snprintf(data_name, sizeof(data_name), "%s", last_name);
		}
		last_data =
			strchr("dDbB", type) && name[0] != '_' && addr > last;
		last = addr;
		snprintf(last_name, sizeof(last_name), "%s", name);
	}
	fclose(f);
	if (!nonzero)
		SKIP("/proc/kallsyms shows no addresses (kptr_restrict, or not "
		     "root)");
	s = symbols_new(0);
	if (!CHECK(s) ||
	    !CHECK_EQ(symbols_use_kallsyms(s, "/proc/kallsyms"), 0))
		goto out;
	/* a lock is never inside a function, nor in the direct map's
	 * allocated objects */
	if (CHECK(text_addr))
		CHECK_STR(kernel(s, text_addr + 1), "(null)");
	CHECK_STR(kernel(s, 0xffff888000001000ULL), "(null)");
	/* without CONFIG_KALLSYMS_ALL there may be no data symbol */
	if (data_addr) {
		char want[600];

		snprintf(want, sizeof(want), "%s+0x1", data_name);
		CHECK_STR(kernel(s, data_addr + 1), want);
	}
out:
	symbols_free(s);
}

TEST(symbols_kernel_only_when_recorded_by_the_running_kernel)
{
	struct lab_trace_info info = {0};
	struct timespec rt, mono;
	struct utsname u;

	if (!CHECK_EQ(uname(&u), 0))
		return;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	snprintf(info.kernel, sizeof(info.kernel), "%s", u.release);
	info.start_ns =
		(uint64_t)mono.tv_sec * 1000000000ULL + (uint64_t)mono.tv_nsec;
	info.start_realtime_ns =
		(uint64_t)rt.tv_sec * 1000000000ULL + (uint64_t)rt.tv_nsec;
	CHECK(symbols_kernel_is_running(&info));
	/* an hour earlier by the wall clock, same uptime: another boot */
	info.start_realtime_ns -= 3600 * 1000000000ULL;
	CHECK(!symbols_kernel_is_running(&info));
	info.start_realtime_ns += 3600 * 1000000000ULL;
	snprintf(info.kernel, sizeof(info.kernel), "%s-other", u.release);
	CHECK(!symbols_kernel_is_running(&info));
	snprintf(info.kernel, sizeof(info.kernel), "%s", u.release);
	info.start_realtime_ns = 0; /* not recorded */
	CHECK(!symbols_kernel_is_running(&info));
}

/* ---- through the analysis ---- */

#define T0	   1000000000ULL
#define NR_FUTEX   202 /* x86-64 */
#define FUTEX_PRIV 128
#define CHILD	   300

static struct lab_event ev(uint64_t ts, uint8_t type, uint32_t tid,
			   uint32_t pid, uint32_t other_tid, uint32_t other_pid,
			   uint64_t value, uint32_t aux)
{
	return (struct lab_event){.ts = ts,
				  .type = type,
				  .tid = tid,
				  .pid = pid,
				  .other_tid = other_tid,
				  .other_pid = other_pid,
				  .value = value,
				  .aux = aux};
}

/* tid, running at ts, waits 10 µs in futex(addr, op) and runs again */
static size_t futex_wait(struct lab_event *e, uint64_t ts, uint32_t tid,
			 uint32_t pid, uint64_t addr, uint32_t op)
{
	e[0] = ev(ts, LAB_EV_BLOCK, tid, pid, op, 0, addr, NR_FUTEX);
	e[1] = ev(ts, LAB_EV_SWITCH, tid, pid, 0, 0, 1, 0);
	e[2] = ev(ts + 10000, LAB_EV_WAKEUP, tid, pid, 1, 1, 0, 0);
	e[3] = ev(ts + 10000, LAB_EV_SWITCH, 0, 0, tid, pid, 0, 0);
	return 4;
}

/* The lock tables carry the names: the root's private lock, a forked
 * child's wait through the root's maps, a shared word through its
 * waiter's process, into the JSON and the terminal summary. */
TEST(symbols_analysis_names_lock_words)
{
	struct lab_trace_info info = {.version = LAB_TRACE_VERSION,
				      .cpu_count = 2,
				      .start_ns = T0,
				      .start_realtime_ns = now_realtime_ns()};
	char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct lab_map *maps = calloc(MAX_MAPS, sizeof(*maps));
	struct lab_event e[32];
	struct run_report *r = NULL;
	struct analysis *a = NULL;
	uint64_t lock = (uintptr_t)&symbols_test_lock;
	char *text = NULL, *js = NULL, want[64];
	size_t n = 0, nmaps, tlen, jlen;
	json_object *j = NULL, *o;
	FILE *f;

	if (exe_replaced()) {
		test_skip(EXE_REPLACED);
		goto out;
	}
	if (!CHECK(shared != MAP_FAILED) || !CHECK(maps))
		goto out;
	nmaps = self_maps(maps, MAX_MAPS, PID);
	snprintf(info.machine, sizeof(info.machine), "x86_64");
	a = analysis_new(&info);
	if (!CHECK(a) || !CHECK(nmaps))
		goto out;
	e[n++] = ev(T0, LAB_EV_SWITCH, 0, 0, PID, PID, 0, 0);
	e[n++] = ev(T0 + 1000, LAB_EV_FORK, PID, PID, CHILD, CHILD, 0, 0);
	e[n++] = ev(T0 + 2000, LAB_EV_SWITCH, PID, PID, CHILD, CHILD, 0, 0);
	n += futex_wait(&e[n], T0 + 3000, CHILD, CHILD, lock + 8, FUTEX_PRIV);
	n += futex_wait(&e[n], T0 + 30000, CHILD, CHILD,
			(uintptr_t)shared + 0x40, 0);
	e[n++] = ev(T0 + 60000, LAB_EV_SWITCH, CHILD, CHILD, PID, PID, 0, 0);
	n += futex_wait(&e[n], T0 + 70000, PID, PID, lock, FUTEX_PRIV);
	n += futex_wait(&e[n], T0 + 90000, PID, PID, lock, FUTEX_PRIV);
	CHECK_EQ(analysis_add_events(a, e, n), 0);
	/* the maps arrive among the events, as the tracer writes them */
	CHECK_EQ(analysis_add_maps(a, maps, nmaps), 0);
	r = analysis_finish(a);
	a = NULL;
	if (!CHECK(r) || !CHECK_EQ(r->nuser_locks, 3))
		goto out;
	CHECK_STR(r->user_locks[0].symbol, "symbols_test_lock");
	CHECK_EQ(r->user_locks[0].pid, PID);
	CHECK_STR(r->user_locks[1].symbol, "symbols_test_lock+0x8");
	CHECK_EQ(r->user_locks[1].pid, CHILD);
	CHECK(r->user_locks[2].shared);
	snprintf(want, sizeof(want), "shared memory %p+0x40", (void *)shared);
	CHECK_STR(r->user_locks[2].symbol, want);
	f = open_memstream(&text, &tlen);
	if (CHECK(f)) {
		report_print_text(f, r);
		fclose(f);
		CHECK_MSG(strstr(text, "futex symbols_test_lock "), "%s", text);
	}
	f = open_memstream(&js, &jlen);
	if (!CHECK(f))
		goto out;
	CHECK_EQ(report_write_json(f, r), 0);
	fclose(f);
	j = json_tokener_parse(js);
	if (CHECK(j) && CHECK(json_object_object_get_ex(j, "locks", &o)) &&
	    CHECK(json_object_object_get_ex(o, "user", &o))) {
		json_object *sym;

		o = json_object_array_get_idx(o, 0);
		if (CHECK(o && json_object_object_get_ex(o, "symbol", &sym)))
			CHECK_STR(json_object_get_string(sym)
					  ? json_object_get_string(sym)
					  : "null",
				  "symbols_test_lock");
	}
out:
	json_object_put(j);
	free(text);
	free(js);
	analysis_free(a);
	run_report_free(r);
	free(maps);
	if (shared != MAP_FAILED)
		munmap(shared, 4096);
}

/* Whether analysing a trace whose maps name path (and a link to it, as
 * a library would be) opens it: a futex wait inside each mapping asks for
 * a name there. An inotify watch sees every open, even a non-blocking
 * one that returns at once. false, with a failed check, when the test
 * cannot be set up. */
static bool analysis_opens(const char *path)
{
	struct lab_trace_info info = {.version = LAB_TRACE_VERSION,
				      .cpu_count = 2,
				      .start_ns = T0,
				      .start_realtime_ns = now_realtime_ns()};
	char link[PATH_MAX + 16], buf[4096];
	struct lab_map m[2];
	struct lab_event e[16];
	struct analysis *a;
	struct run_report *r;
	size_t n = 0;
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	bool opened;

	snprintf(link, sizeof(link), "%s.so", path);
	if (!CHECK(fd >= 0) ||
	    !CHECK(inotify_add_watch(fd, path, IN_OPEN) >= 0) ||
	    !CHECK_EQ(symlink(path, link), 0)) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	m[0] = map_of(0x10000, 0x11000, LAB_MAP_READ, path);
	m[1] = map_of(0x20000, 0x21000, LAB_MAP_READ | LAB_MAP_EXEC, link);
	e[n++] = ev(T0, LAB_EV_SWITCH, 0, 0, PID, PID, 0, 0);
	n += futex_wait(&e[n], T0 + 1000, PID, PID, 0x10040, FUTEX_PRIV);
	n += futex_wait(&e[n], T0 + 20000, PID, PID, 0x20040, FUTEX_PRIV);
	snprintf(info.machine, sizeof(info.machine), "x86_64");
	a = analysis_new(&info);
	if (CHECK(a)) {
		CHECK_EQ(analysis_add_maps(a, m, 2), 0);
		CHECK_EQ(analysis_add_events(a, e, n), 0);
		r = analysis_finish(a);
		if (CHECK(r) && CHECK_EQ(r->nuser_locks, 2)) {
			CHECK_STR(r->user_locks[0].symbol, "");
			CHECK_STR(r->user_locks[1].symbol, "");
		}
		run_report_free(r);
	}
	opened = read(fd, buf, sizeof(buf)) > 0;
	close(fd);
	return opened;
}

/* A FIFO the maps name is never opened: a writer waiting for a reader
 * would be let go, a reader would wait. */
TEST(symbols_analysis_never_opens_a_fifo)
{
	char fifo[PATH_MAX + 8], dir[PATH_MAX];

	/* maps hold absolute paths */
	if (!CHECK(realpath(test_tmpdir(), dir)))
		return;
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	if (!CHECK_EQ(mkfifo(fifo, 0600), 0))
		return;
	CHECK_MSG(!analysis_opens(fifo), "the analysis opened %s", fifo);
}

/* Nor a device: opening one may act on it. */
TEST(symbols_analysis_never_opens_a_device)
{
	char dev[PATH_MAX + 8], dir[PATH_MAX];

	if (!CHECK(realpath(test_tmpdir(), dir)))
		return;
	snprintf(dev, sizeof(dev), "%s/zero", dir);
	if (mknod(dev, S_IFCHR | 0600, makedev(1, 5)))
		SKIP("cannot make a device node here (not root, or nodev)");
	CHECK_MSG(!analysis_opens(dev), "the analysis opened %s", dev);
}

/* ---- end to end ---- */

/* The symbol of the user lock waited on most often in a report, or "".
 * (Most often, not longest: a pthread_join waits once, for the whole
 * run, on a word in the joined thread's stack.) */
static void busiest_user_lock(const char *json, char *out, size_t len)
{
	json_object *j = json_object_from_file(json), *o, *l, *v;
	uint64_t most = 0;

	out[0] = '\0';
	if (!j || !json_object_object_get_ex(j, "locks", &o) ||
	    !json_object_object_get_ex(o, "user", &o)) {
		json_object_put(j);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(o); i++) {
		l = json_object_array_get_idx(o, i);
		if (!json_object_object_get_ex(l, "count", &v) ||
		    json_object_get_uint64(v) <= most)
			continue;
		most = json_object_get_uint64(v);
		json_object_object_get_ex(l, "symbol", &v);
		snprintf(out, len, "%s",
			 json_object_get_string(v) ? json_object_get_string(v)
						   : "null");
	}
	json_object_put(j);
}

static char run_out[1 << 16]; /* what `lab` printed */

/* Run a workload under the probes; its busiest user lock's name in got. */
static bool traced_busiest_lock(const char *dir, const char *workload,
				const char *ops, char *got, size_t len)
{
	const char *argv[] = {test_lab_path(),	    "run", "-o", dir, workload,
			      ops ? "--ops" : NULL, ops,   NULL};
	char json[600];
	int code = test_run(argv, run_out, sizeof(run_out), false);

	if (!CHECK_MSG(code == 0, "lab run %s exited %d:\n%s", workload, code,
		       run_out))
		return false;
	snprintf(json, sizeof(json), "%s/%s.json", dir, workload);
	busiest_user_lock(json, got, len);
	return true;
}

/* The workload's lock, named in the report `lab run` writes: the lock
 * scenario's counter_lock, else the gil scenario's gil. */
TEST(symbols_lab_run_names_the_workloads_lock)
{
	const char *argv[] = {test_lab_path(), "list", NULL};
	static char list[1 << 16];
	const char *why, *dir;
	char got[256];

	if (!test_can_trace(&why))
		SKIP(why);
	if (!CHECK_EQ(test_run(argv, list, sizeof(list), false), 0))
		return;
	dir = test_tmpdir();
	if (strstr(list, "lock-threads")) {
		if (traced_busiest_lock(dir, "lock-threads", NULL, got,
					sizeof(got)))
			CHECK_STR(got, "counter_lock");
	} else if (traced_busiest_lock(dir, "gil-threads", "20000000", got,
				       sizeof(got))) {
		CHECK_STR(got, "gil");
	}
	/* processes share their mutex in a MAP_SHARED mapping */
	if (strstr(list, "lock-processes") &&
	    traced_busiest_lock(dir, "lock-processes", NULL, got, sizeof(got)))
		CHECK_MSG(strncmp(got, "shared memory", 13) == 0,
			  "lock-processes' busiest lock named \"%s\"", got);
}
