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

#define EXPLAIN_MAX_EVIDENCE 16
#define EXPLAIN_TEXT	     1024

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

struct claim {
	const char *rule; /* the rule that made it */
	char text[EXPLAIN_TEXT];
	struct evidence ev[EXPLAIN_MAX_EVIDENCE];
	size_t nev;
};

struct explanation {
	struct claim *claims; /* in the order the rules run */
	size_t n;
};

/* Runs every rule over a finished comparison. Returns 0, or -1 when out
 * of memory (e is then empty). */
int explain(const struct comparison *c, struct explanation *e);
void explain_free(struct explanation *e);

/* The claim a rule made, or NULL. */
const struct claim *explain_find(const struct explanation *e, const char *rule);

#endif /* LAB_EXPLAIN_H */
