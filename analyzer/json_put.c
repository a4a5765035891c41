/* json_put.c - the JSON writers' vocabulary over json-c. */
#include "analyzer/json_put.h"
#include "analyzer/not_measured.h"
#include "analyzer/safe_text.h"

void json_put_str(json_object *o, const char *key, const char *s)
{
	char clean[4096];

	json_object_object_add(
		o, key,
		json_object_new_string(safe_text(clean, sizeof(clean), s, 0)));
}

void json_put_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

void json_put_i64(json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

void json_put_bool(json_object *o, const char *key, bool v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

void json_put_null(json_object *o, const char *key)
{
	json_object_object_add(o, key, NULL);
}

json_object *json_put_object(json_object *parent, const char *key)
{
	json_object *o = json_object_new_object();

	json_object_object_add(parent, key, o);
	return o;
}

json_object *json_put_environment(json_object *parent,
				  const struct lab_trace_info *info)
{
	json_object *o = json_put_object(parent, "environment");

	json_put_str(o, "kernel", info->kernel);
	json_put_str(o, "machine", info->machine);
	json_put_str(o, "cpu_model", info->cpu_model);
	json_put_u64(o, "cpu_count", info->cpu_count);
	json_put_str(o, "hypervisor", info->hypervisor);
	/* only what the trace recorded: lab 0.1's traces have none */
	if (info->tlb_tags[0])
		json_put_str(o, "tlb_tags", info->tlb_tags);
	if (info->page_table_isolation[0])
		json_put_str(o, "page_table_isolation",
			     info->page_table_isolation);
	if (info->tick_ns)
		json_put_u64(o, "tick_ns", info->tick_ns);
	if (info->kernel_stack_bytes)
		json_put_u64(o, "kernel_stack_bytes", info->kernel_stack_bytes);
	if (info->task_struct_bytes)
		json_put_u64(o, "task_struct_bytes", info->task_struct_bytes);
	return o;
}

int json_put_document(FILE *f, json_object *root)
{
	const char *text;
	int err = 0;

	text = json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || safe_text_json_write(f, text) || fputc('\n', f) == EOF)
		err = -1;
	json_object_put(root);
	return err;
}

void json_put_not_measured(json_object *parent,
			   const struct lab_trace_info *info)
{
	json_object *a;

	if (!info->not_measured_known)
		return;
	a = json_object_new_array();
	for (const struct not_measured_figure *f = not_measured_figures; f->bit;
	     f++)
		if (info->not_measured & f->bit)
			json_object_array_add(a,
					      json_object_new_string(f->key));
	json_object_object_add(parent, "not_measured", a);
}
