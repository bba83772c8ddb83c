#include "strata.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "consistent.h"

#define BUCKETS 1024 /* chains stay short up to the default max_strata */

struct sampler_strata {
	pthread_mutex_t lock;
	double target, weight;
	size_t max_strata, count;
	struct sampler_stratum *buckets[BUCKETS];
	struct sampler_stratum *overflow;
};

static uint64_t hash(const char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * 0x100000001b3ULL;
	return h;
}

static struct sampler_stratum *stratum_new(const char *key, size_t len)
{
	struct sampler_stratum *st = calloc(1, sizeof(*st));

	if (!st || !(st->key = malloc(len + 1))) {
		free(st);
		return NULL;
	}
	memcpy(st->key, key, len);
	st->key[len] = '\0';
	return st;
}

struct sampler_strata *sampler_strata_new(double target, size_t max_strata, double weight)
{
	struct sampler_strata *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->overflow = stratum_new(SAMPLER_OVERFLOW_STRATUM, strlen(SAMPLER_OVERFLOW_STRATUM));
	if (!s->overflow) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->target = target;
	s->weight = weight > 0 && weight <= 1 ? weight : 0.5;
	s->max_strata = max_strata;
	return s;
}

static void stratum_free(struct sampler_stratum *st)
{
	if (st)
		free(st->key);
	free(st);
}

void sampler_strata_free(struct sampler_strata *s)
{
	if (!s)
		return;
	for (size_t b = 0; b < BUCKETS; b++) {
		while (s->buckets[b]) {
			struct sampler_stratum *st = s->buckets[b];

			s->buckets[b] = st->next;
			stratum_free(st);
		}
	}
	stratum_free(s->overflow);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

struct sampler_stratum *sampler_strata_get(struct sampler_strata *s, const char *key,
					   size_t len)
{
	size_t b = hash(key, len) % BUCKETS;
	struct sampler_stratum *st;

	pthread_mutex_lock(&s->lock);
	for (st = s->buckets[b]; st; st = st->next)
		if (strlen(st->key) == len && !memcmp(st->key, key, len))
			break;
	if (!st && s->count >= s->max_strata) {
		st = s->overflow;
	} else if (!st) {
		st = stratum_new(key, len);
		if (st) {
			st->next = s->buckets[b];
			s->buckets[b] = st;
			s->count++;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return st;
}

static void adjust_one(struct sampler_strata *s, struct sampler_stratum *st, double interval_s)
{
	double arrived = (double)atomic_exchange_explicit(&st->arrivals, 0, memory_order_relaxed);
	double now = interval_s > 0 ? arrived / interval_s : 0;

	st->rate = st->adjusted++ ? s->weight * now + (1 - s->weight) * st->rate : now;
	atomic_store_explicit(&st->threshold,
			      st->rate > s->target ? sampler_threshold(s->target / st->rate,
								       SAMPLER_DEFAULT_PRECISION)
						   : 0,
			      memory_order_relaxed);
}

void sampler_strata_adjust(struct sampler_strata *s, double interval_s)
{
	pthread_mutex_lock(&s->lock);
	for (size_t b = 0; b < BUCKETS; b++)
		for (struct sampler_stratum *st = s->buckets[b]; st; st = st->next)
			adjust_one(s, st, interval_s);
	adjust_one(s, s->overflow, interval_s);
	pthread_mutex_unlock(&s->lock);
}

void sampler_strata_each(struct sampler_strata *s,
			 void (*fn)(void *ctx, struct sampler_stratum *st), void *ctx)
{
	pthread_mutex_lock(&s->lock);
	for (size_t b = 0; b < BUCKETS; b++)
		for (struct sampler_stratum *st = s->buckets[b]; st; st = st->next)
			fn(ctx, st);
	fn(ctx, s->overflow);
	pthread_mutex_unlock(&s->lock);
}
