/* OTLP/HTTP server on libmicrohttpd: POST /v1/traces, /v1/logs, /v1/metrics with
 * application/x-protobuf or application/json bodies, optionally gzip- or
 * deflate-encoded (inflated no further than max_request_body_size).
 * Answers in the request's encoding: 200 with an Export*ServiceResponse once the
 * batch is in every exporter's queue; otherwise a google.rpc.Status body with
 * 400 (undecodable), 413 (too large), 415 (content type or encoding), 503 with
 * Retry-After (queue full or out of memory), 404 and 405. CORS preflight for
 * browser SDKs. Connection limits and the read deadline (408 or a closed
 * connection) are enforced by http_server.c with the limits configured here. */
#include <ctype.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "google/rpc/status.pb-c.h"
#include "byte_budget.h"
#include "http_server.h"
#include "inflate.h"
#include "log.h"
#include "otlp.h"
#include "otlp_json.h"
#include "receiver_metrics.h"

#define RETRY_AFTER_SECONDS "1"

static const char *const signal_paths[GC_SIGNAL_COUNT] = { "/v1/traces", "/v1/logs",
							   "/v1/metrics" };

struct http_request {
	enum gc_signal signal;
	enum gc_format format;
	bool compressed;
	enum gc_inflate_format encoding; /* when compressed */
	bool too_large;
	bool overloaded; /* the in-flight budget had no room: answered 503 */
	bool no_memory;	 /* the body could not be buffered: answered 503 */
	char *origin;	 /* allowed CORS origin to echo, or NULL */
	size_t expected; /* Content-Length, or 0 */
	struct sockaddr_storage client; /* whose share of the budget it uses */
	uint8_t *body;
	size_t len, cap; /* cap is charged to the server's in-flight budget */
};

struct otlp_http_server {
	char *id;
	const struct otlp_http_config *config;
	struct gc_receiver_sink *sink;
	struct MHD_Daemon *daemon;
	struct gc_receiver_metrics metrics;
	gc_counter *rejected_invalid, *rejected_unavailable, *rejected_too_large,
		*rejected_media_type, *rejected_not_found, *rejected_method, *rejected_timeout;
	/* Body bytes buffered by all connections: many connections each holding
	 * a body just short of complete would otherwise hold max_connections
	 * times the body limit. One client address gets a quarter of it. */
	struct gc_byte_budget *budget;
};

/* One client address may hold a quarter of the budget, or one largest body. */
static size_t client_share(const struct otlp_http_config *c)
{
	size_t quarter = (size_t)c->max_request_bytes_in_flight / 4;

	return quarter > (size_t)c->max_request_body_size ? quarter
							   : (size_t)c->max_request_body_size;
}

static const struct sockaddr *client_of(const struct http_request *req)
{
	return (const struct sockaddr *)&req->client;
}

/* Drops what a request buffered and gives its bytes back to the budget. */
static void release_body(struct otlp_http_server *s, struct http_request *req)
{
	gc_byte_budget_give(s->budget, client_of(req), req->cap);
	free(req->body);
	req->body = NULL;
	req->len = req->cap = 0;
}

/* Grows the body buffer to hold need bytes: to the announced length when
 * there is one, else doubling. GC_FULL when the budget has no room,
 * GC_ERROR when memory ran out. */
static int grow_body(struct otlp_http_server *s, struct http_request *req, size_t need)
{
	size_t cap = req->cap ? req->cap : 64 * 1024;
	uint8_t *p;

	if (req->expected >= need && !req->cap)
		cap = req->expected;
	while (cap < need)
		cap *= 2;
	if (cap > (size_t)s->config->max_request_body_size)
		cap = (size_t)s->config->max_request_body_size;
	if (!gc_byte_budget_take(s->budget, client_of(req), cap - req->cap))
		return GC_FULL;
	p = realloc(req->body, cap);
	if (!p) {
		gc_byte_budget_give(s->budget, client_of(req), cap - req->cap);
		return GC_ERROR;
	}
	req->body = p;
	req->cap = cap;
	return GC_OK;
}

/* Matches "application/json; charset=utf-8" against "application/json". */
static bool media_type_is(const char *header, const char *type)
{
	size_t n = strlen(type);

	while (*header == ' ')
		header++;
	return !strncasecmp(header, type, n) &&
	       (header[n] == '\0' || header[n] == ';' || header[n] == ' ');
}

