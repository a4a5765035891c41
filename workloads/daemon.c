/* daemon.c - the daemon scenario: a worker that outlives its usefulness,
 * and finished tasks that linger until someone waits for them.
 *
 * `tasks` workers each do `ops` ticks of waiting while a daemon beats a
 * heartbeat every tick in a loop that never ends by itself. Two lessons,
 * in every model.
 *
 * 1. A daemon ends with the main task. In Python, daemon=True on a
 *    multiprocessing.Process makes the parent terminate it (SIGTERM) once
 *    the main program's code is done; on a threading.Thread it makes the
 *    interpreter exit without waiting for it, which ends it mid-loop.
 *	processes	the parent sends SIGTERM at its end and reaps it
 *	threads		a detached thread still looping when its process
 *			exits: exit ends every thread of the process at once.
 *			run() has to return to its caller, so the process
 *			whose main ends is a child, "daemon-prog", that
 *			run() forks and reaps
 *	coroutines	a coroutine asleep in its loop when main returns.
 *			asyncio.run cancels what is left when main returns,
 *			raising CancelledError at each pending await, and an
 *			unjoined greenlet simply vanishes at exit. coro_run
 *			has no cancellation and waits for every coroutine,
 *			so the daemon checks main's flag at each wakeup
 *
 * 2. A finished task leaves something behind until it is waited for.
 *	processes	a worker that exited is a zombie, state Z in
 *			/proc/PID/stat: the kernel keeps its pid, exit status
 *			and usage until the parent's waitpid. The parent
 *			sees each exit with waitid(WNOWAIT), which leaves the
 *			zombie in place, holds them half the work time, then
 *			reaps. (A child that outlives its parent is an
 *			orphan, adopted by init or a subreaper: not a zombie.)
 *	threads		a joinable thread that returned has no kernel task any
 *			more (/proc/PID/task/TID is gone); what waits for
 *			pthread_join is its stack and return value, in user
 *			space
 *	coroutines	nothing waits: a finished coroutine's stack goes back
 *			to the runtime's pool at once, and the next spawn
 *			takes it without mapping a new one
 *
 * daemon_beat() is the daemon's loop and daemon_work() a worker's job, the
 * same in every model.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "coro.h"
#include "daemon.h"
#include "markers.h"

#define DAEMON_TASKS	  2
#define DAEMON_OPS	  10
#define DAEMON_DURATION_S 0.5 /* the workers' work; zombies wait half */
/* How long main waits for a returned thread's kernel task to go, or for
 * the daemon's first beat. */
#define DAEMON_WAIT_NS 5000000000ull

struct daemon_worker {
	unsigned id;
	char name[20]; /* "daemon-w1"; at most 100000 workers fit in 15 */
	pid_t pid;     /* processes: its pid; threads: its tid */
	pthread_t thread;
	int started;
	sem_t returned; /* threads: posted just before it returns */
	void *stack_lo; /* threads: where its stack is mapped */
	size_t stack_len;
	char state_exit; /* processes: /proc state once it has exited */
	char state_held; /* ... after the hold, before waitpid */
	char state_reaped;
	int gone_held;	 /* threads: no kernel task after the hold */
	int mapped_held; /* threads: stack still mapped after the hold */
	int ok;		 /* exited 0 / returned every op */
	uint64_t exited_ns, reaped_ns;
};

/* Shared with forked children: the heartbeat and what main observed. */
struct daemon_shared {
	uint64_t beats;	  /* the daemon's heartbeats */
	int in_loop;	  /* the daemon has entered its loop */
	int left_loop;	  /* the daemon left its loop: ended by itself */
	int asleep;	  /* the daemon waits in its sleep */
	pid_t daemon_id;  /* its pid or tid */
	int alive_at_end; /* main saw it still looping at main's end */
	uint64_t beats_at_end;
	uint64_t ops_done; /* every worker's ticks together */
	struct daemon_worker w[];
};

