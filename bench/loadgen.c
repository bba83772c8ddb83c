/* gc_loadgen send: drives an OTLP/gRPC endpoint with pre-generated GenAI
 * span requests through gRPC C core, keeping --streams unary Export calls in
 * flight per thread, open-loop at --rate or flat out, and reports throughput,
 * latency and errors. gc_loadgen sink (sink.c) is the receiving end. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/compression.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include "grpc_util.h"
#include "spans.h"
#include "util.h"

#define STATUS_SLOTS 18 /* 0..16 and one for a failed batch */
#define STATUS_BATCH_FAILED 17

struct send_options {
	const char *endpoint;
	enum bench_profile profile;
	uint64_t spans_per_request;
	uint64_t streams; /* in flight per thread */
	uint64_t threads;
	uint64_t rate; /* spans per second over all threads; 0: flat out */
	uint64_t duration_ns;
	uint64_t warmup_ns;
	uint64_t timeout_ns;
	uint64_t pool_requests;
	uint64_t seed;
	uint64_t cpu_pid; /* 0: none */
	int gzip;
};

/* What one thread saw. Counters without "all_" cover the measured window
 * only (calls started after warm-up); the all_ ones cover every call, so
 * they can be compared with what a sink received. */
struct send_stats {
	uint64_t requests;
	uint64_t spans;
	uint64_t errors;
	uint64_t by_status[STATUS_SLOTS];
	uint64_t rejected_spans; /* partial_success.rejected_spans */
	uint64_t all_ok_requests;
	uint64_t all_ok_spans;
	uint64_t all_ok_digest;
	uint64_t all_errors;
	uint32_t *latency_us;
	size_t latency_count;
	size_t latency_cap;
	char first_error[160];
};

struct send_thread;

/* One in-flight Export call; the struct is the completion tag. */
struct send_call {
	struct send_thread *thread;
	grpc_call *call;
	grpc_byte_buffer *request;
	grpc_byte_buffer *response;
	grpc_metadata_array initial_md;
	grpc_metadata_array trailing_md;
	grpc_status_code status;
	grpc_slice details;
	const struct bench_request *payload;
	uint64_t started_ns;
	int measured;
};

struct send_thread {
	const struct send_options *options;
	const struct bench_pool *pool;
	grpc_channel *channel;
	grpc_completion_queue *cq;
	grpc_slice method;
	pthread_t tid;
	size_t index;
	uint64_t t_start, t_measure, t_end;
	struct send_call *calls;
	struct send_call **idle; /* stack of free call slots */
	size_t idle_count;
	size_t next_payload;
	uint64_t issued;
	struct send_stats stats;
	int failed; /* out of memory or a gRPC API error */
};

static const char *const status_names[STATUS_SLOTS] = {
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
	"FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
	"UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED", "BATCH_FAILED",
};

const char *bench_status_name(unsigned code)
{
	return code < STATUS_SLOTS ? status_names[code] : "UNKNOWN_STATUS";
}

static int latency_push(struct send_stats *s, uint64_t ns)
{
	uint64_t us = ns / 1000;

	if (s->latency_count == s->latency_cap) {
		size_t cap = s->latency_cap ? 2 * s->latency_cap : 65536;
		uint32_t *p = realloc(s->latency_us, cap * sizeof(*p));

		if (!p)
			return -1;
		s->latency_us = p;
		s->latency_cap = cap;
	}
	s->latency_us[s->latency_count++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	return 0;
}

/* Spans the server refused in an OK response (OTLP partial success). */
static uint64_t response_rejected(grpc_byte_buffer *response)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse *msg;
	grpc_byte_buffer_reader reader;
	grpc_slice slice;
	uint64_t rejected = 0;

	if (!response || grpc_byte_buffer_length(response) == 0)
		return 0;
	if (!grpc_byte_buffer_reader_init(&reader, response))
		return 0;
	slice = grpc_byte_buffer_reader_readall(&reader);
	grpc_byte_buffer_reader_destroy(&reader);
	msg = opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(
		NULL, GRPC_SLICE_LENGTH(slice), GRPC_SLICE_START_PTR(slice));
	if (msg && msg->partial_success && msg->partial_success->rejected_spans > 0)
		rejected = (uint64_t)msg->partial_success->rejected_spans;
	if (msg)
		opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(msg, NULL);
	grpc_slice_unref(slice);
	return rejected;
}

