/* genai_normalize internals shared by its files: how a span's attribute keys
 * tell which instrumentation convention wrote it, and how provider names of
 * every convention map onto gen_ai.provider.name. */
#ifndef GC_GENAI_NORMALIZE_H
#define GC_GENAI_NORMALIZE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include <string.h>

#include "span.h"

/* Views and lookups shared by the processor's files. */
static inline struct gc_str cstr(const char *s)
{
	return (struct gc_str){ s, strlen(s) };
}

static inline bool is(struct gc_str s, const char *lit)
{
	return gc_str_eq(s, cstr(lit));
}

/* The string value of key, or an empty view. */
static inline struct gc_str str_of(const struct gc_span *sp, const char *key)
{
	return gc_span_str(sp, cstr(key));
}

/* Conventions (low bits) and facts about keys met while classifying. */
enum {
	GN_OPENINFERENCE = 1u << 0,
	GN_OPENLLMETRY = 1u << 1,
	GN_VERCEL = 1u << 2,
	GN_OTEL_LEGACY = 1u << 3,
	GN_CONVENTIONS = 0xfu,

	GN_OI_INPUT_MESSAGES = 1u << 8,	 /* llm.input_messages.* */
	GN_OI_OUTPUT_MESSAGES = 1u << 9, /* llm.output_messages.* */
	GN_OI_PROMPTS = 1u << 10,	 /* llm.prompts.* (completions API) */
	GN_OLL_PROMPT_ROLE = 1u << 11,	 /* gen_ai.prompt.<N>.role */
	GN_OLL_COMPLETION_REASON = 1u << 12, /* gen_ai.completion.<N>.finish_reason */
	GN_VERCEL_INPUT_DETAILS = 1u << 13,  /* ai.usage.inputTokenDetails.* (v6) */
	GN_CHOICE_EVENTS = 1u << 14,	     /* span events named gen_ai.choice */
	GN_OLL_PROMPTS = 1u << 15,	     /* gen_ai.prompt.<N>.* */
	GN_OLL_COMPLETIONS = 1u << 16,	     /* gen_ai.completion.<N>.* */
	GN_CONTENT_EVENTS = 1u << 17, /* span events gen_ai.content.prompt/completion */
	GN_VERCEL_MESSAGES = 1u << 18, /* ai.prompt.messages, ai.response.text/... */
};

#define GN_NCONVENTIONS 4
extern const char *const gn_convention_names[GN_NCONVENTIONS];

/* The convention and fact bits one attribute key stands for; 0 for keys of no
 * convention (most keys: this runs on every attribute of every span, without
 * allocating). */
unsigned gn_classify_key(struct gc_str key);

/* Maps a provider value of any convention (OpenLLMetry's "Anthropic", older
 * OTel's "az.ai.openai", Vercel's "anthropic.messages", OpenInference's
 * "mistralai") onto gen_ai.provider.name. model_id helps with Vercel's AI
 * Gateway ("anthropic/claude-..."); may be empty. The result points at a
 * constant or into buf. Empty when the value names no provider (OpenLLMetry's
 * "Langchain") or is empty. */
struct gc_str gn_provider_name(struct gc_str raw, struct gc_str model_id, char *buf,
			       size_t cap);

/* OpenInference's pair of llm.provider and llm.system (either may be empty). */
struct gc_str gn_openinference_provider(struct gc_str provider, struct gc_str system,
					char *buf, size_t cap);

/* Sets gen_ai.response.finish_reasons (a string array) when absent, from the
 * first source found: Vercel's ai.response.finishReason (provider calls only),
 * OpenLLMetry's gen_ai.completion.<N>.finish_reason in index order (one value
 * for Anthropic), llm.response.finish_reason/stop_reason, OpenInference's
 * llm.finish_reason or its raw output.value JSON (LLM spans only), older OTel
 * gen_ai.choice events. */
void gn_map_finish_reasons(struct gc_span *sp, unsigned bits, bool provider_call, bool oi_llm);

/* Sets gen_ai.input.messages and gen_ai.output.messages (compact JSON
 * strings) when absent, from OpenInference, OpenLLMetry, Vercel (when
 * vercel_messages) or older OTel content events, as bits say are there. Output
 * messages take finish reasons from gen_ai.response.finish_reasons, so this
 * runs after gn_map_finish_reasons. Returns how many indexed attributes were
 * left out because their path nests too deep. */
size_t gn_map_messages(struct gc_span *sp, unsigned bits, bool vercel_messages);

/* The batch being normalized on this thread: what it allows and what it ran
 * into. JSON in attribute values is parsed only up to max_bytes: jansson's
 * tree of a message array takes about 20 times its text, and the messages
 * built from it as much again. The processor sets it per batch from
 * max_json_bytes; what is longer passes through unparsed and is counted in
 * skipped. no_memory says an allocation failed (an attribute not set, JSON
 * not built): the processor then refuses the batch (out-of-memory policy). */
extern _Thread_local struct gn_batch_state {
	size_t max_bytes;
	size_t skipped;
	bool no_memory;
} gn_batch;

/* Records the result of a gc_span_set_* call: anything but GC_OK is out of
 * memory. */
static inline void gn_check(int rc)
{
	if (rc != GC_OK)
		gn_batch.no_memory = true;
}

/* Parses an attribute value's JSON within gn_batch.max_bytes and the decode
 * bound; NULL when it is not JSON or too long (or memory ran out, which
 * gc_json_alloc_failures shows). */
json_t *gn_json_load(const char *text, size_t len, size_t flags);

/* Strict count parsing: a non-negative int, an integral double, or a decimal
 * string. False for anything else. */
bool gn_count(const struct gc_value *v, int64_t *out);

#endif
