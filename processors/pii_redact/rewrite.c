/* Rewriting: each entity becomes what its type's action writes, and nothing
 * else in the text moves. A value that is a JSON document (the message arrays
 * of gen_ai.input.messages and friends) is rewritten inside its string
 * literals only: each literal is decoded (escapes resolved), scanned, and the
 * entities' raw bytes replaced by JSON-escaped text, so the document stays
 * valid JSON and every byte outside the entities is kept as sent.
 *
 * The JSON walk below is a validator that reports where string literals lie;
 * the JSON libraries at hand parse into trees and print them back, which
 * would reformat the document and round numbers, so they cannot do this. */
/* PII_NO_SIMD builds the portable loops on x86-64 too, so tests cover them. */
#if defined(__SSE2__) && !defined(PII_NO_SIMD)
#define PII_SSE2 1
#include <emmintrin.h>
#endif
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "common.h"
#include "pii_redact/engine.h"

static const char hex_digits[] = "0123456789abcdef";

/* The first hex_len hex digits of HMAC-SHA256(key, s). False when the
 * HMAC could not be computed (out of memory, a provider refusing the key):
 * nothing may then be written in the value's place. */
static bool hmac_hex(const struct pii_engine *e, const char *s, size_t n, char *out,
		     size_t hex_len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;

	if (!HMAC(EVP_sha256(), e->key, (int)e->key_len, (const unsigned char *)s, n, md,
		  &md_len) ||
	    md_len * 2 < hex_len)
		return false;
	for (size_t i = 0; i < hex_len / 2; i++) {
		out[2 * i] = hex_digits[md[i] >> 4];
		out[2 * i + 1] = hex_digits[md[i] & 15];
	}
	out[hex_len] = '\0';
	return true;
}

bool pii_hash_value(const struct pii_engine *e, const char *value, size_t len, char out[17])
{
	return hmac_hex(e, value, len, out, 16);
}

/* Appends s[0..n) as the inside of a JSON string literal when json. */
static int append_text(struct pii_buf *out, const char *s, size_t n, bool json)
{
	if (!json)
		return pii_buf_append(out, s, n);
	if (pii_buf_reserve(out, n * 6))
		return GC_ERROR;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char *p = out->ptr + out->len;

		if (c == '"' || c == '\\') {
			p[0] = '\\';
			p[1] = (char)c;
			out->len += 2;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			p[0] = '\\';
			p[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			out->len += 2;
		} else if (c < 0x20) {
			memcpy(p, "\\u00", 4);
			p[4] = hex_digits[c >> 4];
			p[5] = hex_digits[c & 15];
			out->len += 6;
		} else {
			*p = (char)c;
			out->len++;
		}
	}
	return GC_OK;
}

static bool is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_continuation(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* mask: letters, digits and non-ASCII characters become '*' except the last
 * keep of them; punctuation and spaces stay, so the shape is still readable
 * ("**** **** **** 1111"). */
static int append_mask(struct pii_buf *out, const char *s, size_t n, unsigned keep, bool json)
{
	size_t maskable = 0, seen = 0;

	for (size_t i = 0; i < n; i++)
		maskable += is_alnum((unsigned char)s[i]) ||
			    ((unsigned char)s[i] >= 0x80 && !is_continuation((unsigned char)s[i]));
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t len = 1;

		if (c >= 0x80)
			while (i + len < n && is_continuation((unsigned char)s[i + len]))
				len++;
		if ((is_alnum(c) || c >= 0x80) && seen++ + keep < maskable) {
			if (pii_buf_append(out, "*", 1))
				return GC_ERROR;
		} else if (append_text(out, s + i, len, json)) {
			return GC_ERROR;
		}
		i += len;
	}
	return GC_OK;
}

/* Writes the replacement of entity s[0..n) of type. */
static int append_entity(const struct pii_engine *e, unsigned type, const char *s, size_t n,
			 bool json, struct pii_buf *out)
{
	char tag[64 + 16], hex[9];
	int len;

	/* type names are [A-Za-z0-9_], checked by the configuration: no escaping */
	switch (e->action[type]) {
	case PII_MASK:
		return append_mask(out, s, n, e->mask_keep[type], json);
	case PII_HASH:
		if (!hmac_hex(e, s, n, hex, 8))
			return GC_ERROR; /* the value is dropped */
		len = snprintf(tag, sizeof(tag), "<%s:%s>", e->names[type], hex);
		return pii_buf_append(out, tag, (size_t)len);
	default:
		return pii_buf_append(out, e->tags[type], e->tag_len[type]);
	}
}

