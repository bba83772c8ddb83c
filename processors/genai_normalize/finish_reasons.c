/* gen_ai.response.finish_reasons from wherever each convention keeps finish
 * reasons (processors/genai_normalize.md section 7b). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "genai_normalize/normalize.h"

#define KEY(lit) ((struct gc_str){ (lit), sizeof(lit) - 1 })

static const struct gc_str K_FINISH_REASONS = KEY("gen_ai.response.finish_reasons");

#define MAX_REASONS 16

struct reasons {
	struct gc_str items[MAX_REASONS];
	size_t n, used;
	char pool[1024]; /* copies: JSON sources die before the attribute is set */
};

static void reasons_add(struct reasons *r, const char *p, size_t len)
{
	if (!len || r->n == MAX_REASONS || r->used + len > sizeof(r->pool))
		return;
	memcpy(r->pool + r->used, p, len);
	r->items[r->n++] = (struct gc_str){ r->pool + r->used, len };
	r->used += len;
}

/* A string array, a single string, or a JSON array of strings in a string. */
static void reasons_from_value(struct reasons *r, const struct gc_value *v)
{
	if (v->type == GC_VALUE_ARRAY) {
		for (size_t i = 0; i < gc_value_len(v); i++) {
			struct gc_value item;

			gc_value_at(v, i, NULL, &item);
			if (item.type == GC_VALUE_STRING)
				reasons_add(r, item.str.ptr, item.str.len);
		}
	} else if (v->type == GC_VALUE_STRING && v->str.len && v->str.ptr[0] == '[') {
		json_t *a = gn_json_load(v->str.ptr, v->str.len, 0);
		size_t i;
		json_t *item;

		json_array_foreach(a, i, item)
			if (json_is_string(item))
				reasons_add(r, json_string_value(item), json_string_length(item));
		json_decref(a);
	} else if (v->type == GC_VALUE_STRING) {
		reasons_add(r, v->str.ptr, v->str.len);
	}
}

static bool reasons_from_key(const struct gc_span *sp, const char *key, struct reasons *r)
{
	struct gc_value v;

	if (gc_span_attr(sp, cstr(key), &v))
		reasons_from_value(r, &v);
	return r->n > 0;
}

struct indexed_reason {
	int64_t index;
	struct gc_str reason;
};

