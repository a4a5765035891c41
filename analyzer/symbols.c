/* symbols.c - names for addresses: memory maps, ELF symbol tables,
 * kallsyms. */
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "analyzer/array.h"
#include "analyzer/locks.h"
#include "analyzer/symbols.h"

/* ancestors walked from a process; a damaged trace may make a loop */
#define MAX_ANCESTORS 64
/* how far the boot time computed from the trace's two clocks may be
 * from the running system's: clock steps (NTP at boot) move it a little,
 * another boot moves it by at least that boot's uptime */
#define BOOT_SLACK_NS (5 * 1000000000ULL)
#define NO_NAME	      UINT32_MAX

/* One snapshot of a process's maps: ascending, disjoint. */
struct snapshot {
	uint32_t pid;
	size_t first, n; /* into maps */
};

struct origin {
	uint32_t pid;
	uint32_t parent; /* 0: not known */
	bool exec;	 /* ran a program of its own */
};

/* a string pool: names are offsets into it, so it may move as it grows */
struct pool {
	char *p;
	size_t n, cap;
};

struct elf_sym {
	uint64_t value, size;
	uint64_t reach; /* the largest value + size up to this one */
	uint32_t name;	/* into the file's pool */
	uint8_t rank;	/* global before weak before local */
};

/* a PT_LOAD segment */
struct elf_seg {
	uint64_t offset, filesz, memsz, vaddr;
};

struct elf_file {
	char *path;
	bool usable; /* read, an executable or shared object */
	struct elf_seg *segs;
	size_t nsegs;
	struct elf_sym *syms; /* by value */
	size_t nsyms;
	struct pool names;
};

struct ksym {
	uint64_t addr;
	uint32_t name; /* into knames; NO_NAME: not a data symbol */
	uint32_t line; /* order in the file, for equal addresses */
};

struct symbols {
	uint64_t recorded_ns;
	struct lab_map *maps;
	size_t nmaps, capmaps;
	struct snapshot *snaps; /* in file order: later ones last */
	size_t nsnaps, capsnaps;
	struct origin *origins;
	size_t norigins, caporigins;
	struct elf_file *files; /* opened so far, usable or not */
	size_t nfiles, capfiles;
	char *kallsyms; /* the file to read at the first kernel lookup */
	bool kloaded;
	struct ksym *ksyms; /* by address */
	size_t nksyms, capksyms;
	struct pool knames;
};

/* The offset of a copy of s in the pool, or NO_NAME when out of memory. */
static uint32_t pool_add(struct pool *pl, const char *s)
{
	size_t len = strlen(s) + 1, at = pl->n;

	if (at + len >= NO_NAME || ARRAY_GROW(pl->p, pl->cap, at + len))
		return NO_NAME;
	memcpy(pl->p + at, s, len);
	pl->n += len;
	return (uint32_t)at;
}

/* "base" or "base+0xOFF" into buf; returns buf. */
static const char *fmt_name(char *buf, size_t len, const char *base,
			    uint64_t off)
{
	if (off)
		snprintf(buf, len, "%s+0x%" PRIx64, base, off);
	else
		snprintf(buf, len, "%s", base);
	return buf;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

struct symbols *symbols_new(uint64_t recorded_ns)
{
	struct symbols *s = calloc(1, sizeof(*s));

	if (s)
		s->recorded_ns = recorded_ns;
	return s;
}

static void elf_file_free(struct elf_file *f)
{
	free(f->path);
	free(f->segs);
	free(f->syms);
	free(f->names.p);
}

void symbols_free(struct symbols *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nfiles; i++)
		elf_file_free(&s->files[i]);
	free(s->files);
	free(s->maps);
	free(s->snaps);
	free(s->origins);
	free(s->kallsyms);
	free(s->ksyms);
	free(s->knames.p);
	free(s);
}

/* ---- maps and processes ---- */

