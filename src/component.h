/* Component types. A type is one struct: its name, its options as data, and the
 * callbacks of its kind. All types sit in one static table (components.c); the
 * core knows a component only through that table. */
#ifndef GC_COMPONENT_H
#define GC_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "options.h"
#include "yaml_tree.h"

enum gc_kind { GC_KIND_RECEIVER, GC_KIND_PROCESSOR, GC_KIND_EXPORTER, GC_KIND_EXTENSION };
#define GC_KIND_COUNT 4

/* What a batch takes in a queue, in each of the sizers' units: requests,
 * items (spans, log records, data points) and bytes (OTLP protobuf). */
struct gc_load {
	size_t requests, items, bytes;
};

/* Room promised downstream for one batch before anything consumes it, so that
 * data is either taken whole or refused before any stage ran on it (a refused
 * client retries; nothing of its request stays behind to be duplicated).
 * Whoever reserves points batch->reservation at it, hands the batch on, and
 * releases it afterwards unless the stage that took the data (an exporter
 * queue, or a processor that holds data) marked it used. */
struct gc_reservation {
	struct gc_load load;
	bool used;
	bool offered; /* by a holder that keeps the data when refused and offers
		       * it again: a refusal is not counted as refused items */
};

/* Where a stage hands a batch on. consume always takes over the caller's
 * reference, whatever it returns: GC_OK (accepted), GC_FULL (a queue was full
 * or memory ran out; nothing was kept), GC_ERROR (permanently refused).
 * reserve asks the stages ahead for room for r->load, all or nothing: up to the
 * exporters' queues, or to the first processor that holds data. GC_OK or
 * GC_FULL with *err; release gives an unused reservation back. */
struct gc_consumer {
	int (*consume)(struct gc_consumer *self, struct gc_batch *batch, char **err);
	int (*reserve)(struct gc_consumer *self, struct gc_reservation *r, char **err);
	void (*release)(struct gc_consumer *self, struct gc_reservation *r);
};

static inline int gc_consume(struct gc_consumer *c, struct gc_batch *batch, char **err)
{
	return c->consume(c, batch, err);
}

/* Reserves room for batch ahead of c, hands it on, and gives back what the
 * stages ahead did not use: the one way a component that holds data emits.
 * GC_FULL when there is no room: the batch stays the caller's (its reference
 * is not taken) and nothing ahead ran on it. Otherwise the batch is taken:
 * GC_OK, or GC_ERROR when a stage ahead refused or lost it (*err says why). */
int gc_reserve_and_consume(struct gc_consumer *c, struct gc_batch *batch, char **err);

/* For the stage that takes the data (an exporter queue, a processor that
 * holds data): marks the batch's reservation used, detaches it from the
 * batch (it lives on the reserver's stack) and returns it, or NULL when
 * the batch came without one. */
struct gc_reservation *gc_reservation_take(struct gc_batch *batch);

/* The load a batch puts on a queue. */
struct gc_load gc_batch_load(const struct gc_batch *batch);

/* What a receiver feeds: every pipeline that lists it, per signal. */
struct gc_receiver_sink;

/* True when some pipeline takes this signal from the receiver. */
bool gc_sink_accepts(struct gc_receiver_sink *sink, enum gc_signal signal);

/* Decodes an OTLP export request (protobuf or JSON) and hands the batch to every
 * pipeline of the signal, decoding once per pipeline so pipelines never share a
 * mutable batch. Returns GC_OK once every pipeline accepted it, GC_ERROR when
 * the payload does not decode (INVALID_ARGUMENT / 400), GC_FULL when some queue
 * was full or memory ran out (UNAVAILABLE / 503). *items gets the number of items decoded.
 * metadata (may be NULL) is copied into each batch. A valid request with no
 * items is accepted and goes no further. */
int gc_sink_consume(struct gc_receiver_sink *sink, enum gc_signal signal,
		    enum gc_format format, const uint8_t *buf, size_t len,
		    const struct gc_metadata *metadata, size_t *items, char **err);

