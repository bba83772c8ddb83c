/* pii_redact's engine: what each recognizer redacts and what it must leave
 * alone, the JSON-aware rewriting, and the operators. Each case is the text a
 * user would send and the exact text that must come out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "pii_redact/pii.h"

static struct pii_engine *engine_with(uint64_t enabled, const struct pii_custom *custom,
				      size_t n_custom, void (*tune)(struct pii_engine_config *))
{
	struct pii_engine_config c = { .enabled = enabled, .custom = custom, .n_custom = n_custom };
	char *err = NULL;
	struct pii_engine *e;

	for (unsigned t = 0; t < PII_MAX_TYPES; t++)
		c.mask_keep[t] = 4;
	if (tune)
		tune(&c);
	e = pii_engine_new(&c, &err);
	if (!e)
		fail_msg("engine: %s", err);
	return e;
}

static struct pii_engine *all_types(void)
{
	return engine_with((1ull << PII_BUILTIN_TYPES) - 1, NULL, 0, NULL);
}

/* The text after redaction (the input itself when nothing changed); the
 * input is a heap copy without terminator, so reading past it trips ASan. */
static char *redact(const struct pii_engine *e, const char *in, struct pii_result *res)
{
	size_t len = strlen(in);
	char *copy = malloc(len + 1), *out;
	struct pii_buf buf = { 0 };
	struct pii_result local = { 0 };

	memcpy(copy, in, len);
	if (pii_redact_text(e, copy, len, &buf, res ? res : &local))
		out = strndup(buf.ptr, buf.len);
	else
		out = strdup(in);
	free(copy);
	pii_buf_free(&buf);
	return out;
}

struct case_ {
	const char *in, *want;
};

static void expect(const struct pii_engine *e, const struct case_ *cases)
{
	for (size_t i = 0; cases[i].in; i++) {
		char *got = redact(e, cases[i].in, NULL);

		if (strcmp(got, cases[i].want))
			fail_msg("redact(\"%s\")\n   got \"%s\"\n  want \"%s\"", cases[i].in, got,
				 cases[i].want);
		free(got);
	}
}

static void test_email(void **state)
{
	struct pii_engine *e = all_types();
	static const struct case_ cases[] = {
		{ "write to Vincenza.Cassin50@hotmail.com today",
		  "write to <EMAIL_ADDRESS> today" },
		{ "(a.b-c+tag@mail.example.co.uk).", "(<EMAIL_ADDRESS>)." },
		{ "mention @username and user@localhost", "mention @username and user@localhost" },
		{ "x@y.z is too short a TLD", "x@y.z is too short a TLD" },
		{ "mary.o'connor@example.ie and 'quoted@example.com'",
		  "<EMAIL_ADDRESS> and '<EMAIL_ADDRESS>'" },
		/* a local part longer than 64 is no address, and is not cut in two */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com" },
		/* JSON inside a JSON string, after one decoding */
		{ "to Jane \\u003cjane@example.com\\u003e", "to Jane \\u003c<EMAIL_ADDRESS>\\u003e" },
		{ 0 },
	};

	(void)state;
	expect(e, cases);
	pii_engine_free(e);
}

static void test_phone(void **state)
{
	struct pii_engine *e = all_types();
	static const struct case_ cases[] = {
		{ "call 1-703-301-3354 x628 now", "call <PHONE_NUMBER> now" },
		{ "E.164 +12646118936.", "E.164 <PHONE_NUMBER>." },
		{ "(980) 218-0495 or 468.279.7271", "<PHONE_NUMBER> or <PHONE_NUMBER>" },
		{ "UK 020 7946 0958, 016977 9727", "UK <PHONE_NUMBER>, <PHONE_NUMBER>" },
		{ "FR 01 23 45 67 89 / 0670310133", "FR <PHONE_NUMBER> / <PHONE_NUMBER>" },
		{ "DE (07031) 0133546, +49-807-9727149", "DE <PHONE_NUMBER>, <PHONE_NUMBER>" },
		{ "BR +55 (70) 3101-3354", "BR <PHONE_NUMBER>" },
		{ "JP 0703-10-1335", "JP <PHONE_NUMBER>" },
		/* non-ASCII dashes and spaces, as language models write them */
		{ "call +1\u2011555\u2011123\u20114567 or 020\u00a07946\u00a00958",
		  "call <PHONE_NUMBER> or <PHONE_NUMBER>" },
		/* not phones */
		{ "on 2024-03-15 at 10:30:00", "on 2024-03-15 at 10:30:00" },
		{ "order #48213977 and ORD-2024-118842", "order #48213977 and ORD-2024-118842" },
		{ "INV-2024-00123 for $1,234.56", "INV-2024-00123 for $1,234.56" },
		{ "version 10.2.3.4.5, zip 94105", "version 10.2.3.4.5, zip 94105" },
		/* text that carries escapes: \n ends the word before a number */
		{ "log: Call me:\\n+33 6 12 34 56 78 or\\ta.b@example.com",
		  "log: Call me:\\n<PHONE_NUMBER> or\\t<EMAIL_ADDRESS>" },
		{ 0 },
	};

	(void)state;
	expect(e, cases);
	pii_engine_free(e);
}

