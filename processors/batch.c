/* Processor batch, kept for otelcol configs (batching belongs to the
 * exporters' sending_queue.batch). Groups what arrives into batches of
 * send_batch_size items, or whatever arrived within timeout, and splits
 * anything above send_batch_max_size.
 *
 * It holds data: like otelcol's, it acknowledges on receipt, before the data
 * reaches any exporter. It emits on the thread whose data filled a batch, or
 * from the core's timer, never under its lock, and reserves room ahead before
 * handing a batch on: when there is none the batch stays here, nothing ahead
 * has run on it, and it is offered again shortly. New data is refused
 * (backpressure to the client) while max_held items wait. What cannot be
 * delivered by the shutdown deadline is counted as dropped. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component.h"
#include "timer.h"
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
	struct gc_timer *timer;

	pthread_mutex_t lock;
	bool stopping, emitting;
	struct gc_batch **pending; /* arrived, not yet merged */
	size_t n_pending, cap_pending, pending_items, pending_bytes;
	size_t reserved_items, reserved_slots; /* promised to reservations */
	int64_t first_pending_ns;
	struct gc_batch **ready; /* merged and split, waiting for room ahead */
	size_t n_ready, cap_ready, ready_items, ready_bytes;

	gc_counter *dropped_shutdown, *dropped_refused, *refused;
	gc_counter *size_trigger, *timeout_trigger;
	gc_histogram *send_size;
	struct gc_gauge *held_items, *held_bytes;
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

/* Lock held. Room for one more entry in *v, or GC_ERROR. */
static int grow(struct gc_batch ***v, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 16;
	struct gc_batch **grown;

	if (need <= *cap)
		return GC_OK;
	while (n < need)
		n *= 2;
	grown = realloc(*v, n * sizeof(**v));
	if (!grown)
		return GC_ERROR;
	*v = grown;
	*cap = n;
	return GC_OK;
}

/* Lock held. Merges pending into ready pieces. The ready list grows as
 * needed; if it cannot, what was pending is counted as dropped. */
static void cut(struct batch_proc *b)
{
	struct gc_batch *merged, **pieces = NULL;
	size_t n, items = b->pending_items;

	if (!b->n_pending)
		return;
	merged = b->n_pending == 1 ? b->pending[0] : gc_batch_merge(b->pending, b->n_pending);
	b->n_pending = 0;
	b->pending_items = 0;
	b->pending_bytes = 0;
	n = merged ? gc_batch_split(merged, (size_t)b->config->send_batch_max_size, &pieces) : 0;
	if (!n || grow(&b->ready, &b->cap_ready, b->n_ready + n)) {
		for (size_t i = 0; i < n; i++)
			gc_batch_unref(pieces[i]);
		free(pieces);
		gc_counter_add(b->dropped_refused, items);
		gc_error(b->id, "out of memory: dropped %zu items", items);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		b->ready[b->n_ready++] = pieces[i];
		b->ready_items += pieces[i]->items;
		b->ready_bytes += pieces[i]->bytes;
	}
	free(pieces);
}

/* Offers ready pieces in order until there is no room ahead; one thread at a
 * time, with the lock released while a piece goes on. Returns true when some
 * stayed for lack of room. */
static bool emit(struct batch_proc *b)
{
	bool blocked = false;

	pthread_mutex_lock(&b->lock);
	if (b->emitting) {
		pthread_mutex_unlock(&b->lock);
		return false;
	}
	b->emitting = true;
	while (b->n_ready) {
		struct gc_batch *piece = b->ready[0]; /* only the emitter takes from the front */
		size_t items = piece->items, bytes = piece->bytes;
		char *err = NULL;
		int rc;

		pthread_mutex_unlock(&b->lock);
		rc = gc_reserve_and_consume(b->next, piece, &err);
		if (rc != GC_FULL)
			gc_histogram_observe(b->send_size, (double)items);
		if (rc == GC_ERROR) {
			gc_counter_add(b->dropped_refused, items);
			gc_warn(b->id, "next stage refused %zu items: %s", items, err ? err : "?");
		}
		free(err);
		pthread_mutex_lock(&b->lock);
		if (rc == GC_FULL) {
			blocked = true;
			break;
		}
		memmove(b->ready, b->ready + 1, (b->n_ready - 1) * sizeof(*b->ready));
		b->n_ready--;
		b->ready_items -= items;
		b->ready_bytes -= bytes;
	}
	b->emitting = false;
	pthread_mutex_unlock(&b->lock);
	return blocked;
}

