/* genai_normalize: the example spans of processors/genai_normalize.md section 9
 * go through the processor (created from YAML, as the daemon does) and come
 * out encoded; the tests read what a backend would receive. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "span.h"
#include "telemetry.h"

/* ---- building spans -------------------------------------------------------- */

/* Attributes are given as key, value pairs, NULL-terminated. A value is typed
 * by its prefix: "s:text", "i:42", "d:0.5", "b:true", "a:stop|length" (a
 * string array). */
static json_t *any_value(const char *typed)
{
	const char *v = typed + 2;

	switch (typed[0]) {
	case 's':
		return json_pack("{s:s}", "stringValue", v);
	case 'i':
		return json_pack("{s:s}", "intValue", v);
	case 'd':
		return json_pack("{s:f}", "doubleValue", atof(v));
	case 'b':
		return json_pack("{s:b}", "boolValue", !strcmp(v, "true"));
	case 'a': {
		json_t *values = json_array();
		const char *p = v;

		while (*p) {
			const char *bar = strchr(p, '|');
			size_t n = bar ? (size_t)(bar - p) : strlen(p);

			json_array_append_new(values, json_pack("{s:s%}", "stringValue", p, n));
			p += n + (bar ? 1 : 0);
		}
		return json_pack("{s:{s:o}}", "arrayValue", "values", values);
	}
	}
	fail_msg("bad typed value %s", typed);
	return NULL;
}

static json_t *attributes(const char *const *kv)
{
	json_t *list = json_array();

	for (size_t i = 0; kv && kv[i]; i += 2)
		json_array_append_new(list, json_pack("{s:s,s:o}", "key", kv[i], "value",
						      any_value(kv[i + 1])));
	return list;
}

struct event {
	const char *name;
	const char *attrs[9];
};

static struct gc_batch *batch_of(const char *const *attrs, const struct event *events,
				 size_t n_events)
{
	json_t *evs = json_array(), *req;
	struct gc_batch *b;
	char *text, *err = NULL;

	for (size_t i = 0; i < n_events; i++)
		json_array_append_new(evs, json_pack("{s:s,s:s,s:o}", "timeUnixNano", "1500", "name",
						     events[i].name, "attributes",
						     attributes(events[i].attrs)));
	req = json_pack("{s:[{s:{s:[{s:s,s:{s:s}}]},s:[{s:{s:s},s:[{s:s,s:s,s:s,s:s,s:s,s:o,s:o}]}]}]}",
			"resourceSpans", "resource", "attributes", "key", "service.name", "value",
			"stringValue", "chat-api", "scopeSpans", "scope", "name", "test", "spans",
			"traceId", "0102030405060708090a0b0c0d0e0f10", "spanId", "0102030405060708",
			"name", "llm call", "startTimeUnixNano", "1000", "endTimeUnixNano", "2000",
			"attributes", attributes(attrs), "events", evs);
	assert_non_null(req);
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	b = gc_batch_decode_json(GC_SIGNAL_TRACES, text, strlen(text), &err);
	if (!b)
		fail_msg("decode: %s\n%s", err, text);
	free(text);
	return b;
}

/* ---- running the processor ------------------------------------------------- */

struct capture {
	struct gc_consumer base;
	struct gc_batch *got;
};

static int capture_consume(struct gc_consumer *self, struct gc_batch *batch, char **err)
{
	struct capture *c = (struct capture *)self;

	(void)err;
	gc_batch_unref(c->got);
	c->got = batch;
	return GC_OK;
}

static const char *const config_yaml =
	"receivers:\n  otlp:\n    protocols:\n      grpc:\n"
	"processors:\n  genai_normalize:\n%s"
	"exporters:\n  debug:\n"
	"service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n"
	"      processors: [genai_normalize]\n      exporters: [debug]\n";

/* Encodes b and decodes the bytes again, as the next hop would. */
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

/* Runs b through a genai_normalize made from options (YAML lines under it,
 * "" for none); returns what came out, re-decoded from its bytes. */
static struct gc_batch *process(struct gc_batch *b, const char *options)
{
	char yaml[1024], *err = NULL;
	struct gc_config *config = NULL;
	struct capture cap = { { capture_consume }, NULL };
	const struct gc_component_config *cc;
	void *proc;
	struct gc_batch *out;

	snprintf(yaml, sizeof(yaml), config_yaml, options);
	if (gc_config_parse(yaml, strlen(yaml), "test.yaml", &config, &err) != GC_OK)
		fail_msg("config: %s", err);
	cc = &config->components[GC_KIND_PROCESSOR][0];
	assert_string_equal(cc->type->name, "genai_normalize");
	proc = cc->type->processor->create(cc->id, cc->options, GC_SIGNAL_TRACES, &cap.base, &err);
	assert_non_null(proc);
	assert_int_equal(gc_consume(cc->type->processor->consumer(proc), b, &err), GC_OK);
	cc->type->processor->shutdown(proc, gc_now_ns());
	cc->type->processor->destroy(proc);
	gc_config_free(config);
	assert_non_null(cap.got);
	out = round_trip(cap.got);
	gc_batch_unref(cap.got);
	return out;
}

static struct gc_batch *normalize(const char *const *attrs)
{
	return process(batch_of(attrs, NULL, 0), "");
}

static struct gc_batch *normalize_dropping(const char *const *attrs)
{
	return process(batch_of(attrs, NULL, 0), "    drop_original: true\n");
}

/* ---- reading the result ---------------------------------------------------- */

static struct gc_span first(struct gc_batch *b)
{
	struct gc_span_iter it;
	struct gc_span sp;

	gc_span_iter_init(&it, b);
	assert_true(gc_span_iter_next(&it, &sp));
	return sp;
}

static struct gc_value attr(struct gc_batch *b, const char *key)
{
	struct gc_span sp = first(b);
	struct gc_value v;

	if (!gc_span_attr(&sp, (struct gc_str){ key, strlen(key) }, &v))
		fail_msg("attribute %s is missing", key);
	return v;
}

static void expect_str(struct gc_batch *b, const char *key, const char *want)
{
	struct gc_value v = attr(b, key);

	if (v.type != GC_VALUE_STRING)
		fail_msg("%s: type %d, want a string", key, (int)v.type);
	if (v.str.len != strlen(want) || memcmp(v.str.ptr, want, v.str.len))
		fail_msg("%s = \"%.*s\", want \"%s\"", key, (int)v.str.len, v.str.ptr, want);
}

static void expect_int(struct gc_batch *b, const char *key, int64_t want)
{
	struct gc_value v = attr(b, key);

	if (v.type != GC_VALUE_INT)
		fail_msg("%s: type %d, want an int", key, (int)v.type);
	if (v.i != want)
		fail_msg("%s = %lld, want %lld", key, (long long)v.i, (long long)want);
}

static void expect_double(struct gc_batch *b, const char *key, double want)
{
	struct gc_value v = attr(b, key);

	assert_int_equal(v.type, GC_VALUE_DOUBLE);
	assert_true(v.d == want);
}