/* Starts one Export call on a free slot with the next payload of the pool.
 * Every op goes in one batch so one completion ends the call. */
static int call_start(struct send_thread *t, struct send_call *c, uint64_t now)
{
	const struct bench_request *r = &t->pool->requests[t->next_payload];
	grpc_slice slice = grpc_slice_from_static_buffer(r->data, r->len);
	grpc_op ops[6];

	t->next_payload = (t->next_payload + 1) % t->pool->count;
	memset(ops, 0, sizeof(ops));
	c->payload = r;
	c->started_ns = now;
	c->measured = now >= t->t_measure && now < t->t_end;
	c->response = NULL;
	c->details = grpc_empty_slice();
	c->status = GRPC_STATUS_UNKNOWN;
	grpc_metadata_array_init(&c->initial_md);
	grpc_metadata_array_init(&c->trailing_md);
	c->request = grpc_raw_byte_buffer_create(&slice, 1);
	c->call = grpc_channel_create_call(t->channel, NULL, GRPC_PROPAGATE_DEFAULTS, t->cq,
					   t->method, NULL,
					   bench_deadline_in(t->options->timeout_ns), NULL);
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = c->request;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &c->initial_md;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &c->response;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &c->trailing_md;
	ops[5].data.recv_status_on_client.status = &c->status;
	ops[5].data.recv_status_on_client.status_details = &c->details;
	if (!c->call || grpc_call_start_batch(c->call, ops, 6, c, NULL) != GRPC_CALL_OK) {
		fprintf(stderr, "gc_loadgen: could not start a call\n");
		if (c->call)
			grpc_call_unref(c->call);
		c->call = NULL;
		grpc_byte_buffer_destroy(c->request);
		grpc_metadata_array_destroy(&c->initial_md);
		grpc_metadata_array_destroy(&c->trailing_md);
		return -1;
	}
	t->issued++;
	return 0;
}

static void call_record(struct send_thread *t, struct send_call *c, int batch_ok, uint64_t now)
{
	struct send_stats *s = &t->stats;
	unsigned slot = batch_ok ? (unsigned)c->status : STATUS_BATCH_FAILED;
	int ok = slot == GRPC_STATUS_OK;

	if (slot >= STATUS_SLOTS)
		slot = GRPC_STATUS_UNKNOWN;
	if (ok) {
		s->all_ok_requests++;
		s->all_ok_spans += c->payload->spans;
		s->all_ok_digest += c->payload->span_digest;
	} else {
		s->all_errors++;
		if (!s->first_error[0]) {
			char *details = grpc_slice_to_c_string(c->details);

			snprintf(s->first_error, sizeof(s->first_error), "%s: %s",
				 bench_status_name(slot), details);
			gpr_free(details);
		}
	}
	if (!c->measured)
		return;
	s->requests++;
	s->by_status[slot]++;
	if (ok) {
		s->spans += c->payload->spans;
		s->rejected_spans += response_rejected(c->response);
	} else {
		s->errors++;
	}
	if (latency_push(s, now - c->started_ns) < 0)
		t->failed = 1;
}

static void call_finish(struct send_thread *t, struct send_call *c, int batch_ok)
{
	call_record(t, c, batch_ok, bench_now_ns());
	grpc_metadata_array_destroy(&c->initial_md);
	grpc_metadata_array_destroy(&c->trailing_md);
	grpc_slice_unref(c->details);
	if (c->response)
		grpc_byte_buffer_destroy(c->response);
	grpc_byte_buffer_destroy(c->request);
	grpc_call_unref(c->call);
	c->call = NULL;
	t->idle[t->idle_count++] = c;
}

/* When the next call may start under --rate, as an offset from t_start.
 * Each thread carries rate/threads. */
static uint64_t next_due(const struct send_thread *t)
{
	const struct send_options *o = t->options;
	double interval_ns = (double)o->spans_per_request * (double)o->threads * 1e9 / (double)o->rate;

	return t->t_start + (uint64_t)((double)t->issued * interval_ns);
}