static int batch_reserve(void *self, struct gc_reservation *r, char **err)
{
	struct batch_proc *b = self;
	size_t held;
	int rc = GC_OK;

	pthread_mutex_lock(&b->lock);
	held = b->pending_items + b->ready_items + b->reserved_items;
	/* When it holds nothing it takes any size, so a request larger than
	 * max_held is not refused for ever. */
	if (b->stopping || (held && held + r->load.items > max_held(b)))
		rc = GC_FULL;
	else if (grow(&b->pending, &b->cap_pending, b->n_pending + b->reserved_slots + 1))
		rc = GC_FULL;
	if (rc == GC_OK) {
		b->reserved_items += r->load.items;
		b->reserved_slots++;
	}
	pthread_mutex_unlock(&b->lock);
	if (rc != GC_OK) {
		if (!r->offered)
			gc_counter_add(b->refused, r->load.items);
		gc_set_err(err, "%s: downstream is full", b->id);
	}
	return rc;
}

static void batch_release(void *self, struct gc_reservation *r)
{
	struct batch_proc *b = self;

	pthread_mutex_lock(&b->lock);
	b->reserved_items -= r->load.items;
	b->reserved_slots--;
	pthread_mutex_unlock(&b->lock);
}

static int batch_consume(struct gc_consumer *self, struct gc_batch *batch, char **err)
{
	struct batch_proc *b = (struct batch_proc *)self;
	struct gc_reservation own = { .load = gc_batch_load(batch) };
	struct gc_reservation *r = gc_reservation_take(batch);
	bool full, first;

	if (!r) { /* handed on without a reservation: reserve now */
		if (batch_reserve(b, &own, err) != GC_OK) {
			gc_batch_unref(batch);
			return GC_FULL;
		}
		r = &own;
	}
	pthread_mutex_lock(&b->lock);
	b->reserved_items -= r->load.items;
	b->reserved_slots--;
	first = !b->n_pending;
	if (first)
		b->first_pending_ns = gc_now_ns();
	b->pending[b->n_pending++] = batch; /* room made at reserve */
	b->pending_items += batch->items;
	b->pending_bytes += batch->bytes;
	full = b->pending_items >= (size_t)b->config->send_batch_size;
	if (full)
		cut(b);
	pthread_mutex_unlock(&b->lock);
	if (full) {
		gc_counter_add(b->size_trigger, 1);
		if (emit(b))
			gc_timer_arm_before(b->timer, gc_now_ns() + GC_MS(50));
	} else if (first) {
		gc_timer_arm_before(b->timer, gc_now_ns() + b->config->timeout);
	}
	return GC_OK;
}

/* On the core's timer: cuts what waited `timeout`, offers what is ready, and
 * schedules the next look. */
static void on_timer(void *arg)
{
	struct batch_proc *b = arg;
	int64_t now = gc_now_ns(), next = 0;
	bool timed_out;

	pthread_mutex_lock(&b->lock);
	timed_out = b->n_pending && now - b->first_pending_ns >= b->config->timeout;
	if (timed_out)
		cut(b);
	pthread_mutex_unlock(&b->lock);
	if (timed_out)
		gc_counter_add(b->timeout_trigger, 1);
	if (emit(b))
		next = gc_now_ns() + GC_MS(50); /* no room ahead: try again soon */
	pthread_mutex_lock(&b->lock);
	if (b->n_pending && (!next || b->first_pending_ns + b->config->timeout < next))
		next = b->first_pending_ns + b->config->timeout;
	pthread_mutex_unlock(&b->lock);
	if (next)
		gc_timer_arm_before(b->timer, next);
}

static struct gc_consumer *batch_consumer(void *self)
{
	return &((struct batch_proc *)self)->base;
}

static double held_items(void *arg)
{
	struct batch_proc *b = arg;
	size_t n;

	pthread_mutex_lock(&b->lock);
	n = b->pending_items + b->ready_items;
	pthread_mutex_unlock(&b->lock);
	return (double)n;
}

static double held_bytes(void *arg)
{
	struct batch_proc *b = arg;
	size_t n;

	pthread_mutex_lock(&b->lock);
	n = b->pending_bytes + b->ready_bytes;
	pthread_mutex_unlock(&b->lock);
	return (double)n;
}