static bool origin_allowed(const struct otlp_http_config *c, const char *origin)
{
	for (size_t i = 0; i < c->cors.allowed_origins.n; i++) {
		const char *pattern = c->cors.allowed_origins.v[i];

		if (!strcmp(pattern, "*") || !fnmatch(pattern, origin, 0))
			return true;
	}
	return false;
}

/* Sends body with the standard headers. Takes a copy of body. */
static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, const char *type,
			       const void *body, size_t len, const char *origin, bool retry_after)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	if (type)
		MHD_add_response_header(r, "Content-Type", type);
	if (origin) {
		MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
		MHD_add_response_header(r, "Vary", "Origin");
	}
	if (retry_after)
		MHD_add_response_header(r, "Retry-After", RETRY_AFTER_SECONDS);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "POST, OPTIONS");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* An error as a google.rpc.Status in the request's encoding. */
static enum MHD_Result respond_status(struct MHD_Connection *conn, unsigned http_status,
				      int grpc_code, const char *message, enum gc_format format,
				      const char *origin)
{
	Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
	enum MHD_Result ret;

	st.code = grpc_code;
	st.message = (char *)message;
	if (format == GC_FORMAT_JSON) {
		char *text = gc_otlp_json_encode(&st.base);

		ret = respond(conn, http_status, "application/json", text ? text : "{}",
			      text ? strlen(text) : 2, origin,
			      http_status == MHD_HTTP_SERVICE_UNAVAILABLE);
		free(text);
	} else {
		/* Most statuses fit on the stack: out of memory still gets its answer. */
		uint8_t stack[512];
		size_t n = google__rpc__status__get_packed_size(&st);
		uint8_t *buf = n <= sizeof(stack) ? stack : malloc(n);

		if (!buf)
			return MHD_NO; /* no memory even for the error: close */
		google__rpc__status__pack(&st, buf);
		ret = respond(conn, http_status, "application/x-protobuf", buf, n, origin,
			      http_status == MHD_HTTP_SERVICE_UNAVAILABLE);
		if (buf != stack)
			free(buf);
	}
	return ret;
}

/* The empty Export*ServiceResponse: no partial_success means all accepted. */
static enum MHD_Result respond_ok(struct MHD_Connection *conn, struct http_request *req)
{
	if (req->format == GC_FORMAT_JSON)
		return respond(conn, MHD_HTTP_OK, "application/json", "{}", 2, req->origin, false);
	return respond(conn, MHD_HTTP_OK, "application/x-protobuf", "", 0, req->origin, false);
}

/* Headers travel with the data only when listed in metadata_keys: credentials
 * a client sends (authorization, cookies, API keys) stay at the door. */
struct header_filter {
	const struct gc_strlist *keys;
	struct gc_metadata *md;
	bool failed;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	struct header_filter *hf = cls;
	struct gc_metadata *md = hf->md;
	char **keys, **values;
	size_t i;

	for (i = 0; i < hf->keys->n; i++)
		if (!strcasecmp(hf->keys->v[i], key))
			break;
	if (i == hf->keys->n)
		return MHD_YES;
	keys = realloc(md->keys, (md->n + 1) * sizeof(char *));
	if (keys)
		md->keys = keys;
	values = realloc(md->values, (md->n + 1) * sizeof(char *));
	if (values)
		md->values = values;
	if (!keys || !values)
		goto fail;
	md->keys[md->n] = strdup(key);
	md->values[md->n] = strdup(value ? value : "");
	if (!md->keys[md->n] || !md->values[md->n]) {
		free(md->keys[md->n]);
		free(md->values[md->n]);
		goto fail;
	}
	for (char *p = md->keys[md->n]; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	md->n++;
	return MHD_YES;
fail:
	hf->failed = true;
	return MHD_NO;
}

static void free_metadata(struct gc_metadata *md)
{
	for (size_t i = 0; i < md->n; i++) {
		free(md->keys[i]);
		free(md->values[i]);
	}
	free(md->keys);
	free(md->values);
}

/* The whole body is in: decompress, decode, hand to the pipelines, answer. */
static enum MHD_Result finish_request(struct otlp_http_server *s, struct MHD_Connection *conn,
				      struct http_request *req)
{
	uint8_t *body = req->body, *inflated = NULL;
	size_t len = req->len, items = 0;
	struct gc_metadata md = { 0 };
	enum MHD_Result ret;
	char *err = NULL;
	int rc;

