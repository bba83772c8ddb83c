/* Splitting a batch into pieces of at most N items. All three OTLP requests
 * have one shape: request.1 = repeated Resource*; Resource*.2 = repeated Scope*;
 * Scope*.2 = repeated items (spans, log records, metrics). The code walks that
 * shape through protobuf-c descriptors, so one function serves every signal.
 * Pieces copy only the resource and scope wrappers; items are shared by
 * pointer with the original, which each piece keeps referenced. */
#include <stdlib.h>
#include <string.h>

#include "batch.h"

struct repeated {
	size_t *n;
	void ***items;
};

/* The repeated message field `number` of message m. */
static struct repeated repeated_field(void *m, unsigned number)
{
	const ProtobufCMessageDescriptor *d = ((ProtobufCMessage *)m)->descriptor;
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(d, number);
	struct repeated r = { (size_t *)((char *)m + f->quantifier_offset),
			      (void ***)((char *)m + f->offset) };

	return r;
}

/* The data message (Gauge, Sum, Histogram, ...) a Metric carries in its oneof,
 * and where the Metric points at it; NULL when none is set. */
static void **metric_data(void *metric)
{
	const ProtobufCMessageDescriptor *d = ((ProtobufCMessage *)metric)->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && f->type == PROTOBUF_C_TYPE_MESSAGE &&
		    *(uint32_t *)((char *)metric + f->quantifier_offset) == f->id)
			return (void **)((char *)metric + f->offset);
	}
	return NULL;
}

/* Items an entry counts for: 1 per span or log record, a metric's data points. */
static size_t item_weight(enum gc_signal signal, void *item)
{
	void **data;

	if (signal != GC_SIGNAL_METRICS)
		return 1;
	data = metric_data(item);
	return data && *data ? *repeated_field(*data, 1).n : 0;
}

/* A copy of metric carrying data points [off, off + n) of the original, or
 * NULL when out of memory. */
static void *metric_slice(gc_arena *arena, void *metric, size_t off, size_t n)
{
	size_t size = ((ProtobufCMessage *)metric)->descriptor->sizeof_message;
	void *copy = gc_arena_alloc(arena, size), *data;
	void **slot;
	struct repeated points;

	if (!copy)
		return NULL;
	memcpy(copy, metric, size);
	slot = metric_data(copy);
	size = ((ProtobufCMessage *)*slot)->descriptor->sizeof_message;
	data = gc_arena_alloc(arena, size);
	if (!data)
		return NULL;
	memcpy(data, *slot, size);
	points = repeated_field(data, 1);
	*points.items += off;
	*points.n = n;
	*slot = data;
	return copy;
}

/* Copies a wrapper message (resource or scope entry) into arena, with its
 * repeated field `number` emptied and room for cap entries; NULL when out of
 * memory. */
static void *clone_wrapper(gc_arena *arena, void *src, unsigned number, size_t cap)
{
	size_t size = ((ProtobufCMessage *)src)->descriptor->sizeof_message;
	void *dst = gc_arena_alloc(arena, size);
	struct repeated r;

	if (!dst)
		return NULL;
	memcpy(dst, src, size);
	r = repeated_field(dst, number);
	*r.n = 0;
	*r.items = gc_arena_alloc(arena, (cap ? cap : 1) * sizeof(void *));
	return *r.items ? dst : NULL;
}

struct splitter {
	struct gc_batch *source;
	struct gc_batch **pieces;
	size_t n_pieces;
	struct gc_batch *cur;
	size_t cur_items;
	void *cur_resource_src, *cur_resource; /* last resource entry added to cur */
};

static int open_piece(struct splitter *sp)
{
	struct gc_batch *p = gc_batch_new(sp->source->signal);
	size_t n_top = *repeated_field(sp->source->msg, 1).n;
	struct repeated top;

	if (!p || !(p->parts = malloc(sizeof(*p->parts)))) {
		gc_batch_unref(p);
		return -1;
	}
	p->parts[p->nparts++] = gc_batch_ref(sp->source);
	top = repeated_field(p->msg, 1);
	*top.items = gc_arena_alloc(p->arena, (n_top ? n_top : 1) * sizeof(void *));
	if (!*top.items) {
		gc_batch_unref(p);
		return -1;
	}
	sp->cur = p;
	sp->cur_items = 0;
	sp->cur_resource_src = sp->cur_resource = NULL;
	return 0;
}

static void close_piece(struct splitter *sp)
{
	if (!sp->cur)
		return;
	sp->cur->items = sp->cur_items;
	sp->cur->bytes = sp->source->items ? sp->source->bytes * sp->cur_items / sp->source->items : 0;
	sp->pieces[sp->n_pieces++] = sp->cur;
	sp->cur = NULL;
}

