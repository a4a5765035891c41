/* bpf_session.c - the probes of one run: loaded, attached, seeded with
 * the command's pid, their ring buffer drained, their exact counters
 * read, detached. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "probes/bpf_session.h"
#include "probes/clock_ns.h"
#include "probes/probe_compat.h"
#include "probes/run_error.h"
#include "lab.skel.h" /* after events.h: it uses the record types */

/* how long to wait for exited threads' last switch after the reap */
#define SETTLE_NS (200 * 1000 * 1000ULL)

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int libbpf_verbose(enum libbpf_print_level level, const char *fmt,
			  va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

void bpf_session_log(int verbose)
{
	libbpf_set_print(verbose ? libbpf_verbose : libbpf_quiet);
}

static int attach_markers(struct bpf_session *b, const char *path, char *err,
			  size_t errlen)
{
	b->marks = bpf_program__attach_usdt(b->skel->progs.handle_mark, -1,
					    path, "lab", "mark", NULL);
	if (!b->marks)
		return run_error(err, errlen,
				 "run: attaching marker lab:mark in %s: %s",
				 path, strerror(errno));
	return 0;
}

static void set_autoload(struct lab_bpf *skel, unsigned features,
			 const struct probe_wants *w)
{
	struct bpf_program *p = NULL;

	while ((p = bpf_object__next_program(skel->obj, p)))
		bpf_program__set_autoload(
			p,
			probe_compat_loads(features, w, bpf_program__name(p)));
}

/* the gaps (enum lab_not_measured) this process's notes have named */
static unsigned gaps_said;

/* Opens the probes with only the programs this kernel has tracepoints
 * for and the run wants; says which figures the run will lack. */
static int choose_programs(struct bpf_session *b, unsigned features,
			   const struct probe_wants *w, char *err,
			   size_t errlen)
{
	const struct probe_feature_info *missing =
		probe_compat_missing(features);
	const char *gaps[8];
	size_t ngaps = probe_compat_gaps(features, w, gaps, 8);

	if (missing)
		return run_error(err, errlen,
				 "run: this kernel has no %s (%s): lab needs "
				 "Linux %s or newer (run: lab check)",
				 missing->what, missing->since,
				 PROBE_COMPAT_MIN_KERNEL);
	b->skel = lab_bpf__open();
	if (!b->skel)
		return run_error(err, errlen,
				 "run: opening the probes: %s (run: lab check)",
				 strerror(errno));
	set_autoload(b->skel, features, w);
	b->not_measured = probe_compat_not_measured(features, w);
	/* once: every run's trace records the gaps and its report says
	 * them, so a family's runs need not repeat them here */
	for (size_t i = 0; i < ngaps && (b->not_measured & ~gaps_said); i++)
		fprintf(stderr, "lab: note: %s\n", gaps[i]);
	gaps_said |= b->not_measured;
	return 0;
}

int bpf_session_open(struct bpf_session *b, const struct tracer_opts *o,
		     ring_buffer_sample_fn on_event, void *ctx, char *err,
		     size_t errlen)
{
	unsigned features = probe_compat_detect_host();
	struct probe_wants wants = {.markers = o->marker_path != NULL,
				    .creation_calls = o->creation_calls,
				    .futex_retries = o->futex_retries};
	int r;

	if (choose_programs(b, features, &wants, err, errlen))
		return -1;
	b->skel->rodata->futex_retries = o->futex_retries;
	if (o->ring_kib) {
		__u64 bytes = (__u64)o->ring_kib * 1024;

		/* wake the reader at a quarter full, as with the default size
		 */
		bpf_map__set_max_entries(b->skel->maps.events, bytes);
		if (b->skel->rodata->wakeup_bytes > bytes / 4)
			b->skel->rodata->wakeup_bytes = bytes / 4;
	}
	r = lab_bpf__load(b->skel);
	if (r)
		return run_error(err, errlen,
				 "run: loading the probes: %s (run: lab check)",
				 strerror(-r));
	b->slots_bytes = (size_t)bpf_map__max_entries(b->skel->maps.threads) *
			 sizeof(struct lab_thread);
	b->slots = mmap(NULL, b->slots_bytes, PROT_READ | PROT_WRITE,
			MAP_SHARED, bpf_map__fd(b->skel->maps.threads), 0);
	if (b->slots == MAP_FAILED) {
		b->slots = NULL;
		return run_error(err, errlen,
				 "run: mapping the probes' threads: %s",
				 strerror(errno));
	}
	r = lab_bpf__attach(b->skel);
	if (r)
		return run_error(
			err, errlen,
			"run: attaching the probes: %s (run: lab check)",
			strerror(-r));
	if (o->marker_path && (features & PROBE_F_UPROBES) &&
	    attach_markers(b, o->marker_path, err, errlen))
		return -1;
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.events), on_event,
				 ctx, NULL);
	if (!b->rb)
		return run_error(err, errlen,
				 "run: opening the ring buffer: %s",
				 strerror(errno));
	return 0;
}

