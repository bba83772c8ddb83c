#include "receiver_metrics.h"

#include <stdio.h>
#include <string.h>

#include "exporter.h"
#include "log.h"

void gc_receiver_metrics_init(struct gc_receiver_metrics *m, const char *id,
			      const char *transport)
{
	char name[128], labels[320];

	snprintf(m->labels, sizeof(m->labels), "receiver=\"%s\",transport=\"%s\"", id, transport);
	for (int sig = 0; sig < GC_SIGNAL_COUNT; sig++) {
		snprintf(name, sizeof(name), "otelcol_receiver_accepted_%s", gc_signal_items(sig));
		m->accepted[sig] = gc_metrics_counter(
			name, "Items accepted and queued for every exporter of the pipeline.",
			m->labels);
		snprintf(name, sizeof(name), "otelcol_receiver_refused_%s", gc_signal_items(sig));
		snprintf(labels, sizeof(labels), "%s,reason=\"queue_full\"", m->labels);
		m->refused_full[sig] = gc_metrics_counter(
			name, "Items refused (the client was told to retry).", labels);
	}
}

gc_counter *gc_receiver_rejected(const struct gc_receiver_metrics *m, const char *reason)
{
	char labels[320];

	snprintf(labels, sizeof(labels), "%s,reason=\"%s\"", m->labels, reason);
	return gc_metrics_counter("genai_collector_receiver_rejected_requests_total",
				  "Requests answered with an error status, by reason.", labels);
}

void gc_receiver_log_listening(const char *id, const char *transport, const char *endpoint,
			       int port)
{
	const char *colon = strrchr(endpoint, ':');
	int hl = colon ? (int)(colon - endpoint) : 0;

	if (hl)
		gc_info(id, "%s listening on %.*s:%d", transport, hl, endpoint, port);
	else
		gc_info(id, "%s listening on 0.0.0.0:%d", transport, port);
}
