/* synth.h - large synthetic traces for the benchmarks: the threads of
 * one process on two CPUs, scheduled by a small simulator, written with
 * the trace writer. The same arguments write the same events. */
#ifndef LAB_BENCH_SYNTH_H
#define LAB_BENCH_SYNTH_H

#include <stdint.h>

/* How the simulated threads spend their time. */
enum synth_mix {
	/* A busy traced workload: each running thread blocks at random,
	 * mostly in futex waits and otherwise in reads, is woken at random
	 * and preempted. What the analyzer is timed on. */
	SYNTH_MIX_BUSY,
	/* In each epoch of its life, about 1/200 of the run and offset from
	 * the other threads', a thread wants a CPU or waits in a futex, a
	 * read or a clock_nanosleep, picked anew each epoch, so that every
	 * lane of a report's timeline changes state along the run: the most
	 * a page has to draw. */
	SYNTH_MIX_EPOCHS,
};

/* Writes a trace of about `events` events of nthreads threads (at least
 * 1: the first creates the others) to path, its cmdline the program's
 * name; returns 0, or -1 when it could not. */
int synth_trace(const char *path, uint64_t events, int nthreads,
		enum synth_mix mix);

#endif /* LAB_BENCH_SYNTH_H */
