/* gil.c - the gil scenario: why CPython's threads lose a CPU-bound race.
 *
 * CPython runs bytecode only while holding its global interpreter lock and
 * lets go of it every switch interval (5 ms) so that another thread may
 * take it. Here each task runs the cpu scenario's multiply-add chain the
 * same way: it takes the lock `gil`, computes until GIL_INTERVAL_NS of its
 * own CPU time has passed, releases the lock and takes it again. Only the
 * holder computes, so threads use one CPU however many there are, and
 * processes, each with its own interpreter and so its own lock, use them
 * all.
 *
 * The lock is a plain pthread mutex, as the GIL was before CPython 3.2: a
 * thread that releases it and asks again at once usually gets it back
 * before the waiter it woke has even been scheduled. The run counts every
 * take of the lock and how many went to another task than the one that
 * held it last: few, for threads. (CPython 3.2 and later make the holder
 * wait until a waiter has taken the lock, at the price of a switch every
 * interval; that cures the starvation, not the single CPU.)
 *
 * gil_task_run() is the job, the same in every model; a struct gil_ops
 * says which lock it takes. Below it, one function per model:
 *	processes	fork: each process takes its own copy of gil, waitpid
 *	threads		pthread_create, all take the one gil, pthread_join
 *	coroutines	a coro_mutex, coro_spawn, coro_run; a task releases it
 *			and yields every interval
 *	serial		the tasks one after another, the lock uncontended
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
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
#include "gil.h"
#include "markers.h"

#define GIL_TASKS	   4
#define GIL_OPS		   250000000ull /* per task: about 0.25 s of one CPU */
#define GIL_INTERVAL_NS	   5000000	/* sys.getswitchinterval(): 5 ms */
#define GIL_CHECK_OPS	   (1ull << 16) /* steps between clock reads */
#define GIL_CALIBRATE_OPS  (1ull << 18)
#define GIL_MAX_TASKS	   10000u
#define GIL_MAX_CPUS	   64 /* entries in a --cpu list */
#define GIL_MAX_DURATION_S 1e5

/* The interpreter lock. Threads and the serial run take this global, so a
 * futex wait on its address resolves to the symbol gil. A forked process
 * has a copy of its own: one interpreter, one lock. */
struct gil {
	pthread_mutex_t mutex;
	struct coro_mutex *coro; /* what coroutines take instead */
	int holder;		 /* the task that took it last, -1: none yet */
};

static struct gil gil = {.mutex = PTHREAD_MUTEX_INITIALIZER, .holder = -1};

/* A task's slot. Slots start on cache lines, so that tasks writing their
 * own do not slow each other down (no false sharing). */
struct gil_task {
	unsigned id;
	char name[16]; /* "gil-w3": fits the kernel's 15 characters */
	int cpu;       /* the CPU it is pinned to, -1 for any */
	pid_t pid;
	pthread_t thread;
	int started;
	int failed;	       /* could not pin, or died */
	uint64_t ops;	       /* steps to make */
	uint64_t mul, add, x0; /* the task's own chain */
	uint64_t x;	       /* where the chain ended */
	uint64_t done;	       /* steps made */
	uint64_t takes;	       /* times it took the lock */
	uint64_t taken_over;   /* of those, from another task */
	uint64_t waits;	       /* takes that found the lock held */
	uint64_t cpu_ns;       /* CPU time spent computing, lock held */
	uint64_t end_ns;       /* CLOCK_MONOTONIC */
} __attribute__((aligned(64)));

struct gil_run {
	const char *name;
	unsigned n;
	uint64_t ops; /* per task */
	int cpus[GIL_MAX_CPUS];
	unsigned ncpus;
	/* a MAP_SHARED mapping, so that a forked child writes where the root
	 * reads */
	struct gil_task *t;
	size_t map_len;
	uint64_t begin_ns;
	double secs;
};

/* How a task takes the interpreter lock; the job is the same whichever. */
struct gil_ops {
	int (*trylock)(struct gil *g); /* 0 when taken */
	void (*lock)(struct gil *g);
	void (*unlock)(struct gil *g);
	void (*pause)(void); /* after each release, or NULL */
};

static int gil_pthread_try(struct gil *g)
{
	return pthread_mutex_trylock(&g->mutex);
}

static void gil_pthread_take(struct gil *g)
{
	pthread_mutex_lock(&g->mutex);
}

static void gil_pthread_give(struct gil *g)
{
	pthread_mutex_unlock(&g->mutex);
}