int symbols_add_maps(struct symbols *s, const struct lab_map *maps, size_t n)
{
	if (ARRAY_GROW(s->maps, s->capmaps, s->nmaps + n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct lab_map *m = &maps[i];
		struct snapshot *last =
			s->nsnaps ? &s->snaps[s->nsnaps - 1] : NULL;

		if (m->end <= m->start)
			continue;
		/* a snapshot lists a process's mappings in ascending order;
		 * another process, or a step back, begins the next one */
		if (!last || last->pid != m->pid ||
		    s->maps[s->nmaps - 1].end > m->start) {
			if (ARRAY_GROW(s->snaps, s->capsnaps, s->nsnaps + 1))
				return -1;
			last = &s->snaps[s->nsnaps++];
			*last = (struct snapshot){m->pid, s->nmaps, 0};
		}
		s->maps[s->nmaps] = *m;
		s->maps[s->nmaps++].path[LAB_MAP_PATH_LEN - 1] = '\0';
		last->n++;
	}
	return 0;
}

static struct origin *origin_of(struct symbols *s, uint32_t pid)
{
	for (size_t i = 0; i < s->norigins; i++)
		if (s->origins[i].pid == pid)
			return &s->origins[i];
	return NULL;
}

/* The origin of pid, created empty if new; NULL when out of memory. */
static struct origin *origin_new(struct symbols *s, uint32_t pid)
{
	struct origin *o = origin_of(s, pid);

	if (o)
		return o;
	if (ARRAY_GROW(s->origins, s->caporigins, s->norigins + 1))
		return NULL;
	o = &s->origins[s->norigins++];
	*o = (struct origin){.pid = pid};
	return o;
}

int symbols_add_fork(struct symbols *s, uint32_t child, uint32_t parent)
{
	struct origin *o;

	if (!child || !parent || child == parent)
		return 0;
	o = origin_new(s, child);
	if (!o)
		return -1;
	if (!o->parent)
		o->parent = parent;
	return 0;
}

int symbols_add_exec(struct symbols *s, uint32_t pid)
{
	struct origin *o = pid ? origin_new(s, pid) : NULL;

	if (pid && !o)
		return -1;
	if (o)
		o->exec = true;
	return 0;
}

/* The mapping of pid that holds addr in the latest snapshot that has
 * one, and the mapping just below it in that snapshot (or NULL). */
static const struct lab_map *find_map(const struct symbols *s, uint32_t pid,
				      uint64_t addr,
				      const struct lab_map **below)
{
	for (size_t i = s->nsnaps; i-- > 0;) {
		const struct snapshot *sn = &s->snaps[i];
		const struct lab_map *m = s->maps + sn->first;
		size_t lo = 0, hi = sn->n;

		if (sn->pid != pid)
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (m[mid].end <= addr)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < sn->n && m[lo].start <= addr) {
			*below = lo ? &m[lo - 1] : NULL;
			return &m[lo];
		}
	}
	return NULL;
}

/* ---- ELF files ---- */

static int by_value(const void *x, const void *y)
{
	const struct elf_sym *a = x, *b = y;

	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	return (a->name > b->name) - (a->name < b->name);
}

static uint8_t binding_rank(unsigned char info)
{
	switch (GELF_ST_BIND(info)) {
	case STB_GLOBAL:
		return 0;
	case STB_WEAK:
		return 1;
	}
	return 2;
}

/* The data and function symbols of .symtab, else of .dynsym (a
 * stripped library keeps only its exported ones). 0, or -1 when out of
 * memory. */
static int read_symbols(struct elf_file *f, Elf *e)
{
	Elf_Scn *scn = NULL, *tab = NULL;
	GElf_Shdr sh, tabsh = {0};
	Elf_Data *d;
	size_t entsize, n;

	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB ||
		    (sh.sh_type == SHT_DYNSYM && !tab)) {
			tab = scn;
			tabsh = sh;
		}
	}
	entsize = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT);
	if (!tab || !entsize || !(d = elf_getdata(tab, NULL)))
		return 0;
	n = d->d_size / entsize;
	f->syms = malloc((n + 1) * sizeof(*f->syms));
	if (!f->syms)
		return -1;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym y;
		const char *name;
		int type;

		if (!gelf_getsym(d, (int)i, &y))
			continue;
		type = GELF_ST_TYPE(y.st_info);
		if ((type != STT_OBJECT && type != STT_FUNC) || !y.st_size ||
		    y.st_shndx == SHN_UNDEF || y.st_shndx == SHN_ABS)
			continue;
		name = elf_strptr(e, tabsh.sh_link, y.st_name);
		if (!name || !name[0])
			continue;
		f->syms[f->nsyms] = (struct elf_sym){
			.value = y.st_value,
			.size = y.st_size,
			.name = pool_add(&f->names, name),
			.rank = binding_rank(y.st_info),
		};
		if (f->syms[f->nsyms].name == NO_NAME)
			return -1;
		f->nsyms++;
	}
	return 0;
}

static uint64_t mtime_ns(const struct stat *st)
{
	if (st->st_mtim.tv_sec < 0)
		return 0;
	return (uint64_t)st->st_mtim.tv_sec * 1000000000ULL +
	       (uint64_t)st->st_mtim.tv_nsec;
}

