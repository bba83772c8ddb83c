/* OTLP/gRPC server on the gRPC C core. One completion queue per thread, each
 * drained by exactly that thread. Every thread keeps requests posted for the
 * three Export methods and one generic request that answers UNIMPLEMENTED for
 * any other method. A call is answered OK only once its batch is in every
 * exporter's queue. */
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporter.h"
#include "grpc_args.h"
#include "inflate.h"
#include "log.h"
#include "otlp.h"
#include "receiver_metrics.h"

/* Requests kept posted per method per thread, so a burst of calls does not wait
 * for a re-post. */
#define POSTED_PER_METHOD 4
#define STOP_GRACE_NS GC_SEC(5)

static const char *const method_paths[GC_SIGNAL_COUNT] = {
	"/opentelemetry.proto.collector.trace.v1.TraceService/Export",
	"/opentelemetry.proto.collector.logs.v1.LogsService/Export",
	"/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
};

enum call_kind { CALL_EXPORT, CALL_GENERIC };
enum call_state { CALL_REQUESTED, CALL_FINISHING };

struct worker;

struct call {
	enum call_kind kind;
	enum call_state state;
	enum gc_signal signal; /* CALL_EXPORT */
	struct worker *worker;
	grpc_call *call;
	gpr_timespec deadline;
	grpc_metadata_array request_md;
	grpc_call_details details; /* CALL_GENERIC */
	grpc_byte_buffer *payload; /* CALL_EXPORT */
	grpc_byte_buffer *response;
	grpc_slice status_details;
	int cancelled;
};

struct worker {
	struct otlp_grpc_server *server;
	grpc_completion_queue *cq;
	pthread_t thread;
	bool running;
	uint8_t *buf; /* reused for messages that arrive in several slices */
	size_t cap;
};

struct otlp_grpc_server {
	char *id;
	const struct otlp_grpc_config *config;
	struct gc_receiver_sink *sink;
	grpc_server *server;
	grpc_resource_quota *quota;
	void *methods[GC_SIGNAL_COUNT];
	size_t n_workers;
	struct worker *workers;
	_Atomic bool shutting_down;

	int shutdown_tag; /* its address tags the shutdown notification */
	pthread_mutex_t lock;
	pthread_cond_t shutdown_cond;
	bool shutdown_done;

	struct gc_receiver_metrics metrics;
	gc_counter *rejected_invalid, *rejected_unavailable, *rejected_unimplemented,
		*rejected_too_large;
};

static void post_request(struct worker *w, enum call_kind kind, enum gc_signal signal)
{
	struct otlp_grpc_server *s = w->server;
	struct call *c = calloc(1, sizeof(*c));
	grpc_call_error rc;

	if (!c) { /* the method keeps its other posted requests */
		gc_error(s->id, "out of memory: cannot post a gRPC request");
		return;
	}
	c->kind = kind;
	c->signal = signal;
	c->worker = w;
	grpc_metadata_array_init(&c->request_md);
	if (kind == CALL_EXPORT) {
		rc = grpc_server_request_registered_call(s->server, s->methods[signal], &c->call,
							 &c->deadline, &c->request_md,
							 &c->payload, w->cq, w->cq, c);
	} else {
		grpc_call_details_init(&c->details);
		rc = grpc_server_request_call(s->server, &c->call, &c->details, &c->request_md,
					      w->cq, w->cq, c);
	}
	if (rc != GRPC_CALL_OK) {
		gc_error(s->id, "cannot post a gRPC request: error %d", (int)rc);
		grpc_metadata_array_destroy(&c->request_md);
		if (kind == CALL_GENERIC)
			grpc_call_details_destroy(&c->details);
		free(c);
	}
}

static void free_call(struct call *c)
{
	if (c->call)
		grpc_call_unref(c->call);
	grpc_metadata_array_destroy(&c->request_md);
	if (c->kind == CALL_GENERIC)
		grpc_call_details_destroy(&c->details);
	if (c->payload)
		grpc_byte_buffer_destroy(c->payload);
	if (c->response)
		grpc_byte_buffer_destroy(c->response);
	if (c->state == CALL_FINISHING)
		grpc_slice_unref(c->status_details);
	free(c);
}

/* Sends the status (and, for OK, an empty Export*ServiceResponse: no
 * partial_success means everything was accepted). */
