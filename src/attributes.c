/* Values, attribute lists and the string visitor of the span API, over the
 * protobuf-c messages decoded into the batch's arena (span_pb.h). What the
 * span and log record files share. */
#include "span_pb.h"

#include <string.h>

typedef Opentelemetry__Proto__Common__V1__KeyValue key_value;
typedef Opentelemetry__Proto__Common__V1__AnyValue any_value;

bool gc_str_eq(struct gc_str a, struct gc_str b)
{
	return a.len == b.len && (a.len == 0 || !memcmp(a.ptr, b.ptr, a.len));
}

/* ---- values ----------------------------------------------------------------- */

void gc_pb_value_read(const any_value *v, struct gc_value *out)
{
	memset(out, 0, sizeof(*out));
	if (!v)
		return;
	switch (v->value_case) {
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
		out->type = GC_VALUE_STRING;
		out->str = gc_pb_bytes(&v->string_value);
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
		out->str = gc_pb_bytes(&v->bytes_value);
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
		gc_pb_value_read(NULL, out);
		return;
	}
	if (v->type == GC_VALUE_ARRAY) {
		gc_pb_value_read(
			((const Opentelemetry__Proto__Common__V1__ArrayValue *)v->impl)->values[i],
			out);
		return;
	}
	{
		const key_value *kv =
			((const Opentelemetry__Proto__Common__V1__KeyValueList *)v->impl)->values[i];

		if (key)
			*key = gc_pb_bytes(&kv->key);
		gc_pb_value_read(kv->value, out);
	}
}

/* A new, empty value in the arena, or NULL when out of memory. */
static any_value *value_new(gc_arena *a)
{
	any_value *v = gc_arena_alloc(a, sizeof(*v));

	if (v)
		opentelemetry__proto__common__v1__any_value__init(v);
	return v;
}

/* Makes v (allocated, maybe not yet in the batch) a string holding a copy of
 * value. GC_OK, or GC_ERROR (v untouched) when out of memory. */
static int fill_str(gc_arena *a, any_value *v, struct gc_str value)
{
	char *copy = gc_arena_memdup(a, value.ptr, value.len);

	if (!copy)
		return GC_ERROR;
	v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	v->string_value.data = (uint8_t *)copy;
	v->string_value.len = value.len;
	return GC_OK;
}

any_value *gc_pb_value_str(gc_arena *a, struct gc_str value)
{
	any_value *v = value_new(a);

	return v && fill_str(a, v, value) == GC_OK ? v : NULL;
}

any_value *gc_pb_value_int(gc_arena *a, int64_t value)
{
	any_value *v = value_new(a);

	if (v) {
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
		v->int_value = value;
	}
	return v;
}

any_value *gc_pb_value_double(gc_arena *a, double value)
{
	any_value *v = value_new(a);

	if (v) {
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
		v->double_value = value;
	}
	return v;
}

any_value *gc_pb_value_bool(gc_arena *a, bool value)
{
	any_value *v = value_new(a);

	if (v) {
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
		v->bool_value = value;
	}
	return v;
}

any_value *gc_pb_value_str_array(gc_arena *a, const struct gc_str *items, size_t n)
{
	any_value *v = value_new(a), *elems = gc_arena_alloc(a, (n ? n : 1) * sizeof(*elems));
	Opentelemetry__Proto__Common__V1__ArrayValue *arr = gc_arena_alloc(a, sizeof(*arr));

	if (!v || !elems || !arr)
		return NULL;
	opentelemetry__proto__common__v1__array_value__init(arr);
	arr->values = gc_arena_alloc(a, (n ? n : 1) * sizeof(*arr->values));
	if (!arr->values)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		opentelemetry__proto__common__v1__any_value__init(&elems[i]);
		if (fill_str(a, &elems[i], items[i]) != GC_OK)
			return NULL;
		arr->values[i] = &elems[i];
	}
	arr->n_values = n;
	v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
	v->array_value = arr;
	return v;
}

/* ---- attribute lists -------------------------------------------------------- */

const key_value *gc_pb_kv_find(key_value *const *kvs, size_t n, struct gc_str key, size_t *index)
{
	for (size_t i = 0; i < n; i++) {
		if (gc_str_eq(gc_pb_bytes(&kvs[i]->key), key)) {
			if (index)
				*index = i;
			return kvs[i];
		}
	}
	return NULL;
}

/* The attribute array grows by copying into the arena; protobuf-c sized it
 * exactly, and spans gain a handful of attributes. Everything is allocated
 * before the list changes. */
