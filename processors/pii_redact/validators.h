/* Validators for pii_redact's recognizers (DESIGN section 5): a scanner finds
 * a candidate span of text, a validator decides whether that exact span is
 * the entity. Each takes (s, len) with s not NUL-terminated, reads only
 * s[0..len), allocates nothing, keeps no state, and is safe from any thread.
 * They judge the whole span: finding where a candidate starts and ends
 * (e.g. not matching "10.2.3.4" inside "10.2.3.4.5") is the scanner's job. */
#ifndef PII_VALIDATORS_H
#define PII_VALIDATORS_H

#include <stdbool.h>
#include <stddef.h>

/* A payment card number: 13 to 19 digits passing the Luhn checksum,
 * optionally grouped by single spaces or single dashes (one kind per number,
 * never leading, trailing or doubled). Numbers made of one repeated digit
 * pass Luhn trivially for some lengths and are rejected. */
bool pii_luhn_valid(const char *s, size_t len);

/* An IBAN (ISO 13616): two upper-case letters naming a country of the SWIFT
 * IBAN registry, two check digits (02-98), then an upper-case alphanumeric
 * BBAN; the whole has exactly that country's length and its mod-97 is 1.
 * Written compact or in groups of four separated by single spaces (the
 * last group may be shorter); not a mix of the two. */
bool pii_iban_valid(const char *s, size_t len);

/* The IBAN length of the country whose two-letter code s[0..2) is, or 0 when
 * it has none in the registry. */
size_t pii_iban_country_length(const char *s);

/* A US Social Security number written "AAA-GG-SSSS", "AAA GG SSSS" or as
 * nine digits. Area not 000, 666 or 900-999; group not 00; serial not
 * 0000; not one of the numbers printed in advertising (078-05-1120,
 * 219-09-9999). Other syntactically valid numbers such as 123-45-6789 pass:
 * the SSA rules allow them and redacting a sample costs nothing. */
bool pii_ssn_valid(const char *s, size_t len);

/* An IPv4 address in dotted-quad form: exactly four decimal parts 0-255,
 * no leading zeros ("0" itself is fine, "01" is not). */
bool pii_ipv4_valid(const char *s, size_t len);

/* An IPv6 address in any form inet_pton(AF_INET6) accepts (including "::"
 * compression and a trailing dotted quad); at most 45 characters; a zone
 * ("%eth0") is rejected. */
bool pii_ipv6_valid(const char *s, size_t len);

/* An email address local@domain in a practical subset of RFC 5322: the
 * local part is atext and dots (no leading, trailing or doubled dot, at
 * most 64 bytes); the domain is at least two labels of letters, digits and
 * hyphens (no leading or trailing hyphen, at most 63 bytes each) whose last
 * label, the TLD, is at least two letters; at most 254 bytes in all. No
 * quoted local parts, comments or address literals. */
bool pii_email_valid(const char *s, size_t len);

#endif
