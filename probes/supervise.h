/* supervise.h - the traced command's life, from start to reaping.
 *
 * The command starts held on a pipe in a process group of its own (as
 * the user under sudo, dropped with identity_become before it opens
 * anything), is released once the probes are attached, gets the
 * terminal as a shell's job would, is followed through Ctrl-Z, and is
 * watched by a guard in a session of its own that kills its group if
 * lab dies without cleaning up. lab takes its stop signals through a
 * signalfd, so its cleanup always runs.
 */
#ifndef LAB_SUPERVISE_H
#define LAB_SUPERVISE_H

#include <signal.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>
#include "probes/identity.h"

struct supervised {
	pid_t child; /* the command; 0 once reaped */
	pid_t group; /* the command's process group; stays set after reaping */
	int release_w, exec_err_r;
	/* the guard kills the command's group if lab dies without a word */
	pid_t guard;
	int guard_w;
	int owns_tty; /* lab is the terminal's foreground group */
	/* passed to the command as LAB_MEMORY_FD when >= 0 */
	int memory_fd;
	int sigfd; /* the stop signals and SIGCHLD */
	/* a child that died early makes the release write fail, not kill us */
	struct sigaction old_sigpipe;
	sigset_t oldmask;
	sigset_t mask; /* the signals that end a run */
};

/* Nothing started yet; notes whether lab has the terminal. */
void supervise_init(struct supervised *s);
/* Blocks the stop signals and SIGCHLD and takes them through s->sigfd;
 * ignores SIGPIPE. 0, or -1 with one line in err. */
int supervise_signals(struct supervised *s, char *err, size_t errlen);
/* Starts argv held (as run_as when given) and its guard. 0, or -1 with
 * one line in err. */
int supervise_start(struct supervised *s, char *const *argv,
		    const struct identity *run_as, char *err, size_t errlen);
/* Releases the command; 0 once it has exec'd, -1 with one line in err
 * if it could not. */
int supervise_release(struct supervised *s, char *const *argv, char *err,
		      size_t errlen);
/* The next signal lab took, or 0: none, or SIGCHLD, which has been
 * dealt with (a stopped command stops lab with it). */
int supervise_take_signal(struct supervised *s);
/* Kills the command's whole group; nothing once the command is reaped. */
void supervise_kill_group(const struct supervised *s);
/* The command has exited: 0 with its wait status, the command left
 * unreaped (a zombie keeps the group's id its own); -1 not yet. */
int supervise_exited(struct supervised *s, int *status);
/* Dismisses the guard, then reaps the exited command for its resource
 * use: 0, or -1 if it was not reaped. */
int supervise_reap(struct supervised *s, struct rusage *ru);
/* A killed group is gone but for its unreaped leader, so every member's
 * exit is in the counters; bounded, as a zombie nobody reaps must not
 * hold lab. */
void supervise_await_group(const struct supervised *s);
/* Signals still pending when the run ends: the first one is kept in
 * *interrupted unless it holds one already. */
void supervise_take_pending(struct supervised *s, int *interrupted);
/* Kills and reaps a command still there, dismisses the guard, takes the
 * terminal back. */
void supervise_end(struct supervised *s);
/* Closes what is left and gives back the signal mask and SIGPIPE:
 * last, once nothing else is to be cleaned up. */
void supervise_restore(struct supervised *s);

#endif /* LAB_SUPERVISE_H */
