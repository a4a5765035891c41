/* lab.c - the command line: options, subcommands, exit codes. The work is
 * done by workloads/ (the measured programs), probes/ (the tracer) and
 * analyzer/ (the reports). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "analyze.h"
#include "compare.h"
#include "explain.h"
#include "export_perfetto.h"
#include "identity.h"
#include "output_file.h"
#include "probe_service.h"
#include "run_args.h"
#include "safe_text.h"
#include "say.h"
#include "tasks.h"
#include "tracer.h"
#include "workload.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;
	const char *help;
};

static const struct command *find_command(const char *name);

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (lb >= 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j],
			       best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

static int near(const char *name, const char *candidate)
{
	size_t n = strlen(name);

	return edit_distance(name, candidate) <= 2 ||
	       (n >= 2 && strncmp(name, candidate, n) == 0);
}

/* "did you mean io-threads, io?" from workload and scenario names */
static void suggest(const char *name, char *out, size_t size)
{
	const char *last_scenario = "";
	size_t used = 0;

	out[0] = 0;
	for (const struct workload *const *w = workloads; *w; w++) {
		const char *cands[2] = {(*w)->name, NULL};

		if (strcmp((*w)->scenario, last_scenario))
			cands[1] = last_scenario = (*w)->scenario;
		for (int i = 0; i < 2; i++) {
			if (!cands[i] || !near(name, cands[i]) ||
			    used + 2 >= size)
				continue;
			used += snprintf(out + used, size - used, "%s%s",
					 used ? ", " : "", cands[i]);
		}
	}
}

static int unknown_workload(const char *name)
{
	char near_names[256];

	suggest(name, near_names, sizeof(near_names));
	if (near_names[0])
		return die(EXIT_USAGE,
			   "run: unknown workload '%s' (did you mean: %s? see: "
			   "lab list)",
			   name, near_names);
	return die(EXIT_USAGE, "run: unknown workload '%s' (see: lab list)",
		   name);
}

/* Under sudo, the user who ran lab: everything but the probes runs as
 * them. Without sudo, root runs stay root. */
static struct identity invoker;
static bool have_invoker;

