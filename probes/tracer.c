/* tracer.c - start the command held, load and attach the probes, release
 * it, drain the ring buffer into the trace until it exits, then store the
 * kernel's exact counters and detach. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hypervisor.h"
#include "kernel_ids.h"
#include "tracer.h"
#include "trace_writer.h"
#include "lab.skel.h" /* after events.h: it uses the record types */

/* how long to wait for exited threads' last switch after the reap */
#define SETTLE_NS (200 * 1000 * 1000ULL)

struct session {
	struct lab_bpf *skel;
	struct bpf_link *marks; /* lab:mark in the workload binary */
	struct ring_buffer *rb;
	struct trace_writer *writer;
	int write_error; /* -errno from the writer, reported after draining */
	/* under sudo: kernel lock addresses become per-trace ids */
	struct kernel_ids *kernel_ids;
	pid_t child;
	pid_t group; /* the command's process group; stays set after reaping */
	int sigfd, pidfd, epfd, timerfd, hangup_fd;
	int release_w, exec_err_r;
	/* the guard kills the command's group if lab dies without a word */
	pid_t guard;
	int guard_w;
	int owns_tty; /* lab is the terminal's foreground group */
	/* a child that died early makes the release write fail, not kill us */
	struct sigaction old_sigpipe;
	sigset_t oldmask;
	sigset_t mask; /* the signals that end a run */
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int libbpf_verbose(enum libbpf_print_level level, const char *fmt,
			  va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

/* truncating copy: fields of the trace header have fixed sizes */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= size)
		n = size - 1;
	memcpy(dst, src ? src : "", n);
	dst[n] = 0;
}

void tracer_describe_machine(struct lab_trace_info *info)
{
	struct utsname u;
	char line[512];
	FILE *f;

	info->version = LAB_TRACE_VERSION;
	copy_str(info->lab_version, sizeof(info->lab_version), LAB_VERSION);
	if (uname(&u) == 0) {
		copy_str(info->kernel, sizeof(info->kernel), u.release);
		copy_str(info->machine, sizeof(info->machine), u.machine);
	}
	info->cpu_count = sysconf(_SC_NPROCESSORS_ONLN);
	hypervisor_name(info->hypervisor, sizeof(info->hypervisor));
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += strspn(colon + 1, " \t") + 1;
		colon[strcspn(colon, "\n")] = 0;
		copy_str(info->cpu_model, sizeof(info->cpu_model), colon);
		break;
	}
	if (f)
		fclose(f);
}

int tracer_find_command(const char *cmd, char *err, size_t errlen)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(cmd, '/')) {
		if (access(cmd, X_OK) == 0)
			return 0;
		return fail(err, errlen,
			    "run: cannot start %s: %s (check the path and that "
			    "it is executable)",
			    cmd, strerror(errno));
	}
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? p : ".", cmd);
		if (access(buf, X_OK) == 0)
			return 0;
		p += n + (p[n] == ':');
	}
	return fail(err, errlen,
		    "run: cannot start %s: not found in PATH (give its path, "
		    "e.g. ./%s)",
		    cmd, cmd);
}

static void parse_map_line(const char *line, pid_t pid, struct lab_map *m)
{
	char perms[8] = "";
	int n = 0;
	unsigned long long start, end, off;

	memset(m, 0, sizeof(*m));
	if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms,
		   &off, &n) < 4)
		return;
	m->start = start;
	m->end = end;
	m->offset = off;
	m->pid = pid;
	m->prot = (perms[0] == 'r' ? LAB_MAP_READ : 0) |
		  (perms[1] == 'w' ? LAB_MAP_WRITE : 0) |
		  (perms[2] == 'x' ? LAB_MAP_EXEC : 0) |
		  (perms[3] == 's' ? LAB_MAP_SHARED : 0);
	if (n > 0)
		copy_str(m->path, sizeof(m->path), line + n);
	m->path[strcspn(m->path, "\n")] = 0;
}

