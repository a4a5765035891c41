/* run.c - lab run: each workload of a family (or a command) traced by
 * the probes' half of lab, then reported, the family compared. Runs as
 * the invoking user under sudo (probe_service.h). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cli/compare_cmd.h"
#include "cli/family.h"
#include "analyzer/output_file.h"
#include "cli/outputs.h"
#include "probes/probe_service.h"
#include "cli/run.h"
#include "analyzer/safe_text.h"
#include "cli/say.h"
#include "probes/tracer.h"
#include "workloads/workload.h"

static void join_args(char *out, size_t size, char *const *argv)
{
	size_t used = 0;

	out[0] = 0;
	for (; *argv && used + 1 < size; argv++)
		used += snprintf(out + used, size - used, "%s%s",
				 used ? " " : "", *argv);
}

static int exit_code_of(const struct tracer_result *res)
{
	if (res->write_error)
		return EXIT_ERROR;
	if (res->interrupted)
		return EXIT_SIGNAL + res->interrupted;
	if (res->timed_out)
		return EXIT_TIMEOUT;
	if (!WIFEXITED(res->exit_status) || WEXITSTATUS(res->exit_status))
		return EXIT_WORKLOAD;
	return EXIT_OK;
}

static void describe_exit(const char *name, int status)
{
	if (WIFSIGNALED(status))
		say("run: %s was killed by signal %d (%s)", name,
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status))
		say("run: %s exited with status %d (its output above says "
		    "why)",
		    name, WEXITSTATUS(status));
}

/* A stop signal that came while lab was writing its report: the run is
 * over all the same (exit 128+N), but the report is whole. */
static int take_stop_signal(void)
{
	struct timespec now = {0, 0};
	sigset_t stop;
	int sig;

	tracer_stop_signals(&stop);
	sig = sigtimedwait(&stop, NULL, &now);
	return sig > 0 ? EXIT_SIGNAL + sig : 0;
}

/* How the run ended, when it did not end by itself. */
static void describe_end(const char *name, const char *trace,
			 const struct tracer_result *res, double timeout_s)
{
	if (res->write_error)
		say("run: writing %s: %s; recording stopped there and %s was "
		    "stopped: the trace holds what was recorded until then "
		    "(free some space, then: lab report %s)",
		    trace, strerror(-res->write_error), name, trace);
	else if (res->timed_out)
		say("run: %s did not finish within %g s and was killed; the "
		    "trace holds what was recorded until then",
		    name, timeout_s);
	else if (res->interrupted)
		say("run: interrupted by signal %d; the trace holds what was "
		    "recorded until then",
		    res->interrupted);
	else
		describe_exit(name, res->exit_status);
}

/* Trace one command into dir/FILE.lab and report it as dir/FILE.json
 * and dir/FILE.html; run i of a repeated family goes to dir/FILE-i.lab,
 * .json and .html. The trace file is made here, as the user, and the
 * probes' half of lab writes into it. The summary goes to print, if
 * any; the report is lined up in fam. */
int run_trace(const struct run_target *t, const char *dir,
	      const struct run_args *a, unsigned int run, FILE *print,
	      struct family *fam)
{
	const char *name = t->workload;
	struct probe_request rq = {.timeout_s = a->timeout_s,
				   .ring_kib = a->ring_kib,
				   .markers = t->markers,
				   .verbose = (uint8_t)a->verbose,
				   .creation_calls = a->creation_calls,
				   .futex_retries = a->futex_retries};
	struct tracer_result res;
	struct output_file out;
	char trace[PATH_MAX], json[PATH_MAX], html[PATH_MAX], err[512];
	char suffix[16] = "", page[128];
	const char *const paths[] = {trace, json, html};
	int code, rcode, r;

