/* claim.h - making one claim of an explanation (explain.h): its text,
 * every figure it cites recorded as evidence, and every order, ratio and
 * share it states recorded as a relation, so the text can be audited
 * against the comparison. The rules (explain.c, explain_lessons.c) make
 * claims only through these. */
#ifndef LAB_CLAIM_H
#define LAB_CLAIM_H

#include <stdbool.h>
#include <stddef.h>
#include "analyzer/compare.h"
#include "analyzer/explain.h"

/* processes, threads, events, coroutines: the concurrent models, in
 * the expected order of cost */
#define CLAIM_NCONCURRENT 4
extern const enum cmp_model claim_concurrent[CLAIM_NCONCURRENT];

/* A model's place in the expected order of cost, 0 for the costliest
 * (processes); a model expected to cost less has a higher rank. Events
 * and coroutines share theirs: both leave the waiting to one thread's
 * epoll, and the course text expects them to differ by a user-space
 * switch, nanoseconds, so neither order between them is against
 * expectation. */
int claim_expected_rank(enum cmp_model m);

/* Appends to the claim's text; a text that does not fit is cut. */
void claim_say(struct claim *cl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A model's figure (its median over the runs), recorded as evidence;
 * returns it as the text shows it. */
const char *claim_fig(struct claim *cl, const struct comparison *c,
		      enum cmp_metric m, enum cmp_model model);
/* The CPUs the tasks could use. */
const char *claim_cpus(struct claim *cl, const struct comparison *c);
/* The scheduler tick of the recording machine (environment.tick_ns). */
const char *claim_tick(struct claim *cl, const struct comparison *c);
/* A figure of a model that is not a metric (runs left out). */
const char *claim_value(struct claim *cl, const char *key, enum cmp_model model,
			double v);

/* How a compares with b on m (compare_order), recorded as what the
 * claim states. */
enum cmp_order claim_order(struct claim *cl, const struct comparison *c,
			   enum cmp_metric m, enum cmp_model a,
			   enum cmp_model b);
/* Appends " (1.8×)": a's median over b's, recorded. */
void claim_ratio(struct claim *cl, const struct comparison *c,
		 enum cmp_metric m, enum cmp_model a, enum cmp_model b);
/* The same for two figures of other metrics: " (4.1×)", ma of a over mb
 * of b. */
void claim_ratio_of(struct claim *cl, const struct comparison *c,
		    enum cmp_metric ma, enum cmp_model a, enum cmp_metric mb,
		    enum cmp_model b);
/* "46%": the part (metric part of model a) of the whole (metric whole
 * of model b), recorded. A sum over threads is never a share of a wall
 * time: the auditor refuses it. */
const char *claim_share(struct claim *cl, const struct comparison *c,
			enum cmp_metric part, enum cmp_model a,
			enum cmp_metric whole, enum cmp_model b);
/* The models ms ranked on m, highest first, every pair judged: ">"
 * between groups apart from each other beyond the margin, "≈" within a
 * group too close to call; a pair apart inside a group is named. Returns
 * whether some pair apart is against the expected order. */
bool claim_ranking(struct claim *cl, const struct comparison *c,
		   enum cmp_metric m, const enum cmp_model *ms, size_t n);
/* The same judgement in words, for a sentence that has shown the
 * figures already: "processes cost more than threads (7.6×), threads
 * more than coroutines (30×)"; a pair apart across a pair too close to
 * call is named too, and every pair against the expected order says
 * so. */
void claim_costs(struct claim *cl, const struct comparison *c,
		 enum cmp_metric m, const enum cmp_model *ms, size_t n);
/* Why an order is not called, with the margin of m. */
void claim_margin(struct claim *cl, const struct comparison *c,
		  enum cmp_metric m);

/* ---- reading the comparison ---- */

double claim_med(const struct comparison *c, enum cmp_model model,
		 enum cmp_metric m);
bool claim_has(const struct comparison *c, enum cmp_model model,
	       enum cmp_metric m);
/* The concurrent models with metric m, in the expected order. */
size_t claim_present(const struct comparison *c, enum cmp_metric m,
		     enum cmp_model *out);
/* ms sorted by their median of m, lowest first; ties keep their order. */
void claim_sort_up(const struct comparison *c, enum cmp_metric m,
		   enum cmp_model *ms, size_t n);
/* "processes"; capitalised into buf: "Processes". */
const char *claim_name(enum cmp_model m);
const char *claim_capital(char *buf, size_t len, const char *s);

#endif /* LAB_CLAIM_H */
