#include "request.h"

#include <stdlib.h>
#include <string.h>

/* Room for the struct, the metadata copy and the bytes in one arena block. */
static size_t metadata_size(const struct gc_metadata *md)
{
	size_t n = 0;

	if (!md)
		return 0;
	n = sizeof(*md) + 2 * (md->n + 1) * sizeof(char *);
	for (size_t i = 0; i < md->n; i++)
		n += strlen(md->keys[i]) + strlen(md->values[i]) + 2 + 32;
	return n;
}

static const struct gc_metadata *copy_metadata(gc_arena *a, const struct gc_metadata *md)
{
	struct gc_metadata *copy;

	if (!md)
		return NULL;
	copy = gc_arena_alloc(a, sizeof(*copy));
	if (!copy)
		return NULL;
	copy->n = md->n;
	copy->keys = gc_arena_alloc(a, (md->n + 1) * sizeof(char *));
	copy->values = gc_arena_alloc(a, (md->n + 1) * sizeof(char *));
	if (!copy->keys || !copy->values)
		return NULL;
	for (size_t i = 0; i < md->n; i++) {
		copy->keys[i] = gc_arena_strdup(a, md->keys[i]);
		copy->values[i] = gc_arena_strdup(a, md->values[i]);
		if (!copy->keys[i] || !copy->values[i])
			return NULL;
	}
	return copy;
}

/* A request with room for len bytes and a copy of md. */
static struct gc_request *request_new(enum gc_signal signal, size_t len,
				      const struct gc_metadata *md)
{
	size_t need = sizeof(struct gc_request) + len + metadata_size(md) + 64;
	gc_arena *a = gc_arena_create(need);
	struct gc_request *r = a ? gc_arena_alloc(a, sizeof(*r)) : NULL;

	if (!r)
		goto fail;
	memset(r, 0, sizeof(*r));
	atomic_init(&r->refs, 1);
	r->signal = signal;
	r->arena = a;
	r->len = len;
	r->data = gc_arena_alloc(a, len ? len : 1);
	if (!r->data)
		goto fail;
	if (md && !(r->metadata = copy_metadata(a, md)))
		goto fail;
	return r;
fail:
	gc_arena_destroy(a);
	return NULL;
}

struct gc_request *gc_request_encode(const struct gc_batch *batch)
{
	size_t len = gc_batch_encoded_size(batch);
	struct gc_request *r = request_new(batch->signal, len, batch->metadata);

	if (!r)
		return NULL;
	gc_batch_encode(batch, r->data);
	r->items = batch->items;
	return r;
}

struct gc_request *gc_request_join(struct gc_request *const *parts, size_t n)
{
	size_t len = 0, off = 0;
	struct gc_request *r;

	for (size_t i = 0; i < n; i++)
		len += parts[i]->len;
	r = request_new(parts[0]->signal, len, parts[0]->metadata);
	if (!r)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		memcpy(r->data + off, parts[i]->data, parts[i]->len);
		off += parts[i]->len;
		r->items += parts[i]->items;
	}
	return r;
}

bool gc_metadata_equal(const struct gc_metadata *a, const struct gc_metadata *b)
{
	if (!a || !b)
		return (!a || !a->n) && (!b || !b->n);
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->keys[i], b->keys[i]) || strcmp(a->values[i], b->values[i]))
			return false;
	return true;
}

struct gc_request *gc_request_ref(struct gc_request *r)
{
	atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
	return r;
}

void gc_request_unref(struct gc_request *r)
{
	if (!r || atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1)
		return;
	gc_arena_destroy(r->arena); /* r lives in it */
}

struct gc_batch *gc_request_decode(const struct gc_request *r, char **err)
{
	return gc_batch_decode(r->signal, r->data, r->len, err);
}
