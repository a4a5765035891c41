/* run.h - lab run, after its options are parsed. */
#ifndef LAB_RUN_H
#define LAB_RUN_H

#include "cli/run_args.h"

/* A workload, or a scenario's family, once or --repeat times, the
 * models interleaved; traced, reported, compared. An exit code. */
int run_workloads(const char *name, const struct run_args *a);
/* Any command, traced and reported. An exit code. */
int run_command(char **cmd, const struct run_args *a);
/* What lab run would do, from the options as parsed; nothing is
 * created, loaded or started. An exit code. */
int run_dry(const char *name, char *const *cmd, const struct run_args *a);

#endif /* LAB_RUN_H */
