#include "config.h"

#include "exporter.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

extern const char gc_default_config[];
extern const size_t gc_default_config_len;

static const struct gc_option telemetry_metrics_options[] = {
	{ "address", GC_OPT_STRING, offsetof(struct gc_service_settings, telemetry.metrics.address),
	  "0.0.0.0:8888", .help = "host:port of the Prometheus /metrics endpoint; empty disables" },
	{ "level", GC_OPT_STRING, offsetof(struct gc_service_settings, telemetry.metrics.level),
	  "normal", .help = "none disables the endpoint",
	  .choices = (const char *const[]){ "none", "basic", "normal", "detailed", NULL } },
	{ 0 },
};

static const struct gc_option telemetry_logs_options[] = {
	{ "level", GC_OPT_STRING, offsetof(struct gc_service_settings, telemetry.logs.level), "info",
	  .help = "minimum level logged to stderr",
	  .choices = (const char *const[]){ "debug", "info", "warn", "error", NULL } },
	{ 0 },
};

static const struct gc_option telemetry_options[] = {
	{ "metrics", GC_OPT_SECTION, 0, .sub = telemetry_metrics_options,
	  .present = GC_OPT_NO_PRESENT },
	{ "logs", GC_OPT_SECTION, 0, .sub = telemetry_logs_options, .present = GC_OPT_NO_PRESENT },
	{ 0 },
};

/* The scalar part of `service:`; pipelines and extensions are read by hand. */
static const struct gc_option service_options[] = {
	{ "telemetry", GC_OPT_SECTION, 0, .sub = telemetry_options, .present = GC_OPT_NO_PRESENT },
	{ "shutdown_timeout", GC_OPT_DURATION, offsetof(struct gc_service_settings, shutdown_timeout),
	  "25s", 0, 3600e9, "grace period to drain queues on SIGTERM/SIGINT and reload" },
	{ 0 },
};

static const char *const top_keys[] = { "receivers", "processors", "exporters", "extensions",
					"service", NULL };

static int find_kind(const char *section)
{
	for (int k = 0; k < GC_KIND_COUNT; k++)
		if (!strcmp(section, gc_kind_section(k)))
			return k;
	return -1;
}

static int known_types(enum gc_kind kind, char *buf, size_t len)
{
	buf[0] = '\0';
	for (const struct gc_component_type *const *t = gc_component_types; *t; t++) {
		if ((*t)->kind != kind)
			continue;
		if (buf[0])
			strncat(buf, ", ", len - strlen(buf) - 1);
		strncat(buf, (*t)->name, len - strlen(buf) - 1);
	}
	return 0;
}

/* Loads one component definition `id: {options}`. */
static int load_component(struct gc_config *c, enum gc_kind kind, struct gc_node *key,
			  struct gc_node *value, struct gc_component_config *out, char **err)
{
	char type_name[128], known[512];
	const char *slash = strchr(key->value, '/');
	size_t tlen = slash ? (size_t)(slash - key->value) : strlen(key->value);

	if (tlen == 0 || tlen >= sizeof(type_name) || (slash && !slash[1]))
		return gc_node_error(err, key, "bad %s id '%s': expected type or type/name",
				     gc_kind_name(kind), key->value);
	for (const unsigned char *ch = (const unsigned char *)key->value; *ch; ch++)
		if (*ch <= ' ' || *ch == 0x7f || *ch == '"' || *ch == '\\')
			return gc_node_error(err, key,
					     "bad %s id: it may not contain spaces, quotes, "
					     "backslashes or control characters (it labels the "
					     "component's metrics and log lines)", gc_kind_name(kind));
	memcpy(type_name, key->value, tlen);
	type_name[tlen] = '\0';
	out->type = gc_component_find(kind, type_name);
	if (!out->type) {
		known_types(kind, known, sizeof(known));
		return gc_node_error(err, key, "unknown %s type '%s' (known: %s)", gc_kind_name(kind),
				     type_name, known);
	}
	out->id = key->value;
	out->node = value;
	out->options = gc_arena_alloc(c->arena, out->type->config_size ? out->type->config_size : 1);
	if (!out->options)
		return gc_set_err(err, "%s: out of memory", out->id);
	memset(out->options, 0, out->type->config_size);
	if (gc_options_load(out->type->options, out->options, value, out->id, c->arena, err))
		return GC_ERROR;
	if (kind == GC_KIND_EXPORTER &&
	    gc_exporter_settings_validate(out->options, value ? value : key, out->id, err))
		return GC_ERROR;
	if (out->type->validate &&
	    out->type->validate(out->options, value ? value : key, out->id, err))
		return GC_ERROR;
	return GC_OK;
}

