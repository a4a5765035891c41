/* registry.c - the table of built-in workload_table and lookups by name.
 * A scenario's variants sit next to each other, in the order a family run
 * and `lab list` show them. */
#include <string.h>
#include "workloads/cpu.h"
#include "workloads/daemon.h"
#include "workloads/gil.h"
#include "workloads/io.h"
#include "workloads/lock.h"
#include "workloads/net.h"
#include "workloads/pingpong.h"
#include "workloads/pool.h"
#include "workloads/queue.h"
#include "workloads/race.h"
#include "workloads/shared.h"
#include "workloads/spawn.h"
#include "workloads/workload.h"

/* one a line, in the order lab list shows them */
/* clang-format off */
const struct workload *const workload_table[] = {
	&io_processes,
	&io_threads,
	&io_events,
	&io_coroutines,
	&io_serial,
	&net_processes,
	&net_threads,
	&net_events,
	&net_coroutines,
	&net_serial,
	&cpu_processes,
	&cpu_threads,
	&cpu_coroutines,
	&cpu_serial,
	&gil_processes,
	&gil_threads,
	&gil_coroutines,
	&gil_serial,
	&gil_old_threads,
	&lock_processes,
	&lock_threads,
	&lock_coroutines,
	&lock_serial,
	&race_processes,
	&race_threads,
	&race_coroutines,
	&pingpong_processes,
	&pingpong_threads,
	&pingpong_coroutines,
	&spawn_processes,
	&spawn_threads,
	&spawn_coroutines,
	&queue_processes,
	&queue_threads,
	&queue_coroutines,
	&shared_processes,
	&shared_threads,
	&shared_coroutines,
	&pool_processes,
	&pool_threads,
	&pool_events,
	&pool_coroutines,
	&daemon_processes,
	&daemon_threads,
	&daemon_coroutines,
	NULL,
};
/* clang-format on */

const struct workload *workload_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct workload *const *w = workload_table; *w; w++)
		if (strcmp((*w)->name, name) == 0)
			return *w;
	return NULL;
}

int workload_is_scenario(const char *name)
{
	if (!name)
		return 0;
	for (const struct workload *const *w = workload_table; *w; w++)
		if (strcmp((*w)->scenario, name) == 0)
			return 1;
	return 0;
}