static void *send_thread_main(void *arg)
{
	struct send_thread *t = arg;
	const struct send_options *o = t->options;
	size_t streams = o->streams;

	for (;;) {
		uint64_t now = bench_now_ns(), wait_until;
		grpc_event ev;

		while (!t->failed && t->idle_count > 0 && now < t->t_end &&
		       (o->rate == 0 || next_due(t) <= now)) {
			if (call_start(t, t->idle[t->idle_count - 1], now) < 0)
				t->failed = 1;
			else
				t->idle_count--;
		}
		if (t->idle_count == streams && (now >= t->t_end || t->failed))
			break;
		/* Under --rate with a free slot, sleep until the next call is due;
		 * otherwise wait for a completion, waking now and then. */
		if (now < t->t_end && t->idle_count > 0 && o->rate) {
			wait_until = next_due(t);
			if (wait_until > t->t_end)
				wait_until = t->t_end;
			if (wait_until < now)
				wait_until = now;
		} else {
			wait_until = now + 100000000;
		}
		ev = grpc_completion_queue_next(t->cq, bench_deadline_in(wait_until - now), NULL);
		if (ev.type == GRPC_OP_COMPLETE)
			call_finish(t, ev.tag, ev.success);
	}
	return NULL;
}

static int thread_init(struct send_thread *t, const struct send_options *o,
		       const struct bench_pool *pool, grpc_channel *channel, size_t index)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->options = o;
	t->pool = pool;
	t->channel = channel;
	t->index = index;
	t->next_payload = (index * pool->count) / o->threads;
	t->method = grpc_slice_from_static_string(BENCH_EXPORT_METHOD);
	t->cq = grpc_completion_queue_create_for_next(NULL);
	t->calls = calloc(o->streams, sizeof(*t->calls));
	t->idle = calloc(o->streams, sizeof(*t->idle));
	if (!t->cq || !t->calls || !t->idle)
		return -1;
	for (i = 0; i < o->streams; i++) {
		t->calls[i].thread = t;
		t->idle[t->idle_count++] = &t->calls[o->streams - 1 - i];
	}
	return 0;
}