static int load_section(struct gc_config *c, enum gc_kind kind, struct gc_node *node, char **err)
{
	if (node->kind == GC_NODE_NULL)
		return GC_OK;
	if (node->kind != GC_NODE_MAP)
		return gc_node_error(err, node, "'%s' must be a map of component ids",
				     gc_kind_section(kind));
	c->n_components[kind] = node->n;
	c->components[kind] = gc_arena_alloc(c->arena, (node->n + 1) * sizeof(**c->components));
	if (!c->components[kind])
		return gc_set_err(err, "out of memory");
	memset(c->components[kind], 0, (node->n + 1) * sizeof(**c->components));
	for (size_t i = 0; i < node->n; i++) {
		if (load_component(c, kind, node->keys[i], node->items[i],
				   &c->components[kind][i], err))
			return GC_ERROR;
		/* "otlp" and "otlp_grpc" name one type; their ids must not collide. */
		for (size_t j = 0; j < i; j++)
			if (!strcmp(c->components[kind][j].id, node->keys[i]->value))
				return gc_node_error(err, node->keys[i], "duplicate %s id '%s'",
						     gc_kind_name(kind), node->keys[i]->value);
	}
	return GC_OK;
}

static struct gc_component_config *find_component(struct gc_config *c, enum gc_kind kind,
						  const char *id)
{
	for (size_t i = 0; i < c->n_components[kind]; i++)
		if (!strcmp(c->components[kind][i].id, id))
			return &c->components[kind][i];
	return NULL;
}

/* Resolves a list of component ids (e.g. a pipeline's exporters). */
static int resolve_ids(struct gc_config *c, enum gc_kind kind, struct gc_node *list,
		       const char *owner, int signal, struct gc_component_config ***out,
		       size_t *n, char **err)
{
	if (!list || list->kind == GC_NODE_NULL) {
		*n = 0;
		return GC_OK;
	}
	if (list->kind != GC_NODE_SEQ)
		return gc_node_error(err, list, "%s: '%s' must be a list of %s ids", owner,
				     gc_kind_section(kind), gc_kind_name(kind));
	*n = list->n;
	*out = gc_arena_alloc(c->arena, (list->n + 1) * sizeof(**out));
	if (!*out)
		return gc_set_err(err, "out of memory");
	for (size_t i = 0; i < list->n; i++) {
		struct gc_node *item = list->items[i];
		struct gc_component_config *comp;

		if (item->kind != GC_NODE_SCALAR)
			return gc_node_error(err, item, "%s: expected a %s id", owner,
					     gc_kind_name(kind));
		comp = find_component(c, kind, item->value);
		if (!comp)
			return gc_node_error(err, item,
					     "%s references %s '%s', which is not defined under '%s'",
					     owner, gc_kind_name(kind), item->value,
					     gc_kind_section(kind));
		if (signal >= 0 && !(comp->type->signals & GC_SIGNAL_BIT(signal)))
			return gc_node_error(err, item, "%s: %s '%s' does not support %s", owner,
					     gc_kind_name(kind), item->value,
					     gc_signal_name((enum gc_signal)signal));
		for (size_t j = 0; j < i; j++) {
			if ((*out)[j] == comp)
				return gc_node_error(err, item, "%s lists '%s' twice", owner,
						     item->value);
			if (comp->type->before_holders && (*out)[j]->type->holds_data)
				return gc_node_error(err, item,
						     "%s: processor '%s' must come before '%s' "
						     "('%s' holds data and emits batches whose "
						     "resources are shared with others)",
						     owner, item->value, (*out)[j]->id,
						     (*out)[j]->id);
		}
		(*out)[i] = comp;
	}
	return GC_OK;
}

