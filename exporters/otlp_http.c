/* Exporter otlp_http (alias otlphttp): OTLP/HTTP with protobuf bodies over
 * libcurl. HTTP/2 when the server offers it over TLS (ALPN), or over cleartext
 * with http2_prior_knowledge; HTTP/1.1 otherwise. Retries 429, 502, 503 and 504
 * (honouring Retry-After) and connection failures. */
#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "exporter.h"
#include "request.h"
#include "google/rpc/status.pb-c.h"
#include "log.h"
#include "otlp_response.h"
#include "tls_options.h"

#define MAX_RESPONSE_BYTES (64 * 1024)
#define MAX_HANDLES 64

struct otlp_http_exporter_config {
	struct gc_exporter_settings settings; /* first: the exporter runtime reads it */
	char *endpoint;
	char *traces_endpoint, *logs_endpoint, *metrics_endpoint;
	struct gc_tls_settings tls;
	struct gc_strmap headers;
	char *compression;
	bool http2_prior_knowledge;
};

struct otlp_http_exporter {
	char *id;
	const struct otlp_http_exporter_config *config;
	bool forbid_reuse; /* see otlp_http_create */
	char *urls[GC_SIGNAL_COUNT];
	struct curl_slist *connect_to[GC_SIGNAL_COUNT]; /* tls.server_name_override */
	struct curl_slist *headers;
	/* Idle easy handles: each keeps its connections, so reusing them keeps
	 * connections (and HTTP/2 sessions) alive between sends. */
	pthread_mutex_t lock;
	CURL *idle[MAX_HANDLES];
	size_t n_idle;
};

static const struct gc_option otlp_http_options[] = {
	GC_EXPORTER_SETTINGS_OPTIONS("30s"),
	{ "endpoint", GC_OPT_STRING, offsetof(struct otlp_http_exporter_config, endpoint),
	  .help = "base URL; /v1/traces, /v1/logs and /v1/metrics are appended" },
	{ "traces_endpoint", GC_OPT_STRING,
	  offsetof(struct otlp_http_exporter_config, traces_endpoint),
	  .help = "full URL for traces (overrides endpoint)" },
	{ "logs_endpoint", GC_OPT_STRING, offsetof(struct otlp_http_exporter_config, logs_endpoint),
	  .help = "full URL for logs (overrides endpoint)" },
	{ "metrics_endpoint", GC_OPT_STRING,
	  offsetof(struct otlp_http_exporter_config, metrics_endpoint),
	  .help = "full URL for metrics (overrides endpoint)" },
	GC_TLS_OPTION(struct otlp_http_exporter_config, tls),
	{ "headers", GC_OPT_STRMAP, offsetof(struct otlp_http_exporter_config, headers),
	  .help = "HTTP headers sent with every request" },
	{ "compression", GC_OPT_STRING, offsetof(struct otlp_http_exporter_config, compression),
	  "gzip", .choices = (const char *const[]){ "gzip", "none", NULL } },
	{ "http2_prior_knowledge", GC_OPT_BOOL,
	  offsetof(struct otlp_http_exporter_config, http2_prior_knowledge), "false",
	  .help = "speak HTTP/2 without negotiation (h2c on http:// URLs)" },
	{ 0 },
};

static const char *const signal_paths[GC_SIGNAL_COUNT] = { "/v1/traces", "/v1/logs",
							   "/v1/metrics" };

static char **signal_endpoint(const struct otlp_http_exporter_config *c, enum gc_signal s)
{
	char *const *e[] = { &c->traces_endpoint, &c->logs_endpoint, &c->metrics_endpoint };

	return (char **)e[s];
}

static int otlp_http_validate(const void *config, const struct gc_node *node, const char *id,
			      char **err)
{
	const struct otlp_http_exporter_config *c = config;

	for (int s = 0; s < GC_SIGNAL_COUNT; s++) {
		const char *url = *signal_endpoint(c, (enum gc_signal)s);

		if (!url)
			url = c->endpoint;
		if (!url || !*url)
			return gc_node_error(err, node,
					     "%s: 'endpoint' is required (e.g. http://host:4318), or "
					     "traces_endpoint, logs_endpoint and metrics_endpoint", id);
		if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
			return gc_node_error(err, node, "%s: endpoint '%s' must start with http:// "
					     "or https://", id, url);
	}
	if (gc_tls_validate(&c->tls, node, id, err))
		return GC_ERROR;
	for (size_t i = 0; i < c->headers.n; i++)
		for (const char *p = c->headers.keys[i]; *p; p++)
			if (!isgraph((unsigned char)*p) || *p == ':')
				return gc_node_error(err, gc_node_get(node, "headers"),
						     "%s: '%s' is not a valid HTTP header name", id,
						     c->headers.keys[i]);
	return GC_OK;
}

