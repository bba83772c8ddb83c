#include "genai_cost/prices.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

struct entry {
	char *key; /* NULL: empty slot */
	size_t len;
	uint64_t hash;
	struct gc_price price;
};

/* Open addressing with linear probing; capacity a power of two, at most 70%
 * full. Sources are interned so prices can point at them. */
struct gc_price_table {
	struct entry *slots;
	size_t cap, n;
	char *sources[8];
	size_t n_sources;
};

static uint64_t hash_of(struct gc_str s)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (size_t i = 0; i < s.len; i++) {
		h ^= (unsigned char)s.ptr[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct gc_price_table *gc_price_table_new(void)
{
	struct gc_price_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cap = 1024;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	return t;
}

void gc_price_table_free(struct gc_price_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].key);
	for (size_t i = 0; i < t->n_sources; i++)
		free(t->sources[i]);
	free(t->slots);
	free(t);
}

size_t gc_price_table_size(const struct gc_price_table *t)
{
	return t->n;
}

static struct entry *probe(struct entry *slots, size_t cap, struct gc_str key, uint64_t h)
{
	for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
		struct entry *e = &slots[i];

		if (!e->key || (e->hash == h && e->len == key.len && !memcmp(e->key, key.ptr, key.len)))
			return e;
	}
}

static int grow(struct gc_price_table *t)
{
	size_t cap = t->cap * 2;
	struct entry *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return GC_ERROR;
	for (size_t i = 0; i < t->cap; i++) {
		struct entry *e = &t->slots[i];

		if (e->key)
			*probe(slots, cap, (struct gc_str){ e->key, e->len }, e->hash) = *e;
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return GC_OK;
}

/* The table's copy of source (a handful per table: later ones share the
 * last), or NULL when out of memory. */
static const char *intern(struct gc_price_table *t, const char *source)
{
	for (size_t i = 0; i < t->n_sources; i++)
		if (!strcmp(t->sources[i], source))
			return t->sources[i];
	if (t->n_sources == sizeof(t->sources) / sizeof(t->sources[0]))
		return t->sources[t->n_sources - 1];
	t->sources[t->n_sources] = strdup(source);
	if (!t->sources[t->n_sources])
		return NULL;
	return t->sources[t->n_sources++];
}

int gc_price_table_put(struct gc_price_table *t, struct gc_str model, const struct gc_price *p)
{
	uint64_t h = hash_of(model);
	const char *source = intern(t, p->source ? p->source : "unknown");
	struct entry *e;

	if (!source || ((t->n + 1) * 10 > t->cap * 7 && grow(t)))
		return GC_ERROR;
	e = probe(t->slots, t->cap, model, h);
	if (!e->key) {
		e->key = malloc(model.len + 1);
		if (!e->key)
			return GC_ERROR;
		memcpy(e->key, model.ptr, model.len);
		e->key[model.len] = '\0';
		e->len = model.len;
		e->hash = h;
		t->n++;
	}
	e->price = *p;
	e->price.source = source;
	return GC_OK;
}

const struct gc_price *gc_price_table_get(const struct gc_price_table *t, struct gc_str model)
{
	const struct entry *e = probe(t->slots, t->cap, model, hash_of(model));

	return e->key ? &e->price : NULL;
}

static double number_or(json_t *obj, const char *key, double absent)
{
	json_t *v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : absent;
}

/* "<base>_above_<N>k_tokens" -> N * 1000, or -1. */
static int64_t tier_threshold(const char *key, const char *base)
{
	size_t bl = strlen(base);
	const char *p;
	char *end;
	long long n;

	if (strncmp(key, base, bl) || strncmp(key + bl, "_above_", 7))
		return -1;
	p = key + bl + 7;
	if (!isdigit((unsigned char)*p))
		return -1;
	n = strtoll(p, &end, 10);
	return strcmp(end, "k_tokens") ? -1 : n * 1000;
}

static struct gc_price_tier *tier_for(struct gc_price *p, int64_t above)
{
	size_t i;

	for (i = 0; i < p->n_tiers; i++)
		if (p->tiers[i].above_input_tokens == above)
			return &p->tiers[i];
	if (p->n_tiers == GC_PRICE_MAX_TIERS)
		return NULL;
	/* Keep thresholds ascending. */
	for (i = p->n_tiers; i > 0 && p->tiers[i - 1].above_input_tokens > above; i--)
		p->tiers[i] = p->tiers[i - 1];
	p->tiers[i] = (struct gc_price_tier){ above, -1, -1, -1, -1 };
	p->n_tiers++;
	return &p->tiers[i];
}

static void read_tiers(json_t *obj, struct gc_price *p)
{
	static const char *const bases[] = { "input_cost_per_token", "output_cost_per_token",
					     "cache_read_input_token_cost",
					     "cache_creation_input_token_cost" };
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		for (int b = 0; b < 4; b++) {
			int64_t above = tier_threshold(key, bases[b]);
			struct gc_price_tier *tier;

			if (above < 0 || !json_is_number(v) || !(tier = tier_for(p, above)))
				continue;
			double *field[] = { &tier->input, &tier->output, &tier->cache_read,
					    &tier->cache_creation };

			*field[b] = json_number_value(v);
		}
	}
}

