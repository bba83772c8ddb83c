/* OTLP/JSON (src/otlp_json.c) as a client meets it through gc_batch_decode_json:
 * every field of the three signals under both spellings of their names, the
 * mapping's encodings (hex IDs, 64-bit integers as strings or numbers, enums as
 * numbers or names, "NaN"/"Infinity", base64 in both alphabets), the error text
 * with the JSON path of the bad value, the nesting limit, and equivalence with
 * the protobuf path: a request sent as JSON and as protobuf re-encodes to the
 * same bytes. Also the JSON encoder's google.rpc.Status and response bodies.
 *
 * Payloads are written with ' for " and converted before decoding, so they read
 * like the JSON a client sends. */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch.h"
#include "google/rpc/status.pb-c.h"
#include "otlp_json.h"

typedef Opentelemetry__Proto__Common__V1__AnyValue any_value;
typedef Opentelemetry__Proto__Common__V1__ArrayValue array_value;
typedef Opentelemetry__Proto__Common__V1__KeyValueList kvlist_value;
typedef Opentelemetry__Proto__Common__V1__KeyValue key_value;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope scope_t;
typedef Opentelemetry__Proto__Resource__V1__Resource resource_t;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans resource_spans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans scope_spans;
typedef Opentelemetry__Proto__Trace__V1__Span span_t;
typedef Opentelemetry__Proto__Trace__V1__Span__Event span_event;
typedef Opentelemetry__Proto__Trace__V1__Span__Link span_link;
typedef Opentelemetry__Proto__Trace__V1__Status span_status;
typedef Opentelemetry__Proto__Logs__V1__ResourceLogs resource_logs;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs scope_logs;
typedef Opentelemetry__Proto__Logs__V1__LogRecord log_record;
typedef Opentelemetry__Proto__Metrics__V1__ResourceMetrics resource_metrics;
typedef Opentelemetry__Proto__Metrics__V1__ScopeMetrics scope_metrics;
typedef Opentelemetry__Proto__Metrics__V1__Metric metric_t;
typedef Opentelemetry__Proto__Metrics__V1__Gauge gauge_t;
typedef Opentelemetry__Proto__Metrics__V1__Sum sum_t;
typedef Opentelemetry__Proto__Metrics__V1__Histogram histogram_t;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogram exp_histogram_t;
typedef Opentelemetry__Proto__Metrics__V1__Summary summary_t;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint number_point;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint histogram_point;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint exp_point;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint__Buckets exp_buckets;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint summary_point;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint__ValueAtQuantile quantile_t;
typedef Opentelemetry__Proto__Metrics__V1__Exemplar exemplar_t;

#define D(name) (&opentelemetry__proto__##name##__descriptor)

#define ANY(c) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##c
#define ANY_NOT_SET OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE__NOT_SET
#define DATA(c) OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_##c
#define NUMBER(c) OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_##c
#define EXEMPLAR(c) OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__VALUE_##c
#define HIST(c) OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___##c
#define EXPH(c) OPENTELEMETRY__PROTO__METRICS__V1__EXPONENTIAL_HISTOGRAM_DATA_POINT___##c

/* One span, log record or metric wrapped in a request, and the JSON path of it. */
#define SPANS(...) "{'resourceSpans':[{'scopeSpans':[{'spans':[" __VA_ARGS__ "]}]}]}"
#define SPAN_PATH "$.resource_spans[0].scope_spans[0].spans[0]"
#define ATTR(v) SPANS("{'attributes':[{'key':'k','value':" v "}]}")
#define ATTR_PATH SPAN_PATH ".attributes[0].value"
#define LOGS(...) "{'resourceLogs':[{'scopeLogs':[{'logRecords':[" __VA_ARGS__ "]}]}]}"
#define LOG_PATH "$.resource_logs[0].scope_logs[0].log_records[0]"
#define METRICS(...) "{'resourceMetrics':[{'scopeMetrics':[{'metrics':[" __VA_ARGS__ "]}]}]}"
#define METRIC_PATH "$.resource_metrics[0].scope_metrics[0].metrics[0]"

/* ---- decoding ------------------------------------------------------------ */

