/* browser.c - one page in headless chromium through the DevTools protocol
 * (see browser.h). With --remote-debugging-pipe chromium reads commands on
 * fd 3 and writes answers and events on fd 4, each a JSON object ended by
 * a NUL byte; both fds here are one end of a socket pair.
 *
 * Chromium's own log is no use for this: it prints every console message
 * of a page at INFO whatever its level, and the browser itself connects to
 * update and account servers even with background networking off, so a
 * proxy cannot tell the page's requests from the browser's. The protocol
 * reports both per page, requests to file: URLs included. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <json-c/json.h>
#include "tests/browser.h"
#include "tests/json_path.h"

#define STEP_MS	 20000 /* start, load, evaluate or capture */
#define CLOSE_MS 5000
/* a screenshot taller than this is cut (chromium's texture limit) */
#define MAX_SHOT_HEIGHT 16000

struct browser {
	pid_t pid;  /* chromium, the leader of its own process group */
	int fd;	    /* our end of the DevTools pipe */
	int sink;   /* the proxy's port: bound, never listening */
	int msg_id; /* of the last command sent */
	bool dead;  /* stopped answering: only killing it is left */
	char profile[64];
	char target[64];  /* the page's tab */
	char session[64]; /* its DevTools session */
	bool logging;	  /* the page's events go into log */
	bool navigated;	  /* its own document was requested */
	char *buf;	  /* bytes read, not yet a whole message */
	size_t len, cap;
	struct browser_log log;
	char err[1024];
};

static const char *const chromium_flags[] = {
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--window-size=1280,2000",
	"--remote-debugging-pipe",
	/* loopback goes through the proxy too */
	"--proxy-bypass-list=<-loopback>",
};
#define NFLAGS (sizeof(chromium_flags) / sizeof(chromium_flags[0]))

static void fail(struct browser *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(struct browser *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, sizeof(b->err), fmt, ap);
	va_end(ap);
}

static void note(struct browser *b, int *count, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(struct browser *b, int *count, const char *fmt, ...)
{
	size_t used = strlen(b->log.text), room = sizeof(b->log.text) - used;
	va_list ap;
	int n;

	(*count)++;
	n = snprintf(b->log.text + used, room,
		     "%s: ", count == &b->log.errors ? "error" : "request");
	if (n < 0 || (size_t)n >= room)
		return;
	used += n;
	room -= n;
	va_start(ap, fmt);
	n = vsnprintf(b->log.text + used, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n + 1 < room) {
		b->log.text[used + n] = '\n';
		b->log.text[used + n + 1] = 0;
	}
}

static const char *str(json_object *o, const char *path)
{
	json_object *v = json_path(o, path);

	return v ? json_object_get_string(v) : "";
}

const char *browser_find(void)
{
	static char found[PATH_MAX];
	const char *path = getenv("PATH");

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(found, sizeof(found), "%.*s/chromium", (int)n, path);
		if (n && access(found, X_OK) == 0)
			return found;
		path += n + (path[n] == ':');
	}
	return NULL;
}