static int load_pipeline(struct gc_config *c, struct gc_node *key, struct gc_node *value,
			 struct gc_pipeline_config *p, char **err)
{
	static const char *const keys[] = { "receivers", "processors", "exporters" };
	static const enum gc_kind kinds[] = { GC_KIND_RECEIVER, GC_KIND_PROCESSOR, GC_KIND_EXPORTER };
	struct gc_component_config ***lists[] = { &p->receivers, &p->processors, &p->exporters };
	size_t *counts[] = { &p->n_receivers, &p->n_processors, &p->n_exporters };
	const char *slash = strchr(key->value, '/');
	size_t tlen = slash ? (size_t)(slash - key->value) : strlen(key->value);
	int signal = -1;

	for (int s = 0; s < GC_SIGNAL_COUNT; s++)
		if (strlen(gc_signal_name(s)) == tlen && !strncmp(key->value, gc_signal_name(s), tlen))
			signal = s;
	if (signal < 0 || (slash && !slash[1]))
		return gc_node_error(err, key,
				     "bad pipeline id '%s': expected traces, logs or metrics, "
				     "optionally followed by /name", key->value);
	p->id = key->value;
	p->signal = (enum gc_signal)signal;
	p->node = value;
	if (value->kind != GC_NODE_MAP)
		return gc_node_error(err, value, "pipeline '%s' must be a map with receivers, "
				     "processors and exporters", p->id);
	for (size_t i = 0; i < value->n; i++) {
		int which = -1;

		for (int k = 0; k < 3; k++)
			if (!strcmp(value->keys[i]->value, keys[k]))
				which = k;
		if (which < 0)
			return gc_node_error(err, value->keys[i],
					     "pipeline '%s': unknown key '%s' (valid keys: receivers, "
					     "processors, exporters)", p->id, value->keys[i]->value);
	}
	for (int k = 0; k < 3; k++) {
		char owner[160];

		snprintf(owner, sizeof(owner), "pipeline '%s'", p->id);
		if (resolve_ids(c, kinds[k], gc_node_get(value, keys[k]), owner, signal, lists[k],
				counts[k], err))
			return GC_ERROR;
	}
	if (!p->n_receivers)
		return gc_node_error(err, key, "pipeline '%s' needs at least one receiver", p->id);
	if (!p->n_exporters)
		return gc_node_error(err, key, "pipeline '%s' needs at least one exporter", p->id);
	return GC_OK;
}

static int load_service(struct gc_config *c, struct gc_node *service, struct gc_node *root,
			char **err)
{
	struct gc_node *pipelines, *ext;
	struct gc_node scalars;

	if (!service)
		return gc_node_error(err, root, "missing 'service' section with pipelines");
	if (service->kind != GC_NODE_MAP)
		return gc_node_error(err, service, "'service' must be a map");
	/* Load the option-table part from a view without pipelines/extensions. */
	scalars = *service;
	scalars.keys = gc_arena_alloc(c->arena, (service->n + 1) * sizeof(*scalars.keys));
	scalars.items = gc_arena_alloc(c->arena, (service->n + 1) * sizeof(*scalars.items));
	if (!scalars.keys || !scalars.items)
		return gc_set_err(err, "out of memory");
	scalars.n = 0;
	for (size_t i = 0; i < service->n; i++) {
		if (!strcmp(service->keys[i]->value, "pipelines") ||
		    !strcmp(service->keys[i]->value, "extensions"))
			continue;
		if (!strcmp(service->keys[i]->value, "telemetry") ||
		    !strcmp(service->keys[i]->value, "shutdown_timeout")) {
			scalars.keys[scalars.n] = service->keys[i];
			scalars.items[scalars.n++] = service->items[i];
			continue;
		}
		return gc_node_error(err, service->keys[i],
				     "service: unknown key '%s' (valid keys: extensions, pipelines, "
				     "telemetry, shutdown_timeout)", service->keys[i]->value);
	}
	if (gc_options_load(service_options, &c->service, &scalars, "service", c->arena, err))
		return GC_ERROR;
	ext = gc_node_get(service, "extensions");
	if (resolve_ids(c, GC_KIND_EXTENSION, ext, "service", -1, &c->extensions, &c->n_extensions,
			err))
		return GC_ERROR;
	pipelines = gc_node_get(service, "pipelines");
	if (!pipelines || pipelines->kind != GC_NODE_MAP || pipelines->n == 0)
		return gc_node_error(err, pipelines ? pipelines : service,
				     "service: 'pipelines' must define at least one pipeline");
	c->n_pipelines = pipelines->n;
	c->pipelines = gc_arena_alloc(c->arena, pipelines->n * sizeof(*c->pipelines));
	if (!c->pipelines)
		return gc_set_err(err, "out of memory");
	memset(c->pipelines, 0, pipelines->n * sizeof(*c->pipelines));
	for (size_t i = 0; i < pipelines->n; i++)
		if (load_pipeline(c, pipelines->keys[i], pipelines->items[i], &c->pipelines[i], err))
			return GC_ERROR;
	return GC_OK;
}

