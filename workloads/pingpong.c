/* pingpong.c - the pingpong scenario: two tasks pass a token back and
 * forth, and a round trip costs two hand-overs.
 *
 * Task w0 passes token 1, w1 answers 2, w0 passes 3, and so on for `ops`
 * round trips; each side checks that every token it gets is the next
 * number, so none is lost, repeated or reordered. Neither task has
 * anything else to do, so a round trip is almost nothing but the cost of
 * waking the other side and switching to it: in the kernel for processes
 * and threads, in user space for coroutines. Where the two kernel tasks
 * run matters as much as what they are: on one CPU a hand-over is a
 * context switch; across two, a wakeup of the other CPU, which in a
 * virtual machine that has halted its idle CPU costs far more.
 *
 * pp_task_run() is the job, the same code in every model; a struct
 * pp_link says how the token travels. Below it, one function per model:
 *	processes	two pipes, one each way; fork, waitpid
 *	threads		one shared word: store, FUTEX_WAKE; the other side
 *			sleeps in FUTEX_WAIT until the word changes
 *	coroutines	the same shared word; the other side yields until it
 *			changes: each hand-over is one switch in user space
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "coro.h"
#include "gate.h"
#include "markers.h"
#include "pingpong.h"
#include "tasks.h"

/* A round trip takes about 4 us within one CPU and 35-150 us across two
 * on a 2-vCPU virtual machine: defaults that keep a run near a second */
#define PP_TRIPS	 20000
#define PP_TRIPS_ONE_CPU 150000
#define PP_MAX_TRIPS	 1000000000u /* tokens up to 2 x trips fit 32 bits */
#define PP_CPU_EVERY	 64	     /* round trips between looks at the CPU */
#define PP_GONE		 UINT32_MAX  /* the token of a task that gave up */

struct pp_run;

struct pp_task {
	struct pp_run *run;
	unsigned id;   /* w0 serves, w1 answers */
	char name[16]; /* "pingpong-w0" */
	int cpu;       /* the CPU it is pinned to, -1 for any */
	pid_t pid;
	pthread_t thread;
	int started;
	int failed;
	int signal;	   /* processes: the signal that killed it, 0 if none */
	int fd_in, fd_out; /* processes: the pipe ends it reads and writes */
	uint32_t last;	   /* the token it passed last */
	uint32_t want;	   /* when failed: the token due, and the one got */
	uint32_t got;
	unsigned trips;		  /* round trips completed */
	uint64_t ns;		  /* time they took */
	uint64_t kernel_switches; /* context switches of its thread */
	uint64_t user_switches;	  /* coroutine switches of its thread */
	cpu_set_t seen;		  /* CPUs it was found running on */
};

/* Where tasks report: a MAP_SHARED mapping, so that a forked child writes
 * where the root reads. The gate holds both tasks until both exist. */
struct pp_board {
	uint32_t gate; /* gate.h */
	uint32_t word; /* threads and coroutines: the token passed last */
	uint32_t gone; /* a task gave up: nobody will answer */
	struct pp_task t[2];
};

struct pp_run {
	const char *name;
	unsigned trips;
	int cpus[TASKS_MAX_CPUS];
	unsigned ncpus;
	struct pp_board *board;
	int pipes[2][2]; /* [0] carries w0's tokens to w1, [1] the answers */
};

/* How the token travels; the job is the same whichever it is. */
struct pp_link {
	int (*pass)(struct pp_task *t, uint32_t token);
	int (*await)(struct pp_task *t, uint32_t *token);
	/* tells a waiting peer that this task gave up; NULL when its exit
	 * says so (a closed pipe) */
	void (*abandon)(struct pp_task *t);
};

static uint64_t pp_kernel_switches(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return 0;
	return (uint64_t)ru.ru_nvcsw + (uint64_t)ru.ru_nivcsw;
}

static void pp_note_cpu(struct pp_task *t)
{
	int cpu = sched_getcpu();

	if (cpu >= 0 && cpu < CPU_SETSIZE)
		CPU_SET(cpu, &t->seen);
}

/* The job, the same in every model. Round trip i: w0 passes 2i+1, w1
 * answers 2i+2. */
