/* Validators for pii_redact's recognizers; contracts in validators.h.
 * Character classes are written out rather than taken from <ctype.h>: the
 * input is arbitrary bytes (a negative char is undefined behaviour there)
 * and the answer must not depend on the locale. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "pii_redact/validators.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_alpha(char c)
{
	return is_upper(c) || (c >= 'a' && c <= 'z');
}

static bool is_alnum(char c)
{
	return is_digit(c) || is_alpha(c);
}

/* ---- payment cards ---------------------------------------------------------- */

bool pii_luhn_valid(const char *s, size_t len)
{
	unsigned n = 0, sum = 0;
	char sep = 0, first = 0;
	bool same = true;

	/* From the right: every second digit, counting the check digit as the
	 * first, is doubled. */
	for (size_t i = len; i-- > 0;) {
		char c = s[i];

		if (is_digit(c)) {
			unsigned d = (unsigned)(c - '0');

			if (++n > 19)
				return false;
			if (n == 1)
				first = c;
			else if (c != first)
				same = false;
			if (n % 2 == 0 && (d *= 2) > 9)
				d -= 9;
			sum += d;
		} else if (c == ' ' || c == '-') {
			/* between two digits, and the same separator throughout */
			if (i == 0 || i == len - 1 || !is_digit(s[i + 1]))
				return false;
			if (sep && c != sep)
				return false;
			sep = c;
		} else {
			return false;
		}
	}
	return n >= 13 && sum % 10 == 0 && !same;
}

/* ---- IBAN ------------------------------------------------------------------- */

/* IBAN lengths from the SWIFT IBAN registry. */
static const struct {
	char country[2];
	unsigned char len;
} iban_lengths[] = {
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

#define IBAN_MAX 34

/* The registered length for the country code at s, or 0 if none. */
size_t pii_iban_country_length(const char *s)
{
	for (size_t i = 0; i < sizeof(iban_lengths) / sizeof(iban_lengths[0]); i++)
		if (iban_lengths[i].country[0] == s[0] && iban_lengths[i].country[1] == s[1])
			return iban_lengths[i].len;
	return 0;
}

/* Copies the IBAN's characters without the group spaces into out (at least
 * IBAN_MAX bytes); returns how many, or 0 when the spacing or a character
 * is wrong. */
static size_t iban_compact(const char *s, size_t len, char *out)
{
	size_t n = 0;
	bool spaced = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == ' ') {
			/* only at a group boundary, single, and never last */
			if (n == 0 || n % 4 || i + 1 == len || s[i + 1] == ' ')
				return 0;
			continue;
		}
		if (!is_digit(c) && !is_upper(c))
			return 0;
		if (n > 0 && n % 4 == 0) {
			bool after_space = s[i - 1] == ' ';

			if (n == 4)
				spaced = after_space;
			else if (after_space != spaced)
				return 0;
		}
		if (n == IBAN_MAX)
			return 0;
		out[n++] = c;
	}
	return n;
}

bool pii_iban_valid(const char *s, size_t len)
{
	char iban[IBAN_MAX];
	size_t n = iban_compact(s, len, iban);
	unsigned check, r = 0;

	if (n < 4 || !is_upper(iban[0]) || !is_upper(iban[1]) || !is_digit(iban[2]) ||
	    !is_digit(iban[3]))
		return false;
	if (pii_iban_country_length(iban) != n)
		return false;
	/* ISO 7064 MOD 97-10 never produces 00, 01 or 99; 00 would otherwise
	 * pass wherever 97 is right. */
	check = (unsigned)(iban[2] - '0') * 10 + (unsigned)(iban[3] - '0');
	if (check < 2 || check > 98)
		return false;
	/* The number is the BBAN, then the country letters and check digits,
	 * letters as 10-35; reduced digit by digit, so it never exceeds
	 * 96 * 100 + 35. */
	for (size_t k = 0; k < n; k++) {
		char c = iban[(k + 4) % n];

		if (is_digit(c))
			r = (r * 10 + (unsigned)(c - '0')) % 97;
		else
			r = (r * 100 + (unsigned)(c - 'A') + 10) % 97;
	}
	return r == 1;
}

/* ---- US SSN ----------------------------------------------------------------- */

static unsigned digits_value(const char *s, size_t n)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

bool pii_ssn_valid(const char *s, size_t len)
{
	char d[9];
	unsigned area, group, serial;

	if (len == 9) {
		memcpy(d, s, 9);
	} else if (len == 11 && (s[3] == '-' || s[3] == ' ') && s[6] == s[3]) {
		memcpy(d, s, 3);
		memcpy(d + 3, s + 4, 2);
		memcpy(d + 5, s + 7, 4);
	} else {
		return false;
	}
	for (size_t i = 0; i < 9; i++)
		if (!is_digit(d[i]))
			return false;
	area = digits_value(d, 3);
	group = digits_value(d + 3, 2);
	serial = digits_value(d + 5, 4);
	if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0)
		return false;
	if (!memcmp(d, "078051120", 9) || !memcmp(d, "219099999", 9))
		return false;
	return true;
}

/* ---- IP addresses ----------------------------------------------------------- */

bool pii_ipv4_valid(const char *s, size_t len)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t start = i;
		unsigned v = 0;

		if (part > 0) {
			if (i == len || s[i] != '.')
				return false;
			start = ++i;
		}
		while (i < len && i - start < 3 && is_digit(s[i]))
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
			return false;
	}
	return i == len;
}

#define IPV6_MAX 45 /* INET6_ADDRSTRLEN without the NUL */

bool pii_ipv6_valid(const char *s, size_t len)
{
	char buf[IPV6_MAX + 1];
	struct in6_addr addr;

	/* A NUL inside would make inet_pton judge only a prefix. */
	if (len == 0 || len > IPV6_MAX || memchr(s, '%', len) || memchr(s, '\0', len))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, &addr) == 1;
}

/* ---- email ------------------------------------------------------------------ */

#define EMAIL_MAX 254
#define EMAIL_LOCAL_MAX 64
#define DNS_LABEL_MAX 63

/* RFC 5322 atext. */
static bool is_atext(char c)
{
	static const char specials[] = "!#$%&'*+-/=?^_`{|}~";

	return is_alnum(c) || (c && memchr(specials, c, sizeof(specials) - 1));
}

static bool email_local_valid(const char *s, size_t len)
{
	if (len == 0 || len > EMAIL_LOCAL_MAX || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.' ? s[i + 1] == '.' : !is_atext(s[i]))
			return false;
	}
	return true;
}

static bool email_domain_valid(const char *s, size_t len)
{
	size_t labels = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		size_t n;

		if (i < len && s[i] != '.') {
			if (!is_alnum(s[i]) && s[i] != '-')
				return false;
			continue;
		}
		n = i - start;
		if (n == 0 || n > DNS_LABEL_MAX || s[start] == '-' || s[i - 1] == '-')
			return false;
		labels++;
		if (i == len) {
			if (n < 2)
				return false;
			for (size_t k = start; k < i; k++)
				if (!is_alpha(s[k]))
					return false;
		}
		start = i + 1;
	}
	return labels >= 2;
}

bool pii_email_valid(const char *s, size_t len)
{
	const char *at;

	if (len > EMAIL_MAX)
		return false;
	at = memchr(s, '@', len);
	if (!at)
		return false;
	return email_local_valid(s, (size_t)(at - s)) &&
	       email_domain_valid(at + 1, len - (size_t)(at - s) - 1);
}
