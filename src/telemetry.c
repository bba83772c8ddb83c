/* The metrics registry: families by name, series by label text, both in
 * hash tables, and the handles the hot paths update with atomics. The text
 * formats are in telemetry_exposition.c. */
#include "telemetry.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "log.h"
#include "telemetry_internal.h"

const double gc_metrics_size_buckets[] = { 10,	 25,   50,   75,   100,	250,   500,   750,
					   1000, 2000, 3000, 4000, 5000,	6000,  7000,  8000,
					   9000, 10000, 20000, 30000, 50000, 100000 };
const size_t gc_metrics_size_buckets_n =
	sizeof(gc_metrics_size_buckets) / sizeof(gc_metrics_size_buckets[0]);

struct gc_gauge {
	double (*fn)(void *arg);
	void *arg;
	struct gc_metric_family *family;
	struct gc_metrics_series *series;
	unsigned scrapes; /* snapshots that will call fn; registry lock */
};

/* What a registration asks for. max_series 0: the default for a new family,
 * no change for an existing one. */
struct family_spec {
	const char *name, *help;
	enum gc_metric_type type;
	const char *const *label_names;
	size_t n_labels;
	const double *buckets;
	size_t n_buckets;
	size_t max_series;
};

/* registry_lock guards the family table and list, every family's series
 * table, list, max_series and n_series, and the gauges' scrapes counts. It is
 * held around a few lines of table and list work and the allocations they
 * need; never around a gauge callback, a log line or other I/O.
 * gauge_released wakes gc_metrics_gauge_remove when a scrape is done. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gauge_released = PTHREAD_COND_INITIALIZER;
static struct gc_metrics_table families_by_name;
static struct gc_metric_family *families, **families_tail = &families;

/* The handles of failed registrations: they count into nothing. */
static gc_counter discard_counter;
static gc_settable_gauge discard_gauge;
static _Atomic uint64_t discard_buckets[1];
static gc_histogram discard_histogram = { .buckets = discard_buckets };

static uint64_t hash_text(const char *s) /* FNV-1a */
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static struct gc_metrics_entry *table_find(const struct gc_metrics_table *t, const char *key,
					   uint64_t hash)
{
	if (!t->n_slots)
		return NULL;
	for (struct gc_metrics_entry *e = t->slots[hash & (t->n_slots - 1)]; e; e = e->next)
		if (e->hash == hash && !strcmp(e->key, key))
			return e;
	return NULL;
}

/* Doubles the slots; when that fails the chains just grow longer. */
static void table_grow(struct gc_metrics_table *t)
{
	size_t n = t->n_slots ? t->n_slots * 2 : 16;
	struct gc_metrics_entry **slots = calloc(n, sizeof(*slots)), *e;

	if (!slots)
		return;
	for (size_t i = 0; i < t->n_slots; i++) {
		while ((e = t->slots[i])) {
			t->slots[i] = e->next;
			e->next = slots[e->hash & (n - 1)];
			slots[e->hash & (n - 1)] = e;
		}
	}
	free(t->slots);
	t->slots = slots;
	t->n_slots = n;
}

/* GC_ERROR only when the table has no slots and none can be allocated. */
static int table_insert(struct gc_metrics_table *t, struct gc_metrics_entry *e)
{
	if (t->n >= t->n_slots)
		table_grow(t);
	if (!t->n_slots)
		return GC_ERROR;
	e->next = t->slots[e->hash & (t->n_slots - 1)];
	t->slots[e->hash & (t->n_slots - 1)] = e;
	t->n++;
	return GC_OK;
}

/* [A-Za-z_:][A-Za-z0-9_:]* for a metric, the same without ':' for a label. */
static bool valid_name(const char *s, bool metric)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || (metric && *s == ':')))
			return false;
	return true;
}

static const char *label_names_problem(const struct family_spec *spec)
{
	if (spec->n_labels > GC_METRICS_MAX_LABELS || (spec->n_labels && !spec->label_names))
		return "too many label names, or none given";
	for (size_t i = 0; i < spec->n_labels; i++) {
		const char *n = spec->label_names[i];

		if (!valid_name(n, false) || !strncmp(n, "__", 2))
			return "a label name is not [A-Za-z_][A-Za-z0-9_]* or starts with __";
		if (spec->type == GC_METRIC_HISTOGRAM && !strcmp(n, "le"))
			return "a histogram's labels cannot include le";
		for (size_t j = 0; j < i; j++)
			if (!strcmp(n, spec->label_names[j]))
				return "a label name repeats";
	}
	return NULL;
}