static int gil_coro_try(struct gil *g)
{
	return coro_mutex_trylock(g->coro);
}

static void gil_coro_take(struct gil *g)
{
	coro_mutex_lock(g->coro);
}

static void gil_coro_give(struct gil *g)
{
	coro_mutex_unlock(g->coro);
}

/* The kernel schedules threads and processes; a coroutine has to let the
 * others run itself, once it has let go of the lock. */
static const struct gil_ops gil_pthread = {
	.trylock = gil_pthread_try,
	.lock = gil_pthread_take,
	.unlock = gil_pthread_give,
};

static const struct gil_ops gil_coro = {
	.trylock = gil_coro_try,
	.lock = gil_coro_take,
	.unlock = gil_coro_give,
	.pause = coro_yield,
};

static uint64_t gil_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The work, as in cpu.c: n dependent multiply-adds, x kept opaque after
 * every step so that the compiler can neither merge steps nor fold the
 * loop. */
static __attribute__((noinline)) uint64_t gil_chain(uint64_t x, uint64_t mul,
						    uint64_t add, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		x = x * mul + add;
		__asm__("" : "+r"(x));
	}
	return x;
}

/* The same n steps by repeated squaring of the affine map x -> mul*x + add
 * (see cpu.c). */
static uint64_t gil_expected(uint64_t x, uint64_t mul, uint64_t add, uint64_t n)
{
	uint64_t m = 1, a = 0;

	while (n) {
		if (n & 1) {
			a = mul * a + add;
			m *= mul;
		}
		add = mul * add + add;
		mul *= mul;
		n >>= 1;
	}
	return m * x + a;
}

/* Computes while holding the lock, until the chain is done or the task
 * has had its interval of CPU; returns where the chain got to. */
static uint64_t gil_hold(struct gil_task *t, uint64_t x)
{
	uint64_t c0 = gil_clock_ns(CLOCK_THREAD_CPUTIME_ID), used;

	do {
		uint64_t n = t->ops - t->done < GIL_CHECK_OPS ? t->ops - t->done
							      : GIL_CHECK_OPS;

		x = gil_chain(x, t->mul, t->add, n);
		t->done += n;
		used = gil_clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	} while (t->done < t->ops && used < GIL_INTERVAL_NS);
	t->cpu_ns += used;
	return x;
}

/* The job, the same in every model: take the lock, compute an interval,
 * let go, again until the chain is done. A try first, only to count the
 * takes that had to wait; the lock call does the waiting. */
static void gil_task_run(struct gil_task *t, struct gil *g,
			 const struct gil_ops *o)
{
	uint64_t x = t->x0;

	while (t->done < t->ops) {
		if (o->trylock(g) != 0) {
			t->waits++;
			o->lock(g);
		}
		t->takes++;
		if (g->holder >= 0 && g->holder != (int)t->id)
			t->taken_over++;
		g->holder = (int)t->id;
		x = gil_hold(t, x);
		o->unlock(g);
		if (o->pause)
			o->pause();
	}
	t->x = x;
	t->end_ns = gil_clock_ns(CLOCK_MONOTONIC);
}

/* ---- CPUs: "0" puts every task on CPU 0, "0,1" alternates them ---- */

static int gil_parse_cpus(struct gil_run *r, const char *s)
{
	cpu_set_t allowed;

	r->ncpus = 0;
	if (!s)
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		fprintf(stderr, "%s: sched_getaffinity: %s\n", r->name,
			strerror(errno));
		return -1;
	}
	do {
		char *end;
		long cpu;

		errno = 0;
		cpu = isdigit((unsigned char)*s) ? strtol(s, &end, 10) : -1;
		if (cpu < 0 || errno || (*end && *end != ',') ||
		    r->ncpus == GIL_MAX_CPUS) {
			fprintf(stderr, "%s: bad CPU list '%s'\n", r->name, s);
			return -1;
		}
		if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) {
			fprintf(stderr, "%s: CPU %ld is not available here\n",
				r->name, cpu);
			return -1;
		}
		r->cpus[r->ncpus++] = (int)cpu;
		s = *end ? end + 1 : end;
	} while (*s);
	return 0;
}

/* Pins the calling thread (and so a single-threaded process). */
static int gil_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Coroutines and the serial run are one thread: it goes on the first CPU
 * of the list, and back where it was afterwards. */
