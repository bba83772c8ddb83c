/* gc_inflate: round trips in both formats, the limit exact to the byte,
 * truncated, corrupt, empty and mislabelled input, gzip members one after
 * another, and a bomb that stops at the limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "inflate.h"

struct bytes {
	uint8_t *data;
	size_t len;
};

/* `repeats` copies of chunk[0..chunk_len) compressed in `format` at level 9,
 * without ever holding the uncompressed whole. */
static struct bytes compress_repeated(const uint8_t *chunk, size_t chunk_len, size_t repeats,
				      enum gc_inflate_format format)
{
	struct bytes out = { 0 };
	size_t cap = 4096;
	z_stream z;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED,
				      format == GC_INFLATE_GZIP ? 16 + MAX_WBITS : MAX_WBITS, 9,
				      Z_DEFAULT_STRATEGY),
			 Z_OK);
	out.data = malloc(cap);
	assert_non_null(out.data);
	for (size_t i = 0; i <= repeats; i++) {
		int flush = i == repeats ? Z_FINISH : Z_NO_FLUSH;
		int rc;

		z.next_in = (Bytef *)chunk;
		z.avail_in = i == repeats ? 0 : (uInt)chunk_len;
		do {
			if (cap - out.len < 1024) {
				cap *= 2;
				out.data = realloc(out.data, cap);
				assert_non_null(out.data);
			}
			z.next_out = out.data + out.len;
			z.avail_out = (uInt)(cap - out.len);
			rc = deflate(&z, flush);
			out.len = cap - z.avail_out;
		} while (z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	}
	deflateEnd(&z);
	return out;
}

static struct bytes compress_bytes(const uint8_t *data, size_t len, enum gc_inflate_format format)
{
	return compress_repeated(data, len, 1, format);
}

/* Deterministic bytes that compress only a little. */
static uint8_t *pattern(size_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	uint32_t x = 2463534242u;

	assert_non_null(p);
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)('a' + x % 16);
	}
	return p;
}

static void test_round_trip_both_formats(void **state)
{
	const size_t len = 300000;
	uint8_t *data = pattern(len);

	(void)state;
	for (int f = GC_INFLATE_GZIP; f <= GC_INFLATE_ZLIB; f++) {
		struct bytes z = compress_bytes(data, len, (enum gc_inflate_format)f);
		uint8_t *out;
		size_t out_len;

		assert_int_equal(gc_inflate(z.data, z.len, (enum gc_inflate_format)f, 1 << 20, &out,
					    &out_len),
				 GC_OK);
		assert_int_equal(out_len, len);
		assert_memory_equal(out, data, len);
		free(out);
		free(z.data);
	}
	free(data);
}

/* Exactly `limit` bytes inflate; limit + 1 bytes are too large, in both
 * formats, for limits below, at and past the first buffer's size. */
static void test_limit_exact_at_the_boundary(void **state)
{
	static const size_t limits[] = { 1, 2, 1000, 16383, 16384, 16385, 65536, 100001, 1 << 20 };

	(void)state;
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		size_t limit = limits[i];
		uint8_t *data = pattern(limit + 1);

		for (int f = GC_INFLATE_GZIP; f <= GC_INFLATE_ZLIB; f++) {
			struct bytes at = compress_bytes(data, limit, (enum gc_inflate_format)f);
			struct bytes over = compress_bytes(data, limit + 1, (enum gc_inflate_format)f);
			uint8_t *out = (uint8_t *)"untouched";
			size_t out_len = 12345;

			assert_int_equal(gc_inflate(at.data, at.len, (enum gc_inflate_format)f, limit,
						    &out, &out_len),
					 GC_OK);
			assert_int_equal(out_len, limit);
			assert_memory_equal(out, data, limit);
			free(out);

			assert_int_equal(gc_inflate(over.data, over.len, (enum gc_inflate_format)f,
						    limit, &out, &out_len),
					 GC_INFLATE_TOO_LARGE);
			assert_null(out);
			assert_int_equal(out_len, 0);
			free(at.data);
			free(over.data);
		}
		free(data);
	}
}

