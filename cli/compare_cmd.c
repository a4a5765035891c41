/* compare_cmd.c - lab compare, and lab run -- CMD with --repeat and
 * --cpu: commands traced side by side (see compare_cmd.h).
 *
 * A command is one string, as hyperfine takes it. The shell that would
 * start it is not part of what is measured: a string of plain words,
 * quotes and backslashes is split here as sh would split it and run
 * with no shell at all; one simple command that needs the shell's
 * expansions or redirections runs as `sh -c 'exec CMD'`, so the shell
 * becomes the command in the same process before it does anything; only
 * a pipeline or a list keeps its shell, and lab says so. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/compare.h"
#include "analyzer/safe_text.h"
#include "cli/compare_cmd.h"
#include "cli/family.h"
#include "cli/outputs.h"
#include "cli/run.h"
#include "cli/say.h"

#define MAX_WORDS 256
#define TEXT_MAX  4096

/* Words the shell reads as syntax, not as a program to run. */
static bool keyword(const char *w)
{
	static const char *const words[] = {
		"if",	"then", "else",	 "elif",     "fi",     "case",
		"esac", "for",	"while", "until",    "do",     "done",
		"in",	"!",	"{",	 "}",	     "[[",     "]]",
		"time", "exec", "eval",	 "function", "select", NULL,
	};

	for (const char *const *k = words; *k; k++)
		if (!strcmp(*k, w))
			return true;
	return false;
}

/* text split into words as sh splits it when it holds only words,
 * quotes and backslashes: the word count, words pointing into buf; 0
 * when the shell must read it (an expansion, a redirection, an
 * operator, a glob, an assignment, a keyword), -1 when it is too long. */
static int split_words(const char *s, char *buf, size_t len, char **words,
		       int max)
{
	size_t o = 0;
	int n = 0;
	bool in_word = false;

	for (; *s; s++) {
		char ch = *s;

		if (o + 2 >= len || n + 1 >= max)
			return -1;
		if (ch == ' ' || ch == '\t') {
			if (in_word)
				buf[o++] = '\0';
			in_word = false;
			continue;
		}
		if (strchr("$`;&|<>(){}*?[]~#\n\r!", ch) ||
		    (ch == '=' && n == 1 && in_word))
			return 0;
		if (!in_word) {
			words[n++] = buf + o;
			in_word = true;
		}
		if (ch == '\\') {
			if (!s[1] || s[1] == '\n')
				return 0;
			buf[o++] = *++s;
		} else if (ch == '\'') {
			const char *end = strchr(s + 1, '\'');

			if (!end || o + (size_t)(end - s) + 2 >= len)
				return 0;
			memcpy(buf + o, s + 1, end - s - 1);
			o += end - s - 1;
			s = end;
		} else if (ch == '"') {
			size_t k = strcspn(s + 1, "\"$`\\");

			if (s[1 + k] != '"' || o + k + 2 >= len)
				return 0;
			memcpy(buf + o, s + 1, k);
			o += k;
			s += k + 1;
		} else {
			buf[o++] = ch;
		}
	}
	if (in_word)
		buf[o++] = '\0';
	if (!n || keyword(words[0]))
		return 0;
	words[n] = NULL;
	return n;
}

/* One simple command, however much it expands: exec can take its
 * place. */
static bool simple(const char *s)
{
	char first[64];
	size_t k;

	s += strspn(s, " \t");
	k = strcspn(s, " \t");
	snprintf(first, sizeof(first), "%.*s", (int)k, s);
	return !strpbrk(s, ";&|(){}`\n") && !strchr(first, '=') &&
	       !keyword(first);
}

/* A command's words and their text, kept while it runs. */
struct command_argv {
	char *words[MAX_WORDS + 1];
	char buf[TEXT_MAX];
	char exec_text[TEXT_MAX + 8];
};

/* argv for a command given as text (see the file's head). Returns 0,
 * or an exit code after one line. */
static int command_argv(const char *cmd, const struct compare_cmd *c,
			struct command_argv *out)
{
	int n = split_words(c->text, out->buf, sizeof(out->buf), out->words,
			    MAX_WORDS);

	if (n < 0)
		return die(EXIT_USAGE, "%s: the command of %s is too long", cmd,
			   c->name);
	if (n > 0)
		return 0;
	out->words[0] = (char *)"/bin/sh";
	out->words[1] = (char *)"-c";
	out->words[3] = NULL;
	if (simple(c->text)) {
		snprintf(out->exec_text, sizeof(out->exec_text), "exec %s",
			 c->text);
		out->words[2] = out->exec_text;
	} else {
		out->words[2] = (char *)c->text;
		say("%s: %s is a pipeline or a list: the shell that runs it "
		    "is traced with it",
		    cmd, c->name);
	}
	return 0;
}