/* The URL of signal s: its own endpoint, or endpoint with the signal's path.
 * Heap; NULL when out of memory. */
static char *signal_url(const struct otlp_http_exporter_config *c, enum gc_signal s)
{
	const char *full = *signal_endpoint(c, s);
	size_t n;
	char *url;

	if (full)
		return strdup(full);
	n = strlen(c->endpoint);
	while (n && c->endpoint[n - 1] == '/')
		n--;
	return asprintf(&url, "%.*s%s", (int)n, c->endpoint, signal_paths[s]) < 0 ? NULL : url;
}

/* Appends a copy of line to *list; false when out of memory (the list is
 * left as it was). */
static bool append_line(struct curl_slist **list, const char *line)
{
	struct curl_slist *grown = curl_slist_append(*list, line);

	if (!grown)
		return false;
	*list = grown;
	return true;
}

/* The headers of every request. GC_OK, or GC_ERROR when out of memory. */
static int build_headers(struct curl_slist **list, const struct otlp_http_exporter_config *c)
{
	char line[1024];

	if (!append_line(list, "Content-Type: application/x-protobuf") ||
	    (!strcmp(c->compression, "gzip") && !append_line(list, "Content-Encoding: gzip")) ||
	    /* curl adds "Expect: 100-continue" to large POSTs; the round trip buys nothing. */
	    !append_line(list, "Expect:"))
		return GC_ERROR;
	for (size_t i = 0; i < c->headers.n; i++) {
		snprintf(line, sizeof(line), "%s: %s", c->headers.keys[i], c->headers.values[i]);
		if (!append_line(list, line))
			return GC_ERROR;
	}
	return GC_OK;
}

/* tls.server_name_override on an https:// URL: the name takes the place of
 * the URL's host, so that curl sends it as SNI and Host and verifies it in the
 * server's certificate, and *connect_to sends the connection to the URL's own
 * host and port. *url (heap) is replaced. An http:// URL is left alone. GC_OK,
 * or GC_ERROR with *err when the URL does not parse or memory ran out. */
