#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define FIELD(cfg, opt, T) ((T *)((char *)(cfg) + (opt)->offset))

int gc_parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
		*out = false;
		return 0;
	}
	return -1;
}

/* Reads a plain decimal number (digits, optional fraction) at *p, as Go's
 * duration and size syntax has it: no sign, exponent or hex. */
static int parse_decimal(const char **p, double *out)
{
	const char *start = *p, *q = *p;
	char buf[64];
	bool digits = false;

	while (isdigit((unsigned char)*q)) {
		q++;
		digits = true;
	}
	if (*q == '.') {
		q++;
		while (isdigit((unsigned char)*q)) {
			q++;
			digits = true;
		}
	}
	if (!digits || (size_t)(q - start) >= sizeof(buf))
		return -1;
	memcpy(buf, start, (size_t)(q - start));
	buf[q - start] = '\0';
	*out = strtod(buf, NULL);
	*p = q;
	return 0;
}

int gc_parse_duration(const char *s, int64_t *out_ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 },
		{ "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
	};
	double total = 0;
	const char *p = s;

	if (!strcmp(s, "0")) {
		*out_ns = 0;
		return 0;
	}
	if (!*p)
		return -1;
	while (*p) {
		double v;
		size_t best = 0, best_len = 0;

		if (parse_decimal(&p, &v))
			return -1;
		/* Longest unit match, so "ms" wins over "m". */
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);

			if (l > best_len && strncmp(p, units[i].unit, l) == 0) {
				best = i;
				best_len = l;
			}
		}
		if (!best_len)
			return -1;
		total += v * units[best].ns;
		p += best_len;
	}
	if (total > 9.2e18)
		return -1;
	*out_ns = (int64_t)llround(total);
	return 0;
}

int gc_parse_bytes(const char *s, int64_t *out)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {
		{ "", 1 }, { "B", 1 }, { "KB", 1e3 }, { "MB", 1e6 }, { "GB", 1e9 },
		{ "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
		{ "K", 1024.0 }, { "M", 1048576.0 }, { "G", 1073741824.0 },
	};
	const char *end = s;
	double v;

	if (parse_decimal(&end, &v))
		return -1;
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			double total = v * units[i].mult;

			if (total > 9.2e18)
				return -1;
			*out = (int64_t)llround(total);
			return 0;
		}
	}
	return -1;
}

static int parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end || errno)
		return -1;
	*out = v;
	return 0;
}

