#include "service.h"

#include <grpc/grpc.h>
#include <stdlib.h>
#include <string.h>

#include "exporter.h"
#include "health.h"
#include "log.h"
#include "telemetry.h"

/* The last stage of a pipeline: puts a batch into every exporter's queue or
 * into none. */
struct fanout {
	struct gc_consumer base;
	size_t n;
	struct gc_exporter **exporters;
};

struct processor_rt {
	const struct gc_processor_ops *ops;
	void *state;
};

struct pipeline_rt {
	const struct gc_pipeline_config *config;
	struct fanout fanout;
	struct processor_rt *processors; /* config->n_processors entries */
	struct gc_consumer *entry;
};

struct gc_receiver_sink {
	size_t n[GC_SIGNAL_COUNT];
	struct gc_consumer **entries[GC_SIGNAL_COUNT];
};

struct receiver_rt {
	const struct gc_component_config *config;
	struct gc_receiver_sink sink;
	void *state;
	bool started;
};

struct extension_rt {
	const struct gc_component_config *config;
	void *state;
};

struct gc_service {
	struct gc_config *config;
	size_t n_exporters, n_pipelines, n_receivers, n_extensions;
	struct gc_exporter **exporters; /* parallel to config->components[EXPORTER] */
	struct pipeline_rt *pipelines;
	struct receiver_rt *receivers;
	struct extension_rt *extensions;
	bool telemetry;
	bool grpc_initialized;
};

static int fanout_consume(struct gc_consumer *self, struct gc_batch *batch, char **err)
{
	struct fanout *f = (struct fanout *)self;

	for (size_t i = 0; i < f->n; i++) {
		if (!gc_exporter_reserve(f->exporters[i])) {
			struct gc_exporter *full = f->exporters[i];

			while (i-- > 0)
				gc_exporter_unreserve(f->exporters[i]);
			gc_exporter_refused(full, batch);
			gc_set_err(err, "sending queue of exporter '%s' is full", gc_exporter_id(full));
			gc_batch_unref(batch);
			return GC_FULL;
		}
	}
	for (size_t i = 0; i < f->n; i++)
		gc_exporter_push(f->exporters[i], i + 1 < f->n ? gc_batch_ref(batch) : batch);
	return GC_OK;
}

bool gc_sink_accepts(const struct gc_receiver_sink *sink, enum gc_signal signal)
{
	return sink->n[signal] > 0;
}

static void attach_metadata(struct gc_batch *b, const struct gc_metadata *md)
{
	struct gc_metadata *copy = gc_arena_alloc(b->arena, sizeof(*copy));

	copy->n = md->n;
	copy->keys = gc_arena_alloc(b->arena, (md->n + 1) * sizeof(char *));
	copy->values = gc_arena_alloc(b->arena, (md->n + 1) * sizeof(char *));
	for (size_t i = 0; i < md->n; i++) {
		copy->keys[i] = gc_arena_strdup(b->arena, md->keys[i]);
		copy->values[i] = gc_arena_strdup(b->arena, md->values[i]);
	}
	b->metadata = copy;
}

int gc_sink_consume(struct gc_receiver_sink *sink, enum gc_signal signal,
		    enum gc_format format, const uint8_t *buf, size_t len,
		    const struct gc_metadata *metadata, size_t *items, char **err)
{
	*items = 0;
	for (size_t i = 0; i < sink->n[signal]; i++) {
		struct gc_batch *b = gc_batch_decode_as(signal, format, buf, len, err);
		int rc;

		if (!b)
			return GC_ERROR;
		if (!b->items) { /* valid but empty: accepted, nothing to send */
			gc_batch_unref(b);
			return GC_OK;
		}
		if (metadata)
			attach_metadata(b, metadata);
		*items = b->items;
		rc = gc_consume(sink->entries[signal][i], b, err);
		if (rc != GC_OK)
			return rc;
	}
	return GC_OK;
}

static size_t index_of(const struct gc_config *c, enum gc_kind kind,
		       const struct gc_component_config *comp)
{
	return (size_t)(comp - c->components[kind]);
}

static int build_pipeline(struct gc_service *s, const struct gc_pipeline_config *pc,
			  struct pipeline_rt *p, char **err)
{
	struct gc_consumer *next;