struct daemon_run {
	const char *name;
	unsigned n, ops;
	uint64_t tick_ns, hold_ns;
	struct daemon_shared *sh;
	size_t sh_len;
	pid_t daemon_pid;
	/* coroutines */
	int main_done;
	uint64_t main_end_ns, daemon_end_ns;
	uint64_t stacks_new; /* stacks the late coroutine's spawn mapped */
	int late_ran;
	struct coro_chan *done;
};

static uint64_t daemon_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void daemon_sleep_blocking(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000u),
		.tv_nsec = (long)(ns % 1000000000u),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/* The daemon, the same in every model: a heartbeat each tick, for ever,
 * or until *stop when it is given one. */
static void daemon_beat(struct daemon_shared *sh, uint64_t tick_ns,
			void (*sleep_ns)(uint64_t), const int *stop)
{
	sh->daemon_id = gettid();
	__atomic_store_n(&sh->in_loop, 1, __ATOMIC_RELEASE);
	while (!stop || !*stop) {
		__atomic_add_fetch(&sh->beats, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&sh->asleep, 1, __ATOMIC_RELAXED);
		sleep_ns(tick_ns);
		__atomic_store_n(&sh->asleep, 0, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&sh->left_loop, 1, __ATOMIC_RELEASE);
}

/* A worker's job: ops ticks of waiting. Returns the ticks done. */
static unsigned daemon_work(struct daemon_run *r, void (*sleep_ns)(uint64_t))
{
	unsigned done = 0;

	for (; done < r->ops; done++) {
		sleep_ns(r->tick_ns);
		__atomic_add_fetch(&r->sh->ops_done, 1, __ATOMIC_RELAXED);
	}
	return done;
}

/* With tiny ticks on a busy machine, main may reach its end before the
 * daemon has run at all: wait for its first beat, so that what main then
 * sees is a daemon that runs. */
static void daemon_wait_beat(struct daemon_shared *sh)
{
	uint64_t deadline = daemon_now_ns() + DAEMON_WAIT_NS;

	while (!__atomic_load_n(&sh->beats, __ATOMIC_ACQUIRE) &&
	       daemon_now_ns() < deadline)
		daemon_sleep_blocking(1000000);
}

static double daemon_ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* ---- one run: parameters, the shared mapping ---- */

static int daemon_prepare(struct daemon_run *r, const char *name,
			  const struct workload_params *p)
{
	double duration = p->duration_s ? p->duration_s : DAEMON_DURATION_S;

	memset(r, 0, sizeof(*r));
	r->name = name;
	r->daemon_pid = -1;
	r->n = p->tasks ? p->tasks : DAEMON_TASKS;
	r->ops = p->ops ? p->ops : DAEMON_OPS;
	if (!isfinite(duration) || duration < 0 || duration > 1e6) {
		fprintf(stderr, "%s: bad duration %g s\n", name, duration);
		return -1;
	}
	if (r->n > 100000) {
		fprintf(stderr, "%s: %u workers are too many\n", name, r->n);
		return -1;
	}
	r->tick_ns = (uint64_t)(duration * 1e9 / r->ops);
	r->hold_ns = (uint64_t)(duration * 1e9 / 2);
	return 0;
}

/* Marks the start and maps the shared state, which forked children see
 * too; on failure marks the end as well. */
static int daemon_begin(struct daemon_run *r)
{
	LAB_MARK_START(r->n + 1); /* the workers and the daemon */
	LAB_MARK_OPS(r->ops);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	r->sh_len = sizeof(*r->sh) + (size_t)r->n * sizeof(r->sh->w[0]);
	r->sh = mmap(NULL, r->sh_len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->sh == MAP_FAILED) {
		fprintf(stderr, "%s: mmap: %s\n", r->name, strerror(errno));
		r->sh = NULL;
		LAB_MARK_END(1);
		return -1;
	}
	for (unsigned i = 0; i < r->n; i++) {
		r->sh->w[i].id = i;
		snprintf(r->sh->w[i].name, sizeof(r->sh->w[i].name),
			 "daemon-w%u", i);
	}
	return 0;
}

static int daemon_end(struct daemon_run *r, int result)
{
	munmap(r->sh, r->sh_len);
	r->sh = NULL;
	LAB_MARK_END(result);
	return result;
}

/* Every worker did every op and, given seen, was seen as the lesson
 * says. */
static int daemon_workers_verdict(const struct daemon_run *r,
				  int (*seen)(const struct daemon_worker *),
				  const char *what)
{
	unsigned wrong = 0;

	for (unsigned i = 0; i < r->n; i++) {
		const struct daemon_worker *w = &r->sh->w[i];

		if (w->ok && (!seen || seen(w)))
			continue;
		if (!wrong++)
			fprintf(stderr, "%s: %s %s\n", r->name, w->name,
				!w->ok ? "did not finish its work" : what);
	}
	if (__atomic_load_n(&r->sh->ops_done, __ATOMIC_RELAXED) !=
	    (uint64_t)r->n * r->ops) {
		fprintf(stderr,
			"%s: the workers did %" PRIu64 " of %" PRIu64 " ops\n",
			r->name, r->sh->ops_done, (uint64_t)r->n * r->ops);
		wrong++;
	}
	return wrong ? 1 : 0;
}

/* The shortest time any worker waited between its end and its reaping */
static uint64_t daemon_min_held(const struct daemon_run *r)
{
	uint64_t min = UINT64_MAX;

	for (unsigned i = 0; i < r->n; i++) {
		const struct daemon_worker *w = &r->sh->w[i];

		if (w->reaped_ns - w->exited_ns < min)
			min = w->reaped_ns - w->exited_ns;
	}
	return min;
}

/* ---- processes ---- */

/* The state letter in /proc/PID/stat ('S', 'Z', ...), 0 without one. */
static char daemon_proc_state(pid_t pid)
{
	char path[64], buf[512], *rp;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the name in parentheses may hold anything, even ") " */
	rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' ? rp[2] : 0;
}

/* A forked helper must not outlive the run, even if the run's process
 * dies: the kernel sends it SIGKILL then. */
static void daemon_die_with(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1); /* the parent died before the line above */
}