/* Why spec cannot make a family, or NULL. */
static const char *spec_problem(const struct family_spec *spec)
{
	if (!valid_name(spec->name, true))
		return "the name is not [A-Za-z_:][A-Za-z0-9_:]*";
	if (spec->type != GC_METRIC_HISTOGRAM && spec->n_buckets)
		return "only histograms have buckets";
	if (spec->n_buckets > GC_METRICS_MAX_BUCKETS || (spec->n_buckets && !spec->buckets))
		return "too many buckets, or none given";
	for (size_t i = 0; i < spec->n_buckets; i++)
		if (!isfinite(spec->buckets[i]) || (i && spec->buckets[i] <= spec->buckets[i - 1]))
			return "bucket bounds must be finite and increasing";
	return label_names_problem(spec);
}

static void family_free(struct gc_metric_family *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_labels; i++)
		free(f->label_names[i]);
	free(f->label_names);
	free(f->bounds);
	free(f->name);
	free(f->help);
	free(f);
}

/* A new unlisted family made of a valid spec, or NULL when out of memory.
 * declared: spec's label names are the family's (not label text). */
static struct gc_metric_family *family_new(const struct family_spec *spec, bool declared)
{
	struct gc_metric_family *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->name = strdup(spec->name);
	f->help = strdup(spec->help ? spec->help : "");
	f->type = spec->type;
	f->max_series = spec->max_series ? spec->max_series : GC_METRICS_DEFAULT_MAX_SERIES;
	f->label_names = calloc(spec->n_labels + 1, sizeof(*f->label_names));
	f->bounds = malloc((spec->n_buckets + 1) * sizeof(*f->bounds));
	f->declared = declared;
	if (!f->name || !f->help || !f->label_names || !f->bounds)
		goto fail;
	for (; f->n_labels < spec->n_labels; f->n_labels++)
		if (!(f->label_names[f->n_labels] = strdup(spec->label_names[f->n_labels])))
			goto fail;
	if (spec->n_buckets)
		memcpy(f->bounds, spec->buckets, spec->n_buckets * sizeof(*f->bounds));
	f->n_bounds = spec->n_buckets;
	f->entry.key = f->name;
	f->entry.hash = hash_text(f->name);
	return f;
fail:
	family_free(f);
	return NULL;
}

/* Whether a registration of spec may use family f: same type and bounds, and
 * the same label names unless the registration brings its own label text or
 * f was made by one that did (then f takes spec's names). */
static bool family_agrees(const struct gc_metric_family *f, const struct family_spec *spec,
			  bool check_labels)
{
	if (f->type != spec->type || f->n_bounds != spec->n_buckets ||
	    (spec->n_buckets && memcmp(f->bounds, spec->buckets, f->n_bounds * sizeof(double))))
		return false;
	if (!check_labels || !f->declared)
		return true;
	if (f->n_labels != spec->n_labels)
		return false;
	for (size_t i = 0; i < f->n_labels; i++)
		if (strcmp(f->label_names[i], spec->label_names[i]))
			return false;
	return true;
}

/* Gives f, made by a registration with label text, the label names of spec.
 * Nobody formats labels for f before this returns: f was never handed out by
 * gc_metrics_family. Registry lock held. GC_ERROR when out of memory. */
static int family_declare_locked(struct gc_metric_family *f, const struct family_spec *spec)
{
	char **names = calloc(spec->n_labels + 1, sizeof(*names));

	for (size_t i = 0; names && i < spec->n_labels; i++) {
		if (!(names[i] = strdup(spec->label_names[i]))) {
			while (i--)
				free(names[i]);
			free(names);
			return GC_ERROR;
		}
	}
	if (!names)
		return GC_ERROR;
	free(f->label_names);
	f->label_names = names;
	f->n_labels = spec->n_labels;
	f->declared = true;
	return GC_OK;
}

