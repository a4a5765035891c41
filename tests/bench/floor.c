/* floor.c - attaches empty programs where a tracer's probes go, and waits
 * for SIGINT or SIGTERM: the floor under the tracers' overhead in
 * tests/bench/overhead.
 *
 *	bench-floor lab       sched_switch, sched_waking, sched_wakeup,
 *	                      sched_wakeup_new, sched_migrate_task
 *	bench-floor runqlat   sched_switch, sched_wakeup, sched_wakeup_new
 *
 * Prints "attached" once the programs are in place. lab's rarer probes
 * (fork, exec, exit, page faults, kernel locks) fire too seldom in the
 * benchmark's ping-pong to move the floor and are left out.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "floor.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct floor_bpf *skel;
	int lab;

	if (argc != 2 ||
	    (strcmp(argv[1], "lab") && strcmp(argv[1], "runqlat"))) {
		fprintf(stderr, "usage: bench-floor lab|runqlat\n");
		return 2;
	}
	lab = !strcmp(argv[1], "lab");
	skel = floor_bpf__open();
	if (!skel) {
		perror("bench-floor: open");
		return 1;
	}
	bpf_program__set_autoload(skel->progs.empty_waking, lab);
	bpf_program__set_autoload(skel->progs.empty_migrate, lab);
	if (floor_bpf__load(skel) || floor_bpf__attach(skel)) {
		fprintf(stderr,
			"bench-floor: cannot load the empty programs\n");
		floor_bpf__destroy(skel);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached\n");
	fflush(stdout);
	while (!stop)
		pause();
	floor_bpf__destroy(skel);
	return 0;
}