static __attribute__((noreturn)) void daemon_child(struct daemon_run *r,
						   pid_t parent)
{
	prctl(PR_SET_NAME, "daemon-d");
	daemon_die_with(parent);
	daemon_beat(r->sh, r->tick_ns, daemon_sleep_blocking, NULL);
	_exit(1); /* never: the loop has no end */
}

static __attribute__((noreturn)) void
daemon_worker_child(struct daemon_run *r, struct daemon_worker *w, pid_t parent)
{
	prctl(PR_SET_NAME, w->name);
	daemon_die_with(parent);
	_exit(daemon_work(r, daemon_sleep_blocking) == r->ops ? 0 : 1);
}

/* Lesson 2: see each worker's exit without reaping it, check that the
 * kernel calls it a zombie, leave it so for the hold, check again, then
 * reap it and check that it is gone. */
static void daemon_hold_zombies(struct daemon_run *r)
{
	for (unsigned i = 0; i < r->n; i++) {
		struct daemon_worker *w = &r->sh->w[i];
		siginfo_t si;

		if (!w->started)
			continue;
		memset(&si, 0, sizeof(si));
		/* WNOWAIT: report the exit, leave the child waitable */
		while (waitid(P_PID, (id_t)w->pid, &si, WEXITED | WNOWAIT) &&
		       errno == EINTR)
			;
		w->exited_ns = daemon_now_ns();
		w->state_exit = daemon_proc_state(w->pid);
	}
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	daemon_sleep_blocking(r->hold_ns);
	for (unsigned i = 0; i < r->n; i++) {
		struct daemon_worker *w = &r->sh->w[i];
		int status = 0;
		pid_t got;

		if (!w->started)
			continue;
		w->state_held = daemon_proc_state(w->pid);
		while ((got = waitpid(w->pid, &status, 0)) < 0 &&
		       errno == EINTR)
			;
		w->reaped_ns = daemon_now_ns();
		/* reaped, its /proc entry goes with it */
		w->state_reaped = daemon_proc_state(w->pid);
		w->ok = got == w->pid && WIFEXITED(status) &&
			WEXITSTATUS(status) == 0;
	}
}

