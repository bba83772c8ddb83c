/* The span API: how processors read and change spans (DESIGN section 3).
 * Processors never touch protobuf-c structs. This version works on the batch's
 * decoded messages; a zero-copy representation can replace it underneath
 * without changing a processor.
 *
 * Strings are views (pointer and length, not NUL-terminated) valid while the
 * batch lives. Everything a processor sets is copied into the batch's arena,
 * so it is freed with the batch. A batch is changed only before it is shared
 * with exporters (processors run first), on one thread. */
#ifndef GC_SPAN_H
#define GC_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"

struct gc_str {
	const char *ptr;
	size_t len;
};

#define GC_STR(literal) ((struct gc_str){ (literal), sizeof(literal) - 1 })

bool gc_str_eq(struct gc_str a, struct gc_str b);

enum gc_value_type {
	GC_VALUE_EMPTY, /* attribute present without a value */
	GC_VALUE_STRING,
	GC_VALUE_BOOL,
	GC_VALUE_INT,
	GC_VALUE_DOUBLE,
	GC_VALUE_BYTES,
	GC_VALUE_ARRAY,
	GC_VALUE_KVLIST,
};

/* A read-only view of an attribute value. */
struct gc_value {
	enum gc_value_type type;
	struct gc_str str; /* STRING and BYTES */
	bool b;
	int64_t i;
	double d;
	const void *impl; /* ARRAY and KVLIST: read through the functions below */
};

size_t gc_value_len(const struct gc_value *v);	/* items of an ARRAY or KVLIST */
void gc_value_at(const struct gc_value *v, size_t i, struct gc_str *key, struct gc_value *out);

/* One span, with its resource and scope. Filled by the iterator. */
struct gc_span {
	struct gc_batch *batch;
	void *resource_spans, *scope_spans, *span;
};

struct gc_span_iter {
	struct gc_batch *batch;
	size_t r, s, i;
};

/* Visits every span of a traces batch in order. */
void gc_span_iter_init(struct gc_span_iter *it, struct gc_batch *batch);
bool gc_span_iter_next(struct gc_span_iter *it, struct gc_span *out);
/* Removes the span last returned by next; iteration goes on with the next one.
 * The batch's item count follows. */
void gc_span_iter_drop(struct gc_span_iter *it);

/* Identity and timing. IDs are byte views (16 and 8 bytes, or empty). */
struct gc_str gc_span_name(const struct gc_span *sp);
struct gc_str gc_span_trace_id(const struct gc_span *sp);
struct gc_str gc_span_span_id(const struct gc_span *sp);
struct gc_str gc_span_parent_id(const struct gc_span *sp);
uint64_t gc_span_start_ns(const struct gc_span *sp);
uint64_t gc_span_end_ns(const struct gc_span *sp);
int gc_span_status(const struct gc_span *sp); /* 0 unset, 1 ok, 2 error */
struct gc_str gc_span_trace_state(const struct gc_span *sp);
int gc_span_set_trace_state(struct gc_span *sp, struct gc_str state);

/* Attributes of the span, of its resource, of its events. Lookups return false
 * when the key is absent. */
bool gc_span_attr(const struct gc_span *sp, struct gc_str key, struct gc_value *out);
bool gc_resource_attr(const struct gc_span *sp, struct gc_str key, struct gc_value *out);
/* Shorthands: the string value of key (an empty view when absent or not a
 * string), and whether key is present with a value. */
struct gc_str gc_span_str(const struct gc_span *sp, struct gc_str key);
bool gc_span_has(const struct gc_span *sp, struct gc_str key);
size_t gc_span_attr_count(const struct gc_span *sp);
void gc_span_attr_at(const struct gc_span *sp, size_t i, struct gc_str *key,
		     struct gc_value *out);

size_t gc_span_event_count(const struct gc_span *sp);
struct gc_str gc_span_event_name(const struct gc_span *sp, size_t event);
bool gc_span_event_attr(const struct gc_span *sp, size_t event, struct gc_str key,
			struct gc_value *out);

/* Set replaces the value of an existing key (keeping its position) or appends
 * the attribute. GC_OK, or GC_ERROR when out of memory. */
int gc_span_set_str(struct gc_span *sp, struct gc_str key, struct gc_str value);
int gc_span_set_int(struct gc_span *sp, struct gc_str key, int64_t value);
int gc_span_set_double(struct gc_span *sp, struct gc_str key, double value);
int gc_span_set_bool(struct gc_span *sp, struct gc_str key, bool value);
int gc_span_set_str_array(struct gc_span *sp, struct gc_str key, const struct gc_str *items,
			  size_t n);
/* Removes the attribute; false when it was absent. */
bool gc_span_remove_attr(struct gc_span *sp, struct gc_str key);

#endif
