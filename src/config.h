/* A loaded and validated configuration: otelcol-shaped YAML turned into one
 * option struct per component and a list of pipelines. Everything lives in the
 * config's arena and dies with gc_config_free. */
#ifndef GC_CONFIG_H
#define GC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "component.h"

struct gc_component_config {
	char *id; /* "type" or "type/name" as written */
	const struct gc_component_type *type;
	void *options; /* the type's config struct */
	const struct gc_node *node;
};

struct gc_pipeline_config {
	char *id; /* "traces" or "traces/name" */
	enum gc_signal signal;
	const struct gc_node *node;
	size_t n_receivers, n_processors, n_exporters;
	struct gc_component_config **receivers, **processors, **exporters;
};

struct gc_service_settings {
	struct {
		struct {
			char *address; /* empty: no /metrics endpoint */
			char *level;
		} metrics;
		struct {
			char *level;
		} logs;
	} telemetry;
	int64_t shutdown_timeout; /* ns: grace period to drain on stop */
};

struct gc_config {
	gc_arena *arena;
	const char *file;
	size_t n_components[GC_KIND_COUNT];
	struct gc_component_config *components[GC_KIND_COUNT];
	size_t n_pipelines;
	struct gc_pipeline_config *pipelines;
	size_t n_extensions; /* service.extensions, in order */
	struct gc_component_config **extensions;
	struct gc_service_settings service;
	int extra_refs; /* holders besides the first (gc_config_retain) */
};

/* Parses and validates YAML text; file names it in errors. Returns GC_OK with
 * *out, or GC_ERROR with "file:line:col: message" in *err. */
int gc_config_parse(const char *text, size_t len, const char *file, struct gc_config **out,
		    char **err);

/* Reads a whole file into a NUL-terminated heap buffer. */
char *gc_read_file(const char *path, size_t *len, char **err);

/* Reads and parses a file. */
int gc_config_load_file(const char *path, struct gc_config **out, char **err);

/* The embedded config/default.yaml. */
int gc_config_load_default(struct gc_config **out, char **err);

/* A component kept across a reload still points into the config it was made
 * from, so the config lives until its last holder lets go: retain adds a
 * holder, free drops one and frees with the last. Main thread only. */
void gc_config_retain(struct gc_config *config);
void gc_config_free(struct gc_config *config);

/* True when a and b are the same YAML (after ${env:} expansion): a component
 * whose config node is unchanged keeps running across a reload. */
bool gc_node_equal(const struct gc_node *a, const struct gc_node *b);

#endif
