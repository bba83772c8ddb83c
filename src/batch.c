#include "batch.h"

#include "json_bounded.h"
#include "otlp_json.h"
#include "telemetry.h"
#include "wire.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef Opentelemetry__Proto__Trace__V1__ResourceSpans resource_spans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans scope_spans;
typedef Opentelemetry__Proto__Logs__V1__ResourceLogs resource_logs;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs scope_logs;
typedef Opentelemetry__Proto__Metrics__V1__ResourceMetrics resource_metrics;
typedef Opentelemetry__Proto__Metrics__V1__Metric metric;

const ProtobufCMessageDescriptor *gc_response_descriptor(enum gc_signal s)
{
	switch (s) {
	case GC_SIGNAL_TRACES:
		return &opentelemetry__proto__collector__trace__v1__export_trace_service_response__descriptor;
	case GC_SIGNAL_LOGS:
		return &opentelemetry__proto__collector__logs__v1__export_logs_service_response__descriptor;
	case GC_SIGNAL_METRICS:
		return &opentelemetry__proto__collector__metrics__v1__export_metrics_service_response__descriptor;
	}
	return NULL;
}

const ProtobufCMessageDescriptor *gc_request_descriptor(enum gc_signal s)
{
	switch (s) {
	case GC_SIGNAL_TRACES:
		return &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor;
	case GC_SIGNAL_LOGS:
		return &opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor;
	case GC_SIGNAL_METRICS:
		return &opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor;
	}
	return NULL;
}

static size_t metric_points(const metric *m)
{
	switch (m->data_case) {
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
		return m->gauge->n_data_points;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
		return m->sum->n_data_points;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
		return m->histogram->n_data_points;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
		return m->exponential_histogram->n_data_points;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY:
		return m->summary->n_data_points;
	default:
		return 0;
	}
}

size_t gc_batch_count(const struct gc_batch *b)
{
	size_t n = 0;

	switch (b->signal) {
	case GC_SIGNAL_TRACES:
		for (size_t i = 0; i < b->traces->n_resource_spans; i++) {
			resource_spans *rs = b->traces->resource_spans[i];

			for (size_t j = 0; j < rs->n_scope_spans; j++)
				n += rs->scope_spans[j]->n_spans;
		}
		break;
	case GC_SIGNAL_LOGS:
		for (size_t i = 0; i < b->logs->n_resource_logs; i++) {
			resource_logs *rl = b->logs->resource_logs[i];

			for (size_t j = 0; j < rl->n_scope_logs; j++)
				n += rl->scope_logs[j]->n_log_records;
		}
		break;
	case GC_SIGNAL_METRICS:
		for (size_t i = 0; i < b->metrics->n_resource_metrics; i++) {
			resource_metrics *rm = b->metrics->resource_metrics[i];

			for (size_t j = 0; j < rm->n_scope_metrics; j++)
				for (size_t k = 0; k < rm->scope_metrics[j]->n_metrics; k++)
					n += metric_points(rm->scope_metrics[j]->metrics[k]);
		}
		break;
	}
	return n;
}

static struct gc_batch *batch_alloc(enum gc_signal signal, size_t first_block)
{
	struct gc_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->arena = gc_arena_create(first_block);
	if (!b->arena) {
		free(b);
		return NULL;
	}
	atomic_init(&b->refs, 1);
	b->signal = signal;
	return b;
}

static gc_counter *refused_counters[2];
static pthread_once_t refused_once = PTHREAD_ONCE_INIT;

static void refused_init(void)
{
	static const char *const reasons[] = { "decoded_size", "malformed" };

	for (int i = 0; i < 2; i++) {
		char labels[64];

		snprintf(labels, sizeof(labels), "reason=\"%s\"", reasons[i]);
		refused_counters[i] = gc_metrics_counter(
			"genai_collector_decode_refused_requests_total",
			"Requests that did not decode: past the memory bound, or malformed.",
			labels);
	}
}

/* Counts a refused request: decoded_size when it hit the memory bound. */
static void count_refused(bool over_limit)
{
	pthread_once(&refused_once, refused_init);
	gc_counter_add(refused_counters[over_limit ? 0 : 1], 1);
}

/* The decoded-size bound of a request of len wire bytes. */
static size_t decode_limit(size_t len)
{
	if (len > (SIZE_MAX - GC_DECODE_SLACK) / GC_DECODE_RATIO)
		return SIZE_MAX;
	return len * GC_DECODE_RATIO + GC_DECODE_SLACK;
}

struct gc_batch *gc_batch_decode(enum gc_signal signal, const uint8_t *buf, size_t len,
				 char **err)
{
	/* Decoded messages take roughly 2-4x their wire size; one block avoids
	 * most growth steps. */
	struct gc_batch *b;
	ProtobufCAllocator alloc;
	char *why = NULL;

	if (gc_wire_check(gc_request_descriptor(signal), buf, len, GC_WIRE_MAX_DEPTH, &why)) {
		gc_set_err(err, "payload is not a valid OTLP %s export request (%zu bytes): %s",
			   gc_signal_name(signal), len, why);
		free(why);
		count_refused(false);
		return NULL;
	}
	b = batch_alloc(signal, len * 3 + 4096);
	if (!b) {
		gc_set_err(err, "out of memory; retry later");
		errno = ENOMEM;
		return NULL;
	}
	gc_arena_set_limit(b->arena, decode_limit(len));
	alloc = gc_arena_allocator(b->arena);
	b->msg = protobuf_c_message_unpack(gc_request_descriptor(signal), &alloc, len, buf);
	if (!b->msg) {
		if (gc_arena_over_limit(b->arena))
			gc_set_err(err,
				   "OTLP %s export request of %zu bytes would take more than %d "
				   "times its size in memory once decoded",
				   gc_signal_name(signal), len, GC_DECODE_RATIO);
		else
			gc_set_err(err, "payload is not a valid OTLP %s export request (%zu bytes)",
				   gc_signal_name(signal), len);
		count_refused(gc_arena_over_limit(b->arena));
		gc_batch_unref(b);
		return NULL;
	}
	/* Processors add to the batch in proportion to what it holds. */
	gc_arena_set_limit(b->arena, 0);
	if (gc_batch_validate(b, &why)) {
		gc_set_err(err, "invalid OTLP %s export request: %s", gc_signal_name(signal), why);
		free(why);
		gc_batch_unref(b);
		return NULL;
	}
	b->items = gc_batch_count(b);
	b->bytes = len;
	return b;
}

