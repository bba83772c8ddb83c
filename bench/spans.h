/* Deterministic GenAI span payloads for the load generator, the sink's
 * checks and the floor benchmark. The same (profile, seed, sizes) always
 * yields the same bytes. */
#ifndef BENCH_SPANS_H
#define BENCH_SPANS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum bench_profile {
	/* ~15 attributes per chat span, ~555 encoded bytes */
	BENCH_PROFILE_METADATA,
	/* metadata plus ~2 KB of prompt and completion text as JSON strings in
	 * gen_ai.input.messages / gen_ai.output.messages */
	BENCH_PROFILE_CONTENT,
};

/* One encoded ExportTraceServiceRequest. */
struct bench_request {
	uint8_t *data;
	size_t len;
	uint32_t spans;
	uint64_t span_digest; /* sum of wire_span_hash over its spans */
};

/* A set of distinct requests generated up front; senders cycle through it. */
struct bench_pool {
	enum bench_profile profile;
	struct bench_request *requests;
	size_t count;
	uint64_t spans;         /* over all requests */
	uint64_t request_bytes; /* sum of encoded request sizes */
	uint64_t span_bytes;    /* sum of encoded Span messages alone */
	uint64_t attributes;    /* sum of span attribute counts */
};

/* "metadata" or "content". Returns 0, or -1 for an unknown name. */
int bench_profile_parse(const char *name, enum bench_profile *out);
const char *bench_profile_name(enum bench_profile profile);

/* Fills pool with count requests of spans_per_request spans each: one
 * resource and one scope per request, spans grouped into traces of one to
 * five LLM calls. Returns 0, or -1 when out of memory. The pool owns the
 * bytes; release them with bench_pool_free (which accepts a zeroed pool). */
int bench_pool_generate(struct bench_pool *pool, enum bench_profile profile,
			size_t count, size_t spans_per_request, uint64_t seed);
void bench_pool_free(struct bench_pool *pool);

/* Mean size of an encoded Span message, and of a request divided by its
 * spans (which adds the resource, scope and framing). */
double bench_pool_span_bytes(const struct bench_pool *pool);
double bench_pool_request_bytes_per_span(const struct bench_pool *pool);

/* One line describing the pool: profile, request count, sizes. */
void bench_pool_print(const struct bench_pool *pool, FILE *out);

#endif