int gc_price_table_load_litellm(struct gc_price_table *t, const char *json, size_t len,
				const char *source, size_t *loaded, size_t *skipped, char **err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr), *v;
	size_t n_loaded = 0, n_skipped = 0;
	const char *model;
	int rc = GC_OK;

	if (!root)
		return gc_set_err(err, "invalid JSON at line %d column %d: %s", jerr.line,
				  jerr.column, jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return gc_set_err(err, "expected an object of models");
	}
	json_object_foreach(root, model, v) {
		struct gc_price p = { .source = source };

		if (!json_is_object(v) || !strcmp(model, "sample_spec")) {
			n_skipped++;
			continue;
		}
		p.input = number_or(v, "input_cost_per_token", -1);
		p.output = number_or(v, "output_cost_per_token", -1);
		if (p.input < 0 && p.output < 0) {
			n_skipped++; /* priced per image, second, request...: not by token */
			continue;
		}
		if (p.input < 0)
			p.input = 0;
		if (p.output < 0)
			p.output = 0;
		p.cache_read = number_or(v, "cache_read_input_token_cost", -1);
		p.cache_creation = number_or(v, "cache_creation_input_token_cost", -1);
		p.reasoning = number_or(v, "output_cost_per_reasoning_token", -1);
		read_tiers(v, &p);
		if (gc_price_table_put(t, (struct gc_str){ model, strlen(model) }, &p)) {
			rc = gc_set_err(err, "out of memory");
			break;
		}
		n_loaded++;
	}
	json_decref(root);
	if (loaded)
		*loaded = n_loaded;
	if (skipped)
		*skipped = n_skipped;
	return rc;
}

/* The prefix LiteLLM-style tables put before a provider's model ids. Vertex AI
 * and Azure serve other vendors' models under the same ids at their own
 * prices, so for them the prefixed id is tried first (*first). */
