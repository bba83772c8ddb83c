/* Message content -> gen_ai.input.messages / gen_ai.output.messages as compact
 * JSON strings (processors/genai_normalize.md sections 1.1 and 8): OpenLLMetry's
 * indexed gen_ai.prompt.<i>.* / gen_ai.completion.<i>.*, OpenInference's
 * llm.input_messages.<i>.* / llm.output_messages.<i>.*, Vercel's
 * ai.prompt.messages and ai.response.*, and older OTel's gen_ai.content.prompt /
 * gen_ai.content.completion span events. Targets already on the span are kept.
 * Malformed input is skipped silently. Runs only when classification saw such
 * keys, so other spans allocate nothing here. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "genai_normalize/normalize.h"

#define KEY(lit) ((struct gc_str){ (lit), sizeof(lit) - 1 })
#define MAX_MESSAGES 256

static const struct gc_str K_INPUT = KEY("gen_ai.input.messages");
static const struct gc_str K_OUTPUT = KEY("gen_ai.output.messages");

/* ---- writing --------------------------------------------------------------- */

/* Sets key to the compact JSON of messages (an array) and frees it. */
static void set_messages(struct gc_span *sp, struct gc_str key, json_t *messages)
{
	char *text;

	if (!messages)
		return;
	if (json_array_size(messages)) {
		text = json_dumps(messages, JSON_COMPACT);
		if (text)
			gn_check(gc_span_set_str(sp, key, cstr(text)));
		else
			gn_batch.no_memory = true;
		free(text);
	}
	json_decref(messages);
}

static json_t *message(const char *role, size_t role_len, json_t *parts)
{
	return json_pack("{s:s%,s:o}", "role", role, role_len, "parts", parts);
}

static void add_text(json_t *parts, const char *type, const char *s, size_t len)
{
	if (len)
		json_array_append_new(parts, json_pack("{s:s,s:s%}", "type", type, "content", s,
						       len));
}

/* arguments: parsed when the source has a JSON string, else kept. */
static json_t *arguments(json_t *a)
{
	json_t *parsed;

	if (!json_is_string(a))
		return a ? json_incref(a) : json_object();
	parsed = gn_json_load(json_string_value(a), json_string_length(a), JSON_DECODE_ANY);
	return parsed ? parsed : json_incref(a);
}

static void add_tool_call(json_t *parts, json_t *id, json_t *name, json_t *args)
{
	json_t *p = json_pack("{s:s}", "type", "tool_call");

	if (json_is_string(id))
		json_object_set(p, "id", id);
	if (json_is_string(name))
		json_object_set(p, "name", name);
	json_object_set_new(p, "arguments", arguments(args));
	json_array_append_new(parts, p);
}

static void add_tool_response(json_t *parts, json_t *id, json_t *result)
{
	json_t *p = json_pack("{s:s}", "type", "tool_call_response");

	if (json_is_string(id))
		json_object_set(p, "id", id);
	json_object_set(p, "result", result ? result : json_null());
	json_array_append_new(parts, p);
}

static void set_finish_reason(json_t *msg, json_t *reason)
{
	if (json_is_string(reason) && json_string_length(reason))
		json_object_set(msg, "finish_reason", reason);
	else
		json_object_set_new(msg, "finish_reason", json_string(""));
}

/* The span's gen_ai.response.finish_reasons[i], or NULL. */
static json_t *span_finish_reason(const struct gc_span *sp, size_t i)
{
	struct gc_value v, item;

	if (!gc_span_attr(sp, KEY("gen_ai.response.finish_reasons"), &v) ||
	    v.type != GC_VALUE_ARRAY || i >= gc_value_len(&v))
		return NULL;
	gc_value_at(&v, i, NULL, &item);
	return item.type == GC_VALUE_STRING ? json_stringn(item.str.ptr, item.str.len) : NULL;
}

static void set_span_finish_reason(const struct gc_span *sp, json_t *msg, size_t i)
{
	json_t *r = span_finish_reason(sp, i);

	set_finish_reason(msg, r);
	json_decref(r);
}