static int parse_double(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

static const char *type_name(enum gc_opt_type t)
{
	switch (t) {
	case GC_OPT_BOOL:
		return "bool";
	case GC_OPT_INT:
		return "int";
	case GC_OPT_DOUBLE:
		return "number";
	case GC_OPT_STRING:
		return "string";
	case GC_OPT_DURATION:
		return "duration";
	case GC_OPT_BYTES:
		return "size";
	case GC_OPT_STRLIST:
		return "list of strings";
	case GC_OPT_STRMAP:
		return "map of strings";
	case GC_OPT_SECTION:
		return "section";
	case GC_OPT_NODE:
		return "yaml";
	}
	return "?";
}

static const char *expected(enum gc_opt_type t)
{
	switch (t) {
	case GC_OPT_BOOL:
		return "true or false";
	case GC_OPT_INT:
		return "an integer";
	case GC_OPT_DOUBLE:
		return "a number";
	case GC_OPT_STRING:
		return "a string";
	case GC_OPT_DURATION:
		return "a duration such as 500ms, 5s, 1m30s or 24h";
	case GC_OPT_BYTES:
		return "a size such as 1048576, 512KiB or 16MiB";
	case GC_OPT_STRLIST:
		return "a list of strings";
	case GC_OPT_STRMAP:
		return "a map of string keys to string values";
	case GC_OPT_SECTION:
		return "a map";
	case GC_OPT_NODE:
		return "a value";
	}
	return "?";
}

static bool has_bounds(const struct gc_option *o)
{
	return o->min != 0 || o->max != 0;
}

static void format_bound(char *buf, size_t len, const struct gc_option *o, double v)
{
	if (o->type == GC_OPT_DURATION) {
		if (v >= 1e9 && fmod(v, 1e9) == 0)
			snprintf(buf, len, "%.0fs", v / 1e9);
		else
			snprintf(buf, len, "%.0fms", v / 1e6);
	} else {
		snprintf(buf, len, v == (double)(long long)v ? "%.0f" : "%g", v);
	}
}

static int check_bounds(const struct gc_option *o, double v, const struct gc_node *n,
			const char *comp, char **err)
{
	char lo[32], hi[32];

	if (!has_bounds(o) || (v >= o->min && v <= o->max))
		return GC_OK;
	format_bound(lo, sizeof(lo), o, o->min);
	format_bound(hi, sizeof(hi), o, o->max);
	return gc_node_error(err, n, "%s: '%s' must be between %s and %s", comp, o->name, lo, hi);
}

/* Parses one scalar text into the field. n is NULL for defaults. */
static int set_scalar(const struct gc_option *o, void *cfg, const char *text,
		      const struct gc_node *n, const char *comp, gc_arena *arena, char **err)
{
	int64_t i64;
	double d;
	bool b;

	switch (o->type) {
	case GC_OPT_BOOL:
		if (gc_parse_bool(text, &b))
			goto bad;
		*FIELD(cfg, o, bool) = b;
		return GC_OK;
	case GC_OPT_INT:
		if (parse_int(text, &i64))
			goto bad;
		*FIELD(cfg, o, int64_t) = i64;
		return check_bounds(o, (double)i64, n, comp, err);
	case GC_OPT_DOUBLE:
		if (parse_double(text, &d))
			goto bad;
		*FIELD(cfg, o, double) = d;
		return check_bounds(o, d, n, comp, err);
	case GC_OPT_DURATION:
		if (gc_parse_duration(text, &i64))
			goto bad;
		*FIELD(cfg, o, int64_t) = i64;
		return check_bounds(o, (double)i64, n, comp, err);
	case GC_OPT_BYTES:
		if (gc_parse_bytes(text, &i64))
			goto bad;
		*FIELD(cfg, o, int64_t) = i64;
		return check_bounds(o, (double)i64, n, comp, err);
	case GC_OPT_STRING:
		if (o->choices) {
			const char *const *c;
			char list[256] = "";

			for (c = o->choices; *c; c++)
				if (!strcmp(*c, text))
					break;
			if (!*c) {
				for (c = o->choices; *c; c++) {
					if (c != o->choices)
						strncat(list, ", ", sizeof(list) - strlen(list) - 1);
					strncat(list, *c, sizeof(list) - strlen(list) - 1);
				}
				return gc_node_error(err, n, "%s: '%s' must be one of: %s (got '%s')",
						     comp, o->name, list, text);
			}
		}
		*FIELD(cfg, o, char *) = gc_arena_strdup(arena, text);
		if (!*FIELD(cfg, o, char *))
			return gc_set_err(err, "%s: out of memory", comp);
		return GC_OK;
	default:
		break;
	}
bad:
	return gc_node_error(err, n, "%s: '%s' expects %s, got '%s'", comp, o->name,
			     expected(o->type), text);
}

static int apply_defaults(const struct gc_option *opts, void *cfg, const char *comp,
			  gc_arena *arena, char **err)
{
	for (const struct gc_option *o = opts; o->name; o++) {
		if (o->type == GC_OPT_SECTION) {
			if (apply_defaults(o->sub, (char *)cfg + o->offset, comp, arena, err))
				return GC_ERROR;
			continue;
		}
		if (o->def && set_scalar(o, cfg, o->def, NULL, comp, arena, err))
			return GC_ERROR;
	}
	return GC_OK;
}

static int load_strlist(const struct gc_option *o, void *cfg, const struct gc_node *n,
			const char *comp, gc_arena *arena, char **err)
{
	struct gc_strlist *l = FIELD(cfg, o, struct gc_strlist);

	if (n->kind == GC_NODE_NULL) {
		l->n = 0;
		l->v = NULL;
		return GC_OK;
	}
	if (n->kind != GC_NODE_SEQ)
		return gc_node_error(err, n, "%s: '%s' expects %s, got %s", comp, o->name,
				     expected(o->type), gc_node_kind_name(n->kind));
	l->n = n->n;
	l->v = gc_arena_alloc(arena, (n->n + 1) * sizeof(char *));
	if (!l->v)
		return gc_set_err(err, "%s: out of memory", comp);
	for (size_t i = 0; i < n->n; i++) {
		if (n->items[i]->kind != GC_NODE_SCALAR)
			return gc_node_error(err, n->items[i], "%s: '%s' items must be strings",
					     comp, o->name);
		l->v[i] = n->items[i]->value;
	}
	l->v[n->n] = NULL;
	return GC_OK;
}

static int load_strmap(const struct gc_option *o, void *cfg, const struct gc_node *n,
		       const char *comp, gc_arena *arena, char **err)
{
	struct gc_strmap *m = FIELD(cfg, o, struct gc_strmap);

	if (n->kind == GC_NODE_NULL) {
		m->n = 0;
		return GC_OK;
	}
	if (n->kind != GC_NODE_MAP)
		return gc_node_error(err, n, "%s: '%s' expects %s, got %s", comp, o->name,
				     expected(o->type), gc_node_kind_name(n->kind));
	m->n = n->n;
	m->keys = gc_arena_alloc(arena, (n->n + 1) * sizeof(char *));
	m->values = gc_arena_alloc(arena, (n->n + 1) * sizeof(char *));
	if (!m->keys || !m->values)
		return gc_set_err(err, "%s: out of memory", comp);
	for (size_t i = 0; i < n->n; i++) {
		if (n->items[i]->kind != GC_NODE_SCALAR)
			return gc_node_error(err, n->items[i], "%s: '%s.%s' must be a string",
					     comp, o->name, n->keys[i]->value);
		m->keys[i] = n->keys[i]->value;
		m->values[i] = n->items[i]->value;
	}
	return GC_OK;
}

static int load_map(const struct gc_option *opts, void *cfg, const struct gc_node *node,
		    const char *comp, gc_arena *arena, char **err);

static int unknown_key(const struct gc_option *opts, const struct gc_node *key,
		       const char *comp, char **err)
{
	char valid[512] = "";

	for (const struct gc_option *o = opts; o->name; o++) {
		if (o != opts)
			strncat(valid, ", ", sizeof(valid) - strlen(valid) - 1);
		strncat(valid, o->name, sizeof(valid) - strlen(valid) - 1);
	}
	return gc_node_error(err, key, "%s: unknown key '%s' (valid keys: %s)", comp, key->value,
			     opts->name ? valid : "none");
}

static int load_one(const struct gc_option *o, void *cfg, const struct gc_node *v,
		    const char *comp, gc_arena *arena, char **err)
{
	switch (o->type) {
	case GC_OPT_SECTION:
		if (o->present != GC_OPT_NO_PRESENT)
			*(bool *)((char *)cfg + o->present) = true;
		if (v->kind == GC_NODE_NULL)
			return GC_OK;
		if (v->kind != GC_NODE_MAP)
			return gc_node_error(err, v, "%s: '%s' expects a map, got %s", comp,
					     o->name, gc_node_kind_name(v->kind));
		return load_map(o->sub, (char *)cfg + o->offset, v, comp, arena, err);
	case GC_OPT_STRLIST:
		return load_strlist(o, cfg, v, comp, arena, err);
	case GC_OPT_STRMAP:
		return load_strmap(o, cfg, v, comp, arena, err);
	case GC_OPT_NODE:
		*FIELD(cfg, o, const struct gc_node *) = v;
		return GC_OK;
	default:
		if (v->kind == GC_NODE_NULL && o->type == GC_OPT_STRING) {
			*FIELD(cfg, o, char *) = NULL;
			return GC_OK;
		}
		if (v->kind != GC_NODE_SCALAR)
			return gc_node_error(err, v, "%s: '%s' expects %s, got %s", comp, o->name,
					     expected(o->type), gc_node_kind_name(v->kind));
		return set_scalar(o, cfg, v->value, v, comp, arena, err);
	}
}

static int load_map(const struct gc_option *opts, void *cfg, const struct gc_node *node,
		    const char *comp, gc_arena *arena, char **err)
{
	for (size_t i = 0; i < node->n; i++) {
		const struct gc_option *o;

		for (o = opts; o->name; o++)
			if (!strcmp(o->name, node->keys[i]->value))
				break;
		if (!o->name)
			return unknown_key(opts, node->keys[i], comp, err);
		if (load_one(o, cfg, node->items[i], comp, arena, err))
			return GC_ERROR;
	}
	return GC_OK;
}

int gc_options_load(const struct gc_option *opts, void *cfg, const struct gc_node *node,
		    const char *component, gc_arena *arena, char **err)
{
	if (apply_defaults(opts, cfg, component, arena, err))
		return GC_ERROR;
	if (!node || node->kind == GC_NODE_NULL)
		return GC_OK;
	if (node->kind != GC_NODE_MAP)
		return gc_node_error(err, node, "%s: expected a map of options, got %s", component,
				     gc_node_kind_name(node->kind));
	return load_map(opts, cfg, node, component, arena, err);
}

void gc_options_print(FILE *out, const struct gc_option *opts, int indent)
{
	for (const struct gc_option *o = opts; o->name; o++) {
		fprintf(out, "%*s%-24s %-10s", indent, "", o->name, type_name(o->type));
		if (o->def)
			fprintf(out, " default %s", o->def);
		if (has_bounds(o)) {
			char lo[32], hi[32];

			format_bound(lo, sizeof(lo), o, o->min);
			format_bound(hi, sizeof(hi), o, o->max);
			fprintf(out, " [%s..%s]", lo, hi);
		}
		if (o->choices) {
			fputs(" {", out);
			for (const char *const *c = o->choices; *c; c++)
				fprintf(out, "%s%s", c == o->choices ? "" : "|", *c);
			fputs("}", out);
		}
		if (o->help)
			fprintf(out, "  %s", o->help);
		fputc('\n', out);
		if (o->type == GC_OPT_SECTION)
			gc_options_print(out, o->sub, indent + 2);
	}
}
