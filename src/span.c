/* Spans through the span API (span.h), over the protobuf-c messages decoded
 * into the batch's arena: iteration, identity and timing, attributes, events
 * and links. Values and attribute lists are in attributes.c. */
#include "span_pb.h"

#include <string.h>

typedef Opentelemetry__Proto__Trace__V1__ResourceSpans resource_spans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans scope_spans;
typedef Opentelemetry__Proto__Trace__V1__Span span_msg;
typedef Opentelemetry__Proto__Common__V1__KeyValue key_value;
typedef Opentelemetry__Proto__Common__V1__AnyValue any_value;

#define SPAN(sp) ((span_msg *)(sp)->span)

void gc_span_iter_init(struct gc_span_iter *it, struct gc_batch *batch)
{
	memset(it, 0, sizeof(*it));
	it->batch = batch;
}

bool gc_span_iter_next(struct gc_span_iter *it, struct gc_span *out)
{
	const gc_traces_req *req = it->batch->traces;

	while (it->r < req->n_resource_spans) {
		resource_spans *rs = req->resource_spans[it->r];

		while (it->s < rs->n_scope_spans) {
			scope_spans *ss = rs->scope_spans[it->s];

			if (it->i < ss->n_spans) {
				out->batch = it->batch;
				out->resource_spans = rs;
				out->scope_spans = ss;
				out->span = ss->spans[it->i++];
				return true;
			}
			it->s++;
			it->i = 0;
		}
		it->r++;
		it->s = 0;
	}
	return false;
}

void gc_span_iter_drop(struct gc_span_iter *it)
{
	scope_spans *ss;

	if (it->i == 0 || it->r >= it->batch->traces->n_resource_spans)
		return;
	ss = it->batch->traces->resource_spans[it->r]->scope_spans[it->s];
	/* The array belongs to the arena; closing the gap in place is enough. */
	memmove(ss->spans + it->i - 1, ss->spans + it->i, (ss->n_spans - it->i) * sizeof(void *));
	ss->n_spans--;
	it->i--;
	it->batch->items--;
}

struct gc_str gc_span_name(const struct gc_span *sp)
{
	return gc_pb_bytes(&SPAN(sp)->name);
}

struct gc_str gc_span_trace_id(const struct gc_span *sp)
{
	return gc_pb_bytes(&SPAN(sp)->trace_id);
}

struct gc_str gc_span_span_id(const struct gc_span *sp)
{
	return gc_pb_bytes(&SPAN(sp)->span_id);
}

struct gc_str gc_span_parent_id(const struct gc_span *sp)
{
	return gc_pb_bytes(&SPAN(sp)->parent_span_id);
}

uint64_t gc_span_start_ns(const struct gc_span *sp)
{
	return SPAN(sp)->start_time_unix_nano;
}

uint64_t gc_span_end_ns(const struct gc_span *sp)
{
	return SPAN(sp)->end_time_unix_nano;
}

int gc_span_status(const struct gc_span *sp)
{
	return SPAN(sp)->status ? (int)SPAN(sp)->status->code : 0;
}

struct gc_str gc_span_status_message(const struct gc_span *sp)
{
	if (!SPAN(sp)->status)
		return (struct gc_str){ "", 0 };
	return gc_pb_bytes(&SPAN(sp)->status->message);
}

int gc_span_set_status_message(struct gc_span *sp, struct gc_str message)
{
	char *copy;

	if (!SPAN(sp)->status)
		return GC_ERROR;
	copy = gc_arena_memdup(sp->batch->arena, message.ptr, message.len);
	if (!copy && message.len)
		return GC_ERROR;
	SPAN(sp)->status->message.data = (uint8_t *)copy;
	SPAN(sp)->status->message.len = message.len;
	return GC_OK;
}

struct gc_str gc_span_trace_state(const struct gc_span *sp)
{
	return gc_pb_bytes(&SPAN(sp)->trace_state);
}

int gc_span_set_trace_state(struct gc_span *sp, struct gc_str state)
{
	char *copy = gc_arena_memdup(sp->batch->arena, state.ptr, state.len);

	if (!copy)
		return GC_ERROR;
	SPAN(sp)->trace_state.data = (uint8_t *)copy;
	SPAN(sp)->trace_state.len = state.len;
	return GC_OK;
}

bool gc_span_attr(const struct gc_span *sp, struct gc_str key, struct gc_value *out)
{
	const key_value *kv =
		gc_pb_kv_find(SPAN(sp)->attributes, SPAN(sp)->n_attributes, key, NULL);

	if (kv)
		gc_pb_value_read(kv->value, out);
	return kv != NULL;
}

