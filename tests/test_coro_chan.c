/* test_coro_chan.c - coroutine channels and the coroutine mutex: order,
 * blocking, rendezvous, close, many producers and consumers, exclusion
 * across waits, the contention count and calls outside a coroutine. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "workloads/coro/coro.h"
#include "tests/test.h"

#define ITEM(n)	 ((void *)(uintptr_t)(n))
#define VALUE(p) ((uintptr_t)(p))

/* A log of what happened, in order: each coroutine appends a letter. */
static char trail[256];
static int ntrail;

static void trail_reset(void)
{
	ntrail = 0;
	trail[0] = '\0';
}

static void mark(char c)
{
	if (ntrail < (int)sizeof(trail) - 1)
		trail[ntrail++] = c;
	trail[ntrail] = '\0';
}

/* ---- buffered channels ---- */

struct pc {
	struct coro_chan *ch;
	int n;
	int sent; /* sends that have returned */
	int rc;
	uintptr_t got[16];
	int ngot;
};

static void send_n(void *arg)
{
	struct pc *p = arg;

	for (int i = 0; i < p->n; i++) {
		p->rc = coro_chan_send(p->ch, ITEM(i + 1));
		if (p->rc)
			return;
		p->sent++;
	}
}

static void recv_all_after_a_yield(void *arg)
{
	struct pc *p = arg;
	void *item;

	coro_yield();
	/* the sender has run as far as it could: the buffer is full */
	p->got[p->ngot++] = (uintptr_t)p->sent;
	while (p->ngot < 16 && coro_chan_recv(p->ch, &item) == 0) {
		p->got[p->ngot++] = VALUE(item);
		if (p->ngot == p->n + 1)
			break;
	}
}

TEST(coro_chan_keeps_order_and_blocks_the_sender_when_full)
{
	struct pc p = {.n = 10};

	p.ch = coro_chan_new(3);
	if (!CHECK(p.ch))
		return;
	CHECK_EQ(coro_spawn(send_n, &p, 0), 0);
	CHECK_EQ(coro_spawn(recv_all_after_a_yield, &p, 0), 0);
	CHECK_EQ(coro_run(), 0);
	CHECK_EQ(p.rc, 0);
	CHECK_EQ(p.sent, 10);
	if (!CHECK_EQ(p.ngot, 11))
		goto out;
	/* three sends fit; the fourth waited */
	CHECK_EQ(p.got[0], 3);
	for (int i = 1; i <= 10; i++)
		CHECK_EQ(p.got[i], i);
out:
	coro_chan_free(p.ch);
}

struct rv {
	struct coro_chan *ch;
	uintptr_t got;
	int rc;
};

static void recv_one(void *arg)
{
	struct rv *r = arg;
	void *item = NULL;

	mark('r');
	r->rc = coro_chan_recv(r->ch, &item);
	r->got = VALUE(item);
	mark('R');
}

static void yield_then_send_one(void *arg)
{
	struct rv *r = arg;

	mark('y');
	coro_yield();
	mark('s');
	CHECK_EQ(coro_chan_send(r->ch, ITEM(42)), 0);
	mark('S');
}

TEST(coro_chan_recv_waits_while_empty)
{
	struct rv r = {0};

	trail_reset();
	r.ch = coro_chan_new(2);
	if (!CHECK(r.ch))
		return;
	CHECK_EQ(coro_spawn(recv_one, &r, 0), 0);
	CHECK_EQ(coro_spawn(yield_then_send_one, &r, 0), 0);
	CHECK_EQ(coro_run(), 0);
	CHECK_EQ(r.rc, 0);
	CHECK_EQ(r.got, 42);
	/* the send wakes the receiver but does not wait for it */
	CHECK_STR(trail, "rysSR");
	coro_chan_free(r.ch);
}

/* ---- rendezvous ---- */

static void send_one(void *arg)
{
	struct rv *r = arg;

	mark('s');
	CHECK_EQ(coro_chan_send(r->ch, ITEM(7)), 0);
	mark('S');
}

static void yield_then_recv_one(void *arg)
{
	struct rv *r = arg;
	void *item = NULL;

	mark('y');
	coro_yield();
	coro_yield();
	mark('r');
	r->rc = coro_chan_recv(r->ch, &item);
	r->got = VALUE(item);
	mark('R');
}

TEST(coro_chan_capacity_zero_is_a_rendezvous)
{
	struct rv r = {0};

	trail_reset();
	r.ch = coro_chan_new(0);
	if (!CHECK(r.ch))
		return;
	CHECK_EQ(coro_spawn(send_one, &r, 0), 0);
	CHECK_EQ(coro_spawn(yield_then_recv_one, &r, 0), 0);
	CHECK_EQ(coro_run(), 0);
	CHECK_EQ(r.rc, 0);
	CHECK_EQ(r.got, 7);
	/* the send returns only after the receiver took the item */
	CHECK_STR(trail, "syrRS");
	coro_chan_free(r.ch);
}

