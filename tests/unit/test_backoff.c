/* Exponential backoff with jitter (gc_backoff_init / gc_backoff_next): each
 * delay is interval * (1 +- randomization_factor), the interval grows by the
 * multiplier up to max_interval, and a seed makes the sequence reproducible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "exporter.h"

#define MS 1000000LL
#define SEC 1000000000LL

static struct gc_retry_settings settings(int64_t initial, int64_t max, double multiplier,
					 double factor)
{
	struct gc_retry_settings s = {
		.enabled = true,
		.initial_interval = initial,
		.max_interval = max,
		.max_elapsed_time = 300 * SEC,
		.multiplier = multiplier,
		.randomization_factor = factor,
	};

	return s;
}

static void test_no_jitter_exact_sequence(void **state)
{
	struct gc_retry_settings s = settings(1 * SEC, 10 * SEC, 2.0, 0.0);
	static const int64_t want[] = { 1 * SEC, 2 * SEC, 4 * SEC, 8 * SEC, 10 * SEC, 10 * SEC,
					10 * SEC };
	struct gc_backoff b;

	gc_backoff_init(&b, &s, 42);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int64_t d = gc_backoff_next(&b);

		if (d != want[i])
			fail_msg("attempt %zu: delay %lld ns, expected %lld", i, (long long)d,
				 (long long)want[i]);
	}
}

/* The exporter defaults: 5s initial, x1.5, capped at 30s. */
static void test_default_growth_no_jitter(void **state)
{
	struct gc_retry_settings s = settings(5 * SEC, 30 * SEC, 1.5, 0.0);
	static const int64_t want[] = { 5000 * MS, 7500 * MS, 11250 * MS, 16875 * MS,
					25312500 * 1000LL, 30 * SEC, 30 * SEC };
	struct gc_backoff b;

	gc_backoff_init(&b, &s, 7);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int64_t d = gc_backoff_next(&b);

		if (d != want[i])
			fail_msg("attempt %zu: delay %lld ns, expected %lld", i, (long long)d,
				 (long long)want[i]);
	}
}

static void test_first_delay_within_jitter(void **state)
{
	struct gc_retry_settings s = settings(1 * SEC, 30 * SEC, 1.5, 0.5);
	int64_t lo = INT64_MAX, hi = 0;
	double sum = 0;
	const int n = 2000;

	for (int seed = 1; seed <= n; seed++) {
		struct gc_backoff b;
		int64_t d;

		gc_backoff_init(&b, &s, (uint64_t)seed);
		d = gc_backoff_next(&b);
		if (d < 500 * MS || d > 1500 * MS)
			fail_msg("seed %d: first delay %lld ns outside [0.5s, 1.5s]", seed,
				 (long long)d);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
		sum += (double)d;
	}
	/* Jitter is applied, spans most of the range and is centred on initial. */
	assert_true(lo < 600 * MS);
	assert_true(hi > 1400 * MS);
	assert_true(sum / n > 950 * MS && sum / n < 1050 * MS);
}

static void test_every_delay_within_jitter_of_capped_interval(void **state)
{
	struct gc_retry_settings s = settings(100 * MS, 2 * SEC, 2.0, 0.25);

	for (uint64_t seed = 1; seed <= 200; seed++) {
		struct gc_backoff b;
		double interval = 100 * MS;

		gc_backoff_init(&b, &s, seed);
		for (int i = 0; i < 12; i++) {
			int64_t d = gc_backoff_next(&b);

			if ((double)d < interval * 0.75 - 1 || (double)d > interval * 1.25 + 1)
				fail_msg("seed %llu attempt %d: delay %lld outside %.0f +- 25%%",
					 (unsigned long long)seed, i, (long long)d, interval);
			interval = interval * 2 > 2 * SEC ? 2 * SEC : interval * 2;
		}
	}
}

static void test_deterministic_for_seed(void **state)
{
	struct gc_retry_settings s = settings(1 * SEC, 60 * SEC, 1.5, 0.5);
	struct gc_backoff a, b, c;
	int differs = 0;

	gc_backoff_init(&a, &s, 12345);
	gc_backoff_init(&b, &s, 12345);
	gc_backoff_init(&c, &s, 54321);
	for (int i = 0; i < 20; i++) {
		int64_t da = gc_backoff_next(&a), db = gc_backoff_next(&b), dc = gc_backoff_next(&c);

		assert_int_equal(da, db);
		differs += da != dc;
	}
	assert_true(differs > 15);

	/* Seed 0 picks a fixed default seed: still reproducible. */
	gc_backoff_init(&a, &s, 0);
	gc_backoff_init(&b, &s, 0);
	for (int i = 0; i < 20; i++)
		assert_int_equal(gc_backoff_next(&a), gc_backoff_next(&b));
}

static void test_multiplier_one_stays_constant(void **state)
{
	struct gc_retry_settings s = settings(250 * MS, 30 * SEC, 1.0, 0.0);
	struct gc_backoff b;

	gc_backoff_init(&b, &s, 1);
	for (int i = 0; i < 10; i++)
		assert_int_equal(gc_backoff_next(&b), 250 * MS);
}

static void test_large_intervals_do_not_overflow(void **state)
{
	/* The option bounds: intervals up to 3600s, multiplier up to 10. */
	struct gc_retry_settings s = settings(3600 * SEC, 3600 * SEC, 10.0, 1.0);
	struct gc_backoff b;

	gc_backoff_init(&b, &s, 99);
	for (int i = 0; i < 50; i++) {
		int64_t d = gc_backoff_next(&b);

		assert_true(d >= 0 && d <= 7200 * SEC);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_jitter_exact_sequence),
		cmocka_unit_test(test_default_growth_no_jitter),
		cmocka_unit_test(test_first_delay_within_jitter),
		cmocka_unit_test(test_every_delay_within_jitter_of_capped_interval),
		cmocka_unit_test(test_deterministic_for_seed),
		cmocka_unit_test(test_multiplier_one_stays_constant),
		cmocka_unit_test(test_large_intervals_do_not_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
