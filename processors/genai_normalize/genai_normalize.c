/* Processor genai_normalize: rewrites the GenAI attribute conventions seen in
 * the wild (OpenInference, OpenLLMetry/Traceloop, Vercel AI SDK v4-v6, older
 * OpenTelemetry names) onto the current OpenTelemetry GenAI conventions:
 * gen_ai.provider.name, request/response model, operation name, usage counts
 * (input includes cached tokens), cache and reasoning counts and
 * gen_ai.response.finish_reasons as a string array, and message content as
 * gen_ai.input.messages / gen_ai.output.messages (JSON strings, messages.c).
 * The mapping and its
 * reasons are in processors/genai_normalize.md.
 *
 * Spans are recognised by attribute keys, never by name. A target attribute
 * already on the span is never overwritten, except for the documented
 * cache-exclusive input counts (Vercel <= v5 on Anthropic-family providers, and
 * the guard "cache larger than input"), which are marked in
 * genai_normalize.adjusted. Originals stay unless drop_original, which removes a
 * source key only once its target is on the span.
 *
 * A span with no key of any convention costs one pass over its attribute keys
 * and allocates nothing. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_bounded.h"
#include "component.h"
#include "genai_normalize/normalize.h"
#include "processor.h"
#include "span.h"
#include "telemetry.h"

struct genai_normalize_config {
	bool drop_original;
	int64_t max_json_bytes;
};

static const struct gc_option genai_normalize_options[] = {
	{ "drop_original", GC_OPT_BOOL, offsetof(struct genai_normalize_config, drop_original),
	  "false", .help = "remove a source attribute once its OpenTelemetry target is set" },
	{ "max_json_bytes", GC_OPT_BYTES, offsetof(struct genai_normalize_config, max_json_bytes),
	  "1MiB", 1024, 1073741824.0,
	  "longest JSON attribute value (message arrays, provider metadata) converted; longer "
	  "ones pass through unconverted, counted" },
	{ 0 },
};

struct genai_normalize {
	struct gc_processor_base base;
	const struct genai_normalize_config *config;
	gc_counter *spans[GN_NCONVENTIONS];
	gc_counter *skipped_too_deep, *skipped_too_large;
};

_Thread_local struct gn_batch_state gn_batch;

json_t *gn_json_load(const char *text, size_t len, size_t flags)
{
	if (gn_batch.max_bytes && len > gn_batch.max_bytes) {
		gn_batch.skipped++;
		return NULL;
	}
	return gc_json_loadb(text, len, flags, NULL, NULL);
}

#define KEY(lit) ((struct gc_str){ (lit), sizeof(lit) - 1 })

static const struct gc_str K_PROVIDER = KEY("gen_ai.provider.name");
static const struct gc_str K_OPERATION = KEY("gen_ai.operation.name");
static const struct gc_str K_REQUEST_MODEL = KEY("gen_ai.request.model");
static const struct gc_str K_RESPONSE_MODEL = KEY("gen_ai.response.model");
static const struct gc_str K_ADJUSTED = KEY("genai_normalize.adjusted");

/* Which spans a source key may be read on (rule 5 of the spec: usage and
 * finish reasons only on provider calls). */
enum gate { ANY, OI_LLM, VERCEL_CALL };

enum vercel_class { V_NONE, V_CHAT, V_EMBED, V_TOOL, V_OUTER };

struct span_ctx {
	struct gc_span *sp;
	unsigned bits;
	bool oi_llm;	     /* openinference.span.kind LLM or EMBEDDING */
	bool usage_allowed;  /* no outer Vercel span, no non-LLM OpenInference span */
	enum vercel_class vercel;
	struct gc_str adjusted[4];
	size_t n_adjusted;
};

static bool gate_open(const struct span_ctx *c, enum gate g)
{
	return g == ANY || (g == OI_LLM && c->oi_llm) || (g == VERCEL_CALL && c->vercel >= V_CHAT &&
							   c->vercel <= V_EMBED);
}

