/* shared_run.h - what the shared scenario's files share: its run, its
 * workers' slots, and the manager's side of a run (shared_clients.c): the
 * manager as a task beside the workers, its clients' sockets, the root's
 * read back. */
#ifndef LAB_SHARED_RUN_H
#define LAB_SHARED_RUN_H

#include <stdint.h>
#include "workloads/launch.h"
#include "workloads/shared_dict.h"
#include "workloads/shared_manager.h"

#define SHARED_KEYS 16

enum shared_way { SHARED_MANAGED, SHARED_LOCKED };

/* A worker's slot; base.failed: a request or the lock failed. */
struct shared_task {
	struct launch_task base;
	/* CLOCK_MONOTONIC when its updates began and were done */
	uint64_t start_ns, done_ns;
};

struct shared_run {
	struct launch base; /* the workers */
	enum shared_way way;
	char keys[SHARED_KEYS][SHARED_KEY_LEN];
	struct launch *manager; /* one task, shared-mgr */
	/* a socketpair per client: workers 0..N-1, then the root's own */
	int *cfd, *sfd;
	unsigned char *failed;	      /* per worker, in either way */
	int64_t managed[SHARED_KEYS]; /* the manager's dict, as read back */
	int manager_failed;
	/* each way's span (shared_span); managed_ns -1: coroutines could
	 * not all run */
	int64_t managed_ns, locked_ns;
	struct coro_chan *finished; /* coroutines: a token a worker done */
};

/* The manager's group and a socketpair per client; 0, or -1 having said
 * why. free gives them back, made or not (cfd NULL before make). */
int shared_clients_make(struct shared_run *r);
void shared_clients_free(struct shared_run *r);
/* The workers' hooks for the managed way: a worker process keeps only
 * its own end; once they are started, the ends they hold are closed in
 * the root, and coroutines get the root's part as one more coroutine. */
void shared_clients_child(struct launch_task *t);
void shared_clients_started(struct launch *l);
/* The root's read of the manager's dictionary, once every worker is
 * done; closing its end then lets the manager finish. */
void shared_read_back(struct shared_run *r);
/* How a task waits for its socket: blocking, or parking its coroutine. */
shared_wait_fn shared_wait(const struct launch *l);
void shared_close(int *fd);

#endif /* LAB_SHARED_RUN_H */
