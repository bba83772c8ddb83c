#include "otlp_json.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "common.h"
#include "json_bounded.h"

#define MAX_DEPTH 100

/* How a bytes field is written in OTLP/JSON. The .proto files declare OTLP's
 * string fields as bytes (see proto/), so the field name tells them apart. */
enum bytes_form { BYTES_TEXT, BYTES_HEX, BYTES_BASE64 };

static enum bytes_form bytes_form(const ProtobufCFieldDescriptor *f)
{
	if (!strcmp(f->name, "trace_id") || !strcmp(f->name, "span_id") ||
	    !strcmp(f->name, "parent_span_id"))
		return BYTES_HEX;
	if (!strcmp(f->name, "bytes_value"))
		return BYTES_BASE64;
	return BYTES_TEXT;
}

struct decoder {
	gc_arena *arena;
	char **err;
	char path[256]; /* JSON path of the value being decoded, for errors */
	bool over_limit; /* failed on the request's memory bound */
	bool no_memory;	 /* failed because the system's memory ran out */
};

static int fail(struct decoder *dec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct decoder *dec, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gc_set_err(dec->err, "%s: %s", dec->path, msg);
}

/* True when key is the field's .proto name or its lowerCamelCase JSON name. */
static bool name_matches(const char *proto_name, const char *key)
{
	const char *p = proto_name, *k = key;

	if (!strcmp(proto_name, key))
		return true;
	while (*p && *k) {
		if (*p == '_' && p[1]) {
			if (*k != toupper((unsigned char)p[1]))
				return false;
			p += 2;
			k++;
			continue;
		}
		if (*p != *k)
			return false;
		p++;
		k++;
	}
	return !*p && !*k;
}

static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *d,
						  const char *key)
{
	for (unsigned i = 0; i < d->n_fields; i++)
		if (name_matches(d->fields[i].name, key))
			return &d->fields[i];
	return NULL;
}

/* At most max bytes of s, ending on a UTF-8 character boundary, so a quoted
 * value never leaves half a character in an error message. */
static int quote_len(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n <= max)
		return (int)n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Arena memory for the message being decoded; NULL after failing the decode
 * when the request's memory bound (or the system's memory) is exhausted. */
static void *dec_alloc(struct decoder *dec, size_t size)
{
	void *p = gc_arena_alloc(dec->arena, size);

	if (p)
		return p;
	dec->over_limit = gc_arena_over_limit(dec->arena);
	if (dec->over_limit)
		fail(dec, "the request would take more than %d times its size in memory once decoded",
		     GC_DECODE_RATIO);
	else
		fail(dec, "out of memory");
	dec->no_memory = !dec->over_limit;
	return NULL;
}

static char *dec_memdup(struct decoder *dec, const char *s, size_t len)
{
	char *p = len < SIZE_MAX ? dec_alloc(dec, len + 1) : NULL;

	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

static int decode_bytes(struct decoder *dec, const ProtobufCFieldDescriptor *f, json_t *v,
			ProtobufCBinaryData *out)
{
	const char *s;
	size_t len;

	if (!json_is_string(v))
		return fail(dec, "expected a string");
	s = json_string_value(v);
	len = json_string_length(v);
	switch (bytes_form(f)) {
	case BYTES_TEXT:
		out->data = (uint8_t *)dec_memdup(dec, s, len);
		out->len = len;
		return out->data ? GC_OK : GC_ERROR;
	case BYTES_HEX: {
		/* OTLP IDs: 16-byte trace IDs, 8-byte span IDs; "" means none. */
		size_t want = strcmp(f->name, "trace_id") ? 8 : 16;

		if (len && len != want * 2)
			return fail(dec, "expected %zu hex digits for a %zu-byte ID, got %zu",
				    want * 2, want, len);
		out->data = dec_alloc(dec, len / 2 + 1);
		if (!out->data)
			return GC_ERROR;
		out->len = len / 2;
		for (size_t i = 0; i < len / 2; i++) {
			int hi = hex_digit((unsigned char)s[2 * i]), lo = hex_digit((unsigned char)s[2 * i + 1]);

			if (hi < 0 || lo < 0)
				return fail(dec, "expected hex digits");
			out->data[i] = (uint8_t)(hi << 4 | lo);
		}
		return GC_OK;
	}
	case BYTES_BASE64: {
		/* Standard or URL-safe alphabet, padding optional. */
		char *norm;
		size_t n = len;
		int decoded, pad = 0;

		if (len > (size_t)INT32_MAX / 2)
			return fail(dec, "value too large");
		norm = dec_alloc(dec, len + 4);
		if (!norm)
			return GC_ERROR;
		for (size_t i = 0; i < len; i++) {
			char c = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];

			/* EVP_DecodeBlock would read '=' inside the text as zero bits
			 * and skip blanks: only the alphabet, '=' only at the end. */
			if (c == '=') {
				pad++;
			} else if (pad || !(isalnum((unsigned char)c) || c == '+' || c == '/')) {
				return fail(dec, "expected base64");
			}
			norm[i] = c;
		}
		if (pad > 2 || (pad && len % 4))
			return fail(dec, "expected base64");
		while (n % 4) {
			norm[n++] = '=';
			pad++;
		}
		out->data = dec_alloc(dec, n / 4 * 3 + 1);
		if (!out->data)
			return GC_ERROR;
		decoded = n ? EVP_DecodeBlock(out->data, (unsigned char *)norm, (int)n) : 0;
		if (decoded < 0 || pad > 2)
			return fail(dec, "expected base64");
		out->len = (size_t)decoded - (size_t)pad;
		return GC_OK;
	}
	}
	return GC_ERROR;
}