static void set_str_if_absent(struct gc_span *sp, struct gc_str key, struct gc_str value)
{
	if (value.len && !gc_span_has(sp, key))
		gn_check(gc_span_set_str(sp, key, value));
}

static void mark_adjusted(struct span_ctx *c, const char *what)
{
	if (c->n_adjusted < sizeof(c->adjusted) / sizeof(c->adjusted[0]))
		c->adjusted[c->n_adjusted++] = cstr(what);
}

/* ---- span classes ---------------------------------------------------------- */

static enum vercel_class vercel_class(const struct gc_span *sp)
{
	struct gc_str op = str_of(sp, "ai.operationId");
	const char *dot;

	if (!op.len) /* Vercel sets these only on doGenerate/doStream spans */
		return gc_span_has(sp, K_REQUEST_MODEL) || gc_span_has(sp, KEY("gen_ai.system")) ? V_CHAT
										   : V_OUTER;
	if (is(op, "ai.toolCall"))
		return V_TOOL;
	dot = memrchr(op.ptr, '.', op.len);
	if (dot) {
		struct gc_str last = { dot + 1, op.len - (size_t)(dot + 1 - op.ptr) };

		if (is(last, "doGenerate") || is(last, "doStream"))
			return V_CHAT;
		if (is(last, "doEmbed"))
			return V_EMBED;
	}
	return V_OUTER;
}

static void classify_span(struct span_ctx *c)
{
	struct gc_str kind = str_of(c->sp, "openinference.span.kind");

	c->oi_llm = is(kind, "LLM") || is(kind, "EMBEDDING");
	c->vercel = c->bits & GN_VERCEL ? vercel_class(c->sp) : V_NONE;
	c->usage_allowed = !(kind.len && !c->oi_llm) && !(c->vercel == V_OUTER || c->vercel == V_TOOL);
}

/* ---- provider, models, operation ------------------------------------------- */

static void map_provider(struct span_ctx *c)
{
	struct gc_span *sp = c->sp;
	struct gc_str p = { "", 0 }, raw;
	char buf[64];

	if (gc_span_has(sp, K_PROVIDER))
		return;
	if (c->bits & GN_OPENINFERENCE) {
		struct gc_str prov = str_of(sp, "llm.provider"), sys = str_of(sp, "llm.system");

		if (prov.len || sys.len)
			p = gn_openinference_provider(prov, sys, buf, sizeof(buf));
	}
	if (!p.len && (raw = str_of(sp, "ai.model.provider")).len)
		p = gn_provider_name(raw, str_of(sp, "ai.model.id"), buf, sizeof(buf));
	if (!p.len && (raw = str_of(sp, "gen_ai.system")).len) {
		struct gc_str model = str_of(sp, "ai.model.id");

		p = gn_provider_name(raw, model.len ? model : str_of(sp, "gen_ai.request.model"), buf,
				     sizeof(buf));
	}
	if (p.len)
		gn_check(gc_span_set_str(sp, K_PROVIDER, p));
}

/* Fields of OpenInference's llm.invocation_parameters worth carrying over. */
static const struct {
	const char *json, *target;
	bool integer;
} invocation_fields[] = {
	{ "temperature", "gen_ai.request.temperature", false },
	{ "top_p", "gen_ai.request.top_p", false },
	{ "frequency_penalty", "gen_ai.request.frequency_penalty", false },
	{ "presence_penalty", "gen_ai.request.presence_penalty", false },
	{ "max_tokens", "gen_ai.request.max_tokens", true },
	{ "max_completion_tokens", "gen_ai.request.max_tokens", true },
	{ "max_output_tokens", "gen_ai.request.max_tokens", true },
	{ "seed", "gen_ai.request.seed", true },
};

