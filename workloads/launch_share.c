/* launch_share.c - what the tasks of a launch share, whatever the model
 * (see launch.h and launch_impl.h) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "workloads/coro/coro.h"
#include "workloads/launch_impl.h"

void *launch_slot(const struct launch *l, unsigned i)
{
	return (char *)l->board + sizeof(*l->board) + (size_t)i * l->stride;
}

static void *launch_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int launch_board_make(struct launch *l, unsigned n)
{
	const struct launch_kind *k = l->kind;

	l->stride = (k->slot_size + LAUNCH_CACHE_LINE - 1) / LAUNCH_CACHE_LINE *
		    LAUNCH_CACHE_LINE;
	l->board_len = sizeof(*l->board) + (size_t)n * l->stride;
	l->board = launch_map(l->board_len);
	if (!l->board)
		return errno;
	for (unsigned i = 0; i < n; i++) {
		struct launch_task *t = launch_slot(l, i);

		t->run = l;
		t->id = i;
		t->cpu = -1;
		if (!l->ncpus || !launch_has(l, LAUNCH_PIN))
			continue;
		/* one thread runs coroutines and the serial run */
		t->cpu = l->model == LAUNCH_PROCESSES ||
					 l->model == LAUNCH_THREADS
				 ? l->cpus[i % l->ncpus]
				 : l->cpus[0];
	}
	return 0;
}

/* Threads, coroutines and the serial run share the kind's global; so
 * does each process its own copy of it, unless LAUNCH_SHARE_MEMORY puts
 * it in a mapping all of them see. */
static int launch_make_shared(struct launch *l)
{
	const struct launch_kind *k = l->kind;

	if (!k->shared)
		return 0;
	l->shared_mapped = l->model == LAUNCH_PROCESSES &&
			   launch_has(l, LAUNCH_SHARE_MEMORY);
	l->shared = l->shared_mapped ? launch_map(k->shared_size) : k->shared;
	if (!l->shared) {
		l->shared_mapped = 0;
		return errno;
	}
	memset(l->shared, 0, k->shared_size);
	return 0;
}

/* A fresh lock: an earlier one may have been held by a task that died.
 * Returns 0 or an errno value. */
static int launch_make_lock(struct launch *l)
{
	struct launch_lock *lk = l->shared;
	pthread_mutexattr_t attr;
	int err;

	if (!launch_has(l, LAUNCH_LOCK))
		return 0;
	pthread_mutexattr_init(&attr);
	err = pthread_mutexattr_setpshared(
		&attr, l->shared_mapped ? PTHREAD_PROCESS_SHARED
					: PTHREAD_PROCESS_PRIVATE);
	if (!err && l->shared_mapped && launch_has(l, LAUNCH_ROBUST))
		err = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	if (!err)
		err = pthread_mutex_init(&lk->mutex, &attr);
	pthread_mutexattr_destroy(&attr);
	if (err)
		return err;
	l->lock_made = 1;
	if (l->model == LAUNCH_COROUTINES) {
		lk->coro = coro_mutex_new();
		if (!lk->coro)
			return ENOMEM;
	}
	return 0;
}

static void launch_free_shared(struct launch *l)
{
	struct launch_lock *lk = l->shared;

	if (l->lock_made) {
		pthread_mutex_destroy(&lk->mutex);
		coro_mutex_free(lk->coro);
		lk->coro = NULL;
	}
	l->lock_made = 0;
	if (l->shared_mapped)
		munmap(l->shared, l->kind->shared_size);
	l->shared_mapped = 0;
	l->shared = NULL;
}

int launch_lock_try(struct launch_lock *k)
{
	return k->coro ? coro_mutex_trylock(k->coro)
		       : pthread_mutex_trylock(&k->mutex);
}

int launch_lock_take(struct launch_lock *k)
{
	int err;

	if (k->coro) {
		coro_mutex_lock(k->coro);
		return 0;
	}
	err = pthread_mutex_lock(&k->mutex);
	/* a robust lock's holder died: the lock is ours and the others go
	 * on; what it was doing shows in the verdict */
	if (err == EOWNERDEAD)
		err = pthread_mutex_consistent(&k->mutex);
	return err;
}

void launch_lock_give(struct launch_lock *k)
{
	if (k->coro)
		coro_mutex_unlock(k->coro);
	else
		pthread_mutex_unlock(&k->mutex);
}

void launch_pause(const struct launch_task *t)
{
	if (t->run->model == LAUNCH_COROUTINES)
		coro_yield();
}

int launch_state_make(struct launch *l)
{
	int err = launch_make_shared(l);

	return err ? err : launch_make_lock(l);
}

void launch_free(struct launch *l)
{
	launch_free_shared(l);
	if (l->board)
		munmap(l->board, l->board_len);
	free(l);
}

int launch_verdict(const struct launch *l, const char *ops, const char *stopped,
		   const char *tail)
{
	unsigned short_tasks = 0;
	const struct launch_task *first = NULL;

	for (unsigned i = 0; i < l->n; i++) {
		const struct launch_task *t = launch_slot(l, i);

		if (t->started && !t->failed && t->done == l->ops)
			continue;
		if (!short_tasks++)
			first = t;
	}
	if (l->died && WIFSIGNALED(l->died->status)) {
		fprintf(stderr,
			"%s: %s was killed by signal %d; the others were "
			"stopped%s\n",
			l->name, l->died->name, WTERMSIG(l->died->status),
			stopped);
		return 1;
	}
	if (l->started < l->n) {
		fprintf(stderr,
			"%s: only %u of %u tasks could be started; the run "
			"was called off\n",
			l->name, l->started, l->n);
		return 1;
	}
	if (first) {
		fprintf(stderr,
			"%s: %u of %u tasks did not finish (%s made %llu of "
			"%llu %s)%s\n",
			l->name, short_tasks, l->n, first->name,
			(unsigned long long)first->done,
			(unsigned long long)l->ops, ops, tail);
		return 1;
	}
	return 0;
}
