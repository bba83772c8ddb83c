/* Processor pii_redact: removes personal data and secrets from every string a
 * span or log record carries before it leaves the collector (DESIGN section
 * 5). The engine (pii.h) finds and rewrites entities in one string; this file
 * decides which strings to scan (key rules), walks span, event, link and
 * resource attributes, span status messages and log records through the span
 * API, marks what it touched and counts it. Span and event names are left:
 * they name operations, not data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component.h"
#include "log.h"
#include "pii_redact/pii.h"
#include "span.h"
#include "telemetry.h"

struct pii_redact_config {
	struct gc_strlist enabled_types;
	const struct gc_node *operators;
	char *hmac_key;
	const struct gc_node *allowed_keys;
	struct gc_strlist blocked_keys;
	struct gc_strlist hash_keys;
	const struct gc_node *custom;
	bool scan_resource;
};

static const struct gc_option pii_redact_options[] = {
	{ "enabled_types", GC_OPT_STRLIST, offsetof(struct pii_redact_config, enabled_types),
	  .help = "types to look for; left out: every built-in type and every custom one" },
	{ "operators", GC_OPT_NODE, offsetof(struct pii_redact_config, operators),
	  .help = "{ TYPE: { action: replace|mask|hash|drop, keep: N } } (or TYPE: action); "
		  "default replace" },
	{ "hmac_key", GC_OPT_STRING, offsetof(struct pii_redact_config, hmac_key),
	  .help = "HMAC-SHA256 key for hash and hash_keys (required by them)" },
	{ "allowed_keys", GC_OPT_NODE, offsetof(struct pii_redact_config, allowed_keys),
	  .help = "attribute keys never scanned (a trailing * matches a prefix); replaces the "
		  "default list of gen_ai model, usage and id keys" },
	{ "blocked_keys", GC_OPT_STRLIST, offsetof(struct pii_redact_config, blocked_keys),
	  .help = "attribute keys always removed (a trailing * matches a prefix)" },
	{ "hash_keys", GC_OPT_STRLIST, offsetof(struct pii_redact_config, hash_keys),
	  .help = "attribute keys whose whole value becomes its HMAC (16 hex digits), e.g. "
		  "user.id, enduser.id, session.id" },
	{ "custom", GC_OPT_NODE, offsetof(struct pii_redact_config, custom),
	  .help = "[{ name: TYPE_NAME, regex: pattern }]: further types (Vectorscan syntax)" },
	{ "scan_resource", GC_OPT_BOOL, offsetof(struct pii_redact_config, scan_resource), "true",
	  .help = "also scan resource attributes" },
	{ 0 },
};

static const char *const default_allowed[] = {
	"gen_ai.request.model",	 "gen_ai.response.model", "gen_ai.usage.*",
	"gen_ai.provider.name",	 "gen_ai.system",	  "gen_ai.operation.name",
	"gen_ai.response.id",	 "gen_ai.response.finish_reasons", "pii.redacted.count",
	"pii.redacted.types",
};

/* Pseudo-types for the key rules, counted after the engine's types. */
enum { KEY_BLOCKED, KEY_HASHED, KEY_RULE_TYPES };
static const char *const key_rule_names[KEY_RULE_TYPES] = { "BLOCKED_KEY", "HASHED_KEY" };

struct key_list {
	size_t n;
	struct key_pattern {
		char *text;
		size_t len;
		bool prefix; /* written with a trailing '*' */
	} *items;
};

/* Everything the configuration says, checked: what validate and create share. */
struct plan {
	struct pii_engine_config engine;
	struct pii_custom custom[PII_MAX_CUSTOM];
	struct key_list allowed, blocked, hashed;
};

