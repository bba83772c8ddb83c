/* pii_redact's plan (plan.h): the options checked and compiled into the
 * engine's configuration and the key rules. */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "pii_redact/plan.h"

static const char *const default_allowed[] = {
	"gen_ai.request.model",	 "gen_ai.response.model", "gen_ai.usage.*",
	"gen_ai.provider.name",	 "gen_ai.system",	  "gen_ai.operation.name",
	"gen_ai.response.id",	 "gen_ai.response.finish_reasons", "pii.redacted.count",
	"pii.redacted.types",
};

const char *const pii_key_rule_names[PII_KEY_RULE_TYPES] = { "BLOCKED_KEY", "HASHED_KEY" };

void pii_key_list_free(struct pii_key_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].text);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static int key_list_add(struct pii_key_list *l, const char *key)
{
	struct pii_key_pattern *items = realloc(l->items, (l->n + 1) * sizeof(*items));
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

bool pii_key_list_has(const struct pii_key_list *l, struct gc_str key)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct pii_key_pattern *p = &l->items[i];

		if (p->prefix ? key.len >= p->len && !memcmp(key.ptr, p->text, p->len)
			      : key.len == p->len && !memcmp(key.ptr, p->text, p->len))
			return true;
	}
	return false;
}

void pii_plan_free(struct pii_plan *p)
{
	pii_key_list_free(&p->allowed);
	pii_key_list_free(&p->blocked);
	pii_key_list_free(&p->hashed);
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
static int find_type(const struct pii_plan *p, const char *name)
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

static int plan_custom(struct pii_plan *p, const struct gc_node *custom, const char *id,
		       char **err)
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
		if (find_type(p, name->value) >= 0 || !strcmp(name->value, pii_key_rule_names[0]) ||
		    !strcmp(name->value, pii_key_rule_names[1]))
			return gc_node_error(err, name, "%s: custom[%zu]: type %s is already defined",
					     id, i, name->value);
		p->custom[i].name = name->value;
		p->custom[i].regex = regex->value;
		p->engine.n_custom = i + 1;
	}
	p->engine.custom = p->custom;
	return GC_OK;
}

static int plan_operator(struct pii_plan *p, const struct gc_node *type_node,
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

static int plan_keys(struct pii_key_list *l, const struct gc_node *node, const char *id,
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

static int plan_strlist(struct pii_key_list *l, const struct gc_strlist *keys)
{
	for (size_t i = 0; i < keys->n; i++)
		if (key_list_add(l, keys->v[i]))
			return GC_ERROR;
	return GC_OK;
}

int pii_plan_build(struct pii_plan *p, const struct pii_redact_config *c,
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
