/* libFuzzer target: pii_redact's engine (processors/pii_redact/pii.h), the
 * scanner and the JSON-aware rewriter. One engine, built once, has every
 * built-in type and three custom regexes enabled, and every action in use
 * (replace, mask, hash with an HMAC key, drop), so each path of the rewriter
 * runs. Two of the custom regexes can start or stop inside a UTF-8 character,
 * which the rewriter must widen to whole characters.
 *
 * For each input:
 *   pii_scan: matches sorted by start, not overlapping, non-empty, inside the
 *     input, of an enabled type; the same again on a second call.
 *   pii_redact_text:
 *     (a) valid UTF-8 in, valid UTF-8 out;
 *     (b) a JSON array or object in (as jansson reads it), JSON out;
 *     (c) it reports a change exactly when it counted entities, its counts
 *         add up, and on text that is not a JSON document it redacts exactly
 *         what pii_scan finds.
 *   pii_hash_value: 16 lower-case hex digits.
 * A violated property aborts with a message on stderr.
 *
 * (b) is only asserted for arrays and objects, the documents pii.h promises
 * to keep as JSON: a top-level scalar ("4111111111111111", "\"sk-...\"") is
 * redacted as plain text, and "<CREDIT_CARD>" is no JSON number. Set
 * FUZZ_PII_JSON_SCALARS=1 to assert it for scalars too. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pii_redact/pii.h"

enum {
	T_TICKET = PII_BUILTIN_TYPES, /* TCK-[0-9]{6}: drop */
	T_CUT_HEAD,		      /* starts inside a character: mask */
	T_CUT_TAIL,		      /* ends inside a character: hash */
	N_TYPES
};

static const struct pii_custom custom[] = {
	{ "TICKET_ID", "TCK-[0-9]{6}" },
	{ "CUT_HEAD", "[\\x80-\\xbf]#[0-9]{2}" },
	{ "CUT_TAIL", "@@[\\xc2-\\xf4]" },
};

static const uint8_t hmac_key[] = "fuzz-hmac-key-0123456789";

static struct pii_engine *engine;
static bool json_scalars;

static struct pii_engine *build_engine(void)
{
	struct pii_engine_config c = {
		.enabled = (1ull << N_TYPES) - 1,
		.custom = custom,
		.n_custom = sizeof(custom) / sizeof(custom[0]),
		.hmac_key = hmac_key,
		.hmac_key_len = sizeof(hmac_key) - 1,
	};
	char *err = NULL;
	struct pii_engine *e;

	for (unsigned t = 0; t < PII_MAX_TYPES; t++)
		c.mask_keep[t] = 4;
	c.action[PII_EMAIL_ADDRESS] = PII_REPLACE;
	c.action[PII_PHONE_NUMBER] = PII_MASK;
	c.action[PII_CREDIT_CARD] = PII_MASK;
	c.action[PII_IBAN_CODE] = PII_HASH;
	c.action[PII_US_SSN] = PII_MASK;
	c.mask_keep[PII_US_SSN] = 0;
	c.action[PII_IP_ADDRESS] = PII_HASH;
	c.action[PII_SECRET] = PII_REPLACE;
	c.action[T_TICKET] = PII_DROP;
	c.action[T_CUT_HEAD] = PII_MASK;
	c.mask_keep[T_CUT_HEAD] = 1;
	c.action[T_CUT_TAIL] = PII_HASH;
	e = pii_engine_new(&c, &err);
	if (!e) {
		fprintf(stderr, "fuzz_pii: pii_engine_new: %s\n", err ? err : "?");
		abort();
	}
	if (pii_type_count(e) != N_TYPES)
		abort();
	return e;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *v = getenv("FUZZ_PII_JSON_SCALARS");

	(void)argc;
	(void)argv;
	json_scalars = v && *v && strcmp(v, "0");
	engine = build_engine();
	return 0;
}

static void fail(const char *what, const uint8_t *in, size_t in_len, const char *out,
		 size_t out_len)
{
	fprintf(stderr, "fuzz_pii: %s\n  input  (%zu bytes): %.*s\n  output (%zu bytes): %.*s\n",
		what, in_len, (int)(in_len > 2000 ? 2000 : in_len), (const char *)in, out_len,
		(int)(out_len > 2000 ? 2000 : out_len), out ? out : "");
	abort();
}

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, at most U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t len;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/* What jansson makes of the bytes: 0 not JSON, 1 a scalar, 2 an array or object. */
static int json_kind(const char *s, size_t n)
{
	json_error_t jerr;
	json_t *v = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	int kind;

	if (!v)
		return 0;
	kind = json_is_array(v) || json_is_object(v) ? 2 : 1;
	json_decref(v);
	return kind;
}

