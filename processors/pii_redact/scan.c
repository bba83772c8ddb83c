/* The single-pass scanners for the address and numeric types: one walk over
 * the text that stops only on bytes that can begin an entity (digits, '+',
 * '(', '@', ':', capitals), finds the candidate's extent there, and asks a
 * validator (validators.h) whether the candidate is the entity. Prose, mostly
 * lower-case letters and spaces, costs one table lookup per byte.
 *
 * Candidates are appended to a match list; pii_scan (engine.c) merges them
 * with the pattern matches and resolves overlaps. */
#include <string.h>
/* PII_NO_SIMD builds the portable loops on x86-64 too, so tests cover them. */
#if defined(__SSE2__) && !defined(PII_NO_SIMD)
#define PII_SSE2 1
#include <emmintrin.h>
#endif

#include "pii_redact/scan.h"
#include "pii_redact/validators.h"

enum {
	T_DIGIT = 1,
	T_PLUS,
	T_PAREN,
	T_AT,
	T_COLON,
	T_UPPER,
};

static const unsigned char trigger[256] = {
	['0' ... '9'] = T_DIGIT, ['+'] = T_PLUS,  ['('] = T_PAREN,
	['@'] = T_AT,		 [':'] = T_COLON, ['A' ... 'Z'] = T_UPPER,
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_upper_alnum(char c)
{
	return is_digit(c) || (c >= 'A' && c <= 'Z');
}

static int add(struct scan *sc, size_t start, size_t end, unsigned type)
{
	if (!(sc->enabled & (1ull << type)))
		return 0;
	return pii_matches_add(sc->out, start, end, type) ? -1 : 0;
}

/* Where the run of letters and digits containing s[i] ends. */
static size_t skip_word(const struct scan *sc, size_t i)
{
	while (i < sc->len && is_alnum(sc->s[i]))
		i++;
	return i;
}

/* Whether s[i - 2..i) is a backslash escape such as \\n or \\t, which ends
 * the word before it. */
static bool escape_before(const char *s, size_t i)
{
	if (i >= 2 && s[i - 2] == '\\' && (s[i - 1] == 'n' || s[i - 1] == 't' || s[i - 1] == 'r'))
		return true;
	/* \u003c and friends, in JSON nested in a JSON string */
	return i >= 6 && s[i - 6] == '\\' && s[i - 5] == 'u' && is_hex(s[i - 4]) &&
	       is_hex(s[i - 3]) && is_hex(s[i - 2]) && is_hex(s[i - 1]);
}

/* Whether an entity may begin at i: not inside a word, and not the tail of a
 * code glued to a word by '-', '.' or '_' ("INV-2024-00123"). A '/' is a
 * boundary: URL paths carry ids, cards and addresses ("/users/4111.../"). */
static bool starts_word(const struct scan *sc, size_t i)
{
	const char *s = sc->s;

	if (i == 0)
		return true;
	if (escape_before(s, i))
		return true; /* "\\n+33 6 12 34 56 78" in text that carries escapes */
	if (is_alnum(s[i - 1]))
		return false;
	if ((s[i - 1] == '-' || s[i - 1] == '.' || s[i - 1] == '_') && i >= 2 && is_alnum(s[i - 2]))
		return false;
	return true;
}

/* ---- numbers: cards, SSNs, phones, IPv4 ---------------------------------------- */

#define MAX_GROUPS 12

/* A run of digit groups with the separators between them, as written. */
struct cluster {
	size_t start, end; /* bytes, including a leading '+' */
	bool plus;
	bool unicode;	   /* some separator is a non-ASCII space or dash */
	int n;
	struct {
		size_t start, len;
		char sep;	/* separator before this group: 0 (first), ' ', '-', '.', '(' */
		bool paren;	/* the group was in parentheses */
	} g[MAX_GROUPS];
};

static size_t digits_at(const struct scan *sc, size_t i)
{
	size_t j = i;

	while (j < sc->len && is_digit(sc->s[j]))
		j++;
	return j - i;
}

/* Reads one group at *pos, optionally in parentheses. */
static bool read_group(const struct scan *sc, size_t *pos, struct cluster *c, char sep)
{
	size_t p = *pos, n;
	bool paren = false;

	if (c->n == MAX_GROUPS)
		return false;
	if (p < sc->len && sc->s[p] == '(') {
		paren = true;
		p++;
	}
	n = digits_at(sc, p);
	if (!n || n > 19)
		return false;
	if (paren) {
		if (p + n >= sc->len || sc->s[p + n] != ')')
			return false;
	}
	c->g[c->n].start = p;
	c->g[c->n].len = n;
	c->g[c->n].sep = paren ? '(' : sep;
	c->g[c->n].paren = paren;
	c->n++;
	*pos = p + n + paren;
	return true;
}

/* The width of a non-ASCII space or dash at s (0 when there is none), and
 * the ASCII separator it stands for. Language models write phone numbers
 * with U+2011 (non-breaking hyphen) and typesetters group digits with
 * U+00A0 or U+202F. */
static size_t unicode_separator(const char *s, size_t n, char *sep)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n >= 2 && u[0] == 0xc2 && u[1] == 0xa0) { /* U+00A0 no-break space */
		*sep = ' ';
		return 2;
	}
	if (n < 3 || u[0] != 0xe2 || u[1] != 0x80)
		return 0;
	if (u[2] >= 0x90 && u[2] <= 0x93) { /* U+2010..2013 hyphens, figure and en dash */
		*sep = '-';
		return 3;
	}
	if (u[2] == 0x89 || u[2] == 0xaf) { /* U+2009 thin space, U+202F narrow no-break */
		*sep = ' ';
		return 3;
	}
	return 0;
}

