/* What the registry (telemetry.c) shares with the exposition writer
 * (telemetry_exposition.c): the family and series records and a scrape's
 * snapshot of them. Not for other modules. */
#ifndef GC_TELEMETRY_INTERNAL_H
#define GC_TELEMETRY_INTERNAL_H

#include <stdbool.h>

#include "telemetry.h"

/* A chained hash table entry; the table does not own the key. */
struct gc_metrics_entry {
	struct gc_metrics_entry *next;
	uint64_t hash;
	const char *key;
};

struct gc_metrics_table {
	struct gc_metrics_entry **slots;
	size_t n_slots, n;
};

struct gc_histogram {
	const double *bounds; /* the family's */
	size_t n_bounds;
	_Atomic uint64_t sum_bits; /* a double */
	_Atomic uint64_t *buckets; /* n_bounds + 1, each counting its own range */
};

struct gc_metrics_series {
	struct gc_metrics_entry entry; /* key: labels; unused by callback gauges */
	struct gc_metrics_series *prev, *next; /* the family's, registration order */
	char *labels;			       /* escaped text between the braces */
	struct gc_gauge *callback;	       /* callback gauges only */
	gc_counter counter;
	gc_settable_gauge gauge;
	gc_histogram histogram;
	_Atomic uint64_t cells[]; /* histogram.buckets */
};

/* Once the family is listed, the series table and list, max_series, n_series,
 * overflow, folds and (see declared) the label names change under the
 * registry lock only; the rest is immutable. */
struct gc_metric_family {
	struct gc_metrics_entry entry; /* key: name */
	struct gc_metric_family *next; /* registration order */
	char *name, *help;
	enum gc_metric_type type;
	char **label_names; /* set once more, under the lock, when declared turns true */
	size_t n_labels;
	bool declared; /* made or adopted by gc_metrics_family, not by label text */
	double *bounds;
	size_t n_bounds;
	size_t max_series, n_series; /* n_series: hashed series, the overflow one apart */
	struct gc_metrics_table series;
	struct gc_metrics_series *first, *last;
	struct gc_metrics_series *overflow; /* NULL until the first fold */
	gc_counter *folds;		    /* NULL until the first fold */
};

/* One series to print. Families and hashed series are never freed; a
 * callback gauge's series stays until the snapshot is released. */
struct gc_metrics_row {
	const struct gc_metric_family *family; /* set on a family's first row only */
	const struct gc_metrics_series *series;
	double value; /* a callback gauge's value, read once the lock is released */
	bool folded;  /* summed into an earlier row of the same labels: not written */
};

struct gc_metrics_snapshot {
	struct gc_metrics_row *rows;
	size_t n, cap;
};

/* Copies the list of series under the registry lock, then calls the gauge
 * callbacks without it. GC_ERROR when out of memory; release the snapshot
 * either way. */
int gc_metrics_snapshot_take(struct gc_metrics_snapshot *snap);
void gc_metrics_snapshot_release(struct gc_metrics_snapshot *snap);

#endif
