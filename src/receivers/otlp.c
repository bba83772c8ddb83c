/* Receiver otlp: OTLP over gRPC and over HTTP. */
#include "otlp.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

struct otlp_receiver {
	char *id;
	const struct otlp_receiver_config *config;
	struct gc_receiver_sink *sink;
	struct otlp_grpc_server *grpc;
	struct otlp_http_server *http;
};

static const struct gc_option grpc_options[] = {
	{ "endpoint", GC_OPT_STRING, offsetof(struct otlp_grpc_config, endpoint), "0.0.0.0:4317",
	  .help = "host:port to listen on (port 0 picks a free port)" },
	{ "max_recv_msg_size_mib", GC_OPT_INT,
	  offsetof(struct otlp_grpc_config, max_recv_msg_size_mib), "16", 1, 2048,
	  "larger requests get RESOURCE_EXHAUSTED" },
	{ "max_concurrent_streams", GC_OPT_INT,
	  offsetof(struct otlp_grpc_config, max_concurrent_streams), "100", 1, 1000000,
	  "concurrent calls (HTTP/2 streams) per connection" },
	{ "max_recv_memory_mib", GC_OPT_INT, offsetof(struct otlp_grpc_config, max_recv_memory_mib),
	  "256", 16, 1048576,
	  "memory gRPC may hold for messages being received, all connections together; messages are "
	  "read this many / (2 x max_recv_msg_size_mib) at a time, the other calls wait" },
	{ "read_timeout", GC_OPT_DURATION, offsetof(struct otlp_grpc_config, read_timeout), "30s",
	  1e9, 3600e9,
	  "deadline for a call's whole request message, waiting for a read slot included; past it "
	  "DEADLINE_EXCEEDED" },
	{ "num_threads", GC_OPT_INT, offsetof(struct otlp_grpc_config, num_threads), "0", 0, 256,
	  "completion-queue threads; 0 means one per core" },
	{ 0 },
};

static const struct gc_option cors_options[] = {
	{ "allowed_origins", GC_OPT_STRLIST,
	  offsetof(struct otlp_http_config, cors.allowed_origins) -
		  offsetof(struct otlp_http_config, cors),
	  .help = "origins browsers may send from: exact, * or wildcards like https://*.example.com" },
	{ "max_age", GC_OPT_INT,
	  offsetof(struct otlp_http_config, cors.max_age) - offsetof(struct otlp_http_config, cors),
	  "0", 0, 86400, "seconds browsers may cache a preflight answer; 0 sends no header" },
	{ 0 },
};

static const struct gc_option http_options[] = {
	{ "endpoint", GC_OPT_STRING, offsetof(struct otlp_http_config, endpoint), "0.0.0.0:4318",
	  .help = "host:port to listen on (port 0 picks a free port)" },
	{ "max_request_body_size", GC_OPT_BYTES,
	  offsetof(struct otlp_http_config, max_request_body_size), "20MiB", 1024, 2147483647.0,
	  "larger bodies (before or after gzip) get 413" },
	{ "max_request_bytes_in_flight", GC_OPT_BYTES,
	  offsetof(struct otlp_http_config, max_request_bytes_in_flight), "256MiB", 1024,
	  1099511627776.0,
	  "request bodies held at once, all connections together; past it 503 with Retry-After" },
	{ "include_metadata", GC_OPT_BOOL, offsetof(struct otlp_http_config, include_metadata),
	  "false", .help = "pass the request headers named in metadata_keys along with the data" },
	{ "metadata_keys", GC_OPT_STRLIST, offsetof(struct otlp_http_config, metadata_keys),
	  .help = "headers include_metadata carries (case-insensitive); no others travel" },
	{ "max_connections", GC_OPT_INT,
	  offsetof(struct otlp_http_config, limits.max_connections), "1024", 1, 1000000,
	  "open connections in all; more are closed at once" },
	{ "max_connections_per_client", GC_OPT_INT,
	  offsetof(struct otlp_http_config, limits.max_connections_per_client), "64", 1, 1000000,
	  "open connections from one client address; more are closed at once" },
	{ "read_timeout", GC_OPT_DURATION, offsetof(struct otlp_http_config, limits.read_timeout),
	  "30s", 1e9, 3600e9, "deadline to read a whole request, headers and body" },
	{ "idle_timeout", GC_OPT_DURATION, offsetof(struct otlp_http_config, limits.idle_timeout),
	  "60s", 1e9, 3600e9, "a connection with no traffic for this long is closed" },
	{ "cors", GC_OPT_SECTION, offsetof(struct otlp_http_config, cors), .sub = cors_options,
	  .present = GC_OPT_NO_PRESENT, .help = "cross-origin requests from browsers" },
	{ 0 },
};

