/* The exporter queue (reserve, push, pop, ack; sizers; batching by size and
 * time), encoded requests (encode once, join by concatenation) and the core's
 * timer thread they flush on. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "queue.h"
#include "timer.h"

/* A traces request of n spans named "<tag>-<i>". */
static struct gc_batch *spans(const char *tag, int n)
{
	char json[8192], *p = json;
	char *err = NULL;
	struct gc_batch *b;

	p += sprintf(p, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[");
	for (int i = 0; i < n; i++)
		p += sprintf(p, "%s{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\","
			     "\"spanId\":\"00000000000000%02x\",\"name\":\"%s-%d\"}",
			     i ? "," : "", i + 1, tag, i);
	sprintf(p, "]}]}]}");
	b = gc_batch_decode_json(GC_SIGNAL_TRACES, json, strlen(json), &err);
	if (!b)
		fail_msg("decode: %s", err);
	return b;
}

static struct gc_request *request(const char *tag, int n)
{
	struct gc_batch *b = spans(tag, n);
	struct gc_request *r = gc_request_encode(b);

	assert_non_null(r);
	assert_int_equal(r->items, (size_t)n);
	assert_int_equal(r->len, gc_batch_encoded_size(b));
	gc_batch_unref(b);
	return r;
}

static struct gc_queue *queue(enum gc_sizer sizer, size_t capacity)
{
	struct gc_queue_config c = { .sizer = sizer, .capacity = capacity };
	struct gc_queue *q = gc_queue_memory_new(&c);

	assert_non_null(q);
	return q;
}

/* Reserves and pushes r; fails the test when there is no room. */
static void put(struct gc_queue *q, struct gc_request *r)
{
	struct gc_load l = gc_request_load(r);

	assert_int_equal(gc_queue_reserve(q, &l), GC_OK);
	gc_queue_push(q, r, &l);
}

static void test_requests_sizer_reserve_release_ack(void **state)
{
	struct gc_queue *q = queue(GC_SIZER_REQUESTS, 2);
	struct gc_load one = { 1, 100, 1000 };
	struct gc_queue_batch b = { 0 };

	(void)state;
	assert_int_equal(gc_queue_reserve(q, &one), GC_OK);
	assert_int_equal(gc_queue_reserve(q, &one), GC_OK);
	assert_int_equal(gc_queue_reserve(q, &one), GC_FULL);
	gc_queue_release(q, &one);
	gc_queue_push(q, request("x", 3), &one); /* into the room still reserved */
	assert_int_equal(gc_queue_size(q), 1);
	assert_int_equal(gc_queue_reserve(q, &one), GC_OK);
	assert_int_equal(gc_queue_reserve(q, &one), GC_FULL);
	gc_queue_release(q, &one);
	/* A popped request still holds its room until it is acked. */
	assert_true(gc_queue_pop(q, &b));
	assert_int_equal(b.n, 1);
	assert_int_equal(b.reqs[0]->items, 3);
	assert_int_equal(gc_queue_size(q), 1);
	assert_int_equal(gc_queue_reserve(q, &one), GC_OK);
	assert_int_equal(gc_queue_reserve(q, &one), GC_FULL);
	gc_queue_ack(q, &b);
	assert_int_equal(gc_queue_size(q), 0);
	assert_int_equal(gc_queue_reserve(q, &one), GC_OK);
	gc_queue_release(q, &one);
	gc_queue_release(q, &one);
	gc_queue_batch_free(&b);
	gc_queue_destroy(q);
}

static void test_items_and_bytes_sizers(void **state)
{
	struct gc_queue *items = queue(GC_SIZER_ITEMS, 10), *bytes;
	struct gc_request *r = request("y", 4);
	struct gc_load l = gc_request_load(r);
	struct gc_load big = { 1, 11, 1 };

	(void)state;
	/* More than the capacity: taken only when the queue holds nothing. */
	assert_int_equal(gc_queue_reserve(items, &big), GC_OK);
	assert_int_equal(gc_queue_reserve(items, &l), GC_FULL);
	assert_int_equal(gc_queue_reserve(items, &big), GC_FULL);
	gc_queue_release(items, &big);
	put(items, gc_request_ref(r));
	put(items, gc_request_ref(r));
	assert_int_equal(gc_queue_size(items), 8);
	assert_int_equal(gc_queue_reserve(items, &l), GC_FULL);
	gc_queue_destroy(items); /* frees what is queued */

	bytes = queue(GC_SIZER_BYTES, r->len * 2 + 1);
	put(bytes, gc_request_ref(r));
	put(bytes, gc_request_ref(r));
	assert_int_equal(gc_queue_size(bytes), r->len * 2);
	assert_int_equal(gc_queue_reserve(bytes, &l), GC_FULL);
	gc_queue_destroy(bytes);
	gc_request_unref(r);
}

/* The push's own size counts, not the reservation's: processors may have
 * dropped spans since. */
static void test_push_counts_actual_size(void **state)
{
	struct gc_queue *q = queue(GC_SIZER_ITEMS, 100);
	struct gc_load promised = { 1, 50, 5000 };
	struct gc_queue_batch b = { 0 };

	(void)state;
	assert_int_equal(gc_queue_reserve(q, &promised), GC_OK);
	gc_queue_push(q, request("z", 2), &promised);
	assert_int_equal(gc_queue_size(q), 2);
	assert_true(gc_queue_pop(q, &b));
	gc_queue_ack(q, &b);
	assert_int_equal(gc_queue_size(q), 0);
	gc_queue_batch_free(&b);
	gc_queue_destroy(q);
}

static int64_t ms_since(int64_t t0)
{
	return (gc_now_ns() - t0) / 1000000;
}

static void test_batching_by_size_and_time(void **state)
{
	struct gc_queue_config c = {
		.sizer = GC_SIZER_REQUESTS, .capacity = 100, .batching = true,
		.batch_sizer = GC_SIZER_ITEMS, .flush_timeout = GC_MS(100),
		.min_size = 10, .max_size = 8,
	};
	struct gc_queue *q = gc_queue_memory_new(&c);
	struct gc_queue_batch b = { 0 };
	struct gc_batch *joined;
	char *err = NULL;
	int64_t t0;

	(void)state;
	put(q, request("a", 4));
	put(q, request("b", 4));
	t0 = gc_now_ns();
	put(q, request("c", 4)); /* 12 items queued: at least min_size */
	assert_true(gc_queue_pop(q, &b));
	/* max_size 8: two requests go out together, in order. */
	assert_int_equal(b.n, 2);
	assert_int_equal(b.reqs[0]->items + b.reqs[1]->items, 8);
	{
		struct gc_request *r = gc_request_join(b.reqs, b.n);

		assert_non_null(r);
		assert_int_equal(r->len, b.reqs[0]->len + b.reqs[1]->len);
		joined = gc_request_decode(r, &err);
		assert_non_null(joined);
		assert_int_equal(joined->items, 8);
		assert_int_equal(joined->traces->n_resource_spans, 2);
		assert_memory_equal(joined->traces->resource_spans[1]->scope_spans[0]->spans[3]->name.data,
				    "b-3", 3);
		gc_batch_unref(joined);
		gc_request_unref(r);
	}
	gc_queue_ack(q, &b);
	/* What is left (4 items) is below min_size: it goes when it has waited
	 * flush_timeout, woken by the timer. */
	assert_true(gc_queue_pop(q, &b));
	assert_int_equal(b.n, 1);
	assert_true(ms_since(t0) >= 100);
	assert_true(ms_since(t0) < 5000);
	gc_queue_ack(q, &b);
	gc_queue_batch_free(&b);
	gc_queue_destroy(q);
}

static void test_metadata_and_stop(void **state)
{
	struct gc_queue_config c = {
		.sizer = GC_SIZER_ITEMS, .capacity = 1000, .batching = true,
		.batch_sizer = GC_SIZER_ITEMS, .flush_timeout = GC_SEC(3600), .min_size = 1000,
	};
	struct gc_queue *q = gc_queue_memory_new(&c);
	struct gc_queue_batch b = { 0 };
	char *keys[] = { "x-scope-orgid" }, *team_a[] = { "a" }, *team_b[] = { "b" };
	struct gc_metadata md_a = { 1, keys, team_a }, md_b = { 1, keys, team_b };
	struct gc_batch *batch;

	(void)state;
	batch = spans("a", 2);
	batch->metadata = &md_a;
	put(q, gc_request_encode(batch));
	put(q, gc_request_encode(batch));
	batch->metadata = &md_b;
	put(q, gc_request_encode(batch));
	batch->metadata = NULL;
	gc_batch_unref(batch);
	/* Below min_size and an hour's flush_timeout: only stop lets them go, and
	 * requests of different metadata never share a send. */
	gc_queue_stop(q);
	assert_true(gc_queue_pop(q, &b));
	assert_int_equal(b.n, 2);
	assert_string_equal(b.reqs[0]->metadata->values[0], "a");
	gc_queue_ack(q, &b);
	assert_true(gc_queue_pop(q, &b));
	assert_int_equal(b.n, 1);
	assert_string_equal(b.reqs[0]->metadata->values[0], "b");
	assert_false(gc_queue_idle(q));
	gc_queue_ack(q, &b);
	assert_true(gc_queue_idle(q));
	assert_false(gc_queue_pop(q, &b));
	{
		struct gc_load l = { 1, 1, 1 };

		assert_int_equal(gc_queue_reserve(q, &l), GC_FULL); /* stopped */
	}
	gc_queue_batch_free(&b);
	gc_queue_destroy(q);
}

/* ---- consumers racing producers (run under TSan in CI) ---- */

struct race {
	struct gc_queue *q;
	_Atomic size_t sent;
};

static void *consumer(void *arg)
{
	struct race *r = arg;
	struct gc_queue_batch b = { 0 };

	while (gc_queue_pop(r->q, &b)) {
		for (size_t i = 0; i < b.n; i++)
			atomic_fetch_add(&r->sent, b.reqs[i]->items);
		gc_queue_ack(r->q, &b);
	}
	gc_queue_batch_free(&b);
	return NULL;
}

static void test_concurrent_producers_and_consumers(void **state)
{
	struct gc_queue_config c = {
		.sizer = GC_SIZER_ITEMS, .capacity = 64, .batching = true,
		.batch_sizer = GC_SIZER_ITEMS, .flush_timeout = GC_MS(5), .min_size = 16,
		.max_size = 24,
	};
	struct race r = { .q = gc_queue_memory_new(&c) };
	struct gc_request *req = request("r", 3);
	pthread_t t[3];
	size_t pushed = 0, refused = 0;

	(void)state;
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, consumer, &r);
	for (int i = 0; i < 3000; i++) {
		struct gc_load l = gc_request_load(req);

		if (gc_queue_reserve(r.q, &l) != GC_OK) {
			refused++;
			continue;
		}
		gc_queue_push(r.q, gc_request_ref(req), &l);
		pushed += 3;
	}
	gc_queue_stop(r.q);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&r.sent), pushed); /* nothing lost, nothing twice */
	assert_true(gc_queue_idle(r.q));
	gc_request_unref(req);
	gc_queue_destroy(r.q);
	(void)refused;
}