/* Request model and parameters from llm.invocation_parameters (JSON). */
static void map_invocation_parameters(struct gc_span *sp)
{
	struct gc_str text = str_of(sp, "llm.invocation_parameters");
	json_t *root, *model;

	if (!text.len || !(root = gn_json_load(text.ptr, text.len, 0)))
		return;
	model = json_object_get(root, "model");
	if (json_is_string(model))
		set_str_if_absent(sp, K_REQUEST_MODEL,
				  (struct gc_str){ json_string_value(model), json_string_length(model) });
	for (size_t i = 0; i < sizeof(invocation_fields) / sizeof(invocation_fields[0]); i++) {
		json_t *v = json_object_get(root, invocation_fields[i].json);
		struct gc_str key = cstr(invocation_fields[i].target);

		if (!json_is_number(v) || gc_span_has(sp, key))
			continue;
		if (invocation_fields[i].integer && json_is_integer(v))
			gn_check(gc_span_set_int(sp, key, json_integer_value(v)));
		else if (!invocation_fields[i].integer)
			gn_check(gc_span_set_double(sp, key, json_number_value(v)));
	}
	json_decref(root);
}

static void map_models(struct span_ctx *c)
{
	struct gc_span *sp = c->sp;

	if (c->bits & GN_OPENINFERENCE) {
		struct gc_str name = str_of(sp, "llm.model_name");

		set_str_if_absent(sp, K_REQUEST_MODEL, str_of(sp, "llm.request.model_name"));
		map_invocation_parameters(sp);
		set_str_if_absent(sp, K_REQUEST_MODEL, str_of(sp, "embedding.model_name"));
		set_str_if_absent(sp, K_REQUEST_MODEL, name);
		set_str_if_absent(sp, K_RESPONSE_MODEL, str_of(sp, "llm.response.model_name"));
		if (c->oi_llm && ((c->bits & GN_OI_OUTPUT_MESSAGES) ||
				  gc_span_has(sp, KEY("llm.token_count.completion"))))
			set_str_if_absent(sp, K_RESPONSE_MODEL, name);
	}
	if (c->vercel != V_NONE) {
		set_str_if_absent(sp, K_REQUEST_MODEL, str_of(sp, "ai.model.id"));
		set_str_if_absent(sp, K_RESPONSE_MODEL, str_of(sp, "ai.response.model"));
		set_str_if_absent(sp, KEY("gen_ai.response.id"), str_of(sp, "ai.response.id"));
	}
	if (c->vercel == V_TOOL) {
		set_str_if_absent(sp, KEY("gen_ai.tool.name"), str_of(sp, "ai.toolCall.name"));
		set_str_if_absent(sp, KEY("gen_ai.tool.call.id"), str_of(sp, "ai.toolCall.id"));
	}
}

static const char *openinference_operation(const struct span_ctx *c)
{
	struct gc_str kind = str_of(c->sp, "openinference.span.kind");

	if (is(kind, "LLM"))
		return (c->bits & GN_OI_PROMPTS) && !(c->bits & GN_OI_INPUT_MESSAGES)
			       ? "text_completion"
			       : "chat";
	if (is(kind, "EMBEDDING"))
		return "embeddings";
	if (is(kind, "RETRIEVER"))
		return "retrieval";
	if (is(kind, "TOOL"))
		return "execute_tool";
	if (is(kind, "AGENT"))
		return "invoke_agent";
	return NULL;
}

static const char *openllmetry_operation(const struct span_ctx *c)
{
	struct gc_str type = str_of(c->sp, "llm.request.type");

	if (is(type, "chat"))
		return "chat";
	/* Anthropic's instrumentation tags Messages-API calls "completion". */
	if (is(type, "completion"))
		return c->bits & GN_OLL_PROMPT_ROLE ? "chat" : "text_completion";
	if (is(type, "embedding"))
		return "embeddings";
	if (is(type, "rerank"))
		return "rerank";
	return NULL;
}