/* want: items joined with '|'. */
static void expect_array(struct gc_batch *b, const char *key, const char *want)
{
	struct gc_value v = attr(b, key), item;
	char got[256] = "";

	if (v.type != GC_VALUE_ARRAY)
		fail_msg("%s: type %d, want a string array", key, (int)v.type);
	for (size_t i = 0; i < gc_value_len(&v); i++) {
		gc_value_at(&v, i, NULL, &item);
		assert_int_equal(item.type, GC_VALUE_STRING);
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%.*s", i ? "|" : "",
			 (int)item.str.len, item.str.ptr);
	}
	if (strcmp(got, want))
		fail_msg("%s = [%s], want [%s]", key, got, want);
}

static void expect_absent(struct gc_batch *b, const char *key)
{
	struct gc_span sp = first(b);
	struct gc_value v;

	if (gc_span_attr(&sp, (struct gc_str){ key, strlen(key) }, &v))
		fail_msg("attribute %s should be absent", key);
}

static size_t n_attrs(const char *const *attrs)
{
	size_t n = 0;

	while (attrs[n])
		n++;
	return n / 2;
}

/* The span has exactly the input attributes plus `added`. */
static void expect_count(struct gc_batch *b, const char *const *attrs, size_t added)
{
	struct gc_span sp = first(b);

	assert_int_equal(gc_span_attr_count(&sp), n_attrs(attrs) + added);
}

/* ---- OpenLLMetry ----------------------------------------------------------- */

static const char *const O1[] = {
	"gen_ai.system", "s:openai", "llm.request.type", "s:chat", "llm.is_streaming", "b:false",
	"gen_ai.request.model", "s:gpt-4o", "gen_ai.response.model", "s:gpt-4o-2024-08-06",
	"gen_ai.response.id", "s:chatcmpl-9", "gen_ai.usage.prompt_tokens", "i:1200",
	"gen_ai.usage.completion_tokens", "i:300", "llm.usage.total_tokens", "i:1500",
	"gen_ai.usage.cache_read_input_tokens", "i:1024",
	"gen_ai.prompt.0.role", "s:system", "gen_ai.prompt.0.content", "s:You are terse.",
	"gen_ai.prompt.1.role", "s:user", "gen_ai.prompt.1.content", "s:Capital of France?",
	"gen_ai.completion.0.role", "s:assistant", "gen_ai.completion.0.content", "s:Paris.",
	"gen_ai.completion.0.finish_reason", "s:stop", NULL,
};

static void test_openllmetry_openai_chat(void **state)
{
	struct gc_batch *b = normalize(O1);

	expect_str(b, "gen_ai.provider.name", "openai");
	expect_str(b, "gen_ai.operation.name", "chat");
	expect_int(b, "gen_ai.usage.input_tokens", 1200);
	expect_int(b, "gen_ai.usage.output_tokens", 300);
	expect_int(b, "gen_ai.usage.cache_read.input_tokens", 1024);
	expect_array(b, "gen_ai.response.finish_reasons", "stop");
	/* Originals stay. */
	expect_str(b, "gen_ai.system", "openai");
	expect_int(b, "gen_ai.usage.prompt_tokens", 1200);
	expect_str(b, "gen_ai.prompt.1.content", "Capital of France?");
	expect_str(b, "gen_ai.input.messages",
		   "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"You are terse.\"}]},"
		   "{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Capital of France?\"}]}]");
	expect_str(b, "gen_ai.output.messages",
		   "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Paris.\"}],"
		   "\"finish_reason\":\"stop\"}]");
	expect_absent(b, "genai_normalize.adjusted");
	expect_count(b, O1, 8);
	gc_batch_unref(b);
}

static void test_openllmetry_drop_original(void **state)
{
	struct gc_batch *b = normalize_dropping(O1);

	expect_str(b, "gen_ai.provider.name", "openai");
	expect_int(b, "gen_ai.usage.input_tokens", 1200);
	expect_int(b, "gen_ai.usage.cache_read.input_tokens", 1024);
	expect_absent(b, "gen_ai.system");
	expect_absent(b, "llm.request.type");
	expect_absent(b, "gen_ai.usage.prompt_tokens");
	expect_absent(b, "gen_ai.usage.completion_tokens");
	expect_absent(b, "gen_ai.usage.cache_read_input_tokens");
	/* Message content went into gen_ai.input/output.messages. */
	expect_absent(b, "gen_ai.prompt.0.content");
	expect_absent(b, "gen_ai.completion.0.finish_reason");
	expect_str(b, "gen_ai.input.messages",
		   "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"You are terse.\"}]},"
		   "{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Capital of France?\"}]}]");
	/* Kept: OpenLLMetry's total, which has no target. */
	expect_int(b, "llm.usage.total_tokens", 1500);
	expect_str(b, "gen_ai.request.model", "gpt-4o");
	gc_batch_unref(b);
}

static void test_openllmetry_anthropic_thinking(void **state)
{
	static const char *const O2[] = {
		"gen_ai.system", "s:Anthropic", "llm.request.type", "s:completion",
		"gen_ai.request.model", "s:claude-sonnet-4-5",
		"gen_ai.response.model", "s:claude-sonnet-4-5-20250929",
		"gen_ai.usage.input_tokens", "i:10250", "gen_ai.usage.output_tokens", "i:420",
		"llm.usage.total_tokens", "i:10670", "gen_ai.usage.cache_read.input_tokens", "i:10000",
		"gen_ai.usage.cache_creation.input_tokens", "i:200",
		"gen_ai.prompt.0.role", "s:system", "gen_ai.prompt.0.content", "s:You are a weather bot.",
		"gen_ai.prompt.1.role", "s:user", "gen_ai.prompt.1.content", "s:Weather in Paris?",
		"gen_ai.completion.0.role", "s:thinking",
		"gen_ai.completion.0.content", "s:Need the weather tool.",
		"gen_ai.completion.0.finish_reason", "s:tool_use",
		"gen_ai.completion.1.role", "s:assistant", "gen_ai.completion.1.content", "s:",
		"gen_ai.completion.1.tool_calls.0.id", "s:toolu_01A",
		"gen_ai.completion.1.tool_calls.0.name", "s:get_weather",
		"gen_ai.completion.1.tool_calls.0.arguments", "s:{\"city\": \"Paris\"}", NULL,
	};
	struct gc_batch *b = normalize(O2);

	expect_str(b, "gen_ai.provider.name", "anthropic");
	expect_str(b, "gen_ai.operation.name", "chat"); /* role keys override "completion" */
	expect_int(b, "gen_ai.usage.input_tokens", 10250); /* already inclusive */
	expect_int(b, "gen_ai.usage.output_tokens", 420);
	expect_array(b, "gen_ai.response.finish_reasons", "tool_use");
	/* The thinking completion is merged first as a reasoning part; empty text
	 * adds no part; tool-call arguments are parsed. */
	expect_str(b, "gen_ai.output.messages",
		   "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"reasoning\","
		   "\"content\":\"Need the weather tool.\"},{\"type\":\"tool_call\","
		   "\"id\":\"toolu_01A\",\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}],"
		   "\"finish_reason\":\"tool_use\"}]");
	expect_absent(b, "genai_normalize.adjusted");
	expect_count(b, O2, 5);
	gc_batch_unref(b);
}

