#include "spans.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include "content.h"
#include "rng.h"
#include "wire.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest ExportRequest;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans ResourceSpans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans ScopeSpans;
typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Trace__V1__Status Status;
typedef Opentelemetry__Proto__Resource__V1__Resource Resource;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope Scope;
typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Common__V1__ArrayValue ArrayValue;

/* 2025-06-02T09:00:00Z: payload timestamps start here, so they do not
 * depend on when the bench runs. */
#define GEN_EPOCH_NS 1748854800000000000ull
#define GEN_REQUEST_SPACING_NS 1000000000ull /* one request per second of payload time */
#define GEN_MAX_ATTRIBUTES 24
#define GEN_SCHEMA_URL "https://opentelemetry.io/schemas/1.37.0"

/* Everything one request's messages point to lives in these blocks and is
 * freed once the request is packed. */
struct gen_block {
	struct gen_block *next;
	size_t used;
	size_t size;
	_Alignas(16) unsigned char data[];
};

struct gen {
	struct bench_rng rng;
	struct gen_block *blocks;
	int failed;
	enum bench_profile profile;
};

static void *gen_alloc(struct gen *g, size_t size)
{
	struct gen_block *b = g->blocks;

	size = (size + 15) & ~(size_t)15;
	if (!b || b->size - b->used < size) {
		size_t bsize = size > 65536 ? size : 65536;

		b = malloc(sizeof(*b) + bsize);
		if (!b) {
			g->failed = 1;
			return NULL;
		}
		b->size = bsize;
		b->used = 0;
		b->next = g->blocks;
		g->blocks = b;
	}
	b->used += size;
	return b->data + b->used - size;
}

static void gen_release(struct gen *g)
{
	struct gen_block *b, *next;

	for (b = g->blocks; b; b = next) {
		next = b->next;
		free(b);
	}
	g->blocks = NULL;
}

