/* Writes the seed corpus of fuzz_otlp_decode: a few packed OTLP export
 * requests (traces, logs, metrics of every data kind) into the directory given
 * as argv[1]. Run at build time so the seeds follow the protos. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#define BIN(s) ((ProtobufCBinaryData){ sizeof(s) - 1, (uint8_t *)(s) })

typedef Opentelemetry__Proto__Common__V1__AnyValue any_value;
typedef Opentelemetry__Proto__Common__V1__KeyValue key_value;

static const char *dir;

static int write_seed(const char *name, const ProtobufCMessage *msg)
{
	char path[4096];
	size_t len = protobuf_c_message_get_packed_size(msg);
	uint8_t *buf = malloc(len ? len : 1);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!buf || !f || protobuf_c_message_pack(msg, buf) != len ||
	    fwrite(buf, 1, len, f) != len) {
		perror(path);
		return -1;
	}
	fclose(f);
	free(buf);
	return 0;
}

static any_value str_value(ProtobufCBinaryData s)
{
	any_value v;

	opentelemetry__proto__common__v1__any_value__init(&v);
	v.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	v.string_value = s;
	return v;
}

/* Each writer builds its request from stack objects and packs it before
 * returning. */
static int traces(void)
{
	static uint8_t id[16] = { 0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03,
				  0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c };
	any_value sv = str_value(BIN("chatbot")), mv = str_value(BIN("gpt-4o")), iv;
	key_value rkv, skv[2], *rkvs[] = { &rkv }, *skvs[] = { &skv[0], &skv[1] };
	Opentelemetry__Proto__Resource__V1__Resource res;
	Opentelemetry__Proto__Common__V1__InstrumentationScope scope;
	Opentelemetry__Proto__Trace__V1__Span sp[5], *sps[5];
	Opentelemetry__Proto__Trace__V1__Span__Event ev, *evs[] = { &ev };
	Opentelemetry__Proto__Trace__V1__Status st;
	Opentelemetry__Proto__Trace__V1__ScopeSpans ss[2], *sss0[] = { &ss[0] }, *sss1[] = { &ss[1] };
	Opentelemetry__Proto__Trace__V1__ResourceSpans rs[2], *rss[] = { &rs[0], &rs[1] };
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest req;

	opentelemetry__proto__common__v1__any_value__init(&iv);
	iv.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
	iv.int_value = 1234;
	opentelemetry__proto__common__v1__key_value__init(&rkv);
	rkv.key = BIN("service.name");
	rkv.value = &sv;
	for (int i = 0; i < 2; i++)
		opentelemetry__proto__common__v1__key_value__init(&skv[i]);
	skv[0].key = BIN("gen_ai.request.model");
	skv[0].value = &mv;
	skv[1].key = BIN("gen_ai.usage.input_tokens");
	skv[1].value = &iv;
	opentelemetry__proto__resource__v1__resource__init(&res);
	res.n_attributes = 1;
	res.attributes = rkvs;
	opentelemetry__proto__common__v1__instrumentation_scope__init(&scope);
	scope.name = BIN("openai.instrumentation");
	scope.version = BIN("0.1");
	opentelemetry__proto__trace__v1__span__event__init(&ev);
	ev.name = BIN("gen_ai.content.prompt");
	ev.time_unix_nano = 1700000000100000000ULL;
	opentelemetry__proto__trace__v1__status__init(&st);
	st.code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_OK;
	for (int i = 0; i < 5; i++) {
		opentelemetry__proto__trace__v1__span__init(&sp[i]);
		sp[i].trace_id = (ProtobufCBinaryData){ 16, id };
		sp[i].span_id = (ProtobufCBinaryData){ 8, id + i };
		sp[i].name = BIN("chat gpt-4o");
		sp[i].kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT;
		sp[i].start_time_unix_nano = 1700000000000000000ULL + i;
		sp[i].end_time_unix_nano = 1700000000500000000ULL + i;
		sp[i].n_attributes = 2;
		sp[i].attributes = skvs;
		sp[i].status = &st;
		sps[i] = &sp[i];
	}
	sp[0].n_events = 1;
	sp[0].events = evs;
	sp[1].parent_span_id = (ProtobufCBinaryData){ 8, id };
	for (int i = 0; i < 2; i++) {
		opentelemetry__proto__trace__v1__scope_spans__init(&ss[i]);
		ss[i].scope = &scope;
		opentelemetry__proto__trace__v1__resource_spans__init(&rs[i]);
		rs[i].resource = &res;
	}
	ss[0].n_spans = 1;
	ss[0].spans = sps;
	rs[0].n_scope_spans = 1;
	rs[0].scope_spans = sss0;
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&req);
	req.n_resource_spans = 1;
	req.resource_spans = rss;
	if (write_seed("traces_one_span.bin", &req.base))
		return -1;
	ss[0].n_spans = 2;
	ss[1].n_spans = 3;
	ss[1].spans = sps + 2;
	rs[1].n_scope_spans = 1;
	rs[1].scope_spans = sss1;
	req.n_resource_spans = 2;
	return write_seed("traces_two_resources.bin", &req.base);
}

