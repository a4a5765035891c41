/* creation.c - the creation cost of threads and processes. */
#include <stdlib.h>
#include "analyzer/creation.h"
#include "analyzer/not_measured.h"
#include "analyzer/stats.h"

static int by_start(const void *x, const void *y)
{
	const struct thread_report *a = *(const struct thread_report *const *)x;
	const struct thread_report *b = *(const struct thread_report *const *)y;

	if (a->start_ns != b->start_ns)
		return a->start_ns < b->start_ns ? -1 : 1;
	return (a->tid > b->tid) - (a->tid < b->tid);
}

/* The summary of the children of one kind. */
static int summarise(struct creation_summary *s, const struct run_report *run,
		     bool threads)
{
	struct samples lat = {0}, faults = {0};
	uint64_t sum = 0;
	int err = 0;

	for (size_t i = 0; i < run->nchildren && !err; i++) {
		const struct thread_report *t = run->children[i];

		if (t->is_thread != threads)
			continue;
		s->count++;
		if (t->ran) {
			s->ran++;
			sum += t->creation_ns;
			err |= stats_samples_add(&lat, t->creation_ns);
		}
		if (t->has_kernel &&
		    !not_measured(&run->info, LAB_NM_PAGE_FAULTS)) {
			s->with_faults++;
			s->page_faults += t->page_faults;
			err |= stats_samples_add(&faults, t->page_faults);
		}
	}
	stats_samples_sort(&lat);
	stats_samples_sort(&faults);
	/* the mean is what N creations cost divided by N; the median is a
	 * creation that happened, unmoved by one slow outlier */
	s->mean_ns = s->ran ? sum / s->ran : 0;
	s->median_ns = stats_samples_percentile(&lat, 50);
	s->max_ns = stats_samples_max(&lat);
	s->median_page_faults = stats_samples_percentile(&faults, 50);
	stats_samples_free(&lat);
	stats_samples_free(&faults);
	return err ? -1 : 0;
}

int creation_fill(struct run_report *run)
{
	size_t n = 0;

	for (size_t i = 0; i < run->nthreads; i++)
		n += run->threads[i].created;
	run->children = calloc(n + 1, sizeof(*run->children));
	if (!run->children)
		return -1;
	for (size_t i = 0; i < run->nthreads; i++)
		if (run->threads[i].created)
			run->children[run->nchildren++] = &run->threads[i];
	qsort(run->children, run->nchildren, sizeof(*run->children), by_start);
	if (summarise(&run->created_threads, run, true) ||
	    summarise(&run->created_processes, run, false))
		return -1;
	return 0;
}