int bpf_session_seed(struct bpf_session *b, pid_t root, char *err,
		     size_t errlen)
{
	struct lab_thread *th = &b->slots[0];
	struct lab_task task = {.slot = 0};
	int pidfd, r;

	th->stats.tid = th->stats.pid = root;
	th->stats.start_ns = clock_ns(CLOCK_MONOTONIC);
	memcpy(th->stats.comm, "lab", 4); /* until its first switch or exec */
	b->skel->bss->slots_used = 1;
	/* task storage is keyed by a pidfd from user space */
	pidfd = syscall(SYS_pidfd_open, root, 0);
	if (pidfd < 0)
		return run_error(err, errlen, "run: pidfd_open: %s",
				 strerror(errno));
	r = bpf_map__update_elem(b->skel->maps.tasks, &pidfd, sizeof(pidfd),
				 &task, sizeof(task), BPF_NOEXIST);
	close(pidfd);
	if (r)
		return run_error(err, errlen,
				 "run: seeding the probe filter: %s",
				 strerror(errno));
	return 0;
}

/* The slots taken: the kernel counts on past the table when it is full. */
static size_t slots_taken(const struct bpf_session *b)
{
	size_t used = ((volatile struct lab_bpf__bss *)b->skel->bss)
			      ->slots_used,
	       max = bpf_map__max_entries(b->skel->maps.threads);

	return used < max ? used : max;
}

/* The slot holds a thread (a fork whose tracking failed leaves one
 * empty) that has not had its last switch. */
static bool slot_alive(const volatile struct lab_thread *th)
{
	return th->stats.tid && !th->work.retired;
}

static int any_exiting(struct bpf_session *b)
{
	for (size_t i = 0, n = slots_taken(b); i < n; i++) {
		const volatile struct lab_thread *th = &b->slots[i];

		if (slot_alive(th) && (th->stats.flags & LAB_THREAD_EXITED))
			return 1;
	}
	return 0;
}

void bpf_session_settle(struct bpf_session *b)
{
	uint64_t until = clock_ns(CLOCK_MONOTONIC) + SETTLE_NS;

	while (any_exiting(b) && clock_ns(CLOCK_MONOTONIC) < until)
		usleep(1000);
}

void bpf_session_detach(struct bpf_session *b)
{
	bpf_link__destroy(b->marks);
	b->marks = NULL;
	lab_bpf__detach(b->skel);
}

static int push_thread(struct bpf_counters *c, size_t *cap,
		       const struct lab_thread_stats *t)
{
	if (c->nthreads == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *p = realloc(c->threads, ncap * sizeof(*c->threads));

		if (!p)
			return -ENOMEM;
		c->threads = p;
		*cap = ncap;
	}
	c->threads[c->nthreads++] = *t;
	return 0;
}

static int read_threads(struct bpf_session *b, struct bpf_counters *c)
{
	size_t cap = 0;

	/* the trace keeps the counters, not the working state */
	for (size_t i = 0, n = slots_taken(b); i < n; i++)
		if (b->slots[i].stats.tid &&
		    push_thread(c, &cap, &b->slots[i].stats))
			return -ENOMEM;
	return 0;
}

