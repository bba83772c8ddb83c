/* The metrics registry: label values from clients always come out as valid,
 * escaped UTF-8 cut on character boundaries; a scrape calls gauge callbacks
 * without the registry lock; histograms, the cardinality cap, concurrent
 * updates and both text formats come out as a scraper reads them; credential
 * headers are recognised. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* The whole exposition in format, as a NUL-terminated string to free. */
static char *render(enum gc_exposition format)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(gc_metrics_render_as(f, format), GC_OK);
	fclose(f);
	return text;
}

/* How many times needle occurs in text. */
static size_t occurrences(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Asserts text holds line (without its newline) as a whole line. */
static void assert_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
	}
	fail_msg("no line \"%s\" in:\n%s", line, text);
}

static double three(void *arg)
{
	(void)arg;
	return 3;
}

static double four(void *arg)
{
	(void)arg;
	return 4;
}

/* One component in two pipelines registers its gauge twice with the same
 * labels: the exposition shows one series, their sum, never a repeat. */
static void test_same_gauge_twice_is_one_series(void **state)
{
	struct gc_gauge *a = gc_metrics_gauge("test_held_items", "Held.", "processor=\"batch\"",
					      three, NULL);
	struct gc_gauge *b = gc_metrics_gauge("test_held_items", "Held.", "processor=\"batch\"",
					      four, NULL);
	struct gc_gauge *c = gc_metrics_gauge("test_held_items", "Held.", "processor=\"batch/2\"",
					      four, NULL);
	char *text;

	(void)state;
	text = render(GC_EXPOSITION_PROMETHEUS);
	assert_int_equal(occurrences(text, "test_held_items{processor=\"batch\"}"), 1);
	assert_line(text, "test_held_items{processor=\"batch\"} 7");
	assert_line(text, "test_held_items{processor=\"batch/2\"} 4");
	free(text);
	gc_metrics_gauge_remove(b);
	text = render(GC_EXPOSITION_PROMETHEUS);
	assert_line(text, "test_held_items{processor=\"batch\"} 3");
	free(text);
	gc_metrics_gauge_remove(a);
	gc_metrics_gauge_remove(c);
}

/* le is inclusive: a value equal to a bound counts in that bound's bucket;
 * buckets are cumulative, +Inf holds every observation and equals _count. */
static void test_histogram_buckets(void **state)
{
	static const double bounds[] = { 1, 2.5, 5 };
	static const char *const names[] = { "path" };
	struct gc_metric_family *fam =
		gc_metrics_family("test_latency_seconds", "Request latency.",
				  GC_METRIC_HISTOGRAM, names, 1, bounds, 3, 0);
	gc_histogram *h = gc_family_histogram(fam, (const char *const[]){ "/a" });
	static const double observed[] = { 1, 0.5, -3, 2.5, 5, 5.0001, 100 };
	char *text;

	assert_non_null(fam);
	for (size_t i = 0; i < sizeof(observed) / sizeof(observed[0]); i++)
		gc_histogram_observe(h, observed[i]);
	gc_histogram_observe(h, NAN); /* ignored */
	assert_ptr_equal(gc_family_histogram(fam, (const char *const[]){ "/a" }), h);
	assert_int_equal(gc_histogram_count(h), 7);
	assert_int_equal(gc_histogram_cumulative(h, 0), 3);
	assert_int_equal(gc_histogram_cumulative(h, 1), 4);
	assert_int_equal(gc_histogram_cumulative(h, 2), 5);
	assert_true(gc_histogram_sum(h) == 111.0001);

	text = render(GC_EXPOSITION_PROMETHEUS);
	assert_int_equal(occurrences(text, "# HELP test_latency_seconds "), 1);
	assert_line(text, "# HELP test_latency_seconds Request latency.");
	assert_line(text, "# TYPE test_latency_seconds histogram");
	assert_line(text, "test_latency_seconds_bucket{path=\"/a\",le=\"1\"} 3");
	assert_line(text, "test_latency_seconds_bucket{path=\"/a\",le=\"2.5\"} 4");
	assert_line(text, "test_latency_seconds_bucket{path=\"/a\",le=\"5\"} 5");
	assert_line(text, "test_latency_seconds_bucket{path=\"/a\",le=\"+Inf\"} 7");
	assert_line(text, "test_latency_seconds_sum{path=\"/a\"} 111.0001");
	assert_line(text, "test_latency_seconds_count{path=\"/a\"} 7");
	free(text);
}

