#include "telemetry.h"

#include <pthread.h>
#include <stdbool.h>
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

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
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
	pthread_mutex_lock(&registry_lock);
	for (p = &gauge->family->series; *p; p = &(*p)->next) {
		if (*p == gauge->series) {
			*p = gauge->series->next;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	free(gauge->series->labels);
	free(gauge->series);
	free(gauge);
}

void gc_metrics_render(FILE *out)
{
	pthread_mutex_lock(&registry_lock);
	for (struct family *f = families; f; f = f->next) {
		if (!f->series)
			continue;
		fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
			f->is_gauge ? "gauge" : "counter");
		for (struct series *s = f->series; s; s = s->next) {
			const char *open = *s->labels ? "{" : "", *close = *s->labels ? "}" : "";

			if (s->gauge)
				fprintf(out, "%s%s%s%s %.17g\n", f->name, open, s->labels, close,
					s->gauge->fn(s->gauge->arg));
			else
				fprintf(out, "%s%s%s%s %llu\n", f->name, open, s->labels, close,
					(unsigned long long)gc_counter_get(&s->counter));
		}
	}
	pthread_mutex_unlock(&registry_lock);
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
	gc_metrics_render(f);
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
		MHD_stop_daemon(metrics_daemon);
	metrics_daemon = NULL;
}