	p->config = pc;
	p->fanout.base.consume = fanout_consume;
	p->fanout.n = pc->n_exporters;
	p->fanout.exporters = calloc(pc->n_exporters, sizeof(*p->fanout.exporters));
	for (size_t i = 0; i < pc->n_exporters; i++)
		p->fanout.exporters[i] =
			s->exporters[index_of(s->config, GC_KIND_EXPORTER, pc->exporters[i])];
	next = &p->fanout.base;
	p->processors = calloc(pc->n_processors + 1, sizeof(*p->processors));
	/* Built back to front: each processor hands on to the one after it. */
	for (size_t i = pc->n_processors; i-- > 0;) {
		const struct gc_component_config *c = pc->processors[i];
		struct processor_rt *pr = &p->processors[i];

		pr->ops = c->type->processor;
		pr->state = pr->ops->create(c->id, c->options, pc->signal, next, err);
		if (!pr->state)
			return GC_ERROR;
		next = pr->ops->consumer(pr->state);
	}
	p->entry = next;
	return GC_OK;
}

static void route_receivers(struct gc_service *s)
{
	for (size_t i = 0; i < s->n_pipelines; i++) {
		const struct gc_pipeline_config *pc = s->pipelines[i].config;

		for (size_t r = 0; r < pc->n_receivers; r++) {
			struct receiver_rt *rr =
				&s->receivers[index_of(s->config, GC_KIND_RECEIVER, pc->receivers[r])];
			struct gc_receiver_sink *k = &rr->sink;
			enum gc_signal sig = pc->signal;

			k->entries[sig] = realloc(k->entries[sig], (k->n[sig] + 1) * sizeof(void *));
			k->entries[sig][k->n[sig]++] = s->pipelines[i].entry;
		}
	}
}

static bool exporter_used(const struct gc_config *c, const struct gc_component_config *e)
{
	for (size_t i = 0; i < c->n_pipelines; i++)
		for (size_t j = 0; j < c->pipelines[i].n_exporters; j++)
			if (c->pipelines[i].exporters[j] == e)
				return true;
	return false;
}

static bool receiver_used(const struct gc_config *c, const struct gc_component_config *r)
{
	for (size_t i = 0; i < c->n_pipelines; i++)
		for (size_t j = 0; j < c->pipelines[i].n_receivers; j++)
			if (c->pipelines[i].receivers[j] == r)
				return true;
	return false;
}

static int start_extensions(struct gc_service *s, char **err)
{
	struct gc_config *c = s->config;

	s->extensions = calloc(c->n_extensions + 1, sizeof(*s->extensions));
	for (size_t i = 0; i < c->n_extensions; i++) {
		const struct gc_component_config *ec = c->extensions[i];
		struct extension_rt *x = &s->extensions[i];

		x->config = ec;
		x->state = ec->type->extension->create(ec->id, ec->options, err);
		if (!x->state)
			return GC_ERROR;
		s->n_extensions++;
		if (ec->type->extension->start(x->state, err))
			return GC_ERROR;
	}
	return GC_OK;
}

static int start_telemetry(struct gc_service *s, char **err)
{
	const char *addr = s->config->service.telemetry.metrics.address;
	int port;

	if (!addr || !*addr || !strcmp(s->config->service.telemetry.metrics.level, "none"))
		return GC_OK;
	port = gc_telemetry_start(addr, err);
	if (port < 0)
		return GC_ERROR;
	s->telemetry = true;
	{
		char host[256];
		const char *colon = strrchr(addr, ':');
		size_t hl = colon ? (size_t)(colon - addr) : 0;

		snprintf(host, sizeof(host), "%.*s", (int)hl, addr);
		gc_info("telemetry", "metrics listening on %s:%d", hl ? host : "0.0.0.0", port);
	}
	return GC_OK;
}

/* Stops in reverse order of start: receivers (no new data), processors (emit
 * what they hold), exporters (drain within the grace period), extensions. */
