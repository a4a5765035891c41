/* memory_json.h - a run's memory (memory.h) as lab-report/1's "memory". */
#ifndef LAB_MEMORY_JSON_H
#define LAB_MEMORY_JSON_H

#include <json-c/json.h>
#include "analyzer/report.h"

/* The "memory" object; NULL when the trace has no memory samples. */
json_object *memory_json(const struct run_report *r);

/* "process", "thread", "event", "coroutine". */
const char *memory_kind_name(enum memory_kind k);

#endif /* LAB_MEMORY_JSON_H */
