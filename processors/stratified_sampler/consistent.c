#include "consistent.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

uint64_t sampler_threshold(double p, int precision)
{
	double digits, scaled, rounded;
	int exp;

	if (!(p > 0))
		return SAMPLER_MAX_THRESHOLD;
	if (p >= 1)
		return 0;
	if (precision < 1)
		precision = 1;
	/* One more digit for every leading 'f' the threshold of a small p has. */
	frexp(p, &exp);
	precision += exp <= -4 ? -exp / 4 : 0;
	if (precision > 12)
		precision = 12;
	digits = ldexp(1.0, 4 * precision);	/* 16^precision */
	scaled = (1.0 - p) * digits;
	rounded = floor(scaled + 0.5);
	if (rounded >= digits)			/* rounds to "keep nothing": keep the least */
		rounded = digits - 1;
	return (uint64_t)rounded << (4 * (14 - precision));
}

double sampler_probability(uint64_t t)
{
	if (t >= SAMPLER_MAX_THRESHOLD)
		return 0;
	return (double)(SAMPLER_MAX_THRESHOLD - t) / (double)SAMPLER_MAX_THRESHOLD;
}

double sampler_adjusted_count(uint64_t t)
{
	if (t >= SAMPLER_MAX_THRESHOLD)
		return 0;
	return (double)SAMPLER_MAX_THRESHOLD / (double)(SAMPLER_MAX_THRESHOLD - t);
}

size_t sampler_threshold_format(uint64_t t, char *out)
{
	size_t n;

	if (!t) {
		strcpy(out, "0");
		return 1;
	}
	snprintf(out, 15, "%014llx", (unsigned long long)(t & (SAMPLER_MAX_THRESHOLD - 1)));
	n = 14;
	while (n > 1 && out[n - 1] == '0')
		n--;
	out[n] = '\0';
	return n;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* 1-14 lowercase hex digits, as the top digits of a 56-bit value. */
static bool parse_hex56(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len < 1 || len > 14)
		return false;
	for (size_t i = 0; i < len; i++) {
		int d = hex_digit(s[i]);

		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v << (4 * (14 - len));
	return true;
}

bool sampler_threshold_parse(const char *s, size_t len, uint64_t *t)
{
	return parse_hex56(s, len, t);
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* The next list member of a W3C list in [*p, end), trimmed of optional
 * white space; advances *p past it and its comma. False at the end. */
static bool next_member(const char **p, const char *end, const char **m, size_t *mlen)
{
	const char *s = *p, *e;

	if (s >= end)
		return false;
	e = memchr(s, ',', (size_t)(end - s));
	*p = e ? e + 1 : end;
	if (!e)
		e = end;
	while (s < e && is_ows(*s))
		s++;
	while (e > s && is_ows(e[-1]))
		e--;
	*m = s;
	*mlen = (size_t)(e - s);
	return true;
}

/* The value of the `ot` member, or NULL. */
static const char *ot_value(const char *ts, size_t len, size_t *vlen)
{
	const char *p = ts, *end = ts + len, *m;
	size_t mlen;

	while (next_member(&p, end, &m, &mlen))
		if (mlen >= 3 && !memcmp(m, "ot=", 3)) {
			*vlen = mlen - 3;
			return m + 3;
		}
	return NULL;
}

void sampler_tracestate_read(const char *tracestate, size_t len, struct sampler_ot *out)
{
	size_t vlen = 0;
	const char *v = tracestate ? ot_value(tracestate, len, &vlen) : NULL;
	const char *end = v ? v + vlen : NULL;

	memset(out, 0, sizeof(*out));
	while (v && v < end) {
		const char *semi = memchr(v, ';', (size_t)(end - v)), *e = semi ? semi : end;

		if (e - v > 3 && !memcmp(v, "th:", 3))
			out->has_th = parse_hex56(v + 3, (size_t)(e - v - 3), &out->th);
		else if (e - v == 17 && !memcmp(v, "rv:", 3))
			out->has_rv = parse_hex56(v + 3, 14, &out->rv);
		v = semi ? semi + 1 : end;
	}
}

bool sampler_randomness(const char *tracestate, size_t ts_len, const uint8_t *trace_id,
			size_t id_len, uint64_t *r)
{
	struct sampler_ot ot;

	sampler_tracestate_read(tracestate, ts_len, &ot);
	if (ot.has_rv) {
		*r = ot.rv;
		return true;
	}
	if (id_len != 16)
		return false;
	*r = 0;
	for (size_t i = 9; i < 16; i++)
		*r = *r << 8 | trace_id[i];
	return true;
}

/* Appends len bytes to out at *at (cap with the NUL); false when full. */
static bool append(char *out, size_t cap, size_t *at, const char *s, size_t len)
{
	if (*at + len + 1 > cap)
		return false;
	memcpy(out + *at, s, len);
	*at += len;
	out[*at] = '\0';
	return true;
}

int sampler_tracestate_set_th(const char *tracestate, size_t len, uint64_t t, char *out,
			      size_t cap)
{
	char th[16];
	size_t at = 0, vlen = 0, members = 1, value_start;
	const char *v = tracestate ? ot_value(tracestate, len, &vlen) : NULL;
	const char *end = v ? v + vlen : NULL, *p = tracestate, *m;
	size_t mlen;

	if (!cap)
		return -1;
	out[0] = '\0';
	sampler_threshold_format(t, th);
	if (!append(out, cap, &at, "ot=th:", 6) || !append(out, cap, &at, th, strlen(th)))
		return -1;
	value_start = 3;
	while (v && v < end) { /* the other sub-keys, in order */
		const char *semi = memchr(v, ';', (size_t)(end - v)), *e = semi ? semi : end;

		if (e > v && !(e - v >= 3 && !memcmp(v, "th:", 3)) &&
		    (!append(out, cap, &at, ";", 1) || !append(out, cap, &at, v, (size_t)(e - v))))
			return -1;
		v = semi ? semi + 1 : end;
	}
	if (at - value_start > SAMPLER_OT_VALUE_MAX)
		return -1;
	while (tracestate && next_member(&p, tracestate + len, &m, &mlen)) {
		if (!mlen || (mlen >= 3 && !memcmp(m, "ot=", 3)))
			continue;
		if (++members > 32 || !append(out, cap, &at, ",", 1) ||
		    !append(out, cap, &at, m, mlen))
			return -1;
	}
	return at > SAMPLER_TRACESTATE_MAX ? -1 : (int)at;
}
