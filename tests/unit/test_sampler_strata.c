/* The stratified sampler's strata: rates per stratum, p = min(1, target /
 * rate), equal kept volume whatever the arrivals, adjusted counts that add
 * up to the arrivals, the overflow stratum. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../processors/stratified_sampler/consistent.h"
#include "../../processors/stratified_sampler/strata.h"

static uint64_t rng = 0x853c49e6748fea9bULL;

/* 56 random bits, as a trace ID's low bytes would carry. */
static uint64_t randomness(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) >> 8;
}

static void test_equal_kept_volume(void **state)
{
	/* Routes arriving at 1000, 100 and 1 traces/s; 5 kept per second each
	 * (the rare one keeps all it has). */
	static const char *const names[] = { "chat", "embed", "refund" };
	static const int per_second[] = { 1000, 100, 1 };
	struct sampler_strata *s = sampler_strata_new(5, 100, 0.5);
	struct sampler_stratum *st[3];
	double kept[3] = { 0 }, weighted[3] = { 0 }, arrived[3] = { 0 };

	(void)state;
	for (int i = 0; i < 3; i++)
		st[i] = sampler_strata_get(s, names[i], strlen(names[i]));
	/* Before the first adjustment a stratum keeps everything. */
	assert_int_equal(sampler_stratum_threshold(st[0]), 0);
	for (int second = 0; second < 60; second++) {
		for (int i = 0; i < 3; i++) {
			for (int n = 0; n < per_second[i]; n++) {
				uint64_t t = sampler_stratum_threshold(st[i]);

				sampler_stratum_arrive(st[i]);
				if (second < 5) /* warm-up */
					continue;
				arrived[i]++;
				if (randomness() >= t) {
					kept[i]++;
					weighted[i] += sampler_adjusted_count(t);
				}
			}
		}
		sampler_strata_adjust(s, 1.0);
	}
	assert_true(fabs(sampler_probability(sampler_stratum_threshold(st[0])) - 0.005) < 1e-4);
	assert_true(fabs(sampler_probability(sampler_stratum_threshold(st[1])) - 0.05) < 1e-3);
	assert_int_equal(sampler_stratum_threshold(st[2]), 0);
	for (int i = 0; i < 2; i++) {
		/* 55 s at 5 kept per second, within 25%; adjusted counts add up to
		 * the arrivals within 10%. */
		if (fabs(kept[i] - 275) > 0.25 * 275)
			fail_msg("%s kept %.0f of %.0f", names[i], kept[i], arrived[i]);
		if (fabs(weighted[i] - arrived[i]) > 0.1 * arrived[i])
			fail_msg("%s: adjusted counts %.0f for %.0f arrivals", names[i],
				 weighted[i], arrived[i]);
	}
	assert_true(kept[2] == arrived[2]);
	assert_true(weighted[2] == arrived[2]);
	sampler_strata_free(s);
}

static void test_rate_is_a_moving_average(void **state)
{
	struct sampler_strata *s = sampler_strata_new(10, 10, 0.5);
	struct sampler_stratum *st = sampler_strata_get(s, "a", 1);

	(void)state;
	for (int i = 0; i < 100; i++)
		sampler_stratum_arrive(st);
	sampler_strata_adjust(s, 1.0);
	assert_true(st->rate == 100); /* the first interval is taken as it is */
	sampler_strata_adjust(s, 1.0);
	assert_true(st->rate == 50);  /* then halfway to each new interval's rate */
	sampler_strata_adjust(s, 1.0);
	assert_true(st->rate == 25);
	assert_true(fabs(sampler_probability(sampler_stratum_threshold(st)) - 0.4) < 1e-4);
	sampler_strata_adjust(s, 1.0); /* 12.5 */
	sampler_strata_adjust(s, 1.0); /* 6.25: below target, keep all */
	assert_int_equal(sampler_stratum_threshold(st), 0);
	sampler_strata_free(s);
}

static void test_overflow_stratum(void **state)
{
	struct sampler_strata *s = sampler_strata_new(1, 2, 0.5);
	struct sampler_stratum *a = sampler_strata_get(s, "a", 1);

	(void)state;
	assert_ptr_equal(sampler_strata_get(s, "a", 1), a);
	assert_ptr_not_equal(sampler_strata_get(s, "b", 1), a);
	assert_string_equal(sampler_strata_get(s, "c", 1)->key, SAMPLER_OVERFLOW_STRATUM);
	assert_ptr_equal(sampler_strata_get(s, "d", 1), sampler_strata_get(s, "c", 1));
	assert_string_equal(sampler_strata_get(s, "b", 1)->key, "b");
	sampler_strata_free(s);
}

struct race {
	struct sampler_strata *s;
	int id;
};

static void *arrive_many(void *arg)
{
	struct race *r = arg;
	char key[8];

	for (int i = 0; i < 20000; i++) {
		int n = snprintf(key, sizeof(key), "k%d", (i + r->id) % 50);

		sampler_stratum_arrive(sampler_strata_get(r->s, key, (size_t)n));
		(void)sampler_stratum_threshold(sampler_strata_get(r->s, key, (size_t)n));
	}
	return NULL;
}

static void count_arrivals(void *ctx, struct sampler_stratum *st)
{
	*(double *)ctx += st->rate;
}

/* Threads finding strata and counting arrivals while rates are adjusted
 * (run under ThreadSanitizer in CI): every arrival is counted once. */
static void test_concurrent_arrivals(void **state)
{
	struct sampler_strata *s = sampler_strata_new(1, 1000, 1.0);
	struct race r[3] = { { s, 0 }, { s, 1 }, { s, 2 } };
	pthread_t t[3];
	double total = 0;

	(void)state;
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, arrive_many, &r[i]);
	/* With weight 1 a rate is the last interval's arrivals: summing the rates
	 * after every adjustment counts each arrival once. */
	for (int i = 0; i < 20; i++) {
		sampler_strata_adjust(s, 1.0);
		sampler_strata_each(s, count_arrivals, &total);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	sampler_strata_adjust(s, 1.0);
	sampler_strata_each(s, count_arrivals, &total);
	assert_true(total == 60000);
	sampler_strata_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_kept_volume),
		cmocka_unit_test(test_rate_is_a_moving_average),
		cmocka_unit_test(test_overflow_stratum),
		cmocka_unit_test(test_concurrent_arrivals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
