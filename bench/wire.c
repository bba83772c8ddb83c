#include "wire.h"

#include <string.h>

enum wire_type {
	WIRE_VARINT = 0,
	WIRE_I64 = 1,
	WIRE_LEN = 2,
	WIRE_I32 = 5,
};

/* One field read from a message: its number, wire type and, for LEN
 * fields, the payload; for numeric fields, the value. */
struct wire_field {
	uint32_t number;
	uint32_t type;
	const uint8_t *data;
	size_t len;
	uint64_t value;
};

struct wire_cursor {
	const uint8_t *p;
	const uint8_t *end;
};

static int read_varint(struct wire_cursor *c, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift;

	for (shift = 0; shift < 64 && c->p < c->end; shift += 7) {
		uint8_t b = *c->p++;

		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* Reads the next field. Returns 1 when a field was read, 0 at the end of the
 * message, -1 on malformed input (including groups, which OTLP never uses). */
static int next_field(struct wire_cursor *c, struct wire_field *f)
{
	uint64_t key, n;

	if (c->p == c->end)
		return 0;
	if (read_varint(c, &key) || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
		return -1;
	f->number = (uint32_t)(key >> 3);
	f->type = (uint32_t)(key & 7);
	f->data = NULL;
	f->len = 0;
	switch (f->type) {
	case WIRE_VARINT:
		return read_varint(c, &f->value) ? -1 : 1;
	case WIRE_I64:
	case WIRE_I32:
		n = f->type == WIRE_I64 ? 8 : 4;
		if ((size_t)(c->end - c->p) < n)
			return -1;
		f->value = 0;
		memcpy(&f->value, c->p, n); /* little-endian hosts only */
		c->p += n;
		return 1;
	case WIRE_LEN:
		if (read_varint(c, &n) || n > (uint64_t)(c->end - c->p))
			return -1;
		f->data = c->p;
		f->len = (size_t)n;
		c->p += n;
		return 1;
	default:
		return -1;
	}
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* Eight bytes per step; the final mix makes the sum of hashes a fair
 * multiset digest. */
uint64_t wire_span_hash(const uint8_t *data, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (len * 0x100000001b3ull);
	uint64_t word;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&word, data + i, 8);
		h = (h ^ word) * 0x9fb21c651e98df25ull;
		h ^= h >> 29;
	}
	if (i < len) {
		word = 0;
		memcpy(&word, data + i, len - i);
		h = (h ^ word) * 0x9fb21c651e98df25ull;
	}
	return mix64(h);
}

static int count_scope_spans(const uint8_t *data, size_t len, struct wire_summary *out)
{
	struct wire_cursor c = { data, data + len };
	struct wire_field f;
	int rc;

	while ((rc = next_field(&c, &f)) == 1) {
		if (f.number == 2 && f.type == WIRE_LEN) {
			out->spans++;
			out->span_digest += wire_span_hash(f.data, f.len);
		}
	}
	return rc;
}

static int count_resource_spans(const uint8_t *data, size_t len, struct wire_summary *out)
{
	struct wire_cursor c = { data, data + len };
	struct wire_field f;
	int rc;

	while ((rc = next_field(&c, &f)) == 1) {
		if (f.number == 2 && f.type == WIRE_LEN &&
		    count_scope_spans(f.data, f.len, out) < 0)
			return -1;
	}
	return rc;
}

int wire_count_spans(const uint8_t *data, size_t len, struct wire_summary *out)
{
	struct wire_cursor c = { data, data + len };
	struct wire_field f;
	int rc;

	out->spans = 0;
	out->span_digest = 0;
	while ((rc = next_field(&c, &f)) == 1) {
		if (f.number == 1 && f.type == WIRE_LEN &&
		    count_resource_spans(f.data, f.len, out) < 0)
			return -1;
	}
	return rc;
}

/* The full walk knows the OTLP schema: for each message, which LEN fields
 * are sub-messages and of which kind. Everything else is folded into the
 * checksum as a (pointer, length) or value, as a zero-copy reader would
 * record it. */
enum wire_message {
	MSG_REQUEST,
	MSG_RESOURCE_SPANS,
	MSG_RESOURCE,
	MSG_SCOPE_SPANS,
	MSG_SCOPE,
	MSG_SPAN,
	MSG_EVENT,
	MSG_LINK,
	MSG_STATUS,
	MSG_KEY_VALUE,
	MSG_ANY_VALUE,
	MSG_ARRAY_VALUE,
	MSG_KV_LIST,
	MSG_OTHER, /* a LEN field that is a string or bytes */
};

static enum wire_message child_of(enum wire_message parent, uint32_t field)
{
	switch (parent) {
	case MSG_REQUEST:
		return field == 1 ? MSG_RESOURCE_SPANS : MSG_OTHER;
	case MSG_RESOURCE_SPANS:
		return field == 1 ? MSG_RESOURCE : field == 2 ? MSG_SCOPE_SPANS : MSG_OTHER;
	case MSG_RESOURCE:
		return field == 1 ? MSG_KEY_VALUE : MSG_OTHER;
	case MSG_SCOPE_SPANS:
		return field == 1 ? MSG_SCOPE : field == 2 ? MSG_SPAN : MSG_OTHER;
	case MSG_SCOPE:
		return field == 3 ? MSG_KEY_VALUE : MSG_OTHER;
	case MSG_SPAN:
		switch (field) {
		case 9: return MSG_KEY_VALUE;
		case 11: return MSG_EVENT;
		case 13: return MSG_LINK;
		case 15: return MSG_STATUS;
		default: return MSG_OTHER;
		}
	case MSG_EVENT:
		return field == 3 ? MSG_KEY_VALUE : MSG_OTHER;
	case MSG_LINK:
		return field == 4 ? MSG_KEY_VALUE : MSG_OTHER;
	case MSG_KEY_VALUE:
		return field == 2 ? MSG_ANY_VALUE : MSG_OTHER;
	case MSG_ANY_VALUE:
		return field == 5 ? MSG_ARRAY_VALUE : field == 6 ? MSG_KV_LIST : MSG_OTHER;
	case MSG_ARRAY_VALUE:
		return MSG_ANY_VALUE;
	case MSG_KV_LIST:
		return MSG_KEY_VALUE;
	default:
		return MSG_OTHER;
	}
}

static int walk_message(enum wire_message kind, const uint8_t *data, size_t len,
			uint64_t *checksum, int64_t *spans, int depth)
{
	struct wire_cursor c = { data, data + len };
	struct wire_field f;
	int rc;

	if (depth > 32)
		return -1;
	if (kind == MSG_SPAN)
		(*spans)++;
	while ((rc = next_field(&c, &f)) == 1) {
		enum wire_message child;

		if (f.type != WIRE_LEN) {
			*checksum += f.value ^ f.number;
			continue;
		}
		child = child_of(kind, f.number);
		if (child == MSG_OTHER) {
			*checksum += (uint64_t)(uintptr_t)f.data ^ f.len;
			continue;
		}
		if (walk_message(child, f.data, f.len, checksum, spans, depth + 1) < 0)
			return -1;
	}
	return rc;
}

int64_t wire_walk_all(const uint8_t *data, size_t len, uint64_t *checksum)
{
	int64_t spans = 0;

	if (walk_message(MSG_REQUEST, data, len, checksum, &spans, 0) < 0)
		return -1;
	return spans;
}
