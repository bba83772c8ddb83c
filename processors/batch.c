/* Processor batch: groups what arrives into batches of send_batch_size items, or
 * whatever arrived within timeout, and splits anything above
 * send_batch_max_size. Emits on the caller's thread when a batch fills and from
 * its own timer thread otherwise.
 *
 * Nothing is lost silently: when the next stage refuses (a full queue), ready
 * batches stay here and are offered again on the next tick, and new data is
 * refused with GC_FULL while more than max_held items wait, so backpressure
 * reaches the client. On shutdown, what cannot be delivered by the deadline is
 * counted as dropped. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component.h"
#include "exporter.h"
#include "log.h"
#include "telemetry.h"

struct batch_config {
	int64_t send_batch_size;
	int64_t send_batch_max_size;
	int64_t timeout; /* ns */
};

static const struct gc_option batch_options[] = {
	{ "send_batch_size", GC_OPT_INT, offsetof(struct batch_config, send_batch_size), "8192",
	  1, 10000000, "items that trigger an emit" },
	{ "send_batch_max_size", GC_OPT_INT, offsetof(struct batch_config, send_batch_max_size),
	  "0", 0, 10000000, "larger batches are split; 0 means no limit" },
	{ "timeout", GC_OPT_DURATION, offsetof(struct batch_config, timeout), "200ms", 1e6, 3600e9,
	  "emit whatever arrived after this long" },
	{ 0 },
};

struct batch_proc {
	struct gc_consumer base;
	char *id;
	const struct batch_config *config;
	struct gc_consumer *next;
	enum gc_signal signal;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t timer;
	bool timer_running, stopping;

	struct gc_batch **pending; /* arrived, not yet merged */
	size_t n_pending, cap_pending, pending_items;
	int64_t first_pending_ns;
	struct gc_batch **ready; /* merged and split, waiting for the next stage */
	size_t n_ready, cap_ready, ready_items;

	gc_counter *dropped, *refused;
};

static int batch_validate(const void *config, const struct gc_node *node, const char *id,
			  char **err)
{
	const struct batch_config *c = config;

	if (c->send_batch_max_size && c->send_batch_max_size < c->send_batch_size)
		return gc_node_error(err, node,
				     "%s: send_batch_max_size (%lld) must be 0 or at least "
				     "send_batch_size (%lld)", id, (long long)c->send_batch_max_size,
				     (long long)c->send_batch_size);
	return GC_OK;
}

static size_t max_held(const struct batch_proc *b)
{
	int64_t unit = b->config->send_batch_max_size ? b->config->send_batch_max_size
						       : b->config->send_batch_size;

	return (size_t)unit * 4;
}

static void push_ready(struct batch_proc *b, struct gc_batch *piece)
{
	if (b->n_ready == b->cap_ready) {
		b->cap_ready = b->cap_ready ? b->cap_ready * 2 : 8;
		b->ready = realloc(b->ready, b->cap_ready * sizeof(*b->ready));
		if (!b->ready)
			abort();
	}
	b->ready[b->n_ready++] = piece;
	b->ready_items += piece->items;
}

/* Lock held. Merges pending into ready pieces. */
static void cut(struct batch_proc *b)
{
	struct gc_batch *merged, **pieces;
	size_t n;

	if (!b->n_pending)
		return;
	merged = b->n_pending == 1 ? b->pending[0] : gc_batch_merge(b->pending, b->n_pending);
	b->n_pending = 0;
	b->pending_items = 0;
	if (!merged) {
		gc_error(b->id, "out of memory merging batches");
		return;
	}
	n = gc_batch_split(merged, (size_t)b->config->send_batch_max_size, &pieces);
	for (size_t i = 0; i < n; i++)
		push_ready(b, pieces[i]);
	free(pieces);
}

/* Lock held. Offers ready pieces in order until the next stage refuses one. */
static void emit_ready(struct batch_proc *b)
{
	size_t done = 0;

	while (done < b->n_ready) {
		struct gc_batch *piece = b->ready[done];
		char *err = NULL;
		int rc = gc_consume(b->next, gc_batch_ref(piece), &err);

		if (rc == GC_FULL) {
			free(err);
			break;
		}
		if (rc != GC_OK) {
			gc_counter_add(b->dropped, piece->items);
			gc_warn(b->id, "next stage refused %zu items: %s", piece->items,
				err ? err : "?");
		}
		free(err);
		b->ready_items -= piece->items;
		gc_batch_unref(piece);
		done++;
	}
	if (!done)
		return;
	memmove(b->ready, b->ready + done, (b->n_ready - done) * sizeof(*b->ready));
	b->n_ready -= done;
}