static int daemon_was_zombie(const struct daemon_worker *w)
{
	return w->state_exit == 'Z' && w->state_held == 'Z' &&
	       w->state_reaped == 0;
}

/* Lesson 1 at main's end: the daemon must still be running (it never
 * ends by itself); SIGTERM ends it, as multiprocessing ends a daemonic
 * child, and waitpid reaps it. Returns 0 when it went as it should. */
static int daemon_stop_process(struct daemon_run *r)
{
	struct daemon_shared *sh = r->sh;
	int status = 0, result = 0;
	pid_t pid = r->daemon_pid, got;

	daemon_wait_beat(sh);
	got = waitpid(pid, &status, WNOHANG);
	sh->beats_at_end = __atomic_load_n(&sh->beats, __ATOMIC_RELAXED);
	sh->alive_at_end = got == 0;
	if (got == 0) {
		kill(pid, SIGTERM);
		while ((got = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
			;
	}
	if (!sh->alive_at_end || !sh->beats_at_end) {
		fprintf(stderr, "%s: the daemon %s\n", r->name,
			sh->alive_at_end ? "never beat"
					 : "was gone before main ended");
		result = 1;
	} else if (got != pid || !WIFSIGNALED(status) ||
		   WTERMSIG(status) != SIGTERM) {
		fprintf(stderr, "%s: the daemon did not end by SIGTERM\n",
			r->name);
		result = 1;
	}
	/* nothing of it left: not even a zombie */
	if (waitpid(pid, NULL, WNOHANG) != -1 || errno != ECHILD) {
		fprintf(stderr, "%s: the daemon %d is still a child\n", r->name,
			(int)pid);
		result = 1;
	}
	return result;
}

static int daemon_processes_run(const struct workload_params *p)
{
	struct daemon_run r;
	pid_t self = getpid();
	int result;

	if (daemon_prepare(&r, "daemon-processes", p) != 0 ||
	    daemon_begin(&r) != 0)
		return 1;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	r.daemon_pid = fork();
	if (r.daemon_pid == 0)
		daemon_child(&r, self);
	if (r.daemon_pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", r.name, strerror(errno));
		return daemon_end(&r, 1);
	}
	for (unsigned i = 0; i < r.n; i++) {
		struct daemon_worker *w = &r.sh->w[i];
		/* not straight into w: the child would write its 0 there */
		pid_t pid = fork();

		if (pid == 0)
			daemon_worker_child(&r, w, self);
		if (pid < 0)
			fprintf(stderr, "%s: fork: %s\n", r.name,
				strerror(errno));
		w->pid = pid;
		w->started = pid > 0;
	}
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	daemon_hold_zombies(&r);
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	result = daemon_stop_process(&r);
	result |= daemon_workers_verdict(&r, daemon_was_zombie,
					 "was not seen as a zombie");
	if (!result) {
		printf("%s: %u workers exited, stayed zombies (state Z) "
		       "%.1f ms, until waitpid\n",
		       r.name, r.n, daemon_ms(daemon_min_held(&r)));
		printf("%s: the daemon beat %" PRIu64 " times, ran on at "
		       "main's end; SIGTERM ended it\n",
		       r.name, r.sh->beats_at_end);
	}
	return daemon_end(&r, result);
}

/* ---- threads ---- */

/* true while /proc/self/task lists the thread */
static int daemon_task_exists(pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
	return access(path, F_OK) == 0;
}

/* true when /proc/self/maps covers both ends of [lo, lo + len) */
static int daemon_is_mapped(const void *lo, size_t len)
{
	uintptr_t first = (uintptr_t)lo, last = first + len - 1;
	int have_first = 0, have_last = 0;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f || !len) {
		if (f)
			fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		uintptr_t a, b;

		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &a, &b) != 2)
			continue;
		have_first |= first >= a && first < b;
		have_last |= last >= a && last < b;
	}
	fclose(f);
	return have_first && have_last;
}

