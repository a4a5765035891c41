/* sleepers.c - THREADS threads and PROCESSES processes that sleep, all
 * alive at once, for the memory a thread and a process hold. Once every
 * one exists it waits WAIT_MS (a tracer samples it meanwhile), reads
 * /proc/PID/smaps_rollup of itself and each child, the oracle, waits
 * WAIT_MS again, then lets them all end and writes what it read to
 * ORACLE: a line "pid uss_kb pss_kb" a process. It reads with open and
 * read into its stack, so that reading does not grow its own heap.
 *
 * usage: sleepers ORACLE THREADS PROCESSES WAIT_MS
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX 1000

static int gate[2];

/* Blocks until main closes the gate's write end. */
static void wait_gate(void)
{
	char c;

	while (read(gate[0], &c, 1) > 0)
		;
}

static void *sleeper(void *arg)
{
	wait_gate();
	return arg;
}

static unsigned long long field(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	return p ? strtoull(p + strlen(name), NULL, 10) : 0;
}

/* USS and PSS of pid, in KiB; 0 when gone. */
static void read_rollup(pid_t pid, unsigned long long *uss,
			unsigned long long *pss)
{
	char path[64], text[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
	if (fd >= 0)
		close(fd);
	text[n > 0 ? n : 0] = 0;
	*uss = field(text, "\nPrivate_Clean:") +
	       field(text, "\nPrivate_Dirty:");
	*pss = field(text, "\nPss:");
}

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts))
		;
}

int main(int argc, char **argv)
{
	static pthread_t threads[MAX];
	static pid_t pids[MAX + 1];
	static unsigned long long uss[MAX + 1], pss[MAX + 1];
	int nt, np;
	FILE *f;

	if (argc != 5 || (nt = atoi(argv[2])) < 0 || nt > MAX ||
	    (np = atoi(argv[3])) < 0 || np > MAX || pipe(gate)) {
		fprintf(stderr, "usage: sleepers ORACLE THREADS PROCESSES "
				"WAIT_MS\n");
		return 2;
	}
	for (int i = 0; i < nt; i++)
		if (pthread_create(&threads[i], NULL, sleeper, NULL))
			return 1;
	pids[0] = getpid();
	for (int i = 1; i <= np; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (pids[i] == 0) {
			close(gate[1]);
			wait_gate();
			_exit(0);
		}
	}
	pause_ms(atol(argv[4]));
	for (int i = 0; i <= np; i++)
		read_rollup(pids[i], &uss[i], &pss[i]);
	pause_ms(atol(argv[4]));
	close(gate[1]);
	for (int i = 0; i < nt; i++)
		pthread_join(threads[i], NULL);
	for (int i = 1; i <= np; i++)
		waitpid(pids[i], NULL, 0);
	f = fopen(argv[1], "w");
	if (!f)
		return 1;
	for (int i = 0; i <= np; i++)
		fprintf(f, "%d %llu %llu\n", (int)pids[i], uss[i], pss[i]);
	return fclose(f) ? 1 : 0;
}