/* Integers: JSON numbers or decimal strings (the mapping writes 64-bit ones
 * as strings). */
static int decode_integer(struct decoder *dec, json_t *v, bool is_signed, int64_t min,
			  uint64_t max, uint64_t *out)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (is_signed ? (i < min || (i > 0 && (uint64_t)i > max)) : (i < 0 || (uint64_t)i > max))
			return fail(dec, "integer out of range");
		*out = (uint64_t)i;
		return GC_OK;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);

		/* (double)INT64_MAX rounds up to 2^63, so bound with exact powers. */
		double hi = is_signed ? (max == INT64_MAX ? 0x1p63 : (double)max + 1)
				      : (max == UINT64_MAX ? 0x1p64 : (double)max + 1);

		if (d != floor(d) || d >= hi || (is_signed ? d < (double)min : d < 0))
			return fail(dec, "expected an integer");
		*out = is_signed ? (uint64_t)(int64_t)d : (uint64_t)d;
		return GC_OK;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		/* strtoll/strtoull skip blanks and strtoull negates: only digits,
		 * with a leading '-' for signed fields. */
		if (!isdigit((unsigned char)s[0]) &&
		    !(is_signed && s[0] == '-' && isdigit((unsigned char)s[1])))
			return fail(dec, "expected %s, got \"%.*s\"",
				    is_signed ? "an integer" : "an unsigned integer", quote_len(s, 40), s);
		errno = 0;
		if (is_signed) {
			long long i = strtoll(s, &end, 10);

			if (!*s || *end || errno || i < min || (i > 0 && (uint64_t)i > max))
				return fail(dec, "expected an integer, got \"%.*s\"", quote_len(s, 40), s);
			*out = (uint64_t)i;
		} else {
			unsigned long long u;

			if (*s == '-')
				return fail(dec, "expected an unsigned integer, got \"%.*s\"",
					    quote_len(s, 40), s);
			u = strtoull(s, &end, 10);
			if (!*s || *end || errno || u > max)
				return fail(dec, "expected an unsigned integer, got \"%.*s\"",
					    quote_len(s, 40), s);
			*out = u;
		}
		return GC_OK;
	}
	return fail(dec, "expected an integer");
}

static int decode_double(struct decoder *dec, json_t *v, double *out)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return GC_OK;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		if (!strcmp(s, "NaN"))
			*out = NAN;
		else if (!strcmp(s, "Infinity"))
			*out = INFINITY;
		else if (!strcmp(s, "-Infinity"))
			*out = -INFINITY;
		else {
			*out = strtod(s, &end);
			if (!*s || *end)
				return fail(dec, "expected a number, got \"%.*s\"", quote_len(s, 40), s);
		}
		return GC_OK;
	}
	return fail(dec, "expected a number");
}

static int decode_message(struct decoder *dec, const ProtobufCMessageDescriptor *d, json_t *obj,
			  ProtobufCMessage **out, int depth);

