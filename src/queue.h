/* The queue behind every exporter: bounded, sized by a sizer, and the
 * exporter's batcher. What crosses it is an encoded request (request.h).
 *
 * The pipeline's last stage reserves room in every exporter's queue before
 * any pipeline consumes (so a full queue refuses a request before anything ran
 * on it), then pushes into the reserved room. Consumer threads pop what is
 * ready to go out together, send it, and ack it, which frees its room: a
 * queue bounds what its exporter holds, queued and in flight.
 *
 * An interface with one implementation today (in memory); a persistent
 * on-disk queue is a second one behind the same calls. */
#ifndef GC_QUEUE_H
#define GC_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "component.h"
#include "request.h"

enum gc_sizer { GC_SIZER_REQUESTS, GC_SIZER_ITEMS, GC_SIZER_BYTES };

struct gc_queue_config {
	enum gc_sizer sizer;
	size_t capacity;	/* in the sizer's unit */
	bool batching;		/* join requests before they go out */
	enum gc_sizer batch_sizer; /* items or bytes: the unit of min and max */
	int64_t flush_timeout;	/* ns: what waited this long goes out anyway */
	size_t min_size;	/* go out once this much is queued */
	size_t max_size;	/* never more in one send (0: no limit) */
};

/* What a consumer takes out: requests of one signal and metadata, in arrival
 * order, to be sent as one. */
struct gc_queue_batch {
	struct gc_request **reqs;
	size_t n, cap;
	size_t units; /* room they take, in the queue's sizer unit */
};

struct gc_queue;

struct gc_queue_ops {
	int (*reserve)(struct gc_queue *q, const struct gc_load *load);
	void (*release)(struct gc_queue *q, const struct gc_load *load);
	void (*push)(struct gc_queue *q, struct gc_request *req, const struct gc_load *reserved);
	bool (*pop)(struct gc_queue *q, struct gc_queue_batch *out);
	void (*ack)(struct gc_queue *q, struct gc_queue_batch *b);
	void (*stop)(struct gc_queue *q);
	size_t (*size)(struct gc_queue *q);
	bool (*idle)(struct gc_queue *q);
	void (*destroy)(struct gc_queue *q);
};

struct gc_queue {
	const struct gc_queue_ops *ops;
	struct gc_queue_config config;
};

/* The in-memory queue. NULL when out of memory. */
struct gc_queue *gc_queue_memory_new(const struct gc_queue_config *config);

/* Room for load, all or nothing: GC_OK, or GC_FULL when the queue is full or
 * stopping. A queue that holds nothing takes a load of any size. */
static inline int gc_queue_reserve(struct gc_queue *q, const struct gc_load *load)
{
	return q->ops->reserve(q, load);
}

/* Gives back a reservation that will not be pushed. */
static inline void gc_queue_release(struct gc_queue *q, const struct gc_load *load)
{
	q->ops->release(q, load);
}

/* Puts req (its reference taken over) into the room reserved for `reserved`;
 * the request takes its own size, which processors may have changed. */
static inline void gc_queue_push(struct gc_queue *q, struct gc_request *req,
				 const struct gc_load *reserved)
{
	q->ops->push(q, req, reserved);
}

/* Blocks until a batch is ready (batching: min_size reached, flush_timeout
 * passed, or stopping; otherwise one request), and fills *out with references
 * the caller owns until ack. false once stopped and empty. */
static inline bool gc_queue_pop(struct gc_queue *q, struct gc_queue_batch *out)
{
	return q->ops->pop(q, out);
}

/* The batch was sent, or given up on: frees its room and its references. */
static inline void gc_queue_ack(struct gc_queue *q, struct gc_queue_batch *b)
{
	q->ops->ack(q, b);
}

/* No reservations from now on; pop hands out what is left without waiting
 * for batches to fill, then returns false. */
static inline void gc_queue_stop(struct gc_queue *q)
{
	q->ops->stop(q);
}

/* Room taken by what the queue holds, waiting and in flight, in the sizer's
 * unit: what reserve compares with the capacity. */
static inline size_t gc_queue_size(struct gc_queue *q)
{
	return q->ops->size(q);
}

/* True when nothing waits and nothing is in flight. */
static inline bool gc_queue_idle(struct gc_queue *q)
{
	return q->ops->idle(q);
}

/* Frees what is left. Accepts NULL. */
static inline void gc_queue_destroy(struct gc_queue *q)
{
	if (q)
		q->ops->destroy(q);
}

/* The room load takes under sizer. */
size_t gc_load_units(enum gc_sizer sizer, const struct gc_load *load);

/* The load of an encoded request. */
struct gc_load gc_request_load(const struct gc_request *req);

/* Frees the array of a popped batch (after ack). */
void gc_queue_batch_free(struct gc_queue_batch *b);

#endif
