/* Processor genai_cost: prices every span that carries token usage.
 * Writes gen_ai.usage.cost (USD), gen_ai.usage.cost.source (which table priced
 * it), or gen_ai.usage.cost.status = "unknown_model". Price sources, later
 * wins: the built-in table, prices_file (LiteLLM format), overrides. Aliases
 * and regex rules decide the model first. The table is rebuilt when
 * prices_file changes and swapped in whole; a broken file keeps the old one. */
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "component.h"
#include "config.h"
#include "genai_cost/prices.h"
#include "log.h"
#include "processor.h"
#include "span.h"
#include "telemetry.h"

struct genai_cost_config {
	bool builtin;
	char *prices_file;
	int64_t reload_interval; /* ns; 0: never look at the file again */
	const struct gc_node *overrides;
	struct gc_strmap aliases;
	const struct gc_node *rules;
	int64_t max_unknown_models;
};

static const struct gc_option genai_cost_options[] = {
	{ "builtin", GC_OPT_BOOL, offsetof(struct genai_cost_config, builtin), "true",
	  .help = "start from the built-in table (config/prices.yaml)" },
	{ "prices_file", GC_OPT_STRING, offsetof(struct genai_cost_config, prices_file),
	  .help = "a LiteLLM-format JSON price file; its prices replace built-in ones" },
	{ "reload_interval", GC_OPT_DURATION, offsetof(struct genai_cost_config, reload_interval),
	  "30s", 0, 86400e9, "how often prices_file is checked for changes; 0 never" },
	{ "overrides", GC_OPT_NODE, offsetof(struct genai_cost_config, overrides),
	  .help = "{ model: { input, output, cache_read, cache_creation, reasoning, tiers } }, "
		  "USD per million tokens; replaces every other source" },
	{ "aliases", GC_OPT_STRMAP, offsetof(struct genai_cost_config, aliases),
	  .help = "{ name sent by the app: model id to price it as }" },
	{ "rules", GC_OPT_NODE, offsetof(struct genai_cost_config, rules),
	  .help = "[{ match: regex, model: id } or { match: regex, input: ..., output: ... }]" },
	{ "max_unknown_models", GC_OPT_INT, offsetof(struct genai_cost_config, max_unknown_models),
	  "100", 1, 100000, "distinct model labels on the unknown-model counter" },
	{ 0 },
};

struct rule {
	regex_t re;
	char *model;	      /* price as this model, or */
	struct gc_price price; /* with these prices (model == NULL) */
};

/* A table in use: readers hold a reference while they price a batch. */
struct table_ref {
	struct gc_price_table *table;
	size_t from_file; /* models prices_file contributed */
	int refs;
};

struct genai_cost {
	struct gc_processor_base base;
	const struct genai_cost_config *config;
	size_t n_rules;
	struct rule *rules;

	pthread_mutex_t lock; /* guards current, refs and the unknown-model labels */
	struct table_ref *current;
	struct timespec file_mtime;
	pthread_t watcher;
	pthread_cond_t stop_cond;
	bool watching, stopping;

	gc_counter *priced, *unknown_overflow;
	size_t n_unknown;
	struct { char *model; gc_counter *counter; } *unknown;
	struct gc_gauge *models_gauge, *file_models_gauge;
};

static const struct gc_str K_PROVIDER = GC_STR("gen_ai.provider.name");
static const struct gc_str K_SYSTEM = GC_STR("gen_ai.system");
static const struct gc_str K_RESPONSE_MODEL = GC_STR("gen_ai.response.model");
static const struct gc_str K_REQUEST_MODEL = GC_STR("gen_ai.request.model");
static const struct gc_str K_INPUT = GC_STR("gen_ai.usage.input_tokens");
static const struct gc_str K_OUTPUT = GC_STR("gen_ai.usage.output_tokens");
static const struct gc_str K_CACHE_READ = GC_STR("gen_ai.usage.cache_read.input_tokens");
static const struct gc_str K_CACHE_CREATION = GC_STR("gen_ai.usage.cache_creation.input_tokens");
static const struct gc_str K_REASONING = GC_STR("gen_ai.usage.reasoning.output_tokens");
static const struct gc_str K_COST = GC_STR("gen_ai.usage.cost");
static const struct gc_str K_SOURCE = GC_STR("gen_ai.usage.cost.source");
static const struct gc_str K_STATUS = GC_STR("gen_ai.usage.cost.status");

static void free_rules(struct rule *rules, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		regfree(&rules[i].re);
		free(rules[i].model);
	}
	free(rules);
}

