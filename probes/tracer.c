/* tracer.c - one traced run as a sequence of steps: start the command
 * held, load and attach the probes, release it, drain the ring buffer
 * into the trace until it exits, then store the kernel's exact counters
 * and detach. The steps' work is done by supervise.c (the command),
 * bpf_session.c (the probes), maps_snapshot.c and the trace writer. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "probes/bpf_session.h"
#include "probes/clock_ns.h"
#include "probes/kernel_ids.h"
#include "probes/maps_snapshot.h"
#include "probes/memory_watch.h"
#include "probes/reader_place.h"
#include "probes/ring_record.h"
#include "probes/run_error.h"
#include "probes/supervise.h"
#include "probes/tracer.h"
#include "probes/trace_writer.h"

struct tracer {
	struct supervised sup;
	struct bpf_session bpf;
	struct trace_writer *writer;
	int write_error; /* -errno from the writer, reported after draining */
	/* under sudo: kernel lock addresses become per-trace ids */
	struct kernel_ids *kernel_ids;
	struct maps_reader maps; /* under sudo: maps read as the user */
	struct memory_watch mem;
	struct reader_place place;
	int pidfd, epfd, timerfd, hangup_fd;
	/* the root's execs seen: its first program's maps are taken at
	 * release (snapshot_root); a later one (a shell that execs the
	 * command, a launcher) needs its own */
	unsigned int root_execs;
};

/* One event into the trace, with what it calls for first. */
static void add_event(struct tracer *t, const struct lab_event *e)
{
	struct lab_event hidden;
	int r;

	if (t->kernel_ids &&
	    (e->type == LAB_EV_LOCK_BEGIN || e->type == LAB_EV_LOCK_END)) {
		hidden = *e;
		hidden.value = kernel_ids_of(t->kernel_ids, e->value);
		e = &hidden;
	}
	/* a new program image, or a workload that has set itself up (heap
	 * and libraries mapped): take the maps while the process runs */
	if ((e->type == LAB_EV_EXEC &&
	     (e->pid != (uint32_t)t->sup.child || ++t->root_execs > 1)) ||
	    (e->type == LAB_EV_MARK && e->aux == LAB_MARK_WORKLOAD_START)) {
		r = maps_snapshot(t->writer, &t->maps, e->pid);
		if (r < 0) {
			t->write_error = r;
			return;
		}
	}
	r = trace_writer_add_events(t->writer, e, 1);
	if (r < 0)
		t->write_error = r;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	struct lab_event evs[RING_RECORD_MAX_EVENTS];
	size_t n = ring_record_events(data, size, evs);

	if (n)
		reader_place_saw(&t->place, evs[n - 1].cpu);
	/* past a write error the rest is discarded, the ring kept moving */
	for (size_t i = 0; i < n && !t->write_error; i++)
		add_event(t, &evs[i]);
	return 0;
}

/* The trace cannot take more (a full disk): what was recorded is kept,
 * and the command is stopped rather than run on unrecorded. */
static void check_writer(struct tracer *t, struct tracer_result *res)
{
	if (res->write_error ||
	    (!t->write_error && !trace_writer_full(t->writer)))
		return;
	res->write_error = t->write_error ? t->write_error : -ENOSPC;
	supervise_kill_group(&t->sup);
}

static int watch(struct tracer *t, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	return epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* The root has exec'd: its program is mapped (its libraries may not be
 * yet), which is where the workload_table' named locks live; a
 * command's first memory sample is taken. */
static int snapshot_root(struct tracer *t, char *err, size_t errlen)
{
	int r = maps_snapshot(t->writer, &t->maps, t->sup.child);

	if (r < 0)
		t->write_error = r;
	r = memory_watch_started(&t->mem, &t->bpf, &t->maps);
	if (r == -ENOMEM)
		return run_error(err, errlen, "run: out of memory");
	if (r < 0 || watch(t, memory_watch_fd(&t->mem)))
		return run_error(err, errlen, "run: sampling memory: %s",
				 strerror(r < 0 ? -r : errno));
	return 0;
}

static int arm_timeout(struct tracer *t, double seconds)
{
	struct itimerspec its = {0};

	t->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (t->timerfd < 0)
		return -1;
	its.it_value.tv_sec = (time_t)seconds;
	its.it_value.tv_nsec = (long)((seconds - (time_t)seconds) * 1e9);
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	return timerfd_settime(t->timerfd, 0, &its, NULL) ||
	       watch(t, t->timerfd);
}

