#include "yaml_tree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common.h"

#define MAX_DEPTH 64

struct anchor {
	char *name;
	struct gc_node *node;
	struct anchor *next;
};

struct builder {
	yaml_parser_t parser;
	gc_arena *arena;
	const char *file;
	struct anchor *anchors;
	char **err;
};

const char *gc_node_kind_name(enum gc_node_kind kind)
{
	switch (kind) {
	case GC_NODE_NULL:
		return "null";
	case GC_NODE_SCALAR:
		return "a scalar";
	case GC_NODE_MAP:
		return "a map";
	case GC_NODE_SEQ:
		return "a list";
	}
	return "?";
}

int gc_node_error(char **err, const struct gc_node *node, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (node)
		return gc_set_err(err, "%s:%d:%d: %s", node->file, node->line, node->col, msg);
	return gc_set_err(err, "%s", msg);
}

struct gc_node *gc_node_get(const struct gc_node *map, const char *key)
{
	if (!map || map->kind != GC_NODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->value, key) == 0)
			return map->items[i];
	return NULL;
}

/* Appends len bytes to a growing heap buffer. */
struct strbuf {
	char *p;
	size_t len, cap;
};

static int sb_put(struct strbuf *b, const char *s, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char *p;

		while (cap < b->len + len + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

/* Expands one ${...} reference whose body is [body, body+len). */
static int expand_ref(struct strbuf *out, const char *body, size_t len, char **err)
{
	char name[256];
	const char *def = NULL;
	size_t name_len = len, def_len = 0;
	const char *val;

	if (len > 4 && strncmp(body, "env:", 4) == 0) {
		body += 4;
		len -= 4;
		name_len = len;
	}
	for (size_t i = 0; i + 1 < len; i++) {
		if (body[i] == ':' && body[i + 1] == '-') {
			name_len = i;
			def = body + i + 2;
			def_len = len - i - 2;
			break;
		}
	}
	if (name_len == 0 || name_len >= sizeof(name))
		return gc_set_err(err, "bad environment reference '${%.*s}'", (int)len, body);
	for (size_t i = 0; i < name_len; i++) {
		char c = body[i];

		if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (i > 0 && c >= '0' && c <= '9')))
			return gc_set_err(err, "bad environment variable name '%.*s'",
					  (int)name_len, body);
	}
	memcpy(name, body, name_len);
	name[name_len] = '\0';
	val = getenv(name);
	if (val && (*val || !def))
		return sb_put(out, val, strlen(val)) ? GC_ERROR : GC_OK;
	if (def)
		return sb_put(out, def, def_len) ? GC_ERROR : GC_OK;
	return GC_OK; /* unset without default: empty, as otelcol does */
}

char *gc_env_expand(const char *s, gc_arena *arena, char **err)
{
	struct strbuf out = { 0 };
	char *res = NULL;
	const char *p = s;

	if (!strchr(s, '$'))
		return gc_arena_strdup(arena, s);
	while (*p) {
		const char *dollar = strchr(p, '$');

		if (!dollar) {
			if (sb_put(&out, p, strlen(p)))
				goto done;
			break;
		}
		if (sb_put(&out, p, (size_t)(dollar - p)))
			goto done;
		if (dollar[1] == '$') {
			if (sb_put(&out, "$", 1))
				goto done;
			p = dollar + 2;
		} else if (dollar[1] == '{') {
			const char *close = strchr(dollar + 2, '}');

			if (!close) {
				gc_set_err(err, "unterminated '${' in '%s'", s);
				goto done;
			}
			if (expand_ref(&out, dollar + 2, (size_t)(close - dollar - 2), err))
				goto done;
			p = close + 1;
		} else {
			if (sb_put(&out, "$", 1))
				goto done;
			p = dollar + 1;
		}
	}
	res = gc_arena_strdup(arena, out.p ? out.p : "");
done:
	free(out.p);
	return res;
}

/* Reports that memory ran out while building the tree; returns NULL. */
static struct gc_node *out_of_memory(struct builder *b)
{
	gc_set_err(b->err, "%s: out of memory", b->file);
	return NULL;
}

/* A node at mark, or NULL with *b->err when out of memory. */
static struct gc_node *node_new(struct builder *b, enum gc_node_kind kind, yaml_mark_t mark)
{
	struct gc_node *n = gc_arena_alloc(b->arena, sizeof(*n));