static int mkdirs(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = 0;
			if (mkdir(buf, 0755) && errno != EEXIST)
				return -errno;
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

static void join_args(char *out, size_t size, char *const *argv)
{
	size_t used = 0;

	out[0] = 0;
	for (; *argv && used + 1 < size; argv++)
		used += snprintf(out + used, size - used, "%s%s",
				 used ? " " : "", *argv);
}

/* The same file, whatever the path: an output must not replace an
 * input. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Writes a report (JSON or HTML) whole, or says why not. */
static int write_report(const char *cmd, const char *path,
			int (*fn)(FILE *f, const void *arg), const void *arg)
{
	int r = output_file_write(path, fn, arg);

	if (r)
		return die(EXIT_ERROR, "%s: writing %s: %s", cmd, path,
			   strerror(-r));
	return EXIT_OK;
}

static int report_json_fn(FILE *f, const void *rep)
{
	return report_write_json(f, rep);
}

static int report_html_fn(FILE *f, const void *rep)
{
	return report_write_html(f, rep);
}

/* A family: the comparison its runs are lined up in, and the
 * explanation made from it. */
struct family {
	struct comparison cmp;
	bool on;     /* line runs up at all */
	bool broken; /* a run did not fit; why says why */
	char why[512];
	struct explanation expl;
	struct compare_page *pages; /* the run pages the family page links */
	size_t npages;
};

static void family_free(struct family *fam)
{
	compare_free(&fam->cmp);
	free(fam->pages);
	fam->pages = NULL;
	fam->npages = 0;
}

/* A run's page, href relative to the family page; a link the family
 * page goes without when out of memory. */
static void family_add_page(struct family *fam, const char *workload,
			    const char *href)
{
	struct compare_page *p =
		realloc(fam->pages, (fam->npages + 1) * sizeof(*p));

	if (!p)
		return;
	fam->pages = p;
	p += fam->npages++;
	snprintf(p->workload, sizeof(p->workload), "%s", workload);
	snprintf(p->href, sizeof(p->href), "%s", href);
}

static int family_json_fn(FILE *f, const void *arg)
{
	const struct family *fam = arg;

	return compare_write_json(f, &fam->cmp, &fam->expl);
}

static int family_html_fn(FILE *f, const void *arg)
{
	const struct family *fam = arg;

	return compare_write_html(f, &fam->cmp, &fam->expl, fam->pages,
				  fam->npages);
}

/* Analyse a fresh or saved trace; print its summary when print is set,
 * write its JSON and HTML pages when their paths are given, line it up
 * in fam if any, with page (its run page's href) for the family page to
 * link to. */
static int report_one(const char *trace, const char *json_path,
		      const char *html_path, const char *page, FILE *print,
		      struct family *fam)
{
	struct run_report *rep;
	char err[512];
	int code = EXIT_OK;

	if (analyze_trace_file(trace, &rep, err, sizeof(err)))
		return die(EXIT_ERROR, "report: %s", err);
	if (err[0])
		fprintf(stderr, "lab: report: %s (showing the intact part)\n",
			err);
	/* a family's runs in brief: their comparison follows */
	if (print && fam && fam->on)
		report_print_brief(print, rep);
	else if (print)
		report_print_text(print, rep);
	if (json_path)
		code = write_report("report", json_path, report_json_fn, rep);
	if (html_path && !code)
		code = write_report("report", html_path, report_html_fn, rep);
	if (fam && fam->on && !fam->broken &&
	    compare_add(&fam->cmp, rep, fam->why, sizeof(fam->why)))
		fam->broken = true;
	if (fam && page)
		family_add_page(fam, rep->info.workload, page);
	run_report_free(rep);
	/* A family run forks the next workload from this process: memory
	 * the analysis held would count in the child's peak RSS. */
	malloc_trim(0);
	return code;
}

/* The comparison and explanation of a family's runs: printed, and
 * written to json_path and html_path when given. */
static int family_finish(struct family *fam, const char *cmd,
			 const char *json_path, const char *html_path)
{
	int code = EXIT_OK;

	compare_finish(&fam->cmp);
	if (explain(&fam->cmp, &fam->expl))
		return die(EXIT_ERROR,
			   "%s: explaining the comparison: out of "
			   "memory",
			   cmd);
	compare_print_text(stdout, &fam->cmp, &fam->expl);
	if (json_path)
		code = write_report(cmd, json_path, family_json_fn, fam);
	if (html_path && !code)
		code = write_report(cmd, html_path, family_html_fn, fam);
	explanation_free(&fam->expl);
	return code;
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

/* Every output of a run can be written (not a directory sitting at its
 * name), checked before the run rather than found after it. */
static int check_outputs(const char *const paths[], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = output_file_check(paths[i]);

		if (r)
			return die(EXIT_ERROR,
				   "run: cannot write %s: %s (move it away, or "
				   "choose another directory with -o DIR)",
				   paths[i],
				   r == -EEXIST ? "something other than a file "
						  "is there"
						: strerror(-r));
	}
	return EXIT_OK;
}

/* Trace one command into dir/name.lab and report it as dir/name.json
 * and dir/name.html; run i of a repeated family goes to dir/name-i.lab,
 * .json and .html. The trace file is made here, as the user, and the
 * probes' half of lab writes into it. The summary goes to print, if
 * any; the report is lined up in fam. */
static int trace_and_report(const char *name, char *const *argv, bool markers,
			    const char *params, const char *dir,
			    const struct run_args *a, unsigned int run,
			    FILE *print, struct family *fam)
{
	struct probe_request rq = {.timeout_s = a->timeout_s,
				   .ring_kib = a->ring_kib,
				   .markers = markers,
				   .verbose = (uint8_t)a->verbose,
				   .creation_calls = a->creation_calls};
	struct tracer_result res;
	struct output_file out;
	char trace[PATH_MAX], json[PATH_MAX], html[PATH_MAX], err[512];
	char suffix[16] = "", page[128];
	const char *const paths[] = {trace, json, html};
	int code, rcode, r;

	if (run)
		snprintf(suffix, sizeof(suffix), "-%u", run);
	snprintf(trace, sizeof(trace), "%s/%s%s.lab", dir, name, suffix);
	snprintf(json, sizeof(json), "%s/%s%s.json", dir, name, suffix);
	snprintf(html, sizeof(html), "%s/%s%s.html", dir, name, suffix);
	snprintf(page, sizeof(page), "%s%s.html", name, suffix);
	if (check_outputs(paths, 3))
		return EXIT_ERROR;
	if (tracer_find_command(argv[0], err, sizeof(err)))
		return die(EXIT_ERROR, "%s", err);
	r = output_file_create(&out, trace);
	if (r)
		return die(EXIT_ERROR,
			   "run: creating %s: %s (choose another directory "
			   "with -o DIR)",
			   trace, strerror(-r));
	snprintf(rq.workload, sizeof(rq.workload), "%s", name);
	snprintf(rq.params, sizeof(rq.params), "%s", params);
	join_args(rq.cmdline, sizeof(rq.cmdline), argv);
	r = probe_service_trace(&rq, argv, out.fd, &res, err, sizeof(err));
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
	rcode = report_one(trace, json, html, page, print, fam);
	if (!code)
		code = take_stop_signal();
	return code ? code : rcode;
}

static int self_path(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);

	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

/* Repeated runs print no summaries; a terminal still sees where they
 * are, on one line that each run overwrites. */
static void progress(unsigned int run, unsigned int runs, const char *name)
{
	if (!isatty(STDERR_FILENO))
		return;
	if (name)
		fprintf(stderr, "\rlab: run %u of %u: %-40s", run, runs, name);
	else
		fprintf(stderr, "\r%*s\r", 62, "");
}

/* A workload, or a scenario's family, once or --repeat times: the
 * models interleaved (p, t, c, s, p, t, c, s, ...) so that a drift of
 * the machine touches every model alike. */
static int run_workloads(const char *name, const struct run_args *a)
{
	char self[PATH_MAX], dir[PATH_MAX], params[256] = "defaults";
	char json[PATH_MAX + 80], index[PATH_MAX + 16], scenario[64] = "";
	char *argv[3 + 2 * NGIVEN + 1];
	unsigned int repeat = a->repeat ? a->repeat : 1;
	struct family fam = {0};
	int code = EXIT_OK, ran = 0;
	size_t used = 0;

	if (self_path(self, sizeof(self)))
		return die(EXIT_ERROR, "run: finding the lab binary: %s",
			   strerror(errno));
	snprintf(dir, sizeof(dir), "%s", a->outdir ? a->outdir : "lab-out");
	if (!a->outdir)
		snprintf(dir, sizeof(dir), "lab-out/%s", name);
	if (mkdirs(dir))
		return die(EXIT_ERROR,
			   "run: creating %s: %s (choose another with -o DIR)",
			   dir, strerror(errno));
	for (int i = 0; i < NGIVEN && used < sizeof(params); i++)
		if (a->given[i])
			used += snprintf(params + used, sizeof(params) - used,
					 "%s%s=%s", used ? " " : "",
					 given_option[i] + 2, a->given[i]);
	compare_init(&fam.cmp);
	/* a family is compared, and so are the repeats of one workload */
	fam.on = workload_is_scenario(name) || repeat > 1;
	for (unsigned int run = 1; run <= repeat; run++) {
		for (const struct workload *const *w = workloads; *w; w++) {
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
				argv[n++] = (char *)given_option[i];
				argv[n++] = (char *)a->given[i];
			}
			argv[n] = NULL;
			if (ran && repeat == 1 && !fam.on)
				putchar('\n');
			if (repeat > 1)
				progress(run, repeat, (*w)->name);
			snprintf(scenario, sizeof(scenario), "%s",
				 (*w)->scenario);
			r = trace_and_report((*w)->name, argv, true, params,
					     dir, a, repeat > 1 ? run : 0,
					     repeat > 1 ? NULL : stdout, &fam);
			ran++;
			if (r >= EXIT_SIGNAL || r == EXIT_ERROR ||
			    r == EXIT_TIMEOUT) {
				progress(0, 0, NULL);
				family_free(&fam);
				return r;
			}
			if (r && !code)
				code = r;
		}
	}
	if (repeat > 1)
		progress(0, 0, NULL);
	if (fam.on && fam.broken) {
		fprintf(stderr, "lab: run: no comparison: %s\n", fam.why);
	} else if (fam.on) {
		int r;

		snprintf(json, sizeof(json), "%s/%s.json", dir, scenario);
		snprintf(index, sizeof(index), "%s/index.html", dir);
		if (repeat == 1)
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

static int run_command(char **cmd, const struct run_args *a)
{
	char dir[PATH_MAX], name[64];
	const char *base = strrchr(cmd[0], '/');
	int code;

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
	if (mkdirs(dir))
		return die(EXIT_ERROR,
			   "run: creating %s: %s (choose another with -o DIR)",
			   dir, strerror(errno));
	code = trace_and_report(name, cmd, false, "", dir, a, 0, stdout, NULL);
	if (code != EXIT_ERROR && code != EXIT_USAGE)
		printf("\nlab: trace and report in %s/ (open %s/%s.html in a "
		       "browser)\n",
		       dir, dir, name);
	return code;
}

/* lab run --dry-run: what the run would do, from the options as parsed;
 * nothing is created, loaded or started, so no root is needed. */
static int dry_run(const char *name, char *const *cmd, const struct run_args *a)
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
	for (const struct workload *const *w = workloads; !cmd && *w; w++) {
		if (strcmp((*w)->name, name) && strcmp((*w)->scenario, name))
			continue;
		printf("  lab workload %s", (*w)->name);
		for (int i = 0; i < NGIVEN; i++)
			if (a->given[i])
				printf(" %s %s", given_option[i], a->given[i]);
		putchar('\n');
	}
	if (repeat > 1)
		printf("%u times each, the models interleaved\n", repeat);
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

static int cmd_run(int argc, char **argv)
{
	struct run_args a = {0};
	char **cmd = NULL, err[512];
	int end = argc, i;
	sigset_t stop;

	/* everything after "--" is the command to trace, untouched */
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			end = i;
			cmd = argv + i + 1;
			break;
		}
	i = parse_run_args("run", end, argv, &a);
	if (i < 0)
		return -i;
	if (a.help)
		return printf("%s", find_command("run")->help), EXIT_OK;
	if (cmd) {
		if (!*cmd)
			return die(EXIT_USAGE,
				   "run: nothing after '--' (give a command: "
				   "lab run -- ./prog ARGS)");
		if (i < end)
			return die(EXIT_USAGE, "run: give a workload or a "
					       "command after '--', not both");
		if (any_given(&a) || a.repeat)
			return die(
				EXIT_USAGE,
				"run: --tasks, --ops, --duration, --cpu and "
				"--repeat apply to built-in workloads, not to "
				"a command");
	} else {
		if (i >= end)
			return die(EXIT_USAGE,
				   "run: which workload? (see: lab list, or "
				   "trace a command: lab run -- CMD)");
		if (i + 1 < end)
			return die(EXIT_USAGE,
				   "run: one workload at a time, got '%s' and "
				   "'%s'",
				   argv[i], argv[i + 1]);
		if (!workload_find(argv[i]) && !workload_is_scenario(argv[i]))
			return unknown_workload(argv[i]);
	}
	if (a.dry_run) {
		if (have_invoker && identity_become(&invoker))
			return die(EXIT_ERROR, "run: becoming %s: %s",
				   invoker.user, strerror(errno));
		return dry_run(cmd ? NULL : argv[i], cmd, &a);
	}
	if (geteuid() != 0)
		return die(EXIT_ERROR,
			   "run: loading the kernel probes needs root (run it "
			   "with sudo: sudo lab run ...)");
	tracer_stop_signals(&stop);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	/* from here on, this process is the user's; its parent keeps root
	 * for the probes */
	if (probe_service_start(have_invoker ? &invoker : NULL, err,
				sizeof(err)))
		return die(EXIT_ERROR, "%s", err);
	return cmd ? run_command(cmd, &a) : run_workloads(argv[i], &a);
}

/* `lab workload NAME`: one workload, untraced, in this process. */
static int cmd_workload(int argc, char **argv)
{
	struct run_args a = {0};
	const struct workload *w;
	int i = parse_run_args("workload", argc, argv, &a);

	if (i < 0)
		return -i;
	if (a.help)
		return printf("%s", find_command("workload")->help), EXIT_OK;
	if (i >= argc)
		return die(EXIT_USAGE,
			   "workload: which workload? (see: lab list)");
	w = workload_find(argv[i]);
	if (!w)
		return unknown_workload(argv[i]);
	if (a.outdir || a.timeout_s || a.repeat || a.ring_kib || a.dry_run ||
	    a.creation_calls)
		return die(EXIT_USAGE, "workload: -o, --timeout, --repeat, "
				       "--ring-buffer, --creation-calls and "
				       "--dry-run apply to lab run only");
	/* the root names itself after the workload, so reports read well */
	prctl(PR_SET_NAME, w->name);
	/* every task of the run inherits the --cpu list */
	if (tasks_confine(w->name, a.params.cpus))
		return EXIT_WORKLOAD;
	return w->run(&a.params) ? EXIT_WORKLOAD : EXIT_OK;
}

/* Several traces: their summaries, then, when they are the runs of one
 * scenario, its comparison (written to json_path when given). The
 * summaries of repeated runs would fill many screens: then only the
 * comparison is shown. */
/* The directory a path's file is in, resolved; NULL when it cannot be. */
static char *dir_of(const char *path, char *buf)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s",
			 (int)(slash == path ? 1 : slash - path), path);
	return realpath(dir, buf);
}