struct pii_redact {
	struct gc_consumer base;
	char *id;
	const struct pii_redact_config *config;
	struct gc_consumer *next;
	enum gc_signal signal;
	struct pii_engine *engine;
	struct key_list allowed, blocked, hashed;
	unsigned n_types; /* engine types, then the key rule types */
	unsigned order[PII_MAX_TYPES + KEY_RULE_TYPES]; /* types sorted by name */
	gc_counter *redactions[PII_MAX_TYPES + KEY_RULE_TYPES];
	gc_counter *scanned_bytes;
};

#define K_COUNT GC_STR("pii.redacted.count")
#define K_TYPES GC_STR("pii.redacted.types")

static void key_list_free(struct key_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].text);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static int key_list_add(struct key_list *l, const char *key)
{
	struct key_pattern *items = realloc(l->items, (l->n + 1) * sizeof(*items));
	size_t len = strlen(key);

	if (!items)
		return GC_ERROR;
	l->items = items;
	items[l->n].prefix = len && key[len - 1] == '*';
	items[l->n].len = len - items[l->n].prefix;
	items[l->n].text = strndup(key, items[l->n].len);
	if (!items[l->n].text)
		return GC_ERROR;
	l->n++;
	return GC_OK;
}

static bool key_list_has(const struct key_list *l, struct gc_str key)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct key_pattern *p = &l->items[i];

		if (p->prefix ? key.len >= p->len && !memcmp(key.ptr, p->text, p->len)
			      : key.len == p->len && !memcmp(key.ptr, p->text, p->len))
			return true;
	}
	return false;
}

static void plan_free(struct plan *p)
{
	key_list_free(&p->allowed);
	key_list_free(&p->blocked);
	key_list_free(&p->hashed);
}

static bool valid_type_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 48)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* The type named name among the built-ins and the custom ones, or -1. */
static int find_type(const struct plan *p, const char *name)
{
	int t = pii_builtin_find(name);

	if (t >= 0)
		return t;
	for (size_t i = 0; i < p->engine.n_custom; i++)
		if (!strcmp(p->custom[i].name, name))
			return (int)(PII_BUILTIN_TYPES + i);
	return -1;
}

static const char *type_list(void)
{
	return "EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE, US_SSN, IP_ADDRESS, SECRET "
	       "or a custom name";
}

static int plan_custom(struct plan *p, const struct gc_node *custom, const char *id, char **err)
{
	if (!custom || custom->kind == GC_NODE_NULL)
		return GC_OK;
	if (custom->kind != GC_NODE_SEQ)
		return gc_node_error(err, custom, "%s: custom: expected a list of { name, regex }",
				     id);
	if (custom->n > PII_MAX_CUSTOM)
		return gc_node_error(err, custom, "%s: custom: at most %d types", id,
				     PII_MAX_CUSTOM);
	for (size_t i = 0; i < custom->n; i++) {
		const struct gc_node *item = custom->items[i], *name, *regex;

		name = gc_node_get(item, "name");
		regex = gc_node_get(item, "regex");
		if (item->kind != GC_NODE_MAP || item->n != 2 || !name || !regex ||
		    name->kind != GC_NODE_SCALAR || regex->kind != GC_NODE_SCALAR)
			return gc_node_error(err, item,
					     "%s: custom[%zu]: expected { name: TYPE_NAME, regex: "
					     "pattern }",
					     id, i);
		if (!valid_type_name(name->value))
			return gc_node_error(err, name,
					     "%s: custom[%zu]: name \"%s\" must be letters, digits "
					     "and _ (at most 48)",
					     id, i, name->value);
		if (find_type(p, name->value) >= 0 || !strcmp(name->value, key_rule_names[0]) ||
		    !strcmp(name->value, key_rule_names[1]))
			return gc_node_error(err, name, "%s: custom[%zu]: type %s is already defined",
					     id, i, name->value);
		p->custom[i].name = name->value;
		p->custom[i].regex = regex->value;
		p->engine.n_custom = i + 1;
	}
	p->engine.custom = p->custom;
	return GC_OK;
}