static int override_server_name(char **url, const char *name, struct curl_slist **connect_to,
				const char *id, char **err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *rewritten = NULL, *entry = NULL, *copy;
	int rc = GC_ERROR;

	if (!u || curl_url_set(u, CURLUPART_URL, *url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		goto out;
	if (strcasecmp(scheme, "https")) {
		rc = GC_OK;
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_HOST, name, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &rewritten, 0) != CURLUE_OK)
		goto out;
	if (asprintf(&entry, "%s:%s:%s:%s", name, port, host, port) < 0) {
		entry = NULL;
		goto out;
	}
	copy = strdup(rewritten);
	if (!copy || !append_line(connect_to, entry)) {
		free(copy);
		goto out;
	}
	free(*url);
	*url = copy;
	rc = GC_OK;
out:
	if (rc != GC_OK)
		gc_set_err(err, "%s: tls.server_name_override '%s' cannot apply to %s (out of "
			   "memory, or not a URL curl reads)", id, name, *url);
	free(entry);
	curl_free(rewritten);
	curl_free(port);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

static void otlp_http_destroy(void *self);

static void *otlp_http_create(const char *id, const void *config, char **err)
{
	const struct otlp_http_exporter_config *c = config;
	struct otlp_http_exporter *e = calloc(1, sizeof(*e));
	const char *name = gc_tls_server_name(&c->tls);

	if (!e || !(e->id = strdup(id))) {
		free(e);
		gc_set_err(err, "%s: out of memory", id);
		return NULL;
	}
	e->config = c;
	pthread_mutex_init(&e->lock, NULL);
	for (int s = 0; s < GC_SIGNAL_COUNT; s++) {
		e->urls[s] = signal_url(c, (enum gc_signal)s);
		if (!e->urls[s]) {
			gc_set_err(err, "%s: out of memory", id);
			goto fail;
		}
		if (name && override_server_name(&e->urls[s], name, &e->connect_to[s], id, err))
			goto fail;
	}
	if (build_headers(&e->headers, c)) {
		gc_set_err(err, "%s: out of memory", id);
		goto fail;
	}
	/* libcurl before 8.0 cannot reuse an h2c prior-knowledge connection
	 * (curl issue 10634; Debian 12 ships 7.88): the second request on it fails
	 * with a framing error. Such connections are used once. */
	if (c->http2_prior_knowledge && curl_version_info(CURLVERSION_NOW)->version_num < 0x080000)
		e->forbid_reuse = true;
	gc_info(id, "exporting OTLP/HTTP to %s%s%s", e->urls[GC_SIGNAL_TRACES],
		c->http2_prior_knowledge ? " (HTTP/2 prior knowledge)" : "",
		strcmp(c->compression, "gzip") ? "" : " (gzip)");
	return e;
fail:
	otlp_http_destroy(e);
	return NULL;
}

static CURL *take_handle(struct otlp_http_exporter *e)
{
	CURL *h = NULL;

	pthread_mutex_lock(&e->lock);
	if (e->n_idle)
		h = e->idle[--e->n_idle];
	pthread_mutex_unlock(&e->lock);
	return h ? h : curl_easy_init();
}

static void give_handle(struct otlp_http_exporter *e, CURL *h)
{
	pthread_mutex_lock(&e->lock);
	if (e->n_idle < MAX_HANDLES) {
		e->idle[e->n_idle++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&e->lock);
	if (h)
		curl_easy_cleanup(h);
}

struct response {
	uint8_t *body;
	size_t len;
	int64_t retry_after_ns;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct response *r = arg;
	size_t len = size * n, keep = len;

	if (r->len + keep > MAX_RESPONSE_BYTES)
		keep = MAX_RESPONSE_BYTES - r->len;
	if (keep) {
		uint8_t *p = realloc(r->body, r->len + keep);

		if (!p)
			return 0;
		r->body = p;
		memcpy(r->body + r->len, data, keep);
		r->len += keep;
	}
	return len;
}

/* Retry-After: delay-seconds or an HTTP-date. */
static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct response *r = arg;
	size_t len = size * n;
	char value[128];

	if (len > 12 && !strncasecmp(data, "Retry-After:", 12)) {
		size_t vlen = len - 12;
		char *end;
		long secs;

		if (vlen >= sizeof(value))
			vlen = sizeof(value) - 1;
		memcpy(value, data + 12, vlen);
		value[vlen] = '\0';
		secs = strtol(value, &end, 10);
		if (end != value && secs >= 0 && (*end == '\r' || *end == '\n' || !*end))
			r->retry_after_ns = GC_SEC(secs);
		else {
			time_t when = curl_getdate(value, NULL);

			if (when > 0 && when > time(NULL))
				r->retry_after_ns = GC_SEC(when - time(NULL));
		}
	}
	return len;
}

/* gzip of buf into a new arena block; NULL when out of memory. */
static uint8_t *gzip_into(gc_arena *arena, const uint8_t *buf, size_t len, size_t *out_len)
{
	z_stream z = { 0 };
	uint8_t *out;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	out = gc_arena_alloc(arena, deflateBound(&z, len) + 32);
	z.next_in = (Bytef *)buf;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)(deflateBound(&z, len) + 32);
	if (!out || deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		return NULL;
	}
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

/* The message of a google.rpc.Status error body, when it has one. */
static void status_message(const struct response *r, char *out, size_t len)
{
	Google__Rpc__Status *st = r->len ? google__rpc__status__unpack(NULL, r->len, r->body) : NULL;

	if (st && st->message && *st->message)
		snprintf(out, len, ": %s", st->message);
	else
		out[0] = '\0';
	if (st)
		google__rpc__status__free_unpacked(st, NULL);
}

/* The tls settings on handle h. CURLE_OK, or what a string option (copied by
 * curl) failed with: out of memory. */
static CURLcode set_tls(CURL *h, const struct gc_tls_settings *tls)
{
	CURLcode cc = CURLE_OK;

	if (tls->ca_file)
		cc = curl_easy_setopt(h, CURLOPT_CAINFO, tls->ca_file);
	if (tls->cert_file && !cc)
		cc = curl_easy_setopt(h, CURLOPT_SSLCERT, tls->cert_file);
	if (tls->cert_file && !cc)
		cc = curl_easy_setopt(h, CURLOPT_SSLKEY, tls->key_file);
	if (tls->insecure_skip_verify) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return cc;
}

static int otlp_http_send(void *self, struct gc_request *req, struct gc_send_result *res,
			  char **err)
{
	struct otlp_http_exporter *e = self;
	const uint8_t *body = req->data;
	size_t body_len = req->len;
	gc_arena *arena = NULL;
	struct response r = { 0 };
	CURL *h = take_handle(e);
	CURLcode cc;
	long status = 0;
	int rc;

	if (!h) {
		rc = GC_RETRY;
		gc_set_err(err, "out of memory");
		goto out;
	}
	if (!strcmp(e->config->compression, "gzip")) {
		arena = gc_arena_create(req->len / 2 + 64);
		body = arena ? gzip_into(arena, req->data, req->len, &body_len) : NULL;
		if (!body) {
			rc = GC_RETRY;
			gc_set_err(err, "cannot gzip the request (out of memory)");
			goto out;
		}
	}
	curl_easy_reset(h);
	/* curl copies these strings: a failure is out of memory */
	if (curl_easy_setopt(h, CURLOPT_URL, e->urls[req->signal]) ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, "genai-collector/" GC_VERSION) ||
	    set_tls(h, &e->config->tls)) {
		rc = GC_RETRY;
		gc_set_err(err, "out of memory");
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, e->headers);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(e->config->settings.timeout / 1000000));
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, e->config->http2_prior_knowledge
							  ? CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE
							  : CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
	if (e->connect_to[req->signal])
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, e->connect_to[req->signal]);
	if (e->forbid_reuse)
		curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		rc = GC_RETRY;
		gc_set_err(err, "%s", curl_easy_strerror(cc));
		/* Its connection may be broken: do not offer it to the next send. */
		curl_easy_cleanup(h);
		h = NULL;
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300) {
		gc_read_partial_success(req->signal, r.body, r.len, res);
		rc = GC_OK;
	} else {
		char msg[300];

		status_message(&r, msg, sizeof(msg));
		gc_set_err(err, "HTTP %ld%s", status, msg);
		rc = status == 429 || status == 502 || status == 503 || status == 504 ? GC_RETRY
										       : GC_ERROR;
		res->retry_after_ns = r.retry_after_ns;
	}