	if (!n)
		return out_of_memory(b);
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->file = b->file;
	n->line = (int)mark.line + 1;
	n->col = (int)mark.column + 1;
	return n;
}

/* Records node under the anchor name (none when name is NULL). GC_OK, or
 * GC_ERROR with *b->err when out of memory. */
static int remember_anchor(struct builder *b, const yaml_char_t *name, struct gc_node *node)
{
	struct anchor *a;

	if (!name)
		return GC_OK;
	a = gc_arena_alloc(b->arena, sizeof(*a));
	if (!a || !(a->name = gc_arena_strdup(b->arena, (const char *)name))) {
		out_of_memory(b);
		return GC_ERROR;
	}
	a->node = node;
	a->next = b->anchors;
	b->anchors = a;
	return GC_OK;
}

static int parse_error(struct builder *b)
{
	yaml_parser_t *p = &b->parser;
	yaml_mark_t m = p->problem ? p->problem_mark : p->context_mark;

	if (p->error == YAML_MEMORY_ERROR)
		return gc_set_err(b->err, "%s: out of memory", b->file);
	return gc_set_err(b->err, "%s:%zu:%zu: invalid YAML: %s%s%s", b->file, m.line + 1,
			  m.column + 1, p->problem ? p->problem : "parse error",
			  p->context ? " " : "", p->context ? p->context : "");
}

/* Growing child arrays are built on the heap and copied into the arena once
 * the collection ends. */
struct children {
	struct gc_node **keys, **items;
	size_t n, cap;
};

static int children_push(struct children *c, struct gc_node *key, struct gc_node *item)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		struct gc_node **k = realloc(c->keys, cap * sizeof(*k));

		if (!k)
			return -1;
		c->keys = k;
		struct gc_node **it = realloc(c->items, cap * sizeof(*it));

		if (!it)
			return -1;
		c->items = it;
		c->cap = cap;
	}
	c->keys[c->n] = key;
	c->items[c->n] = item;
	c->n++;
	return 0;
}

static struct gc_node *parse_node(struct builder *b, yaml_event_t *ev, int depth);

/* Copies the children into the arena; the heap arrays stay the caller's.
 * GC_OK, or GC_ERROR with *b->err when out of memory. */
static int finish_children(struct builder *b, struct gc_node *n, struct children *c)
{
	n->n = c->n;
	if (!c->n)
		return GC_OK;
	n->items = gc_arena_alloc(b->arena, c->n * sizeof(*n->items));
	if (!n->items)
		goto fail;
	memcpy(n->items, c->items, c->n * sizeof(*n->items));
	if (n->kind == GC_NODE_MAP) {
		n->keys = gc_arena_alloc(b->arena, c->n * sizeof(*n->keys));
		if (!n->keys)
			goto fail;
		memcpy(n->keys, c->keys, c->n * sizeof(*n->keys));
	}
	return GC_OK;
fail:
	out_of_memory(b);
	return GC_ERROR;
}

/* Reads events until the collection opened by start ends. */
static struct gc_node *parse_collection(struct builder *b, yaml_event_t *start, int depth)
{
	bool is_map = start->type == YAML_MAPPING_START_EVENT;
	struct gc_node *n = node_new(b, is_map ? GC_NODE_MAP : GC_NODE_SEQ, start->start_mark);
	struct children c = { 0 };
	yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;

	if (!n || remember_anchor(b, is_map ? start->data.mapping_start.anchor
					    : start->data.sequence_start.anchor, n))
		return NULL;
	for (;;) {
		yaml_event_t ev;
		struct gc_node *key = NULL, *item;

		if (!yaml_parser_parse(&b->parser, &ev)) {
			parse_error(b);
			goto fail;
		}
		if (ev.type == end) {
			yaml_event_delete(&ev);
			break;
		}
		if (is_map) {
			key = parse_node(b, &ev, depth + 1);
			yaml_event_delete(&ev);
			if (!key)
				goto fail;
			if (key->kind != GC_NODE_SCALAR) {
				gc_node_error(b->err, key, "map keys must be plain strings");
				goto fail;
			}
			for (size_t i = 0; i < c.n; i++) {
				if (strcmp(c.keys[i]->value, key->value) == 0) {
					gc_node_error(b->err, key, "duplicate key '%s' (first at line %d)",
						      key->value, c.keys[i]->line);
					goto fail;
				}
			}
			if (!yaml_parser_parse(&b->parser, &ev)) {
				parse_error(b);
				goto fail;
			}
		}
		item = parse_node(b, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!item)
			goto fail;
		if (children_push(&c, key, item)) {
			out_of_memory(b);
			goto fail;
		}
	}
	if (finish_children(b, n, &c))
		goto fail;
	free(c.keys);
	free(c.items);
	return n;
fail:
	free(c.keys);
	free(c.items);
	return NULL;
}

