/* symbols.h - names for addresses. A user address is named through the
 * traced processes' memory maps (the trace's MAPS chunks) and the ELF
 * symbol tables of the files mapped there; a kernel address through
 * kallsyms, when the kernel that recorded the trace is the one running.
 *
 *	s = symbols_new(info.start_realtime_ns);
 *	symbols_add_maps(s, maps, n);        each MAPS chunk, in file order
 *	symbols_add_fork(s, child, parent);  processes forked in the trace
 *	symbols_add_exec(s, pid);            processes that ran a new program
 *	if (symbols_kernel_is_running(&info))
 *		symbols_use_kallsyms(s, "/proc/kallsyms");
 *	symbols_user(s, pid, addr, buf, len);
 *	symbols_kernel(s, addr, buf, len);
 *	symbols_free(s);
 *
 * The names, by where the address lies:
 *	counter_lock             a symbol of a mapped ELF file covers it
 *	gil+0x8                  8 bytes into that symbol
 *	libc.so.6+0x1d4a80       in a file, no symbol covers it: the file's
 *	                         virtual address (as readelf and nm show it)
 *	[heap]+0x2a0             offset into the heap; the same for [stack]
 *	                         (the main thread's) and other named regions
 *	anon 0x7f3c2a000000+0x40 anonymous memory: the mapping and the offset
 *	shared memory 0x7f3c2b000000+0x40
 *	                         the same for MAP_SHARED anonymous memory,
 *	                         SysV, memfd, /dev/shm
 * An offset of 0 is left out. Files are opened by the paths the maps
 * give, so only on the machine that recorded the trace, and only while
 * they are unchanged since, are the names right. Those paths come from
 * the trace: only regular files are opened, their type checked before
 * the open (a FIFO or a device named there is never opened), with the
 * permissions of the user the analysis runs as.
 */
#ifndef LAB_SYMBOLS_H
#define LAB_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "probes/trace_format.h"

struct symbols;

/* recorded_ns: CLOCK_REALTIME when the maps were taken (the trace's
 * start_realtime_ns); a file modified after it is not the one that was
 * mapped and names nothing. 0: no such check. NULL when out of memory. */
struct symbols *symbols_new(uint64_t recorded_ns);
void symbols_free(struct symbols *s);

/* Each returns 0, or -1 when out of memory. */
int symbols_add_maps(struct symbols *s, const struct lab_map *maps, size_t n);
/* child was forked by parent without exec: until it runs a program of
 * its own, its addresses mean what they meant in parent. The first
 * parent given for a pid is kept. */
int symbols_add_fork(struct symbols *s, uint32_t child, uint32_t parent);
/* pid ran a new program: its parent's maps no longer describe it. */
int symbols_add_exec(struct symbols *s, uint32_t pid);

/* true when the trace was recorded by the running kernel during this
 * boot (same release, same boot time): only then do kallsyms addresses
 * describe the trace's kernel addresses (KASLR moves them every boot). */
bool symbols_kernel_is_running(const struct lab_trace_info *info);
/* Names kernel addresses from a kallsyms file (read at the first
 * kernel lookup). Returns 0, or -1 when out of memory. */
int symbols_use_kallsyms(struct symbols *s, const char *path);

/* The name of addr in process pid (its maps, else its ancestors'):
 * written to buf (truncated to len) and returns buf, or NULL when no
 * mapping holding it is known or its file cannot be read. */
const char *symbols_user(struct symbols *s, uint32_t pid, uint64_t addr,
			 char *buf, size_t len);
/* The kernel data symbol at or nearest below addr, "name+0xOFF", into
 * buf; NULL without kallsyms, when kallsyms shows no addresses (read
 * without privilege), or when the nearest symbol below is not a data
 * symbol (locks live in data; a text symbol or a section marker would
 * name the wrong thing). NULL for a kernel lock id (klock_is_id in
 * locks.h), which is no address: it is never looked up. */
const char *symbols_kernel(struct symbols *s, uint64_t addr, char *buf,
			   size_t len);

#endif /* LAB_SYMBOLS_H */
