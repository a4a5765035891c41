/* lab.c - the command line: options, subcommands, exit codes. The work is
 * done by workload_table/ (the measured programs), probes/ (the tracer) and
 * analyzer/ (the reports). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "cli/compare_cmd.h"
#include "cli/export_file.h"
#include "cli/family.h"
#include "probes/identity.h"
#include "cli/outputs.h"
#include "cli/report_names.h"
#include "probes/probe_compat.h"
#include "probes/probe_service.h"
#include "cli/run.h"
#include "cli/run_args.h"
#include "cli/say.h"
#include "cli/suggest.h"
#include "workloads/tasks.h"
#include "probes/tracer.h"
#include "workloads/workload.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;
	const char *help;
};

static const struct command *find_command(const char *name);

/* Under sudo, the user who ran lab: everything but the probes runs as
 * them. Without sudo, root runs stay root. */
static struct identity invoker;
static bool have_invoker;

/* Loads nothing until the options are checked; then the probes' half,
 * and this process becomes the user's. */
static int start_probes(const char *cmd)
{
	char err[512];
	sigset_t stop;

	if (geteuid() != 0)
		return die(EXIT_ERROR,
			   "%s: loading the kernel probes needs root (run it "
			   "with sudo: sudo lab %s ...)",
			   cmd, cmd);
	tracer_stop_signals(&stop);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	if (probe_service_start(have_invoker ? &invoker : NULL, err,
				sizeof(err)))
		return die(EXIT_ERROR, "%s", err);
	return EXIT_OK;
}

static int cmd_run(int argc, char **argv)
{
	struct run_args a = {0};
	char **cmd = NULL;
	int end = argc, i, r;

	/* everything after "--" is the command to trace, untouched */
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			end = i;
			cmd = argv + i + 1;
			break;
		}
	i = run_args_parse("run", end, argv, &a);
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
		if (a.given[GIVEN_TASKS] || a.given[GIVEN_OPS] ||
		    a.given[GIVEN_DURATION] || a.given[GIVEN_HOLD])
			return die(EXIT_USAGE,
				   "run: --tasks, --ops, --duration and --hold "
				   "apply to built-in workloads, not to a "
				   "command");
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
			return suggest_unknown_workload(argv[i]);
	}
	if (a.dry_run) {
		if (have_invoker && identity_become(&invoker))
			return die(EXIT_ERROR, "run: becoming %s: %s",
				   invoker.user, strerror(errno));
		return run_dry(cmd ? NULL : argv[i], cmd, &a);
	}
	/* from here on, this process is the user's; its parent keeps root
	 * for the probes */
	r = start_probes("run");
	if (r)
		return r;
	return cmd ? run_command(cmd, &a) : run_workloads(argv[i], &a);
}

/* `lab compare -n NAME 'CMD' ...`: commands side by side. */
static int cmd_compare(int argc, char **argv)
{
	struct run_args a = {0};
	int i = run_args_parse("compare", argc, argv, &a), r;

	if (i < 0)
		return -i;
	if (a.help)
		return printf("%s", find_command("compare")->help), EXIT_OK;
	if (a.dry_run)
		return die(EXIT_USAGE, "compare: --dry-run applies to lab run");
	if (!a.ncommands)
		return die(EXIT_USAGE,
			   "compare: which commands? (e.g. lab compare -n "
			   "threads './prog t' -n processes './prog p')");
	r = compare_cmd_run(&a, true);
	if (!r)
		r = start_probes("compare");
	return r ? r : compare_cmd_run(&a, false);
}

/* `lab pin LIST -- CMD ARGS`: CMD on those CPUs; lab run and lab
 * compare run a command so for --cpu, the pinning done before it
 * starts. */
static int cmd_pin(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return printf("%s", find_command("pin")->help), EXIT_OK;
	if (argc < 4 || strcmp(argv[2], "--"))
		return die(EXIT_USAGE, "pin: give CPUs and a command (lab pin "
				       "0,1 -- CMD ARGS)");
	if (tasks_confine("pin", argv[1]))
		return EXIT_USAGE;
	execvp(argv[3], argv + 3);
	return die(127, "pin: running %s: %s", argv[3], strerror(errno));
}