/* ---- the timer thread ---- */

struct ticks {
	pthread_mutex_t lock;
	char order[16];
	int n;
};

static struct ticks ticks = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void tick_a(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&ticks.lock);
	ticks.order[ticks.n++] = 'a';
	pthread_mutex_unlock(&ticks.lock);
}

static void tick_b(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&ticks.lock);
	ticks.order[ticks.n++] = 'b';
	pthread_mutex_unlock(&ticks.lock);
}

static int fired(void)
{
	int n;

	pthread_mutex_lock(&ticks.lock);
	n = ticks.n;
	pthread_mutex_unlock(&ticks.lock);
	return n;
}

static void wait_fired(int n)
{
	int64_t until = gc_now_ns() + GC_SEC(5);

	while (fired() < n && gc_now_ns() < until) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
}

static void test_timers_fire_in_order_once(void **state)
{
	struct gc_timer *a = gc_timer_new(tick_a, NULL), *b = gc_timer_new(tick_b, NULL);
	int64_t now = gc_now_ns();
	struct timespec settle = { 0, 100 * 1000000 };

	(void)state;
	assert_int_equal(gc_timer_arm(a, now + GC_MS(60)), GC_OK);
	assert_int_equal(gc_timer_arm(b, now + GC_MS(20)), GC_OK);
	/* arm_before never postpones; it brings a schedule forward. */
	assert_int_equal(gc_timer_arm_before(b, now + GC_MS(500)), GC_OK);
	wait_fired(2);
	assert_int_equal(fired(), 2);
	assert_memory_equal(ticks.order, "ba", 2);
	/* Disarmed before it is due: it never fires. */
	gc_timer_arm(a, gc_now_ns() + GC_MS(30));
	gc_timer_disarm(a);
	nanosleep(&settle, NULL);
	assert_int_equal(fired(), 2);
	gc_timer_arm(a, gc_now_ns() + GC_MS(10));
	gc_timer_free(a); /* armed: cancelled */
	gc_timer_free(b);
	nanosleep(&settle, NULL);
	assert_int_equal(fired(), 2);
	gc_timers_shutdown();
}