/* Reads the cluster starting at i: groups of digits joined by one space,
 * dash or dot (or their Unicode kin), a group possibly in parentheses
 * ("(555) 123-4567"). */
static void read_cluster(const struct scan *sc, size_t i, struct cluster *c)
{
	const char *s = sc->s;
	size_t pos = i;

	memset(c, 0, sizeof(*c));
	c->start = i;
	if (s[pos] == '+') {
		c->plus = true;
		pos++;
	}
	if (!read_group(sc, &pos, c, 0)) {
		c->n = 0;
		return;
	}
	for (;;) {
		size_t p = pos;
		char sep = 0;

		if (p < sc->len && (s[p] == ' ' || s[p] == '-' || s[p] == '.')) {
			sep = s[p];
			p++;
		} else if (p < sc->len) {
			size_t w = unicode_separator(s + p, sc->len - p, &sep);

			p += w;
			c->unicode |= w > 0;
		}
		if (p >= sc->len || !(is_digit(s[p]) || (s[p] == '(' && sep != '.')))
			break;
		if (!sep && s[p] != '(' && !c->g[c->n - 1].paren)
			break;
		if (!sep)
			sep = ' ';
		if (!read_group(sc, &p, c, sep))
			break;
		pos = p;
	}
	c->end = pos;
}

static size_t cluster_digits(const struct cluster *c, int a, int b)
{
	size_t d = 0;

	for (int k = a; k < b; k++)
		d += c->g[k].len;
	return d;
}

/* The one separator used between groups a..b, 0 when they differ or a
 * group is in parentheses, 1 for a single group. */
static char uniform_sep(const struct cluster *c, int a, int b)
{
	char sep = 1;

	for (int k = a; k < b; k++) {
		if (c->g[k].paren)
			return 0;
		if (k == a)
			continue;
		if (sep == 1)
			sep = c->g[k].sep;
		else if (c->g[k].sep != sep)
			return 0;
	}
	return sep;
}

static bool shape_is(const struct cluster *c, int a, int b, const char *shape)
{
	int k = a;

	for (; *shape && k < b; shape++, k++)
		if (c->g[k].len != (size_t)(*shape - '0'))
			return false;
	return !*shape && k == b;
}

/* Phone numbers as people write them, without a trunk of rules per country:
 * international numbers after '+', and national numbers whose grouping is
 * that of a phone number rather than of a date, amount or identifier.
 * Three-group "3-2-4" is the SSN's shape and never a phone here. */
