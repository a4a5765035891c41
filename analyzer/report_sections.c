/* report_sections.c - the sections of the two report pages, in the
 * order they are shown. */
#include "report.h"
#include "report_sections.h"

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

const struct run_section run_sections[] = {
	{
		.id = "dropped",
		.nav = "dropped",
		.shown = lost_events,
		.html = report_html_dropped,
	},
	{
		.id = "still-running",
		.nav = "still running",
		.heading = "Still running when tracing stopped",
		.shown = left_running,
		.html = report_html_still_running,
	},
	{
		.id = "summary",
		.nav = "summary",
		.heading = "Summary",
		.html = report_html_summary,
	},
	{
		.id = "timeline",
		.nav = "timeline",
		.heading = "Timeline",
		.html = report_html_timeline,
	},
	{
		.id = "runq",
		.nav = "run queue",
		.heading = "Run-queue latency",
		.html = report_html_runq,
	},
	{
		.id = "offcpu",
		.nav = "off-CPU",
		.heading = "Off-CPU time by reason",
		.html = report_html_offcpu,
		.text = report_text_offcpu,
	},
	{
		.id = "locks",
		.nav = "locks",
		.heading = "Contended locks",
		.html = report_html_locks,
		.text = report_text_locks,
	},
	{
		.id = "creation",
		.nav = "creation",
		.heading = "Creation cost",
		.html = report_html_creation,
		.text = report_text_creation,
	},
	{
		.id = "phases",
		.nav = "phases",
		.heading = "Phases",
		.html = report_html_phases,
		.text = report_text_phases,
	},
	{
		.id = "threads",
		.nav = "threads",
		.heading = "Threads",
		.html = report_html_threads,
	},
	{
		.id = "environment",
		.nav = "environment",
		.heading = "Environment",
		.html = report_html_environment,
	},
};
const size_t run_nsections = sizeof(run_sections) / sizeof(run_sections[0]);

const struct family_section family_sections[] = {
	{
		.id = "dropped",
		.nav = "dropped",
		.heading = "Events were dropped",
		.shown = compare_any_dropped,
		.html = compare_html_dropped,
	},
	{
		.id = "explanation",
		.nav = "explanation",
		.heading = "Explanation",
		.html = compare_html_explanation,
	},
	{
		.id = "comparison",
		.nav = "comparison",
		.heading = "Comparison",
		.html = compare_html_comparison,
	},
	{
		.id = "models",
		.nav = "models",
		.heading = "Models",
		.html = compare_html_models,
	},
	{
		.id = "environment",
		.nav = "environment",
		.heading = "Environment",
		.html = compare_html_environment,
	},
};
const size_t family_nsections =
	sizeof(family_sections) / sizeof(family_sections[0]);