/* Why a registration of spec cannot use f, or NULL; it may. Registry lock
 * held. */
static const char *family_accept_locked(struct gc_metric_family *f,
					const struct family_spec *spec, bool check_labels)
{
	if (!family_agrees(f, spec, check_labels))
		return "registered before with another type, labels or buckets";
	if (check_labels && !f->declared && family_declare_locked(f, spec))
		return "out of memory";
	if (spec->max_series > f->max_series)
		f->max_series = spec->max_series;
	return NULL;
}

/* Registry lock held. */
static struct gc_metric_family *family_find_locked(const char *name)
{
	return (struct gc_metric_family *)table_find(&families_by_name, name, hash_text(name));
}

/* Lists f. Registry lock held. GC_ERROR when out of memory. */
static int family_insert_locked(struct gc_metric_family *f)
{
	if (table_insert(&families_by_name, &f->entry))
		return GC_ERROR;
	*families_tail = f;
	families_tail = &f->next;
	return GC_OK;
}

/* The family of spec, created if new. NULL with *problem when spec is
 * invalid or disagrees with the family's first registration, or memory is
 * short. Allocates outside the lock; a racing creator's copy is dropped. */
static struct gc_metric_family *family_get(const struct family_spec *spec, bool check_labels,
					   const char **problem)
{
	struct gc_metric_family *f, *fresh = NULL;

	if ((*problem = spec_problem(spec)))
		return NULL;
	pthread_mutex_lock(&registry_lock);
	f = family_find_locked(spec->name);
	pthread_mutex_unlock(&registry_lock);
	if (!f && !(fresh = family_new(spec, check_labels))) {
		*problem = "out of memory";
		return NULL;
	}
	pthread_mutex_lock(&registry_lock);
	f = family_find_locked(spec->name);
	if (!f && family_insert_locked(fresh) == GC_OK) {
		f = fresh;
		fresh = NULL;
	}
	if (f && (*problem = family_accept_locked(f, spec, check_labels)))
		f = NULL;
	pthread_mutex_unlock(&registry_lock);
	family_free(fresh);
	if (!f && !*problem)
		*problem = "out of memory";
	return f;
}

static void series_free(struct gc_metrics_series *s)
{
	if (!s)
		return;
	free(s->labels);
	free(s);
}

/* A new unlisted series of f with a copy of labels, or NULL. */
static struct gc_metrics_series *series_new(const struct gc_metric_family *f, const char *labels)
{
	size_t cells = f->type == GC_METRIC_HISTOGRAM ? f->n_bounds + 1 : 0;
	struct gc_metrics_series *s = calloc(1, sizeof(*s) + cells * sizeof(s->cells[0]));

	if (!s)
		return NULL;
	s->labels = strdup(labels);
	if (!s->labels) {
		free(s);
		return NULL;
	}
	s->entry.key = s->labels;
	s->entry.hash = hash_text(labels);
	s->histogram.bounds = f->bounds;
	s->histogram.n_bounds = f->n_bounds;
	s->histogram.buckets = s->cells;
	return s;
}

/* Appends s to f's list. Registry lock held. */
static void series_link_locked(struct gc_metric_family *f, struct gc_metrics_series *s)
{
	s->prev = f->last;
	s->next = NULL;
	*(f->last ? &f->last->next : &f->first) = s;
	f->last = s;
}

static void series_unlink_locked(struct gc_metric_family *f, struct gc_metrics_series *s)
{
	*(s->prev ? &s->prev->next : &f->first) = s->next;
	*(s->next ? &s->next->prev : &f->last) = s->prev;
}

/* The series of f labelled labels, created if new and f has room. NULL when
 * out of memory, and when f is full (then *full is set). Lock held. */
static struct gc_metrics_series *series_find_or_add_locked(struct gc_metric_family *f,
							   const char *labels, bool *full)
{
	uint64_t hash = hash_text(labels);
	struct gc_metrics_series *s =
		(struct gc_metrics_series *)table_find(&f->series, labels, hash);

	*full = false;
	if (s)
		return s;
	if (f->n_series >= f->max_series) {
		*full = true;
		return NULL;
	}
	s = series_new(f, labels);
	if (!s || table_insert(&f->series, &s->entry)) {
		series_free(s);
		return NULL;
	}
	series_link_locked(f, s);
	f->n_series++;
	return s;
}

