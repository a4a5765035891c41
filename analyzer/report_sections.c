/* report_sections.c - the sections of the two report pages, in the
 * order they are shown. */
#include "analyzer/report.h"
#include "analyzer/report_sections.h"

/* Events dropped, or the trace incomplete or damaged. */
static bool lost_events(const struct run_report *r)
{
	return r->dropped || !r->complete || r->damaged;
}

/* Processes of the run outlived the tracing. */
static bool left_running(const struct run_report *r)
{
	return r->nstill_running;
}

/* Figures the recording kernel had no probes for. */
static bool unmeasured(const struct run_report *r)
{
	return r->info.not_measured_known && r->info.not_measured;
}

/* id, nav link, heading, shown, html, text: see report_sections.h */
const struct run_section report_sections_run[] = {
	{"dropped", "dropped", NULL, lost_events, report_html_dropped, NULL},
	{"still-running", "still running", "Still running when tracing stopped",
	 left_running, report_html_still_running, NULL},
	{"not-measured", "not measured", "Not measured on this kernel",
	 unmeasured, report_html_not_measured, NULL},
	{"summary", "summary", "Summary", NULL, report_html_summary, NULL},
	{"timeline", "timeline", "Timeline", NULL, report_html_timeline, NULL},
	{"runq", "run queue", "Run-queue latency", NULL, report_html_runq,
	 report_text_runq},
	{"offcpu", "off-CPU", "Off-CPU time by reason", NULL,
	 report_html_offcpu, report_text_offcpu},
	{"locks", "locks", "Contended locks", NULL, report_html_locks,
	 report_text_locks},
	{"wakeups", "wakeups", "Who woke whom, who took the CPU", NULL,
	 report_html_wakeups, report_text_wakeups},
	{"creation", "creation", "Creation cost", NULL, report_html_creation,
	 report_text_creation},
	{"phases", "phases", "Phases", NULL, report_html_phases,
	 report_text_phases},
	{"threads", "threads", "Threads", NULL, report_html_threads, NULL},
	{"environment", "environment", "Environment", NULL,
	 report_html_environment, NULL},
};
const size_t report_sections_nrun =
	sizeof(report_sections_run) / sizeof(report_sections_run[0]);

/* Figures a run's kernel had no probes for. */
static bool family_unmeasured(const struct comparison *c)
{
	return c->info.not_measured_known && c->info.not_measured;
}

/* id, nav link, heading, shown, html */
const struct family_section report_sections_family[] = {
	{"dropped", "dropped", "Events were dropped", compare_any_dropped,
	 compare_html_dropped},
	{"not-measured", "not measured", "Not measured on this kernel",
	 family_unmeasured, compare_html_not_measured},
	{"explanation", "explanation", "Explanation", NULL,
	 compare_html_explanation},
	{"timelines", "timelines", "Timelines", NULL, compare_html_timelines},
	{"comparison", "comparison", "Comparison", NULL,
	 compare_html_comparison},
	{"models", "models", "Models", NULL, compare_html_models},
	{"environment", "environment", "Environment", NULL,
	 compare_html_environment},
};
const size_t report_sections_nfamily =
	sizeof(report_sections_family) / sizeof(report_sections_family[0]);
