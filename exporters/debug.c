/* Exporter debug: what arrives, on stdout. basic: one line per batch;
 * normal: one line per span or log record; detailed: every field. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporter.h"
#include "request.h"
#include "log.h"

struct debug_config {
	struct gc_exporter_settings settings;
	char *verbosity;
};

struct debug_exporter {
	char *id;
	int level; /* 0 basic, 1 normal, 2 detailed */
};

typedef Opentelemetry__Proto__Common__V1__AnyValue any_value;
typedef Opentelemetry__Proto__Common__V1__KeyValue key_value;
typedef Opentelemetry__Proto__Trace__V1__Span span;

static const struct gc_option debug_options[] = {
	GC_EXPORTER_SETTINGS_OPTIONS("5s"),
	{ "verbosity", GC_OPT_STRING, offsetof(struct debug_config, verbosity), "basic",
	  .choices = (const char *const[]){ "basic", "normal", "detailed", NULL } },
	{ 0 },
};

static void print_hex(FILE *f, const ProtobufCBinaryData *b)
{
	for (size_t i = 0; i < b->len; i++)
		fprintf(f, "%02x", b->data[i]);
}

/* Client text on stdout: control characters, backslashes, quotes and bytes
 * that are not UTF-8 are escaped, so a span cannot forge an output line or
 * send terminal escapes. */
static void print_text(FILE *f, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len;) {
		size_t n = gc_utf8_length(p + i, len - i);

		if (p[i] == '\\' || p[i] == '"') {
			fputc('\\', f);
			fputc(p[i], f);
		} else if (p[i] == '\n') {
			fputs("\\n", f);
		} else if (p[i] == '\t') {
			fputs("\\t", f);
		} else if (p[i] == '\r') {
			fputs("\\r", f);
		} else if (!n || p[i] < 0x20 || p[i] == 0x7f) {
			fprintf(f, "\\x%02x", p[i]);
		} else {
			fwrite(p + i, 1, n, f);
			i += n;
			continue;
		}
		i++;
	}
}

static void print_value(FILE *f, const any_value *v);

static void print_attrs(FILE *f, key_value **kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		print_text(f, kv[i]->key.data, kv[i]->key.len);
		fputc('=', f);
		print_value(f, kv[i]->value);
	}
}

