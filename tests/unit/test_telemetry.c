/* The metrics registry: label values from clients always come out as valid,
 * escaped UTF-8 cut on character boundaries; a scrape calls gauge callbacks
 * without the registry lock; credential headers are recognised. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common.h"
#include "telemetry.h"

static bool valid_utf8(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t n = gc_utf8_length((const unsigned char *)s + i, len - i);

		if (!n)
			return false;
		i += n;
	}
	return true;
}

static void test_label_value_escapes(void **state)
{
	char out[64];

	assert_int_equal(gc_metrics_label_value(out, sizeof(out), "a\"b\\c\nd", 7), 10);
	assert_string_equal(out, "a\\\"b\\\\c\\nd");
	gc_metrics_label_value(out, sizeof(out), "gpt-4o\x01\x7f", 8);
	assert_string_equal(out, "gpt-4o\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_label_value_invalid_utf8_replaced(void **state)
{
	/* a stray continuation byte, 0xff, an overlong '/', a surrogate, a
	 * sequence cut at the end of the input */
	static const char in[] = "m\x80o\xff" "d\xc0\xafl\xed\xa0\x80x\xe2\x82";
	char out[128];
	size_t n = gc_metrics_label_value(out, sizeof(out), in, sizeof(in) - 1);

	assert_true(valid_utf8(out, n));
	assert_non_null(strstr(out, "m\xef\xbf\xbdo\xef\xbf\xbd"));
	assert_int_equal(out[n], '\0');
	/* valid multi-byte text is kept as it is */
	gc_metrics_label_value(out, sizeof(out), "mod\xc3\xa8le-\xe2\x82\xac", 11);
	assert_string_equal(out, "mod\xc3\xa8le-\xe2\x82\xac");
}

/* Every cut of every input fits and ends on a character boundary: a 3-byte
 * character or a 2-byte escape is never split. */
static void test_label_value_cut_on_boundaries(void **state)
{
	static const char in[] = "ab\xe2\x82\xac\"\xf0\x9f\x98\x80\\z";

	for (size_t cap = 1; cap < 24; cap++) {
		char out[24];
		size_t n = gc_metrics_label_value(out, cap, in, sizeof(in) - 1);

		assert_true(n < cap);
		assert_int_equal(strlen(out), n);
		assert_true(valid_utf8(out, n));
		if (n && out[n - 1] == '\\') /* an escape is never cut after its backslash */
			assert_true(n >= 2 && out[n - 2] == '\\');
	}
}

/* A gauge callback that registers a counter, as a component doing work under
 * its own lock may: with the registry lock held across callbacks the scrape
 * would wait on itself. */
static double registering_gauge(void *arg)
{
	gc_counter *c = gc_metrics_counter("test_from_callback_total", "Made in a callback.", "");

	gc_counter_add(c, 1);
	return *(double *)arg;
}

static void test_render_calls_gauges_without_the_registry_lock(void **state)
{
	double value = 42;
	struct gc_gauge *g = gc_metrics_gauge("test_gauge", "A gauge.", "k=\"v\"",
					      registering_gauge, &value);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_int_equal(gc_metrics_render(f), GC_OK);
	fclose(f);
	assert_non_null(strstr(text, "test_gauge{k=\"v\"} 42\n"));
	free(text);
	gc_metrics_gauge_remove(g);
	assert_int_equal(gc_counter_get(gc_metrics_counter("test_from_callback_total", "", "")), 1);
}

static void test_credential_headers(void **state)
{
	static const char *const secret[] = { "Authorization", "proxy-authorization", "Cookie",
					      "set-cookie", "X-Api-Key", "x-auth-token",
					      "X-Client-Secret", "db-password", "x-goog-credential" };
	static const char *const plain[] = { "x-tenant", "content-type", "user-agent",
					     "x-scope-orgid", "traceparent" };

	for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		assert_true(gc_header_is_credential(secret[i]));
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		assert_false(gc_header_is_credential(plain[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_value_escapes),
		cmocka_unit_test(test_label_value_invalid_utf8_replaced),
		cmocka_unit_test(test_label_value_cut_on_boundaries),
		cmocka_unit_test(test_render_calls_gauges_without_the_registry_lock),
		cmocka_unit_test(test_credential_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
