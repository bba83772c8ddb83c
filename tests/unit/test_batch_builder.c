/* The batch builder: spans and log records of several batches assembled into
 * one, by reference, under their original resource and scope entries. The
 * sources are released before the result is read, so ASan catches a built
 * batch that does not keep them alive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch_builder.h"

/* printf arguments of a string field (protobuf bytes). */
#define BIN(x) (int)(x).len, (const char *)(x).data

static struct gc_batch *traces(const char *json)
{
	char *err = NULL;
	struct gc_batch *b = gc_batch_decode_json(GC_SIGNAL_TRACES, json, strlen(json), &err);

	if (!b)
		fail_msg("decode: %s", err);
	return b;
}


/* Service a: scope s1 with a1 a2 a3; service b: scope s2 with b1 b2. */
static const char source_a[] =
	"{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
	"\"value\":{\"stringValue\":\"a\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"s1\"},"
	"\"spans\":["
	"{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0000000000000001\",\"name\":\"a1\"},"
	"{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0000000000000002\",\"name\":\"a2\"},"
	"{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0000000000000003\",\"name\":\"a3\"}"
	"]}]}]}";
static const char source_b[] =
	"{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
	"\"value\":{\"stringValue\":\"b\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"s2\"},"
	"\"spans\":["
	"{\"traceId\":\"1102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0000000000000004\",\"name\":\"b1\"},"
	"{\"traceId\":\"1102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0000000000000005\",\"name\":\"b2\"}"
	"]}]}]}";

/* Adds the spans of batch whose names are listed, in the order listed. */
static void add_named(struct gc_batch_builder *bb, struct gc_batch *batch, const char *name)
{
	struct gc_span_iter it;
	struct gc_span sp;

	gc_span_iter_init(&it, batch);
	while (gc_span_iter_next(&it, &sp)) {
		struct gc_str n = gc_span_name(&sp);

		if (n.len == strlen(name) && !memcmp(n.ptr, name, n.len)) {
			assert_int_equal(gc_batch_builder_add_span(bb, &sp), GC_OK);
			return;
		}
	}
	fail_msg("no span %s", name);
}

/* "service/scope:name,name;service/scope:name" for the batch, after a round
 * trip through the wire: what an exporter would send. */
static void describe(struct gc_batch *b, char *out, size_t cap)
{
	size_t len = gc_batch_encoded_size(b), at = 0;
	uint8_t *wire = malloc(len + 1);
	char *err = NULL;
	struct gc_batch *back;
	gc_traces_req *req;

	assert_non_null(wire);
	gc_batch_encode(b, wire);
	back = gc_batch_decode(GC_SIGNAL_TRACES, wire, len, &err);
	free(wire);
	assert_non_null(back);
	req = back->traces;
	out[0] = '\0';
	for (size_t r = 0; r < req->n_resource_spans; r++) {
		Opentelemetry__Proto__Trace__V1__ResourceSpans *rs = req->resource_spans[r];

		for (size_t s = 0; s < rs->n_scope_spans; s++) {
			Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = rs->scope_spans[s];

			at += (size_t)snprintf(out + at, cap - at, "%s%.*s/%.*s:", at ? ";" : "",
					       BIN(rs->resource->attributes[0]->value->string_value),
					       BIN(ss->scope->name));
			for (size_t i = 0; i < ss->n_spans; i++)
				at += (size_t)snprintf(out + at, cap - at, "%s%.*s", i ? "," : "",
						       BIN(ss->spans[i]->name));
		}
	}
	assert_int_equal(back->items, b->items);
	gc_batch_unref(back);
}

static void test_spans_of_two_batches_by_reference(void **state)
{
	struct gc_batch *a = traces(source_a), *b = traces(source_b), *out;
	struct gc_batch_builder *bb = gc_batch_builder_new(GC_SIGNAL_TRACES);
	char text[256];

	(void)state;
	assert_non_null(bb);
	add_named(bb, a, "a3");
	add_named(bb, b, "b2");
	add_named(bb, a, "a1");
	add_named(bb, b, "b1");
	assert_int_equal(gc_batch_builder_items(bb), 4);
	out = gc_batch_builder_finish(bb);
	assert_non_null(out);
	gc_batch_unref(a); /* the built batch keeps both alive */
	gc_batch_unref(b);
	assert_int_equal(out->items, 4);
	assert_int_equal(out->nparts, 2);
	assert_true(out->bytes > 0);
	describe(out, text, sizeof(text));
	/* Grouped under the original resource and scope, in the order added. */
	assert_string_equal(text, "a/s1:a3,a1;b/s2:b2,b1");
	gc_batch_unref(out);
}

