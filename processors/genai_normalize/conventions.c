/* Recognising conventions by attribute keys, and provider name tables
 * (processors/genai_normalize.md sections 3, 4.2, 5.5, 6.2 and 7). */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "genai_normalize/normalize.h"

const char *const gn_convention_names[GN_NCONVENTIONS] = {
	"openinference", "openllmetry", "vercel_ai", "otel_legacy",
};

#define LIT_LEN(lit) (sizeof(lit) - 1)
#define IS(k, lit) ((k).len == LIT_LEN(lit) && !memcmp((k).ptr, lit, LIT_LEN(lit)))
#define STARTS(k, lit) ((k).len >= LIT_LEN(lit) && !memcmp((k).ptr, lit, LIT_LEN(lit)))

static struct gc_str after(struct gc_str k, size_t n)
{
	return (struct gc_str){ k.ptr + n, k.len - n };
}

/* "<digits>.<rest>": true with rest set. */
static bool indexed(struct gc_str k, struct gc_str *rest)
{
	size_t i = 0;

	while (i < k.len && k.ptr[i] >= '0' && k.ptr[i] <= '9')
		i++;
	if (i == 0 || i >= k.len || k.ptr[i] != '.')
		return false;
	*rest = after(k, i + 1);
	return true;
}

static unsigned classify_llm(struct gc_str k)
{
	if (IS(k, "llm.request.type") || IS(k, "llm.usage.total_tokens") ||
	    IS(k, "llm.is_streaming") || IS(k, "llm.response.finish_reason") ||
	    IS(k, "llm.response.stop_reason"))
		return GN_OPENLLMETRY;
	if (STARTS(k, "llm.token_count."))
		return GN_OPENINFERENCE;
	if (STARTS(k, "llm.input_messages."))
		return GN_OPENINFERENCE | GN_OI_INPUT_MESSAGES;
	if (STARTS(k, "llm.output_messages."))
		return GN_OPENINFERENCE | GN_OI_OUTPUT_MESSAGES;
	if (STARTS(k, "llm.prompts."))
		return GN_OPENINFERENCE | GN_OI_PROMPTS;
	if (IS(k, "llm.model_name") || IS(k, "llm.provider") || IS(k, "llm.system") ||
	    IS(k, "llm.invocation_parameters") || IS(k, "llm.finish_reason") ||
	    IS(k, "llm.request.model_name") || IS(k, "llm.response.model_name"))
		return GN_OPENINFERENCE;
	return 0;
}

static unsigned classify_gen_ai(struct gc_str k)
{
	struct gc_str rest;

	if (IS(k, "gen_ai.system"))
		return GN_OTEL_LEGACY;
	if (STARTS(k, "gen_ai.usage.")) {
		k = after(k, LIT_LEN("gen_ai.usage."));
		return IS(k, "prompt_tokens") || IS(k, "completion_tokens") ||
				       IS(k, "cache_read_input_tokens") ||
				       IS(k, "cache_creation_input_tokens") ||
				       IS(k, "reasoning_tokens") || IS(k, "cache_write.input_tokens") ||
				       IS(k, "total_tokens")
			       ? GN_OTEL_LEGACY
			       : 0;
	}
	if (STARTS(k, "gen_ai.prompt.") && indexed(after(k, LIT_LEN("gen_ai.prompt.")), &rest))
		return GN_OPENLLMETRY | GN_OLL_PROMPTS | (IS(rest, "role") ? GN_OLL_PROMPT_ROLE : 0);
	if (STARTS(k, "gen_ai.completion.") &&
	    indexed(after(k, LIT_LEN("gen_ai.completion.")), &rest))
		return GN_OPENLLMETRY | GN_OLL_COMPLETIONS |
		       (IS(rest, "finish_reason") ? GN_OLL_COMPLETION_REASON : 0);
	return 0;
}

unsigned gn_classify_key(struct gc_str k)
{
	if (k.len < 3)
		return 0;
	switch (k.ptr[0]) {
	case 'a':
		if (!STARTS(k, "ai."))
			return 0;
		return GN_VERCEL |
		       (STARTS(k, "ai.usage.inputTokenDetails.") ? GN_VERCEL_INPUT_DETAILS : 0) |
		       (IS(k, "ai.prompt.messages") || IS(k, "ai.response.text") ||
				IS(k, "ai.response.object") || IS(k, "ai.response.reasoning") ||
				IS(k, "ai.response.toolCalls")
			? GN_VERCEL_MESSAGES
			: 0);
	case 'e':
		return IS(k, "embedding.model_name") ? GN_OPENINFERENCE : 0;
	case 'g':
		return STARTS(k, "gen_ai.") ? classify_gen_ai(k) : 0;
	case 'l':
		return STARTS(k, "llm.") ? classify_llm(k) : 0;
	case 'o':
		return IS(k, "openinference.span.kind") ? GN_OPENINFERENCE : 0;
	case 't':
		return STARTS(k, "traceloop.") ? GN_OPENLLMETRY : 0;
	default:
		return 0;
	}
}

/* Lowercase provider spellings of every convention -> gen_ai.provider.name.
 * A NULL target marks a framework, not a provider. */
