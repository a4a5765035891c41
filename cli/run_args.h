/* run_args.h - the options of `lab run` and `lab workload`. */
#ifndef LAB_RUN_ARGS_H
#define LAB_RUN_ARGS_H

#include <stdbool.h>
#include "workloads/workload.h"

/* The workload options, passed on verbatim to `lab workload`; given
 * again, the last one wins. */
enum { GIVEN_TASKS, GIVEN_OPS, GIVEN_DURATION, GIVEN_CPU, GIVEN_HOLD, NGIVEN };
extern const char *const run_args_given_option[NGIVEN];

#define RUN_ARGS_MAX_COMMANDS 16

struct run_args {
	const char *outdir;
	struct workload_params params;
	const char *given[NGIVEN]; /* the values, NULL when not given */
	int verbose;
	bool help;	       /* -h: print the command's help, nothing else */
	double timeout_s;      /* lab run: kill the run after this long */
	unsigned int repeat;   /* lab run: runs of each workload; 0 = once */
	unsigned int ring_kib; /* lab run: event buffer size; 0 = default */
	bool dry_run;	       /* lab run: say what would run, run nothing */
	bool creation_calls;   /* lab run: time the creator in fork/clone */
	bool futex_retries; /* lab run: count futex waits that did not sleep */
	/* lab compare: the commands in order, each named by the -n before
	 * it (NULL: by its text) */
	const char *commands[RUN_ARGS_MAX_COMMANDS];
	const char *names[RUN_ARGS_MAX_COMMANDS];
	unsigned int ncommands;
};

/* Parses the options of cmd ("run", "workload", "compare") in argv up to argc
 * into a (zeroed by the caller); returns the index of the first operand, or
 * -exit code after one line saying what is wrong. */
int run_args_parse(const char *cmd, int argc, char **argv, struct run_args *a);
/* Some workload option was given. */
bool run_args_any_given(const struct run_args *a);

#endif /* LAB_RUN_ARGS_H */