static long ms_until(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 +
	       (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

static struct timespec deadline_in(long ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

/* Sends a command, in the page's session when session is set; takes
 * params. Returns its id, or -1. */
static int send_command(struct browser *b, const char *method,
			json_object *params, bool session)
{
	json_object *m = json_object_new_object();
	const char *text;
	size_t len, done = 0;
	int id = ++b->msg_id;

	json_object_object_add(m, "id", json_object_new_int(id));
	json_object_object_add(m, "method", json_object_new_string(method));
	json_object_object_add(m, "params",
			       params ? params : json_object_new_object());
	if (session)
		json_object_object_add(m, "sessionId",
				       json_object_new_string(b->session));
	text = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN);
	len = strlen(text) + 1; /* the NUL ends the message */
	while (done < len) {
		ssize_t n = send(b->fd, text + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail(b, "%s: chromium closed its pipe", method);
			b->dead = true;
			id = -1;
			break;
		}
		done += n;
	}
	json_object_put(m);
	return id;
}

/* The next message from chromium, or NULL (why in b->err). */
static json_object *next_message(struct browser *b,
				 const struct timespec *deadline)
{
	for (;;) {
		char *end = b->len ? memchr(b->buf, 0, b->len) : NULL;

		if (end) {
			json_object *m = json_tokener_parse(b->buf);
			size_t used = end + 1 - b->buf;

			memmove(b->buf, end + 1, b->len - used);
			b->len -= used;
			if (m)
				return m;
			fail(b, "chromium sent a message that is not JSON");
			return NULL;
		}
		if (b->cap - b->len < 65536) {
			size_t cap = b->cap ? 2 * b->cap : 1 << 20;
			char *grown = realloc(b->buf, cap);

			if (!grown) {
				fail(b, "out of memory");
				return NULL;
			}
			b->buf = grown;
			b->cap = cap;
		}
		long left = ms_until(deadline);
		struct pollfd p = {.fd = b->fd, .events = POLLIN};
		int ready = left > 0 ? poll(&p, 1, (int)left) : 0;

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0) {
			fail(b, "chromium did not answer within %d s",
			     STEP_MS / 1000);
			b->dead = true;
			return NULL;
		}
		ssize_t n = read(b->fd, b->buf + b->len, b->cap - b->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail(b, "chromium exited");
			b->dead = true;
			return NULL;
		}
		b->len += n;
	}
}

static void on_request(struct browser *b, json_object *params)
{
	const char *url = str(params, "request.url");

	/* the navigation to the page itself: its own loader */
	if (!b->navigated && !strcmp(str(params, "type"), "Document") &&
	    !strcmp(str(params, "requestId"), str(params, "loaderId"))) {
		b->navigated = true;
		return;
	}
	if (!strncmp(url, "data:", 5))
		return;
	note(b, &b->log.requests, "%s", url);
}

static void on_event(struct browser *b, json_object *m)
{
	const char *method = str(m, "method");
	json_object *p = json_path(m, "params");

	if (!b->logging || strcmp(str(m, "sessionId"), b->session))
		return;
	if (!strcmp(method, "Runtime.consoleAPICalled")) {
		const char *type = str(p, "type");

		if (!strcmp(type, "error") || !strcmp(type, "assert"))
			note(b, &b->log.errors, "console.%s: %s", type,
			     json_path(p, "args.0.value")
				     ? str(p, "args.0.value")
				     : str(p, "args.0.description"));
	} else if (!strcmp(method, "Runtime.exceptionThrown")) {
		json_object *d = json_path(p, "exceptionDetails");

		note(b, &b->log.errors, "%s: %s", str(d, "text"),
		     str(d, "exception.description"));
	} else if (!strcmp(method, "Log.entryAdded")) {
		if (!strcmp(str(p, "entry.level"), "error"))
			note(b, &b->log.errors, "%s: %s %s",
			     str(p, "entry.source"), str(p, "entry.text"),
			     str(p, "entry.url"));
	} else if (!strcmp(method, "Network.requestWillBeSent")) {
		on_request(b, p);
	} else if (!strcmp(method, "Network.webSocketCreated")) {
		note(b, &b->log.requests, "websocket %s", str(p, "url"));
	} else if (!strcmp(method, "Target.attachedToTarget")) {
		/* a worker, or a frame chromium put in another process */
		note(b, &b->log.requests, "%s %s", str(p, "targetInfo.type"),
		     str(p, "targetInfo.url"));
	} else if (!strcmp(method, "Inspector.targetCrashed")) {
		note(b, &b->log.errors, "the page crashed");
	}
}

/* Runs a command and returns its result (the caller puts it), or NULL
 * with why in b->err. */
static json_object *call(struct browser *b, const char *method,
			 json_object *params, bool session)
{
	struct timespec deadline = deadline_in(STEP_MS);
	int id;

	if (b->dead) {
		json_object_put(params);
		return NULL; /* b->err still says why */
	}
	id = send_command(b, method, params, session);

	while (id >= 0) {
		json_object *m = next_message(b, &deadline), *result;

		if (!m)
			return NULL;
		if (!json_path(m, "id")) {
			on_event(b, m);
			json_object_put(m);
			continue;
		}
		if (json_object_get_int(json_path(m, "id")) != id) {
			json_object_put(m);
			continue;
		}
		result = json_object_get(json_path(m, "result"));
		if (!result)
			fail(b, "%s: %s", method, str(m, "error.message"));
		json_object_put(m);
		return result;
	}
	return NULL;
}

static bool call_ok(struct browser *b, const char *method, json_object *params,
		    bool session)
{
	json_object *r = call(b, method, params, session);

	json_object_put(r);
	return r != NULL;
}

static bool wait_for_event(struct browser *b, const char *method)
{
	struct timespec deadline = deadline_in(STEP_MS);

	for (;;) {
		json_object *m = next_message(b, &deadline);
		bool found;

		if (!m)
			return false;
		on_event(b, m);
		found = !strcmp(str(m, "method"), method) &&
			!strcmp(str(m, "sessionId"), b->session);
		json_object_put(m);
		if (found)
			return true;
	}
}

/* A TCP port on loopback that refuses every connection: bound, so no one
 * else gets it, and never listening. */
static int refusing_port(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static bool start(struct browser *b, const char *exe)
{
	char profile_flag[96], proxy_flag[64], log_path[96];
	const char *argv[NFLAGS + 5];
	int pair[2], child_end, port, n = 0;

	b->sink = refusing_port(&port);
	if (b->sink < 0 || !mkdtemp(b->profile)) {
		fail(b, "cannot make a profile and a proxy port: %s",
		     strerror(errno));
		return false;
	}
	snprintf(profile_flag, sizeof(profile_flag), "--user-data-dir=%s",
		 b->profile);
	snprintf(proxy_flag, sizeof(proxy_flag), "--proxy-server=127.0.0.1:%d",
		 port);
	snprintf(log_path, sizeof(log_path), "%s/chromium.log", b->profile);
	argv[n++] = exe;
	for (size_t i = 0; i < NFLAGS; i++)
		argv[n++] = chromium_flags[i];
	argv[n++] = profile_flag;
	argv[n++] = proxy_flag;
	argv[n++] = "about:blank";
	argv[n] = NULL;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair)) {
		fail(b, "socketpair: %s", strerror(errno));
		return false;
	}
	/* above 4, so that placing it on fds 3 and 4 cannot clobber it */
	child_end = fcntl(pair[1], F_DUPFD_CLOEXEC, 10);
	close(pair[1]);
	b->fd = pair[0];
	b->pid = child_end < 0 ? -1 : fork();
	if (b->pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int log = open(log_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		setpgid(0, 0);
		if (null < 0 || log < 0 || dup2(null, 0) < 0 ||
		    dup2(log, 1) < 0 || dup2(log, 2) < 0 ||
		    dup2(child_end, 3) < 0 || dup2(child_end, 4) < 0)
			_exit(127);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	if (child_end >= 0)
		close(child_end);
	if (b->pid < 0) {
		fail(b, "cannot start %s: %s", exe, strerror(errno));
		return false;
	}
	setpgid(b->pid, b->pid); /* either side may get there first */
	return true;
}

/* file:// URL of path, percent-encoded. */
static bool file_url(const char *path, char *url, size_t len)
{
	char abs[PATH_MAX];
	size_t used = snprintf(url, len, "file://");

	if (!realpath(path, abs))
		return false;
	for (const unsigned char *s = (const unsigned char *)abs; *s; s++) {
		if (used + 4 > len)
			return false;
		if (isalnum(*s) || strchr("-._~/", *s))
			url[used++] = *s;
		else
			used += snprintf(url + used, 4, "%%%02X", *s);
	}
	url[used] = 0;
	return true;
}

/* Opens a tab, sized as the window, and subscribes to what it does; the
 * previous page's tab is closed, and its late events, from another
 * session, are not counted. */
static bool open_page(struct browser *b)
{
	json_object *p, *r;

	if (b->target[0]) {
		p = json_object_new_object();
		json_object_object_add(p, "targetId",
				       json_object_new_string(b->target));
		if (!call_ok(b, "Target.closeTarget", p, false))
			return false;
	}
	b->logging = b->navigated = false;
	b->target[0] = b->session[0] = 0;
	memset(&b->log, 0, sizeof(b->log));
	p = json_object_new_object();
	json_object_object_add(p, "url", json_object_new_string("about:blank"));
	r = call(b, "Target.createTarget", p, false);
	if (!r)
		return false;
	snprintf(b->target, sizeof(b->target), "%s", str(r, "targetId"));
	json_object_put(r);
	p = json_object_new_object();
	json_object_object_add(p, "targetId",
			       json_object_new_string(b->target));
	json_object_object_add(p, "flatten", json_object_new_boolean(1));
	r = call(b, "Target.attachToTarget", p, false);
	if (!r)
		return false;
	snprintf(b->session, sizeof(b->session), "%s", str(r, "sessionId"));
	json_object_put(r);

	p = json_object_new_object();
	json_object_object_add(p, "width", json_object_new_int(1280));
	json_object_object_add(p, "height", json_object_new_int(2000));
	json_object_object_add(p, "deviceScaleFactor", json_object_new_int(1));
	json_object_object_add(p, "mobile", json_object_new_boolean(0));
	if (!call_ok(b, "Emulation.setDeviceMetricsOverride", p, true))
		return false;
	static const char *const domains[] = {"Runtime.enable", "Log.enable",
					      "Network.enable", "Page.enable"};
	for (size_t i = 0; i < sizeof(domains) / sizeof(domains[0]); i++)
		if (!call_ok(b, domains[i], NULL, true))
			return false;
	p = json_object_new_object();
	json_object_object_add(p, "autoAttach", json_object_new_boolean(1));
	json_object_object_add(p, "waitForDebuggerOnStart",
			       json_object_new_boolean(0));
	json_object_object_add(p, "flatten", json_object_new_boolean(1));
	return call_ok(b, "Target.setAutoAttach", p, true);
}

/* Hints that open connections without a request to show for it. */
#define SETTLE_EXPR                                                            \
	"new Promise(done => setTimeout(() => done(Array.from("                \
	"document.querySelectorAll('link[rel~=preconnect i], "                 \
	"link[rel~=dns-prefetch i]'), l => l.href).join(' ')), 0))"

/* Navigates, waits for the load event, then for the tasks queued before
 * it (an unhandled rejection is reported by one). */
static bool navigate(struct browser *b, const char *url)
{
	json_object *p = json_object_new_object(), *r;
	char *hints;

	json_object_object_add(p, "url", json_object_new_string(url));
	b->logging = true;
	r = call(b, "Page.navigate", p, true);
	if (!r)
		return false;
	if (*str(r, "errorText")) {
		fail(b, "cannot load %s: %s", url, str(r, "errorText"));
		json_object_put(r);
		return false;
	}
	json_object_put(r);
	if (!wait_for_event(b, "Page.loadEventFired"))
		return false;
	hints = browser_eval(b, SETTLE_EXPR);
	if (!hints)
		return false;
	if (*hints)
		note(b, &b->log.requests, "pre-connect %s", hints);
	free(hints);
	return true;
}

/* The last line chromium wrote to its log, to say why it stopped. */
static void add_log_tail(struct browser *b)
{
	char path[96], tail[512] = "", *last;
	size_t used = strlen(b->err);
	long keep = sizeof(tail) - 1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/chromium.log", b->profile);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fseek(f, -keep, SEEK_END))
		rewind(f); /* shorter than that */
	tail[fread(tail, 1, keep, f)] = 0;
	fclose(f);
	while ((last = strrchr(tail, '\n')) && !last[1])
		*last = 0;
	last = strrchr(tail, '\n');
	snprintf(b->err + used, sizeof(b->err) - used, " (chromium: %s)",
		 last ? last + 1 : tail);
}

struct browser *browser_start(char *err, size_t errlen)
{
	struct browser *b = calloc(1, sizeof(*b));
	const char *exe = browser_find();

	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->fd = b->sink = b->pid = -1;
	snprintf(b->profile, sizeof(b->profile), "/tmp/lab-browser-XXXXXX");
	if (!exe)
		fail(b, "chromium is not installed (run: make deps)");
	else if (start(b, exe))
		return b;
	snprintf(err, errlen, "%s", b->err);
	browser_close(b);
	return NULL;
}

bool browser_load(struct browser *b, const char *path)
{
	char url[PATH_MAX * 3 + 8];

	if (!file_url(path, url, sizeof(url))) {
		fail(b, "cannot load %s: %s", path, strerror(errno));
		return false;
	}
	if (open_page(b) && navigate(b, url))
		return true;
	if (b->dead)
		add_log_tail(b);
	return false;
}

const struct browser_log *browser_log(const struct browser *b)
{
	return &b->log;
}

char *browser_eval(struct browser *b, const char *expr)
{
	json_object *p = json_object_new_object(), *r, *v;
	char *s = NULL;

	json_object_object_add(p, "expression", json_object_new_string(expr));
	json_object_object_add(p, "returnByValue", json_object_new_boolean(1));
	json_object_object_add(p, "awaitPromise", json_object_new_boolean(1));
	r = call(b, "Runtime.evaluate", p, true);
	if (!r)
		return NULL;
	v = json_path(r, "result.value");
	if (json_path(r, "exceptionDetails"))
		fail(b, "%s: %s", expr,
		     str(r, "exceptionDetails.exception.description"));
	else if (json_object_is_type(v, json_type_string))
		s = strdup(json_object_get_string(v));
	else
		s = strdup(v ? json_object_to_json_string(v)
			     : str(r, "result.type"));
	json_object_put(r);
	return s;
}

static int b64_value(int c)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *at = c ? strchr(digits, c) : NULL;

	return at ? (int)(at - digits) : -1;
}

/* Decodes base64 text into out (room for 3/4 of its length); returns the
 * bytes written, or -1 on a character outside the alphabet. */
static long b64_decode(const char *text, unsigned char *out)
{
	unsigned long bits = 0;
	long n = 0;
	int nbits = 0;

	for (; *text && *text != '='; text++) {
		int v = b64_value(*text);

		if (v < 0)
			return -1;
		bits = (bits << 6) | (unsigned long)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[n++] = (unsigned char)(bits >> nbits);
		}
	}
	return n;
}