static int setup_waits(struct tracer *t, double timeout_s, char *err,
		       size_t errlen)
{
	t->pidfd = syscall(SYS_pidfd_open, t->sup.child, 0);
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (t->pidfd < 0 || t->epfd < 0 || watch(t, t->pidfd) ||
	    watch(t, t->sup.sigfd) ||
	    watch(t, ring_buffer__epoll_fd(t->bpf.rb)) ||
	    (t->hangup_fd >= 0 && watch(t, t->hangup_fd)) ||
	    (timeout_s > 0 && arm_timeout(t, timeout_s)))
		return run_error(err, errlen,
				 "run: waiting for the command: %s",
				 strerror(errno));
	return 0;
}

/* The run ends early (a signal, lab's other half gone, the timeout):
 * the first reason stays. */
static void cut_short(struct tracer *t, struct tracer_result *res, int sig)
{
	if (sig && !res->interrupted)
		res->interrupted = sig;
	supervise_kill_group(&t->sup);
}

/* The command has exited (not reaped yet); 0 when it has. */
static int exited(struct tracer *t, struct tracer_result *res)
{
	if (supervise_exited(&t->sup, &res->exit_status))
		return -1;
	/* Ctrl-C went straight to the command's group */
	if (WIFSIGNALED(res->exit_status) && !res->interrupted &&
	    WTERMSIG(res->exit_status) == SIGINT)
		cut_short(t, res, SIGINT);
	res->summary.end_ns = clock_ns(CLOCK_MONOTONIC);
	return 0;
}

/* Drain events until the command exits; a signal kills its whole group. */
static int drain(struct tracer *t, struct tracer_result *res, char *err,
		 size_t errlen)
{
	reader_place_init(&t->place);
	for (;;) {
		struct epoll_event evs[4];
		int n = epoll_wait(t->epfd, evs, 4, 100);

		if (n < 0 && errno != EINTR)
			return run_error(err, errlen, "run: epoll_wait: %s",
					 strerror(errno));
		ring_buffer__consume(t->bpf.rb);
		reader_place_update(&t->place);
		check_writer(t, res);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd, sig;

			if (fd == t->sup.sigfd) {
				sig = supervise_take_signal(&t->sup);
				if (sig)
					cut_short(t, res, sig);
			} else if (fd == t->hangup_fd) {
				/* lab's other half is gone: end as a hangup */
				epoll_ctl(t->epfd, EPOLL_CTL_DEL, t->hangup_fd,
					  NULL);
				cut_short(t, res, SIGHUP);
			} else if (fd == memory_watch_fd(&t->mem)) {
				int r = memory_watch_ready(&t->mem, &t->bpf,
							   &t->maps, t->writer);

				if (r && !t->write_error)
					t->write_error = r;
			} else if (fd == t->timerfd) {
				res->timed_out = 1;
				cut_short(t, res, 0);
			} else if (fd == t->pidfd && exited(t, res) == 0) {
				return 0;
			}
		}
	}
}

static void fill_summary(struct lab_run_summary *sum, const struct rusage *ru,
			 const struct tracer_result *res,
			 const struct bpf_counters *c)
{
	if (!sum->end_ns) /* not reaped: the tracer itself failed */
		sum->end_ns = clock_ns(CLOCK_MONOTONIC);
	sum->dropped = c->dropped;
	sum->untracked = c->untracked;
	sum->exit_status = res->exit_status;
	sum->flags = res->interrupted || res->timed_out || res->write_error
			     ? LAB_RUN_INCOMPLETE
			     : 0;
	sum->utime_ns = ru->ru_utime.tv_sec * 1000000000ULL +
			ru->ru_utime.tv_usec * 1000ULL;
	sum->stime_ns = ru->ru_stime.tv_sec * 1000000000ULL +
			ru->ru_stime.tv_usec * 1000ULL;
	sum->maxrss_kb = ru->ru_maxrss;
	sum->minflt = ru->ru_minflt;
	sum->majflt = ru->ru_majflt;
	sum->nvcsw = ru->ru_nvcsw;
	sum->nivcsw = ru->ru_nivcsw;
}