int gc_config_parse(const char *text, size_t len, const char *file, struct gc_config **out,
		    char **err)
{
	struct gc_config *c = calloc(1, sizeof(*c));
	struct gc_node *root;

	*out = NULL;
	if (!c || !(c->arena = gc_arena_create(64 * 1024))) {
		free(c);
		return gc_set_err(err, "out of memory");
	}
	c->file = gc_arena_strdup(c->arena, file);
	if (!c->file) {
		gc_set_err(err, "out of memory");
		goto fail;
	}
	root = gc_yaml_parse(text, len, file, c->arena, err);
	if (!root)
		goto fail;
	if (root->kind != GC_NODE_MAP) {
		gc_node_error(err, root, "the config must be a map with receivers, exporters and "
			      "service sections");
		goto fail;
	}
	for (size_t i = 0; i < root->n; i++) {
		const char *k = root->keys[i]->value;
		int kind = find_kind(k);
		bool known = false;

		for (const char *const *t = top_keys; *t; t++)
			known |= !strcmp(*t, k);
		if (!known) {
			gc_node_error(err, root->keys[i],
				      "unknown top-level key '%s' (valid keys: receivers, processors, "
				      "exporters, extensions, service)", k);
			goto fail;
		}
		if (kind >= 0 && load_section(c, (enum gc_kind)kind, root->items[i], err))
			goto fail;
	}
	if (load_service(c, gc_node_get(root, "service"), root, err))
		goto fail;
	*out = c;
	return GC_OK;
fail:
	gc_config_free(c);
	return GC_ERROR;
}

char *gc_read_file(const char *path, size_t *len, char **err)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t cap = 0, n;
	struct stat st;

	*len = 0;
	if (!f) {
		gc_set_err(err, "%s: cannot open config: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		gc_set_err(err, "%s: cannot read config: %s", path, strerror(EISDIR));
		fclose(f);
		return NULL;
	}
	do {
		if (*len + 4096 > cap) {
			char *p = realloc(text, cap = (cap ? cap * 2 : 8192));

			if (!p) {
				free(text);
				fclose(f);
				gc_set_err(err, "out of memory");
				return NULL;
			}
			text = p;
		}
		n = fread(text + *len, 1, cap - *len - 1, f);
		*len += n;
	} while (n > 0);
	if (ferror(f)) {
		gc_set_err(err, "%s: cannot read config: %s", path, strerror(errno));
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	text[*len] = '\0';
	return text;
}

int gc_config_load_file(const char *path, struct gc_config **out, char **err)
{
	size_t len;
	char *text = gc_read_file(path, &len, err);
	int rc;

	*out = NULL;
	if (!text)
		return GC_ERROR;
	rc = gc_config_parse(text, len, path, out, err);
	free(text);
	return rc;
}

int gc_config_load_default(struct gc_config **out, char **err)
{
	return gc_config_parse(gc_default_config, gc_default_config_len, "<embedded default.yaml>",
			       out, err);
}

void gc_config_retain(struct gc_config *config)
{
	config->extra_refs++;
}

void gc_config_free(struct gc_config *config)
{
	if (!config)
		return;
	if (config->extra_refs > 0) {
		config->extra_refs--;
		return;
	}
	gc_arena_destroy(config->arena);
	free(config);
}

bool gc_node_equal(const struct gc_node *a, const struct gc_node *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind || a->n != b->n || a->quoted != b->quoted)
		return false;
	if ((a->value || b->value) && (!a->value || !b->value || strcmp(a->value, b->value)))
		return false;
	for (size_t i = 0; i < a->n; i++)
		if ((a->keys && !gc_node_equal(a->keys[i], b->keys[i])) ||
		    (a->items && !gc_node_equal(a->items[i], b->items[i])))
			return false;
	return true;
}