/* ---- flattened, indexed attributes ------------------------------------------ */

/* An attribute value as JSON: strings, numbers and booleans. */
static json_t *json_of(const struct gc_value *v)
{
	switch (v->type) {
	case GC_VALUE_STRING:
		return json_stringn(v->str.ptr, v->str.len);
	case GC_VALUE_INT:
		return json_integer(v->i);
	case GC_VALUE_DOUBLE:
		return json_real(v->d);
	case GC_VALUE_BOOL:
		return json_boolean(v->b);
	default:
		return NULL;
	}
}

/* Puts value at the dotted path (a view) under obj; false on a clash. The
 * caller bounds the number of segments: each one is a level of nesting. */
static bool put_path(json_t *obj, const char *path, size_t len, json_t *value)
{
	char seg[128];

	for (;;) {
		const char *dot = memchr(path, '.', len);
		size_t n = dot ? (size_t)(dot - path) : len;
		json_t *child;

		if (!n || n >= sizeof(seg)) {
			json_decref(value);
			return false;
		}
		memcpy(seg, path, n);
		seg[n] = '\0';
		if (!dot)
			return json_object_set_new(obj, seg, value) == 0;
		child = json_object_get(obj, seg);
		/* set_new takes the reference even when it fails (a key that is
		 * not UTF-8), so the child is checked before it is used. */
		if (!child && json_object_set_new(obj, seg, child = json_object()) != 0) {
			json_decref(value);
			return false;
		}
		if (!json_is_object(child)) {
			json_decref(value);
			return false;
		}
		obj = child;
		path = dot + 1;
		len -= n + 1;
	}
}

/* How many dot-separated segments a path may have below the message index.
 * The conventions use at most seven (OpenInference's image URLs); the bound
 * keeps a key of 150k dots from becoming a JSON object nested as deep, whose
 * recursive free would overflow the stack. */
#define GN_MAX_PATH_SEGMENTS 16

static bool path_too_deep(const char *path, size_t len)
{
	size_t dots = 0;

	for (const char *p = path; (p = memchr(p, '.', len - (size_t)(p - path))); p++)
		if (++dots >= GN_MAX_PATH_SEGMENTS)
			return true;
	return false;
}

/* Rebuilds "<prefix><i>.<path>" attributes as an object keyed by <i> whose
 * members hold the paths as nested objects. NULL when there are none. Keys
 * whose path is too deep are left out and counted in *skipped. */
static json_t *unflatten(const struct gc_span *sp, const char *prefix, size_t *skipped)
{
	size_t plen = strlen(prefix), count = gc_span_attr_count(sp);
	json_t *all = NULL;

	for (size_t i = 0; i < count; i++) {
		struct gc_str key;
		struct gc_value v;
		size_t d;
		json_t *value;

		gc_span_attr_at(sp, i, &key, &v);
		if (key.len <= plen || memcmp(key.ptr, prefix, plen))
			continue;
		for (d = plen; d < key.len && key.ptr[d] >= '0' && key.ptr[d] <= '9'; d++)
			;
		if (d == plen || d - plen > 9 || d + 1 >= key.len || key.ptr[d] != '.')
			continue;
		if (path_too_deep(key.ptr + d + 1, key.len - d - 1)) {
			(*skipped)++;
			continue;
		}
		if (!(value = json_of(&v)))
			continue;
		if (!all)
			all = json_object();
		put_path(all, key.ptr + plen, key.len - plen, value);
	}
	return all;
}

struct child {
	long index;
	json_t *value;
};

static int by_index(const void *a, const void *b)
{
	const struct child *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

/* The members of obj with decimal keys, in numeric order. */
static size_t sorted_children(json_t *obj, struct child *out, size_t cap)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach(obj, k, v) {
		char *end;
		long idx = strtol(k, &end, 10);

		if (n < cap && *k >= '0' && *k <= '9' && !*end)
			out[n++] = (struct child){ idx, v };
	}
	qsort(out, n, sizeof(*out), by_index);
	return n;
}

