/* clock_ns.h - a clock read in nanoseconds, as the probes' timestamps
 * (bpf_ktime_get_ns is CLOCK_MONOTONIC). */
#ifndef LAB_CLOCK_NS_H
#define LAB_CLOCK_NS_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#endif /* LAB_CLOCK_NS_H */