static int by_index(const void *a, const void *b)
{
	const struct indexed_reason *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

static void reasons_sorted(struct reasons *r, struct indexed_reason *list, size_t n)
{
	qsort(list, n, sizeof(*list), by_index);
	for (size_t i = 0; i < n; i++)
		reasons_add(r, list[i].reason.ptr, list[i].reason.len);
}

/* OpenLLMetry's gen_ai.completion.<N>.finish_reason, in numeric order. */
static void reasons_from_completions(const struct gc_span *sp, struct reasons *r)
{
	static const char prefix[] = "gen_ai.completion.", suffix[] = ".finish_reason";
	struct indexed_reason list[MAX_REASONS];
	size_t n = 0, count = gc_span_attr_count(sp);

	for (size_t i = 0; i < count && n < MAX_REASONS; i++) {
		struct gc_str key;
		struct gc_value v;
		struct gc_value num = { .type = GC_VALUE_STRING };

		gc_span_attr_at(sp, i, &key, &v);
		if (key.len <= sizeof(prefix) - 1 + sizeof(suffix) - 1 ||
		    memcmp(key.ptr, prefix, sizeof(prefix) - 1) ||
		    memcmp(key.ptr + key.len - (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1) ||
		    v.type != GC_VALUE_STRING || !v.str.len)
			continue;
		num.str = (struct gc_str){ key.ptr + sizeof(prefix) - 1,
					   key.len - (sizeof(prefix) - 1) - (sizeof(suffix) - 1) };
		if (gn_count(&num, &list[n].index))
			list[n++].reason = v.str;
	}
	reasons_sorted(r, list, n);
}

/* Older OTel gen_ai.choice span events, ordered by their index. */
static void reasons_from_choice_events(const struct gc_span *sp, struct reasons *r)
{
	struct indexed_reason list[MAX_REASONS];
	size_t n = 0;

	for (size_t e = 0; e < gc_span_event_count(sp) && n < MAX_REASONS; e++) {
		struct gc_value v, idx;

		if (!is(gc_span_event_name(sp, e), "gen_ai.choice") ||
		    !gc_span_event_attr(sp, e, KEY("finish_reason"), &v) ||
		    v.type != GC_VALUE_STRING || !v.str.len)
			continue;
		if (!gc_span_event_attr(sp, e, KEY("index"), &idx) || !gn_count(&idx, &list[n].index))
			list[n].index = (int64_t)e;
		list[n++].reason = v.str;
	}
	reasons_sorted(r, list, n);
}

/* OpenInference without llm.finish_reason: the raw provider response JSON. */
static void reasons_from_output_value(const struct gc_span *sp, struct reasons *r)
{
	struct gc_str text = str_of(sp, "output.value");
	json_t *root, *list, *item;
	size_t i;

	if (!is(str_of(sp, "output.mime_type"), "application/json") || !text.len ||
	    !(root = gn_json_load(text.ptr, text.len, 0)))
		return;
	json_array_foreach(json_object_get(root, "choices"), i, item) {
		json_t *fr = json_object_get(item, "finish_reason");

		if (json_is_string(fr))
			reasons_add(r, json_string_value(fr), json_string_length(fr));
	}
	if (!r->n && json_is_string(item = json_object_get(root, "stop_reason")))
		reasons_add(r, json_string_value(item), json_string_length(item));
	list = json_object_get(root, "candidates");
	json_array_foreach(r->n ? NULL : list, i, item) {
		json_t *fr = json_object_get(item, "finishReason");

		if (json_is_string(fr))
			reasons_add(r, json_string_value(fr), json_string_length(fr));
	}
	json_decref(root);
}

/* Anthropic returns one generation per call; OpenLLMetry splits it into
 * content blocks that may each carry a reason. */
static bool anthropic_family(const struct gc_span *sp)
{
	struct gc_str p = str_of(sp, "gen_ai.provider.name"),
		      m = str_of(sp, "gen_ai.response.model");

	if (is(p, "anthropic"))
		return true;
	if (!m.len)
		m = str_of(sp, "gen_ai.request.model");
	return (is(p, "aws.bedrock") || is(p, "gcp.vertex_ai")) &&
	       (memmem(m.ptr, m.len, "claude", 6) || memmem(m.ptr, m.len, "anthropic", 9));
}

void gn_map_finish_reasons(struct gc_span *sp, unsigned bits, bool provider_call, bool oi_llm)
{
	struct reasons r;

	struct gc_value present;

	if (gc_span_attr(sp, K_FINISH_REASONS, &present) && present.type != GC_VALUE_EMPTY)
		return;
	r.n = r.used = 0;
	if ((bits & GN_VERCEL) && provider_call) {
		if (!reasons_from_key(sp, "ai.response.finishReason", &r))
			reasons_from_key(sp, "ai.finishReason", &r);
	}
	if (!r.n && (bits & GN_OLL_COMPLETION_REASON)) {
		reasons_from_completions(sp, &r);
		if (r.n > 1 && anthropic_family(sp)) {
			r.items[0] = r.items[r.n - 1];
			r.n = 1;
		}
	}
	if (!r.n && (bits & GN_OPENLLMETRY) &&
	    !reasons_from_key(sp, "llm.response.finish_reason", &r))
		reasons_from_key(sp, "llm.response.stop_reason", &r);
	if (!r.n && oi_llm && !reasons_from_key(sp, "llm.finish_reason", &r))
		reasons_from_output_value(sp, &r);
	if (!r.n && (bits & GN_CHOICE_EVENTS))
		reasons_from_choice_events(sp, &r);
	if (r.n)
		gn_check(gc_span_set_str_array(sp, K_FINISH_REASONS, r.items, r.n));
}