static json_t *get(json_t *obj, const char *path)
{
	char seg[64];

	while (obj && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(seg))
			return NULL;
		memcpy(seg, path, n);
		seg[n] = '\0';
		obj = json_object_get(obj, seg);
		path += n + (dot ? 1 : 0);
	}
	return obj;
}

static bool is_str(json_t *j, const char *lit)
{
	return json_is_string(j) && !strcmp(json_string_value(j), lit);
}

static const char *role_or(json_t *role, const char *dflt, size_t *len)
{
	if (json_is_string(role) && json_string_length(role)) {
		*len = json_string_length(role);
		return json_string_value(role);
	}
	*len = strlen(dflt);
	return dflt;
}

/* ---- OpenLLMetry ----------------------------------------------------------- */

/* content: a JSON array of {type:"text",text} blocks, or plain text. */
static void oll_content(json_t *parts, json_t *content)
{
	json_t *blocks, *b;
	size_t i;
	bool all_text = true;

	if (!json_is_string(content))
		return;
	blocks = json_string_value(content)[0] == '['
			 ? gn_json_load(json_string_value(content), json_string_length(content), 0)
			 : NULL;
	json_array_foreach(blocks, i, b)
		if (!json_is_string(json_object_get(b, "text")) ||
		    !is_str(json_object_get(b, "type"), "text"))
			all_text = false;
	if (json_array_size(blocks) && all_text) {
		json_array_foreach(blocks, i, b) {
			json_t *t = json_object_get(b, "text");

			add_text(parts, "text", json_string_value(t), json_string_length(t));
		}
	} else {
		add_text(parts, "text", json_string_value(content), json_string_length(content));
	}
	json_decref(blocks);
}

static void oll_tool_calls(json_t *parts, json_t *m)
{
	struct child calls[32];
	size_t n = sorted_children(json_object_get(m, "tool_calls"), calls, 32);
	json_t *fc = json_object_get(m, "function_call");

	for (size_t k = 0; k < n; k++)
		add_tool_call(parts, json_object_get(calls[k].value, "id"),
			      json_object_get(calls[k].value, "name"),
			      json_object_get(calls[k].value, "arguments"));
	if (json_is_object(fc))
		add_tool_call(parts, NULL, json_object_get(fc, "name"),
			      json_object_get(fc, "arguments"));
}

static json_t *oll_parts(json_t *m, const char **role, size_t *role_len, const char *dflt)
{
	json_t *parts = json_array(), *legacy = json_object_get(m, "user");

	*role = role_or(json_object_get(m, "role"), dflt, role_len);
	if (json_is_string(legacy) && !json_object_get(m, "role")) {
		*role = "user";
		*role_len = 4;
		oll_content(parts, legacy);
	}
	if (!strcmp(*role, "tool") && json_is_string(json_object_get(m, "tool_call_id")))
		add_tool_response(parts, json_object_get(m, "tool_call_id"),
				  json_object_get(m, "content"));
	else
		oll_content(parts, json_object_get(m, "content"));
	oll_tool_calls(parts, m);
	return parts;
}

static json_t *oll_input(const struct gc_span *sp, size_t *skipped)
{
	json_t *all = unflatten(sp, "gen_ai.prompt.", skipped), *out;
	struct child list[MAX_MESSAGES];
	size_t n;

	if (!all)
		return NULL;
	out = json_array();
	n = sorted_children(all, list, MAX_MESSAGES);
	for (size_t i = 0; i < n; i++) {
		const char *role;
		size_t len;
		json_t *parts = oll_parts(list[i].value, &role, &len, "user");

		json_array_append_new(out, message(role, len, parts));
	}
	json_decref(all);
	return out;
}

