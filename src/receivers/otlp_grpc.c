/* OTLP/gRPC server on the gRPC C core. One completion queue per thread, each
 * drained by exactly that thread. Every thread keeps requests posted for the
 * three Export methods and one generic request that answers UNIMPLEMENTED for
 * any other method. A call is answered OK only once its batch is in every
 * exporter's queue.
 *
 * Reads are admitted: gRPC lets a stream with a pending read send its whole
 * announced message, and buffers it. So an Export call's message is read only
 * once the call holds one of a fixed number of read slots; until then its
 * stream may send no more than a small flow-control window. Calls wait for a
 * slot in arrival order, and a sweeper thread cancels any call whose message
 * has not arrived within read_timeout of the call's arrival. */
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
/* REQUESTED: posted, not yet arrived. WAITING: arrived, in the admission FIFO
 * without a pending operation (owned by the FIFO). READING: holds a read slot,
 * its RECV_MESSAGE posted or about to be. FINISHING: status sent. */
enum call_state { CALL_REQUESTED, CALL_WAITING, CALL_READING, CALL_FINISHING };

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

	/* Admission (CALL_EXPORT); links and timed_out under admission.lock. */
	int64_t arrived_ns; /* monotonic; the read deadline counts from here */
	char *client;	    /* peer address without its port; gpr-allocated, may be NULL */
	struct call *prev, *next; /* in admission.waiting or admission.reading */
	bool timed_out;	    /* the sweeper cut it while reading */
	bool pinned;	    /* the sweeper is cancelling it: it must stay allocated */
	bool released;	    /* its read ended while pinned: the sweeper frees it */
};

struct call_list {
	struct call *head, *tail;
	size_t count;
};

/* Read slots. The lock is a leaf: decisions are taken under it, and every gRPC
 * call (start_batch, cancel) is made after it is released. */
struct admission {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the sweeper sleeps on it */
	struct call_list waiting; /* arrival order, so also deadline order */
	struct call_list reading;
	size_t slots, per_client, in_use;
	bool stopping;	     /* no more admissions; new calls are refused */
	bool sweeper_exit;
	pthread_t sweeper;
	bool sweeper_running;
	struct call **expired; /* the sweeper's scratch: `slots` entries */
};

struct worker {
	struct otlp_grpc_server *server;
	grpc_completion_queue *cq;
	pthread_t thread;
	bool running;
	uint8_t *buf; /* reused for messages that arrive in several slices */
	size_t cap;
	/* Requests it could not re-post (out of memory), per method: the export
	 * methods by signal, then the generic one. Posted again later, so a
	 * method never stays without waiting requests once memory is back. */
	atomic_uint owed[GC_SIGNAL_COUNT + 1];
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

	struct admission admission;

	struct gc_receiver_metrics metrics;
	gc_counter *rejected_invalid, *rejected_unavailable, *rejected_unimplemented,
		*rejected_too_large, *rejected_timeout;
};

/* Posts a request for a call of the method. False when out of memory or
 * gRPC refused it (logged). */
static bool post_request(struct worker *w, enum call_kind kind, enum gc_signal signal)
{
	struct otlp_grpc_server *s = w->server;
	struct call *c = calloc(1, sizeof(*c));
	grpc_call_error rc;

	if (!c) {
		gc_error(s->id, "out of memory: cannot post a gRPC request");
		return false;
	}
	c->kind = kind;
	c->signal = signal;
	c->worker = w;
	grpc_metadata_array_init(&c->request_md);
	if (kind == CALL_EXPORT) {
		rc = grpc_server_request_registered_call(s->server, s->methods[signal], &c->call,
							 &c->deadline, &c->request_md, NULL,
							 w->cq, w->cq, c);
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
		return false;
	}
	return true;
}

/* Which of a worker's owed counters a method uses. */
static size_t owed_index(enum call_kind kind, enum gc_signal signal)
{
	return kind == CALL_GENERIC ? GC_SIGNAL_COUNT : (size_t)signal;
}

/* Re-posts a request for the method of a call that arrived; one that cannot
 * be posted now is owed, and post_owed tries it again. */
static void repost(struct worker *w, enum call_kind kind, enum gc_signal signal)
{
	if (!post_request(w, kind, signal))
		atomic_fetch_add(&w->owed[owed_index(kind, signal)], 1);
}