static void pp_task_run(struct pp_task *t, const struct pp_link *l)
{
	unsigned trips = t->run->trips;
	uint64_t ks = pp_kernel_switches(), us = coro_switches();
	uint64_t t0 = tasks_clock_ns(CLOCK_MONOTONIC);

	pp_note_cpu(t);
	for (unsigned i = 0; i < trips; i++) {
		uint32_t serve = 2 * i + 1, answer = 2 * i + 2;

		t->got = 0;
		if (t->id == 0) {
			t->want = answer;
			if (l->pass(t, serve) || l->await(t, &t->got) ||
			    t->got != answer)
				break;
		} else {
			t->want = serve;
			if (l->await(t, &t->got) || t->got != serve)
				break;
			if (l->pass(t, answer)) {
				t->got = PP_GONE;
				break;
			}
		}
		t->trips = i + 1;
		if (i % PP_CPU_EVERY == 0)
			pp_note_cpu(t);
	}
	t->ns = tasks_clock_ns(CLOCK_MONOTONIC) - t0;
	t->user_switches = coro_switches() - us;
	t->kernel_switches = pp_kernel_switches() - ks;
	pp_note_cpu(t);
	if (t->trips != trips) {
		t->failed = 1;
		if (l->abandon)
			l->abandon(t);
	}
}

/* ---- pipes: processes ---- */

static int pp_pipe_pass(struct pp_task *t, uint32_t token)
{
	ssize_t n;

	while ((n = write(t->fd_out, &token, sizeof(token))) < 0 &&
	       errno == EINTR)
		;
	return n == sizeof(token) ? 0 : -1;
}

/* A token is written whole (4 bytes, far below PIPE_BUF) and read whole. */
static int pp_pipe_await(struct pp_task *t, uint32_t *token)
{
	ssize_t n;

	while ((n = read(t->fd_in, token, sizeof(*token))) < 0 &&
	       errno == EINTR)
		;
	return n == sizeof(*token) ? 0 : -1;
}

static const struct pp_link pp_pipes = {
	.pass = pp_pipe_pass,
	.await = pp_pipe_await,
};

/* ---- a shared word and futex(2): threads ---- */

static long pp_futex(uint32_t *word, int op, uint32_t val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

static int pp_futex_pass(struct pp_task *t, uint32_t token)
{
	uint32_t *word = &t->run->board->word;

	t->last = token;
	__atomic_store_n(word, token, __ATOMIC_SEQ_CST);
	pp_futex(word, FUTEX_WAKE_PRIVATE, 1);
	return 0;
}

/* Sleeps until the word holds something other than our own last token.
 * FUTEX_WAIT returns at once if the word has already changed, so a pass
 * made between the load and the wait is not missed. */
static int pp_futex_await(struct pp_task *t, uint32_t *token)
{
	struct pp_board *b = t->run->board;
	uint32_t v;

	while ((v = __atomic_load_n(&b->word, __ATOMIC_SEQ_CST)) == t->last &&
	       !__atomic_load_n(&b->gone, __ATOMIC_SEQ_CST))
		pp_futex(&b->word, FUTEX_WAIT_PRIVATE, v);
	*token = v == t->last ? PP_GONE : v;
	return 0;
}

/* gone first: a pass that overwrites the word after this cannot hide it */
static void pp_futex_abandon(struct pp_task *t)
{
	__atomic_store_n(&t->run->board->gone, 1, __ATOMIC_SEQ_CST);
	pp_futex_pass(t, PP_GONE);
}

static const struct pp_link pp_futexes = {
	.pass = pp_futex_pass,
	.await = pp_futex_await,
	.abandon = pp_futex_abandon,
};

/* ---- the same word and coro_yield: coroutines ---- */

static int pp_coro_pass(struct pp_task *t, uint32_t token)
{
	t->last = token;
	t->run->board->word = token;
	return 0;
}

/* Where a thread sleeps in the kernel, a coroutine lets the other run. */
static int pp_coro_await(struct pp_task *t, uint32_t *token)
{
	struct pp_board *b = t->run->board;

	while (b->word == t->last && !b->gone)
		coro_yield();
	*token = b->word == t->last ? PP_GONE : b->word;
	return 0;
}

static void pp_coro_abandon(struct pp_task *t)
{
	t->run->board->gone = 1;
	pp_coro_pass(t, PP_GONE);
}

static const struct pp_link pp_yields = {
	.pass = pp_coro_pass,
	.await = pp_coro_await,
	.abandon = pp_coro_abandon,
};

/* "0,1" from a set of CPUs, "none" when empty */
static void pp_cpu_list(const cpu_set_t *set, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int cpu = 0; cpu < CPU_SETSIZE && used + 1 < len; cpu++) {
		int n;

		if (!CPU_ISSET(cpu, set))
			continue;
		n = snprintf(buf + used, len - used, "%s%d", used ? "," : "",
			     cpu);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (!used)
		snprintf(buf, len, "none");
}

/* ---- setup, verdict, teardown ---- */

/* Takes the parameters; nothing to undo when it fails. */
static int pp_params(struct pp_run *r, const char *name,
		     const struct workload_params *p, int one_thread)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	for (int i = 0; i < 4; i++)
		r->pipes[i / 2][i % 2] = -1;
	if (p->tasks && p->tasks != 2) {
		fprintf(stderr, "%s: a ping-pong takes 2 tasks, not %u\n", name,
			p->tasks);
		return -1;
	}
	if (tasks_parse_cpus(name, p->cpus, r->cpus, &r->ncpus) != 0)
		return -1;
	if (p->ops)
		r->trips = p->ops;
	else if (one_thread || (r->ncpus == 1) ||
		 (r->ncpus > 1 && r->cpus[0] == r->cpus[1]))
		r->trips = PP_TRIPS_ONE_CPU;
	else
		r->trips = PP_TRIPS;
	if (r->trips > PP_MAX_TRIPS) {
		fprintf(stderr, "%s: %u round trips, at most %u\n", name,
			r->trips, PP_MAX_TRIPS);
		return -1;
	}
	return 0;
}