static json_t *oll_output(const struct gc_span *sp, size_t *skipped)
{
	json_t *all = unflatten(sp, "gen_ai.completion.", skipped), *out, *thinking = NULL,
	       *thinking_reason = NULL;
	struct child list[MAX_MESSAGES];
	size_t n;

	if (!all)
		return NULL;
	out = json_array();
	n = sorted_children(all, list, MAX_MESSAGES);
	for (size_t i = 0; i < n; i++) {
		json_t *m = list[i].value, *parts, *msg, *reason;
		const char *role;
		size_t len;

		if (json_is_string(json_object_get(m, "role")) &&
		    !strcmp(json_string_value(json_object_get(m, "role")), "thinking")) {
			/* Merged into the next completion as a reasoning part. */
			json_t *c = json_object_get(m, "content");

			if (!thinking)
				thinking = json_array();
			if (json_is_string(c))
				add_text(thinking, "reasoning", json_string_value(c),
					 json_string_length(c));
			if (json_is_string(json_object_get(m, "finish_reason")))
				thinking_reason = json_object_get(m, "finish_reason");
			continue;
		}
		parts = oll_parts(m, &role, &len, "assistant");
		if (thinking) {
			json_array_extend(thinking, parts);
			json_decref(parts);
			parts = thinking;
			thinking = NULL;
		}
		msg = message(role, len, parts);
		reason = json_object_get(m, "finish_reason");
		set_finish_reason(msg, json_is_string(reason) && json_string_length(reason)
					       ? reason
					       : thinking_reason);
		thinking_reason = NULL;
		json_array_append_new(out, msg);
	}
	if (thinking) { /* thinking with nothing after it */
		json_t *msg = message("assistant", 9, thinking);

		set_finish_reason(msg, thinking_reason);
		json_array_append_new(out, msg);
	}
	json_decref(all);
	return out;
}

/* ---- OpenInference --------------------------------------------------------- */

static json_t *oi_parts(json_t *m, const char **role, size_t *role_len, const char *dflt)
{
	json_t *parts = json_array(), *content = get(m, "content"), *id = get(m, "tool_call_id");
	struct child items[64];
	size_t n;

	*role = role_or(get(m, "role"), dflt, role_len);
	if (!strcmp(*role, "function")) {
		*role = "tool";
		*role_len = 4;
	}
	if (!strcmp(*role, "tool") && json_is_string(id))
		add_tool_response(parts, id, content);
	else if (json_is_string(content))
		add_text(parts, "text", json_string_value(content), json_string_length(content));
	n = sorted_children(get(m, "contents"), items, 64);
	for (size_t j = 0; j < n; j++) {
		json_t *c = get(items[j].value, "message_content");
		const char *type = json_is_string(get(c, "type")) ? json_string_value(get(c, "type"))
								   : "text";
		json_t *text = get(c, "text"), *url = get(c, "image.image.url");

		if ((!strcmp(type, "text") || !strcmp(type, "reasoning")) && json_is_string(text))
			add_text(parts, type, json_string_value(text), json_string_length(text));
		else if (!strcmp(type, "image") && json_is_string(url))
			json_array_append_new(parts, json_pack("{s:s,s:s,s:O}", "type", "uri",
							       "modality", "image", "uri", url));
	}
	n = sorted_children(get(m, "tool_calls"), items, 64);
	for (size_t k = 0; k < n; k++)
		add_tool_call(parts, get(items[k].value, "tool_call.id"),
			      get(items[k].value, "tool_call.function.name"),
			      get(items[k].value, "tool_call.function.arguments"));
	return parts;
}

static json_t *oi_messages(const struct gc_span *sp, const char *prefix, bool output,
			   size_t *skipped)
{
	json_t *all = unflatten(sp, prefix, skipped), *out;
	struct child list[MAX_MESSAGES];
	size_t n;

	if (!all)
		return NULL;
	out = json_array();
	n = sorted_children(all, list, MAX_MESSAGES);
	for (size_t i = 0; i < n; i++) {
		const char *role;
		size_t len;
		json_t *m = json_object_get(list[i].value, "message"), *msg, *parts;

		if (!json_is_object(m))
			continue;
		parts = oi_parts(m, &role, &len, output ? "assistant" : "user");
		msg = message(role, len, parts);
		if (output)
			set_span_finish_reason(sp, msg, json_array_size(out));
		json_array_append_new(out, msg);
	}
	json_decref(all);
	return out;
}

/* ---- chat-format JSON (OpenAI messages, Vercel prompts) -------------------- */