/* The run page lab run wrote beside a trace (x.lab: x.html), as an href
 * from the family page at html_path; NULL when there is none, or it is
 * in another directory. */
static const char *sibling_page(const char *trace, const char *html_path,
				char *href, size_t len)
{
	char page[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
	size_t n = strlen(trace);
	const char *base;

	if (n < 4 || strcmp(trace + n - 4, ".lab"))
		return NULL;
	snprintf(page, sizeof(page), "%.*s.html", (int)(n - 4), trace);
	if (access(page, R_OK) || !dir_of(page, a) || !dir_of(html_path, b) ||
	    strcmp(a, b))
		return NULL;
	base = strrchr(page, '/');
	base = base ? base + 1 : page;
	if (strlen(base) >= len)
		return NULL;
	return memcpy(href, base, strlen(base) + 1);
}

static int report_family(char **traces, int n, const char *json_path,
			 const char *html_path)
{
	struct family fam = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *summaries = open_memstream(&text, &len);
	int code = EXIT_OK;

	if (!summaries)
		return die(EXIT_ERROR, "report: out of memory");
	compare_init(&fam.cmp);
	fam.on = true;
	for (int i = 0; i < n; i++) {
		char href[256];
		const char *page = html_path
					   ? sibling_page(traces[i], html_path,
							  href, sizeof(href))
					   : NULL;
		int r;

		fprintf(summaries, "%s== %s\n", i ? "\n" : "", traces[i]);
		r = report_one(traces[i], NULL, NULL, page, summaries, &fam);
		if (r && !code)
			code = r;
	}
	if (fclose(summaries)) {
		family_free(&fam);
		return die(EXIT_ERROR, "report: out of memory");
	}
	if (fam.broken || compare_repeats(&fam.cmp) < 2)
		fwrite(text, 1, len, stdout);
	free(text);
	if (fam.broken && (json_path || html_path)) {
		family_free(&fam);
		return die(EXIT_USAGE,
			   "report: --%s with several traces writes their "
			   "comparison, but %s (give the runs of one scenario, "
			   "or one trace)",
			   json_path ? "json" : "html", fam.why);
	}
	if (fam.broken) {
		fprintf(stderr, "lab: report: no comparison: %s\n", fam.why);
	} else if (compare_repeats(&fam.cmp) || compare_nmodels(&fam.cmp)) {
		int r;

		if (compare_repeats(&fam.cmp) < 2)
			putchar('\n');
		r = family_finish(&fam, "report", json_path, html_path);
		if (r && !code)
			code = r;
	}
	family_free(&fam);
	return code;
}

static int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", required_argument, NULL, 'j'},
		{"html", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *json = NULL, *html = NULL;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'j')
			json = optarg;
		else if (c == 'H')
			html = optarg;
		else if (c == 'h')
			return printf("%s", find_command("report")->help),
			       EXIT_OK;
		else if (c == ':')
			return die(EXIT_USAGE,
				   "report: %s needs a value (see: lab help "
				   "report)",
				   argv[optind - 1]);
		else
			return die(EXIT_USAGE,
				   "report: unknown option '%s' (see: lab help "
				   "report)",
				   argv[optind - 1]);
	}
	if (optind >= argc)
		return die(EXIT_USAGE, "report: which trace? (e.g. lab report "
				       "lab-out/io/io-threads.lab)");
	for (int i = optind; i < argc; i++)
		for (int j = 0; j < 2; j++) {
			const char *out = j ? html : json;

			if (out && same_file(argv[i], out))
				return die(EXIT_USAGE,
					   "report: %s is a trace given to "
					   "read (give another --%s FILE)",
					   out, j ? "html" : "json");
		}
	if (argc - optind == 1)
		return report_one(argv[optind], json, html, NULL, stdout, NULL);
	return report_family(argv + optind, argc - optind, json, html);
}