static void finish(struct call *c, grpc_status_code status, const char *details)
{
	grpc_op ops[4];
	grpc_op *op = ops;
	grpc_call_error rc;

	memset(ops, 0, sizeof(ops));
	c->state = CALL_FINISHING;
	c->status_details = grpc_slice_from_copied_string(details ? details : "");
	op->op = GRPC_OP_SEND_INITIAL_METADATA;
	op++;
	if (status == GRPC_STATUS_OK) {
		c->response = grpc_raw_byte_buffer_create(NULL, 0);
		op->op = GRPC_OP_SEND_MESSAGE;
		op->data.send_message.send_message = c->response;
		op++;
	}
	op->op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	op->data.send_status_from_server.status = status;
	op->data.send_status_from_server.status_details = &c->status_details;
	op++;
	op->op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	op->data.recv_close_on_server.cancelled = &c->cancelled;
	op++;
	rc = grpc_call_start_batch(c->call, ops, (size_t)(op - ops), c, NULL);
	if (rc != GRPC_CALL_OK) {
		gc_warn(c->worker->server->id, "cannot answer a call: error %d", (int)rc);
		free_call(c);
	}
}

/* Answers a call that is refused, and counts it under `counter`. */
static void refuse(struct call *c, gc_counter *counter, grpc_status_code status, const char *msg)
{
	gc_counter_add(counter, 1);
	gc_debug(c->worker->server->id, "refused a %s request: %s", gc_signal_name(c->signal), msg);
	finish(c, status, msg);
}

/* The message as gRPC core handed it over, still compressed when
 * data.raw.compression says so (per-message decompression is off on this
 * server, and grpc_byte_buffer_reader_init would inflate without a bound, so
 * the slices are read directly): the slice itself when it came in one, else a
 * copy into the worker's buffer (kept between calls, so large messages do not
 * cost an allocation each). Returns false when out of memory. */
static bool message_bytes(struct worker *w, const grpc_byte_buffer *payload, const uint8_t **data,
			  size_t *len)
{
	const grpc_slice_buffer *slices = &payload->data.raw.slice_buffer;
	size_t total = 0;

	if (slices->count == 0) {
		*data = (const uint8_t *)"";
		*len = 0;
		return true;
	}
	if (slices->count == 1) {
		*data = GRPC_SLICE_START_PTR(slices->slices[0]);
		*len = GRPC_SLICE_LENGTH(slices->slices[0]);
		return true;
	}
	if (slices->length > w->cap) {
		size_t cap = slices->length > 64 * 1024 ? slices->length : 64 * 1024;
		uint8_t *p = realloc(w->buf, cap);

		if (!p)
			return false;
		w->buf = p;
		w->cap = cap;
	}
	for (size_t i = 0; i < slices->count; i++) {
		size_t n = GRPC_SLICE_LENGTH(slices->slices[i]);

		memcpy(w->buf + total, GRPC_SLICE_START_PTR(slices->slices[i]), n);
		total += n;
	}
	*data = w->buf;
	*len = total;
	return true;
}

/* Inflates a compressed message into a new buffer (*out, the caller frees) of
 * at most `limit` bytes: memory follows the limit, never the size the message
 * claims. Returns false after refusing the call. */
static bool inflate_message(struct call *c, const uint8_t *in, size_t len, size_t limit,
			    uint8_t **out, size_t *out_len)
{
	struct otlp_grpc_server *s = c->worker->server;
	grpc_compression_algorithm algorithm = c->payload->data.raw.compression;
	enum gc_inflate_format format;
	const char *name;
	char msg[192];
	int rc;

	switch (algorithm) {
	case GRPC_COMPRESS_GZIP:
		format = GC_INFLATE_GZIP;
		name = "gzip";
		break;
	case GRPC_COMPRESS_DEFLATE:
		format = GC_INFLATE_ZLIB;
		name = "deflate";
		break;
	default:
		snprintf(msg, sizeof(msg),
			 "unsupported message compression (algorithm %d); use gzip, deflate or "
			 "identity",
			 (int)algorithm);
		refuse(c, s->rejected_unimplemented, GRPC_STATUS_UNIMPLEMENTED, msg);
		return false;
	}
	rc = gc_inflate(in, len, format, limit, out, out_len);
	switch (rc) {
	case GC_OK:
		return true;
	case GC_INFLATE_TOO_LARGE:
		snprintf(msg, sizeof(msg),
			 "%s message of %zu bytes inflates past max_recv_msg_size_mib (%lld MiB)",
			 name, len, (long long)s->config->max_recv_msg_size_mib);
		refuse(c, s->rejected_too_large, GRPC_STATUS_RESOURCE_EXHAUSTED, msg);
		return false;
	case GC_INFLATE_BAD_DATA:
		snprintf(msg, sizeof(msg), "the message is not valid %s data (grpc-encoding: %s)",
			 format == GC_INFLATE_GZIP ? "gzip" : "zlib", name);
		refuse(c, s->rejected_invalid, GRPC_STATUS_INVALID_ARGUMENT, msg);
		return false;
	default:
		refuse(c, s->rejected_unavailable, GRPC_STATUS_UNAVAILABLE,
		       "out of memory while decompressing; retry later");
		return false;
	}
}

