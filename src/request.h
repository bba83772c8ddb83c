/* An encoded request: what crosses an exporter's queue. The OTLP protobuf
 * bytes of one export request, the client metadata that travels with it, and
 * its size in items. Encoded once by the pipeline's last stage, shared by
 * reference between every exporter of the pipeline and every retry, and freed
 * when the last reference goes (a sender such as gRPC may keep one after its
 * send returned).
 *
 * Two encoded export requests of one signal concatenate into one valid request
 * (their only field, the repeated resource entries, appends), so exporter
 * batching joins requests by copying bytes, never by decoding them again. */
#ifndef GC_REQUEST_H
#define GC_REQUEST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"

struct gc_request {
	atomic_int refs;
	enum gc_signal signal;
	size_t items;			/* spans, log records or data points */
	size_t len;
	uint8_t *data;			/* len bytes of OTLP protobuf */
	const struct gc_metadata *metadata; /* or NULL; lives in arena */
	gc_arena *arena;		/* owns data and metadata */
};

/* Encodes batch (which it does not keep) into a new request with one
 * reference. NULL when out of memory. */
struct gc_request *gc_request_encode(const struct gc_batch *batch);

/* One request holding parts[0..n) in order (n >= 1), their bytes joined; the
 * metadata of parts[0], which all must share. Takes nothing over: the parts
 * keep their references. NULL when out of memory. */
struct gc_request *gc_request_join(struct gc_request *const *parts, size_t n);

/* True when a and b carry the same metadata (both none, or equal key/values). */
bool gc_metadata_equal(const struct gc_metadata *a, const struct gc_metadata *b);

struct gc_request *gc_request_ref(struct gc_request *r);

/* Drops a reference; the last one frees. Accepts NULL. */
void gc_request_unref(struct gc_request *r);

/* Decodes the request back into a batch (for exporters that print or inspect
 * data rather than send bytes). NULL with *err when it does not decode. */
struct gc_batch *gc_request_decode(const struct gc_request *r, char **err);

#endif