static int logs(void)
{
	any_value body = str_value(BIN("request failed: rate limited"));
	Opentelemetry__Proto__Logs__V1__LogRecord lr[3], *lrs[] = { &lr[0], &lr[1], &lr[2] };
	Opentelemetry__Proto__Logs__V1__ScopeLogs sl, *sls[] = { &sl };
	Opentelemetry__Proto__Logs__V1__ResourceLogs rl, *rls[] = { &rl };
	Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest req;

	for (int i = 0; i < 3; i++) {
		opentelemetry__proto__logs__v1__log_record__init(&lr[i]);
		lr[i].time_unix_nano = 1700000000000000000ULL + i;
		lr[i].severity_number = OPENTELEMETRY__PROTO__LOGS__V1__SEVERITY_NUMBER__SEVERITY_NUMBER_WARN;
		lr[i].severity_text = BIN("WARN");
		lr[i].body = &body;
	}
	opentelemetry__proto__logs__v1__scope_logs__init(&sl);
	sl.n_log_records = 3;
	sl.log_records = lrs;
	opentelemetry__proto__logs__v1__resource_logs__init(&rl);
	rl.n_scope_logs = 1;
	rl.scope_logs = sls;
	opentelemetry__proto__collector__logs__v1__export_logs_service_request__init(&req);
	req.n_resource_logs = 1;
	req.resource_logs = rls;
	return write_seed("logs.bin", &req.base);
}

static int metrics(void)
{
	Opentelemetry__Proto__Metrics__V1__NumberDataPoint np[3], *nps[] = { &np[0], &np[1], &np[2] };
	Opentelemetry__Proto__Metrics__V1__HistogramDataPoint hp, *hps[] = { &hp };
	Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint ep, *eps[] = { &ep };
	Opentelemetry__Proto__Metrics__V1__SummaryDataPoint qp, *qps[] = { &qp };
	Opentelemetry__Proto__Metrics__V1__Gauge gauge;
	Opentelemetry__Proto__Metrics__V1__Sum sum;
	Opentelemetry__Proto__Metrics__V1__Histogram hist;
	Opentelemetry__Proto__Metrics__V1__ExponentialHistogram ehist;
	Opentelemetry__Proto__Metrics__V1__Summary summary;
	Opentelemetry__Proto__Metrics__V1__Metric m[5], *ms[] = { &m[0], &m[1], &m[2], &m[3], &m[4] };
	Opentelemetry__Proto__Metrics__V1__ScopeMetrics sm, *sms[] = { &sm };
	Opentelemetry__Proto__Metrics__V1__ResourceMetrics rm, *rms[] = { &rm };
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest req;
	static uint64_t buckets[] = { 1, 4, 2 };
	static double bounds[] = { 0.1, 1.0 };

	for (int i = 0; i < 3; i++) {
		opentelemetry__proto__metrics__v1__number_data_point__init(&np[i]);
		np[i].value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE;
		np[i].as_double = 0.5 * i;
		np[i].time_unix_nano = 1700000000000000000ULL + i;
	}
	opentelemetry__proto__metrics__v1__histogram_data_point__init(&hp);
	hp.count = 7;
	hp.n_bucket_counts = 3;
	hp.bucket_counts = buckets;
	hp.n_explicit_bounds = 2;
	hp.explicit_bounds = bounds;
	opentelemetry__proto__metrics__v1__exponential_histogram_data_point__init(&ep);
	ep.count = 3;
	ep.scale = 2;
	opentelemetry__proto__metrics__v1__summary_data_point__init(&qp);
	qp.count = 9;
	opentelemetry__proto__metrics__v1__gauge__init(&gauge);
	gauge.n_data_points = 2;
	gauge.data_points = nps;
	opentelemetry__proto__metrics__v1__sum__init(&sum);
	sum.n_data_points = 1;
	sum.data_points = nps + 2;
	sum.is_monotonic = 1;
	opentelemetry__proto__metrics__v1__histogram__init(&hist);
	hist.n_data_points = 1;
	hist.data_points = hps;
	opentelemetry__proto__metrics__v1__exponential_histogram__init(&ehist);
	ehist.n_data_points = 1;
	ehist.data_points = eps;
	opentelemetry__proto__metrics__v1__summary__init(&summary);
	summary.n_data_points = 1;
	summary.data_points = qps;
	for (int i = 0; i < 5; i++) {
		opentelemetry__proto__metrics__v1__metric__init(&m[i]);
		m[i].name = BIN("gen_ai.client.token.usage");
		m[i].unit = BIN("{token}");
	}
	m[0].data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
	m[0].gauge = &gauge;
	m[1].data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
	m[1].sum = &sum;
	m[2].data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM;
	m[2].histogram = &hist;
	m[3].data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM;
	m[3].exponential_histogram = &ehist;
	m[4].data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY;
	m[4].summary = &summary;
	opentelemetry__proto__metrics__v1__scope_metrics__init(&sm);
	sm.n_metrics = 5;
	sm.metrics = ms;
	opentelemetry__proto__metrics__v1__resource_metrics__init(&rm);
	rm.n_scope_metrics = 1;
	rm.scope_metrics = sms;
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init(&req);
	req.n_resource_metrics = 1;
	req.resource_metrics = rms;
	return write_seed("metrics_all_kinds.bin", &req.base);
}

int main(int argc, char **argv)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest empty;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&empty);
	if (write_seed("empty.bin", &empty.base) || traces() || logs() || metrics())
		return 1;
	return 0;
}