/* Compiles rules; errors name the rule's position. */
static int parse_rules(const struct gc_node *list, struct rule **out, size_t *n_out, char **err)
{
	struct rule *rules;
	size_t n = 0;

	*out = NULL;
	*n_out = 0;
	if (!list || list->kind == GC_NODE_NULL)
		return GC_OK;
	if (list->kind != GC_NODE_SEQ)
		return gc_node_error(err, list, "'rules' expects a list of { match, model } or "
				     "{ match, input, output }");
	rules = calloc(list->n + 1, sizeof(*rules));
	if (!rules)
		return gc_set_err(err, "out of memory");
	for (size_t i = 0; i < list->n; i++) {
		const struct gc_node *r = list->items[i], *match = gc_node_get(r, "match"),
				     *model = gc_node_get(r, "model");
		struct rule *rule = &rules[n];
		char msg[256];
		int rc;

		if (!match || match->kind != GC_NODE_SCALAR) {
			gc_node_error(err, r, "a rule needs 'match' (a regular expression)");
			goto fail;
		}
		rc = regcomp(&rule->re, match->value, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			regerror(rc, &rule->re, msg, sizeof(msg));
			gc_node_error(err, match, "bad regular expression '%s': %s", match->value, msg);
			goto fail;
		}
		n++;
		if (model && model->kind == GC_NODE_SCALAR) {
			rule->model = strdup(model->value);
			if (!rule->model) {
				gc_set_err(err, "out of memory");
				goto fail;
			}
			continue;
		}
		/* Prices given inline: the same schema as overrides, minus match. */
		{
			struct gc_node copy = *r;
			struct gc_node *keys[32], *items[32];

			copy.n = 0;
			copy.keys = keys;
			copy.items = items;
			for (size_t k = 0; k < r->n && copy.n < 32; k++) {
				if (!strcmp(r->keys[k]->value, "match"))
					continue;
				keys[copy.n] = r->keys[k];
				items[copy.n++] = r->items[k];
			}
			if (gc_price_entry_parse(&copy, "rule", &rule->price, err))
				goto fail;
		}
	}
	*out = rules;
	*n_out = n;
	return GC_OK;
fail:
	free_rules(rules, n);
	return GC_ERROR;
}

/* Builds a table from every configured source. */
static struct gc_price_table *build_table(const struct genai_cost_config *c, const char *id,
					  size_t *from_file, char **err)
{
	struct gc_price_table *t = gc_price_table_new();
	size_t n = 0;

	*from_file = 0;
	if (!t) {
		gc_set_err(err, "out of memory");
		return NULL;
	}
	if (c->builtin && gc_price_table_load_builtin(t, &n, err))
		goto fail;
	if (c->prices_file) {
		size_t len;
		char *text = gc_read_file(c->prices_file, &len, err), *why = NULL;

		if (!text)
			goto fail;
		if (gc_price_table_load_litellm(t, text, len, "litellm", from_file, NULL, &why)) {
			gc_set_err(err, "%s: %s", c->prices_file, why);
			free(why);
			free(text);
			goto fail;
		}
		free(text);
	}
	if (gc_price_table_load_yaml(t, c->overrides, "override", NULL, err))
		goto fail;
	return t;
fail:
	gc_price_table_free(t);
	return NULL;
}

static int genai_cost_validate(const void *config, const struct gc_node *node, const char *id,
			       char **err)
{
	const struct genai_cost_config *c = config;
	struct gc_price_table *t = gc_price_table_new();
	struct rule *rules;
	size_t n;
	int rc;

	if (!t)
		return gc_set_err(err, "%s: out of memory", id);
	rc = gc_price_table_load_yaml(t, c->overrides, "override", NULL, err);
	gc_price_table_free(t);
	if (rc == GC_OK && parse_rules(c->rules, &rules, &n, err) == GC_OK)
		free_rules(rules, n);
	else
		rc = GC_ERROR;
	if (rc)
		return gc_set_err(err, "%s: %s", id, *err), GC_ERROR;
	return GC_OK;
}

static struct table_ref *acquire(struct genai_cost *g)
{
	struct table_ref *r;

	pthread_mutex_lock(&g->lock);
	r = g->current;
	r->refs++;
	pthread_mutex_unlock(&g->lock);
	return r;
}

static void release(struct genai_cost *g, struct table_ref *r)
{
	bool last;

	pthread_mutex_lock(&g->lock);
	last = --r->refs == 0;
	pthread_mutex_unlock(&g->lock);
	if (last) {
		gc_price_table_free(r->table);
		free(r);
	}
}

/* Makes t the table in use (taking it over). GC_ERROR when out of memory:
 * then t is freed and the table in use stays. */