static void test_two_builds_from_one_source(void **state)
{
	struct gc_batch *a = traces(source_a), *first, *second;
	struct gc_batch_builder *one = gc_batch_builder_new(GC_SIGNAL_TRACES);
	struct gc_batch_builder *two = gc_batch_builder_new(GC_SIGNAL_TRACES);
	char text[256];

	(void)state;
	add_named(one, a, "a1");
	add_named(two, a, "a2");
	add_named(two, a, "a3");
	first = gc_batch_builder_finish(one);
	second = gc_batch_builder_finish(two);
	gc_batch_unref(a);
	describe(first, text, sizeof(text));
	assert_string_equal(text, "a/s1:a1");
	gc_batch_unref(first); /* the source lives on for the second */
	describe(second, text, sizeof(text));
	assert_string_equal(text, "a/s1:a2,a3");
	gc_batch_unref(second);
}

static void test_many_traces_interleaved(void **state)
{
	/* Every span of 200 batches, added in reverse: one resource entry per
	 * source (they are distinct entries), each with its span. */
	enum { N = 200 };
	struct gc_batch *src[N], *out;
	struct gc_batch_builder *bb = gc_batch_builder_new(GC_SIGNAL_TRACES);

	(void)state;
	for (int i = 0; i < N; i++)
		src[i] = traces(source_b);
	for (int i = N; i-- > 0;) {
		add_named(bb, src[i], "b2");
		add_named(bb, src[i], "b1");
	}
	out = gc_batch_builder_finish(bb);
	for (int i = 0; i < N; i++)
		gc_batch_unref(src[i]);
	assert_int_equal(out->items, 2 * N);
	assert_int_equal(out->nparts, N);
	assert_int_equal(out->traces->n_resource_spans, N);
	assert_int_equal(gc_batch_count(out), 2 * N);
	assert_memory_equal(out->traces->resource_spans[0]->scope_spans[0]->spans[0]->name.data, "b2", 2);
	gc_batch_unref(out);
}

static void test_logs_and_mismatches(void **state)
{
	static const char json[] =
		"{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":["
		"{\"body\":{\"stringValue\":\"one\"}},{\"body\":{\"stringValue\":\"two\"}}]}]}]}";
	char *err = NULL;
	struct gc_batch *logs = gc_batch_decode_json(GC_SIGNAL_LOGS, json, strlen(json), &err);
	struct gc_batch *a = traces(source_a), *out;
	struct gc_batch_builder *bb = gc_batch_builder_new(GC_SIGNAL_LOGS);
	struct gc_log_iter it;
	struct gc_log log;
	struct gc_span_iter sit;
	struct gc_span sp;

	(void)state;
	assert_non_null(logs);
	gc_log_iter_init(&it, logs);
	assert_true(gc_log_iter_next(&it, &log));
	assert_true(gc_log_iter_next(&it, &log)); /* "two" only */
	assert_int_equal(gc_batch_builder_add_log(bb, &log), GC_OK);
	gc_span_iter_init(&sit, a);
	assert_true(gc_span_iter_next(&sit, &sp));
	assert_int_equal(gc_batch_builder_add_span(bb, &sp), GC_ERROR); /* a logs builder */
	out = gc_batch_builder_finish(bb);
	gc_batch_unref(logs);
	gc_batch_unref(a);
	assert_int_equal(out->items, 1);
	assert_memory_equal(
		out->logs->resource_logs[0]->scope_logs[0]->log_records[0]->body->string_value.data,
		"two", 3);
	gc_batch_unref(out);

	bb = gc_batch_builder_new(GC_SIGNAL_TRACES); /* nothing added: an empty batch */
	out = gc_batch_builder_finish(bb);
	assert_int_equal(out->items, 0);
	assert_int_equal(gc_batch_encoded_size(out), 0);
	gc_batch_unref(out);
	gc_batch_builder_free(gc_batch_builder_new(GC_SIGNAL_TRACES));
	gc_batch_builder_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spans_of_two_batches_by_reference),
		cmocka_unit_test(test_two_builds_from_one_source),
		cmocka_unit_test(test_many_traces_interleaved),
		cmocka_unit_test(test_logs_and_mismatches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
