/* json_put.h - the JSON writers' vocabulary over json-c: an object's
 * members added by type, and a whole document written out. Strings pass
 * through safe_text first: json-c escapes quotes and controls but lets
 * other bytes through, so a comm that is not UTF-8 would make the whole
 * file invalid. */
#ifndef LAB_JSON_PUT_H
#define LAB_JSON_PUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>
#include "probes/trace_format.h"

void json_put_str(json_object *o, const char *key, const char *s);
void json_put_u64(json_object *o, const char *key, uint64_t v);
void json_put_i64(json_object *o, const char *key, int64_t v);
void json_put_bool(json_object *o, const char *key, bool v);
void json_put_null(json_object *o, const char *key);
/* A new empty object, added to parent as key; returns it. */
json_object *json_put_object(json_object *parent, const char *key);
/* The "environment" object both documents give, where the trace was
 * recorded, added to parent; returns it. */
json_object *json_put_environment(json_object *parent,
				  const struct lab_trace_info *info);
/* "not_measured": the names of the figures the recording kernel could
 * not measure, added to parent; nothing when the trace does not say
 * (older traces report as when recorded). */
void json_put_not_measured(json_object *parent,
			   const struct lab_trace_info *info);

/* Writes root, indented, and a newline, through safe_text_json_write (no DEL
 * or C1 control raw), then frees root. Returns 0, or -1 when writing
 * failed. */
int json_put_document(FILE *f, json_object *root);

#endif /* LAB_JSON_PUT_H */