static void count(const struct pii_engine *e, unsigned type, struct pii_result *res)
{
	res->count++;
	res->types |= 1ull << type;
	res->per_type[type]++;
	if (e->action[type] == PII_DROP)
		res->drop = true;
}

/* Widens [*a, *b) of text to whole UTF-8 characters, so a user's regex that
 * stops inside one never leaves half of it behind. */
static void whole_chars(const char *text, size_t len, uint32_t *a, uint32_t *b)
{
	while (*a > 0 && is_continuation((unsigned char)text[*a]))
		(*a)--;
	while (*b < len && is_continuation((unsigned char)text[*b]))
		(*b)++;
}

/* Appends text to out with its entities replaced; *found says whether
 * there were any. */
static int append_redacted(const struct pii_engine *e, const char *text, size_t len,
			   struct pii_tls_bufs *t, struct pii_result *res, bool *found)
{
	struct pii_matches *m = t->matches;
	struct pii_buf *out = t->out;
	size_t pos = 0;

	if (pii_scan(e, text, len, m))
		return GC_ERROR;
	for (size_t k = 0; k < m->n; k++) {
		uint32_t a = m->items[k].start, b = m->items[k].end;

		whole_chars(text, len, &a, &b);
		if (a < pos)
			a = (uint32_t)pos;
		if (pii_buf_append(out, text + pos, a - pos) ||
		    append_entity(e, m->items[k].type, text + a, b - a, false, out))
			return GC_ERROR;
		count(e, m->items[k].type, res);
		pos = b;
	}
	*found |= m->n > 0;
	return pii_buf_append(out, text + pos, len - pos);
}

/* Plain text: scan, then copy with the entities replaced. */
static int redact_plain(const struct pii_engine *e, const char *text, size_t len,
			struct pii_tls_bufs *t, struct pii_result *res, bool *changed)
{
	*changed = false;
	t->out->len = 0;
	return append_redacted(e, text, len, t, res, changed);
}

/* ---- JSON ---------------------------------------------------------------------- */

#define JSON_MAX_DEPTH 4096 /* jansson parses up to 2048 */

struct json_walk {
	const struct pii_engine *e;
	const char *s;
	size_t n, i;
	size_t copied; /* raw bytes before this are already in out */
	bool failed;   /* out of memory */
	struct pii_tls_bufs *t;
	struct pii_result *res;
};

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static unsigned hex4(const char *s)
{
	return (unsigned)(hex_value(s[0]) << 12 | hex_value(s[1]) << 8 | hex_value(s[2]) << 4 |
			  hex_value(s[3]));
}