/* ---- fairness ---- */

struct fair {
	struct coro_chan *ch;
	char name;
};

static void recv_and_mark(void *arg)
{
	struct fair *f = arg;
	void *item;

	if (coro_chan_recv(f->ch, &item) == 0) {
		mark(f->name);
		mark((char)VALUE(item));
	}
}

static void send_abc(void *arg)
{
	struct fair *f = arg;

	for (const char *p = "abc"; *p; p++)
		CHECK_EQ(coro_chan_send(f->ch, ITEM(*p)), 0);
}

TEST(coro_chan_waiters_are_served_first_come_first_served)
{
	struct fair f[3] = {{.name = '1'}, {.name = '2'}, {.name = '3'}};
	struct coro_chan *ch = coro_chan_new(0);

	if (!CHECK(ch))
		return;
	trail_reset();
	for (int i = 0; i < 3; i++) {
		f[i].ch = ch;
		CHECK_EQ(coro_spawn(recv_and_mark, &f[i], 0), 0);
	}
	CHECK_EQ(coro_spawn(send_abc, &f[0], 0), 0);
	CHECK_EQ(coro_run(), 0);
	CHECK_STR(trail, "1a2b3c");
	coro_chan_free(ch);
}

/* ---- close ---- */

struct closing {
	struct coro_chan *ch;
	int rc[8];
	int n;
	uintptr_t got[8];
	int ngot;
};

static void recv_until_closed(void *arg)
{
	struct closing *c = arg;
	void *item;
	int rc;

	while ((rc = coro_chan_recv(c->ch, &item)) == 0)
		if (c->ngot < 8)
			c->got[c->ngot++] = VALUE(item);
	c->rc[c->n++] = rc;
}

static void send_and_note(void *arg)
{
	struct closing *c = arg;

	c->rc[c->n++] = coro_chan_send(c->ch, ITEM(99));
}

static void close_it(void *arg)
{
	struct closing *c = arg;

	coro_chan_close(c->ch);
}

TEST(coro_chan_close_wakes_every_receiver)
{
	struct closing c = {0};

	c.ch = coro_chan_new(4);
	if (!CHECK(c.ch))
		return;
	for (int i = 0; i < 3; i++)
		CHECK_EQ(coro_spawn(recv_until_closed, &c, 0), 0);
	CHECK_EQ(coro_spawn(close_it, &c, 0), 0);
	CHECK_EQ(coro_run(), 0);
	CHECK_EQ(c.n, 3);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(c.rc[i], -EPIPE);
	CHECK_EQ(c.ngot, 0);
	CHECK_EQ(coro_chan_send(c.ch, ITEM(1)), -EPIPE);
	coro_chan_free(c.ch);
}

TEST(coro_chan_close_fails_waiting_senders_and_leaves_the_rest_to_drain)
{
	struct closing c = {0};
	struct closing r = {0};

	c.ch = coro_chan_new(2);
	if (!CHECK(c.ch))
		return;
	r.ch = c.ch;
	/* filled from outside any coroutine: these need not wait */
	CHECK_EQ(coro_chan_send(c.ch, ITEM(1)), 0);
	CHECK_EQ(coro_chan_send(c.ch, ITEM(2)), 0);
	/* two senders find it full and wait; then it closes under them */
	CHECK_EQ(coro_spawn(send_and_note, &c, 0), 0);
	CHECK_EQ(coro_spawn(send_and_note, &c, 0), 0);
	CHECK_EQ(coro_spawn(close_it, &c, 0), 0);
	CHECK_EQ(coro_spawn(recv_until_closed, &r, 0), 0);
	CHECK_EQ(coro_run(), 0);
	CHECK_EQ(c.n, 2);
	CHECK_EQ(c.rc[0], -EPIPE);
	CHECK_EQ(c.rc[1], -EPIPE);
	/* the buffered items still arrive, then the end */
	CHECK_EQ(r.ngot, 2);
	CHECK_EQ(r.got[0], 1);
	CHECK_EQ(r.got[1], 2);
	CHECK_EQ(r.rc[0], -EPIPE);
	coro_chan_free(c.ch);
}

/* ---- many producers and consumers ---- */

#define PRODUCERS 7
#define CONSUMERS 5
#define PER_PROD  1000

struct mpmc {
	struct coro_chan *ch;
	int producing;
	unsigned char seen[PRODUCERS * PER_PROD];
	int dup, bad, out_of_order;
	int last[CONSUMERS][PRODUCERS];
	int received;
	unsigned rng;
};

struct mpmc_arg {
	struct mpmc *m;
	int id;
};