bool browser_screenshot(struct browser *b, const char *png_path)
{
	json_object *r = call(b, "Page.getLayoutMetrics", NULL, true), *p,
		    *clip;
	double width, height;
	const char *data;
	unsigned char *png;
	long n;
	FILE *f;

	if (!r)
		return false;
	width = json_object_get_double(json_path(r, "cssContentSize.width"));
	height = json_object_get_double(json_path(r, "cssContentSize.height"));
	json_object_put(r);
	clip = json_object_new_object();
	json_object_object_add(clip, "x", json_object_new_int(0));
	json_object_object_add(clip, "y", json_object_new_int(0));
	json_object_object_add(clip, "width", json_object_new_double(width));
	json_object_object_add(
		clip, "height",
		json_object_new_double(
			height < MAX_SHOT_HEIGHT ? height : MAX_SHOT_HEIGHT));
	json_object_object_add(clip, "scale", json_object_new_int(1));
	p = json_object_new_object();
	json_object_object_add(p, "format", json_object_new_string("png"));
	json_object_object_add(p, "captureBeyondViewport",
			       json_object_new_boolean(1));
	json_object_object_add(p, "clip", clip);
	r = call(b, "Page.captureScreenshot", p, true);
	if (!r)
		return false;
	data = str(r, "data");
	png = malloc(strlen(data) / 4 * 3 + 3);
	n = png ? b64_decode(data, png) : -1;
	json_object_put(r);
	f = n > 0 ? fopen(png_path, "w") : NULL;
	if (!f || fwrite(png, 1, n, f) != (size_t)n || fclose(f)) {
		fail(b, "cannot write the screenshot to %s", png_path);
		free(png);
		return false;
	}
	free(png);
	return true;
}

const char *browser_error(const struct browser *b)
{
	return b->err;
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	remove(path);
	return 0;
}

/* Waits for chromium itself to exit, leaving it unreaped so that its
 * process group id stays its own until the group is killed. */
static void wait_for_exit(pid_t pid, long ms)
{
	struct timespec deadline = deadline_in(ms);
	siginfo_t info;

	do {
		info.si_pid = 0;
		if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) ||
		    info.si_pid == pid)
			return;
		usleep(10000);
	} while (ms_until(&deadline) > 0);
}

void browser_close(struct browser *b)
{
	if (!b)
		return;
	if (b->pid > 0) {
		if (!b->dead &&
		    send_command(b, "Browser.close", NULL, false) > 0)
			wait_for_exit(b->pid, CLOSE_MS);
		kill(-b->pid, SIGKILL); /* its helpers, or all of it if stuck */
		waitpid(b->pid, NULL, 0);
	}
	if (b->fd >= 0)
		close(b->fd);
	if (b->sink >= 0)
		close(b->sink);
	if (!strstr(b->profile, "XXXXXX"))
		nftw(b->profile, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(b->buf);
	free(b);
}
