/* The span API: reads what was decoded, and what it changes survives encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "span.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue key_value;
typedef Opentelemetry__Proto__Common__V1__AnyValue any_value;
typedef Opentelemetry__Proto__Trace__V1__Span span_msg;

static key_value *kv_str(const char *key, const char *value)
{
	key_value *kv = calloc(1, sizeof(*kv));
	any_value *v = calloc(1, sizeof(*v));

	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(v);
	kv->key.data = (uint8_t *)key;
	kv->key.len = strlen(key);
	v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	v->string_value.data = (uint8_t *)value;
	v->string_value.len = strlen(value);
	kv->value = v;
	return kv;
}

static key_value *kv_int(const char *key, int64_t value)
{
	key_value *kv = kv_str(key, "");

	kv->value->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
	kv->value->int_value = value;
	return kv;
}

/* Two resources; the first has two spans, the second one span with an event.
 * Returns the packed request (heap). */
static uint8_t *build_request(size_t *len)
{
	static uint8_t trace_id[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	static uint8_t span_ids[3][8] = { { 1 }, { 2 }, { 3 } };
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest req =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
	Opentelemetry__Proto__Trace__V1__ResourceSpans rs[2], *rsp[2] = { &rs[0], &rs[1] };
	Opentelemetry__Proto__Resource__V1__Resource res[2];
	Opentelemetry__Proto__Trace__V1__ScopeSpans ss[2], *ssp[2] = { &ss[0], &ss[1] };
	span_msg spans[3], *first[2] = { &spans[0], &spans[1] }, *second[1] = { &spans[2] };
	Opentelemetry__Proto__Trace__V1__Span__Event ev, *evp[1] = { &ev };
	key_value *res_attrs[2][1] = { { kv_str("service.name", "chat-api") },
				       { kv_str("service.name", "embedder") } };
	key_value *attrs0[3] = { kv_str("gen_ai.system", "openai"), kv_int("llm.usage.total_tokens", 42),
				 kv_str("gen_ai.request.model", "gpt-4o") };
	key_value *attrs1[1] = { kv_str("http.route", "/v1/chat") };
	key_value *ev_attrs[1] = { kv_str("gen_ai.prompt", "hello") };
	uint8_t *buf;

	opentelemetry__proto__trace__v1__span__event__init(&ev);
	ev.name.data = (uint8_t *)"gen_ai.content.prompt";
	ev.name.len = strlen("gen_ai.content.prompt");
	ev.n_attributes = 1;
	ev.attributes = ev_attrs;
	for (int i = 0; i < 3; i++) {
		opentelemetry__proto__trace__v1__span__init(&spans[i]);
		spans[i].trace_id.data = trace_id;
		spans[i].trace_id.len = 16;
		spans[i].span_id.data = span_ids[i];
		spans[i].span_id.len = 8;
		spans[i].name.data = (uint8_t *)(i == 0 ? "chat gpt-4o" : i == 1 ? "route" : "embed");
		spans[i].name.len = strlen((char *)spans[i].name.data);
		spans[i].start_time_unix_nano = 1000 + (uint64_t)i;
		spans[i].end_time_unix_nano = 2000 + (uint64_t)i;
	}
	spans[0].n_attributes = 3;
	spans[0].attributes = attrs0;
	spans[0].trace_state.data = (uint8_t *)"vendor=1";
	spans[0].trace_state.len = 8;
	spans[1].n_attributes = 1;
	spans[1].attributes = attrs1;
	spans[2].n_events = 1;
	spans[2].events = evp;
	for (int i = 0; i < 2; i++) {
		opentelemetry__proto__trace__v1__resource_spans__init(&rs[i]);
		opentelemetry__proto__resource__v1__resource__init(&res[i]);
		opentelemetry__proto__trace__v1__scope_spans__init(&ss[i]);
		res[i].n_attributes = 1;
		res[i].attributes = res_attrs[i];
		rs[i].resource = &res[i];
		rs[i].n_scope_spans = 1;
		rs[i].scope_spans = &ssp[i];
	}
	ss[0].n_spans = 2;
	ss[0].spans = first;
	ss[1].n_spans = 1;
	ss[1].spans = second;
	req.n_resource_spans = 2;
	req.resource_spans = rsp;
	*len = protobuf_c_message_get_packed_size(&req.base);
	buf = malloc(*len);
	protobuf_c_message_pack(&req.base, buf);
	for (int i = 0; i < 3; i++) {
		free(attrs0[i]->value);
		free(attrs0[i]);
	}
	free(attrs1[0]->value);
	free(attrs1[0]);
	free(ev_attrs[0]->value);
	free(ev_attrs[0]);
	for (int i = 0; i < 2; i++) {
		free(res_attrs[i][0]->value);
		free(res_attrs[i][0]);
	}
	return buf;
}

static struct gc_batch *decode(void)
{
	size_t len;
	uint8_t *buf = build_request(&len);
	struct gc_batch *b = gc_batch_decode(GC_SIGNAL_TRACES, buf, len, NULL);

	free(buf);
	assert_non_null(b);
	return b;
}

/* Encodes b and decodes the bytes again, as an exporter's peer would. */
static struct gc_batch *round_trip(struct gc_batch *b)
{
	size_t len = gc_batch_encoded_size(b);
	uint8_t *buf = malloc(len ? len : 1);
	struct gc_batch *again;

	gc_batch_encode(b, buf);
	again = gc_batch_decode(GC_SIGNAL_TRACES, buf, len, NULL);
	free(buf);
	assert_non_null(again);
	return again;
}

static void assert_str(struct gc_str s, const char *want)
{
	assert_int_equal(s.len, strlen(want));
	assert_memory_equal(s.ptr, want, s.len);
}

static void test_iterates_with_resource_and_reads(void **state)
{
	struct gc_batch *b = decode();
	struct gc_span_iter it;
	struct gc_span sp;
	struct gc_value v;
	const char *names[] = { "chat gpt-4o", "route", "embed" };
	const char *services[] = { "chat-api", "chat-api", "embedder" };
	int n = 0;

	gc_span_iter_init(&it, b);
	while (gc_span_iter_next(&it, &sp)) {
		assert_str(gc_span_name(&sp), names[n]);
		assert_true(gc_resource_attr(&sp, GC_STR("service.name"), &v));
		assert_int_equal(v.type, GC_VALUE_STRING);
		assert_str(v.str, services[n]);
		assert_int_equal(gc_span_trace_id(&sp).len, 16);
		assert_int_equal((unsigned char)gc_span_span_id(&sp).ptr[0], n + 1);
		assert_int_equal(gc_span_start_ns(&sp), 1000 + n);
		assert_int_equal(gc_span_end_ns(&sp), 2000 + n);
		n++;
	}
	assert_int_equal(n, 3);

	gc_span_iter_init(&it, b);
	assert_true(gc_span_iter_next(&it, &sp));
	assert_true(gc_span_attr(&sp, GC_STR("llm.usage.total_tokens"), &v));
	assert_int_equal(v.type, GC_VALUE_INT);
	assert_int_equal(v.i, 42);
	assert_false(gc_span_attr(&sp, GC_STR("llm.usage"), &v)); /* prefix is not a match */
	assert_str(gc_span_trace_state(&sp), "vendor=1");
	assert_int_equal(gc_span_attr_count(&sp), 3);
	assert_true(gc_span_iter_next(&it, &sp));
	assert_true(gc_span_iter_next(&it, &sp));
	assert_int_equal(gc_span_event_count(&sp), 1);
	assert_str(gc_span_event_name(&sp, 0), "gen_ai.content.prompt");
	assert_true(gc_span_event_attr(&sp, 0, GC_STR("gen_ai.prompt"), &v));
	assert_str(v.str, "hello");
	gc_batch_unref(b);
}

static void test_changes_survive_encoding(void **state)
{
	struct gc_batch *b = decode(), *again;
	struct gc_span_iter it;
	struct gc_span sp;
	struct gc_value v, item;
	struct gc_str reasons[2] = { GC_STR("stop"), GC_STR("length") }, key;

	gc_span_iter_init(&it, b);
	assert_true(gc_span_iter_next(&it, &sp));
	/* Replace in place, add new ones of each type, remove one. */
	assert_int_equal(gc_span_set_str(&sp, GC_STR("gen_ai.request.model"), GC_STR("gpt-4o-mini")),
			 GC_OK);
	assert_int_equal(gc_span_set_str(&sp, GC_STR("gen_ai.provider.name"), GC_STR("openai")),
			 GC_OK);
	assert_int_equal(gc_span_set_int(&sp, GC_STR("gen_ai.usage.input_tokens"), 30), GC_OK);
	assert_int_equal(gc_span_set_double(&sp, GC_STR("gen_ai.usage.cost"), 0.000125), GC_OK);
	assert_int_equal(gc_span_set_bool(&sp, GC_STR("flag"), true), GC_OK);
	assert_int_equal(gc_span_set_str_array(&sp, GC_STR("gen_ai.response.finish_reasons"),
					       reasons, 2), GC_OK);
	assert_true(gc_span_remove_attr(&sp, GC_STR("gen_ai.system")));
	assert_false(gc_span_remove_attr(&sp, GC_STR("gen_ai.system")));
	assert_int_equal(gc_span_set_trace_state(&sp, GC_STR("ot=th:8,vendor=1")), GC_OK);
	/* Drop the second span. */
	assert_true(gc_span_iter_next(&it, &sp));
	assert_str(gc_span_name(&sp), "route");
	gc_span_iter_drop(&it);
	assert_true(gc_span_iter_next(&it, &sp));
	assert_str(gc_span_name(&sp), "embed"); /* iteration goes on after a drop */
	assert_false(gc_span_iter_next(&it, &sp));
	assert_int_equal(b->items, 2);

	again = round_trip(b);
	assert_int_equal(again->items, 2);
	gc_span_iter_init(&it, again);
	assert_true(gc_span_iter_next(&it, &sp));
	assert_int_equal(gc_span_attr_count(&sp), 7);
	gc_span_attr_at(&sp, 0, &key, &v); /* order: originals in place, additions after */
	assert_str(key, "llm.usage.total_tokens");
	gc_span_attr_at(&sp, 1, &key, &v);
	assert_str(key, "gen_ai.request.model");
	assert_str(v.str, "gpt-4o-mini");
	assert_true(gc_span_attr(&sp, GC_STR("gen_ai.provider.name"), &v));
	assert_str(v.str, "openai");
	assert_true(gc_span_attr(&sp, GC_STR("gen_ai.usage.input_tokens"), &v));
	assert_int_equal(v.i, 30);
	assert_true(gc_span_attr(&sp, GC_STR("gen_ai.usage.cost"), &v));
	assert_int_equal(v.type, GC_VALUE_DOUBLE);
	assert_true(v.d == 0.000125);
	assert_true(gc_span_attr(&sp, GC_STR("flag"), &v));
	assert_true(v.type == GC_VALUE_BOOL && v.b);
	assert_true(gc_span_attr(&sp, GC_STR("gen_ai.response.finish_reasons"), &v));
	assert_int_equal(v.type, GC_VALUE_ARRAY);
	assert_int_equal(gc_value_len(&v), 2);
	gc_value_at(&v, 1, NULL, &item);
	assert_str(item.str, "length");
	assert_false(gc_span_attr(&sp, GC_STR("gen_ai.system"), &v));
	assert_str(gc_span_trace_state(&sp), "ot=th:8,vendor=1");
	assert_true(gc_span_iter_next(&it, &sp));
	assert_str(gc_span_name(&sp), "embed");
	gc_batch_unref(again);
	gc_batch_unref(b);
}

/* Upper-cases every string it visits; asks for a drop under the key "drop". */
static enum gc_visit upcase(void *ctx, struct gc_str key, const struct gc_value *value,
			    struct gc_str *text)
{
	struct gc_batch *b = ctx;
	char *copy;

	if (gc_str_eq(key, GC_STR("drop")))
		return GC_VISIT_DROP;
	if (value->type == GC_VALUE_INT) {
		if (gc_str_eq(key, GC_STR("gone")))
			return GC_VISIT_REMOVE;
		*text = GC_STR("int"); /* becomes a string */
		return GC_VISIT_NEXT;
	}
	copy = gc_arena_memdup(b->arena, text->ptr, text->len);
	for (size_t i = 0; i < text->len; i++)
		if (copy[i] >= 'a' && copy[i] <= 'z')
			copy[i] = (char)(copy[i] - 'a' + 'A');
	text->ptr = copy;
	return GC_VISIT_NEXT;
}

static void test_attribute_lists_and_visitor(void **state)
{
	struct gc_batch *b = decode(), *again;
	struct gc_span_iter it;
	struct gc_span sp;
	struct gc_attrs a;
	struct gc_value v;
	struct gc_str key, types[2] = { GC_STR("A"), GC_STR("B") };

	(void)state;
	assert_int_equal(gc_batch_resource_count(b), 2);
	assert_true(gc_batch_resource_attrs(b, 1, &a));
	assert_int_equal(gc_attrs_count(&a), 1);
	assert_false(gc_attrs_visit_strings(&a, 0, upcase, b));
	assert_int_equal(gc_attrs_set_int(&a, GC_STR("n"), 7), GC_OK);
	assert_int_equal(gc_attrs_set_str_array(&a, GC_STR("t"), types, 2), GC_OK);

	gc_span_iter_init(&it, b);
	assert_true(gc_span_iter_next(&it, &sp));
	gc_span_attrs(&sp, &a);
	assert_int_equal(gc_attrs_set_str_at(&a, 1, GC_STR("hashed")), GC_OK); /* int -> string */
	gc_attrs_remove_at(&a, 0);
	assert_true(gc_span_iter_next(&it, &sp));
	assert_true(gc_span_iter_next(&it, &sp));
	gc_span_event_attrs(&sp, 0, &a);
	assert_false(gc_attrs_visit_strings(&a, 0, upcase, b));
	assert_int_equal(gc_span_link_count(&sp), 0);

	again = round_trip(b);
	assert_true(gc_batch_resource_attrs(again, 1, &a));
	assert_true(gc_attrs_get(&a, GC_STR("service.name"), &v));
	assert_str(v.str, "EMBEDDER");
	assert_true(gc_attrs_get(&a, GC_STR("n"), &v) && v.i == 7);
	assert_true(gc_attrs_get(&a, GC_STR("t"), &v) && gc_value_len(&v) == 2);
	gc_span_iter_init(&it, again);
	assert_true(gc_span_iter_next(&it, &sp));
	gc_span_attrs(&sp, &a);
	assert_int_equal(gc_attrs_count(&a), 2);
	gc_attrs_at(&a, 0, &key, &v);
	assert_str(key, "llm.usage.total_tokens");
	assert_int_equal(v.type, GC_VALUE_STRING);
	assert_str(v.str, "hashed");
	assert_true(gc_span_iter_next(&it, &sp));
	assert_true(gc_span_iter_next(&it, &sp));
	assert_true(gc_span_event_attr(&sp, 0, GC_STR("gen_ai.prompt"), &v));
	assert_str(v.str, "HELLO");
	gc_batch_unref(again);
	gc_batch_unref(b);
}

/* Log records: iteration, the body's strings at any depth, removal. */
static void test_logs(void **state)
{
	static const char json[] =
		"{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"host\",\"value\":"
		"{\"stringValue\":\"h1\"}}]},\"scopeLogs\":[{\"logRecords\":["
		"{\"body\":{\"kvlistValue\":{\"values\":[{\"key\":\"msg\",\"value\":{\"stringValue\":"
		"\"hi\"}},{\"key\":\"list\",\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":"
		"\"x\"},{\"intValue\":\"3\"}]}}},{\"key\":\"gone\",\"value\":{\"intValue\":\"5\"}}]}},"
		"\"attributes\":[{\"key\":\"drop\",\"value\":"
		"{\"stringValue\":\"secret\"}}]},"
		"{\"body\":{\"stringValue\":\"second\"}}]}]}]}";
	struct gc_batch *b = gc_batch_decode_json(GC_SIGNAL_LOGS, json, strlen(json), NULL), *again;
	struct gc_log_iter it;
	struct gc_log log;
	struct gc_attrs a;
	struct gc_value v, item;
	struct gc_str key;
	size_t len;
	uint8_t *buf;

	(void)state;
	assert_non_null(b);
	assert_int_equal(gc_batch_resource_count(b), 1);
	gc_log_iter_init(&it, b);
	assert_true(gc_log_iter_next(&it, &log));
	assert_false(gc_log_body_visit_strings(&log, upcase, b));
	gc_log_attrs(&log, &a);
	assert_true(gc_attrs_visit_strings(&a, 0, upcase, b)); /* key "drop" */
	gc_attrs_remove_at(&a, 0);
	assert_true(gc_log_resource_attrs(&log, &a));
	assert_int_equal(gc_attrs_count(&a), 1);
	assert_true(gc_log_iter_next(&it, &log));
	gc_log_body(&log, &v);
	assert_str(v.str, "second");
	gc_log_clear_body(&log);
	assert_false(gc_log_iter_next(&it, &log));

	len = gc_batch_encoded_size(b);
	buf = malloc(len);
	gc_batch_encode(b, buf);
	again = gc_batch_decode(GC_SIGNAL_LOGS, buf, len, NULL);
	free(buf);
	assert_non_null(again);
	gc_log_iter_init(&it, again);
	assert_true(gc_log_iter_next(&it, &log));
	gc_log_body(&log, &v);
	assert_int_equal(v.type, GC_VALUE_KVLIST);
	gc_value_at(&v, 0, &key, &item);
	assert_str(key, "msg");
	assert_str(item.str, "HI");
	gc_value_at(&v, 1, &key, &item);
	assert_int_equal(gc_value_len(&item), 2);
	{
		struct gc_value second;

		gc_value_at(&item, 1, NULL, &second); /* the int became a string */
		assert_int_equal(second.type, GC_VALUE_STRING);
		assert_str(second.str, "int");
	}
	assert_int_equal(gc_value_len(&v), 2); /* "gone" was removed */
	gc_log_attrs(&log, &a);
	assert_int_equal(gc_attrs_count(&a), 0);
	assert_true(gc_log_iter_next(&it, &log));
	gc_log_body(&log, &v);
	assert_int_equal(v.type, GC_VALUE_EMPTY);
	gc_batch_unref(again);
	gc_batch_unref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iterates_with_resource_and_reads),
		cmocka_unit_test(test_changes_survive_encoding),
		cmocka_unit_test(test_attribute_lists_and_visitor),
		cmocka_unit_test(test_logs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