	if (run)
		snprintf(suffix, sizeof(suffix), "-%u", run);
	snprintf(trace, sizeof(trace), "%s/%s%s.lab", dir, t->file, suffix);
	snprintf(json, sizeof(json), "%s/%s%s.json", dir, t->file, suffix);
	snprintf(html, sizeof(html), "%s/%s%s.html", dir, t->file, suffix);
	snprintf(page, sizeof(page), "%s%s.html", t->file, suffix);
	if (outputs_check(paths, 3))
		return EXIT_ERROR;
	if (tracer_find_command(t->check ? t->check : t->argv[0], err,
				sizeof(err)))
		return die(EXIT_ERROR, "%s", err);
	r = output_file_create(&out, trace);
	if (r)
		return die(EXIT_ERROR,
			   "run: creating %s: %s (choose another directory "
			   "with -o DIR)",
			   trace, strerror(-r));
	snprintf(rq.workload, sizeof(rq.workload), "%s", name);
	snprintf(rq.params, sizeof(rq.params), "%s", t->params);
	if (t->cmdline)
		snprintf(rq.cmdline, sizeof(rq.cmdline), "%s", t->cmdline);
	else
		join_args(rq.cmdline, sizeof(rq.cmdline), t->argv);
	r = probe_service_trace(&rq, t->argv, out.fd, &res, err, sizeof(err));
	out.fd = -1; /* the probes' half has it */
	if (r) {
		output_file_discard(&out);
		return die(EXIT_ERROR, "%s", err);
	}
	r = output_file_commit(&out);
	if (r)
		return die(EXIT_ERROR, "run: writing %s: %s", trace,
			   strerror(-r));
	code = exit_code_of(&res);
	describe_end(name, trace, &res, a->timeout_s);
	rcode = family_report(trace, json, html, page, print, fam);
	if (!code)
		code = take_stop_signal();
	return code ? code : rcode;
}

int run_self_path(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);

	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

/* Repeated runs print no summaries; a terminal still sees where they
 * are, on one line that each run overwrites. */
void run_progress(unsigned int run, unsigned int runs, const char *name)
{
	if (!isatty(STDERR_FILENO))
		return;
	if (name)
		fprintf(stderr, "\rlab: run %u of %u: %-40s", run, runs, name);
	else
		fprintf(stderr, "\r%*s\r", 62, "");
}

double run_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The rounds a family runs in all, its first having taken took_s. */
unsigned int run_auto_rounds(double took_s)
{
	unsigned int n = took_s > 0
				 ? (unsigned int)(AUTO_REPEAT_BUDGET_S / took_s)
				 : AUTO_REPEAT_MAX;

	return n < 1 ? 1 : n > AUTO_REPEAT_MAX ? AUTO_REPEAT_MAX : n;
}

/* A workload, or a scenario's family, once or --repeat times: the
 * models interleaved (p, t, c, s, p, t, c, s, ...) so that a drift of
 * the machine touches every model alike. A family without --repeat
 * runs once, then again where that was cheap (auto_rounds); its first
 * round keeps the plain names, the next ones are name-2, name-3. */
int run_workloads(const char *name, const struct run_args *a)
{
	char self[PATH_MAX], dir[PATH_MAX], params[256] = "defaults";
	char json[PATH_MAX + 80], index[PATH_MAX + 16], scenario[64] = "";
	char *argv[3 + 2 * NGIVEN + 1];
	unsigned int repeat = a->repeat ? a->repeat : 1;
	bool automatic = !a->repeat && workload_is_scenario(name);
	struct family fam = {0};
	int code = EXIT_OK, ran = 0;
	size_t used = 0;
	double start = run_now_s();

	if (run_self_path(self, sizeof(self)))
		return die(EXIT_ERROR, "run: finding the lab binary: %s",
			   strerror(errno));
	snprintf(dir, sizeof(dir), "%s", a->outdir ? a->outdir : "lab-out");
	if (!a->outdir)
		snprintf(dir, sizeof(dir), "lab-out/%s", name);
	if (outputs_mkdirs(dir))
		return die(EXIT_ERROR,
			   "run: creating %s: %s (choose another with -o DIR)",
			   dir, strerror(errno));
	for (int i = 0; i < NGIVEN && used < sizeof(params); i++)
		if (a->given[i])
			used += snprintf(params + used, sizeof(params) - used,
					 "%s%s=%s", used ? " " : "",
					 run_args_given_option[i] + 2,
					 a->given[i]);
	compare_init(&fam.cmp);
	/* a family is compared, and so are the repeats of one workload */
	fam.on = workload_is_scenario(name) || repeat > 1;
	for (unsigned int run = 1; run <= repeat; run++) {
		for (const struct workload *const *w = workload_table; *w;
		     w++) {
			int n = 0, r;

			if (strcmp((*w)->name, name) &&
			    strcmp((*w)->scenario, name))
				continue;
			argv[n++] = self;
			argv[n++] = (char *)"workload";
			argv[n++] = (char *)(*w)->name;
			for (int i = 0; i < NGIVEN; i++) {
				if (!a->given[i])
					continue;
				argv[n++] = (char *)run_args_given_option[i];
				argv[n++] = (char *)a->given[i];
			}
			argv[n] = NULL;
			if (ran && repeat == 1 && !fam.on)
				putchar('\n');
			if (run > 1 || repeat > 1)
				run_progress(run, repeat, (*w)->name);
			snprintf(scenario, sizeof(scenario), "%s",
				 (*w)->scenario);
			struct run_target t = {.file = (*w)->name,
					       .workload = (*w)->name,
					       .argv = argv,
					       .markers = true,
					       .params = params};

			r = run_trace(&t, dir, a,
				      repeat > 1 && !automatic ? run
				      : run > 1		       ? run
							       : 0,
				      run > 1 || repeat > 1 ? NULL : stdout,
				      &fam);
			ran++;
			if (r >= EXIT_SIGNAL || r == EXIT_ERROR ||
			    r == EXIT_TIMEOUT) {
				run_progress(0, 0, NULL);
				family_free(&fam);
				return r;
			}
			if (r && !code)
				code = r;
		}
		if (automatic && run == 1 && !code) {
			double took = run_now_s() - start;

			repeat = run_auto_rounds(took);
			if (repeat > 1)
				printf("\nlab: the family took %.1f s; running "
				       "it %u more time%s to measure the "
				       "spread "
				       "(--repeat 1: once only)\n",
				       took, repeat - 1,
				       repeat == 2 ? "" : "s");
		}
	}
	if (repeat > 1)
		run_progress(0, 0, NULL);
	if (fam.on && fam.broken) {
		fprintf(stderr, "lab: run: no comparison: %s\n", fam.why);
	} else if (fam.on) {
		int r;

		snprintf(json, sizeof(json), "%s/%s.json", dir, scenario);
		snprintf(index, sizeof(index), "%s/index.html", dir);
		putchar('\n');
		r = family_finish(&fam, "run", json, index);
		if (r && !code)
			code = r;
	}
	family_free(&fam);
	printf("\nlab: %d trace%s and report%s (.lab, .json, .html) in %s/\n",
	       ran, ran == 1 ? "" : "s", ran == 1 ? "" : "s", dir);
	if (fam.on && !fam.broken)
		printf("lab: the comparison in %s; open %s in a browser\n",
		       json, index);
	return code;
}