	if (req->compressed) {
		rc = gc_inflate(req->body, req->len, req->encoding,
				(size_t)s->config->max_request_body_size, &inflated, &len);
		if (rc == GC_INFLATE_TOO_LARGE) {
			gc_counter_add(s->rejected_too_large, 1);
			return respond_status(conn, MHD_HTTP_CONTENT_TOO_LARGE, 8,
					      "decompressed body exceeds max_request_body_size",
					      req->format, req->origin);
		}
		if (rc == GC_INFLATE_NO_MEMORY) {
			gc_counter_add(s->rejected_unavailable, 1);
			return respond_status(conn, MHD_HTTP_SERVICE_UNAVAILABLE, 14,
					      "out of memory; retry later", req->format, req->origin);
		}
		if (rc) {
			gc_counter_add(s->rejected_invalid, 1);
			return respond_status(conn, MHD_HTTP_BAD_REQUEST, 3,
					      req->encoding == GC_INFLATE_GZIP
						      ? "body is not valid gzip"
						      : "body is not valid deflate (zlib)",
					      req->format, req->origin);
		}
		body = inflated;
	}
	if (s->config->include_metadata) {
		struct header_filter hf = { &s->config->metadata_keys, &md, false };

		MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, &hf);
		if (hf.failed) {
			free(inflated);
			free_metadata(&md);
			gc_counter_add(s->rejected_unavailable, 1);
			return respond_status(conn, MHD_HTTP_SERVICE_UNAVAILABLE, 14,
					      "out of memory; retry later", req->format,
					      req->origin);
		}
	}
	rc = gc_sink_consume(s->sink, req->signal, req->format, body ? body : (uint8_t *)"", len,
			     s->config->include_metadata ? &md : NULL, &items, &err);
	free(inflated);
	free_metadata(&md);
	switch (rc) {
	case GC_OK:
		gc_counter_add(s->metrics.accepted[req->signal], items);
		ret = respond_ok(conn, req);
		break;
	case GC_FULL:
		gc_counter_add(s->metrics.refused_full[req->signal], items);
		gc_counter_add(s->rejected_unavailable, 1);
		ret = respond_status(conn, MHD_HTTP_SERVICE_UNAVAILABLE, 14,
				     err ? err : "queue full; retry later", req->format, req->origin);
		break;
	default:
		gc_counter_add(s->rejected_invalid, 1);
		ret = respond_status(conn, MHD_HTTP_BAD_REQUEST, 3, err ? err : "invalid request",
				     req->format, req->origin);
		break;
	}
	free(err);
	return ret;
}

static enum MHD_Result preflight(struct otlp_http_server *s, struct MHD_Connection *conn)
{
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO; /* no memory for an answer: close */
	if (origin && origin_allowed(s->config, origin)) {
		const char *req_headers = MHD_lookup_connection_value(
			conn, MHD_HEADER_KIND, "Access-Control-Request-Headers");
		char max_age[32];

		MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
		MHD_add_response_header(r, "Access-Control-Allow-Methods", "POST");
		if (req_headers)
			MHD_add_response_header(r, "Access-Control-Allow-Headers", req_headers);
		if (s->config->cors.max_age > 0) {
			snprintf(max_age, sizeof(max_age), "%lld",
				 (long long)s->config->cors.max_age);
			MHD_add_response_header(r, "Access-Control-Max-Age", max_age);
		}
		MHD_add_response_header(r, "Vary", "Origin");
	}
	ret = MHD_queue_response(conn, MHD_HTTP_NO_CONTENT, r);
	MHD_destroy_response(r);
	return ret;
}

/* First call for a request: only headers are known. Returns a new request, or
 * NULL after queueing an error response. */
static struct http_request *start_request(struct otlp_http_server *s, struct MHD_Connection *conn,
					  const char *url, const char *method,
					  enum MHD_Result *ret)
{
	const char *ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	const char *cenc = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Encoding");
	const char *clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	struct http_request req = { 0 };
	int signal = -1;

