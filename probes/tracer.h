/* tracer.h - runs a command under the kernel probes and records its trace.
 *
 * The command is started held (blocked on a pipe) in its own process
 * group, its pid is seeded into the probes' filter, every probe is
 * attached, and only then is it released, so nothing of it is missed.
 */
#ifndef LAB_TRACER_H
#define LAB_TRACER_H

#include <stddef.h>
#include <signal.h>
#include <sys/types.h>
#include "trace_format.h"

/* Who the command runs as when lab was started through sudo. */
struct tracer_identity {
	uid_t uid;
	gid_t gid;
	const char *user; /* for the supplementary groups */
};

struct tracer_opts {
	char *const *argv;	 /* the command; argv[0] is searched in PATH */
	const char *trace_path;	 /* where the trace goes */
	const char *marker_path; /* binary whose "lab" USDT markers to attach,
				    or NULL */
	struct lab_trace_info
		info; /* workload, params, cmdline filled by the caller */
	int verbose;  /* libbpf's own messages */
	const struct tracer_identity *run_as; /* NULL: as lab itself */
	double timeout_s;		      /* 0: none */
	unsigned ring_kib; /* ring buffer size, a power of two; 0: default */
	/* time the creator inside fork/clone: attaches the syscall
	 * tracepoints, which slow every syscall of the machine */
	bool creation_calls;
};

struct tracer_result {
	int exit_status; /* waitpid status of the command */
	int interrupted; /* signal number that stopped the run, or 0 */
	int timed_out;	 /* the timeout killed the command */
	struct lab_run_summary summary;
};

/* Returns 0 when the command ran and its trace was written (whatever the
 * command's own exit status), or -1 with one line in err. */
int tracer_run(const struct tracer_opts *o, struct tracer_result *res,
	       char *err, size_t errlen);

/* The signals that end a run (Ctrl-C, SIGTERM, SIGHUP). lab keeps them
 * blocked while it writes reports, so a second Ctrl-C cannot cut a report
 * in half; the traced command gets them unblocked. */
void tracer_stop_signals(sigset_t *set);

/* Fills the environment fields of info (kernel, CPU, clock base). */
void tracer_describe_machine(struct lab_trace_info *info);

/* Loads the probes without attaching them: 0, or -1 with the reason. */
int tracer_probe_check(char *err, size_t errlen);

#endif /* LAB_TRACER_H */