/* Best effort: the maps of a process while it runs, so its futex words
 * can be named later; a process already gone leaves nothing. */
static int snapshot_maps(struct session *s, pid_t pid)
{
	char path[64], line[512];
	struct lab_map batch[64];
	size_t n = 0;
	int r = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (r == 0 && fgets(line, sizeof(line), f)) {
		parse_map_line(line, pid, &batch[n]);
		if (batch[n].end > batch[n].start)
			n++;
		if (n == sizeof(batch) / sizeof(batch[0])) {
			r = trace_writer_add_maps(s->writer, batch, n);
			n = 0;
		}
	}
	fclose(f);
	return r ? r : trace_writer_add_maps(s->writer, batch, n);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;
	const struct lab_event *e = data;
	struct lab_event hidden;
	int r;

	/* past a write error the rest is discarded, the ring kept moving */
	if (size != sizeof(struct lab_event) || s->write_error)
		return 0;
	if (s->kernel_ids &&
	    (e->type == LAB_EV_LOCK_BEGIN || e->type == LAB_EV_LOCK_END)) {
		hidden = *e;
		hidden.value = kernel_ids_of(s->kernel_ids, e->value);
		e = &hidden;
	}
	/* a new program image, or a workload that has set itself up (heap
	 * and libraries mapped): take the maps while the process runs */
	if ((e->type == LAB_EV_EXEC && e->pid != (uint32_t)s->child) ||
	    (e->type == LAB_EV_MARK && e->aux == LAB_MARK_WORKLOAD_START)) {
		r = snapshot_maps(s, e->pid);
		if (r < 0) {
			s->write_error = r;
			return 0;
		}
	}
	r = trace_writer_add_events(s->writer, e, 1);
	if (r < 0)
		s->write_error = r;
	return 0;
}

/* An interactive command gets the terminal, as a shell would give it: it
 * reads its input, and Ctrl-C reaches it (and its children) directly. */
