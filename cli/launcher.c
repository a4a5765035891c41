/* launcher.c - a traced command that was only a launcher (launcher.h).
 *
 * A version manager's shim for python3 is a shell script that runs
 * dozens of short shell processes (and readlink, basename) to find the
 * interpreter, then execs it in the root process: the trace holds them
 * all, and a comparison counts them as the program's. The root's last
 * program is the one that did the work; its path is in the trace's
 * memory maps, taken at each of its execs. */
#include <stdbool.h>
#include <string.h>
#include "analyzer/report.h"
#include "analyzer/safe_text.h"
#include "analyzer/trace_reader.h"
#include "cli/launcher.h"

/* Shells run as separate processes by a launcher script. */
#define SHELLS_MIN 3

static bool shell(const char *comm)
{
	static const char *const shells[] = {"sh",  "bash", "dash", "zsh",
					     "ksh", "mksh", "fish", NULL};

	for (const char *const *s = shells; *s; s++)
		if (!strcmp(*s, comm))
			return true;
	return false;
}

/* The file of pid's last program: the lowest mapping of its last maps
 * snapshot, which is the executable's. "" when the trace has none. */
static void program_of(const char *trace, uint32_t pid, char *out, size_t len)
{
	struct trace_reader *r;
	struct trace_chunk ch;
	char err[256];

	out[0] = '\0';
	if (trace_reader_open_file(&r, trace, err, sizeof(err)))
		return;
	while (trace_reader_next(r, &ch, err, sizeof(err)) == 1) {
		const struct lab_map *maps = ch.data;
		const struct lab_map *low = NULL;

		if (ch.type != LAB_CHUNK_MAPS)
			continue;
		for (size_t i = 0; i < ch.count; i++)
			if (maps[i].pid == pid && maps[i].path[0] == '/' &&
			    (!low || maps[i].start < low->start))
				low = &maps[i];
		if (low)
			safe_text(out, len, low->path, 1);
	}
	trace_reader_free(r);
}

void launcher_warn(FILE *f, const char *trace, const struct run_report *r)
{
	const struct process_report *root;
	size_t shells = 0;
	char path[LAB_MAP_PATH_LEN], comm[LAB_COMM_LEN], name[64];

	if (!r->nprocesses)
		return;
	root = &r->processes[0];
	for (size_t i = 0; i < r->nprocesses; i++)
		shells += shell(r->processes[i].comm);
	if (shells < SHELLS_MIN || shell(root->comm))
		return;
	program_of(trace, root->pid, path, sizeof(path));
	safe_text(comm, sizeof(comm), root->comm, 1);
	safe_text(name, sizeof(name), r->info.workload, 1);
	if (path[0])
		fprintf(f,
			"lab: %s ran as a launcher: %zu of the trace's %zu "
			"processes were shells before %s (%s) did the work; "
			"trace that program itself to leave them out (lab run "
			"-- %s ...)\n",
			name, shells, r->nprocesses, comm, path, path);
	else
		fprintf(f,
			"lab: %s ran as a launcher: %zu of the trace's %zu "
			"processes were shells before %s did the work; trace "
			"that program itself to leave them out\n",
			name, shells, r->nprocesses, comm);
}
