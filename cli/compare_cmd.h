/* compare_cmd.h - lab compare: commands traced side by side, each as
 * lab run -- CMD traces it, interleaved over the repeats, and compared
 * as a family's models are. */
#ifndef LAB_COMPARE_CMD_H
#define LAB_COMPARE_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include "cli/run_args.h"

/* One command: its name (the comparison's column), the stem of its
 * files, and what runs: argv, or text for the shell (compare_cmd_argv
 * makes argv from it). */
struct compare_cmd {
	const char *name;
	const char *file;
	char *const *argv;
	const char *text;
};

/* lab compare, its options parsed into a (commands and names in
 * a->commands, a->names); with check_only, only the commands and names
 * checked, before any probe is loaded. An exit code. */
int compare_cmd_run(const struct run_args *a, bool check_only);
/* Traces cmds (n of them) into dir, interleaved, --repeat times or as
 * many as run_auto_rounds allows, and compares them when there is more
 * than one run; cmd names the lab command for messages. An exit code. */
int compare_commands(const char *cmd, const struct compare_cmd *cmds, size_t n,
		     const char *dir, const struct run_args *a);

#endif /* LAB_COMPARE_CMD_H */
