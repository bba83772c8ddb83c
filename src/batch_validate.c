/* Checks a decoded request against the OTLP rules protobuf cannot express:
 * trace IDs are 16 bytes, span IDs 8, or empty for "none". A backend refuses a
 * whole batch with one bad ID, so such a request is refused at the door rather
 * than answered OK and lost later with everything merged into it. */
#include "batch.h"

#include <stdio.h>

typedef Opentelemetry__Proto__Trace__V1__Span span_t;
typedef Opentelemetry__Proto__Metrics__V1__Exemplar exemplar_t;

static int check_id(const ProtobufCBinaryData *id, size_t want, const char *what, char **err)
{
	if (id->len && id->len != want)
		return gc_set_err(err, "%s is %zu bytes; OTLP IDs are %zu bytes (or empty)", what,
				  id->len, want);
	return GC_OK;
}

static int check_span(const span_t *s, char **err)
{
	if (check_id(&s->trace_id, 16, "a span's trace_id", err) ||
	    check_id(&s->span_id, 8, "a span's span_id", err) ||
	    check_id(&s->parent_span_id, 8, "a span's parent_span_id", err))
		return GC_ERROR;
	for (size_t l = 0; l < s->n_links; l++)
		if (check_id(&s->links[l]->trace_id, 16, "a link's trace_id", err) ||
		    check_id(&s->links[l]->span_id, 8, "a link's span_id", err))
			return GC_ERROR;
	return GC_OK;
}

static int check_exemplars(exemplar_t **ex, size_t n, char **err)
{
	for (size_t i = 0; i < n; i++)
		if (check_id(&ex[i]->trace_id, 16, "an exemplar's trace_id", err) ||
		    check_id(&ex[i]->span_id, 8, "an exemplar's span_id", err))
			return GC_ERROR;
	return GC_OK;
}

static int check_metric(const Opentelemetry__Proto__Metrics__V1__Metric *m, char **err)
{
	switch (m->data_case) {
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
		for (size_t i = 0; i < m->gauge->n_data_points; i++)
			if (check_exemplars(m->gauge->data_points[i]->exemplars,
					    m->gauge->data_points[i]->n_exemplars, err))
				return GC_ERROR;
		break;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
		for (size_t i = 0; i < m->sum->n_data_points; i++)
			if (check_exemplars(m->sum->data_points[i]->exemplars,
					    m->sum->data_points[i]->n_exemplars, err))
				return GC_ERROR;
		break;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
		for (size_t i = 0; i < m->histogram->n_data_points; i++)
			if (check_exemplars(m->histogram->data_points[i]->exemplars,
					    m->histogram->data_points[i]->n_exemplars, err))
				return GC_ERROR;
		break;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
		for (size_t i = 0; i < m->exponential_histogram->n_data_points; i++)
			if (check_exemplars(m->exponential_histogram->data_points[i]->exemplars,
					    m->exponential_histogram->data_points[i]->n_exemplars, err))
				return GC_ERROR;
		break;
	default:
		break;
	}
	return GC_OK;
}

int gc_batch_validate(const struct gc_batch *b, char **err)
{
	switch (b->signal) {
	case GC_SIGNAL_TRACES:
		for (size_t r = 0; r < b->traces->n_resource_spans; r++) {
			const Opentelemetry__Proto__Trace__V1__ResourceSpans *rs =
				b->traces->resource_spans[r];

			for (size_t s = 0; s < rs->n_scope_spans; s++)
				for (size_t i = 0; i < rs->scope_spans[s]->n_spans; i++)
					if (check_span(rs->scope_spans[s]->spans[i], err))
						return GC_ERROR;
		}
		break;
	case GC_SIGNAL_LOGS:
		for (size_t r = 0; r < b->logs->n_resource_logs; r++) {
			const Opentelemetry__Proto__Logs__V1__ResourceLogs *rl = b->logs->resource_logs[r];

			for (size_t s = 0; s < rl->n_scope_logs; s++)
				for (size_t i = 0; i < rl->scope_logs[s]->n_log_records; i++) {
					const Opentelemetry__Proto__Logs__V1__LogRecord *lr =
						rl->scope_logs[s]->log_records[i];

					if (check_id(&lr->trace_id, 16, "a log record's trace_id", err) ||
					    check_id(&lr->span_id, 8, "a log record's span_id", err))
						return GC_ERROR;
				}
		}
		break;
	case GC_SIGNAL_METRICS:
		for (size_t r = 0; r < b->metrics->n_resource_metrics; r++) {
			const Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm =
				b->metrics->resource_metrics[r];

			for (size_t s = 0; s < rm->n_scope_metrics; s++)
				for (size_t i = 0; i < rm->scope_metrics[s]->n_metrics; i++)
					if (check_metric(rm->scope_metrics[s]->metrics[i], err))
						return GC_ERROR;
		}
		break;
	}
	return GC_OK;
}
