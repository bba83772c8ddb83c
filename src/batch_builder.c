/* Groups added items by source scope entry, and scope entries by source
 * resource entry, through two small open-addressing tables keyed by pointer;
 * finish lays them out as the new request. Everything is allocated from the
 * new batch's arena, so a builder that fails or finishes frees in one call. */
#include "batch_builder.h"

#include <stdlib.h>
#include <string.h>

struct scope_group {
	const void *src;	 /* the source scope entry */
	size_t resource;	 /* index in resources */
	size_t next_in_resource; /* index + 1 of the next scope of that resource, 0: none */
	void **items;
	size_t n, cap;
};

struct resource_group {
	const void *src;	 /* the source resource entry */
	size_t first_scope, last_scope; /* index + 1, 0: none */
};

/* A set of pointers mapped to indexes, open addressing, power-of-two size. */
struct ptr_table {
	const void **keys;
	size_t *values;
	size_t n, cap;
};

struct gc_batch_builder {
	struct gc_batch *out; /* being built; its arena holds everything */
	struct ptr_table scope_index, resource_index, source_index;
	struct scope_group *scopes;
	size_t n_scopes, cap_scopes;
	struct resource_group *resources;
	size_t n_resources, cap_resources;
	size_t parts_cap;
	double bytes;	/* estimate: each item's share of its source's bytes */
	size_t items;
};