static void map_operation(struct span_ctx *c)
{
	static const char *const vercel_ops[] = { NULL, "chat", "embeddings", "execute_tool", NULL };
	const char *op = vercel_ops[c->vercel];

	if (gc_span_has(c->sp, K_OPERATION))
		return;
	if (!op && (c->bits & GN_OPENINFERENCE))
		op = openinference_operation(c);
	if (!op && (c->bits & GN_OPENLLMETRY))
		op = openllmetry_operation(c);
	if (op)
		gn_check(gc_span_set_str(c->sp, K_OPERATION, cstr(op)));
}

/* ---- usage ----------------------------------------------------------------- */

struct count_source {
	const char *key;
	enum gate gate;
};

enum { U_INPUT, U_OUTPUT, U_CACHE_READ, U_CACHE_CREATION, U_REASONING, U_TOTAL, U_KINDS };

static const char *const usage_targets[U_KINDS] = {
	"gen_ai.usage.input_tokens",
	"gen_ai.usage.output_tokens",
	"gen_ai.usage.cache_read.input_tokens",
	"gen_ai.usage.cache_creation.input_tokens",
	"gen_ai.usage.reasoning.output_tokens",
	NULL, /* OpenTelemetry has no total: derivations only */
};

/* Sources in precedence order, NULL-terminated per kind. */
static const struct count_source usage_sources[U_KINDS][6] = {
	[U_INPUT] = { { "ai.usage.inputTokens", VERCEL_CALL },
		      { "ai.usage.promptTokens", VERCEL_CALL },
		      { "ai.usage.tokens", VERCEL_CALL },
		      { "llm.token_count.prompt", OI_LLM },
		      { "gen_ai.usage.prompt_tokens", ANY } },
	[U_OUTPUT] = { { "ai.usage.outputTokens", VERCEL_CALL },
		       { "ai.usage.completionTokens", VERCEL_CALL },
		       { "llm.token_count.completion", OI_LLM },
		       { "gen_ai.usage.completion_tokens", ANY } },
	[U_CACHE_READ] = { { "ai.usage.inputTokenDetails.cacheReadTokens", VERCEL_CALL },
			   { "ai.usage.cachedInputTokens", VERCEL_CALL },
			   { "llm.token_count.prompt_details.cache_read", OI_LLM },
			   { "gen_ai.usage.cache_read_input_tokens", ANY } },
	[U_CACHE_CREATION] = { { "ai.usage.inputTokenDetails.cacheWriteTokens", VERCEL_CALL },
			       { "llm.token_count.prompt_details.cache_write", OI_LLM },
			       { "gen_ai.usage.cache_creation_input_tokens", ANY },
			       { "gen_ai.usage.cache_write.input_tokens", ANY } },
	[U_REASONING] = { { "ai.usage.outputTokenDetails.reasoningTokens", VERCEL_CALL },
			  { "ai.usage.reasoningTokens", VERCEL_CALL },
			  { "llm.token_count.completion_details.reasoning", OI_LLM },
			  { "gen_ai.usage.reasoning_tokens", ANY } },
	[U_TOTAL] = { { "ai.usage.totalTokens", VERCEL_CALL },
		      { "llm.token_count.total", OI_LLM },
		      { "llm.usage.total_tokens", ANY },
		      { "gen_ai.usage.total_tokens", ANY } },
};

struct count {
	int64_t v;
	bool known;   /* v holds the value */
	bool present; /* the target was already on the span */
	bool write;   /* v goes onto the span */
};

static bool count_of(const struct gc_span *sp, const char *key, int64_t *out)
{
	struct gc_value v;

	return gc_span_attr(sp, cstr(key), &v) && gn_count(&v, out);
}