static void *daemon_thread_daemon(void *arg)
{
	struct daemon_run *r = arg;

	pthread_setname_np(pthread_self(), "daemon-d");
	daemon_beat(r->sh, r->tick_ns, daemon_sleep_blocking, NULL);
	return NULL; /* never: the loop has no end */
}

struct daemon_thread_arg {
	struct daemon_run *r;
	struct daemon_worker *w;
};

static void *daemon_thread_worker(void *arg)
{
	struct daemon_thread_arg *a = arg;
	struct daemon_worker *w = a->w;
	pthread_attr_t attr;

	pthread_setname_np(pthread_self(), w->name);
	w->pid = gettid();
	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		pthread_attr_getstack(&attr, &w->stack_lo, &w->stack_len);
		pthread_attr_destroy(&attr);
	}
	w->ok = daemon_work(a->r, daemon_sleep_blocking) == a->r->ops;
	sem_post(&w->returned);
	return (void *)(uintptr_t)a->r->ops;
}

/* Waits, without joining, until the worker returns and its kernel task
 * is gone from /proc/self/task, a moment later; 0 when it went. */
static int daemon_wait_gone(struct daemon_worker *w)
{
	uint64_t deadline;

	while (sem_wait(&w->returned) != 0)
		; /* EINTR */
	deadline = daemon_now_ns() + DAEMON_WAIT_NS;
	while (daemon_task_exists(w->pid)) {
		if (daemon_now_ns() > deadline)
			return -1;
		daemon_sleep_blocking(1000000);
	}
	return 0;
}

/* Lesson 2: each worker returns; its kernel task goes at once, but its
 * stack stays mapped for the hold, until pthread_join hands back the
 * return value and the stack. */
static void daemon_hold_threads(struct daemon_run *r)
{
	for (unsigned i = 0; i < r->n; i++) {
		struct daemon_worker *w = &r->sh->w[i];

		if (w->started && daemon_wait_gone(w) == 0)
			w->exited_ns = daemon_now_ns();
	}
	daemon_sleep_blocking(r->hold_ns);
	for (unsigned i = 0; i < r->n; i++) {
		struct daemon_worker *w = &r->sh->w[i];
		void *ret = NULL;

		if (!w->started)
			continue;
		w->gone_held = w->exited_ns && !daemon_task_exists(w->pid);
		w->mapped_held = daemon_is_mapped(w->stack_lo, w->stack_len);
		pthread_join(w->thread, &ret);
		w->reaped_ns = daemon_now_ns();
		sem_destroy(&w->returned);
		w->ok = w->ok && (uintptr_t)ret == r->ops;
	}
}

static int daemon_was_unjoined(const struct daemon_worker *w)
{
	return w->gone_held && w->mapped_held;
}