static int gil_pin_root(const struct gil_run *r, cpu_set_t *saved)
{
	if (!r->ncpus)
		return 0;
	if (sched_getaffinity(0, sizeof(*saved), saved) == 0 &&
	    gil_pin(r->cpus[0]) == 0)
		return 0;
	fprintf(stderr, "%s: pinning to CPU %d: %s\n", r->name, r->cpus[0],
		strerror(errno));
	return -1;
}

static void gil_unpin_root(const struct gil_run *r, const cpu_set_t *saved)
{
	if (r->ncpus)
		sched_setaffinity(0, sizeof(*saved), saved);
}

/* ---- parameters, setup, verdict, teardown ---- */

/* Nanoseconds per step on this CPU: the fastest of a few short runs, as a
 * run that was preempted would make the step look slower than it is. */
static double gil_ns_per_op(void)
{
	double best = 0;
	uint64_t sink = 0;

	for (int i = 0; i < 5; i++) {
		uint64_t t0 = gil_clock_ns(CLOCK_MONOTONIC);
		double ns;

		sink += gil_chain(sink, 0x9e3779b97f4a7c15ull, 1,
				  GIL_CALIBRATE_OPS);
		ns = (double)(gil_clock_ns(CLOCK_MONOTONIC) - t0) /
		     (double)GIL_CALIBRATE_OPS;
		if (i == 0 || ns < best)
			best = ns;
	}
	__asm__ volatile("" : : "r"(sink)); /* the runs must happen */
	return best > 0 ? best : 1;
}

/* ops, else duration_s (seconds of CPU for all tasks together, turned into
 * steps by a quick calibration), else the default. Nothing to undo when
 * it fails. */
static int gil_params(struct gil_run *r, const char *name,
		      const struct workload_params *p)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->n = p->tasks ? p->tasks : GIL_TASKS;
	if (r->n > GIL_MAX_TASKS) {
		fprintf(stderr, "%s: %u tasks, at most %u\n", name, r->n,
			GIL_MAX_TASKS);
		return -1;
	}
	if (p->ops) {
		r->ops = p->ops;
	} else if (p->duration_s) {
		double d = p->duration_s;

		if (!isfinite(d) || d <= 0 || d > GIL_MAX_DURATION_S) {
			fprintf(stderr, "%s: bad duration %g s\n", name, d);
			return -1;
		}
		r->ops = (uint64_t)(d * 1e9 / gil_ns_per_op() / r->n);
		if (!r->ops)
			r->ops = 1;
	} else {
		r->ops = GIL_OPS;
	}
	return gil_parse_cpus(r, p->cpus);
}

static void gil_teardown(struct gil_run *r)
{
	coro_mutex_free(gil.coro);
	gil.coro = NULL;
	if (r->t)
		munmap(r->t, r->map_len);
	r->t = NULL;
}

/* with_coro: make the coroutine mutex */
static int gil_setup(struct gil_run *r, int with_coro)
{
	void *map;
	int err;

	r->map_len = r->n * sizeof(*r->t);
	map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "%s: mmap: %s\n", r->name, strerror(errno));
		return -1;
	}
	r->t = map;
	for (unsigned i = 0; i < r->n; i++) {
		struct gil_task *t = &r->t[i];

		t->id = i;
		t->ops = r->ops;
		snprintf(t->name, sizeof(t->name), "gil-w%u", i);
		t->cpu = r->ncpus ? r->cpus[i % r->ncpus] : -1;
		/* a different chain per task: a task that reported another's
		 * result would not pass */
		t->mul =
			(0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull * i) | 1;
		t->add = 2 * (uint64_t)i + 1;
		t->x0 = (uint64_t)i + 1;
	}
	/* a fresh lock for every run: an earlier one may have been held by
	 * a thread that died */
	err = pthread_mutex_init(&gil.mutex, NULL);
	gil.holder = -1;
	gil.coro = with_coro ? coro_mutex_new() : NULL;
	if (err || (with_coro && !gil.coro)) {
		fprintf(stderr, "%s: cannot make the lock: %s\n", r->name,
			strerror(err ? err : ENOMEM));
		return -1;
	}
	return 0;
}

/* Every task made all its steps and ended where the closed form says;
 * one line on stderr says what was wrong otherwise. */