/* Whether pii_redact_text takes the bytes for a JSON document (its first
 * non-blank byte opens an array or object); otherwise they are plain text. */
static bool starts_like_json(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '{' || s[i] == '[')
			return true;
		if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
			return false;
	}
	return false;
}

static void check_scan(const uint8_t *data, size_t size, struct pii_matches *m)
{
	const char *text = (const char *)data;
	uint32_t prev_end = 0;
	char what[160];

	if (pii_scan(engine, text, size, m))
		fail("pii_scan failed", data, size, NULL, 0);
	for (size_t k = 0; k < m->n; k++) {
		const struct pii_match *x = &m->items[k];

		what[0] = 0;
		if (x->start >= x->end || x->end > size)
			snprintf(what, sizeof(what), "match %zu [%u, %u) empty or past the end", k,
				 x->start, x->end);
		else if (k && x->start < prev_end)
			snprintf(what, sizeof(what),
				 "match %zu [%u, %u) overlaps or precedes the previous one (end %u)",
				 k, x->start, x->end, prev_end);
		else if (x->type >= N_TYPES)
			snprintf(what, sizeof(what), "match %zu has type %u", k, x->type);
		if (what[0])
			fail(what, data, size, NULL, 0);
		prev_end = x->end;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pii_matches m, again;
	static struct pii_buf out;
	struct pii_result res = { 0 };
	const char *text = (const char *)data;
	const char *result;
	size_t result_len, sum = 0;
	bool changed, in_utf8;
	char hex[17], what[160];
	int kind;

	check_scan(data, size, &m);
	/* the engine keeps per-thread scratch between calls: same input, same answer */
	check_scan(data, size, &again);
	if (again.n != m.n)
		fail("pii_scan gave a different answer the second time", data, size, NULL, 0);
	for (size_t k = 0; k < m.n; k++)
		if (again.items[k].start != m.items[k].start || again.items[k].end != m.items[k].end ||
		    again.items[k].type != m.items[k].type)
			fail("pii_scan gave a different answer the second time", data, size, NULL, 0);

	out.len = 0;
	changed = pii_redact_text(engine, text, size, &out, &res);
	result = changed ? out.ptr : text;
	result_len = changed ? out.len : size;

	/* (c) bookkeeping */
	for (unsigned t = 0; t < PII_MAX_TYPES; t++) {
		sum += res.per_type[t];
		if (res.per_type[t] && (t >= N_TYPES || !(res.types >> t & 1)))
			fail("per_type and types disagree", data, size, result, result_len);
	}
	if (sum != res.count || changed != (res.count > 0))
		fail("count, per_type and the return value disagree", data, size, result,
		     result_len);
	if (res.drop != !!res.per_type[T_TICKET])
		fail("drop is set without a drop-type entity, or not set with one", data, size,
		     result, result_len);
	if (!starts_like_json(data, size) && res.count != m.n) {
		snprintf(what, sizeof(what), "plain text: redacted %u entities, pii_scan found %zu",
			 res.count, m.n);
		fail(what, data, size, result, result_len);
	}

	/* (a) */
	in_utf8 = utf8_valid(data, size);
	if (in_utf8 && !utf8_valid((const uint8_t *)result, result_len))
		fail("valid UTF-8 in, invalid UTF-8 out", data, size, result, result_len);

	/* (b) */
	kind = json_kind(text, size);
	if (kind == 2 || (kind == 1 && json_scalars)) {
		if (!json_kind(result, result_len))
			fail("JSON in, not JSON out", data, size, result, result_len);
	}

	pii_hash_value(engine, text, size, hex);
	for (int k = 0; k < 16; k++)
		if (!((hex[k] >= '0' && hex[k] <= '9') || (hex[k] >= 'a' && hex[k] <= 'f')))
			fail("pii_hash_value: not 16 hex digits", data, size, hex, 16);
	if (hex[16])
		fail("pii_hash_value: not NUL-terminated", data, size, hex, 16);
	return 0;
}