static void test_limit_zero(void **state)
{
	struct bytes empty = compress_bytes((const uint8_t *)"", 0, GC_INFLATE_GZIP);
	struct bytes one = compress_bytes((const uint8_t *)"x", 1, GC_INFLATE_GZIP);
	uint8_t *out;
	size_t out_len;

	(void)state;
	assert_int_equal(gc_inflate(empty.data, empty.len, GC_INFLATE_GZIP, 0, &out, &out_len),
			 GC_OK);
	assert_non_null(out); /* never NULL on success, even when empty */
	assert_int_equal(out_len, 0);
	free(out);
	assert_int_equal(gc_inflate(one.data, one.len, GC_INFLATE_GZIP, 0, &out, &out_len),
			 GC_INFLATE_TOO_LARGE);
	assert_int_equal(gc_inflate(one.data, one.len, GC_INFLATE_GZIP, 1, &out, &out_len), GC_OK);
	assert_int_equal(out_len, 1);
	assert_int_equal(out[0], 'x');
	free(out);
	free(empty.data);
	free(one.data);
}

/* Every proper prefix of a valid stream is cut short: bad data, never OK. */
static void test_truncated_stream(void **state)
{
	uint8_t *data = pattern(5000);

	(void)state;
	for (int f = GC_INFLATE_GZIP; f <= GC_INFLATE_ZLIB; f++) {
		struct bytes z = compress_bytes(data, 5000, (enum gc_inflate_format)f);

		for (size_t cut = 0; cut < z.len; cut++) {
			uint8_t *out = (uint8_t *)"untouched";
			size_t out_len = 1;

			assert_int_equal(gc_inflate(z.data, cut, (enum gc_inflate_format)f, 1 << 20,
						    &out, &out_len),
					 GC_INFLATE_BAD_DATA);
			assert_null(out);
			assert_int_equal(out_len, 0);
		}
		free(z.data);
	}
	free(data);
}

static void test_garbage(void **state)
{
	static const char text[] = "this is not compressed data at all";
	uint8_t *noise = pattern(4096);
	uint8_t *out;
	size_t out_len;

	(void)state;
	for (int f = GC_INFLATE_GZIP; f <= GC_INFLATE_ZLIB; f++) {
		assert_int_equal(gc_inflate((const uint8_t *)text, sizeof(text) - 1,
					    (enum gc_inflate_format)f, 1 << 20, &out, &out_len),
				 GC_INFLATE_BAD_DATA);
		assert_int_equal(gc_inflate(noise, 4096, (enum gc_inflate_format)f, 1 << 20, &out,
					    &out_len),
				 GC_INFLATE_BAD_DATA);
	}
	free(noise);
}

/* A flipped bit in the body or in the gzip trailer's CRC is caught. */
static void test_corrupt_checksum(void **state)
{
	uint8_t *data = pattern(20000);
	struct bytes z = compress_bytes(data, 20000, GC_INFLATE_GZIP);
	uint8_t *out;
	size_t out_len;

	(void)state;
	z.data[z.len - 6] ^= 0x01; /* in the CRC-32 */
	assert_int_equal(gc_inflate(z.data, z.len, GC_INFLATE_GZIP, 1 << 20, &out, &out_len),
			 GC_INFLATE_BAD_DATA);
	z.data[z.len - 6] ^= 0x01;
	z.data[z.len / 2] ^= 0x10; /* in the body */
	assert_int_equal(gc_inflate(z.data, z.len, GC_INFLATE_GZIP, 1 << 20, &out, &out_len),
			 GC_INFLATE_BAD_DATA);
	free(z.data);
	free(data);
}

static void test_empty_input(void **state)
{
	uint8_t *out = (uint8_t *)"untouched";
	size_t out_len = 7;

	(void)state;
	assert_int_equal(gc_inflate((const uint8_t *)"", 0, GC_INFLATE_GZIP, 100, &out, &out_len),
			 GC_INFLATE_BAD_DATA);
	assert_null(out);
	assert_int_equal(out_len, 0);
	assert_int_equal(gc_inflate(NULL, 0, GC_INFLATE_ZLIB, 100, &out, &out_len),
			 GC_INFLATE_BAD_DATA);
}

static void test_wrong_format(void **state)
{
	struct bytes gz = compress_bytes((const uint8_t *)"hello", 5, GC_INFLATE_GZIP);
	struct bytes zl = compress_bytes((const uint8_t *)"hello", 5, GC_INFLATE_ZLIB);
	uint8_t *out;
	size_t out_len;

	(void)state;
	assert_int_equal(gc_inflate(gz.data, gz.len, GC_INFLATE_ZLIB, 100, &out, &out_len),
			 GC_INFLATE_BAD_DATA);
	assert_int_equal(gc_inflate(zl.data, zl.len, GC_INFLATE_GZIP, 100, &out, &out_len),
			 GC_INFLATE_BAD_DATA);
	free(gz.data);
	free(zl.data);
}

