/* The collector's own metrics, rendered as Prometheus text on /metrics.
 * Counters live for the whole process (they survive a config reload, so rates
 * stay continuous); gauges read a callback and go away with their component. */
#ifndef GC_TELEMETRY_H
#define GC_TELEMETRY_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
	_Atomic uint64_t value;
} gc_counter;

/* Returns the counter for name{labels}, creating it on first use. labels is the
 * text between the braces, e.g. `exporter="otlp/jaeger"` ("" for none). The
 * help text is taken from the first registration of the name. Never NULL. */
gc_counter *gc_metrics_counter(const char *name, const char *help, const char *labels);

static inline void gc_counter_add(gc_counter *c, uint64_t n)
{
	atomic_fetch_add_explicit(&c->value, n, memory_order_relaxed);
}

static inline uint64_t gc_counter_get(gc_counter *c)
{
	return atomic_load_explicit(&c->value, memory_order_relaxed);
}

/* A gauge whose value fn(arg) computes at scrape time. Returns a handle for
 * gc_metrics_gauge_remove, which must be called before arg goes away. */
struct gc_gauge;
struct gc_gauge *gc_metrics_gauge(const char *name, const char *help, const char *labels,
				  double (*fn)(void *arg), void *arg);
void gc_metrics_gauge_remove(struct gc_gauge *gauge);

/* Writes every metric in the Prometheus text exposition format 0.0.4. Gauge
 * callbacks run with no registry lock held. GC_ERROR when out of memory. */
int gc_metrics_render(FILE *out);

/* Writes value (len bytes, from a client or a config) into out as a label
 * value: valid UTF-8 whatever the input (invalid bytes and control characters
 * become U+FFFD), backslash, quote and newline escaped, cut to fit cap bytes
 * (with the NUL) on a character boundary, never inside an escape. Returns the
 * length written. */
size_t gc_metrics_label_value(char *out, size_t cap, const char *value, size_t len);

/* Serves /metrics on endpoint ("host:port"; port 0 picks one). Returns the
 * bound port or -1 with *err. gc_telemetry_stop accepts being called when
 * nothing runs. */
int gc_telemetry_start(const char *endpoint, char **err);
void gc_telemetry_stop(void);

#endif