static void collect_usage(const struct span_ctx *c, struct count u[U_KINDS])
{
	for (int k = 0; k < U_KINDS; k++) {
		memset(&u[k], 0, sizeof(u[k]));
		if (usage_targets[k] && count_of(c->sp, usage_targets[k], &u[k].v)) {
			u[k].known = u[k].present = true;
			continue;
		}
		for (const struct count_source *s = usage_sources[k]; s->key; s++)
			if (gate_open(c, s->gate) && count_of(c->sp, s->key, &u[k].v)) {
				u[k].known = u[k].write = true;
				break;
			}
	}
}

/* Looks a count up along a dotted path of a JSON object. */
static bool json_path_count(json_t *root, const char *const *path, int64_t *out)
{
	json_t *v = root;

	for (; *path && v; path++)
		v = json_object_get(v, *path);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > GC_MAX_COUNT)
		return false;
	*out = json_integer_value(v);
	return true;
}

/* Vercel <= v5 keeps cache counts only in ai.response.providerMetadata. */
static void vercel_provider_metadata(const struct span_ctx *c, struct count u[U_KINDS])
{
	static const char *const reads[][4] = {
		{ "anthropic", "usage", "cache_read_input_tokens" },
		{ "anthropic", "cacheReadInputTokens" },
		{ "bedrock", "usage", "cacheReadInputTokens" },
		{ "openai", "cachedPromptTokens" },
	};
	static const char *const writes[][4] = {
		{ "anthropic", "cacheCreationInputTokens" },
		{ "anthropic", "usage", "cache_creation_input_tokens" },
		{ "bedrock", "usage", "cacheWriteInputTokens" },
	};
	struct gc_str text;
	json_t *root;

	if (u[U_CACHE_READ].known && u[U_CACHE_CREATION].known)
		return;
	text = str_of(c->sp, "ai.response.providerMetadata");
	if (!text.len || !(root = gn_json_load(text.ptr, text.len, 0)))
		return;
	for (size_t i = 0; !u[U_CACHE_READ].known && i < sizeof(reads) / sizeof(reads[0]); i++)
		u[U_CACHE_READ].known = u[U_CACHE_READ].write =
			json_path_count(root, reads[i], &u[U_CACHE_READ].v);
	for (size_t i = 0; !u[U_CACHE_CREATION].known && i < sizeof(writes) / sizeof(writes[0]);
	     i++)
		u[U_CACHE_CREATION].known = u[U_CACHE_CREATION].write =
			json_path_count(root, writes[i], &u[U_CACHE_CREATION].v);
	json_decref(root);
}

/* Vercel <= v5 reports Anthropic-family input without the cached tokens. */
static bool vercel_cache_exclusive(const struct span_ctx *c)
{
	struct gc_str p = str_of(c->sp, "ai.model.provider");
	char low[32];
	size_t n;

	if (c->bits & GN_VERCEL_INPUT_DETAILS) /* v6: inclusive */
		return false;
	if (!p.len)
		p = str_of(c->sp, "gen_ai.system");
	n = p.len < sizeof(low) - 1 ? p.len : sizeof(low) - 1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)(p.ptr[i] >= 'A' && p.ptr[i] <= 'Z' ? p.ptr[i] + 32 : p.ptr[i]);
	low[n] = '\0';
	return !strncmp(low, "anthropic", 9) || !strncmp(low, "vertex.anthropic", 16) ||
	       !strncmp(low, "amazon-bedrock", 14);
}

/* Cached tokens belong in input_tokens; fix counts that left them out. */
static void cache_inclusive_input(struct span_ctx *c, struct count u[U_KINDS], bool derived)
{
	int64_t cached = (u[U_CACHE_READ].known ? u[U_CACHE_READ].v : 0) +
			 (u[U_CACHE_CREATION].known ? u[U_CACHE_CREATION].v : 0);
	bool vercel_call = c->vercel == V_CHAT || c->vercel == V_EMBED;

	if (!u[U_INPUT].known || !cached || derived || gc_span_has(c->sp, K_ADJUSTED))
		return;
	if (vercel_call && vercel_cache_exclusive(c)) {
		/* The base is Vercel's own count, whatever gen_ai.* says. */
		int64_t base;

		if (!count_of(c->sp, "ai.usage.inputTokens", &base) &&
		    !count_of(c->sp, "ai.usage.promptTokens", &base))
			base = u[U_INPUT].v;
		u[U_INPUT].v = base + cached;
	} else if (cached > u[U_INPUT].v && (!u[U_INPUT].present || vercel_call)) {
		/* The guard: more cached than input cannot be an inclusive count. */
		u[U_INPUT].v += cached;
	} else {
		return;
	}
	u[U_INPUT].write = true;
	mark_adjusted(c, "input_tokens_cache_inclusive");
}