struct perfetto_export {
	const char *trace;
	const struct run_report *rep;
	char err[512];
};

static int perfetto_fn(FILE *f, const void *arg)
{
	struct perfetto_export *x = (struct perfetto_export *)arg;

	return export_perfetto(f, x->trace, x->rep, x->err, sizeof(x->err));
}

/* The trace is analysed first, so an unreadable one leaves no file
 * behind; the export is written whole or not at all. */
static int export_perfetto_file(const char *trace, const char *path)
{
	struct perfetto_export x = {.trace = trace};
	struct run_report *rep;
	int r;

	if (analyze_trace_file(trace, &rep, x.err, sizeof(x.err)))
		return die(EXIT_ERROR, "export: %s", x.err);
	if (x.err[0])
		say("export: %s (exporting the intact part)", x.err);
	x.rep = rep;
	x.err[0] = 0;
	r = output_file_write(path, perfetto_fn, &x);
	run_report_free(rep);
	if (r && x.err[0])
		return die(EXIT_ERROR, "export: %s", x.err);
	if (r)
		return die(EXIT_ERROR, "export: writing %s: %s", path,
			   strerror(-r));
	return EXIT_OK;
}

static int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"perfetto", no_argument, NULL, 'p'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	bool perfetto = false;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		if (c == 'p')
			perfetto = true;
		else if (c == 'o')
			out = optarg;
		else if (c == 'h')
			return printf("%s", find_command("export")->help),
			       EXIT_OK;
		else if (c == ':')
			return die(EXIT_USAGE,
				   "export: %s needs a value (see: lab help "
				   "export)",
				   argv[optind - 1]);
		else
			return die(EXIT_USAGE,
				   "export: unknown option '%s' (see: lab help "
				   "export)",
				   argv[optind - 1]);
	}
	if (!perfetto)
		return die(EXIT_USAGE,
			   "export: which format? (--perfetto, e.g. "
			   "lab export --perfetto TRACE -o FILE.json)");
	if (optind >= argc)
		return die(EXIT_USAGE,
			   "export: which trace? (e.g. lab export --perfetto "
			   "lab-out/io-threads/io-threads.lab -o io.json)");
	if (argc - optind > 1)
		return die(EXIT_USAGE,
			   "export: one trace at a time, got %d (export each "
			   "to its own -o FILE.json)",
			   argc - optind);
	if (!out || !out[0])
		return die(EXIT_USAGE, "export: where to? (give -o FILE.json)");
	if (same_file(argv[optind], out))
		return die(EXIT_USAGE,
			   "export: %s is the trace itself (give another -o "
			   "FILE.json)",
			   out);
	return export_perfetto_file(argv[optind], out);
}

