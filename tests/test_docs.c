/* test_docs.c - the course handouts and the man page agree with lab: every
 * workload is taught in a handout, every command a handout gives parses,
 * every report section it names is one the HTML report has (and
 * docs/html-report.md lists those sections), and lab.1 documents every
 * subcommand and option that lab's help shows. */
#include <ctype.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analyzer/report_sections.h"
#include "tests/test.h"

#define HANDOUTS  "docs/labs/*.md"
#define ANSWERS	  "docs/labs/answers/*.md"
#define MAN_PAGE  "docs/lab.1"
#define HTML_DOC  "docs/html-report.md"
#define MAX_WORDS 64

/* Whether id is a section of the run page (a handout names one as
 * `#id`), and in *alert whether it is one there only when the run lost
 * something. */
static bool run_has(const char *id, bool *alert)
{
	for (size_t i = 0; i < report_sections_nrun; i++)
		if (!strcmp(id, report_sections_run[i].id)) {
			*alert = report_sections_run[i].shown != NULL;
			return true;
		}
	return false;
}

/* The same for the family page. */
static bool family_has(const char *id, bool *alert)
{
	for (size_t i = 0; i < report_sections_nfamily; i++)
		if (!strcmp(id, report_sections_family[i].id)) {
			*alert = report_sections_family[i].shown != NULL;
			return true;
		}
	return false;
}

/* The files matching pattern, read whole; returns how many. */
static size_t read_docs(const char *pattern, char ***texts, char ***paths)
{
	glob_t g;
	size_t n = 0;

	*texts = NULL;
	*paths = NULL;
	if (glob(pattern, 0, NULL, &g))
		return 0;
	*texts = calloc(g.gl_pathc, sizeof(char *));
	*paths = calloc(g.gl_pathc, sizeof(char *));
	for (size_t i = 0; *texts && *paths && i < g.gl_pathc; i++) {
		(*texts)[n] = test_slurp(g.gl_pathv[i]);
		(*paths)[n] = strdup(g.gl_pathv[i]);
		if ((*texts)[n] && (*paths)[n])
			n++;
	}
	globfree(&g);
	return n;
}

static void free_docs(char **texts, char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(texts[i]);
		free(paths[i]);
	}
	free(texts);
	free(paths);
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* word occurs in text, not as part of a longer name */
static bool mentions(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = strstr(text, word); p; p = strstr(p + 1, word))
		if ((p == text || !name_char(p[-1])) && !name_char(p[n]))
			return true;
	return false;
}

/* lab with up to MAX_WORDS arguments; unprivileged when the tests can
 * switch users, so that nothing checked here leans on root */
static int lab(char *out, size_t len, const char *const *args, int nargs)
{
	const char *argv[MAX_WORDS + 2];

	argv[0] = test_lab_path();
	for (int i = 0; i < nargs && i < MAX_WORDS; i++)
		argv[i + 1] = args[i];
	argv[nargs < MAX_WORDS ? nargs + 1 : MAX_WORDS + 1] = NULL;
	return test_run(argv, out, len, geteuid() == 0);
}

/* Splits a shell command line into words in place: quotes and backslashes
 * as sh takes them, an unquoted # begins a comment. Returns the number of
 * words, or -1 for what is not one plain command (pipes, redirections,
 * unbalanced quotes). */
static int split_words(char *line, char **words, int max)
{
	char *in = line, *out = line;
	int n = 0;

	for (;;) {
		char quote = 0;

		while (*in == ' ' || *in == '\t')
			in++;
		if (!*in || *in == '#')
			return n;
		if (n == max)
			return -1;
		words[n++] = out;
		for (; *in && (quote || (*in != ' ' && *in != '\t')); in++) {
			if (quote && *in == quote)
				quote = 0;
			else if (!quote && (*in == '\'' || *in == '"'))
				quote = *in;
			else if (!quote && strchr("|&;<>`", *in))
				return -1;
			else if (*in == '\\' && quote != '\'' && in[1])
				*out++ = *++in;
			else
				*out++ = *in;
		}
		if (quote)
			return -1;
		if (*in)
			in++;
		*out++ = 0;
	}
}

/* The lab command lines in a handout's fenced blocks, one at a time:
 * returns the next one's start (after any "sudo "), or NULL. */
static const char *next_command(const char **cursor, bool *fenced, size_t *len)
{
	while (**cursor) {
		const char *s = *cursor, *eol = strchr(s, '\n');
		const char *end = eol ? eol : s + strlen(s);

		*cursor = eol ? eol + 1 : end;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!strncmp(s, "```", 3)) {
			*fenced = !*fenced;
			continue;
		}
		if (!*fenced)
			continue;
		if (!strncmp(s, "sudo lab ", 9))
			s += 5;
		if (strncmp(s, "lab ", 4))
			continue;
		*len = (size_t)(end - s);
		return s;
	}
	return NULL;
}