/* A name as the stem of file names: letters, digits and ._+- kept, the
 * rest one '-'; never a run's "-N" suffix or the comparison's own
 * files; another command's stem gets "_2", "_3". */
static void file_stem(char *out, size_t len, const char *name, char stems[][64],
		      size_t taken)
{
	size_t o = 0;
	char *dash;

	for (const char *p = name; *p && o + 1 < len && o < 48; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') ||
			  (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || strchr("._+-", *p);

		if (ok && !(o == 0 && *p == '.'))
			out[o++] = *p;
		else if (o && out[o - 1] != '-')
			out[o++] = '-';
	}
	while (o && out[o - 1] == '-')
		o--;
	out[o] = '\0';
	dash = strrchr(out, '-');
	if (dash && dash[1] &&
	    strspn(dash + 1, "0123456789") == strlen(dash + 1))
		*dash = '_';
	if (!out[0] || !strcmp(out, "compare") || !strcmp(out, "index")) {
		char t[64];

		snprintf(t, sizeof(t), "command%s%.48s", out[0] ? "-" : "",
			 out);
		snprintf(out, len, "%.60s", t);
	}
	for (size_t i = 0, k = 2; i < taken; i++)
		if (!strcmp(stems[i], out)) {
			char t[80];

			snprintf(t, sizeof(t), "%.56s_%zu", out, k++);
			snprintf(out, len, "%.63s", t);
			i = (size_t)-1; /* again, from the first */
		}
}

int compare_cmd_run(const struct run_args *a, bool check_only)
{
	struct compare_cmd cmds[RUN_ARGS_MAX_COMMANDS];
	static char names[RUN_ARGS_MAX_COMMANDS][CMP_NAME_LEN];
	static char stems[RUN_ARGS_MAX_COMMANDS][64];
	char dir[PATH_MAX];

	if (!a->ncommands)
		return die(EXIT_USAGE,
			   "compare: which commands? (e.g. lab compare -n "
			   "threads './prog t' -n processes './prog p')");
	if (a->ncommands > CMP_NMODELS)
		return die(EXIT_USAGE,
			   "compare: %u commands, at most %d side by side "
			   "(compare the others in a second run)",
			   a->ncommands, CMP_NMODELS);
	for (unsigned int i = 0; i < a->ncommands; i++) {
		const char *given = a->names[i] ? a->names[i] : a->commands[i];

		safe_text(names[i], sizeof(names[i]), given, 1);
		if (!names[i][0] ||
		    !a->commands[i][strspn(a->commands[i], " \t")])
			return die(EXIT_USAGE,
				   "compare: command %u is empty or has an "
				   "empty name",
				   i + 1);
		for (unsigned int j = 0; j < i; j++)
			if (!strcmp(names[i], names[j]))
				return die(EXIT_USAGE,
					   "compare: two commands named '%s' "
					   "(name each with -n NAME)",
					   names[i]);
		file_stem(stems[i], sizeof(stems[i]), names[i], stems, i);
		cmds[i] = (struct compare_cmd){.name = names[i],
					       .file = stems[i],
					       .text = a->commands[i]};
	}
	if (check_only)
		return EXIT_OK;
	snprintf(dir, sizeof(dir), "%s",
		 a->outdir ? a->outdir : "lab-out/compare");
	return compare_commands("compare", cmds, a->ncommands, dir, a);
}

static void join_words(char *out, size_t size, char *const *argv)
{
	size_t used = 0;

	out[0] = 0;
	for (; *argv && used + 1 < size; argv++)
		used += snprintf(out + used, size - used, "%s%s",
				 used ? " " : "", *argv);
}

/* The runs' end: the comparison, where the runs were lined up, and
 * where the files are. */
static int finish(const char *cmd, struct family *fam, const char *dir,
		  size_t ran, size_t n, int code)
{
	char json[PATH_MAX + 16], index[PATH_MAX + 16];

	if (fam->on && fam->broken) {
		fprintf(stderr, "lab: %s: no comparison: %s\n", cmd, fam->why);
	} else if (fam->on) {
		int r;

		snprintf(json, sizeof(json), "%s/compare.json", dir);
		snprintf(index, sizeof(index), "%s/index.html", dir);
		putchar('\n');
		r = family_finish(fam, cmd, json, index);
		if (r && !code)
			code = r;
	}
	if (!fam->on) {
		printf("\nlab: trace and report in %s/ (open %s/%s in a "
		       "browser)\n",
		       dir, dir, fam->pages ? fam->pages[0].href : "");
	} else {
		printf("\nlab: %zu trace%s and report%s (.lab, .json, .html) "
		       "of %zu command%s in %s/\n",
		       ran, ran == 1 ? "" : "s", ran == 1 ? "" : "s", n,
		       n == 1 ? "" : "s", dir);
		if (!fam->broken)
			printf("lab: the comparison in %s; open %s in a "
			       "browser\n",
			       json, index);
	}
	return code;
}

int compare_commands(const char *cmd, const struct compare_cmd *cmds, size_t n,
		     const char *dir, const struct run_args *a)
{
	struct command_argv *argvs = calloc(n, sizeof(*argvs));
	char self[PATH_MAX], params[256] = "";
	char lines[RUN_ARGS_MAX_COMMANDS][TEXT_MAX];
	char *pinned[RUN_ARGS_MAX_COMMANDS][MAX_WORDS + 6];
	unsigned int repeat = a->repeat ? a->repeat : 1;
	bool automatic = !a->repeat && n > 1;
	struct family fam = {0};
	int code = EXIT_OK;
	size_t ran = 0;
	double start = run_now_s();

	if (!argvs)
		return die(EXIT_ERROR, "%s: out of memory", cmd);
	if (n > RUN_ARGS_MAX_COMMANDS) {
		free(argvs);
		return die(EXIT_USAGE, "%s: too many commands", cmd);
	}
	if (a->params.cpus && run_self_path(self, sizeof(self))) {
		free(argvs);
		return die(EXIT_ERROR, "%s: finding the lab binary: %s", cmd,
			   strerror(errno));
	}
	if (a->params.cpus)
		snprintf(params, sizeof(params), "cpu=%s", a->params.cpus);
	for (size_t i = 0; i < n; i++) {
		char *const *argv = cmds[i].argv;
		int k = 0;

		if (!argv) {
			int r = command_argv(cmd, &cmds[i], &argvs[i]);

			if (r) {
				free(argvs);
				return r;
			}
			argv = argvs[i].words;
		}
		if (cmds[i].text)
			snprintf(lines[i], sizeof(lines[i]), "%s",
				 cmds[i].text);
		else
			join_words(lines[i], sizeof(lines[i]), argv);
		/* --cpu: lab pins itself, then becomes the command */
		if (a->params.cpus) {
			pinned[i][k++] = self;
			pinned[i][k++] = (char *)"pin";
			pinned[i][k++] = (char *)a->params.cpus;
			pinned[i][k++] = (char *)"--";
		}
		for (int w = 0; argv[w] && k < MAX_WORDS + 5; w++)
			pinned[i][k++] = argv[w];
		pinned[i][k] = NULL;
	}
	if (outputs_mkdirs(dir)) {
		free(argvs);
		return die(EXIT_ERROR,
			   "%s: creating %s: %s (choose another with -o DIR)",
			   cmd, dir, strerror(errno));
	}
	compare_init(&fam.cmp);
	fam.on = n > 1 || repeat > 1;
	for (unsigned int run = 1; run <= repeat; run++) {
		for (size_t i = 0; i < n; i++) {
			struct run_target t = {
				.file = cmds[i].file,
				.workload = cmds[i].name,
				.cmdline = lines[i],
				.argv = pinned[i],
				.check = a->params.cpus
						 ? (cmds[i].argv
							    ? cmds[i].argv[0]
							    : argvs[i].words[0])
						 : NULL,
				.params = params,
			};
			int r;

			fam.name = cmds[i].name;
			if (run > 1 || repeat > 1)
				run_progress(run, repeat, cmds[i].name);
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
				free(argvs);
				return r;
			}
			if (r && !code)
				code = r;
		}
		if (automatic && run == 1 && !code) {
			double took = run_now_s() - start;

			repeat = run_auto_rounds(took);
			if (repeat > 1)
				printf("\nlab: the commands took %.1f s; "
				       "running them %u more time%s to measure "
				       "the spread (--repeat 1: once only)\n",
				       took, repeat - 1,
				       repeat == 2 ? "" : "s");
		}
	}
	if (repeat > 1)
		run_progress(0, 0, NULL);
	code = finish(cmd, &fam, dir, ran, n, code);
	family_free(&fam);
	free(argvs);
	return code;
}