static bool phone_shape(const struct scan *sc, const struct cluster *c, int a, int b, bool plus)
{
	size_t d = cluster_digits(c, a, b);
	char first = sc->s[c->g[a].start], sep = uniform_sep(c, a, b);
	bool paren = false;

	if (plus)
		return first != '0' && d >= 8 && d <= 15;
	if (b - a == 1) {
		/* bare: a national number with its trunk 0 (FR, NL, UK) */
		return first == '0' && d >= 10 && d <= 11;
	}
	for (int k = a; k < b; k++)
		paren |= c->g[k].paren;
	for (int k = a; k < b; k++)
		if (c->g[k].len > (paren ? 10u : 8u)) /* "(0487) 897963032" */
			return false;
	if (b - a == 3 && shape_is(c, a, b, "324"))
		return false;
	if (paren)
		return d >= 9 && d <= (first == '0' ? 13u : 12u);
	if (!sep || b - a < 2)
		return false;
	if (sep == '.')
		return shape_is(c, a, b, "334") || shape_is(c, a, b, "1334") ||
		       shape_is(c, a, b, "333") ||
		       (first == '0' && shape_is(c, a, b, "22222")); /* not 13.11.19.17.16 */
	if (first == '0')
		return d >= 9 && d <= 13;
	if (shape_is(c, a, b, "334") || shape_is(c, a, b, "1334"))
		return true;
	/* other national groupings (ES "951 18 93 68", "962-240-515") */
	if (b - a < 3 || d < 9 || d > 10)
		return false;
	for (int k = a; k < b; k++)
		if (c->g[k].len < 2 || c->g[k].len > 4)
			return false;
	return true;
}

/* A phone's extension right after it: " x123", " ext. 123", " ext 123". */
static size_t phone_extension(const struct scan *sc, size_t end)
{
	const char *s = sc->s;
	size_t p = end, n;

	if (p + 2 >= sc->len || s[p] != ' ')
		return end;
	p++;
	if (s[p] == 'x')
		p++;
	else if (sc->len - p > 4 && !memcmp(s + p, "ext", 3)) {
		p += 3;
		if (s[p] == '.')
			p++;
		if (p < sc->len && s[p] == ' ')
			p++;
	} else
		return end;
	n = digits_at(sc, p);
	if (n < 1 || n > 6 || (p + n < sc->len && is_alnum(s[p + n])))
		return end;
	return p + n;
}

/* Tries groups a..b of the cluster as each numeric type; adds the first that
 * validates. Returns 1 when one did, 0 when none, -1 when out of memory. */
static int classify(struct scan *sc, const struct cluster *c, int a, int b)
{
	size_t start = c->g[a].start - (c->g[a].paren ? 1 : 0), end, len;
	bool plus = a == 0 && c->plus;
	size_t d = cluster_digits(c, a, b);
	char sep = uniform_sep(c, a, b), ascii[MAX_GROUPS * 20];
	const char *s = sc->s, *text;

	if (plus)
		start = c->start;
	end = c->g[b - 1].start + c->g[b - 1].len + (c->g[b - 1].paren ? 1 : 0);
	text = s + start;
	len = end - start;
	if (c->unicode && sep) {
		/* the validators read ASCII: the groups joined by their ASCII kin */
		len = 0;
		for (int k = a; k < b; k++) {
			if (k > a)
				ascii[len++] = c->g[k].sep;
			memcpy(ascii + len, s + c->g[k].start, c->g[k].len);
			len += c->g[k].len;
		}
		text = ascii;
	}
	if (!plus && sep) {
		if (sep == '.' && b - a == 4 && pii_ipv4_valid(text, len))
			return add(sc, start, end, PII_IP_ADDRESS) ? -1 : 1;
		if ((sep == '-' || sep == ' ') && b - a == 3 && pii_ssn_valid(text, len))
			return add(sc, start, end, PII_US_SSN) ? -1 : 1;
		if (sep != '.' && d >= 13 && d <= 19 && text[0] >= '1' && text[0] <= '6' &&
		    pii_luhn_valid(text, len))
			return add(sc, start, end, PII_CREDIT_CARD) ? -1 : 1;
	}
	if (phone_shape(sc, c, a, b, plus))
		return add(sc, start, phone_extension(sc, end), PII_PHONE_NUMBER) ? -1 : 1;
	return 0;
}

/* Finds the entities in a cluster: the whole of it, else the longest runs of
 * its groups that split at spaces ("call 555 123 4567 2 times"). Dashes and
 * dots bind: "555-123-4567-89" is one token, not a phone and a remainder. */
static int scan_cluster(struct scan *sc, const struct cluster *c)
{
	int r = classify(sc, c, 0, c->n);
	size_t d = cluster_digits(c, 0, c->n);
	char sep = uniform_sep(c, 0, c->n);

	if (r)
		return r;
	/* A card number that fails Luhn is a mistyped or made-up card, not a
	 * phone or a shorter card followed by other digits. */
	if (!c->plus && (sep == ' ' || sep == '-') && d >= 13 && d <= 19 && c->g[0].len == 4)
		return 0;
	for (int a = 0; a < c->n; a++) {
		if (a > 0 && c->g[a].sep != ' ' && c->g[a].sep != '(')
			continue;
		for (int b = c->n - 1 + (a > 0); b > a; b--) {
			if (b < c->n && c->g[b].sep != ' ' && c->g[b].sep != '(')
				continue;
			r = classify(sc, c, a, b);
			if (r < 0)
				return r;
			if (r) {
				a = b - 1;
				break;
			}
		}
	}
	return 0;
}