/* gRPC core reads grpc-encoding itself and drops a name it does not know, so
 * a message compressed that way arrives looking uncompressed. When such a
 * message does not decode, its first bytes may still say what it is. Returns
 * the format's name, or NULL. */
static const char *compressed_look(const uint8_t *data, size_t len)
{
	if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b)
		return "gzip";
	if (len >= 2 && data[0] == 0x78 && ((data[0] << 8) | data[1]) % 31 == 0)
		return "zlib";
	if (len >= 4 && data[0] == 0x28 && data[1] == 0xb5 && data[2] == 0x2f && data[3] == 0xfd)
		return "zstd";
	return NULL;
}

/* Refuses a message that does not decode, saying so more plainly when it
 * looks like compressed data under an encoding gRPC core did not know. */
static void refuse_undecodable(struct call *c, const uint8_t *data, size_t len, bool inflated,
			       const char *err)
{
	struct otlp_grpc_server *s = c->worker->server;
	const char *look = inflated ? NULL : compressed_look(data, len);
	char msg[256];

	if (!look) {
		refuse(c, s->rejected_invalid, GRPC_STATUS_INVALID_ARGUMENT,
		       err ? err : "invalid request");
		return;
	}
	snprintf(msg, sizeof(msg),
		 "the message looks like %s data sent without a grpc-encoding this server "
		 "supports; send grpc-encoding gzip, deflate or identity",
		 look);
	refuse(c, s->rejected_invalid, GRPC_STATUS_INVALID_ARGUMENT, msg);
}

/* Hands one message to the pipelines and answers the call. */
static void consume(struct call *c, const uint8_t *data, size_t len, bool inflated)
{
	struct otlp_grpc_server *s = c->worker->server;
	size_t items = 0;
	char *err = NULL;
	int rc;

	rc = gc_sink_consume(s->sink, c->signal, GC_FORMAT_PROTOBUF, data, len, NULL, &items, &err);
	switch (rc) {
	case GC_OK:
		gc_counter_add(s->metrics.accepted[c->signal], items);
		finish(c, GRPC_STATUS_OK, NULL);
		break;
	case GC_FULL:
		gc_counter_add(s->metrics.refused_full[c->signal], items);
		refuse(c, s->rejected_unavailable, GRPC_STATUS_UNAVAILABLE,
		       err ? err : "queue full; retry later");
		break;
	case GC_RETRY:
		refuse(c, s->rejected_unavailable, GRPC_STATUS_UNAVAILABLE,
		       err ? err : "cannot take the request now; retry later");
		break;
	default:
		refuse_undecodable(c, data, len, inflated, err);
		break;
	}
	free(err);
}

/* max_recv_msg_size_mib applies twice to a compressed message: to its size on
 * the wire, and to its size once inflated. */
static void handle_export(struct call *c)
{
	struct otlp_grpc_server *s = c->worker->server;
	size_t limit = (size_t)s->config->max_recv_msg_size_mib * 1048576;
	const uint8_t *data;
	uint8_t *inflated = NULL;
	size_t len;
	char msg[160];

	if (!gc_sink_accepts(s->sink, c->signal)) {
		snprintf(msg, sizeof(msg), "no %s pipeline takes data from receiver %s",
			 gc_signal_name(c->signal), s->id);
		refuse(c, s->rejected_unimplemented, GRPC_STATUS_UNIMPLEMENTED, msg);
		return;
	}
	if (!c->payload) {
		refuse(c, s->rejected_invalid, GRPC_STATUS_INVALID_ARGUMENT,
		       "the call carried no request message");
		return;
	}
	if (!message_bytes(c->worker, c->payload, &data, &len)) {
		refuse(c, s->rejected_unavailable, GRPC_STATUS_UNAVAILABLE,
		       "out of memory; retry later");
		return;
	}
	if (len > limit) {
		snprintf(msg, sizeof(msg), "message of %zu bytes exceeds max_recv_msg_size_mib (%lld)",
			 len, (long long)s->config->max_recv_msg_size_mib);
		refuse(c, s->rejected_too_large, GRPC_STATUS_RESOURCE_EXHAUSTED, msg);
		return;
	}
	/* An empty message is empty whatever its compressed flag says. */
	if (c->payload->data.raw.compression != GRPC_COMPRESS_NONE && len > 0) {
		if (!inflate_message(c, data, len, limit, &inflated, &len))
			return;
		data = inflated;
	}
	consume(c, data, len, inflated != NULL);
	free(inflated);
}