static bool option_word(const char *w)
{
	return w[0] == '-' && w[1] && strcmp(w, "--");
}

/* `lab help CMD` lists the option: as a word of its own */
static bool help_lists(const char *help, const char *option)
{
	char opt[128];
	size_t n = strcspn(option, "=");

	if (n >= sizeof(opt))
		return false;
	memcpy(opt, option, n);
	opt[n] = 0;
	return mentions(help, opt);
}

/* A handout's command: lab run (and lab workload, which takes the same
 * options) with --dry-run, which parses and validates everything without
 * root; any other subcommand must exist and list each option given. */
static void check_command(const char *path, char **words, int n)
{
	static char out[16384];
	const char *args[MAX_WORDS + 1];
	int nargs = 0, code;

	if (!strcmp(words[1], "run") || !strcmp(words[1], "workload")) {
		args[nargs++] = "run";
		args[nargs++] = "--dry-run";
		for (int i = 2; i < n; i++)
			args[nargs++] = words[i];
		code = lab(out, sizeof(out), args, nargs);
		CHECK_MSG(code == 0 && !strncmp(out, "dry run:", 8),
			  "%s: lab %s ... does not parse (exit %d): %s", path,
			  words[1], code, out);
		/* lab workload runs one workload, never a family */
		if (!strcmp(words[1], "workload")) {
			const char *first = strstr(out, "  lab workload ");

			CHECK_MSG(first &&
					  !strstr(first + 1, "  lab workload "),
				  "%s: lab workload %s: not one workload", path,
				  n > 2 ? words[2] : "");
		}
		return;
	}
	args[nargs++] = "help";
	args[nargs++] = words[1];
	code = lab(out, sizeof(out), args, nargs);
	if (!CHECK_MSG(code == 0, "%s: lab %s: no such subcommand: %s", path,
		       words[1], out))
		return;
	for (int i = 2; i < n; i++)
		if (option_word(words[i]))
			CHECK_MSG(help_lists(out, words[i]),
				  "%s: lab %s %s: lab help %s does not list "
				  "the option",
				  path, words[1], words[i], words[1]);
}

TEST(docs_every_workload_is_in_a_handout)
{
	static char out[16384];
	const char *args[] = {"list"};
	char **texts, **paths, *line, *save = NULL;
	size_t n = read_docs(HANDOUTS, &texts, &paths);
	int workload_table = 0;

	CHECK_MSG(n >= 8, "%zu handouts in docs/labs/, expected 8", n);
	if (!CHECK_EQ(lab(out, sizeof(out), args, 1), 0))
		goto out;
	/* "  io-threads   N threads wait ...": a workload; other lines name
	 * the scenarios */
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		bool found = false;

		if (strncmp(line, "  ", 2) || sscanf(line, " %63s", name) != 1)
			continue;
		workload_table++;
		for (size_t i = 0; i < n && !found; i++)
			found = mentions(texts[i], name);
		CHECK_MSG(found, "no handout in docs/labs/ names %s", name);
	}
	CHECK_MSG(workload_table > 10, "lab list showed %d workloads",
		  workload_table);
out:
	free_docs(texts, paths, n);
}

TEST(docs_handout_commands_parse)
{
	char **texts, **paths;
	size_t n = read_docs(HANDOUTS, &texts, &paths);
	int commands = 0;

	for (size_t i = 0; i < n; i++) {
		const char *cursor = texts[i], *cmd;
		bool fenced = false;
		size_t len;

		while ((cmd = next_command(&cursor, &fenced, &len))) {
			char line[1024], *words[MAX_WORDS];
			int nw;

			snprintf(line, sizeof(line), "%.*s", (int)len, cmd);
			nw = split_words(line, words, MAX_WORDS);
			if (!CHECK_MSG(nw >= 2,
				       "%s: not one plain lab command: "
				       "%.*s",
				       paths[i], (int)len, cmd))
				continue;
			check_command(paths[i], words, nw);
			commands++;
		}
		CHECK_MSG(!fenced, "%s: a code block is never closed",
			  paths[i]);
	}
	CHECK_MSG(commands >= 3 * 8, "only %d lab commands in the handouts",
		  commands);
	free_docs(texts, paths, n);
}

/* Calls fn for every `#id` in text. */
static void each_section(const char *text, const char *path,
			 void (*fn)(const char *id, const char *path, void *),
			 void *arg)
{
	for (const char *p = strstr(text, "`#"); p; p = strstr(p + 2, "`#")) {
		char id[64];
		size_t n = 0;

		while (n + 1 < sizeof(id) &&
		       (islower((unsigned char)p[2 + n]) || p[2 + n] == '-'))
			n++;
		if (!n || p[2 + n] != '`')
			continue;
		memcpy(id, p + 2, n);
		id[n] = 0;
		fn(id, path, arg);
	}
}