/* At a digit, '+' or '(': reads the cluster and returns where scanning goes on. */
static size_t scan_number(struct scan *sc, size_t i, int *err)
{
	struct cluster c;
	const char *s = sc->s;

	if (!starts_word(sc, i))
		return is_alnum(s[i]) ? skip_word(sc, i) : i + 1;
	if (s[i] == '+' && (i + 1 >= sc->len || !is_digit(s[i + 1])))
		return i + 1;
	read_cluster(sc, i, &c);
	if (c.n == 0)
		return i + 1;
	/* glued to a word on the right ("2024-03-15T10", "550e8400"): not ours */
	if (c.end < sc->len && is_alnum(s[c.end]))
		return skip_word(sc, c.end);
	if (scan_cluster(sc, &c) < 0)
		*err = 1;
	return c.end;
}

/* ---- email ------------------------------------------------------------------- */

static bool is_local_char(char c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' ||
	       c == '\'';
}

static bool is_domain_char(char c)
{
	return is_alnum(c) || c == '.' || c == '-';
}

static size_t scan_email(struct scan *sc, size_t at, int *err)
{
	const char *s = sc->s;
	size_t a = at, b = at + 1;

	while (a > 0 && at - a < 64 && is_local_char(s[a - 1]) && !escape_before(s, a))
		a--;
	/* longer than an address can be: not one, and not to be cut in two */
	if (a > 0 && at - a == 64 && is_local_char(s[a - 1]) && !escape_before(s, a))
		return at + 1;
	while (a < at && (s[a] == '.' || s[a] == '\''))
		a++;
	while (b < sc->len && b - at < 254 && is_domain_char(s[b]))
		b++;
	while (b > at + 1 && (s[b - 1] == '.' || s[b - 1] == '-'))
		b--;
	if (a == at || b == at + 1 || !pii_email_valid(s + a, b - a))
		return at + 1;
	if (add(sc, a, b, PII_EMAIL_ADDRESS))
		*err = 1;
	return b;
}

/* ---- IBAN -------------------------------------------------------------------- */

/* At a capital: "DE89 3704 0044 0532 0130 00" or "DE89370400440532013000". */
static size_t scan_iban(struct scan *sc, size_t i, int *err)
{
	const char *s = sc->s;
	size_t n = sc->len, end, ends[10];
	int nends = 0;

	if (i + 4 > n || !(s[i + 1] >= 'A' && s[i + 1] <= 'Z') || !is_digit(s[i + 2]) ||
	    !is_digit(s[i + 3]) || !starts_word(sc, i))
		return i + 1;
	end = i;
	while (end < n && end - i < 34 && is_upper_alnum(s[end]))
		end++;
	if (!(end - i == 4 && end < n && s[end] == ' ')) {
		/* compact */
		if (end < n && is_alnum(s[end]))
			return skip_word(sc, end);
		if (pii_iban_valid(s + i, end - i) && add(sc, i, end, PII_IBAN_CODE))
			*err = 1;
		return end;
	}
	/* grouped by four: every group end is a possible end */
	while (end < n && nends < 10) {
		size_t g = end + 1, k = g;

		if (s[end] != ' ')
			break;
		while (k < n && k - g < 4 && is_upper_alnum(s[k]))
			k++;
		if (k == g || (k < n && is_alnum(s[k])))
			break;
		ends[nends++] = k;
		end = k;
		if (k - g < 4)
			break;
	}
	for (int k = nends; k-- > 0;) {
		if (pii_iban_valid(s + i, ends[k] - i)) {
			if (add(sc, i, ends[k], PII_IBAN_CODE))
				*err = 1;
			return ends[k];
		}
	}
	/* IBAN-shaped with a country that has IBANs, but invalid (a mistyped
	 * check digit): an account number all the same, not a run of phone-like
	 * digit groups. Any other "AB12" prefix leaves what follows to the other
	 * scanners ("REF AB12 4111 1111 1111 1111"). */
	return nends >= 3 && pii_iban_country_length(s + i) ? ends[nends - 1] : i + 4;
}

/* ---- IPv6 -------------------------------------------------------------------- */