static const struct gc_option protocols_options[] = {
	{ "grpc", GC_OPT_SECTION, offsetof(struct otlp_receiver_config, protocols.grpc) -
				  offsetof(struct otlp_receiver_config, protocols),
	  .sub = grpc_options,
	  .present = offsetof(struct otlp_receiver_config, protocols.grpc_present) -
		     offsetof(struct otlp_receiver_config, protocols),
	  .help = "OTLP/gRPC server (TraceService, LogsService, MetricsService)" },
	{ "http", GC_OPT_SECTION, offsetof(struct otlp_receiver_config, protocols.http) -
				  offsetof(struct otlp_receiver_config, protocols),
	  .sub = http_options,
	  .present = offsetof(struct otlp_receiver_config, protocols.http_present) -
		     offsetof(struct otlp_receiver_config, protocols),
	  .help = "OTLP/HTTP server (POST /v1/traces, /v1/logs, /v1/metrics)" },
	{ 0 },
};

static const struct gc_option otlp_options[] = {
	{ "protocols", GC_OPT_SECTION, offsetof(struct otlp_receiver_config, protocols),
	  .sub = protocols_options, .present = GC_OPT_NO_PRESENT,
	  .help = "which protocols to serve; list at least one" },
	{ 0 },
};

static int otlp_validate(const void *config, const struct gc_node *node, const char *id,
			 char **err)
{
	const struct otlp_receiver_config *c = config;
	const struct gc_node *protocols = gc_node_get(node, "protocols");

	if (!c->protocols.grpc_present && !c->protocols.http_present)
		return gc_node_error(err, protocols ? protocols : node,
				     "%s: enable at least one protocol under 'protocols' "
				     "(grpc or http)", id);
	if (c->protocols.http_present && c->protocols.http.max_request_bytes_in_flight <
						 c->protocols.http.max_request_body_size)
		return gc_node_error(err, protocols ? protocols : node,
				     "%s: protocols.http.max_request_bytes_in_flight must be at least "
				     "max_request_body_size, or no request of that size could be taken",
				     id);
	return GC_OK;
}

static void *otlp_create(const char *id, const void *config, struct gc_receiver_sink *sink,
			 char **err)
{
	struct otlp_receiver *r = calloc(1, sizeof(*r));

	if (!r || !(r->id = strdup(id))) {
		free(r);
		gc_set_err(err, "%s: out of memory", id);
		return NULL;
	}
	r->config = config;
	r->sink = sink;
	return r;
}

static int otlp_start(void *self, char **err)
{
	struct otlp_receiver *r = self;

	if (r->config->protocols.grpc_present) {
		r->grpc = otlp_grpc_start(r->id, &r->config->protocols.grpc, r->sink, err);
		if (!r->grpc)
			return GC_ERROR;
	}
	if (r->config->protocols.http_present) {
		r->http = otlp_http_start(r->id, &r->config->protocols.http, r->sink, err);
		if (!r->http)
			return GC_ERROR;
	}
	return GC_OK;
}

static void otlp_stop(void *self)
{
	struct otlp_receiver *r = self;

	otlp_grpc_stop(r->grpc);
	otlp_http_stop(r->http);
	r->grpc = NULL;
	r->http = NULL;
}

static void otlp_destroy(void *self)
{
	struct otlp_receiver *r = self;

	otlp_grpc_stop(r->grpc);
	otlp_http_stop(r->http);
	free(r->id);
	free(r);
}

static const struct gc_receiver_ops otlp_ops = {
	.create = otlp_create,
	.start = otlp_start,
	.stop = otlp_stop,
	.destroy = otlp_destroy,
};

const struct gc_component_type gc_receiver_otlp = {
	.name = "otlp",
	.kind = GC_KIND_RECEIVER,
	.signals = GC_SIGNAL_BIT(GC_SIGNAL_TRACES) | GC_SIGNAL_BIT(GC_SIGNAL_LOGS) |
		   GC_SIGNAL_BIT(GC_SIGNAL_METRICS),
	.help = "OpenTelemetry Protocol receiver",
	.config_size = sizeof(struct otlp_receiver_config),
	.options = otlp_options,
	.validate = otlp_validate,
	.receiver = &otlp_ops,
};