static size_t utf8_encode(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes the literal's contents raw[a..b) into t->decoded, with t->map[k]
 * the raw offset where decoded byte k came from and map[len] = b. A lone
 * surrogate decodes to U+FFFD. A backslash that starts no valid escape (in
 * a document that does not parse) stays a backslash. */
static int decode_literal(const char *s, size_t a, size_t b, struct pii_tls_bufs *t)
{
	struct pii_buf *d = t->decoded;
	size_t need = b - a + 1;

	d->len = 0;
	if (pii_buf_reserve(d, b - a + 4))
		return GC_ERROR;
	if (*t->map_cap < need) {
		uint32_t *map = realloc(*t->map, need * sizeof(*map));

		if (!map)
			return GC_ERROR;
		*t->map = map;
		*t->map_cap = need;
	}
	for (size_t i = a; i < b;) {
		const char *bs = memchr(s + i, '\\', b - i);
		size_t run = (bs ? (size_t)(bs - s) : b) - i, from = i, n = 1;
		char bytes[4], c;
		unsigned cp;

		/* the run up to the next backslash, in one copy */
		memcpy(d->ptr + d->len, s + i, run);
		for (size_t k = 0; k < run; k++)
			(*t->map)[d->len + k] = (uint32_t)(i + k);
		d->len += run;
		i += run;
		if (i >= b)
			break;
		from = i;
		c = i + 1 < b ? s[i + 1] : 0;
		bytes[0] = s[i++];
		if (bytes[0] == '\\' && c && strchr("bfnrt\"\\/", c)) {
			static const char from_c[] = "bfnrt\"\\/", to_c[] = "\b\f\n\r\t\"\\/";

			bytes[0] = to_c[strchr(from_c, c) - from_c];
			i++;
		} else if (bytes[0] == '\\' && c == 'u' && b - i >= 5 && hex_value(s[i + 1]) >= 0 &&
			   hex_value(s[i + 2]) >= 0 && hex_value(s[i + 3]) >= 0 &&
			   hex_value(s[i + 4]) >= 0) {
			cp = hex4(s + i + 1);
			i += 5;
			if (cp >= 0xd800 && cp < 0xdc00 && b - i >= 6 && s[i] == '\\' &&
			    s[i + 1] == 'u' && hex_value(s[i + 2]) >= 0 && hex_value(s[i + 3]) >= 0 &&
			    hex_value(s[i + 4]) >= 0 && hex_value(s[i + 5]) >= 0) {
				unsigned lo = hex4(s + i + 2);

				if (lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				}
			}
			if (cp >= 0xd800 && cp < 0xe000)
				cp = 0xfffd;
			n = utf8_encode(cp, bytes);
		}
		for (size_t k = 0; k < n; k++) {
			(*t->map)[d->len] = (uint32_t)from;
			d->ptr[d->len++] = bytes[k];
		}
	}
	(*t->map)[d->len] = (uint32_t)b;
	return GC_OK;
}

/* Appends the rewritten contents of the literal raw[a..b) to out when it
 * holds entities (writing raw[*copied..a) first and moving *copied to b);
 * leaves out alone otherwise. */
static int rewrite_literal(const struct pii_engine *e, const char *raw, size_t a, size_t b,
			   bool escaped, struct pii_tls_bufs *t, struct pii_result *res,
			   size_t *copied)
{
	const char *text = raw + a;
	size_t len = b - a, pos = a;
	const uint32_t *map = NULL;
	struct pii_matches *m = t->matches;
	struct pii_buf *out = t->out;

	if (escaped) {
		if (decode_literal(raw, a, b, t))
			return GC_ERROR;
		text = t->decoded->ptr;
		len = t->decoded->len;
		map = *t->map;
	}
	if (pii_scan(e, text, len, m))
		return GC_ERROR;
	if (!m->n)
		return GC_OK;
	if (pii_buf_append(out, raw + *copied, a - *copied))
		return GC_ERROR;
	for (size_t k = 0; k < m->n; k++) {
		uint32_t ms = m->items[k].start, me = m->items[k].end;
		size_t rs, re;

		whole_chars(text, len, &ms, &me);
		rs = map ? map[ms] : a + ms;
		re = map ? map[me] : a + me;
		if (rs < pos)
			rs = pos;
		if (pii_buf_append(out, raw + pos, rs - pos) ||
		    append_entity(e, m->items[k].type, text + ms, me - ms, true, out))
			return GC_ERROR;
		count(e, m->items[k].type, res);
		pos = re;
	}
	if (pii_buf_append(out, raw + pos, b - pos))
		return GC_ERROR;
	*copied = b;
	return GC_OK;
}

static int redact_literal(struct json_walk *w, size_t a, size_t b, bool escaped)
{
	return rewrite_literal(w->e, w->s, a, b, escaped, w->t, w->res, &w->copied);
}

static void skip_ws(struct json_walk *w)
{
	while (w->i < w->n && (w->s[w->i] == ' ' || w->s[w->i] == '\n' || w->s[w->i] == '\r' ||
			       w->s[w->i] == '\t'))
		w->i++;
}

/* Skips string contents that hold no '"', '\\' or control character:
 * sixteen bytes at a time with SSE2 (every x86-64), else eight at a time
 * with a word-at-a-time test for such bytes. */
static size_t skip_string_run(const char *s, size_t i, size_t n)
{
#ifdef PII_SSE2
	const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
	const __m128i control = _mm_set1_epi8(0x1f);

	while (n - i >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i hit = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
			_mm_cmpeq_epi8(_mm_min_epu8(v, control), v));
		int mask = _mm_movemask_epi8(hit);

		if (mask)
			return i + (size_t)__builtin_ctz((unsigned)mask);
		i += 16;
	}
#else
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;

	while (n - i >= 8) {
		uint64_t v, q, b;

		memcpy(&v, s + i, 8);
		q = v ^ (ones * '"');
		b = v ^ (ones * '\\');
		if ((((q - ones) & ~q) | ((b - ones) & ~b) | ((v - ones * 0x20) & ~v)) & highs)
			break;
		i += 8;
	}
#endif
	return i;
}

