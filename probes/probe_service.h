/* probe_service.h - lab run as root, in two processes.
 *
 * Root is needed to load, attach and drain the probes, and for nothing
 * else. probe_service_start forks: the parent keeps root and serves
 * trace requests until the child closes its end, then exits with the
 * child's status; the child becomes the invoking user (under sudo) and
 * does the rest of lab run as them: it creates the output directory and
 * files, sends each trace file's descriptor with its request, and
 * analyses the trace the parent wrote into it.
 *
 * The parent trusts nothing the child sends beyond what the user could
 * do anyway: the command runs as the user, the markers attached are
 * those of lab's own binary, every field is checked, and the trace goes
 * into a descriptor the user opened.
 */
#ifndef LAB_PROBE_SERVICE_H
#define LAB_PROBE_SERVICE_H

#include <stddef.h>
#include <stdint.h>
#include "probes/identity.h"
#include "probes/tracer.h"

struct probe_request {
	char workload[64];  /* as in the trace header */
	char params[256];   /* as in the trace header */
	char cmdline[1024]; /* as in the trace header */
	double timeout_s;   /* 0: none */
	uint32_t ring_kib;  /* 0: the default */
	uint8_t markers;    /* the command is lab: attach its markers */
	uint8_t verbose;    /* libbpf's own messages */
	uint8_t creation_calls;
	uint8_t futex_retries;
};

/* In the child returns 0, as user when user is given (else as root);
 * the parent never returns. -1 with one line in err when the split
 * failed. */
int probe_service_start(const struct identity *user, char *err, size_t errlen);
/* Has the parent trace argv into trace_fd (an empty file; closed here).
 * Returns what tracer_run returns, with its result and err. */
int probe_service_trace(const struct probe_request *rq, char *const *argv,
			int trace_fd, struct tracer_result *res, char *err,
			size_t errlen);

#endif /* LAB_PROBE_SERVICE_H */