/* Decodes one scalar or message value into dst (an element or the member). */
static int decode_value(struct decoder *dec, const ProtobufCFieldDescriptor *f, json_t *v,
			void *dst, int depth)
{
	uint64_t u;
	double d;

	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
		return decode_message(dec, f->descriptor, v, (ProtobufCMessage **)dst, depth + 1);
	case PROTOBUF_C_TYPE_BYTES:
		return decode_bytes(dec, f, v, dst);
	case PROTOBUF_C_TYPE_STRING:
		if (!json_is_string(v))
			return fail(dec, "expected a string");
		*(char **)dst = dec_memdup(dec, json_string_value(v), json_string_length(v));
		return *(char **)dst ? GC_OK : GC_ERROR;
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_is_boolean(v))
			return fail(dec, "expected true or false");
		*(protobuf_c_boolean *)dst = json_is_true(v);
		return GC_OK;
	case PROTOBUF_C_TYPE_ENUM:
		if (json_is_string(v)) {
			const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value_by_name(
				f->descriptor, json_string_value(v));

			if (!ev)
				return fail(dec, "unknown enum value \"%.*s\"",
					    quote_len(json_string_value(v), 40), json_string_value(v));
			*(int *)dst = ev->value;
			return GC_OK;
		}
		if (decode_integer(dec, v, true, INT32_MIN, INT32_MAX, &u))
			return GC_ERROR;
		*(int *)dst = (int)(int64_t)u;
		return GC_OK;
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		if (decode_integer(dec, v, true, INT32_MIN, INT32_MAX, &u))
			return GC_ERROR;
		*(int32_t *)dst = (int32_t)(int64_t)u;
		return GC_OK;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if (decode_integer(dec, v, false, 0, UINT32_MAX, &u))
			return GC_ERROR;
		*(uint32_t *)dst = (uint32_t)u;
		return GC_OK;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		if (decode_integer(dec, v, true, INT64_MIN, INT64_MAX, &u))
			return GC_ERROR;
		*(int64_t *)dst = (int64_t)u;
		return GC_OK;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		if (decode_integer(dec, v, false, 0, UINT64_MAX, &u))
			return GC_ERROR;
		*(uint64_t *)dst = u;
		return GC_OK;
	case PROTOBUF_C_TYPE_DOUBLE:
		if (decode_double(dec, v, &d))
			return GC_ERROR;
		*(double *)dst = d;
		return GC_OK;
	case PROTOBUF_C_TYPE_FLOAT:
		if (decode_double(dec, v, &d))
			return GC_ERROR;
		*(float *)dst = (float)d;
		return GC_OK;
	}
	return fail(dec, "unsupported field type");
}

static size_t element_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		return 4;
	default:
		return 8;
	}
}

