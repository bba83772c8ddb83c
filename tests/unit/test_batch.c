/* Batches: decoding OTLP requests into an arena, counting items, reference
 * counts, merging and splitting. Requests are built with the protobuf-c
 * generated structs and packed, so every test starts from real wire bytes.
 * CI runs this under ASan: a double free, a leak or a read of a freed arena
 * fails the test. */
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
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__AnyValue any_value;
typedef Opentelemetry__Proto__Common__V1__KeyValue key_value;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope scope_t;
typedef Opentelemetry__Proto__Resource__V1__Resource resource_t;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans resource_spans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans scope_spans;
typedef Opentelemetry__Proto__Trace__V1__Span span_t;
typedef Opentelemetry__Proto__Logs__V1__ResourceLogs resource_logs;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs scope_logs;
typedef Opentelemetry__Proto__Logs__V1__LogRecord log_record;
typedef Opentelemetry__Proto__Metrics__V1__ResourceMetrics resource_metrics;
typedef Opentelemetry__Proto__Metrics__V1__ScopeMetrics scope_metrics;
typedef Opentelemetry__Proto__Metrics__V1__Metric metric_t;

/* ---- building requests ---------------------------------------------------- */

/* Wire bytes of a request, heap-owned. */
struct wire {
	uint8_t *data;
	size_t len;
};

static void wire_free(struct wire *w)
{
	free(w->data);
	w->data = NULL;
}

static struct wire pack(const ProtobufCMessage *msg)
{
	struct wire w;

	w.len = protobuf_c_message_get_packed_size(msg);
	w.data = malloc(w.len ? w.len : 1);
	assert_non_null(w.data);
	assert_int_equal(protobuf_c_message_pack(msg, w.data), w.len);
	return w;
}

static void *zalloc(gc_arena *a, size_t size)
{
	void *p = gc_arena_alloc(a, size);

	memset(p, 0, size);
	return p;
}

static ProtobufCBinaryData text(gc_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static ProtobufCBinaryData text(gc_arena *a, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return (ProtobufCBinaryData){ (size_t)n, (uint8_t *)gc_arena_memdup(a, buf, (size_t)n) };
}

/* A resource with service.name = svc. */
static resource_t *make_resource(gc_arena *a, const char *svc)
{
	resource_t *r = zalloc(a, sizeof(*r));
	key_value *kv = zalloc(a, sizeof(*kv));
	any_value *v = zalloc(a, sizeof(*v));

	opentelemetry__proto__resource__v1__resource__init(r);
	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(v);
	v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	v->string_value = text(a, "%s", svc);
	kv->key = text(a, "service.name");
	kv->value = v;
	r->n_attributes = 1;
	r->attributes = zalloc(a, sizeof(*r->attributes));
	r->attributes[0] = kv;
	return r;
}

static scope_t *make_scope(gc_arena *a, const char *name)
{
	scope_t *s = zalloc(a, sizeof(*s));

	opentelemetry__proto__common__v1__instrumentation_scope__init(s);
	s->name = text(a, "%s", name);
	s->version = text(a, "1.0");
	return s;
}

#define MAX_SCOPES 4

/* The shape of a request: per resource, the item count of each scope. */
struct res_shape {
	size_t n_scopes;
	size_t items[MAX_SCOPES];
};

/* A traces request; span i of scope s of resource r is named
 * "<tag>.r<r>.s<s>.<i>", its resource's service.name is "<tag>-svc<r>" and its
 * scope is "<tag>-scope<r>.<s>". */
static struct wire traces_wire(const char *tag, const struct res_shape *shape, size_t n_res)
{
	gc_arena *a = gc_arena_create(0);
	gc_traces_req req;
	struct wire w;
	char name[64];

	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&req);
	req.n_resource_spans = n_res;
	req.resource_spans = zalloc(a, (n_res + 1) * sizeof(*req.resource_spans));
	for (size_t r = 0; r < n_res; r++) {
		resource_spans *rs = zalloc(a, sizeof(*rs));

		opentelemetry__proto__trace__v1__resource_spans__init(rs);
		snprintf(name, sizeof(name), "%s-svc%zu", tag, r);
		rs->resource = make_resource(a, name);
		rs->schema_url = text(a, "https://opentelemetry.io/schemas/1.26.0");
		rs->n_scope_spans = shape[r].n_scopes;
		rs->scope_spans = zalloc(a, (shape[r].n_scopes + 1) * sizeof(*rs->scope_spans));
		for (size_t s = 0; s < shape[r].n_scopes; s++) {
			scope_spans *ss = zalloc(a, sizeof(*ss));

			opentelemetry__proto__trace__v1__scope_spans__init(ss);
			snprintf(name, sizeof(name), "%s-scope%zu.%zu", tag, r, s);
			ss->scope = make_scope(a, name);
			ss->n_spans = shape[r].items[s];
			ss->spans = zalloc(a, (ss->n_spans + 1) * sizeof(*ss->spans));
			for (size_t i = 0; i < ss->n_spans; i++) {
				span_t *sp = zalloc(a, sizeof(*sp));
				uint8_t *id = gc_arena_alloc(a, 16);

				opentelemetry__proto__trace__v1__span__init(sp);
				memset(id, (int)(r * 16 + s * 4 + i + 1), 16);
				sp->trace_id = (ProtobufCBinaryData){ 16, id };
				sp->span_id = (ProtobufCBinaryData){ 8, id };
				sp->name = text(a, "%s.r%zu.s%zu.%zu", tag, r, s, i);
				sp->kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT;
				sp->start_time_unix_nano = 1700000000000000000ULL + i;
				sp->end_time_unix_nano = 1700000000500000000ULL + i;
				ss->spans[i] = sp;
			}
			rs->scope_spans[s] = ss;
		}
		req.resource_spans[r] = rs;
	}
	w = pack(&req.base);
	gc_arena_destroy(a);
	return w;
}

/* A logs request, records named like spans above (in the body). */
static struct wire logs_wire(const char *tag, const struct res_shape *shape, size_t n_res)
{
	gc_arena *a = gc_arena_create(0);
	gc_logs_req req;
	struct wire w;
	char name[64];

