/* memory_watch.h - what the run's processes hold in memory, sampled at
 * the points that say what a task costs.
 *
 * A built-in workload says when: before it makes its tasks, and at its
 * peak, every task alive and waiting. It sends a lab_memory_request
 * (marks.h) down a socket lab gave it and waits for a byte back; lab
 * samples every process of the run meanwhile, so the sample sees the
 * peak and the workload's timed phases do not contain it. A traced
 * command says nothing: it is sampled along the run, as it starts and
 * then at intervals sized so that sampling keeps to 5% of one CPU, and
 * the last sample with the most tasks alive is kept as its peak.
 *
 * A sample is one lab_memory record a process: the probes name the
 * run's processes alive and their threads, /proc (read as the user
 * under sudo, maps_snapshot.h) their memory.
 */
#ifndef LAB_MEMORY_WATCH_H
#define LAB_MEMORY_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "probes/bpf_session.h"
#include "probes/maps_snapshot.h"
#include "probes/trace_writer.h"

struct memory_watch {
	bool asked;	/* a workload asks; else sampled along the run */
	int sock;	/* lab's end of the workload's socket, or -1 */
	int child_sock; /* the workload's end until it is started, or -1 */
	int timerfd;	/* the next sample of a command, or -1 */
	uint64_t interval_ns;
	/* a command's first sample and its peak so far */
	struct lab_memory *first, *peak;
	size_t nfirst, npeak;
	uint32_t peak_tasks;
	/* what a sample reads */
	struct live_process *live;
	struct lab_memory *sample;
	size_t cap;
};

/* asked: the command is a built-in workload, which asks for its
 * samples; its end of the socket is child_sock, for supervise.h. 0, or
 * -1 with errno. */
int memory_watch_open(struct memory_watch *w, bool asked);
/* The fd to wait on: the socket, or the timer of a command's samples. */
int memory_watch_fd(const struct memory_watch *w);
/* The command has started: the workload's end of the socket is its
 * own; a command's first sample is taken and its timer armed. 0, or
 * the writer's -errno. */
int memory_watch_started(struct memory_watch *w, struct bpf_session *b,
			 struct maps_reader *r);
/* The fd is readable: takes the sample asked for (into the trace at
 * once) or the next one of a command. 0, or the writer's -errno. */
int memory_watch_ready(struct memory_watch *w, struct bpf_session *b,
		       struct maps_reader *r, struct trace_writer *tw);
/* Writes a command's first and peak samples. 0, or -errno. */
int memory_watch_finish(struct memory_watch *w, struct trace_writer *tw);
void memory_watch_close(struct memory_watch *w);

#endif /* LAB_MEMORY_WATCH_H */