bool gc_resource_attr(const struct gc_span *sp, struct gc_str key, struct gc_value *out)
{
	const resource_spans *rs = sp->resource_spans;
	const key_value *kv = rs->resource ? gc_pb_kv_find(rs->resource->attributes,
							    rs->resource->n_attributes, key, NULL)
					   : NULL;

	if (kv)
		gc_pb_value_read(kv->value, out);
	return kv != NULL;
}

struct gc_str gc_span_str(const struct gc_span *sp, struct gc_str key)
{
	struct gc_value v;

	if (gc_span_attr(sp, key, &v) && v.type == GC_VALUE_STRING)
		return v.str;
	return (struct gc_str){ "", 0 };
}

bool gc_span_has(const struct gc_span *sp, struct gc_str key)
{
	struct gc_value v;

	return gc_span_attr(sp, key, &v) && v.type != GC_VALUE_EMPTY;
}

size_t gc_span_attr_count(const struct gc_span *sp)
{
	return SPAN(sp)->n_attributes;
}

void gc_span_attr_at(const struct gc_span *sp, size_t i, struct gc_str *key,
		     struct gc_value *out)
{
	const key_value *kv = SPAN(sp)->attributes[i];

	*key = gc_pb_bytes(&kv->key);
	gc_pb_value_read(kv->value, out);
}

size_t gc_span_event_count(const struct gc_span *sp)
{
	return SPAN(sp)->n_events;
}

struct gc_str gc_span_event_name(const struct gc_span *sp, size_t event)
{
	return gc_pb_bytes(&SPAN(sp)->events[event]->name);
}

bool gc_span_event_attr(const struct gc_span *sp, size_t event, struct gc_str key,
			struct gc_value *out)
{
	const Opentelemetry__Proto__Trace__V1__Span__Event *ev = SPAN(sp)->events[event];
	const key_value *kv = gc_pb_kv_find(ev->attributes, ev->n_attributes, key, NULL);

	if (kv)
		gc_pb_value_read(kv->value, out);
	return kv != NULL;
}

/* Sets the span's attribute key to v (NULL: the value could not be made). */
static int put(struct gc_span *sp, struct gc_str key, any_value *v)
{
	return gc_pb_kv_put(sp->batch->arena, &SPAN(sp)->attributes, &SPAN(sp)->n_attributes, key,
			    v);
}

int gc_span_set_str(struct gc_span *sp, struct gc_str key, struct gc_str value)
{
	return put(sp, key, gc_pb_value_str(sp->batch->arena, value));
}

int gc_span_set_int(struct gc_span *sp, struct gc_str key, int64_t value)
{
	return put(sp, key, gc_pb_value_int(sp->batch->arena, value));
}

int gc_span_set_double(struct gc_span *sp, struct gc_str key, double value)
{
	return put(sp, key, gc_pb_value_double(sp->batch->arena, value));
}

int gc_span_set_bool(struct gc_span *sp, struct gc_str key, bool value)
{
	return put(sp, key, gc_pb_value_bool(sp->batch->arena, value));
}

int gc_span_set_str_array(struct gc_span *sp, struct gc_str key, const struct gc_str *items,
			  size_t n)
{
	return put(sp, key, gc_pb_value_str_array(sp->batch->arena, items, n));
}

bool gc_span_remove_attr(struct gc_span *sp, struct gc_str key)
{
	span_msg *s = SPAN(sp);
	size_t i;

	if (!gc_pb_kv_find(s->attributes, s->n_attributes, key, &i))
		return false;
	memmove(s->attributes + i, s->attributes + i + 1,
		(s->n_attributes - i - 1) * sizeof(*s->attributes));
	s->n_attributes--;
	return true;
}

/* The span's attribute lists. */

void gc_span_attrs(struct gc_span *sp, struct gc_attrs *out)
{
	gc_pb_attrs_view(out, sp->batch, &SPAN(sp)->attributes, &SPAN(sp)->n_attributes);
}

bool gc_span_resource_attrs(struct gc_span *sp, struct gc_attrs *out)
{
	return gc_pb_resource_attrs(sp->batch, ((resource_spans *)sp->resource_spans)->resource,
				    out);
}

void gc_span_event_attrs(struct gc_span *sp, size_t event, struct gc_attrs *out)
{
	Opentelemetry__Proto__Trace__V1__Span__Event *ev = SPAN(sp)->events[event];

	gc_pb_attrs_view(out, sp->batch, &ev->attributes, &ev->n_attributes);
}

size_t gc_span_link_count(const struct gc_span *sp)
{
	return SPAN(sp)->n_links;
}

void gc_span_link_attrs(struct gc_span *sp, size_t link, struct gc_attrs *out)
{
	Opentelemetry__Proto__Trace__V1__Span__Link *l = SPAN(sp)->links[link];

	gc_pb_attrs_view(out, sp->batch, &l->attributes, &l->n_attributes);
}

