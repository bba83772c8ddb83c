/* gc_loadgen sink: a minimal OTLP/gRPC trace receiver that answers every
 * TraceService/Export with OK and an empty response, counting requests and
 * spans by walking the wire bytes. Other methods get UNIMPLEMENTED.
 * Each worker thread drains its own completion queue and keeps --posted
 * requests waiting on it, re-posting before handling the one that fired.
 * SIGTERM/SIGINT print the totals and exit; SIGUSR1 prints them and goes on. */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>

#include "grpc_util.h"
#include "util.h"
#include "wire.h"

struct sink_options {
	const char *listen;
	uint64_t threads;
	uint64_t posted; /* requests kept posted per thread */
	uint64_t max_recv_mib;
};

/* Counters are written by one worker and read by the main thread. */
struct sink_counters {
	uint64_t requests;
	uint64_t spans;
	uint64_t digest;
	uint64_t bytes;
	uint64_t malformed;
	uint64_t unimplemented;
};

struct sink;

struct sink_worker {
	struct sink *sink;
	grpc_completion_queue *cq;
	pthread_t tid;
	struct sink_counters counters;
};

struct sink {
	const struct sink_options *options;
	grpc_server *server;
	struct sink_worker *workers;
	int stopping; /* atomic: no more re-posting */
};

enum sink_state {
	SINK_REQUESTED, /* waiting for a call */
	SINK_READING,   /* waiting for the request message */
	SINK_FINISHING, /* status sent, waiting for the call to close */
};

/* One server call; the struct is the completion tag. */
struct sink_call {
	enum sink_state state;
	struct sink_worker *worker;
	grpc_call *call;
	grpc_call_details details;
	grpc_metadata_array request_md;
	grpc_byte_buffer *message;
	grpc_byte_buffer *response;
	grpc_slice status_details;
	int cancelled;
};

