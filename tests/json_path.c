/* json_path.c - see json_path.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/json_path.h"

json_object *json_path(json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(key));
		else if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (path[n] == '.');
	}
	return o;
}

uint64_t json_path_u64(json_object *o, const char *path)
{
	return json_object_get_uint64(json_path(o, path));
}

const char *json_path_str(json_object *o, const char *path)
{
	const char *s = json_object_get_string(json_path(o, path));

	return s ? s : "(missing)";
}
