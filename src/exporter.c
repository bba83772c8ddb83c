#include "exporter.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "queue.h"
#include "log.h"
#include "telemetry.h"

static const char *const sizer_choices[] = { "requests", "items", "bytes", NULL };

static const struct gc_option batcher_options[] = {
	{ "flush_timeout", GC_OPT_DURATION, offsetof(struct gc_batcher_settings, flush_timeout),
	  "200ms", 1e6, 3600e9, "send what waited this long even when below min_size" },
	{ "min_size", GC_OPT_INT, offsetof(struct gc_batcher_settings, min_size), "8192", 0,
	  1e12, "send once this many items are queued (bytes with sizer: bytes)" },
	{ "max_size", GC_OPT_INT, offsetof(struct gc_batcher_settings, max_size), "0", 0, 1e12,
	  "never more in one send; larger requests are split (0: no limit)" },
	{ 0 },
};

const struct gc_option gc_queue_options[] = {
	{ "enabled", GC_OPT_BOOL, offsetof(struct gc_queue_settings, enabled), "true",
	  .help = "false sends on the receiving thread and answers with the result" },
	{ "num_consumers", GC_OPT_INT, offsetof(struct gc_queue_settings, num_consumers), "10", 1,
	  256, "concurrent senders" },
	{ "sizer", GC_OPT_STRING, offsetof(struct gc_queue_settings, sizer), "requests",
	  .help = "unit of queue_size: requests, items (spans, log records, data points) or "
		  "bytes (OTLP protobuf)",
	  .choices = sizer_choices },
	{ "queue_size", GC_OPT_INT, offsetof(struct gc_queue_settings, queue_size), "1000", 1,
	  1e12, "what the exporter holds, queued and in flight, before new data is refused "
		"(UNAVAILABLE / 503), in the sizer's unit" },
	{ "batch", GC_OPT_SECTION, offsetof(struct gc_queue_settings, batch),
	  .sub = batcher_options, .present = offsetof(struct gc_queue_settings, batch_set),
	  .help = "join queued requests into larger sends (present: on)" },
	{ 0 },
};

int gc_exporter_settings_validate(const void *config, const struct gc_node *node,
				  const char *id, char **err)
{
	const struct gc_exporter_settings *settings = config;
	const struct gc_queue_settings *q = &settings->sending_queue;

	if (q->batch_set && !q->enabled)
		return gc_node_error(err, node, "%s: sending_queue.batch needs the queue "
				     "(sending_queue.enabled: true)", id);
	if (q->batch_set && q->batch.max_size && q->batch.max_size < q->batch.min_size)
		return gc_node_error(err, node, "%s: sending_queue.batch.max_size (%lld) must be 0 "
				     "or at least min_size (%lld)", id, (long long)q->batch.max_size,
				     (long long)q->batch.min_size);
	return GC_OK;
}

const struct gc_option gc_retry_options[] = {
	{ "enabled", GC_OPT_BOOL, offsetof(struct gc_retry_settings, enabled), "true" },
	{ "initial_interval", GC_OPT_DURATION,
	  offsetof(struct gc_retry_settings, initial_interval), "5s", 1e6, 3600e9,
	  "first backoff" },
	{ "max_interval", GC_OPT_DURATION, offsetof(struct gc_retry_settings, max_interval), "30s",
	  1e6, 3600e9, "backoff cap" },
	{ "max_elapsed_time", GC_OPT_DURATION,
	  offsetof(struct gc_retry_settings, max_elapsed_time), "300s", 0, 86400e9,
	  "give up on a batch after this long; 0 retries until shutdown" },
	{ "multiplier", GC_OPT_DOUBLE, offsetof(struct gc_retry_settings, multiplier), "1.5", 1,
	  10, "backoff growth per attempt" },
	{ "randomization_factor", GC_OPT_DOUBLE,
	  offsetof(struct gc_retry_settings, randomization_factor), "0.5", 0, 1,
	  "jitter: each delay is interval * (1 +- factor)" },
	{ 0 },
};

const char *gc_signal_items(enum gc_signal s)
{
	static const char *const names[] = { "spans", "log_records", "metric_points" };

	return (unsigned)s < GC_SIGNAL_COUNT ? names[s] : "items";
}

