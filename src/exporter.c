#include "exporter.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "telemetry.h"

const struct gc_option gc_queue_options[] = {
	{ "enabled", GC_OPT_BOOL, offsetof(struct gc_queue_settings, enabled), "true",
	  .help = "false sends on the receiving thread and answers with the result" },
	{ "num_consumers", GC_OPT_INT, offsetof(struct gc_queue_settings, num_consumers), "10", 1,
	  256, "concurrent senders" },
	{ "queue_size", GC_OPT_INT, offsetof(struct gc_queue_settings, queue_size), "1000", 1,
	  10000000, "batches held before new data is refused (UNAVAILABLE / 503)" },
	{ 0 },
};

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

struct queue_item {
	struct gc_batch *batch;
	struct queue_item *next;
};

/* Per-signal counters: otelcol_exporter_{sent,send_failed,enqueue_failed}_<items>. */
struct signal_counters {
	gc_counter *sent, *failed, *enqueue_failed, *rejected;
};

struct gc_exporter {
	char *id;
	const struct gc_component_type *type;
	const struct gc_exporter_settings *settings;
	void *sender;

	pthread_mutex_t lock;
	pthread_cond_t not_empty; /* consumers wait here */
	pthread_cond_t wake;	  /* interrupts backoff sleeps on drain deadline */
	struct queue_item *head, **tail;
	size_t queued;		  /* items in the list */
	size_t reserved;	  /* slots promised by reserve, not yet pushed */
	size_t in_flight;	  /* batches a consumer is sending */
	size_t capacity;
	bool stopping;		  /* no new data; consumers exit when empty */
	bool abandon;		  /* deadline passed: stop retrying */
	_Atomic size_t abandoned; /* items dropped because the deadline passed */

	size_t n_threads;
	pthread_t *threads;
	struct signal_counters counters[GC_SIGNAL_COUNT];
	struct gc_gauge *size_gauge, *capacity_gauge;
};

const char *gc_exporter_id(const struct gc_exporter *e)
{
	return e->id;
}

static double gauge_size(void *arg)
{
	struct gc_exporter *e = arg;
	size_t n;

	pthread_mutex_lock(&e->lock);
	n = e->queued;
	pthread_mutex_unlock(&e->lock);
	return (double)n;
}

static double gauge_capacity(void *arg)
{
	return (double)((struct gc_exporter *)arg)->capacity;
}

static void count_result(struct gc_exporter *e, struct gc_batch *b, bool ok, const char *why)
{
	struct signal_counters *c = &e->counters[b->signal];

	if (ok) {
		gc_counter_add(c->sent, b->items);
		return;
	}
	gc_counter_add(c->failed, b->items);
	gc_warn(e->id, "dropped %zu %s: %s", b->items, gc_signal_items(b->signal), why);
}

/* Sleeps until deadline unless the exporter is told to abandon. Lock held. */
static void sleep_locked(struct gc_exporter *e, int64_t delay_ns)
{
	struct timespec ts;
	int64_t until;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	until = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec + delay_ns;
	ts.tv_sec = until / 1000000000LL;
	ts.tv_nsec = until % 1000000000LL;
	while (!e->abandon && gc_now_ns() < until)
		if (pthread_cond_timedwait(&e->wake, &e->lock, &ts) == ETIMEDOUT)
			break;
}

/* Sends one batch with retries; never takes the batch's reference. */
static void send_with_retry(struct gc_exporter *e, struct gc_batch *b, uint64_t seed)
{
	const struct gc_retry_settings *r = &e->settings->retry_on_failure;
	struct gc_backoff backoff;
	int64_t start = gc_now_ns();

	gc_backoff_init(&backoff, r, seed);
	for (int attempt = 1;; attempt++) {
		struct gc_send_result res = { 0 };
		char *err = NULL;
		int rc = e->type->exporter->send(e->sender, b, &res, &err);
		int64_t delay;

		if (rc == GC_OK) {
			count_result(e, b, true, NULL);
			if (res.rejected_items)
				gc_counter_add(e->counters[b->signal].rejected, res.rejected_items);
			if (res.rejected_items || res.rejected_message)
				gc_warn(e->id, "backend rejected %zu of %zu %s: %s",
					res.rejected_items, b->items, gc_signal_items(b->signal),
					res.rejected_message ? res.rejected_message : "");
			free(res.rejected_message);
			return;
		}
		free(res.rejected_message);
		if (rc != GC_RETRY || !r->enabled) {
			count_result(e, b, false, err ? err : "permanent error");
			free(err);
			return;
		}
		delay = gc_backoff_next(&backoff);
		if (res.retry_after_ns > delay)
			delay = res.retry_after_ns;
		if (r->max_elapsed_time && gc_now_ns() + delay - start > r->max_elapsed_time) {
			char why[512];

			snprintf(why, sizeof(why), "giving up after %d attempts: %s", attempt,
				 err ? err : "?");
			count_result(e, b, false, why);
			free(err);
			return;
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
			atomic_fetch_add(&e->abandoned, b->items);
			count_result(e, b, false, "shutdown deadline reached while retrying");
			return;
		}
		pthread_mutex_unlock(&e->lock);
	}
}

