/* Consistent probability sampling as OpenTelemetry specifies it for the W3C
 * tracestate (the `ot` entry's `th` and `rv` sub-keys): a 56-bit randomness
 * value R per trace, a 56-bit rejection threshold T per decision, keep iff
 * R >= T. Every sampler that follows these rules keeps a subset of what a
 * less selective one keeps, so traces stay whole across samplers, and a kept
 * span's `th` tells any backend its adjusted count, 2^56 / (2^56 - T).
 *
 * Pure functions over caller buffers: no allocation, no state. */
#ifndef SAMPLER_CONSISTENT_H
#define SAMPLER_CONSISTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SAMPLER_MAX_THRESHOLD ((uint64_t)1 << 56) /* T that keeps nothing */
#define SAMPLER_DEFAULT_PRECISION 4		   /* hex digits, as SDKs default to */
#define SAMPLER_TRACESTATE_MAX 512		   /* W3C: the whole header */
#define SAMPLER_OT_VALUE_MAX 256		   /* the `ot` entry's value */

/* The threshold that keeps probability p, rounded to `precision` significant
 * hex digits (1-12; more digits are used after the leading 'f's of small
 * probabilities, so precision stays relative). p >= 1 gives 0 (keep all),
 * p <= 0 or NaN gives SAMPLER_MAX_THRESHOLD (keep none). */
uint64_t sampler_threshold(double p, int precision);

/* The probability threshold t keeps, and its adjusted count (1 / p; 0 when t
 * keeps nothing). */
double sampler_probability(uint64_t t);
double sampler_adjusted_count(uint64_t t);

/* Writes t (< SAMPLER_MAX_THRESHOLD) as a `th` value: hex without trailing
 * zeros, "0" for zero; out holds at least 15 bytes. Returns the length. */
size_t sampler_threshold_format(uint64_t t, char *out);

/* Parses a `th` value (1-14 hex digits, lowercase, trailing zeros implied).
 * False when it is not one. */
bool sampler_threshold_parse(const char *s, size_t len, uint64_t *t);

/* What the `ot` entry of a tracestate says. */
struct sampler_ot {
	bool has_th, has_rv;
	uint64_t th, rv;
};

/* Reads the `ot` entry of tracestate (the W3C list, len bytes). Sub-keys that
 * are malformed are treated as absent. */
void sampler_tracestate_read(const char *tracestate, size_t len, struct sampler_ot *out);

/* R for a trace: the tracestate's `rv` when it has a valid one, else the low
 * 56 bits of the 16-byte trace ID. False when neither exists (an ID of
 * another length). */
bool sampler_randomness(const char *tracestate, size_t ts_len, const uint8_t *trace_id,
			size_t id_len, uint64_t *r);

/* Writes into out (cap bytes, NUL-terminated) the tracestate with the `ot`
 * entry's `th` set to t: other sub-keys of `ot` and other entries keep their
 * order, and the `ot` entry moves to the front, as W3C asks of an updated
 * entry. Returns the length, or -1 when the result would exceed the W3C
 * limits or cap (the caller leaves the tracestate as it was). */
int sampler_tracestate_set_th(const char *tracestate, size_t len, uint64_t t, char *out,
			      size_t cap);

#endif