static void test_openllmetry_anthropic_streaming_reasons_collapse(void **state)
{
	static const char *const attrs[] = {
		"gen_ai.system", "s:Anthropic", "gen_ai.completion.0.finish_reason", "s:",
		"gen_ai.completion.1.finish_reason", "s:tool_use",
		"gen_ai.completion.2.finish_reason", "s:end_turn", NULL,
	};
	struct gc_batch *b = normalize(attrs);

	/* One generation per Anthropic call: the last reason. */
	expect_array(b, "gen_ai.response.finish_reasons", "end_turn");
	gc_batch_unref(b);
}

static void test_openllmetry_completion_api_derives_output(void **state)
{
	static const char *const O3[] = {
		"gen_ai.system", "s:Cohere", "llm.request.type", "s:completion",
		"gen_ai.request.model", "s:command-r", "gen_ai.prompt.0.user", "s:Tell me a joke",
		"gen_ai.completion.0.content", "s:Why...",
		"gen_ai.completion.0.finish_reason", "s:COMPLETE",
		"gen_ai.usage.prompt_tokens", "i:5", "llm.usage.total_tokens", "i:17", NULL,
	};
	struct gc_batch *b = normalize(O3);

	expect_str(b, "gen_ai.provider.name", "cohere");
	expect_str(b, "gen_ai.operation.name", "text_completion");
	expect_int(b, "gen_ai.usage.input_tokens", 5);
	expect_int(b, "gen_ai.usage.output_tokens", 12);
	expect_array(b, "genai_normalize.adjusted", "output_tokens_derived");
	expect_array(b, "gen_ai.response.finish_reasons", "COMPLETE");
	gc_batch_unref(b);
}

static void test_openllmetry_reasons_in_numeric_index_order(void **state)
{
	static const char *const two[] = {
		"gen_ai.system", "s:openai",
		"gen_ai.completion.1.finish_reason", "s:length",
		"gen_ai.completion.0.finish_reason", "s:stop", NULL,
	};
	const char *many[2 + 22 + 1] = { "gen_ai.system", "s:openai" };
	char keys[11][48], values[11][16];
	struct gc_batch *b = normalize(two);

	expect_array(b, "gen_ai.response.finish_reasons", "stop|length");
	gc_batch_unref(b);

	/* Indices 10 down to 0, written in reverse: 10 sorts after 9, not after 1. */
	for (int i = 0; i < 11; i++) {
		snprintf(keys[i], sizeof(keys[i]), "gen_ai.completion.%d.finish_reason", 10 - i);
		snprintf(values[i], sizeof(values[i]), "s:r%d", 10 - i);
		many[2 + 2 * i] = keys[i];
		many[3 + 2 * i] = values[i];
	}
	b = normalize(many);
	expect_array(b, "gen_ai.response.finish_reasons", "r0|r1|r2|r3|r4|r5|r6|r7|r8|r9|r10");
	gc_batch_unref(b);
}

static void test_openllmetry_new_values_and_frameworks(void **state)
{
	static const char *const O5[] = {
		"gen_ai.system", "s:az.ai.openai", "gen_ai.operation.name", "s:chat",
		"gen_ai.usage.input_tokens", "i:50", "gen_ai.usage.output_tokens", "i:5", NULL,
	};
	static const char *const O6[] = {
		"gen_ai.system", "s:Langchain", "traceloop.span.kind", "s:workflow", NULL,
	};
	struct gc_batch *b = normalize(O5);

	expect_str(b, "gen_ai.provider.name", "azure.ai.openai");
	expect_count(b, O5, 1);
	gc_batch_unref(b);

	/* A framework is not a provider; and drop_original keeps what has no target. */
	b = normalize_dropping(O6);
	expect_absent(b, "gen_ai.provider.name");
	expect_str(b, "gen_ai.system", "Langchain");
	expect_count(b, O6, 0);
	gc_batch_unref(b);
}

/* ---- OpenInference --------------------------------------------------------- */

static const char *const I1[] = {
	"openinference.span.kind", "s:LLM", "llm.provider", "s:openai", "llm.system", "s:openai",
	"llm.model_name", "s:gpt-4o-mini-2024-07-18",
	"llm.invocation_parameters", "s:{\"model\":\"gpt-4o-mini\",\"temperature\":0.2,\"max_tokens\":256}",
	"llm.input_messages.0.message.role", "s:system",
	"llm.input_messages.0.message.content", "s:Be brief.",
	"llm.input_messages.1.message.role", "s:user", "llm.input_messages.1.message.content", "s:Hi",
	"llm.output_messages.0.message.role", "s:assistant",
	"llm.output_messages.0.message.content", "s:Hello!",
	"llm.token_count.prompt", "i:2100", "llm.token_count.completion", "i:80",
	"llm.token_count.total", "i:2180", "llm.token_count.prompt_details.cache_read", "i:2048",
	"llm.token_count.completion_details.reasoning", "i:0",
	"output.mime_type", "s:application/json",
	"output.value", "s:{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\","
			"\"message\":{\"role\":\"assistant\",\"content\":\"Hello!\"}}]}",
	NULL,
};

static void test_openinference_openai_chat(void **state)
{
	struct gc_batch *b = normalize(I1);

	expect_str(b, "gen_ai.provider.name", "openai");
	expect_str(b, "gen_ai.operation.name", "chat");
	expect_str(b, "gen_ai.request.model", "gpt-4o-mini");
	expect_str(b, "gen_ai.response.model", "gpt-4o-mini-2024-07-18");
	expect_double(b, "gen_ai.request.temperature", 0.2);
	expect_int(b, "gen_ai.request.max_tokens", 256);
	expect_int(b, "gen_ai.usage.input_tokens", 2100);
	expect_int(b, "gen_ai.usage.output_tokens", 80);
	expect_int(b, "gen_ai.usage.cache_read.input_tokens", 2048);
	expect_int(b, "gen_ai.usage.reasoning.output_tokens", 0);
	expect_array(b, "gen_ai.response.finish_reasons", "stop");
	expect_str(b, "gen_ai.input.messages",
		   "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"Be brief.\"}]},"
		   "{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Hi\"}]}]");
	/* OpenInference has no per-message reason: finish_reasons[i]. */
	expect_str(b, "gen_ai.output.messages",
		   "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Hello!\"}],"
		   "\"finish_reason\":\"stop\"}]");
	expect_absent(b, "genai_normalize.adjusted");
	expect_int(b, "llm.token_count.prompt", 2100);
	gc_batch_unref(b);
}