/* A callback that re-arms itself while gc_timer_free waits for it. */
struct rearm {
	struct gc_timer *t;
	_Atomic int runs;
};

static void rearm_cb(void *arg)
{
	struct rearm *r = arg;
	struct timespec ts = { 0, 20 * 1000000 };

	atomic_fetch_add(&r->runs, 1);
	nanosleep(&ts, NULL);
	gc_timer_arm(r->t, gc_now_ns());
}

static void test_free_waits_for_a_rearming_callback(void **state)
{
	struct rearm r = { 0 };
	struct timespec ts = { 0, 50 * 1000000 };

	(void)state;
	r.t = gc_timer_new(rearm_cb, &r);
	gc_timer_arm(r.t, gc_now_ns());
	nanosleep(&ts, NULL);
	gc_timer_free(r.t); /* ASan: no use after free by a re-armed timer */
	nanosleep(&ts, NULL);
	assert_true(atomic_load(&r.runs) >= 1);
	gc_timers_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests_sizer_reserve_release_ack),
		cmocka_unit_test(test_items_and_bytes_sizers),
		cmocka_unit_test(test_push_counts_actual_size),
		cmocka_unit_test(test_batching_by_size_and_time),
		cmocka_unit_test(test_metadata_and_stop),
		cmocka_unit_test(test_concurrent_producers_and_consumers),
		cmocka_unit_test(test_timers_fire_in_order_once),
		cmocka_unit_test(test_free_waits_for_a_rearming_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
