/* The collector's own metrics: one registry of counters, gauges and
 * histograms, served on /metrics as Prometheus text 0.0.4, or OpenMetrics
 * text 1.0.0 when the scraper asks for it.
 *
 * A family is a name, a help text, a type, label names and (histograms)
 * bucket bounds; a series is one set of label values in a family. Registering
 * resolves a label set into a handle once (a hashed lookup under the registry
 * lock); updating a handle is a few relaxed atomic operations: no lock, no
 * string work, safe from any thread.
 *
 * Lifetimes: families, and their counter, settable gauge and histogram
 * series, live for the whole process (they survive a config reload, so rates
 * stay continuous); registering the same label set again returns the same
 * handle. A callback gauge lives until gc_metrics_gauge_remove.
 *
 * Cardinality: a family holds at most max_series series
 * (GC_METRICS_DEFAULT_MAX_SERIES unless its gc_metrics_family said more). A
 * new label set past the cap resolves to the family's one overflow series,
 * labelled otel_metric_overflow="true", and every such resolution adds 1 to
 * genai_collector_metric_series_overflow_total{metric="<family>"} (a series
 * that appears at the family's first fold). Callback gauges belong to
 * components and go away with them: they are not capped.
 *
 * Handles are never NULL: when memory is short, or a registration disagrees
 * with the family's first one (another type, other label names or bounds),
 * the error is logged and the handle counts into nothing. */
#ifndef GC_TELEMETRY_H
#define GC_TELEMETRY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GC_METRICS_DEFAULT_MAX_SERIES 10000
#define GC_METRICS_MAX_LABELS 16	  /* label names of one family */
#define GC_METRICS_MAX_BUCKETS 128	  /* bounds of one histogram family */
#define GC_METRICS_LABEL_VALUE_MAX 256 /* bytes of an escaped label value */

/* Family and label text of the count of label sets folded into overflow. */
#define GC_METRICS_OVERFLOW_FAMILY "genai_collector_metric_series_overflow_total"
#define GC_METRICS_OVERFLOW_LABELS "otel_metric_overflow=\"true\""

enum gc_metric_type { GC_METRIC_COUNTER, GC_METRIC_GAUGE, GC_METRIC_HISTOGRAM };

struct gc_metric_family;

typedef struct {
	_Atomic uint64_t value;
} gc_counter;

/* A gauge the code sets; the value is a double kept as its bits. */
typedef struct {
	_Atomic uint64_t bits;
} gc_settable_gauge;

typedef struct gc_histogram gc_histogram;

/* The family called name, created on first use with these properties; a
 * later call with the same type, label names and buckets returns the same
 * family (help is the first call's; max_series becomes the larger of the two).
 * label_names: n_labels names, [A-Za-z_][A-Za-z0-9_]*, not "le" in a
 * histogram. buckets: histograms only, n_buckets finite upper bounds in
 * increasing order (le is inclusive; "+Inf" is added). max_series 0 means
 * GC_METRICS_DEFAULT_MAX_SERIES. The arrays are copied. Returns NULL, logged,
 * when a name or bound is invalid, the call disagrees with the family's first
 * registration, or memory is short; the gc_family_* calls accept NULL. */
struct gc_metric_family *gc_metrics_family(const char *name, const char *help,
					   enum gc_metric_type type,
					   const char *const *label_names, size_t n_labels,
					   const double *buckets, size_t n_buckets,
					   size_t max_series);

/* The series of family with these label values (one per label name, raw
 * bytes as a client or config gives them, NULL for ""): the registry escapes
 * them with gc_metrics_label_value, cut to GC_METRICS_LABEL_VALUE_MAX bytes.
 * Each call type must match the family's type. Never NULL. */
gc_counter *gc_family_counter(struct gc_metric_family *family, const char *const *label_values);
gc_settable_gauge *gc_family_gauge(struct gc_metric_family *family,
				   const char *const *label_values);
gc_histogram *gc_family_histogram(struct gc_metric_family *family,
				  const char *const *label_values);

