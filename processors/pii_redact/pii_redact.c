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
#include "processor.h"
#include "pii_redact/pii.h"
#include "pii_redact/plan.h"
#include "span.h"
#include "telemetry.h"

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

struct pii_redact {
	struct gc_processor_base base;
	const struct pii_redact_config *config;
	struct pii_engine *engine;
	struct pii_key_list allowed, blocked, hashed;
	unsigned n_types; /* engine types, then the key rule types */
	unsigned order[PII_MAX_TYPES + PII_KEY_RULE_TYPES]; /* types sorted by name */
	gc_counter *redactions[PII_MAX_TYPES + PII_KEY_RULE_TYPES];
	gc_counter *scanned_bytes;
};

#define K_COUNT GC_STR("pii.redacted.count")
#define K_TYPES GC_STR("pii.redacted.types")

static int pii_redact_validate(const void *config, const struct gc_node *node, const char *id,
			       char **err)
{
	struct pii_plan p;
	struct pii_engine *e;
	int rc = pii_plan_build(&p, config, node, id, err);
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
	pii_plan_free(&p);
	return rc;
}

/* ---- walking a batch ------------------------------------------------------------ */

/* What one batch found, per span/record and in all. */
struct walk {
	struct pii_redact *p;
	struct gc_batch *batch;
	struct pii_result item; /* the span or record being walked */
	uint32_t key_rules[PII_KEY_RULE_TYPES];
	uint64_t key_rule_bits;
	uint64_t scanned;
	uint64_t per_type[PII_MAX_TYPES + PII_KEY_RULE_TYPES];
	struct pii_buf out;
	bool no_memory; /* something could not be rewritten or marked: the batch
			 * is refused (what failed was dropped, never passed) */
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

