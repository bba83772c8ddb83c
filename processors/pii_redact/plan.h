/* pii_redact's plan: the processor's options turned into what it runs with,
 * checked, with errors at their file:line:col. The engine's configuration
 * (types enabled, custom recognizers, operators, HMAC key) and the key rules
 * (allowed, blocked and hashed attribute keys). validate and create share it. */
#ifndef PII_PLAN_H
#define PII_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"
#include "pii_redact/pii.h"
#include "span.h"
#include "yaml_tree.h"

/* The options, as the config loader fills them (pii_redact.c lists them). */
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

/* Pseudo-types for the key rules, counted after the engine's types. */
enum { PII_KEY_BLOCKED, PII_KEY_HASHED, PII_KEY_RULE_TYPES };
extern const char *const pii_key_rule_names[PII_KEY_RULE_TYPES];

/* Attribute keys, each exact or a prefix (written with a trailing '*'). */
struct pii_key_list {
	size_t n;
	struct pii_key_pattern {
		char *text;
		size_t len;
		bool prefix; /* written with a trailing '*' */
	} *items;
};

/* Frees the patterns and empties the list. */
void pii_key_list_free(struct pii_key_list *l);
/* True when key matches a pattern of the list. */
bool pii_key_list_has(const struct pii_key_list *l, struct gc_str key);

/* Everything the configuration says, checked. The engine config points into
 * the options (names, regexes, hmac_key) and into custom; the key lists are
 * the plan's own until taken. */
struct pii_plan {
	struct pii_engine_config engine;
	struct pii_custom custom[PII_MAX_CUSTOM];
	struct pii_key_list allowed, blocked, hashed;
};

/* Builds the plan from c. node is the processor's config node, for error
 * positions (may be NULL). GC_OK, or GC_ERROR with *err; pii_plan_free the
 * plan either way. */
int pii_plan_build(struct pii_plan *p, const struct pii_redact_config *c,
		   const struct gc_node *node, const char *id, char **err);
/* Frees the key lists the plan still owns. */
void pii_plan_free(struct pii_plan *p);

#endif