static bool walk_string(struct json_walk *w)
{
	const char *s = w->s;
	size_t a = ++w->i;
	bool escaped = false;

	while (w->i < w->n) {
		unsigned char c;

		w->i = skip_string_run(s, w->i, w->n);
		if (w->i >= w->n)
			break;
		c = (unsigned char)s[w->i];

		if (c == '"') {
			if (redact_literal(w, a, w->i++, escaped)) {
				w->failed = true;
				return false;
			}
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			escaped = true;
			if (++w->i >= w->n)
				return false;
			if (s[w->i] == 'u') {
				if (w->n - w->i < 5)
					return false;
				for (int k = 1; k <= 4; k++)
					if (hex_value(s[w->i + k]) < 0)
						return false;
				w->i += 4;
			} else if (!strchr("\"\\/bfnrt", s[w->i]) || !s[w->i]) {
				return false;
			}
		}
		w->i++;
	}
	return false;
}

static bool walk_digits(struct json_walk *w)
{
	size_t from = w->i;

	while (w->i < w->n && w->s[w->i] >= '0' && w->s[w->i] <= '9')
		w->i++;
	return w->i > from;
}

static bool walk_number(struct json_walk *w)
{
	if (w->s[w->i] == '-')
		w->i++;
	if (w->i < w->n && w->s[w->i] == '0')
		w->i++;
	else if (!walk_digits(w))
		return false;
	if (w->i < w->n && w->s[w->i] == '.') {
		w->i++;
		if (!walk_digits(w))
			return false;
	}
	if (w->i < w->n && (w->s[w->i] == 'e' || w->s[w->i] == 'E')) {
		w->i++;
		if (w->i < w->n && (w->s[w->i] == '+' || w->s[w->i] == '-'))
			w->i++;
		if (!walk_digits(w))
			return false;
	}
	return true;
}

static bool walk_word(struct json_walk *w, const char *word, size_t n)
{
	if (w->n - w->i < n || memcmp(w->s + w->i, word, n))
		return false;
	w->i += n;
	return true;
}

/* One scalar value (string, number, true, false, null) at w->i. */
static bool walk_scalar(struct json_walk *w)
{
	switch (w->s[w->i]) {
	case '"': return walk_string(w);
	case 't': return walk_word(w, "true", 4);
	case 'f': return walk_word(w, "false", 5);
	case 'n': return walk_word(w, "null", 4);
	default:
		if (w->s[w->i] == '-' || (w->s[w->i] >= '0' && w->s[w->i] <= '9'))
			return walk_number(w);
		return false;
	}
}

/* The whole document, without recursion: the open containers are a stack of
 * bits (1 object, 0 array), deep enough for anything a JSON library parses. */
static bool walk_document(struct json_walk *w)
{
	uint64_t objects[JSON_MAX_DEPTH / 64] = { 0 };
	size_t depth = 0;

	for (;;) {
		/* a value */
		skip_ws(w);
		if (w->i >= w->n)
			return false;
		if (w->s[w->i] == '{' || w->s[w->i] == '[') {
			bool object = w->s[w->i] == '{';

			if (depth == JSON_MAX_DEPTH)
				return false;
			if (object)
				objects[depth / 64] |= 1ull << (depth % 64);
			else
				objects[depth / 64] &= ~(1ull << (depth % 64));
			depth++;
			w->i++;
			skip_ws(w);
			if (w->i < w->n && w->s[w->i] == (object ? '}' : ']')) {
				w->i++;
				depth--;
			} else if (object) {
				goto key;
			} else {
				continue;
			}
		} else if (!walk_scalar(w)) {
			return false;
		}
		/* after a value: a comma, or the end of containers */
		for (;;) {
			bool object;

			if (!depth)
				return true;
			object = objects[(depth - 1) / 64] >> ((depth - 1) % 64) & 1;
			skip_ws(w);
			if (w->i >= w->n)
				return false;
			if (w->s[w->i] == (object ? '}' : ']')) {
				w->i++;
				depth--;
				continue;
			}
			if (w->s[w->i] != ',')
				return false;
			w->i++;
			if (!object)
				break;
			goto key;
		}
		continue;
key:
		skip_ws(w);
		if (w->i >= w->n || w->s[w->i] != '"' || !walk_string(w))
			return false;
		skip_ws(w);
		if (w->i >= w->n || w->s[w->i] != ':')
			return false;
		w->i++;
	}
}