static void test_card(void **state)
{
	struct pii_engine *e = all_types();
	static const struct case_ cases[] = {
		{ "card 4111 1111 1111 1111 exp 12/27", "card <CREDIT_CARD> exp 12/27" },
		{ "amex 3725-703885-89881;", "amex <CREDIT_CARD>;" },
		{ "card 4111\u202f1111\u202f1111\u202f1111, ssn 123\u201145\u20116789",
		  "card <CREDIT_CARD>, ssn <US_SSN>" },
		{ "visa13 4968562578769", "visa13 <CREDIT_CARD>" },
		{ "bad 4111 1111 1111 1112", "bad 4111 1111 1111 1112" },
		{ "mixed 4111-1111 1111-1111", "mixed 4111-1111 1111-1111" },
		{ "id 9111111111111111 starts with 9", "id 9111111111111111 starts with 9" },
		{ 0 },
	};

	(void)state;
	expect(e, cases);
	pii_engine_free(e);
}

static void test_iban_ssn_ip(void **state)
{
	struct pii_engine *e = all_types();
	static const struct case_ cases[] = {
		{ "IBAN DE89 3704 0044 0532 0130 00.", "IBAN <IBAN_CODE>." },
		{ "GB82WEST12345698765432 ok", "<IBAN_CODE> ok" },
		{ "bad DE88 3704 0044 0532 0130 00", "bad DE88 3704 0044 0532 0130 00" },
		{ "SSN 123-45-6789; 078-05-1120", "SSN <US_SSN>; 078-05-1120" },
		{ "000-12-3456 666 12 3456 912-34-5678", "000-12-3456 666 12 3456 912-34-5678" },
		{ "from 192.168.1.10 (IP:10.0.0.1)", "from <IP_ADDRESS> (IP:<IP_ADDRESS>)" },
		{ "v6 [2001:db8::1]:443 fe80::1%eth0", "v6 [<IP_ADDRESS>]:443 <IP_ADDRESS>%eth0" },
		{ "dial tcp 2001:db8::1: i/o timeout, ip:fe80::1, peer=::1:",
		  "dial tcp <IP_ADDRESS>: i/o timeout, ip:<IP_ADDRESS>, peer=<IP_ADDRESS>:" },
		{ "GET /users/4111111111111111/cards /api/ip/10.1.2.3",
		  "GET /users/<CREDIT_CARD>/cards /api/ip/<IP_ADDRESS>" },
		{ "REF AB12 4111 1111 1111 1111", "REF AB12 <CREDIT_CARD>" },
		{ "10.2.3.4.5 256.1.1.1 10:30:00 std::vector 00:1A:2B:3C:4D:5E",
		  "10.2.3.4.5 256.1.1.1 10:30:00 std::vector 00:1A:2B:3C:4D:5E" },
		{ 0 },
	};

	(void)state;
	expect(e, cases);
	pii_engine_free(e);
}

