/* The batch builder: assembles a new batch from spans (or log records) of
 * several batches, by reference. A component that holds data (a tail sampler
 * keeping spans by trace, then emitting whole traces) adds what it chose, in
 * any order, and gets one batch whose request groups them under their original
 * resource and scope entries; items of one scope entry of one source stay in
 * the order they were added.
 *
 * Nothing is copied but the resource and scope wrappers and the item pointer
 * arrays: the new batch points into its sources and holds a reference to each,
 * so they live until it is freed. The resource and scope messages are shared
 * with the sources (and with other batches built from them), which is why a
 * processor that rewrites in place must run before a holder (before_holders).
 *
 * One builder is used by one thread at a time. */
#ifndef GC_BATCH_BUILDER_H
#define GC_BATCH_BUILDER_H

#include "span.h"

struct gc_batch_builder;

/* An empty builder for traces or logs. NULL when out of memory. */
struct gc_batch_builder *gc_batch_builder_new(enum gc_signal signal);

/* Adds one span (the builder's signal must be traces) or one log record. The
 * view's batch gets a reference from the builder, held by the built batch.
 * GC_OK, or GC_ERROR when out of memory (the builder stays usable: what was
 * added before is kept). */
int gc_batch_builder_add_span(struct gc_batch_builder *b, const struct gc_span *span);
int gc_batch_builder_add_log(struct gc_batch_builder *b, const struct gc_log *log);

/* Items added so far. */
size_t gc_batch_builder_items(const struct gc_batch_builder *b);

/* The batch, with one reference, and frees the builder. NULL when out of
 * memory (the builder is freed either way, its references released). A
 * builder with nothing added gives an empty batch. */
struct gc_batch *gc_batch_builder_finish(struct gc_batch_builder *b);

/* Frees an unfinished builder and releases its references. Accepts NULL. */
void gc_batch_builder_free(struct gc_batch_builder *b);

#endif