/* The payload with ' turned into ", heap-owned. */
static char *dq(const char *sq)
{
	char *s = strdup(sq);

	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

static struct gc_batch *decode_ok(enum gc_signal signal, const char *sq)
{
	char *json = dq(sq), *err = NULL;
	struct gc_batch *b = gc_batch_decode_json(signal, json, strlen(json), &err);

	if (!b) {
		print_error("refused %s\n  %s\n", json, err ? err : "(no error text)");
		free(json);
		free(err);
		fail();
	}
	assert_null(err);
	assert_int_equal(b->signal, signal);
	assert_int_equal(b->items, gc_batch_count(b));
	free(json);
	return b;
}

/* Decodes a payload that must be refused; returns the error text after the
 * common "payload is not a valid OTLP/JSON <signal> export request: " (heap). */
static char *decode_err(enum gc_signal signal, const char *sq)
{
	char *json = dq(sq), *err = NULL, *tail;
	struct gc_batch *b = gc_batch_decode_json(signal, json, strlen(json), &err);
	char prefix[96];

	if (b) {
		print_error("accepted %s\n", json);
		free(json);
		gc_batch_unref(b);
		fail();
	}
	assert_non_null(err);
	snprintf(prefix, sizeof(prefix), "payload is not a valid OTLP/JSON %s export request: ",
		 gc_signal_name(signal));
	if (strncmp(err, prefix, strlen(prefix)))
		fail_msg("error text \"%s\" does not start with \"%s\"", err, prefix);
	tail = strdup(err + strlen(prefix));
	free(err);
	free(json);
	return tail;
}

static void expect_err(enum gc_signal signal, const char *sq, const char *want)
{
	char *err = decode_err(signal, sq);
	bool ok = !strcmp(err, want);

	if (!ok)
		print_error("error \"%s\"\n want \"%s\"\n", err, want);
	free(err);
	assert_true(ok);
}

static void expect_err_has(enum gc_signal signal, const char *sq, const char *part)
{
	char *err = decode_err(signal, sq);
	bool ok = strstr(err, part);

	if (!ok)
		print_error("error \"%s\" lacks \"%s\"\n", err, part);
	free(err);
	assert_true(ok);
}

static span_t *first_span(const struct gc_batch *b)
{
	assert_true(b->traces->n_resource_spans >= 1);
	assert_true(b->traces->resource_spans[0]->n_scope_spans >= 1);
	assert_true(b->traces->resource_spans[0]->scope_spans[0]->n_spans >= 1);
	return b->traces->resource_spans[0]->scope_spans[0]->spans[0];
}

static any_value *first_attr(const struct gc_batch *b)
{
	span_t *sp = first_span(b);

	assert_int_equal(sp->n_attributes, 1);
	assert_non_null(sp->attributes[0]->value);
	return sp->attributes[0]->value;
}

static log_record *first_log(const struct gc_batch *b)
{
	assert_true(b->logs->n_resource_logs >= 1);
	assert_true(b->logs->resource_logs[0]->n_scope_logs >= 1);
	assert_true(b->logs->resource_logs[0]->scope_logs[0]->n_log_records >= 1);
	return b->logs->resource_logs[0]->scope_logs[0]->log_records[0];
}

static metric_t *nth_metric(const struct gc_batch *b, size_t i)
{
	assert_true(b->metrics->n_resource_metrics >= 1);
	assert_true(b->metrics->resource_metrics[0]->n_scope_metrics >= 1);
	assert_true(b->metrics->resource_metrics[0]->scope_metrics[0]->n_metrics > i);
	return b->metrics->resource_metrics[0]->scope_metrics[0]->metrics[i];
}

static void assert_bin(ProtobufCBinaryData b, const void *want, size_t len)
{
	assert_int_equal(b.len, len);
	if (len)
		assert_memory_equal(b.data, want, len);
}

#define assert_text(b, s) assert_bin((b), (s), strlen(s))

static void assert_hex(ProtobufCBinaryData b, const char *hex)
{
	uint8_t want[64];
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", &want[i]);
	assert_bin(b, want, n);
}

static void assert_kv_text(const key_value *kv, const char *key, const char *value)
{
	assert_text(kv->key, key);
	assert_non_null(kv->value);
	assert_int_equal(kv->value->value_case, ANY(STRING_VALUE));
	assert_text(kv->value->string_value, value);
}

/* ---- encoding and comparing ---------------------------------------------- */

struct wire {
	uint8_t *data;
	size_t len;
};

static struct wire pack(const ProtobufCMessage *m)
{
	struct wire w = { NULL, protobuf_c_message_get_packed_size(m) };

	w.data = malloc(w.len ? w.len : 1);
	assert_non_null(w.data);
	assert_int_equal(protobuf_c_message_pack(m, w.data), w.len);
	return w;
}

static struct wire encode(const struct gc_batch *b)
{
	struct wire w = { NULL, gc_batch_encoded_size(b) };

	w.data = malloc(w.len ? w.len : 1);
	assert_non_null(w.data);
	assert_int_equal(gc_batch_encode(b, w.data), w.len);
	return w;
}

static void assert_same_wire(struct wire x, struct wire y, const char *what)
{
	size_t n = x.len < y.len ? x.len : y.len, i = 0;

	while (i < n && x.data[i] == y.data[i])
		i++;
	if (i < n || x.len != y.len)
		fail_msg("%s: encodings differ at byte %zu (lengths %zu and %zu)", what, i, x.len,
			 y.len);
}

/* Encodes b, decodes that with the protobuf decoder, and returns the result. */
static struct gc_batch *through_protobuf(const struct gc_batch *b)
{
	struct wire w = encode(b);
	char *err = NULL;
	struct gc_batch *again = gc_batch_decode(b->signal, w.data, w.len, &err);

	if (!again)
		fail_msg("the protobuf decoder refused the encoding: %s", err);
	assert_int_equal(again->items, b->items);
	free(w.data);
	return again;
}

/* The payload with every object key turned from lowerCamelCase into the .proto
 * spelling ("startTimeUnixNano" -> "start_time_unix_nano"). A key is a string
 * followed by ':'; no payload here has a ' inside a string. Heap-owned. */
static char *snake_keys(const char *sq)
{
	char *out = malloc(2 * strlen(sq) + 1), *o = out;
	const char *p = sq;

	assert_non_null(out);
	while (*p) {
		const char *end;
		bool key;

		if (*p != '\'') {
			*o++ = *p++;
			continue;
		}
		end = strchr(p + 1, '\'');
		assert_non_null(end);
		key = end[1] == ':';
		for (*o++ = *p++; p < end; p++) {
			if (key && isupper((unsigned char)*p)) {
				*o++ = '_';
				*o++ = (char)tolower((unsigned char)*p);
			} else {
				*o++ = *p;
			}
		}
		*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* ---- building the same requests with protobuf-c ---------------------------- */

static void *new_msg(gc_arena *a, const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage *m = gc_arena_alloc(a, d->sizeof_message);

	assert_non_null(m);
	d->message_init(m);
	return m;
}

static void *list_of(gc_arena *a, size_t n, void *const *items)
{
	void **v = gc_arena_alloc(a, (n ? n : 1) * sizeof(void *));

	memcpy(v, items, n * sizeof(void *));
	return v;
}

/* Sets a repeated message field (and its count) to the listed messages. */
#define SET_LIST(m, field, ...)                                          \
	do {                                                             \
		void *items_[] = { __VA_ARGS__ };                        \
		(m)->n_##field = sizeof(items_) / sizeof(items_[0]);     \
		(m)->field = list_of(a, (m)->n_##field, items_);         \
	} while (0)

static ProtobufCBinaryData bin(gc_arena *a, const void *data, size_t len)
{
	return (ProtobufCBinaryData){ len, (uint8_t *)gc_arena_memdup(a, data, len) };
}

static ProtobufCBinaryData txt(gc_arena *a, const char *s)
{
	return bin(a, s, strlen(s));
}

static ProtobufCBinaryData hex(gc_arena *a, const char *h)
{
	size_t n = strlen(h) / 2;
	uint8_t *b = gc_arena_alloc(a, n + 1);

	for (size_t i = 0; i < n; i++)
		sscanf(h + 2 * i, "%2hhx", &b[i]);
	return (ProtobufCBinaryData){ n, b };
}

static any_value *av(gc_arena *a, int value_case)
{
	any_value *v = new_msg(a, D(common__v1__any_value));

	v->value_case = value_case;
	return v;
}

static any_value *av_str(gc_arena *a, const void *s, size_t len)
{
	any_value *v = av(a, ANY(STRING_VALUE));

	v->string_value = bin(a, s, len);
	return v;
}

static any_value *av_int(gc_arena *a, int64_t i)
{
	any_value *v = av(a, ANY(INT_VALUE));

	v->int_value = i;
	return v;
}

static any_value *av_double(gc_arena *a, double d)
{
	any_value *v = av(a, ANY(DOUBLE_VALUE));

	v->double_value = d;
	return v;
}

static any_value *av_bool(gc_arena *a, bool b)
{
	any_value *v = av(a, ANY(BOOL_VALUE));

	v->bool_value = b;
	return v;
}

static key_value *kv(gc_arena *a, const void *key, size_t key_len, any_value *value)
{
	key_value *p = new_msg(a, D(common__v1__key_value));

	p->key = bin(a, key, key_len);
	p->value = value;
	return p;
}

#define KV(key, value) kv(a, key, sizeof(key) - 1, value)
#define STR(s) av_str(a, s, sizeof(s) - 1)

/* ---- the three full requests --------------------------------------------- */

static const char TRACES_JSON[] =
	"{'resourceSpans':[{"
	"'resource':{'attributes':[{'key':'service.name','value':{'stringValue':'checkout'}},"
	"{'key':'host.cpus','value':{'intValue':'8'}}],'droppedAttributesCount':1},"
	"'scopeSpans':[{"
	"'scope':{'name':'lib','version':'1.2.3','attributes':[{'key':'s','value':{'boolValue':true}}],"
	"'droppedAttributesCount':2},"
	"'spans':[{"
	"'traceId':'5B8EFFF798038103D269B633813FC60C','spanId':'eee19b7ec3c1b174',"
	"'traceState':'congo=t61rcWkgMzE','parentSpanId':'EEE19B7ec3c1b173','flags':257,"
	"'name':'GET /cart','kind':2,"
	"'startTimeUnixNano':'1544712660000000000','endTimeUnixNano':1544712661000000000,"
	"'attributes':["
	"{'key':'str','value':{'stringValue':'v'}},"
	"{'key':'bool','value':{'boolValue':false}},"
	"{'key':'int','value':{'intValue':-42}},"
	"{'key':'dbl','value':{'doubleValue':0.25}},"
	"{'key':'arr','value':{'arrayValue':{'values':[{'stringValue':'a'},{'intValue':'1'}]}}},"
	"{'key':'kv','value':{'kvlistValue':{'values':[{'key':'inner','value':{'doubleValue':'1.5'}}]}}},"
	"{'key':'raw','value':{'bytesValue':'AAH/'}},"
	"{'key':'n\\u0000ul','value':{'stringValue':'a\\u0000b'}},"
	"{'key':'empty','value':{'stringValue':''}}],"
	"'droppedAttributesCount':3,"
	"'events':[{'timeUnixNano':'1544712660500000000','name':'retry',"
	"'attributes':[{'key':'n','value':{'intValue':'2'}}],'droppedAttributesCount':4}],"
	"'droppedEventsCount':5,"
	"'links':[{'traceId':'00000000000000000000000000000001','spanId':'0000000000000002',"
	"'traceState':'a=b','attributes':[{'key':'l','value':{'stringValue':'x'}}],"
	"'droppedAttributesCount':6,'flags':1}],"
	"'droppedLinksCount':7,"
	"'status':{'message':'boom','code':'STATUS_CODE_ERROR'}}],"
	"'schemaUrl':'https://opentelemetry.io/schemas/1.21.0'}],"
	"'schemaUrl':'https://opentelemetry.io/schemas/1.20.0'}]}";

static struct wire traces_protobuf(void)
{
	gc_arena *a = gc_arena_create(0);
	gc_traces_req *req = new_msg(a, D(collector__trace__v1__export_trace_service_request));
	resource_spans *rs = new_msg(a, D(trace__v1__resource_spans));
	resource_t *res = new_msg(a, D(resource__v1__resource));
	scope_spans *ss = new_msg(a, D(trace__v1__scope_spans));
	scope_t *scope = new_msg(a, D(common__v1__instrumentation_scope));
	span_t *sp = new_msg(a, D(trace__v1__span));
	span_event *ev = new_msg(a, D(trace__v1__span__event));
	span_link *ln = new_msg(a, D(trace__v1__span__link));
	span_status *st = new_msg(a, D(trace__v1__status));
	array_value *arr = new_msg(a, D(common__v1__array_value));
	kvlist_value *kvl = new_msg(a, D(common__v1__key_value_list));
	any_value *arr_v = av(a, ANY(ARRAY_VALUE)), *kvl_v = av(a, ANY(KVLIST_VALUE));
	any_value *raw = av(a, ANY(BYTES_VALUE));
	struct wire w;

	SET_LIST(res, attributes, KV("service.name", STR("checkout")), KV("host.cpus", av_int(a, 8)));
	res->dropped_attributes_count = 1;
	scope->name = txt(a, "lib");
	scope->version = txt(a, "1.2.3");
	SET_LIST(scope, attributes, KV("s", av_bool(a, true)));
	scope->dropped_attributes_count = 2;

	SET_LIST(arr, values, STR("a"), av_int(a, 1));
	arr_v->array_value = arr;
	SET_LIST(kvl, values, KV("inner", av_double(a, 1.5)));
	kvl_v->kvlist_value = kvl;
	raw->bytes_value = bin(a, "\x00\x01\xff", 3);

	sp->trace_id = hex(a, "5b8efff798038103d269b633813fc60c");
	sp->span_id = hex(a, "eee19b7ec3c1b174");
	sp->trace_state = txt(a, "congo=t61rcWkgMzE");
	sp->parent_span_id = hex(a, "eee19b7ec3c1b173");
	sp->flags = 257;
	sp->name = txt(a, "GET /cart");
	sp->kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER;
	sp->start_time_unix_nano = 1544712660000000000ULL;
	sp->end_time_unix_nano = 1544712661000000000ULL;
	SET_LIST(sp, attributes, KV("str", STR("v")), KV("bool", av_bool(a, false)),
		 KV("int", av_int(a, -42)), KV("dbl", av_double(a, 0.25)), KV("arr", arr_v),
		 KV("kv", kvl_v), KV("raw", raw), KV("n\0ul", STR("a\0b")), KV("empty", STR("")));
	sp->dropped_attributes_count = 3;
	ev->time_unix_nano = 1544712660500000000ULL;
	ev->name = txt(a, "retry");
	SET_LIST(ev, attributes, KV("n", av_int(a, 2)));
	ev->dropped_attributes_count = 4;
	SET_LIST(sp, events, ev);
	sp->dropped_events_count = 5;
	ln->trace_id = hex(a, "00000000000000000000000000000001");
	ln->span_id = hex(a, "0000000000000002");
	ln->trace_state = txt(a, "a=b");
	SET_LIST(ln, attributes, KV("l", STR("x")));
	ln->dropped_attributes_count = 6;
	ln->flags = 1;
	SET_LIST(sp, links, ln);
	sp->dropped_links_count = 7;
	st->message = txt(a, "boom");
	st->code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
	sp->status = st;

	ss->scope = scope;
	SET_LIST(ss, spans, sp);
	ss->schema_url = txt(a, "https://opentelemetry.io/schemas/1.21.0");
	rs->resource = res;
	SET_LIST(rs, scope_spans, ss);
	rs->schema_url = txt(a, "https://opentelemetry.io/schemas/1.20.0");
	SET_LIST(req, resource_spans, rs);
	w = pack(&req->base);
	gc_arena_destroy(a);
	return w;
}

static const char LOGS_JSON[] =
	"{'resourceLogs':[{'resource':{'attributes':[{'key':'service.name','value':{'stringValue':'api'}}]},"
	"'scopeLogs':[{'scope':{'name':'logger'},'logRecords':["
	"{'timeUnixNano':'1700000000000000001','observedTimeUnixNano':'1700000000000000002',"
	"'severityNumber':'SEVERITY_NUMBER_WARN','severityText':'WARN',"
	"'body':{'kvlistValue':{'values':[{'key':'msg','value':{'stringValue':'disk full'}},"
	"{'key':'codes','value':{'arrayValue':{'values':[{'intValue':'28'},{'doubleValue':'NaN'}]}}}]}},"
	"'attributes':[{'key':'path','value':{'stringValue':'/var'}}],"
	"'droppedAttributesCount':1,'flags':1,"
	"'traceId':'0102030405060708090a0b0c0d0e0f10','spanId':'A1A2A3A4A5A6A7A8',"
	"'eventName':'disk.full'},"
	"{'severityNumber':17,'body':{'stringValue':'second'}}],"
	"'schemaUrl':'s'}]}]}";

static struct wire logs_protobuf(void)
{
	gc_arena *a = gc_arena_create(0);
	gc_logs_req *req = new_msg(a, D(collector__logs__v1__export_logs_service_request));
	resource_logs *rl = new_msg(a, D(logs__v1__resource_logs));
	resource_t *res = new_msg(a, D(resource__v1__resource));
	scope_logs *sl = new_msg(a, D(logs__v1__scope_logs));
	scope_t *scope = new_msg(a, D(common__v1__instrumentation_scope));
	log_record *r1 = new_msg(a, D(logs__v1__log_record)), *r2 = new_msg(a, D(logs__v1__log_record));
	array_value *codes = new_msg(a, D(common__v1__array_value));
	kvlist_value *body = new_msg(a, D(common__v1__key_value_list));
	any_value *codes_v = av(a, ANY(ARRAY_VALUE));
	struct wire w;

	SET_LIST(res, attributes, KV("service.name", STR("api")));
	scope->name = txt(a, "logger");
	r1->time_unix_nano = 1700000000000000001ULL;
	r1->observed_time_unix_nano = 1700000000000000002ULL;
	r1->severity_number = OPENTELEMETRY__PROTO__LOGS__V1__SEVERITY_NUMBER__SEVERITY_NUMBER_WARN;
	r1->severity_text = txt(a, "WARN");
	SET_LIST(codes, values, av_int(a, 28), av_double(a, NAN));
	codes_v->array_value = codes;
	SET_LIST(body, values, KV("msg", STR("disk full")), KV("codes", codes_v));
	r1->body = av(a, ANY(KVLIST_VALUE));
	r1->body->kvlist_value = body;
	SET_LIST(r1, attributes, KV("path", STR("/var")));
	r1->dropped_attributes_count = 1;
	r1->flags = 1;
	r1->trace_id = hex(a, "0102030405060708090a0b0c0d0e0f10");
	r1->span_id = hex(a, "a1a2a3a4a5a6a7a8");
	r1->event_name = txt(a, "disk.full");
	r2->severity_number = OPENTELEMETRY__PROTO__LOGS__V1__SEVERITY_NUMBER__SEVERITY_NUMBER_ERROR;
	r2->body = STR("second");

	sl->scope = scope;
	SET_LIST(sl, log_records, r1, r2);
	sl->schema_url = txt(a, "s");
	rl->resource = res;
	SET_LIST(rl, scope_logs, sl);
	SET_LIST(req, resource_logs, rl);
	w = pack(&req->base);
	gc_arena_destroy(a);
	return w;
}

static const char METRICS_JSON[] =
	"{'resourceMetrics':[{'resource':{},'scopeMetrics':[{'scope':{'name':'meter','version':'2'},"
	"'metrics':["
	"{'name':'g','description':'a gauge','unit':'1','gauge':{'dataPoints':["
	"{'attributes':[{'key':'cpu','value':{'intValue':'0'}}],'startTimeUnixNano':'1',"
	"'timeUnixNano':'2','asInt':'-9223372036854775808','flags':1},"
	"{'timeUnixNano':'3','asDouble':'-Infinity','exemplars':[{'filteredAttributes':"
	"[{'key':'e','value':{'stringValue':'x'}}],'timeUnixNano':'4','asDouble':0.5,"
	"'spanId':'0102030405060708','traceId':'0102030405060708090A0B0C0D0E0F10'}]}]},"
	"'metadata':[{'key':'m','value':{'stringValue':'v'}}]},"
	"{'name':'s','sum':{'dataPoints':[{'timeUnixNano':'5','asDouble':2.5}],"
	"'aggregationTemporality':'AGGREGATION_TEMPORALITY_CUMULATIVE','isMonotonic':true}},"
	"{'name':'h','histogram':{'dataPoints':["
	"{'timeUnixNano':'6','count':'6','sum':0,'bucketCounts':['1',2,'3'],"
	"'explicitBounds':[0.5,'1'],'min':-1,'max':'10.5',"
	"'exemplars':[{'timeUnixNano':'7','asInt':'7'}]},"
	"{'timeUnixNano':'8','count':0}],'aggregationTemporality':1}},"
	"{'name':'e','exponentialHistogram':{'dataPoints':[{'timeUnixNano':'9','count':'5',"
	"'sum':12.5,'scale':-3,'zeroCount':'1','positive':{'offset':-2,'bucketCounts':['1','2']},"
	"'negative':{'offset':3,'bucketCounts':[1]},'flags':1,'zeroThreshold':1e-9,'min':0,"
	"'max':4}],'aggregationTemporality':'AGGREGATION_TEMPORALITY_DELTA'}},"
	"{'name':'q','summary':{'dataPoints':[{'timeUnixNano':'10','count':'18446744073709551615',"
	"'sum':100.5,'quantileValues':[{'quantile':0,'value':1},{'quantile':1,'value':'99.5'}]}]}}"
	"],'schemaUrl':'sm'}],'schemaUrl':'https://opentelemetry.io/schemas/1.21.0'}]}";

static void *list_u64(gc_arena *a, size_t n, const uint64_t *v)
{
	return gc_arena_memdup(a, v, n * sizeof(*v));
}

static metric_t *metric(gc_arena *a, const char *name, int data_case, void *data)
{
	metric_t *m = new_msg(a, D(metrics__v1__metric));

	m->name = txt(a, name);
	m->data_case = data_case;
	m->gauge = data; /* every member of the union is a message pointer */
	return m;
}

static struct wire metrics_protobuf(void)
{
	gc_arena *a = gc_arena_create(0);
	gc_metrics_req *req = new_msg(a, D(collector__metrics__v1__export_metrics_service_request));
	resource_metrics *rm = new_msg(a, D(metrics__v1__resource_metrics));
	scope_metrics *sm = new_msg(a, D(metrics__v1__scope_metrics));
	scope_t *scope = new_msg(a, D(common__v1__instrumentation_scope));
	gauge_t *gauge = new_msg(a, D(metrics__v1__gauge));
	sum_t *sum = new_msg(a, D(metrics__v1__sum));
	histogram_t *hist = new_msg(a, D(metrics__v1__histogram));
	exp_histogram_t *exph = new_msg(a, D(metrics__v1__exponential_histogram));
	summary_t *summary = new_msg(a, D(metrics__v1__summary));
	number_point *g1 = new_msg(a, D(metrics__v1__number_data_point));
	number_point *g2 = new_msg(a, D(metrics__v1__number_data_point));
	number_point *s1 = new_msg(a, D(metrics__v1__number_data_point));
	exemplar_t *ex1 = new_msg(a, D(metrics__v1__exemplar)), *ex2 = new_msg(a, D(metrics__v1__exemplar));
	histogram_point *h1 = new_msg(a, D(metrics__v1__histogram_data_point));
	histogram_point *h2 = new_msg(a, D(metrics__v1__histogram_data_point));
	exp_point *e1 = new_msg(a, D(metrics__v1__exponential_histogram_data_point));
	exp_buckets *pos = new_msg(a, D(metrics__v1__exponential_histogram_data_point__buckets));
	exp_buckets *neg = new_msg(a, D(metrics__v1__exponential_histogram_data_point__buckets));
	summary_point *q1 = new_msg(a, D(metrics__v1__summary_data_point));
	quantile_t *qv1 = new_msg(a, D(metrics__v1__summary_data_point__value_at_quantile));
	quantile_t *qv2 = new_msg(a, D(metrics__v1__summary_data_point__value_at_quantile));
	metric_t *mg;
	struct wire w;

	SET_LIST(g1, attributes, KV("cpu", av_int(a, 0)));
	g1->start_time_unix_nano = 1;
	g1->time_unix_nano = 2;
	g1->value_case = NUMBER(AS_INT);
	g1->as_int = INT64_MIN;
	g1->flags = 1;
	SET_LIST(ex1, filtered_attributes, KV("e", STR("x")));
	ex1->time_unix_nano = 4;
	ex1->value_case = EXEMPLAR(AS_DOUBLE);
	ex1->as_double = 0.5;
	ex1->span_id = hex(a, "0102030405060708");
	ex1->trace_id = hex(a, "0102030405060708090a0b0c0d0e0f10");
	g2->time_unix_nano = 3;
	g2->value_case = NUMBER(AS_DOUBLE);
	g2->as_double = -INFINITY;
	SET_LIST(g2, exemplars, ex1);
	SET_LIST(gauge, data_points, g1, g2);
	mg = metric(a, "g", DATA(GAUGE), gauge);
	mg->description = txt(a, "a gauge");
	mg->unit = txt(a, "1");
	SET_LIST(mg, metadata, KV("m", STR("v")));

	s1->time_unix_nano = 5;
	s1->value_case = NUMBER(AS_DOUBLE);
	s1->as_double = 2.5;
	SET_LIST(sum, data_points, s1);
	sum->aggregation_temporality =
		OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
	sum->is_monotonic = 1;

	h1->time_unix_nano = 6;
	h1->count = 6;
	h1->_sum_case = HIST(SUM_SUM);
	h1->sum = 0;
	h1->n_bucket_counts = 3;
	h1->bucket_counts = list_u64(a, 3, (const uint64_t[]){ 1, 2, 3 });
	h1->n_explicit_bounds = 2;
	h1->explicit_bounds = (void *)gc_arena_memdup(a, (const double[]){ 0.5, 1 }, 2 * sizeof(double));
	h1->_min_case = HIST(MIN_MIN);
	h1->min = -1;
	h1->_max_case = HIST(MAX_MAX);
	h1->max = 10.5;
	ex2->time_unix_nano = 7;
	ex2->value_case = EXEMPLAR(AS_INT);
	ex2->as_int = 7;
	SET_LIST(h1, exemplars, ex2);
	h2->time_unix_nano = 8;
	SET_LIST(hist, data_points, h1, h2);
	hist->aggregation_temporality =
		OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_DELTA;

	e1->time_unix_nano = 9;
	e1->count = 5;
	e1->_sum_case = EXPH(SUM_SUM);
	e1->sum = 12.5;
	e1->scale = -3;
	e1->zero_count = 1;
	pos->offset = -2;
	pos->n_bucket_counts = 2;
	pos->bucket_counts = list_u64(a, 2, (const uint64_t[]){ 1, 2 });
	neg->offset = 3;
	neg->n_bucket_counts = 1;
	neg->bucket_counts = list_u64(a, 1, (const uint64_t[]){ 1 });
	e1->positive = pos;
	e1->negative = neg;
	e1->flags = 1;
	e1->zero_threshold = 1e-9;
	e1->_min_case = EXPH(MIN_MIN);
	e1->min = 0;
	e1->_max_case = EXPH(MAX_MAX);
	e1->max = 4;
	SET_LIST(exph, data_points, e1);
	exph->aggregation_temporality =
		OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_DELTA;

	q1->time_unix_nano = 10;
	q1->count = UINT64_MAX;
	q1->sum = 100.5;
	qv1->quantile = 0;
	qv1->value = 1;
	qv2->quantile = 1;
	qv2->value = 99.5;
	SET_LIST(q1, quantile_values, qv1, qv2);
	SET_LIST(summary, data_points, q1);

	scope->name = txt(a, "meter");
	scope->version = txt(a, "2");
	sm->scope = scope;
	SET_LIST(sm, metrics, mg, metric(a, "s", DATA(SUM), sum), metric(a, "h", DATA(HISTOGRAM), hist),
		 metric(a, "e", DATA(EXPONENTIAL_HISTOGRAM), exph),
		 metric(a, "q", DATA(SUMMARY), summary));
	sm->schema_url = txt(a, "sm");
	rm->resource = new_msg(a, D(resource__v1__resource));
	SET_LIST(rm, scope_metrics, sm);
	rm->schema_url = txt(a, "https://opentelemetry.io/schemas/1.21.0");
	SET_LIST(req, resource_metrics, rm);
	w = pack(&req->base);
	gc_arena_destroy(a);
	return w;
}

/* Two resources, one without scopes, the other with an empty resource and an
 * empty span: presence of empty messages must survive. */
static const char SPARSE_JSON[] =
	"{'resourceSpans':[{'scopeSpans':[]},{'resource':{'attributes':[]},"
	"'scopeSpans':[{'spans':[{}]}]}]}";

static struct wire sparse_protobuf(void)
{
	gc_arena *a = gc_arena_create(0);
	gc_traces_req *req = new_msg(a, D(collector__trace__v1__export_trace_service_request));
	resource_spans *r1 = new_msg(a, D(trace__v1__resource_spans));
	resource_spans *r2 = new_msg(a, D(trace__v1__resource_spans));
	scope_spans *ss = new_msg(a, D(trace__v1__scope_spans));
	struct wire w;

	r2->resource = new_msg(a, D(resource__v1__resource));
	SET_LIST(ss, spans, new_msg(a, D(trace__v1__span)));
	SET_LIST(r2, scope_spans, ss);
	SET_LIST(req, resource_spans, r1, r2);
	w = pack(&req->base);
	gc_arena_destroy(a);
	return w;
}

/* ---- full requests: every field ------------------------------------------ */

static void test_traces_every_field(void **state)
{
	struct gc_batch *b = decode_ok(GC_SIGNAL_TRACES, TRACES_JSON);
	resource_spans *rs = b->traces->resource_spans[0];
	scope_spans *ss;
	span_t *sp;
	any_value *v;

	assert_int_equal(b->items, 1);
	assert_int_equal(b->traces->n_resource_spans, 1);
	assert_text(rs->schema_url, "https://opentelemetry.io/schemas/1.20.0");
	assert_non_null(rs->resource);
	assert_int_equal(rs->resource->n_attributes, 2);
	assert_kv_text(rs->resource->attributes[0], "service.name", "checkout");
	assert_int_equal(rs->resource->attributes[1]->value->value_case, ANY(INT_VALUE));
	assert_int_equal(rs->resource->attributes[1]->value->int_value, 8);
	assert_int_equal(rs->resource->dropped_attributes_count, 1);

	assert_int_equal(rs->n_scope_spans, 1);
	ss = rs->scope_spans[0];
	assert_text(ss->schema_url, "https://opentelemetry.io/schemas/1.21.0");
	assert_text(ss->scope->name, "lib");
	assert_text(ss->scope->version, "1.2.3");
	assert_int_equal(ss->scope->n_attributes, 1);
	assert_int_equal(ss->scope->attributes[0]->value->value_case, ANY(BOOL_VALUE));
	assert_true(ss->scope->attributes[0]->value->bool_value);
	assert_int_equal(ss->scope->dropped_attributes_count, 2);

	assert_int_equal(ss->n_spans, 1);
	sp = ss->spans[0];
	assert_hex(sp->trace_id, "5b8efff798038103d269b633813fc60c");
	assert_hex(sp->span_id, "eee19b7ec3c1b174");
	assert_text(sp->trace_state, "congo=t61rcWkgMzE");
	assert_hex(sp->parent_span_id, "eee19b7ec3c1b173");
	assert_int_equal(sp->flags, 257);
	assert_text(sp->name, "GET /cart");
	assert_int_equal(sp->kind, OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER);
	assert_int_equal(sp->start_time_unix_nano, 1544712660000000000ULL);
	assert_int_equal(sp->end_time_unix_nano, 1544712661000000000ULL);

	assert_int_equal(sp->n_attributes, 9);
	assert_kv_text(sp->attributes[0], "str", "v");
	assert_text(sp->attributes[1]->key, "bool");
	assert_int_equal(sp->attributes[1]->value->value_case, ANY(BOOL_VALUE));
	assert_false(sp->attributes[1]->value->bool_value);
	assert_int_equal(sp->attributes[2]->value->value_case, ANY(INT_VALUE));
	assert_int_equal(sp->attributes[2]->value->int_value, -42);
	assert_int_equal(sp->attributes[3]->value->value_case, ANY(DOUBLE_VALUE));
	assert_true(sp->attributes[3]->value->double_value == 0.25);
	v = sp->attributes[4]->value;
	assert_int_equal(v->value_case, ANY(ARRAY_VALUE));
	assert_int_equal(v->array_value->n_values, 2);
	assert_int_equal(v->array_value->values[0]->value_case, ANY(STRING_VALUE));
	assert_text(v->array_value->values[0]->string_value, "a");
	assert_int_equal(v->array_value->values[1]->int_value, 1);
	v = sp->attributes[5]->value;
	assert_int_equal(v->value_case, ANY(KVLIST_VALUE));
	assert_int_equal(v->kvlist_value->n_values, 1);
	assert_text(v->kvlist_value->values[0]->key, "inner");
	assert_int_equal(v->kvlist_value->values[0]->value->value_case, ANY(DOUBLE_VALUE));
	assert_true(v->kvlist_value->values[0]->value->double_value == 1.5);
	v = sp->attributes[6]->value;
	assert_int_equal(v->value_case, ANY(BYTES_VALUE));
	assert_bin(v->bytes_value, "\x00\x01\xff", 3);
	assert_bin(sp->attributes[7]->key, "n\0ul", 4);
	assert_bin(sp->attributes[7]->value->string_value, "a\0b", 3);
	assert_int_equal(sp->attributes[8]->value->value_case, ANY(STRING_VALUE));
	assert_int_equal(sp->attributes[8]->value->string_value.len, 0);
	assert_int_equal(sp->dropped_attributes_count, 3);

	assert_int_equal(sp->n_events, 1);
	assert_int_equal(sp->events[0]->time_unix_nano, 1544712660500000000ULL);
	assert_text(sp->events[0]->name, "retry");
	assert_int_equal(sp->events[0]->n_attributes, 1);
	assert_int_equal(sp->events[0]->attributes[0]->value->int_value, 2);
	assert_int_equal(sp->events[0]->dropped_attributes_count, 4);
	assert_int_equal(sp->dropped_events_count, 5);

	assert_int_equal(sp->n_links, 1);
	assert_hex(sp->links[0]->trace_id, "00000000000000000000000000000001");
	assert_hex(sp->links[0]->span_id, "0000000000000002");
	assert_text(sp->links[0]->trace_state, "a=b");
	assert_kv_text(sp->links[0]->attributes[0], "l", "x");
	assert_int_equal(sp->links[0]->dropped_attributes_count, 6);
	assert_int_equal(sp->links[0]->flags, 1);
	assert_int_equal(sp->dropped_links_count, 7);

	assert_non_null(sp->status);
	assert_text(sp->status->message, "boom");
	assert_int_equal(sp->status->code,
			 OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR);
	gc_batch_unref(b);
}

static void test_logs_every_field(void **state)
{
	struct gc_batch *b = decode_ok(GC_SIGNAL_LOGS, LOGS_JSON);
	resource_logs *rl = b->logs->resource_logs[0];
	scope_logs *sl = rl->scope_logs[0];
	log_record *r;
	kvlist_value *body;
	array_value *codes;

	assert_int_equal(b->items, 2);
	assert_kv_text(rl->resource->attributes[0], "service.name", "api");
	assert_text(sl->scope->name, "logger");
	assert_text(sl->schema_url, "s");
	assert_int_equal(sl->n_log_records, 2);
	r = sl->log_records[0];
	assert_int_equal(r->time_unix_nano, 1700000000000000001ULL);
	assert_int_equal(r->observed_time_unix_nano, 1700000000000000002ULL);
	assert_int_equal(r->severity_number,
			 OPENTELEMETRY__PROTO__LOGS__V1__SEVERITY_NUMBER__SEVERITY_NUMBER_WARN);
	assert_text(r->severity_text, "WARN");
	assert_int_equal(r->body->value_case, ANY(KVLIST_VALUE));
	body = r->body->kvlist_value;
	assert_int_equal(body->n_values, 2);
	assert_kv_text(body->values[0], "msg", "disk full");
	assert_text(body->values[1]->key, "codes");
	assert_int_equal(body->values[1]->value->value_case, ANY(ARRAY_VALUE));
	codes = body->values[1]->value->array_value;
	assert_int_equal(codes->n_values, 2);
	assert_int_equal(codes->values[0]->int_value, 28);
	assert_int_equal(codes->values[1]->value_case, ANY(DOUBLE_VALUE));
	assert_true(isnan(codes->values[1]->double_value));
	assert_kv_text(r->attributes[0], "path", "/var");
	assert_int_equal(r->dropped_attributes_count, 1);
	assert_int_equal(r->flags, 1);
	assert_hex(r->trace_id, "0102030405060708090a0b0c0d0e0f10");
	assert_hex(r->span_id, "a1a2a3a4a5a6a7a8");
	assert_text(r->event_name, "disk.full");

	r = sl->log_records[1];
	assert_int_equal(r->severity_number,
			 OPENTELEMETRY__PROTO__LOGS__V1__SEVERITY_NUMBER__SEVERITY_NUMBER_ERROR);
	assert_int_equal(r->body->value_case, ANY(STRING_VALUE));
	assert_text(r->body->string_value, "second");
	assert_int_equal(r->trace_id.len, 0);
	assert_int_equal(r->time_unix_nano, 0);
	gc_batch_unref(b);
}

static void test_metrics_every_field(void **state)
{
	struct gc_batch *b = decode_ok(GC_SIGNAL_METRICS, METRICS_JSON);
	resource_metrics *rm = b->metrics->resource_metrics[0];
	metric_t *m;
	number_point *np;
	exemplar_t *ex;
	histogram_point *hp;
	exp_point *ep;
	summary_point *sp;

	assert_int_equal(b->items, 7);
	assert_non_null(rm->resource);
	assert_int_equal(rm->resource->n_attributes, 0);
	assert_text(rm->schema_url, "https://opentelemetry.io/schemas/1.21.0");
	assert_text(rm->scope_metrics[0]->schema_url, "sm");
	assert_text(rm->scope_metrics[0]->scope->version, "2");
	assert_int_equal(rm->scope_metrics[0]->n_metrics, 5);

	m = nth_metric(b, 0);
	assert_text(m->name, "g");
	assert_text(m->description, "a gauge");
	assert_text(m->unit, "1");
	assert_kv_text(m->metadata[0], "m", "v");
	assert_int_equal(m->data_case, DATA(GAUGE));
	assert_int_equal(m->gauge->n_data_points, 2);
	np = m->gauge->data_points[0];
	assert_int_equal(np->attributes[0]->value->int_value, 0);
	assert_int_equal(np->attributes[0]->value->value_case, ANY(INT_VALUE));
	assert_int_equal(np->start_time_unix_nano, 1);
	assert_int_equal(np->time_unix_nano, 2);
	assert_int_equal(np->value_case, NUMBER(AS_INT));
	assert_true(np->as_int == INT64_MIN);
	assert_int_equal(np->flags, 1);
	np = m->gauge->data_points[1];
	assert_int_equal(np->value_case, NUMBER(AS_DOUBLE));
	assert_true(isinf(np->as_double) && np->as_double < 0);
	assert_int_equal(np->n_exemplars, 1);
	ex = np->exemplars[0];
	assert_kv_text(ex->filtered_attributes[0], "e", "x");
	assert_int_equal(ex->time_unix_nano, 4);
	assert_int_equal(ex->value_case, EXEMPLAR(AS_DOUBLE));
	assert_true(ex->as_double == 0.5);
	assert_hex(ex->span_id, "0102030405060708");
	assert_hex(ex->trace_id, "0102030405060708090a0b0c0d0e0f10");

	m = nth_metric(b, 1);
	assert_int_equal(m->data_case, DATA(SUM));
	assert_int_equal(m->sum->aggregation_temporality,
			 OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE);
	assert_true(m->sum->is_monotonic);
	assert_true(m->sum->data_points[0]->as_double == 2.5);

	m = nth_metric(b, 2);
	assert_int_equal(m->data_case, DATA(HISTOGRAM));
	assert_int_equal(m->histogram->aggregation_temporality,
			 OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_DELTA);
	hp = m->histogram->data_points[0];
	assert_int_equal(hp->count, 6);
	assert_int_equal(hp->_sum_case, HIST(SUM_SUM));
	assert_true(hp->sum == 0);
	assert_int_equal(hp->n_bucket_counts, 3);
	assert_int_equal(hp->bucket_counts[0], 1);
	assert_int_equal(hp->bucket_counts[1], 2);
	assert_int_equal(hp->bucket_counts[2], 3);
	assert_int_equal(hp->n_explicit_bounds, 2);
	assert_true(hp->explicit_bounds[0] == 0.5 && hp->explicit_bounds[1] == 1);
	assert_int_equal(hp->_min_case, HIST(MIN_MIN));
	assert_true(hp->min == -1);
	assert_int_equal(hp->_max_case, HIST(MAX_MAX));
	assert_true(hp->max == 10.5);
	assert_int_equal(hp->exemplars[0]->value_case, EXEMPLAR(AS_INT));
	assert_int_equal(hp->exemplars[0]->as_int, 7);
	hp = m->histogram->data_points[1];
	assert_int_equal(hp->_sum_case, HIST(SUM__NOT_SET));
	assert_int_equal(hp->_min_case, HIST(MIN__NOT_SET));
	assert_int_equal(hp->_max_case, HIST(MAX__NOT_SET));
	assert_int_equal(hp->n_bucket_counts, 0);

	m = nth_metric(b, 3);
	assert_int_equal(m->data_case, DATA(EXPONENTIAL_HISTOGRAM));
	ep = m->exponential_histogram->data_points[0];
	assert_int_equal(ep->count, 5);
	assert_int_equal(ep->_sum_case, EXPH(SUM_SUM));
	assert_true(ep->sum == 12.5);
	assert_int_equal(ep->scale, -3);
	assert_int_equal(ep->zero_count, 1);
	assert_int_equal(ep->positive->offset, -2);
	assert_int_equal(ep->positive->n_bucket_counts, 2);
	assert_int_equal(ep->positive->bucket_counts[1], 2);
	assert_int_equal(ep->negative->offset, 3);
	assert_int_equal(ep->negative->n_bucket_counts, 1);
	assert_int_equal(ep->flags, 1);
	assert_true(ep->zero_threshold == 1e-9);
	assert_int_equal(ep->_min_case, EXPH(MIN_MIN));
	assert_true(ep->min == 0);
	assert_int_equal(ep->_max_case, EXPH(MAX_MAX));
	assert_true(ep->max == 4);

	m = nth_metric(b, 4);
	assert_int_equal(m->data_case, DATA(SUMMARY));
	sp = m->summary->data_points[0];
	assert_int_equal(sp->time_unix_nano, 10);
	assert_true(sp->count == UINT64_MAX);
	assert_true(sp->sum == 100.5);
	assert_int_equal(sp->n_quantile_values, 2);
	assert_true(sp->quantile_values[1]->quantile == 1);
	assert_true(sp->quantile_values[1]->value == 99.5);
	gc_batch_unref(b);
}

/* ---- names ---------------------------------------------------------------- */

/* The .proto spelling of every key decodes to the same request. */
static void test_snake_case_names(void **state)
{
	static const struct {
		enum gc_signal signal;
		const char *json, *proto_key;
	} cases[] = {
		{ GC_SIGNAL_TRACES, TRACES_JSON, "'start_time_unix_nano'" },
		{ GC_SIGNAL_LOGS, LOGS_JSON, "'observed_time_unix_nano'" },
		{ GC_SIGNAL_METRICS, METRICS_JSON, "'exponential_histogram'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *snake = snake_keys(cases[i].json);
		struct gc_batch *camel = decode_ok(cases[i].signal, cases[i].json);
		struct gc_batch *proto = decode_ok(cases[i].signal, snake);
		struct wire x = encode(camel), y = encode(proto);

		assert_non_null(strstr(snake, cases[i].proto_key));
		assert_null(strstr(snake, "Value'")); /* no camelCase key left */
		assert_int_equal(proto->items, camel->items);
		assert_same_wire(x, y, gc_signal_name(cases[i].signal));
		free(x.data);
		free(y.data);
		gc_batch_unref(camel);
		gc_batch_unref(proto);
		free(snake);
	}
}

/* Both spellings mixed in one object; a key that is neither is ignored. */
static void test_mixed_and_wrong_names(void **state)
{
	struct gc_batch *b = decode_ok(
		GC_SIGNAL_TRACES,
		SPANS("{'trace_id':'000102030405060708090a0b0c0d0e0f','spanId':'0001020304050607',"
		      "'start_time_unix_nano':'5','endTimeUnixNano':'6','TraceState':'x',"
		      "'traceID':'zz','parentSpanID':1,'droppedattributescount':'x'}"));
	span_t *sp = first_span(b);

	assert_hex(sp->trace_id, "000102030405060708090a0b0c0d0e0f");
	assert_hex(sp->span_id, "0001020304050607");
	assert_int_equal(sp->start_time_unix_nano, 5);
	assert_int_equal(sp->end_time_unix_nano, 6);
	assert_int_equal(sp->trace_state.len, 0);
	assert_int_equal(sp->parent_span_id.len, 0);
	gc_batch_unref(b);
}

/* ---- equivalence with the protobuf path ------------------------------------ */

static void test_json_and_protobuf_encode_alike(void **state)
{
	static const struct {
		enum gc_signal signal;
		const char *json;
		struct wire (*build)(void);
		size_t items;
	} cases[] = {
		{ GC_SIGNAL_TRACES, TRACES_JSON, traces_protobuf, 1 },
		{ GC_SIGNAL_LOGS, LOGS_JSON, logs_protobuf, 2 },
		{ GC_SIGNAL_METRICS, METRICS_JSON, metrics_protobuf, 7 },
		{ GC_SIGNAL_TRACES, SPARSE_JSON, sparse_protobuf, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wire pb = cases[i].build(), x, y;
		char *err = NULL, what[64];
		struct gc_batch *from_pb = gc_batch_decode(cases[i].signal, pb.data, pb.len, &err);
		struct gc_batch *from_json = decode_ok(cases[i].signal, cases[i].json);

		if (!from_pb)
			fail_msg("case %zu: %s", i, err);
		assert_int_equal(from_pb->items, cases[i].items);
		assert_int_equal(from_json->items, cases[i].items);
		x = encode(from_pb);
		y = encode(from_json);
		snprintf(what, sizeof(what), "case %zu (%s)", i, gc_signal_name(cases[i].signal));
		assert_same_wire(pb, x, what);
		assert_same_wire(x, y, what);
		free(x.data);
		free(y.data);
		free(pb.data);
		gc_batch_unref(from_pb);
		gc_batch_unref(from_json);
	}
}

/* ---- trace and span IDs ---------------------------------------------------- */

static void test_hex_ids(void **state)
{
	struct gc_batch *b = decode_ok(
		GC_SIGNAL_TRACES,
		SPANS("{'traceId':'ABCDEF0123456789abcdef0123456789','spanId':'aBcDeF0123456789',"
		      "'parentSpanId':''}"));
	span_t *sp = first_span(b);

	assert_hex(sp->trace_id, "abcdef0123456789abcdef0123456789");
	assert_hex(sp->span_id, "abcdef0123456789");
	assert_int_equal(sp->parent_span_id.len, 0); /* a root span */
	gc_batch_unref(b);

	b = decode_ok(GC_SIGNAL_LOGS, LOGS("{'traceId':'','spanId':''}"));
	assert_int_equal(first_log(b)->trace_id.len, 0); /* optional on logs */
	gc_batch_unref(b);

	expect_err(GC_SIGNAL_TRACES, SPANS("{'traceId':'0g000000000000000000000000000000'}"),
		   SPAN_PATH ".trace_id: expected hex digits");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'spanId':'000000000000000'}"),
		   SPAN_PATH ".span_id: expected 16 hex digits for a 8-byte ID, got 15");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'spanId':'00 0000000000000'}"),
		   SPAN_PATH ".span_id: expected hex digits");
	/* Base64 is the generic protobuf mapping of bytes, not OTLP's. */
	expect_err(GC_SIGNAL_TRACES, SPANS("{'traceId':'q83vASNFZ4mrze8BI0VniQ=='}"),
		   SPAN_PATH ".trace_id: expected 32 hex digits for a 16-byte ID, got 24");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'traceId':'q83vASNFZ4mrze8BI0VniQAAAAAAAAAA'}"),
		   SPAN_PATH ".trace_id: expected hex digits");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'traceId':16}"), SPAN_PATH ".trace_id: expected a string");
	expect_err(GC_SIGNAL_LOGS, LOGS("{'spanId':'xx00000000000000'}"),
		   LOG_PATH ".span_id: expected hex digits");
	expect_err(GC_SIGNAL_METRICS,
		   METRICS("{'gauge':{'dataPoints':[{'exemplars':[{'traceId':'0'}]}]}}"),
		   METRIC_PATH ".gauge.data_points[0].exemplars[0].trace_id: "
			       "expected 32 hex digits for a 16-byte ID, got 1");
}