/* sum into the kernel's map at k, as its probes would: 0, or the waits
 * the full map could not take */
static uint64_t waits_add(int fd, const struct lab_wait_key *k,
			  const struct lab_wait_sum *add)
{
	struct lab_wait_sum sum;

	if (bpf_map_lookup_elem(fd, k, &sum)) {
		sum = *add;
	} else {
		sum.count += add->count;
		sum.total_ns += add->total_ns;
		if (add->max_ns > sum.max_ns)
			sum.max_ns = add->max_ns;
	}
	return bpf_map_update_elem(fd, k, &sum, BPF_ANY) ? add->count : 0;
}

/* A thread's sums against one other task, as its probes would flush
 * them (party_flush() in lab.bpf.c). */
static uint64_t party_close(int fd, struct lab_wait_key k, __u32 kind,
			    __u64 party, const struct lab_wait_sum *ran,
			    uint64_t found)
{
	struct lab_wait_sum f = {.count = found};
	uint64_t lost = 0;

	k.kind = kind;
	k.addr = party;
	k.nr = -1;
	k.op = LAB_PARTY_RAN;
	if (ran->count)
		lost += waits_add(fd, &k, ran);
	k.op = LAB_PARTY_FOUND;
	if (found)
		lost += waits_add(fd, &k, &f);
	return lost;
}

/* What the kernel's map of waits lacks once the probes are detached:
 * what each thread summed last (lab_thread_work's recent waits, wakers,
 * preempters), the blocked intervals still open, closed at end_ns as the
 * report's timeline closes them, and the wakeups and preemptions whose
 * thread did not run again. The number the full map could not take. */
static uint64_t close_waits(struct bpf_session *b, uint64_t end_ns)
{
	int fd = bpf_map__fd(b->skel->maps.waits);
	uint64_t lost = 0;

	for (size_t i = 0, n = slots_taken(b); i < n; i++) {
		const struct lab_thread *th = &b->slots[i];
		const struct lab_thread_work *w = &th->work;
		struct lab_wait_key k = {
			.tid = th->stats.tid,
			.pid = th->stats.pid,
			.kind = LAB_WAIT_BLOCKED,
		};

		if (!th->stats.tid)
			continue;
		if (w->recent.count) {
			k.addr = w->recent_addr;
			k.nr = w->recent_nr;
			k.op = w->recent_op;
			lost += waits_add(fd, &k, &w->recent);
		}
		if (w->blocked_since && !w->retired &&
		    end_ns > w->blocked_since) {
			struct lab_wait_sum open = {1,
						    end_ns - w->blocked_since,
						    end_ns - w->blocked_since};

			k.addr = w->block_addr;
			k.nr = w->block_nr;
			k.op = w->block_op;
			lost += waits_add(fd, &k, &open);
		}
		lost += party_close(fd, k, LAB_WAIT_WOKEN, w->woken_party,
				    &w->woken_ran, w->woken_found);
		lost += party_close(fd, k, LAB_WAIT_PREEMPTED, w->preempt_party,
				    &w->preempt_ran, w->preempt_found);
		if (w->retired)
			continue;
		if (w->preempt_open)
			lost += party_close(fd, k, LAB_WAIT_PREEMPTED,
					    w->preempt_by,
					    &(struct lab_wait_sum){0}, 1);
		if (w->woken)
			lost += party_close(fd, k, LAB_WAIT_WOKEN, w->woken_by,
					    &(struct lab_wait_sum){0}, 1);
	}
	return lost;
}