static int install(struct genai_cost *g, struct gc_price_table *t, size_t from_file)
{
	struct table_ref *r = calloc(1, sizeof(*r)), *old;

	if (!r) {
		gc_price_table_free(t);
		return GC_ERROR;
	}
	r->table = t;
	r->from_file = from_file;
	r->refs = 1; /* the processor's own reference */
	pthread_mutex_lock(&g->lock);
	old = g->current;
	g->current = r;
	pthread_mutex_unlock(&g->lock);
	if (old)
		release(g, old);
	return GC_OK;
}

static double models_gauge(void *arg)
{
	struct genai_cost *g = arg;
	double n;

	pthread_mutex_lock(&g->lock);
	n = (double)gc_price_table_size(g->current->table);
	pthread_mutex_unlock(&g->lock);
	return n;
}

static double file_models_gauge(void *arg)
{
	struct genai_cost *g = arg;
	double n;

	pthread_mutex_lock(&g->lock);
	n = (double)g->current->from_file;
	pthread_mutex_unlock(&g->lock);
	return n;
}

/* The counter of an unknown model seen before, or NULL. Lock held. */
static gc_counter *unknown_find(struct genai_cost *g, struct gc_str model)
{
	for (size_t i = 0; i < g->n_unknown; i++)
		if (strlen(g->unknown[i].model) == model.len &&
		    !memcmp(g->unknown[i].model, model.ptr, model.len))
			return g->unknown[i].counter;
	return NULL;
}

/* Counts a span of an unknown model, by model up to max_unknown_models. The
 * counter is registered with the lock released: the registry has its own
 * lock, and a lock here stays a leaf. */
static void count_unknown(struct genai_cost *g, struct gc_str model)
{
	char labels[320], value[200];
	gc_counter *c, *created;
	char *copy;
	bool room;

	pthread_mutex_lock(&g->lock);
	c = unknown_find(g, model);
	room = g->n_unknown < (size_t)g->config->max_unknown_models;
	pthread_mutex_unlock(&g->lock);
	if (c || !room) {
		gc_counter_add(c ? c : g->unknown_overflow, 1);
		return;
	}
	gc_metrics_label_value(value, sizeof(value), model.ptr, model.len);
	snprintf(labels, sizeof(labels), "processor=\"%s\",model=\"%s\"", g->base.id, value);
	created = gc_metrics_counter("genai_cost_unknown_model_spans_total",
				     "Spans with token usage whose model has no price.", labels);
	copy = strndup(model.ptr, model.len);
	pthread_mutex_lock(&g->lock);
	c = unknown_find(g, model);
	if (!c && copy && g->n_unknown < (size_t)g->config->max_unknown_models) {
		void *grown = realloc(g->unknown, (g->n_unknown + 1) * sizeof(*g->unknown));

		if (grown) {
			g->unknown = grown;
			g->unknown[g->n_unknown].model = copy;
			c = g->unknown[g->n_unknown++].counter = created;
			copy = NULL;
		}
	}
	pthread_mutex_unlock(&g->lock);
	free(copy);
	/* Two spellings cut to the same label value share one series. */
	gc_counter_add(c ? c : created, 1);
}

static int64_t tokens(const struct gc_span *sp, struct gc_str key, bool *present)
{
	struct gc_value v;

	if (!gc_span_attr(sp, key, &v))
		return 0;
	if (v.type == GC_VALUE_INT && v.i >= 0 && v.i <= GC_MAX_COUNT) {
		*present = true;
		return v.i;
	}
	if (v.type == GC_VALUE_DOUBLE && v.d >= 0 && v.d <= (double)GC_MAX_COUNT) {
		*present = true;
		return (int64_t)v.d;
	}
	return 0; /* absent, negative or not a count: ignored */
}

/* Aliases, then rules, on the response model then the request model. */
static const struct gc_price *user_price(struct genai_cost *g, const struct gc_price_table *t,
					 struct gc_str provider, struct gc_str resp,
					 struct gc_str req)
{
	struct gc_str models[2] = { resp, req };
	char buf[512];