static void test_openinference_drop_original(void **state)
{
	struct gc_batch *b = normalize_dropping(I1);

	expect_int(b, "gen_ai.usage.input_tokens", 2100);
	expect_str(b, "gen_ai.provider.name", "openai");
	expect_absent(b, "llm.provider");
	expect_absent(b, "llm.system");
	expect_absent(b, "llm.model_name");
	expect_absent(b, "llm.token_count.prompt");
	expect_absent(b, "llm.token_count.completion_details.reasoning");
	/* Content keys go once converted; generic keys stay. */
	expect_absent(b, "llm.input_messages.1.message.content");
	expect_absent(b, "llm.output_messages.0.message.role");
	expect_str(b, "gen_ai.output.messages",
		   "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Hello!\"}],"
		   "\"finish_reason\":\"stop\"}]");
	expect_str(b, "output.mime_type", "application/json");
	expect_str(b, "openinference.span.kind", "LLM");
	gc_batch_unref(b);
}

static void test_openinference_anthropic_cache_semantics(void **state)
{
	const char *i2[] = {
		"openinference.span.kind", "s:LLM", "llm.provider", "s:anthropic",
		"llm.system", "s:anthropic", "llm.model_name", "s:claude-3-5-haiku-20241022",
		"llm.token_count.prompt", "i:5230", "llm.token_count.prompt_details.cache_read", "i:5000",
		"llm.token_count.prompt_details.cache_write", "i:200",
		"llm.token_count.completion", "i:150", "llm.finish_reason", "s:end_turn", NULL,
	};
	struct gc_batch *b = normalize(i2);

	/* I2: current instrumentation, inclusive. */
	expect_str(b, "gen_ai.provider.name", "anthropic");
	expect_int(b, "gen_ai.usage.input_tokens", 5230);
	expect_int(b, "gen_ai.usage.cache_read.input_tokens", 5000);
	expect_int(b, "gen_ai.usage.cache_creation.input_tokens", 200);
	expect_int(b, "gen_ai.usage.output_tokens", 150);
	expect_array(b, "gen_ai.response.finish_reasons", "end_turn");
	expect_str(b, "gen_ai.request.model", "claude-3-5-haiku-20241022");
	expect_str(b, "gen_ai.response.model", "claude-3-5-haiku-20241022");
	expect_absent(b, "genai_normalize.adjusted");
	gc_batch_unref(b);

	/* I3: exclusive with details; the guard makes it inclusive. */
	i2[9] = "i:30";
	b = normalize(i2);
	expect_int(b, "gen_ai.usage.input_tokens", 5230);
	expect_array(b, "genai_normalize.adjusted", "input_tokens_cache_inclusive");
	gc_batch_unref(b);
}

static void test_openinference_exclusive_without_details(void **state)
{
	static const char *const I4[] = {
		"openinference.span.kind", "s:LLM", "llm.provider", "s:anthropic",
		"llm.token_count.prompt", "i:30", "llm.token_count.completion", "i:10", NULL,
	};
	struct gc_batch *b = normalize(I4);

	expect_int(b, "gen_ai.usage.input_tokens", 30); /* a documented undercount */
	expect_int(b, "gen_ai.usage.output_tokens", 10);
	expect_absent(b, "gen_ai.usage.cache_read.input_tokens");
	expect_absent(b, "gen_ai.usage.cache_creation.input_tokens");
	gc_batch_unref(b);
}