/* OTLP: trace IDs are 16 bytes, span IDs 8 ("an ID ... of length other than 16
 * bytes is considered invalid"); the OpenTelemetry Collector answers 400 for
 * other lengths. Empty stays allowed (root spans, logs outside a trace). */
static void test_hex_id_length_checked(void **state)
{
	static const struct {
		enum gc_signal signal;
		const char *json, *path, *want;
	} cases[] = {
		{ GC_SIGNAL_TRACES, SPANS("{'traceId':'abcd'}"), SPAN_PATH ".trace_id: ", "16" },
		{ GC_SIGNAL_TRACES, SPANS("{'traceId':'000102030405060708090a0b0c0d0e'}"),
		  SPAN_PATH ".trace_id: ", "16" },
		{ GC_SIGNAL_TRACES, SPANS("{'traceId':'000102030405060708090a0b0c0d0e0f10'}"),
		  SPAN_PATH ".trace_id: ", "16" },
		{ GC_SIGNAL_TRACES, SPANS("{'spanId':'00010203040506'}"), SPAN_PATH ".span_id: ", "8" },
		{ GC_SIGNAL_TRACES, SPANS("{'spanId':'000102030405060708'}"), SPAN_PATH ".span_id: ", "8" },
		{ GC_SIGNAL_TRACES, SPANS("{'parentSpanId':'0001'}"), SPAN_PATH ".parent_span_id: ", "8" },
		{ GC_SIGNAL_TRACES, SPANS("{'links':[{'traceId':'00'}]}"),
		  SPAN_PATH ".links[0].trace_id: ", "16" },
		{ GC_SIGNAL_LOGS, LOGS("{'traceId':'0102'}"), LOG_PATH ".trace_id: ", "16" },
		{ GC_SIGNAL_LOGS, LOGS("{'spanId':'0102'}"), LOG_PATH ".span_id: ", "8" },
		{ GC_SIGNAL_METRICS, METRICS("{'gauge':{'dataPoints':[{'exemplars':[{'spanId':'01'}]}]}}"),
		  METRIC_PATH ".gauge.data_points[0].exemplars[0].span_id: ", "8" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *err = decode_err(cases[i].signal, cases[i].json);
		bool ok = !strncmp(err, cases[i].path, strlen(cases[i].path)) &&
			  strstr(err + strlen(cases[i].path), cases[i].want);

		if (!ok)
			print_error("case %zu: error \"%s\" should name %s and the length %s\n", i,
				    err, cases[i].path, cases[i].want);
		free(err);
		assert_true(ok);
	}
}

/* ---- integers --------------------------------------------------------------- */

static int64_t int_attr(const char *sq)
{
	struct gc_batch *b = decode_ok(GC_SIGNAL_TRACES, sq);
	any_value *v = first_attr(b);
	int64_t i;

	assert_int_equal(v->value_case, ANY(INT_VALUE));
	i = v->int_value;
	gc_batch_unref(b);
	return i;
}

static void test_int64_strings_and_numbers(void **state)
{
	assert_true(int_attr(ATTR("{'intValue':'9223372036854775807'}")) == INT64_MAX);
	assert_true(int_attr(ATTR("{'intValue':'-9223372036854775808'}")) == INT64_MIN);
	assert_true(int_attr(ATTR("{'intValue':9223372036854775807}")) == INT64_MAX);
	assert_true(int_attr(ATTR("{'intValue':-9223372036854775808}")) == INT64_MIN);
	assert_true(int_attr(ATTR("{'intValue':'0'}")) == 0);
	assert_true(int_attr(ATTR("{'intValue':-7}")) == -7);
	assert_true(int_attr(ATTR("{'intValue':1e3}")) == 1000);
	assert_true(int_attr(ATTR("{'intValue':-4.0}")) == -4);

	expect_err(GC_SIGNAL_TRACES, ATTR("{'intValue':'9223372036854775808'}"),
		   ATTR_PATH ".int_value: expected an integer, got \"9223372036854775808\"");
	expect_err(GC_SIGNAL_TRACES, ATTR("{'intValue':'-9223372036854775809'}"),
		   ATTR_PATH ".int_value: expected an integer, got \"-9223372036854775809\"");
	expect_err(GC_SIGNAL_TRACES, ATTR("{'intValue':1.5}"),
		   ATTR_PATH ".int_value: expected an integer");
	expect_err(GC_SIGNAL_TRACES, ATTR("{'intValue':'1.5'}"),
		   ATTR_PATH ".int_value: expected an integer, got \"1.5\"");
	expect_err(GC_SIGNAL_TRACES, ATTR("{'intValue':''}"),
		   ATTR_PATH ".int_value: expected an integer, got \"\"");
	expect_err(GC_SIGNAL_TRACES, ATTR("{'intValue':'12 '}"),
		   ATTR_PATH ".int_value: expected an integer, got \"12 \"");
	expect_err(GC_SIGNAL_TRACES, ATTR("{'intValue':true}"),
		   ATTR_PATH ".int_value: expected an integer");
	expect_err(GC_SIGNAL_TRACES, ATTR("{'intValue':1e19}"),
		   ATTR_PATH ".int_value: expected an integer");
	/* Past int64 as a bare number: read as its decimal text, and out of range. */
	expect_err(GC_SIGNAL_TRACES, ATTR("{'intValue':9223372036854775808}"),
		   ATTR_PATH ".int_value: expected an integer, got \"9223372036854775808\"");

	struct gc_batch *b = decode_ok(
		GC_SIGNAL_METRICS,
		METRICS("{'gauge':{'dataPoints':[{'asInt':'-1'},{'asInt':9223372036854775807}]}}"));
	assert_int_equal(nth_metric(b, 0)->gauge->data_points[0]->as_int, -1);
	assert_true(nth_metric(b, 0)->gauge->data_points[1]->as_int == INT64_MAX);
	gc_batch_unref(b);
}

/* A JSON number with a fraction part that is integral but at or past 2^63
 * (9223372036854775807.0 rounds to 2^63) must be refused: converting it to
 * int64_t is undefined behaviour. The same for uint64 at 2^64. */
static void test_integral_reals_past_range_refused(void **state)
{
	expect_err(GC_SIGNAL_TRACES, ATTR("{'intValue':9223372036854775808.0}"),
		   ATTR_PATH ".int_value: expected an integer");
	expect_err(GC_SIGNAL_TRACES, ATTR("{'intValue':9223372036854775807.0}"),
		   ATTR_PATH ".int_value: expected an integer");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'startTimeUnixNano':18446744073709551616.0}"),
		   SPAN_PATH ".start_time_unix_nano: expected an integer");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'startTimeUnixNano':1.8446744073709552e19}"),
		   SPAN_PATH ".start_time_unix_nano: expected an integer");
}