/* A little irregularity, so that waits happen at varying places. */
static int coin(struct mpmc *m)
{
	m->rng = m->rng * 1103515245u + 12345u;
	return (m->rng >> 16) % 3 == 0;
}

static void producer(void *arg)
{
	struct mpmc_arg *a = arg;
	struct mpmc *m = a->m;

	for (int i = 0; i < PER_PROD; i++) {
		if (coro_chan_send(m->ch, ITEM(a->id * PER_PROD + i + 1)))
			m->bad++;
		if (coin(m))
			coro_yield();
	}
	if (--m->producing == 0)
		coro_chan_close(m->ch);
}

static void consumer(void *arg)
{
	struct mpmc_arg *a = arg;
	struct mpmc *m = a->m;
	void *item;

	while (coro_chan_recv(m->ch, &item) == 0) {
		uintptr_t v = VALUE(item) - 1;
		int p = (int)(v / PER_PROD), i = (int)(v % PER_PROD);

		if (v >= PRODUCERS * PER_PROD) {
			m->bad++;
			continue;
		}
		if (m->seen[v]++)
			m->dup++;
		/* one producer's items leave the channel in the order sent */
		if (i < m->last[a->id][p])
			m->out_of_order++;
		m->last[a->id][p] = i;
		m->received++;
		if (coin(m))
			coro_yield();
	}
}

static void many_to_many(size_t capacity)
{
	static struct mpmc m;
	struct mpmc_arg pa[PRODUCERS], ca[CONSUMERS];
	int missing = 0;

	memset(&m, 0, sizeof(m));
	m.rng = 1;
	m.producing = PRODUCERS;
	m.ch = coro_chan_new(capacity);
	if (!CHECK(m.ch))
		return;
	/* consumers first for some, producers first for others */
	for (int i = 0; i < CONSUMERS; i++) {
		ca[i] = (struct mpmc_arg){&m, i};
		if (i % 2 == 0)
			CHECK_EQ(coro_spawn(consumer, &ca[i], 0), 0);
	}
	for (int i = 0; i < PRODUCERS; i++) {
		pa[i] = (struct mpmc_arg){&m, i};
		CHECK_EQ(coro_spawn(producer, &pa[i], 0), 0);
	}
	for (int i = 1; i < CONSUMERS; i += 2)
		CHECK_EQ(coro_spawn(consumer, &ca[i], 0), 0);
	CHECK_EQ(coro_run(), 0);
	for (int v = 0; v < PRODUCERS * PER_PROD; v++)
		missing += !m.seen[v];
	CHECK_MSG(m.received == PRODUCERS * PER_PROD,
		  "capacity %zu: %d received", capacity, m.received);
	CHECK_MSG(!missing && !m.dup && !m.bad && !m.out_of_order,
		  "capacity %zu: %d missing, %d twice, %d bad, %d out of order",
		  capacity, missing, m.dup, m.bad, m.out_of_order);
	coro_chan_free(m.ch);
}

TEST(coro_chan_many_producers_and_consumers_get_every_item_once)
{
	many_to_many(0);
	many_to_many(1);
	many_to_many(16);
}

/* ---- outside a coroutine ---- */

TEST(coro_chan_outside_a_coroutine_refuses_to_wait)
{
	struct coro_chan *ch = coro_chan_new(1), *rz = coro_chan_new(0);
	void *item = NULL;

	if (!CHECK(ch && rz))
		goto out;
	CHECK_EQ(coro_chan_recv(ch, &item), -EDEADLK);
	CHECK_EQ(coro_chan_send(ch, ITEM(5)), 0);
	CHECK_EQ(coro_chan_send(ch, ITEM(6)), -EDEADLK);
	CHECK_EQ(coro_chan_recv(ch, &item), 0);
	CHECK_EQ(VALUE(item), 5);
	CHECK_EQ(coro_chan_send(rz, ITEM(1)), -EDEADLK);
	CHECK_EQ(coro_chan_recv(rz, &item), -EDEADLK);
	coro_chan_close(ch);
	CHECK_EQ(coro_chan_recv(ch, &item), -EPIPE);
	CHECK_EQ(coro_chan_send(NULL, ITEM(1)), -EINVAL);
	CHECK_EQ(coro_chan_recv(NULL, &item), -EINVAL);
out:
	coro_chan_free(ch);
	coro_chan_free(rz);
}

static int stuck_rc;

static void recv_forever(void *arg)
{
	void *item;

	stuck_rc = coro_chan_recv(arg, &item);
}

TEST(coro_chan_a_receiver_nobody_serves_is_a_deadlock)
{
	struct coro_chan *ch = coro_chan_new(0);

	if (!CHECK(ch))
		return;
	stuck_rc = 1;
	CHECK_EQ(coro_spawn(recv_forever, ch, 0), 0);
	CHECK_EQ(coro_run(), -EDEADLK);
	CHECK_EQ(stuck_rc, 1);
	/* freeing wakes it with -EPIPE and lets it finish */
	coro_chan_free(ch);
	CHECK_EQ(coro_run(), 0);
	CHECK_EQ(stuck_rc, -EPIPE);
}

