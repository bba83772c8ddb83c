/* libFuzzer target: gc_inflate on any bytes. The first byte picks the format
 * (its low bit: gzip or zlib), the next two the limit (little-endian, so
 * 0..65535), the rest is the compressed input. Whatever the input, the output
 * never passes the limit; a failure leaves nothing behind; and a success is
 * exact: the same input inflates again under a limit of exactly its output
 * length, to the same bytes, and is too large one byte below. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inflate.h"

static void check_exact(const uint8_t *in, size_t len, enum gc_inflate_format format,
			const uint8_t *want, size_t want_len)
{
	uint8_t *out;
	size_t out_len;

	if (gc_inflate(in, len, format, want_len, &out, &out_len) != GC_OK || out_len != want_len ||
	    memcmp(out, want, want_len) != 0) {
		fprintf(stderr, "inflating again under a limit of %zu gave other bytes\n", want_len);
		abort();
	}
	free(out);
	if (want_len > 0 &&
	    gc_inflate(in, len, format, want_len - 1, &out, &out_len) != GC_INFLATE_TOO_LARGE) {
		fprintf(stderr, "%zu bytes of output passed a limit of %zu\n", want_len, want_len - 1);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum gc_inflate_format format;
	size_t limit;
	uint8_t *out = (uint8_t *)"";
	size_t out_len = 1;
	int rc;

	if (size < 3)
		return 0;
	format = (data[0] & 1) ? GC_INFLATE_ZLIB : GC_INFLATE_GZIP;
	limit = (size_t)data[1] | (size_t)data[2] << 8;
	rc = gc_inflate(data + 3, size - 3, format, limit, &out, &out_len);
	switch (rc) {
	case GC_OK:
		if (!out || out_len > limit) {
			fprintf(stderr, "output of %zu bytes over a limit of %zu\n", out_len, limit);
			abort();
		}
		check_exact(data + 3, size - 3, format, out, out_len);
		free(out);
		break;
	case GC_INFLATE_TOO_LARGE:
	case GC_INFLATE_BAD_DATA:
	case GC_INFLATE_NO_MEMORY:
		if (out || out_len) {
			fprintf(stderr, "a failure (%d) left output behind\n", rc);
			abort();
		}
		break;
	default:
		fprintf(stderr, "unexpected result %d\n", rc);
		abort();
	}
	return 0;
}
