/* Component options declared as data. One row per option: name, type, where it
 * goes in the component's config struct, default, bounds, help. The same loader
 * applies defaults, validates, rejects unknown keys (listing the valid ones) and
 * prints `genai-collector components`, so every component behaves alike. */
#ifndef GC_OPTIONS_H
#define GC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "yaml_tree.h"

enum gc_opt_type {
	GC_OPT_BOOL,	 /* bool */
	GC_OPT_INT,	 /* int64_t */
	GC_OPT_DOUBLE,	 /* double */
	GC_OPT_STRING,	 /* char * (NULL when unset and no default) */
	GC_OPT_DURATION, /* int64_t nanoseconds: "250ms", "5s", "1m30s", "720h" */
	GC_OPT_BYTES,	 /* int64_t bytes: "512KiB", "16MiB", "1GB", 1048576 */
	GC_OPT_STRLIST,	 /* struct gc_strlist */
	GC_OPT_STRMAP,	 /* struct gc_strmap */
	GC_OPT_SECTION,	 /* nested options in sub */
	GC_OPT_NODE,	 /* const struct gc_node *: the YAML as written, for the component
			  * to read itself (the node lives as long as the config) */
};

struct gc_strlist {
	size_t n;
	char **v;
};

struct gc_strmap {
	size_t n;
	char **keys;
	char **values;
};

#define GC_OPT_NO_PRESENT ((size_t)-1)

struct gc_option {
	const char *name;
	enum gc_opt_type type;
	size_t offset;
	const char *def;     /* default written as in YAML; NULL: zero / unset */
	double min, max;     /* inclusive bounds for numbers, sizes and durations
			      * (nanoseconds); both 0: unbounded */
	const char *help;
	const struct gc_option *sub;  /* GC_OPT_SECTION: its options */
	size_t present;		      /* GC_OPT_SECTION: offset of a bool set when the
				       * section appears, or GC_OPT_NO_PRESENT */
	const char *const *choices;   /* GC_OPT_STRING: allowed values, NULL-terminated */
};

/* Fills cfg with every option's default, then with the values in node (a map,
 * or NULL / a null node for "all defaults"). Strings go into arena. Errors name
 * file:line:col and the component id. Returns GC_OK or GC_ERROR. */
int gc_options_load(const struct gc_option *opts, void *cfg, const struct gc_node *node,
		    const char *component, gc_arena *arena, char **err);

/* Parsers shared with the rest of the config code. Return 0 or -1. */
int gc_parse_duration(const char *s, int64_t *out_ns);
int gc_parse_bytes(const char *s, int64_t *out);
int gc_parse_bool(const char *s, bool *out);

/* Writes the option table as an indented reference. */
void gc_options_print(FILE *out, const struct gc_option *opts, int indent);

#endif