static char *gen_strdup(struct gen *g, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = gen_alloc(g, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

static char *gen_printf(struct gen *g, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return gen_strdup(g, buf);
}

static void gen_random_bytes(struct gen *g, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (uint8_t)rng_next(&g->rng);
}

/* Random identifier in the shape providers use: prefix + n base62 chars. */
static char *gen_id(struct gen *g, const char *prefix, size_t n)
{
	static const char alphabet[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t plen = strlen(prefix), i;
	char *s = gen_alloc(g, plen + n + 1);

	if (!s)
		return NULL;
	memcpy(s, prefix, plen);
	for (i = 0; i < n; i++)
		s[plen + i] = alphabet[rng_below(&g->rng, 62)];
	s[plen + n] = '\0';
	return s;
}

static char *gen_uuid(struct gen *g)
{
	uint64_t a = rng_next(&g->rng), b = rng_next(&g->rng);

	return gen_printf(g, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
			  (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
			  0x8000 | ((unsigned)(b >> 48) & 0x3fff),
			  (unsigned long long)(b & 0xffffffffffffull));
}

/* OTLP's text fields are `string` upstream; the collector's protos may
 * declare them `bytes`, which has the same wire encoding. PB_SET_STR sets
 * such a field from a C string whichever way it is declared. */
static void set_text(char **field, const char *s)
{
	*field = (char *)s;
}

static void set_binary(ProtobufCBinaryData *field, const char *s)
{
	field->data = (uint8_t *)s;
	field->len = s ? strlen(s) : 0;
}

#define PB_SET_STR(field, s) \
	_Generic((field), ProtobufCBinaryData: set_binary, default: set_text)(&(field), (s))

/* An attribute list being filled for one span or resource. */
struct attrs {
	struct gen *gen;
	KeyValue **items;
	size_t count;
};

static AnyValue *attr_add(struct attrs *a, const char *key)
{
	KeyValue *kv = gen_alloc(a->gen, sizeof(*kv));
	AnyValue *v = gen_alloc(a->gen, sizeof(*v));

	if (!kv || !v || a->count == GEN_MAX_ATTRIBUTES) {
		a->gen->failed = 1;
		return NULL;
	}
	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(v);
	PB_SET_STR(kv->key, key);
	kv->value = v;
	a->items[a->count++] = kv;
	return v;
}

static void attr_str(struct attrs *a, const char *key, const char *value)
{
	AnyValue *v = attr_add(a, key);

	if (v && value) {
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
		PB_SET_STR(v->string_value, value);
	}
}

static void attr_int(struct attrs *a, const char *key, int64_t value)
{
	AnyValue *v = attr_add(a, key);

	if (v) {
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
		v->int_value = value;
	}
}

static void attr_double(struct attrs *a, const char *key, double value)
{
	AnyValue *v = attr_add(a, key);

	if (v) {
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
		v->double_value = value;
	}
}

/* A one-element string array, the shape of finish_reasons and
 * encoding_formats. */
static void attr_str_array(struct attrs *a, const char *key, const char *value)
{
	AnyValue *v = attr_add(a, key);
	ArrayValue *array = gen_alloc(a->gen, sizeof(*array));
	AnyValue **items = gen_alloc(a->gen, sizeof(*items));
	AnyValue *item = gen_alloc(a->gen, sizeof(*item));

	if (!v || !array || !items || !item)
		return;
	opentelemetry__proto__common__v1__array_value__init(array);
	opentelemetry__proto__common__v1__any_value__init(item);
	item->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	PB_SET_STR(item->string_value, value);
	items[0] = item;
	array->n_values = 1;
	array->values = items;
	v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
	v->array_value = array;
}

static int attrs_init(struct attrs *a, struct gen *g)
{
	a->gen = g;
	a->count = 0;
	a->items = gen_alloc(g, GEN_MAX_ATTRIBUTES * sizeof(*a->items));
	return a->items ? 0 : -1;
}

/* The applications sending telemetry: one per request. */
struct service {
	const char *name;
	const char *version;
	const char *language;
	const char *sdk_version;
	const char *scope;
	const char *scope_version;
	const char *features[3];
	const char *routes[3];
};

static const struct service services[] = {
	{ "support-bot", "2.14.1", "python", "1.27.0",
	  "opentelemetry.instrumentation.openai_v2", "2.1b0",
	  { "support_chat", "ticket_summary", "intent_router" },
	  { "/api/v1/chat/{conversation_id}", "/api/v1/tickets/{id}/summary", "/api/v1/route" } },
	{ "rag-api", "0.9.3", "nodejs", "1.30.1",
	  "@opentelemetry/instrumentation-openai", "0.3.0",
	  { "doc_search", "answer_synthesis", "query_rewrite" },
	  { "/v2/search", "/v2/answer", "/v2/answer/stream" } },
	{ "agent-runner", "3.2.0", "python", "1.27.0",
	  "opentelemetry.instrumentation.anthropic", "0.40.2",
	  { "planner", "tool_executor", "reflection" },
	  { "/agents/{agent_id}/runs", "/agents/{agent_id}/runs/{run_id}/steps", "/agents/jobs" } },
	{ "code-assist", "1.5.7", "java", "1.43.0",
	  "io.opentelemetry.spring-ai-1.0", "2.9.0-alpha",
	  { "code_review", "test_generation", "commit_message" },
	  { "/review/{pr}", "/generate/tests", "/generate/commit" } },
};

/* A provider and the vocabulary its instrumentations report. */
struct provider {
	const char *name;
	const char *server;
	int port;
	const char *request_models[3];
	const char *response_models[3];
	const char *embedding_model;
	const char *finish_stop, *finish_length, *finish_tool, *finish_filter;
	const char *id_prefix;
	size_t id_len; /* 0: a UUID */
	unsigned weight;
};

static const struct provider providers[] = {
	{ "openai", "api.openai.com", 443,
	  { "gpt-4o-mini", "gpt-4o", "gpt-4.1" },
	  { "gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06", "gpt-4.1-2025-04-14" },
	  "text-embedding-3-small", "stop", "length", "tool_calls", "content_filter",
	  "chatcmpl-", 29, 45 },
	{ "anthropic", "api.anthropic.com", 443,
	  { "claude-3-5-haiku-latest", "claude-sonnet-4-20250514", "claude-3-7-sonnet-latest" },
	  { "claude-3-5-haiku-20241022", "claude-sonnet-4-20250514", "claude-3-7-sonnet-20250219" },
	  NULL, "end_turn", "max_tokens", "tool_use", "refusal", "msg_01", 22, 25 },
	{ "aws.bedrock", "bedrock-runtime.us-east-1.amazonaws.com", 443,
	  { "anthropic.claude-3-haiku-20240307-v1:0", "meta.llama3-1-70b-instruct-v1:0",
	    "amazon.nova-lite-v1:0" },
	  { "anthropic.claude-3-haiku-20240307-v1:0", "meta.llama3-1-70b-instruct-v1:0",
	    "amazon.nova-lite-v1:0" },
	  "amazon.titan-embed-text-v2:0", "end_turn", "max_tokens", "tool_use",
	  "content_filtered", "", 0, 10 },
	{ "gcp.vertex_ai", "us-central1-aiplatform.googleapis.com", 443,
	  { "gemini-2.0-flash", "gemini-2.5-pro", "gemini-2.0-flash-lite" },
	  { "gemini-2.0-flash-001", "gemini-2.5-pro", "gemini-2.0-flash-lite-001" },
	  "text-embedding-005", "STOP", "MAX_TOKENS", "STOP", "SAFETY", "", 24, 10 },
	{ "azure.ai.openai", "acme-prod-eastus.openai.azure.com", 443,
	  { "gpt-4o", "gpt-4o-mini", "gpt-35-turbo" },
	  { "gpt-4o-2024-11-20", "gpt-4o-mini-2024-07-18", "gpt-35-turbo-0125" },
	  "text-embedding-ada-002", "stop", "length", "tool_calls", "content_filter",
	  "chatcmpl-", 29, 10 },
};

static const struct provider *pick_provider(struct bench_rng *rng)
{
	uint32_t x = rng_below(rng, 100);
	size_t i;

	for (i = 0; i + 1 < sizeof(providers) / sizeof(providers[0]); i++) {
		if (x < providers[i].weight)
			return &providers[i];
		x -= providers[i].weight;
	}
	return &providers[i];
}

/* Per-trace state shared by the spans of one trace. */
struct trace_ctx {
	uint8_t trace_id[16];
	uint8_t parent_id[8];
	int has_parent;
	uint64_t clock_ns; /* end of the previous span */
	const char *user_id;
	unsigned feature; /* index into service->features */
};

struct error_kind {
	const char *type;
	const char *message;
	uint32_t min_ms, max_ms;
};

static const struct error_kind errors[] = {
	{ "RateLimitError", "Error code: 429 - Rate limit reached for requests. "
	  "Please try again in 2s.", 80, 400 },
	{ "APITimeoutError", "Request timed out.", 30000, 60000 },
	{ "InternalServerError", "Error code: 500 - The server had an error while "
	  "processing your request.", 200, 3000 },
	{ "APIConnectionError", "Connection error.", 5, 2000 },
};

static const char *finish_reason(struct bench_rng *rng, const struct provider *p)
{
	uint32_t x = rng_below(rng, 1000);

	if (x < 880)
		return p->finish_stop;
	if (x < 940)
		return p->finish_length;
	if (x < 995)
		return p->finish_tool;
	return p->finish_filter;
}

static const char *response_id(struct gen *g, const struct provider *p)
{
	return p->id_len ? gen_id(g, p->id_prefix, p->id_len) : gen_uuid(g);
}

static void span_common(struct gen *g, Span *s, struct trace_ctx *t)
{
	uint8_t *ids = gen_alloc(g, 8);

	if (!ids)
		return;
	gen_random_bytes(g, ids, 8);
	s->trace_id.data = t->trace_id;
	s->trace_id.len = 16;
	s->span_id.data = ids;
	s->span_id.len = 8;
	if (t->has_parent) {
		s->parent_span_id.data = t->parent_id;
		s->parent_span_id.len = 8;
	}
	s->flags = 0x101; /* sampled, parent-is-remote known */
	s->kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT;
	if (rng_chance(&g->rng, 0.1))
		PB_SET_STR(s->trace_state, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
}

static void span_times(struct gen *g, Span *s, struct trace_ctx *t, uint64_t duration_ms)
{
	uint64_t start = t->clock_ns + (uint64_t)rng_range(&g->rng, 1, 40) * 1000000ull;

	s->start_time_unix_nano = start;
	s->end_time_unix_nano = start + duration_ms * 1000000ull +
				rng_below(&g->rng, 1000000);
	t->clock_ns = s->end_time_unix_nano;
}

static void span_error(struct gen *g, Span *s, struct attrs *a, const struct error_kind *e)
{
	Status *status = gen_alloc(g, sizeof(*status));

	if (!status)
		return;
	opentelemetry__proto__trace__v1__status__init(status);
	status->code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
	PB_SET_STR(status->message, e->message);
	s->status = status;
	attr_str(a, "error.type", e->type);
}

/* Attributes every GenAI client span carries, then the application's. */
static void attrs_request(struct attrs *a, const struct provider *p, const char *operation,
			  const char *model, const struct service *svc, const struct trace_ctx *t)
{
	attr_str(a, "gen_ai.operation.name", operation);
	attr_str(a, "gen_ai.provider.name", p->name);
	attr_str(a, "gen_ai.request.model", model);
	attr_str(a, "server.address", p->server);
	attr_int(a, "server.port", p->port);
	attr_str(a, "app.feature", svc->features[t->feature]);
	if (t->user_id)
		attr_str(a, "user.id", t->user_id);
}

static void span_chat(struct gen *g, Span *s, struct attrs *a, const struct service *svc,
		      struct trace_ctx *t)
{
	static const double temperatures[] = { 0.0, 0.2, 0.3, 0.7, 1.0 };
	const struct provider *p = pick_provider(&g->rng);
	unsigned m = rng_below(&g->rng, 3);
	uint32_t input = rng_range(&g->rng, 80, 3200), output = rng_range(&g->rng, 12, 900);
	const char *reason = finish_reason(&g->rng, p);
	struct content_messages content = { 0 };

	PB_SET_STR(s->name, gen_printf(g, "chat %s", p->request_models[m]));
	attrs_request(a, p, "chat", p->request_models[m], svc, t);
	/* Many applications leave these at the provider's default. */
	if (rng_chance(&g->rng, 0.8))
		attr_double(a, "gen_ai.request.temperature", RNG_PICK(&g->rng, temperatures));
	if (rng_chance(&g->rng, 0.7))
		attr_int(a, "gen_ai.request.max_tokens", 256 << rng_below(&g->rng, 5));
	if (rng_chance(&g->rng, 0.03)) {
		const struct error_kind *e = &RNG_PICK(&g->rng, errors);

		span_times(g, s, t, rng_range(&g->rng, e->min_ms, e->max_ms));
		span_error(g, s, a, e);
		return;
	}
	if (g->profile == BENCH_PROFILE_CONTENT) {
		if (content_chat(&g->rng, reason, &content) < 0) {
			g->failed = 1;
			return;
		}
		input = (uint32_t)(content.input_chars / 4) + rng_below(&g->rng, 8);
		output = (uint32_t)(content.output_chars / 4) + rng_below(&g->rng, 8);
		attr_str(a, "gen_ai.input.messages", gen_strdup(g, content.input_json));
		attr_str(a, "gen_ai.output.messages", gen_strdup(g, content.output_json));
		content_messages_free(&content);
	}
	attr_str(a, "gen_ai.response.model", p->response_models[m]);
	attr_str(a, "gen_ai.response.id", response_id(g, p));
	attr_str_array(a, "gen_ai.response.finish_reasons", reason);
	attr_int(a, "gen_ai.usage.input_tokens", input);
	attr_int(a, "gen_ai.usage.output_tokens", output);
	if ((p->name[0] == 'o' || p->name[0] == 'a') && rng_chance(&g->rng, 0.3))
		attr_int(a, "gen_ai.usage.cache_read.input_tokens", (input / 1024) * 1024);
	span_times(g, s, t, 180 + (uint64_t)output * rng_range(&g->rng, 8, 25));
}

static void span_embeddings(struct gen *g, Span *s, struct attrs *a, const struct service *svc,
			    struct trace_ctx *t)
{
	const struct provider *p = pick_provider(&g->rng);

	if (!p->embedding_model)
		p = &providers[0];
	PB_SET_STR(s->name, gen_printf(g, "embeddings %s", p->embedding_model));
	attrs_request(a, p, "embeddings", p->embedding_model, svc, t);
	attr_str(a, "gen_ai.response.model", p->embedding_model);
	attr_str_array(a, "gen_ai.request.encoding_formats", "float");
	attr_int(a, "gen_ai.embeddings.dimension.count", 1536);
	attr_int(a, "gen_ai.usage.input_tokens", rng_range(&g->rng, 8, 600));
	span_times(g, s, t, rng_range(&g->rng, 40, 350));
}

static Span *gen_span(struct gen *g, const struct service *svc, struct trace_ctx *t)
{
	Span *s = gen_alloc(g, sizeof(*s));
	struct attrs a;

	if (!s || attrs_init(&a, g) < 0)
		return NULL;
	opentelemetry__proto__trace__v1__span__init(s);
	span_common(g, s, t);
	if (rng_chance(&g->rng, 0.1))
		span_embeddings(g, s, &a, svc, t);
	else
		span_chat(g, s, &a, svc, t);
	s->attributes = a.items;
	s->n_attributes = a.count;
	return s;
}

static void trace_start(struct gen *g, struct trace_ctx *t, uint64_t clock_ns)
{
	gen_random_bytes(g, t->trace_id, sizeof(t->trace_id));
	gen_random_bytes(g, t->parent_id, sizeof(t->parent_id));
	t->has_parent = !rng_chance(&g->rng, 0.2);
	t->clock_ns = clock_ns;
	t->user_id = rng_chance(&g->rng, 0.5) ?
		     gen_printf(g, "u%06u", rng_below(&g->rng, 1000000)) : NULL;
	t->feature = rng_below(&g->rng, 3);
}

static Resource *gen_resource(struct gen *g, const struct service *svc)
{
	Resource *r = gen_alloc(g, sizeof(*r));
	struct attrs a;

	if (!r || attrs_init(&a, g) < 0)
		return NULL;
	opentelemetry__proto__resource__v1__resource__init(r);
	attr_str(&a, "service.name", svc->name);
	attr_str(&a, "service.version", svc->version);
	attr_str(&a, "service.instance.id", gen_uuid(g));
	attr_str(&a, "deployment.environment", "production");
	attr_str(&a, "host.name", gen_printf(g, "ip-10-0-%u-%u.ec2.internal",
					       rng_below(&g->rng, 64), rng_range(&g->rng, 1, 254)));
	attr_str(&a, "telemetry.sdk.name", "opentelemetry");
	attr_str(&a, "telemetry.sdk.language", svc->language);
	attr_str(&a, "telemetry.sdk.version", svc->sdk_version);
	r->attributes = a.items;
	r->n_attributes = a.count;
	return r;
}

/* Builds and packs request number index into out. */
static int gen_request(struct gen *g, size_t index, size_t spans_per_request,
		       struct bench_request *out, struct bench_pool *pool)
{
	const struct service *svc = &RNG_PICK(&g->rng, services);
	ExportRequest req = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
	ResourceSpans rs = OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
	ScopeSpans ss = OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
	Scope scope = OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
	ResourceSpans *rs_list[1] = { &rs };
	ScopeSpans *ss_list[1] = { &ss };
	Span **spans = gen_alloc(g, spans_per_request * sizeof(*spans));
	struct trace_ctx trace = { 0 };
	uint64_t clock = GEN_EPOCH_NS + (uint64_t)index * GEN_REQUEST_SPACING_NS;
	size_t i, left_in_trace = 0;
	struct wire_summary summary;

	if (!spans)
		return -1;
	for (i = 0; i < spans_per_request; i++) {
		if (left_in_trace == 0) {
			trace_start(g, &trace, clock + rng_below(&g->rng, 1000) * 1000000ull);
			left_in_trace = rng_range(&g->rng, 1, 5);
		}
		left_in_trace--;
		spans[i] = gen_span(g, svc, &trace);
		if (!spans[i] || g->failed)
			return -1;
		pool->span_bytes += opentelemetry__proto__trace__v1__span__get_packed_size(spans[i]);
		pool->attributes += spans[i]->n_attributes;
	}
	PB_SET_STR(scope.name, svc->scope);
	PB_SET_STR(scope.version, svc->scope_version);
	ss.scope = &scope;
	ss.spans = spans;
	ss.n_spans = spans_per_request;
	PB_SET_STR(ss.schema_url, GEN_SCHEMA_URL);
	rs.resource = gen_resource(g, svc);
	rs.scope_spans = ss_list;
	rs.n_scope_spans = 1;
	PB_SET_STR(rs.schema_url, GEN_SCHEMA_URL);
	req.resource_spans = rs_list;
	req.n_resource_spans = 1;
	if (!rs.resource || g->failed)
		return -1;

	out->len = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(&req);
	out->data = malloc(out->len ? out->len : 1);
	if (!out->data)
		return -1;
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(&req, out->data);
	if (wire_count_spans(out->data, out->len, &summary) < 0 ||
	    summary.spans != spans_per_request)
		return -1;
	out->spans = (uint32_t)summary.spans;
	out->span_digest = summary.span_digest;
	return 0;
}

int bench_pool_generate(struct bench_pool *pool, enum bench_profile profile,
			size_t count, size_t spans_per_request, uint64_t seed)
{
	struct gen g = { { seed ^ 0x6a09e667f3bcc908ull }, NULL, 0, profile };
	size_t i;

	memset(pool, 0, sizeof(*pool));
	pool->profile = profile;
	pool->requests = calloc(count ? count : 1, sizeof(*pool->requests));
	if (!pool->requests)
		return -1;
	for (i = 0; i < count; i++) {
		int rc = gen_request(&g, i, spans_per_request, &pool->requests[i], pool);

		gen_release(&g);
		pool->count = i + 1;
		if (rc < 0) {
			bench_pool_free(pool);
			return -1;
		}
		pool->spans += pool->requests[i].spans;
		pool->request_bytes += pool->requests[i].len;
	}
	return 0;
}

void bench_pool_free(struct bench_pool *pool)
{
	size_t i;

	if (!pool->requests)
		return;
	for (i = 0; i < pool->count; i++)
		free(pool->requests[i].data);
	free(pool->requests);
	memset(pool, 0, sizeof(*pool));
}

int bench_profile_parse(const char *name, enum bench_profile *out)
{
	if (strcmp(name, "metadata") == 0)
		*out = BENCH_PROFILE_METADATA;
	else if (strcmp(name, "content") == 0)
		*out = BENCH_PROFILE_CONTENT;
	else
		return -1;
	return 0;
}

const char *bench_profile_name(enum bench_profile profile)
{
	return profile == BENCH_PROFILE_CONTENT ? "content" : "metadata";
}

double bench_pool_span_bytes(const struct bench_pool *pool)
{
	return pool->spans ? (double)pool->span_bytes / (double)pool->spans : 0;
}

double bench_pool_request_bytes_per_span(const struct bench_pool *pool)
{
	return pool->spans ? (double)pool->request_bytes / (double)pool->spans : 0;
}

void bench_pool_print(const struct bench_pool *pool, FILE *out)
{
	fprintf(out, "payload: profile=%s requests=%zu spans=%llu attributes_per_span=%.1f "
		"span_bytes_mean=%.1f request_bytes_per_span=%.1f\n",
		bench_profile_name(pool->profile), pool->count, (unsigned long long)pool->spans,
		pool->spans ? (double)pool->attributes / (double)pool->spans : 0,
		bench_pool_span_bytes(pool), bench_pool_request_bytes_per_span(pool));
}
