/* Writes seed corpora, at build time so the seeds follow the protos:
 *   gen_otlp_seeds DIR
 *     fuzz_otlp_decode: a few packed OTLP export requests (traces, logs,
 *     metrics of every data kind).
 *   gen_otlp_seeds --genai DIR
 *     fuzz_genai: packed trace requests whose spans carry the attributes of
 *     OpenLLMetry, OpenInference and the Vercel AI SDK.
 *   gen_otlp_seeds --signal-prefixed DIR [FILE...]
 *     fuzz_decode_bound: the requests of the first form, then each FILE (the
 *     OTLP/JSON corpus), each behind one byte naming its signal: 'T', 'L' or
 *     'M' (traces, logs, metrics; the target takes the byte modulo 3). A
 *     FILE's signal is the first letter of its name (traces_*, logs_*,
 *     metrics_*). */
#include <stdbool.h>
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
static bool signal_prefixed; /* --signal-prefixed: a signal byte before each seed */

/* Writes prefix (when not 0) and then len bytes to dir/name. */
static int write_file(const char *name, char prefix, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || (prefix && fputc(prefix, f) == EOF) || fwrite(data, 1, len, f) != len ||
	    fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
}

/* The signal byte of fuzz_decode_bound for a request. */
static char signal_letter(const ProtobufCMessageDescriptor *d)
{
	if (d == &opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor)
		return 'L';
	if (d == &opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor)
		return 'M';
	return 'T';
}

static int write_seed(const char *name, const ProtobufCMessage *msg)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	uint8_t *buf = malloc(len ? len : 1);
	int rc = -1;

	if (buf && protobuf_c_message_pack(msg, buf) == len)
		rc = write_file(name, signal_prefixed ? signal_letter(msg->descriptor) : 0,
				buf, len);
	else
		fprintf(stderr, "%s: cannot pack\n", name);
	free(buf);
	return rc;
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

/* ---- fuzz_genai -------------------------------------------------------------- */

/* One attribute of a GenAI seed span: a string, or an int when s is NULL. */
struct attr {
	const char *key;
	const char *s;
	int64_t i;
};

#define MAX_ATTRS 16

/* Packs a trace request of one resource and one scope holding a span per
 * attribute list (lists end at a NULL key). */
static int write_genai(const char *name, const char *span_name, const struct attr *const *spans,
		       size_t n_spans)
{
	static uint8_t id[16] = { 0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
				  0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36 };
	any_value sv = str_value(BIN("llm-app")), vals[4][MAX_ATTRS];
	key_value rkv, kvs[4][MAX_ATTRS], *kvps[4][MAX_ATTRS], *rkvs[] = { &rkv };
	Opentelemetry__Proto__Resource__V1__Resource res;
	Opentelemetry__Proto__Common__V1__InstrumentationScope scope;
	Opentelemetry__Proto__Trace__V1__Span sp[4], *sps[4];
	Opentelemetry__Proto__Trace__V1__ScopeSpans ss, *sss[] = { &ss };
	Opentelemetry__Proto__Trace__V1__ResourceSpans rs, *rss[] = { &rs };
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest req;

	if (n_spans > 4)
		return -1;
	opentelemetry__proto__common__v1__key_value__init(&rkv);
	rkv.key = BIN("service.name");
	rkv.value = &sv;
	opentelemetry__proto__resource__v1__resource__init(&res);
	res.n_attributes = 1;
	res.attributes = rkvs;
	opentelemetry__proto__common__v1__instrumentation_scope__init(&scope);
	scope.name = BIN("llm.instrumentation");
	for (size_t s = 0; s < n_spans; s++) {
		size_t n = 0;

		opentelemetry__proto__trace__v1__span__init(&sp[s]);
		sp[s].trace_id = (ProtobufCBinaryData){ 16, id };
		sp[s].span_id = (ProtobufCBinaryData){ 8, id + s };
		sp[s].name = (ProtobufCBinaryData){ strlen(span_name), (uint8_t *)span_name };
		sp[s].kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT;
		sp[s].start_time_unix_nano = 1700000000000000000ULL;
		sp[s].end_time_unix_nano = 1700000000800000000ULL;
		for (const struct attr *a = spans[s]; a->key && n < MAX_ATTRS; a++, n++) {
			any_value *v = &vals[s][n];

			opentelemetry__proto__common__v1__any_value__init(v);
			if (a->s) {
				v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
				v->string_value = (ProtobufCBinaryData){ strlen(a->s), (uint8_t *)a->s };
			} else {
				v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
				v->int_value = a->i;
			}
			opentelemetry__proto__common__v1__key_value__init(&kvs[s][n]);
			kvs[s][n].key = (ProtobufCBinaryData){ strlen(a->key), (uint8_t *)a->key };
			kvs[s][n].value = v;
			kvps[s][n] = &kvs[s][n];
		}
		sp[s].n_attributes = n;
		sp[s].attributes = kvps[s];
		sps[s] = &sp[s];
	}
	opentelemetry__proto__trace__v1__scope_spans__init(&ss);
	ss.scope = &scope;
	ss.n_spans = n_spans;
	ss.spans = sps;
	opentelemetry__proto__trace__v1__resource_spans__init(&rs);
	rs.resource = &res;
	rs.n_scope_spans = 1;
	rs.scope_spans = sss;
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&req);
	req.n_resource_spans = 1;
	req.resource_spans = rss;
	return write_seed(name, &req.base);
}

