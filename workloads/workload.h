/* workload.h - the built-in workload_table: one job per scenario, run as
 * processes, threads, coroutines (and serially, where that teaches). */
#ifndef LAB_WORKLOAD_H
#define LAB_WORKLOAD_H

struct workload_params {
	unsigned tasks;	   /* concurrent tasks; 0 = the workload's default */
	unsigned ops;	   /* operations per task; 0 = default */
	double duration_s; /* target total run time; 0 = default */
	const char *cpus;  /* "0", "0,1": CPUs to pin tasks to, NULL = any */
	double hold_s;	   /* held at the peak this long (memory_point.h) */
};

struct workload {
	const char *name;     /* "io-threads" */
	const char *scenario; /* "io" */
	/* "processes", "threads", "events", "coroutines", "serial" */
	const char *model;
	const char *summary; /* one line for `lab list` */
	/* Runs to completion in the calling process, checks its own result.
	 * Returns 0 when the result is right, non-zero otherwise. */
	int (*run)(const struct workload_params *p);
};

/* NULL-terminated table of every workload, grouped by scenario */
extern const struct workload *const workload_table[];

const struct workload *workload_find(const char *name);
/* true when name is a scenario with at least one workload ("io") */
int workload_is_scenario(const char *name);

#endif /* LAB_WORKLOAD_H */
