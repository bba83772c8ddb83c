#include "wire.h"

#include <stdbool.h>

#include "common.h"

/* Reads a varint; returns bytes used, 0 when malformed or truncated. */
static size_t read_varint(const uint8_t *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len && i < 10; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*out = v;
			return i + 1;
		}
	}
	return 0;
}

/* A singular message field seen a second time in one message: protobuf-c
 * merges the two by copying every repeated field of the first, and the arena
 * keeps each copy, so N repeats cost O(N^2) bytes. No OTLP encoder repeats
 * one; the request is refused instead. Fields past the 64th are not tracked
 * (OTLP messages have fewer). */
static bool repeated_singular(const ProtobufCMessageDescriptor *d,
			      const ProtobufCFieldDescriptor *f, uint64_t *seen)
{
	size_t index = (size_t)(f - d->fields);

	if (f->label == PROTOBUF_C_LABEL_REPEATED || index >= 64)
		return false;
	if (*seen & ((uint64_t)1 << index))
		return true;
	*seen |= (uint64_t)1 << index;
	return false;
}

static int check(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len, int depth,
		 int max_depth, char **err)
{
	size_t pos = 0;
	uint64_t seen = 0;

	if (depth > max_depth)
		return gc_set_err(err, "messages nest deeper than %d levels", max_depth);
	while (pos < len) {
		uint64_t tag, n;
		size_t used = read_varint(p + pos, len - pos, &tag);
		const ProtobufCFieldDescriptor *f;

		if (!used || tag >> 3 == 0 || tag >> 3 > 0x1fffffff)
			return gc_set_err(err, "bad field tag at byte %zu", pos);
		pos += used;
		switch (tag & 7) {
		case 0:
			used = read_varint(p + pos, len - pos, &n);
			if (!used)
				return gc_set_err(err, "truncated varint at byte %zu", pos);
			pos += used;
			break;
		case 1:
			if (len - pos < 8)
				return gc_set_err(err, "truncated fixed64 at byte %zu", pos);
			pos += 8;
			break;
		case 5:
			if (len - pos < 4)
				return gc_set_err(err, "truncated fixed32 at byte %zu", pos);
			pos += 4;
			break;
		case 2:
			used = read_varint(p + pos, len - pos, &n);
			if (!used || n > len - pos - used)
				return gc_set_err(err, "length past the end at byte %zu", pos);
			pos += used;
			f = protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3));
			if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
				if (repeated_singular(d, f, &seen))
					return gc_set_err(err,
							  "field '%s' of %s appears more than once",
							  f->name, d->short_name);
				if (check(f->descriptor, p + pos, (size_t)n, depth + 1,
					  max_depth, err))
					return GC_ERROR;
			}
			pos += (size_t)n;
			break;
		default:
			return gc_set_err(err, "unsupported wire type %u at byte %zu",
					  (unsigned)(tag & 7), pos);
		}
	}
	return GC_OK;
}

int gc_wire_check(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
		  int max_depth, char **err)
{
	return check(d, buf, len, 0, max_depth, err);
}
