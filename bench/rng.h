/* splitmix64: a tiny deterministic generator, so payloads depend on the
 * seed alone and never on the C library. */
#ifndef BENCH_RNG_H
#define BENCH_RNG_H

#include <stddef.h>
#include <stdint.h>

struct bench_rng {
	uint64_t state;
};

static inline uint64_t rng_next(struct bench_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static inline uint32_t rng_below(struct bench_rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static inline uint32_t rng_range(struct bench_rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

/* Uniform in [0, 1). */
static inline double rng_unit(struct bench_rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1p-53;
}

static inline int rng_chance(struct bench_rng *r, double p)
{
	return rng_unit(r) < p;
}

#define RNG_PICK(r, array) ((array)[rng_below((r), sizeof(array) / sizeof((array)[0]))])

#endif