static void check_contract(const char *id, const char *path, void *count)
{
	bool alert;

	CHECK_MSG(run_has(id, &alert) || family_has(id, &alert),
		  "%s names section #%s, which the HTML report does not have",
		  path, id);
	++*(int *)count;
}

/* A page of the HTML report, and which sections belong on it. */
struct page {
	const char *html;
	bool (*has)(const char *id, bool *alert);
	const char *name;
};

/* The section, if it belongs on this page, is there. Alerts appear only
 * when the run had losses, so they are left out. */
static void check_on_page(const char *id, const char *path, void *arg)
{
	const struct page *pg = arg;
	char tag[96];
	bool alert;

	if (!pg->has(id, &alert) || alert)
		return;
	snprintf(tag, sizeof(tag), "<section id=\"%s\"", id);
	CHECK_MSG(strstr(pg->html, tag), "%s names #%s; the %s lacks %s", path,
		  id, pg->name, tag);
}

/* Runs lab as this test's own user (its outputs go in the test's
 * directory) and returns the page it wrote, or NULL. */
static char *make_page(const char *const *args, int nargs, const char *path)
{
	static char out[16384];
	const char *argv[8] = {test_lab_path()};

	for (int i = 0; i < nargs && i < 6; i++)
		argv[i + 1] = args[i];
	CHECK_MSG(test_run(argv, out, sizeof(out), false) == 0, "lab %s: %s",
		  args[0], out);
	return test_slurp(path);
}

static void check_page(const struct page *pg, char **texts, char **paths,
		       size_t n)
{
	if (!CHECK_MSG(pg->html, "no %s was written", pg->name))
		return;
	for (size_t i = 0; i < n; i++)
		each_section(texts[i], paths[i], check_on_page, (void *)pg);
}

TEST(docs_named_report_sections_exist)
{
	const char *why;
	char **texts, **paths, **atexts, **apaths, path[700], dir[600];
	size_t n = read_docs(HANDOUTS, &texts, &paths);
	size_t na = read_docs(ANSWERS, &atexts, &apaths);
	struct page run = {NULL, run_has, "run page"};
	struct page family = {NULL, family_has, "family page"};
	bool traced = test_can_trace(&why);
	int named = 0;

	for (size_t i = 0; i < n; i++)
		each_section(texts[i], paths[i], check_contract, &named);
	for (size_t i = 0; i < na; i++)
		each_section(atexts[i], apaths[i], check_contract, &named);
	CHECK_MSG(named >= 8, "the handouts name %d report sections", named);
	{
		/* a run page from a saved trace: no root needed */
		const char *args[] = {"report",
				      "tests/fuzz/corpus/io-threads.lab",
				      "--html", path};

		snprintf(dir, sizeof(dir), "%s", test_tmpdir());
		snprintf(path, sizeof(path), "%s/io-threads.html", dir);
		run.html = make_page(args, 4, path);
		check_page(&run, texts, paths, n);
	}
	if (traced) {
		/* a family page: lab run writes it as index.html */
		const char *args[] = {"run", "pingpong", "--ops",
				      "200", "-o",	 dir};

		snprintf(path, sizeof(path), "%s/index.html", dir);
		family.html = make_page(args, 6, path);
		check_page(&family, texts, paths, n);
	}
	free((char *)run.html);
	free((char *)family.html);
	free_docs(texts, paths, n);
	free_docs(atexts, apaths, na);
	if (!traced)
		SKIP(why);
}

/* The section ids that html-report.md's table under heading lists
 * ("| `id` | ..."), in order, are want[0..n). */
static void check_listed(const char *doc, const char *heading,
			 const char *const *want, size_t n)
{
	const char *p = strstr(doc, heading), *end;
	size_t i = 0;

	if (!CHECK_MSG(p, HTML_DOC " lacks \"%s\"", heading))
		return;
	p += strlen(heading);
	end = strstr(p, "\n## ");
	for (p = strstr(p, "\n| `"); p && (!end || p < end);
	     p = strstr(p + 1, "\n| `"), i++) {
		int len = (int)strcspn(p + 4, "`");

		if (!CHECK_MSG(i < n && (size_t)len == strlen(want[i]) &&
				       !strncmp(p + 4, want[i], len),
			       HTML_DOC ": section %zu of \"%s\" is #%.*s, the "
					"page's is #%s",
			       i + 1, heading, len, p + 4,
			       i < n ? want[i] : "(none)"))
			return;
	}
	CHECK_MSG(i == n, HTML_DOC " lists %zu sections under \"%s\", not %zu",
		  i, heading, n);
}