	for (int i = 0; i < 2; i++)
		for (size_t a = 0; a < g->config->aliases.n; a++)
			if (gc_str_eq(models[i], (struct gc_str){ g->config->aliases.keys[a],
								  strlen(g->config->aliases.keys[a]) })) {
				const char *to = g->config->aliases.values[a];

				return gc_price_lookup(t, provider, (struct gc_str){ to, strlen(to) },
						       (struct gc_str){ "", 0 }, NULL, 0);
			}
	for (int i = 0; i < 2; i++) {
		if (!models[i].len || models[i].len >= sizeof(buf))
			continue;
		memcpy(buf, models[i].ptr, models[i].len);
		buf[models[i].len] = '\0';
		for (size_t r = 0; r < g->n_rules; r++) {
			if (regexec(&g->rules[r].re, buf, 0, NULL, 0))
				continue;
			if (!g->rules[r].model)
				return &g->rules[r].price;
			return gc_price_lookup(t, provider,
					       (struct gc_str){ g->rules[r].model,
								strlen(g->rules[r].model) },
					       (struct gc_str){ "", 0 }, NULL, 0);
		}
	}
	return NULL;
}

/* Prices one span with token usage; *priced counts it. False when an
 * attribute could not be set (out of memory): the span may be half priced. */
static bool price_span(struct genai_cost *g, const struct gc_price_table *t, struct gc_span *sp,
		       size_t *priced)
{
	bool has_usage = false, unused = false;
	struct gc_usage u = {
		.input = tokens(sp, K_INPUT, &has_usage),
		.output = tokens(sp, K_OUTPUT, &has_usage),
		.cache_read = tokens(sp, K_CACHE_READ, &unused),
		.cache_creation = tokens(sp, K_CACHE_CREATION, &unused),
		.reasoning = tokens(sp, K_REASONING, &unused),
	};
	struct gc_str provider = gc_span_str(sp, K_PROVIDER), resp = gc_span_str(sp, K_RESPONSE_MODEL),
		      req = gc_span_str(sp, K_REQUEST_MODEL);
	const struct gc_price *p;

	if (!has_usage)
		return true;
	if (!provider.len)
		provider = gc_span_str(sp, K_SYSTEM);
	p = user_price(g, t, provider, resp, req);
	if (!p)
		p = gc_price_lookup(t, provider, resp, req, NULL, 0);
	if (!p) {
		if (gc_span_set_str(sp, K_STATUS, GC_STR("unknown_model")))
			return false;
		count_unknown(g, resp.len ? resp : req);
		return true;
	}
	if (gc_span_set_double(sp, K_COST, gc_price_cost(p, &u)) ||
	    gc_span_set_str(sp, K_SOURCE, (struct gc_str){ p->source, strlen(p->source) }))
		return false;
	(*priced)++;
	return true;
}

static int genai_cost_consume(struct gc_consumer *self, struct gc_batch *batch, char **err)
{
	struct genai_cost *g = (struct genai_cost *)self;
	struct table_ref *r = acquire(g);
	struct gc_span_iter it;
	struct gc_span sp;
	size_t priced = 0;
	bool done = true;

	gc_span_iter_init(&it, batch);
	while (done && gc_span_iter_next(&it, &sp))
		done = price_span(g, r->table, &sp, &priced);
	release(g, r);
	if (!done) /* refused whole: the client sends it again */
		return gc_processor_out_of_memory(&g->base, batch, err);
	gc_counter_add(g->priced, priced);
	return gc_processor_forward(&g->base, batch, err);
}

static bool file_changed(struct genai_cost *g)
{
	struct stat st;

	if (stat(g->config->prices_file, &st))
		return false;
	if (st.st_mtim.tv_sec == g->file_mtime.tv_sec && st.st_mtim.tv_nsec == g->file_mtime.tv_nsec)
		return false;
	g->file_mtime = st.st_mtim;
	return true;
}

/* Rebuilds the table when prices_file changes; a file that does not load
 * leaves the running table in place. */
