/* The shared part of processors that hold no data (processor.h). */
#include "processor.h"

#include <stdlib.h>
#include <string.h>

void *gc_processor_new(size_t size, const char *id, enum gc_signal signal,
		       struct gc_consumer *next, gc_processor_consume_fn consume, char **err)
{
	struct gc_processor_base *base = calloc(1, size);

	if (!base || !(base->id = strdup(id))) {
		free(base);
		gc_set_err(err, "%s: out of memory", id);
		return NULL;
	}
	base->consumer.consume = consume;
	base->next = next;
	base->signal = signal;
	return base;
}

void gc_processor_free(void *self)
{
	struct gc_processor_base *base = self;

	if (!base)
		return;
	free(base->id);
	free(base);
}

struct gc_consumer *gc_processor_consumer(void *self)
{
	return &((struct gc_processor_base *)self)->consumer;
}

size_t gc_processor_no_shutdown(void *self, int64_t deadline_ns)
{
	(void)self;
	(void)deadline_ns;
	return 0;
}

int gc_processor_forward(struct gc_processor_base *base, struct gc_batch *batch, char **err)
{
	return gc_consume(base->next, batch, err);
}

int gc_processor_out_of_memory(struct gc_processor_base *base, struct gc_batch *batch,
			       char **err)
{
	gc_batch_unref(batch);
	gc_set_err(err, "%s: out of memory; retry later", base->id);
	return GC_FULL;
}