static size_t hash_ptr(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

/* The slot of key: where it is, or the empty slot where it would go. */
static size_t table_slot(const struct ptr_table *t, const void *key)
{
	size_t i = hash_ptr(key) & (t->cap - 1);

	while (t->keys[i] && t->keys[i] != key)
		i = (i + 1) & (t->cap - 1);
	return i;
}

static int table_grow(gc_arena *a, struct ptr_table *t)
{
	struct ptr_table bigger = { .cap = t->cap ? t->cap * 2 : 64 };

	bigger.keys = gc_arena_alloc(a, bigger.cap * sizeof(*bigger.keys));
	bigger.values = gc_arena_alloc(a, bigger.cap * sizeof(*bigger.values));
	if (!bigger.keys || !bigger.values)
		return GC_ERROR;
	memset(bigger.keys, 0, bigger.cap * sizeof(*bigger.keys));
	for (size_t i = 0; i < t->cap; i++) {
		if (t->keys[i]) {
			size_t s = table_slot(&bigger, t->keys[i]);

			bigger.keys[s] = t->keys[i];
			bigger.values[s] = t->values[i];
		}
	}
	bigger.n = t->n;
	*t = bigger;
	return GC_OK;
}

/* The index of key, or SIZE_MAX when absent. */
static size_t table_get(const struct ptr_table *t, const void *key)
{
	size_t s;

	if (!t->cap)
		return SIZE_MAX;
	s = table_slot(t, key);
	return t->keys[s] ? t->values[s] : SIZE_MAX;
}

static int table_put(gc_arena *a, struct ptr_table *t, const void *key, size_t value)
{
	size_t s;

	if ((t->n + 1) * 2 > t->cap && table_grow(a, t))
		return GC_ERROR;
	s = table_slot(t, key);
	t->keys[s] = key;
	t->values[s] = value;
	t->n++;
	return GC_OK;
}

/* Grows an arena array of elem-sized entries to hold need. */
static int grow(gc_arena *a, void **v, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap * 2 : 8;
	void *bigger;

	if (need <= *cap)
		return GC_OK;
	while (n < need)
		n *= 2;
	bigger = gc_arena_alloc(a, n * elem);
	if (!bigger)
		return GC_ERROR;
	if (*cap)
		memcpy(bigger, *v, *cap * elem);
	*v = bigger;
	*cap = n;
	return GC_OK;
}

struct gc_batch_builder *gc_batch_builder_new(enum gc_signal signal)
{
	struct gc_batch_builder *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->out = gc_batch_new(signal);
	if (!b->out) {
		free(b);
		return NULL;
	}
	return b;
}

/* Holds a reference on src once. */
static int add_source(struct gc_batch_builder *b, struct gc_batch *src)
{
	struct gc_batch *out = b->out;

	if (table_get(&b->source_index, src) != SIZE_MAX)
		return GC_OK;
	if (out->nparts == b->parts_cap) {
		size_t cap = b->parts_cap ? b->parts_cap * 2 : 8;
		struct gc_batch **parts = realloc(out->parts, cap * sizeof(*parts));

		if (!parts)
			return GC_ERROR;
		out->parts = parts;
		b->parts_cap = cap;
	}
	if (table_put(out->arena, &b->source_index, src, out->nparts))
		return GC_ERROR;
	out->parts[out->nparts++] = gc_batch_ref(src);
	return GC_OK;
}

/* The scope group of (resource, scope), created on first use. */
static struct scope_group *group_of(struct gc_batch_builder *b, const void *resource,
				    const void *scope)
{
	gc_arena *a = b->out->arena;
	size_t s = table_get(&b->scope_index, scope), r;
	struct scope_group *g;

	if (s != SIZE_MAX)
		return &b->scopes[s];
	r = table_get(&b->resource_index, resource);
	if (r == SIZE_MAX) {
		if (grow(a, (void **)&b->resources, &b->cap_resources, b->n_resources + 1,
			 sizeof(*b->resources)) ||
		    table_put(a, &b->resource_index, resource, b->n_resources))
			return NULL;
		r = b->n_resources++;
		b->resources[r] = (struct resource_group){ .src = resource };
	}
	if (grow(a, (void **)&b->scopes, &b->cap_scopes, b->n_scopes + 1, sizeof(*b->scopes)) ||
	    table_put(a, &b->scope_index, scope, b->n_scopes))
		return NULL;
	s = b->n_scopes++;
	g = &b->scopes[s];
	*g = (struct scope_group){ .src = scope, .resource = r };
	if (b->resources[r].last_scope)
		b->scopes[b->resources[r].last_scope - 1].next_in_resource = s + 1;
	else
		b->resources[r].first_scope = s + 1;
	b->resources[r].last_scope = s + 1;
	return g;
}

static int add_item(struct gc_batch_builder *b, struct gc_batch *src, const void *resource,
		    const void *scope, void *item)
{
	struct scope_group *g;

	if (add_source(b, src))
		return GC_ERROR;
	g = group_of(b, resource, scope);
	if (!g || grow(b->out->arena, (void **)&g->items, &g->cap, g->n + 1, sizeof(void *)))
		return GC_ERROR;
	g->items[g->n++] = item;
	b->items++;
	if (src->items)
		b->bytes += (double)src->bytes / (double)src->items;
	return GC_OK;
}

int gc_batch_builder_add_span(struct gc_batch_builder *b, const struct gc_span *span)
{
	if (b->out->signal != GC_SIGNAL_TRACES)
		return GC_ERROR;
	return add_item(b, span->batch, span->resource_spans, span->scope_spans, span->span);
}

int gc_batch_builder_add_log(struct gc_batch_builder *b, const struct gc_log *log)
{
	if (b->out->signal != GC_SIGNAL_LOGS)
		return GC_ERROR;
	return add_item(b, log->batch, log->resource_logs, log->scope_logs, log->record);
}

size_t gc_batch_builder_items(const struct gc_batch_builder *b)
{
	return b->items;
}

/* Sets the repeated message field `number` of m to items[0..n). */
static void set_field(void *m, unsigned number, void **items, size_t n)
{
	const ProtobufCMessageDescriptor *d = ((ProtobufCMessage *)m)->descriptor;
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(d, number);

	*(size_t *)((char *)m + f->quantifier_offset) = n;
	*(void ***)((char *)m + f->offset) = items;
}

/* A copy of a wrapper message (resource or scope entry) in a, with its
 * repeated field `number` set to items[0..n). */
static void *wrap(gc_arena *a, const void *src, unsigned number, void **items, size_t n)
{
	size_t size = ((const ProtobufCMessage *)src)->descriptor->sizeof_message;
	void *copy = gc_arena_alloc(a, size);

	if (!copy)
		return NULL;
	memcpy(copy, src, size);
	set_field(copy, number, items, n);
	return copy;
}

struct gc_batch *gc_batch_builder_finish(struct gc_batch_builder *b)
{
	struct gc_batch *out = b->out;
	gc_arena *a = out->arena;
	void **top = gc_arena_alloc(a, (b->n_resources ? b->n_resources : 1) * sizeof(void *));

	if (!top)
		goto fail;
	for (size_t r = 0; r < b->n_resources; r++) {
		struct resource_group *rg = &b->resources[r];
		size_t n = 0;
		void **scopes;

		for (size_t s = rg->first_scope; s; s = b->scopes[s - 1].next_in_resource)
			n++;
		scopes = gc_arena_alloc(a, n * sizeof(void *));
		if (!scopes)
			goto fail;
		n = 0;
		for (size_t s = rg->first_scope; s; s = b->scopes[s - 1].next_in_resource) {
			struct scope_group *g = &b->scopes[s - 1];

			scopes[n] = wrap(a, g->src, 2, g->items, g->n);
			if (!scopes[n++])
				goto fail;
		}
		top[r] = wrap(a, rg->src, 2, scopes, n);
		if (!top[r])
			goto fail;
	}
	set_field(out->msg, 1, top, b->n_resources);
	out->items = b->items;
	out->bytes = (size_t)b->bytes;
	free(b);
	return out;
fail:
	gc_batch_builder_free(b);
	return NULL;
}

void gc_batch_builder_free(struct gc_batch_builder *b)
{
	if (!b)
		return;
	gc_batch_unref(b->out);
	free(b);
}