static void handle_event(struct worker *w, struct call *c, bool ok)
{
	struct otlp_grpc_server *s = w->server;

	if (c->state == CALL_FINISHING) {
		free_call(c);
		return;
	}
	if (!ok) { /* the server is shutting down: the request will not match */
		free_call(c);
		return;
	}
	/* Re-post first, so the method is never without a waiting request. */
	if (!atomic_load(&s->shutting_down))
		post_request(w, c->kind, c->signal);
	if (c->kind == CALL_EXPORT) {
		handle_export(c);
	} else {
		char msg[256];

		gc_counter_add(s->rejected_unimplemented, 1);
		/* The method slice is not NUL-terminated: bound it by its length. */
		snprintf(msg, sizeof(msg), "unknown method %.*s",
			 (int)GRPC_SLICE_LENGTH(c->details.method),
			 (const char *)GRPC_SLICE_START_PTR(c->details.method));
		finish(c, GRPC_STATUS_UNIMPLEMENTED, msg);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct otlp_grpc_server *s = w->server;

	for (;;) {
		grpc_event ev = grpc_completion_queue_next(w->cq, gpr_inf_future(GPR_CLOCK_REALTIME),
							   NULL);

		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		if (ev.tag == &s->shutdown_tag) {
			pthread_mutex_lock(&s->lock);
			s->shutdown_done = true;
			pthread_cond_broadcast(&s->shutdown_cond);
			pthread_mutex_unlock(&s->lock);
			continue;
		}
		handle_event(w, ev.tag, ev.success != 0);
	}
	return NULL;
}

static void register_metrics(struct otlp_grpc_server *s)
{
	gc_receiver_metrics_init(&s->metrics, s->id, "grpc");
	s->rejected_invalid = gc_receiver_rejected(&s->metrics, "invalid_argument");
	s->rejected_unavailable = gc_receiver_rejected(&s->metrics, "unavailable");
	s->rejected_unimplemented = gc_receiver_rejected(&s->metrics, "unimplemented");
	s->rejected_too_large = gc_receiver_rejected(&s->metrics, "too_large");
}

struct otlp_grpc_server *otlp_grpc_start(const char *id, const struct otlp_grpc_config *config,
					 struct gc_receiver_sink *sink, char **err)
{
	struct otlp_grpc_server *s = calloc(1, sizeof(*s));
	grpc_arg args[5];
	grpc_channel_args chargs = { 0, args };
	grpc_server_credentials *creds;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int port;

	if (!s || !(s->id = strdup(id))) {
		free(s);
		gc_set_err(err, "%s: out of memory", id);
		return NULL;
	}
	s->config = config;
	s->sink = sink;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->shutdown_cond, NULL);
	register_metrics(s);

	/* gRPC refuses messages over its limit before a call reaches us, so
	 * nothing could count them. It gets twice the configured limit; the
	 * collector refuses (and counts) what lies between. With per-message
	 * decompression off, gRPC compares the size on the wire. */
	args[chargs.num_args++] = gc_grpc_int_arg(
		GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
		config->max_recv_msg_size_mib >= 1024 ? INT32_MAX
						      : (int)(config->max_recv_msg_size_mib * 2 * 1048576));
	/* gRPC core would inflate a compressed message completely before any
	 * size check: a 1 MB gzip message becomes 1 GB. The collector inflates
	 * it itself, and stops at max_recv_msg_size_mib. */
	args[chargs.num_args++] = gc_grpc_int_arg(GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION, 0);
	/* Without this a second collector could silently share the port. */
	args[chargs.num_args++] = gc_grpc_int_arg(GRPC_ARG_ALLOW_REUSEPORT, 0);
	if (config->max_concurrent_streams > 0)
		args[chargs.num_args++] = gc_grpc_int_arg(
			GRPC_ARG_MAX_CONCURRENT_STREAMS, (int)config->max_concurrent_streams);
	/* Messages being received are held by gRPC's transport until complete:
	 * many streams each one byte short of a large message would hold
	 * gigabytes. Past this quota the transport cancels streams. */
	s->quota = grpc_resource_quota_create(id);
	grpc_resource_quota_resize(s->quota, (size_t)config->max_recv_memory_mib * 1048576);
	args[chargs.num_args].type = GRPC_ARG_POINTER;
	args[chargs.num_args].key = (char *)GRPC_ARG_RESOURCE_QUOTA;
	args[chargs.num_args].value.pointer.p = s->quota;
	args[chargs.num_args++].value.pointer.vtable = grpc_resource_quota_arg_vtable();
	s->server = grpc_server_create(&chargs, NULL);
	for (int sig = 0; sig < GC_SIGNAL_COUNT; sig++)
		s->methods[sig] = grpc_server_register_method(
			s->server, method_paths[sig], NULL, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER,
			0);

	s->n_workers = config->num_threads > 0 ? (size_t)config->num_threads
					       : (size_t)(cores > 0 ? cores : 1);
	s->workers = calloc(s->n_workers, sizeof(*s->workers));
	if (!s->workers) {
		gc_set_err(err, "%s: out of memory", id);
		grpc_server_destroy(s->server);
		grpc_resource_quota_unref(s->quota);
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->shutdown_cond);
		free(s->id);
		free(s);
		return NULL;
	}
	for (size_t i = 0; i < s->n_workers; i++) {
		s->workers[i].server = s;
		s->workers[i].cq = grpc_completion_queue_create_for_next(NULL);
		grpc_server_register_completion_queue(s->server, s->workers[i].cq, NULL);
	}
	creds = grpc_insecure_server_credentials_create();
	port = grpc_server_add_http2_port(s->server, config->endpoint, creds);
	grpc_server_credentials_release(creds);
	if (port <= 0) {
		gc_set_err(err, "%s: cannot listen on %s for OTLP/gRPC (address in use or invalid)",
			   id, config->endpoint);
		goto fail;
	}
	grpc_server_start(s->server);
	for (size_t i = 0; i < s->n_workers; i++) {
		struct worker *w = &s->workers[i];

		for (int sig = 0; sig < GC_SIGNAL_COUNT; sig++)
			for (int k = 0; k < POSTED_PER_METHOD; k++)
				post_request(w, CALL_EXPORT, (enum gc_signal)sig);
		post_request(w, CALL_GENERIC, GC_SIGNAL_TRACES);
		if (pthread_create(&w->thread, NULL, worker_main, w)) {
			gc_set_err(err, "%s: cannot start gRPC threads", id);
			goto fail;
		}
		w->running = true;
	}
	gc_receiver_log_listening(id, "grpc", config->endpoint, port);
	return s;
