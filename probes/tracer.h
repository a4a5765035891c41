/* tracer.h - runs a command under the kernel probes and records its trace.
 *
 * The command is started held (blocked on a pipe) in its own process
 * group, its pid is seeded into the probes' filter, every probe is
 * attached, and only then is it released, so nothing of it is missed.
 * tracer_run (tracer.c) is the sequence of steps; the command's side,
 * tracer_stop_signals and tracer_find_command included, is supervise.c,
 * the probes' (and tracer_probe_check) bpf_session.c.
 */
#ifndef LAB_TRACER_H
#define LAB_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <sys/types.h>
#include "probes/identity.h"
#include "probes/trace_format.h"

struct tracer_opts {
	char *const *argv; /* the command; argv[0] is searched in PATH */
	int trace_fd;	   /* an empty file the trace is written into */
	int hangup_fd;	   /* ends the run like SIGHUP when readable; or -1 */
	const char *marker_path; /* binary whose "lab" USDT markers to attach,
				    or NULL */
	struct lab_trace_info
		info; /* workload, params, cmdline filled by the caller */
	int verbose;  /* libbpf's own messages */
	/* under sudo, the user the command runs as, and kernel addresses
	 * are hidden from their trace; NULL: as lab itself */
	const struct identity *run_as;
	double timeout_s;  /* 0: none */
	unsigned ring_kib; /* ring buffer size, a power of two; 0: default */
	/* time the creator inside fork/clone: attaches the syscall
	 * tracepoints, which slow every syscall of the machine */
	bool creation_calls;
	/* count futex waits that returned EAGAIN (the syscall tracepoints) */
	bool futex_retries;
};

struct tracer_result {
	int exit_status; /* waitpid status of the command */
	int interrupted; /* signal number that stopped the run, or 0 */
	int timed_out;	 /* the timeout killed the command */
	/* -errno when the trace could not take all of the run (a full
	 * disk): recording stopped there and the command was killed */
	int write_error;
	struct lab_run_summary summary;
};

/* Returns 0 when the command ran and its trace was written (whatever the
 * command's own exit status; with res->write_error, as much of it as
 * the disk took), or -1 with one line in err. */
int tracer_run(const struct tracer_opts *o, struct tracer_result *res,
	       char *err, size_t errlen);

/* The signals that end a run (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
 * SIGUSR2, SIGALRM: every one whose default would kill lab without its
 * cleanup). lab keeps them blocked while it writes reports, so a second
 * Ctrl-C cannot cut a report in half; the traced command gets them
 * unblocked. */
void tracer_stop_signals(sigset_t *set);

/* The command exists and may be executed by the caller: 0, or -1 with
 * one line in err. */
int tracer_find_command(const char *cmd, char *err, size_t errlen);

/* Loads the probes without attaching them: 0, or -1 with the reason. */
int tracer_probe_check(char *err, size_t errlen);

#endif /* LAB_TRACER_H */