static void thread_destroy(struct send_thread *t)
{
	if (t->cq) {
		grpc_completion_queue_shutdown(t->cq);
		while (grpc_completion_queue_next(t->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
		       GRPC_QUEUE_SHUTDOWN)
			;
		grpc_completion_queue_destroy(t->cq);
	}
	free(t->calls);
	free(t->idle);
	free(t->stats.latency_us);
}

/* Waits until the channel is READY, asking it to connect. Returns 0, or -1
 * when the deadline passes first. */
static int wait_connected(grpc_channel *channel, uint64_t timeout_ns)
{
	grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
	gpr_timespec deadline = bench_deadline_in(timeout_ns);
	grpc_connectivity_state state = grpc_channel_check_connectivity_state(channel, 1);
	int rc = 0;

	while (state != GRPC_CHANNEL_READY) {
		grpc_event ev;

		grpc_channel_watch_connectivity_state(channel, state, deadline, cq, NULL);
		ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (!ev.success) {
			rc = -1;
			break;
		}
		state = grpc_channel_check_connectivity_state(channel, 1);
	}
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
	       GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
	return rc;
}

static grpc_channel *channel_create(const struct send_options *o)
{
	grpc_channel_credentials *creds = grpc_insecure_credentials_create();
	grpc_arg args[3];
	grpc_channel_args channel_args = { 0, args };
	grpc_channel *channel;

	args[channel_args.num_args++] = bench_int_arg(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, 64 << 20);
	args[channel_args.num_args++] = bench_int_arg(GRPC_ARG_ENABLE_RETRIES, 0);
	if (o->gzip)
		args[channel_args.num_args++] = bench_int_arg(GRPC_COMPRESSION_CHANNEL_DEFAULT_ALGORITHM, GRPC_COMPRESS_GZIP);
	channel = grpc_channel_create(o->endpoint, creds, &channel_args);
	grpc_channel_credentials_release(creds);
	return channel;
}

/* Merges every thread's window statistics into the first. */
static int stats_merge(struct send_thread *threads, size_t count)
{
	struct send_stats *dst = &threads[0].stats;
	size_t i, j;

	for (i = 1; i < count; i++) {
		struct send_stats *src = &threads[i].stats;

		dst->requests += src->requests;
		dst->spans += src->spans;
		dst->errors += src->errors;
		dst->rejected_spans += src->rejected_spans;
		dst->all_ok_requests += src->all_ok_requests;
		dst->all_ok_spans += src->all_ok_spans;
		dst->all_ok_digest += src->all_ok_digest;
		dst->all_errors += src->all_errors;
		for (j = 0; j < STATUS_SLOTS; j++)
			dst->by_status[j] += src->by_status[j];
		if (!dst->first_error[0])
			memcpy(dst->first_error, src->first_error, sizeof(dst->first_error));
		for (j = 0; j < src->latency_count; j++)
			if (latency_push(dst, (uint64_t)src->latency_us[j] * 1000) < 0)
				return -1;
	}
	return 0;
}

/* CPU figures sampled at the edges of the measured window. */
struct window {
	uint64_t wall_ns;
	uint64_t self_cpu_ns;
	uint64_t daemon_cpu_ns;
	uint64_t daemon_switches;
	int daemon_ok;
};

static void window_sample(struct window *w, const struct send_options *o)
{
	w->wall_ns = bench_now_ns();
	w->self_cpu_ns = bench_process_cpu_ns();
	w->daemon_ok = o->cpu_pid && bench_pid_cpu_ns((int)o->cpu_pid, &w->daemon_cpu_ns) == 0 &&
		       bench_pid_context_switches((int)o->cpu_pid, &w->daemon_switches) == 0;
}

static void report(const struct send_options *o, const struct bench_pool *pool,
		   struct send_stats *s, const struct window *begin, const struct window *end)
{
	double seconds = (double)(end->wall_ns - begin->wall_ns) / 1e9;
	double rate = seconds > 0 ? (double)s->spans / seconds : 0;
	double p50, p90, p99, max, self_us, daemon_s = -1, daemon_us = -1, switches = -1;
	unsigned i;

	bench_sort_u32(s->latency_us, s->latency_count);
	p50 = bench_quantile(s->latency_us, s->latency_count, 0.50) / 1000.0;
	p90 = bench_quantile(s->latency_us, s->latency_count, 0.90) / 1000.0;
	p99 = bench_quantile(s->latency_us, s->latency_count, 0.99) / 1000.0;
	max = bench_quantile(s->latency_us, s->latency_count, 1.0) / 1000.0;
	self_us = s->spans ? (double)(end->self_cpu_ns - begin->self_cpu_ns) / 1e3 / (double)s->spans : 0;
	printf("requests            %llu\n", (unsigned long long)s->requests);
	printf("spans               %llu\n", (unsigned long long)s->spans);
	printf("errors              %llu\n", (unsigned long long)s->errors);
	for (i = 1; i < STATUS_SLOTS; i++)
		if (s->by_status[i])
			printf("errors.%-12s %llu\n", bench_status_name(i),
			       (unsigned long long)s->by_status[i]);
	if (s->first_error[0])
		printf("first error         %s\n", s->first_error);
	if (s->rejected_spans)
		printf("rejected spans      %llu (partial success)\n",
		       (unsigned long long)s->rejected_spans);
	printf("seconds             %.3f\n", seconds);
	printf("spans/s             %.0f\n", rate);
	printf("latency p50         %.3f ms\n", p50);
	printf("latency p90         %.3f ms\n", p90);
	printf("latency p99         %.3f ms\n", p99);
	printf("latency max         %.3f ms\n", max);
	printf("loadgen cpu         %.2f us/span\n", self_us);
	if (begin->daemon_ok && end->daemon_ok) {
		daemon_s = (double)(end->daemon_cpu_ns - begin->daemon_cpu_ns) / 1e9;
		daemon_us = s->spans ? daemon_s * 1e6 / (double)s->spans : 0;
		printf("pid %-5llu cpu       %.2f s, %.2f us/span, %.2f cpu-s per million spans\n",
		       (unsigned long long)o->cpu_pid, daemon_s, daemon_us, daemon_us);
		/* Threads that exit inside the window take their counts along, so
		 * this can undercount; it never goes negative. */
		switches = end->daemon_switches > begin->daemon_switches && s->requests ?
			   (double)(end->daemon_switches - begin->daemon_switches) / (double)s->requests : 0;
		printf("pid %-5llu switches  %.1f context switches per request\n",
		       (unsigned long long)o->cpu_pid, switches);
	}
	printf("RESULT profile=%s spans=%llu seconds=%.3f spans_per_sec=%.0f p50_ms=%.3f "
	       "p90_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%llu requests=%llu "
	       "span_bytes=%.1f loadgen_us_per_span=%.3f daemon_cpu_s=%.3f "
	       "daemon_us_per_span=%.3f total_ok_spans=%llu total_ok_digest=%016llx "
	       "total_errors=%llu rejected_spans=%llu daemon_switches_per_request=%.1f\n",
	       bench_profile_name(o->profile), (unsigned long long)s->spans, seconds, rate,
	       p50, p90, p99, max, (unsigned long long)s->errors,
	       (unsigned long long)s->requests, bench_pool_span_bytes(pool), self_us,
	       daemon_s, daemon_us, (unsigned long long)s->all_ok_spans,
	       (unsigned long long)s->all_ok_digest, (unsigned long long)s->all_errors,
	       (unsigned long long)s->rejected_spans, switches);
}

static void send_usage(FILE *out)
{
	fprintf(out,
		"usage: gc_loadgen send --endpoint HOST:PORT [--profile metadata|content]\n"
		"         [--spans-per-request 100] [--streams 8] [--threads 1]\n"
		"         [--rate SPANS_PER_SEC] [--duration 10s] [--warmup 1s] [--timeout 10s]\n"
		"         [--pool 64] [--seed 1] [--gzip] [--cpu-pid PID]\n"
		"--streams calls are kept in flight per thread; without --rate, flat out.\n"
		"--cpu-pid reports that process's CPU time over the measured window.\n");
}

static int send_parse(int argc, char **argv, struct send_options *o)
{
	int i = 1;

	while (i < argc) {
		const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
		int bad;

		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			send_usage(stdout);
			exit(0);
		}
		if (strcmp(arg, "--gzip") == 0) {
			o->gzip = 1;
			i++;
			continue;
		}
		if (!value) {
			fprintf(stderr, "gc_loadgen send: %s: unknown option or missing value\n", arg);
			return -1;
		}
		if (strcmp(arg, "--endpoint") == 0)
			o->endpoint = value, bad = 0;
		else if (strcmp(arg, "--profile") == 0)
			bad = bench_profile_parse(value, &o->profile);
		else if (strcmp(arg, "--spans-per-request") == 0)
			bad = bench_parse_count(value, 1, 1000000, &o->spans_per_request);
		else if (strcmp(arg, "--streams") == 0)
			bad = bench_parse_count(value, 1, 10000, &o->streams);
		else if (strcmp(arg, "--threads") == 0)
			bad = bench_parse_count(value, 1, 64, &o->threads);
		else if (strcmp(arg, "--rate") == 0)
			bad = bench_parse_count(value, 0, 1000000000, &o->rate);
		else if (strcmp(arg, "--duration") == 0)
			bad = bench_parse_duration(value, &o->duration_ns);
		else if (strcmp(arg, "--warmup") == 0)
			bad = bench_parse_duration(value, &o->warmup_ns);
		else if (strcmp(arg, "--timeout") == 0)
			bad = bench_parse_duration(value, &o->timeout_ns) || o->timeout_ns == 0;
		else if (strcmp(arg, "--pool") == 0)
			bad = bench_parse_count(value, 1, 100000, &o->pool_requests);
		else if (strcmp(arg, "--seed") == 0)
			bad = bench_parse_count(value, 0, UINT64_MAX, &o->seed);
		else if (strcmp(arg, "--cpu-pid") == 0)
			bad = bench_parse_count(value, 1, 1u << 30, &o->cpu_pid);
		else {
			fprintf(stderr, "gc_loadgen send: unknown option %s\n", arg);
			send_usage(stderr);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "gc_loadgen send: bad value for %s: %s\n", arg, value);
			return -1;
		}
		i += 2;
	}
	if (!o->endpoint) {
		fprintf(stderr, "gc_loadgen send: --endpoint is required\n");
		return -1;
	}
	return 0;
}