/* ---- mutex ---- */

struct excl {
	struct coro_mutex *m;
	int inside;  /* coroutines between lock and unlock */
	int overlap; /* times a second one got in */
	long counter;
	int sleep;
};

static void critical(void *arg)
{
	struct excl *e = arg;

	for (int i = 0; i < 50; i++) {
		long seen;

		coro_mutex_lock(e->m);
		if (e->inside++)
			e->overlap++;
		seen = e->counter;
		/* wait while holding it: the others run meanwhile */
		if (e->sleep && i % 10 == 0)
			coro_sleep_ns(20000);
		else
			coro_yield();
		e->counter = seen + 1;
		e->inside--;
		coro_mutex_unlock(e->m);
		coro_yield();
	}
}

TEST(coro_mutex_excludes_across_yields_and_sleeps)
{
	struct excl e = {0};

	e.m = coro_mutex_new();
	if (!CHECK(e.m))
		return;
	for (e.sleep = 0; e.sleep < 2; e.sleep++) {
		e.counter = 0;
		for (int i = 0; i < 6; i++)
			CHECK_EQ(coro_spawn(critical, &e, 0), 0);
		CHECK_EQ(coro_run(), 0);
		CHECK_EQ(e.overlap, 0);
		CHECK_EQ(e.counter, 6 * 50);
	}
	CHECK(coro_mutex_contended(e.m) > 0);
	coro_mutex_free(e.m);
}

static struct coro_mutex *order_m;

static void lock_yield_unlock(void *arg)
{
	char name = (char)VALUE(arg);

	coro_mutex_lock(order_m);
	mark(name);
	coro_yield();
	coro_yield();
	mark((char)(name - 'a' + 'A'));
	coro_mutex_unlock(order_m);
}

TEST(coro_mutex_hands_over_in_arrival_order_and_counts_waits)
{
	order_m = coro_mutex_new();
	if (!CHECK(order_m))
		return;
	trail_reset();
	CHECK_EQ(coro_spawn(lock_yield_unlock, ITEM('a'), 0), 0);
	CHECK_EQ(coro_spawn(lock_yield_unlock, ITEM('b'), 0), 0);
	CHECK_EQ(coro_spawn(lock_yield_unlock, ITEM('c'), 0), 0);
	CHECK_EQ(coro_run(), 0);
	CHECK_STR(trail, "aAbBcC");
	/* b and c each waited once */
	CHECK_EQ(coro_mutex_contended(order_m), 2);

	/* holders that never wait inside make nobody queue */
	trail_reset();
	for (int i = 0; i < 3; i++) {
		coro_mutex_lock(order_m);
		coro_mutex_unlock(order_m);
	}
	CHECK_EQ(coro_mutex_contended(order_m), 2);
	CHECK_EQ(coro_mutex_trylock(order_m), 0);
	CHECK_EQ(coro_mutex_trylock(order_m), -EBUSY);
	coro_mutex_unlock(order_m);
	coro_mutex_free(order_m);
}

static void lock_twice(void)
{
	struct coro_mutex *m = coro_mutex_new();

	coro_mutex_lock(m);
	coro_mutex_lock(m);
}

static void unlock_free(void)
{
	struct coro_mutex *m = coro_mutex_new();

	coro_mutex_unlock(m);
}

/* Runs fn in a child; returns its wait status and what it wrote to
 * stderr. */
static int misuse_in_child(void (*fn)(void), char *err, size_t len)
{
	int p[2], status = -1;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(p) != 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit no_core = {0, 0};

		setrlimit(RLIMIT_CORE, &no_core);
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		close(p[1]);
		fn();
		_exit(0);
	}
	close(p[1]);
	while (got + 1 < len && (n = read(p[0], err + got, len - 1 - got)) > 0)
		got += (size_t)n;
	err[got] = '\0';
	close(p[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

TEST(coro_mutex_misuse_ends_the_process_with_a_message)
{
	char err[256];
	int status = misuse_in_child(lock_twice, err, sizeof(err));

	if (CHECK_MSG(WIFSIGNALED(status), "status %#x", status))
		CHECK_EQ(WTERMSIG(status), SIGABRT);
	CHECK_MSG(strstr(err, "already holds"), "stderr: %s", err);
	status = misuse_in_child(unlock_free, err, sizeof(err));
	if (CHECK_MSG(WIFSIGNALED(status), "status %#x", status))
		CHECK_EQ(WTERMSIG(status), SIGABRT);
	CHECK_MSG(strstr(err, "nobody holds"), "stderr: %s", err);
}