static bool is_v6_char(char c)
{
	return is_hex(c) || c == ':' || c == '.';
}

/* At a colon: the run of hex digits, colons and dots around it. */
static size_t scan_ipv6(struct scan *sc, size_t colon, int *err)
{
	const char *s = sc->s;
	size_t a = colon, b = colon, colons = 0;
	bool hex = false;

	while (a > 0 && colon - a < 45 && (is_hex(s[a - 1]) || s[a - 1] == ':'))
		a--;
	while (b < sc->len && b - a < 46 && is_v6_char(s[b]))
		b++;
	while (b > colon + 1 && s[b - 1] == '.')
		b--;
	/* a single colon at either end is punctuation ("ip:fe80::1",
	 * "dial 2001:db8::1: timeout"); "::" is part of the address */
	if (b - a > 2 && s[a] == ':' && s[a + 1] != ':')
		a++;
	if (b - a > 2 && s[b - 1] == ':' && s[b - 2] != ':')
		b--;
	/* a rejected run is given back to the other scanners ("IP:10.0.0.1") */
	if (!starts_word(sc, a) || (b < sc->len && is_alnum(s[b])))
		return colon + 1;
	for (size_t k = a; k < b; k++) {
		colons += s[k] == ':';
		hex |= is_hex(s[k]);
	}
	if (colons < 2 || !hex || !pii_ipv6_valid(s + a, b - a))
		return colon + 1;
	if (add(sc, a, b, PII_IP_ADDRESS))
		*err = 1;
	return b > colon ? b : colon + 1; /* the colon may be the one trimmed off */
}

/* ---- the walk ------------------------------------------------------------------ */

/* Skips bytes that cannot begin an entity. Prose is mostly such bytes, so
 * where SSE2 is there (every x86-64) sixteen are tested at once: the
 * triggers are two ranges, '0'..':' and '@'..'Z', plus '(' and '+'. */
static size_t skip_quiet(const char *s, size_t i, size_t n)
{
#ifdef PII_SSE2
	const __m128i lo1 = _mm_set1_epi8('0'), span1 = _mm_set1_epi8(':' - '0');
	const __m128i lo2 = _mm_set1_epi8('@'), span2 = _mm_set1_epi8('Z' - '@');
	const __m128i paren = _mm_set1_epi8('('), plus = _mm_set1_epi8('+');

	while (n - i >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i d1 = _mm_sub_epi8(v, lo1), d2 = _mm_sub_epi8(v, lo2);
		__m128i hit = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(d1, span1), d1),
				     _mm_cmpeq_epi8(_mm_min_epu8(d2, span2), d2)),
			_mm_or_si128(_mm_cmpeq_epi8(v, paren), _mm_cmpeq_epi8(v, plus)));
		int mask = _mm_movemask_epi8(hit);

		if (mask)
			return i + (size_t)__builtin_ctz((unsigned)mask);
		i += 16;
	}
#endif
	while (i < n && !trigger[(unsigned char)s[i]])
		i++;
	return i;
}

int pii_scan_builtin(struct scan *sc)
{
	const char *s = sc->s;
	size_t i = 0, n = sc->len;
	int err = 0;
	bool numbers = sc->enabled & ((1u << PII_PHONE_NUMBER) | (1u << PII_CREDIT_CARD) |
				      (1u << PII_US_SSN) | (1u << PII_IP_ADDRESS));
	bool email = sc->enabled & (1u << PII_EMAIL_ADDRESS);
	bool iban = sc->enabled & (1u << PII_IBAN_CODE);
	bool ipv6 = sc->enabled & (1u << PII_IP_ADDRESS);

	while (i < n && !err) {
		i = skip_quiet(s, i, n);
		if (i == n)
			break;
		switch (trigger[(unsigned char)s[i]]) {
		case T_DIGIT:
			i = numbers ? scan_number(sc, i, &err) : i + 1;
			break;
		case T_PLUS:
		case T_PAREN:
			i = numbers && i + 1 < n && is_digit(s[i + 1]) ? scan_number(sc, i, &err)
								       : i + 1;
			break;
		case T_AT:
			i = email ? scan_email(sc, i, &err) : i + 1;
			break;
		case T_COLON:
			i = ipv6 ? scan_ipv6(sc, i, &err) : i + 1;
			break;
		default:
			i = iban ? scan_iban(sc, i, &err) : skip_word(sc, i);
			break;
		}
	}
	return err ? -1 : 0;
}