static void test_uint64_timestamps(void **state)
{
	struct gc_batch *b = decode_ok(
		GC_SIGNAL_TRACES, SPANS("{'startTimeUnixNano':'18446744073709551615',"
					"'endTimeUnixNano':1700000000000000000,"
					"'events':[{'timeUnixNano':'0'},{'timeUnixNano':9223372036854775807}]}"));
	span_t *sp = first_span(b);

	assert_true(sp->start_time_unix_nano == UINT64_MAX);
	assert_int_equal(sp->end_time_unix_nano, 1700000000000000000ULL);
	assert_int_equal(sp->events[0]->time_unix_nano, 0);
	assert_int_equal(sp->events[1]->time_unix_nano, INT64_MAX);
	gc_batch_unref(b);

	expect_err(GC_SIGNAL_TRACES, SPANS("{'startTimeUnixNano':'18446744073709551616'}"),
		   SPAN_PATH ".start_time_unix_nano: expected an unsigned integer, got "
			     "\"18446744073709551616\"");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'startTimeUnixNano':'-1'}"),
		   SPAN_PATH ".start_time_unix_nano: expected an unsigned integer, got \"-1\"");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'startTimeUnixNano':-1}"),
		   SPAN_PATH ".start_time_unix_nano: integer out of range");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'startTimeUnixNano':'1e3'}"),
		   SPAN_PATH ".start_time_unix_nano: expected an unsigned integer, got \"1e3\"");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'startTimeUnixNano':''}"),
		   SPAN_PATH ".start_time_unix_nano: expected an unsigned integer, got \"\"");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'startTimeUnixNano':0.5}"),
		   SPAN_PATH ".start_time_unix_nano: expected an integer");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'startTimeUnixNano':{}}"),
		   SPAN_PATH ".start_time_unix_nano: expected an integer");
}