static const struct {
	const char *from, *to;
} provider_names[] = {
	{ "openai", "openai" },
	{ "anthropic", "anthropic" },
	{ "cohere", "cohere" },
	{ "mistral", "mistral_ai" },
	{ "mistralai", "mistral_ai" },
	{ "mistral_ai", "mistral_ai" },
	{ "groq", "groq" },
	{ "deepseek", "deepseek" },
	{ "perplexity", "perplexity" },
	{ "xai", "x_ai" },
	{ "x_ai", "x_ai" },
	{ "watsonx", "ibm.watsonx.ai" },
	{ "ibm.watsonx.ai", "ibm.watsonx.ai" },
	{ "azure", "azure.ai.openai" },
	{ "azure-openai", "azure.ai.openai" },
	{ "az.ai.openai", "azure.ai.openai" },
	{ "azure.ai.openai", "azure.ai.openai" },
	{ "az.ai.inference", "azure.ai.inference" },
	{ "azure.ai.inference", "azure.ai.inference" },
	{ "aws", "aws.bedrock" },
	{ "aws.bedrock", "aws.bedrock" },
	{ "amazon-bedrock", "aws.bedrock" },
	{ "bedrock", "aws.bedrock" },
	{ "google", "gcp.gen_ai" },
	{ "gemini", "gcp.gemini" },
	{ "vertex", "gcp.vertex_ai" },
	{ "vertexai", "gcp.vertex_ai" },
	{ "vertex_ai", "gcp.vertex_ai" },
	{ "moonshot", "moonshot_ai" },
	{ "moonshotai", "moonshot_ai" },
	{ "alephalpha", "aleph_alpha" },
	{ "togetherai", "together_ai" },
	{ "huggingface", "hugging_face" },
	{ "langchain", NULL },
	{ "crewai", NULL },
};

/* Looks s up; *known says whether it was in the table. */
static struct gc_str lookup(struct gc_str s, bool *known)
{
	for (size_t i = 0; i < sizeof(provider_names) / sizeof(provider_names[0]); i++) {
		const char *from = provider_names[i].from, *to = provider_names[i].to;

		if (strlen(from) == s.len && !memcmp(from, s.ptr, s.len)) {
			*known = true;
			return to ? (struct gc_str){ to, strlen(to) } : (struct gc_str){ "", 0 };
		}
	}
	*known = false;
	return s;
}

/* Trimmed, lowercased copy of raw in buf; empty when it does not fit. */
static struct gc_str lower(struct gc_str raw, char *buf, size_t cap)
{
	size_t b = 0, e = raw.len;

	while (b < e && isspace((unsigned char)raw.ptr[b]))
		b++;
	while (e > b && isspace((unsigned char)raw.ptr[e - 1]))
		e--;
	if (e - b >= cap)
		return (struct gc_str){ "", 0 };
	for (size_t i = b; i < e; i++)
		buf[i - b] = (char)tolower((unsigned char)raw.ptr[i]);
	return (struct gc_str){ buf, e - b };
}

/* Vercel's AI Gateway: the provider is the model id's "provider/" prefix. */
static struct gc_str gateway_provider(struct gc_str model_id, char *buf, size_t cap)
{
	const char *slash = memchr(model_id.ptr, '/', model_id.len);
	struct gc_str head;
	bool known;

	if (!model_id.len || !slash)
		return GC_STR("vercel.ai_gateway");
	head = lower((struct gc_str){ model_id.ptr, (size_t)(slash - model_id.ptr) }, buf, cap);
	return head.len ? lookup(head, &known) : GC_STR("vercel.ai_gateway");
}

struct gc_str gn_provider_name(struct gc_str raw, struct gc_str model_id, char *buf,
			       size_t cap)
{
	struct gc_str s = lower(raw, buf, cap), mapped;
	const char *dot;
	bool known;

	if (!s.len)
		return s;
	if (IS(s, "gateway"))
		return gateway_provider(model_id, buf, cap);
	mapped = lookup(s, &known);
	if (known)
		return mapped;
	if (STARTS(s, "google.vertex."))
		return GC_STR("gcp.vertex_ai");
	if (STARTS(s, "google.generative-ai"))
		return GC_STR("gcp.gemini");
	if (STARTS(s, "gcp.") || STARTS(s, "azure.ai."))
		return s;
	/* Vercel's "<provider>.<api>" ids: the provider is the first segment. */
	dot = memchr(s.ptr, '.', s.len);
	if (dot)
		s.len = (size_t)(dot - s.ptr);
	return lookup(s, &known);
}

struct gc_str gn_openinference_provider(struct gc_str provider, struct gc_str system,
					char *buf, size_t cap)
{
	char sys[32];
	struct gc_str p = lower(provider, buf, cap), s = lower(system, sys, sizeof(sys));

	if (IS(p, "google"))
		return IS(s, "vertexai") ? GC_STR("gcp.vertex_ai") : GC_STR("gcp.gen_ai");
	if (p.len)
		return gn_provider_name(p, GC_STR(""), buf, cap);
	return gn_provider_name(system, GC_STR(""), buf, cap);
}

bool gn_count(const struct gc_value *v, int64_t *out)
{
	int64_t n = 0;

	switch (v->type) {
	case GC_VALUE_INT:
		*out = v->i;
		return v->i >= 0 && v->i <= GC_MAX_COUNT;
	case GC_VALUE_DOUBLE:
		if (!(v->d >= 0 && v->d <= (double)GC_MAX_COUNT) || v->d != floor(v->d))
			return false;
		*out = (int64_t)v->d;
		return true;
	case GC_VALUE_STRING:
		if (v->str.len == 0 || v->str.len > 18)
			return false;
		for (size_t i = 0; i < v->str.len; i++) {
			if (v->str.ptr[i] < '0' || v->str.ptr[i] > '9')
				return false;
			n = n * 10 + (v->str.ptr[i] - '0');
		}
		*out = n;
		return n <= GC_MAX_COUNT;
	default:
		return false;
	}
}
