/* explain_rules.h - rules of the explanation (explain.c) that live in
 * files of their own. */
#ifndef LAB_EXPLAIN_RULES_H
#define LAB_EXPLAIN_RULES_H

#include "analyzer/claim.h"

/* What one more task holds in memory in each model, and why. */
void explain_rule_memory(const struct comparison *c, struct claim *cl, int arg);

#endif /* LAB_EXPLAIN_RULES_H */