static int plan_operator(struct plan *p, const struct gc_node *type_node,
			 const struct gc_node *v, const char *id, char **err)
{
	static const char *const actions[] = { "replace", "mask", "hash", "drop" };
	const struct gc_node *action = v, *keep = NULL;
	int t = find_type(p, type_node->value);

	if (t < 0)
		return gc_node_error(err, type_node, "%s: operators: unknown type \"%s\" (known: %s)",
				     id, type_node->value, type_list());
	if (v->kind == GC_NODE_MAP) {
		for (size_t k = 0; k < v->n; k++)
			if (strcmp(v->keys[k]->value, "action") && strcmp(v->keys[k]->value, "keep"))
				return gc_node_error(err, v->keys[k],
						     "%s: operators.%s: unknown key \"%s\" (valid "
						     "keys: action, keep)",
						     id, type_node->value, v->keys[k]->value);
		action = gc_node_get(v, "action");
		keep = gc_node_get(v, "keep");
	}
	if (!action || action->kind != GC_NODE_SCALAR)
		return gc_node_error(err, action ? action : v,
				     "%s: operators.%s: expected an action: replace, mask, hash "
				     "or drop",
				     id, type_node->value);
	for (unsigned a = 0; a < 4; a++)
		if (!strcmp(action->value, actions[a]))
			p->engine.action[t] = (enum pii_action)a;
	if (strcmp(action->value, actions[p->engine.action[t]]))
		return gc_node_error(err, action,
				     "%s: operators.%s: unknown action \"%s\" (expected replace, "
				     "mask, hash or drop)",
				     id, type_node->value, action->value);
	if (keep) {
		char *end;
		long n = keep->kind == GC_NODE_SCALAR ? strtol(keep->value, &end, 10) : -1;

		if (keep->kind != GC_NODE_SCALAR || *end || n < 0 || n > 64)
			return gc_node_error(err, keep,
					     "%s: operators.%s: keep: expected a number 0..64", id,
					     type_node->value);
		p->engine.mask_keep[t] = (unsigned)n;
	}
	return GC_OK;
}

static int plan_keys(struct key_list *l, const struct gc_node *node, const char *id,
		     char **err)
{
	if (!node) {
		for (size_t i = 0; i < sizeof(default_allowed) / sizeof(*default_allowed); i++)
			if (key_list_add(l, default_allowed[i]))
				return gc_set_err(err, "out of memory");
		return GC_OK;
	}
	if (node->kind == GC_NODE_NULL)
		return GC_OK;
	if (node->kind != GC_NODE_SEQ)
		return gc_node_error(err, node, "%s: allowed_keys: expected a list of strings", id);
	for (size_t i = 0; i < node->n; i++) {
		if (node->items[i]->kind != GC_NODE_SCALAR)
			return gc_node_error(err, node->items[i],
					     "%s: allowed_keys: expected a list of strings", id);
		if (key_list_add(l, node->items[i]->value))
			return gc_set_err(err, "out of memory");
	}
	return GC_OK;
}

static int plan_strlist(struct key_list *l, const struct gc_strlist *keys)
{
	for (size_t i = 0; i < keys->n; i++)
		if (key_list_add(l, keys->v[i]))
			return GC_ERROR;
	return GC_OK;
}

