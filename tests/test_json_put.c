/* test_json_put.c - the JSON writers' helpers: members by type, strings
 * made valid UTF-8, a document written whole with no C1 control raw. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/json_put.h"
#include "tests/test.h"

/* The document json_put_document writes for root (which it frees), or
 * NULL. Free it. */
static char *written(json_object *root)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!CHECK(f))
		return NULL;
	CHECK_EQ(json_put_document(f, root), 0);
	fclose(f);
	return buf;
}

TEST(json_put_members_by_type)
{
	json_object *root = json_object_new_object(), *o, *back, *v;
	char *text;

	json_put_str(root, "s", "io-threads");
	json_put_u64(root, "u", UINT64_MAX);
	json_put_i64(root, "i", -5);
	json_put_bool(root, "b", true);
	json_put_null(root, "n");
	o = json_put_object(root, "o");
	json_put_u64(o, "inner", 7);
	text = written(root);
	if (!CHECK(text))
		return;
	/* indented, one member a line, a newline at the end */
	CHECK(strstr(text, "\n  \"s\": \"io-threads\",\n"));
	CHECK(text[strlen(text) - 1] == '\n');
	back = json_tokener_parse(text);
	if (!CHECK_MSG(back, "not JSON: %s", text))
		goto out;
	CHECK(json_object_object_get_ex(back, "u", &v) &&
	      json_object_get_uint64(v) == UINT64_MAX);
	CHECK(json_object_object_get_ex(back, "i", &v) &&
	      json_object_get_int64(v) == -5);
	CHECK(json_object_object_get_ex(back, "b", &v) &&
	      json_object_get_boolean(v));
	CHECK(json_object_object_get_ex(back, "n", &v) && !v);
	CHECK(json_object_object_get_ex(back, "o", &o) &&
	      json_object_object_get_ex(o, "inner", &v) &&
	      json_object_get_uint64(v) == 7);
	json_object_put(back);
out:
	free(text);
}

/* A string from the trace is any bytes: the document stays valid UTF-8
 * and holds nothing that steers a terminal. */
TEST(json_put_strings_are_made_safe)
{
	json_object *root = json_object_new_object();
	char *text;

	/* 0xff is no UTF-8; U+009B (C2 9B) is the C1 CSI, DEL is 0x7f */
	json_put_str(root, "comm",
		     "a\xff"
		     "b\xc2\x9b"
		     "c\x7f"
		     "d");
	text = written(root);
	if (!CHECK(text))
		return;
	CHECK_MSG(strstr(text, "\"a\xef\xbf\xbd"
			       "b\\u009bc\\u007fd\""),
		  "got %s", text);
	CHECK(!strchr(text, 0x7f) && !strstr(text, "\xc2\x9b"));
	free(text);
}

TEST(json_put_document_reports_write_errors)
{
	json_object *root = json_object_new_object();
	FILE *f = fopen("/dev/full", "w");

	if (!f)
		SKIP("no /dev/full");
	json_put_str(root, "s", "x");
	setvbuf(f, NULL, _IONBF, 0);
	CHECK_EQ(json_put_document(f, root), -1);
	fclose(f);
}

TEST(json_put_environment_says_where_the_trace_was_recorded)
{
	struct lab_trace_info info = {.cpu_count = 2};
	json_object *root = json_object_new_object(), *env, *v;

	snprintf(info.kernel, sizeof(info.kernel), "6.18.0");
	snprintf(info.hypervisor, sizeof(info.hypervisor), "KVM");
	env = json_put_environment(root, &info);
	CHECK(json_object_object_get_ex(root, "environment", &v) && v == env);
	CHECK_EQ(json_object_object_length(env), 5);
	CHECK(json_object_object_get_ex(env, "kernel", &v) &&
	      !strcmp(json_object_get_string(v), "6.18.0"));
	CHECK(json_object_object_get_ex(env, "cpu_count", &v) &&
	      json_object_get_uint64(v) == 2);
	CHECK(json_object_object_get_ex(env, "hypervisor", &v) &&
	      !strcmp(json_object_get_string(v), "KVM"));
	/* a trace that did not record the switch costs has no such keys */
	CHECK(!json_object_object_get_ex(env, "tlb_tags", NULL));
	CHECK(!json_object_object_get_ex(env, "page_table_isolation", NULL));
	CHECK(!json_object_object_get_ex(env, "tick_ns", NULL));
	json_object_put(root);
}

TEST(json_put_environment_has_the_switch_costs_recorded)
{
	struct lab_trace_info info = {.cpu_count = 2, .tick_ns = 4000000};
	json_object *root = json_object_new_object(), *env, *v;

	snprintf(info.tlb_tags, sizeof(info.tlb_tags), "pcid invpcid");
	snprintf(info.page_table_isolation, sizeof(info.page_table_isolation),
		 "Mitigation: PTI");
	env = json_put_environment(root, &info);
	CHECK_EQ(json_object_object_length(env), 8);
	CHECK(json_object_object_get_ex(env, "tlb_tags", &v) &&
	      json_object_is_type(v, json_type_string) &&
	      !strcmp(json_object_get_string(v), "pcid invpcid"));
	CHECK(json_object_object_get_ex(env, "page_table_isolation", &v) &&
	      json_object_is_type(v, json_type_string) &&
	      !strcmp(json_object_get_string(v), "Mitigation: PTI"));
	CHECK(json_object_object_get_ex(env, "tick_ns", &v) &&
	      json_object_is_type(v, json_type_int) &&
	      json_object_get_uint64(v) == 4000000);
	json_object_put(root);
}