/* strtoull accepts leading white space and then a minus sign, and negates:
 * " -1" must not become 18446744073709551615. */
static void test_uint64_negative_after_space_refused(void **state)
{
	expect_err_has(GC_SIGNAL_TRACES, SPANS("{'startTimeUnixNano':' -1'}"),
		       SPAN_PATH ".start_time_unix_nano: ");
	expect_err_has(GC_SIGNAL_METRICS,
		       METRICS("{'histogram':{'dataPoints':[{'bucketCounts':['\\t-5']}]}}"),
		       METRIC_PATH ".histogram.data_points[0].bucket_counts[0]: ");
}

static void test_32bit_ranges(void **state)
{
	struct gc_batch *b = decode_ok(
		GC_SIGNAL_TRACES,
		SPANS("{'droppedAttributesCount':4294967295,'droppedEventsCount':'4294967295',"
		      "'flags':'4294967295'}"));
	span_t *sp = first_span(b);

	assert_int_equal(sp->dropped_attributes_count, UINT32_MAX);
	assert_int_equal(sp->dropped_events_count, UINT32_MAX);
	assert_int_equal(sp->flags, UINT32_MAX);
	gc_batch_unref(b);

	b = decode_ok(GC_SIGNAL_METRICS,
		      METRICS("{'exponentialHistogram':{'dataPoints':[{'scale':-2147483648,"
			      "'positive':{'offset':'2147483647'}},{'scale':'-20'}]}}"));
	assert_int_equal(nth_metric(b, 0)->exponential_histogram->data_points[0]->scale, INT32_MIN);
	assert_int_equal(nth_metric(b, 0)->exponential_histogram->data_points[0]->positive->offset,
			 INT32_MAX);
	assert_int_equal(nth_metric(b, 0)->exponential_histogram->data_points[1]->scale, -20);
	gc_batch_unref(b);

	expect_err(GC_SIGNAL_TRACES, SPANS("{'droppedAttributesCount':4294967296}"),
		   SPAN_PATH ".dropped_attributes_count: integer out of range");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'droppedAttributesCount':-1}"),
		   SPAN_PATH ".dropped_attributes_count: integer out of range");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'flags':'4294967296'}"),
		   SPAN_PATH ".flags: expected an unsigned integer, got \"4294967296\"");
	expect_err(GC_SIGNAL_METRICS,
		   METRICS("{'exponentialHistogram':{'dataPoints':[{'scale':2147483648}]}}"),
		   METRIC_PATH ".exponential_histogram.data_points[0].scale: integer out of range");
	expect_err(GC_SIGNAL_METRICS,
		   METRICS("{'exponentialHistogram':{'dataPoints':[{'scale':'-2147483649'}]}}"),
		   METRIC_PATH ".exponential_histogram.data_points[0].scale: expected an integer, got "
			       "\"-2147483649\"");
}