/* The fold counter of the family called name, with its family, created on
 * first use. Registry lock held. NULL when out of memory. */
static gc_counter *fold_counter_locked(const char *name)
{
	static const struct family_spec spec = {
		.name = GC_METRICS_OVERFLOW_FAMILY,
		.help = "Label sets a family resolved into its otel_metric_overflow=\"true\" "
			"series because it held max_series series.",
		.type = GC_METRIC_COUNTER,
		.max_series = SIZE_MAX,
	};
	char labels[GC_METRICS_LABEL_VALUE_MAX + 16];
	struct gc_metric_family *of = family_find_locked(spec.name);
	struct gc_metrics_series *s;
	bool full;
	size_t n;

	if (!of && (of = family_new(&spec, false)) && family_insert_locked(of)) {
		family_free(of);
		return NULL;
	}
	if (!of || of->type != GC_METRIC_COUNTER)
		return of ? &discard_counter : NULL;
	n = (size_t)snprintf(labels, sizeof(labels), "metric=\"");
	n += gc_metrics_label_value(labels + n, GC_METRICS_LABEL_VALUE_MAX + 1, name, strlen(name));
	snprintf(labels + n, sizeof(labels) - n, "\"");
	s = series_find_or_add_locked(of, labels, &full);
	return s ? &s->counter : NULL;
}

/* The overflow series of the full family f, created at its first fold, with
 * the fold counted. Registry lock held. NULL when out of memory. */
static struct gc_metrics_series *fold_locked(struct gc_metric_family *f)
{
	if (!f->overflow) {
		struct gc_metrics_series *s = series_new(f, GC_METRICS_OVERFLOW_LABELS);

		if (!s)
			return NULL;
		series_link_locked(f, s);
		f->overflow = s;
	}
	if (!f->folds)
		f->folds = fold_counter_locked(f->name);
	if (f->folds)
		gc_counter_add(f->folds, 1);
	return f->overflow;
}

static void registration_failed(const char *name, const char *problem)
{
	gc_error("telemetry", "metric %s: %s; this series is not shown", name ? name : "(null)",
		 problem);
}

/* The series of f labelled labels (escaped text), folded into the overflow
 * series past the cap. NULL, logged, when out of memory. */
static struct gc_metrics_series *series_get(struct gc_metric_family *f, const char *labels)
{
	struct gc_metrics_series *s;
	bool full;

	pthread_mutex_lock(&registry_lock);
	s = series_find_or_add_locked(f, labels, &full);
	if (full)
		s = fold_locked(f);
	pthread_mutex_unlock(&registry_lock);
	if (!s)
		registration_failed(f->name, "out of memory");
	return s;
}

/* `name="value",...` for f's label names, each value escaped and cut to
 * GC_METRICS_LABEL_VALUE_MAX bytes; a new string, or NULL. */
static char *labels_format(const struct gc_metric_family *f, const char *const *values)
{
	size_t cap = 1, o = 0;
	char *text;

	for (size_t i = 0; i < f->n_labels; i++)
		cap += strlen(f->label_names[i]) + 4 + GC_METRICS_LABEL_VALUE_MAX;
	text = malloc(cap);
	if (!text)
		return NULL;
	text[0] = '\0';
	for (size_t i = 0; i < f->n_labels; i++) {
		const char *v = values && values[i] ? values[i] : "";

		o += (size_t)sprintf(text + o, "%s%s=\"", i ? "," : "", f->label_names[i]);
		o += gc_metrics_label_value(text + o, GC_METRICS_LABEL_VALUE_MAX + 1, v, strlen(v));
		text[o++] = '"';
		text[o] = '\0';
	}
	return text;
}

/* The series of family for label_values, if family has that type. NULL,
 * logged, otherwise. */
static struct gc_metrics_series *family_series(struct gc_metric_family *family,
					       enum gc_metric_type type,
					       const char *const *label_values)
{
	struct gc_metrics_series *s;
	char *labels;

	if (!family)
		return NULL;
	if (family->type != type) {
		registration_failed(family->name, "asked for a series of another type");
		return NULL;
	}
	labels = labels_format(family, label_values);
	if (!labels) {
		registration_failed(family->name, "out of memory");
		return NULL;
	}
	s = series_get(family, labels);
	free(labels);
	return s;
}

