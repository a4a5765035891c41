/* maps_snapshot.c - a traced process's memory maps, into its trace. */
#include <stdio.h>
#include <string.h>
#include "maps_snapshot.h"

static void parse_map_line(const char *line, pid_t pid, struct lab_map *m)
{
	char perms[8] = "";
	int n = 0;
	unsigned long long start, end, off;

	memset(m, 0, sizeof(*m));
	if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms,
		   &off, &n) < 4)
		return;
	m->start = start;
	m->end = end;
	m->offset = off;
	m->pid = pid;
	m->prot = (perms[0] == 'r' ? LAB_MAP_READ : 0) |
		  (perms[1] == 'w' ? LAB_MAP_WRITE : 0) |
		  (perms[2] == 'x' ? LAB_MAP_EXEC : 0) |
		  (perms[3] == 's' ? LAB_MAP_SHARED : 0);
	/* the path, cut to fit */
	if (n > 0)
		snprintf(m->path, sizeof(m->path), "%s", line + n);
	m->path[strcspn(m->path, "\n")] = 0;
}

int maps_snapshot(struct trace_writer *w, pid_t pid)
{
	char path[64], line[512];
	struct lab_map batch[64];
	size_t n = 0;
	int r = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (r == 0 && fgets(line, sizeof(line), f)) {
		parse_map_line(line, pid, &batch[n]);
		if (batch[n].end > batch[n].start)
			n++;
		if (n == sizeof(batch) / sizeof(batch[0])) {
			r = trace_writer_add_maps(w, batch, n);
			n = 0;
		}
	}
	fclose(f);
	return r ? r : trace_writer_add_maps(w, batch, n);
}