static void sleep_until(uint64_t t)
{
	uint64_t now = bench_now_ns();
	struct timespec ts;

	if (t <= now)
		return;
	ts.tv_sec = (time_t)((t - now) / BENCH_NS_PER_SEC);
	ts.tv_nsec = (long)((t - now) % BENCH_NS_PER_SEC);
	nanosleep(&ts, NULL);
}

/* Runs the threads over the window and reports. Returns the exit code. */
static int send_run(const struct send_options *o, const struct bench_pool *pool,
		    grpc_channel *channel)
{
	struct send_thread *threads = calloc(o->threads, sizeof(*threads));
	struct window begin, end;
	uint64_t t_start;
	size_t i, started = 0;
	int failed = 0, rc = 1;

	if (!threads)
		return 1;
	for (i = 0; i < o->threads; i++)
		if (thread_init(&threads[i], o, pool, channel, i) < 0)
			goto fail;
	t_start = bench_now_ns();
	for (i = 0; i < o->threads; i++) {
		threads[i].t_start = t_start;
		threads[i].t_measure = t_start + o->warmup_ns;
		threads[i].t_end = t_start + o->warmup_ns + o->duration_ns;
	}
	for (; started < o->threads; started++)
		if (pthread_create(&threads[started].tid, NULL, send_thread_main, &threads[started]))
			goto fail;
	sleep_until(t_start + o->warmup_ns);
	window_sample(&begin, o);
	for (i = 0; i < started; i++) {
		pthread_join(threads[i].tid, NULL);
		failed |= threads[i].failed;
	}
	started = 0;
	window_sample(&end, o);
	if (stats_merge(threads, o->threads) < 0 || failed)
		goto fail;
	report(o, pool, &threads[0].stats, &begin, &end);
	rc = threads[0].stats.all_ok_requests ? 0 : 1;
fail:
	for (i = 0; i < started; i++)
		pthread_join(threads[i].tid, NULL);
	for (i = 0; i < o->threads; i++)
		thread_destroy(&threads[i]);
	free(threads);
	return rc;
}