static int decode_field(struct decoder *dec, const ProtobufCFieldDescriptor *f, json_t *v,
			ProtobufCMessage *m, int depth)
{
	char *member = (char *)m + f->offset;
	size_t plen = strlen(dec->path);
	int rc = GC_OK;

	if (json_is_null(v))
		return GC_OK; /* absent */
	snprintf(dec->path + plen, sizeof(dec->path) - plen, ".%s", f->name);
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n, size = element_size(f);
		char *items;

		if (!json_is_array(v)) {
			rc = fail(dec, "expected an array");
			goto out;
		}
		n = json_array_size(v);
		items = n > SIZE_MAX / size ? NULL : dec_alloc(dec, (n ? n : 1) * size);
		if (!items) {
			rc = GC_ERROR;
			goto out;
		}
		memset(items, 0, (n ? n : 1) * size);
		for (size_t i = 0; i < n && rc == GC_OK; i++) {
			size_t l2 = strlen(dec->path);

			snprintf(dec->path + l2, sizeof(dec->path) - l2, "[%zu]", i);
			rc = decode_value(dec, f, json_array_get(v, i), items + i * size, depth);
			dec->path[l2] = '\0';
		}
		*(size_t *)((char *)m + f->quantifier_offset) = n;
		*(void **)member = items;
	} else {
		rc = decode_value(dec, f, v, member, depth);
		if (rc == GC_OK && (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			*(uint32_t *)((char *)m + f->quantifier_offset) = f->id;
		else if (rc == GC_OK && f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset)
			*(protobuf_c_boolean *)((char *)m + f->quantifier_offset) = 1;
	}
out:
	if (rc == GC_OK)
		dec->path[plen] = '\0';
	return rc;
}

static int decode_message(struct decoder *dec, const ProtobufCMessageDescriptor *d, json_t *obj,
			  ProtobufCMessage **out, int depth)
{
	ProtobufCMessage *m;
	const char *key;
	json_t *v;

	if (depth > MAX_DEPTH)
		return fail(dec, "messages nest deeper than %d levels", MAX_DEPTH);
	if (!json_is_object(obj))
		return fail(dec, "expected an object");
	m = dec_alloc(dec, d->sizeof_message);
	if (!m)
		return GC_ERROR;
	d->message_init(m);
	json_object_foreach(obj, key, v) {
		const ProtobufCFieldDescriptor *f = find_field(d, key);

		if (!f)
			continue; /* OTLP/JSON receivers ignore unknown fields */
		if (decode_field(dec, f, v, m, depth))
			return GC_ERROR;
	}
	*out = m;
	return GC_OK;
}

/* jansson holds integers only up to INT64_MAX and refuses the whole document
 * otherwise, but the mapping allows uint64 values (timestamps, counts) as bare
 * numbers. On that error the text is copied with every bare integer of 19 or
 * more digits quoted, which the field decoders read as the decimal strings
 * the mapping also allows; then it is parsed again. Returns a heap copy or NULL. */
static char *quote_big_integers(const char *json, size_t len, size_t *out_len)
{
	/* Each quoted number has 19+ bytes and gains 2: the text grows < 1/8. */
	char *out = malloc(len + len / 8 + 16), *o = out;
	bool in_string = false;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		char c = json[i];

		if (in_string) {
			if (c == '\\' && i + 1 < len) {
				*o++ = json[i++];
			} else if (c == '"') {
				in_string = false;
			}
			*o++ = json[i++];
			continue;
		}
		if (c == '"') {
			in_string = true;
			*o++ = json[i++];
			continue;
		}
		if (c == '-' || isdigit((unsigned char)c)) {
			size_t start = i, digits = 0;
			bool integral = true;

			if (c == '-')
				i++;
			while (i < len && (isdigit((unsigned char)json[i]) || json[i] == '.' ||
					   json[i] == 'e' || json[i] == 'E' || json[i] == '+' ||
					   json[i] == '-')) {
				if (isdigit((unsigned char)json[i]))
					digits++;
				else
					integral = false;
				i++;
			}
			if (integral && digits >= 19) {
				*o++ = '"';
				memcpy(o, json + start, i - start);
				o += i - start;
				*o++ = '"';
			} else {
				memcpy(o, json + start, i - start);
				o += i - start;
			}
			continue;
		}
		*o++ = json[i++];
	}
	*out_len = (size_t)(o - out);
	return out;
}

ProtobufCMessage *gc_otlp_json_decode(const ProtobufCMessageDescriptor *d, const char *json,
				      size_t len, gc_arena *arena, bool *over_limit, char **err)
{
	struct decoder dec = { .arena = arena, .err = err, .path = "$" };
	json_error_t jerr;
	json_t *root = gc_json_loadb(json, len, JSON_ALLOW_NUL, &jerr, &dec.over_limit);
	ProtobufCMessage *m = NULL;

	if (!root && json_error_code(&jerr) == json_error_numeric_overflow) {
		size_t qlen;
		char *quoted = quote_big_integers(json, len, &qlen);

		if (quoted) {
			json_error_t again;

			root = gc_json_loadb(quoted, qlen, JSON_ALLOW_NUL, &again, &dec.over_limit);
			free(quoted);
			if (!root)
				jerr = again; /* the retry's reason, e.g. the memory bound */
		} else {
			dec.no_memory = true;
		}
	}
	if (!root && !dec.over_limit && json_error_code(&jerr) == json_error_out_of_memory)
		dec.no_memory = true;
	if (!root) {
		if (dec.no_memory)
			gc_set_err(err, "out of memory");
		else if (dec.over_limit)
			gc_set_err(err, "%s", jerr.text);
		else
			gc_set_err(err, "invalid JSON at line %d column %d: %s", jerr.line,
				   jerr.column, jerr.text);
	} else if (decode_message(&dec, d, root, &m, 0)) {
		m = NULL;
	}
	json_decref(root);
	if (over_limit)
		*over_limit = dec.over_limit;
	if (!m && dec.no_memory)
		errno = ENOMEM; /* last: nothing after this may reset it */
	return m;
}

