/* Price entries written in YAML, in USD per million tokens: the built-in table
 * (config/prices.yaml, embedded at build time) and the processor's overrides
 * share this schema. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "genai_cost/prices.h"
#include "yaml_tree.h"

extern const char gc_builtin_prices[];
extern const size_t gc_builtin_prices_len;

static int per_million(const struct gc_node *n, const char *what, double *out, char **err)
{
	char *end;
	double v;

	if (!n || n->kind != GC_NODE_SCALAR)
		return gc_node_error(err, n, "'%s' expects a price in USD per million tokens", what);
	errno = 0;
	v = strtod(n->value, &end);
	if (end == n->value || *end || errno || !isfinite(v) || v < 0)
		return gc_node_error(err, n, "'%s' expects a price in USD per million tokens, got '%s'",
				     what, n->value);
	*out = v / 1e6;
	return GC_OK;
}

static int read_tier(const struct gc_node *n, struct gc_price *p, char **err)
{
	struct gc_price_tier tier = { -1, -1, -1, -1, -1 };
	double *fields[] = { &tier.input, &tier.output, &tier.cache_read, &tier.cache_creation };
	static const char *const names[] = { "input", "output", "cache_read", "cache_creation" };

	if (n->kind != GC_NODE_MAP)
		return gc_node_error(err, n, "a tier is a map with above_input_tokens and prices");
	for (size_t i = 0; i < n->n; i++) {
		const char *k = n->keys[i]->value;
		int f;

		if (!strcmp(k, "above_input_tokens")) {
			char *end;

			tier.above_input_tokens = strtoll(n->items[i]->value ? n->items[i]->value : "",
							  &end, 10);
			if (!n->items[i]->value || *end || tier.above_input_tokens < 0)
				return gc_node_error(err, n->items[i],
						     "'above_input_tokens' expects a token count");
			continue;
		}
		for (f = 0; f < 4 && strcmp(k, names[f]); f++)
			;
		if (f == 4)
			return gc_node_error(err, n->keys[i],
					     "unknown tier key '%s' (valid keys: above_input_tokens, "
					     "input, output, cache_read, cache_creation)", k);
		if (per_million(n->items[i], k, fields[f], err))
			return GC_ERROR;
	}
	if (tier.above_input_tokens < 0)
		return gc_node_error(err, n, "a tier needs above_input_tokens");
	if (p->n_tiers == GC_PRICE_MAX_TIERS)
		return gc_node_error(err, n, "at most %d tiers per model", GC_PRICE_MAX_TIERS);
	{
		size_t i = p->n_tiers;

		while (i > 0 && p->tiers[i - 1].above_input_tokens > tier.above_input_tokens) {
			p->tiers[i] = p->tiers[i - 1];
			i--;
		}
		p->tiers[i] = tier;
		p->n_tiers++;
	}
	return GC_OK;
}

int gc_price_entry_parse(const struct gc_node *n, const char *source, struct gc_price *p,
			 char **err)
{
	static const char *const names[] = { "input", "output", "cache_read", "cache_creation",
					     "reasoning" };
	bool have_input = false;

	*p = (struct gc_price){ .cache_read = -1, .cache_creation = -1, .reasoning = -1,
				.source = source };
	if (!n || n->kind != GC_NODE_MAP)
		return gc_node_error(err, n, "a price is a map such as { input: 2.5, output: 10 } "
				     "(USD per million tokens)");
	for (size_t i = 0; i < n->n; i++) {
		const char *k = n->keys[i]->value;
		double *fields[] = { &p->input, &p->output, &p->cache_read, &p->cache_creation,
				     &p->reasoning };
		int f;

		if (!strcmp(k, "provider") || !strcmp(k, "mode") || !strcmp(k, "litellm"))
			continue; /* descriptive */
		if (!strcmp(k, "tiers")) {
			const struct gc_node *list = n->items[i];

			if (list->kind != GC_NODE_SEQ)
				return gc_node_error(err, list, "'tiers' expects a list");
			for (size_t t = 0; t < list->n; t++)
				if (read_tier(list->items[t], p, err))
					return GC_ERROR;
			continue;
		}
		for (f = 0; f < 5 && strcmp(k, names[f]); f++)
			;
		if (f == 5)
			return gc_node_error(err, n->keys[i],
					     "unknown price key '%s' (valid keys: input, output, "
					     "cache_read, cache_creation, reasoning, tiers, provider, "
					     "mode)", k);
		if (per_million(n->items[i], k, fields[f], err))
			return GC_ERROR;
		have_input |= f == 0;
	}
	if (!have_input)
		return gc_node_error(err, n, "a price needs at least 'input'");
	return GC_OK;
}

int gc_price_table_load_yaml(struct gc_price_table *t, const struct gc_node *models,
			     const char *source, size_t *loaded, char **err)
{
	if (loaded)
		*loaded = 0;
	if (!models || models->kind == GC_NODE_NULL)
		return GC_OK;
	if (models->kind != GC_NODE_MAP)
		return gc_node_error(err, models, "expected a map of model id to price");
	for (size_t i = 0; i < models->n; i++) {
		struct gc_price p;
		const char *id = models->keys[i]->value;

		if (gc_price_entry_parse(models->items[i], source, &p, err))
			return GC_ERROR;
		if (gc_price_table_put(t, (struct gc_str){ id, strlen(id) }, &p))
			return gc_set_err(err, "out of memory");
		if (loaded)
			(*loaded)++;
	}
	return GC_OK;
}

int gc_price_table_load_builtin(struct gc_price_table *t, size_t *loaded, char **err)
{
	gc_arena *arena = gc_arena_create(256 * 1024);
	struct gc_node *root;
	int rc;

	if (!arena)
		return gc_set_err(err, "out of memory");
	root = gc_yaml_parse(gc_builtin_prices, gc_builtin_prices_len, "<built-in prices.yaml>",
			     arena, err);
	rc = root ? gc_price_table_load_yaml(t, gc_node_get(root, "models"), "builtin", loaded, err)
		  : GC_ERROR;
	gc_arena_destroy(arena);
	return rc;
}