int run_command(char **cmd, const struct run_args *a)
{
	char dir[PATH_MAX], name[64];
	const char *base = strrchr(cmd[0], '/');
	struct compare_cmd one = {.name = name, .file = name, .argv = cmd};

	/* the name of its files: nothing in it steers a terminal */
	safe_text(name, sizeof(name), base ? base + 1 : cmd[0], 1);
	if (!name[0])
		return die(EXIT_USAGE,
			   "run: '%s' names no program (see: lab help run)",
			   cmd[0]);
	if (a->outdir)
		snprintf(dir, sizeof(dir), "%s", a->outdir);
	else
		snprintf(dir, sizeof(dir), "lab-out/%s", name);
	return compare_commands("run", &one, 1, dir, a);
}

/* lab run --dry-run: what the run would do, from the options as parsed;
 * nothing is created, loaded or started, so no root is needed. */
int run_dry(const char *name, char *const *cmd, const struct run_args *a)
{
	const char *base = cmd ? strrchr(cmd[0], '/') : NULL;
	const char *label = cmd ? (base ? base + 1 : cmd[0]) : name;
	unsigned int repeat = a->repeat ? a->repeat : 1;

	if (!label[0])
		return die(EXIT_USAGE,
			   "run: '%s' names no program (see: lab help run)",
			   cmd[0]);
	printf("dry run: nothing is traced; lab run would trace\n");
	if (cmd) {
		char line[4096];

		join_args(line, sizeof(line), cmd);
		printf("  %s\n", line);
	}
	for (const struct workload *const *w = workload_table; !cmd && *w;
	     w++) {
		if (strcmp((*w)->name, name) && strcmp((*w)->scenario, name))
			continue;
		printf("  lab workload %s", (*w)->name);
		for (int i = 0; i < NGIVEN; i++)
			if (a->given[i])
				printf(" %s %s", run_args_given_option[i],
				       a->given[i]);
		putchar('\n');
	}
	if (repeat > 1)
		printf("%u times each, the models interleaved\n", repeat);
	else if (!cmd && !a->repeat && workload_is_scenario(name))
		printf("again if the first round takes %.0f s or less (%u "
		       "rounds at most; --repeat 1: once)\n",
		       AUTO_REPEAT_BUDGET_S, AUTO_REPEAT_MAX);
	if (cmd && a->params.cpus)
		printf("kept to CPUs %s\n", a->params.cpus);
	if (a->timeout_s)
		printf("killing the run after %g s\n", a->timeout_s);
	if (a->outdir)
		printf("into %s/\n", a->outdir);
	else
		printf("into lab-out/%s/\n", label);
	if (!cmd && (workload_is_scenario(name) || repeat > 1))
		printf("and compare the runs there in %s.json\n",
		       workload_is_scenario(name)
			       ? name
			       : workload_find(name)->scenario);
	return EXIT_OK;
}
