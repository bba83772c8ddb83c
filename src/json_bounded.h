/* Parsing JSON from clients with a memory bound. jansson builds a tree of
 * 30-150 bytes per value, so a body of empty objects or arrays costs 20-50
 * times its size; every parse of client text goes through here so that cost
 * has a ceiling. */
#ifndef GC_JSON_BOUNDED_H
#define GC_JSON_BOUNDED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Routes jansson's allocations through the counting allocator. Call once
 * before threads start (main does); later calls do nothing. */
void gc_json_init(void);

/* jansson's tree of an OTLP/JSON request takes 10-12 times the text (19 with
 * one-letter keys); a body of empty objects takes 74. */
#define GC_JSON_PARSE_RATIO 24

/* json_loadb, refused once the parse has allocated more than
 * GC_JSON_PARSE_RATIO * len + GC_DECODE_SLACK bytes. Then NULL, with
 * *over_limit true (when over_limit is not NULL) and error's text saying so. */
json_t *gc_json_loadb(const char *text, size_t len, size_t flags, json_error_t *error,
		      bool *over_limit);

/* How many of jansson's allocations the system refused on the calling
 * thread (out of memory; a parse's bound does not count), since the thread
 * began. jansson answers such a failure with a NULL or a value left out, not
 * always visibly: code that builds JSON reads this before and after, and
 * treats a change as out of memory. Counts once gc_json_init has run. */
size_t gc_json_alloc_failures(void);

#endif