/* ---- enums, booleans, doubles ---------------------------------------------- */

static void test_enums_as_numbers_and_names(void **state)
{
	struct gc_batch *b = decode_ok(
		GC_SIGNAL_TRACES,
		SPANS("{'kind':'SPAN_KIND_CONSUMER','status':{'code':1}},{'kind':3,"
		      "'status':{'code':'STATUS_CODE_OK'}},{'kind':42}"));
	scope_spans *ss = b->traces->resource_spans[0]->scope_spans[0];

	assert_int_equal(ss->spans[0]->kind, 5);
	assert_int_equal(ss->spans[0]->status->code, 1);
	assert_int_equal(ss->spans[1]->kind, 3);
	assert_int_equal(ss->spans[1]->status->code, 1);
	assert_int_equal(ss->spans[2]->kind, 42); /* proto3 enums are open */
	gc_batch_unref(b);

	b = decode_ok(GC_SIGNAL_LOGS,
		      LOGS("{'severityNumber':'SEVERITY_NUMBER_FATAL4'},{'severityNumber':9}"));
	assert_int_equal(first_log(b)->severity_number, 24);
	assert_int_equal(b->logs->resource_logs[0]->scope_logs[0]->log_records[1]->severity_number, 9);
	gc_batch_unref(b);

	b = decode_ok(GC_SIGNAL_METRICS,
		      METRICS("{'sum':{'aggregationTemporality':'AGGREGATION_TEMPORALITY_DELTA'}},"
			      "{'histogram':{'aggregationTemporality':2}}"));
	assert_int_equal(nth_metric(b, 0)->sum->aggregation_temporality, 1);
	assert_int_equal(nth_metric(b, 1)->histogram->aggregation_temporality, 2);
	gc_batch_unref(b);

	expect_err(GC_SIGNAL_TRACES, SPANS("{'kind':'SPAN_KIND_NOPE'}"),
		   SPAN_PATH ".kind: unknown enum value \"SPAN_KIND_NOPE\"");
	expect_err(GC_SIGNAL_LOGS, LOGS("{'severityNumber':'9'}"),
		   LOG_PATH ".severity_number: unknown enum value \"9\"");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'kind':'span_kind_server'}"),
		   SPAN_PATH ".kind: unknown enum value \"span_kind_server\"");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'kind':2147483648}"),
		   SPAN_PATH ".kind: integer out of range");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'kind':1.5}"), SPAN_PATH ".kind: expected an integer");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'kind':true}"), SPAN_PATH ".kind: expected an integer");
	expect_err(GC_SIGNAL_METRICS, METRICS("{'sum':{'isMonotonic':'true'}}"),
		   METRIC_PATH ".sum.is_monotonic: expected true or false");
	expect_err(GC_SIGNAL_METRICS, METRICS("{'sum':{'isMonotonic':1}}"),
		   METRIC_PATH ".sum.is_monotonic: expected true or false");
}

static double double_attr(const char *sq)
{
	struct gc_batch *b = decode_ok(GC_SIGNAL_TRACES, sq);
	any_value *v = first_attr(b);
	double d;

	assert_int_equal(v->value_case, ANY(DOUBLE_VALUE));
	d = v->double_value;
	gc_batch_unref(b);
	return d;
}

static void test_doubles(void **state)
{
	double d;

	assert_true(isnan(double_attr(ATTR("{'doubleValue':'NaN'}"))));
	d = double_attr(ATTR("{'doubleValue':'Infinity'}"));
	assert_true(isinf(d) && d > 0);
	d = double_attr(ATTR("{'doubleValue':'-Infinity'}"));
	assert_true(isinf(d) && d < 0);
	assert_true(double_attr(ATTR("{'doubleValue':1.5}")) == 1.5);
	assert_true(double_attr(ATTR("{'doubleValue':'-2.5'}")) == -2.5);
	assert_true(double_attr(ATTR("{'doubleValue':3}")) == 3.0);
	assert_true(double_attr(ATTR("{'doubleValue':1e308}")) == 1e308);
	assert_true(double_attr(ATTR("{'doubleValue':'1e-300'}")) == 1e-300);
	assert_true(double_attr(ATTR("{'doubleValue':9007199254740993}")) == 9007199254740992.0);

	expect_err(GC_SIGNAL_TRACES, ATTR("{'doubleValue':'abc'}"),
		   ATTR_PATH ".double_value: expected a number, got \"abc\"");
	expect_err(GC_SIGNAL_TRACES, ATTR("{'doubleValue':''}"),
		   ATTR_PATH ".double_value: expected a number, got \"\"");
	expect_err(GC_SIGNAL_TRACES, ATTR("{'doubleValue':'1.5x'}"),
		   ATTR_PATH ".double_value: expected a number, got \"1.5x\"");
	expect_err(GC_SIGNAL_TRACES, ATTR("{'doubleValue':true}"),
		   ATTR_PATH ".double_value: expected a number");
	expect_err(GC_SIGNAL_TRACES, ATTR("{'doubleValue':[1]}"),
		   ATTR_PATH ".double_value: expected a number");
}

/* ---- bytes: base64 ------------------------------------------------------- */

static void assert_b64(const char *b64, const void *want, size_t len)
{
	char json[256];
	struct gc_batch *b;
	any_value *v;

	snprintf(json, sizeof(json), ATTR("{'bytesValue':'%s'}"), b64);
	b = decode_ok(GC_SIGNAL_TRACES, json);
	v = first_attr(b);
	assert_int_equal(v->value_case, ANY(BYTES_VALUE));
	assert_bin(v->bytes_value, want, len);
	gc_batch_unref(b);
}

static void expect_b64_refused(const char *b64)
{
	char json[256];

	snprintf(json, sizeof(json), ATTR("{'bytesValue':'%s'}"), b64);
	expect_err(GC_SIGNAL_TRACES, json, ATTR_PATH ".bytes_value: expected base64");
}

static void test_base64_forms(void **state)
{
	assert_b64("+/8=", "\xfb\xff", 2);
	assert_b64("-_8=", "\xfb\xff", 2);
	assert_b64("-_8", "\xfb\xff", 2);
	assert_b64("+/8", "\xfb\xff", 2);
	assert_b64("AAH/", "\x00\x01\xff", 3);
	assert_b64("QUJDRA==", "ABCD", 4);
	assert_b64("QUJDRA", "ABCD", 4);
	assert_b64("QUJDREU=", "ABCDE", 5);
	assert_b64("QUJDREU", "ABCDE", 5);
	assert_b64("QUJDREVG", "ABCDEF", 6);
	assert_b64("AAAAAAAAAAA=", "\0\0\0\0\0\0\0\0", 8);
	assert_b64("", "", 0);

	expect_b64_refused("Q");
	expect_b64_refused("QUJDR");
	expect_b64_refused("Q===");
	expect_b64_refused("====");
	expect_b64_refused("=");
	expect_b64_refused("QU*D");
	expect_b64_refused("QU JDQ==");
	expect_b64_refused("QU\\u00e9");
	expect_b64_refused("QUJD=====");
	expect_err(GC_SIGNAL_TRACES, ATTR("{'bytesValue':5}"),
		   ATTR_PATH ".bytes_value: expected a string");
}

/* Padding only at the end, no white space: OpenSSL's EVP_DecodeBlock decodes a
 * '=' in the middle as zero bits and trims trailing white space, so these came
 * out as made-up bytes ("QQ==QQ==" as 41 00 00 41). */
static void test_base64_padding_only_at_end(void **state)
{
	expect_b64_refused("QQ==QQ==");
	expect_b64_refused("a=bc");
	expect_b64_refused("QU=D");
	expect_b64_refused("QUJD    ");
}

/* ---- strings, nesting, nulls, unknown fields ------------------------------- */

static void test_nested_any_values(void **state)
{
	struct gc_batch *b = decode_ok(
		GC_SIGNAL_TRACES,
		ATTR("{'kvlistValue':{'values':[{'key':'list','value':{'arrayValue':{'values':["
		     "{'stringValue':'s'},{'intValue':'-1'},{'boolValue':true},{'doubleValue':0.5},"
		     "{'bytesValue':'AQI='},{'kvlistValue':{'values':[]}},{'arrayValue':{}},{},"
		     "{'arrayValue':{'values':[{'kvlistValue':{'values':[{'key':'deep','value':"
		     "{'intValue':3}}]}}]}}]}}},{'key':'empty','value':{}},{'key':'none'}]}}"));
	any_value *v = first_attr(b), **items;
	kvlist_value *kvl;
	array_value *inner;
	struct gc_batch *again;

	assert_int_equal(v->value_case, ANY(KVLIST_VALUE));
	kvl = v->kvlist_value;
	assert_int_equal(kvl->n_values, 3);
	assert_text(kvl->values[0]->key, "list");
	assert_int_equal(kvl->values[0]->value->value_case, ANY(ARRAY_VALUE));
	assert_int_equal(kvl->values[0]->value->array_value->n_values, 9);
	items = kvl->values[0]->value->array_value->values;
	assert_int_equal(items[0]->value_case, ANY(STRING_VALUE));
	assert_text(items[0]->string_value, "s");
	assert_int_equal(items[1]->value_case, ANY(INT_VALUE));
	assert_int_equal(items[1]->int_value, -1);
	assert_int_equal(items[2]->value_case, ANY(BOOL_VALUE));
	assert_true(items[2]->bool_value);
	assert_int_equal(items[3]->value_case, ANY(DOUBLE_VALUE));
	assert_true(items[3]->double_value == 0.5);
	assert_int_equal(items[4]->value_case, ANY(BYTES_VALUE));
	assert_bin(items[4]->bytes_value, "\x01\x02", 2);
	assert_int_equal(items[5]->value_case, ANY(KVLIST_VALUE));
	assert_int_equal(items[5]->kvlist_value->n_values, 0);
	assert_int_equal(items[6]->value_case, ANY(ARRAY_VALUE));
	assert_int_equal(items[6]->array_value->n_values, 0);
	assert_int_equal(items[7]->value_case, ANY_NOT_SET);
	assert_int_equal(items[8]->value_case, ANY(ARRAY_VALUE));
	inner = items[8]->array_value;
	assert_int_equal(inner->n_values, 1);
	assert_int_equal(inner->values[0]->value_case, ANY(KVLIST_VALUE));
	assert_text(inner->values[0]->kvlist_value->values[0]->key, "deep");
	assert_int_equal(inner->values[0]->kvlist_value->values[0]->value->int_value, 3);
	assert_text(kvl->values[1]->key, "empty");
	assert_int_equal(kvl->values[1]->value->value_case, ANY_NOT_SET);
	assert_text(kvl->values[2]->key, "none");
	assert_null(kvl->values[2]->value);
	again = through_protobuf(b);
	v = first_attr(again);
	assert_int_equal(v->kvlist_value->values[0]->value->array_value->n_values, 9);
	assert_null(v->kvlist_value->values[2]->value);
	gc_batch_unref(again);
	gc_batch_unref(b);
}