	opentelemetry__proto__collector__logs__v1__export_logs_service_request__init(&req);
	req.n_resource_logs = n_res;
	req.resource_logs = zalloc(a, (n_res + 1) * sizeof(*req.resource_logs));
	for (size_t r = 0; r < n_res; r++) {
		resource_logs *rl = zalloc(a, sizeof(*rl));

		opentelemetry__proto__logs__v1__resource_logs__init(rl);
		snprintf(name, sizeof(name), "%s-svc%zu", tag, r);
		rl->resource = make_resource(a, name);
		rl->n_scope_logs = shape[r].n_scopes;
		rl->scope_logs = zalloc(a, (shape[r].n_scopes + 1) * sizeof(*rl->scope_logs));
		for (size_t s = 0; s < shape[r].n_scopes; s++) {
			scope_logs *sl = zalloc(a, sizeof(*sl));

			opentelemetry__proto__logs__v1__scope_logs__init(sl);
			snprintf(name, sizeof(name), "%s-scope%zu.%zu", tag, r, s);
			sl->scope = make_scope(a, name);
			sl->n_log_records = shape[r].items[s];
			sl->log_records = zalloc(a, (sl->n_log_records + 1) * sizeof(*sl->log_records));
			for (size_t i = 0; i < sl->n_log_records; i++) {
				log_record *lr = zalloc(a, sizeof(*lr));
				any_value *body = zalloc(a, sizeof(*body));

				opentelemetry__proto__logs__v1__log_record__init(lr);
				opentelemetry__proto__common__v1__any_value__init(body);
				body->value_case =
					OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
				body->string_value = text(a, "%s.r%zu.s%zu.%zu", tag, r, s, i);
				lr->body = body;
				lr->time_unix_nano = 1700000000000000000ULL + i;
				lr->severity_text = text(a, "INFO");
				lr->severity_number =
					OPENTELEMETRY__PROTO__LOGS__V1__SEVERITY_NUMBER__SEVERITY_NUMBER_INFO;
				sl->log_records[i] = lr;
			}
			rl->scope_logs[s] = sl;
		}
		req.resource_logs[r] = rl;
	}
	w = pack(&req.base);
	gc_arena_destroy(a);
	return w;
}

/* One metric of each data kind, plus one without data. */
enum metric_kind { M_GAUGE, M_SUM, M_HISTOGRAM, M_EXP_HISTOGRAM, M_SUMMARY, M_NONE };

struct metric_shape {
	enum metric_kind kind;
	size_t points;
};

static metric_t *make_metric(gc_arena *a, const char *name, struct metric_shape m)
{
	metric_t *mt = zalloc(a, sizeof(*mt));
	size_t n = m.points;

	opentelemetry__proto__metrics__v1__metric__init(mt);
	mt->name = text(a, "%s", name);
	mt->unit = text(a, "1");
	switch (m.kind) {
	case M_GAUGE:
	case M_SUM: {
		Opentelemetry__Proto__Metrics__V1__NumberDataPoint **pts =
			zalloc(a, (n + 1) * sizeof(*pts));

		for (size_t i = 0; i < n; i++) {
			pts[i] = zalloc(a, sizeof(**pts));
			opentelemetry__proto__metrics__v1__number_data_point__init(pts[i]);
			pts[i]->value_case =
				OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
			pts[i]->as_int = (int64_t)i;
			pts[i]->time_unix_nano = 1700000000000000000ULL + i;
		}
		if (m.kind == M_GAUGE) {
			mt->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
			mt->gauge = zalloc(a, sizeof(*mt->gauge));
			opentelemetry__proto__metrics__v1__gauge__init(mt->gauge);
			mt->gauge->n_data_points = n;
			mt->gauge->data_points = pts;
		} else {
			mt->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
			mt->sum = zalloc(a, sizeof(*mt->sum));
			opentelemetry__proto__metrics__v1__sum__init(mt->sum);
			mt->sum->n_data_points = n;
			mt->sum->data_points = pts;
			mt->sum->is_monotonic = 1;
		}
		break;
	}
	case M_HISTOGRAM:
		mt->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM;
		mt->histogram = zalloc(a, sizeof(*mt->histogram));
		opentelemetry__proto__metrics__v1__histogram__init(mt->histogram);
		mt->histogram->n_data_points = n;
		mt->histogram->data_points = zalloc(a, (n + 1) * sizeof(void *));
		for (size_t i = 0; i < n; i++) {
			mt->histogram->data_points[i] = zalloc(a, sizeof(**mt->histogram->data_points));
			opentelemetry__proto__metrics__v1__histogram_data_point__init(
				mt->histogram->data_points[i]);
			mt->histogram->data_points[i]->count = 10 + i;
		}
		break;
	case M_EXP_HISTOGRAM:
		mt->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM;
		mt->exponential_histogram = zalloc(a, sizeof(*mt->exponential_histogram));
		opentelemetry__proto__metrics__v1__exponential_histogram__init(
			mt->exponential_histogram);
		mt->exponential_histogram->n_data_points = n;
		mt->exponential_histogram->data_points = zalloc(a, (n + 1) * sizeof(void *));
		for (size_t i = 0; i < n; i++) {
			Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint *p =
				zalloc(a, sizeof(*p));

			opentelemetry__proto__metrics__v1__exponential_histogram_data_point__init(p);
			p->count = 20 + i;
			mt->exponential_histogram->data_points[i] = p;
		}
		break;
	case M_SUMMARY:
		mt->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY;
		mt->summary = zalloc(a, sizeof(*mt->summary));
		opentelemetry__proto__metrics__v1__summary__init(mt->summary);
		mt->summary->n_data_points = n;
		mt->summary->data_points = zalloc(a, (n + 1) * sizeof(void *));
		for (size_t i = 0; i < n; i++) {
			Opentelemetry__Proto__Metrics__V1__SummaryDataPoint *p = zalloc(a, sizeof(*p));

			opentelemetry__proto__metrics__v1__summary_data_point__init(p);
			p->count = 30 + i;
			mt->summary->data_points[i] = p;
		}
		break;
	case M_NONE:
		break;
	}
	return mt;
}

/* Metrics request: resource r holds one scope with metrics[r][0..n[r]). */
static struct wire metrics_wire(const struct metric_shape metrics[][6], const size_t *n,
				size_t n_res)
{
	gc_arena *a = gc_arena_create(0);
	gc_metrics_req req;
	struct wire w;
	char name[64];

	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init(&req);
	req.n_resource_metrics = n_res;
	req.resource_metrics = zalloc(a, (n_res + 1) * sizeof(*req.resource_metrics));
	for (size_t r = 0; r < n_res; r++) {
		resource_metrics *rm = zalloc(a, sizeof(*rm));
		scope_metrics *sm = zalloc(a, sizeof(*sm));

		opentelemetry__proto__metrics__v1__resource_metrics__init(rm);
		opentelemetry__proto__metrics__v1__scope_metrics__init(sm);
		snprintf(name, sizeof(name), "m-svc%zu", r);
		rm->resource = make_resource(a, name);
		sm->scope = make_scope(a, "meter");
		sm->n_metrics = n[r];
		sm->metrics = zalloc(a, (n[r] + 1) * sizeof(*sm->metrics));
		for (size_t i = 0; i < n[r]; i++) {
			snprintf(name, sizeof(name), "metric.r%zu.%zu", r, i);
			sm->metrics[i] = make_metric(a, name, metrics[r][i]);
		}
		rm->n_scope_metrics = 1;
		rm->scope_metrics = zalloc(a, sizeof(*rm->scope_metrics));
		rm->scope_metrics[0] = sm;
		req.resource_metrics[r] = rm;
	}
	w = pack(&req.base);
	gc_arena_destroy(a);
	return w;
}