fail:
	otlp_grpc_stop(s);
	return NULL;
}

void otlp_grpc_stop(struct otlp_grpc_server *s)
{
	struct timespec ts;

	if (!s)
		return;
	atomic_store(&s->shutting_down, true);
	grpc_server_shutdown_and_notify(s->server, s->workers[0].cq, &s->shutdown_tag);
	if (!s->workers[0].running) {
		/* Never served: drain the notification ourselves. */
		grpc_server_cancel_all_calls(s->server);
		for (;;) {
			grpc_event ev = grpc_completion_queue_next(
				s->workers[0].cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);

			if (ev.type != GRPC_OP_COMPLETE || ev.tag == &s->shutdown_tag)
				break;
			free_call(ev.tag);
		}
		s->shutdown_done = true;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += STOP_GRACE_NS / 1000000000LL;
	pthread_mutex_lock(&s->lock);
	while (!s->shutdown_done)
		if (pthread_cond_timedwait(&s->shutdown_cond, &s->lock, &ts)) {
			/* Grace period over: fail what is still running. */
			grpc_server_cancel_all_calls(s->server);
			while (!s->shutdown_done)
				pthread_cond_wait(&s->shutdown_cond, &s->lock);
		}
	pthread_mutex_unlock(&s->lock);
	grpc_server_destroy(s->server);
	grpc_resource_quota_unref(s->quota); /* the server holds its own reference */
	for (size_t i = 0; i < s->n_workers; i++) {
		grpc_completion_queue_shutdown(s->workers[i].cq);
		if (s->workers[i].running)
			pthread_join(s->workers[i].thread, NULL);
		else
			for (;;) {
				grpc_event ev = grpc_completion_queue_next(
					s->workers[i].cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);

				if (ev.type == GRPC_QUEUE_SHUTDOWN)
					break;
				if (ev.type == GRPC_OP_COMPLETE && ev.tag != &s->shutdown_tag)
					free_call(ev.tag);
			}
		grpc_completion_queue_destroy(s->workers[i].cq);
		free(s->workers[i].buf);
	}
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->shutdown_cond);
	free(s->workers);
	free(s->id);
	free(s);
}
