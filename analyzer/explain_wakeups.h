/* explain_wakeups.h - the explanation's rules about who woke whom and
 * who took the CPU (explain.c runs them in its table). */
#ifndef LAB_EXPLAIN_WAKEUPS_H
#define LAB_EXPLAIN_WAKEUPS_H

#include "analyzer/compare.h"
#include "analyzer/explain.h"

/* The kernel wakeups between the run's own tasks per operation, and how
 * long a woken task took to run: what a hand-off between tasks costs. */
void explain_rule_wakeups(const struct comparison *c, struct claim *cl,
			  int arg);
/* Futex waits for an event (conditions), where they hold a run up: not
 * lock waits. */
void explain_rule_conditions(const struct comparison *c, struct claim *cl,
			     int arg);
/* Run-queue wait that followed preemptions by other programs, named,
 * where it is a good part of a model's run-queue wait. */
void explain_rule_preemptors(const struct comparison *c, struct claim *cl,
			     int arg);

#endif /* LAB_EXPLAIN_WAKEUPS_H */
