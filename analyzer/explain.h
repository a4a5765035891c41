/* explain.h - what a family comparison shows, in sentences made by
 * explicit rules. Each rule is one function in explain.c: it looks at the
 * comparison's figures and makes one claim or none. A claim's text is
 * formatted from its evidence, the figures it rests on, so every number
 * in it can be found in the comparison's table and JSON.
 */
#ifndef LAB_EXPLAIN_H
#define LAB_EXPLAIN_H

#include <stddef.h>
#include "analyzer/compare.h"

#define EXPLAIN_MAX_EVIDENCE  16
#define EXPLAIN_MAX_RELATIONS 16
#define EXPLAIN_TEXT	      1024

/* One figure a claim rests on: a comparison metric of a model (its
 * median, and the range over the model's runs), or a figure of the
 * machine (model -1: "cpus"). */
struct evidence {
	const char *metric; /* a cmp_metric_info key, or "cpus" */
	int model;	    /* enum cmp_model, or -1 */
	double value, min, max;
	size_t runs;
	char shown[32]; /* the value as the claim's text shows it */
};

/* What a claim says of two figures, recorded as it is said so that an
 * auditor can check it against the comparison: an order (a above, below
 * or too close to call against b, by the metric's margin), a ratio
 * (a / b) or a share (a's part of b's whole). */
enum relation_kind {
	RELATION_ORDER,
	RELATION_RATIO,
	RELATION_SHARE,
};

struct relation {
	enum relation_kind kind;
	const char *metric_a, *metric_b; /* the two figures' metrics */
	int a, b; /* their models: a against b; a share: a part of b */
	enum cmp_order order; /* an order as claimed */
	double value;	      /* a ratio or share as computed */
	char shown[16];	      /* a ratio or share as the text shows it */
};

struct claim {
	const char *rule; /* the rule that made it */
	char text[EXPLAIN_TEXT];
	struct evidence ev[EXPLAIN_MAX_EVIDENCE];
	size_t nev;
	struct relation rel[EXPLAIN_MAX_RELATIONS];
	size_t nrel;
};

struct explanation {
	struct claim *claims; /* in the order the rules run */
	size_t n;
};

/* Runs every rule over a finished comparison. Returns 0, or -1 when out
 * of memory (e is then empty). */
int explain(const struct comparison *c, struct explanation *e);
void explain_free(struct explanation *e);

/* What a scenario exists to show, and how its explanation judges it
 * (explain_lessons.c). */
struct explain_lesson {
	const char *scenario;
	/* the figure that decides which model measured cheapest; wall
	 * time for a job the models all do in full; CMP_NMETRICS: none,
	 * the lesson is not about cost */
	enum cmp_metric cost;
	const char *per; /* what cost is per: "round trip"; NULL: the job */
	bool cpu_bound;	 /* the job is computation */
	/* it takes no lock: its futex waits hand a token over or wait at
	 * the start gate */
	bool no_lock;
	const char *rule_name; /* "lesson_race" */
	/* states the lesson with its mechanism from the figures, or says
	 * the figures do not show it */
	void (*rule)(const struct comparison *c, struct claim *cl);
};

/* The scenario's lesson, or NULL (not a built-in scenario). */
const struct explain_lesson *explain_lesson(const char *scenario);

/* A rule: makes one claim or none (explain.c's table, and the rules
 * for any program's runs in explain_free.c). */
struct explain_rule {
	const char *rule; /* its name, as the claims carry it */
	void (*fn)(const struct comparison *c, struct claim *cl, int arg);
	int arg;
};

/* Commands compared (c->commands): the order-free rules, which alone
 * speak for free names; for models' names the family's rules speak and
 * these add CPUs kept busy and off-CPU by reason. */
extern const struct explain_rule explain_free_rules[];
extern const size_t explain_free_nrules;

/* The claim a rule made, or NULL. */
const struct claim *explain_find(const struct explanation *e, const char *rule);

#endif /* LAB_EXPLAIN_H */