/* ---- reading batches back ------------------------------------------------- */

static const char *svc_of(const resource_t *r)
{
	static char buf[64];

	if (!r || r->n_attributes < 1)
		return "?";
	snprintf(buf, sizeof(buf), "%.*s", (int)r->attributes[0]->value->string_value.len,
		 (const char *)r->attributes[0]->value->string_value.data);
	return buf;
}

/* One line per item, "service|scope|name", in request order. */
static char *flatten(const struct gc_batch *b)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	switch (b->signal) {
	case GC_SIGNAL_TRACES:
		for (size_t r = 0; r < b->traces->n_resource_spans; r++) {
			resource_spans *rs = b->traces->resource_spans[r];

			for (size_t s = 0; s < rs->n_scope_spans; s++) {
				scope_spans *ss = rs->scope_spans[s];

				for (size_t i = 0; i < ss->n_spans; i++)
					fprintf(f, "%s|%.*s|%.*s\n", svc_of(rs->resource),
						(int)ss->scope->name.len, (char *)ss->scope->name.data,
						(int)ss->spans[i]->name.len,
						(char *)ss->spans[i]->name.data);
			}
		}
		break;
	case GC_SIGNAL_LOGS:
		for (size_t r = 0; r < b->logs->n_resource_logs; r++) {
			resource_logs *rl = b->logs->resource_logs[r];

			for (size_t s = 0; s < rl->n_scope_logs; s++) {
				scope_logs *sl = rl->scope_logs[s];

				for (size_t i = 0; i < sl->n_log_records; i++)
					fprintf(f, "%s|%.*s|%.*s\n", svc_of(rl->resource),
						(int)sl->scope->name.len, (char *)sl->scope->name.data,
						(int)sl->log_records[i]->body->string_value.len,
						(char *)sl->log_records[i]->body->string_value.data);
			}
		}
		break;
	case GC_SIGNAL_METRICS:
		for (size_t r = 0; r < b->metrics->n_resource_metrics; r++) {
			resource_metrics *rm = b->metrics->resource_metrics[r];

			for (size_t s = 0; s < rm->n_scope_metrics; s++) {
				scope_metrics *sm = rm->scope_metrics[s];

				for (size_t i = 0; i < sm->n_metrics; i++)
					fprintf(f, "%s|%.*s|%.*s\n", svc_of(rm->resource),
						(int)sm->scope->name.len, (char *)sm->scope->name.data,
						(int)sm->metrics[i]->name.len,
						(char *)sm->metrics[i]->name.data);
			}
		}
		break;
	}
	fclose(f);
	return out;
}

static size_t top_count(const struct gc_batch *b)
{
	switch (b->signal) {
	case GC_SIGNAL_TRACES:
		return b->traces->n_resource_spans;
	case GC_SIGNAL_LOGS:
		return b->logs->n_resource_logs;
	case GC_SIGNAL_METRICS:
		return b->metrics->n_resource_metrics;
	}
	return 0;
}

static const resource_t *top_resource(const struct gc_batch *b, size_t i)
{
	switch (b->signal) {
	case GC_SIGNAL_TRACES:
		return b->traces->resource_spans[i]->resource;
	case GC_SIGNAL_LOGS:
		return b->logs->resource_logs[i]->resource;
	case GC_SIGNAL_METRICS:
		return b->metrics->resource_metrics[i]->resource;
	}
	return NULL;
}

static struct gc_batch *decode(enum gc_signal signal, struct wire w)
{
	char *err = NULL;
	struct gc_batch *b = gc_batch_decode(signal, w.data, w.len, &err);

	if (!b)
		fail_msg("decode failed: %s", err ? err : "(no message)");
	assert_null(err);
	return b;
}

static struct wire encode(const struct gc_batch *b)
{
	struct wire w;

	w.len = gc_batch_encoded_size(b);
	w.data = malloc(w.len ? w.len : 1);
	assert_non_null(w.data);
	assert_int_equal(gc_batch_encode(b, w.data), w.len);
	return w;
}

static int refs(struct gc_batch *b)
{
	return atomic_load(&b->refs);
}

/* Several resources, several scopes, one empty scope: 11 spans. */
static const struct res_shape shape11[] = {
	{ 2, { 3, 1 } },
	{ 1, { 2 } },
	{ 3, { 0, 4, 1 } },
};

/* ---- decode and count ----------------------------------------------------- */

static void test_decode_traces(void **state)
{
	struct wire w = traces_wire("t", shape11, 3);
	struct gc_batch *b = decode(GC_SIGNAL_TRACES, w);
	scope_spans *ss;
	char *flat;

	assert_int_equal(b->signal, GC_SIGNAL_TRACES);
	assert_int_equal(refs(b), 1);
	assert_int_equal(gc_batch_count(b), 11);
	assert_int_equal(b->items, 11);
	assert_int_equal(b->traces->n_resource_spans, 3);
	assert_string_equal(svc_of(b->traces->resource_spans[1]->resource), "t-svc1");
	ss = b->traces->resource_spans[2]->scope_spans[1];
	assert_int_equal(ss->n_spans, 4);
	assert_int_equal(ss->spans[3]->name.len, strlen("t.r2.s1.3"));
	assert_memory_equal(ss->spans[3]->name.data, "t.r2.s1.3", strlen("t.r2.s1.3"));
	assert_int_equal(ss->spans[3]->trace_id.len, 16);
	assert_int_equal(ss->spans[3]->end_time_unix_nano, 1700000000500000003ULL);
	flat = flatten(b);
	assert_string_equal(flat, "t-svc0|t-scope0.0|t.r0.s0.0\n"
				  "t-svc0|t-scope0.0|t.r0.s0.1\n"
				  "t-svc0|t-scope0.0|t.r0.s0.2\n"
				  "t-svc0|t-scope0.1|t.r0.s1.0\n"
				  "t-svc1|t-scope1.0|t.r1.s0.0\n"
				  "t-svc1|t-scope1.0|t.r1.s0.1\n"
				  "t-svc2|t-scope2.1|t.r2.s1.0\n"
				  "t-svc2|t-scope2.1|t.r2.s1.1\n"
				  "t-svc2|t-scope2.1|t.r2.s1.2\n"
				  "t-svc2|t-scope2.1|t.r2.s1.3\n"
				  "t-svc2|t-scope2.2|t.r2.s2.0\n");
	free(flat);
	/* The batch does not keep the wire bytes. */
	memset(w.data, 0, w.len);
	wire_free(&w);
	assert_memory_equal(ss->spans[0]->name.data, "t.r2.s1.0", strlen("t.r2.s1.0"));
	gc_batch_unref(b);
}