/* gzip members one after another inflate to their concatenation, and the
 * limit covers all of them; bytes after a zlib stream, or junk after a gzip
 * member, are bad data. */
static void test_members_and_trailing_bytes(void **state)
{
	struct bytes a = compress_bytes((const uint8_t *)"first,", 6, GC_INFLATE_GZIP);
	struct bytes b = compress_bytes((const uint8_t *)"second", 6, GC_INFLATE_GZIP);
	struct bytes zl = compress_bytes((const uint8_t *)"zlib", 4, GC_INFLATE_ZLIB);
	uint8_t *both = malloc(a.len + b.len + 1);
	uint8_t *out;
	size_t out_len;

	(void)state;
	assert_non_null(both);
	memcpy(both, a.data, a.len);
	memcpy(both + a.len, b.data, b.len);
	assert_int_equal(gc_inflate(both, a.len + b.len, GC_INFLATE_GZIP, 12, &out, &out_len),
			 GC_OK);
	assert_int_equal(out_len, 12);
	assert_memory_equal(out, "first,second", 12);
	free(out);
	assert_int_equal(gc_inflate(both, a.len + b.len, GC_INFLATE_GZIP, 11, &out, &out_len),
			 GC_INFLATE_TOO_LARGE);
	both[a.len] = 'j'; /* junk where the second member starts */
	assert_int_equal(gc_inflate(both, a.len + b.len, GC_INFLATE_GZIP, 100, &out, &out_len),
			 GC_INFLATE_BAD_DATA);

	/* A second complete zlib stream is not part of the first. */
	zl.data = realloc(zl.data, zl.len * 2);
	assert_non_null(zl.data);
	memcpy(zl.data + zl.len, zl.data, zl.len);
	assert_int_equal(gc_inflate(zl.data, zl.len, GC_INFLATE_ZLIB, 100, &out, &out_len), GC_OK);
	free(out);
	assert_int_equal(gc_inflate(zl.data, zl.len * 2, GC_INFLATE_ZLIB, 100, &out, &out_len),
			 GC_INFLATE_BAD_DATA);
	assert_int_equal(gc_inflate(zl.data, zl.len + 1, GC_INFLATE_ZLIB, 100, &out, &out_len),
			 GC_INFLATE_BAD_DATA);
	free(both);
	free(a.data);
	free(b.data);
	free(zl.data);
}

/* 256 MiB of zeros in ~260 KB: refused at a 1 MiB limit, in either format. */
static void test_bomb_stops_at_the_limit(void **state)
{
	static uint8_t zeros[1 << 20];

	(void)state;
	for (int f = GC_INFLATE_GZIP; f <= GC_INFLATE_ZLIB; f++) {
		struct bytes bomb = compress_repeated(zeros, sizeof(zeros), 256,
						      (enum gc_inflate_format)f);
		uint8_t *out;
		size_t out_len;

		assert_true(bomb.len < 400 * 1024);
		assert_int_equal(gc_inflate(bomb.data, bomb.len, (enum gc_inflate_format)f, 1 << 20,
					    &out, &out_len),
				 GC_INFLATE_TOO_LARGE);
		assert_null(out);
		free(bomb.data);
	}
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(gc_inflate_strerror(GC_OK), "ok");
	assert_non_null(strstr(gc_inflate_strerror(GC_INFLATE_TOO_LARGE), "limit"));
	assert_non_null(strstr(gc_inflate_strerror(GC_INFLATE_BAD_DATA), "corrupt"));
	assert_non_null(strstr(gc_inflate_strerror(GC_INFLATE_NO_MEMORY), "memory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_both_formats),
		cmocka_unit_test(test_limit_exact_at_the_boundary),
		cmocka_unit_test(test_limit_zero),
		cmocka_unit_test(test_truncated_stream),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_corrupt_checksum),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_wrong_format),
		cmocka_unit_test(test_members_and_trailing_bytes),
		cmocka_unit_test(test_bomb_stops_at_the_limit),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