static void hand_terminal(struct session *s, pid_t pgrp)
{
	pid_t fg = tcgetpgrp(STDIN_FILENO);
	sigset_t ttou, old;

	/* only between lab and its command: a terminal the shell took back
	 * (lab stopped, then continued in the background) stays the shell's */
	if (!s->owns_tty || (fg != getpgrp() && fg != s->group))
		return;
	/* a background group changing the foreground gets SIGTTOU */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	tcsetpgrp(STDIN_FILENO, pgrp);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* Child: wait to be released, then become the command. */
static void child_main(struct session *s, int release_r, int exec_err_w,
		       char *const *argv, const struct identity *run_as)
{
	char c;
	int e;

	setpgid(0, 0);
	/* the command gets the signals lab holds back for itself */
	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
	sigprocmask(SIG_UNBLOCK, &s->mask, NULL);
	sigaction(SIGPIPE, &s->old_sigpipe, NULL);
	close(s->release_w);
	close(s->exec_err_r);
	if (run_as && identity_become(run_as)) {
		e = errno;
		if (write(exec_err_w, &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	if (read(release_r, &c, 1) != 1)
		_exit(127); /* the tracer gave up before releasing us */
	close(release_r);
	execvp(argv[0], argv);
	e = errno;
	if (write(exec_err_w, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static int start_child(struct session *s, char *const *argv,
		       const struct identity *run_as, char *err, size_t errlen)
{
	int release[2], exec_err[2];

	if (pipe2(release, O_CLOEXEC) || pipe2(exec_err, O_CLOEXEC))
		return fail(err, errlen, "run: pipe: %s", strerror(errno));
	s->release_w = release[1];
	s->exec_err_r = exec_err[0];
	s->child = fork();
	if (s->child < 0)
		return fail(err, errlen, "run: fork: %s", strerror(errno));
	if (s->child == 0)
		child_main(s, release[0], exec_err[1], argv, run_as);
	/* both sides set the group, whichever runs first */
	setpgid(s->child, s->child);
	s->group = s->child;
	hand_terminal(s, s->child);
	close(release[0]);
	close(exec_err[1]);
	return 0;
}

/* The guard: a small process that outlives lab. Its pipe's other end
 * closes when lab exits in any way, SIGKILL included; a byte first means
 * lab cleaned up itself, end of file alone means the command's group is
 * left without its tracer, and the guard kills it. */
static void guard_main(int done_r, pid_t group)
{
	char c = 0;
	ssize_t n;

	/* nothing of lab's: the release pipe must see lab's death, and a
	 * pipe reading lab's output must not wait for the guard. The stop
	 * signals stay blocked as lab blocked them: a Ctrl-C for lab's
	 * group is lab's to handle. */
	if (done_r != 3 && dup2(done_r, 3) < 0)
		_exit(1);
	close_range(0, 2, 0);
	close_range(4, ~0U, 0);
	/* a session of its own: what kills lab's process group (kill -9
	 * -PGID, a terminal's hangup) must not take the guard with it */
	setsid();
	prctl(PR_SET_NAME, "lab-guard");
	do
		n = read(3, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || c != 'd')
		kill(-group, SIGKILL);
	_exit(0);
}

static int start_guard(struct session *s, char *err, size_t errlen)
{
	int done[2];

	if (pipe2(done, O_CLOEXEC))
		return fail(err, errlen, "run: pipe: %s", strerror(errno));
	s->guard = fork();
	if (s->guard < 0) {
		close(done[0]);
		close(done[1]);
		return fail(err, errlen, "run: fork: %s", strerror(errno));
	}
	if (s->guard == 0)
		guard_main(done[0], s->child);
	close(done[0]);
	s->guard_w = done[1];
	return 0;
}

/* lab's own cleanup has run: the guard leaves the group alone */
static void stop_guard(struct session *s)
{
	if (s->guard <= 0)
		return;
	if (write(s->guard_w, "d", 1) != 1)
		kill(s->guard, SIGKILL);
	close(s->guard_w);
	waitpid(s->guard, NULL, 0);
}

static int seed_root(struct session *s, char *err, size_t errlen)
{
	struct lab_thread_stats root = {0};
	struct lab_task task = {0};
	__u32 key = s->child;
	int pidfd, r;

	root.tid = root.pid = s->child;
	root.start_ns = clock_ns(CLOCK_MONOTONIC);
	copy_str(root.comm, sizeof(root.comm), "lab");
	if (bpf_map__update_elem(s->skel->maps.threads, &key, sizeof(key),
				 &root, sizeof(root), BPF_NOEXIST))
		return fail(err, errlen, "run: seeding the probe filter: %s",
			    strerror(errno));
	/* task storage is keyed by a pidfd from user space */
	pidfd = syscall(SYS_pidfd_open, s->child, 0);
	if (pidfd < 0)
		return fail(err, errlen, "run: pidfd_open: %s",
			    strerror(errno));
	r = bpf_map__update_elem(s->skel->maps.tasks, &pidfd, sizeof(pidfd),
				 &task, sizeof(task), BPF_NOEXIST);
	close(pidfd);
	if (r)
		return fail(err, errlen, "run: seeding the probe filter: %s",
			    strerror(errno));
	return 0;
}

static int attach_markers(struct session *s, const char *path, char *err,
			  size_t errlen)
{
	s->marks = bpf_program__attach_usdt(s->skel->progs.handle_mark, -1,
					    path, "lab", "mark", NULL);
	if (!s->marks)
		return fail(err, errlen,
			    "run: attaching marker lab:mark in %s: %s", path,
			    strerror(errno));
	return 0;
}

static int load_and_attach(struct session *s, const struct tracer_opts *o,
			   char *err, size_t errlen)
{
	int r;

	s->skel = lab_bpf__open();
	if (!s->skel)
		return fail(err, errlen,
			    "run: opening the probes: %s (run: lab check)",
			    strerror(errno));
	/* a marker-less command needs no USDT program */
	if (!o->marker_path)
		bpf_program__set_autoload(s->skel->progs.handle_mark, false);
	if (!o->creation_calls) {
		bpf_program__set_autoload(s->skel->progs.handle_sys_enter,
					  false);
		bpf_program__set_autoload(s->skel->progs.handle_sys_exit,
					  false);
	}
	if (o->ring_kib) {
		__u64 bytes = (__u64)o->ring_kib * 1024;

		/* wake the reader at a quarter full, as with the default size
		 */
		bpf_map__set_max_entries(s->skel->maps.events, bytes);
		if (s->skel->rodata->wakeup_bytes > bytes / 4)
			s->skel->rodata->wakeup_bytes = bytes / 4;
	}
	r = lab_bpf__load(s->skel);
	if (r)
		return fail(err, errlen,
			    "run: loading the probes: %s (run: lab check)",
			    strerror(-r));
	r = lab_bpf__attach(s->skel);
	if (r)
		return fail(err, errlen,
			    "run: attaching the probes: %s (run: lab check)",
			    strerror(-r));
	if (o->marker_path && attach_markers(s, o->marker_path, err, errlen))
		return -1;
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_event, s,
				 NULL);
	if (!s->rb)
		return fail(err, errlen, "run: opening the ring buffer: %s",
			    strerror(errno));
	return 0;
}

static int watch(struct session *s, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int arm_timeout(struct session *s, double seconds)
{
	struct itimerspec its = {0};

	s->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (s->timerfd < 0)
		return -1;
	its.it_value.tv_sec = (time_t)seconds;
	its.it_value.tv_nsec = (long)((seconds - (time_t)seconds) * 1e9);
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	return timerfd_settime(s->timerfd, 0, &its, NULL) ||
	       watch(s, s->timerfd);
}

static int setup_waits(struct session *s, double timeout_s, char *err,
		       size_t errlen)
{
	s->pidfd = syscall(SYS_pidfd_open, s->child, 0);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->pidfd < 0 || s->epfd < 0 || watch(s, s->pidfd) ||
	    watch(s, s->sigfd) || watch(s, ring_buffer__epoll_fd(s->rb)) ||
	    (s->hangup_fd >= 0 && watch(s, s->hangup_fd)) ||
	    (timeout_s > 0 && arm_timeout(s, timeout_s)))
		return fail(err, errlen, "run: waiting for the command: %s",
			    strerror(errno));
	return 0;
}

/* Release the command; 0 once it has exec'd, -1 if it could not. */
static int release(struct session *s, char *const *argv, char *err,
		   size_t errlen)
{
	int e = 0;
	ssize_t n;

	/* EPIPE: the child failed before its release; its errno follows */
	if (write(s->release_w, "go", 1) != 1 && errno != EPIPE)
		return fail(err, errlen, "run: releasing the command: %s",
			    strerror(errno));
	close(s->release_w);
	s->release_w = -1;
	/* EOF: exec succeeded and closed the pipe; else the child's errno */
	n = read(s->exec_err_r, &e, sizeof(e));
	if (n == sizeof(e))
		return fail(err, errlen, "run: cannot start %s: %s", argv[0],
			    strerror(e));
	return 0;
}

/* The root has exec'd: its program is mapped (its libraries may not be
 * yet), which is where the workloads' named locks live. */
static void snapshot_root(struct session *s)
{
	int r = snapshot_maps(s, s->child);

	if (r < 0)
		s->write_error = r;
}

/* Ctrl-Z stopped the command, which has the terminal: lab stops with
 * it, as a shell's job does, so the shell takes the terminal back; when
 * continued, lab continues the command. Without a terminal a stop is
 * someone else's business. */
static void follow_stop(struct session *s)
{
	siginfo_t si = {0};

	if (waitid(P_PID, s->child, &si, WSTOPPED | WNOHANG) ||
	    si.si_pid != s->child || !s->owns_tty)
		return;
	hand_terminal(s, getpgrp());
	kill(0, SIGSTOP); /* lab's whole group: the shell sees the job stop */
	/* continued: in the foreground (fg) the command gets the terminal
	 * again; in the background (bg, kill %1) it runs without it */
	hand_terminal(s, s->child);
	kill(-s->child, SIGCONT);
}

/* The trace cannot take more (a full disk): what was recorded is kept,
 * and the command is stopped rather than run on unrecorded. */
static void check_writer(struct session *s, struct tracer_result *res)
{
	if (res->write_error ||
	    (!s->write_error && !trace_writer_full(s->writer)))
		return;
	res->write_error = s->write_error ? s->write_error : -ENOSPC;
	kill(-s->child, SIGKILL);
}

/* Drain events until the command exits; a signal kills its whole group. */
static int drain(struct session *s, struct tracer_result *res,
		 struct rusage *ru, char *err, size_t errlen)
{
	for (;;) {
		struct epoll_event evs[4];
		int n = epoll_wait(s->epfd, evs, 4, 100);

		if (n < 0 && errno != EINTR)
			return fail(err, errlen, "run: epoll_wait: %s",
				    strerror(errno));
		ring_buffer__consume(s->rb);
		check_writer(s, res);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == s->sigfd) {
				struct signalfd_siginfo si;

				if (read(s->sigfd, &si, sizeof(si)) !=
				    sizeof(si))
					continue;
				if (si.ssi_signo == SIGCHLD) {
					follow_stop(s);
					continue;
				}
				if (!res->interrupted)
					res->interrupted = si.ssi_signo;
				kill(-s->child, SIGKILL);
			} else if (evs[i].data.fd == s->hangup_fd) {
				/* lab's other half is gone: end as a hangup */
				epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->hangup_fd,
					  NULL);
				if (!res->interrupted)
					res->interrupted = SIGHUP;
				kill(-s->child, SIGKILL);
			} else if (evs[i].data.fd == s->timerfd) {
				res->timed_out = 1;
				kill(-s->child, SIGKILL);
			} else if (evs[i].data.fd == s->pidfd) {
				if (wait4(s->child, &res->exit_status, 0, ru) !=
				    s->child)
					continue;
				/* Ctrl-C went straight to the command's group
				 */
				if (WIFSIGNALED(res->exit_status) &&
				    !res->interrupted &&
				    WTERMSIG(res->exit_status) == SIGINT) {
					res->interrupted = SIGINT;
					kill(-s->child, SIGKILL);
				}
				s->child = 0;
				res->summary.end_ns = clock_ns(CLOCK_MONOTONIC);
				return 0;
			}
		}
	}
}

static int any_exiting(struct session *s)
{
	struct bpf_map *m = s->skel->maps.threads;
	__u32 key, next, *prev = NULL;
	struct lab_thread_stats st;

	while (bpf_map__get_next_key(m, prev, &next, sizeof(next)) == 0) {
		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(m, &key, sizeof(key), &st, sizeof(st),
					 0) == 0 &&
		    (st.flags & LAB_THREAD_EXITED))
			return 1;
	}
	return 0;
}

/* A reaped thread's last switch can still be on its way on another CPU. */
static void settle(struct session *s)
{
	uint64_t until = clock_ns(CLOCK_MONOTONIC) + SETTLE_NS;

	while (any_exiting(s) && clock_ns(CLOCK_MONOTONIC) < until)
		usleep(1000);
}

struct counters {
	struct lab_thread_stats *threads;
	size_t nthreads;
	uint64_t *drops;
	size_t ncpus;
	uint64_t dropped, untracked;
};

static int push_thread(struct counters *c, size_t *cap,
		       const struct lab_thread_stats *t)
{
	if (c->nthreads == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *p = realloc(c->threads, ncap * sizeof(*c->threads));

		if (!p)
			return -ENOMEM;
		c->threads = p;
		*cap = ncap;
	}
	c->threads[c->nthreads++] = *t;
	return 0;
}

static int read_counters(struct session *s, struct counters *c)
{
	struct bpf_map *live = s->skel->maps.threads,
		       *dead = s->skel->maps.dead;
	__u32 ndead = s->skel->bss->dead_count, key, next, *prev = NULL;
	int ncpus = libbpf_num_possible_cpus();
	struct lab_thread_stats st;
	size_t cap = 0;

	if (ndead > bpf_map__max_entries(dead))
		ndead = bpf_map__max_entries(dead);
	for (key = 0; key < ndead; key++)
		if (bpf_map__lookup_elem(dead, &key, sizeof(key), &st,
					 sizeof(st), 0) == 0 &&
		    push_thread(c, &cap, &st))
			return -ENOMEM;
	while (bpf_map__get_next_key(live, prev, &next, sizeof(next)) == 0) {
		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(live, &key, sizeof(key), &st,
					 sizeof(st), 0) == 0 &&
		    push_thread(c, &cap, &st))
			return -ENOMEM;
	}
	if (ncpus <= 0)
		return ncpus;
	c->ncpus = ncpus;
	c->drops = calloc(ncpus, sizeof(uint64_t));
	uint64_t *vals = calloc(ncpus, sizeof(uint64_t));
	if (!c->drops || !vals) {
		free(vals);
		return -ENOMEM;
	}
	for (__u32 k = 0; k < 2; k++) {
		if (bpf_map__lookup_elem(s->skel->maps.counters, &k, sizeof(k),
					 vals, ncpus * sizeof(uint64_t), 0))
			continue;
		for (int cpu = 0; cpu < ncpus; cpu++) {
			if (k == 0)
				c->drops[cpu] = vals[cpu];
			*(k == 0 ? &c->dropped : &c->untracked) += vals[cpu];
		}
	}
	free(vals);
	return 0;
}

static void fill_summary(struct lab_run_summary *sum, const struct rusage *ru,
			 const struct tracer_result *res,
			 const struct counters *c)
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

/* A run cut short killed the command's whole group: once the group is
 * gone (its zombies reaped), every member's exit is in the counters, so
 * none is taken for a process still running. Bounded: a zombie nobody
 * reaps must not hold lab. */
static void await_killed_group(struct session *s,
			       const struct tracer_result *res)
{
	uint64_t until = clock_ns(CLOCK_MONOTONIC) + 5 * SETTLE_NS;

	if (!res->interrupted && !res->timed_out && !res->write_error)
		return;
	while (kill(-s->group, 0) == 0 && clock_ns(CLOCK_MONOTONIC) < until)
		usleep(1000);
}

/* Detach, drain what is left, store the counters, close the trace. */
static int finish(struct session *s, struct tracer_result *res,
		  const struct rusage *ru, char *err, size_t errlen)
{
	struct counters c = {0};
	int r;

	await_killed_group(s, res);
	settle(s);
	bpf_link__destroy(s->marks);
	s->marks = NULL;
	lab_bpf__detach(s->skel);
	ring_buffer__consume(s->rb);
	check_writer(s, res);
	r = read_counters(s, &c);
	if (r == 0) {
		fill_summary(&res->summary, ru, res, &c);
		r = trace_writer_finish(s->writer, c.threads, c.nthreads,
					c.drops, c.ncpus, &res->summary);
		/* the file ends at its last whole chunk: kept, said so */
		if (r && !res->write_error)
			res->write_error = r;
		r = r == -ENOMEM ? r : 0;
	}
	free(c.threads);
	free(c.drops);
	if (r)
		return fail(err, errlen, "run: reading the counters: %s",
			    strerror(-r));
	return 0;
}

/* A second Ctrl-C is still pending when the mask is restored and would
 * kill lab before its report: take it here; the first one decides. */
static void take_pending_signals(struct session *s, struct tracer_result *res)
{
	struct signalfd_siginfo si;

	while (s->sigfd >= 0 && read(s->sigfd, &si, sizeof(si)) == sizeof(si))
		if (!res->interrupted && si.ssi_signo != SIGCHLD)
			res->interrupted = si.ssi_signo;
}

static void cleanup(struct session *s)
{
	if (s->child > 0) {
		kill(-s->child, SIGKILL);
		kill(s->child, SIGKILL);
		waitpid(s->child, NULL, 0);
	}
	stop_guard(s);
	hand_terminal(s, getpgrp());
	bpf_link__destroy(s->marks);
	ring_buffer__free(s->rb);
	lab_bpf__destroy(s->skel);
	trace_writer_free(s->writer);
	kernel_ids_free(s->kernel_ids);
	int fds[] = {s->sigfd,	   s->pidfd,	  s->epfd,
		     s->release_w, s->exec_err_r, s->timerfd};

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
	sigaction(SIGPIPE, &s->old_sigpipe, NULL);
}

void tracer_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGALRM);
}