static void teardown(struct gc_service *s, bool free_config)
{
	int64_t deadline = gc_now_ns() + s->config->service.shutdown_timeout;

	gc_health_set(GC_HEALTH_DRAINING);
	for (size_t i = 0; i < s->n_receivers; i++) {
		struct receiver_rt *r = &s->receivers[i];

		if (r->state && r->started)
			r->config->type->receiver->stop(r->state);
	}
	for (size_t i = 0; i < s->n_pipelines; i++)
		for (size_t j = 0; j < s->pipelines[i].config->n_processors; j++) {
			struct processor_rt *p = &s->pipelines[i].processors[j];

			if (p->state) /* front to back: each flushes into the next */
				p->ops->shutdown(p->state);
		}
	for (size_t i = 0; i < s->n_exporters; i++)
		if (s->exporters[i])
			gc_exporter_drain(s->exporters[i], deadline);
	for (size_t i = 0; i < s->n_receivers; i++) {
		struct receiver_rt *r = &s->receivers[i];

		if (r->state)
			r->config->type->receiver->destroy(r->state);
		for (int sig = 0; sig < GC_SIGNAL_COUNT; sig++)
			free(r->sink.entries[sig]);
	}
	for (size_t i = 0; i < s->n_pipelines; i++) {
		struct pipeline_rt *p = &s->pipelines[i];

		for (size_t j = 0; p->processors && j < p->config->n_processors; j++)
			if (p->processors[j].state)
				p->processors[j].ops->destroy(p->processors[j].state);
		free(p->processors);
		free(p->fanout.exporters);
	}
	for (size_t i = 0; i < s->n_exporters; i++)
		gc_exporter_destroy(s->exporters[i]);
	if (s->telemetry)
		gc_telemetry_stop();
	for (size_t i = s->n_extensions; i-- > 0;)
		s->extensions[i].config->type->extension->destroy(s->extensions[i].state);
	if (s->grpc_initialized)
		grpc_shutdown();
	free(s->receivers);
	free(s->pipelines);
	free(s->exporters);
	free(s->extensions);
	if (free_config)
		gc_config_free(s->config);
	free(s);
}

int gc_service_start(struct gc_config *c, struct gc_service **out, char **err)
{
	struct gc_service *s = calloc(1, sizeof(*s));

	*out = NULL;
	s->config = c;
	gc_health_set(GC_HEALTH_STARTING);
	grpc_init();
	s->grpc_initialized = true;
	if (start_extensions(s, err) || start_telemetry(s, err))
		goto fail;

	s->exporters = calloc(c->n_components[GC_KIND_EXPORTER] + 1, sizeof(*s->exporters));
	for (size_t i = 0; i < c->n_components[GC_KIND_EXPORTER]; i++) {
		if (!exporter_used(c, &c->components[GC_KIND_EXPORTER][i]))
			continue;
		s->exporters[i] = gc_exporter_create(&c->components[GC_KIND_EXPORTER][i], err);
		if (!s->exporters[i])
			goto fail;
	}
	s->n_exporters = c->n_components[GC_KIND_EXPORTER];

	s->pipelines = calloc(c->n_pipelines, sizeof(*s->pipelines));
	for (size_t i = 0; i < c->n_pipelines; i++) {
		s->n_pipelines++;
		if (build_pipeline(s, &c->pipelines[i], &s->pipelines[i], err))
			goto fail;
	}

	s->n_receivers = c->n_components[GC_KIND_RECEIVER];
	s->receivers = calloc(s->n_receivers + 1, sizeof(*s->receivers));
	route_receivers(s);
	for (size_t i = 0; i < s->n_receivers; i++) {
		struct receiver_rt *r = &s->receivers[i];

		r->config = &c->components[GC_KIND_RECEIVER][i];
		if (!receiver_used(c, r->config))
			continue;
		r->state = r->config->type->receiver->create(r->config->id, r->config->options,
							     &r->sink, err);
		if (!r->state)
			goto fail;
		if (r->config->type->receiver->start(r->state, err))
			goto fail;
		r->started = true;
	}
	gc_health_set(GC_HEALTH_SERVING);
	gc_info("service", "ready");
	*out = s;
	return GC_OK;
fail:
	teardown(s, false);
	return GC_ERROR;
}

void gc_service_shutdown(struct gc_service *s)
{
	if (s)
		teardown(s, true);
}
