/* wakeups_json.h - who woke whom and who took the CPU, in report.json
 * (docs/report-schema.md): each thread's woken_by and preempted_by, the
 * run's wakeup_graph. */
#ifndef LAB_WAKEUPS_JSON_H
#define LAB_WAKEUPS_JSON_H

#include <json-c/json.h>
#include "analyzer/report.h"

/* Adds woken_by and preempted_by of thread t to o. */
void wakeups_json_thread(json_object *o, const struct thread_report *t);
/* The run's wakeup graph. */
json_object *wakeups_json_graph(const struct run_report *r);

#endif /* LAB_WAKEUPS_JSON_H */