int tracer_run(const struct tracer_opts *o, struct tracer_result *res,
	       char *err, size_t errlen)
{
	struct session s = {.timerfd = -1,
			    .sigfd = -1,
			    .pidfd = -1,
			    .epfd = -1,
			    .release_w = -1,
			    .exec_err_r = -1,
			    .hangup_fd = o->hangup_fd};
	struct lab_trace_info info = o->info;
	struct rusage ru = {0};
	int trace_fd = o->trace_fd; /* ours to close until the writer has it */
	sigset_t mask;
	int r = -1;

	memset(res, 0, sizeof(*res));
	s.owns_tty =
		isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
	libbpf_set_print(o->verbose ? libbpf_verbose : libbpf_quiet);
	/* signals arrive through the event loop, so cleanup always runs;
	 * SIGCHLD too, to follow the command's stops */
	tracer_stop_signals(&s.mask);
	mask = s.mask;
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &s.oldmask);
	sigaction(SIGPIPE, &(struct sigaction){.sa_handler = SIG_IGN},
		  &s.old_sigpipe);
	s.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s.sigfd < 0) {
		fail(err, errlen, "run: signalfd: %s", strerror(errno));
		goto out;
	}
	/* fork before the probes and the ring buffer are mapped, so the
	 * command's peak RSS is not charged with the tracer's memory */
	if (o->run_as && !(s.kernel_ids = kernel_ids_new())) {
		fail(err, errlen, "run: out of memory");
		goto out;
	}
	if (start_child(&s, o->argv, o->run_as, err, errlen) ||
	    start_guard(&s, err, errlen) ||
	    load_and_attach(&s, o, err, errlen) || seed_root(&s, err, errlen) ||
	    setup_waits(&s, o->timeout_s, err, errlen))
		goto out;
	info.start_ns = clock_ns(CLOCK_MONOTONIC);
	info.start_realtime_ns = clock_ns(CLOCK_REALTIME);
	r = trace_writer_open(&s.writer, trace_fd, &info);
	trace_fd = -1;
	if (r) {
		r = fail(err, errlen, "run: writing the trace: %s",
			 strerror(-r));
		goto out;
	}
	r = -1;
	if (release(&s, o->argv, err, errlen))
		goto out;
	snapshot_root(&s);
	if (drain(&s, res, &ru, err, errlen) ||
	    finish(&s, res, &ru, err, errlen))
		goto out;
	r = 0;
out:
	if (trace_fd >= 0)
		close(trace_fd);
	take_pending_signals(&s, res);
	cleanup(&s);
	return r;
}

int tracer_probe_check(char *err, size_t errlen)
{
	struct lab_bpf *skel;
	int r;

	libbpf_set_print(libbpf_quiet);
	skel = lab_bpf__open();
	if (!skel)
		return fail(err, errlen, "%s", strerror(errno));
	bpf_program__set_autoload(skel->progs.handle_mark, false);
	r = lab_bpf__load(skel);
	lab_bpf__destroy(skel);
	if (r)
		return fail(err, errlen, "%s", strerror(-r));
	return 0;
}