static void print_value(FILE *f, const any_value *v)
{
	if (!v) {
		fputs("null", f);
		return;
	}
	switch (v->value_case) {
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
		fputc('"', f);
		print_text(f, v->string_value.data, v->string_value.len);
		fputc('"', f);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
		fputs(v->bool_value ? "true" : "false", f);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
		fprintf(f, "%" PRId64, v->int_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
		fprintf(f, "%.17g", v->double_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
		fputs("0x", f);
		print_hex(f, &v->bytes_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
		fputc('[', f);
		for (size_t i = 0; i < v->array_value->n_values; i++) {
			if (i)
				fputs(", ", f);
			print_value(f, v->array_value->values[i]);
		}
		fputc(']', f);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
		fputc('{', f);
		print_attrs(f, v->kvlist_value->values, v->kvlist_value->n_values);
		fputc('}', f);
		break;
	default:
		fputs("null", f);
	}
}

static void print_span(FILE *f, const span *s, int level)
{
	fputs("  span trace_id=", f);
	print_hex(f, &s->trace_id);
	fputs(" span_id=", f);
	print_hex(f, &s->span_id);
	fputs(" name=\"", f);
	print_text(f, s->name.data, s->name.len);
	fputc('"', f);
	if (level >= 2) {
		fputs(" parent=", f);
		print_hex(f, &s->parent_span_id);
		fprintf(f, " kind=%d start=%" PRIu64 " end=%" PRIu64 " status=%d", s->kind,
			s->start_time_unix_nano, s->end_time_unix_nano,
			s->status ? s->status->code : 0);
		fputs(" attributes={", f);
		print_attrs(f, s->attributes, s->n_attributes);
		fprintf(f, "} events=%zu links=%zu", s->n_events, s->n_links);
	}
	fputc('\n', f);
}

static void print_traces(FILE *f, const gc_traces_req *req, int level)
{
	for (size_t i = 0; i < req->n_resource_spans; i++) {
		const Opentelemetry__Proto__Trace__V1__ResourceSpans *rs = req->resource_spans[i];

		if (level >= 2 && rs->resource) {
			fputs(" resource {", f);
			print_attrs(f, rs->resource->attributes, rs->resource->n_attributes);
			fputs("}\n", f);
		}
		for (size_t j = 0; j < rs->n_scope_spans; j++)
			for (size_t k = 0; k < rs->scope_spans[j]->n_spans; k++)
				print_span(f, rs->scope_spans[j]->spans[k], level);
	}
}

static void print_logs(FILE *f, const gc_logs_req *req, int level)
{
	for (size_t i = 0; i < req->n_resource_logs; i++)
		for (size_t j = 0; j < req->resource_logs[i]->n_scope_logs; j++) {
			const Opentelemetry__Proto__Logs__V1__ScopeLogs *sl =
				req->resource_logs[i]->scope_logs[j];

			for (size_t k = 0; k < sl->n_log_records; k++) {
				const Opentelemetry__Proto__Logs__V1__LogRecord *r = sl->log_records[k];

				fprintf(f, "  log time=%" PRIu64 " severity=", r->time_unix_nano);
				print_text(f, r->severity_text.data, r->severity_text.len);
				fputs(" body=", f);
				print_value(f, r->body);
				if (level >= 2) {
					fputs(" attributes={", f);
					print_attrs(f, r->attributes, r->n_attributes);
					fputc('}', f);
				}
				fputc('\n', f);
			}
		}
}

static void *debug_create(const char *id, const void *config, char **err)
{
	const struct debug_config *c = config;
	struct debug_exporter *d = calloc(1, sizeof(*d));

	if (!d || !(d->id = strdup(id))) {
		free(d);
		gc_set_err(err, "%s: out of memory", id);
		return NULL;
	}
	d->level = !strcmp(c->verbosity, "detailed") ? 2 : !strcmp(c->verbosity, "normal") ? 1 : 0;
	return d;
}

/* Prints the request: its count always, its content above basic (decoded
 * again from the bytes: the debug exporter is not on a fast path). */
static int debug_send(void *self, struct gc_request *req, struct gc_send_result *res, char **err)
{
	struct debug_exporter *d = self;
	const struct gc_metadata *md = req->metadata;
	struct gc_batch *batch;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)res;
	gc_info(d->id, "%s: %zu %s", gc_signal_name(req->signal), req->items,
		gc_signal_items(req->signal));
	if (d->level == 0)
		return GC_OK;
	batch = gc_request_decode(req, err);
	if (!batch)
		return GC_RETRY; /* only memory can fail: the bytes were encoded here */
	/* One write per batch keeps concurrent batches from interleaving. */
	f = open_memstream(&text, &len);
	if (!f) {
		gc_batch_unref(batch);
		return gc_set_err(err, "out of memory"), GC_RETRY;
	}
	if (d->level >= 2 && md) {
		fputs(" metadata {", f);
		for (size_t i = 0; i < md->n; i++) {
			const char *key = md->keys[i], *value = md->values[i];

			fputs(i ? ", " : "", f);
			print_text(f, key, strlen(key));
			fputc('=', f);
			if (gc_header_is_credential(key))
				fputs("[redacted]", f);
			else
				print_text(f, value, strlen(value));
		}
		fputs("}\n", f);
	}
	if (batch->signal == GC_SIGNAL_TRACES)
		print_traces(f, batch->traces, d->level);
	else if (batch->signal == GC_SIGNAL_LOGS)
		print_logs(f, batch->logs, d->level);
	gc_batch_unref(batch);
	if (fclose(f)) { /* the stream could not grow: what it holds is cut short */
		free(text);
		return gc_set_err(err, "out of memory"), GC_RETRY;
	}
	fwrite(text, 1, len, stdout);
	fflush(stdout);
	free(text);
	return GC_OK;
}

static void debug_destroy(void *self)
{
	struct debug_exporter *d = self;

	if (!d)
		return;
	free(d->id);
	free(d);
}

static const struct gc_exporter_ops debug_ops = {
	.create = debug_create,
	.send = debug_send,
	.destroy = debug_destroy,
};

const struct gc_component_type gc_exporter_debug = {
	.name = "debug",
	.kind = GC_KIND_EXPORTER,
	.signals = GC_SIGNAL_BIT(GC_SIGNAL_TRACES) | GC_SIGNAL_BIT(GC_SIGNAL_LOGS) |
		   GC_SIGNAL_BIT(GC_SIGNAL_METRICS),
	.help = "writes what arrives to stdout (counts, or spans and logs)",
	.config_size = sizeof(struct debug_config),
	.options = debug_options,
	.exporter = &debug_ops,
};