static void pp_close_pipes(struct pp_run *r)
{
	for (int i = 0; i < 4; i++) {
		if (r->pipes[i / 2][i % 2] >= 0)
			close(r->pipes[i / 2][i % 2]);
		r->pipes[i / 2][i % 2] = -1;
	}
}

static void pp_teardown(struct pp_run *r)
{
	pp_close_pipes(r);
	if (r->board)
		munmap(r->board, sizeof(*r->board));
	r->board = NULL;
}

/* with_pipes: the processes' two pipes, one each way */
static int pp_setup(struct pp_run *r, int with_pipes)
{
	void *m = mmap(NULL, sizeof(*r->board), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED) {
		fprintf(stderr, "%s: mmap: %s\n", r->name, strerror(errno));
		return -1;
	}
	r->board = m;
	for (unsigned i = 0; i < 2; i++) {
		struct pp_task *t = &r->board->t[i];

		t->run = r;
		t->id = i;
		snprintf(t->name, sizeof(t->name), "pingpong-w%u", i);
		t->cpu = r->ncpus ? r->cpus[i % r->ncpus] : -1;
		t->fd_in = t->fd_out = -1;
	}
	if (!with_pipes)
		return 0;
	if (pipe2(r->pipes[0], O_CLOEXEC) != 0 ||
	    pipe2(r->pipes[1], O_CLOEXEC) != 0) {
		fprintf(stderr, "%s: pipe: %s\n", r->name, strerror(errno));
		pp_teardown(r);
		return -1;
	}
	r->board->t[0].fd_out = r->pipes[0][1];
	r->board->t[0].fd_in = r->pipes[1][0];
	r->board->t[1].fd_in = r->pipes[0][0];
	r->board->t[1].fd_out = r->pipes[1][1];
	return 0;
}

/* Both tasks made every round trip with every token in order, and each
 * ran only where it was pinned; says what was wrong in one line otherwise.
 */
static int pp_verdict(const struct pp_run *r)
{
	/* a killed task explains why the other could not finish */
	for (unsigned i = 0; i < 2; i++) {
		if (r->board->t[i].signal) {
			fprintf(stderr, "%s: %s was killed by signal %d\n",
				r->name, r->board->t[i].name,
				r->board->t[i].signal);
			return 1;
		}
	}
	for (unsigned i = 0; i < 2; i++) {
		if (!r->board->t[i].started) {
			fprintf(stderr,
				"%s: %s could not be started; the run was "
				"called off\n",
				r->name, r->board->t[i].name);
			return 1;
		}
	}
	for (unsigned i = 0; i < 2; i++) {
		const struct pp_task *t = &r->board->t[i];
		char seen[64];

		if (t->failed && !t->want) {
			fprintf(stderr,
				"%s: %s was called off before its "
				"first round trip\n",
				r->name, t->name);
			return 1;
		}
		if (t->trips != r->trips) {
			fprintf(stderr,
				"%s: %s made %u of %u round trips (token %u "
				"due, got %u)\n",
				r->name, t->name, t->trips, r->trips, t->want,
				t->got);
			return 1;
		}
		if (t->failed) {
			fprintf(stderr,
				"%s: %s made every round trip but "
				"did not exit cleanly\n",
				r->name, t->name);
			return 1;
		}
		pp_cpu_list(&t->seen, seen, sizeof(seen));
		if (t->cpu >= 0 && (CPU_COUNT(&t->seen) != 1 ||
				    !CPU_ISSET(t->cpu, &t->seen))) {
			fprintf(stderr, "%s: %s pinned to CPU %d ran on %s\n",
				r->name, t->name, t->cpu, seen);
			return 1;
		}
	}
	return 0;
}