/* The series name{labels} of a family of spec, labels given as text. */
static struct gc_metrics_series *text_series(const struct family_spec *spec, const char *labels)
{
	const char *problem;
	struct gc_metric_family *f = family_get(spec, false, &problem);

	if (!f) {
		registration_failed(spec->name, problem);
		return NULL;
	}
	return series_get(f, labels ? labels : "");
}

struct gc_metric_family *gc_metrics_family(const char *name, const char *help,
					   enum gc_metric_type type,
					   const char *const *label_names, size_t n_labels,
					   const double *buckets, size_t n_buckets,
					   size_t max_series)
{
	const struct family_spec spec = { name, help, type, label_names, n_labels,
					  buckets, n_buckets, max_series };
	const char *problem;
	struct gc_metric_family *f = family_get(&spec, true, &problem);

	if (!f)
		gc_error("telemetry", "metric %s: %s", name ? name : "(null)", problem);
	return f;
}

gc_counter *gc_family_counter(struct gc_metric_family *family, const char *const *label_values)
{
	struct gc_metrics_series *s = family_series(family, GC_METRIC_COUNTER, label_values);

	return s ? &s->counter : &discard_counter;
}

gc_settable_gauge *gc_family_gauge(struct gc_metric_family *family,
				   const char *const *label_values)
{
	struct gc_metrics_series *s = family_series(family, GC_METRIC_GAUGE, label_values);

	return s ? &s->gauge : &discard_gauge;
}

gc_histogram *gc_family_histogram(struct gc_metric_family *family,
				  const char *const *label_values)
{
	struct gc_metrics_series *s = family_series(family, GC_METRIC_HISTOGRAM, label_values);

	return s ? &s->histogram : &discard_histogram;
}

gc_counter *gc_metrics_counter(const char *name, const char *help, const char *labels)
{
	const struct family_spec spec = { .name = name, .help = help, .type = GC_METRIC_COUNTER };
	struct gc_metrics_series *s = text_series(&spec, labels);

	return s ? &s->counter : &discard_counter;
}

gc_settable_gauge *gc_metrics_settable_gauge(const char *name, const char *help,
					     const char *labels)
{
	const struct family_spec spec = { .name = name, .help = help, .type = GC_METRIC_GAUGE };
	struct gc_metrics_series *s = text_series(&spec, labels);

	return s ? &s->gauge : &discard_gauge;
}

gc_histogram *gc_metrics_histogram(const char *name, const char *help, const char *labels,
				   const double *buckets, size_t n_buckets)
{
	const struct family_spec spec = { .name = name, .help = help,
					  .type = GC_METRIC_HISTOGRAM,
					  .buckets = buckets, .n_buckets = n_buckets };
	struct gc_metrics_series *s = text_series(&spec, labels);

	return s ? &s->histogram : &discard_histogram;
}