/* The otelcol size buckets, and a histogram registered by label text. */
static void test_size_buckets(void **state)
{
	gc_histogram *h;
	char *text;

	assert_int_equal(gc_metrics_size_buckets_n, 22);
	assert_true(gc_metrics_size_buckets[0] == 10);
	assert_true(gc_metrics_size_buckets[21] == 100000);
	h = gc_metrics_histogram("test_batch_send_size", "Items per batch.", "processor=\"batch\"",
				 gc_metrics_size_buckets, gc_metrics_size_buckets_n);
	gc_histogram_observe(h, 8192);
	gc_histogram_observe(h, 250000);
	text = render(GC_EXPOSITION_PROMETHEUS);
	assert_line(text, "test_batch_send_size_bucket{processor=\"batch\",le=\"8000\"} 0");
	assert_line(text, "test_batch_send_size_bucket{processor=\"batch\",le=\"9000\"} 1");
	assert_line(text, "test_batch_send_size_bucket{processor=\"batch\",le=\"100000\"} 1");
	assert_line(text, "test_batch_send_size_bucket{processor=\"batch\",le=\"+Inf\"} 2");
	assert_line(text, "test_batch_send_size_sum{processor=\"batch\"} 258192");
	free(text);
}

#define THREADS 8
#define PER_THREAD 100000

static struct gc_metric_family *concurrent_counters, *concurrent_histograms;
static gc_settable_gauge *concurrent_gauge;

/* Each thread resolves its own handles (all threads get the same ones) and
 * updates them PER_THREAD times. */
static void *hammer(void *arg)
{
	const char *const values[] = { "shared" };
	gc_counter *c = gc_family_counter(concurrent_counters, values);
	gc_histogram *h = gc_family_histogram(concurrent_histograms, values);

	for (int i = 0; i < PER_THREAD; i++) {
		gc_counter_add(c, 1);
		gc_histogram_observe(h, (double)(i % 4));
		gc_gauge_add(concurrent_gauge, 0.5);
	}
	return arg;
}

static void test_concurrent_updates_are_exact(void **state)
{
	static const char *const names[] = { "k" };
	static const double bounds[] = { 0, 1, 2 };
	const char *const values[] = { "shared" };
	pthread_t threads[THREADS];
	gc_histogram *h;

	concurrent_counters = gc_metrics_family("test_concurrent_total", "Concurrent adds.",
						GC_METRIC_COUNTER, names, 1, NULL, 0, 0);
	concurrent_histograms = gc_metrics_family("test_concurrent_values", "Concurrent observes.",
						  GC_METRIC_HISTOGRAM, names, 1, bounds, 3, 0);
	concurrent_gauge = gc_metrics_settable_gauge("test_concurrent_level", "A level.", "");
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);
	assert_int_equal(gc_counter_get(gc_family_counter(concurrent_counters, values)),
			 THREADS * PER_THREAD);
	h = gc_family_histogram(concurrent_histograms, values);
	assert_int_equal(gc_histogram_count(h), THREADS * PER_THREAD);
	for (size_t i = 0; i < 3; i++) /* values 0..3 evenly: bucket le=i holds i+1 quarters */
		assert_int_equal(gc_histogram_cumulative(h, i), (i + 1) * THREADS * PER_THREAD / 4);
	assert_true(gc_histogram_sum(h) == 1.5 * THREADS * PER_THREAD);
	assert_true(gc_gauge_get(concurrent_gauge) == 0.5 * THREADS * PER_THREAD);
}

/* Past max_series, new label sets share the family's overflow series and each
 * resolution counts in the fold counter; series made before keep theirs. */
static void test_cap_folds_into_overflow(void **state)
{
	static const char *const names[] = { "model" };
	struct gc_metric_family *fam = gc_metrics_family(
		"test_capped_total", "Capped.", GC_METRIC_COUNTER, names, 1, NULL, 0, 3);
	gc_counter *kept[3], *over;
	char *text;

	for (int i = 0; i < 3; i++) {
		char model[16];

		snprintf(model, sizeof(model), "m%d", i);
		kept[i] = gc_family_counter(fam, (const char *const[]){ model });
		gc_counter_add(kept[i], 1);
	}
	over = gc_family_counter(fam, (const char *const[]){ "m3" });
	assert_ptr_not_equal(over, kept[0]);
	assert_ptr_equal(gc_family_counter(fam, (const char *const[]){ "m4" }), over);
	assert_ptr_equal(gc_family_counter(fam, (const char *const[]){ "m3" }), over);
	assert_ptr_equal(gc_family_counter(fam, (const char *const[]){ "m1" }), kept[1]);
	assert_ptr_equal(gc_metrics_counter("test_capped_total", "", "model=\"m9\""), over);
	gc_counter_add(over, 5);

	text = render(GC_EXPOSITION_PROMETHEUS);
	assert_line(text, "test_capped_total{model=\"m0\"} 1");
	assert_line(text, "test_capped_total{model=\"m2\"} 1");
	assert_line(text, "test_capped_total{otel_metric_overflow=\"true\"} 5");
	assert_null(strstr(text, "model=\"m3\""));
	assert_line(text, "# TYPE genai_collector_metric_series_overflow_total counter");
	assert_line(text,
		    "genai_collector_metric_series_overflow_total{metric=\"test_capped_total\"} 4");
	free(text);
}