	for (int i = 0; i < GC_SIGNAL_COUNT; i++)
		if (!strcmp(url, signal_paths[i]))
			signal = i;
	req.format = ctype && media_type_is(ctype, "application/json") ? GC_FORMAT_JSON
								     : GC_FORMAT_PROTOBUF;
	if (origin && s->config->cors.allowed_origins.n && origin_allowed(s->config, origin)) {
		req.origin = strdup(origin);
		if (!req.origin)
			goto out_of_memory;
	}
	if (signal < 0) {
		gc_counter_add(s->rejected_not_found, 1);
		*ret = respond_status(conn, MHD_HTTP_NOT_FOUND, 5,
				      "OTLP/HTTP paths are /v1/traces, /v1/logs and /v1/metrics",
				      req.format, req.origin);
		goto refused;
	}
	req.signal = (enum gc_signal)signal;
	if (strcmp(method, "POST")) {
		gc_counter_add(s->rejected_method, 1);
		*ret = respond_status(conn, MHD_HTTP_METHOD_NOT_ALLOWED, 12,
				      "only POST is allowed", req.format, req.origin);
		goto refused;
	}
	if (!ctype || (!media_type_is(ctype, "application/x-protobuf") &&
		       !media_type_is(ctype, "application/json"))) {
		gc_counter_add(s->rejected_media_type, 1);
		*ret = respond_status(conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, 3,
				      "Content-Type must be application/x-protobuf or application/json",
				      GC_FORMAT_PROTOBUF, req.origin);
		goto refused;
	}
	if (cenc && strcasecmp(cenc, "identity")) {
		if (!strcasecmp(cenc, "gzip")) {
			req.encoding = GC_INFLATE_GZIP;
		} else if (!strcasecmp(cenc, "deflate")) {
			req.encoding = GC_INFLATE_ZLIB;
		} else {
			gc_counter_add(s->rejected_media_type, 1);
			*ret = respond_status(conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, 3,
					      "Content-Encoding must be gzip, deflate or identity",
					      req.format, req.origin);
			goto refused;
		}
		req.compressed = true;
	}
	if (clen && strtoull(clen, NULL, 10) > (unsigned long long)s->config->max_request_body_size) {
		gc_counter_add(s->rejected_too_large, 1);
		*ret = respond_status(conn, MHD_HTTP_CONTENT_TOO_LARGE, 8,
				      "body exceeds max_request_body_size", req.format, req.origin);
		goto refused;
	}
	if (clen)
		req.expected = (size_t)strtoull(clen, NULL, 10);
	if (info && info->client_addr)
		memcpy(&req.client, info->client_addr,
		       info->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
								: sizeof(struct sockaddr_in));
	{
		struct http_request *r = malloc(sizeof(*r));

		if (!r)
			goto out_of_memory;
		*r = req;
		*ret = MHD_YES;
		return r;
	}
out_of_memory:
	gc_counter_add(s->rejected_unavailable, 1);
	*ret = respond_status(conn, MHD_HTTP_SERVICE_UNAVAILABLE, 14, "out of memory; retry later",
			      req.format, req.origin);
refused:
	free(req.origin);
	return NULL;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version, const char *upload_data,
			       size_t *upload_data_size, void **con_cls)
{
	struct otlp_http_server *s = cls;
	struct http_request *req = *con_cls;
	enum MHD_Result ret;

	if (!req) {
		if (!strcmp(method, "OPTIONS"))
			return preflight(s, conn);
		req = start_request(s, conn, url, method, &ret);
		*con_cls = req;
		return ret;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (req->too_large || req->overloaded || req->no_memory)
			return MHD_YES; /* read and dropped; answered at the end */
		if (req->len + n > (size_t)s->config->max_request_body_size) {
			req->too_large = true;
			release_body(s, req);
			return MHD_YES;
		}
		if (req->len + n > req->cap) {
			int rc = grow_body(s, req, req->len + n);

			if (rc != GC_OK) { /* counted now: the end may never come */
				gc_counter_add(s->rejected_unavailable, 1);
				req->overloaded = rc == GC_FULL;
				req->no_memory = rc == GC_ERROR;
				release_body(s, req);
				return MHD_YES;
			}
		}
		memcpy(req->body + req->len, upload_data, n);
		req->len += n;
		return MHD_YES;
	}
	if (req->overloaded)
		return respond_status(conn, MHD_HTTP_SERVICE_UNAVAILABLE, 14,
				      "the collector holds its limit of request bodies "
				      "(max_request_bytes_in_flight); retry later",
				      req->format, req->origin);
	if (req->no_memory)
		return respond_status(conn, MHD_HTTP_SERVICE_UNAVAILABLE, 14,
				      "out of memory; retry later", req->format, req->origin);
	if (req->too_large) {
		gc_counter_add(s->rejected_too_large, 1);
		return respond_status(conn, MHD_HTTP_CONTENT_TOO_LARGE, 8,
				      "body exceeds max_request_body_size", req->format, req->origin);
	}
	return finish_request(s, conn, req);
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	struct otlp_http_server *s = cls;
	struct http_request *req = *con_cls;

	if (!req)
		return;
	release_body(s, req);
	free(req->origin);
	free(req);
	*con_cls = NULL;
}

