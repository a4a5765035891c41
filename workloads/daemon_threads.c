/* daemon_threads.c - the daemon scenario's threads: daemon-prog, the
 * process whose main ends with a detached daemon thread still looping
 * (see daemon.c for the lessons).
 *
 * run() has to return to its caller, so the program whose exit ends every
 * thread is a child the run forks and reaps: the double fork only this
 * model needs. Its main starts the daemon detached and the workers
 * joinable, sees each worker return and its kernel task go, holds them
 * unjoined, joins them, and exits with the daemon in its loop.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "workloads/daemon_run.h"

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
	daemon_beat(r->sh, r->tick_ns, tasks_sleep_ns, NULL);
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
	w->ok = daemon_work(a->r, tasks_sleep_ns) == a->r->ops;
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
		tasks_sleep_ns(1000000);
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
	tasks_sleep_ns(r->hold_ns);
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

void daemon_prog_start(struct launch *l)
{
	struct daemon_run *r = (struct daemon_run *)l;

	r->prog = fork();
	if (r->prog == 0)
		daemon_program(r, r->parent);
	if (r->prog < 0) {
		fprintf(stderr, "%s: fork: %s\n", l->name, strerror(errno));
		l->start_err = errno;
	}
}

/* The root's part: the whole program is its work. */
void daemon_prog_wait(struct launch *l)
{
	struct daemon_run *r = (struct daemon_run *)l;
	pid_t got;

	if (r->prog <= 0)
		return;
	while ((got = waitpid(r->prog, &r->prog_status, 0)) < 0 &&
	       errno == EINTR)
		;
	if (got != r->prog)
		r->prog_status = -1;
}

int daemon_prog_check(struct launch *l)
{
	struct daemon_run *r = (struct daemon_run *)l;
	struct daemon_shared *sh = r->sh;
	int status = r->prog_status, result = 0;

	if (r->prog < 0)
		return 1; /* said already */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s: daemon-prog failed (status %#x)\n",
			l->name, status);
		return 1;
	}
	if (!sh->alive_at_end || !sh->beats_at_end ||
	    __atomic_load_n(&sh->left_loop, __ATOMIC_ACQUIRE)) {
		fprintf(stderr,
			"%s: the daemon thread was not looping when "
			"daemon-prog exited\n",
			l->name);
		result = 1;
	}
	result |= daemon_workers_verdict(r, daemon_was_unjoined,
					 "was not a stack without a task");
	return result;
}

void daemon_prog_report(const struct launch *l)
{
	const struct daemon_run *r = (const struct daemon_run *)l;
	uint64_t held = daemon_min_held(r);

	printf("%s: %u workers returned, unjoined %.1f ms: no kernel "
	       "task, a %zu KiB stack\n",
	       l->name, r->n, daemon_ms(held), r->sh->w[0].stack_len / 1024);
	printf("%s: the detached daemon beat %" PRIu64 " times, "
	       "looping at exit; exit ended it\n",
	       l->name, r->sh->beats_at_end);
	/* a returned thread is no zombie, but it waits unjoined the same */
	LAB_RESULT(LAB_RESULT_ZOMBIE_NS, held);
	LAB_RESULT(LAB_RESULT_DAEMON_BEATS, r->sh->beats_at_end);
}