static void test_secrets(void **state)
{
	struct pii_engine *e = all_types();
	static const struct case_ cases[] = {
		{ "key sk-proj-AbC123dEf456GhI789jKl012MnO345 end", "key <SECRET> end" },
		{ "sk-ant-api03-AbCdEf0123456789xyzXYZ_-abc", "<SECRET>" },
		{ "the sk-learn-compatible-pipelines", "the sk-learn-compatible-pipelines" },
		{ "AKIAIOSFODNN7EXAMPLE,ASIAY34FZKBOKMUTVV7A", "<SECRET>,<SECRET>" },
		{ "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "<SECRET>" },
		{ "github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "<SECRET>" },
		{ "xoxb-123456789012-abcdefABCDEF", "<SECRET>" },
		{ "sk_live_abcdefghij1234567890XYZ rk_live_0123456789abcdefghijKL",
		  "<SECRET> <SECRET>" },
		{ "AIzaSyA-0123456789abcdefghijklmnopqrstu", "<SECRET>" },
		{ "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_X",
		  "jwt <SECRET>" },
		{ "Authorization: Bearer abcDEF1234567890xyz.", "Authorization: Bearer <SECRET>." },
		{ "Bearer authentication is a scheme", "Bearer authentication is a scheme" },
		{ "a -----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK==\n-----END RSA PRIVATE KEY----- b",
		  "a <SECRET> b" },
		{ "cut -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg", "cut <SECRET>" },
		{ 0 },
	};

	(void)state;
	expect(e, cases);
	pii_engine_free(e);
}

static void test_json(void **state)
{
	struct pii_engine *e = all_types();
	static const struct case_ cases[] = {
		/* entities inside literals, escapes decoded, the rest byte for byte */
		{ "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"mail a@b.com\\nor "
		  "\\u0061lice@x.io caf\\u00e9\"}]}]",
		  "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"mail "
		  "<EMAIL_ADDRESS>\\nor <EMAIL_ADDRESS> caf\\u00e9\"}]}]" },
		/* numbers and formatting untouched */
		{ "{ \"n\": 4111111111111111, \"x\" : 1.50e3 ,\"k\":\"sk_live_abcdefghij1234567890XYZ\"}",
		  "{ \"n\": 4111111111111111, \"x\" : 1.50e3 ,\"k\":\"<SECRET>\"}" },
		/* a PEM block whose newlines are escapes */
		{ "[\"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\",\"ok\"]",
		  "[\"<SECRET>\",\"ok\"]" },
		/* not JSON after all: scanned as text */
		{ "[INFO] user a@b.com logged in", "[INFO] user <EMAIL_ADDRESS> logged in" },
		{ "{\"unterminated\": \"a@b.com", "{\"unterminated\": \"<EMAIL_ADDRESS>" },
		/* cut by an attribute length limit: literals are still decoded, so
		 * entities after or written with escapes are found */
		{ "[{\"role\":\"user\",\"content\":\"Call me:\\n+33 6 12 34 56 78 or mail\\na.b@example.com "
		  "and SSN\\t123-45-6789, x\\u0040example.com, 4111 1111",
		  "[{\"role\":\"user\",\"content\":\"Call me:\\n<PHONE_NUMBER> or mail\\n<EMAIL_ADDRESS> "
		  "and SSN\\t<US_SSN>, <EMAIL_ADDRESS>, 4111 1111" },
		{ "[\"ok\"] then a@b.com outside", "[\"ok\"] then <EMAIL_ADDRESS> outside" },
		{ 0 },
	};

	(void)state;
	expect(e, cases);
	pii_engine_free(e);
}

/* Values made of many secret heads, or BEGIN lines without an END, take
 * linear time: each of these took minutes at 1 MiB when every head was
 * extended to the end of the value (ctest's timeout catches a regression). */
static void test_pathological_values(void **state)
{
	struct pii_engine *e = all_types();
	static const char *const units[] = { "sk-", "xoxb-", "eyJaaaaaaaa-",
					     "-----BEGIN PRIVATE KEY-----", "::", "1 ", NULL };
	static const unsigned want[] = { 0, 0, 0, 1, 0, 0 };
	size_t n = 1 << 20;
	char *text = malloc(n);
	struct pii_buf out = { 0 };

	(void)state;
	for (size_t u = 0; units[u]; u++) {
		size_t ul = strlen(units[u]);
		struct pii_result res = { 0 };

		for (size_t i = 0; i < n; i++)
			text[i] = units[u][i % ul];
		pii_redact_text(e, text, n, &out, &res);
		if (res.count != want[u])
			fail_msg("%s repeated: %u entities, want %u", units[u], res.count, want[u]);
	}
	pii_buf_free(&out);
	free(text);
	pii_engine_free(e);
}

/* Nesting as deep as a JSON library accepts stays a document. */
static void test_json_deep(void **state)
{
	struct pii_engine *e = all_types();
	size_t depth = 2000, n = 2 * depth + 16;
	char *doc = malloc(n), *out;
	json_t *parsed;
	size_t k = 0;

	(void)state;
	for (size_t i = 0; i < depth; i++)
		doc[k++] = '[';
	memcpy(doc + k, "\"a@b.com\"", 9);
	k += 9;
	for (size_t i = 0; i < depth; i++)
		doc[k++] = ']';
	doc[k] = '\0';
	out = redact(e, doc, NULL);
	assert_non_null(strstr(out, "[\"<EMAIL_ADDRESS>\"]"));
	parsed = json_loads(out, JSON_DECODE_ANY, NULL);
	assert_non_null(parsed);
	json_decref(parsed);
	free(out);
	free(doc);
	pii_engine_free(e);
}

static void set_ops(struct pii_engine_config *c)
{
	static const uint8_t key[] = "key";

	c->action[PII_CREDIT_CARD] = PII_MASK;
	c->action[PII_EMAIL_ADDRESS] = PII_HASH;
	c->action[PII_SECRET] = PII_DROP;
	c->mask_keep[PII_PHONE_NUMBER] = 2;
	c->action[PII_PHONE_NUMBER] = PII_MASK;
	c->hmac_key = key;
	c->hmac_key_len = 3;
}

static void test_operators(void **state)
{
	struct pii_engine *e = engine_with((1ull << PII_BUILTIN_TYPES) - 1, NULL, 0, set_ops);
	struct pii_result res = { 0 };
	char hex[17], *out;

	(void)state;
	out = redact(e, "card 4111-1111-1111-1111, tel +1 (555) 123-4567", &res);
	assert_string_equal(out, "card ****-****-****-1111, tel +* (***) ***-**67");
	assert_int_equal(res.count, 2);
	assert_int_equal(res.per_type[PII_CREDIT_CARD], 1);
	assert_false(res.drop);
	free(out);

	/* Published HMAC-SHA256 test vector: key "key", the quick brown fox. */
	pii_hash_value(e, "The quick brown fox jumps over the lazy dog", 43, hex);
	assert_string_equal(hex, "f7bc83f430538424");

	/* The pseudonym is stable and differs between values. */
	out = redact(e, "a@b.com a@b.com c@d.com", NULL);
	assert_int_equal(strlen(out), strlen("<EMAIL_ADDRESS:12345678> <EMAIL_ADDRESS:12345678> "
					     "<EMAIL_ADDRESS:12345678>"));
	assert_memory_equal(out, out + 25, 24);
	assert_memory_not_equal(out, out + 50, 24);
	free(out);

	memset(&res, 0, sizeof(res));
	free(redact(e, "token sk_live_abcdefghij1234567890XYZ", &res));
	assert_true(res.drop);
	pii_engine_free(e);
}

static void test_custom_and_enabled(void **state)
{
	static const struct pii_custom custom[] = { { "TICKET_ID", "TCK-[0-9]{6}" },
						    { "CAFE", "caf\xc3" } };
	struct pii_engine *e =
		engine_with(1ull << PII_EMAIL_ADDRESS | 1ull << PII_BUILTIN_TYPES |
				    1ull << (PII_BUILTIN_TYPES + 1),
			    custom, 2, NULL);
	static const struct case_ cases[] = {
		{ "see TCK-123456 from a@b.com, 4111 1111 1111 1111",
		  "see <TICKET_ID> from <EMAIL_ADDRESS>, 4111 1111 1111 1111" },
		/* a match ending inside a character takes the whole character */
		{ "un caf\xc3\xa9 noir", "un <CAFE> noir" },
		{ 0 },
	};
	struct pii_engine_config bad = { .enabled = 1ull << PII_BUILTIN_TYPES,
					 .custom = (struct pii_custom[]){ { "BROKEN", "a(b" } },
					 .n_custom = 1 };
	char *err = NULL;

	(void)state;
	assert_string_equal(pii_type_name(e, PII_BUILTIN_TYPES), "TICKET_ID");
	expect(e, cases);
	pii_engine_free(e);
	assert_null(pii_engine_new(&bad, &err));
	assert_non_null(strstr(err, "custom[0] (BROKEN): regex does not compile"));
	free(err);
}

/* A large value full of entities: offsets and buffers hold up, and every
 * entity is found. */
static void test_large_dense_text(void **state)
{
	struct pii_engine *e = all_types();
	const char *unit = "mail a@b.com card 4111 1111 1111 1111 ip 10.0.0.1; ";
	size_t n = 20000, ul = strlen(unit);
	char *text = malloc(n * ul + 1);
	struct pii_buf out = { 0 };
	struct pii_result res = { 0 };

	(void)state;
	for (size_t i = 0; i < n; i++)
		memcpy(text + i * ul, unit, ul);
	assert_true(pii_redact_text(e, text, n * ul, &out, &res));
	assert_int_equal(res.count, 3 * n);
	assert_null(memmem(out.ptr, out.len, "a@b.com", 7));
	pii_buf_free(&out);
	free(text);
	pii_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email),	   cmocka_unit_test(test_phone),
		cmocka_unit_test(test_card),	   cmocka_unit_test(test_iban_ssn_ip),
		cmocka_unit_test(test_secrets),	   cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_deep),  cmocka_unit_test(test_pathological_values),
		cmocka_unit_test(test_operators),  cmocka_unit_test(test_custom_and_enabled),
		cmocka_unit_test(test_large_dense_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
