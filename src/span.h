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

/* The largest count (tokens, indexes) a processor takes from a span: 2^53,
 * exact as a double, far above any real count, and small enough that sums of
 * a few never overflow int64. Larger or negative values are ignored. */
#define GC_MAX_COUNT ((int64_t)1 << 53)

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
/* The status description (free text, often an exception's message). */
struct gc_str gc_span_status_message(const struct gc_span *sp);
/* Replaces it (copied into the arena); GC_ERROR when out of memory or the
 * span has no status. */
int gc_span_set_status_message(struct gc_span *sp, struct gc_str message);
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
 * the attribute. GC_OK, or GC_ERROR when out of memory; the attributes are
 * then as they were. */
int gc_span_set_str(struct gc_span *sp, struct gc_str key, struct gc_str value);
int gc_span_set_int(struct gc_span *sp, struct gc_str key, int64_t value);
int gc_span_set_double(struct gc_span *sp, struct gc_str key, double value);
int gc_span_set_bool(struct gc_span *sp, struct gc_str key, bool value);
int gc_span_set_str_array(struct gc_span *sp, struct gc_str key, const struct gc_str *items,
			  size_t n);
/* Removes the attribute; false when it was absent. */
bool gc_span_remove_attr(struct gc_span *sp, struct gc_str key);

/* A list of attributes that can be changed in place: a span's, its resource's,
 * one of its events' or links', a log record's or its resource's. A view into
 * the batch, valid while the batch lives; what is set is copied into the
 * batch's arena. */
struct gc_attrs {
	struct gc_batch *batch;
	void *list; /* the message's attribute array field */
	size_t *n;  /* and its count */
};

void gc_span_attrs(struct gc_span *sp, struct gc_attrs *out);
/* False (and an empty list) when the spans carry no resource. */
bool gc_span_resource_attrs(struct gc_span *sp, struct gc_attrs *out);
void gc_span_event_attrs(struct gc_span *sp, size_t event, struct gc_attrs *out);
size_t gc_span_link_count(const struct gc_span *sp);
void gc_span_link_attrs(struct gc_span *sp, size_t link, struct gc_attrs *out);

size_t gc_attrs_count(const struct gc_attrs *a);
void gc_attrs_at(const struct gc_attrs *a, size_t i, struct gc_str *key, struct gc_value *out);
bool gc_attrs_get(const struct gc_attrs *a, struct gc_str key, struct gc_value *out);
/* Same contract as the gc_span_set_* functions. */
int gc_attrs_set_str(struct gc_attrs *a, struct gc_str key, struct gc_str value);
int gc_attrs_set_int(struct gc_attrs *a, struct gc_str key, int64_t value);
int gc_attrs_set_str_array(struct gc_attrs *a, struct gc_str key, const struct gc_str *items,
			   size_t n);
/* Replaces the value of attribute i with a string (copied into the arena);
 * GC_ERROR, the value unchanged, when out of memory. */
int gc_attrs_set_str_at(struct gc_attrs *a, size_t i, struct gc_str value);
/* Removes attribute i; later attributes move down by one. */
void gc_attrs_remove_at(struct gc_attrs *a, size_t i);

/* Visits every scalar inside a value: the value itself, the items of arrays
 * and the values of key-value lists, at any depth. key is the nearest key
 * above it (the attribute's own key, or the kvlist key); value is what it
 * holds. For a string or bytes, *text is its content; for a number or a
 * bool it is empty with a NULL pointer. A visitor may point *text at new
 * content that lives as long as the batch (allocated from its arena): a
 * string or bytes value then holds it, and a number or bool becomes a string
 * holding it. It returns GC_VISIT_DROP to have the whole value removed, or
 * GC_VISIT_REMOVE to have only the nearest key removed: the kvlist entry the
 * scalar is under (the whole value when that is the attribute itself). */
enum gc_visit { GC_VISIT_NEXT, GC_VISIT_DROP, GC_VISIT_REMOVE };
typedef enum gc_visit (*gc_string_visitor)(void *ctx, struct gc_str key,
					   const struct gc_value *value, struct gc_str *text);

/* Visits the strings of attribute i. True when a visitor asked for a drop;
 * the caller decides (usually gc_attrs_remove_at). */
bool gc_attrs_visit_strings(struct gc_attrs *a, size_t i, gc_string_visitor visit, void *ctx);

/* The resources of a traces or logs batch, for a processor that treats each
 * resource once rather than once per span. False (and an empty list) for a
 * resource entry without a resource. */
size_t gc_batch_resource_count(const struct gc_batch *batch);
bool gc_batch_resource_attrs(struct gc_batch *batch, size_t i, struct gc_attrs *out);

/* One log record, with its resource and scope. */
struct gc_log {
	struct gc_batch *batch;
	void *resource_logs, *scope_logs, *record;
};

struct gc_log_iter {
	struct gc_batch *batch;
	size_t r, s, i;
};

/* Visits every log record of a logs batch in order. */
void gc_log_iter_init(struct gc_log_iter *it, struct gc_batch *batch);
bool gc_log_iter_next(struct gc_log_iter *it, struct gc_log *out);

void gc_log_attrs(struct gc_log *log, struct gc_attrs *out);
bool gc_log_resource_attrs(struct gc_log *log, struct gc_attrs *out);
/* The body, read-only; GC_VALUE_EMPTY when the record has none. */
void gc_log_body(const struct gc_log *log, struct gc_value *out);
/* Visits the strings of the body (key is empty at the top); true when a
 * visitor asked for a drop. */
bool gc_log_body_visit_strings(struct gc_log *log, gc_string_visitor visit, void *ctx);
/* Removes the body. */
void gc_log_clear_body(struct gc_log *log);

#endif