static void register_metrics(struct otlp_http_server *s)
{
	gc_receiver_metrics_init(&s->metrics, s->id, "http");
	s->rejected_invalid = gc_receiver_rejected(&s->metrics, "invalid_argument");
	s->rejected_unavailable = gc_receiver_rejected(&s->metrics, "unavailable");
	s->rejected_too_large = gc_receiver_rejected(&s->metrics, "too_large");
	s->rejected_media_type = gc_receiver_rejected(&s->metrics, "unsupported_media_type");
	s->rejected_not_found = gc_receiver_rejected(&s->metrics, "not_found");
	s->rejected_method = gc_receiver_rejected(&s->metrics, "method_not_allowed");
	s->rejected_timeout = gc_receiver_rejected(&s->metrics, "timeout");
}

/* A connection that missed read_timeout: a rejected request. Called from any
 * polling thread or the deadline thread; the counter is atomic. */
static void count_timeout(void *arg)
{
	struct otlp_http_server *s = arg;

	gc_counter_add(s->rejected_timeout, 1);
}

/* The configured limits in the form the HTTP server takes. */
static struct gc_http_options server_options(struct otlp_http_server *s)
{
	const struct gc_http_limits *l = &s->config->limits;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	return (struct gc_http_options){
		.threads = (unsigned)(cores > 1 ? cores : 1),
		.max_connections = (unsigned)l->max_connections,
		.max_connections_per_client = (unsigned)l->max_connections_per_client,
		.read_timeout_ns = l->read_timeout,
		.idle_timeout_ns = l->idle_timeout,
		.completed = request_completed,
		.completed_arg = s,
		.timed_out = count_timeout,
		.purpose = "OTLP/HTTP",
	};
}

struct otlp_http_server *otlp_http_start(const char *id, const struct otlp_http_config *config,
					 struct gc_receiver_sink *sink, char **err)
{
	struct otlp_http_server *s = calloc(1, sizeof(*s));
	struct gc_http_options options;
	char *msg = NULL;
	int port;

	if (!s || !(s->id = strdup(id))) {
		free(s);
		gc_set_err(err, "%s: out of memory", id);
		return NULL;
	}
	s->config = config;
	s->sink = sink;
	s->budget = gc_byte_budget_new((size_t)config->max_request_bytes_in_flight,
				       client_share(config), (size_t)config->limits.max_connections);
	if (!s->budget) {
		gc_set_err(err, "%s: out of memory", id);
		otlp_http_stop(s);
		return NULL;
	}
	register_metrics(s);
	options = server_options(s);
	s->daemon = gc_http_listen(config->endpoint, handler, s, &options, &port, &msg);
	if (!s->daemon) {
		gc_set_err(err, "%s: %s", id, msg);
		free(msg);
		otlp_http_stop(s);
		return NULL;
	}
	gc_receiver_log_listening(id, "http", config->endpoint, port);
	return s;
}

void otlp_http_stop(struct otlp_http_server *s)
{
	if (!s)
		return;
	/* Lets running handlers finish and answers them. */
	gc_http_stop(s->daemon);
	gc_byte_budget_free(s->budget);
	free(s->id);
	free(s);
}