static double bits_to_double(uint64_t bits)
{
	double v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

static uint64_t double_to_bits(double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	return bits;
}

/* Adds delta to the double whose bits *cell holds, without a lock. */
static void atomic_double_add(_Atomic uint64_t *cell, double delta)
{
	uint64_t old = atomic_load_explicit(cell, memory_order_relaxed);

	while (!atomic_compare_exchange_weak_explicit(cell, &old,
						      double_to_bits(bits_to_double(old) + delta),
						      memory_order_relaxed, memory_order_relaxed))
		;
}

void gc_gauge_set(gc_settable_gauge *g, double v)
{
	atomic_store_explicit(&g->bits, double_to_bits(v), memory_order_relaxed);
}

void gc_gauge_add(gc_settable_gauge *g, double delta)
{
	atomic_double_add(&g->bits, delta);
}

double gc_gauge_get(gc_settable_gauge *g)
{
	return bits_to_double(atomic_load_explicit(&g->bits, memory_order_relaxed));
}

void gc_histogram_observe(gc_histogram *h, double v)
{
	size_t lo = 0, hi = h->n_bounds;

	if (isnan(v))
		return;
	while (lo < hi) { /* the first bound >= v */
		size_t mid = lo + (hi - lo) / 2;

		if (v <= h->bounds[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	atomic_fetch_add_explicit(&h->buckets[lo], 1, memory_order_relaxed);
	atomic_double_add(&h->sum_bits, v);
}

uint64_t gc_histogram_cumulative(gc_histogram *h, size_t i)
{
	uint64_t n = 0;

	for (size_t b = 0; b <= i && b <= h->n_bounds; b++)
		n += atomic_load_explicit(&h->buckets[b], memory_order_relaxed);
	return n;
}

uint64_t gc_histogram_count(gc_histogram *h)
{
	return gc_histogram_cumulative(h, h->n_bounds);
}

double gc_histogram_sum(gc_histogram *h)
{
	return bits_to_double(atomic_load_explicit(&h->sum_bits, memory_order_relaxed));
}

struct gc_gauge *gc_metrics_gauge(const char *name, const char *help, const char *labels,
				  double (*fn)(void *arg), void *arg)
{
	const struct family_spec spec = { .name = name, .help = help, .type = GC_METRIC_GAUGE };
	const char *problem;
	struct gc_metric_family *f = family_get(&spec, false, &problem);
	struct gc_gauge *g = f ? calloc(1, sizeof(*g)) : NULL;
	struct gc_metrics_series *s = g ? series_new(f, labels ? labels : "") : NULL;

	if (!s) {
		free(g);
		registration_failed(name, f ? "out of memory" : problem);
		return NULL;
	}
	g->fn = fn;
	g->arg = arg;
	g->family = f;
	g->series = s;
	s->callback = g;
	pthread_mutex_lock(&registry_lock);
	series_link_locked(f, s);
	pthread_mutex_unlock(&registry_lock);
	return g;
}

void gc_metrics_gauge_remove(struct gc_gauge *gauge)
{
	if (!gauge)
		return;
	pthread_mutex_lock(&registry_lock);
	series_unlink_locked(gauge->family, gauge->series);
	while (gauge->scrapes)
		pthread_cond_wait(&gauge_released, &registry_lock);
	pthread_mutex_unlock(&registry_lock);
	series_free(gauge->series);
	free(gauge);
}

/* Registry lock held. */
static int snapshot_add_locked(struct gc_metrics_snapshot *snap, struct gc_metric_family *f,
			       struct gc_metrics_series *s)
{
	if (snap->n == snap->cap) {
		size_t cap = snap->cap ? snap->cap * 2 : 256;
		void *rows = realloc(snap->rows, cap * sizeof(*snap->rows));

		if (!rows)
			return GC_ERROR;
		snap->rows = rows;
		snap->cap = cap;
	}
	snap->rows[snap->n++] = (struct gc_metrics_row){ .family = s == f->first ? f : NULL,
							 .series = s };
	if (s->callback)
		s->callback->scrapes++;
	return GC_OK;
}

int gc_metrics_snapshot_take(struct gc_metrics_snapshot *snap)
{
	int rc = GC_OK;

	pthread_mutex_lock(&registry_lock);
	for (struct gc_metric_family *f = families; f && rc == GC_OK; f = f->next)
		for (struct gc_metrics_series *s = f->first; s && rc == GC_OK; s = s->next)
			rc = snapshot_add_locked(snap, f, s);
	pthread_mutex_unlock(&registry_lock);
	for (size_t i = 0; rc == GC_OK && i < snap->n; i++) {
		struct gc_gauge *g = snap->rows[i].series->callback;

		if (g)
			snap->rows[i].value = g->fn(g->arg);
	}
	return rc;
}

void gc_metrics_snapshot_release(struct gc_metrics_snapshot *snap)
{
	bool callbacks = false;

	for (size_t i = 0; i < snap->n && !callbacks; i++)
		callbacks = snap->rows[i].series->callback != NULL;
	if (callbacks) {
		pthread_mutex_lock(&registry_lock);
		for (size_t i = 0; i < snap->n; i++)
			if (snap->rows[i].series->callback)
				snap->rows[i].series->callback->scrapes--;
		pthread_cond_broadcast(&gauge_released);
		pthread_mutex_unlock(&registry_lock);
	}
	free(snap->rows);
	*snap = (struct gc_metrics_snapshot){ 0 };
}
