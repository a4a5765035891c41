/* memory_watch.c - the run's memory, sampled where a task's cost shows. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "probes/clock_ns.h"
#include "probes/marks.h"
#include "probes/memory_watch.h"

/* as many as the probes track: their map of threads */
#define MAX_THREADS	16384
#define MIN_INTERVAL_NS 100000000ull /* 0.1 s */
/* a command's samples keep to 1/20 of one CPU: the interval is at least
 * this many times what the last sample took */
#define COST_SHARE 20

int memory_watch_open(struct memory_watch *w, bool asked)
{
	int sv[2];

	memset(w, 0, sizeof(*w));
	w->sock = w->child_sock = w->timerfd = -1;
	w->asked = asked;
	w->interval_ns = MIN_INTERVAL_NS;
	if (asked) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
			return -1;
		w->sock = sv[0];
		w->child_sock = sv[1];
		return 0;
	}
	w->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	return w->timerfd < 0 ? -1 : 0;
}

int memory_watch_fd(const struct memory_watch *w)
{
	return w->asked ? w->sock : w->timerfd;
}

/* Samples every process of the run alive now into w->sample: their
 * number; *tasks gets their threads in all. */
static size_t take(struct memory_watch *w, struct bpf_session *b,
		   struct maps_reader *r, uint32_t point, uint32_t *tasks)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	size_t n = bpf_session_live(b, w->live, w->cap), k = 0;

	*tasks = 0;
	for (size_t i = 0; i < n; i++) {
		struct lab_memory *m = &w->sample[k];

		/* gone since, or a zombie: nothing of it left to count */
		if (maps_reader_memory(r, (pid_t)w->live[i].pid, m))
			continue;
		m->time_ns = now;
		m->point = point;
		m->threads = w->live[i].threads;
		*tasks += m->threads;
		k++;
	}
	return k;
}

/* Keeps a copy of the sample's n records in *to. */
static int keep(struct memory_watch *w, size_t n, struct lab_memory **to,
		size_t *nto, uint32_t point)
{
	struct lab_memory *copy = malloc((n ? n : 1) * sizeof(*copy));

	if (!copy)
		return -ENOMEM;
	memcpy(copy, w->sample, n * sizeof(*copy));
	for (size_t i = 0; i < n; i++)
		copy[i].point = point;
	free(*to);
	*to = copy;
	*nto = n;
	return 0;
}

/* The CPU time sampling has used: lab's thread and the reader's
 * process. A sample's cost is its CPU time, not how long it took: reading
 * a process that is forking waits for its memory map's lock, idle. */
static uint64_t cpu_ns(const struct maps_reader *r)
{
	clockid_t reader;

	return clock_ns(CLOCK_THREAD_CPUTIME_ID) +
	       (r->pid > 0 && clock_getcpuclockid(r->pid, &reader) == 0
			? clock_ns(reader)
			: 0);
}

/* A command's next sample in interval_ns, sized from what this one
 * cost. */
static int arm(struct memory_watch *w, uint64_t cost_ns)
{
	struct itimerspec its = {0};

	w->interval_ns = cost_ns * COST_SHARE > MIN_INTERVAL_NS
				 ? cost_ns * COST_SHARE
				 : MIN_INTERVAL_NS;
	its.it_value.tv_sec = (time_t)(w->interval_ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(w->interval_ns % 1000000000ull);
	return timerfd_settime(w->timerfd, 0, &its, NULL) ? -errno : 0;
}

/* A command's sample: the first is kept as BEFORE, the last of those
 * with the most tasks alive as PEAK (by then new processes have written
 * what they copy, and their parent's pages are its own again). */
static int sample_command(struct memory_watch *w, struct bpf_session *b,
			  struct maps_reader *r)
{
	uint64_t t0 = cpu_ns(r);
	uint32_t tasks;
	size_t n = take(w, b, r, LAB_MEMORY_PEAK, &tasks);
	int err = 0;

	if (!w->first)
		err = keep(w, n, &w->first, &w->nfirst, LAB_MEMORY_BEFORE);
	if (!err && n && tasks >= w->peak_tasks) {
		w->peak_tasks = tasks;
		err = keep(w, n, &w->peak, &w->npeak, LAB_MEMORY_PEAK);
	}
	return err ? err : arm(w, cpu_ns(r) - t0);
}

int memory_watch_started(struct memory_watch *w, struct bpf_session *b,
			 struct maps_reader *r)
{
	if (w->child_sock >= 0)
		close(w->child_sock);
	w->child_sock = -1;
	w->cap = MAX_THREADS;
	w->live = calloc(w->cap, sizeof(*w->live));
	w->sample = calloc(w->cap, sizeof(*w->sample));
	if (!w->live || !w->sample)
		return -ENOMEM;
	return w->asked ? 0 : sample_command(w, b, r);
}

/* The workload's request: sample now, into the trace, then let it go
 * on. A workload gone (or saying nonsense) is not listened to again. */
static int sample_asked(struct memory_watch *w, struct bpf_session *b,
			struct maps_reader *r, struct trace_writer *tw)
{
	struct lab_memory_request rq;
	uint32_t tasks;
	ssize_t got = recv(w->sock, &rq, sizeof(rq), MSG_DONTWAIT);
	size_t n;
	int err;

	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (got != (ssize_t)sizeof(rq) ||
	    (rq.point != LAB_MEMORY_BEFORE && rq.point != LAB_MEMORY_PEAK)) {
		close(w->sock);
		w->sock = -1;
		return 0;
	}
	n = take(w, b, r, rq.point, &tasks);
	err = trace_writer_add_memory(tw, w->sample, n);
	/* the workload goes on whatever became of the sample */
	if (send(w->sock, "", 1, MSG_NOSIGNAL) != 1) {
		close(w->sock);
		w->sock = -1;
	}
	return err;
}

int memory_watch_ready(struct memory_watch *w, struct bpf_session *b,
		       struct maps_reader *r, struct trace_writer *tw)
{
	uint64_t expirations;

	if (w->asked)
		return w->sock >= 0 ? sample_asked(w, b, r, tw) : 0;
	if (read(w->timerfd, &expirations, sizeof(expirations)) < 0)
		return 0;
	return sample_command(w, b, r);
}

int memory_watch_finish(struct memory_watch *w, struct trace_writer *tw)
{
	int err = 0;

	if (w->first)
		err = trace_writer_add_memory(tw, w->first, w->nfirst);
	if (!err && w->peak)
		err = trace_writer_add_memory(tw, w->peak, w->npeak);
	return err;
}

void memory_watch_close(struct memory_watch *w)
{
	int fds[] = {w->sock, w->child_sock, w->timerfd};

	for (size_t i = 0; i < sizeof(fds) / sizeof(*fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(w->first);
	free(w->peak);
	free(w->live);
	free(w->sample);
	memset(w, 0, sizeof(*w));
	w->sock = w->child_sock = w->timerfd = -1;
}
