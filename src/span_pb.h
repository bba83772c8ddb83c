/* The span API's protobuf-c layer: what span.c, attributes.c and log_record.c
 * share about values and attribute lists as protobuf-c decoded them into the
 * batch's arena. Processors include span.h, never this header: it is the part
 * a faster representation replaces (DESIGN section 9). */
#ifndef GC_SPAN_PB_H
#define GC_SPAN_PB_H

#include "span.h"

/* A view of a protobuf-c string or bytes field; valid while the batch lives. */
static inline struct gc_str gc_pb_bytes(const ProtobufCBinaryData *b)
{
	struct gc_str s = { (const char *)b->data, b->len };

	return s;
}

/* Fills *out with a read-only view of v; GC_VALUE_EMPTY when v is NULL or
 * holds nothing known. */
void gc_pb_value_read(const Opentelemetry__Proto__Common__V1__AnyValue *v, struct gc_value *out);

/* New values in arena a, strings copied: NULL when out of memory. */
Opentelemetry__Proto__Common__V1__AnyValue *gc_pb_value_str(gc_arena *a, struct gc_str value);
Opentelemetry__Proto__Common__V1__AnyValue *gc_pb_value_int(gc_arena *a, int64_t value);
Opentelemetry__Proto__Common__V1__AnyValue *gc_pb_value_double(gc_arena *a, double value);
Opentelemetry__Proto__Common__V1__AnyValue *gc_pb_value_bool(gc_arena *a, bool value);
Opentelemetry__Proto__Common__V1__AnyValue *
gc_pb_value_str_array(gc_arena *a, const struct gc_str *items, size_t n);

/* Visits the strings of v under key (gc_string_visitor's contract); true when
 * a visitor asked for a drop or a removal of the top-level key. */
bool gc_pb_value_visit(Opentelemetry__Proto__Common__V1__AnyValue *v, struct gc_str key,
		       gc_string_visitor visit, void *ctx);

/* The attribute of kvs[0..n) with key, or NULL; *index (when not NULL) gets
 * its position. */
const Opentelemetry__Proto__Common__V1__KeyValue *
gc_pb_kv_find(Opentelemetry__Proto__Common__V1__KeyValue *const *kvs, size_t n,
	      struct gc_str key, size_t *index);

/* Sets key to v in the list *list of *n attributes: the existing
 * attribute's value is replaced (keeping its position), or a new attribute is
 * appended, the array regrown in arena a. GC_OK, or GC_ERROR with the list
 * unchanged when v is NULL (a value that could not be made) or out of memory. */
int gc_pb_kv_put(gc_arena *a, Opentelemetry__Proto__Common__V1__KeyValue ***list, size_t *n,
		 struct gc_str key, Opentelemetry__Proto__Common__V1__AnyValue *v);

/* Points *out at the attribute array *list and its count *n of batch. */
void gc_pb_attrs_view(struct gc_attrs *out, struct gc_batch *batch,
		      Opentelemetry__Proto__Common__V1__KeyValue ***list, size_t *n);

/* The attributes of resource r, which may be absent: false then, with an
 * empty list that refuses every set. */
bool gc_pb_resource_attrs(struct gc_batch *batch, Opentelemetry__Proto__Resource__V1__Resource *r,
			  struct gc_attrs *out);

#endif