/* Adds items[0..n) of scope (inside resource) to the open piece. 0, or -1
 * when out of memory. */
static int add_slice(struct splitter *sp, void *resource, void *scope, void **items, size_t n)
{
	gc_arena *a = sp->cur->arena;
	struct repeated top = repeated_field(sp->cur->msg, 1), scopes, slice;
	void *sc;

	if (sp->cur_resource_src != resource) {
		size_t n_scopes = *repeated_field(resource, 2).n;

		sp->cur_resource = clone_wrapper(a, resource, 2, n_scopes);
		if (!sp->cur_resource)
			return -1;
		sp->cur_resource_src = resource;
		(*top.items)[(*top.n)++] = sp->cur_resource;
	}
	scopes = repeated_field(sp->cur_resource, 2);
	sc = gc_arena_alloc(a, ((ProtobufCMessage *)scope)->descriptor->sizeof_message);
	if (!sc)
		return -1;
	memcpy(sc, scope, ((ProtobufCMessage *)scope)->descriptor->sizeof_message);
	slice = repeated_field(sc, 2);
	*slice.n = n;
	*slice.items = items; /* shared with the source batch */
	(*scopes.items)[(*scopes.n)++] = sc;
	return 0;
}

size_t gc_batch_split(struct gc_batch *batch, size_t max_items, struct gc_batch ***out)
{
	struct splitter sp = { .source = batch };
	struct repeated top = repeated_field(batch->msg, 1);
	size_t cap = 2 * (batch->items / (max_items ? max_items : 1)) + 2;

	*out = NULL;
	if (!max_items || batch->items <= max_items) {
		*out = malloc(sizeof(**out));
		if (!*out) {
			gc_batch_unref(batch);
			return 0;
		}
		(*out)[0] = batch;
		return 1;
	}
	/* Every scope entry can start a piece, on top of the size-driven ones;
	 * every divided metric can end one early. */
	for (size_t r = 0; r < *top.n; r++) {
		struct repeated scopes = repeated_field((*top.items)[r], 2);

		cap += *scopes.n;
		for (size_t sc = 0; sc < *scopes.n; sc++)
			cap += *repeated_field((*scopes.items)[sc], 2).n;
	}
	sp.pieces = malloc(cap * sizeof(*sp.pieces));
	if (!sp.pieces)
		goto fail;
	for (size_t r = 0; r < *top.n; r++) {
		void *res = (*top.items)[r];
		struct repeated scopes = repeated_field(res, 2);

		for (size_t s = 0; s < *scopes.n; s++) {
			void *scope = (*scopes.items)[s];
			struct repeated items = repeated_field(scope, 2);
			size_t i = 0;

			while (i < *items.n) {
				size_t take = 0, weight = 0, w;

				if (!sp.cur && open_piece(&sp))
					goto fail;
				while (i + take < *items.n) {
					w = item_weight(batch->signal, (*items.items)[i + take]);
					if (sp.cur_items + weight + w > max_items)
						break;
					weight += w;
					take++;
				}
				if (take) {
					if (add_slice(&sp, res, scope, *items.items + i, take))
						goto fail;
					i += take;
					sp.cur_items += weight;
					if (sp.cur_items >= max_items)
						close_piece(&sp);
					continue;
				}
				w = item_weight(batch->signal, (*items.items)[i]);
				if (w <= max_items) { /* fits in the next piece */
					close_piece(&sp);
					continue;
				}
				/* A metric with more points than a piece holds: divide it. */
				for (size_t off = 0; off < w;) {
					size_t n;
					void **one;

					if (!sp.cur && open_piece(&sp))
						goto fail;
					n = max_items - sp.cur_items;
					if (n > w - off)
						n = w - off;
					one = gc_arena_alloc(sp.cur->arena, sizeof(*one));
					if (!one || !(*one = metric_slice(sp.cur->arena,
									 (*items.items)[i], off, n)) ||
					    add_slice(&sp, res, scope, one, 1))
						goto fail;
					off += n;
					sp.cur_items += n;
					if (sp.cur_items >= max_items)
						close_piece(&sp);
				}
				i++;
			}
		}
	}
	close_piece(&sp);
	gc_batch_unref(batch);
	*out = sp.pieces;
	return sp.n_pieces;
fail:
	gc_batch_unref(sp.cur);
	for (size_t i = 0; i < sp.n_pieces; i++)
		gc_batch_unref(sp.pieces[i]);
	free(sp.pieces);
	gc_batch_unref(batch);
	return 0;
}