static void counter_add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static uint64_t counter_get(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static void call_free(struct sink_call *c)
{
	if (!c)
		return;
	if (c->call)
		grpc_call_unref(c->call);
	if (c->message)
		grpc_byte_buffer_destroy(c->message);
	if (c->response)
		grpc_byte_buffer_destroy(c->response);
	grpc_call_details_destroy(&c->details);
	grpc_metadata_array_destroy(&c->request_md);
	free(c);
}

/* Posts one request for a new call on the worker's queue. Returns 0 or -1. */
static int post_request(struct sink_worker *w)
{
	struct sink_call *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	c->state = SINK_REQUESTED;
	c->worker = w;
	grpc_call_details_init(&c->details);
	grpc_metadata_array_init(&c->request_md);
	if (grpc_server_request_call(w->sink->server, &c->call, &c->details, &c->request_md,
				     w->cq, w->cq, c) != GRPC_CALL_OK) {
		call_free(c);
		return -1;
	}
	return 0;
}

/* Sends the status (and, when OK, the empty ExportTraceServiceResponse) and
 * waits for the call to close. */
static void call_finish(struct sink_call *c, grpc_status_code status, const char *details)
{
	grpc_op ops[4];
	size_t n = 0;

	memset(ops, 0, sizeof(ops));
	c->state = SINK_FINISHING;
	c->status_details = grpc_slice_from_static_string(details);
	ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
	if (status == GRPC_STATUS_OK) {
		c->response = grpc_raw_byte_buffer_create(NULL, 0);
		ops[n].op = GRPC_OP_SEND_MESSAGE;
		ops[n++].data.send_message.send_message = c->response;
	}
	ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[n].data.send_status_from_server.status = status;
	ops[n++].data.send_status_from_server.status_details = &c->status_details;
	ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[n++].data.recv_close_on_server.cancelled = &c->cancelled;
	if (grpc_call_start_batch(c->call, ops, n, c, NULL) != GRPC_CALL_OK)
		call_free(c);
}

static void call_accepted(struct sink_call *c)
{
	grpc_op op;

	if (grpc_slice_str_cmp(c->details.method, BENCH_EXPORT_METHOD) != 0) {
		counter_add(&c->worker->counters.unimplemented, 1);
		call_finish(c, GRPC_STATUS_UNIMPLEMENTED, "only TraceService/Export is served");
		return;
	}
	memset(&op, 0, sizeof(op));
	c->state = SINK_READING;
	op.op = GRPC_OP_RECV_MESSAGE;
	op.data.recv_message.recv_message = &c->message;
	if (grpc_call_start_batch(c->call, &op, 1, c, NULL) != GRPC_CALL_OK)
		call_free(c);
}

/* Counts the spans of the received request. */
static void call_read(struct sink_call *c)
{
	struct sink_counters *k = &c->worker->counters;
	grpc_byte_buffer_reader reader;
	struct wire_summary summary;
	grpc_slice slice;
	int rc;

	if (!c->message) {
		call_finish(c, GRPC_STATUS_INVALID_ARGUMENT, "no request message");
		return;
	}
	if (!grpc_byte_buffer_reader_init(&reader, c->message)) {
		counter_add(&k->malformed, 1);
		call_finish(c, GRPC_STATUS_INVALID_ARGUMENT, "could not decompress the message");
		return;
	}
	slice = grpc_byte_buffer_reader_readall(&reader);
	grpc_byte_buffer_reader_destroy(&reader);
	rc = wire_count_spans(GRPC_SLICE_START_PTR(slice), GRPC_SLICE_LENGTH(slice), &summary);
	if (rc == 0) {
		counter_add(&k->requests, 1);
		counter_add(&k->spans, summary.spans);
		counter_add(&k->digest, summary.span_digest);
		counter_add(&k->bytes, GRPC_SLICE_LENGTH(slice));
	}
	grpc_slice_unref(slice);
	grpc_byte_buffer_destroy(c->message);
	c->message = NULL;
	if (rc < 0) {
		counter_add(&k->malformed, 1);
		call_finish(c, GRPC_STATUS_INVALID_ARGUMENT, "malformed ExportTraceServiceRequest");
		return;
	}
	call_finish(c, GRPC_STATUS_OK, "");
}

static void call_event(struct sink_call *c, int success)
{
	struct sink_worker *w = c->worker;

	switch (c->state) {
	case SINK_REQUESTED:
		if (!success) { /* the server is shutting down */
			call_free(c);
			return;
		}
		if (!__atomic_load_n(&w->sink->stopping, __ATOMIC_ACQUIRE) && post_request(w) < 0)
			fprintf(stderr, "gc_loadgen sink: could not post a request\n");
		call_accepted(c);
		return;
	case SINK_READING:
		if (!success) {
			call_free(c);
			return;
		}
		call_read(c);
		return;
	case SINK_FINISHING:
		call_free(c);
		return;
	}
}

static void *worker_main(void *arg)
{
	struct sink_worker *w = arg;

	for (;;) {
		grpc_event ev = grpc_completion_queue_next(w->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);

		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			return NULL;
		if (ev.type == GRPC_OP_COMPLETE)
			call_event(ev.tag, ev.success);
	}
}

static void print_totals(const struct sink *s, const char *label)
{
	struct sink_counters t = { 0 };
	size_t i;

	for (i = 0; i < s->options->threads; i++) {
		const struct sink_counters *k = &s->workers[i].counters;

		t.requests += counter_get(&k->requests);
		t.spans += counter_get(&k->spans);
		t.digest += counter_get(&k->digest);
		t.bytes += counter_get(&k->bytes);
		t.malformed += counter_get(&k->malformed);
		t.unimplemented += counter_get(&k->unimplemented);
	}
	printf("%s spans=%llu requests=%llu bytes=%llu digest=%016llx malformed=%llu unimplemented=%llu\n",
	       label, (unsigned long long)t.spans, (unsigned long long)t.requests,
	       (unsigned long long)t.bytes, (unsigned long long)t.digest,
	       (unsigned long long)t.malformed, (unsigned long long)t.unimplemented);
	fflush(stdout);
}

/* Stops accepting, gives open calls a second to finish, cancels the rest,
 * then shuts down and drains every worker queue. */
static void sink_stop(struct sink *s, size_t running)
{
	grpc_completion_queue *done = grpc_completion_queue_create_for_pluck(NULL);
	size_t i;

	__atomic_store_n(&s->stopping, 1, __ATOMIC_RELEASE);
	grpc_server_shutdown_and_notify(s->server, done, s);
	if (grpc_completion_queue_pluck(done, s, bench_deadline_in(BENCH_NS_PER_SEC), NULL).type ==
	    GRPC_QUEUE_TIMEOUT) {
		grpc_server_cancel_all_calls(s->server);
		grpc_completion_queue_pluck(done, s, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	}
	grpc_completion_queue_shutdown(done);
	grpc_completion_queue_destroy(done);
	for (i = 0; i < s->options->threads; i++)
		grpc_completion_queue_shutdown(s->workers[i].cq);
	for (i = 0; i < running; i++)
		pthread_join(s->workers[i].tid, NULL);
}

static void sink_usage(FILE *out)
{
	fprintf(out,
		"usage: gc_loadgen sink [--listen 127.0.0.1:0] [--threads 2] [--posted 32]\n"
		"         [--max-recv-mib 64]\n"
		"Prints 'sink listening on HOST:PORT' once serving, and 'SINK spans=N ...'\n"
		"on SIGTERM/SIGINT (then exits) or SIGUSR1 (and keeps serving).\n");
}

static int sink_parse(int argc, char **argv, struct sink_options *o)
{
	int i = 1;

	while (i < argc) {
		const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
		int bad;

		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			sink_usage(stdout);
			exit(0);
		}
		if (!value) {
			fprintf(stderr, "gc_loadgen sink: %s: unknown option or missing value\n", arg);
			return -1;
		}
		if (strcmp(arg, "--listen") == 0)
			o->listen = value, bad = strrchr(value, ':') == NULL;
		else if (strcmp(arg, "--threads") == 0)
			bad = bench_parse_count(value, 1, 64, &o->threads);
		else if (strcmp(arg, "--posted") == 0)
			bad = bench_parse_count(value, 1, 10000, &o->posted);
		else if (strcmp(arg, "--max-recv-mib") == 0)
			bad = bench_parse_count(value, 1, 2047, &o->max_recv_mib);
		else {
			fprintf(stderr, "gc_loadgen sink: unknown option %s\n", arg);
			sink_usage(stderr);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "gc_loadgen sink: bad value for %s: %s\n", arg, value);
			return -1;
		}
		i += 2;
	}
	return 0;
}