static bool looks_like_json(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '{' || s[i] == '[')
			return true;
		if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
			return false;
	}
	return false;
}

/* 1 when text was a JSON document (rewritten into out when *changed), 0 when
 * it is not JSON, -1 when out of memory. */
static int redact_json(const struct pii_engine *e, const char *text, size_t len,
		       struct pii_tls_bufs *t, struct pii_result *res, bool *changed)
{
	struct pii_result local = { 0 };
	struct json_walk w = { .e = e, .s = text, .n = len, .t = t, .res = &local };
	bool ok;

	t->out->len = 0;
	ok = walk_document(&w);
	if (w.failed)
		return -1;
	skip_ws(&w);
	if (!ok || w.i != len)
		return 0;
	*changed = w.copied > 0;
	if (*changed && pii_buf_append(t->out, text + w.copied, len - w.copied))
		return -1;
	res->count += local.count;
	res->types |= local.types;
	res->drop |= local.drop;
	for (unsigned k = 0; k < PII_MAX_TYPES; k++)
		res->per_type[k] += local.per_type[k];
	return 1;
}

/* Text that starts like JSON but does not parse: a message array cut by an
 * SDK's attribute length limit, or a log line that starts with a bracket.
 * Its string literals (the last one possibly unterminated) are decoded and
 * rewritten as in a document, so an entity written with escapes or right
 * after one ("\\n+33 6 12 34 56 78") is still found, and the text between
 * them is scanned as text. */
static int redact_loose(const struct pii_engine *e, const char *text, size_t len,
			struct pii_tls_bufs *t, struct pii_result *res, bool *changed)
{
	size_t i = 0;

	*changed = false;
	t->out->len = 0;
	while (i < len) {
		const char *q = memchr(text + i, '"', len - i);
		size_t a, b, copied;
		bool escaped = false;

		if (append_redacted(e, text + i, (q ? (size_t)(q - text) : len) - i, t, res,
				    changed))
			return GC_ERROR;
		if (!q)
			break;
		a = (size_t)(q - text) + 1;
		for (b = a; b < len && text[b] != '"'; b++) {
			if (text[b] == '\\') {
				escaped = true;
				b++;
			}
		}
		if (b > len)
			b = len;
		copied = a - 1;
		if (rewrite_literal(e, text, a, b, escaped, t, res, &copied))
			return GC_ERROR;
		if (copied == b)
			*changed = true;
		else if (pii_buf_append(t->out, text + a - 1, b - a + 1))
			return GC_ERROR;
		if (b < len && pii_buf_append(t->out, "\"", 1))
			return GC_ERROR;
		i = b + 1;
	}
	return GC_OK;
}

bool pii_redact_text(const struct pii_engine *e, const char *text, size_t len,
		     struct pii_buf *out, struct pii_result *res)
{
	struct pii_tls *tls = pii_tls();
	struct pii_tls_bufs t;
	bool changed = false;
	int r = 0;

	if (!tls) {
		res->drop = res->no_memory = true; /* nothing may pass unscanned */
		return true;
	}
	pii_tls_bufs(tls, &t);
	t.out = out;
	if (looks_like_json(text, len)) {
		r = redact_json(e, text, len, &t, res, &changed);
		if (r == 0)
			r = redact_loose(e, text, len, &t, res, &changed) ? -1 : 1;
	}
	if (r == 0 && redact_plain(e, text, len, &t, res, &changed))
		r = -1;
	pii_tls_shrink(tls);
	if (r < 0) {
		/* Out of memory: nothing can be rewritten, and nothing may pass
		 * unscanned; the caller drops the value. */
		res->drop = res->no_memory = true;
		return true;
	}
	return changed;
}