int loadgen_send_main(int argc, char **argv)
{
	struct send_options o = {
		.profile = BENCH_PROFILE_METADATA, .spans_per_request = 100, .streams = 8,
		.threads = 1, .duration_ns = 10 * BENCH_NS_PER_SEC, .warmup_ns = BENCH_NS_PER_SEC,
		.timeout_ns = 10 * BENCH_NS_PER_SEC, .pool_requests = 64, .seed = 1,
	};
	struct bench_pool pool = { 0 };
	grpc_channel *channel = NULL;
	uint64_t t0;
	int rc = 1;

	if (send_parse(argc, argv, &o) < 0)
		return 2;
	t0 = bench_now_ns();
	if (bench_pool_generate(&pool, o.profile, o.pool_requests, o.spans_per_request, o.seed) < 0) {
		fprintf(stderr, "gc_loadgen: out of memory generating payloads\n");
		return 1;
	}
	bench_pool_print(&pool, stdout);
	printf("generated           %.2f s (not measured)\n", (double)(bench_now_ns() - t0) / 1e9);
	if (o.rate)
		printf("target              %s streams=%llu threads=%llu rate=%llu spans/s duration=%.2fs warmup=%.2fs gzip=%s\n",
		       o.endpoint, (unsigned long long)o.streams, (unsigned long long)o.threads,
		       (unsigned long long)o.rate, o.duration_ns / 1e9, o.warmup_ns / 1e9, o.gzip ? "on" : "off");
	else
		printf("target              %s streams=%llu threads=%llu rate=flat-out duration=%.2fs warmup=%.2fs gzip=%s\n",
		       o.endpoint, (unsigned long long)o.streams, (unsigned long long)o.threads,
		       o.duration_ns / 1e9, o.warmup_ns / 1e9, o.gzip ? "on" : "off");
	fflush(stdout);
	grpc_init();
	channel = channel_create(&o);
	if (!channel || wait_connected(channel, 10 * BENCH_NS_PER_SEC) < 0) {
		fprintf(stderr, "gc_loadgen: could not connect to %s within 10s\n", o.endpoint);
		goto fail;
	}
	rc = send_run(&o, &pool, channel);
fail:
	if (channel)
		grpc_channel_destroy(channel);
	grpc_shutdown();
	bench_pool_free(&pool);
	fflush(stdout);
	return rc;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: gc_loadgen send --endpoint HOST:PORT [options]   (send --help)\n"
		     "       gc_loadgen sink [--listen 127.0.0.1:0] [options]  (sink --help)\n");
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "send") == 0)
		return loadgen_send_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "sink") == 0)
		return loadgen_sink_main(argc - 1, argv + 1);
	usage(argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) ?
	      stdout : stderr);
	return 2;
}