/* Raw label values from a client: quotes, backslashes, newlines, control
 * characters and bytes that are not UTF-8 come out escaped or replaced, the
 * exposition stays one sample per line and valid UTF-8, and a long value is
 * cut to GC_METRICS_LABEL_VALUE_MAX bytes. */
static void test_hostile_label_values(void **state)
{
	static const char *const names[] = { "model", "note" };
	struct gc_metric_family *fam = gc_metrics_family(
		"test_hostile_total", "Hostile.", GC_METRIC_COUNTER, names, 2, NULL, 0, 0);
	char long_value[1000], *text, *line;

	memset(long_value, 'x', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	gc_counter_add(gc_family_counter(fam, (const char *const[]){ "a\"b\\c\nd", "\xff\x01z" }),
		       2);
	gc_counter_add(gc_family_counter(fam, (const char *const[]){ long_value, NULL }), 1);
	text = render(GC_EXPOSITION_PROMETHEUS);
	assert_true(valid_utf8(text, strlen(text)));
	assert_line(text, "test_hostile_total{model=\"a\\\"b\\\\c\\nd\",note=\"\xef\xbf\xbd\xef\xbf\xbdz\"} 2");
	line = strstr(text, "test_hostile_total{model=\"xxx");
	assert_non_null(line);
	assert_int_equal(strcspn(line + strlen("test_hostile_total{model=\""), "\""),
			 GC_METRICS_LABEL_VALUE_MAX);
	assert_non_null(strstr(line, "\",note=\"\"} 1\n"));
	free(text);
}

/* Registrations that disagree with a family's first one get handles that
 * count into nothing, and nothing of theirs is shown. */
static void test_disagreeing_registrations_are_discarded(void **state)
{
	static const char *const names[] = { "a" }, *const other[] = { "b" };
	struct gc_metric_family *fam = gc_metrics_family("test_typed_total", "Typed.",
							 GC_METRIC_COUNTER, names, 1, NULL, 0, 0);
	gc_histogram *h;
	char *text;

	gc_counter_add(gc_family_counter(fam, (const char *const[]){ "1" }), 1);
	assert_null(gc_metrics_family("test_typed_total", "", GC_METRIC_COUNTER, other, 1, NULL,
				      0, 0));
	assert_null(gc_metrics_family("test_typed_total", "", GC_METRIC_GAUGE, names, 1, NULL, 0,
				      0));
	assert_null(gc_metrics_family("bad name", "", GC_METRIC_COUNTER, NULL, 0, NULL, 0, 0));
	assert_null(gc_metrics_family("test_bad_bounds", "", GC_METRIC_HISTOGRAM, NULL, 0,
				      (const double[]){ 2, 1 }, 2, 0));
	h = gc_metrics_histogram("test_typed_total", "", "a=\"2\"", NULL, 0);
	gc_histogram_observe(h, 1);
	gc_counter_add(gc_family_counter(NULL, (const char *const[]){ "3" }), 1);
	assert_null(gc_metrics_gauge("test_typed_total", "", "", NULL, NULL));
	text = render(GC_EXPOSITION_PROMETHEUS);
	assert_line(text, "test_typed_total{a=\"1\"} 1");
	assert_int_equal(occurrences(text, "test_typed_total{"), 1);
	assert_null(strstr(text, "test_bad_bounds"));
	free(text);
}

/* A family first made by label text takes the label names of a later
 * gc_metrics_family, and both ways find the same series. */
static void test_label_text_and_names_meet(void **state)
{
	static const char *const names[] = { "processor", "reason" };
	gc_counter *by_text = gc_metrics_counter("test_met_total", "Met.",
						 "processor=\"p/1\",reason=\"x\"");
	struct gc_metric_family *fam = gc_metrics_family("test_met_total", "", GC_METRIC_COUNTER,
							 names, 2, NULL, 0, 0);

	assert_non_null(fam);
	assert_ptr_equal(gc_family_counter(fam, (const char *const[]){ "p/1", "x" }), by_text);
	assert_ptr_equal(gc_metrics_family("test_met_total", "", GC_METRIC_COUNTER, names, 2,
					   NULL, 0, 0), fam);
}

/* OpenMetrics: a counter's family name has no _total and its samples do,
 * floats are written as floats, and the text ends with # EOF. */
static void test_openmetrics(void **state)
{
	static const double bounds[] = { 1, 2.5 };
	char *text;

	gc_counter_add(gc_metrics_counter("test_om_requests_total", "Say \"hi\".", "k=\"v\""), 3);
	gc_counter_add(gc_metrics_counter("test_om_accepted_spans", "Accepted.", ""), 1);
	gc_gauge_set(gc_metrics_settable_gauge("test_om_level", "Level.", ""), 2);
	gc_histogram_observe(gc_metrics_histogram("test_om_seconds", "Seconds.", "", bounds, 2), 2);

	text = render(GC_EXPOSITION_OPENMETRICS);
	assert_true(valid_utf8(text, strlen(text)));
	assert_line(text, "# HELP test_om_requests Say \\\"hi\\\".");
	assert_line(text, "# TYPE test_om_requests counter");
	assert_line(text, "test_om_requests_total{k=\"v\"} 3");
	assert_line(text, "# TYPE test_om_accepted_spans counter");
	assert_line(text, "test_om_accepted_spans_total 1");
	assert_line(text, "test_om_level 2.0");
	assert_line(text, "test_om_seconds_bucket{le=\"1.0\"} 0");
	assert_line(text, "test_om_seconds_bucket{le=\"2.5\"} 1");
	assert_line(text, "test_om_seconds_bucket{le=\"+Inf\"} 1");
	assert_line(text, "test_om_seconds_sum 2.0");
	assert_line(text, "test_om_seconds_count 1");
	assert_int_equal(occurrences(text, "# EOF"), 1);
	assert_string_equal(text + strlen(text) - 6, "# EOF\n");
	free(text);

	text = render(GC_EXPOSITION_PROMETHEUS);
	assert_line(text, "# HELP test_om_requests_total Say \"hi\".");
	assert_line(text, "# TYPE test_om_requests_total counter");
	assert_line(text, "test_om_requests_total{k=\"v\"} 3");
	assert_line(text, "test_om_accepted_spans 1");
	assert_line(text, "test_om_level 2");
	assert_null(strstr(text, "# EOF"));
	free(text);
}

/* gc_metrics_gauge_remove waits for a scrape that is calling the gauge, so
 * the callback's argument may go once it returns. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	bool entered, released;
	atomic_bool removed;
} slow = { .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER };

static double slow_gauge(void *arg)
{
	pthread_mutex_lock(&slow.lock);
	slow.entered = true;
	pthread_cond_broadcast(&slow.changed);
	while (!slow.released)
		pthread_cond_wait(&slow.changed, &slow.lock);
	pthread_mutex_unlock(&slow.lock);
	return 1;
}

static void *scrape_thread(void *arg)
{
	free(render(GC_EXPOSITION_PROMETHEUS));
	return arg;
}

static void *remove_thread(void *arg)
{
	gc_metrics_gauge_remove(arg);
	atomic_store(&slow.removed, true);
	return NULL;
}

static void test_gauge_remove_waits_for_scrape(void **state)
{
	struct gc_gauge *g = gc_metrics_gauge("test_slow_gauge", "Slow.", "", slow_gauge, NULL);
	pthread_t scraper, remover;
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	char *text;

	assert_int_equal(pthread_create(&scraper, NULL, scrape_thread, NULL), 0);
	pthread_mutex_lock(&slow.lock);
	while (!slow.entered)
		pthread_cond_wait(&slow.changed, &slow.lock);
	pthread_mutex_unlock(&slow.lock);
	assert_int_equal(pthread_create(&remover, NULL, remove_thread, g), 0);
	nanosleep(&pause, NULL);
	assert_false(atomic_load(&slow.removed));
	text = render(GC_EXPOSITION_PROMETHEUS); /* other scrapes go on meanwhile */
	assert_null(strstr(text, "test_slow_gauge"));
	free(text);
	pthread_mutex_lock(&slow.lock);
	slow.released = true;
	pthread_cond_broadcast(&slow.changed);
	pthread_mutex_unlock(&slow.lock);
	pthread_join(scraper, NULL);
	pthread_join(remover, NULL);
	assert_true(atomic_load(&slow.removed));
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
		cmocka_unit_test(test_histogram_buckets),
		cmocka_unit_test(test_size_buckets),
		cmocka_unit_test(test_concurrent_updates_are_exact),
		cmocka_unit_test(test_cap_folds_into_overflow),
		cmocka_unit_test(test_hostile_label_values),
		cmocka_unit_test(test_disagreeing_registrations_are_discarded),
		cmocka_unit_test(test_label_text_and_names_meet),
		cmocka_unit_test(test_openmetrics),
		cmocka_unit_test(test_gauge_remove_waits_for_scrape),
		cmocka_unit_test(test_credential_headers),
		cmocka_unit_test(test_same_gauge_twice_is_one_series),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