struct gc_receiver_ops {
	/* Binds nothing yet. config is the loaded option struct (owned by the
	 * config, alive while the receiver lives). */
	void *(*create)(const char *id, const void *config, struct gc_receiver_sink *sink,
			char **err);
	int (*start)(void *self, char **err);	/* bind and serve */
	void (*stop)(void *self);		/* stop accepting, finish calls */
	void (*destroy)(void *self);
};

struct gc_processor_ops {
	/* Processors that hold data only: room for r->load in what they hold
	 * (GC_OK or GC_FULL), and its return. consume then marks the batch's
	 * reservation used. */
	int (*reserve)(void *self, struct gc_reservation *r, char **err);
	void (*release)(void *self, struct gc_reservation *r);
	/* One instance per pipeline that lists the processor. */
	void *(*create)(const char *id, const void *config, enum gc_signal signal,
			struct gc_consumer *next, char **err);
	/* The processor's entry point for the pipeline (takes references). */
	struct gc_consumer *(*consumer)(void *self);
	/* Emits what it holds and stops its timers, trying until deadline_ns
	 * (CLOCK_MONOTONIC); returns the items it had to drop (counted). */
	size_t (*shutdown)(void *self, int64_t deadline_ns);
	void (*destroy)(void *self);
};

/* What a send attempt learned. */
struct gc_send_result {
	int64_t retry_after_ns;	  /* the server asked for this delay (0: none) */
	size_t rejected_items;	  /* partial success: items the backend refused */
	char *rejected_message;	  /* partial success message, heap, may be NULL */
};

struct gc_request;

struct gc_exporter_ops {
	/* config begins with struct gc_exporter_settings (exporter.h). */
	void *(*create)(const char *id, const void *config, char **err);
	/* Sends one encoded request. GC_OK, GC_RETRY (transient) or GC_ERROR
	 * (permanent). Called from the queue's consumer threads, concurrently when
	 * num_consumers > 1, and again with the same request on a retry; may keep
	 * a reference (gc_request_ref) past its return. */
	int (*send)(void *self, struct gc_request *req, struct gc_send_result *res, char **err);
	void (*destroy)(void *self);
};

struct gc_extension_ops {
	void *(*create)(const char *id, const void *config, char **err);
	int (*start)(void *self, char **err);
	void (*destroy)(void *self);
};

struct gc_component_type {
	const char *name;
	const char *alias;	/* otelcol's other name, or NULL */
	enum gc_kind kind;
	unsigned signals;	/* GC_SIGNAL_BIT mask of supported signals */
	const char *help;
	size_t config_size;
	const struct gc_option *options;
	/* Cross-option checks once options are loaded; node is the component's
	 * config node (may be NULL) for error positions. Optional. */
	int (*validate)(const void *config, const struct gc_node *node, const char *id,
			char **err);
	/* Holds data past the call that brought it (batching, tail sampling): it
	 * acknowledges on receipt, is where reservations ahead of it stop, counts
	 * what it holds, and emits from the core's timer with
	 * gc_reserve_and_consume. */
	bool holds_data;
	/* Rewrites data in place, not idempotently, so it must run before any
	 * processor that holds data: what a holder emits shares resources and
	 * scopes with other batches an exporter may be reading. */
	bool before_holders;
	const struct gc_receiver_ops *receiver;
	const struct gc_processor_ops *processor;
	const struct gc_exporter_ops *exporter;
	const struct gc_extension_ops *extension;
};

/* The table, NULL-terminated. */
extern const struct gc_component_type *const gc_component_types[];

/* Finds a type of that kind by name or alias. */
const struct gc_component_type *gc_component_find(enum gc_kind kind, const char *name);

const char *gc_kind_name(enum gc_kind kind); /* "receiver", ... */
const char *gc_kind_section(enum gc_kind kind); /* "receivers", ... */

#endif