static int batch_consume(struct gc_consumer *self, struct gc_batch *batch, char **err)
{
	struct batch_proc *b = (struct batch_proc *)self;

	pthread_mutex_lock(&b->lock);
	if (b->stopping || b->pending_items + b->ready_items >= max_held(b)) {
		pthread_mutex_unlock(&b->lock);
		gc_counter_add(b->refused, batch->items);
		gc_batch_unref(batch);
		return gc_set_err(err, "%s: downstream is full", b->id), GC_FULL;
	}
	if (b->n_pending == b->cap_pending) {
		b->cap_pending = b->cap_pending ? b->cap_pending * 2 : 16;
		b->pending = realloc(b->pending, b->cap_pending * sizeof(*b->pending));
		if (!b->pending)
			abort();
	}
	if (!b->n_pending)
		b->first_pending_ns = gc_now_ns();
	b->pending[b->n_pending++] = batch;
	b->pending_items += batch->items;
	if (b->pending_items >= (size_t)b->config->send_batch_size) {
		cut(b);
		emit_ready(b);
	}
	pthread_mutex_unlock(&b->lock);
	return GC_OK;
}

static void *timer_main(void *arg)
{
	struct batch_proc *b = arg;
	int64_t tick = b->config->timeout;

	pthread_mutex_lock(&b->lock);
	while (!b->stopping) {
		struct timespec ts;
		int64_t now = gc_now_ns(), wake = now + tick;

		if (b->n_pending && b->first_pending_ns + tick > now)
			wake = b->first_pending_ns + tick;
		ts.tv_sec = wake / 1000000000LL;
		ts.tv_nsec = wake % 1000000000LL;
		pthread_cond_timedwait(&b->cond, &b->lock, &ts);
		if (b->stopping)
			break;
		if (b->n_pending && gc_now_ns() - b->first_pending_ns >= tick)
			cut(b);
		emit_ready(b);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

static struct gc_consumer *batch_consumer(void *self)
{
	return &((struct batch_proc *)self)->base;
}

static void *batch_create(const char *id, const void *config, enum gc_signal signal,
			  struct gc_consumer *next, char **err)
{
	struct batch_proc *b = calloc(1, sizeof(*b));
	pthread_condattr_t ca;
	char labels[256];

	b->base.consume = batch_consume;
	b->id = strdup(id);
	b->config = config;
	b->next = next;
	b->signal = signal;
	pthread_mutex_init(&b->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->cond, &ca);
	pthread_condattr_destroy(&ca);
	snprintf(labels, sizeof(labels), "processor=\"%s\",reason=\"shutdown\"", id);
	b->dropped = gc_metrics_counter("genai_collector_processor_dropped_items_total",
					"Items a processor accepted but could not deliver.", labels);
	snprintf(labels, sizeof(labels), "processor=\"%s\"", id);
	b->refused = gc_metrics_counter("genai_collector_processor_refused_items_total",
					"Items refused with backpressure (the client retries).",
					labels);
	if (pthread_create(&b->timer, NULL, timer_main, b)) {
		gc_set_err(err, "%s: cannot start its timer thread", id);
		free(b->id);
		free(b);
		return NULL;
	}
	b->timer_running = true;
	return b;
}

/* Emits everything held, retrying refusals until deadline (the service's
 * shutdown_timeout), then counts and returns what is left. */
static size_t batch_shutdown(void *self, int64_t deadline)
{
	struct batch_proc *b = self;
	size_t dropped = 0;

	pthread_mutex_lock(&b->lock);
	b->stopping = true;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	if (b->timer_running)
		pthread_join(b->timer, NULL);
	b->timer_running = false;
	pthread_mutex_lock(&b->lock);
	cut(b);
	for (;;) {
		struct timespec tick = { 0, 20 * 1000000 };

		emit_ready(b);
		if (!b->n_ready || gc_now_ns() >= deadline)
			break;
		pthread_mutex_unlock(&b->lock);
		nanosleep(&tick, NULL);
		pthread_mutex_lock(&b->lock);
	}
	for (size_t i = 0; i < b->n_ready; i++) {
		dropped += b->ready[i]->items;
		gc_batch_unref(b->ready[i]);
	}
	b->n_ready = 0;
	pthread_mutex_unlock(&b->lock);
	if (dropped) {
		gc_counter_add(b->dropped, dropped);
		gc_warn(b->id, "dropped %zu items at shutdown: the next stage stayed full until "
			"the grace period ended", dropped);
	}
	return dropped;
}

static void batch_destroy(void *self)
{
	struct batch_proc *b = self;

	if (b->timer_running)
		batch_shutdown(b, gc_now_ns());
	for (size_t i = 0; i < b->n_pending; i++)
		gc_batch_unref(b->pending[i]);
	for (size_t i = 0; i < b->n_ready; i++)
		gc_batch_unref(b->ready[i]);
	free(b->pending);
	free(b->ready);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
	free(b->id);
	free(b);
}

static const struct gc_processor_ops batch_ops = {
	.create = batch_create,
	.consumer = batch_consumer,
	.shutdown = batch_shutdown,
	.destroy = batch_destroy,
};

const struct gc_component_type gc_processor_batch = {
	.name = "batch",
	.kind = GC_KIND_PROCESSOR,
	.signals = GC_SIGNAL_BIT(GC_SIGNAL_TRACES) | GC_SIGNAL_BIT(GC_SIGNAL_LOGS) |
		   GC_SIGNAL_BIT(GC_SIGNAL_METRICS),
	.help = "groups data into batches by size and time before the exporters",
	.config_size = sizeof(struct batch_config),
	.options = batch_options,
	.validate = batch_validate,
	.processor = &batch_ops,
};
