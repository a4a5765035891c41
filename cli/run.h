/* run.h - lab run, after its options are parsed. */
#ifndef LAB_RUN_H
#define LAB_RUN_H

#include <stdbool.h>
#include <stdio.h>
#include "cli/family.h"
#include "cli/run_args.h"

/* A workload, or a scenario's family, once or --repeat times, the
 * models interleaved; traced, reported, compared. An exit code. */
int run_workloads(const char *name, const struct run_args *a);
/* Any command, traced and reported; with --repeat its runs compared.
 * An exit code. */
int run_command(char **cmd, const struct run_args *a);
/* What lab run would do, from the options as parsed; nothing is
 * created, loaded or started. An exit code. */
int run_dry(const char *name, char *const *cmd, const struct run_args *a);

/* One program to trace: into DIR/FILE.lab (.json, .html), under the
 * name its trace records. */
struct run_target {
	const char *file;     /* the files' name, without extension */
	const char *workload; /* the name the trace records */
	const char *cmdline;  /* the command line it records; NULL: argv's */
	char *const *argv;    /* what runs */
	const char *check;    /* the program to find first; NULL: argv[0] */
	bool markers;	      /* attach the workloads' USDT markers */
	const char *params;   /* the parameters the trace records */
};

/* Traces t once (run i of a repeated run goes to FILE-i), reports it,
 * prints its summary to print when set and lines it up in fam. An exit
 * code. */
int run_trace(const struct run_target *t, const char *dir,
	      const struct run_args *a, unsigned int run, FILE *print,
	      struct family *fam);

/* Without --repeat, runs whose first round took at most a third of
 * this run three rounds, at most half, two: one run's order is called
 * only beyond a wide margin (compare.h), and cheap runs can measure
 * their spread instead. */
#define AUTO_REPEAT_BUDGET_S 10.0
#define AUTO_REPEAT_MAX	     3u
/* The rounds in all, the first having taken took_s. */
unsigned int run_auto_rounds(double took_s);
double run_now_s(void);
/* The lab binary's path, for re-executing it. 0, or -1. */
int run_self_path(char *buf, size_t size);
/* One progress line on a terminal, overwritten run after run; name
 * NULL clears it. */
void run_progress(unsigned int run, unsigned int runs, const char *name);

#endif /* LAB_RUN_H */