static int plan_build(struct plan *p, const struct pii_redact_config *c,
		      const struct gc_node *node, const char *id, char **err)
{
	const struct gc_node *ops = c->operators, *types = node ? gc_node_get(node, "enabled_types")
								 : NULL;
	bool hash = c->hash_keys.n > 0;

	memset(p, 0, sizeof(*p));
	for (unsigned t = 0; t < PII_MAX_TYPES; t++)
		p->engine.mask_keep[t] = 4;
	if (plan_custom(p, c->custom, id, err))
		return GC_ERROR;
	if (!c->enabled_types.n)
		p->engine.enabled = (1ull << (PII_BUILTIN_TYPES + p->engine.n_custom)) - 1;
	for (size_t i = 0; i < c->enabled_types.n; i++) {
		int t = find_type(p, c->enabled_types.v[i]);

		if (t < 0)
			return gc_node_error(err, types && i < types->n ? types->items[i] : node,
					     "%s: enabled_types: unknown type \"%s\" (known: %s)",
					     id, c->enabled_types.v[i], type_list());
		p->engine.enabled |= 1ull << t;
	}
	if (ops && ops->kind != GC_NODE_NULL) {
		if (ops->kind != GC_NODE_MAP)
			return gc_node_error(err, ops, "%s: operators: expected a map of types", id);
		for (size_t i = 0; i < ops->n; i++)
			if (plan_operator(p, ops->keys[i], ops->items[i], id, err))
				return GC_ERROR;
	}
	for (unsigned t = 0; t < PII_MAX_TYPES; t++)
		hash |= (p->engine.enabled >> t & 1) && p->engine.action[t] == PII_HASH;
	if (hash && (!c->hmac_key || !*c->hmac_key))
		return gc_node_error(err, node,
				     "%s: hmac_key is required when an operator is hash or "
				     "hash_keys is set (e.g. hmac_key: ${env:PII_HMAC_KEY})",
				     id);
	if (c->hmac_key) {
		p->engine.hmac_key = (const uint8_t *)c->hmac_key;
		p->engine.hmac_key_len = strlen(c->hmac_key);
	}
	if (plan_keys(&p->allowed, c->allowed_keys, id, err))
		return GC_ERROR;
	if (plan_strlist(&p->blocked, &c->blocked_keys) || plan_strlist(&p->hashed, &c->hash_keys))
		return gc_set_err(err, "out of memory");
	return GC_OK;
}

static int pii_redact_validate(const void *config, const struct gc_node *node, const char *id,
			       char **err)
{
	struct plan p;
	struct pii_engine *e;
	int rc = plan_build(&p, config, node, id, err);
	char *why = NULL;

	if (rc == GC_OK) {
		e = pii_engine_new(&p.engine, &why);
		if (!e)
			rc = gc_node_error(err, gc_node_get(node, "custom") ? gc_node_get(node, "custom")
									     : node,
					   "%s: %s", id, why);
		pii_engine_free(e);
		free(why);
	}
	plan_free(&p);
	return rc;
}

/* ---- walking a batch ------------------------------------------------------------ */

/* What one batch found, per span/record and in all. */
struct walk {
	struct pii_redact *p;
	struct gc_batch *batch;
	struct pii_result item; /* the span or record being walked */
	uint32_t key_rules[KEY_RULE_TYPES];
	uint64_t key_rule_bits;
	uint64_t scanned;
	uint64_t per_type[PII_MAX_TYPES + KEY_RULE_TYPES];
	struct pii_buf out;
};

static void key_rule_hit(struct walk *w, unsigned rule)
{
	w->key_rules[rule]++;
	w->key_rule_bits |= 1ull << rule;
}

/* The text whose HMAC stands for a value under hash_keys. */
static bool value_text(const struct gc_value *v, char *buf, size_t size, struct gc_str *out)
{
	int n = -1;

	switch (v->type) {
	case GC_VALUE_STRING:
	case GC_VALUE_BYTES:
		*out = v->str;
		return true;
	case GC_VALUE_INT:
		n = snprintf(buf, size, "%lld", (long long)v->i);
		break;
	case GC_VALUE_DOUBLE:
		n = snprintf(buf, size, "%.17g", v->d);
		break;
	case GC_VALUE_BOOL:
		n = snprintf(buf, size, "%s", v->b ? "true" : "false");
		break;
	default:
		return false;
	}
	*out = (struct gc_str){ buf, (size_t)n };
	return true;
}

/* The pseudonym of a whole value under hash_keys, in hex; false when the
 * value has no stable text (arrays, maps) or the HMAC failed. */