static void test_encode_round_trip(void **state)
{
	struct wire w = traces_wire("e", shape11, 3);
	struct gc_batch *b = decode(GC_SIGNAL_TRACES, w);
	struct wire out = encode(b);

	assert_int_equal(out.len, w.len);
	assert_memory_equal(out.data, w.data, w.len);
	wire_free(&out);
	wire_free(&w);
	gc_batch_unref(b);
}

static void test_decode_empty_request(void **state)
{
	char *err = NULL;
	struct gc_batch *b = gc_batch_decode(GC_SIGNAL_LOGS, (const uint8_t *)"", 0, &err);

	assert_non_null(b);
	assert_null(err);
	assert_int_equal(gc_batch_count(b), 0);
	assert_int_equal(b->logs->n_resource_logs, 0);
	assert_int_equal(gc_batch_encoded_size(b), 0);
	gc_batch_unref(b);

	b = gc_batch_new(GC_SIGNAL_METRICS);
	assert_int_equal(gc_batch_count(b), 0);
	assert_int_equal(b->items, 0);
	assert_int_equal(gc_batch_encoded_size(b), 0);
	gc_batch_unref(b);
}

static void test_decode_garbage(void **state)
{
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff };
	/* field 1 (resource_spans), length 100, but 2 bytes follow */
	static const uint8_t truncated[] = { 0x0a, 0x64, 0x0a, 0x00 };
	struct wire w = traces_wire("g", shape11, 3);
	char *err = NULL;

	assert_null(gc_batch_decode(GC_SIGNAL_TRACES, garbage, sizeof(garbage), &err));
	assert_non_null(err);
	assert_string_equal(err, "payload is not a valid OTLP traces export request (3 bytes): "
				 "bad field tag at byte 0");
	assert_null(gc_batch_decode(GC_SIGNAL_METRICS, truncated, sizeof(truncated), &err));
	assert_string_equal(err, "payload is not a valid OTLP metrics export request (4 bytes): "
				 "length past the end at byte 1");
	/* A real request cut short by one byte. */
	assert_null(gc_batch_decode(GC_SIGNAL_TRACES, w.data, w.len - 1, &err));
	assert_non_null(strstr(err, "not a valid OTLP traces export request"));
	free(err);
	/* err may be NULL. */
	assert_null(gc_batch_decode(GC_SIGNAL_LOGS, garbage, sizeof(garbage), NULL));
	wire_free(&w);
}

static void test_decode_logs(void **state)
{
	static const struct res_shape shape[] = { { 1, { 3 } }, { 2, { 2, 1 } } };
	struct wire w = logs_wire("l", shape, 2);
	struct gc_batch *b = decode(GC_SIGNAL_LOGS, w);
	char *flat = flatten(b);

	assert_int_equal(gc_batch_count(b), 6);
	assert_int_equal(b->items, 6);
	assert_string_equal(flat, "l-svc0|l-scope0.0|l.r0.s0.0\n"
				  "l-svc0|l-scope0.0|l.r0.s0.1\n"
				  "l-svc0|l-scope0.0|l.r0.s0.2\n"
				  "l-svc1|l-scope1.0|l.r1.s0.0\n"
				  "l-svc1|l-scope1.0|l.r1.s0.1\n"
				  "l-svc1|l-scope1.1|l.r1.s1.0\n");
	assert_int_equal(b->logs->resource_logs[1]->scope_logs[1]->log_records[0]->severity_number,
			 OPENTELEMETRY__PROTO__LOGS__V1__SEVERITY_NUMBER__SEVERITY_NUMBER_INFO);
	free(flat);
	wire_free(&w);
	gc_batch_unref(b);
}

static const struct metric_shape metrics9[][6] = {
	{ { M_GAUGE, 3 }, { M_SUM, 2 }, { M_NONE, 0 } },
	{ { M_HISTOGRAM, 1 }, { M_EXP_HISTOGRAM, 2 }, { M_SUMMARY, 1 } },
};
static const size_t metrics9_n[] = { 3, 3 };

static void test_decode_metrics_counts_data_points(void **state)
{
	struct wire w = metrics_wire(metrics9, metrics9_n, 2);
	struct gc_batch *b = decode(GC_SIGNAL_METRICS, w);

	/* 3 + 2 + 0 + 1 + 2 + 1 data points in 6 metrics */
	assert_int_equal(gc_batch_count(b), 9);
	assert_int_equal(b->items, 9);
	assert_int_equal(b->metrics->resource_metrics[1]->scope_metrics[0]->metrics[1]->data_case,
			 OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM);
	wire_free(&w);
	gc_batch_unref(b);
}

/* protobuf-c 1.4.1 accepts a tag whose varint is written in two bytes and
 * whose field number is 0 (0x82 0x00: field 0, length-delimited) and keeps it as
 * an unknown field; protobuf_c_message_pack writes it back as the one byte 0x02,
 * which every decoder, protobuf-c included, rejects: 0 is not a field number.
 * So gc_batch_decode (src/batch.c) accepts invalid input, the receiver answers
 * OK, and the batch cannot be encoded into anything a backend accepts. Inside a
 * resource entry the field survives merging: the batch processor merges the bad
 * request with other clients' requests and the backend rejects them all.
 * Found by fuzz_otlp_decode (minimized reproducer: 82 00 00). Fails until decode
 * refuses field number 0 (or drops unknown fields). */
static void test_decode_rejects_field_number_zero(void **state)
{
	static const uint8_t field0[] = { 0x82, 0x00, 0x00 };
	struct wire good = traces_wire("ok", shape11, 3);
	struct gc_batch *a = decode(GC_SIGNAL_TRACES, good), *top, *b, *in[2], *merged, *again;
	size_t rlen = protobuf_c_message_get_packed_size(&a->traces->resource_spans[0]->base);
	size_t inner = rlen + sizeof(field0), len = 0, enc_len;
	uint8_t *bad = malloc(rlen + 16), *enc;
	bool top_accepted;

	/* A request whose one resource entry ends with field 0. */
	bad[len++] = 0x0a; /* field 1, length-delimited */
	for (; inner >= 0x80; inner >>= 7)
		bad[len++] = (uint8_t)(inner | 0x80);
	bad[len++] = (uint8_t)inner;
	len += protobuf_c_message_pack(&a->traces->resource_spans[0]->base, bad + len);
	memcpy(bad + len, field0, sizeof(field0));
	len += sizeof(field0);

	top = gc_batch_decode(GC_SIGNAL_TRACES, field0, sizeof(field0), NULL);
	top_accepted = top != NULL;
	gc_batch_unref(top);
	b = gc_batch_decode(GC_SIGNAL_TRACES, bad, len, NULL);
	free(bad);
	wire_free(&good);
	if (!b) {
		gc_batch_unref(a);
		if (top_accepted)
			fail_msg("the request 82 00 00 (field number 0) was accepted");
		return;
	}
	in[0] = a;
	in[1] = b;
	merged = gc_batch_merge(in, 2);
	enc_len = gc_batch_encoded_size(merged);
	enc = malloc(enc_len);
	gc_batch_encode(merged, enc);
	again = gc_batch_decode(GC_SIGNAL_TRACES, enc, enc_len, NULL);
	free(enc);
	gc_batch_unref(merged);
	gc_batch_unref(again);
	fail_msg("a request with field number 0 was accepted; merged with another client's "
		 "request, the batch encodes to %zu bytes that %s", enc_len,
		 again ? "still decode" : "no longer decode");
}

