/* Receiver otlp: its options and the protocol servers it runs. */
#ifndef GC_RECEIVER_OTLP_H
#define GC_RECEIVER_OTLP_H

#include <stdbool.h>
#include <stdint.h>

#include "component.h"

struct otlp_grpc_config {
	char *endpoint;
	int64_t max_recv_msg_size_mib;
	int64_t max_concurrent_streams;
	int64_t max_recv_memory_mib; /* gRPC's transport memory (resource quota); sets read slots */
	int64_t read_timeout; /* ns: a call's whole message, from its arrival */
	int64_t num_threads; /* completion-queue threads; 0: one per core */
};

/* Connection limits of an HTTP server (OTLP/HTTP, health, metrics). */
struct gc_http_limits {
	int64_t max_connections;	    /* in all */
	int64_t max_connections_per_client; /* per client address */
	int64_t read_timeout;		    /* ns: a whole request, headers and body */
	int64_t idle_timeout;		    /* ns: a connection with no traffic */
};

struct otlp_http_config {
	char *endpoint;
	int64_t max_request_body_size; /* bytes, compressed and decompressed */
	int64_t max_request_bytes_in_flight; /* bodies being received, all clients */
	bool include_metadata;
	struct gc_strlist metadata_keys; /* the headers include_metadata carries */
	struct gc_http_limits limits;
	struct {
		struct gc_strlist allowed_origins;
		int64_t max_age; /* seconds; 0: no Access-Control-Max-Age */
	} cors;
};

struct otlp_receiver_config {
	struct {
		bool grpc_present, http_present;
		struct otlp_grpc_config grpc;
		struct otlp_http_config http;
	} protocols;
};

struct otlp_grpc_server;

/* Binds and serves OTLP/gRPC; logs "<id>: grpc listening on host:port". */
struct otlp_grpc_server *otlp_grpc_start(const char *id, const struct otlp_grpc_config *config,
					 struct gc_receiver_sink *sink, char **err);
/* Stops accepting, lets running calls finish (bounded), joins, frees. */
void otlp_grpc_stop(struct otlp_grpc_server *server);

struct otlp_http_server;

/* Binds and serves OTLP/HTTP; logs "<id>: http listening on host:port". */
struct otlp_http_server *otlp_http_start(const char *id, const struct otlp_http_config *config,
					 struct gc_receiver_sink *sink, char **err);
/* Stops accepting, answers running requests, frees. Accepts NULL. */
void otlp_http_stop(struct otlp_http_server *server);

#endif