static bool pseudonym(const struct walk *w, const struct gc_value *v, char hex[17])
{
	char buf[64];
	struct gc_str text;

	return value_text(v, buf, sizeof(buf), &text) &&
	       pii_hash_value(w->p->engine, text.ptr, text.len, hex);
}

static enum gc_visit visit_string(void *ctx, struct gc_str key, const struct gc_value *value,
				   struct gc_str *text)
{
	struct walk *w = ctx;
	struct pii_result res = { 0 };
	char *copy;

	if (key.len && key_list_has(&w->p->allowed, key))
		return GC_VISIT_NEXT;
	/* Keys inside kvlists follow the key rules too (the attribute's own key
	 * was handled before the visit). */
	if (key.len && key_list_has(&w->p->blocked, key)) {
		key_rule_hit(w, KEY_BLOCKED);
		return GC_VISIT_REMOVE;
	}
	if (key.len && key_list_has(&w->p->hashed, key)) {
		char hex[17];

		copy = pseudonym(w, value, hex) ? gc_arena_memdup(w->batch->arena, hex, 16) : NULL;
		key_rule_hit(w, KEY_HASHED);
		if (!copy)
			return GC_VISIT_REMOVE; /* no pseudonym: the value must not pass */
		*text = (struct gc_str){ copy, 16 };
		return GC_VISIT_NEXT;
	}
	if (value->type != GC_VALUE_STRING && value->type != GC_VALUE_BYTES)
		return GC_VISIT_NEXT; /* numbers and bools are not scanned */
	w->scanned += text->len;
	if (!pii_redact_text(w->p->engine, text->ptr, text->len, &w->out, &res))
		return GC_VISIT_NEXT;
	w->item.count += res.count;
	w->item.types |= res.types;
	for (unsigned t = 0; t < w->p->n_types - KEY_RULE_TYPES; t++)
		w->item.per_type[t] += res.per_type[t];
	if (res.drop)
		return GC_VISIT_DROP;
	copy = gc_arena_memdup(w->batch->arena, w->out.ptr, w->out.len);
	if (!copy && w->out.len)
		return GC_VISIT_DROP; /* the original must not pass */
	text->ptr = copy;
	text->len = w->out.len;
	return GC_VISIT_NEXT;
}

static void walk_attrs(struct walk *w, struct gc_attrs *a)
{
	for (size_t i = 0; i < gc_attrs_count(a); i++) {
		struct gc_str key;
		struct gc_value v;
		char hex[17];

		gc_attrs_at(a, i, &key, &v);
		if (key_list_has(&w->p->allowed, key))
			continue;
		if (key_list_has(&w->p->blocked, key)) {
			gc_attrs_remove_at(a, i--);
			key_rule_hit(w, KEY_BLOCKED);
			continue;
		}
		if (key_list_has(&w->p->hashed, key)) {
			/* no pseudonym (arrays, maps, a failed HMAC): the value goes */
			if (!pseudonym(w, &v, hex) ||
			    gc_attrs_set_str_at(a, i, (struct gc_str){ hex, 16 }))
				gc_attrs_remove_at(a, i--);
			key_rule_hit(w, KEY_HASHED);
			continue;
		}
		if (v.type != GC_VALUE_STRING && v.type != GC_VALUE_BYTES &&
		    v.type != GC_VALUE_ARRAY && v.type != GC_VALUE_KVLIST)
			continue;
		if (gc_attrs_visit_strings(a, i, visit_string, w))
			gc_attrs_remove_at(a, i--);
	}
}

/* Ends a span, record or resource: marks it when something was redacted and
 * adds its findings to the batch's. */