/* ---- references ----------------------------------------------------------- */

static void test_ref_unref(void **state)
{
	struct wire w = traces_wire("r", shape11, 1);
	struct gc_batch *b = decode(GC_SIGNAL_TRACES, w);

	assert_ptr_equal(gc_batch_ref(b), b);
	assert_ptr_equal(gc_batch_ref(b), b);
	assert_int_equal(refs(b), 3);
	gc_batch_unref(b);
	gc_batch_unref(b);
	assert_int_equal(refs(b), 1);
	assert_int_equal(gc_batch_count(b), 4); /* still alive and readable */
	gc_batch_unref(b);			/* frees; ASan reports a leak otherwise */
	gc_batch_unref(NULL);
	wire_free(&w);
}

/* ---- merge ---------------------------------------------------------------- */

static void test_merge_three(void **state)
{
	static const struct res_shape sa[] = { { 1, { 2 } }, { 1, { 1 } } };
	static const struct res_shape sb[] = { { 2, { 1, 3 } } };
	static const struct res_shape sc[] = { { 1, { 1 } }, { 1, { 1 } }, { 1, { 2 } } };
	struct wire wa = traces_wire("A", sa, 2), wb = traces_wire("B", sb, 1),
		    wc = traces_wire("C", sc, 3);
	struct gc_batch *in[3] = { decode(GC_SIGNAL_TRACES, wa), decode(GC_SIGNAL_TRACES, wb),
				   decode(GC_SIGNAL_TRACES, wc) };
	struct gc_batch *merged;
	struct wire out;
	char *fa = flatten(in[0]), *fb = flatten(in[1]), *fc = flatten(in[2]), *fm, *want;
	uint8_t *concat;

	for (int i = 0; i < 3; i++)
		gc_batch_ref(in[i]); /* keep one to observe the merge's reference */
	merged = gc_batch_merge(in, 3);
	assert_non_null(merged);
	for (int i = 0; i < 3; i++)
		assert_int_equal(refs(in[i]), 2);
	assert_int_equal(merged->signal, GC_SIGNAL_TRACES);
	assert_int_equal(merged->items, 3 + 4 + 4);
	assert_int_equal(gc_batch_count(merged), 11);
	assert_int_equal(top_count(merged), 2 + 1 + 3);
	assert_string_equal(svc_of(top_resource(merged, 0)), "A-svc0");
	assert_string_equal(svc_of(top_resource(merged, 1)), "A-svc1");
	assert_string_equal(svc_of(top_resource(merged, 2)), "B-svc0");
	assert_string_equal(svc_of(top_resource(merged, 3)), "C-svc0");
	assert_string_equal(svc_of(top_resource(merged, 5)), "C-svc2");

	/* Items in order. */
	fm = flatten(merged);
	assert_int_equal(asprintf(&want, "%s%s%s", fa, fb, fc) > 0, 1);
	assert_string_equal(fm, want);

	/* A request is one repeated field, so the merged request encodes to
	 * exactly the three inputs' bytes back to back. */
	out = encode(merged);
	assert_int_equal(out.len, wa.len + wb.len + wc.len);
	concat = malloc(out.len);
	memcpy(concat, wa.data, wa.len);
	memcpy(concat + wa.len, wb.data, wb.len);
	memcpy(concat + wa.len + wb.len, wc.data, wc.len);
	assert_memory_equal(out.data, concat, out.len);

	gc_batch_unref(merged);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(refs(in[i]), 1); /* the merge released its parts */
		gc_batch_unref(in[i]);
	}
	free(concat);
	free(fa);
	free(fb);
	free(fc);
	free(fm);
	free(want);
	wire_free(&out);
	wire_free(&wa);
	wire_free(&wb);
	wire_free(&wc);
}

static void test_merge_outlives_callers(void **state)
{
	struct wire wa = traces_wire("A", shape11, 3), wb = traces_wire("B", shape11, 1);
	struct gc_batch *in[2] = { decode(GC_SIGNAL_TRACES, wa), decode(GC_SIGNAL_TRACES, wb) };
	struct gc_batch *merged = gc_batch_merge(in, 2); /* takes both references */
	char *flat;

	/* Overwrite and free the wire bytes: the merge must read only the arenas. */
	memset(wa.data, 0, wa.len);
	wire_free(&wa);
	wire_free(&wb);
	flat = flatten(merged);
	assert_non_null(strstr(flat, "A-svc2|A-scope2.2|A.r2.s2.0\nB-svc0|B-scope0.0|B.r0.s0.0\n"));
	assert_int_equal(gc_batch_count(merged), 15);
	free(flat);
	gc_batch_unref(merged); /* frees the merge and both inputs */
}

/* An export request with no resource entries (0 bytes on the wire) decodes
 * with resource_spans == NULL. gc_batch_merge (src/batch.c:190) then calls
 * memcpy(dst, NULL, 0), which is undefined behaviour: the UBSan build aborts
 * with "null pointer passed as argument 2". The batch processor merges
 * whatever arrived, so one empty request from a client is enough. Found by
 * fuzz_otlp_decode; fails under -fsanitize=undefined until merge skips empty
 * inputs. */
static void test_merge_with_empty_request(void **state)
{
	struct wire w = traces_wire("m", shape11, 2);
	struct gc_batch *in[3] = { decode(GC_SIGNAL_TRACES, w),
				   gc_batch_decode(GC_SIGNAL_TRACES, (const uint8_t *)"", 0, NULL),
				   gc_batch_new(GC_SIGNAL_TRACES) };
	struct gc_batch *merged;
	char *flat;

	assert_non_null(in[1]);
	merged = gc_batch_merge(in, 3);
	assert_int_equal(merged->items, 6);
	assert_int_equal(gc_batch_count(merged), 6);
	assert_int_equal(top_count(merged), 2);
	flat = flatten(merged);
	assert_non_null(strstr(flat, "m-svc1|m-scope1.0|m.r1.s0.1\n"));
	free(flat);
	gc_batch_unref(merged);
	wire_free(&w);
}