	if (key.len && pii_key_list_has(&w->p->allowed, key))
		return GC_VISIT_NEXT;
	/* Keys inside kvlists follow the key rules too (the attribute's own key
	 * was handled before the visit). */
	if (key.len && pii_key_list_has(&w->p->blocked, key)) {
		key_rule_hit(w, PII_KEY_BLOCKED);
		return GC_VISIT_REMOVE;
	}
	if (key.len && pii_key_list_has(&w->p->hashed, key)) {
		char hex[17];

		bool hashed = pseudonym(w, value, hex);

		copy = hashed ? gc_arena_memdup(w->batch->arena, hex, 16) : NULL;
		key_rule_hit(w, PII_KEY_HASHED);
		w->no_memory |= hashed && !copy;
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
	w->no_memory |= res.no_memory;
	w->item.count += res.count;
	w->item.types |= res.types;
	for (unsigned t = 0; t < w->p->n_types - PII_KEY_RULE_TYPES; t++)
		w->item.per_type[t] += res.per_type[t];
	if (res.drop)
		return GC_VISIT_DROP;
	copy = gc_arena_memdup(w->batch->arena, w->out.ptr, w->out.len);
	if (!copy && w->out.len) {
		w->no_memory = true;
		return GC_VISIT_DROP; /* the original must not pass */
	}
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
		if (pii_key_list_has(&w->p->allowed, key))
			continue;
		if (pii_key_list_has(&w->p->blocked, key)) {
			gc_attrs_remove_at(a, i--);
			key_rule_hit(w, PII_KEY_BLOCKED);
			continue;
		}
		if (pii_key_list_has(&w->p->hashed, key)) {
			/* no pseudonym (arrays, maps, a failed HMAC): the value goes */
			if (!pseudonym(w, &v, hex)) {
				gc_attrs_remove_at(a, i--);
			} else if (gc_attrs_set_str_at(a, i, (struct gc_str){ hex, 16 })) {
				w->no_memory = true;
				gc_attrs_remove_at(a, i--);
			}
			key_rule_hit(w, PII_KEY_HASHED);
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
	struct gc_str names[PII_MAX_TYPES + PII_KEY_RULE_TYPES];
	uint64_t engine_types = w->item.types;
	size_t n = 0;
	uint32_t total = w->item.count;

	for (unsigned r = 0; r < PII_KEY_RULE_TYPES; r++)
		total += w->key_rules[r];
	if (total) {
		for (unsigned k = 0; k < p->n_types; k++) {
			unsigned t = p->order[k];
			bool hit = t < p->n_types - PII_KEY_RULE_TYPES
					   ? engine_types >> t & 1
					   : w->key_rule_bits >> (t - (p->n_types - PII_KEY_RULE_TYPES)) & 1;
			const char *name = t < p->n_types - PII_KEY_RULE_TYPES
						   ? pii_type_name(p->engine, t)
						   : pii_key_rule_names[t - (p->n_types - PII_KEY_RULE_TYPES)];

			if (hit)
				names[n++] = (struct gc_str){ name, strlen(name) };
		}
		if (gc_attrs_set_int(marks, K_COUNT, total) ||
		    gc_attrs_set_str_array(marks, K_TYPES, names, n))
			w->no_memory = true;
	}
	for (unsigned t = 0; t < p->n_types - PII_KEY_RULE_TYPES; t++)
		w->per_type[t] += w->item.per_type[t];
	for (unsigned r = 0; r < PII_KEY_RULE_TYPES; r++)
		w->per_type[p->n_types - PII_KEY_RULE_TYPES + r] += w->key_rules[r];
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
	if (text.ptr != before.ptr && gc_span_set_status_message(sp, text)) {
		w->no_memory = true;
		gc_span_set_status_message(sp, (struct gc_str){ "", 0 }); /* allocates nothing */
	}
}

static void walk_spans(struct walk *w)
{
	struct gc_span_iter it;
	struct gc_span sp;
	struct gc_attrs a;

	gc_span_iter_init(&it, w->batch);
	while (!w->no_memory && gc_span_iter_next(&it, &sp)) {
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
	while (!w->no_memory && gc_log_iter_next(&it, &log)) {
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
	if (p->base.signal == GC_SIGNAL_TRACES)
		walk_spans(&w);
	else
		walk_logs(&w);
	pii_buf_free(&w.out);
	if (w.no_memory) /* refused whole, nothing counted: the client sends it again */
		return gc_processor_out_of_memory(&p->base, batch, err);
	gc_counter_add(p->scanned_bytes, w.scanned);
	for (unsigned t = 0; t < p->n_types; t++)
		if (w.per_type[t])
			gc_counter_add(p->redactions[t], w.per_type[t]);
	return gc_processor_forward(&p->base, batch, err);
}

/* ---- lifecycle ---------------------------------------------------------------- */

static const char *any_type_name(const struct pii_redact *p, unsigned t)
{
	unsigned engine_types = p->n_types - PII_KEY_RULE_TYPES;

	return t < engine_types ? pii_type_name(p->engine, t) : pii_key_rule_names[t - engine_types];
}

static void pii_redact_destroy(void *self);

static void *pii_redact_create(const char *id, const void *config, enum gc_signal signal,
			       struct gc_consumer *next, char **err)
{
	const struct pii_redact_config *c = config;
	struct pii_redact *p =
		gc_processor_new(sizeof(*p), id, signal, next, pii_redact_consume, err);
	struct pii_plan plan;
	char labels[256];

	if (!p)
		return NULL;
	p->config = c;
	if (pii_plan_build(&plan, c, NULL, id, err)) {
		pii_plan_free(&plan);
		goto fail;
	}
	p->engine = pii_engine_new(&plan.engine, err);
	p->allowed = plan.allowed;
	p->blocked = plan.blocked;
	p->hashed = plan.hashed;
	if (!p->engine)
		goto fail;
	p->n_types = pii_type_count(p->engine) + PII_KEY_RULE_TYPES;
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

static void pii_redact_destroy(void *self)
{
	struct pii_redact *p = self;

	if (!p)
		return;
	pii_engine_free(p->engine);
	pii_key_list_free(&p->allowed);
	pii_key_list_free(&p->blocked);
	pii_key_list_free(&p->hashed);
	gc_processor_free(p);
}

static const struct gc_processor_ops pii_redact_ops = {
	.create = pii_redact_create,
	.consumer = gc_processor_consumer,
	.shutdown = gc_processor_no_shutdown, /* holds nothing back */
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
