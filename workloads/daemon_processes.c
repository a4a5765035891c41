/* daemon_processes.c - the daemon scenario's processes: workers that stay
 * zombies until they are waited for, and a daemon child ended by SIGTERM
 * at main's end (see daemon.c for the lessons). */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include "workloads/daemon_run.h"

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

/* Lesson 2: see each worker's exit without reaping it and check that the
 * kernel calls it a zombie; the launcher marks JOIN; then leave it so for
 * the hold, check again, reap it and check that it is gone. */
void daemon_see_exits(struct launch *l)
{
	struct daemon_run *r = (struct daemon_run *)l;

	for (unsigned i = 0; i < r->n; i++) {
		struct daemon_worker *w = &r->sh->w[i];
		const struct launch_task *t = launch_slot(l, i + 1);
		siginfo_t si;

		w->pid = t->pid;
		w->started = t->started;
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
}

void daemon_hold_zombies(struct launch *l)
{
	struct daemon_run *r = (struct daemon_run *)l;

	tasks_sleep_ns(r->hold_ns);
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
	pid_t pid = ((const struct launch_task *)launch_slot(&r->base, 0))->pid;
	pid_t got;

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
		fprintf(stderr, "%s: the daemon %s\n", r->base.name,
			sh->alive_at_end ? "never beat"
					 : "was gone before main ended");
		result = 1;
	} else if (got != pid || !WIFSIGNALED(status) ||
		   WTERMSIG(status) != SIGTERM) {
		fprintf(stderr, "%s: the daemon did not end by SIGTERM\n",
			r->base.name);
		result = 1;
	}
	/* nothing of it left: not even a zombie */
	if (waitpid(pid, NULL, WNOHANG) != -1 || errno != ECHILD) {
		fprintf(stderr, "%s: the daemon %d is still a child\n",
			r->base.name, (int)pid);
		result = 1;
	}
	return result;
}

/* Lesson 1 at main's end, then lesson 2's verdict. */
int daemon_processes_check(struct launch *l)
{
	struct daemon_run *r = (struct daemon_run *)l;
	const struct launch_task *d = launch_slot(l, 0);

	if (!d->started)
		return 1; /* said already */
	return daemon_stop_process(r) |
	       daemon_workers_verdict(r, daemon_was_zombie,
				      "was not seen as a zombie");
}

void daemon_processes_report(const struct launch *l)
{
	const struct daemon_run *r = (const struct daemon_run *)l;
	uint64_t held = daemon_min_held(r);

	printf("%s: %u workers exited, stayed zombies (state Z) "
	       "%.1f ms, until waitpid\n",
	       l->name, r->n, daemon_ms(held));
	printf("%s: the daemon beat %" PRIu64 " times, ran on at "
	       "main's end; SIGTERM ended it\n",
	       l->name, r->sh->beats_at_end);
	LAB_RESULT(LAB_RESULT_ZOMBIE_NS, held);
	LAB_RESULT(LAB_RESULT_DAEMON_BEATS, r->sh->beats_at_end);
}