out:
	if (h)
		give_handle(e, h);
	free(r.body);
	gc_arena_destroy(arena);
	return rc;
}

static void otlp_http_destroy(void *self)
{
	struct otlp_http_exporter *e = self;

	if (!e)
		return;
	for (size_t i = 0; i < e->n_idle; i++)
		curl_easy_cleanup(e->idle[i]);
	curl_slist_free_all(e->headers);
	for (int s = 0; s < GC_SIGNAL_COUNT; s++) {
		free(e->urls[s]);
		curl_slist_free_all(e->connect_to[s]);
	}
	pthread_mutex_destroy(&e->lock);
	free(e->id);
	free(e);
}

static const struct gc_exporter_ops otlp_http_ops = {
	.create = otlp_http_create,
	.send = otlp_http_send,
	.destroy = otlp_http_destroy,
};

const struct gc_component_type gc_exporter_otlp_http = {
	.name = "otlp_http",
	.alias = "otlphttp",
	.kind = GC_KIND_EXPORTER,
	.signals = GC_SIGNAL_BIT(GC_SIGNAL_TRACES) | GC_SIGNAL_BIT(GC_SIGNAL_LOGS) |
		   GC_SIGNAL_BIT(GC_SIGNAL_METRICS),
	.help = "OTLP/HTTP exporter (protobuf; HTTP/2 where offered)",
	.config_size = sizeof(struct otlp_http_exporter_config),
	.options = otlp_http_options,
	.validate = otlp_http_validate,
	.exporter = &otlp_http_ops,
};
