/* pii_redact's validators: each accepts the real, published test values and
 * rejects near misses (wrong checksum, wrong length, reserved ranges, bad
 * syntax). Inputs are passed without a NUL terminator where it matters, so a
 * validator reading past len shows up under ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pii_redact/validators.h"

typedef bool (*validator_fn)(const char *s, size_t len);

/* Runs v on an exact heap copy of text (no terminator after it). */
static bool run(validator_fn v, const char *text)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	bool ok;

	assert_non_null(copy);
	memcpy(copy, text, len);
	ok = v(copy, len);
	free(copy);
	return ok;
}

static void expect_all(validator_fn v, const char *name, const char *const *inputs, bool want)
{
	for (size_t i = 0; inputs[i]; i++)
		if (run(v, inputs[i]) != want)
			fail_msg("%s(\"%s\") = %s, want %s", name, inputs[i], want ? "false" : "true",
				 want ? "true" : "false");
}

#define EXPECT_VALID(fn, ...)                                                                    \
	do {                                                                                     \
		const char *const in_[] = { __VA_ARGS__, NULL };                                 \
		expect_all(fn, #fn, in_, true);                                                  \
	} while (0)

#define EXPECT_INVALID(fn, ...)                                                                  \
	do {                                                                                     \
		const char *const in_[] = { __VA_ARGS__, NULL };                                 \
		expect_all(fn, #fn, in_, false);                                                 \
	} while (0)

/* Every single-character substitution of a digit in each valid input (to
 * another digit) must be rejected: Luhn and MOD 97-10 both catch them. */
static void expect_digit_changes_rejected(validator_fn v, const char *name,
					  const char *const *inputs)
{
	for (size_t i = 0; inputs[i]; i++) {
		char buf[64];
		size_t len = strlen(inputs[i]);

		assert_true(len < sizeof(buf));
		for (size_t k = 0; k < len; k++) {
			if (inputs[i][k] < '0' || inputs[i][k] > '9')
				continue;
			for (char d = '0'; d <= '9'; d++) {
				if (d == inputs[i][k])
					continue;
				memcpy(buf, inputs[i], len);
				buf[k] = d;
				if (v(buf, len))
					fail_msg("%s(\"%.*s\") accepted, changed from \"%s\"", name,
						 (int)len, buf, inputs[i]);
			}
		}
	}
}

/* ---- cards ------------------------------------------------------------------ */

static const char *const valid_cards[] = {
	"4111 1111 1111 1111", /* Visa */
	"4111111111111111",
	"4111-1111-1111-1111",
	"378282246310005", /* Amex */
	"3782 822463 10005",
	"5555555555554444", /* MasterCard */
	"5105105105105100",
	"6011111111111117",    /* Discover */
	"4222222222222",       /* Visa, 13 digits */
	"3530111333300000",    /* JCB */
	"6304000000000000018", /* 19 digits, Luhn-valid */
	NULL,
};

static void test_luhn_valid(void **state)
{
	(void)state;
	expect_all(pii_luhn_valid, "pii_luhn_valid", valid_cards, true);
}

static void test_luhn_invalid(void **state)
{
	(void)state;
	EXPECT_INVALID(pii_luhn_valid,
		       "4111 1111 1111 1112",	 /* wrong check digit */
		       "378282246310006", "5555555555554440",
		       "0000000000000",		 /* all one digit, Luhn-valid */
		       "0000 0000 0000 0000", "000000000000000000",
		       "422222222222",		 /* 12 digits */
		       "63040000000000000018",	 /* 20 digits */
		       "4111 1111 1111 1111 ",	 /* trailing separator */
		       " 4111 1111 1111 1111",	 /* leading separator */
		       "4111  1111 1111 1111",	 /* doubled separator */
		       "4111--1111-1111-1111", "4111 1111-1111 1111", /* mixed separators */
		       "4111.1111.1111.1111", "4111 1111 1111 111a", "", "-", "4");
	expect_digit_changes_rejected(pii_luhn_valid, "pii_luhn_valid", valid_cards);
}

/* ---- IBAN ------------------------------------------------------------------- */

static const char *const valid_ibans[] = {
	"GB82 WEST 1234 5698 7654 32",
	"GB82WEST12345698765432",
	"DE89370400440532013000",
	"DE89 3704 0044 0532 0130 00",
	"FR1420041010050500013M02606",
	"FR14 2004 1010 0505 0001 3M02 606",
	"GB29 NWBK 6016 1331 9268 19",
	"NL91ABNA0417164300",
	"BE68539007547034",		       /* 16, the shortest EU length */
	"NO9386011117947",		       /* 15, the shortest */
	"CH9300762011623852957",
	"MT84MALT011000012345MTLCAST001S",     /* letters inside the BBAN */
	"LC55HEMM000100010012001200023015",    /* 32 */
	"IT60X0542811101000000123456",
	"ES9121000418450200051332",
	NULL,
};

static void test_iban_valid(void **state)
{
	(void)state;
	expect_all(pii_iban_valid, "pii_iban_valid", valid_ibans, true);
}

static void test_iban_invalid(void **state)
{
	(void)state;
	EXPECT_INVALID(pii_iban_valid,
		       "GB83 WEST 1234 5698 7654 32",	  /* wrong check digits */
		       "DE88370400440532013000",
		       "DE8937040044053201300",		  /* one short for DE */
		       "DE893704004405320130000",	  /* one long */
		       "US64SVBKUS6S3300958879",	  /* no IBAN in the US */
		       "ZZ12345678901234",		  /* not a country */
		       "gb82west12345698765432",	  /* lower case */
		       "GB82 WEST 1234 5698 7654 32 ",	  /* trailing space */
		       "GB82  WEST 1234 5698 7654 32",	  /* doubled space */
		       "GB82 WEST12345698765432",	  /* spaced, then compact */
		       "GB82WEST 1234 5698 7654 32",	  /* compact, then spaced */
		       "GB 82WEST12345698765432",	  /* space inside a group */
		       "GB82-WEST-1234-5698-7654-32",	  /* dashes */
		       "GBXX WEST 1234 5698 7654 32",	  /* letters for check digits */
		       "1282 WEST 1234 5698 7654 32",	  /* digits for the country */
		       "GB82 WEST 1234 5698 7654 3!",
		       "GB82WEST12345698765432GB82WEST12345698765432", /* over 34 */
		       "", "GB", "GB82");
	expect_digit_changes_rejected(pii_iban_valid, "pii_iban_valid", valid_ibans);
}

/* The registry lengths, written out independently of validators.c. */
static const struct {
	const char *country;
	size_t len;
} registry[] = {
	{ "AD", 24 }, { "AE", 23 }, { "AL", 28 }, { "AT", 20 }, { "AZ", 28 }, { "BA", 20 },
	{ "BE", 16 }, { "BG", 22 }, { "BH", 22 }, { "BR", 29 }, { "BY", 28 }, { "CH", 21 },
	{ "CR", 22 }, { "CY", 28 }, { "CZ", 24 }, { "DE", 22 }, { "DK", 18 }, { "DO", 28 },
	{ "EE", 20 }, { "EG", 29 }, { "ES", 24 }, { "FI", 18 }, { "FO", 18 }, { "FR", 27 },
	{ "GB", 22 }, { "GE", 22 }, { "GI", 23 }, { "GL", 18 }, { "GR", 27 }, { "GT", 28 },
	{ "HR", 21 }, { "HU", 28 }, { "IE", 22 }, { "IL", 23 }, { "IQ", 23 }, { "IS", 26 },
	{ "IT", 27 }, { "JO", 30 }, { "KW", 30 }, { "KZ", 20 }, { "LB", 28 }, { "LC", 32 },
	{ "LI", 21 }, { "LT", 20 }, { "LU", 20 }, { "LV", 21 }, { "LY", 25 }, { "MC", 27 },
	{ "MD", 24 }, { "ME", 22 }, { "MK", 19 }, { "MR", 27 }, { "MT", 31 }, { "MU", 30 },
	{ "NL", 18 }, { "NO", 15 }, { "PK", 24 }, { "PL", 28 }, { "PS", 29 }, { "PT", 25 },
	{ "QA", 29 }, { "RO", 24 }, { "RS", 22 }, { "SA", 24 }, { "SC", 31 }, { "SE", 24 },
	{ "SI", 19 }, { "SK", 24 }, { "SM", 27 }, { "ST", 25 }, { "SV", 28 }, { "TL", 23 },
	{ "TN", 24 }, { "TR", 26 }, { "UA", 29 }, { "VA", 22 }, { "VG", 24 }, { "XK", 20 },
};

/* Sets iban[2..3] to the right check digits for the len characters of
 * iban, by a reference computation: expand to a decimal string, reduce it
 * nine digits at a time. */
static void set_check_digits(char *iban, size_t len)
{
	char digits[128];
	size_t nd = 0;
	uint64_t r = 0;

	iban[2] = iban[3] = '0';
	for (size_t k = 0; k < len; k++) {
		char c = iban[(k + 4) % len];

		if (c >= '0' && c <= '9') {
			digits[nd++] = c;
		} else {
			digits[nd++] = (char)('0' + (c - 'A' + 10) / 10);
			digits[nd++] = (char)('0' + (c - 'A' + 10) % 10);
		}
	}
	for (size_t i = 0; i < nd; i += 9) {
		size_t n = nd - i < 9 ? nd - i : 9;
		uint64_t chunk = 0, scale = 1;

		for (size_t j = 0; j < n; j++) {
			chunk = chunk * 10 + (uint64_t)(digits[i + j] - '0');
			scale *= 10;
		}
		r = (r * scale + chunk) % 97;
	}
	r = 98 - r;
	iban[2] = (char)('0' + r / 10);
	iban[3] = (char)('0' + r % 10);
}

/* Fills iban (len chars) with country, a BBAN of digits and letters, and
 * the right check digits. */
static void make_iban(char *iban, const char *country, size_t len)
{
	memcpy(iban, country, 2);
	for (size_t i = 4; i < len; i++)
		iban[i] = i % 5 == 0 ? (char)('A' + i % 26) : (char)('0' + (i * 7) % 10);
	set_check_digits(iban, len);
}

static void test_iban_every_registry_length(void **state)
{
	char iban[40];

	(void)state;
	for (size_t i = 0; i < sizeof(registry) / sizeof(registry[0]); i++) {
		const char *cc = registry[i].country;
		size_t len = registry[i].len;

		make_iban(iban, cc, len);
		if (!pii_iban_valid(iban, len))
			fail_msg("%.*s rejected (%s, length %zu)", (int)len, iban, cc, len);
		/* checksum right, length wrong by one either way */
		make_iban(iban, cc, len - 1);
		if (pii_iban_valid(iban, len - 1))
			fail_msg("%.*s accepted, %s is %zu long", (int)(len - 1), iban, cc, len);
		make_iban(iban, cc, len + 1);
		if (pii_iban_valid(iban, len + 1))
			fail_msg("%.*s accepted, %s is %zu long", (int)(len + 1), iban, cc, len);
	}
	/* A valid checksum under a code with no IBAN. */
	make_iban(iban, "US", 22);
	assert_false(pii_iban_valid(iban, 22));
}

/* MOD 97-10 check digits run 02-98; 00 is 97 modulo 97, so an IBAN whose
 * check digits are 97 still passes the checksum with 00, and one with 02 or
 * 98 with 99 or 01. The validator must reject those forms. */
static void test_iban_check_digits_00_01_99_rejected(void **state)
{
	char iban[16], alias[16];
	int seen = 0;

	(void)state;
	for (unsigned n = 0; n < 100000 && seen != 7; n++) {
		unsigned check;

		snprintf(iban, sizeof(iban), "NO00%011u", n);
		set_check_digits(iban, 15);
		check = (unsigned)(iban[2] - '0') * 10 + (unsigned)(iban[3] - '0');
		assert_true(pii_iban_valid(iban, 15));
		memcpy(alias, iban, 15);
		if (check == 97) {
			memcpy(alias + 2, "00", 2);
			seen |= 1;
		} else if (check == 98) {
			memcpy(alias + 2, "01", 2);
			seen |= 2;
		} else if (check == 2) {
			memcpy(alias + 2, "99", 2);
			seen |= 4;
		} else {
			continue;
		}
		if (pii_iban_valid(alias, 15))
			fail_msg("%.15s accepted (alias of %.15s)", alias, iban);
	}
	assert_int_equal(seen, 7);
}

/* ---- SSN -------------------------------------------------------------------- */

static void test_ssn(void **state)
{
	(void)state;
	/* 123-45-6789 breaks no area/group/serial rule, so it is valid. */
	EXPECT_VALID(pii_ssn_valid, "123-45-6789", "123 45 6789", "123456789", "001-01-0001",
		     "665-99-9999", "667-01-0001", "899-99-9999", "078-05-1121", "219-09-9998");
	EXPECT_INVALID(pii_ssn_valid,
		       "000-12-3456", "666-12-3456", "912-34-5678", "900-12-3456", "999-99-9999",
		       "123-00-4567", "123-45-0000", "000123456", "666123456", "123004567",
		       "078-05-1120", "078051120", "219-09-9999", "219 09 9999", /* advertising */
		       "123-45 6789", "123 45-6789", /* mixed separators */
		       "123.45.6789", "12-345-6789", "1234-5-6789", "12345678", "1234567890",
		       "123-45-678", "123-45-67890", "12a-45-6789", "", "---------");
}

/* ---- IPv4 ------------------------------------------------------------------- */

static void test_ipv4(void **state)
{
	(void)state;
	EXPECT_VALID(pii_ipv4_valid, "255.255.255.255", "0.0.0.0", "10.2.3.4", "192.168.1.100",
		     "1.0.10.100", "249.250.199.200");
	EXPECT_INVALID(pii_ipv4_valid, "256.1.1.1", "1.1.1.256", "1.300.1.1", "01.2.3.4",
		       "1.2.3.04", "1.00.3.4", "1.2.3", "10.2.3.4.5", "1.2.3.4.", ".1.2.3.4",
		       "1..2.3", "1.2..3.4", "1234.1.1.1", "0001.1.1.1", "1.2.3.-4", "1.2.3.+4",
		       " 1.2.3.4", "1.2.3.4 ", "1.2.3.a", "1,2,3,4", "", ".", "...");
}

/* ---- IPv6 ------------------------------------------------------------------- */

static void test_ipv6(void **state)
{
	(void)state;
	EXPECT_VALID(pii_ipv6_valid, "::1", "::", "2001:db8::8a2e:370:7334",
		     "2001:0db8:0000:0000:0000:8a2e:0370:7334", "fe80::1", "FE80::ABCD",
		     "::ffff:192.168.1.1", "0000:0000:0000:0000:0000:ffff:255.255.255.255",
		     "1:2:3:4:5:6:7:8");
	EXPECT_INVALID(pii_ipv6_valid, "2001:db8::g", "2001:db8:::1", "1:2:3:4:5:6:7:8:9",
		       "1::2::3", "12345::1", "fe80::1%eth0", "::ffff:256.1.1.1", ":1", "1:",
		       "1.2.3.4", "hello", "",
		       "0000:0000:0000:0000:0000:ffff:255.255.255.2555" /* 46 chars */);
}

/* inet_pton must see exactly s[0..len): no prefix, no bytes after it. */
static void test_ipv6_length_is_respected(void **state)
{
	static const char with_nul[] = "::1\0zzz";

	(void)state;
	assert_false(pii_ipv6_valid(with_nul, sizeof(with_nul) - 1));
	assert_true(pii_ipv6_valid("::1zzz", 3));
	assert_true(pii_ipv6_valid("2001:db8::1", 10));      /* "2001:db8::" */
	assert_false(pii_ipv6_valid("2001:db8::1", 9));      /* "2001:db8:" */
	assert_false(pii_ipv6_valid("1:2:3:4:5:6:7:8", 13)); /* seven groups */
}

/* ---- email ------------------------------------------------------------------ */

static void test_email(void **state)
{
	char local64[80], local65[80], label63[80], label64[80], long_ok[300], long_bad[300];

	(void)state;
	EXPECT_VALID(pii_email_valid, "user@example.com", "first.last@sub.example.co.uk",
		     "x@ab.io", "user+tag@example.org", "o'brien@example.ie",
		     "a!#$%&'*+-/=?^_`{|}~z@example.com", "USER@EXAMPLE.COM", "1@123.example.de",
		     "a@xn--bcher-kva.example", "a@my-host.example.net");
	EXPECT_INVALID(pii_email_valid, "user@localhost",	/* one label */
		       "user@example.c",			/* TLD too short */
		       "user@example.c0m", "user@example.123", /* TLD not letters */
		       ".user@example.com", "user.@example.com", "us..er@example.com",
		       "user@-example.com", "user@example-.com", "user@.example.com",
		       "user@example..com", "user@example.com.", "user@@example.com",
		       "us@er@example.com", "user@exa_mple.com", "user name@example.com",
		       "\"user\"@example.com", "user@[192.168.1.1]", "user@example.com>",
		       "@example.com", "user@", "user", "", "@", "jos\xc3\xa9@example.com");

	memset(local64, 'a', 64);
	strcpy(local64 + 64, "@example.com");
	memset(local65, 'a', 65);
	strcpy(local65 + 65, "@example.com");
	memcpy(label63, "a@", 2);
	memset(label63 + 2, 'b', 63);
	strcpy(label63 + 65, ".com");
	memcpy(label64, "a@", 2);
	memset(label64 + 2, 'b', 64);
	strcpy(label64 + 66, ".com");
	EXPECT_VALID(pii_email_valid, local64, label63);
	EXPECT_INVALID(pii_email_valid, local65, label64);

	/* a@ + labels up to exactly 254 bytes in all, then one byte more */
	memcpy(long_ok, "a@", 2);
	for (size_t i = 2; i < 250; i++)
		long_ok[i] = (i - 2) % 50 == 49 ? '.' : 'c';
	strcpy(long_ok + 250, ".com");
	assert_int_equal(strlen(long_ok), 254);
	long_bad[0] = 'a';
	strcpy(long_bad + 1, long_ok);
	assert_int_equal(strlen(long_bad), 255);
	EXPECT_VALID(pii_email_valid, long_ok);
	EXPECT_INVALID(pii_email_valid, long_bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_luhn_valid),
		cmocka_unit_test(test_luhn_invalid),
		cmocka_unit_test(test_iban_valid),
		cmocka_unit_test(test_iban_invalid),
		cmocka_unit_test(test_iban_check_digits_00_01_99_rejected),
		cmocka_unit_test(test_iban_every_registry_length),
		cmocka_unit_test(test_ssn),
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ipv6_length_is_respected),
		cmocka_unit_test(test_email),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