int gc_pb_kv_put(gc_arena *a, key_value ***list, size_t *n, struct gc_str key, any_value *v)
{
	size_t i;
	key_value *kv = (key_value *)gc_pb_kv_find(*list, *n, key, &i), **grown;
	char *copy;

	if (!v)
		return GC_ERROR;
	if (kv) {
		kv->value = v;
		return GC_OK;
	}
	kv = gc_arena_alloc(a, sizeof(*kv));
	grown = gc_arena_alloc(a, (*n + 1) * sizeof(*grown));
	copy = gc_arena_memdup(a, key.ptr, key.len);
	if (!kv || !grown || !copy)
		return GC_ERROR;
	opentelemetry__proto__common__v1__key_value__init(kv);
	kv->key.data = (uint8_t *)copy;
	kv->key.len = key.len;
	kv->value = v;
	if (*n)
		memcpy(grown, *list, *n * sizeof(*grown));
	grown[(*n)++] = kv;
	*list = grown;
	return GC_OK;
}

#define KVS(a) ((key_value ***)(a)->list)

void gc_pb_attrs_view(struct gc_attrs *out, struct gc_batch *batch, key_value ***list, size_t *n)
{
	out->batch = batch;
	out->list = list;
	out->n = n;
}

/* An empty list for a message without the field: both pointers at statics
 * that nothing writes through (set functions are refused on it). */
static key_value **no_list;
static size_t no_count;

bool gc_pb_resource_attrs(struct gc_batch *batch, Opentelemetry__Proto__Resource__V1__Resource *r,
			  struct gc_attrs *out)
{
	if (!r) {
		gc_pb_attrs_view(out, batch, &no_list, &no_count);
		return false;
	}
	gc_pb_attrs_view(out, batch, &r->attributes, &r->n_attributes);
	return true;
}

size_t gc_attrs_count(const struct gc_attrs *a)
{
	return *a->n;
}

void gc_attrs_at(const struct gc_attrs *a, size_t i, struct gc_str *key, struct gc_value *out)
{
	const key_value *kv = (*KVS(a))[i];

	*key = gc_pb_bytes(&kv->key);
	gc_pb_value_read(kv->value, out);
}

bool gc_attrs_get(const struct gc_attrs *a, struct gc_str key, struct gc_value *out)
{
	const key_value *kv = gc_pb_kv_find(*KVS(a), *a->n, key, NULL);

	if (kv)
		gc_pb_value_read(kv->value, out);
	return kv != NULL;
}

/* Sets key to v (NULL: the value could not be made), unless the list is the
 * empty one of a message without the field. */
static int attrs_put(struct gc_attrs *a, struct gc_str key, any_value *v)
{
	if (a->list == &no_list)
		return GC_ERROR;
	return gc_pb_kv_put(a->batch->arena, KVS(a), a->n, key, v);
}

int gc_attrs_set_str(struct gc_attrs *a, struct gc_str key, struct gc_str value)
{
	return attrs_put(a, key, gc_pb_value_str(a->batch->arena, value));
}

int gc_attrs_set_int(struct gc_attrs *a, struct gc_str key, int64_t value)
{
	return attrs_put(a, key, gc_pb_value_int(a->batch->arena, value));
}

int gc_attrs_set_str_array(struct gc_attrs *a, struct gc_str key, const struct gc_str *items,
			   size_t n)
{
	return attrs_put(a, key, gc_pb_value_str_array(a->batch->arena, items, n));
}

int gc_attrs_set_str_at(struct gc_attrs *a, size_t i, struct gc_str value)
{
	any_value *v = gc_pb_value_str(a->batch->arena, value);

	if (!v)
		return GC_ERROR;
	(*KVS(a))[i]->value = v;
	return GC_OK;
}

void gc_attrs_remove_at(struct gc_attrs *a, size_t i)
{
	key_value **kvs = *KVS(a);

	memmove(kvs + i, kvs + i + 1, (*a->n - i - 1) * sizeof(*kvs));
	(*a->n)--;
}

/* ---- the string visitor ----------------------------------------------------- */

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
		struct gc_str text = gc_pb_bytes(content);
		struct gc_value view;

		gc_pb_value_read(v, &view);
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

		gc_pb_value_read(v, &view);
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
			enum gc_visit item = visit_value(kv->value, gc_pb_bytes(&kv->key), visit,
							 ctx, depth + 1);

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

bool gc_pb_value_visit(any_value *v, struct gc_str key, gc_string_visitor visit, void *ctx)
{
	return visit_value(v, key, visit, ctx, 0) != GC_VISIT_NEXT;
}

bool gc_attrs_visit_strings(struct gc_attrs *a, size_t i, gc_string_visitor visit, void *ctx)
{
	key_value *kv = (*KVS(a))[i];

	return gc_pb_value_visit(kv->value, gc_pb_bytes(&kv->key), visit, ctx);
}

/* ---- resources of a batch --------------------------------------------------- */

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
	return gc_pb_resource_attrs(batch, r, out);
}
