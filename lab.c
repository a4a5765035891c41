/* lab.c - the command line: options, subcommands, exit codes. The work is
 * done by workload_table/ (the measured programs), probes/ (the tracer) and
 * analyzer/ (the reports). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "cli/export_file.h"
#include "cli/family.h"
#include "probes/identity.h"
#include "cli/outputs.h"
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
		if (run_args_any_given(&a) || a.repeat)
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
			return suggest_unknown_workload(argv[i]);
	}
	if (a.dry_run) {
		if (have_invoker && identity_become(&invoker))
			return die(EXIT_ERROR, "run: becoming %s: %s",
				   invoker.user, strerror(errno));
		return run_dry(cmd ? NULL : argv[i], cmd, &a);
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

			if (out && outputs_same_file(argv[i], out))
				return die(EXIT_USAGE,
					   "report: %s is a trace given to "
					   "read (give another --%s FILE)",
					   out, j ? "html" : "json");
		}
	if (argc - optind == 1)
		return family_report(argv[optind], json, html, NULL, stdout,
				     NULL);
	return family_report_traces(argv + optind, argc - optind, json, html);
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