/* One line for the reader: the price of a round trip and of a switch. */
static void pp_report(const struct pp_run *r, const char *extra)
{
	const struct pp_task *w0 = &r->board->t[0], *w1 = &r->board->t[1];
	/* coroutines share one thread: count its switches once */
	uint64_t user = w0->user_switches;
	uint64_t kernel = w0->kernel_switches +
			  (w0->user_switches ? 0 : w1->kernel_switches);
	uint64_t all = user + kernel;
	double ns = (double)w0->ns;
	char on0[64], on1[64];

	pp_cpu_list(&w0->seen, on0, sizeof(on0));
	pp_cpu_list(&w1->seen, on1, sizeof(on1));
	printf("%s: %u round trips in %.3f s: %.0f ns per round trip, %.1f "
	       "ns per switch (%llu in the kernel, %llu in user space, %.2f "
	       "per round trip); w0 on CPU %s; w1 on CPU %s%s\n",
	       r->name, r->trips, ns / 1e9, r->trips ? ns / r->trips : 0.0,
	       all ? ns / (double)all : 0.0, (unsigned long long)kernel,
	       (unsigned long long)user,
	       r->trips ? (double)all / r->trips : 0.0, on0, on1, extra);
}

/* Marks the end of a run and gives back everything it holds. */
static int pp_finish(struct pp_run *r, int result)
{
	LAB_MARK_END(result);
	pp_teardown(r);
	return result;
}

/* What a process or thread task does once it exists. */
static void pp_task_start(struct pp_task *t, const struct pp_link *l)
{
	if (!gate_wait(&t->run->board->gate)) {
		t->failed = 1;
		return;
	}
	pp_task_run(t, l);
}

/* The root pins a task while it waits at the gate, so that a failure can
 * still call the run off before the first token. */
static int pp_pin_task(const struct pp_run *r, const struct pp_task *t,
		       int is_thread)
{
	cpu_set_t set;
	int err;

	if (t->cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	if (is_thread)
		err = pthread_setaffinity_np(t->thread, sizeof(set), &set);
	else
		err = sched_setaffinity(t->pid, sizeof(set), &set) ? errno : 0;
	if (err)
		fprintf(stderr, "%s: pinning %s to CPU %d: %s\n", r->name,
			t->name, t->cpu, strerror(err));
	return err;
}

/* Opens the gate when both tasks exist and are where they belong. */
static void pp_start(struct pp_run *r, unsigned started, int is_thread)
{
	int ok = started == 2;

	for (unsigned i = 0; i < started && ok; i++)
		ok = pp_pin_task(r, &r->board->t[i], is_thread) == 0;
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	gate_set(&r->board->gate, ok ? GATE_OPEN : GATE_CALLED_OFF);
}

/* ---- processes ---- */

static __attribute__((noreturn)) void pp_child(struct pp_task *t)
{
	struct sigaction ign = {.sa_handler = SIG_IGN};
	int keep[2] = {t->fd_in, t->fd_out};

	prctl(PR_SET_NAME, t->name);
	/* a write to a peer that died fails with EPIPE instead of killing */
	sigaction(SIGPIPE, &ign, NULL);
	/* the other task's ends closed, so its death is end of file here */
	for (int i = 0; i < 4; i++) {
		int fd = t->run->pipes[i / 2][i % 2];

		if (fd != keep[0] && fd != keep[1])
			close(fd);
	}
	pp_task_start(t, &pp_pipes);
	_exit(t->failed);
}

static int pp_processes_run(const struct workload_params *p)
{
	struct pp_run r;
	unsigned started = 0;
	int result;

	if (pp_params(&r, "pingpong-processes", p, 0) != 0)
		return 1;
	LAB_MARK_START(2);
	LAB_MARK_OPS(r.trips);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (pp_setup(&r, 1) != 0)
		return pp_finish(&r, 1);
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < 2; i++) {
		struct pp_task *t = &r.board->t[i];
		/* t is in the shared board: only the root may set its pid */
		pid_t pid = fork();

		if (pid == 0)
			pp_child(t);
		t->pid = pid;
		if (pid < 0) {
			fprintf(stderr, "%s: fork: %s\n", r.name,
				strerror(errno));
			break;
		}
		t->started = 1;
		started++;
	}
	/* the children hold the pipes now: ours would hide a death */
	pp_close_pipes(&r);
	pp_start(&r, started, 0);
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	for (unsigned i = 0; i < 2; i++) {
		struct pp_task *t = &r.board->t[i];
		int status = 0;
		pid_t got;

		if (!t->started)
			continue;
		while ((got = waitpid(t->pid, &status, 0)) < 0 &&
		       errno == EINTR)
			;
		if (got != t->pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			t->failed = 1;
		if (got == t->pid && WIFSIGNALED(status))
			t->signal = WTERMSIG(status);
	}
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	result = pp_verdict(&r);
	if (!result)
		pp_report(&r, "");
	return pp_finish(&r, result);
}

/* ---- threads ---- */

static void *pp_thread(void *arg)
{
	struct pp_task *t = arg;

	pthread_setname_np(pthread_self(), t->name);
	pp_task_start(t, &pp_futexes);
	return NULL;
}

static int pp_threads_run(const struct workload_params *p)
{
	struct pp_run r;
	unsigned started = 0;
	int result;

	if (pp_params(&r, "pingpong-threads", p, 0) != 0)
		return 1;
	LAB_MARK_START(2);
	LAB_MARK_OPS(r.trips);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (pp_setup(&r, 0) != 0)
		return pp_finish(&r, 1);
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < 2; i++) {
		struct pp_task *t = &r.board->t[i];
		int err = pthread_create(&t->thread, NULL, pp_thread, t);

		if (err) {
			fprintf(stderr, "%s: pthread_create: %s\n", r.name,
				strerror(err));
			break;
		}
		t->started = 1;
		started++;
	}
	pp_start(&r, started, 1);
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	for (unsigned i = 0; i < 2; i++)
		if (r.board->t[i].started)
			pthread_join(r.board->t[i].thread, NULL);
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	result = pp_verdict(&r);
	if (!result)
		pp_report(&r, "");
	return pp_finish(&r, result);
}

