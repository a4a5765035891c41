/* cpu_lanes.c - what each CPU ran over the run, as lanes. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/cpu_lanes.h"

#define FIRST_COLUMN_NS 1024ULL
#define NWHAT		3 /* a thread of the run, other work, idle */

static const enum lane_state whats[NWHAT] = {LANE_RUNNING, LANE_OTHER,
					     LANE_IDLE};

#define CPU_LANES_MAX_CPUS 1024

struct cpu_acc {
	uint64_t ns[LANE_COLUMNS][NWHAT];
	int what; /* index into whats, -1 before its first switch */
	uint64_t since;
};

struct cpu_lanes_builder {
	uint64_t start_ns, column_ns;
	struct cpu_acc *cpus;
	size_t ncpus;
	bool oom;
};

struct cpu_lanes_builder *cpu_lanes_new(uint64_t start_ns)
{
	struct cpu_lanes_builder *b = calloc(1, sizeof(*b));

	if (b) {
		b->start_ns = start_ns;
		b->column_ns = FIRST_COLUMN_NS;
	}
	return b;
}

void cpu_lanes_builder_free(struct cpu_lanes_builder *b)
{
	if (!b)
		return;
	free(b->cpus);
	free(b);
}

/* Columns twice as wide: neighbours merged. */
static void widen(struct cpu_lanes_builder *b)
{
	for (size_t c = 0; c < b->ncpus; c++) {
		struct cpu_acc *a = &b->cpus[c];

		for (size_t i = 0; i < LANE_COLUMNS / 2; i++)
			for (int w = 0; w < NWHAT; w++)
				a->ns[i][w] =
					a->ns[2 * i][w] + a->ns[2 * i + 1][w];
		memset(a->ns[LANE_COLUMNS / 2], 0,
		       sizeof(a->ns[0]) * (LANE_COLUMNS / 2));
	}
	b->column_ns *= 2;
}

/* [from, to) on CPU a goes to what w. The columns widen until to is in
 * the last one, reckoned by division so that no product overflows
 * whatever a damaged trace's stamps say. */
static void charge(struct cpu_lanes_builder *b, struct cpu_acc *a, int w,
		   uint64_t from, uint64_t to)
{
	if (from < b->start_ns)
		from = b->start_ns;
	if (to <= from)
		return;
	while ((to - b->start_ns - 1) / LANE_COLUMNS >= b->column_ns)
		widen(b);
	while (from < to) {
		uint64_t off = from - b->start_ns;
		uint64_t room = b->column_ns - off % b->column_ns;
		uint64_t step = to - from < room ? to - from : room;

		a->ns[off / b->column_ns][w] += step;
		from += step;
	}
}

static int index_of(enum lane_state what)
{
	for (int w = 0; w < NWHAT; w++)
		if (whats[w] == what)
			return w;
	return 1;
}

void cpu_lanes_switch(struct cpu_lanes_builder *b, uint16_t cpu, uint64_t ts,
		      enum lane_state what)
{
	struct cpu_acc *a;

	/* a lane a CPU: more than the machines lab runs on have is a
	 * damaged trace's number, not a CPU */
	if (b->oom || cpu >= CPU_LANES_MAX_CPUS)
		return;
	if (cpu >= b->ncpus) {
		struct cpu_acc *v = realloc(b->cpus, (cpu + 1u) * sizeof(*v));

		if (!v) {
			b->oom = true;
			return;
		}
		for (size_t c = b->ncpus; c <= cpu; c++) {
			memset(&v[c], 0, sizeof(v[c]));
			v[c].what = -1;
		}
		b->cpus = v;
		b->ncpus = cpu + 1u;
	}
	a = &b->cpus[cpu];
	/* a CPU's own switches come in order; a stamp a little behind
	 * charges nothing */
	if (a->what >= 0 && ts > a->since)
		charge(b, a, a->what, a->since, ts);
	if (a->what < 0 || ts > a->since)
		a->since = ts;
	a->what = index_of(what);
}

int cpu_lanes_finish(struct cpu_lanes_builder *b, uint64_t end_ns,
		     uint64_t column_ns, size_t ncpus, struct lane_set *out)
{
	int err = -1;

	memset(out, 0, sizeof(*out));
	if (!b || b->oom)
		goto out;
	for (size_t c = 0; c < b->ncpus; c++)
		if (b->cpus[c].what >= 0 && end_ns > b->cpus[c].since)
			charge(b, &b->cpus[c], b->cpus[c].what,
			       b->cpus[c].since, end_ns);
	while (b->column_ns < column_ns)
		widen(b);
	out->start_ns = b->start_ns;
	out->column_ns = b->column_ns;
	if (end_ns > b->start_ns)
		out->ncolumns = (end_ns - 1 - b->start_ns) / b->column_ns + 1;
	if (out->ncolumns > LANE_COLUMNS)
		out->ncolumns = LANE_COLUMNS;
	out->lanes = calloc(ncpus + 1, sizeof(*out->lanes));
	if (!out->lanes)
		goto out;
	out->nlanes = ncpus;
	for (size_t c = 0; c < ncpus && c < b->ncpus; c++)
		for (size_t i = 0; i < out->ncolumns; i++) {
			const uint64_t *ns = b->cpus[c].ns[i];
			int best = -1;

			for (int w = 0; w < NWHAT; w++)
				if (ns[w] && (best < 0 || ns[w] > ns[best]))
					best = w;
			out->lanes[c].state[i] =
				best < 0 ? LANE_NONE : whats[best];
		}
	err = 0;
out:
	cpu_lanes_builder_free(b);
	return err;
}