/* Encoding: only what responses need (messages of scalars, strings and
 * sub-messages), with the mapping's conventions. */
static json_t *encode_message(const ProtobufCMessage *m);

/* A JSON string of len bytes; text that is not valid UTF-8 (jansson refuses
 * it) keeps its ASCII and gets '?' for the other bytes, so a message is never
 * dropped from a response. */
static json_t *text_value(const char *text, size_t len)
{
	json_t *v = json_stringn(text, len);
	char *copy;

	if (v || !(copy = malloc(len + 1)))
		return v;
	for (size_t i = 0; i < len; i++)
		copy[i] = (unsigned char)text[i] < 0x80 ? text[i] : '?';
	v = json_stringn(copy, len);
	free(copy);
	return v;
}

/* A double as proto3 JSON writes it: a number, or the strings "NaN",
 * "Infinity" and "-Infinity", which JSON numbers cannot hold. */
static json_t *real_value(double d)
{
	if (isnan(d))
		return json_string("NaN");
	if (isinf(d))
		return json_string(d > 0 ? "Infinity" : "-Infinity");
	return json_real(d);
}

static json_t *encode_value(const ProtobufCFieldDescriptor *f, const void *p)
{
	char buf[32];

	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(ProtobufCMessage *const *)p ? encode_message(*(ProtobufCMessage *const *)p)
						      : NULL;
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = p;

		return text_value((const char *)b->data, b->len);
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *text = *(char *const *)p ? *(char *const *)p : "";

		return text_value(text, strlen(text));
	}
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM:
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_integer(*(const int32_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return json_integer(*(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		snprintf(buf, sizeof(buf), "%" PRId64, *(const int64_t *)p);
		return json_string(buf);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		snprintf(buf, sizeof(buf), "%" PRIu64, *(const uint64_t *)p);
		return json_string(buf);
	case PROTOBUF_C_TYPE_DOUBLE:
		return real_value(*(const double *)p);
	case PROTOBUF_C_TYPE_FLOAT:
		return real_value(*(const float *)p);
	}
	return NULL;
}

static bool is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
	case PROTOBUF_C_TYPE_STRING:
		return !*(void *const *)p;
	case PROTOBUF_C_TYPE_BYTES:
		return !((const ProtobufCBinaryData *)p)->len;
	case PROTOBUF_C_TYPE_BOOL:
		return !*(const protobuf_c_boolean *)p;
	default:
		return element_size(f) == 4 ? !*(const uint32_t *)p : !*(const uint64_t *)p;
	}
}

static void json_name(const char *proto_name, char *out, size_t len)
{
	size_t j = 0;

	for (const char *p = proto_name; *p && j + 1 < len; p++) {
		if (*p == '_' && p[1])
			out[j++] = (char)toupper((unsigned char)*++p);
		else
			out[j++] = *p;
	}
	out[j] = '\0';
}

/* The message as a JSON object, or NULL when out of memory. */
static json_t *encode_message(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	json_t *obj = json_object();

	if (!obj)
		return NULL;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *member = (const char *)m + f->offset;
		char name[128];
		json_t *v;

		json_name(f->name, name, sizeof(name));
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
			const char *items = *(const char *const *)member;

			if (!n)
				continue;
			v = json_array();
			/* appending NULL (a failed value) or to NULL fails */
			for (size_t k = 0; k < n; k++)
				if (json_array_append_new(
					    v, encode_value(f, items + k * element_size(f)))) {
					json_decref(v);
					goto fail;
				}
		} else {
			if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
			    *(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
				continue;
			if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && is_default(f, member))
				continue;
			if (f->type == PROTOBUF_C_TYPE_MESSAGE && !*(void *const *)member)
				continue; /* a oneof message without one */
			v = encode_value(f, member);
		}
		if (!v || json_object_set_new(obj, name, v))
			goto fail;
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

char *gc_otlp_json_encode(const ProtobufCMessage *message)
{
	json_t *obj = encode_message(message);
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;

	json_decref(obj);
	return text;
}