/* `lab workload NAME`: one workload, untraced, in this process. */
static int cmd_workload(int argc, char **argv)
{
	struct run_args a = {0};
	const struct workload *w;
	int i = run_args_parse("workload", argc, argv, &a);

	if (i < 0)
		return -i;
	if (a.help)
		return printf("%s", find_command("workload")->help), EXIT_OK;
	if (i >= argc)
		return die(EXIT_USAGE,
			   "workload: which workload? (see: lab list)");
	w = workload_find(argv[i]);
	if (!w)
		return suggest_unknown_workload(argv[i]);
	if (a.outdir || a.timeout_s || a.repeat || a.ring_kib || a.dry_run ||
	    a.creation_calls || a.futex_retries)
		return die(EXIT_USAGE, "workload: -o, --timeout, --repeat, "
				       "--ring-buffer, --creation-calls, "
				       "--futex-retries and --dry-run apply to "
				       "lab run only");
	/* the root names itself after the workload, so reports read well */
	prctl(PR_SET_NAME, w->name);
	/* every task of the run inherits the --cpu list */
	if (tasks_confine(w->name, a.params.cpus))
		return EXIT_WORKLOAD;
	return w->run(&a.params) ? EXIT_WORKLOAD : EXIT_OK;
}

static int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", required_argument, NULL, 'j'},
		{"html", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *json = NULL, *html = NULL, *name = NULL;
	char **traces = calloc(argc, sizeof(*traces));
	const char **given = calloc(argc, sizeof(*given));
	char(*names)[CMP_NAME_LEN] = calloc(argc, sizeof(*names));
	char err[512];
	bool models;
	int c, n = 0, code;

	if (!traces || !given || !names) {
		code = die(EXIT_ERROR, "report: out of memory");
		goto out;
	}
	optind = 1;
	opterr = 0;
	/* "-": the traces in order, each named by the -n before it */
	while ((c = getopt_long(argc, argv, "-:hn:", opts, NULL)) != -1) {
		if (c == 1) {
			given[n] = name;
			traces[n++] = optarg;
			name = NULL;
		} else if (c == 'n') {
			name = optarg;
		} else if (c == 'j') {
			json = optarg;
		} else if (c == 'H') {
			html = optarg;
		} else if (c == 'h') {
			printf("%s", find_command("report")->help);
			code = EXIT_OK;
			goto out;
		} else {
			code = die(
				EXIT_USAGE,
				c == ':' ? "report: %s needs a value (see: "
					   "lab help report)"
					 : "report: unknown option '%s' (see: "
					   "lab help report)",
				argv[optind - 1]);
			goto out;
		}
	}
	code = EXIT_USAGE;
	if (name) {
		die(EXIT_USAGE,
		    "report: -n %s names no trace (give the trace "
		    "after it)",
		    name);
		goto out;
	}
	if (!n) {
		die(EXIT_USAGE, "report: which trace? (e.g. lab report "
				"lab-out/io/io-threads.lab)");
		goto out;
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < 2; j++) {
			const char *o = j ? html : json;

			if (o && outputs_same_file(traces[i], o)) {
				die(EXIT_USAGE,
				    "report: %s is a trace given to read (give "
				    "another --%s FILE)",
				    o, j ? "html" : "json");
				goto out;
			}
		}
	if (n == 1 && !given[0]) {
		code = family_report(traces[0], json, html, NULL, stdout, NULL);
		goto out;
	}
	if (report_names(traces, given, n, names, &models, err, sizeof(err))) {
		code = die(EXIT_ERROR, "report: %s", err);
		goto out;
	}
	for (int i = 0; i < n; i++)
		given[i] = names[i];
	code = family_report_traces(traces, models ? NULL : given, n, json,
				    html);
out:
	free(traces);
	free(given);
	free(names);
	return code;
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
	if (outputs_same_file(argv[optind], out))
		return die(EXIT_USAGE,
			   "export: %s is the trace itself (give another -o "
			   "FILE.json)",
			   out);
	return export_file_perfetto(argv[optind], out);
}

static int cmd_list(int argc, char **argv)
{
	const char *scenario = "";

	(void)argv;
	if (argc > 1)
		return die(EXIT_USAGE, "list: takes no arguments");
	for (const struct workload *const *w = workload_table; *w; w++) {
		if (strcmp((*w)->scenario, scenario)) {
			scenario = (*w)->scenario;
			printf("%s%s (lab run %s runs them all)\n",
			       w == workload_table ? "" : "\n", scenario,
			       scenario);
		}
		printf("  %-20s %s\n", (*w)->name, (*w)->summary);
	}
	return EXIT_OK;
}