static void test_openinference_provider_pairs(void **state)
{
	static const char *const cases[][3] = {
		{ "aws", "anthropic", "aws.bedrock" },	   { "azure", "openai", "azure.ai.openai" },
		{ "google", "vertexai", "gcp.vertex_ai" }, { "google", "", "gcp.gen_ai" },
		{ "", "mistralai", "mistral_ai" },	   { "xai", "", "x_ai" },
		{ "", "vertexai", "gcp.vertex_ai" },	   { "moonshot", "", "moonshot_ai" },
		{ "groq", "openai", "groq" },		   { "Fireworks", "", "fireworks" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char p[64], s[64];
		const char *attrs[7] = { "openinference.span.kind", "s:LLM" };
		size_t n = 2;
		struct gc_batch *b;

		snprintf(p, sizeof(p), "s:%s", cases[i][0]);
		snprintf(s, sizeof(s), "s:%s", cases[i][1]);
		if (*cases[i][0]) {
			attrs[n++] = "llm.provider";
			attrs[n++] = p;
		}
		if (*cases[i][1]) {
			attrs[n++] = "llm.system";
			attrs[n++] = s;
		}
		b = normalize(attrs);
		expect_str(b, "gen_ai.provider.name", cases[i][2]);
		gc_batch_unref(b);
	}
}

static void test_openinference_embedding_and_chain(void **state)
{
	static const char *const I9[] = {
		"openinference.span.kind", "s:EMBEDDING",
		"embedding.model_name", "s:text-embedding-3-small",
		"llm.token_count.prompt", "i:12", "llm.token_count.total", "i:12", NULL,
	};
	static const char *const I11[] = {
		"openinference.span.kind", "s:CHAIN", "llm.token_count.prompt", "i:100",
		"llm.token_count.completion", "i:20", "llm.finish_reason", "s:stop", NULL,
	};
	struct gc_batch *b = normalize(I9);

	expect_str(b, "gen_ai.operation.name", "embeddings");
	expect_str(b, "gen_ai.request.model", "text-embedding-3-small");
	expect_int(b, "gen_ai.usage.input_tokens", 12);
	expect_absent(b, "gen_ai.usage.output_tokens");
	expect_absent(b, "gen_ai.response.finish_reasons");
	gc_batch_unref(b);

	/* Only LLM and EMBEDDING spans carry usage: a chain would double-count. */
	b = normalize(I11);
	expect_count(b, I11, 0);
	gc_batch_unref(b);
}

static void test_openinference_operations(void **state)
{
	static const char *const kinds[][2] = {
		{ "RETRIEVER", "retrieval" }, { "TOOL", "execute_tool" }, { "AGENT", "invoke_agent" },
	};
	static const char *const completions[] = {
		"openinference.span.kind", "s:LLM", "llm.prompts.0.prompt.text", "s:Once upon", NULL,
	};
	struct gc_batch *b;

	for (size_t i = 0; i < 3; i++) {
		char kind[32];
		const char *attrs[] = { "openinference.span.kind", kind, NULL };

		snprintf(kind, sizeof(kind), "s:%s", kinds[i][0]);
		b = normalize(attrs);
		expect_str(b, "gen_ai.operation.name", kinds[i][1]);
		gc_batch_unref(b);
	}
	b = normalize(completions);
	expect_str(b, "gen_ai.operation.name", "text_completion");
	gc_batch_unref(b);
}

/* ---- Vercel AI SDK --------------------------------------------------------- */

static const char *const V1[] = {
	"ai.operationId", "s:ai.generateText.doGenerate",
	"operation.name", "s:ai.generateText.doGenerate my-fn",
	"ai.model.provider", "s:openai.chat", "ai.model.id", "s:gpt-4o",
	"gen_ai.system", "s:openai.chat", "gen_ai.request.model", "s:gpt-4o",
	"gen_ai.response.model", "s:gpt-4o-2024-08-06",
	"ai.usage.promptTokens", "i:900", "ai.usage.completionTokens", "i:50",
	"gen_ai.usage.prompt_tokens", "i:900", "gen_ai.usage.completion_tokens", "i:50",
	"ai.response.finishReason", "s:stop", "gen_ai.response.finish_reasons", "a:stop",
	"ai.prompt.messages",
	"s:[{\"role\":\"system\",\"content\":\"Be brief.\"},"
	"{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}]}]",
	"ai.response.text", "s:Hello!", NULL,
};

static void test_vercel_v4_openai(void **state)
{
	struct gc_batch *b = normalize(V1);

	expect_str(b, "gen_ai.provider.name", "openai");
	expect_str(b, "gen_ai.operation.name", "chat");
	expect_int(b, "gen_ai.usage.input_tokens", 900);
	expect_int(b, "gen_ai.usage.output_tokens", 50);
	expect_array(b, "gen_ai.response.finish_reasons", "stop");
	expect_str(b, "gen_ai.request.model", "gpt-4o");
	expect_str(b, "gen_ai.input.messages",
		   "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"Be brief.\"}]},"
		   "{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Hi\"}]}]");
	expect_str(b, "gen_ai.output.messages",
		   "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Hello!\"}],"
		   "\"finish_reason\":\"stop\"}]");
	expect_count(b, V1, 6);
	gc_batch_unref(b);
}

static void test_vercel_drop_original(void **state)
{
	struct gc_batch *b = normalize_dropping(V1);

	expect_int(b, "gen_ai.usage.input_tokens", 900);
	expect_absent(b, "ai.usage.promptTokens");
	expect_absent(b, "ai.usage.completionTokens");
	expect_absent(b, "ai.model.provider");
	expect_absent(b, "ai.model.id");
	expect_absent(b, "gen_ai.system");
	expect_absent(b, "ai.response.finishReason");
	expect_absent(b, "gen_ai.usage.prompt_tokens");
	expect_str(b, "ai.operationId", "ai.generateText.doGenerate");
	expect_absent(b, "ai.prompt.messages");
	expect_absent(b, "ai.response.text");
	expect_str(b, "gen_ai.output.messages",
		   "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Hello!\"}],"
		   "\"finish_reason\":\"stop\"}]");
	gc_batch_unref(b);
}

static void test_vercel_v5_anthropic_exclusive_input(void **state)
{
	static const char *const V2[] = {
		"ai.operationId", "s:ai.streamText.doStream",
		"ai.model.provider", "s:anthropic.messages",
		"ai.model.id", "s:claude-sonnet-4-20250514", "gen_ai.system", "s:anthropic.messages",
		"gen_ai.request.model", "s:claude-sonnet-4-20250514",
		"ai.usage.promptTokens", "i:40", "ai.usage.completionTokens", "i:300",
		"gen_ai.usage.input_tokens", "i:40", "gen_ai.usage.output_tokens", "i:300",
		"ai.response.providerMetadata",
		"s:{\"anthropic\":{\"usage\":{\"input_tokens\":40,\"output_tokens\":300,"
		"\"cache_creation_input_tokens\":500,\"cache_read_input_tokens\":8000},"
		"\"cacheCreationInputTokens\":500}}",
		"ai.response.finishReason", "s:tool-calls", "gen_ai.response.finish_reasons", "a:tool-calls",
		NULL,
	};
	struct gc_batch *b = normalize(V2), *again;

	expect_str(b, "gen_ai.provider.name", "anthropic");
	expect_str(b, "gen_ai.operation.name", "chat");
	expect_int(b, "gen_ai.usage.input_tokens", 8540); /* 40 + 8000 + 500, overwritten */
	expect_int(b, "gen_ai.usage.cache_read.input_tokens", 8000);
	expect_int(b, "gen_ai.usage.cache_creation.input_tokens", 500);
	expect_int(b, "gen_ai.usage.output_tokens", 300);
	expect_array(b, "gen_ai.response.finish_reasons", "tool-calls");
	expect_array(b, "genai_normalize.adjusted", "input_tokens_cache_inclusive");

	/* A second pass (two collectors in a row) does not add the cache twice. */
	again = process(b, "");
	expect_int(again, "gen_ai.usage.input_tokens", 8540);
	gc_batch_unref(again);
}

static void test_vercel_v5_anthropic_small_cache_is_added(void **state)
{
	/* Less cached than uncached input: the guard alone would miss it. */
	static const char *const attrs[] = {
		"ai.operationId", "s:ai.generateText.doGenerate",
		"ai.model.provider", "s:vertex.anthropic.messages",
		"ai.usage.promptTokens", "i:4000", "gen_ai.usage.input_tokens", "i:4000",
		"ai.usage.cachedInputTokens", "i:1000", NULL,
	};
	struct gc_batch *b = normalize(attrs);

	expect_str(b, "gen_ai.provider.name", "gcp.vertex_ai");
	expect_int(b, "gen_ai.usage.input_tokens", 5000);
	expect_int(b, "gen_ai.usage.cache_read.input_tokens", 1000);
	expect_array(b, "genai_normalize.adjusted", "input_tokens_cache_inclusive");
	gc_batch_unref(b);
}

static void test_vercel_v5_openai_cache_not_added(void **state)
{
	static const char *const V3[] = {
		"ai.operationId", "s:ai.generateText.doGenerate",
		"ai.model.provider", "s:openai.responses", "ai.usage.promptTokens", "i:3000",
		"gen_ai.usage.input_tokens", "i:3000",
		"ai.response.providerMetadata", "s:{\"openai\":{\"cachedPromptTokens\":2048}}", NULL,
	};
	struct gc_batch *b = normalize(V3);

	expect_int(b, "gen_ai.usage.input_tokens", 3000);
	expect_int(b, "gen_ai.usage.cache_read.input_tokens", 2048);
	expect_absent(b, "genai_normalize.adjusted");
	gc_batch_unref(b);
}

static void test_vercel_v6_inclusive_with_details(void **state)
{
	static const char *const V4[] = {
		"ai.operationId", "s:ai.generateText.doGenerate",
		"ai.model.provider", "s:anthropic.messages", "ai.model.id", "s:claude-opus-4-1",
		"ai.usage.inputTokens", "i:8540", "ai.usage.inputTokenDetails.noCacheTokens", "i:40",
		"ai.usage.inputTokenDetails.cacheReadTokens", "i:8000",
		"ai.usage.inputTokenDetails.cacheWriteTokens", "i:500",
		"ai.usage.outputTokens", "i:300", "ai.usage.outputTokenDetails.textTokens", "i:180",
		"ai.usage.outputTokenDetails.reasoningTokens", "i:120",
		"ai.usage.reasoningTokens", "i:120", "ai.usage.cachedInputTokens", "i:8000",
		"ai.usage.totalTokens", "i:8840", "gen_ai.usage.input_tokens", "i:8540",
		"gen_ai.usage.output_tokens", "i:300", "gen_ai.response.finish_reasons", "a:stop", NULL,
	};
	struct gc_batch *b = normalize(V4);

	expect_str(b, "gen_ai.provider.name", "anthropic");
	expect_str(b, "gen_ai.operation.name", "chat");
	expect_str(b, "gen_ai.request.model", "claude-opus-4-1");
	expect_int(b, "gen_ai.usage.input_tokens", 8540);
	expect_int(b, "gen_ai.usage.cache_read.input_tokens", 8000);
	expect_int(b, "gen_ai.usage.cache_creation.input_tokens", 500);
	expect_int(b, "gen_ai.usage.reasoning.output_tokens", 120);
	expect_array(b, "gen_ai.response.finish_reasons", "stop");
	expect_absent(b, "genai_normalize.adjusted");
	gc_batch_unref(b);
}

static void test_vercel_outer_span_gets_no_usage(void **state)
{
	static const char *const V5[] = {
		"ai.operationId", "s:ai.streamText", "ai.model.provider", "s:openai.chat",
		"ai.model.id", "s:gpt-4o", "ai.usage.inputTokens", "i:1800",
		"ai.usage.outputTokens", "i:90", "ai.response.finishReason", "s:stop", NULL,
	};
	struct gc_batch *b = normalize(V5);

	expect_str(b, "gen_ai.provider.name", "openai");
	expect_str(b, "gen_ai.request.model", "gpt-4o");
	expect_count(b, V5, 2);
	gc_batch_unref(b);
}

static void test_vercel_provider_ids(void **state)
{
	static const char *const cases[][3] = {
		{ "azure.chat", "", "azure.ai.openai" },
		{ "google.generative-ai", "", "gcp.gemini" },
		{ "google.vertex.chat", "", "gcp.vertex_ai" },
		{ "vertex.anthropic.messages", "", "gcp.vertex_ai" },
		{ "amazon-bedrock", "", "aws.bedrock" },
		{ "mistral.chat", "", "mistral_ai" },
		{ "groq.chat", "", "groq" },
		{ "xAI.chat", "", "x_ai" },
		{ "cohere.chat", "", "cohere" },
		{ "gateway", "anthropic/claude-sonnet-4", "anthropic" },
		{ "gateway", "google/gemini-3-flash", "gcp.gen_ai" },
		{ "gateway", "mystery-model", "vercel.ai_gateway" },
		{ "acme.chat", "", "acme" },
		{ "togetherai.chat", "", "together_ai" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char p[64], m[64];
		const char *attrs[] = { "ai.operationId", "s:ai.generateText", "ai.model.provider", p,
					"ai.model.id", m, NULL };
		struct gc_batch *b;

		snprintf(p, sizeof(p), "s:%s", cases[i][0]);
		snprintf(m, sizeof(m), "s:%s", cases[i][1]);
		b = normalize(attrs);
		expect_str(b, "gen_ai.provider.name", cases[i][2]);
		gc_batch_unref(b);
	}
}

static void test_vercel_embedding_and_tool(void **state)
{
	static const char *const V7[] = {
		"ai.operationId", "s:ai.embed.doEmbed", "ai.model.provider", "s:openai.embedding",
		"ai.model.id", "s:text-embedding-3-small", "ai.usage.tokens", "i:8", NULL,
	};
	static const char *const V8[] = {
		"ai.operationId", "s:ai.toolCall", "ai.toolCall.name", "s:search",
		"ai.toolCall.id", "s:toolu_1", NULL,
	};
	struct gc_batch *b = normalize(V7);

	expect_str(b, "gen_ai.operation.name", "embeddings");
	expect_str(b, "gen_ai.provider.name", "openai");
	expect_str(b, "gen_ai.request.model", "text-embedding-3-small");
	expect_int(b, "gen_ai.usage.input_tokens", 8);
	expect_absent(b, "gen_ai.usage.output_tokens");
	gc_batch_unref(b);

	b = normalize(V8);
	expect_str(b, "gen_ai.operation.name", "execute_tool");
	expect_str(b, "gen_ai.tool.name", "search");
	expect_str(b, "gen_ai.tool.call.id", "toolu_1");
	expect_count(b, V8, 3);
	gc_batch_unref(b);
}

/* ---- message content: tool calls, ordering, legacy shapes ------------------- */

static void test_messages_tool_calls_and_order(void **state)
{
	static const char *const I10[] = {
		"openinference.span.kind", "s:LLM",
		"llm.input_messages.2.message.role", "s:tool",
		"llm.input_messages.2.message.tool_call_id", "s:call_1",
		"llm.input_messages.2.message.content", "s:rainy",
		"llm.input_messages.1.message.role", "s:assistant",
		"llm.input_messages.1.message.tool_calls.0.tool_call.id", "s:call_1",
		"llm.input_messages.1.message.tool_calls.0.tool_call.function.name", "s:get_weather",
		"llm.input_messages.1.message.tool_calls.0.tool_call.function.arguments",
		"s:{\"city\":\"Paris\"}", NULL,
	};
	static const char *const V2_tools[] = {
		"ai.operationId", "s:ai.streamText.doStream",
		"ai.model.provider", "s:anthropic.messages",
		"gen_ai.response.finish_reasons", "a:tool-calls",
		"ai.prompt.messages",
		"s:[{\"role\":\"tool\",\"content\":[{\"type\":\"tool-result\",\"toolCallId\":\"t0\","
		"\"toolName\":\"search\",\"output\":{\"type\":\"text\",\"value\":\"found\"}}]}]",
		"ai.response.toolCalls",
		"s:[{\"toolCallId\":\"toolu_1\",\"toolName\":\"search\",\"input\":\"{\\\"q\\\":\\\"otel\\\"}\"}]",
		NULL,
	};
	/* O3 (legacy completion API) and O4 (numeric, not lexical, index order). */
	static const char *const O3_O4[] = {
		"gen_ai.system", "s:Cohere", "llm.request.type", "s:completion",
		"gen_ai.prompt.0.user", "s:Tell me a joke",
		"gen_ai.completion.10.content", "s:k", "gen_ai.completion.2.content", "s:c",
		"gen_ai.completion.0.content", "s:a", "gen_ai.completion.0.finish_reason", "s:COMPLETE",
		NULL,
	};
	struct gc_batch *b = normalize(I10);

	expect_str(b, "gen_ai.input.messages",
		   "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"id\":\"call_1\","
		   "\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}]},"
		   "{\"role\":\"tool\",\"parts\":[{\"type\":\"tool_call_response\",\"id\":\"call_1\","
		   "\"result\":\"rainy\"}]}]");
	expect_absent(b, "gen_ai.output.messages");
	gc_batch_unref(b);

	b = normalize(V2_tools);
	expect_str(b, "gen_ai.input.messages",
		   "[{\"role\":\"tool\",\"parts\":[{\"type\":\"tool_call_response\",\"id\":\"t0\","
		   "\"result\":\"found\"}]}]");
	expect_str(b, "gen_ai.output.messages",
		   "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"id\":\"toolu_1\","
		   "\"name\":\"search\",\"arguments\":{\"q\":\"otel\"}}],\"finish_reason\":\"tool-calls\"}]");
	gc_batch_unref(b);

	b = normalize(O3_O4);
	expect_str(b, "gen_ai.input.messages",
		   "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Tell me a joke\"}]}]");
	expect_str(b, "gen_ai.output.messages",
		   "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"a\"}],"
		   "\"finish_reason\":\"COMPLETE\"},"
		   "{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"c\"}],"
		   "\"finish_reason\":\"\"},"
		   "{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"k\"}],"
		   "\"finish_reason\":\"\"}]");
	gc_batch_unref(b);

	b = normalize_dropping(O3_O4);
	expect_absent(b, "gen_ai.prompt.0.user");
	expect_absent(b, "gen_ai.completion.10.content");
	expect_str(b, "gen_ai.input.messages",
		   "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Tell me a joke\"}]}]");
	gc_batch_unref(b);
}

static void test_messages_malformed_and_present(void **state)
{
	static const char *const present[] = {
		"gen_ai.system", "s:openai",
		"gen_ai.prompt.0.role", "s:user", "gen_ai.prompt.0.content", "s:new",
		"gen_ai.completion.0.content", "s:new",
		"gen_ai.input.messages", "s:old-in", "gen_ai.output.messages", "s:old-out", NULL,
	};
	static const char *const malformed[] = {
		"ai.operationId", "s:ai.generateText.doGenerate", "ai.model.provider", "s:openai.chat",
		"ai.prompt.messages", "s:[{\"role\":", "gen_ai.prompt.x.role", "s:user",
		"gen_ai.prompt.prompt_filter_results", "s:[]", NULL,
	};
	struct gc_batch *b = normalize(present);

	expect_str(b, "gen_ai.input.messages", "old-in");
	expect_str(b, "gen_ai.output.messages", "old-out");
	expect_count(b, present, 1); /* provider only */
	gc_batch_unref(b);

	b = normalize(malformed);
	expect_absent(b, "gen_ai.input.messages");
	expect_absent(b, "gen_ai.output.messages");
	gc_batch_unref(b);

	/* drop_original keeps what was not converted. */
	b = normalize_dropping(malformed);
	expect_str(b, "gen_ai.prompt.prompt_filter_results", "[]");
	expect_str(b, "ai.prompt.messages", "[{\"role\":");
	gc_batch_unref(b);
}

/* ---- older OpenTelemetry names --------------------------------------------- */

static void test_legacy_otel_usage_and_events(void **state)
{
	static const char *const T1[] = {
		"gen_ai.system", "s:openai", "gen_ai.request.model", "s:gpt-4",
		"gen_ai.response.model", "s:gpt-4-0613", "gen_ai.usage.prompt_tokens", "i:20",
		"gen_ai.usage.completion_tokens", "i:8", "gen_ai.response.finish_reasons", "a:stop",
		NULL,
	};
	static const struct event T1_events[] = {
		{ "gen_ai.content.prompt", { "gen_ai.prompt", "s:[{\"role\": \"user\", \"content\": \"Hi\"}]" } },
		{ "gen_ai.content.completion",
		  { "gen_ai.completion", "s:[{\"role\": \"assistant\", \"content\": \"Hello\"}]" } },
	};
	static const struct event T2_events[] = {
		{ "gen_ai.content.prompt", { "gen_ai.prompt", "s:[{'role': 'user', 'content': 'Hi'}]" } },
	};
	static const char *const T3[] = { "gen_ai.system", "s:openai", NULL };
	static const struct event T3_events[] = {
		{ "gen_ai.user.message", { "content", "s:Hi" } },
		{ "gen_ai.choice", { "index", "i:1", "finish_reason", "s:length" } },
		{ "gen_ai.choice", { "index", "i:0", "finish_reason", "s:tool_calls" } },
	};
	struct gc_batch *b = process(batch_of(T1, T1_events, 2), "");

	expect_str(b, "gen_ai.provider.name", "openai");
	expect_int(b, "gen_ai.usage.input_tokens", 20);
	expect_int(b, "gen_ai.usage.output_tokens", 8);
	expect_array(b, "gen_ai.response.finish_reasons", "stop");
	expect_str(b, "gen_ai.input.messages",
		   "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Hi\"}]}]");
	expect_str(b, "gen_ai.output.messages",
		   "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Hello\"}],"
		   "\"finish_reason\":\"stop\"}]");
	expect_count(b, T1, 5);
	gc_batch_unref(b);

	/* T2: a Python-repr prompt is not JSON; it is kept raw as one user text. */
	b = process(batch_of(T1, T2_events, 1), "");
	expect_str(b, "gen_ai.input.messages",
		   "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\","
		   "\"content\":\"[{'role': 'user', 'content': 'Hi'}]\"}]}]");
	expect_absent(b, "gen_ai.output.messages");
	gc_batch_unref(b);

	b = process(batch_of(T3, T3_events, 3), "");
	expect_array(b, "gen_ai.response.finish_reasons", "tool_calls|length");
	gc_batch_unref(b);
}

static void test_legacy_system_values(void **state)
{
	static const char *const cases[][2] = {
		{ "vertex_ai", "gcp.vertex_ai" }, { "gemini", "gcp.gemini" },
		{ "az.ai.inference", "azure.ai.inference" }, { "xai", "x_ai" },
		{ "MistralAI", "mistral_ai" }, { "Watsonx", "ibm.watsonx.ai" },
		{ "AWS", "aws.bedrock" }, { "Google", "gcp.gen_ai" },
		{ " aws.bedrock ", "aws.bedrock" }, { "TogetherAI", "together_ai" },
		{ "HuggingFace", "hugging_face" }, { "Ollama", "ollama" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char v[64];
		const char *attrs[] = { "gen_ai.system", v, NULL };
		struct gc_batch *b;

		snprintf(v, sizeof(v), "s:%s", cases[i][0]);
		b = normalize(attrs);
		expect_str(b, "gen_ai.provider.name", cases[i][1]);
		gc_batch_unref(b);
	}
}

/* ---- pass-through, conflicts, bad input ------------------------------------ */

/* Encodes the batch: the bytes a backend would get. */
static uint8_t *bytes_of(struct gc_batch *b, size_t *len)
{
	uint8_t *buf;

	*len = gc_batch_encoded_size(b);
	buf = malloc(*len ? *len : 1);
	gc_batch_encode(b, buf);
	return buf;
}

static void assert_untouched(const char *const *attrs)
{
	struct gc_batch *in = batch_of(attrs, NULL, 0), *out;
	size_t before_len, after_len;
	uint8_t *before = bytes_of(in, &before_len), *after;

	out = process(in, "    drop_original: true\n");
	after = bytes_of(out, &after_len);
	assert_int_equal(before_len, after_len);
	assert_memory_equal(before, after, before_len);
	free(before);
	free(after);
	gc_batch_unref(out);
}

static void test_unrelated_and_current_spans_are_byte_identical(void **state)
{
	static const char *const http[] = {
		"http.route", "s:/v1/chat", "http.status_code", "i:200", "llm", "s:short key",
		"ai", "s:x", "gen_ai.usage.input", "i:3", NULL,
	};
	static const char *const P1[] = {
		"gen_ai.provider.name", "s:anthropic", "gen_ai.usage.input_tokens", "i:100",
		"gen_ai.usage.cache_read.input_tokens", "i:500",
		"gen_ai.input.messages", "s:[{\"role\":\"user\",\"parts\":[]}]", NULL,
	};

	assert_untouched(http);
	assert_untouched(P1);
}

static void test_present_targets_are_not_overwritten(void **state)
{
	static const char *const P2[] = {
		"gen_ai.provider.name", "s:openai", "llm.provider", "s:azure",
		"openinference.span.kind", "s:LLM", "gen_ai.request.model", "s:mine",
		"llm.model_name", "s:theirs", "gen_ai.operation.name", "s:generate_content",
		"gen_ai.usage.output_tokens", "i:7", "llm.token_count.completion", "i:99",
		"gen_ai.response.finish_reasons", "a:length", "llm.finish_reason", "s:stop", NULL,
	};
	static const char *const P3[] = {
		"gen_ai.system", "s:Anthropic", "gen_ai.usage.input_tokens", "i:10",
		"gen_ai.prompt.0.role", "s:user",
		"gen_ai.input.messages", "s:[{\"role\":\"user\",\"content\":\"x\"}]", NULL,
	};
	struct gc_batch *b = normalize(P2);

	expect_str(b, "gen_ai.provider.name", "openai");
	expect_str(b, "gen_ai.request.model", "mine");
	expect_str(b, "gen_ai.response.model", "theirs");
	expect_str(b, "gen_ai.operation.name", "generate_content");
	expect_int(b, "gen_ai.usage.output_tokens", 7);
	expect_array(b, "gen_ai.response.finish_reasons", "length");
	expect_count(b, P2, 1);
	gc_batch_unref(b);

	b = normalize(P3);
	expect_str(b, "gen_ai.provider.name", "anthropic");
	expect_str(b, "gen_ai.input.messages", "[{\"role\":\"user\",\"content\":\"x\"}]");
	expect_int(b, "gen_ai.usage.input_tokens", 10);
	gc_batch_unref(b);
}

static void test_counts_are_coerced_or_refused(void **state)
{
	static const char *const P4[] = {
		"gen_ai.system", "s:openai", "gen_ai.usage.prompt_tokens", "s:42",
		"gen_ai.usage.completion_tokens", "d:7.0", NULL,
	};
	static const char *const P5[] = {
		"openinference.span.kind", "s:LLM", "llm.token_count.prompt", "i:-1",
		"llm.token_count.completion", "s:abc", "llm.token_count.total", "d:2.5",
		"llm.finish_reason", "s:", NULL,
	};
	static const char *const json_reasons[] = {
		"gen_ai.system", "s:openai", "llm.response.finish_reason", "s:[\"stop\",\"length\"]", NULL,
	};
	struct gc_batch *b = normalize(P4);

	expect_int(b, "gen_ai.usage.input_tokens", 42);
	expect_int(b, "gen_ai.usage.output_tokens", 7);
	gc_batch_unref(b);

	b = normalize(P5);
	expect_absent(b, "gen_ai.usage.input_tokens");
	expect_absent(b, "gen_ai.usage.output_tokens");
	expect_absent(b, "gen_ai.response.finish_reasons");
	gc_batch_unref(b);

	b = normalize(json_reasons);
	expect_array(b, "gen_ai.response.finish_reasons", "stop|length");
	gc_batch_unref(b);
}

/* ---- config and metrics ---------------------------------------------------- */

static void test_config_and_metrics(void **state)
{
	static const char *const bad =
		"receivers:\n  otlp:\n    protocols:\n      grpc:\n"
		"processors:\n  genai_normalize:\n    drop_originals: true\n"
		"exporters:\n  debug:\n"
		"service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n"
		"      processors: [genai_normalize]\n      exporters: [debug]\n";
	struct gc_config *c = NULL;
	char *err = NULL;
	gc_counter *oi = gc_metrics_counter("genai_normalize_spans_total", "",
					    "processor=\"genai_normalize\",convention=\"openinference\"");
	uint64_t before = gc_counter_get(oi);
	struct gc_batch *b;

	assert_int_equal(gc_config_parse(bad, strlen(bad), "test.yaml", &c, &err), GC_ERROR);
	assert_non_null(strstr(err, "drop_original"));
	free(err);

	b = normalize(I1);
	gc_batch_unref(b);
	assert_int_equal(gc_counter_get(oi), before + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openllmetry_openai_chat),
		cmocka_unit_test(test_openllmetry_drop_original),
		cmocka_unit_test(test_openllmetry_anthropic_thinking),
		cmocka_unit_test(test_openllmetry_anthropic_streaming_reasons_collapse),
		cmocka_unit_test(test_openllmetry_completion_api_derives_output),
		cmocka_unit_test(test_openllmetry_reasons_in_numeric_index_order),
		cmocka_unit_test(test_openllmetry_new_values_and_frameworks),
		cmocka_unit_test(test_openinference_openai_chat),
		cmocka_unit_test(test_openinference_drop_original),
		cmocka_unit_test(test_openinference_anthropic_cache_semantics),
		cmocka_unit_test(test_openinference_exclusive_without_details),
		cmocka_unit_test(test_openinference_provider_pairs),
		cmocka_unit_test(test_openinference_embedding_and_chain),
		cmocka_unit_test(test_openinference_operations),
		cmocka_unit_test(test_vercel_v4_openai),
		cmocka_unit_test(test_vercel_drop_original),
		cmocka_unit_test(test_vercel_v5_anthropic_exclusive_input),
		cmocka_unit_test(test_vercel_v5_anthropic_small_cache_is_added),
		cmocka_unit_test(test_vercel_v5_openai_cache_not_added),
		cmocka_unit_test(test_vercel_v6_inclusive_with_details),
		cmocka_unit_test(test_vercel_outer_span_gets_no_usage),
		cmocka_unit_test(test_vercel_provider_ids),
		cmocka_unit_test(test_vercel_embedding_and_tool),
		cmocka_unit_test(test_messages_tool_calls_and_order),
		cmocka_unit_test(test_messages_malformed_and_present),
		cmocka_unit_test(test_legacy_otel_usage_and_events),
		cmocka_unit_test(test_legacy_system_values),
		cmocka_unit_test(test_unrelated_and_current_spans_are_byte_identical),
		cmocka_unit_test(test_present_targets_are_not_overwritten),
		cmocka_unit_test(test_counts_are_coerced_or_refused),
		cmocka_unit_test(test_config_and_metrics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
