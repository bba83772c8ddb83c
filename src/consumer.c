/* The reservation protocol every stage speaks (component.h). */
#include "component.h"

struct gc_load gc_batch_load(const struct gc_batch *batch)
{
	struct gc_load l = { 1, batch->items, batch->bytes };

	return l;
}

int gc_reserve_and_consume(struct gc_consumer *c, struct gc_batch *batch, char **err)
{
	struct gc_reservation r = { .load = gc_batch_load(batch), .offered = true };
	int rc;

	if (c->reserve(c, &r, err) != GC_OK)
		return GC_FULL;
	batch->reservation = &r;
	rc = c->consume(c, batch, err);
	if (!r.used)
		c->release(c, &r);
	return rc == GC_FULL ? GC_ERROR : rc; /* taken either way */
}

struct gc_reservation *gc_reservation_take(struct gc_batch *batch)
{
	struct gc_reservation *r = batch->reservation;

	batch->reservation = NULL;
	if (r)
		r->used = true;
	return r;
}