/* Detach, drain what is left, store the counters, close the trace. */
static int finish(struct tracer *t, struct tracer_result *res, char *err,
		  size_t errlen)
{
	struct bpf_counters c = {0};
	struct rusage ru = {0};
	int r;

	/* a run cut short killed the group: once it is gone, no member is
	 * taken for a process still running */
	if (res->interrupted || res->timed_out || res->write_error)
		supervise_await_group(&t->sup);
	bpf_session_settle(&t->bpf);
	bpf_session_detach(&t->bpf);
	ring_buffer__consume(t->bpf.rb);
	r = memory_watch_finish(&t->mem, t->writer);
	if (r && !t->write_error)
		t->write_error = r;
	check_writer(t, res);
	r = bpf_session_read_counters(&t->bpf,
				      res->summary.end_ns
					      ? res->summary.end_ns
					      : clock_ns(CLOCK_MONOTONIC),
				      &c);
	/* last: no kill of the group can follow the reap */
	supervise_reap(&t->sup, &ru);
	if (r == 0) {
		fill_summary(&res->summary, &ru, res, &c);
		for (size_t i = 0; t->kernel_ids && i < c.nwaits; i++)
			if (c.waits[i].key.kind == LAB_WAIT_KLOCK)
				c.waits[i].key.addr = kernel_ids_of(
					t->kernel_ids, c.waits[i].key.addr);
		r = trace_writer_add_waits(t->writer, c.waits, c.nwaits);
		if (!r)
			r = trace_writer_finish(t->writer, c.threads,
						c.nthreads, c.drops, c.ncpus,
						&res->summary);
		/* the file ends at its last whole chunk: kept, said so */
		if (r && !res->write_error)
			res->write_error = r;
		r = r == -ENOMEM ? r : 0;
	}
	bpf_session_counters_free(&c);
	if (r)
		return run_error(err, errlen, "run: reading the counters: %s",
				 strerror(-r));
	return 0;
}

static void cleanup(struct tracer *t)
{
	reader_place_done(&t->place);
	supervise_end(&t->sup);
	bpf_session_close(&t->bpf);
	trace_writer_free(t->writer);
	kernel_ids_free(t->kernel_ids);
	maps_reader_stop(&t->maps);
	memory_watch_close(&t->mem);
	int fds[] = {t->pidfd, t->epfd, t->timerfd};

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	supervise_restore(&t->sup);
}

/* The trace's header, with the clocks read as tracing starts. The
 * writer takes *trace_fd, also when it fails. */
static int open_trace(struct tracer *t, int *trace_fd,
		      const struct lab_trace_info *given, char *err,
		      size_t errlen)
{
	struct lab_trace_info info = *given;
	int r;

	info.start_ns = clock_ns(CLOCK_MONOTONIC);
	info.start_realtime_ns = clock_ns(CLOCK_REALTIME);
	info.tracer_pid = (uint32_t)getpid();
	info.not_measured = t->bpf.not_measured;
	info.not_measured_known = true;
	r = trace_writer_open(&t->writer, *trace_fd, &info);
	*trace_fd = -1;
	if (r)
		return run_error(err, errlen, "run: writing the trace: %s",
				 strerror(-r));
	return 0;
}

int tracer_run(const struct tracer_opts *o, struct tracer_result *res,
	       char *err, size_t errlen)
{
	struct tracer t = {.pidfd = -1,
			   .epfd = -1,
			   .timerfd = -1,
			   .maps = {.fd = -1},
			   .mem = {.sock = -1, .child_sock = -1, .timerfd = -1},
			   .hangup_fd = o->hangup_fd};
	int trace_fd = o->trace_fd; /* ours to close until the writer has it */
	int r = -1;

	memset(res, 0, sizeof(*res));
	supervise_init(&t.sup);
	bpf_session_log(o->verbose);
	/* signals arrive through the event loop, so cleanup always runs */
	if (supervise_signals(&t.sup, err, errlen))
		goto out;
	/* fork before the probes and the ring buffer are mapped, so the
	 * command's peak RSS is not charged with the tracer's memory */
	if (o->run_as && !(t.kernel_ids = kernel_ids_new())) {
		run_error(err, errlen, "run: out of memory");
		goto out;
	}
	if (memory_watch_open(&t.mem, o->marker_path != NULL)) {
		run_error(err, errlen, "run: sampling memory: %s",
			  strerror(errno));
		goto out;
	}
	t.sup.memory_fd = t.mem.child_sock;
	if (maps_reader_start(&t.maps, o->run_as, err, errlen) ||
	    supervise_start(&t.sup, o->argv, o->run_as, err, errlen) ||
	    bpf_session_open(&t.bpf, o, on_event, &t, err, errlen) ||
	    bpf_session_seed(&t.bpf, t.sup.child, err, errlen) ||
	    setup_waits(&t, o->timeout_s, err, errlen))
		goto out;
	if (open_trace(&t, &trace_fd, &o->info, err, errlen) ||
	    supervise_release(&t.sup, o->argv, err, errlen))
		goto out;
	if (snapshot_root(&t, err, errlen) || drain(&t, res, err, errlen) ||
	    finish(&t, res, err, errlen))
		goto out;
	r = 0;
out:
	if (trace_fd >= 0)
		close(trace_fd);
	supervise_take_pending(&t.sup, &res->interrupted);
	cleanup(&t);
	return r;
}