static void finish_item(struct walk *w, struct gc_attrs *marks)
{
	struct pii_redact *p = w->p;
	struct gc_str names[PII_MAX_TYPES + KEY_RULE_TYPES];
	uint64_t engine_types = w->item.types;
	size_t n = 0;
	uint32_t total = w->item.count;

	for (unsigned r = 0; r < KEY_RULE_TYPES; r++)
		total += w->key_rules[r];
	if (total) {
		for (unsigned k = 0; k < p->n_types; k++) {
			unsigned t = p->order[k];
			bool hit = t < p->n_types - KEY_RULE_TYPES
					   ? engine_types >> t & 1
					   : w->key_rule_bits >> (t - (p->n_types - KEY_RULE_TYPES)) & 1;
			const char *name = t < p->n_types - KEY_RULE_TYPES
						   ? pii_type_name(p->engine, t)
						   : key_rule_names[t - (p->n_types - KEY_RULE_TYPES)];

			if (hit)
				names[n++] = (struct gc_str){ name, strlen(name) };
		}
		gc_attrs_set_int(marks, K_COUNT, total);
		gc_attrs_set_str_array(marks, K_TYPES, names, n);
	}
	for (unsigned t = 0; t < p->n_types - KEY_RULE_TYPES; t++)
		w->per_type[t] += w->item.per_type[t];
	for (unsigned r = 0; r < KEY_RULE_TYPES; r++)
		w->per_type[p->n_types - KEY_RULE_TYPES + r] += w->key_rules[r];
	memset(&w->item, 0, sizeof(w->item));
	memset(w->key_rules, 0, sizeof(w->key_rules));
	w->key_rule_bits = 0;
}

/* The status description is free text, often an exception's message. What
 * must be dropped leaves it empty. */
static void walk_status_message(struct walk *w, struct gc_span *sp)
{
	struct gc_str text = gc_span_status_message(sp), before = text;

	struct gc_value value = { .type = GC_VALUE_STRING, .str = text };

	if (!text.len)
		return;
	if (visit_string(w, (struct gc_str){ "", 0 }, &value, &text) != GC_VISIT_NEXT)
		text = (struct gc_str){ "", 0 };
	if (text.ptr != before.ptr && gc_span_set_status_message(sp, text))
		gc_span_set_status_message(sp, (struct gc_str){ "", 0 });
}

static void walk_spans(struct walk *w)
{
	struct gc_span_iter it;
	struct gc_span sp;
	struct gc_attrs a;

	gc_span_iter_init(&it, w->batch);
	while (gc_span_iter_next(&it, &sp)) {
		gc_span_attrs(&sp, &a);
		walk_attrs(w, &a);
		for (size_t e = 0; e < gc_span_event_count(&sp); e++) {
			gc_span_event_attrs(&sp, e, &a);
			walk_attrs(w, &a);
		}
		for (size_t l = 0; l < gc_span_link_count(&sp); l++) {
			gc_span_link_attrs(&sp, l, &a);
			walk_attrs(w, &a);
		}
		walk_status_message(w, &sp);
		gc_span_attrs(&sp, &a);
		finish_item(w, &a);
	}
}

static void walk_logs(struct walk *w)
{
	struct gc_log_iter it;
	struct gc_log log;
	struct gc_attrs a;

	gc_log_iter_init(&it, w->batch);
	while (gc_log_iter_next(&it, &log)) {
		if (gc_log_body_visit_strings(&log, visit_string, w))
			gc_log_clear_body(&log);
		gc_log_attrs(&log, &a);
		walk_attrs(w, &a);
		finish_item(w, &a);
	}
}

static int pii_redact_consume(struct gc_consumer *self, struct gc_batch *batch, char **err)
{
	struct pii_redact *p = (struct pii_redact *)self;
	struct walk w = { .p = p, .batch = batch };

	if (p->config->scan_resource) {
		for (size_t r = 0; r < gc_batch_resource_count(batch); r++) {
			struct gc_attrs a;

			if (!gc_batch_resource_attrs(batch, r, &a))
				continue;
			walk_attrs(&w, &a);
			finish_item(&w, &a);
		}
	}
	if (p->signal == GC_SIGNAL_TRACES)
		walk_spans(&w);
	else
		walk_logs(&w);
	pii_buf_free(&w.out);
	gc_counter_add(p->scanned_bytes, w.scanned);
	for (unsigned t = 0; t < p->n_types; t++)
		if (w.per_type[t])
			gc_counter_add(p->redactions[t], w.per_type[t]);
	return gc_consume(p->next, batch, err);
}