static void chat_content_item(json_t *parts, json_t *item)
{
	json_t *t = json_object_get(item, "type");
	const char *type = json_is_string(t) ? json_string_value(t) : "";
	json_t *text = json_object_get(item, "text");

	if (!strcmp(type, "text") && json_is_string(text))
		add_text(parts, "text", json_string_value(text), json_string_length(text));
	else if (!strcmp(type, "reasoning") && json_is_string(text))
		add_text(parts, "reasoning", json_string_value(text), json_string_length(text));
	else if (!strcmp(type, "tool-call")) {
		json_t *args = json_object_get(item, "input");

		add_tool_call(parts, json_object_get(item, "toolCallId"),
			      json_object_get(item, "toolName"),
			      args ? args : json_object_get(item, "args"));
	} else if (!strcmp(type, "tool-result")) {
		json_t *output = json_object_get(item, "output"), *result;

		result = json_is_object(output) && json_object_get(output, "value")
				 ? json_object_get(output, "value")
				 : output ? output : json_object_get(item, "result");
		add_tool_response(parts, json_object_get(item, "toolCallId"), result);
	}
}

/* One OpenAI- or Vercel-format message {role, content, tool_calls?,
 * tool_call_id?}. */
static json_t *chat_message(json_t *m, const char *dflt)
{
	json_t *parts = json_array(), *content = json_object_get(m, "content"), *item;
	json_t *id = json_object_get(m, "tool_call_id");
	const char *role;
	size_t len, i;

	role = role_or(json_object_get(m, "role"), dflt, &len);
	if (!strcmp(role, "tool") && json_is_string(id))
		add_tool_response(parts, id, content);
	else if (json_is_string(content))
		add_text(parts, "text", json_string_value(content), json_string_length(content));
	json_array_foreach(json_is_array(content) ? content : NULL, i, item)
		chat_content_item(parts, item);
	json_array_foreach(json_object_get(m, "tool_calls"), i, item)
		add_tool_call(parts, json_object_get(item, "id"), get(item, "function.name"),
			      get(item, "function.arguments"));
	return message(role, len, parts);
}

/* Parses text as JSON, once more with \' unescaped (seen from Vercel). */
static json_t *load(struct gc_str text)
{
	json_t *j = gn_json_load(text.ptr, text.len, 0);
	char *fixed;
	size_t n = 0;

	if (!j && gn_batch.max_bytes && text.len > gn_batch.max_bytes)
		return NULL; /* too long: counted once, not parsed again */
	if (j || !memmem(text.ptr, text.len, "\\'", 2))
		return j;
	fixed = malloc(text.len);
	if (!fixed) {
		gn_batch.no_memory = true;
		return NULL;
	}
	for (size_t i = 0; i < text.len; i++)
		if (!(text.ptr[i] == '\\' && i + 1 < text.len && text.ptr[i + 1] == '\''))
			fixed[n++] = text.ptr[i];
	j = gn_json_load(fixed, n, 0);
	free(fixed);
	return j;
}

static json_t *chat_messages(struct gc_str text, const char *dflt)
{
	json_t *list = load(text), *out, *m;
	size_t i;

	if (!json_is_array(list)) {
		json_decref(list);
		return NULL;
	}
	out = json_array();
	json_array_foreach(list, i, m)
		if (json_is_object(m))
			json_array_append_new(out, chat_message(m, dflt));
	json_decref(list);
	return out;
}

/* ---- Vercel ---------------------------------------------------------------- */

