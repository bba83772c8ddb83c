/* The registry as text: Prometheus 0.0.4 and OpenMetrics 1.0.0, the one
 * label-value escaper, and the /metrics HTTP server. */
#include "telemetry.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "http_server.h"
#include "telemetry_internal.h"

#define PROMETHEUS_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define OPENMETRICS_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"

static struct MHD_Daemon *metrics_daemon;

/* The shortest %g form of v that reads back as v; in OpenMetrics a whole
 * number gets ".0" (as the Go and Python clients write floats there). */
static void format_number(char out[40], double v, bool om)
{
	if (isnan(v)) {
		strcpy(out, "NaN");
		return;
	}
	if (isinf(v)) {
		strcpy(out, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (int precision = 15; precision <= 17; precision++) {
		snprintf(out, 40, "%.*g", precision, v);
		if (strtod(out, NULL) == v)
			break;
	}
	if (om && !strpbrk(out, ".e"))
		strcat(out, ".0");
}

/* The family name as printed in HELP and TYPE: an OpenMetrics counter's
 * drops its "_total" (its samples add one back). */
static int family_name_length(const struct gc_metric_family *f, bool om)
{
	size_t n = strlen(f->name);

	if (om && f->type == GC_METRIC_COUNTER && n > 6 && !strcmp(f->name + n - 6, "_total"))
		n -= 6;
	return (int)n;
}

/* Help text escaped: backslash and newline, and quotes in OpenMetrics. */
static void put_help(FILE *out, const char *help, bool om)
{
	for (; *help; help++) {
		if (*help == '\\')
			fputs("\\\\", out);
		else if (*help == '\n')
			fputs("\\n", out);
		else if (*help == '"' && om)
			fputs("\\\"", out);
		else
			fputc(*help, out);
	}
}

static void put_family(FILE *out, const struct gc_metric_family *f, bool om)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };
	int n = family_name_length(f, om);

	fprintf(out, "# HELP %.*s ", n, f->name);
	put_help(out, f->help, om);
	fprintf(out, "\n# TYPE %.*s %s\n", n, f->name, types[f->type]);
}

/* `name<suffix>{labels,le="<le>"} ` with the braces only when needed. */
static void put_sample_name(FILE *out, const struct gc_metric_family *f, int name_length,
			    const char *suffix, const char *labels, const char *le)
{
	fprintf(out, "%.*s%s", name_length, f->name, suffix);
	if (*labels || le) {
		fprintf(out, "{%s", labels);
		if (le)
			fprintf(out, "%sle=\"%s\"", *labels ? "," : "", le);
		fputc('}', out);
	}
	fputc(' ', out);
}

/* Cumulative buckets, +Inf last, then _sum and _count; _count is the +Inf
 * bucket as read here, so the two always agree. */
static void put_histogram(FILE *out, const struct gc_metric_family *f,
			  const struct gc_metrics_series *s, bool om)
{
	const gc_histogram *h = &s->histogram;
	double sum = 0;
	uint64_t bits = atomic_load_explicit(&h->sum_bits, memory_order_relaxed), cumulative = 0;
	int n = family_name_length(f, om);
	char text[40];

	memcpy(&sum, &bits, sizeof(sum));
	for (size_t i = 0; i <= h->n_bounds; i++) {
		cumulative += atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
		if (i < h->n_bounds)
			format_number(text, h->bounds[i], om);
		else
			strcpy(text, "+Inf");
		put_sample_name(out, f, n, "_bucket", s->labels, text);
		fprintf(out, "%llu\n", (unsigned long long)cumulative);
	}
	format_number(text, sum, om);
	put_sample_name(out, f, n, "_sum", s->labels, NULL);
	fprintf(out, "%s\n", text);
	put_sample_name(out, f, n, "_count", s->labels, NULL);
	fprintf(out, "%llu\n", (unsigned long long)cumulative);
}