/* ---- lifecycle ---------------------------------------------------------------- */

static struct gc_consumer *pii_redact_consumer(void *self)
{
	return &((struct pii_redact *)self)->base;
}

static const char *any_type_name(const struct pii_redact *p, unsigned t)
{
	unsigned engine_types = p->n_types - KEY_RULE_TYPES;

	return t < engine_types ? pii_type_name(p->engine, t) : key_rule_names[t - engine_types];
}

static void pii_redact_destroy(void *self);

static void *pii_redact_create(const char *id, const void *config, enum gc_signal signal,
			       struct gc_consumer *next, char **err)
{
	const struct pii_redact_config *c = config;
	struct pii_redact *p = calloc(1, sizeof(*p));
	struct plan plan;
	char labels[256];

	if (!p) {
		gc_set_err(err, "%s: out of memory", id);
		return NULL;
	}
	p->base.consume = pii_redact_consume;
	p->id = strdup(id);
	p->config = c;
	p->next = next;
	p->signal = signal;
	if (plan_build(&plan, c, NULL, id, err)) {
		plan_free(&plan);
		goto fail;
	}
	p->engine = pii_engine_new(&plan.engine, err);
	p->allowed = plan.allowed;
	p->blocked = plan.blocked;
	p->hashed = plan.hashed;
	if (!p->engine)
		goto fail;
	p->n_types = pii_type_count(p->engine) + KEY_RULE_TYPES;
	for (unsigned t = 0; t < p->n_types; t++) {
		unsigned k = t;

		/* insertion sort by name: a handful of types */
		while (k > 0 && strcmp(any_type_name(p, p->order[k - 1]), any_type_name(p, t)) > 0) {
			p->order[k] = p->order[k - 1];
			k--;
		}
		p->order[k] = t;
		snprintf(labels, sizeof(labels), "processor=\"%s\",type=\"%s\"", id,
			 any_type_name(p, t));
		p->redactions[t] = gc_metrics_counter("pii_redactions_total",
						      "Entities redacted, and values removed or "
						      "hashed by key rules, by type.",
						      labels);
	}
	snprintf(labels, sizeof(labels), "processor=\"%s\"", id);
	p->scanned_bytes = gc_metrics_counter("pii_scanned_bytes_total",
					      "Bytes of string values scanned.", labels);
	return p;
fail:
	pii_redact_destroy(p);
	return NULL;
}

static size_t pii_redact_shutdown(void *self, int64_t deadline_ns)
{
	(void)self; /* holds nothing back */
	(void)deadline_ns;
	return 0;
}

static void pii_redact_destroy(void *self)
{
	struct pii_redact *p = self;

	if (!p)
		return;
	pii_engine_free(p->engine);
	key_list_free(&p->allowed);
	key_list_free(&p->blocked);
	key_list_free(&p->hashed);
	free(p->id);
	free(p);
}

static const struct gc_processor_ops pii_redact_ops = {
	.create = pii_redact_create,
	.consumer = pii_redact_consumer,
	.shutdown = pii_redact_shutdown,
	.destroy = pii_redact_destroy,
};

const struct gc_component_type gc_processor_pii_redact = {
	.name = "pii_redact",
	.kind = GC_KIND_PROCESSOR,
	.signals = GC_SIGNAL_BIT(GC_SIGNAL_TRACES) | GC_SIGNAL_BIT(GC_SIGNAL_LOGS),
	.help = "redacts personal data and secrets from span, event, link, resource and log "
		"strings",
	.config_size = sizeof(struct pii_redact_config),
	.options = pii_redact_options,
	.validate = pii_redact_validate,
	.before_holders = true,
	.processor = &pii_redact_ops,
};