#define S(k, v) { (k), (v), 0 }
#define I(k, v) { (k), NULL, (v) }
#define END { NULL, NULL, 0 }

static int genai(void)
{
	static const struct attr openllmetry[] = {
		S("gen_ai.system", "openai"),
		S("llm.request.type", "chat"),
		S("gen_ai.request.model", "gpt-4o"),
		S("gen_ai.response.model", "gpt-4o-2024-08-06"),
		S("gen_ai.prompt.0.role", "system"),
		S("gen_ai.prompt.0.content", "You are terse."),
		S("gen_ai.prompt.1.role", "user"),
		S("gen_ai.prompt.1.content", "Weather in Paris?"),
		S("gen_ai.completion.0.role", "assistant"),
		S("gen_ai.completion.0.content", "Rainy."),
		S("gen_ai.completion.0.finish_reason", "stop"),
		I("gen_ai.usage.prompt_tokens", 21),
		I("gen_ai.usage.completion_tokens", 3),
		I("llm.usage.total_tokens", 24),
		END,
	};
	static const struct attr openllmetry_tools[] = {
		S("gen_ai.system", "Anthropic"),
		S("llm.request.type", "chat"),
		S("gen_ai.request.model", "claude-3-5-sonnet-20241022"),
		S("gen_ai.prompt.0.role", "user"),
		S("gen_ai.prompt.0.content", "[{\"type\":\"text\",\"text\":\"Weather?\"}]"),
		S("gen_ai.completion.0.role", "assistant"),
		S("gen_ai.completion.0.tool_calls.0.id", "call_1"),
		S("gen_ai.completion.0.tool_calls.0.name", "get_weather"),
		S("gen_ai.completion.0.tool_calls.0.arguments", "{\"location\":\"Paris\"}"),
		S("gen_ai.completion.0.finish_reason", "tool_use"),
		I("gen_ai.usage.prompt_tokens", 400),
		I("gen_ai.usage.completion_tokens", 30),
		I("gen_ai.usage.cache_read_input_tokens", 100),
		END,
	};
	static const struct attr openinference[] = {
		S("openinference.span.kind", "LLM"),
		S("llm.model_name", "gpt-4o-mini"),
		S("llm.provider", "openai"),
		S("llm.system", "openai"),
		S("llm.invocation_parameters", "{\"model\":\"gpt-4o-mini\",\"temperature\":0.2}"),
		S("llm.input_messages.0.message.role", "system"),
		S("llm.input_messages.0.message.content", "Answer in French."),
		S("llm.input_messages.1.message.role", "user"),
		S("llm.input_messages.1.message.contents.0.message_content.type", "text"),
		S("llm.input_messages.1.message.contents.0.message_content.text", "Hello"),
		S("llm.output_messages.0.message.role", "assistant"),
		S("llm.output_messages.0.message.content", "Bonjour"),
		I("llm.token_count.prompt", 18),
		I("llm.token_count.completion", 2),
		I("llm.token_count.prompt_details.cache_read", 4),
		END,
	};
	static const struct attr vercel[] = {
		S("ai.operationId", "ai.generateText.doGenerate"),
		S("ai.model.id", "claude-3-5-haiku-20241022"),
		S("ai.model.provider", "anthropic.messages"),
		S("ai.prompt.messages",
		  "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]"),
		S("ai.response.text", "Hello!"),
		S("ai.response.finishReason", "stop"),
		S("ai.response.id", "msg_01"),
		S("ai.response.providerMetadata",
		  "{\"anthropic\":{\"cacheReadInputTokens\":4,\"cacheCreationInputTokens\":0}}"),
		I("ai.usage.promptTokens", 12),
		I("ai.usage.completionTokens", 3),
		END,
	};
	static const struct attr vercel_outer[] = {
		S("ai.operationId", "ai.streamText"),
		S("ai.model.id", "gpt-4.1"),
		S("ai.model.provider", "openai.responses"),
		I("ai.usage.inputTokens", 50),
		I("ai.usage.outputTokens", 9),
		I("ai.usage.cachedInputTokens", 10),
		END,
	};
	static const struct attr current[] = {
		S("gen_ai.provider.name", "openai"),
		S("gen_ai.operation.name", "chat"),
		S("gen_ai.request.model", "gpt-4o"),
		I("gen_ai.usage.input_tokens", 1000),
		I("gen_ai.usage.output_tokens", 200),
		END,
	};
	const struct attr *const oll[] = { openllmetry, openllmetry_tools };
	const struct attr *const oi[] = { openinference };
	const struct attr *const vai[] = { vercel_outer, vercel };
	const struct attr *const mixed[] = { current, openllmetry, openinference, vercel };

	return write_genai("openllmetry.bin", "openai.chat", oll, 2) ||
	       write_genai("openinference.bin", "ChatCompletion", oi, 1) ||
	       write_genai("vercel.bin", "ai.generateText.doGenerate", vai, 2) ||
	       write_genai("mixed_conventions.bin", "chat gpt-4o", mixed, 4);
}