static struct gc_node *parse_scalar(struct builder *b, yaml_event_t *ev)
{
	const char *text = (const char *)ev->data.scalar.value;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	struct gc_node *n;

	if (plain && (!*text || !strcmp(text, "~") || !strcmp(text, "null") ||
		      !strcmp(text, "Null") || !strcmp(text, "NULL"))) {
		n = node_new(b, GC_NODE_NULL, ev->start_mark);
		if (!n)
			return NULL;
	} else {
		char *msg = NULL;

		n = node_new(b, GC_NODE_SCALAR, ev->start_mark);
		if (!n)
			return NULL;
		n->quoted = !plain;
		n->value = gc_env_expand(text, b->arena, &msg);
		if (!n->value) {
			gc_node_error(b->err, n, "%s", msg ? msg : "out of memory");
			free(msg);
			return NULL;
		}
	}
	if (remember_anchor(b, ev->data.scalar.anchor, n))
		return NULL;
	return n;
}

static struct gc_node *parse_node(struct builder *b, yaml_event_t *ev, int depth)
{
	if (depth > MAX_DEPTH) {
		gc_set_err(b->err, "%s:%zu:%zu: nesting deeper than %d levels", b->file,
			   ev->start_mark.line + 1, ev->start_mark.column + 1, MAX_DEPTH);
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return parse_scalar(b, ev);
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		return parse_collection(b, ev, depth);
	case YAML_ALIAS_EVENT:
		for (struct anchor *a = b->anchors; a; a = a->next)
			if (strcmp(a->name, (const char *)ev->data.alias.anchor) == 0)
				return a->node;
		gc_set_err(b->err, "%s:%zu:%zu: unknown alias '*%s'", b->file,
			   ev->start_mark.line + 1, ev->start_mark.column + 1,
			   (const char *)ev->data.alias.anchor);
		return NULL;
	default:
		gc_set_err(b->err, "%s:%zu:%zu: unexpected YAML event", b->file,
			   ev->start_mark.line + 1, ev->start_mark.column + 1);
		return NULL;
	}
}

struct gc_node *gc_yaml_parse(const char *text, size_t len, const char *file, gc_arena *arena,
			      char **err)
{
	struct builder b = { .arena = arena, .file = gc_arena_strdup(arena, file), .err = err };
	struct gc_node *root = NULL;
	yaml_event_t ev;
	bool in_doc = false;

	if (!b.file) {
		gc_set_err(err, "%s: out of memory", file);
		return NULL;
	}
	if (!yaml_parser_initialize(&b.parser)) {
		gc_set_err(err, "%s: out of memory", file);
		return NULL;
	}
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_parse(&b.parser, &ev)) {
			parse_error(&b);
			root = NULL;
			goto out;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			if (root) {
				gc_set_err(err, "%s:%zu:%zu: only one YAML document is allowed",
					   b.file, ev.start_mark.line + 1,
					   ev.start_mark.column + 1);
				yaml_event_delete(&ev);
				goto out_fail;
			}
			in_doc = true;
		} else if (ev.type == YAML_DOCUMENT_END_EVENT) {
			in_doc = false;
		} else if (in_doc && !root) {
			root = parse_node(&b, &ev, 0);
			if (!root) {
				yaml_event_delete(&ev);
				goto out;
			}
		}
		yaml_event_delete(&ev);
	}
	if (!root) {
		yaml_mark_t m = { 0 };

		root = node_new(&b, GC_NODE_NULL, m); /* NULL with *err when out of memory */
	}
	goto out;
out_fail:
	root = NULL;
out:
	yaml_parser_delete(&b.parser);
	return root;
}
