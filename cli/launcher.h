/* launcher.h - a traced command that was only a launcher: a shell
 * script (a version manager's shim) that ran shells before it exec'd
 * the program that did the work. */
#ifndef LAB_LAUNCHER_H
#define LAB_LAUNCHER_H

#include <stdio.h>

struct run_report;

/* When the run of trace (analysed into r) went through a chain of
 * shells to its program, says so on f in one line: how many shell
 * processes, which program finally ran, and its path to trace instead.
 * Says nothing otherwise. */
void launcher_warn(FILE *f, const char *trace, const struct run_report *r);

#endif /* LAB_LAUNCHER_H */