/* The program whose main ends with the daemon thread still looping. */
static __attribute__((noreturn)) void daemon_program(struct daemon_run *r,
						     pid_t parent)
{
	struct daemon_shared *sh = r->sh;
	struct daemon_thread_arg *args = calloc(r->n, sizeof(*args));
	pthread_attr_t detached;
	pthread_t daemon;
	int err;

	prctl(PR_SET_NAME, "daemon-prog");
	daemon_die_with(parent);
	pthread_attr_init(&detached);
	pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&daemon, &detached, daemon_thread_daemon, r);
	pthread_attr_destroy(&detached);
	if (err || !args)
		_exit(2);
	for (unsigned i = 0; i < r->n; i++) {
		args[i] = (struct daemon_thread_arg){r, &sh->w[i]};
		sem_init(&sh->w[i].returned, 0, 0);
		sh->w[i].started =
			pthread_create(&sh->w[i].thread, NULL,
				       daemon_thread_worker, &args[i]) == 0;
	}
	daemon_hold_threads(r);
	/* main's end: the daemon still loops, as it always would */
	daemon_wait_beat(sh);
	sh->beats_at_end = __atomic_load_n(&sh->beats, __ATOMIC_RELAXED);
	sh->alive_at_end = __atomic_load_n(&sh->in_loop, __ATOMIC_ACQUIRE) &&
			   !__atomic_load_n(&sh->left_loop, __ATOMIC_ACQUIRE) &&
			   daemon_task_exists(sh->daemon_id);
	free(args);
	/* exit_group: every thread of the process ends here, the daemon in
	 * the middle of its loop. (exit() would do the same after running
	 * atexit handlers, which in this copy are the caller's, not ours.) */
	_exit(0);
}

static int daemon_threads_run(const struct workload_params *p)
{
	struct daemon_run r;
	struct daemon_shared *sh;
	int status = 0, result = 0;
	pid_t self = getpid(), prog, got;

	if (daemon_prepare(&r, "daemon-threads", p) != 0 ||
	    daemon_begin(&r) != 0)
		return 1;
	sh = r.sh;
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	prog = fork();
	if (prog == 0)
		daemon_program(&r, self);
	if (prog < 0) {
		fprintf(stderr, "%s: fork: %s\n", r.name, strerror(errno));
		return daemon_end(&r, 1);
	}
	/* phases are the root's: the whole program is its work */
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	while ((got = waitpid(prog, &status, 0)) < 0 && errno == EINTR)
		;
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	if (got != prog || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s: daemon-prog failed (status %#x)\n", r.name,
			status);
		return daemon_end(&r, 1);
	}
	if (!sh->alive_at_end || !sh->beats_at_end ||
	    __atomic_load_n(&sh->left_loop, __ATOMIC_ACQUIRE)) {
		fprintf(stderr,
			"%s: the daemon thread was not looping when "
			"daemon-prog exited\n",
			r.name);
		result = 1;
	}
	result |= daemon_workers_verdict(&r, daemon_was_unjoined,
					 "was not a stack without a task");
	if (!result) {
		printf("%s: %u workers returned, unjoined %.1f ms: no kernel "
		       "task, a %zu KiB stack\n",
		       r.name, r.n, daemon_ms(daemon_min_held(&r)),
		       sh->w[0].stack_len / 1024);
		printf("%s: the detached daemon beat %" PRIu64 " times, "
		       "looping at exit; exit ended it\n",
		       r.name, sh->beats_at_end);
	}
	return daemon_end(&r, result);
}

/* ---- coroutines ---- */

static void daemon_coro_daemon(void *arg)
{
	struct daemon_run *r = arg;

	daemon_beat(r->sh, r->tick_ns, coro_sleep_ns, &r->main_done);
	r->daemon_end_ns = daemon_now_ns();
}

static void daemon_coro_worker(void *arg)
{
	struct daemon_run *r = arg;
	unsigned done = daemon_work(r, coro_sleep_ns);

	coro_chan_send(r->done, (void *)(uintptr_t)done);
}

static void daemon_coro_late(void *arg)
{
	struct daemon_run *r = arg;

	r->late_ran = 1;
}

/* The main coroutine: starts the daemon and the workers, waits for the
 * workers, spawns one more coroutine once they are done, and returns with
 * the daemon asleep in its loop. */