static void map_usage(struct span_ctx *c)
{
	struct count u[U_KINDS];
	bool derived = false;
	struct gc_value op;

	collect_usage(c, u);
	if (c->vercel == V_CHAT || c->vercel == V_EMBED)
		vercel_provider_metadata(c, u);
	if (u[U_TOTAL].known && !u[U_INPUT].known && u[U_OUTPUT].known &&
	    u[U_TOTAL].v >= u[U_OUTPUT].v) {
		u[U_INPUT] = (struct count){ u[U_TOTAL].v - u[U_OUTPUT].v, true, false, true };
		derived = true;
		mark_adjusted(c, "input_tokens_derived");
	}
	/* Embeddings have no output: a total equal to input is not one. */
	if (u[U_TOTAL].known && !u[U_OUTPUT].known && u[U_INPUT].known &&
	    u[U_TOTAL].v >= u[U_INPUT].v &&
	    !(gc_span_attr(c->sp, K_OPERATION, &op) && op.type == GC_VALUE_STRING &&
	      is(op.str, "embeddings"))) {
		u[U_OUTPUT] = (struct count){ u[U_TOTAL].v - u[U_INPUT].v, true, false, true };
		mark_adjusted(c, "output_tokens_derived");
	}
	cache_inclusive_input(c, u, derived);
	for (int k = 0; k < U_KINDS; k++)
		if (u[k].write && usage_targets[k])
			gn_check(gc_span_set_int(c->sp, cstr(usage_targets[k]), u[k].v));
}

/* ---- drop_original --------------------------------------------------------- */

/* A source key (or prefix, ending in '.') goes once its target is set. */
static const struct {
	const char *source, *target;
} drop_rules[] = {
	{ "llm.provider", "gen_ai.provider.name" },
	{ "llm.system", "gen_ai.provider.name" },
	{ "gen_ai.system", "gen_ai.provider.name" },
	{ "ai.model.provider", "gen_ai.provider.name" },
	{ "llm.model_name", "gen_ai.request.model" },
	{ "llm.request.model_name", "gen_ai.request.model" },
	{ "embedding.model_name", "gen_ai.request.model" },
	{ "ai.model.id", "gen_ai.request.model" },
	{ "llm.response.model_name", "gen_ai.response.model" },
	{ "llm.request.type", "gen_ai.operation.name" },
	{ "llm.token_count.", "gen_ai.usage.input_tokens" },
	{ "ai.usage.", "gen_ai.usage.input_tokens" },
	{ "gen_ai.usage.prompt_tokens", "gen_ai.usage.input_tokens" },
	{ "gen_ai.usage.completion_tokens", "gen_ai.usage.output_tokens" },
	{ "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.cache_read.input_tokens" },
	{ "gen_ai.usage.cache_creation_input_tokens", "gen_ai.usage.cache_creation.input_tokens" },
	{ "gen_ai.usage.reasoning_tokens", "gen_ai.usage.reasoning.output_tokens" },
	{ "llm.finish_reason", "gen_ai.response.finish_reasons" },
	{ "llm.response.finish_reason", "gen_ai.response.finish_reasons" },
	{ "llm.response.stop_reason", "gen_ai.response.finish_reasons" },
	{ "ai.response.finishReason", "gen_ai.response.finish_reasons" },
	{ "ai.finishReason", "gen_ai.response.finish_reasons" },
	{ "llm.input_messages.", "gen_ai.input.messages" },
	{ "llm.output_messages.", "gen_ai.output.messages" },
	{ "ai.prompt.messages", "gen_ai.input.messages" },
	{ "ai.response.text", "gen_ai.output.messages" },
};

