/* browser.h - loads pages in headless chromium, each in a tab of its
 * own, driven through the DevTools pipe, and says what a page did: what
 * it reported at error level (console.error, uncaught exceptions, failed
 * loads, refused content), every request besides the page itself, its DOM
 * after its scripts ran, and a screenshot. The tests of the HTML reports
 * build on it.
 *
 * Chromium runs with a fresh profile, in its own process group, behind a
 * proxy that refuses every connection, so nothing a page asks for leaves
 * the machine. A step that gets no answer within its deadline leaves the
 * browser dead; browser_close then kills the whole group. */
#ifndef LAB_TEST_BROWSER_H
#define LAB_TEST_BROWSER_H

#include <stdbool.h>
#include <stddef.h>

struct browser;

/* What the page did from its navigation until the tasks its load queued
 * had run. */
struct browser_log {
	int errors;   /* console errors, exceptions, error-level log entries */
	int requests; /* loads besides the page and data: URLs, sockets,
		       * workers, frames in other processes, pre-connects */
	char text[8192]; /* one line for each, truncated */
};

/* The chromium on PATH, or NULL when it is not installed. */
const char *browser_find(void);
/* Starts chromium; NULL with why in err when it cannot. */
struct browser *browser_start(char *err, size_t errlen);
/* Loads the file at path in a new tab (the previous page's is closed)
 * and waits for its load event and the tasks queued before it; false
 * when it could not (browser_error says why). */
bool browser_load(struct browser *b, const char *path);
/* What the page loaded last did since its navigation. */
const struct browser_log *browser_log(const struct browser *b);
/* The value of a JavaScript expression in the page (awaited when it is a
 * promise) as a string the caller frees, or NULL (browser_error says why). */
char *browser_eval(struct browser *b, const char *expr);
/* The whole page as a PNG file. */
bool browser_screenshot(struct browser *b, const char *png_path);
/* Why the last call on b failed. */
const char *browser_error(const struct browser *b);
/* Closes chromium, kills what is left of its group, removes the profile. */
void browser_close(struct browser *b);

#endif /* LAB_TEST_BROWSER_H */