static void *consumer_main(void *arg)
{
	struct gc_exporter *e = arg;
	uint64_t seed = (uint64_t)(uintptr_t)&seed ^ (uint64_t)gc_now_ns();

	pthread_mutex_lock(&e->lock);
	for (;;) {
		struct queue_item *it;

		while (!e->head && !e->stopping)
			pthread_cond_wait(&e->not_empty, &e->lock);
		if (!e->head)
			break; /* stopping and empty */
		it = e->head;
		e->head = it->next;
		if (!e->head)
			e->tail = &e->head;
		e->queued--;
		e->in_flight++;
		if (e->abandon) {
			pthread_mutex_unlock(&e->lock);
			atomic_fetch_add(&e->abandoned, it->batch->items);
			count_result(e, it->batch, false, "shutdown deadline reached while queued");
		} else {
			pthread_mutex_unlock(&e->lock);
			send_with_retry(e, it->batch, seed++);
		}
		gc_batch_unref(it->batch);
		free(it);
		pthread_mutex_lock(&e->lock);
		e->in_flight--;
	}
	pthread_mutex_unlock(&e->lock);
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
	e->size_gauge = gc_metrics_gauge("otelcol_exporter_queue_size",
					 "Batches waiting in the sending queue.", labels,
					 gauge_size, e);
	e->capacity_gauge = gc_metrics_gauge("otelcol_exporter_queue_capacity",
					     "Capacity of the sending queue, in batches.", labels,
					     gauge_capacity, e);
}

struct gc_exporter *gc_exporter_create(const struct gc_component_config *comp, char **err)
{
	struct gc_exporter *e = calloc(1, sizeof(*e));

	if (!e) {
		gc_set_err(err, "out of memory");
		return NULL;
	}
	e->id = strdup(comp->id);
	e->type = comp->type;
	e->settings = comp->options;
	e->tail = &e->head;
	e->capacity = (size_t)e->settings->sending_queue.queue_size;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->not_empty, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&e->wake, &ca);
		pthread_condattr_destroy(&ca);
	}
	e->sender = e->type->exporter->create(comp->id, comp->options, err);
	if (!e->sender) {
		gc_exporter_destroy(e);
		return NULL;
	}
	register_metrics(e);
	if (e->settings->sending_queue.enabled) {
		e->n_threads = (size_t)e->settings->sending_queue.num_consumers;
		e->threads = calloc(e->n_threads, sizeof(*e->threads));
		for (size_t i = 0; i < e->n_threads; i++) {
			if (pthread_create(&e->threads[i], NULL, consumer_main, e)) {
				e->n_threads = i;
				gc_set_err(err, "%s: cannot start sender threads", e->id);
				gc_exporter_drain(e, 0);
				gc_exporter_destroy(e);
				return NULL;
			}
		}
	}
	return e;
}

bool gc_exporter_reserve(struct gc_exporter *e)
{
	bool ok;

	if (!e->settings->sending_queue.enabled)
		return true;
	pthread_mutex_lock(&e->lock);
	ok = !e->stopping && e->queued + e->reserved < e->capacity;
	if (ok)
		e->reserved++;
	pthread_mutex_unlock(&e->lock);
	return ok;
}

void gc_exporter_refused(struct gc_exporter *e, const struct gc_batch *batch)
{
	if (e->counters[batch->signal].enqueue_failed)
		gc_counter_add(e->counters[batch->signal].enqueue_failed, batch->items);
}

void gc_exporter_unreserve(struct gc_exporter *e)
{
	if (!e->settings->sending_queue.enabled)
		return;
	pthread_mutex_lock(&e->lock);
	e->reserved--;
	pthread_mutex_unlock(&e->lock);
}

void gc_exporter_push(struct gc_exporter *e, struct gc_batch *batch)
{
	struct queue_item *it;

	if (!e->settings->sending_queue.enabled) {
		send_with_retry(e, batch, (uint64_t)gc_now_ns());
		gc_batch_unref(batch);
		return;
	}
	it = malloc(sizeof(*it));
	if (!it)
		abort();
	it->batch = batch;
	it->next = NULL;
	pthread_mutex_lock(&e->lock);
	e->reserved--;
	*e->tail = it;
	e->tail = &it->next;
	e->queued++;
	pthread_cond_signal(&e->not_empty);
	pthread_mutex_unlock(&e->lock);
}

size_t gc_exporter_drain(struct gc_exporter *e, int64_t deadline_ns)
{
	struct timespec tick = { 0, 10 * 1000000 };

	pthread_mutex_lock(&e->lock);
	e->stopping = true;
	pthread_cond_broadcast(&e->not_empty);
	/* Queued and in-flight batches get until the deadline; then the consumers
	 * abandon retries and drop what is left, counting it. */
	while ((e->head || e->in_flight) && gc_now_ns() < deadline_ns) {
		pthread_mutex_unlock(&e->lock);
		nanosleep(&tick, NULL);
		pthread_mutex_lock(&e->lock);
	}
	e->abandon = true;
	pthread_cond_broadcast(&e->wake);
	pthread_cond_broadcast(&e->not_empty);
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
	while (e->head) {
		struct queue_item *it = e->head;

		e->head = it->next;
		gc_batch_unref(it->batch);
		free(it);
	}
	free(e->threads);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->not_empty);
	pthread_cond_destroy(&e->wake);
	free(e->id);
	free(e);
}