static void daemon_coro_main(void *arg)
{
	struct daemon_run *r = arg;
	struct daemon_shared *sh = r->sh;
	uint64_t stacks;
	int err = coro_spawn(daemon_coro_daemon, r, 0);

	for (unsigned i = 0; i < r->n && !err; i++) {
		err = coro_spawn(daemon_coro_worker, r, 0);
		sh->w[i].started = !err;
	}
	for (unsigned i = 0; i < r->n && sh->w[i].started; i++) {
		void *ops = NULL;

		sh->w[i].ok = coro_chan_recv(r->done, &ops) == 0 &&
			      (uintptr_t)ops == r->ops;
	}
	/* lesson 2: the finished workers' stacks are in the pool already */
	stacks = coro_stacks_mapped();
	if (!err)
		err = coro_spawn(daemon_coro_late, r, 0);
	r->stacks_new = coro_stacks_mapped() - stacks;
	sh->beats_at_end = __atomic_load_n(&sh->beats, __ATOMIC_RELAXED);
	sh->alive_at_end = sh->in_loop && sh->asleep && !sh->left_loop;
	if (err)
		fprintf(stderr, "%s: coro_spawn: %s\n", r->name,
			strerror(-err));
	r->main_end_ns = daemon_now_ns();
	r->main_done = 1; /* the daemon sees it when its sleep ends */
}

static int daemon_coroutines_run(const struct workload_params *p)
{
	struct daemon_run r;
	struct daemon_shared *sh;
	uint64_t switches = coro_switches();
	int err, result = 0;

	if (daemon_prepare(&r, "daemon-coroutines", p) != 0 ||
	    daemon_begin(&r) != 0)
		return 1;
	sh = r.sh;
	r.done = coro_chan_new(r.n);
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	err = r.done ? coro_spawn(daemon_coro_main, &r, 0) : -ENOMEM;
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	if (!err)
		err = coro_run();
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	coro_chan_free(r.done);
	if (err) {
		fprintf(stderr, "%s: %s\n", r.name, strerror(-err));
		result = 1;
	} else if (!sh->alive_at_end || !sh->beats_at_end || !sh->left_loop ||
		   r.daemon_end_ns < r.main_end_ns) {
		fprintf(stderr,
			"%s: the daemon was not asleep in its loop when main "
			"returned\n",
			r.name);
		result = 1;
	}
	if (!err && (r.stacks_new || !r.late_ran)) {
		fprintf(stderr,
			"%s: a spawn after the workers ended mapped %" PRIu64
			" new stacks\n",
			r.name, r.stacks_new);
		result = 1;
	}
	result |= daemon_workers_verdict(&r, NULL, "");
	if (!result) {
		printf("%s: the daemon beat %" PRIu64 " times, asleep when "
		       "main returned; saw its flag %.1f ms later\n",
		       r.name, sh->beats_at_end,
		       daemon_ms(r.daemon_end_ns - r.main_end_ns));
		printf("%s: a spawn after %u workers ended mapped %" PRIu64
		       " new stacks: finished ones are pooled\n",
		       r.name, r.n, r.stacks_new);
	}
	LAB_MARK_CORO_SWITCHES(coro_switches() - switches);
	return daemon_end(&r, result);
}

const struct workload daemon_processes = {
	.name = "daemon-processes",
	.scenario = "daemon",
	.model = "processes",
	.summary = "a daemon child killed at main's end; zombies until waitpid",
	.run = daemon_processes_run,
};

const struct workload daemon_threads = {
	.name = "daemon-threads",
	.scenario = "daemon",
	.model = "threads",
	.summary = "a detached thread ended by exit; unjoined finished threads",
	.run = daemon_threads_run,
};

const struct workload daemon_coroutines = {
	.name = "daemon-coroutines",
	.scenario = "daemon",
	.model = "coroutines",
	.summary = "a sleeping daemon coroutine when main returns",
	.run = daemon_coroutines_run,
};
