/* YAML parsed by libyaml into a tree whose every node remembers its file, line
 * and column, so every config error can point at the text that caused it.
 * All nodes and strings live in the arena passed to gc_yaml_parse. */
#ifndef GC_YAML_TREE_H
#define GC_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

enum gc_node_kind { GC_NODE_NULL, GC_NODE_SCALAR, GC_NODE_MAP, GC_NODE_SEQ };

struct gc_node {
	enum gc_node_kind kind;
	const char *file;
	int line, col; /* 1-based */
	char *value;   /* scalars: text after ${env:...} expansion */
	bool quoted;   /* scalars: written in quotes (so "null" stays a string) */
	size_t n;
	struct gc_node **keys;	/* maps: key scalars */
	struct gc_node **items; /* maps: values; sequences: items */
};

/* Parses one YAML document. Returns the root (a NULL-kind node for an empty
 * document) or NULL with "file:line:col: message" in *err. */
struct gc_node *gc_yaml_parse(const char *text, size_t len, const char *file, gc_arena *arena,
			      char **err);

/* Expands ${env:VAR}, ${env:VAR:-default}, ${VAR} and $$ in s. Returns an
 * arena string, or NULL with a message in *err (without position), or with
 * none when out of memory. */
char *gc_env_expand(const char *s, gc_arena *arena, char **err);

/* Value for key in a map node, or NULL (also when map is not a map). */
struct gc_node *gc_node_get(const struct gc_node *map, const char *key);

/* "file:line:col: " + message into *err. Returns GC_ERROR. */
int gc_node_error(char **err, const struct gc_node *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

const char *gc_node_kind_name(enum gc_node_kind kind);

#endif