static bool drop_rule_matches(const char *source, struct gc_str key)
{
	size_t n = strlen(source);

	if (source[n - 1] == '.')
		return key.len > n && !memcmp(key.ptr, source, n);
	return key.len == n && !memcmp(key.ptr, source, n);
}

static void drop_originals(struct gc_span *sp)
{
	for (size_t i = gc_span_attr_count(sp); i-- > 0;) {
		struct gc_str key;
		struct gc_value v;

		unsigned kb;

		gc_span_attr_at(sp, i, &key, &v);
		/* OpenLLMetry's indexed content (not prompt_filter_results). */
		kb = gn_classify_key(key) & (GN_OLL_PROMPTS | GN_OLL_COMPLETIONS);
		if (kb) {
			if (gc_span_has(sp, kb & GN_OLL_PROMPTS ? KEY("gen_ai.input.messages")
							: KEY("gen_ai.output.messages")))
				gc_span_remove_attr(sp, key);
			continue;
		}
		for (size_t r = 0; r < sizeof(drop_rules) / sizeof(drop_rules[0]); r++)
			if (drop_rule_matches(drop_rules[r].source, key)) {
				if (gc_span_has(sp, cstr(drop_rules[r].target)))
					gc_span_remove_attr(sp, key);
				break;
			}
	}
}

/* ---- the processor --------------------------------------------------------- */

/* Convention bits of the span's keys and events: the cheap first look. */
static unsigned span_conventions(const struct gc_span *sp)
{
	unsigned bits = 0;
	size_t n = gc_span_attr_count(sp);

	for (size_t i = 0; i < n; i++) {
		struct gc_str key;
		struct gc_value v;

		gc_span_attr_at(sp, i, &key, &v);
		bits |= gn_classify_key(key);
	}
	n = gc_span_event_count(sp);
	for (size_t e = 0; e < n; e++) {
		struct gc_str name = gc_span_event_name(sp, e);

		if (is(name, "gen_ai.choice"))
			bits |= GN_OTEL_LEGACY | GN_CHOICE_EVENTS;
		else if (is(name, "gen_ai.content.prompt") || is(name, "gen_ai.content.completion"))
			bits |= GN_OTEL_LEGACY | GN_CONTENT_EVENTS;
	}
	return bits;
}

/* What a batch counts once it is done. */
struct batch_counts {
	size_t spans[GN_NCONVENTIONS];
	size_t too_deep;
};

/* Normalizes one span and adds it to *n. False when memory ran out
 * (gn_batch.no_memory, or jansson refused an allocation): the span may be half
 * done. */
static bool normalize_span(struct genai_normalize *g, struct gc_span *sp, struct batch_counts *n)
{
	struct span_ctx c = { .sp = sp, .bits = span_conventions(sp) };
	size_t json_failures = gc_json_alloc_failures(), too_deep = 0;

	if (!(c.bits & GN_CONVENTIONS))
		return true;
	classify_span(&c);
	map_provider(&c);
	map_models(&c);
	map_operation(&c);
	if (c.usage_allowed) {
		map_usage(&c);
		gn_map_finish_reasons(sp, c.bits, c.vercel == V_CHAT || c.vercel == V_EMBED,
				      c.oi_llm);
	}
	if (c.bits & (GN_OI_INPUT_MESSAGES | GN_OI_OUTPUT_MESSAGES | GN_OLL_PROMPTS |
		      GN_OLL_COMPLETIONS | GN_VERCEL_MESSAGES | GN_CONTENT_EVENTS))
		too_deep = gn_map_messages(sp, c.bits,
					   (c.bits & GN_VERCEL_MESSAGES) && c.vercel != V_TOOL &&
						   c.vercel != V_EMBED);
	if (c.n_adjusted)
		gn_check(gc_span_set_str_array(sp, K_ADJUSTED, c.adjusted, c.n_adjusted));
	if (gn_batch.no_memory || gc_json_alloc_failures() != json_failures)
		return false; /* before drop_original: no source goes for a target not set */
	if (g->config->drop_original)
		drop_originals(sp);
	n->too_deep += too_deep;
	for (int i = 0; i < GN_NCONVENTIONS; i++)
		n->spans[i] += c.bits >> i & 1;
	return true;
}

