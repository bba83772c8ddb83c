/* The counters every OTLP transport keeps, labelled receiver= and transport=. */
#ifndef GC_RECEIVER_METRICS_H
#define GC_RECEIVER_METRICS_H

#include "common.h"
#include "telemetry.h"

struct gc_receiver_metrics {
	gc_counter *accepted[GC_SIGNAL_COUNT];	   /* otelcol_receiver_accepted_<items> */
	gc_counter *refused_full[GC_SIGNAL_COUNT]; /* otelcol_receiver_refused_<items>{reason="queue_full"} */
	char labels[256];
};

void gc_receiver_metrics_init(struct gc_receiver_metrics *m, const char *id,
			      const char *transport);

/* genai_collector_receiver_rejected_requests_total{..., reason=reason}. */
gc_counter *gc_receiver_rejected(const struct gc_receiver_metrics *m, const char *reason);

/* Logs "<id>: <transport> listening on host:port" from the configured endpoint
 * and the port actually bound; tests and operators read the port from it. */
void gc_receiver_log_listening(const char *id, const char *transport, const char *endpoint,
			       int port);

#endif