/* ---- coroutines ---- */

static void pp_coro_task(void *arg)
{
	pp_task_run(arg, &pp_yields);
}

/* Both coroutines live in one thread: it goes on the first CPU of the
 * list, and back where it was afterwards. */
static int pp_coroutines_run(const struct workload_params *p)
{
	struct pp_run r;
	cpu_set_t saved;
	uint64_t switches = coro_switches();
	int result, err = 0;
	char extra[80] = "";

	if (pp_params(&r, "pingpong-coroutines", p, 1) != 0)
		return 1;
	LAB_MARK_START(2);
	LAB_MARK_OPS(r.trips);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (pp_setup(&r, 0) != 0)
		return pp_finish(&r, 1);
	if (tasks_pin_thread(r.name, r.cpus, r.ncpus, &saved) != 0)
		return pp_finish(&r, 1);
	if (r.ncpus) {
		for (unsigned i = 0; i < 2; i++)
			r.board->t[i].cpu = r.cpus[0];
		snprintf(extra, sizeof(extra),
			 " (one thread, pinned to CPU %d)", r.cpus[0]);
	}
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < 2 && !err; i++) {
		err = coro_spawn(pp_coro_task, &r.board->t[i], 0);
		r.board->t[i].started = !err;
	}
	if (err) {
		fprintf(stderr, "%s: coro_spawn: %s\n", r.name, strerror(-err));
		/* a task alone would yield forever waiting for an answer */
		r.board->gone = 1;
	}
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	err = coro_run();
	if (err)
		fprintf(stderr, "%s: coro_run: %s\n", r.name, strerror(-err));
	tasks_unpin_thread(r.ncpus, &saved);
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	result = pp_verdict(&r) || err;
	if (!result)
		pp_report(&r, extra);
	LAB_MARK_CORO_SWITCHES(coro_switches() - switches);
	return pp_finish(&r, result);
}

const struct workload pingpong_processes = {
	.name = "pingpong-processes",
	.scenario = "pingpong",
	.model = "processes",
	.summary = "2 processes pass a token through a pair of pipes",
	.run = pp_processes_run,
};

const struct workload pingpong_threads = {
	.name = "pingpong-threads",
	.scenario = "pingpong",
	.model = "threads",
	.summary = "2 threads pass a token through a futex-guarded word",
	.run = pp_threads_run,
};

const struct workload pingpong_coroutines = {
	.name = "pingpong-coroutines",
	.scenario = "pingpong",
	.model = "coroutines",
	.summary = "2 coroutines pass a token, yielding to each other",
	.run = pp_coroutines_run,
};