static int read_waits(struct bpf_session *b, struct bpf_counters *c,
		      uint64_t lost)
{
	struct bpf_map *m = b->skel->maps.waits;
	struct lab_wait_key key, next, *prev = NULL;
	struct lab_wait_sum sum;
	size_t cap = 0;

	for (;;) {
		bool more = bpf_map__get_next_key(m, prev, &next,
						  sizeof(next)) == 0;

		if (!more && !lost && !c->retries_counted)
			return 0;
		if (c->nwaits + 1 > cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct lab_wait *p =
				realloc(c->waits, ncap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			c->waits = p;
			cap = ncap;
		}
		if (!more) {
			/* the waits the full map could not take, and what
			 * was counted; one record a call */
			memset(&c->waits[c->nwaits], 0, sizeof(*c->waits));
			if (c->retries_counted) {
				c->waits[c->nwaits++].key.kind =
					LAB_WAIT_RETRIES_COUNTED;
				c->retries_counted = false;
				continue;
			}
			c->waits[c->nwaits].key.kind = LAB_WAIT_LOST;
			c->waits[c->nwaits++].sum.count = lost;
			return 0;
		}
		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(m, &key, sizeof(key), &sum,
					 sizeof(sum), 0) == 0)
			c->waits[c->nwaits++] =
				(struct lab_wait){.key = key, .sum = sum};
	}
}

static int by_pid(const void *a, const void *b)
{
	const struct live_process *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

size_t bpf_session_live(struct bpf_session *b, struct live_process *live,
			size_t cap)
{
	size_t n = 0, k = 0;

	/* a thread an entry, then one entry a process with their count */
	for (size_t i = 0, used = slots_taken(b); i < used && n < cap; i++) {
		const volatile struct lab_thread *th = &b->slots[i];

		if (slot_alive(th) && !th->stats.exit_ns)
			live[n++] = (struct live_process){th->stats.pid, 1};
	}
	qsort(live, n, sizeof(*live), by_pid);
	for (size_t i = 0; i < n; i++) {
		if (k && live[k - 1].pid == live[i].pid)
			live[k - 1].threads++;
		else
			live[k++] = live[i];
	}
	return k;
}

int bpf_session_read_counters(struct bpf_session *b, uint64_t end_ns,
			      struct bpf_counters *c)
{
	c->retries_counted = b->skel->rodata->futex_retries;
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *vals;

	if (read_threads(b, c))
		return -ENOMEM;
	if (ncpus <= 0)
		return ncpus;
	c->ncpus = ncpus;
	c->drops = calloc(ncpus, sizeof(uint64_t));
	vals = calloc(ncpus, sizeof(uint64_t));
	if (!c->drops || !vals) {
		free(vals);
		return -ENOMEM;
	}
	uint64_t sums[3] = {0};

	for (__u32 k = 0; k < 3; k++) {
		if (bpf_map__lookup_elem(b->skel->maps.counters, &k, sizeof(k),
					 vals, ncpus * sizeof(uint64_t), 0))
			continue;
		for (int cpu = 0; cpu < ncpus; cpu++) {
			if (k == 0)
				c->drops[cpu] = vals[cpu];
			sums[k] += vals[cpu];
		}
	}
	free(vals);
	c->dropped = sums[0];
	c->untracked = sums[1];
	return read_waits(b, c, sums[2] + close_waits(b, end_ns));
}

void bpf_session_counters_free(struct bpf_counters *c)
{
	free(c->threads);
	free(c->drops);
	free(c->waits);
}

void bpf_session_close(struct bpf_session *b)
{
	bpf_link__destroy(b->marks);
	ring_buffer__free(b->rb);
	if (b->slots)
		munmap(b->slots, b->slots_bytes);
	lab_bpf__destroy(b->skel);
}

int tracer_probe_check(char *err, size_t errlen)
{
	/* every program this kernel can run, the optional ones too, but
	 * the markers': those are attached to one binary per run */
	unsigned features = probe_compat_detect_host();
	struct probe_wants wants = {.creation_calls = true};
	struct lab_bpf *skel;
	int r;

	bpf_session_log(0);
	skel = lab_bpf__open();
	if (!skel)
		return run_error(err, errlen, "%s", strerror(errno));
	set_autoload(skel, features, &wants);
	r = lab_bpf__load(skel);
	lab_bpf__destroy(skel);
	if (r)
		return run_error(err, errlen, "%s", strerror(-r));
	return 0;
}
