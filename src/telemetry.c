#include "telemetry.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "http_server.h"
#include "log.h"

struct series {
	char *labels;
	gc_counter counter;
	struct gc_gauge *gauge; /* NULL for counters */
	struct series *next;
};

struct gc_gauge {
	double (*fn)(void *arg);
	void *arg;
	struct family *family;
	struct series *series;
};

struct family {
	char *name;
	char *help;
	bool is_gauge;
	struct series *series;
	struct family *next;
};

/* registry_lock guards the lists and is held only around list operations.
 * render_lock serializes scrapes with gauge removal, so a scrape can call
 * gauge callbacks (which take their component's lock) without the registry
 * lock: a component may register a counter under its own lock, and with the
 * registry lock held across callbacks the two would wait on each other. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t render_lock = PTHREAD_MUTEX_INITIALIZER;
static struct family *families, **families_tail = &families;
static struct MHD_Daemon *metrics_daemon;

/* Registry lock held. Families keep registration order. */
static struct family *family_get(const char *name, const char *help, bool is_gauge)
{
	struct family *f;

	for (f = families; f; f = f->next)
		if (!strcmp(f->name, name))
			return f;
	f = calloc(1, sizeof(*f));
	if (!f)
		abort();
	f->name = strdup(name);
	f->help = strdup(help);
	f->is_gauge = is_gauge;
	*families_tail = f;
	families_tail = &f->next;
	return f;
}

static struct series *series_new(struct family *f, const char *labels)
{
	struct series *s = calloc(1, sizeof(*s)), **tail;

	if (!s)
		abort();
	s->labels = strdup(labels);
	for (tail = &f->series; *tail; tail = &(*tail)->next)
		;
	*tail = s;
	return s;
}

gc_counter *gc_metrics_counter(const char *name, const char *help, const char *labels)
{
	struct family *f;
	struct series *s;

	pthread_mutex_lock(&registry_lock);
	f = family_get(name, help, false);
	for (s = f->series; s; s = s->next)
		if (!strcmp(s->labels, labels))
			break;
	if (!s)
		s = series_new(f, labels);
	pthread_mutex_unlock(&registry_lock);
	return &s->counter;
}

struct gc_gauge *gc_metrics_gauge(const char *name, const char *help, const char *labels,
				  double (*fn)(void *arg), void *arg)
{
	struct gc_gauge *g = calloc(1, sizeof(*g));

	if (!g)
		abort();
	g->fn = fn;
	g->arg = arg;
	pthread_mutex_lock(&registry_lock);
	g->family = family_get(name, help, true);
	g->series = series_new(g->family, labels);
	g->series->gauge = g;
	pthread_mutex_unlock(&registry_lock);
	return g;
}