static int genai_normalize_consume(struct gc_consumer *self, struct gc_batch *batch, char **err)
{
	struct genai_normalize *g = (struct genai_normalize *)self;
	struct gc_span_iter it;
	struct gc_span sp;
	struct batch_counts n = { { 0 } };

	gn_batch = (struct gn_batch_state){ .max_bytes = (size_t)g->config->max_json_bytes };
	gc_span_iter_init(&it, batch);
	while (gc_span_iter_next(&it, &sp))
		if (!normalize_span(g, &sp, &n)) /* refused whole: the client sends it again */
			return gc_processor_out_of_memory(&g->base, batch, err);
	for (int i = 0; i < GN_NCONVENTIONS; i++)
		gc_counter_add(g->spans[i], n.spans[i]);
	gc_counter_add(g->skipped_too_deep, n.too_deep);
	gc_counter_add(g->skipped_too_large, gn_batch.skipped);
	return gc_processor_forward(&g->base, batch, err);
}

static void *genai_normalize_create(const char *id, const void *config, enum gc_signal signal,
				    struct gc_consumer *next, char **err)
{
	struct genai_normalize *g = gc_processor_new(sizeof(*g), id, signal, next,
						     genai_normalize_consume, err);
	char labels[256];

	if (!g)
		return NULL;
	g->config = config;
	gc_json_init(); /* counts jansson's failed allocations (main has done it already) */
	for (int i = 0; i < GN_NCONVENTIONS; i++) {
		snprintf(labels, sizeof(labels), "processor=\"%s\",convention=\"%s\"", id,
			 gn_convention_names[i]);
		g->spans[i] = gc_metrics_counter("genai_normalize_spans_total",
						 "Spans normalized, by the convention recognised.",
						 labels);
	}
	snprintf(labels, sizeof(labels), "processor=\"%s\",reason=\"path_too_deep\"", id);
	g->skipped_too_deep = gc_metrics_counter(
		"genai_normalize_skipped_attributes_total",
		"Attributes left unconverted: too deep a path, or JSON past max_json_bytes.", labels);
	snprintf(labels, sizeof(labels), "processor=\"%s\",reason=\"too_large\"", id);
	g->skipped_too_large = gc_metrics_counter(
		"genai_normalize_skipped_attributes_total",
		"Attributes left unconverted: too deep a path, or JSON past max_json_bytes.", labels);
	return g;
}

static const struct gc_processor_ops genai_normalize_ops = {
	.create = genai_normalize_create,
	.consumer = gc_processor_consumer,
	.shutdown = gc_processor_no_shutdown, /* holds nothing back */
	.destroy = gc_processor_free,
};

const struct gc_component_type gc_processor_genai_normalize = {
	.name = "genai_normalize",
	.kind = GC_KIND_PROCESSOR,
	.signals = GC_SIGNAL_BIT(GC_SIGNAL_TRACES),
	.help = "maps OpenInference, OpenLLMetry, Vercel AI SDK and older GenAI attributes "
		"onto the current OpenTelemetry GenAI conventions",
	.config_size = sizeof(struct genai_normalize_config),
	.options = genai_normalize_options,
	.processor = &genai_normalize_ops,
};
