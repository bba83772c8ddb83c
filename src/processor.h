/* What every processor that holds no data shares: its entry point in the
 * pipeline, its id, where it hands batches on, its signal; creation, the
 * consumer accessor, a shutdown with nothing to emit, and forwarding. A
 * processor's struct begins with struct gc_processor_base, so the processor,
 * its base and its consumer are one pointer.
 *
 * Processors that hold data (processors/batch.c) keep state of their own and
 * do not use this. */
#ifndef GC_PROCESSOR_H
#define GC_PROCESSOR_H

#include <stddef.h>
#include <stdint.h>

#include "component.h"

struct gc_processor_base {
	struct gc_consumer consumer; /* first: the pipeline calls consume on it */
	char *id;		     /* heap copy of the component id */
	struct gc_consumer *next;    /* the stage after it */
	enum gc_signal signal;	     /* of the pipeline it is in */
};

typedef int (*gc_processor_consume_fn)(struct gc_consumer *self, struct gc_batch *batch,
				       char **err);

/* Allocates a zeroed processor of size bytes (at least the base) whose base
 * holds a copy of id, signal, next and consume; only consume is set on the
 * consumer, the core answers reserve and release for processors that hold
 * nothing. NULL with *err ("ID: out of memory") when out of memory. */
void *gc_processor_new(size_t size, const char *id, enum gc_signal signal,
		       struct gc_consumer *next, gc_processor_consume_fn consume, char **err);

/* Frees the base's id and the processor itself (what gc_processor_new
 * allocated); whatever else the processor holds is freed before. Accepts
 * NULL. */
void gc_processor_free(void *self);

/* The processor's entry point: gc_processor_ops.consumer for any processor
 * made with gc_processor_new. */
struct gc_consumer *gc_processor_consumer(void *self);

/* gc_processor_ops.shutdown of a processor that holds nothing back: nothing
 * to emit, nothing dropped. */
size_t gc_processor_no_shutdown(void *self, int64_t deadline_ns);

/* Hands batch on to the next stage, with the caller's reference; returns what
 * the stage returned (component.h: GC_OK, GC_FULL or GC_ERROR). */
int gc_processor_forward(struct gc_processor_base *base, struct gc_batch *batch, char **err);

/* The out-of-memory policy for a batch a processor could not finish: it is
 * refused whole (GC_FULL), so the receiver answers UNAVAILABLE / 503 and the
 * client retries; what the processor changed in it goes with it. Takes the
 * caller's reference, as gc_consume does; *err gets "ID: out of memory; retry
 * later". Returns GC_FULL. */
int gc_processor_out_of_memory(struct gc_processor_base *base, struct gc_batch *batch,
			       char **err);

#endif