/* ---- fuzz_decode_bound --------------------------------------------------------- */

/* Copies the file at path into dir behind its signal's byte. */
static int copy_prefixed(const char *path)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char prefix = name[0] == 'l' ? 'L' : name[0] == 'm' ? 'M' : 'T';
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;
	int rc = -1;

	if (f && !fseek(f, 0, SEEK_END) && (len = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET) &&
	    (buf = malloc((size_t)len + 1)) && fread(buf, 1, (size_t)len, f) == (size_t)len)
		rc = write_file(name, prefix, buf, (size_t)len);
	else
		perror(path);
	if (f)
		fclose(f);
	free(buf);
	return rc;
}

static int otlp(void)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest empty;

	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&empty);
	return write_seed("empty.bin", &empty.base) || traces() || logs() || metrics();
}

int main(int argc, char **argv)
{
	if (argc == 2) {
		dir = argv[1];
		return otlp() ? 1 : 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--genai")) {
		dir = argv[2];
		return genai() ? 1 : 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "--signal-prefixed")) {
		dir = argv[2];
		signal_prefixed = true;
		if (otlp())
			return 1;
		for (int i = 3; i < argc; i++)
			if (copy_prefixed(argv[i]))
				return 1;
		return 0;
	}
	fprintf(stderr, "usage: %s DIR | --genai DIR | --signal-prefixed DIR [FILE...]\n",
		argv[0]);
	return 2;
}
