/* The part every exporter shares: a bounded queue of batches, consumer threads
 * that call the type's send callback, retries with exponential backoff and
 * jitter, draining on stop, and the otelcol_exporter_* metrics. An exporter
 * type only implements send. */
#ifndef GC_EXPORTER_H
#define GC_EXPORTER_H

#include <stdbool.h>
#include <stdint.h>

#include "component.h"
#include "request.h"

struct gc_component_config;

struct gc_retry_settings {
	bool enabled;
	int64_t initial_interval; /* ns */
	int64_t max_interval;	  /* ns */
	int64_t max_elapsed_time; /* ns; 0: retry until shutdown */
	double multiplier;
	double randomization_factor;
};

/* sending_queue.batch: joins requests before they go out. */
struct gc_batcher_settings {
	int64_t flush_timeout; /* ns */
	int64_t min_size;      /* items (bytes with sizer: bytes) */
	int64_t max_size;      /* 0: no limit */
};

struct gc_queue_settings {
	bool enabled;
	int64_t num_consumers;
	const char *sizer;   /* requests | items | bytes */
	int64_t queue_size;  /* in the sizer's unit */
	bool batch_set;	     /* a batch section is present */
	struct gc_batcher_settings batch;
};

/* Every exporter's config struct starts with this. */
struct gc_exporter_settings {
	int64_t timeout; /* ns, per send attempt */
	struct gc_queue_settings sending_queue;
	struct gc_retry_settings retry_on_failure;
};

/* Option rows for the settings above; put them in each exporter's table. */
#define GC_EXPORTER_SETTINGS_OPTIONS(default_timeout)                                           \
	{ "timeout", GC_OPT_DURATION, offsetof(struct gc_exporter_settings, timeout),          \
	  default_timeout, 1e6, 3600e9, "deadline of one send attempt" },                       \
	{ "sending_queue", GC_OPT_SECTION, offsetof(struct gc_exporter_settings, sending_queue), \
	  .sub = gc_queue_options, .present = GC_OPT_NO_PRESENT,                                \
	  .help = "bounded in-memory queue in front of the sender" },                          \
	{ "retry_on_failure", GC_OPT_SECTION,                                                   \
	  offsetof(struct gc_exporter_settings, retry_on_failure), .sub = gc_retry_options,      \
	  .present = GC_OPT_NO_PRESENT, .help = "retries of transient failures" }

extern const struct gc_option gc_queue_options[];

/* Checks the settings every exporter shares (config begins with struct
 * gc_exporter_settings): batching needs the queue. GC_OK or GC_ERROR with a
 * file:line:col message. */
int gc_exporter_settings_validate(const void *config, const struct gc_node *node,
				  const char *id, char **err);
extern const struct gc_option gc_retry_options[];

/* Exponential backoff with jitter, as a pure function for testing:
 * returns the delay before the next attempt and advances *interval. */
struct gc_backoff {
	const struct gc_retry_settings *settings;
	int64_t interval;
	uint64_t rng;
};
void gc_backoff_init(struct gc_backoff *b, const struct gc_retry_settings *s, uint64_t seed);
int64_t gc_backoff_next(struct gc_backoff *b);

struct gc_exporter;

/* Creates the type's sender and starts consumer threads. */
struct gc_exporter *gc_exporter_create(const struct gc_component_config *comp, char **err);

/* The pipeline end's two-step enqueue (queue.h): reserve room in every
 * exporter first, then push into each, so data is in every queue or in none.
 * reserve returns GC_OK, or GC_FULL when the queue is full or stopping. */
int gc_exporter_reserve(struct gc_exporter *e, const struct gc_load *load);
void gc_exporter_release(struct gc_exporter *e, const struct gc_load *load);
/* Counts items refused because this exporter's queue was full. */
void gc_exporter_refused(struct gc_exporter *e, enum gc_signal signal, size_t items);
/* Pushes req into the room reserved for `reserved`; takes over a reference to
 * req. GC_OK. Without a queue (sending_queue.enabled: false) it sends on the
 * caller's thread, retries included, and returns the result when done: GC_OK,
 * GC_ERROR (refused for good) or GC_FULL (not sent in time; may be retried). */
int gc_exporter_push(struct gc_exporter *e, struct gc_request *req,
		     const struct gc_load *reserved);

/* Retries from now on end at deadline_ns (CLOCK_MONOTONIC): what is still
 * failing then is given up on and counted. Called before the receivers stop,
 * so that a send on a receiving thread (no queue) or on the timer thread (a
 * batch processor ahead) cannot hold the shutdown past its grace period. */
void gc_exporter_set_deadline(struct gc_exporter *e, int64_t deadline_ns);

/* Stops accepting, sends what is queued until deadline_ns (CLOCK_MONOTONIC),
 * then gives up on what is left (counted as failed), joins the threads.
 * Returns the items given up on. */
size_t gc_exporter_drain(struct gc_exporter *e, int64_t deadline_ns);
void gc_exporter_destroy(struct gc_exporter *e);

const char *gc_exporter_id(const struct gc_exporter *e);

/* Metric name of the item unit per signal: "spans", "log_records", "metric_points". */
const char *gc_signal_items(enum gc_signal s);

#endif