static void *watch_main(void *arg)
{
	struct genai_cost *g = arg;

	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		struct timespec ts;
		int64_t wake = gc_now_ns() + g->config->reload_interval;

		ts.tv_sec = wake / 1000000000LL;
		ts.tv_nsec = wake % 1000000000LL;
		pthread_cond_timedwait(&g->stop_cond, &g->lock, &ts);
		if (g->stopping)
			break;
		pthread_mutex_unlock(&g->lock);
		if (file_changed(g)) {
			size_t n = 0;
			char *err = NULL;
			struct gc_price_table *t = build_table(g->config, g->base.id, &n, &err);

			if (t && install(g, t, n)) {
				gc_error(g->base.id, "prices not reloaded, keeping the running table: "
					 "out of memory");
			} else if (t) {
				gc_info(g->base.id, "reloaded prices: %zu models from %s, %zu in all", n,
					g->config->prices_file, gc_price_table_size(t));
			} else {
				gc_error(g->base.id, "prices not reloaded, keeping the running table: %s",
					 err ? err : "out of memory");
			}
			free(err);
		}
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

static void genai_cost_destroy(void *self);

static void *genai_cost_create(const char *id, const void *config, enum gc_signal signal,
			       struct gc_consumer *next, char **err)
{
	const struct genai_cost_config *c = config;
	struct genai_cost *g =
		gc_processor_new(sizeof(*g), id, signal, next, genai_cost_consume, err);
	struct gc_price_table *t;
	pthread_condattr_t ca;
	char labels[256];
	size_t n_file;

	if (!g)
		return NULL;
	g->config = c;
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->stop_cond, &ca);
	pthread_condattr_destroy(&ca);
	if (parse_rules(c->rules, &g->rules, &g->n_rules, err))
		goto fail;
	if (c->prices_file)
		file_changed(g); /* remember the mtime the table is built from */
	t = build_table(c, id, &n_file, err);
	if (!t)
		goto fail;
	if (install(g, t, n_file)) {
		gc_set_err(err, "%s: out of memory", id);
		goto fail;
	}
	if (c->prices_file)
		gc_info(id, "loaded %zu models from %s, %zu priced models in all", n_file,
			c->prices_file, gc_price_table_size(t));
	else
		gc_info(id, "%zu priced models", gc_price_table_size(t));
	/* max_unknown_models bounds this processor's series of the family: the
	 * registry's cap stays the default headroom above it. */
	gc_metrics_family("genai_cost_unknown_model_spans_total",
			  "Spans with token usage whose model has no price.", GC_METRIC_COUNTER, NULL,
			  0, NULL, 0, GC_METRICS_DEFAULT_MAX_SERIES + (size_t)c->max_unknown_models);
	snprintf(labels, sizeof(labels), "processor=\"%s\"", id);
	g->priced = gc_metrics_counter("genai_cost_priced_spans_total",
				       "Spans given a gen_ai.usage.cost.", labels);
	snprintf(labels, sizeof(labels), "processor=\"%s\",model=\"other\"", id);
	g->unknown_overflow = gc_metrics_counter("genai_cost_unknown_model_spans_total",
						 "Spans with token usage whose model has no price.",
						 labels);
	snprintf(labels, sizeof(labels), "processor=\"%s\"", id);
	g->models_gauge = gc_metrics_gauge("genai_cost_price_table_models",
					   "Models in the price table in use.", labels,
					   models_gauge, g);
	if (c->prices_file)
		g->file_models_gauge = gc_metrics_gauge(
			"genai_cost_prices_file_models",
			"Models loaded from prices_file into the table in use.", labels,
			file_models_gauge, g);
	if (c->prices_file && c->reload_interval > 0) {
		if (pthread_create(&g->watcher, NULL, watch_main, g)) {
			gc_set_err(err, "%s: cannot start the price file watcher", id);
			goto fail;
		}
		g->watching = true;
	}
	return g;
fail:
	genai_cost_destroy(g);
	return NULL;
}

static size_t genai_cost_shutdown(void *self, int64_t deadline_ns)
{
	struct genai_cost *g = self;

	(void)deadline_ns; /* holds no data, only its file watcher */
	pthread_mutex_lock(&g->lock);
	g->stopping = true;
	pthread_cond_broadcast(&g->stop_cond);
	pthread_mutex_unlock(&g->lock);
	if (g->watching)
		pthread_join(g->watcher, NULL);
	g->watching = false;
	return 0;
}

static void genai_cost_destroy(void *self)
{
	struct genai_cost *g = self;

	if (!g)
		return;
	genai_cost_shutdown(g, gc_now_ns());
	gc_metrics_gauge_remove(g->models_gauge);
	gc_metrics_gauge_remove(g->file_models_gauge);
	if (g->current)
		release(g, g->current);
	free_rules(g->rules, g->n_rules);
	for (size_t i = 0; i < g->n_unknown; i++)
		free(g->unknown[i].model);
	free(g->unknown);
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->stop_cond);
	gc_processor_free(g);
}

static const struct gc_processor_ops genai_cost_ops = {
	.create = genai_cost_create,
	.consumer = gc_processor_consumer,
	.shutdown = genai_cost_shutdown,
	.destroy = genai_cost_destroy,
};

const struct gc_component_type gc_processor_genai_cost = {
	.name = "genai_cost",
	.kind = GC_KIND_PROCESSOR,
	.signals = GC_SIGNAL_BIT(GC_SIGNAL_TRACES),
	.help = "prices spans with token usage: gen_ai.usage.cost in USD",
	.config_size = sizeof(struct genai_cost_config),
	.options = genai_cost_options,
	.validate = genai_cost_validate,
	.processor = &genai_cost_ops,
};
