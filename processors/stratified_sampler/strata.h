/* The stratified sampler's strata: one per distinct value of the stratum key,
 * each with its arrival rate (an exponential moving average of traces per
 * second, updated every adjustment interval) and the probability that keeps
 * target_traces_per_second of them: p = min(1, target / arrival). A stratum
 * is created on first sight; past max_strata new keys share one overflow
 * stratum.
 *
 * Arrivals are counted and thresholds read with atomics, from any thread;
 * finding a stratum takes the table's lock (a leaf) once per trace. */
#ifndef SAMPLER_STRATA_H
#define SAMPLER_STRATA_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define SAMPLER_OVERFLOW_STRATUM "_overflow"

struct sampler_stratum {
	char *key;		      /* the stratum's name (label value), NUL-terminated */
	_Atomic uint64_t arrivals;    /* traces since the last adjustment */
	_Atomic uint64_t threshold;   /* current T (0: keep all) */
	double rate;		      /* EMA, traces/s; adjust only */
	int adjusted;		      /* adjustments seen */
	struct sampler_stratum *next; /* hash chain */
};

struct sampler_strata;

/* target: kept traces per second per stratum (> 0); weight: of the newest
 * interval in the average (0-1]. NULL when out of memory. */
struct sampler_strata *sampler_strata_new(double target, size_t max_strata, double weight);
void sampler_strata_free(struct sampler_strata *s);

/* The stratum named key (len bytes), created when new; the overflow stratum
 * past max_strata. NULL only when out of memory. */
struct sampler_stratum *sampler_strata_get(struct sampler_strata *s, const char *key,
					   size_t len);

static inline void sampler_stratum_arrive(struct sampler_stratum *st)
{
	atomic_fetch_add_explicit(&st->arrivals, 1, memory_order_relaxed);
}

static inline uint64_t sampler_stratum_threshold(struct sampler_stratum *st)
{
	return atomic_load_explicit(&st->threshold, memory_order_relaxed);
}

/* Folds the arrivals of the last interval_s seconds into every stratum's
 * rate and sets its threshold. A stratum keeps everything until its first
 * adjustment. */
void sampler_strata_adjust(struct sampler_strata *s, double interval_s);

/* Calls fn for every stratum (under the table's lock: fn must not call back
 * into the table or take other locks). */
void sampler_strata_each(struct sampler_strata *s,
			 void (*fn)(void *ctx, struct sampler_stratum *st), void *ctx);

#endif