static int gil_verdict(const struct gil_run *r)
{
	unsigned wrong = 0;

	for (unsigned i = 0; i < r->n; i++) {
		const struct gil_task *t = &r->t[i];
		uint64_t want = gil_expected(t->x0, t->mul, t->add, r->ops);

		if (t->started && !t->failed && t->done == r->ops &&
		    t->x == want)
			continue;
		if (wrong++)
			continue;
		if (!t->started || t->failed || t->done != r->ops)
			fprintf(stderr, "%s: %s made %llu of %llu steps%s%s\n",
				r->name, t->name, (unsigned long long)t->done,
				(unsigned long long)r->ops,
				t->started ? "" : ", never started",
				t->failed ? ", failed" : "");
		else
			fprintf(stderr,
				"%s: %s ended at %#llx, expected %#llx\n",
				r->name, t->name, (unsigned long long)t->x,
				(unsigned long long)want);
	}
	if (wrong > 1)
		fprintf(stderr, "%s: %u of %u tasks wrong\n", r->name, wrong,
			r->n);
	return wrong ? 1 : 0;
}

/* One line for the reader: the wall time against the CPU used, how often
 * the lock went to another task, and when the first and the last task
 * finished: with a lock that is rarely handed over, one task runs to its
 * end while the others wait. */
static void gil_report(const struct gil_run *r, const char *extra)
{
	uint64_t cpu = 0, takes = 0, over = 0, waits = 0;
	uint64_t first = UINT64_MAX, last = 0;

	for (unsigned i = 0; i < r->n; i++) {
		const struct gil_task *t = &r->t[i];

		cpu += t->cpu_ns;
		takes += t->takes;
		over += t->taken_over;
		waits += t->waits;
		first = t->end_ns < first ? t->end_ns : first;
		last = t->end_ns > last ? t->end_ns : last;
	}
	printf("%s: %u tasks x %llu multiply-adds: %.3f s wall, %.2f CPUs "
	       "busy; the lock taken %llu times, %llu of them from another "
	       "task (%.1f%%), %llu after a wait; first task done at %.3f s, "
	       "last at %.3f s%s\n",
	       r->name, r->n, (unsigned long long)r->ops, r->secs,
	       r->secs > 0 ? (double)cpu / 1e9 / r->secs : 0,
	       (unsigned long long)takes, (unsigned long long)over,
	       takes ? 100.0 * (double)over / (double)takes : 0,
	       (unsigned long long)waits, (double)(first - r->begin_ns) / 1e9,
	       (double)(last - r->begin_ns) / 1e9, extra);
}

/* Marks the start of a run and sets it up; 0 when it can go on. */
static int gil_begin(struct gil_run *r, int with_coro)
{
	LAB_MARK_START(r->n);
	LAB_MARK_OPS(r->ops);
	LAB_MARK_PHASE(LAB_PHASE_SETUP);
	if (gil_setup(r, with_coro) != 0)
		return -1;
	r->begin_ns = gil_clock_ns(CLOCK_MONOTONIC);
	return 0;
}

/* Judges the run, marks its end and gives back what it holds. */
static int gil_finish(struct gil_run *r, int result, const char *extra)
{
	LAB_MARK_PHASE(LAB_PHASE_TEARDOWN);
	r->secs = (double)(gil_clock_ns(CLOCK_MONOTONIC) - r->begin_ns) / 1e9;
	/* a failure already said what it was */
	if (!result)
		result = gil_verdict(r);
	if (!result)
		gil_report(r, extra);
	LAB_MARK_END(result);
	gil_teardown(r);
	return result;
}

/* What a process or thread task does once it exists. */
static void gil_task_start(struct gil_task *t)
{
	if (gil_pin(t->cpu) != 0) {
		t->failed = 1;
		return;
	}
	gil_task_run(t, &gil, &gil_pthread);
}

/* ---- processes ---- */

static __attribute__((noreturn)) void gil_child(struct gil_task *t)
{
	prctl(PR_SET_NAME, t->name);
	gil_task_start(t);
	_exit(t->failed);
}

static void gil_reap(struct gil_task *t)
{
	int status;
	pid_t got;

	while ((got = waitpid(t->pid, &status, 0)) < 0 && errno == EINTR)
		;
	/* a child that died left its slot as far as it got */
	if (got != t->pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		t->failed = 1;
}

static int gil_processes_run(const struct workload_params *p)
{
	struct gil_run r;
	int err = 0;

	if (gil_params(&r, "gil-processes", p) != 0)
		return 1;
	if (gil_begin(&r, 0) != 0)
		return gil_finish(&r, 1, "");
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct gil_task *t = &r.t[i];
		pid_t pid = fork();

		if (pid == 0)
			gil_child(t);
		if (pid < 0) {
			fprintf(stderr, "%s: fork: %s\n", r.name,
				strerror(errno));
			err = 1;
			break;
		}
		t->pid = pid;
		t->started = 1;
	}
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	for (unsigned i = 0; i < r.n; i++)
		if (r.t[i].started)
			gil_reap(&r.t[i]);
	return gil_finish(&r, err, "; one lock per process");
}

