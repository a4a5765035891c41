/* bench.c - `make bench`: what a switch, a creation and a round trip cost
 * with coroutines, threads and processes, measured in one run on this
 * machine. Prints a Markdown table: the median of repeated rounds with
 * their range, the process pinned to one CPU so that ping-pong measures
 * switching rather than cross-CPU wakeups.
 *
 *	bench [-n ROUNDS] [NAME...]   NAME selects rows by substring of key
 */
#include <errno.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tests/bench/pin.h"
#include "tests/bench/bench.h"

#define MAX_ROUNDS 101

struct row {
	const char *key;
	const char *what;
	const char *per;
	double (*fn)(void);
};

static const struct row rows[] = {
	{"switch", "coroutine switch (two coroutines yield in turn)", "switch",
	 bench_coro_switch},
	{"swap", "register swap alone (coro_switch_ctx)", "switch",
	 bench_swap_runtime},
	{"swap-gp", "register swap without SSE/x87 control words", "switch",
	 bench_swap_gp_only},
	{"swapcontext", "glibc swapcontext", "switch", bench_swapcontext},
	{"getppid", "getppid system call", "call", bench_getppid},
	{"spawn", "coroutine spawn + run + finish, pooled stack", "coroutine",
	 bench_coro_spawn_pooled},
	{"fresh", "coroutine create + destroy, fresh 32 KiB stack", "coroutine",
	 bench_coro_spawn_fresh},
	{"thread", "thread create + join", "thread", bench_thread_create_join},
	{"fork", "process fork + _exit + waitpid", "process", bench_fork_wait},
	{"chan", "channel ping-pong, coroutines", "round trip",
	 bench_coro_chan_round_trip},
	{"pipe-coro", "pipe ping-pong, coroutines (coro_wait_fd)", "round trip",
	 bench_coro_pipe_round_trip},
	{"pipe-thread", "pipe ping-pong, threads", "round trip",
	 bench_thread_pipe_round_trip},
	{"futex", "futex ping-pong, threads", "round trip",
	 bench_thread_futex_round_trip},
	{"pipe-proc", "pipe ping-pong, processes", "round trip",
	 bench_process_pipe_round_trip},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One unit for a row, chosen by its median, so the range reads along. */
static void unit_for(double ns, double *div, const char **unit)
{
	if (ns < 1e3) {
		*div = 1;
		*unit = "ns";
	} else if (ns < 1e6) {
		*div = 1e3;
		*unit = "µs";
	} else {
		*div = 1e6;
		*unit = "ms";
	}
}

static int fmt_prec(double v)
{
	return v < 10 ? 2 : v < 100 ? 1 : 0;
}

static int selected(const struct row *r, int argc, char **argv)
{
	if (optind >= argc)
		return 1;
	for (int i = optind; i < argc; i++)
		if (strstr(r->key, argv[i]))
			return 1;
	return 0;
}

/* Runs one row's rounds in a child of its own, so that every row starts
 * from the same small process: what one row leaves mapped (pooled stacks,
 * cached thread stacks) would otherwise slow the next row's forks. The
 * child sends the rounds' figures, or one negative -errno. */
static int measure(const struct row *r, int rounds, double *t)
{
	size_t want = (size_t)rounds * sizeof(*t), got = 0;
	int p[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		return -errno;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		/* one round unrecorded: pools, caches and page tables warm */
		for (int k = -1; k < rounds; k++) {
			double v = r->fn();

			if (v < 0) {
				t[0] = v;
				want = sizeof(*t);
				break;
			}
			if (k >= 0)
				t[k] = v;
		}
		_exit(write(p[1], t, want) == (ssize_t)want ? 0 : 1);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -errno;
	}
	while (got < want &&
	       ((n = read(p[0], (char *)t + got, want - got)) > 0 ||
		(n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got >= sizeof(*t) && t[0] < 0)
		return (int)t[0];
	if (got < want) {
		fprintf(stderr,
			"bench: %s: the measuring child died (status "
			"%#x)\n",
			r->key, status);
		return -ECHILD;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench [-n ROUNDS] [NAME...]\nnames:");
	for (size_t i = 0; i < NROWS; i++)
		fprintf(stderr, " %s", rows[i].key);
	fputc('\n', stderr);
}

static double median_of(const char *key, const double *median)
{
	for (size_t i = 0; i < NROWS; i++)
		if (!strcmp(rows[i].key, key))
			return median[i];
	return 0;
}

/* printf for prose: words wrapped to fit 76 columns (Markdown joins the
 * lines again). */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	char text[1024];
	const char *p = text;
	va_list ap;
	int col = 0;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	while (*p) {
		size_t word = strcspn(p, " \n");

		if (col && col + 1 + (int)word > 76) {
			putchar('\n');
			col = 0;
		} else if (col) {
			putchar(' ');
			col++;
		}
		fwrite(p, 1, word, stdout);
		col += (int)word;
		p += word;
		if (*p == ' ') {
			p++;
		} else if (*p == '\n') {
			putchar(*p++);
			col = 0;
		}
	}
}

static void target(const char *what, double got, const char *unit, int met)
{
	printf("- %s: %.*f%s, %s\n", what, fmt_prec(got), got, unit,
	       met ? "met" : "missed");
}

/* The runtime's targets, checked against this run's medians, and where
 * the ratio to swapcontext falls short, the figures that say why. */
static void targets(const double *median)
{
	double sw = median_of("switch", median);
	double ctx = median_of("swapcontext", median);
	double swap = median_of("swap", median);
	double gp = median_of("swap-gp", median);
	double sys = median_of("getppid", median);
	double spawn = median_of("spawn", median);
	double chan = median_of("chan", median);

	if (!sw && !ctx && !spawn && !chan)
		return;
	printf("\nTargets:\n\n");
	if (sw)
		target("coroutine switch at most 7 ns (Boost.Context's "
		       "jump_fcontext)",
		       sw, " ns", sw <= 7);
	if (sw && ctx)
		target("glibc swapcontext at least 40 times a coroutine "
		       "switch",
		       ctx / sw, " times", ctx / sw >= 40);
	if (spawn)
		target("spawn + run + finish on a pooled stack under 50 ns",
		       spawn, " ns", spawn < 50);
	if (chan)
		target("channel round trip under 100 ns", chan, " ns",
		       chan < 100);
	if (!sw || !ctx || ctx / sw >= 40 || !swap || !gp || !sys)
		return;
	say("\nswapcontext is mostly its system call: a getppid costs "
	    "%.0f ns here, %.0f%% of swapcontext's %.0f ns. The switch "
	    "rests on the register swap, %.2f ns, of which saving and "
	    "loading the SSE and x87 control words takes %.2f ns; a "
	    "switch without them would cost about %.2f ns, %.0f times "
	    "less than swapcontext.\n",
	    sys, 100 * sys / ctx, ctx, swap, swap - gp, sw - (swap - gp),
	    ctx / (sw - (swap - gp)));
}

int main(int argc, char **argv)
{
	double median[NROWS] = {0};
	double t[MAX_ROUNDS];
	int rounds = 11, cpu, opt;

	while ((opt = getopt(argc, argv, "n:h")) != -1) {
		char *end;

		switch (opt) {
		case 'n':
			errno = 0;
			rounds = (int)strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || rounds < 1 ||
			    rounds > MAX_ROUNDS) {
				fprintf(stderr, "bench: -n takes 1..%d\n",
					MAX_ROUNDS);
				return 2;
			}
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	cpu = bench_pin_to_current_cpu();
	if (cpu >= 0)
		say("Median of %d rounds with their range; the benchmark, "
		    "its threads and children pinned to CPU %d.\n\n",
		    rounds, cpu);
	else
		say("Median of %d rounds with their range; pinning to one "
		    "CPU failed (%s), so ping-pong figures include "
		    "cross-CPU wakeups.\n\n",
		    rounds, strerror(errno));
	printf("| operation | per | median | range |\n");
	printf("|---|---|--:|--:|\n");
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		const char *unit;
		double div;
		int err, prec;

		if (!selected(r, argc, argv))
			continue;
		err = measure(r, rounds, t);
		if (err) {
			fprintf(stderr, "bench: %s: %s\n", r->key,
				strerror(-err));
			return 1;
		}
		qsort(t, rounds, sizeof(t[0]), cmp_double);
		median[i] = t[rounds / 2];
		if (rounds % 2 == 0)
			median[i] = (t[rounds / 2 - 1] + t[rounds / 2]) / 2;
		unit_for(median[i], &div, &unit);
		prec = fmt_prec(median[i] / div);
		printf("| %s | %s | %.*f %s | %.*f–%.*f |\n", r->what, r->per,
		       prec, median[i] / div, unit, prec, t[0] / div, prec,
		       t[rounds - 1] / div);
	}
	targets(median);
	return 0;
}