static json_t *vercel_output(const struct gc_span *sp)
{
	struct gc_str reasoning = str_of(sp, "ai.response.reasoning"),
		      text = str_of(sp, "ai.response.text"),
		      calls = str_of(sp, "ai.response.toolCalls");
	json_t *parts, *list, *c, *msg, *out, *reason;
	size_t i;

	if (!text.len)
		text = str_of(sp, "ai.response.object");
	if (!reasoning.len && !text.len && !calls.len)
		return NULL;
	parts = json_array();
	add_text(parts, "reasoning", reasoning.ptr, reasoning.len);
	add_text(parts, "text", text.ptr, text.len);
	list = calls.len ? load(calls) : NULL;
	json_array_foreach(list, i, c) {
		json_t *args = json_object_get(c, "input");

		add_tool_call(parts, json_object_get(c, "toolCallId"),
			      json_object_get(c, "toolName"), args ? args : json_object_get(c, "args"));
	}
	json_decref(list);
	msg = message("assistant", 9, parts);
	reason = span_finish_reason(sp, 0);
	if (!reason && (text = str_of(sp, "ai.response.finishReason")).len)
		reason = json_stringn(text.ptr, text.len);
	set_finish_reason(msg, reason);
	json_decref(reason);
	out = json_array();
	json_array_append_new(out, msg);
	return out;
}

/* ---- older OTel span events ------------------------------------------------ */

static bool event_str(const struct gc_span *sp, const char *event, const char *key,
		      struct gc_str *out)
{
	for (size_t e = 0; e < gc_span_event_count(sp); e++) {
		struct gc_value v;

		if (gc_str_eq(gc_span_event_name(sp, e), cstr(event)) &&
		    gc_span_event_attr(sp, e, cstr(key), &v) && v.type == GC_VALUE_STRING &&
		    v.str.len) {
			*out = v.str;
			return true;
		}
	}
	return false;
}

static json_t *event_messages(const struct gc_span *sp, bool output)
{
	struct gc_str raw;
	json_t *out;
	const char *role = output ? "assistant" : "user";

	if (!event_str(sp, output ? "gen_ai.content.completion" : "gen_ai.content.prompt",
		       output ? "gen_ai.completion" : "gen_ai.prompt", &raw))
		return NULL;
	out = chat_messages(raw, role);
	if (!json_array_size(out)) { /* not JSON (Python repr): keep the raw text */
		json_t *parts = json_array();

		json_decref(out);
		add_text(parts, "text", raw.ptr, raw.len);
		out = json_array();
		json_array_append_new(out, message(role, strlen(role), parts));
	}
	for (size_t i = 0; output && i < json_array_size(out); i++) {
		json_t *msg = json_array_get(out, i), *r = json_object_get(msg, "finish_reason");

		if (!r)
			set_span_finish_reason(sp, msg, i);
	}
	return out;
}

/* ---- entry ----------------------------------------------------------------- */

size_t gn_map_messages(struct gc_span *sp, unsigned bits, bool vercel_messages)
{
	size_t skipped = 0;

	if (!gc_span_has(sp, K_INPUT)) {
		json_t *in = NULL;

		if (bits & GN_OI_INPUT_MESSAGES)
			in = oi_messages(sp, "llm.input_messages.", false, &skipped);
		if (!json_array_size(in) && (bits & GN_OLL_PROMPTS)) {
			json_decref(in);
			in = oll_input(sp, &skipped);
		}
		if (!json_array_size(in) && vercel_messages) {
			struct gc_str text = str_of(sp, "ai.prompt.messages");

			json_decref(in);
			in = text.len ? chat_messages(text, "user") : NULL;
		}
		if (!json_array_size(in) && (bits & GN_CONTENT_EVENTS)) {
			json_decref(in);
			in = event_messages(sp, false);
		}
		set_messages(sp, K_INPUT, in);
	}
	if (!gc_span_has(sp, K_OUTPUT)) {
		json_t *out = NULL;

		if (bits & GN_OI_OUTPUT_MESSAGES)
			out = oi_messages(sp, "llm.output_messages.", true, &skipped);
		if (!json_array_size(out) && (bits & GN_OLL_COMPLETIONS)) {
			json_decref(out);
			out = oll_output(sp, &skipped);
		}
		if (!json_array_size(out) && vercel_messages) {
			json_decref(out);
			out = vercel_output(sp);
		}
		if (!json_array_size(out) && (bits & GN_CONTENT_EVENTS)) {
			json_decref(out);
			out = event_messages(sp, true);
		}
		set_messages(sp, K_OUTPUT, out);
	}
	return skipped;
}
