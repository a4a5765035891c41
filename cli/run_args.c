/* run_args.c - the options of `lab run` and `lab workload`, checked
 * before anything runs. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/run_args.h"
#include "cli/say.h"

const char *const run_args_given_option[NGIVEN] = {
	"--tasks", "--ops", "--duration", "--cpu", "--hold"};

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_seconds(const char *s, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v > 0) || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "0", "0,1": CPU numbers this machine has, separated by commas */
static int valid_cpu_list(const char *s)
{
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);

	while (*s) {
		unsigned cpu;
		char num[16];
		size_t n = strcspn(s, ",");

		if (n == 0 || n >= sizeof(num))
			return 0;
		memcpy(num, s, n);
		num[n] = 0;
		if (parse_uint(num, 0, ncpus > 0 ? ncpus - 1 : 0, &cpu))
			return 0;
		s += n + (s[n] == ',');
	}
	return 1;
}

enum {
	OPT_TASKS = 256,
	OPT_OPS,
	OPT_DURATION,
	OPT_CPU,
	OPT_TIMEOUT,
	OPT_REPEAT,
	OPT_RING,
	OPT_DRY_RUN,
	OPT_CREATION_CALLS,
	OPT_FUTEX_RETRIES,
	OPT_HOLD,
};

static const struct option run_options[] = {
	{"output", required_argument, NULL, 'o'},
	{"tasks", required_argument, NULL, OPT_TASKS},
	{"ops", required_argument, NULL, OPT_OPS},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"cpu", required_argument, NULL, OPT_CPU},
	{"hold", required_argument, NULL, OPT_HOLD},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"ring-buffer", required_argument, NULL, OPT_RING},
	{"repeat", required_argument, NULL, OPT_REPEAT},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"creation-calls", no_argument, NULL, OPT_CREATION_CALLS},
	{"futex-retries", no_argument, NULL, OPT_FUTEX_RETRIES},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* lab compare's operands: each command, named by the -n before it. */
static int add_command(const char *cmd, struct run_args *a, const char **name,
		       const char *text)
{
	if (a->ncommands >= RUN_ARGS_MAX_COMMANDS)
		return -die(EXIT_USAGE, "%s: more than %d commands", cmd,
			    RUN_ARGS_MAX_COMMANDS);
	a->names[a->ncommands] = *name;
	a->commands[a->ncommands++] = text;
	*name = NULL;
	return 0;
}

int run_args_parse(const char *cmd, int argc, char **argv, struct run_args *a)
{
	/* compare takes its operands in order ("-"), each after its -n */
	bool compare = !strcmp(cmd, "compare");
	const char *name = NULL;
	int c;

	/* 0, not 1: glibc then forgets a cluster of short options left
	 * half-read by an earlier parse */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, compare ? "-:o:vhn:" : ":o:vh",
				run_options, NULL)) != -1) {
		const char *val = optarg;

		if (compare &&
		    (c == OPT_TASKS || c == OPT_OPS || c == OPT_DURATION))
			return -die(EXIT_USAGE,
				    "%s: --%s applies to built-in workloads, "
				    "not to commands",
				    cmd,
				    c == OPT_TASKS ? "tasks"
				    : c == OPT_OPS ? "ops"
						   : "duration");
		switch (c) {
		case 1:
			if (add_command(cmd, a, &name, val))
				return -EXIT_USAGE;
			break;
		case 'n':
			if (name)
				return -die(EXIT_USAGE,
					    "%s: -n %s names no command (give "
					    "its command after it)",
					    cmd, name);
			name = val;
			break;
		case 'o':
			a->outdir = val;
			break;
		case 'v':
			a->verbose = 1;
			break;
		case 'h':
			a->help = true;
			return optind;
		case OPT_TASKS:
			if (parse_uint(val, 1, 100000, &a->params.tasks))
				return -die(EXIT_USAGE,
					    "%s: --tasks '%s' is not a count "
					    "from 1 to 100000",
					    cmd, val);
			a->given[GIVEN_TASKS] = val;
			break;
		case OPT_OPS:
			if (parse_uint(val, 1, 4000000000U, &a->params.ops))
				return -die(EXIT_USAGE,
					    "%s: --ops '%s' is not a count "
					    "from 1 to 4000000000",
					    cmd, val);
			a->given[GIVEN_OPS] = val;
			break;
		case OPT_DURATION:
			if (parse_seconds(val, 3600, &a->params.duration_s))
				return -die(
					EXIT_USAGE,
					"%s: --duration '%s' is not a number "
					"of seconds above 0 and up to 3600",
					cmd, val);
			a->given[GIVEN_DURATION] = val;
			break;
		case OPT_HOLD:
			if (parse_seconds(val, 600, &a->params.hold_s))
				return -die(EXIT_USAGE,
					    "%s: --hold '%s' is not a number "
					    "of seconds above 0 and up to 600",
					    cmd, val);
			a->given[GIVEN_HOLD] = val;
			break;
		case OPT_CREATION_CALLS:
			a->creation_calls = true;
			break;
		case OPT_FUTEX_RETRIES:
			a->futex_retries = true;
			break;
		case OPT_RING:
			/* the kernel wants a power-of-two number of pages */
			if (parse_uint(val, 4, 1048576, &a->ring_kib) ||
			    (a->ring_kib & (a->ring_kib - 1)))
				return -die(EXIT_USAGE,
					    "%s: --ring-buffer '%s' is not a "
					    "power of two "
					    "from 4 to 1048576 (KiB)",
					    cmd, val);
			break;
		case OPT_TIMEOUT:
			if (parse_seconds(val, 86400, &a->timeout_s))
				return -die(
					EXIT_USAGE,
					"%s: --timeout '%s' is not a number of "
					"seconds above 0 and up to 86400",
					cmd, val);
			break;
		case OPT_REPEAT:
			if (parse_uint(val, 1, 50, &a->repeat))
				return -die(EXIT_USAGE,
					    "%s: --repeat '%s' is not a count "
					    "from 1 to 50",
					    cmd, val);
			break;
		case OPT_DRY_RUN:
			a->dry_run = true;
			break;
		case OPT_CPU:
			if (!valid_cpu_list(val))
				return -die(EXIT_USAGE,
					    "%s: --cpu '%s' is not a list of "
					    "CPU numbers (e.g. 0 or 0,1)",
					    cmd, val);
			a->params.cpus = val;
			a->given[GIVEN_CPU] = val;
			break;
		case ':':
			return -die(EXIT_USAGE,
				    "%s: %s needs a value (see: lab help %s)",
				    cmd, argv[optind - 1], cmd);
		default:
			return -die(
				EXIT_USAGE,
				"%s: unknown option '%s' (see: lab help %s)",
				cmd, argv[optind - 1], cmd);
		}
	}
	if (name)
		return -die(EXIT_USAGE,
			    "%s: -n %s names no command (give its command "
			    "after it)",
			    cmd, name);
	return optind;
}

bool run_args_any_given(const struct run_args *a)
{
	for (int i = 0; i < NGIVEN; i++)
		if (a->given[i])
			return true;
	return false;
}