static int cmd_list(int argc, char **argv)
{
	const char *scenario = "";

	(void)argv;
	if (argc > 1)
		return die(EXIT_USAGE, "list: takes no arguments");
	for (const struct workload *const *w = workloads; *w; w++) {
		if (strcmp((*w)->scenario, scenario)) {
			scenario = (*w)->scenario;
			printf("%s%s (lab run %s runs them all)\n",
			       w == workloads ? "" : "\n", scenario, scenario);
		}
		printf("  %-20s %s\n", (*w)->name, (*w)->summary);
	}
	return EXIT_OK;
}

static int check_line(const char *what, int ok, const char *detail)
{
	printf("%-34s %s%s%s\n", what, ok ? "ok" : "MISSING",
	       detail[0] ? ": " : "", detail);
	return ok;
}

static int cmd_check(int argc, char **argv)
{
	char err[256] = "";
	int ok = 1;

	(void)argv;
	if (argc > 1)
		return die(EXIT_USAGE, "check: takes no arguments");
	ok &= check_line(
		"kernel BTF (/sys/kernel/btf/vmlinux)",
		access("/sys/kernel/btf/vmlinux", R_OK) == 0,
		access("/sys/kernel/btf/vmlinux", R_OK) == 0
			? ""
			: "needs a kernel built with CONFIG_DEBUG_INFO_BTF=y "
			  "(most distribution kernels are)");
	if (!check_line("privileges to load probes (root)", geteuid() == 0,
			geteuid() == 0 ? "" : "run lab run with sudo")) {
		ok = 0;
	} else {
		int loaded = tracer_probe_check(err, sizeof(err)) == 0;
		char why[sizeof(err) + 80];

		snprintf(why, sizeof(why), "%s%s", err,
			 loaded ? ""
				: " (needs BTF tracepoints: Linux 5.5 or newer "
				  "with CONFIG_BPF_SYSCALL)");
		ok &= check_line("kernel probes load (tp_btf)", loaded,
				 loaded ? "" : why);
	}
	check_line("kprobes, fentry, tracefs", 1, "not needed");
	return ok ? EXIT_OK : EXIT_ERROR;
}

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{"run", cmd_run,
	 "run NAME [-o DIR] [--tasks N] [--ops N] [--duration S] [--cpu LIST]\n"
	 "               [--repeat N] [--creation-calls]\n"
	 "  lab run [-o DIR] -- CMD [ARGS...]",
	 "usage: lab run NAME [options]\n"
	 "       lab run [-o DIR] -- CMD [ARGS...]\n"
	 "\n"
	 "Runs a built-in workload (or a whole scenario family, e.g. io) or "
	 "any\n"
	 "command under the kernel probes, writes NAME.lab (the trace),\n"
	 "NAME.json (the report) and NAME.html (the report as a page to open\n"
	 "in a browser, offline) and prints a summary. Needs root.\n"
	 "\n"
	 "A family ends with its comparison: the models' figures side by side\n"
	 "and an explanation made from them, also written to SCENARIO.json\n"
	 "and, with charts and links to the runs' pages, to index.html.\n"
	 "\n"
	 "  -o, --output DIR   where the files go (default lab-out/NAME)\n"
	 "  --tasks N          concurrent tasks (built-in workloads)\n"
	 "  --ops N            operations per task\n"
	 "  --duration S       time each task waits or works, in seconds\n"
	 "  --cpu LIST         pin tasks to these CPUs (e.g. 0 or 0,1)\n"
	 "  --repeat N         run each workload N times (1-50), the models\n"
	 "                     interleaved, into NAME-1.lab ... NAME-N.lab, "
	 "and\n"
	 "                     compare their medians and spreads (printed\n"
	 "                     instead of the summaries)\n"
	 "  --timeout S        kill the run after S seconds (exit 124)\n"
	 "  --ring-buffer KIB  event buffer size (default 16384): smaller "
	 "loses\n"
	 "                     events sooner; the counters stay exact\n"
	 "  --creation-calls   also time the creating thread inside fork and\n"
	 "                     clone; this attaches the syscall tracepoints,\n"
	 "                     which send every syscall of the machine down\n"
	 "                     the kernel's slower path (see lab(1))\n"
	 "  --dry-run          check the command line and print what would\n"
	 "                     run and where, then exit; no root needed\n"
	 "  -v, --verbose      show libbpf's messages\n"
	 "\n"
	 "Under sudo the program runs as the invoking user (SUDO_UID and\n"
	 "SUDO_GID) and the output files belong to that user.\n"
	 "\n"
	 "Exit: 0 ok, 1 lab failed, 2 bad command line, 3 the traced program\n"
	 "failed or was killed, 124 timed out, 128+N interrupted by signal N\n"
	 "(Ctrl-C: 130). With 3, 124 and 128+N the trace and report are still\n"
	 "written, marked incomplete when the run was cut short.\n"},
	{"report", cmd_report, "report TRACE... [--json FILE] [--html FILE]",
	 "usage: lab report TRACE... [--json FILE] [--html FILE]\n"
	 "\n"
	 "Re-analyses saved traces (no root needed) and prints their "
	 "summaries.\n"
	 "Traces of one scenario (e.g. lab-out/io/*.lab) are also compared, "
	 "as\n"
	 "lab run compares a family; of repeated runs only the comparison is\n"
	 "printed.\n"
	 "  --json FILE   also write the JSON report of the one trace, or the\n"
	 "                comparison of the traces of one scenario, to FILE\n"
	 "  --html FILE   the same as a self-contained web page: the run's\n"
	 "                page, or the comparison's, linking to the runs'\n"
	 "                pages lab run wrote beside it\n"
	 "\n"
	 "A damaged trace is reported up to the damage, with its byte offset.\n"
	 "Exit: 0 ok, 1 unreadable trace, 2 bad command line.\n"},
	{"export", cmd_export, "export --perfetto TRACE -o FILE.json",
	 "usage: lab export --perfetto TRACE -o FILE.json\n"
	 "\n"
	 "Writes a saved trace as Chrome trace-event JSON, the format the\n"
	 "Perfetto UI (ui.perfetto.dev, Open trace file) and chrome://tracing\n"
	 "(Load) open: a track per thread with its running, runnable and\n"
	 "blocked slices, and the workload's phases. No root needed.\n"
	 "docs/perfetto.md says how to read it.\n"
	 "  --perfetto          the format (the only one so far)\n"
	 "  -o, --output FILE   where to write it\n"
	 "\n"
	 "A damaged trace is exported up to the damage, with its byte offset.\n"
	 "Exit: 0 ok, 1 unreadable trace or unwritable FILE, 2 bad command "
	 "line.\n"},
	{"list", cmd_list, "list",
	 "usage: lab list\n\nLists the built-in workloads, grouped by "
	 "scenario.\n"},
	{"check", cmd_check, "check",
	 "usage: lab check\n\nSays whether this machine can run the probes and "
	 "how to fix\n"
	 "what is missing. Exit 0 when everything needed is there.\n"},
	{"workload", cmd_workload,
	 "workload NAME [--tasks N] [--ops N] [--duration S] [--cpu LIST]",
	 "usage: lab workload NAME [--tasks N] [--ops N] [--duration S]\n"
	 "                         [--cpu LIST]\n"
	 "\n"
	 "Runs a built-in workload untraced (no root needed). lab run uses "
	 "it.\n"
	 "Exit: 0 when the workload's result checked out, 3 when it did "
	 "not.\n"},
	{"help", cmd_help, "help [COMMAND]", "usage: lab help [COMMAND]\n"},
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"lab %s: see what the kernel does for processes, threads and "
		"coroutines\n\n"
		"usage:\n",
		LAB_VERSION);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  lab %s\n", commands[i].synopsis);
	fprintf(f, "\n  sudo lab run io-threads      trace one workload\n"
		   "  sudo lab run io              the family: processes, "
		   "threads, coroutines\n"
		   "  sudo lab run io --repeat 5   each model 5 times: medians "
		   "and spreads\n"
		   "  sudo lab run -- ./server     trace any command\n"
		   "\nlab help COMMAND for its options and exit codes.\n");
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c)
		return die(EXIT_USAGE,
			   "help: no command '%s' (commands: run, report, "
			   "export, list, check, workload)",
			   argv[1]);
	printf("%s", c->help);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct command *c;
	char err[256];
	int r;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("lab %s\n", LAB_VERSION);
		return EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c)
		return die(EXIT_USAGE,
			   "unknown command '%s' (commands: run, report, "
			   "export, list, check, workload, help)",
			   argv[1]);
	r = identity_from_sudo(&invoker, err, sizeof(err));
	if (r < 0)
		return die(EXIT_ERROR, "%s: %s", c->name, err);
	have_invoker = r > 0;
	if (have_invoker && identity_set_env(&invoker))
		return die(EXIT_ERROR, "%s: setting HOME: %s", c->name,
			   strerror(errno));
	/* root loads the probes (run, check) and does nothing else: every
	 * other command is the user's from its first step */
	if (have_invoker && c->fn != cmd_run && c->fn != cmd_check &&
	    identity_become(&invoker))
		return die(EXIT_ERROR, "%s: becoming %s: %s", c->name,
			   invoker.user, strerror(errno));
	return c->fn(argc - 1, argv + 1);
}