void gc_backoff_init(struct gc_backoff *b, const struct gc_retry_settings *s, uint64_t seed)
{
	b->settings = s;
	b->interval = s->initial_interval;
	b->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

static double rng_unit(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

int64_t gc_backoff_next(struct gc_backoff *b)
{
	const struct gc_retry_settings *s = b->settings;
	double f = s->randomization_factor;
	double delay = (double)b->interval * (1.0 - f + 2.0 * f * rng_unit(&b->rng));
	double next = (double)b->interval * s->multiplier;

	b->interval = next > (double)s->max_interval ? s->max_interval : (int64_t)next;
	return (int64_t)delay;
}

/* Per-signal counters: otelcol_exporter_{sent,send_failed,enqueue_failed}_<items>. */
struct signal_counters {
	gc_counter *sent, *failed, *enqueue_failed, *rejected;
};

struct gc_exporter {
	char *id;
	const struct gc_component_type *type;
	const struct gc_exporter_settings *settings;
	void *sender;
	struct gc_queue *queue;	     /* NULL: sending_queue.enabled is false */

	pthread_mutex_t lock;	     /* guards abandon and deadline for the backoff sleeps */
	pthread_cond_t wake;	     /* interrupts backoff sleeps on drain deadline */
	bool abandon;		     /* deadline passed: stop retrying */
	int64_t deadline;	     /* CLOCK_MONOTONIC; 0: none yet */
	_Atomic size_t abandoned;    /* items dropped because the deadline passed */

	size_t n_threads;
	pthread_t *threads;
	struct signal_counters counters[GC_SIGNAL_COUNT];
	struct gc_gauge *size_gauge, *capacity_gauge;
	gc_histogram *send_size, *send_bytes; /* what one send carries */
};

/* Bounds of the send-size histograms in bytes: 1 KB to 64 MB. */
static const double byte_buckets[] = {
	1e3, 4e3, 16e3, 64e3, 256e3, 1e6, 2e6, 4e6, 8e6, 16e6, 32e6, 64e6,
};

const char *gc_exporter_id(const struct gc_exporter *e)
{
	return e->id;
}

static double gauge_size(void *arg)
{
	struct gc_exporter *e = arg;

	return e->queue ? (double)gc_queue_size(e->queue) : 0;
}

static double gauge_capacity(void *arg)
{
	struct gc_exporter *e = arg;

	return e->queue ? (double)e->queue->config.capacity : 0;
}

static void count_result(struct gc_exporter *e, const struct gc_request *r, bool ok,
			 const char *why)
{
	struct signal_counters *c = &e->counters[r->signal];

	if (ok) {
		gc_counter_add(c->sent, r->items);
		return;
	}
	gc_counter_add(c->failed, r->items);
	gc_warn(e->id, "dropped %zu %s: %s", r->items, gc_signal_items(r->signal), why);
}

/* Sleeps delay_ns unless the exporter is told to abandon, or its deadline
 * passes (which abandons). Lock held. */
static void sleep_locked(struct gc_exporter *e, int64_t delay_ns)
{
	int64_t until = gc_now_ns() + delay_ns;

	for (;;) {
		int64_t now = gc_now_ns(), end = until;
		struct timespec ts;

		if (e->deadline && now >= e->deadline)
			e->abandon = true;
		if (e->abandon || now >= until)
			return;
		if (e->deadline && e->deadline < end)
			end = e->deadline;
		ts.tv_sec = (time_t)(end / 1000000000LL);
		ts.tv_nsec = (long)(end % 1000000000LL);
		pthread_cond_timedwait(&e->wake, &e->lock, &ts);
	}
}

/* True once the exporter gives up: told to, or its deadline passed. */
static bool abandoning(struct gc_exporter *e)
{
	bool a;

	pthread_mutex_lock(&e->lock);
	if (e->deadline && gc_now_ns() >= e->deadline)
		e->abandon = true;
	a = e->abandon;
	pthread_mutex_unlock(&e->lock);
	return a;
}

/* Counts r as dropped because the shutdown deadline passed. */
static void give_up(struct gc_exporter *e, const struct gc_request *r, const char *why)
{
	atomic_fetch_add(&e->abandoned, r->items);
	count_result(e, r, false, why);
}

/* Sends one request with retries; the same bytes go out on every attempt.
 * Never takes the request's reference. GC_OK once sent, GC_ERROR when the
 * backend refused it for good, GC_FULL when it could not be sent in time (a
 * client that is told may retry). */
static int send_with_retry(struct gc_exporter *e, struct gc_request *r, uint64_t seed)
{
	const struct gc_retry_settings *rs = &e->settings->retry_on_failure;
	struct gc_backoff backoff;
	int64_t start = gc_now_ns();

	gc_backoff_init(&backoff, rs, seed);
	for (int attempt = 1;; attempt++) {
		struct gc_send_result res = { 0 };
		char *err = NULL;
		int rc = e->type->exporter->send(e->sender, r, &res, &err);
		int64_t delay;

		if (rc == GC_OK) {
			count_result(e, r, true, NULL);
			if (res.rejected_items)
				gc_counter_add(e->counters[r->signal].rejected, res.rejected_items);
			if (res.rejected_items || res.rejected_message)
				gc_warn(e->id, "backend rejected %zu of %zu %s: %s",
					res.rejected_items, r->items, gc_signal_items(r->signal),
					res.rejected_message ? res.rejected_message : "");
			free(res.rejected_message);
			return GC_OK;
		}
		free(res.rejected_message);
		if (rc != GC_RETRY || !rs->enabled) {
			count_result(e, r, false, err ? err : "permanent error");
			free(err);
			return rc == GC_RETRY ? GC_FULL : GC_ERROR;
		}
		delay = gc_backoff_next(&backoff);
		if (res.retry_after_ns > delay)
			delay = res.retry_after_ns;
		if (rs->max_elapsed_time && gc_now_ns() + delay - start > rs->max_elapsed_time) {
			char why[512];

			snprintf(why, sizeof(why), "giving up after %d attempts: %s", attempt,
				 err ? err : "?");
			count_result(e, r, false, why);
			free(err);
			return GC_FULL;
		}
		gc_debug(e->id, "attempt %d failed (%s); retrying in %lld ms", attempt,
			 err ? err : "?", (long long)(delay / 1000000));
		if (attempt == 1)
			gc_info(e->id, "send failed, will retry: %s", err ? err : "?");
		free(err);
		pthread_mutex_lock(&e->lock);
		sleep_locked(e, delay);
		if (e->abandon) {
			pthread_mutex_unlock(&e->lock);
			give_up(e, r, "shutdown deadline reached while retrying");
			return GC_FULL;
		}
		pthread_mutex_unlock(&e->lock);
	}
}

static void send_request(struct gc_exporter *e, struct gc_request *r, uint64_t seed);

/* A request above max_size (items, or bytes with the bytes sizer) goes out in
 * pieces: decoded, split by items, each piece encoded and sent on its own (and
 * split again when its items were larger than average). */
static void send_split(struct gc_exporter *e, struct gc_request *r, size_t max_items,
		       uint64_t seed)
{
	char *err = NULL;
	struct gc_batch *b = gc_request_decode(r, &err), **pieces = NULL;
	size_t n, left = r->items;

	if (!b) {
		count_result(e, r, false, err ? err : "out of memory splitting a request");
		free(err);
		return;
	}
	n = gc_batch_split(b, max_items, &pieces);
	for (size_t i = 0; i < n; i++) {
		struct gc_request *piece;

		pieces[i]->metadata = (struct gc_metadata *)r->metadata; /* read only; r outlives */
		piece = gc_request_encode(pieces[i]);

		if (!piece) {
			struct gc_request rest = { .signal = r->signal, .items = left };

			count_result(e, &rest, false, "out of memory splitting a request");
			for (; i < n; i++)
				gc_batch_unref(pieces[i]);
			break;
		}
		left -= piece->items;
		gc_batch_unref(pieces[i]);
		send_request(e, piece, seed++);
		gc_request_unref(piece);
	}
	if (!n) {
		struct gc_request rest = { .signal = r->signal, .items = left };

		count_result(e, &rest, false, "out of memory splitting a request");
	}
	free(pieces);
}

/* The most items one send may carry, for a request of r's size. */
static size_t split_items(const struct gc_exporter *e, const struct gc_request *r)
{
	const struct gc_queue_config *c = &e->queue->config;
	size_t pieces;

	if (!c->batching || !c->max_size)
		return 0;
	if (c->batch_sizer == GC_SIZER_ITEMS)
		return r->items > c->max_size ? c->max_size : 0;
	if (r->len <= c->max_size || r->items < 2)
		return 0;
	pieces = (r->len + c->max_size - 1) / c->max_size;
	return (r->items + pieces - 1) / pieces;
}

/* Sends r, in pieces when it is above max_size. A piece split again has at
 * most half its parent's items, so the recursion is at most log2(items) deep. */
static void send_request(struct gc_exporter *e, struct gc_request *r, uint64_t seed)
{
	size_t max_items = split_items(e, r);

	if (max_items) {
		send_split(e, r, max_items, seed);
		return;
	}
	gc_histogram_observe(e->send_size, (double)r->items);
	gc_histogram_observe(e->send_bytes, (double)r->len);
	send_with_retry(e, r, seed);
}

/* Sends what one pop took: one request as it is, several joined into one. */
static void send_popped(struct gc_exporter *e, struct gc_queue_batch *b, uint64_t seed)
{
	struct gc_request *r = b->n == 1 ? gc_request_ref(b->reqs[0])
					 : gc_request_join(b->reqs, b->n);

	if (!r) { /* out of memory: send them one by one */
		for (size_t i = 0; i < b->n; i++)
			send_request(e, b->reqs[i], seed++);
		return;
	}
	send_request(e, r, seed);
	gc_request_unref(r);
}

static void *consumer_main(void *arg)
{
	struct gc_exporter *e = arg;
	uint64_t seed = (uint64_t)(uintptr_t)&seed ^ (uint64_t)gc_now_ns();
	struct gc_queue_batch b = { 0 };

	while (gc_queue_pop(e->queue, &b)) {
		if (abandoning(e)) {
			for (size_t i = 0; i < b.n; i++)
				give_up(e, b.reqs[i], "shutdown deadline reached while queued");
		} else {
			send_popped(e, &b, seed);
			seed += 0x9e3779b97f4a7c15ULL;
		}
		gc_queue_ack(e->queue, &b);
	}
	gc_queue_batch_free(&b);
	return NULL;
}

static void register_metrics(struct gc_exporter *e)
{
	char labels[256], name[128];

	snprintf(labels, sizeof(labels), "exporter=\"%s\"", e->id);
	for (int s = 0; s < GC_SIGNAL_COUNT; s++) {
		const char *items = gc_signal_items(s);

		if (!(e->type->signals & GC_SIGNAL_BIT(s)))
			continue;
		snprintf(name, sizeof(name), "otelcol_exporter_sent_%s", items);
		e->counters[s].sent = gc_metrics_counter(name, "Items successfully sent.", labels);
		snprintf(name, sizeof(name), "otelcol_exporter_send_failed_%s", items);
		e->counters[s].failed = gc_metrics_counter(
			name, "Items that could not be sent (permanent error, retries exhausted "
			"or shutdown).", labels);
		snprintf(name, sizeof(name), "otelcol_exporter_enqueue_failed_%s", items);
		e->counters[s].enqueue_failed = gc_metrics_counter(
			name, "Items refused because the sending queue was full.", labels);
		snprintf(name, sizeof(name), "genai_collector_exporter_rejected_%s_total", items);
		e->counters[s].rejected = gc_metrics_counter(
			name, "Items the backend refused in a partial-success response.", labels);
	}
	e->send_size = gc_metrics_histogram(
		"otelcol_exporter_queue_batch_send_size",
		"Items per send out of the sending queue (after batching).", labels,
		gc_metrics_size_buckets, gc_metrics_size_buckets_n);
	e->send_bytes = gc_metrics_histogram(
		"otelcol_exporter_queue_batch_send_size_bytes",
		"OTLP bytes per send out of the sending queue (after batching).", labels,
		byte_buckets, sizeof(byte_buckets) / sizeof(byte_buckets[0]));
	e->size_gauge = gc_metrics_gauge("otelcol_exporter_queue_size",
					 "What the sending queue holds, waiting and being sent, in its sizer's unit.",
					 labels, gauge_size, e);
	e->capacity_gauge = gc_metrics_gauge("otelcol_exporter_queue_capacity",
					     "Capacity of the sending queue, in its sizer's unit.",
					     labels, gauge_capacity, e);
}

static enum gc_sizer parse_sizer(const char *s)
{
	if (s && !strcmp(s, "items"))
		return GC_SIZER_ITEMS;
	if (s && !strcmp(s, "bytes"))
		return GC_SIZER_BYTES;
	return GC_SIZER_REQUESTS;
}

static struct gc_queue_config queue_config(const struct gc_queue_settings *s)
{
	struct gc_queue_config c = {
		.sizer = parse_sizer(s->sizer),
		.capacity = (size_t)s->queue_size,
		.batching = s->batch_set,
		.flush_timeout = s->batch.flush_timeout,
		.min_size = (size_t)s->batch.min_size,
		.max_size = (size_t)s->batch.max_size,
	};

	c.batch_sizer = c.sizer == GC_SIZER_BYTES ? GC_SIZER_BYTES : GC_SIZER_ITEMS;
	return c;
}

static int start_consumers(struct gc_exporter *e, char **err)
{
	struct gc_queue_config qc = queue_config(&e->settings->sending_queue);

	e->queue = gc_queue_memory_new(&qc);
	e->n_threads = (size_t)e->settings->sending_queue.num_consumers;
	e->threads = calloc(e->n_threads, sizeof(*e->threads));
	if (!e->queue || !e->threads) {
		e->n_threads = 0;
		return gc_set_err(err, "%s: out of memory", e->id);
	}
	for (size_t i = 0; i < e->n_threads; i++) {
		if (pthread_create(&e->threads[i], NULL, consumer_main, e)) {
			e->n_threads = i;
			return gc_set_err(err, "%s: cannot start sender threads", e->id);
		}
	}
	return GC_OK;
}

struct gc_exporter *gc_exporter_create(const struct gc_component_config *comp, char **err)
{
	struct gc_exporter *e = calloc(1, sizeof(*e));
	pthread_condattr_t ca;

	if (!e || !(e->id = strdup(comp->id))) {
		free(e);
		gc_set_err(err, "out of memory");
		return NULL;
	}
	e->type = comp->type;
	e->settings = comp->options;
	pthread_mutex_init(&e->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->wake, &ca);
	pthread_condattr_destroy(&ca);
	e->sender = e->type->exporter->create(comp->id, comp->options, err);
	if (!e->sender)
		goto fail;
	register_metrics(e);
	if (e->settings->sending_queue.enabled && start_consumers(e, err))
		goto fail;
	return e;
fail:
	gc_exporter_drain(e, 0);
	gc_exporter_destroy(e);
	return NULL;
}

int gc_exporter_reserve(struct gc_exporter *e, const struct gc_load *load)
{
	return e->queue ? gc_queue_reserve(e->queue, load) : GC_OK;
}

void gc_exporter_release(struct gc_exporter *e, const struct gc_load *load)
{
	if (e->queue)
		gc_queue_release(e->queue, load);
}

void gc_exporter_refused(struct gc_exporter *e, enum gc_signal signal, size_t items)
{
	if (e->counters[signal].enqueue_failed)
		gc_counter_add(e->counters[signal].enqueue_failed, items);
}

int gc_exporter_push(struct gc_exporter *e, struct gc_request *req,
		     const struct gc_load *reserved)
{
	int rc = GC_FULL;

	if (e->queue) {
		gc_queue_push(e->queue, req, reserved);
		return GC_OK;
	}
	if (abandoning(e))
		give_up(e, req, "shutdown deadline reached");
	else
		rc = send_with_retry(e, req, (uint64_t)gc_now_ns());
	gc_request_unref(req);
	return rc;
}

void gc_exporter_set_deadline(struct gc_exporter *e, int64_t deadline_ns)
{
	pthread_mutex_lock(&e->lock);
	e->deadline = deadline_ns;
	pthread_cond_broadcast(&e->wake);
	pthread_mutex_unlock(&e->lock);
}

size_t gc_exporter_drain(struct gc_exporter *e, int64_t deadline_ns)
{
	struct timespec tick = { 0, 10 * 1000000 };

	if (e->queue) {
		gc_queue_stop(e->queue);
		/* Queued and in-flight requests get until the deadline; then the
		 * consumers abandon retries and drop what is left, counting it. */
		while (!gc_queue_idle(e->queue) && gc_now_ns() < deadline_ns)
			nanosleep(&tick, NULL);
	}
	pthread_mutex_lock(&e->lock);
	e->abandon = true;
	pthread_cond_broadcast(&e->wake);
	pthread_mutex_unlock(&e->lock);
	for (size_t i = 0; i < e->n_threads; i++)
		pthread_join(e->threads[i], NULL);
	e->n_threads = 0;
	return atomic_load(&e->abandoned);
}

void gc_exporter_destroy(struct gc_exporter *e)
{
	if (!e)
		return;
	gc_metrics_gauge_remove(e->size_gauge);
	gc_metrics_gauge_remove(e->capacity_gauge);
	if (e->sender)
		e->type->exporter->destroy(e->sender);
	gc_queue_destroy(e->queue);
	free(e->threads);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->wake);
	free(e->id);
	free(e);
}