/* path opened for reading, if it is a regular file (its status in st);
 * else -1. The path comes from the trace: opening a FIFO releases a
 * writer waiting for a reader (or waits for one), opening a device may
 * act on it, so the type is checked before the open, and the file
 * opened must be the one checked (the path may change in between).
 * Opened as the user the analysis runs as, links followed. */
static int open_regular(const char *path, struct stat *st)
{
	struct stat before;
	int fd;

	if (stat(path, &before) || !S_ISREG(before.st_mode))
		return -1;
	/* in case it changed to a FIFO or a terminal meanwhile: never
	 * wait, never take a controlling terminal */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) || !S_ISREG(st->st_mode) ||
	    st->st_dev != before.st_dev || st->st_ino != before.st_ino) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads path's load segments and symbols into f. A file that cannot be
 * read, is no regular file, no executable or shared object, or was
 * modified after the maps were taken leaves f unusable. 0, or -1 when
 * out of memory. */
static int elf_load(struct elf_file *f, const char *path, uint64_t recorded_ns)
{
	struct stat st;
	GElf_Ehdr eh;
	size_t nph;
	Elf *e = NULL;
	int fd = open_regular(path, &st), err = 0;

	if (fd < 0)
		return 0;
	if ((recorded_ns && mtime_ns(&st) > recorded_ns) ||
	    elf_version(EV_CURRENT) == EV_NONE)
		goto out;
	/* read, not mmap: a file truncated meanwhile must not raise SIGBUS */
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) ||
	    elf_getphdrnum(e, &nph))
		goto out;
	f->segs = malloc((nph + 1) * sizeof(*f->segs));
	if (!f->segs) {
		err = -1;
		goto out;
	}
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD)
			f->segs[f->nsegs++] =
				(struct elf_seg){ph.p_offset, ph.p_filesz,
						 ph.p_memsz, ph.p_vaddr};
	}
	if (read_symbols(f, e)) {
		err = -1;
		goto out;
	}
	qsort(f->syms, f->nsyms, sizeof(*f->syms), by_value);
	for (size_t i = 0; i < f->nsyms; i++) {
		struct elf_sym *y = &f->syms[i];
		/* saturated: a damaged size must not wrap around */
		uint64_t end = y->value + y->size < y->value
				       ? UINT64_MAX
				       : y->value + y->size;

		y->reach = i && f->syms[i - 1].reach > end
				   ? f->syms[i - 1].reach
				   : end;
	}
	f->usable = f->nsegs > 0;
out:
	if (e)
		elf_end(e);
	close(fd);
	return err;
}

