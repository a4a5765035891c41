/* markers.c - the one USDT probe site of the workload_table (see markers.h) */
#include <sys/sdt.h>
#include "workloads/markers.h"

__attribute__((noinline)) void lab_mark(enum lab_marker id,
					unsigned long long value)
{
	DTRACE_PROBE2(lab, mark, (unsigned int)id, value);
}