/* Posts what the worker owes, until memory runs out again. From its own
 * thread at every event, and from the sweeper's in case no event comes
 * (gRPC takes requests from any thread; they complete on the worker's
 * queue). */
static void post_owed(struct worker *w)
{
	if (atomic_load(&w->server->shutting_down))
		return;
	for (size_t i = 0; i <= GC_SIGNAL_COUNT; i++) {
		unsigned n = atomic_load(&w->owed[i]);
		enum call_kind kind = i == GC_SIGNAL_COUNT ? CALL_GENERIC : CALL_EXPORT;
		enum gc_signal signal = i == GC_SIGNAL_COUNT ? GC_SIGNAL_TRACES : (enum gc_signal)i;

		while (n > 0) {
			if (!atomic_compare_exchange_weak(&w->owed[i], &n, n - 1))
				continue; /* n now holds the current count */
			if (!post_request(w, kind, signal)) {
				atomic_fetch_add(&w->owed[i], 1);
				return;
			}
			n = atomic_load(&w->owed[i]);
		}
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
	gpr_free(c->client);
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
	GC_HANDED_OVER(c);
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

/* Handles the message a call has read. max_recv_msg_size_mib applies twice to
 * a compressed message: to its size on the wire, and to its size once
 * inflated. */
static void handle_message(struct call *c)
{
	struct otlp_grpc_server *s = c->worker->server;
	size_t limit = (size_t)s->config->max_recv_msg_size_mib * 1048576;
	const uint8_t *data;
	uint8_t *inflated = NULL;
	size_t len;
	char msg[160];

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

static void list_append(struct call_list *l, struct call *c)
{
	c->next = NULL;
	c->prev = l->tail;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
	l->count++;
}

static void list_remove(struct call_list *l, struct call *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
	l->count--;
}

static bool same_client(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Under the lock: whether `c` may take a free slot now. A client address holds
 * at most per_client slots, so one client sending slow messages leaves the
 * other slots to others (they still wait behind it when it uses all of its
 * share and others use the rest). Calls whose address is unknown share one
 * share. O(slots). */
static bool slot_free_for(const struct admission *a, const struct call *c)
{
	size_t same = 0;

	if (a->in_use >= a->slots)
		return false;
	for (const struct call *r = a->reading.head; r; r = r->next)
		if (same_client(r->client, c->client) || (!r->client && !c->client))
			same++;
	return same < a->per_client;
}

/* Under the lock: moves the first waiting call that may take a slot to the
 * reading list, and returns it (the caller starts its read after unlocking). */
static struct call *admit_next_locked(struct admission *a)
{
	for (struct call *c = a->waiting.head; c; c = c->next) {
		if (a->in_use >= a->slots)
			return NULL;
		if (!slot_free_for(a, c))
			continue;
		list_remove(&a->waiting, c);
		list_append(&a->reading, c);
		c->state = CALL_READING;
		a->in_use++;
		return c;
	}
	return NULL;
}

/* What the worker does with a call whose read ended. */
enum read_end {
	READ_GO_ON,   /* handle the message (or the failure) */
	READ_DROP,    /* cut by the sweeper, already answered: free it */
	READ_HANDED,  /* cut and still being cancelled: the sweeper frees it */
};

static enum read_end release_slot(struct call *c);

/* Posts the read of a call that holds a slot. Its completion arrives on the
 * call's own worker, whichever thread posts it. */
static void start_read(struct call *c)
{
	struct otlp_grpc_server *s = c->worker->server;
	grpc_call *call = c->call; /* c may be freed by its worker once posted */
	grpc_op op;
	grpc_call_error rc;

	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_MESSAGE;
	op.data.recv_message.recv_message = &c->payload;
	GC_HANDED_OVER(c);
	rc = grpc_call_start_batch(call, &op, 1, c, NULL);
	if (rc == GRPC_CALL_OK)
		return;
	gc_warn(s->id, "cannot read a call's message: error %d", (int)rc);
	switch (release_slot(c)) {
	case READ_GO_ON:
		refuse(c, s->rejected_unavailable, GRPC_STATUS_UNAVAILABLE,
		       "cannot read the message; retry later");
		break;
	case READ_DROP:
		free_call(c);
		break;
	case READ_HANDED:
		break;
	}
}

/* A call that holds a slot is done reading (its read completed or could not be
 * posted): frees the slot and starts the read of the next waiting call that
 * may take it. Says who owns the call now when the sweeper cut it. */
static enum read_end release_slot(struct call *c)
{
	struct admission *a = &c->worker->server->admission;
	struct call *next = NULL;
	enum read_end end = READ_GO_ON;

	pthread_mutex_lock(&a->lock);
	list_remove(&a->reading, c);
	a->in_use--;
	if (c->pinned) {
		c->released = true;
		end = READ_HANDED;
	} else if (c->timed_out) {
		end = READ_DROP;
	}
	if (!a->stopping)
		next = admit_next_locked(a);
	pthread_mutex_unlock(&a->lock);
	if (next)
		start_read(next);
	return end;
}

/* A call has arrived: reads its message now if a slot is free, else queues it.
 * The peer address is taken before the lock; it is only compared under it. */
static void admit(struct call *c)
{
	struct otlp_grpc_server *s = c->worker->server;
	struct admission *a = &s->admission;
	char *peer = grpc_call_get_peer(c->call);
	enum { READ_NOW, WAIT, REFUSE } decision;

	if (peer) { /* "ipv4:10.0.0.1:5678", "ipv6:[::1]:5678": the port goes */
		char *colon = strrchr(peer, ':');

		if (colon && colon > strchr(peer, ':'))
			*colon = '\0';
	}
	c->client = peer;
	c->arrived_ns = gc_now_ns();
	pthread_mutex_lock(&a->lock);
	if (a->stopping) {
		decision = REFUSE;
	} else if (slot_free_for(a, c)) {
		/* Calls still waiting while a slot is free wait for their
		 * address's share; this one need not. */
		list_append(&a->reading, c);
		c->state = CALL_READING;
		a->in_use++;
		decision = READ_NOW;
	} else {
		list_append(&a->waiting, c);
		c->state = CALL_WAITING;
		decision = WAIT;
	}
	pthread_mutex_unlock(&a->lock);
	if (decision == READ_NOW)
		start_read(c);
	else if (decision == REFUSE)
		refuse(c, s->rejected_unavailable, GRPC_STATUS_UNAVAILABLE,
		       "the receiver is shutting down; retry later");
}

static void handle_arrival(struct call *c)
{
	struct otlp_grpc_server *s = c->worker->server;
	char msg[160];

	if (!gc_sink_accepts(s->sink, c->signal)) {
		snprintf(msg, sizeof(msg), "no %s pipeline takes data from receiver %s",
			 gc_signal_name(c->signal), s->id);
		refuse(c, s->rejected_unimplemented, GRPC_STATUS_UNIMPLEMENTED, msg);
		return;
	}
	admit(c);
}

/* Cuts a call whose message did not arrive in time. The status goes to the
 * client as trailers; DEADLINE_EXCEEDED because the server's receive deadline
 * passed (OTLP exporters retry it), not because the server lacks resources. */
static void cut_call(struct otlp_grpc_server *s, grpc_call *call)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "the request message did not arrive within read_timeout (%lld ms)",
		 (long long)(s->config->read_timeout / 1000000));
	grpc_call_cancel_with_status(call, GRPC_STATUS_DEADLINE_EXCEEDED, msg, NULL);
	gc_counter_add(s->rejected_timeout, 1);
}

/* Under the lock: unlinks the waiting calls past their deadline into *cut (the
 * sweeper owns them now), and pins the reading ones into a->expired (their
 * worker owns them, but cannot free them while they are pinned). Returns how
 * many were pinned. */
static size_t collect_expired_locked(struct admission *a, int64_t deadline_arrival,
				     struct call **cut)
{
	size_t n = 0;
	struct call *c;

	while ((c = a->waiting.head) && c->arrived_ns <= deadline_arrival) {
		list_remove(&a->waiting, c);
		c->next = *cut;
		*cut = c;
	}
	for (c = a->reading.head; c; c = c->next)
		if (!c->timed_out && c->arrived_ns <= deadline_arrival && n < a->slots) {
			c->timed_out = true;
			c->pinned = true;
			a->expired[n++] = c;
		}
	return n;
}

/* Cuts calls at read_timeout, a few times per timeout (at most once a second,
 * at least every 100 ms): a call is cut within a tenth of the timeout of its
 * deadline. */
static void *sweeper_main(void *arg)
{
	struct otlp_grpc_server *s = arg;
	struct admission *a = &s->admission;
	int64_t timeout = s->config->read_timeout;
	int64_t period = timeout / 10 > GC_SEC(1) ? GC_SEC(1) : timeout / 10;
	struct timespec ts;

	if (period < GC_MS(100))
		period = GC_MS(100);
	pthread_mutex_lock(&a->lock);
	while (!a->sweeper_exit) {
		struct call *cut = NULL;
		size_t n;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)(period / GC_SEC(1));
		ts.tv_nsec += (long)(period % GC_SEC(1));
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&a->wake, &a->lock, &ts);
		if (a->sweeper_exit)
			break;
		n = collect_expired_locked(a, gc_now_ns() - timeout, &cut);
		pthread_mutex_unlock(&a->lock);
		for (size_t i = 0; i < s->n_workers; i++)
			post_owed(&s->workers[i]);
		while (cut) {
			struct call *c = cut;

			cut = c->next;
			cut_call(s, c->call);
			free_call(c);
		}
		for (size_t i = 0; i < n; i++)
			cut_call(s, a->expired[i]->call);
		pthread_mutex_lock(&a->lock);
		for (size_t i = 0; i < n; i++) {
			struct call *c = a->expired[i];

			c->pinned = false;
			if (c->released) { /* its read ended meanwhile: ours to free */
				c->next = cut;
				cut = c;
			}
		}
		if (cut) {
			pthread_mutex_unlock(&a->lock);
			while (cut) {
				struct call *c = cut;

				cut = c->next;
				free_call(c);
			}
			pthread_mutex_lock(&a->lock);
		}
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

static void handle_event(struct worker *w, struct call *c, bool ok)
{
	struct otlp_grpc_server *s = w->server;

	GC_TAKEN_OVER(c);
	if (c->state == CALL_FINISHING) {
		free_call(c);
		return;
	}
	if (c->state == CALL_READING) {
		/* Cut by the sweeper, cancelled by the client or by shutdown:
		 * nothing left to answer. */
		enum read_end end = release_slot(c);

		if (end == READ_GO_ON && ok)
			handle_message(c);
		else if (end != READ_HANDED)
			free_call(c);
		return;
	}
	if (!ok) { /* the server is shutting down: the request will not match */
		free_call(c);
		return;
	}
	/* Re-post first, so the method is never without a waiting request. */
	if (!atomic_load(&s->shutting_down)) {
		repost(w, c->kind, c->signal);
		post_owed(w);
	}
	if (c->kind == CALL_EXPORT) {
		handle_arrival(c);
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
	s->rejected_timeout = gc_receiver_rejected(&s->metrics, "timeout");
}

/* Read slots: what gRPC buffers for messages being read is bounded by about
 * slots x 2 x max_recv_msg_size_mib (gRPC takes messages up to twice the limit,
 * see otlp_grpc_start), so the slots are max_recv_memory_mib / (2 x
 * max_recv_msg_size_mib): 256 / 32 = 8 by default. At least one more than the
 * worker threads, so every thread can be reading and one more message is on
 * its way. A client address takes at most half of them. */
static int admission_init(struct otlp_grpc_server *s)
{
	struct admission *a = &s->admission;
	int64_t slots = s->config->max_recv_memory_mib / (2 * s->config->max_recv_msg_size_mib);
	pthread_condattr_t attr;

	if (slots < (int64_t)s->n_workers + 1)
		slots = (int64_t)s->n_workers + 1;
	a->slots = (size_t)slots;
	a->per_client = a->slots / 2 > 0 ? a->slots / 2 : 1;
	a->expired = calloc(a->slots, sizeof(*a->expired));
	if (!a->expired)
		return GC_ERROR;
	pthread_mutex_init(&a->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&a->wake, &attr);
	pthread_condattr_destroy(&attr);
	return GC_OK;
}

/* Stops admitting and cancels the calls still waiting for a slot: they have no
 * operation pending, so nothing else would ever end them and the server's
 * shutdown would wait for them. */
static void admission_stop(struct otlp_grpc_server *s)
{
	struct admission *a = &s->admission;
	struct call *c;

	pthread_mutex_lock(&a->lock);
	a->stopping = true;
	c = a->waiting.head;
	a->waiting.head = a->waiting.tail = NULL;
	a->waiting.count = 0;
	pthread_mutex_unlock(&a->lock);
	while (c) {
		struct call *next = c->next;

		grpc_call_cancel_with_status(c->call, GRPC_STATUS_UNAVAILABLE,
					     "the receiver is shutting down; retry later", NULL);
		gc_counter_add(s->rejected_unavailable, 1);
		free_call(c);
		c = next;
	}
}

/* Joins the sweeper: after the server's shutdown, so calls reading until then
 * are still cut at their deadline, and before the server is destroyed. */
static void admission_stop_sweeper(struct admission *a)
{
	if (!a->sweeper_running)
		return;
	pthread_mutex_lock(&a->lock);
	a->sweeper_exit = true;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->sweeper, NULL);
	a->sweeper_running = false;
}

/* Frees the admission state, once no worker runs: completions of reads still
 * queued when the server finished shutting down release their slots. */
static void admission_destroy(struct admission *a)
{
	if (a->expired) {
		pthread_mutex_destroy(&a->lock);
		pthread_cond_destroy(&a->wake);
		free(a->expired);
	}
}

struct otlp_grpc_server *otlp_grpc_start(const char *id, const struct otlp_grpc_config *config,
					 struct gc_receiver_sink *sink, char **err)
{
	struct otlp_grpc_server *s = calloc(1, sizeof(*s));
	grpc_arg args[7];
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
	/* A stream without a pending read may send only its flow-control
	 * window (the initial window, set by the lookahead), which gRPC then
	 * holds: keep it small, since every call waiting for a read slot holds
	 * one. Once a read is posted, gRPC opens the window to the whole
	 * announced message, so honest messages are not slowed past one round
	 * trip. The BDP probe would grow every stream's window with the
	 * connection's throughput. Measured per waiting stream: ~26 KiB with
	 * these two, ~75 KiB with gRPC's 64 KiB default, ~450 KiB and growing
	 * with the probe on. */
	args[chargs.num_args++] = gc_grpc_int_arg(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 16384);
	args[chargs.num_args++] = gc_grpc_int_arg(GRPC_ARG_HTTP2_BDP_PROBE, 0);
	s->server = grpc_server_create(&chargs, NULL);
	for (int sig = 0; sig < GC_SIGNAL_COUNT; sig++)
		s->methods[sig] = grpc_server_register_method(
			s->server, method_paths[sig], NULL, GRPC_SRM_PAYLOAD_NONE, 0);

	s->n_workers = config->num_threads > 0 ? (size_t)config->num_threads
					       : (size_t)(cores > 0 ? cores : 1);
	s->workers = calloc(s->n_workers, sizeof(*s->workers));
	if (!s->workers || admission_init(s) != GC_OK) {
		gc_set_err(err, "%s: out of memory", id);
		grpc_server_destroy(s->server);
		grpc_resource_quota_unref(s->quota);
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->shutdown_cond);
		free(s->admission.expired);
		free(s->workers);
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

		bool posted = true;

		for (int sig = 0; sig < GC_SIGNAL_COUNT; sig++)
			for (int k = 0; k < POSTED_PER_METHOD; k++)
				posted &= post_request(w, CALL_EXPORT, (enum gc_signal)sig);
		posted &= post_request(w, CALL_GENERIC, GC_SIGNAL_TRACES);
		if (!posted) {
			gc_set_err(err, "%s: out of memory (posting gRPC requests)", id);
			goto fail;
		}
		if (pthread_create(&w->thread, NULL, worker_main, w)) {
			gc_set_err(err, "%s: cannot start gRPC threads", id);
			goto fail;
		}
		w->running = true;
	}
	if (pthread_create(&s->admission.sweeper, NULL, sweeper_main, s)) {
		gc_set_err(err, "%s: cannot start the gRPC read sweeper", id);
		goto fail;
	}
	s->admission.sweeper_running = true;
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
	admission_stop(s);
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
	admission_stop_sweeper(&s->admission);
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
	admission_destroy(&s->admission);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->shutdown_cond);
	free(s->workers);
	free(s->id);
	free(s);
}