/* The file at path, read once; NULL when it cannot be used. */
static const struct elf_file *elf_get(struct symbols *s, const char *path)
{
	struct elf_file *f;

	for (size_t i = 0; i < s->nfiles; i++)
		if (strcmp(s->files[i].path, path) == 0)
			return s->files[i].usable ? &s->files[i] : NULL;
	if (ARRAY_GROW(s->files, s->capfiles, s->nfiles + 1))
		return NULL;
	f = &s->files[s->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	if (!f->path)
		return NULL;
	s->nfiles++;
	/* out of memory: the file names nothing, and is not tried again */
	if (elf_load(f, path, s->recorded_ns)) {
		free(f->segs);
		free(f->syms);
		free(f->names.p);
		memset(f, 0, sizeof(*f));
		f->path = strdup(path);
		if (!f->path)
			s->nfiles--;
	}
	return f->usable ? f : NULL;
}

/* The segment holding file offset foff: in its file bytes, else in the
 * zero-filled rest (.bss) of the last segment starting below it. */
static const struct elf_seg *segment_of(const struct elf_file *f, uint64_t foff)
{
	const struct elf_seg *bss = NULL;

	for (size_t i = 0; i < f->nsegs; i++) {
		const struct elf_seg *g = &f->segs[i];

		if (foff < g->offset)
			continue;
		if (foff - g->offset < g->filesz)
			return g;
		if (foff - g->offset < g->memsz &&
		    (!bss || g->offset > bss->offset))
			bss = g;
	}
	return bss;
}

/* The innermost symbol covering virtual address v, or NULL. */
static const struct elf_sym *covering(const struct elf_file *f, uint64_t v)
{
	const struct elf_sym *best = NULL;
	size_t lo = 0, hi = f->nsyms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->syms[mid].value <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* below lo every symbol starts at or before v; reach says when
	 * none further down can still cover it */
	for (size_t i = lo; i-- > 0 && f->syms[i].reach > v;) {
		const struct elf_sym *y = &f->syms[i];

		if (v - y->value >= y->size)
			continue;
		if (!best || y->size < best->size ||
		    (y->size == best->size && y->rank < best->rank))
			best = y;
	}
	return best;
}

/* addr named through the file mapping m (addr may lie past m's end, in
 * the anonymous mapping of the file's .bss that follows it). */
static const char *name_in_file(struct symbols *s, const struct lab_map *m,
				uint64_t addr, char *buf, size_t len)
{
	const struct elf_file *f;
	const struct elf_seg *g;
	const struct elf_sym *y;
	const char *base;
	uint64_t foff, v;

	/* a file replaced or removed since: its name is not the mapping's */
	if (m->path[0] != '/' || ends_with(m->path, " (deleted)"))
		return NULL;
	f = elf_get(s, m->path);
	if (!f)
		return NULL;
	foff = addr - m->start + m->offset;
	g = segment_of(f, foff);
	if (!g)
		return NULL;
	/* file offset to virtual address: holds for PIE and libraries
	 * alike, wherever they were loaded */
	v = g->vaddr + (foff - g->offset);
	y = covering(f, v);
	if (y)
		return fmt_name(buf, len, f->names.p + y->name, v - y->value);
	base = strrchr(m->path, '/') + 1;
	return fmt_name(buf, len, base, v);
}

/* MAP_SHARED memory that is no program file: anonymous (the kernel
 * shows it as /dev/zero), SysV, memfd, POSIX shm. */
static bool shared_memory(const struct lab_map *m)
{
	const char *p = m->path;

	return (m->prot & LAB_MAP_SHARED) &&
	       (!p[0] || starts_with(p, "/dev/zero") ||
		starts_with(p, "/SYSV") || starts_with(p, "/memfd:") ||
		starts_with(p, "/dev/shm/") || starts_with(p, "[anon_shmem:"));
}

static const char *name_in_map(struct symbols *s, const struct lab_map *m,
			       const struct lab_map *below, uint64_t addr,
			       char *buf, size_t len)
{
	uint64_t off = addr - m->start;
	char base[48];

	/* memory without a name of its own: which mapping, and where in it
	 * (one process may share several, as a workload's lock and its
	 * results) */
	if (shared_memory(m)) {
		snprintf(base, sizeof(base), "shared memory 0x%" PRIx64,
			 m->start);
		return fmt_name(buf, len, base, off);
	}
	/* [heap], [stack], [vdso], a named anonymous mapping [anon:...]:
	 * the offset tells apart the locks that share one */
	if (m->path[0] == '[')
		return fmt_name(buf, len, m->path, off);
	if (m->path[0])
		return name_in_file(s, m, addr, buf, len);
	/* a program's .bss beyond its last file page is anonymous memory
	 * right after the file's mapping */
	if (below && below->end == m->start && below->path[0] == '/' &&
	    !(below->prot & LAB_MAP_SHARED) &&
	    name_in_file(s, below, addr, buf, len))
		return buf;
	snprintf(base, sizeof(base), "anon 0x%" PRIx64, m->start);
	return fmt_name(buf, len, base, off);
}

const char *symbols_user(struct symbols *s, uint32_t pid, uint64_t addr,
			 char *buf, size_t len)
{
	for (int hop = 0; pid && hop < MAX_ANCESTORS; hop++) {
		const struct lab_map *below = NULL;
		const struct lab_map *m = find_map(s, pid, addr, &below);
		const struct origin *o;

		if (m)
			return name_in_map(s, m, below, addr, buf, len);
		/* a forked child's memory is laid out as its parent's was,
		 * until it runs a program of its own */
		o = origin_of(s, pid);
		if (!o || o->exec)
			return NULL;
		pid = o->parent;
	}
	return NULL;
}

/* ---- the kernel ---- */

bool symbols_kernel_is_running(const struct lab_trace_info *info)
{
	struct utsname u;
	struct timespec rt, mono;
	uint64_t then, now, d;

	if (uname(&u) || strcmp(u.release, info->kernel) != 0 ||
	    !info->start_realtime_ns || clock_gettime(CLOCK_REALTIME, &rt) ||
	    clock_gettime(CLOCK_MONOTONIC, &mono))
		return false;
	/* boot time, as wall clock minus time since boot; unsigned, so a
	 * damaged header wraps instead of overflowing */
	then = info->start_realtime_ns - info->start_ns;
	now = ((uint64_t)rt.tv_sec - (uint64_t)mono.tv_sec) * 1000000000ULL +
	      (uint64_t)rt.tv_nsec - (uint64_t)mono.tv_nsec;
	d = now - then;
	return d <= BOOT_SLACK_NS || -d <= BOOT_SLACK_NS;
}

int symbols_use_kallsyms(struct symbols *s, const char *path)
{
	char *p = strdup(path);

	if (!p)
		return -1;
	free(s->kallsyms);
	free(s->ksyms);
	free(s->knames.p);
	s->kallsyms = p;
	s->kloaded = false;
	s->ksyms = NULL;
	s->nksyms = s->capksyms = 0;
	memset(&s->knames, 0, sizeof(s->knames));
	return 0;
}

/* Section and region boundaries: they share addresses with real
 * symbols, but a lock is never "__start_rodata+0x40". */
static bool kernel_marker(const char *name)
{
	static const char *const marks[] = {
		"_text",	"_stext",      "_etext",     "_sdata",
		"_edata",	"__bss_start", "__bss_stop", "_end",
		"__init_begin", "__init_end",  "_sinittext", "_einittext",
	};

	if (starts_with(name, "__start_") || starts_with(name, "__stop_") ||
	    starts_with(name, "__end_") || starts_with(name, "__per_cpu_"))
		return true;
	for (size_t i = 0; i < sizeof(marks) / sizeof(*marks); i++)
		if (strcmp(name, marks[i]) == 0)
			return true;
	return false;
}

/* by address; at one address a data symbol first, then file order */
static int by_addr(const void *x, const void *y)
{
	const struct ksym *a = x, *b = y;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if ((a->name == NO_NAME) != (b->name == NO_NAME))
		return a->name == NO_NAME ? 1 : -1;
	return (a->line > b->line) - (a->line < b->line);
}

/* Every symbol bounds the one below it; only data symbols (d, b and
 * weak objects) name. Without a single non-zero address (kallsyms read
 * without privilege shows zeros) nothing is kept. */
static void load_kallsyms(struct symbols *s)
{
	FILE *f = fopen(s->kallsyms, "re");
	char *line = NULL;
	size_t cap = 0;
	uint32_t lines = 0;
	bool real = false, oom = false;

	if (!f)
		return;
	while (!oom && getline(&line, &cap, f) > 0) {
		uint64_t addr;
		char type = 0, *name;
		int at = 0;

		if (sscanf(line, "%" SCNx64 " %c %n", &addr, &type, &at) < 2 ||
		    !at)
			continue;
		name = line + at;
		name[strcspn(name, " \t\n")] = '\0'; /* drop "[module]" */
		/* absolute symbols are offsets (per-CPU), not addresses */
		if (!name[0] || type == 'a' || type == 'A')
			continue;
		real |= addr != 0;
		if (ARRAY_GROW(s->ksyms, s->capksyms, s->nksyms + 1)) {
			oom = true;
			break;
		}
		s->ksyms[s->nksyms] = (struct ksym){
			.addr = addr, .name = NO_NAME, .line = lines++};
		if (type && strchr("dDbBvV", type) && !kernel_marker(name)) {
			s->ksyms[s->nksyms].name = pool_add(&s->knames, name);
			oom = s->ksyms[s->nksyms].name == NO_NAME;
		}
		s->nksyms++;
	}
	free(line);
	fclose(f);
	if (oom || !real) {
		free(s->ksyms);
		free(s->knames.p);
		s->ksyms = NULL;
		s->nksyms = s->capksyms = 0;
		memset(&s->knames, 0, sizeof(s->knames));
		return;
	}
	qsort(s->ksyms, s->nksyms, sizeof(*s->ksyms), by_addr);
}

const char *symbols_kernel(struct symbols *s, uint64_t addr, char *buf,
			   size_t len)
{
	size_t lo = 0, hi;
	const struct ksym *k;

	if (klock_is_id(addr))
		return NULL;
	if (s->kallsyms && !s->kloaded) {
		s->kloaded = true;
		load_kallsyms(s);
	}
	hi = s->nksyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	/* the first of the symbols at the nearest address below: a data
	 * symbol if one is there */
	k = &s->ksyms[lo - 1];
	while (k > s->ksyms && k[-1].addr == k->addr)
		k--;
	if (k->name == NO_NAME)
		return NULL;
	return fmt_name(buf, len, s->knames.p + k->name, addr - k->addr);
}