/* \u0000 is kept: strings are lengths, not C strings. */
static void test_nul_in_strings(void **state)
{
	struct gc_batch *b = decode_ok(
		GC_SIGNAL_TRACES,
		SPANS("{'name':'a\\u0000b','traceState':'\\u0000',"
		      "'attributes':[{'key':'k\\u0000','value':{'stringValue':'\\u0000\\u0000x\\u0000'}}]}"));
	span_t *sp = first_span(b);

	assert_bin(sp->name, "a\0b", 3);
	assert_bin(sp->trace_state, "\0", 1);
	assert_bin(sp->attributes[0]->key, "k\0", 2);
	assert_bin(sp->attributes[0]->value->string_value, "\0\0x\0", 4);
	gc_batch_unref(b);

	b = decode_ok(GC_SIGNAL_LOGS, LOGS("{'body':{'stringValue':'x\\u0000y'},'severityText':'\\u0000'}"));
	assert_bin(first_log(b)->body->string_value, "x\0y", 3);
	assert_bin(first_log(b)->severity_text, "\0", 1);
	gc_batch_unref(b);
}

static void test_unknown_fields_ignored(void **state)
{
	char *deep = malloc(8192), *p = deep;
	struct gc_batch *b;

	b = decode_ok(GC_SIGNAL_TRACES,
		      "{'resourceSpans':[{'futureField':{'a':[1,2,{'b':null}]},'scopeSpans':[{"
		      "'spans':[{'name':'n','newThing':'x','links':[{'weight':0.5}],"
		      "'attributes':[{'key':'k','value':{'stringValue':'v','futureValue':{}},"
		      "'keyStrindexNext':1}]}],'scope':{'name':'s','extra':[]}}],'Resource':5}],"
		      "'extra':true}");
	assert_int_equal(b->items, 1);
	assert_text(first_span(b)->name, "n");
	assert_int_equal(first_span(b)->n_links, 1);
	assert_kv_text(first_span(b)->attributes[0], "k", "v");
	assert_null(b->traces->resource_spans[0]->resource);
	gc_batch_unref(b);

	/* An unknown field nested 1000 deep is parsed and skipped. */
	assert_non_null(deep);
	p += sprintf(p, "{'resourceLogs':[],'unknown':");
	for (int i = 0; i < 1000; i++)
		*p++ = '[';
	for (int i = 0; i < 1000; i++)
		*p++ = ']';
	strcpy(p, "}");
	b = decode_ok(GC_SIGNAL_LOGS, deep);
	assert_int_equal(b->items, 0);
	gc_batch_unref(b);
	free(deep);
}

/* null is the field's default; a null element of a list is an error. */
static void test_null_values(void **state)
{
	struct gc_batch *b = decode_ok(
		GC_SIGNAL_TRACES,
		"{'resourceSpans':[{'resource':null,'schemaUrl':null,'scopeSpans':[{'scope':null,"
		"'spans':[{'traceId':null,'name':null,'attributes':null,'kind':null,"
		"'startTimeUnixNano':null,'status':null,'events':[{'name':'e','attributes':null}]},"
		"{'attributes':[{'key':'k','value':{'stringValue':null}},{'key':'n','value':null}]}]}]}]}");
	scope_spans *ss = b->traces->resource_spans[0]->scope_spans[0];
	struct gc_batch *again;

	assert_null(b->traces->resource_spans[0]->resource);
	assert_int_equal(b->traces->resource_spans[0]->schema_url.len, 0);
	assert_null(ss->scope);
	assert_int_equal(ss->n_spans, 2);
	assert_int_equal(ss->spans[0]->trace_id.len, 0);
	assert_int_equal(ss->spans[0]->name.len, 0);
	assert_int_equal(ss->spans[0]->n_attributes, 0);
	assert_int_equal(ss->spans[0]->kind, 0);
	assert_int_equal(ss->spans[0]->start_time_unix_nano, 0);
	assert_null(ss->spans[0]->status);
	assert_int_equal(ss->spans[0]->n_events, 1);
	assert_int_equal(ss->spans[1]->attributes[0]->value->value_case, ANY_NOT_SET);
	assert_null(ss->spans[1]->attributes[1]->value);
	again = through_protobuf(b);
	gc_batch_unref(again);
	gc_batch_unref(b);

	b = decode_ok(GC_SIGNAL_METRICS,
		      METRICS("{'name':'h','histogram':{'dataPoints':[{'sum':null,'min':null}]},"
			      "'gauge':null}"));
	assert_int_equal(nth_metric(b, 0)->data_case, DATA(HISTOGRAM));
	assert_int_equal(nth_metric(b, 0)->histogram->data_points[0]->_sum_case, HIST(SUM__NOT_SET));
	assert_int_equal(nth_metric(b, 0)->histogram->data_points[0]->_min_case, HIST(MIN__NOT_SET));
	gc_batch_unref(b);

	expect_err(GC_SIGNAL_TRACES, SPANS("null"), SPAN_PATH ": expected an object");
	expect_err(GC_SIGNAL_METRICS,
		   METRICS("{'histogram':{'dataPoints':[{'bucketCounts':['1',null]}]}}"),
		   METRIC_PATH ".histogram.data_points[0].bucket_counts[1]: expected an integer");
}

/* ---- errors ----------------------------------------------------------------- */

static void test_error_paths(void **state)
{
	expect_err(GC_SIGNAL_TRACES, SPANS("{},{'kind':'SPAN_KIND_NOPE'}"),
		   "$.resource_spans[0].scope_spans[0].spans[1].kind: unknown enum value "
		   "\"SPAN_KIND_NOPE\"");
	expect_err(GC_SIGNAL_TRACES, SPANS("{'name':5}"), SPAN_PATH ".name: expected a string");
	expect_err(GC_SIGNAL_TRACES, "{'resourceSpans':{}}", "$.resource_spans: expected an array");
	expect_err(GC_SIGNAL_TRACES, "{'resource_spans':[{'resource':[]}]}",
		   "$.resource_spans[0].resource: expected an object");
	expect_err(GC_SIGNAL_TRACES,
		   "{'resourceSpans':[{},{'scopeSpans':[{'spans':[]},{'spans':[{},{},"
		   "{'events':[{'attributes':[{'key':1}]}]}]}]}]}",
		   "$.resource_spans[1].scope_spans[1].spans[2].events[0].attributes[0].key: "
		   "expected a string");
	expect_err(GC_SIGNAL_LOGS,
		   LOGS("{'body':{'kvlistValue':{'values':[{'key':'a','value':{'arrayValue':"
			"{'values':[{'boolValue':'yes'}]}}}]}}}"),
		   LOG_PATH ".body.kvlist_value.values[0].value.array_value.values[0].bool_value: "
			    "expected true or false");
	expect_err(GC_SIGNAL_METRICS,
		   METRICS("{'name':'h','histogram':{'dataPoints':[{'bucketCounts':['1','x']}]}}"),
		   METRIC_PATH ".histogram.data_points[0].bucket_counts[1]: expected an unsigned "
			       "integer, got \"x\"");
	expect_err(GC_SIGNAL_METRICS, METRICS("{'histogram':{'dataPoints':[{'bucketCounts':'1'}]}}"),
		   METRIC_PATH ".histogram.data_points[0].bucket_counts: expected an array");
	expect_err(GC_SIGNAL_METRICS,
		   METRICS("{'summary':{'dataPoints':[{'quantileValues':[{'value':'lots'}]}]}}"),
		   METRIC_PATH ".summary.data_points[0].quantile_values[0].value: expected a number, "
			       "got \"lots\"");

	expect_err(GC_SIGNAL_TRACES, "[]", "$: expected an object");
	expect_err_has(GC_SIGNAL_TRACES, "", "invalid JSON at line ");
	expect_err_has(GC_SIGNAL_TRACES, "{'resourceSpans':[}", "invalid JSON at line 1 column ");
	expect_err_has(GC_SIGNAL_TRACES, "{} x", "invalid JSON");
	expect_err_has(GC_SIGNAL_TRACES, "null", "invalid JSON");
	expect_err_has(GC_SIGNAL_TRACES, "{'resourceSpans':[],}", "invalid JSON");
}

static bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 :
			(*p & 0xf8) == 0xf0 ? 3 : -1;

		if (n < 0)
			return false;
		for (p++; n > 0; n--, p++)
			if ((*p & 0xc0) != 0x80)
				return false;
	}
	return true;
}

/* Errors quote at most 40 bytes of the bad value; the cut must not split a
 * UTF-8 character, or the google.rpc.Status body built from the error loses its
 * message (jansson refuses invalid UTF-8). */
static void test_error_text_stays_utf8(void **state)
{
	/* 'a' and 21 two-byte characters: byte 40 is the first half of one. */
	const char *payload = SPANS("{'startTimeUnixNano':'a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9'}");
	char *err = decode_err(GC_SIGNAL_TRACES, payload), *body;
	Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
	bool ok;

	st.code = 3;
	st.message = err;
	body = gc_otlp_json_encode(&st.base);
	assert_non_null(body);
	ok = strstr(body, "\"message\":\"$.resource_spans[0]") && utf8_valid(err);
	if (!ok)
		print_error("Status body %s lost the message \"%s\"\n", body, err);
	free(body);
	free(err);
	assert_true(ok);

	err = decode_err(GC_SIGNAL_TRACES,
			 SPANS("{'kind':'\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
			       "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
			       "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac'}"));
	assert_true(utf8_valid(err));
	free(err);
}

/* ---- nesting ---------------------------------------------------------------- */

/* A span attribute whose value is `levels` arrayValues nested around a string.
 * The request is level 0, so the innermost AnyValue is at 5 + 2 * levels. */
static char *nested_attr(int levels)
{
	size_t cap = (size_t)levels * 40 + 256;
	char *s = malloc(cap), *p = s;

	assert_non_null(s);
	p += sprintf(p, "{'resourceSpans':[{'scopeSpans':[{'spans':[{'attributes':[{'key':'k',"
			"'value':");
	for (int i = 0; i < levels; i++)
		p += sprintf(p, "{'arrayValue':{'values':[");
	p += sprintf(p, "{'stringValue':'x'}");
	for (int i = 0; i < levels; i++)
		p += sprintf(p, "]}}");
	sprintf(p, "}]}]}]}]}");
	return s;
}

/* The same nesting built with protobuf-c and packed. */
static struct wire nested_protobuf(int levels)
{
	gc_arena *a = gc_arena_create(0);
	gc_traces_req *req = new_msg(a, D(collector__trace__v1__export_trace_service_request));
	resource_spans *rs = new_msg(a, D(trace__v1__resource_spans));
	scope_spans *ss = new_msg(a, D(trace__v1__scope_spans));
	span_t *sp = new_msg(a, D(trace__v1__span));
	any_value *v = STR("x");
	struct wire w;

	for (int i = 0; i < levels; i++) {
		array_value *arr = new_msg(a, D(common__v1__array_value));
		any_value *outer = av(a, ANY(ARRAY_VALUE));

		SET_LIST(arr, values, v);
		outer->array_value = arr;
		v = outer;
	}
	SET_LIST(sp, attributes, KV("k", v));
	SET_LIST(ss, spans, sp);
	SET_LIST(rs, scope_spans, ss);
	SET_LIST(req, resource_spans, rs);
	w = pack(&req->base);
	gc_arena_destroy(a);
	return w;
}

