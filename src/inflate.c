/* Bounded inflation. zlib reports progress in 32-bit counts, so input and
 * output are handed to it in windows of at most UINT_MAX bytes. */
#include "inflate.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The first output buffer: room for a typical ratio, and never more than the
 * limit allows, so a small limit costs a small buffer. */
#define FIRST_CAP_MIN (16 * 1024)
#define FIRST_CAP_RATIO 4

struct output {
	uint8_t *buf;
	size_t cap;  /* allocated bytes, at most limit (1 when limit is 0) */
	size_t used; /* bytes written */
	size_t limit;
};

static size_t first_cap(size_t in_len, size_t limit)
{
	size_t cap = FIRST_CAP_MIN;

	if (in_len <= SIZE_MAX / FIRST_CAP_RATIO && in_len * FIRST_CAP_RATIO > cap)
		cap = in_len * FIRST_CAP_RATIO;
	if (cap > limit)
		cap = limit;
	return cap ? cap : 1;
}

/* Doubles the buffer, up to the limit. Returns false when out of memory. */
static bool grow(struct output *o)
{
	size_t cap = o->cap > o->limit / 2 ? o->limit : o->cap * 2;
	uint8_t *p = realloc(o->buf, cap);

	if (!p)
		return false;
	o->buf = p;
	o->cap = cap;
	return true;
}

static size_t window(size_t n)
{
	return n > UINT_MAX ? UINT_MAX : n;
}

/* One call of inflate(). Output goes to the buffer while it has room below
 * the limit; at the limit it goes to a one-byte probe, and any byte there is
 * one too many. Returns zlib's result; sets *over when the probe was hit. */
static int step(z_stream *z, struct output *o, bool *over)
{
	uint8_t probe;
	size_t room = o->used < o->limit ? o->cap - o->used : 0;
	uInt before;
	int zrc;

	if (room) {
		z->next_out = o->buf + o->used;
		z->avail_out = (uInt)window(room);
	} else {
		z->next_out = &probe;
		z->avail_out = 1;
	}
	before = z->avail_out;
	zrc = inflate(z, Z_NO_FLUSH);
	if (room)
		o->used += before - z->avail_out;
	else if (z->avail_out == 0)
		*over = true;
	return zrc;
}

static int run(z_stream *z, const uint8_t *in, size_t len, enum gc_inflate_format format,
	       struct output *o)
{
	size_t fed = 0;
	bool over = false;

	for (;;) {
		int zrc;

		if (o->used == o->cap && o->cap < o->limit && !grow(o))
			return GC_INFLATE_NO_MEMORY;
		if (z->avail_in == 0 && fed < len) {
			z->next_in = (Bytef *)(in + fed);
			z->avail_in = (uInt)window(len - fed);
			fed += z->avail_in;
		}
		zrc = step(z, o, &over);
		if (over)
			return GC_INFLATE_TOO_LARGE;
		switch (zrc) {
		case Z_OK:
			break;
		case Z_STREAM_END:
			if (z->avail_in == 0 && fed == len)
				return GC_OK;
			/* More bytes after the end: another gzip member, or junk. */
			if (format != GC_INFLATE_GZIP || inflateReset(z) != Z_OK)
				return GC_INFLATE_BAD_DATA;
			break;
		case Z_BUF_ERROR: /* no progress: it needs input or room */
			if (z->avail_in == 0 && fed == len)
				return GC_INFLATE_BAD_DATA; /* the stream is cut short */
			break;
		case Z_MEM_ERROR:
			return GC_INFLATE_NO_MEMORY;
		default: /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
			return GC_INFLATE_BAD_DATA;
		}
	}
}

int gc_inflate(const uint8_t *in, size_t len, enum gc_inflate_format format, size_t limit,
	       uint8_t **out, size_t *out_len)
{
	struct output o = { .limit = limit };
	z_stream z;
	int rc;

	*out = NULL;
	*out_len = 0;
	if (len == 0)
		return GC_INFLATE_BAD_DATA;
	memset(&z, 0, sizeof(z));
	rc = inflateInit2(&z, format == GC_INFLATE_GZIP ? 16 + MAX_WBITS : MAX_WBITS);
	if (rc != Z_OK)
		return rc == Z_MEM_ERROR ? GC_INFLATE_NO_MEMORY : GC_ERROR;
	o.cap = first_cap(len, limit);
	o.buf = malloc(o.cap);
	rc = o.buf ? run(&z, in, len, format, &o) : GC_INFLATE_NO_MEMORY;
	inflateEnd(&z);
	if (rc != GC_OK) {
		free(o.buf);
		return rc;
	}
	*out = o.buf;
	*out_len = o.used;
	return GC_OK;
}

const char *gc_inflate_strerror(int rc)
{
	switch (rc) {
	case GC_OK:
		return "ok";
	case GC_INFLATE_TOO_LARGE:
		return "decompressed size exceeds the limit";
	case GC_INFLATE_BAD_DATA:
		return "corrupt or truncated compressed data";
	case GC_INFLATE_NO_MEMORY:
		return "out of memory";
	default:
		return "decompression failed";
	}
}