/* ---- split ---------------------------------------------------------------- */

/* Splits a fresh decode of w into pieces of at most max and checks every
 * piece; returns the number of pieces. */
static size_t check_split(enum gc_signal signal, struct wire w, size_t max, size_t want_pieces)
{
	struct gc_batch *orig = decode(signal, w), **pieces = NULL;
	char *want = flatten(orig), *got = NULL;
	size_t total = orig->items, n, sum = 0;
	FILE *cat;
	size_t catlen = 0;

	gc_batch_ref(orig); /* ours, to watch the pieces' references */
	n = gc_batch_split(orig, max, &pieces);
	assert_non_null(pieces);
	if (n != want_pieces)
		fail_msg("max %zu: %zu pieces, expected %zu", max, n, want_pieces);
	cat = open_memstream(&got, &catlen);
	for (size_t i = 0; i < n; i++) {
		struct gc_batch *p = pieces[i];
		char *flat = flatten(p);
		struct wire enc;
		struct gc_batch *again;
		char *flat2;

		assert_int_equal(p->signal, signal);
		if (p != orig)
			assert_int_equal(refs(p), 1);
		if (p->items > max)
			fail_msg("max %zu: piece %zu holds %zu items", max, i, p->items);
		assert_int_equal(p->items, gc_batch_count(p));
		assert_true(p->items > 0);
		/* Within a piece, each resource entry appears once. */
		for (size_t a = 0; a < top_count(p); a++)
			for (size_t b = a + 1; b < top_count(p); b++) {
				char sa[64];

				snprintf(sa, sizeof(sa), "%s", svc_of(top_resource(p, a)));
				assert_string_not_equal(sa, svc_of(top_resource(p, b)));
			}
		/* Each piece encodes to a request that decodes to the same items. */
		enc = encode(p);
		again = decode(signal, enc);
		flat2 = flatten(again);
		assert_string_equal(flat2, flat);
		assert_int_equal(again->items, p->items);
		gc_batch_unref(again);
		wire_free(&enc);
		free(flat2);

		fputs(flat, cat);
		free(flat);
		sum += p->items;
	}
	fclose(cat);
	assert_int_equal(sum, total);
	assert_string_equal(got, want); /* the pieces, concatenated, are the original */

	if (n == 1 && pieces[0] == orig) {
		assert_int_equal(refs(orig), 2); /* returned as is */
	} else {
		/* Every piece holds the original; our reference is the other one. */
		assert_int_equal(refs(orig), (int)(n + 1));
	}
	free(want);
	free(got);
	for (size_t i = 0; i < n; i++)
		gc_batch_unref(pieces[i]);
	assert_int_equal(refs(orig), 1);
	gc_batch_unref(orig);
	free(pieces);
	return n;
}

static void test_split_traces(void **state)
{
	struct wire w = traces_wire("s", shape11, 3);

	check_split(GC_SIGNAL_TRACES, w, 1, 11);
	check_split(GC_SIGNAL_TRACES, w, 2, 6);
	check_split(GC_SIGNAL_TRACES, w, 3, 4);
	check_split(GC_SIGNAL_TRACES, w, 4, 3);
	check_split(GC_SIGNAL_TRACES, w, 10, 2);
	check_split(GC_SIGNAL_TRACES, w, 11, 1);
	check_split(GC_SIGNAL_TRACES, w, 1000, 1);
	wire_free(&w);
}

static void test_split_piece_boundaries(void **state)
{
	struct wire w = traces_wire("p", shape11, 3);
	struct gc_batch *b = decode(GC_SIGNAL_TRACES, w), **pieces;
	size_t n = gc_batch_split(b, 3, &pieces);
	char *f0, *f1;

	/* Pieces fill across scope and resource boundaries. */
	assert_int_equal(n, 4);
	f0 = flatten(pieces[0]);
	f1 = flatten(pieces[1]);
	assert_string_equal(f0, "p-svc0|p-scope0.0|p.r0.s0.0\n"
				"p-svc0|p-scope0.0|p.r0.s0.1\n"
				"p-svc0|p-scope0.0|p.r0.s0.2\n");
	assert_string_equal(f1, "p-svc0|p-scope0.1|p.r0.s1.0\n"
				"p-svc1|p-scope1.0|p.r1.s0.0\n"
				"p-svc1|p-scope1.0|p.r1.s0.1\n");
	assert_int_equal(top_count(pieces[1]), 2);
	assert_int_equal(pieces[1]->traces->resource_spans[0]->n_scope_spans, 1);
	/* The resource entry's other fields come along. */
	assert_int_equal(pieces[1]->traces->resource_spans[1]->schema_url.len,
			 strlen("https://opentelemetry.io/schemas/1.26.0"));
	free(f0);
	free(f1);
	for (size_t i = 0; i < n; i++)
		gc_batch_unref(pieces[i]);
	free(pieces);
	wire_free(&w);
}

static void test_split_pieces_outlive_original(void **state)
{
	struct wire w = traces_wire("o", shape11, 3);
	struct gc_batch *b = decode(GC_SIGNAL_TRACES, w), **pieces;
	size_t n;
	char *flat;

	wire_free(&w);
	n = gc_batch_split(b, 4, &pieces); /* our only reference goes to the split */
	assert_int_equal(n, 3);
	assert_int_equal(refs(b), 3); /* one per piece */
	gc_batch_unref(pieces[0]);
	gc_batch_unref(pieces[1]);
	assert_int_equal(refs(b), 1);
	/* The last piece still reads the original's arena. */
	flat = flatten(pieces[2]);
	assert_string_equal(flat, "o-svc2|o-scope2.1|o.r2.s1.2\n"
				  "o-svc2|o-scope2.1|o.r2.s1.3\n"
				  "o-svc2|o-scope2.2|o.r2.s2.0\n");
	free(flat);
	gc_batch_unref(pieces[2]); /* frees the original too (ASan: no leak) */
	free(pieces);
}

static void test_split_merged(void **state)
{
	struct wire wa = traces_wire("A", shape11, 3), wb = traces_wire("B", shape11, 2);
	struct gc_batch *in[2] = { decode(GC_SIGNAL_TRACES, wa), decode(GC_SIGNAL_TRACES, wb) };
	struct gc_batch *merged, **pieces;
	size_t n;
	char *flat;

	wire_free(&wa);
	wire_free(&wb);
	merged = gc_batch_merge(in, 2);
	n = gc_batch_split(merged, 5, &pieces); /* 11 + 6 spans */
	assert_int_equal(n, 4);
	assert_int_equal(pieces[0]->items + pieces[1]->items + pieces[2]->items + pieces[3]->items,
			 17);
	/* Piece 2 straddles the two inputs. */
	flat = flatten(pieces[2]);
	assert_string_equal(flat, "A-svc2|A-scope2.2|A.r2.s2.0\n"
				  "B-svc0|B-scope0.0|B.r0.s0.0\n"
				  "B-svc0|B-scope0.0|B.r0.s0.1\n"
				  "B-svc0|B-scope0.0|B.r0.s0.2\n"
				  "B-svc0|B-scope0.1|B.r0.s1.0\n");
	free(flat);
	for (size_t i = 0; i < n; i++)
		gc_batch_unref(pieces[i]);
	free(pieces);
}