/* Both decoders stop at the same depth: what JSON accepts, the protobuf path
 * accepts after re-encoding, and one level more is refused by both. */
static void test_nesting_limit(void **state)
{
	static const char prefix[] = ATTR_PATH ".array_value.values[0].array_value";
	char *ok = nested_attr(47), *deep = nested_attr(48), *err = NULL, *msg;
	struct gc_batch *b = decode_ok(GC_SIGNAL_TRACES, ok), *again;
	struct wire pb47 = nested_protobuf(47), pb48 = nested_protobuf(48), x;

	again = through_protobuf(b);
	x = encode(again);
	assert_same_wire(pb47, x, "47 levels");
	free(x.data);
	gc_batch_unref(again);
	gc_batch_unref(b);

	msg = decode_err(GC_SIGNAL_TRACES, deep);
	if (strncmp(msg, prefix, strlen(prefix)) ||
	    !strstr(msg, ": messages nest deeper than 100 levels"))
		fail_msg("unexpected error: %s", msg);
	free(msg);
	assert_null(gc_batch_decode(GC_SIGNAL_TRACES, pb48.data, pb48.len, &err));
	assert_non_null(strstr(err, "messages nest deeper than 100 levels"));
	free(err);
	free(pb47.data);
	free(pb48.data);
	free(ok);
	free(deep);
}

/* JSON nested far deeper than any message refuses cleanly (no stack overflow). */
static void test_deep_json_refused(void **state)
{
	size_t n = 200000;
	char *s = malloc(n + 64), *p = s;

	assert_non_null(s);
	p += sprintf(p, "{'resourceSpans':");
	memset(p, '[', n);
	p[n] = '\0';
	expect_err_has(GC_SIGNAL_TRACES, s, "invalid JSON");
	expect_err_has(GC_SIGNAL_TRACES, s, "depth");

	/* 400 kvlists: 1600 levels of JSON (under the parser's limit), 1200 of
	 * messages, refused at the 100th. */
	p = s + sprintf(s, "{'resourceLogs':[{'scopeLogs':[{'logRecords':[{'body':");
	for (int i = 0; i < 400; i++)
		p += sprintf(p, "{'kvlistValue':{'values':[{'key':'k','value':");
	p += sprintf(p, "{}");
	for (int i = 0; i < 400; i++)
		p += sprintf(p, "}]}}");
	strcpy(p, "}]}]}]}");
	expect_err_has(GC_SIGNAL_LOGS, s, ": messages nest deeper than 100 levels");
	free(s);
}

/* ---- oneofs and repeated scalars --------------------------------------------- */

static void test_oneof_cases(void **state)
{
	struct gc_batch *b = decode_ok(
		GC_SIGNAL_METRICS,
		METRICS("{'gauge':{}},{'sum':{}},{'histogram':{}},{'exponentialHistogram':{}},"
			"{'summary':{}},{'name':'none'},"
			"{'gauge':{'dataPoints':[{'asInt':'0'},{'asDouble':0},{}]}},"
			"{'histogram':{'dataPoints':[{'sum':0,'min':0,'max':0},{'max':-0.5}]}},"
			"{'exponentialHistogram':{'dataPoints':[{'sum':'NaN'},{'min':'-Infinity'}]}}"));
	int cases[] = { DATA(GAUGE), DATA(SUM), DATA(HISTOGRAM), DATA(EXPONENTIAL_HISTOGRAM),
			DATA(SUMMARY) };
	number_point **np;
	histogram_point **hp;
	exp_point **ep;
	struct gc_batch *again;

	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(nth_metric(b, i)->data_case, cases[i]);
		assert_non_null(nth_metric(b, i)->gauge);
	}
	assert_int_equal(nth_metric(b, 5)->data_case,
			 OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA__NOT_SET);
	np = nth_metric(b, 6)->gauge->data_points;
	assert_int_equal(np[0]->value_case, NUMBER(AS_INT));
	assert_int_equal(np[1]->value_case, NUMBER(AS_DOUBLE));
	assert_int_equal(np[2]->value_case, OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE__NOT_SET);
	hp = nth_metric(b, 7)->histogram->data_points;
	assert_int_equal(hp[0]->_sum_case, HIST(SUM_SUM));
	assert_int_equal(hp[0]->_min_case, HIST(MIN_MIN));
	assert_int_equal(hp[0]->_max_case, HIST(MAX_MAX));
	assert_int_equal(hp[1]->_sum_case, HIST(SUM__NOT_SET));
	assert_int_equal(hp[1]->_max_case, HIST(MAX_MAX));
	assert_true(hp[1]->max == -0.5);
	ep = nth_metric(b, 8)->exponential_histogram->data_points;
	assert_int_equal(ep[0]->_sum_case, EXPH(SUM_SUM));
	assert_true(isnan(ep[0]->sum));
	assert_int_equal(ep[1]->_min_case, EXPH(MIN_MIN));
	assert_int_equal(ep[1]->_sum_case, EXPH(SUM__NOT_SET));

	/* Presence survives encoding: a zero sum is still there. */
	again = through_protobuf(b);
	hp = nth_metric(again, 7)->histogram->data_points;
	assert_int_equal(hp[0]->_sum_case, HIST(SUM_SUM));
	assert_int_equal(hp[0]->_min_case, HIST(MIN_MIN));
	assert_int_equal(hp[1]->_sum_case, HIST(SUM__NOT_SET));
	np = nth_metric(again, 6)->gauge->data_points;
	assert_int_equal(np[0]->value_case, NUMBER(AS_INT));
	assert_int_equal(np[1]->value_case, NUMBER(AS_DOUBLE));
	assert_int_equal(nth_metric(again, 5)->data_case,
			 OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA__NOT_SET);
	gc_batch_unref(again);
	gc_batch_unref(b);

	b = decode_ok(GC_SIGNAL_TRACES, ATTR("{'boolValue':false}"));
	assert_int_equal(first_attr(b)->value_case, ANY(BOOL_VALUE));
	gc_batch_unref(b);
	b = decode_ok(GC_SIGNAL_TRACES, ATTR("{'intValue':0}"));
	assert_int_equal(first_attr(b)->value_case, ANY(INT_VALUE));
	gc_batch_unref(b);
	b = decode_ok(GC_SIGNAL_TRACES, ATTR("{'bytesValue':''}"));
	assert_int_equal(first_attr(b)->value_case, ANY(BYTES_VALUE));
	again = through_protobuf(b);
	assert_int_equal(first_attr(again)->value_case, ANY(BYTES_VALUE));
	gc_batch_unref(again);
	gc_batch_unref(b);
}

static void test_repeated_scalars(void **state)
{
	struct gc_batch *b = decode_ok(
		GC_SIGNAL_METRICS,
		METRICS("{'histogram':{'dataPoints':[{'count':'3','bucketCounts':['0',"
			"'18446744073709551615',3],'explicitBounds':[-1.5,'0',2,'Infinity']},"
			"{'bucketCounts':[],'explicitBounds':[]}]}},"
			"{'exponentialHistogram':{'dataPoints':[{'positive':{'bucketCounts':[]},"
			"'negative':{'offset':-1,'bucketCounts':['7',8,'9']}}]}}"));
	histogram_point *hp = nth_metric(b, 0)->histogram->data_points[0];
	exp_buckets *neg = nth_metric(b, 1)->exponential_histogram->data_points[0]->negative;
	struct gc_batch *again;

	assert_int_equal(hp->n_bucket_counts, 3);
	assert_int_equal(hp->bucket_counts[0], 0);
	assert_true(hp->bucket_counts[1] == UINT64_MAX);
	assert_int_equal(hp->bucket_counts[2], 3);
	assert_int_equal(hp->n_explicit_bounds, 4);
	assert_true(hp->explicit_bounds[0] == -1.5);
	assert_true(hp->explicit_bounds[1] == 0);
	assert_true(hp->explicit_bounds[2] == 2);
	assert_true(isinf(hp->explicit_bounds[3]));
	assert_int_equal(nth_metric(b, 0)->histogram->data_points[1]->n_bucket_counts, 0);
	assert_int_equal(nth_metric(b, 0)->histogram->data_points[1]->n_explicit_bounds, 0);
	assert_int_equal(nth_metric(b, 1)->exponential_histogram->data_points[0]->positive->n_bucket_counts, 0);
	assert_int_equal(neg->offset, -1);
	assert_int_equal(neg->n_bucket_counts, 3);
	assert_int_equal(neg->bucket_counts[0], 7);
	assert_int_equal(neg->bucket_counts[2], 9);

	again = through_protobuf(b);
	hp = nth_metric(again, 0)->histogram->data_points[0];
	assert_int_equal(hp->n_bucket_counts, 3);
	assert_true(hp->bucket_counts[1] == UINT64_MAX);
	assert_int_equal(hp->n_explicit_bounds, 4);
	assert_true(isinf(hp->explicit_bounds[3]));
	gc_batch_unref(again);
	gc_batch_unref(b);

	expect_err(GC_SIGNAL_METRICS, METRICS("{'histogram':{'dataPoints':[{'bucketCounts':[1.5]}]}}"),
		   METRIC_PATH ".histogram.data_points[0].bucket_counts[0]: expected an integer");
	expect_err(GC_SIGNAL_METRICS,
		   METRICS("{'histogram':{'dataPoints':[{'explicitBounds':[1,'x']}]}}"),
		   METRIC_PATH ".histogram.data_points[0].explicit_bounds[1]: expected a number, got "
			       "\"x\"");
}

/* ---- encoding ------------------------------------------------------------------ */

static void test_status_encoding(void **state)
{
	Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
	char *out;

	st.code = 3;
	st.message = "bad \"x\" \\ /\n\t\x01\x1f caf\xc3\xa9";
	out = gc_otlp_json_encode(&st.base);
	assert_non_null(out);
	assert_string_equal(out, "{\"code\":3,\"message\":\"bad \\\"x\\\" \\\\ /\\n\\t\\u0001\\u001F "
				 "caf\xc3\xa9\"}");
	free(out);

	st.message = "payload is not a valid OTLP/JSON traces export request: $.resource_spans: "
		     "expected an array";
	out = gc_otlp_json_encode(&st.base);
	assert_string_equal(out, "{\"code\":3,\"message\":\"payload is not a valid OTLP/JSON traces "
				 "export request: $.resource_spans: expected an array\"}");
	free(out);
}

static void test_response_encoding(void **state)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse resp =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
	Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
	static const char why[] = "bad \"span\"\n";
	char *out = gc_otlp_json_encode(&resp.base);

	assert_string_equal(out, "{}");
	free(out);
	ps.rejected_spans = 5;
	ps.error_message = (ProtobufCBinaryData){ sizeof(why) - 1, (uint8_t *)why };
	resp.partial_success = &ps;
	out = gc_otlp_json_encode(&resp.base);
	assert_string_equal(out, "{\"partialSuccess\":{\"rejectedSpans\":\"5\","
				 "\"errorMessage\":\"bad \\\"span\\\"\\n\"}}");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_traces_every_field),
		cmocka_unit_test(test_logs_every_field),
		cmocka_unit_test(test_metrics_every_field),
		cmocka_unit_test(test_snake_case_names),
		cmocka_unit_test(test_mixed_and_wrong_names),
		cmocka_unit_test(test_json_and_protobuf_encode_alike),
		cmocka_unit_test(test_hex_ids),
		cmocka_unit_test(test_hex_id_length_checked),
		cmocka_unit_test(test_int64_strings_and_numbers),
		cmocka_unit_test(test_integral_reals_past_range_refused),
		cmocka_unit_test(test_uint64_timestamps),
		cmocka_unit_test(test_uint64_negative_after_space_refused),
		cmocka_unit_test(test_32bit_ranges),
		cmocka_unit_test(test_enums_as_numbers_and_names),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_base64_forms),
		cmocka_unit_test(test_base64_padding_only_at_end),
		cmocka_unit_test(test_nested_any_values),
		cmocka_unit_test(test_nul_in_strings),
		cmocka_unit_test(test_unknown_fields_ignored),
		cmocka_unit_test(test_null_values),
		cmocka_unit_test(test_error_paths),
		cmocka_unit_test(test_error_text_stays_utf8),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_deep_json_refused),
		cmocka_unit_test(test_oneof_cases),
		cmocka_unit_test(test_repeated_scalars),
		cmocka_unit_test(test_status_encoding),
		cmocka_unit_test(test_response_encoding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