void gc_metrics_gauge_remove(struct gc_gauge *gauge)
{
	struct series **p;

	if (!gauge)
		return;
	pthread_mutex_lock(&render_lock);
	pthread_mutex_lock(&registry_lock);
	for (p = &gauge->family->series; *p; p = &(*p)->next) {
		if (*p == gauge->series) {
			*p = gauge->series->next;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	pthread_mutex_unlock(&render_lock);
	free(gauge->series->labels);
	free(gauge->series);
	free(gauge);
}

/* The series to print, copied under the registry lock. Families and counter
 * series are never freed; gauge series are freed only under render_lock,
 * which the scrape holds throughout. */
struct snapshot {
	size_t n, cap;
	struct {
		const struct family *family; /* set on a family's first series */
		const struct series *series;
	} *rows;
};

static int snapshot_take(struct snapshot *snap)
{
	int rc = GC_OK;

	pthread_mutex_lock(&registry_lock);
	for (struct family *f = families; f && rc == GC_OK; f = f->next) {
		for (struct series *s = f->series; s; s = s->next) {
			if (snap->n == snap->cap) {
				size_t cap = snap->cap ? snap->cap * 2 : 256;
				void *rows = realloc(snap->rows, cap * sizeof(*snap->rows));

				if (!rows) {
					rc = GC_ERROR;
					break;
				}
				snap->rows = rows;
				snap->cap = cap;
			}
			snap->rows[snap->n].family = s == f->series ? f : NULL;
			snap->rows[snap->n++].series = s;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

int gc_metrics_render(FILE *out)
{
	struct snapshot snap = { 0 };
	const struct family *f = NULL;
	int rc;

	pthread_mutex_lock(&render_lock);
	rc = snapshot_take(&snap);
	for (size_t i = 0; rc == GC_OK && i < snap.n; i++) {
		const struct series *s = snap.rows[i].series;
		const char *open = *s->labels ? "{" : "", *close = *s->labels ? "}" : "";

		if (snap.rows[i].family) {
			f = snap.rows[i].family;
			fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
				f->is_gauge ? "gauge" : "counter");
		}
		if (s->gauge)
			fprintf(out, "%s%s%s%s %.17g\n", f->name, open, s->labels, close,
				s->gauge->fn(s->gauge->arg));
		else
			fprintf(out, "%s%s%s%s %llu\n", f->name, open, s->labels, close,
				(unsigned long long)gc_counter_get((gc_counter *)&s->counter));
	}
	pthread_mutex_unlock(&render_lock);
	free(snap.rows);
	return rc;
}

/* Writes one UTF-8 sequence or escape if it fits; returns the bytes written,
 * 0 when it does not fit. */
static size_t put_unit(char *out, size_t room, const char *unit, size_t n)
{
	if (n > room)
		return 0;
	memcpy(out, unit, n);
	return n;
}

size_t gc_metrics_label_value(char *out, size_t cap, const char *value, size_t len)
{
	static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
	const unsigned char *p = (const unsigned char *)value;
	size_t o = 0, i = 0;

	if (!cap)
		return 0;
	while (i < len) {
		size_t n = gc_utf8_length(p + i, len - i), w;

		if (p[i] == '\\' || p[i] == '"')
			w = put_unit(out + o, cap - 1 - o, (const char[]){ '\\', (char)p[i] }, 2);
		else if (p[i] == '\n')
			w = put_unit(out + o, cap - 1 - o, "\\n", 2);
		else if (!n || p[i] < 0x20 || p[i] == 0x7f)
			w = put_unit(out + o, cap - 1 - o, replacement, 3), n = n ? n : 1;
		else
			w = put_unit(out + o, cap - 1 - o, value + i, n);
		if (!w)
			break;
		o += w;
		i += n ? n : 1;
	}
	out[o] = '\0';
	return o;
}

static enum MHD_Result metrics_handler(void *cls, struct MHD_Connection *conn, const char *url,
				       const char *method, const char *version,
				       const char *upload_data, size_t *upload_data_size,
				       void **con_cls)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	enum MHD_Result ret;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return gc_http_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
				     "method not allowed\n", 19);
	if (strcmp(url, "/metrics"))
		return gc_http_reply(conn, MHD_HTTP_NOT_FOUND, "text/plain",
				     "not found; metrics are at /metrics\n", 35);
	f = open_memstream(&text, &len);
	if (!f)
		return MHD_NO;
	if (gc_metrics_render(f)) {
		fclose(f);
		free(text);
		return gc_http_reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
				     "out of memory\n", 14);
	}
	fclose(f);
	ret = gc_http_reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text,
			    len);
	free(text);
	return ret;
}

int gc_telemetry_start(const char *endpoint, char **err)
{
	int port;

	metrics_daemon = gc_http_listen(endpoint, metrics_handler, NULL, NULL, &port, err);
	if (!metrics_daemon)
		return -1;
	return port;
}

void gc_telemetry_stop(void)
{
	if (metrics_daemon)
		gc_http_stop(metrics_daemon);
	metrics_daemon = NULL;
}
