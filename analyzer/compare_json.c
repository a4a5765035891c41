/* compare_json.c - the family JSON, schema "lab-comparison/1"
 * (docs/report-schema.md). Only renders a comparison and its
 * explanation. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "analyzer/compare.h"
#include "analyzer/explain.h"
#include "analyzer/json_put.h"

#define SCHEMA "lab-comparison/1"

/* Durations, counts and memory are integers, as in lab-report/1; a
 * figure per task or a CPU count may have a fraction. */
static json_object *number(double v, enum cmp_unit unit)
{
	if (unit == CMP_UNIT_AVG || unit == CMP_UNIT_RATIO)
		return json_object_new_double(round(v * 1000) / 1000);
	/* a share: 0.06% of the takes is 0.0006 */
	if (unit == CMP_UNIT_SHARE)
		return json_object_new_double(round(v * 1e6) / 1e6);
	return json_object_new_uint64(v > 0 ? (uint64_t)llround(v) : 0);
}

static json_object *stat_json(const struct cmp_stat *s, enum cmp_unit unit)
{
	json_object *o;

	if (!s)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "median", number(s->median, unit));
	json_object_object_add(o, "min", number(s->min, unit));
	json_object_object_add(o, "max", number(s->max, unit));
	json_put_u64(o, "runs", s->n);
	return o;
}

static json_object *model_json(const struct comparison *c, int m)
{
	const struct cmp_model_runs *mr = &c->model[m];
	json_object *o = json_object_new_object();
	json_object *metrics = json_object_new_object();

	json_put_str(o, "model", compare_name(c, m));
	json_put_str(o, "workload", mr->workload);
	json_put_u64(o, "runs", mr->runs);
	json_put_u64(o, "excluded_runs", mr->excluded);
	for (int k = 0; k < CMP_NMETRICS; k++) {
		const struct cmp_metric_info *mi = compare_metric(k);

		json_object_object_add(
			metrics, mi->key,
			stat_json(compare_stat(c, m, k), mi->unit));
	}
	json_object_object_add(o, "metrics", metrics);
	return o;
}

/* the unit a piece of evidence is in: its metric's, else a count */
static enum cmp_unit unit_of(const char *key)
{
	for (int k = 0; k < CMP_NMETRICS; k++)
		if (!strcmp(compare_metric(k)->key, key))
			return compare_metric(k)->unit;
	return CMP_UNIT_COUNT;
}

static json_object *relation_json(const struct comparison *c,
				  const struct relation *r)
{
	static const char *const kinds[] = {"order", "ratio", "share"};
	static const char *const orders[] = {"unknown", "close", "below",
					     "above"};
	json_object *o = json_object_new_object();

	json_put_str(o, "kind", kinds[r->kind]);
	json_put_str(o, "metric_a", r->metric_a);
	json_put_str(o, "model_a", compare_name(c, r->a));
	json_put_str(o, "metric_b", r->metric_b);
	json_put_str(o, "model_b", compare_name(c, r->b));
	if (r->kind == RELATION_ORDER) {
		json_put_str(o, "order", orders[r->order]);
	} else {
		json_object_object_add(
			o, "value",
			json_object_new_double(round(r->value * 1000) / 1000));
		json_put_str(o, "shown", r->shown);
	}
	return o;
}

static json_object *claim_json(const struct comparison *c,
			       const struct claim *cl)
{
	json_object *o = json_object_new_object();
	json_object *ev = json_object_new_array();

	json_put_str(o, "rule", cl->rule);
	json_put_str(o, "claim", cl->text);
	for (size_t i = 0; i < cl->nev; i++) {
		const struct evidence *e = &cl->ev[i];
		enum cmp_unit unit = unit_of(e->metric);
		json_object *x = json_object_new_object();

		json_put_str(x, "metric", e->metric);
		if (e->model >= 0)
			json_put_str(x, "model", compare_name(c, e->model));
		else
			json_put_null(x, "model");
		json_object_object_add(x, "value", number(e->value, unit));
		json_object_object_add(x, "min", number(e->min, unit));
		json_object_object_add(x, "max", number(e->max, unit));
		json_put_u64(x, "runs", e->runs);
		json_object_array_add(ev, x);
	}
	json_object_object_add(o, "evidence", ev);
	ev = json_object_new_array();
	for (size_t i = 0; i < cl->nrel; i++)
		json_object_array_add(ev, relation_json(c, &cl->rel[i]));
	json_object_object_add(o, "relations", ev);
	return o;
}

static json_object *comparison_json(const struct comparison *c,
				    const struct explanation *e)
{
	json_object *root = json_object_new_object();
	json_object *o, *by, *models, *claims;

	json_put_str(root, "schema", SCHEMA);
	json_put_str(root, "lab_version", c->info.lab_version);
	json_put_str(root, "scenario", c->scenario);
	json_put_str(root, "params", c->params);

	o = json_put_environment(root, &c->info);
	json_put_u64(o, "cpus", c->cpus);
	json_put_not_measured(root, &c->info);

	json_put_u64(root, "repeats", compare_repeats(c));
	o = json_put_object(root, "margin");
	json_object_object_add(o, "single_run",
			       json_object_new_double(CMP_MARGIN_SINGLE));
	by = json_put_object(o, "single_run_by_metric");
	for (int k = 0; k < CMP_NMETRICS; k++)
		json_object_object_add(
			by, compare_metric(k)->key,
			json_object_new_double(compare_margin(k)));
	json_object_object_add(o, "repeated",
			       json_object_new_double(CMP_MARGIN_REPEAT));
	json_put_str(o, "used",
		     compare_has_spread(c) ? "repeated" : "single_run");

	o = json_put_object(root, "comparison");
	models = json_object_new_array();
	for (int m = 0; m < CMP_NMODELS; m++)
		if (compare_shown(c, m))
			json_object_array_add(models, model_json(c, m));
	json_object_object_add(o, "models", models);

	claims = json_object_new_array();
	for (size_t i = 0; e && i < e->n; i++)
		json_object_array_add(claims, claim_json(c, &e->claims[i]));
	json_object_object_add(root, "explanation", claims);
	return root;
}

int compare_write_json(FILE *f, const struct comparison *c,
		       const struct explanation *e)
{
	return json_put_document(f, comparison_json(c, e));
}
