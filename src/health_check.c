/* Extension health_check: 200 with a JSON body while the collector serves,
 * 503 while it starts, reloads or drains. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "component.h"
#include "health.h"
#include "http_server.h"
#include "log.h"

static _Atomic int health_state = GC_HEALTH_STARTING;
static _Atomic int64_t serving_since; /* realtime ns of the last switch to serving */

void gc_health_set(enum gc_health_state state)
{
	if (state == GC_HEALTH_SERVING)
		atomic_store(&serving_since, gc_realtime_ns());
	atomic_store(&health_state, (int)state);
}

enum gc_health_state gc_health_get(void)
{
	return (enum gc_health_state)atomic_load(&health_state);
}

struct health_config {
	char *endpoint;
	char *path;
};

struct health_check {
	char *id;
	const struct health_config *config;
	struct MHD_Daemon *daemon;
};

static const struct gc_option health_options[] = {
	{ "endpoint", GC_OPT_STRING, offsetof(struct health_config, endpoint), "0.0.0.0:13133",
	  .help = "host:port to serve on" },
	{ "path", GC_OPT_STRING, offsetof(struct health_config, path), "/",
	  .help = "URL path of the health status" },
	{ 0 },
};

static enum MHD_Result health_handler(void *cls, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	struct health_check *h = cls;
	enum gc_health_state st = gc_health_get();
	char body[256], since[64];
	time_t t = (time_t)(atomic_load(&serving_since) / 1000000000LL);
	struct tm tm;

	if (strcmp(url, h->config->path))
		return gc_http_reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n", 10);
	gmtime_r(&t, &tm);
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (st == GC_HEALTH_SERVING) {
		int n = snprintf(body, sizeof(body),
				 "{\"status\":\"Server available\",\"upSince\":\"%s\","
				 "\"uptime\":\"%.0fs\"}\n", since,
				 (double)(gc_realtime_ns() - atomic_load(&serving_since)) / 1e9);

		return gc_http_reply(conn, MHD_HTTP_OK, "application/json", body, (size_t)n);
	}
	snprintf(body, sizeof(body), "{\"status\":\"Server not available\",\"state\":\"%s\"}\n",
		 st == GC_HEALTH_STARTING ? "starting" : "draining");
	return gc_http_reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "application/json", body,
			     strlen(body));
}

static void *health_create(const char *id, const void *config, char **err)
{
	struct health_check *h = calloc(1, sizeof(*h));

	if (!h || !(h->id = strdup(id))) {
		free(h);
		gc_set_err(err, "%s: out of memory", id);
		return NULL;
	}
	h->config = config;
	return h;
}

static int health_start(void *self, char **err)
{
	struct health_check *h = self;
	/* The default limits: a probe needs one connection, and a flood from one
	 * address must not keep the kubelet's probes out. */
	const struct gc_http_options options = { .purpose = "health_check" };
	int port;
	char *msg = NULL;

	h->daemon = gc_http_listen(h->config->endpoint, health_handler, h, &options, &port, &msg);
	if (!h->daemon) {
		gc_set_err(err, "%s: %s", h->id, msg);
		free(msg);
		return GC_ERROR;
	}
	{
		const char *colon = strrchr(h->config->endpoint, ':');
		int hl = colon ? (int)(colon - h->config->endpoint) : 0;

		gc_info(h->id, "listening on %.*s:%d", hl ? hl : 7, hl ? h->config->endpoint : "0.0.0.0",
			port);
	}
	return GC_OK;
}

static void health_destroy(void *self)
{
	struct health_check *h = self;

	gc_http_stop(h->daemon);
	free(h->id);
	free(h);
}

static const struct gc_extension_ops health_ops = {
	.create = health_create,
	.start = health_start,
	.destroy = health_destroy,
};

const struct gc_component_type gc_extension_health_check = {
	.name = "health_check",
	.kind = GC_KIND_EXTENSION,
	.help = "HTTP health endpoint for liveness and readiness probes",
	.config_size = sizeof(struct health_config),
	.options = health_options,
	.extension = &health_ops,
};