static void test_split_no_limit_or_small_returns_same(void **state)
{
	struct wire w = traces_wire("z", shape11, 3);
	struct gc_batch *b = decode(GC_SIGNAL_TRACES, w), **pieces;

	assert_int_equal(gc_batch_split(b, 0, &pieces), 1); /* 0: no limit */
	assert_ptr_equal(pieces[0], b);
	assert_int_equal(refs(b), 1);
	free(pieces);
	assert_int_equal(gc_batch_split(b, 11, &pieces), 1);
	assert_ptr_equal(pieces[0], b);
	free(pieces);
	gc_batch_unref(b);
	wire_free(&w);
}

static void test_split_logs(void **state)
{
	static const struct res_shape shape[] = { { 1, { 3 } }, { 2, { 2, 1 } }, { 1, { 5 } } };
	struct wire w = logs_wire("L", shape, 3);

	check_split(GC_SIGNAL_LOGS, w, 1, 11);
	check_split(GC_SIGNAL_LOGS, w, 2, 6);
	check_split(GC_SIGNAL_LOGS, w, 3, 4);
	check_split(GC_SIGNAL_LOGS, w, 1000, 1);
	wire_free(&w);
}

/* Metrics split by data points; a metric whose points fit stays whole. */
static void test_split_metrics(void **state)
{
	static const struct metric_shape m[][6] = {
		{ { M_GAUGE, 2 }, { M_SUM, 1 }, { M_NONE, 0 }, { M_HISTOGRAM, 1 } },
		{ { M_SUMMARY, 2 }, { M_EXP_HISTOGRAM, 1 }, { M_GAUGE, 1 } },
	};
	static const size_t n[] = { 4, 3 };
	struct wire w = metrics_wire(m, n, 2);

	/* 8 points; max 2 never needs to cut inside a metric. */
	check_split(GC_SIGNAL_METRICS, w, 2, 4);
	check_split(GC_SIGNAL_METRICS, w, 3, 3); /* 2+1+0 | 1+2 | 1+1: whole metrics */
	check_split(GC_SIGNAL_METRICS, w, 1000, 1);
	wire_free(&w);
}

/* batch.h promises pieces of "at most max_items items (spans, log records or
 * data points)", and the batch processor relies on it for
 * send_batch_max_size. gc_batch_split (src/batch_split.c) moves whole Metric
 * messages: a gauge with 3 data points split with max_items 2 yields a piece
 * of 3 points. Fails until split divides a metric's data points. */
static void test_split_metrics_divides_large_metric(void **state)
{
	static const struct metric_shape m[][6] = { { { M_GAUGE, 3 }, { M_SUM, 1 } } };
	static const size_t n[] = { 2 };
	struct wire w = metrics_wire(m, n, 1);
	struct gc_batch *b = decode(GC_SIGNAL_METRICS, w), **pieces;
	size_t np = gc_batch_split(b, 2, &pieces);
	size_t sum = 0;

	for (size_t i = 0; i < np; i++)
		sum += pieces[i]->items;
	assert_int_equal(sum, 4);
	for (size_t i = 0; i < np; i++) {
		size_t items = pieces[i]->items;

		if (items > 2) {
			for (size_t j = 0; j < np; j++)
				gc_batch_unref(pieces[j]);
			free(pieces);
			wire_free(&w);
			fail_msg("piece %zu of %zu holds %zu data points, max_items is 2", i, np,
				 items);
		}
	}
	for (size_t i = 0; i < np; i++)
		gc_batch_unref(pieces[i]);
	free(pieces);
	wire_free(&w);
}