struct gc_batch *gc_batch_decode_json(enum gc_signal signal, const char *json, size_t len,
				      char **err)
{
	struct gc_batch *b = batch_alloc(signal, len * 2 + 4096);
	bool over_limit = false;
	char *why = NULL;

	if (!b) {
		gc_set_err(err, "out of memory; retry later");
		errno = ENOMEM;
		return NULL;
	}
	gc_arena_set_limit(b->arena, decode_limit(len));
	errno = 0;
	b->msg = gc_otlp_json_decode(gc_request_descriptor(signal), json, len, b->arena,
				     &over_limit, &why);
	if (!b->msg && errno == ENOMEM && !over_limit) { /* the system, not the input */
		free(why);
		gc_batch_unref(b);
		gc_set_err(err, "out of memory; retry later");
		errno = ENOMEM;
		return NULL;
	}
	if (!b->msg) {
		gc_set_err(err, "payload is not a valid OTLP/JSON %s export request: %s",
			   gc_signal_name(signal), why ? why : "?");
		free(why);
		count_refused(over_limit);
		gc_batch_unref(b);
		return NULL;
	}
	gc_arena_set_limit(b->arena, 0);
	b->items = gc_batch_count(b);
	b->bytes = len; /* JSON is larger than its protobuf: an upper bound */
	return b;
}

struct gc_batch *gc_batch_decode_as(enum gc_signal signal, enum gc_format format,
				    const uint8_t *buf, size_t len, char **err)
{
	if (format == GC_FORMAT_JSON)
		return gc_batch_decode_json(signal, (const char *)buf, len, err);
	return gc_batch_decode(signal, buf, len, err);
}

struct gc_batch *gc_batch_new(enum gc_signal signal)
{
	struct gc_batch *b = batch_alloc(signal, 1024);
	const ProtobufCMessageDescriptor *d = gc_request_descriptor(signal);

	if (!b)
		return NULL;
	b->msg = gc_arena_alloc(b->arena, d->sizeof_message);
	if (!b->msg) {
		gc_batch_unref(b);
		return NULL;
	}
	d->message_init(b->msg);
	return b;
}

struct gc_batch *gc_batch_ref(struct gc_batch *batch)
{
	atomic_fetch_add_explicit(&batch->refs, 1, memory_order_relaxed);
	return batch;
}

void gc_batch_unref(struct gc_batch *batch)
{
	if (!batch)
		return;
	if (atomic_fetch_sub_explicit(&batch->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (size_t i = 0; i < batch->nparts; i++)
		gc_batch_unref(batch->parts[i]);
	free(batch->parts);
	gc_arena_destroy(batch->arena);
	free(batch);
}

/* The repeated top-level field of each request, viewed generically. */
static void **top_items(struct gc_batch *b, size_t **n)
{
	*n = NULL;
	switch (b->signal) {
	case GC_SIGNAL_TRACES:
		*n = &b->traces->n_resource_spans;
		return (void **)&b->traces->resource_spans;
	case GC_SIGNAL_LOGS:
		*n = &b->logs->n_resource_logs;
		return (void **)&b->logs->resource_logs;
	case GC_SIGNAL_METRICS:
		*n = &b->metrics->n_resource_metrics;
		return (void **)&b->metrics->resource_metrics;
	}
	return NULL;
}

struct gc_batch *gc_batch_merge(struct gc_batch **inputs, size_t n)
{
	struct gc_batch *out = gc_batch_new(inputs[0]->signal);
	size_t total = 0, *outn = NULL;
	void ***outv;

	if (!out)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		size_t *inn = NULL;

		top_items(inputs[i], &inn);
		total += *inn;
	}
	out->parts = malloc(n * sizeof(*out->parts));
	if (!out->parts)
		goto fail;
	outv = (void ***)top_items(out, &outn);
	*outv = gc_arena_alloc(out->arena, (total ? total : 1) * sizeof(void *));
	if (!*outv)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		size_t *inn = NULL;
		void **inv = *(void ***)top_items(inputs[i], &inn);

		if (*inn)
			memcpy(*outv + *outn, inv, *inn * sizeof(void *));
		*outn += *inn;
		out->items += inputs[i]->items;
		out->bytes += inputs[i]->bytes;
		out->parts[out->nparts++] = inputs[i];
	}
	return out;
fail:
	gc_batch_unref(out);
	for (size_t i = 0; i < n; i++)
		gc_batch_unref(inputs[i]);
	return NULL;
}

size_t gc_batch_encoded_size(const struct gc_batch *batch)
{
	return protobuf_c_message_get_packed_size(batch->msg);
}

size_t gc_batch_encode(const struct gc_batch *batch, uint8_t *out)
{
	return protobuf_c_message_pack(batch->msg, out);
}
