/* Bounded decompression of request bodies and messages: a compressed input
 * never costs more memory than the limit its caller allows, whatever it
 * claims to inflate to. Shared by the OTLP receivers. */
#ifndef GC_INFLATE_H
#define GC_INFLATE_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

enum gc_inflate_format {
	GC_INFLATE_GZIP, /* RFC 1952; concatenated members are read one after another */
	GC_INFLATE_ZLIB, /* RFC 1950: what gRPC and HTTP call "deflate" */
};

/* Results besides GC_OK. */
enum {
	GC_INFLATE_TOO_LARGE = -10, /* the output would pass the limit */
	GC_INFLATE_BAD_DATA = -11,  /* corrupt, truncated, empty, or trailing bytes */
	GC_INFLATE_NO_MEMORY = -12,
};

/* Inflates in[0..len) in the given format. The output buffer starts small and
 * doubles only up to `limit` bytes, so memory stays near min(output, limit)
 * and the work stops at the first byte past the limit: exactly `limit` bytes
 * is GC_OK, one more is GC_INFLATE_TOO_LARGE. On GC_OK *out is a new buffer of
 * *out_len bytes (never NULL, even when empty) the caller frees; otherwise
 * *out is NULL and *out_len 0. */
int gc_inflate(const uint8_t *in, size_t len, enum gc_inflate_format format, size_t limit,
	       uint8_t **out, size_t *out_len);

/* A short text for a result of gc_inflate, for error messages. */
const char *gc_inflate_strerror(int rc);

#endif