/* Appends a length-delimited field to buf at *len (buf large enough). */
static void put_field(uint8_t *buf, size_t *len, unsigned number, const uint8_t *payload,
		      size_t n)
{
	uint64_t v = n;

	buf[(*len)++] = (uint8_t)(number << 3 | 2);
	do {
		buf[(*len)++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	memmove(buf + *len, payload, n);
	*len += n;
}

/* protobuf-c recurses once per nested message with no limit (200000 levels,
 * 1.6 MB, overflowed the stack). Nesting past the limit is refused before
 * decoding, and moderate nesting still decodes. */
static void test_decode_refuses_deep_nesting(void **state)
{
	size_t cap = 8 * 1024 * 1024;
	uint8_t *a = malloc(cap), *b = malloc(cap), *t;
	size_t alen = 0, blen;
	char *err = NULL;
	struct gc_batch *batch;

	for (int depth = 0; depth < 5000; depth++) {
		/* AnyValue{array_value: ArrayValue{values: [previous]}} */
		blen = 0;
		put_field(b, &blen, 1, a, alen);
		alen = 0;
		put_field(a, &alen, 5, b, blen);
		if (depth == 20) { /* a shallow request of the same shape decodes */
			uint8_t *req = malloc(cap), *tmp = malloc(cap);
			size_t rlen = 0, tlen = 0;

			put_field(tmp, &tlen, 1, (const uint8_t *)"k", 1);
			put_field(tmp, &tlen, 2, a, alen); /* KeyValue */
			put_field(req, &rlen, 1, tmp, tlen); /* Resource.attributes */
			tlen = 0;
			put_field(tmp, &tlen, 1, req, rlen); /* ResourceSpans.resource */
			rlen = 0;
			put_field(req, &rlen, 1, tmp, tlen); /* request.resource_spans */
			batch = gc_batch_decode(GC_SIGNAL_TRACES, req, rlen, &err);
			assert_non_null(batch);
			gc_batch_unref(batch);
			free(req);
			free(tmp);
		}
	}
	t = b;
	blen = 0;
	put_field(t, &blen, 1, (const uint8_t *)"k", 1);
	put_field(t, &blen, 2, a, alen);
	alen = 0;
	put_field(a, &alen, 1, t, blen);
	blen = 0;
	put_field(t, &blen, 1, a, alen);
	alen = 0;
	put_field(a, &alen, 1, t, blen);
	assert_null(gc_batch_decode(GC_SIGNAL_TRACES, a, alen, &err));
	assert_non_null(strstr(err, "messages nest deeper than 100 levels"));
	free(err);
	free(a);
	free(b);
}


/* Wraps span fields (already encoded) into a whole trace request:
 * request{resource_spans{scope_spans{spans{...}}}}. Returns a heap buffer. */
static uint8_t *wrap_span(const uint8_t *span, size_t n, size_t *len)
{
	static const uint8_t ids[] = { 0x0a, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
				       16, 0x12, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t cap = n + sizeof(ids) + 64, a = 0, b = 0;
	uint8_t *x = malloc(cap), *y = malloc(cap);

	memcpy(x, ids, sizeof(ids));
	memcpy(x + sizeof(ids), span, n);
	a = sizeof(ids) + n;
	put_field(y, &b, 2, x, a);	/* ScopeSpans.spans */
	a = 0;
	put_field(x, &a, 2, y, b);	/* ResourceSpans.scope_spans */
	b = 0;
	put_field(y, &b, 1, x, a);	/* request.resource_spans */
	free(x);
	*len = b;
	return y;
}

/* Memory follows input size: 200k empty attributes (2 bytes each on the wire,
 * ~60 decoded) are refused with the bound named, while 20k real attributes
 * of the same request size decode within it. */
static void test_decode_bound(void **state)
{
	size_t n = 200000, cap = n * 40, len = 0, req_len;
	uint8_t *span = malloc(cap), *req;
	struct gc_batch *b;
	char *err = NULL;

	for (size_t i = 0; i < n; i++)
		put_field(span, &len, 9, (const uint8_t *)"", 0); /* Span.attributes: an empty KeyValue */
	req = wrap_span(span, len, &req_len);
	assert_null(gc_batch_decode(GC_SIGNAL_TRACES, req, req_len, &err));
	assert_non_null(strstr(err, "would take more than 16 times its size in memory"));
	free(err);
	err = NULL;
	free(req);

	len = 0;
	for (size_t i = 0; i < n / 10; i++) {
		uint8_t kv[64], value[32];
		size_t kl = 0, vl = 0;

		put_field(value, &vl, 1, (const uint8_t *)"gpt-4o-mini", 11); /* string_value */
		put_field(kv, &kl, 1, (const uint8_t *)"gen_ai.request.model", 20);
		put_field(kv, &kl, 2, value, vl);
		put_field(span, &len, 9, kv, kl);
	}
	req = wrap_span(span, len, &req_len);
	b = gc_batch_decode(GC_SIGNAL_TRACES, req, req_len, &err);
	assert_non_null(b);
	assert_true(gc_arena_reserved(b->arena) <= req_len * GC_DECODE_RATIO + GC_DECODE_SLACK);
	/* the bound is for decoding: processors may add to the batch after it */
	assert_non_null(gc_arena_alloc(b->arena, req_len * GC_DECODE_RATIO));
	gc_batch_unref(b);
	free(req);
	free(span);
}

/* A singular sub-message repeated in one message (ResourceSpans.resource,
 * 2000 times in 60 KB): protobuf-c would merge the repeats at a cost
 * quadratic in their number. Refused, naming the field; once is fine. */
static void test_decode_refuses_repeated_singular_message(void **state)
{
	uint8_t resource[32], *rs = malloc(64 * 2000), *req = malloc(64 * 2000 + 16);
	size_t rl = 0, rsl = 0, reql = 0;
	struct gc_batch *b;
	char *err = NULL;

	put_field(resource, &rl, 1, (const uint8_t *)"\x0a\x01k", 3); /* attributes{key:"k"} */
	put_field(rs, &rsl, 1, resource, rl);
	put_field(req, &reql, 1, rs, rsl);
	b = gc_batch_decode(GC_SIGNAL_TRACES, req, reql, &err);
	assert_non_null(b);
	gc_batch_unref(b);
	for (int i = 1; i < 2000; i++)
		put_field(rs, &rsl, 1, resource, rl);
	reql = 0;
	put_field(req, &reql, 1, rs, rsl);
	assert_null(gc_batch_decode(GC_SIGNAL_TRACES, req, reql, &err));
	assert_non_null(strstr(err, "field 'resource' of ResourceSpans appears more than once"));
	free(err);
	free(rs);
	free(req);
}

/* An OTLP/JSON body whose parse tree would dwarf it (an array attribute of
 * 100k empty objects: 3 bytes each, ~220 in jansson) is refused with the
 * bound named; the same body with real values decodes. */
static void test_decode_json_bound(void **state)
{
	const char *head = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
			   "\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0102030405060708\","
			   "\"attributes\":[{\"key\":\"a\",\"value\":{\"arrayValue\":{\"values\":[";
	const char *tail = "]}}}]}]}]}]}";
	size_t n = 100000, len = 0;
	char *json = malloc(strlen(head) + strlen(tail) + n * 24);
	struct gc_batch *b;
	char *err = NULL;

	len += (size_t)sprintf(json, "%s", head);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(json + len, "%s{}", i ? "," : "");
	len += (size_t)sprintf(json + len, "%s", tail);
	assert_null(gc_batch_decode_json(GC_SIGNAL_TRACES, json, len, &err));
	assert_non_null(strstr(err, "times the text's size in memory"));
	free(err);
	err = NULL;

	len = (size_t)sprintf(json, "%s", head);
	for (size_t i = 0; i < n / 8; i++)
		len += (size_t)sprintf(json + len, "%s{\"stringValue\":\"x%zu\"}", i ? "," : "", i);
	len += (size_t)sprintf(json + len, "%s", tail);
	b = gc_batch_decode_json(GC_SIGNAL_TRACES, json, len, &err);
	assert_non_null(b);
	gc_batch_unref(b);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_refuses_deep_nesting),
		cmocka_unit_test(test_decode_bound),
		cmocka_unit_test(test_decode_refuses_repeated_singular_message),
		cmocka_unit_test(test_decode_json_bound),
		cmocka_unit_test(test_decode_traces),
		cmocka_unit_test(test_encode_round_trip),
		cmocka_unit_test(test_decode_empty_request),
		cmocka_unit_test(test_decode_garbage),
		cmocka_unit_test(test_decode_logs),
		cmocka_unit_test(test_decode_metrics_counts_data_points),
		cmocka_unit_test(test_decode_rejects_field_number_zero),
		cmocka_unit_test(test_ref_unref),
		cmocka_unit_test(test_merge_three),
		cmocka_unit_test(test_merge_outlives_callers),
		cmocka_unit_test(test_split_traces),
		cmocka_unit_test(test_split_piece_boundaries),
		cmocka_unit_test(test_split_pieces_outlive_original),
		cmocka_unit_test(test_split_merged),
		cmocka_unit_test(test_split_no_limit_or_small_returns_same),
		cmocka_unit_test(test_split_logs),
		cmocka_unit_test(test_split_metrics),
		cmocka_unit_test(test_split_metrics_divides_large_metric),
		cmocka_unit_test(test_merge_with_empty_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
