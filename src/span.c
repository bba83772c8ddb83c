/* The span API over protobuf-c messages decoded into the batch's arena. */
#include "span.h"

#include <string.h>

typedef Opentelemetry__Proto__Trace__V1__ResourceSpans resource_spans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans scope_spans;
typedef Opentelemetry__Proto__Trace__V1__Span span_msg;
typedef Opentelemetry__Proto__Common__V1__KeyValue key_value;
typedef Opentelemetry__Proto__Common__V1__AnyValue any_value;

#define SPAN(sp) ((span_msg *)(sp)->span)

bool gc_str_eq(struct gc_str a, struct gc_str b)
{
	return a.len == b.len && (a.len == 0 || !memcmp(a.ptr, b.ptr, a.len));
}

static struct gc_str bin(const ProtobufCBinaryData *b)
{
	struct gc_str s = { (const char *)b->data, b->len };

	return s;
}

static void read_value(const any_value *v, struct gc_value *out)
{
	memset(out, 0, sizeof(*out));
	if (!v)
		return;
	switch (v->value_case) {
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
		out->type = GC_VALUE_STRING;
		out->str = bin(&v->string_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
		out->type = GC_VALUE_BOOL;
		out->b = v->bool_value;
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
		out->type = GC_VALUE_INT;
		out->i = v->int_value;
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
		out->type = GC_VALUE_DOUBLE;
		out->d = v->double_value;
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
		out->type = GC_VALUE_BYTES;
		out->str = bin(&v->bytes_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
		out->type = GC_VALUE_ARRAY;
		out->impl = v->array_value;
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
		out->type = GC_VALUE_KVLIST;
		out->impl = v->kvlist_value;
		break;
	default:
		break;
	}
}

size_t gc_value_len(const struct gc_value *v)
{
	if (v->type == GC_VALUE_ARRAY && v->impl)
		return ((const Opentelemetry__Proto__Common__V1__ArrayValue *)v->impl)->n_values;
	if (v->type == GC_VALUE_KVLIST && v->impl)
		return ((const Opentelemetry__Proto__Common__V1__KeyValueList *)v->impl)->n_values;
	return 0;
}

void gc_value_at(const struct gc_value *v, size_t i, struct gc_str *key, struct gc_value *out)
{
	static const char empty[] = "";

	if (key) {
		key->ptr = empty;
		key->len = 0;
	}
	if (i >= gc_value_len(v)) {
		read_value(NULL, out);
		return;
	}
	if (v->type == GC_VALUE_ARRAY) {
		read_value(((const Opentelemetry__Proto__Common__V1__ArrayValue *)v->impl)->values[i],
			   out);
		return;
	}
	{
		const key_value *kv =
			((const Opentelemetry__Proto__Common__V1__KeyValueList *)v->impl)->values[i];

		if (key)
			*key = bin(&kv->key);
		read_value(kv->value, out);
	}
}

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
	return bin(&SPAN(sp)->name);
}

struct gc_str gc_span_trace_id(const struct gc_span *sp)
{
	return bin(&SPAN(sp)->trace_id);
}

struct gc_str gc_span_span_id(const struct gc_span *sp)
{
	return bin(&SPAN(sp)->span_id);
}

struct gc_str gc_span_parent_id(const struct gc_span *sp)
{
	return bin(&SPAN(sp)->parent_span_id);
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
	return bin(&SPAN(sp)->status->message);
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
	return bin(&SPAN(sp)->trace_state);
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

static const key_value *find(key_value *const *kvs, size_t n, struct gc_str key, size_t *index)
{
	for (size_t i = 0; i < n; i++) {
		if (gc_str_eq(bin(&kvs[i]->key), key)) {
			if (index)
				*index = i;
			return kvs[i];
		}
	}
	return NULL;
}

bool gc_span_attr(const struct gc_span *sp, struct gc_str key, struct gc_value *out)
{
	const key_value *kv = find(SPAN(sp)->attributes, SPAN(sp)->n_attributes, key, NULL);

	if (kv)
		read_value(kv->value, out);
	return kv != NULL;
}

bool gc_resource_attr(const struct gc_span *sp, struct gc_str key, struct gc_value *out)
{
	const resource_spans *rs = sp->resource_spans;
	const key_value *kv =
		rs->resource ? find(rs->resource->attributes, rs->resource->n_attributes, key, NULL)
			     : NULL;

	if (kv)
		read_value(kv->value, out);
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

	*key = bin(&kv->key);
	read_value(kv->value, out);
}

size_t gc_span_event_count(const struct gc_span *sp)
{
	return SPAN(sp)->n_events;
}

struct gc_str gc_span_event_name(const struct gc_span *sp, size_t event)
{
	return bin(&SPAN(sp)->events[event]->name);
}

bool gc_span_event_attr(const struct gc_span *sp, size_t event, struct gc_str key,
			struct gc_value *out)
{
	const Opentelemetry__Proto__Trace__V1__Span__Event *ev = SPAN(sp)->events[event];
	const key_value *kv = find(ev->attributes, ev->n_attributes, key, NULL);

	if (kv)
		read_value(kv->value, out);
	return kv != NULL;
}

/* The AnyValue for key in the list: the existing one (cleared for reuse) or a
 * new attribute appended. The attribute array grows by copying into the arena;
 * protobuf-c sized it exactly, and spans gain a handful of attributes. */
static any_value *list_slot(gc_arena *a, key_value ***list, size_t *n, struct gc_str key)
{
	size_t i;
	key_value *kv = (key_value *)find(*list, *n, key, &i), **grown;

	if (!kv) {
		kv = gc_arena_alloc(a, sizeof(*kv));
		grown = gc_arena_alloc(a, (*n + 1) * sizeof(*grown));
		if (!kv || !grown)
			return NULL;
		opentelemetry__proto__common__v1__key_value__init(kv);
		kv->key.data = (uint8_t *)gc_arena_memdup(a, key.ptr, key.len);
		kv->key.len = key.len;
		if (*n)
			memcpy(grown, *list, *n * sizeof(*grown));
		grown[(*n)++] = kv;
		*list = grown;
	}
	kv->value = gc_arena_alloc(a, sizeof(*kv->value));
	if (!kv->value)
		return NULL;
	opentelemetry__proto__common__v1__any_value__init(kv->value);
	return kv->value;
}

static any_value *slot(struct gc_span *sp, struct gc_str key)
{
	return list_slot(sp->batch->arena, &SPAN(sp)->attributes, &SPAN(sp)->n_attributes, key);
}

static int set_str(gc_arena *a, any_value *v, struct gc_str value)
{
	if (!v)
		return GC_ERROR;
	v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	v->string_value.data = (uint8_t *)gc_arena_memdup(a, value.ptr, value.len);
	v->string_value.len = value.len;
	return v->string_value.data || !value.len ? GC_OK : GC_ERROR;
}

static int set_int(any_value *v, int64_t value)
{
	if (!v)
		return GC_ERROR;
	v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
	v->int_value = value;
	return GC_OK;
}

static int set_str_array(gc_arena *a, any_value *v, const struct gc_str *items, size_t n)
{
	any_value *elems;
	Opentelemetry__Proto__Common__V1__ArrayValue *arr;

	if (!v)
		return GC_ERROR;
	arr = gc_arena_alloc(a, sizeof(*arr));
	elems = gc_arena_alloc(a, (n ? n : 1) * sizeof(*elems));
	if (!arr || !elems)
		return GC_ERROR;
	opentelemetry__proto__common__v1__array_value__init(arr);
	arr->values = gc_arena_alloc(a, (n ? n : 1) * sizeof(*arr->values));
	if (!arr->values)
		return GC_ERROR;
	for (size_t i = 0; i < n; i++) {
		opentelemetry__proto__common__v1__any_value__init(&elems[i]);
		if (set_str(a, &elems[i], items[i]) != GC_OK)
			return GC_ERROR;
		arr->values[i] = &elems[i];
	}
	arr->n_values = n;
	v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
	v->array_value = arr;
	return GC_OK;
}

int gc_span_set_str(struct gc_span *sp, struct gc_str key, struct gc_str value)
{
	return set_str(sp->batch->arena, slot(sp, key), value);
}

int gc_span_set_int(struct gc_span *sp, struct gc_str key, int64_t value)
{
	return set_int(slot(sp, key), value);
}

int gc_span_set_double(struct gc_span *sp, struct gc_str key, double value)
{
	any_value *v = slot(sp, key);

	if (!v)
		return GC_ERROR;
	v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
	v->double_value = value;
	return GC_OK;
}

int gc_span_set_bool(struct gc_span *sp, struct gc_str key, bool value)
{
	any_value *v = slot(sp, key);

	if (!v)
		return GC_ERROR;
	v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
	v->bool_value = value;
	return GC_OK;
}

int gc_span_set_str_array(struct gc_span *sp, struct gc_str key, const struct gc_str *items,
			  size_t n)
{
	return set_str_array(sp->batch->arena, slot(sp, key), items, n);
}

bool gc_span_remove_attr(struct gc_span *sp, struct gc_str key)
{
	span_msg *s = SPAN(sp);
	size_t i;

	if (!find(s->attributes, s->n_attributes, key, &i))
		return false;
	memmove(s->attributes + i, s->attributes + i + 1,
		(s->n_attributes - i - 1) * sizeof(*s->attributes));
	s->n_attributes--;
	return true;
}

/* Attribute lists. */

#define KVS(a) ((key_value ***)(a)->list)

static void attrs_of(struct gc_attrs *out, struct gc_batch *batch, key_value ***list, size_t *n)
{
	out->batch = batch;
	out->list = list;
	out->n = n;
}

void gc_span_attrs(struct gc_span *sp, struct gc_attrs *out)
{
	attrs_of(out, sp->batch, &SPAN(sp)->attributes, &SPAN(sp)->n_attributes);
}

/* An empty list for a message without the field: both pointers at statics
 * that nothing writes through (set functions are refused on it). */
static key_value **no_list;
static size_t no_count;

/* The attributes of resource r, which may be absent. */
static bool resource_attrs(struct gc_batch *batch, Opentelemetry__Proto__Resource__V1__Resource *r,
			   struct gc_attrs *out)
{
	if (!r) {
		attrs_of(out, batch, &no_list, &no_count);
		return false;
	}
	attrs_of(out, batch, &r->attributes, &r->n_attributes);
	return true;
}

bool gc_span_resource_attrs(struct gc_span *sp, struct gc_attrs *out)
{
	return resource_attrs(sp->batch, ((resource_spans *)sp->resource_spans)->resource, out);
}

void gc_span_event_attrs(struct gc_span *sp, size_t event, struct gc_attrs *out)
{
	Opentelemetry__Proto__Trace__V1__Span__Event *ev = SPAN(sp)->events[event];

	attrs_of(out, sp->batch, &ev->attributes, &ev->n_attributes);
}

size_t gc_span_link_count(const struct gc_span *sp)
{
	return SPAN(sp)->n_links;
}

void gc_span_link_attrs(struct gc_span *sp, size_t link, struct gc_attrs *out)
{
	Opentelemetry__Proto__Trace__V1__Span__Link *l = SPAN(sp)->links[link];

	attrs_of(out, sp->batch, &l->attributes, &l->n_attributes);
}

size_t gc_attrs_count(const struct gc_attrs *a)
{
	return *a->n;
}

void gc_attrs_at(const struct gc_attrs *a, size_t i, struct gc_str *key, struct gc_value *out)
{
	const key_value *kv = (*KVS(a))[i];

	*key = bin(&kv->key);
	read_value(kv->value, out);
}

bool gc_attrs_get(const struct gc_attrs *a, struct gc_str key, struct gc_value *out)
{
	const key_value *kv = find(*KVS(a), *a->n, key, NULL);

	if (kv)
		read_value(kv->value, out);
	return kv != NULL;
}

static any_value *attrs_slot(struct gc_attrs *a, struct gc_str key)
{
	if (a->list == &no_list)
		return NULL;
	return list_slot(a->batch->arena, KVS(a), a->n, key);
}

int gc_attrs_set_str(struct gc_attrs *a, struct gc_str key, struct gc_str value)
{
	return set_str(a->batch->arena, attrs_slot(a, key), value);
}

int gc_attrs_set_int(struct gc_attrs *a, struct gc_str key, int64_t value)
{
	return set_int(attrs_slot(a, key), value);
}

int gc_attrs_set_str_array(struct gc_attrs *a, struct gc_str key, const struct gc_str *items,
			   size_t n)
{
	return set_str_array(a->batch->arena, attrs_slot(a, key), items, n);
}

int gc_attrs_set_str_at(struct gc_attrs *a, size_t i, struct gc_str value)
{
	key_value *kv = (*KVS(a))[i];
	any_value *v = gc_arena_alloc(a->batch->arena, sizeof(*v));

	if (!v)
		return GC_ERROR;
	opentelemetry__proto__common__v1__any_value__init(v);
	kv->value = v;
	return set_str(a->batch->arena, v, value);
}

void gc_attrs_remove_at(struct gc_attrs *a, size_t i)
{
	key_value **kvs = *KVS(a);

	memmove(kvs + i, kvs + i + 1, (*a->n - i - 1) * sizeof(*kvs));
	(*a->n)--;
}

/* Depth bound for nested values. The receivers refuse requests nested deeper
 * than this before decoding, so it is never reached on received data; a
 * value deeper than this is dropped rather than left unvisited. */
#define VISIT_MAX_DEPTH 128

/* What a value's visit asks of its holder: nothing, drop the whole top-level
 * value, or remove the nearest key. */
static enum gc_visit visit_value(any_value *v, struct gc_str key, gc_string_visitor visit,
				 void *ctx, int depth)
{
	enum gc_visit r = GC_VISIT_NEXT;

	if (!v)
		return GC_VISIT_NEXT;
	if (depth > VISIT_MAX_DEPTH)
		return GC_VISIT_DROP; /* unvisited strings must not pass as visited */
	switch (v->value_case) {
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE: {
		ProtobufCBinaryData *content =
			v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
				? &v->string_value
				: &v->bytes_value;
		struct gc_str text = bin(content);
		struct gc_value view;

		read_value(v, &view);
		r = visit(ctx, key, &view, &text);
		content->data = (uint8_t *)text.ptr;
		content->len = text.len;
		return r;
	}
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE: {
		struct gc_str text = { NULL, 0 };
		struct gc_value view;

		read_value(v, &view);
		r = visit(ctx, key, &view, &text);
		if (text.ptr) {
			v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
			v->string_value.data = (uint8_t *)text.ptr;
			v->string_value.len = text.len;
		}
		return r;
	}
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
		for (size_t i = 0; v->array_value && i < v->array_value->n_values; i++) {
			enum gc_visit item =
				visit_value(v->array_value->values[i], key, visit, ctx, depth + 1);

			if (item > r)
				r = item; /* DROP outranks REMOVE: both go up to the key */
		}
		return r;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE: {
		Opentelemetry__Proto__Common__V1__KeyValueList *l = v->kvlist_value;

		for (size_t i = 0; l && i < l->n_values; i++) {
			key_value *kv = l->values[i];
			enum gc_visit item = visit_value(kv->value, bin(&kv->key), visit, ctx,
							 depth + 1);

			if (item == GC_VISIT_DROP) {
				r = GC_VISIT_DROP;
			} else if (item == GC_VISIT_REMOVE) {
				memmove(l->values + i, l->values + i + 1,
					(l->n_values - i - 1) * sizeof(*l->values));
				l->n_values--;
				i--;
			}
		}
		return r;
	}
	default:
		return GC_VISIT_NEXT;
	}
}

bool gc_attrs_visit_strings(struct gc_attrs *a, size_t i, gc_string_visitor visit, void *ctx)
{
	key_value *kv = (*KVS(a))[i];

	return visit_value(kv->value, bin(&kv->key), visit, ctx, 0) != GC_VISIT_NEXT;
}

/* Log records. */

typedef Opentelemetry__Proto__Logs__V1__ResourceLogs resource_logs;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs scope_logs;
typedef Opentelemetry__Proto__Logs__V1__LogRecord log_record;

#define RECORD(l) ((log_record *)(l)->record)

void gc_log_iter_init(struct gc_log_iter *it, struct gc_batch *batch)
{
	memset(it, 0, sizeof(*it));
	it->batch = batch;
}

bool gc_log_iter_next(struct gc_log_iter *it, struct gc_log *out)
{
	const gc_logs_req *req = it->batch->logs;

	while (it->r < req->n_resource_logs) {
		resource_logs *rl = req->resource_logs[it->r];

		while (it->s < rl->n_scope_logs) {
			scope_logs *sl = rl->scope_logs[it->s];

			if (it->i < sl->n_log_records) {
				out->batch = it->batch;
				out->resource_logs = rl;
				out->scope_logs = sl;
				out->record = sl->log_records[it->i++];
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

void gc_log_attrs(struct gc_log *log, struct gc_attrs *out)
{
	attrs_of(out, log->batch, &RECORD(log)->attributes, &RECORD(log)->n_attributes);
}

bool gc_log_resource_attrs(struct gc_log *log, struct gc_attrs *out)
{
	return resource_attrs(log->batch, ((resource_logs *)log->resource_logs)->resource, out);
}

void gc_log_body(const struct gc_log *log, struct gc_value *out)
{
	read_value(RECORD(log)->body, out);
}

bool gc_log_body_visit_strings(struct gc_log *log, gc_string_visitor visit, void *ctx)
{
	return visit_value(RECORD(log)->body, (struct gc_str){ "", 0 }, visit, ctx, 0) !=
	       GC_VISIT_NEXT;
}

void gc_log_clear_body(struct gc_log *log)
{
	RECORD(log)->body = NULL;
}

size_t gc_batch_resource_count(const struct gc_batch *batch)
{
	switch (batch->signal) {
	case GC_SIGNAL_TRACES:
		return batch->traces->n_resource_spans;
	case GC_SIGNAL_LOGS:
		return batch->logs->n_resource_logs;
	default:
		return 0;
	}
}

bool gc_batch_resource_attrs(struct gc_batch *batch, size_t i, struct gc_attrs *out)
{
	Opentelemetry__Proto__Resource__V1__Resource *r = NULL;

	if (batch->signal == GC_SIGNAL_TRACES)
		r = batch->traces->resource_spans[i]->resource;
	else if (batch->signal == GC_SIGNAL_LOGS)
		r = batch->logs->resource_logs[i]->resource;
	return resource_attrs(batch, r, out);
}
