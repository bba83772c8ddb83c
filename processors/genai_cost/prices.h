/* Price tables for genai_cost: model id -> token prices, with the cost formula
 * and the model lookup order of DESIGN section 5. A table is built once (from
 * the built-in table, a LiteLLM-format file, YAML overrides; later loads win)
 * and then only read: a reload builds a new table and swaps a pointer. */
#ifndef GC_PRICES_H
#define GC_PRICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "span.h"

#define GC_PRICE_MAX_TIERS 4

/* USD per token. A price below 0 is absent. */
struct gc_price_tier {
	int64_t above_input_tokens; /* the tier prices the whole request above this */
	double input, output, cache_read, cache_creation;
};

struct gc_price {
	double input, output;
	double cache_read, cache_creation; /* absent: priced as input */
	double reasoning;		   /* absent: reasoning is priced as output */
	size_t n_tiers;			   /* ascending thresholds */
	struct gc_price_tier tiers[GC_PRICE_MAX_TIERS];
	const char *source; /* which table priced it: "builtin", "litellm", "override" */
};

/* Token counts as the OpenTelemetry GenAI conventions define them: input
 * includes cached tokens (read and created); output includes reasoning. */
struct gc_usage {
	int64_t input, output, cache_read, cache_creation, reasoning;
};

struct gc_price_table;

/* An empty table, or NULL when out of memory. */
struct gc_price_table *gc_price_table_new(void);
void gc_price_table_free(struct gc_price_table *t); /* accepts NULL */

/* Adds or replaces a model's price (the id and source are copied). GC_OK, or
 * GC_ERROR when out of memory (the table is left as it was). */
int gc_price_table_put(struct gc_price_table *t, struct gc_str model, const struct gc_price *p);

/* Exact lookup: one hash probe sequence. NULL when absent. */
const struct gc_price *gc_price_table_get(const struct gc_price_table *t, struct gc_str model);

size_t gc_price_table_size(const struct gc_price_table *t);

/* Loads every entry of a LiteLLM price file (model_prices_and_context_window
 * format) that has a per-token input or output price; later loads replace
 * earlier prices for the same id. *loaded and *skipped (may be NULL) count the
 * entries taken and those without token prices. GC_ERROR with *err when the
 * JSON does not parse or is not an object of objects. */
int gc_price_table_load_litellm(struct gc_price_table *t, const char *json, size_t len,
				const char *source, size_t *loaded, size_t *skipped, char **err);

struct gc_node;

/* Reads one price written in YAML, USD per million tokens:
 * { input, output, cache_read, cache_creation, reasoning,
 *   tiers: [{ above_input_tokens, input, output, cache_read, cache_creation }] }
 * (provider, mode and litellm are accepted and ignored). Errors carry the
 * node's file:line:col. */
int gc_price_entry_parse(const struct gc_node *node, const char *source, struct gc_price *p,
			 char **err);

/* Adds every model of a YAML map { <model id>: <price> }. */
int gc_price_table_load_yaml(struct gc_price_table *t, const struct gc_node *models,
			     const char *source, size_t *loaded, char **err);

/* Adds the built-in table (config/prices.yaml, embedded in the binary). */
int gc_price_table_load_builtin(struct gc_price_table *t, size_t *loaded, char **err);

/* The model lookup order for one span: response model, then request model,
 * each exact, then with the provider's prefix ("openai/gpt-4o"), then with a
 * date or version suffix stripped ("-2024-08-06", "-20241022", "-v2:0",
 * "@20241022"). For Vertex AI and Azure, which resell other vendors' models
 * under the same ids at their own prices, the prefixed ids come first.
 * *matched (may be NULL) gets the id that was found. */
const struct gc_price *gc_price_lookup(const struct gc_price_table *t, struct gc_str provider,
				       struct gc_str response_model, struct gc_str request_model,
				       char *matched, size_t matched_len);

/* USD for usage at price p. The tier with the highest threshold below the
 * input count prices the whole request; cache reads and creations fall back
 * to the input price, reasoning to the output price. */
double gc_price_cost(const struct gc_price *p, const struct gc_usage *u);

#endif