static void put_row(FILE *out, const struct gc_metrics_row *row, const struct gc_metric_family *f,
		    bool om)
{
	const struct gc_metrics_series *s = row->series;
	int n = family_name_length(f, om);
	char text[40];
	uint64_t bits;
	double v;

	switch (f->type) {
	case GC_METRIC_COUNTER:
		put_sample_name(out, f, n, om ? "_total" : "", s->labels, NULL);
		fprintf(out, "%llu\n", (unsigned long long)atomic_load_explicit(
					       &s->counter.value, memory_order_relaxed));
		break;
	case GC_METRIC_GAUGE:
		bits = atomic_load_explicit(&s->gauge.bits, memory_order_relaxed);
		memcpy(&v, &bits, sizeof(v));
		format_number(text, s->callback ? row->value : v, om);
		put_sample_name(out, f, n, "", s->labels, NULL);
		fprintf(out, "%s\n", text);
		break;
	case GC_METRIC_HISTOGRAM:
		put_histogram(out, f, s, om);
		break;
	}
}

/* Callback gauges of one name and label set (a component in two pipelines,
 * each instance registering its own) are written as one series, their sum:
 * the exposition never repeats a series. Folds the later rows of rows[i]'s
 * family into rows[i], marking them folded. */
static void fold_callback_gauges(struct gc_metrics_row *rows, size_t n, size_t i)
{
	const struct gc_metrics_series *s = rows[i].series;

	if (!s->callback)
		return;
	for (size_t j = i + 1; j < n && !rows[j].family; j++) {
		const struct gc_metrics_series *t = rows[j].series;

		if (!rows[j].folded && t->callback && !strcmp(t->labels, s->labels)) {
			rows[i].value += rows[j].value;
			rows[j].folded = true;
		}
	}
}

int gc_metrics_render_as(FILE *out, enum gc_exposition format)
{
	struct gc_metrics_snapshot snap = { 0 };
	const struct gc_metric_family *f = NULL;
	bool om = format == GC_EXPOSITION_OPENMETRICS;
	int rc = gc_metrics_snapshot_take(&snap);

	for (size_t i = 0; rc == GC_OK && i < snap.n; i++) {
		if (snap.rows[i].family) {
			f = snap.rows[i].family;
			put_family(out, f, om);
		}
		if (snap.rows[i].folded)
			continue;
		fold_callback_gauges(snap.rows, snap.n, i);
		put_row(out, &snap.rows[i], f, om);
	}
	if (rc == GC_OK && om)
		fputs("# EOF\n", out);
	gc_metrics_snapshot_release(&snap);
	if (rc == GC_OK && ferror(out))
		rc = GC_ERROR;
	return rc;
}

int gc_metrics_render(FILE *out)
{
	return gc_metrics_render_as(out, GC_EXPOSITION_PROMETHEUS);
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

/* OpenMetrics when the Accept header names it at all (Prometheus lists it
 * first, with text/plain as a fallback). */
static bool wants_openmetrics(struct MHD_Connection *conn)
{
	const char *accept =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);

	return accept && strcasestr(accept, "application/openmetrics-text");
}

static enum MHD_Result metrics_handler(void *cls, struct MHD_Connection *conn, const char *url,
				       const char *method, const char *version,
				       const char *upload_data, size_t *upload_data_size,
				       void **con_cls)
{
	bool om = wants_openmetrics(conn);
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;
	enum MHD_Result ret;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return gc_http_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
				     "method not allowed\n", 19);
	if (strcmp(url, "/metrics"))
		return gc_http_reply(conn, MHD_HTTP_NOT_FOUND, "text/plain",
				     "not found; metrics are at /metrics\n", 35);
	f = open_memstream(&text, &len);
	if (!f)
		return gc_http_reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
				     "out of memory\n", 14);
	rc = gc_metrics_render_as(f, om ? GC_EXPOSITION_OPENMETRICS : GC_EXPOSITION_PROMETHEUS);
	if (fclose(f) || rc) {
		free(text);
		return gc_http_reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
				     "out of memory\n", 14);
	}
	ret = gc_http_reply(conn, MHD_HTTP_OK, om ? OPENMETRICS_TYPE : PROMETHEUS_TYPE, text, len);
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