static int check_line(const char *what, int ok, const char *detail)
{
	printf("%-44s %s%s%s\n", what, ok ? "ok" : "MISSING",
	       detail[0] ? ": " : "", detail);
	return ok;
}

/* Each feature the probes use, found in the kernel's BTF or missing and
 * what lab does without it; 0 when a required one is missing. */
static int check_features(void)
{
	unsigned features = probe_compat_detect_host();
	int ok = 1;

	for (const struct probe_feature_info *i = probe_compat_features; i->bit;
	     i++) {
		char what[96], why[256];
		bool required = PROBE_F_REQUIRED & i->bit;

		snprintf(what, sizeof(what), "%s (%s)", i->what, i->since);
		snprintf(why, sizeof(why), "%s%s",
			 required ? "needed: lab runs on Linux " : i->without,
			 required ? PROBE_COMPAT_MIN_KERNEL
				 " or newer, built with BTF"
				  : "");
		if (!check_line(what, (features & i->bit) != 0,
				features & i->bit ? "" : why) &&
		    required)
			ok = 0;
	}
	return ok;
}

static int cmd_check(int argc, char **argv)
{
	char err[256] = "";
	int ok;

	(void)argv;
	if (argc > 1)
		return die(EXIT_USAGE, "check: takes no arguments");
	ok = check_features();
	if (!check_line("privileges to load probes (root)", geteuid() == 0,
			geteuid() == 0 ? "" : "run lab run with sudo")) {
		ok = 0;
	} else if (ok) {
		int loaded = tracer_probe_check(err, sizeof(err)) == 0;

		ok &= check_line("kernel probes load (tp_btf)", loaded, err);
	}
	check_line("kprobes, fentry, tracefs", 1, "not needed");
	return ok ? EXIT_OK : EXIT_ERROR;
}

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{"run", cmd_run,
	 "run NAME [-o DIR] [--tasks N] [--ops N] [--duration S] [--cpu LIST]\n"
	 "               [--hold S] [--repeat N] [--creation-calls]\n"
	 "               [--futex-retries]\n"
	 "  lab run [-o DIR] [--repeat N] [--cpu LIST] -- CMD [ARGS...]",
	 "usage: lab run NAME [options]\n"
	 "       lab run [-o DIR] [--repeat N] [--cpu LIST] -- CMD [ARGS...]\n"
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
	 "  --hold S           at the peak, every task made, stop S seconds\n"
	 "                     (untimed) to look at the tasks: ps, pmap\n"
	 "  --repeat N         run each workload (or the command) N times\n"
	 "                     (1-50), the models interleaved, into\n"
	 "                     NAME-1.lab ... NAME-N.lab, and compare\n"
	 "                     their medians and spreads (printed\n"
	 "                     instead of the summaries). Without it a\n"
	 "                     family whose first round took under 10 s\n"
	 "                     runs 2 or 3 times (NAME-2.lab, NAME-3.lab)\n"
	 "  --timeout S        kill the run after S seconds (exit 124)\n"
	 "  --ring-buffer KIB  event buffer size (default 16384): smaller "
	 "loses\n"
	 "                     events sooner; the counters stay exact\n"
	 "  --creation-calls   also time the creating thread inside fork and\n"
	 "                     clone; this attaches the syscall tracepoints,\n"
	 "                     which send every syscall of the machine down\n"
	 "                     the kernel's slower path (see lab(1))\n"
	 "  --futex-retries    also count the futex waits that returned at\n"
	 "                     once (EAGAIN): contention that did not block;\n"
	 "                     attaches the same syscall tracepoints\n"
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
	{"compare", cmd_compare,
	 "compare [-o DIR] [--repeat N] [--cpu LIST] [--timeout S]\n"
	 "               -n NAME 'COMMAND' -n NAME 'COMMAND' ...",
	 "usage: lab compare [options] [-n NAME] 'COMMAND' [-n NAME] 'COMMAND' "
	 "...\n"
	 "\n"
	 "Traces each command as lab run -- COMMAND does, the commands\n"
	 "interleaved over the repeats, and compares them as a family's\n"
	 "models are: a table of their figures side by side and an\n"
	 "explanation made from them. Needs root. At most 4 commands.\n"
	 "\n"
	 "Each command is one string; -n names the next one (without it, its\n"
	 "text names it). Plain words and quotes run with no shell; a command\n"
	 "that needs the shell's expansions runs as sh -c 'exec COMMAND', so\n"
	 "the shell is not counted as part of it; only a pipeline or a list\n"
	 "keeps its shell (lab says so). Names processes, threads, events or\n"
	 "coroutines (alike), and serial are expected to cost in that order,\n"
	 "as the built-in families are; other names are ranked with no\n"
	 "expected order.\n"
	 "\n"
	 "Writes DIR/NAME.lab, .json and .html per run, DIR/compare.json\n"
	 "(the comparison, lab-comparison/1) and DIR/index.html.\n"
	 "\n"
	 "  -n NAME            the name of the next command\n"
	 "  -o, --output DIR   where the files go (default lab-out/compare)\n"
	 "  --repeat N         run each command N times (1-50), interleaved,\n"
	 "                     into NAME-1.lab ... NAME-N.lab; without it,\n"
	 "                     commands whose first round took under 10 s run\n"
	 "                     2 or 3 times\n"
	 "  --cpu LIST         keep every command to these CPUs (e.g. 0 or "
	 "0,1)\n"
	 "  --timeout S        kill a run after S seconds (exit 124)\n"
	 "  --ring-buffer KIB  event buffer size (as lab run)\n"
	 "  --creation-calls   also time the creator inside fork and clone\n"
	 "  -v, --verbose      show libbpf's messages\n"
	 "\n"
	 "Exit: as lab run: 0 ok, 1 lab failed, 2 bad command line, 3 a\n"
	 "command failed, 124 timed out, 128+N interrupted by signal N.\n"},
	{"report", cmd_report,
	 "report [-n NAME] TRACE... [--json FILE] [--html FILE]",
	 "usage: lab report [-n NAME] TRACE... [--json FILE] [--html FILE]\n"
	 "\n"
	 "Re-analyses saved traces (no root needed) and prints their "
	 "summaries.\n"
	 "Several traces are also compared: the runs of one scenario (e.g.\n"
	 "lab-out/io/*.lab) as lab run compares a family, any others side by\n"
	 "side as lab compare does, each under its -n name, else the name its\n"
	 "trace records (the runs of one command), else its file name. Of\n"
	 "repeated runs only the comparison is printed.\n"
	 "  -n NAME       the name of the next trace in the comparison\n"
	 "  --json FILE   also write the JSON report of the one trace, or the\n"
	 "                comparison of several, to FILE\n"
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
	 "workload NAME [--tasks N] [--ops N] [--duration S] [--cpu LIST]\n"
	 "               [--hold S]",
	 "usage: lab workload NAME [--tasks N] [--ops N] [--duration S]\n"
	 "                         [--cpu LIST] [--hold S]\n"
	 "\n"
	 "Runs a built-in workload untraced (no root needed). lab run uses "
	 "it.\n"
	 "Exit: 0 when the workload's result checked out, 3 when it did "
	 "not.\n"},
	{"pin", cmd_pin, "pin LIST -- CMD [ARGS...]",
	 "usage: lab pin LIST -- CMD [ARGS...]\n\nRuns CMD kept to the CPUs "
	 "in LIST (e.g. 0 or 0,1). lab run and lab\ncompare use it for "
	 "--cpu with a command.\n"},
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
		   "threads, events,\n"
		   "                               coroutines, serial\n"
		   "  sudo lab run io --repeat 5   each model 5 times: medians "
		   "and spreads\n"
		   "  sudo lab run -- ./server     trace any command\n"
		   "  sudo lab compare -n a './prog a' -n b './prog b'\n"
		   "                               commands side by side\n"
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
			   "help: no command '%s' (commands: run, compare, "
			   "report, export, list, check, workload, pin)",
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
			   "unknown command '%s' (commands: run, compare, "
			   "report, export, list, check, workload, pin, help)",
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
	    c->fn != cmd_compare && identity_become(&invoker))
		return die(EXIT_ERROR, "%s: becoming %s: %s", c->name,
			   invoker.user, strerror(errno));
	return c->fn(argc - 1, argv + 1);
}