static void register_metrics(struct batch_proc *b, const char *id)
{
	char labels[256];

	snprintf(labels, sizeof(labels), "processor=\"%s\",reason=\"shutdown\"", id);
	b->dropped_shutdown = gc_metrics_counter(
		"genai_collector_processor_dropped_items_total",
		"Items a processor accepted but could not deliver.", labels);
	snprintf(labels, sizeof(labels), "processor=\"%s\",reason=\"refused\"", id);
	b->dropped_refused = gc_metrics_counter(
		"genai_collector_processor_dropped_items_total",
		"Items a processor accepted but could not deliver.", labels);
	snprintf(labels, sizeof(labels), "processor=\"%s\"", id);
	b->refused = gc_metrics_counter("genai_collector_processor_refused_items_total",
					"Items refused with backpressure (the client retries).",
					labels);
	b->size_trigger = gc_metrics_counter("otelcol_processor_batch_batch_size_trigger_send",
					     "Batches sent because they reached send_batch_size.",
					     labels);
	b->timeout_trigger = gc_metrics_counter("otelcol_processor_batch_timeout_trigger_send",
						"Batches sent because the timeout passed.", labels);
	b->send_size = gc_metrics_histogram("otelcol_processor_batch_batch_send_size",
					    "Items per batch the processor hands on.", labels,
					    gc_metrics_size_buckets, gc_metrics_size_buckets_n);
	b->held_items = gc_metrics_gauge("genai_collector_processor_held_items",
					 "Items a processor holds (acknowledged, not yet handed on).",
					 labels, held_items, b);
	b->held_bytes = gc_metrics_gauge("genai_collector_processor_held_bytes",
					 "OTLP bytes of the items a processor holds.", labels,
					 held_bytes, b);
}

static void *batch_create(const char *id, const void *config, enum gc_signal signal,
			  struct gc_consumer *next, char **err)
{
	struct batch_proc *b = calloc(1, sizeof(*b));

	if (!b || !(b->id = strdup(id)) || !(b->timer = gc_timer_new(on_timer, b))) {
		if (b)
			free(b->id);
		free(b);
		gc_set_err(err, "out of memory");
		return NULL;
	}
	b->base.consume = batch_consume;
	b->config = config;
	b->next = next;
	b->signal = signal;
	pthread_mutex_init(&b->lock, NULL);
	register_metrics(b, id);
	return b;
}

/* Emits everything held, retrying while there is no room ahead until
 * deadline (the service's shutdown_timeout), then counts and returns what is
 * left. */
static size_t batch_shutdown(void *self, int64_t deadline)
{
	struct batch_proc *b = self;
	size_t dropped = 0;

	gc_timer_free(b->timer);
	b->timer = NULL;
	pthread_mutex_lock(&b->lock);
	b->stopping = true;
	cut(b);
	pthread_mutex_unlock(&b->lock);
	while (emit(b) && gc_now_ns() < deadline) {
		struct timespec tick = { 0, 20 * 1000000 };

		nanosleep(&tick, NULL);
	}
	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < b->n_ready; i++) {
		dropped += b->ready[i]->items;
		gc_batch_unref(b->ready[i]);
	}
	b->n_ready = 0;
	b->ready_items = b->ready_bytes = 0;
	pthread_mutex_unlock(&b->lock);
	if (dropped) {
		gc_counter_add(b->dropped_shutdown, dropped);
		gc_warn(b->id, "dropped %zu items at shutdown: the next stage stayed full until "
			"the grace period ended", dropped);
	}
	return dropped;
}

static void batch_destroy(void *self)
{
	struct batch_proc *b = self;

	if (b->timer)
		batch_shutdown(b, gc_now_ns());
	gc_metrics_gauge_remove(b->held_items);
	gc_metrics_gauge_remove(b->held_bytes);
	for (size_t i = 0; i < b->n_pending; i++)
		gc_batch_unref(b->pending[i]);
	for (size_t i = 0; i < b->n_ready; i++)
		gc_batch_unref(b->ready[i]);
	free(b->pending);
	free(b->ready);
	pthread_mutex_destroy(&b->lock);
	free(b->id);
	free(b);
}

static const struct gc_processor_ops batch_ops = {
	.reserve = batch_reserve,
	.release = batch_release,
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
	.help = "groups data by size and time and acknowledges on receipt (otelcol's batch); "
		"prefer the exporters' sending_queue.batch, which acknowledges once queued",
	.config_size = sizeof(struct batch_config),
	.options = batch_options,
	.validate = batch_validate,
	.holds_data = true,
	.processor = &batch_ops,
};