static int sink_start(struct sink *s, int *port)
{
	const struct sink_options *o = s->options;
	grpc_arg arg = bench_int_arg(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, (int)(o->max_recv_mib << 20));
	grpc_channel_args args = { 1, &arg };
	grpc_server_credentials *creds;
	size_t i;

	s->server = grpc_server_create(&args, NULL);
	for (i = 0; i < o->threads; i++) {
		s->workers[i].sink = s;
		s->workers[i].cq = grpc_completion_queue_create_for_next(NULL);
		grpc_server_register_completion_queue(s->server, s->workers[i].cq, NULL);
	}
	creds = grpc_insecure_server_credentials_create();
	*port = grpc_server_add_http2_port(s->server, o->listen, creds);
	grpc_server_credentials_release(creds);
	if (*port == 0) {
		fprintf(stderr, "gc_loadgen sink: cannot listen on %s\n", o->listen);
		return -1;
	}
	grpc_server_start(s->server);
	return 0;
}

int loadgen_sink_main(int argc, char **argv)
{
	struct sink_options o = { "127.0.0.1:0", 2, 32, 64 };
	struct sink s = { &o, NULL, NULL, 0 };
	size_t i, j, running = 0;
	sigset_t signals;
	int port = 0, sig = 0, rc = 1;

	if (sink_parse(argc, argv, &o) < 0)
		return 2;
	/* gRPC reads large messages into large buffers; served from mmap they
	 * are faulted in and unmapped (with TLB shootdowns) per message. Keep
	 * them on the heap so the sink stays cheap next to the daemon. */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	/* Blocked before any thread exists, so only sigwait sees them. */
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	s.workers = calloc(o.threads, sizeof(*s.workers));
	if (!s.workers)
		return 1;
	grpc_init();
	if (sink_start(&s, &port) < 0)
		goto fail;
	for (i = 0; i < o.threads; i++)
		for (j = 0; j < o.posted; j++)
			if (post_request(&s.workers[i]) < 0)
				goto stop;
	for (; running < o.threads; running++)
		if (pthread_create(&s.workers[running].tid, NULL, worker_main, &s.workers[running]))
			goto stop;
	printf("sink listening on %.*s:%d\n", (int)(strrchr(o.listen, ':') - o.listen), o.listen, port);
	fflush(stdout);
	for (;;) {
		if (sigwait(&signals, &sig) != 0 || sig != SIGUSR1)
			break;
		print_totals(&s, "SINK-PROGRESS");
	}
	rc = 0;
stop:
	sink_stop(&s, running);
	print_totals(&s, "SINK");
fail:
	if (s.server)
		grpc_server_destroy(s.server);
	for (i = 0; i < o.threads; i++)
		if (s.workers[i].cq)
			grpc_completion_queue_destroy(s.workers[i].cq);
	grpc_shutdown();
	free(s.workers);
	return rc;
}
