/* json_path.h - reading a report back in tests: "processes.0.threads.1.tid"
 * walks objects by key and arrays by index. */
#ifndef LAB_TEST_JSON_PATH_H
#define LAB_TEST_JSON_PATH_H

#include <stdint.h>
#include <json-c/json.h>

/* the value at path, or NULL when a step is missing */
json_object *json_path(json_object *o, const char *path);
uint64_t json_path_u64(json_object *o, const char *path);
/* the string at path, or "(missing)" */
const char *json_path_str(json_object *o, const char *path);

#endif /* LAB_TEST_JSON_PATH_H */
