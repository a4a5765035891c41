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
 * pp_job() is the job, the same code in every model; a struct pp_link
 * says how the token travels, the lesson's difference (pingpong_links.c).
 * A start gate holds both tasks until both exist. The models are started
 * by launch.c, from the pp_<model>_run() functions at the end:
 *	processes	two pipes, one each way; fork, waitpid
 *	threads		one shared word: store, FUTEX_WAKE; the other side
 *			sleeps in FUTEX_WAIT until the word changes
 *	coroutines	the same shared word; the other side yields until it
 *			changes: each hand-over is one switch in user space
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "workloads/coro/coro.h"
#include "workloads/launch.h"
#include "workloads/pingpong.h"
#include "workloads/pingpong_links.h"

/* A round trip takes about 4 us within one CPU and 35-150 us across two
 * on a 2-vCPU virtual machine: defaults that keep a run near a second */
#define PP_TRIPS	 20000
#define PP_TRIPS_ONE_CPU 150000
#define PP_MAX_TRIPS	 1000000000u /* tokens up to 2 x trips fit 32 bits */
#define PP_CPU_EVERY	 64	     /* round trips between looks at the CPU */

/* the word threads and coroutines pass: a global, named in traces */
static struct pp_word pp_word;

struct pp_run {
	struct launch base;
	int pipes[2][2]; /* [0] carries w0's tokens to w1, [1] the answers */
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
static void pp_job(struct launch_task *lt)
{
	struct pp_task *t = (struct pp_task *)lt;
	const struct pp_link *l = pingpong_link_of(lt->run->model);
	unsigned trips = (unsigned)lt->run->ops;
	uint64_t ks = pp_kernel_switches(), us = coro_switches();
	uint64_t t0 = tasks_clock_ns(CLOCK_MONOTONIC);

	pp_note_cpu(t);
	for (unsigned i = 0; i < trips; i++) {
		uint32_t serve = 2 * i + 1, answer = 2 * i + 2;

		t->got = 0;
		if (lt->id == 0) {
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
		lt->failed = 1;
		if (l->abandon)
			l->abandon(t);
	}
}

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

/* Two tasks; as many round trips as fit in about a second where they
 * run. */
static int pp_prepare(struct launch *l, const struct workload_params *p)
{
	struct pp_run *r = (struct pp_run *)l;

	for (int i = 0; i < 4; i++)
		r->pipes[i / 2][i % 2] = -1;
	if (p->tasks && p->tasks != 2) {
		fprintf(stderr, "%s: a ping-pong takes 2 tasks, not %u\n",
			l->name, p->tasks);
		return -1;
	}
	if (p->ops)
		l->ops = p->ops;
	else if (l->model == LAUNCH_COROUTINES || l->ncpus == 1 ||
		 (l->ncpus > 1 && l->cpus[0] == l->cpus[1]))
		l->ops = PP_TRIPS_ONE_CPU;
	else
		l->ops = PP_TRIPS;
	if (l->ops > PP_MAX_TRIPS) {
		fprintf(stderr, "%s: %u round trips, at most %u\n", l->name,
			(unsigned)l->ops, PP_MAX_TRIPS);
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

/* The processes' two pipes, one each way. */
static int pp_setup(struct launch *l)
{
	struct pp_run *r = (struct pp_run *)l;
	struct pp_task *w0 = launch_slot(l, 0), *w1 = launch_slot(l, 1);

	for (unsigned i = 0; i < 2; i++) {
		struct pp_task *t = launch_slot(l, i);

		t->fd_in = t->fd_out = -1;
	}
	if (l->model != LAUNCH_PROCESSES)
		return 0;
	if (pipe2(r->pipes[0], O_CLOEXEC) != 0 ||
	    pipe2(r->pipes[1], O_CLOEXEC) != 0) {
		fprintf(stderr, "%s: pipe: %s\n", l->name, strerror(errno));
		return -1;
	}
	w0->fd_out = r->pipes[0][1];
	w0->fd_in = r->pipes[1][0];
	w1->fd_in = r->pipes[0][0];
	w1->fd_out = r->pipes[1][1];
	return 0;
}

/* In a child: a write to a peer that died fails with EPIPE instead of
 * killing, and the other task's ends are closed, so that its death is end
 * of file here. */
static void pp_child(struct launch_task *lt)
{
	struct pp_run *r = (struct pp_run *)lt->run;
	struct pp_task *t = (struct pp_task *)lt;
	struct sigaction ign = {.sa_handler = SIG_IGN};
	int keep[2] = {t->fd_in, t->fd_out};

	sigaction(SIGPIPE, &ign, NULL);
	for (int i = 0; i < 4; i++) {
		int fd = r->pipes[i / 2][i % 2];

		if (fd != keep[0] && fd != keep[1])
			close(fd);
	}
}

static void pp_started(struct launch *l)
{
	/* the children hold the pipes now: ours would hide a death */
	pp_close_pipes((struct pp_run *)l);
	/* a coroutine alone would yield forever waiting for an answer */
	if (l->model == LAUNCH_COROUTINES && l->started < l->n)
		((struct pp_word *)l->shared)->gone = 1;
}

static void pp_teardown(struct launch *l)
{
	pp_close_pipes((struct pp_run *)l);
}

/* Both tasks made every round trip with every token in order, and each
 * ran only where it was pinned; says what was wrong in one line otherwise.
 */
static int pp_check(struct launch *l)
{
	/* a killed task explains why the other could not finish */
	for (unsigned i = 0; i < 2; i++) {
		const struct pp_task *t = launch_slot(l, i);

		if (l->model == LAUNCH_PROCESSES &&
		    WIFSIGNALED(t->base.status)) {
			fprintf(stderr, "%s: %s was killed by signal %d\n",
				l->name, t->base.name,
				WTERMSIG(t->base.status));
			return 1;
		}
	}
	for (unsigned i = 0; i < 2; i++) {
		const struct pp_task *t = launch_slot(l, i);

		if (!t->base.started) {
			fprintf(stderr,
				"%s: %s could not be started; the run was "
				"called off\n",
				l->name, t->base.name);
			return 1;
		}
	}
	for (unsigned i = 0; i < 2; i++) {
		const struct pp_task *t = launch_slot(l, i);
		char seen[64];

		if (t->base.failed && !t->want) {
			fprintf(stderr,
				"%s: %s was called off before its "
				"first round trip\n",
				l->name, t->base.name);
			return 1;
		}
		if (t->trips != l->ops) {
			fprintf(stderr,
				"%s: %s made %u of %u round trips (token %u "
				"due, got %u)\n",
				l->name, t->base.name, t->trips,
				(unsigned)l->ops, t->want, t->got);
			return 1;
		}
		if (t->base.failed) {
			fprintf(stderr,
				"%s: %s made every round trip but "
				"did not exit cleanly\n",
				l->name, t->base.name);
			return 1;
		}
		pp_cpu_list(&t->seen, seen, sizeof(seen));
		if (t->base.cpu >= 0 && (CPU_COUNT(&t->seen) != 1 ||
					 !CPU_ISSET(t->base.cpu, &t->seen))) {
			fprintf(stderr, "%s: %s pinned to CPU %d ran on %s\n",
				l->name, t->base.name, t->base.cpu, seen);
			return 1;
		}
	}
	return 0;
}

/* One line for the reader: the price of a round trip and of a switch. */
static void pp_report(const struct launch *l)
{
	const struct pp_task *w0 = launch_slot(l, 0), *w1 = launch_slot(l, 1);
	/* coroutines share one thread: count its switches once */
	uint64_t user = w0->user_switches;
	uint64_t kernel = w0->kernel_switches +
			  (w0->user_switches ? 0 : w1->kernel_switches);
	uint64_t all = user + kernel;
	unsigned trips = (unsigned)l->ops;
	double ns = (double)w0->ns;
	char on0[64], on1[64], extra[80] = "";

	pp_cpu_list(&w0->seen, on0, sizeof(on0));
	pp_cpu_list(&w1->seen, on1, sizeof(on1));
	if (l->model == LAUNCH_COROUTINES && l->ncpus)
		snprintf(extra, sizeof(extra),
			 " (one thread, pinned to CPU %d)", l->cpus[0]);
	printf("%s: %u round trips in %.3f s: %.0f ns per round trip, %.1f "
	       "ns per switch (%llu in the kernel, %llu in user space, %.2f "
	       "per round trip); w0 on CPU %s; w1 on CPU %s%s\n",
	       l->name, trips, ns / 1e9, trips ? ns / trips : 0.0,
	       all ? ns / (double)all : 0.0, (unsigned long long)kernel,
	       (unsigned long long)user, trips ? (double)all / trips : 0.0, on0,
	       on1, extra);
	LAB_RESULT(LAB_RESULT_OPS, trips);
	LAB_RESULT(LAB_RESULT_OPS_NS, w0->ns);
}

static const struct launch_kind pp_kind = {
	.scenario = "pingpong",
	.prefix = "pingpong-w",
	.tasks = 2,
	.run_size = sizeof(struct pp_run),
	.slot_size = sizeof(struct pp_task),
	.flags = LAUNCH_GATE | LAUNCH_PIN,
	.shared = &pp_word,
	.shared_size = sizeof(pp_word),
	.go_phase = LAB_PHASE_WORK,
	.join_phase = LAB_PHASE_JOIN,
	.job = pp_job,
	.prepare = pp_prepare,
	.setup = pp_setup,
	.child = pp_child,
	.started = pp_started,
	.check = pp_check,
	.report = pp_report,
	.teardown = pp_teardown,
};

/* ---- the models, each started by launch.c ---- */

static int pp_processes_run(const struct workload_params *p)
{
	return launch_run(&pp_kind, LAUNCH_PROCESSES, p);
}

static int pp_threads_run(const struct workload_params *p)
{
	return launch_run(&pp_kind, LAUNCH_THREADS, p);
}

static int pp_coroutines_run(const struct workload_params *p)
{
	return launch_run(&pp_kind, LAUNCH_COROUTINES, p);
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
