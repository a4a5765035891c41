/* bpf_session.h - the probes of one run: loaded, attached, seeded with
 * the command's pid, their ring buffer drained, their exact counters
 * read, detached. */
#ifndef LAB_BPF_SESSION_H
#define LAB_BPF_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <bpf/libbpf.h>
#include "probes/tracer.h"

struct lab_bpf;

struct bpf_session {
	struct lab_bpf *skel;
	struct bpf_link *marks; /* lab:mark in the workload binary */
	struct ring_buffer *rb;
	/* the kernel's table of the run's threads, mapped */
	struct lab_thread *slots;
	size_t slots_bytes;
	/* enum lab_not_measured: what this kernel's probes cannot count */
	unsigned not_measured;
};

/* What the kernel counted, read once tracing is over. */
struct bpf_counters {
	struct lab_thread_stats *threads;
	size_t nthreads;
	uint64_t *drops; /* events lost to the full ring buffer, per CPU */
	size_t ncpus;
	uint64_t dropped, untracked;
	/* the kernel's sums of waits, and a last record of kind
	 * LAB_WAIT_LOST when its map was full */
	struct lab_wait *waits;
	size_t nwaits;
	bool retries_counted; /* futex EAGAIN returns were counted */
};

/* A process of the run and its threads alive, as the probes track them. */
struct live_process {
	uint32_t pid;
	uint32_t threads;
};

/* libbpf's own messages to stderr, or none. */
void bpf_session_log(int verbose);
/* Opens, loads and attaches the probes as o asks (markers, creation
 * calls, ring size), and the ring buffer whose records go to on_event.
 * 0, or -1 with one line in err. */
int bpf_session_open(struct bpf_session *b, const struct tracer_opts *o,
		     ring_buffer_sample_fn on_event, void *ctx, char *err,
		     size_t errlen);
/* Tracks root (not yet running): the filter's first entry. 0, or -1
 * with one line in err. */
int bpf_session_seed(struct bpf_session *b, pid_t root, char *err,
		     size_t errlen);
/* The run's processes alive now, into live (room for cap threads):
 * their number. */
size_t bpf_session_live(struct bpf_session *b, struct live_process *live,
			size_t cap);
/* Waits, bounded, for reaped threads' last switches, which can still be
 * on their way on another CPU. */
void bpf_session_settle(struct bpf_session *b);
/* Detaches every probe: nothing more enters the ring buffer. */
void bpf_session_detach(struct bpf_session *b);
/* The exact counters, once the probes are detached, with the waits still
 * open closed at end_ns (when the run ended): 0 or -errno. */
int bpf_session_read_counters(struct bpf_session *b, uint64_t end_ns,
			      struct bpf_counters *c);
void bpf_session_counters_free(struct bpf_counters *c);
void bpf_session_close(struct bpf_session *b);

#endif /* LAB_BPF_SESSION_H */