/* Shorthands with the label text already formatted and escaped by the caller:
 * labels is what goes between the braces, e.g. `exporter="otlp/jaeger"` ("" for
 * none). The family is created with no label names and the default cap if it
 * does not exist; an existing family of the same type is used whatever its
 * label names. Never NULL. */
gc_counter *gc_metrics_counter(const char *name, const char *help, const char *labels);
gc_settable_gauge *gc_metrics_settable_gauge(const char *name, const char *help,
					     const char *labels);
gc_histogram *gc_metrics_histogram(const char *name, const char *help, const char *labels,
				   const double *buckets, size_t n_buckets);

static inline void gc_counter_add(gc_counter *c, uint64_t n)
{
	atomic_fetch_add_explicit(&c->value, n, memory_order_relaxed);
}

static inline uint64_t gc_counter_get(gc_counter *c)
{
	return atomic_load_explicit(&c->value, memory_order_relaxed);
}

void gc_gauge_set(gc_settable_gauge *g, double v);
void gc_gauge_add(gc_settable_gauge *g, double delta); /* negative to lower it */
double gc_gauge_get(gc_settable_gauge *g);

/* Counts v in the first bucket whose bound is >= v (or +Inf) and adds it to
 * the sum. NaN is ignored. */
void gc_histogram_observe(gc_histogram *h, double v);
/* What a scrape would show: observations so far, their sum, and how many were
 * <= bound i (cumulative; i == number of bounds for +Inf). */
uint64_t gc_histogram_count(gc_histogram *h);
double gc_histogram_sum(gc_histogram *h);
uint64_t gc_histogram_cumulative(gc_histogram *h, size_t i);

/* The otelcol batch and send size buckets (items per batch):
 * 10, 25, 50, ... 50000, 100000. */
extern const double gc_metrics_size_buckets[];
extern const size_t gc_metrics_size_buckets_n;

/* A gauge whose value fn(arg) computes at scrape time, in family name (type
 * gauge) with label text labels as for gc_metrics_counter. fn runs on a
 * scraping thread with no registry lock held: it may take its component's
 * lock and may register metrics. Returns a handle for gc_metrics_gauge_remove,
 * or NULL (logged) when memory is short or name is not a gauge family. */
struct gc_gauge;
struct gc_gauge *gc_metrics_gauge(const char *name, const char *help, const char *labels,
				  double (*fn)(void *arg), void *arg);
/* Unlists the gauge, waits for scrapes already calling fn to be done with it,
 * and frees it: after it returns fn is not called again, so arg may go. Call
 * it with no lock fn takes, and not from a gauge callback. Accepts NULL. */
void gc_metrics_gauge_remove(struct gc_gauge *gauge);

enum gc_exposition {
	GC_EXPOSITION_PROMETHEUS,  /* text/plain; version=0.0.4 */
	GC_EXPOSITION_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
};

/* Writes every series, families in registration order with one HELP and TYPE
 * each. In OpenMetrics a counter's family name drops a "_total" suffix, its
 * samples carry one, and the text ends with "# EOF". Gauge callbacks run with
 * no registry lock held. GC_ERROR when out of memory. */
int gc_metrics_render_as(FILE *out, enum gc_exposition format);
int gc_metrics_render(FILE *out); /* Prometheus text 0.0.4 */

/* Writes value (len bytes, from a client or a config) into out as a label
 * value: valid UTF-8 whatever the input (invalid bytes and control characters
 * become U+FFFD), backslash, quote and newline escaped, cut to fit cap bytes
 * (with the NUL) on a character boundary, never inside an escape. Returns the
 * length written. The one escaper of the exposition. */
size_t gc_metrics_label_value(char *out, size_t cap, const char *value, size_t len);

/* Serves /metrics on endpoint ("host:port"; port 0 picks one): OpenMetrics
 * when the Accept header names application/openmetrics-text, Prometheus text
 * otherwise. Returns the bound port or -1 with *err. gc_telemetry_stop
 * accepts being called when nothing runs. */
int gc_telemetry_start(const char *endpoint, char **err);
void gc_telemetry_stop(void);

#endif