/* docs/html-report.md lists the sections each page has, in its order. */
TEST(docs_html_report_lists_every_section)
{
	const char *run[32], *family[32];
	char *doc = test_slurp(HTML_DOC);

	if (!CHECK_MSG(doc, "cannot read " HTML_DOC) ||
	    !CHECK(report_sections_nrun <= 32 && report_sections_nfamily <= 32))
		goto out;
	for (size_t i = 0; i < report_sections_nrun; i++)
		run[i] = report_sections_run[i].id;
	for (size_t i = 0; i < report_sections_nfamily; i++)
		family[i] = report_sections_family[i].id;
	check_listed(doc, "## The run page", run, report_sections_nrun);
	check_listed(doc, "## The family page", family,
		     report_sections_nfamily);
out:
	free(doc);
}

/* The man page's text with roff's escapes for hyphens and fonts undone. */
static char *man_text(void)
{
	char *s = test_slurp(MAN_PAGE), *out = s;

	for (const char *in = s; in && *in;) {
		if (in[0] == '\\' && in[1] == '-') {
			*out++ = '-';
			in += 2;
		} else if (in[0] == '\\' && in[1] == 'f' && in[2]) {
			in += 3;
		} else if (in[0] == '\\' && in[1] == '&') {
			in += 2;
		} else {
			*out++ = *in++;
		}
	}
	if (s)
		*out = 0;
	return s;
}

/* Every option word (-o, --tasks) in help, each checked by fn. */
static void each_option(const char *help, const char *cmd,
			void (*fn)(const char *opt, const char *cmd, void *),
			void *arg)
{
	for (const char *p = help; *p; p++) {
		char opt[64];
		size_t n = 0;

		if (*p != '-' || (p > help && !strchr(" [(\n", p[-1])) ||
		    !isalpha((unsigned char)p[p[1] == '-' ? 2 : 1]))
			continue;
		while (n + 1 < sizeof(opt) && name_char(p[n]))
			n++;
		memcpy(opt, p, n);
		opt[n] = 0;
		fn(opt, cmd, arg);
		p += n - 1;
	}
}

static void check_documented(const char *opt, const char *cmd, void *man)
{
	CHECK_MSG(mentions(man, opt),
		  "lab help %s shows %s; " MAN_PAGE " does not document it",
		  cmd, opt);
}

static void note_option(const char *opt, const char *cmd, void *all)
{
	(void)cmd;
	strncat(all, opt, 16384 - strlen(all) - 2);
	strcat(all, " ");
}

TEST(docs_man_page_matches_help)
{
	static char out[16384], every[16384];
	const char *args[] = {"help", NULL};
	char *man = man_text(), *line, *save = NULL, cmds[32][32];
	int ncmds = 0;

	if (!CHECK_MSG(man, "cannot read " MAN_PAGE))
		return;
	/* main's own, before any subcommand */
	snprintf(every, sizeof(every), "--help -h --version -V ");
	if (!CHECK_EQ(lab(out, sizeof(out), args, 1), 0))
		goto out;
	each_option(out, "", check_documented, man);
	each_option(out, "", note_option, every);
	/* "  lab run NAME ...": the subcommands */
	for (line = strtok_r(out, "\n", &save); line && ncmds < 32;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, " lab %31[a-z]", cmds[ncmds]) == 1 &&
		    !strncmp(line, "  lab ", 6))
			ncmds++;
	CHECK_MSG(ncmds >= 5, "lab help listed %d subcommands", ncmds);
	for (int i = 0; i < ncmds; i++) {
		char heading[64];

		snprintf(heading, sizeof(heading), "lab %.31s", cmds[i]);
		CHECK_MSG(strstr(man, heading), MAN_PAGE " lacks %s", heading);
		args[1] = cmds[i];
		if (!CHECK_EQ(lab(out, sizeof(out), args, 2), 0))
			continue;
		each_option(out, cmds[i], check_documented, man);
		each_option(out, cmds[i], note_option, every);
	}
	/* and the page documents no option lab does not have */
	each_option(man, "(the man page)", check_documented, every);
out:
	free(man);
}

TEST(docs_man_page_renders_without_warnings)
{
	char out[8192];
	const char *argv[] = {"/usr/bin/groff", "-man", "-Tutf8", "-ww", "-z",
			      MAN_PAGE,		NULL};

	if (access(argv[0], X_OK))
		SKIP("groff is not installed (apt-get install groff-base)");
	CHECK_MSG(test_run(argv, out, sizeof(out), false) == 0 && !out[0],
		  "groff: %s", out);
}
