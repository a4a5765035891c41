/* say.h - lab's exit codes and its one-line messages. */
#ifndef LAB_SAY_H
#define LAB_SAY_H

/* exit codes, as `lab help` documents them */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,	    /* lab itself could not do what was asked */
	EXIT_USAGE = 2,	    /* bad command line */
	EXIT_WORKLOAD = 3,  /* the traced program failed or was killed */
	EXIT_TIMEOUT = 124, /* --timeout ended it, as timeout(1) says */
	EXIT_SIGNAL = 128,  /* + signal number: interrupted */
};

/* One line to stderr, "lab: ...". Its strings may come from a command
 * line, a traced program or a trace: nothing in them steers the
 * terminal. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Every failure is one line: "lab: what failed: why (what to do)".
 * Returns code. */
int die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* LAB_SAY_H */