/* ---- threads ---- */

static void *gil_thread(void *arg)
{
	struct gil_task *t = arg;

	pthread_setname_np(pthread_self(), t->name);
	gil_task_start(t);
	return NULL;
}

static int gil_threads_run(const struct workload_params *p)
{
	struct gil_run r;
	int err = 0;

	if (gil_params(&r, "gil-threads", p) != 0)
		return 1;
	if (gil_begin(&r, 0) != 0)
		return gil_finish(&r, 1, "");
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		struct gil_task *t = &r.t[i];

		err = pthread_create(&t->thread, NULL, gil_thread, t);
		if (err)
			fprintf(stderr, "%s: pthread_create: %s\n", r.name,
				strerror(err));
		t->started = !err;
	}
	LAB_MARK_PHASE(LAB_PHASE_JOIN);
	for (unsigned i = 0; i < r.n; i++)
		if (r.t[i].started)
			pthread_join(r.t[i].thread, NULL);
	return gil_finish(&r, err != 0, "");
}

/* ---- coroutines ---- */

static void gil_coro_task(void *arg)
{
	gil_task_run(arg, &gil, &gil_coro);
}

static int gil_coroutines_run(const struct workload_params *p)
{
	struct gil_run r;
	uint64_t switches = coro_switches();
	cpu_set_t saved;
	char extra[120];
	int err = 0, result;

	if (gil_params(&r, "gil-coroutines", p) != 0)
		return 1;
	if (gil_begin(&r, 1) != 0 || gil_pin_root(&r, &saved) != 0)
		return gil_finish(&r, 1, "");
	LAB_MARK_PHASE(LAB_PHASE_SPAWN);
	for (unsigned i = 0; i < r.n && !err; i++) {
		err = coro_spawn(gil_coro_task, &r.t[i], 0);
		if (err)
			fprintf(stderr, "%s: coro_spawn: %s\n", r.name,
				strerror(-err));
		r.t[i].started = !err;
	}
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	result = coro_run();
	if (result)
		fprintf(stderr, "%s: coro_run: %s\n", r.name,
			strerror(-result));
	gil_unpin_root(&r, &saved);
	switches = coro_switches() - switches;
	snprintf(extra, sizeof(extra),
		 "; %llu switches: each release yields to the next in line",
		 (unsigned long long)switches);
	LAB_MARK_CORO_SWITCHES(switches);
	return gil_finish(&r, err || result, extra);
}

/* ---- serial ---- */

static int gil_serial_run(const struct workload_params *p)
{
	struct gil_run r;
	cpu_set_t saved;

	if (gil_params(&r, "gil-serial", p) != 0)
		return 1;
	if (gil_begin(&r, 0) != 0 || gil_pin_root(&r, &saved) != 0)
		return gil_finish(&r, 1, "");
	LAB_MARK_PHASE(LAB_PHASE_WORK);
	for (unsigned i = 0; i < r.n; i++) {
		r.t[i].started = 1;
		gil_task_run(&r.t[i], &gil, &gil_pthread);
	}
	gil_unpin_root(&r, &saved);
	return gil_finish(&r, 0, "");
}

const struct workload gil_processes = {
	.name = "gil-processes",
	.scenario = "gil",
	.model = "processes",
	.summary = "N processes, each with its own interpreter lock: parallel",
	.run = gil_processes_run,
};

const struct workload gil_threads = {
	.name = "gil-threads",
	.scenario = "gil",
	.model = "threads",
	.summary = "N threads compute only holding one global lock: one CPU",
	.run = gil_threads_run,
};

const struct workload gil_coroutines = {
	.name = "gil-coroutines",
	.scenario = "gil",
	.model = "coroutines",
	.summary = "N coroutines pass the lock on at every switch interval",
	.run = gil_coroutines_run,
};

const struct workload gil_serial = {
	.name = "gil-serial",
	.scenario = "gil",
	.model = "serial",
	.summary = "the same tasks one after another under the lock",
	.run = gil_serial_run,
};
