/* Reading OTLP trace requests straight from protobuf wire bytes, without
 * unpacking: counting spans (the sink) and touching every field (the floor's
 * lower bound). */
#ifndef BENCH_WIRE_H
#define BENCH_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* What a walk over an ExportTraceServiceRequest found. */
struct wire_summary {
	uint64_t spans;
	uint64_t span_digest; /* sum of wire_span_hash over every span */
};

/* 64-bit hash of one encoded Span (its bytes, without tag and length).
 * Sums of it compare span multisets independently of order and batching. */
uint64_t wire_span_hash(const uint8_t *data, size_t len);

/* Walks ExportTraceServiceRequest -> ResourceSpans -> ScopeSpans -> Span and
 * fills out. Returns 0, or -1 when the bytes are not well-formed at those
 * three levels. Unknown fields are skipped. */
int wire_count_spans(const uint8_t *data, size_t len, struct wire_summary *out);

/* Visits every field of every message of the request, down to attribute
 * values, checking lengths as a decoder would, and folds what it read into
 * *checksum. Returns the number of spans, or -1 on malformed input. */
int64_t wire_walk_all(const uint8_t *data, size_t len, uint64_t *checksum);

#endif
