/* Consistent probability sampling: thresholds against the OpenTelemetry
 * specification's table (precision 4), the th and rv sub-keys, and
 * rewriting a W3C tracestate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../processors/stratified_sampler/consistent.h"

static void assert_th(double p, const char *expected)
{
	char th[16];

	sampler_threshold_format(sampler_threshold(p, SAMPLER_DEFAULT_PRECISION), th);
	if (strcmp(th, expected))
		fail_msg("p=%g: th:%s, expected th:%s", p, th, expected);
}

static void test_thresholds_of_the_specification(void **state)
{
	(void)state;
	assert_th(1, "0");
	assert_th(0.5, "8");
	assert_th(1.0 / 3, "aaab");
	assert_th(0.25, "c");
	assert_th(0.2, "cccd");
	assert_th(0.125, "e");
	assert_th(0.1, "e666");
	assert_th(0.0625, "f");
	assert_th(0.01, "fd70a");
	assert_th(0.001, "ffbe77");
	assert_th(0.0001, "fff9724");
	assert_th(0.00001, "ffff583a");
	assert_th(0.000001, "ffffef39");
	assert_int_equal(sampler_threshold(0, 4), SAMPLER_MAX_THRESHOLD);
	assert_int_equal(sampler_threshold(-1, 4), SAMPLER_MAX_THRESHOLD);
	assert_int_equal(sampler_threshold(2, 4), 0);
	/* Precision 3 and 5 columns of the same table. */
	{
		char th[16];

		sampler_threshold_format(sampler_threshold(0.01, 3), th);
		assert_string_equal(th, "fd71");
		sampler_threshold_format(sampler_threshold(0.01, 5), th);
		assert_string_equal(th, "fd70a4");
	}
}

static void test_probability_and_adjusted_count(void **state)
{
	uint64_t t;

	(void)state;
	assert_true(sampler_threshold_parse("c", 1, &t));
	assert_int_equal(t, 0xc0000000000000ULL);
	assert_true(sampler_probability(t) == 0.25);
	assert_true(sampler_adjusted_count(t) == 4);
	assert_true(sampler_threshold_parse("0", 1, &t));
	assert_true(sampler_adjusted_count(t) == 1);
	assert_true(sampler_threshold_parse("fd70a", 5, &t));
	assert_true(fabs(sampler_adjusted_count(t) - 99.99771123402633) < 1e-9);
	assert_true(sampler_adjusted_count(SAMPLER_MAX_THRESHOLD) == 0);
	assert_false(sampler_threshold_parse("C", 1, &t));
	assert_false(sampler_threshold_parse("", 0, &t));
	assert_false(sampler_threshold_parse("g", 1, &t));
	assert_false(sampler_threshold_parse("123456789abcdef", 15, &t));
	assert_true(sampler_threshold_parse("ffffffffffffff", 14, &t));
	assert_int_equal(t, SAMPLER_MAX_THRESHOLD - 1);
}

static void test_randomness(void **state)
{
	static const uint8_t id[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8,
					0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56 };
	static const char with_rv[] = "vendor=x, ot=th:8;rv:0123456789abcd ,b=c";
	uint64_t r;

	(void)state;
	assert_true(sampler_randomness(NULL, 0, id, 16, &r));
	assert_int_equal(r, 0x9abcdef0123456ULL); /* the low 56 bits */
	assert_true(sampler_randomness(with_rv, strlen(with_rv), id, 16, &r));
	assert_int_equal(r, 0x0123456789abcdULL);
	/* An rv of the wrong length is ignored. */
	assert_true(sampler_randomness("ot=rv:0123", 10, id, 16, &r));
	assert_int_equal(r, 0x9abcdef0123456ULL);
	assert_false(sampler_randomness(NULL, 0, id, 8, &r));
}

static void test_tracestate_read(void **state)
{
	static const char ts[] = "a=1 ,\tot=p:8;th:e666;rv:0123456789abcd;x:y\t, b=2";
	struct sampler_ot ot;

	(void)state;
	sampler_tracestate_read(ts, strlen(ts), &ot);
	assert_true(ot.has_th);
	assert_int_equal(ot.th, 0xe6660000000000ULL);
	assert_true(ot.has_rv);
	sampler_tracestate_read("ot=th:XYZ", 9, &ot);
	assert_false(ot.has_th);
	sampler_tracestate_read("other=th:8", 10, &ot);
	assert_false(ot.has_th);
	sampler_tracestate_read(NULL, 0, &ot);
	assert_false(ot.has_th || ot.has_rv);
}

static void test_tracestate_set_th(void **state)
{
	static const char ts[] = "a=1, ot=p:8;th:8;x:y ,b=2";
	char out[SAMPLER_TRACESTATE_MAX + 1], big[600];
	int n;

	(void)state;
	n = sampler_tracestate_set_th(NULL, 0, 0xc0000000000000ULL, out, sizeof(out));
	assert_string_equal(out, "ot=th:c");
	assert_int_equal(n, 7);
	/* The ot entry goes first; its other sub-keys and the other entries stay. */
	sampler_tracestate_set_th(ts, strlen(ts), 0xfd70a000000000ULL, out, sizeof(out));
	assert_string_equal(out, "ot=th:fd70a;p:8;x:y,a=1,b=2");
	sampler_tracestate_set_th("a=1", 3, 0, out, sizeof(out));
	assert_string_equal(out, "ot=th:0,a=1");
	/* Past W3C's 512 bytes, or 32 members: refused, the caller keeps the original. */
	memset(big, 'v', sizeof(big));
	memcpy(big, "a=", 2);
	assert_int_equal(sampler_tracestate_set_th(big, 510, 0, out, sizeof(out)), -1);
	{
		char many[400] = "";

		for (int i = 0; i < 32; i++)
			sprintf(many + strlen(many), "%sk%d=v", i ? "," : "", i);
		assert_int_equal(sampler_tracestate_set_th(many, strlen(many), 0, out, sizeof(out)), -1);
		many[strlen(many) - 6] = '\0'; /* 31 members: room for ot */
		assert_true(sampler_tracestate_set_th(many, strlen(many), 0, out, sizeof(out)) > 0);
	}
	assert_int_equal(sampler_tracestate_set_th(ts, strlen(ts), 0, out, 8), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thresholds_of_the_specification),
		cmocka_unit_test(test_probability_and_adjusted_count),
		cmocka_unit_test(test_randomness),
		cmocka_unit_test(test_tracestate_read),
		cmocka_unit_test(test_tracestate_set_th),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