static const char *provider_prefix(struct gc_str provider, bool *first)
{
	static const struct {
		const char *otel, *prefix;
	} map[] = {
		{ "openai", "openai/" },	 { "anthropic", "anthropic/" },
		{ "aws.bedrock", "bedrock/" },	 { "gcp.vertex_ai", "vertex_ai/" },
		{ "gcp.gemini", "gemini/" },	 { "gcp.gen_ai", "gemini/" },
		{ "azure.ai.openai", "azure/" }, { "azure.ai.inference", "azure_ai/" },
		{ "mistral_ai", "mistral/" },	 { "deepseek", "deepseek/" },
		{ "groq", "groq/" },		 { "cohere", "cohere/" },
		{ "x_ai", "xai/" },		 { "perplexity", "perplexity/" },
		{ "ibm.watsonx.ai", "watsonx/" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (gc_str_eq(provider, (struct gc_str){ map[i].otel, strlen(map[i].otel) })) {
			*first = !strcmp(map[i].prefix, "vertex_ai/") || !strcmp(map[i].prefix, "azure/");
			return map[i].prefix;
		}
	*first = false;
	return NULL;
}

static bool all_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	return n > 0;
}

/* Length of m without one trailing date or version suffix, or m.len when it
 * has none: -2024-08-06, -20241022, @20241022, -v2:0, -001, -latest. */
static size_t strip_suffix(struct gc_str m)
{
	const char *s = m.ptr;
	size_t n = m.len;

	if (n > 11 && s[n - 11] == '-' && all_digits(s + n - 10, 4) && s[n - 6] == '-' &&
	    all_digits(s + n - 5, 2) && s[n - 3] == '-' && all_digits(s + n - 2, 2))
		return n - 11;
	if (n > 9 && (s[n - 9] == '-' || s[n - 9] == '@') && all_digits(s + n - 8, 8))
		return n - 9;
	for (size_t i = n; i > 0; i--) { /* -v2:0, -v1 */
		if (s[i - 1] == '-' && i < n && s[i] == 'v' && i + 1 < n &&
		    isdigit((unsigned char)s[i + 1])) {
			size_t j = i + 1;

			while (j < n && (isdigit((unsigned char)s[j]) || s[j] == ':'))
				j++;
			if (j == n)
				return i - 1;
			break;
		}
	}
	if (n > 4 && s[n - 4] == '-' && all_digits(s + n - 3, 3))
		return n - 4;
	if (n > 7 && !memcmp(s + n - 7, "-latest", 7))
		return n - 7;
	return n;
}

static const struct gc_price *found(const struct gc_price *p, const char *id, size_t len,
				   char *matched, size_t matched_len)
{
	if (p && matched)
		snprintf(matched, matched_len, "%.*s", (int)len, id);
	return p;
}

static const struct gc_price *try_exact(const struct gc_price_table *t, struct gc_str m,
					char *matched, size_t matched_len)
{
	return m.len ? found(gc_price_table_get(t, m), m.ptr, m.len, matched, matched_len) : NULL;
}

static const struct gc_price *try_prefixed(const struct gc_price_table *t, const char *prefix,
					   struct gc_str m, char *matched, size_t matched_len)
{
	char buf[512];
	int n;

	if (!prefix || !m.len || strlen(prefix) + m.len >= sizeof(buf))
		return NULL;
	n = snprintf(buf, sizeof(buf), "%s%.*s", prefix, (int)m.len, m.ptr);
	return try_exact(t, (struct gc_str){ buf, (size_t)n }, matched, matched_len);
}

const struct gc_price *gc_price_lookup(const struct gc_price_table *t, struct gc_str provider,
				       struct gc_str response_model, struct gc_str request_model,
				       char *matched, size_t matched_len)
{
	bool prefix_first;
	const char *prefix = provider_prefix(provider, &prefix_first);
	struct gc_str models[2] = { response_model, request_model };
	const struct gc_price *p;

	for (int pass = 0; pass < 2; pass++) {
		bool prefixed = prefix_first ? pass == 0 : pass == 1;

		for (int i = 0; i < 2; i++)
			if ((p = prefixed ? try_prefixed(t, prefix, models[i], matched, matched_len)
					  : try_exact(t, models[i], matched, matched_len)))
				return p;
	}
	/* Strip suffixes one at a time: ...-20241022-v2:0 loses -v2:0, then the date. */
	for (int i = 0; i < 2; i++) {
		struct gc_str m = models[i];

		for (int round = 0; round < 3; round++) {
			size_t n = strip_suffix(m);

			if (n == m.len)
				break;
			m.len = n;
			if ((p = try_exact(t, m, matched, matched_len)) ||
			    (p = try_prefixed(t, prefix, m, matched, matched_len)))
				return p;
		}
	}
	return NULL;
}

double gc_price_cost(const struct gc_price *p, const struct gc_usage *u)
{
	double in = p->input, out = p->output, cread = p->cache_read, ccreate = p->cache_creation;
	int64_t uncached, output = u->output > 0 ? u->output : 0, reasoning = 0;
	double cost;

	for (size_t i = p->n_tiers; i-- > 0;) {
		const struct gc_price_tier *tier = &p->tiers[i];

		if (u->input > tier->above_input_tokens) {
			if (tier->input >= 0)
				in = tier->input;
			if (tier->output >= 0)
				out = tier->output;
			if (tier->cache_read >= 0)
				cread = tier->cache_read;
			if (tier->cache_creation >= 0)
				ccreate = tier->cache_creation;
			break;
		}
	}
	if (cread < 0)
		cread = in;
	if (ccreate < 0)
		ccreate = in;
	uncached = u->input - u->cache_read - u->cache_creation;
	if (uncached < 0)
		uncached = 0;
	cost = (double)uncached * in + (double)u->cache_read * cread +
	       (double)u->cache_creation * ccreate;
	if (p->reasoning >= 0 && u->reasoning > 0)
		reasoning = u->reasoning < output ? u->reasoning : output;
	cost += (double)(output - reasoning) * out + (double)reasoning * p->reasoning;
	return cost;
}
