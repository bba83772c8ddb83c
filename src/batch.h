/* A batch: one decoded OTLP export request and the arena that owns every byte of
 * it. Shared between exporters by reference count; read-only once shared; freed
 * in one call when the last reference goes. A batch made from other batches
 * (merged by the batch processor, or split) points into their arenas and holds
 * a reference to each of them. */
#ifndef GC_BATCH_H
#define GC_BATCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "common.h"

struct gc_reservation;
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest gc_traces_req;
typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest gc_logs_req;
typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest gc_metrics_req;

/* Request metadata a receiver passed on (HTTP headers, gRPC metadata), in the
 * batch's arena. Keys are lowercase. */
struct gc_metadata {
	size_t n;
	char **keys;
	char **values;
};

struct gc_batch {
	atomic_int refs;
	enum gc_signal signal;
	gc_arena *arena;
	union {
		gc_traces_req *traces;
		gc_logs_req *logs;
		gc_metrics_req *metrics;
		ProtobufCMessage *msg;
	};
	size_t items;		  /* spans, log records or metric data points */
	size_t bytes;		  /* its size as OTLP protobuf on the wire (pieces of a
				   * split: their share); what the bytes sizer reserves */
	struct gc_reservation *reservation; /* room reserved ahead of the stage it is
					     * handed to (component.h), or NULL */
	struct gc_metadata *metadata; /* client metadata (include_metadata), or NULL */
	struct gc_batch **parts;  /* batches this one points into (referenced) */
	size_t nparts;
};

/* A request may take at most GC_DECODE_RATIO times its wire size plus
 * GC_DECODE_SLACK bytes once decoded (a JSON body also GC_JSON_PARSE_RATIO
 * times for its parse tree, freed after decoding); past that it is refused as
 * invalid, so memory follows input size whatever the input. Protobuf from
 * SDKs decodes into 3-8 times its size, 21 for attributes of one-letter keys
 * and int values; empty attributes take about 60. */
#define GC_DECODE_RATIO 16
#define GC_DECODE_SLACK ((size_t)1 << 20)

/* How an OTLP request body is encoded. */
enum gc_format { GC_FORMAT_PROTOBUF, GC_FORMAT_JSON };

/* Decodes an OTLP export request of the given signal from wire bytes into a new
 * batch with one reference. The bytes are not kept. NULL with *err on bad input,
 * or with errno ENOMEM when memory ran out (the client may retry). */
struct gc_batch *gc_batch_decode(enum gc_signal signal, const uint8_t *buf, size_t len,
				 char **err);

/* The same from OTLP/JSON text. */
struct gc_batch *gc_batch_decode_json(enum gc_signal signal, const char *json, size_t len,
				      char **err);

/* Either, by format. */
struct gc_batch *gc_batch_decode_as(enum gc_signal signal, enum gc_format format,
				    const uint8_t *buf, size_t len, char **err);

/* The protobuf-c descriptor of the signal's export request and response. */
const ProtobufCMessageDescriptor *gc_request_descriptor(enum gc_signal signal);
const ProtobufCMessageDescriptor *gc_response_descriptor(enum gc_signal signal);

/* An empty batch (request with no resource entries) with one reference. */
struct gc_batch *gc_batch_new(enum gc_signal signal);

/* Adds a reference. Returns batch. */
struct gc_batch *gc_batch_ref(struct gc_batch *batch);

/* Drops a reference; the last one frees the arena and releases the parts.
 * Accepts NULL. */
void gc_batch_unref(struct gc_batch *batch);

/* Makes a batch whose request lists every resource entry of the inputs, in
 * order. Takes over the callers' references to inputs[0..n). */
struct gc_batch *gc_batch_merge(struct gc_batch **inputs, size_t n);

/* Splits batch into pieces of at most max_items items (spans, log records or
 * data points; resource and scope entries are repeated as needed). Takes over
 * the caller's reference. Returns the number of pieces written to *out (a heap
 * array the caller frees), or 0 when out of memory. */
size_t gc_batch_split(struct gc_batch *batch, size_t max_items, struct gc_batch ***out);

/* OTLP rules protobuf does not express: trace IDs of 16 bytes, span IDs of 8
 * (or empty), in spans, links, log records and exemplars. GC_OK or GC_ERROR
 * with the reason in *err. */
int gc_batch_validate(const struct gc_batch *batch, char **err);

/* Counts spans / log records / data points in the request. */
size_t gc_batch_count(const struct gc_batch *batch);

/* Encoded size and encoding of the request. */
size_t gc_batch_encoded_size(const struct gc_batch *batch);
size_t gc_batch_encode(const struct gc_batch *batch, uint8_t *out);

#endif
