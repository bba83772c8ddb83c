#include "service.h"

#include <errno.h>
#include <grpc/grpc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "exporter.h"
#include "health.h"
#include "log.h"
#include "telemetry.h"

/* The last stage of a pipeline: encodes a batch once and puts the request
 * into every exporter's queue, into the room reserved for it. */
struct fanout {
	struct gc_consumer base;
	enum gc_signal signal;
	size_t n;
	struct gc_exporter **exporters;
};

/* How a processor is reached: consume goes to the processor; reserve goes to
 * the first processor from here on that holds data, or to the fanout. */
struct stage {
	struct gc_consumer base;
	struct gc_consumer *processor;	      /* the processor's own entry */
	const struct gc_processor_ops *holder; /* set when it holds data */
	void *holder_state;
	struct gc_consumer *ahead;	      /* the next stage, or the fanout */
};

struct processor_rt {
	const struct gc_processor_ops *ops;
	void *state;
};

struct pipeline_rt {
	const struct gc_pipeline_config *config;
	struct fanout fanout;
	struct processor_rt *processors; /* config->n_processors entries */
	struct stage *stages;		 /* one per processor */
	struct gc_consumer *entry;
};

/* The pipeline entries a receiver feeds, per signal. One set per service; a
 * reload swaps a running receiver's set for the new service's. */
struct routes {
	size_t n[GC_SIGNAL_COUNT];
	struct gc_consumer **entries[GC_SIGNAL_COUNT];
	size_t users; /* requests reading it now; guarded by the sink's lock */
};

/* What a receiver holds: a pointer to its current routes. The lock is a leaf,
 * held only to read the pointer and count users; requests run outside it. */
struct gc_receiver_sink {
	pthread_mutex_t lock;
	pthread_cond_t idle; /* a retired set lost its last user */
	struct routes *routes;
};

/* A running component and the config its options live in. A component kept
 * across a reload moves to the new service with its origin config, which
 * stays alive (gc_config_retain) while anything made from it runs. */
struct receiver_rt {
	const struct gc_component_config *config;
	struct gc_config *origin;
	struct gc_receiver_sink *sink;
	struct routes routes; /* this service's pipelines for the receiver */
	void *state;
	bool started;
};

struct extension_rt {
	const struct gc_component_config *config;
	struct gc_config *origin;
	void *state;
};

struct gc_service {
	struct gc_config *config;
	size_t n_exporters, n_pipelines, n_receivers, n_extensions;
	struct gc_exporter **exporters; /* parallel to config->components[EXPORTER] */
	struct gc_config **exporter_origins;
	struct pipeline_rt *pipelines;
	struct receiver_rt *receivers;
	struct extension_rt *extensions;
	bool telemetry;
	bool grpc_initialized;
};

static int fanout_reserve(struct gc_consumer *self, struct gc_reservation *r, char **err)
{
	struct fanout *f = (struct fanout *)self;

	for (size_t i = 0; i < f->n; i++) {
		if (gc_exporter_reserve(f->exporters[i], &r->load) != GC_OK) {
			struct gc_exporter *full = f->exporters[i];

			while (i-- > 0)
				gc_exporter_release(f->exporters[i], &r->load);
			if (!r->offered)
				gc_exporter_refused(full, f->signal, r->load.items);
			gc_set_err(err, "sending queue of exporter '%s' is full",
				   gc_exporter_id(full));
			return GC_FULL;
		}
	}
	return GC_OK;
}

static void fanout_release(struct gc_consumer *self, struct gc_reservation *r)
{
	struct fanout *f = (struct fanout *)self;

	for (size_t i = 0; i < f->n; i++)
		gc_exporter_release(f->exporters[i], &r->load);
}

static int fanout_consume(struct gc_consumer *self, struct gc_batch *batch, char **err)
{
	struct fanout *f = (struct fanout *)self;
	struct gc_reservation own = { .load = gc_batch_load(batch) }, *r;
	struct gc_request *req;
	int rc = GC_OK;

	if (!batch->items) { /* processors dropped everything: nothing to send */
		gc_batch_unref(batch);
		return GC_OK;
	}
	req = gc_request_encode(batch);
	if (!req) {
		gc_batch_unref(batch);
		return gc_set_err(err, "out of memory; retry later"), GC_FULL;
	}
	r = gc_reservation_take(batch);
	gc_batch_unref(batch);
	if (!r) { /* handed on without a reservation: reserve now */
		if (fanout_reserve(self, &own, err) != GC_OK) {
			gc_request_unref(req);
			return GC_FULL;
		}
		r = &own;
	}
	for (size_t i = 0; i < f->n; i++) {
		int one = gc_exporter_push(f->exporters[i],
					   i + 1 < f->n ? gc_request_ref(req) : req, &r->load);

		if (one != GC_OK && rc == GC_OK) { /* an exporter without a queue */
			rc = one;
			gc_set_err(err, "exporter '%s' could not send the data",
				   gc_exporter_id(f->exporters[i]));
		}
	}
	return rc;
}

static int stage_consume(struct gc_consumer *self, struct gc_batch *batch, char **err)
{
	struct stage *st = (struct stage *)self;

	return gc_consume(st->processor, batch, err);
}

static int stage_reserve(struct gc_consumer *self, struct gc_reservation *r, char **err)
{
	struct stage *st = (struct stage *)self;

	if (st->holder)
		return st->holder->reserve(st->holder_state, r, err);
	return st->ahead->reserve(st->ahead, r, err);
}

static void stage_release(struct gc_consumer *self, struct gc_reservation *r)
{
	struct stage *st = (struct stage *)self;

	if (st->holder)
		st->holder->release(st->holder_state, r);
	else
		st->ahead->release(st->ahead, r);
}

static struct gc_receiver_sink *sink_new(void)
{
	struct gc_receiver_sink *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	pthread_mutex_init(&k->lock, NULL);
	pthread_cond_init(&k->idle, NULL);
	return k;
}

static void sink_free(struct gc_receiver_sink *k)
{
	if (!k)
		return;
	pthread_mutex_destroy(&k->lock);
	pthread_cond_destroy(&k->idle);
	free(k);
}

/* Points the sink at routes and waits until no request reads the previous
 * set, which is returned: its pipelines get nothing new from this sink. */
static struct routes *sink_swap(struct gc_receiver_sink *k, struct routes *routes)
{
	struct routes *old;

	pthread_mutex_lock(&k->lock);
	old = k->routes;
	k->routes = routes;
	while (old && old->users)
		pthread_cond_wait(&k->idle, &k->lock);
	pthread_mutex_unlock(&k->lock);
	return old;
}

static struct routes *routes_acquire(struct gc_receiver_sink *k)
{
	struct routes *r;

	pthread_mutex_lock(&k->lock);
	r = k->routes;
	if (r)
		r->users++;
	pthread_mutex_unlock(&k->lock);
	return r;
}

static void routes_release(struct gc_receiver_sink *k, struct routes *r)
{
	pthread_mutex_lock(&k->lock);
	if (--r->users == 0 && r != k->routes)
		pthread_cond_broadcast(&k->idle);
	pthread_mutex_unlock(&k->lock);
}

bool gc_sink_accepts(struct gc_receiver_sink *sink, enum gc_signal signal)
{
	bool accepts;

	pthread_mutex_lock(&sink->lock);
	accepts = sink->routes && sink->routes->n[signal] > 0;
	pthread_mutex_unlock(&sink->lock);
	return accepts;
}

static int attach_metadata(struct gc_batch *b, const struct gc_metadata *md)
{
	struct gc_metadata *copy = gc_arena_alloc(b->arena, sizeof(*copy));

	if (!copy)
		return GC_ERROR;
	copy->n = md->n;
	copy->keys = gc_arena_alloc(b->arena, (md->n + 1) * sizeof(char *));
	copy->values = gc_arena_alloc(b->arena, (md->n + 1) * sizeof(char *));
	if (!copy->keys || !copy->values)
		return GC_ERROR;
	for (size_t i = 0; i < md->n; i++) {
		copy->keys[i] = gc_arena_strdup(b->arena, md->keys[i]);
		copy->values[i] = gc_arena_strdup(b->arena, md->values[i]);
		if (!copy->keys[i] || !copy->values[i])
			return GC_ERROR;
	}
	b->metadata = copy;
	return GC_OK;
}

/* Decodes the request once per pipeline (pipelines never share a mutable
 * batch) into b[0..n). GC_OK, GC_ERROR (bad input) or GC_FULL (memory). */
static int decode_each(struct gc_batch **b, size_t n, enum gc_signal signal,
		       enum gc_format format, const uint8_t *buf, size_t len,
		       const struct gc_metadata *metadata, char **err)
{
	for (size_t i = 0; i < n; i++) {
		errno = 0;
		b[i] = gc_batch_decode_as(signal, format, buf, len, err);
		if (!b[i])
			return errno == ENOMEM ? GC_FULL : GC_ERROR;
		if (b[i]->items && metadata && attach_metadata(b[i], metadata)) {
			gc_set_err(err, "out of memory; retry later");
			return GC_FULL;
		}
	}
	return GC_OK;
}

/* Hands the request to every pipeline in r, all or nothing: room is reserved
 * in every pipeline before any of them runs, so a full queue in one leaves
 * nothing in the others for the client's retry to duplicate. */
static int consume_routes(struct routes *r, enum gc_signal signal, enum gc_format format,
			  const uint8_t *buf, size_t len, const struct gc_metadata *metadata,
			  size_t *items, char **err)
{
	size_t n = r->n[signal], reserved = 0;
	struct gc_batch *stack_b[4] = { 0 }, **b = stack_b;
	struct gc_reservation stack_res[4], *res = stack_res;
	int rc = GC_OK;

	if (n > 4) {
		b = calloc(n, sizeof(*b));
		res = calloc(n, sizeof(*res));
		if (!b || !res) {
			gc_set_err(err, "out of memory; retry later");
			rc = GC_FULL;
			goto out;
		}
	}
	rc = decode_each(b, n, signal, format, buf, len, metadata, err);
	if (rc != GC_OK || !b[0]->items) /* bad, or valid and empty: nothing to send */
		goto out;
	*items = b[0]->items;
	for (; reserved < n; reserved++) {
		struct gc_consumer *entry = r->entries[signal][reserved];

		res[reserved] = (struct gc_reservation){ .load = gc_batch_load(b[reserved]) };
		if (entry->reserve(entry, &res[reserved], err) != GC_OK) {
			rc = GC_FULL;
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct gc_consumer *entry = r->entries[signal][i];
		int one;

		b[i]->reservation = &res[i];
		one = gc_consume(entry, b[i], err);
		b[i] = NULL;
		if (!res[i].used)
			entry->release(entry, &res[i]);
		if (one != GC_OK && rc == GC_OK)
			rc = one;
	}
	reserved = 0;
out:
	while (reserved-- > 0)
		r->entries[signal][reserved]->release(r->entries[signal][reserved],
						      &res[reserved]);
	for (size_t i = 0; i < n; i++)
		gc_batch_unref(b[i]);
	if (b != stack_b) {
		free(b);
		free(res);
	}
	return rc;
}

int gc_sink_consume(struct gc_receiver_sink *sink, enum gc_signal signal,
		    enum gc_format format, const uint8_t *buf, size_t len,
		    const struct gc_metadata *metadata, size_t *items, char **err)
{
	struct routes *r = routes_acquire(sink);
	int rc;

	*items = 0;
	if (!r) {
		gc_set_err(err, "the collector is reloading; retry later");
		return GC_FULL;
	}
	rc = consume_routes(r, signal, format, buf, len, metadata, items, err);
	routes_release(sink, r);
	return rc;
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
	p->fanout.base.reserve = fanout_reserve;
	p->fanout.base.release = fanout_release;
	p->fanout.signal = pc->signal;
	p->fanout.n = pc->n_exporters;
	p->fanout.exporters = calloc(pc->n_exporters + 1, sizeof(*p->fanout.exporters));
	p->processors = calloc(pc->n_processors + 1, sizeof(*p->processors));
	p->stages = calloc(pc->n_processors + 1, sizeof(*p->stages));
	if (!p->fanout.exporters || !p->processors || !p->stages)
		return gc_set_err(err, "out of memory");
	for (size_t i = 0; i < pc->n_exporters; i++)
		p->fanout.exporters[i] =
			s->exporters[index_of(s->config, GC_KIND_EXPORTER, pc->exporters[i])];
	next = &p->fanout.base;
	/* Built back to front: each processor hands on to the stage after it. */
	for (size_t i = pc->n_processors; i-- > 0;) {
		const struct gc_component_config *c = pc->processors[i];
		struct processor_rt *pr = &p->processors[i];
		struct stage *st = &p->stages[i];

		pr->ops = c->type->processor;
		pr->state = pr->ops->create(c->id, c->options, pc->signal, next, err);
		if (!pr->state)
			return GC_ERROR;
		st->base.consume = stage_consume;
		st->base.reserve = stage_reserve;
		st->base.release = stage_release;
		st->processor = pr->ops->consumer(pr->state);
		st->ahead = next;
		if (c->type->holds_data) {
			st->holder = pr->ops;
			st->holder_state = pr->state;
		}
		next = &st->base;
	}
	p->entry = next;
	return GC_OK;
}

static int route_receivers(struct gc_service *s, char **err)
{
	for (size_t i = 0; i < s->n_pipelines; i++) {
		const struct gc_pipeline_config *pc = s->pipelines[i].config;

		for (size_t r = 0; r < pc->n_receivers; r++) {
			struct receiver_rt *rr =
				&s->receivers[index_of(s->config, GC_KIND_RECEIVER, pc->receivers[r])];
			struct routes *k = &rr->routes;
			enum gc_signal sig = pc->signal;
			void *grown = realloc(k->entries[sig], (k->n[sig] + 1) * sizeof(void *));

			if (!grown)
				return gc_set_err(err, "out of memory");
			k->entries[sig] = grown;
			k->entries[sig][k->n[sig]++] = s->pipelines[i].entry;
		}
	}
	return GC_OK;
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

/* The component of old's config that c can take over: same kind, id and YAML.
 * Returns its index, or -1. *same_id tells whether one of that id exists. */
static long find_unchanged(const struct gc_config *old, enum gc_kind kind,
			   const struct gc_component_config *c, bool *same_id)
{
	*same_id = false;
	if (!old)
		return -1;
	for (size_t i = 0; i < old->n_components[kind]; i++) {
		const struct gc_component_config *o = &old->components[kind][i];

		if (strcmp(o->id, c->id))
			continue;
		*same_id = true;
		return o->type == c->type && gc_node_equal(o->node, c->node) ? (long)i : -1;
	}
	return -1;
}

/* One reference on the config a component's options live in. */
static struct gc_config *hold(struct gc_config *origin)
{
	gc_config_retain(origin);
	return origin;
}

/* Extensions listed in service.extensions. One left unchanged from old keeps
 * running (a health probe sees no gap); one changed is stopped first, since
 * the new one usually binds the same port. */
static int start_extensions(struct gc_service *s, struct gc_service *old, char **err)
{
	struct gc_config *c = s->config;

	s->extensions = calloc(c->n_extensions + 1, sizeof(*s->extensions));
	if (!s->extensions)
		return gc_set_err(err, "out of memory");
	for (size_t i = 0; i < c->n_extensions; i++) {
		const struct gc_component_config *ec = c->extensions[i];
		struct extension_rt *x = &s->extensions[i];

		x->config = ec;
		s->n_extensions++;
		for (size_t j = 0; old && j < old->n_extensions; j++) {
			struct extension_rt *o = &old->extensions[j];
			bool unchanged;

			if (!o->state || strcmp(o->config->id, ec->id))
				continue;
			unchanged = o->config->type == ec->type &&
				    gc_node_equal(o->config->node, ec->node);
			if (unchanged) { /* moves over with its origin */
				x->state = o->state;
				x->origin = o->origin;
				o->state = NULL;
				o->origin = NULL;
			} else {
				o->config->type->extension->destroy(o->state);
				o->state = NULL;
			}
		}
		if (x->state)
			continue;
		x->origin = hold(c);
		x->state = ec->type->extension->create(ec->id, ec->options, err);
		if (!x->state)
			return GC_ERROR;
		if (ec->type->extension->start(x->state, err))
			return GC_ERROR;
	}
	return GC_OK;
}

static int start_telemetry(struct gc_service *s, struct gc_service *old, char **err)
{
	const char *addr = s->config->service.telemetry.metrics.address;
	bool wanted = addr && *addr && strcmp(s->config->service.telemetry.metrics.level, "none");
	int port;

	if (old && old->telemetry) {
		const char *was = old->config->service.telemetry.metrics.address;

		old->telemetry = false;
		if (wanted && !strcmp(was, addr)) {
			s->telemetry = true; /* same address: keeps serving */
			return GC_OK;
		}
		gc_telemetry_stop();
	}
	if (!wanted)
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

/* Exporters used by a pipeline. One unchanged from old is taken over with its
 * queue, its connection and what it is retrying. */
static int create_exporters(struct gc_service *s, struct gc_service *old, char **err)
{
	struct gc_config *c = s->config;
	size_t n = c->n_components[GC_KIND_EXPORTER];

	s->exporters = calloc(n + 1, sizeof(*s->exporters));
	s->exporter_origins = calloc(n + 1, sizeof(*s->exporter_origins));
	if (!s->exporters || !s->exporter_origins)
		return gc_set_err(err, "out of memory");
	s->n_exporters = n;
	for (size_t i = 0; i < n; i++) {
		const struct gc_component_config *ec = &c->components[GC_KIND_EXPORTER][i];
		bool same_id;
		long j;

		if (!exporter_used(c, ec))
			continue;
		j = find_unchanged(old ? old->config : NULL, GC_KIND_EXPORTER, ec, &same_id);
		if (j >= 0 && old->exporters[j]) {
			s->exporters[i] = old->exporters[j];
			s->exporter_origins[i] = old->exporter_origins[j];
			old->exporters[j] = NULL; /* old pipelines still push into it */
			old->exporter_origins[j] = NULL;
			continue;
		}
		s->exporters[i] = gc_exporter_create(ec, err);
		if (!s->exporters[i])
			return GC_ERROR;
		s->exporter_origins[i] = hold(c);
	}
	return GC_OK;
}

/* Receivers used by a pipeline. One unchanged from old keeps serving: its sink
 * is pointed at this service's pipelines, and requests already inside the old
 * ones finish there. One changed is stopped, then the new one started at once. */
static int start_receivers(struct gc_service *s, struct gc_service *old, char **err)
{
	struct gc_config *c = s->config;

	for (size_t i = 0; i < s->n_receivers; i++) {
		struct receiver_rt *r = &s->receivers[i];
		bool same_id;
		long j;

		r->config = &c->components[GC_KIND_RECEIVER][i];
		if (!receiver_used(c, r->config))
			continue;
		j = find_unchanged(old ? old->config : NULL, GC_KIND_RECEIVER, r->config, &same_id);
		if (j >= 0 && old->receivers[j].state && old->receivers[j].started) {
			struct receiver_rt *o = &old->receivers[j];

			r->state = o->state;
			r->sink = o->sink;
			r->origin = o->origin;
			r->started = true;
			o->state = NULL;
			o->sink = NULL;
			o->origin = NULL;
			o->started = false;
			sink_swap(r->sink, &r->routes);
			continue;
		}
		for (size_t k = 0; same_id && k < old->n_receivers; k++) {
			struct receiver_rt *o = &old->receivers[k];

			if (o->state && !strcmp(o->config->id, r->config->id)) {
				o->config->type->receiver->stop(o->state);
				o->config->type->receiver->destroy(o->state);
				o->state = NULL;
				o->started = false;
			}
		}
		r->origin = hold(c);
		r->sink = sink_new();
		if (!r->sink)
			return gc_set_err(err, "out of memory");
		r->sink->routes = &r->routes;
		r->state = r->config->type->receiver->create(r->config->id, r->config->options,
							     r->sink, err);
		if (!r->state)
			return GC_ERROR;
		if (r->config->type->receiver->start(r->state, err))
			return GC_ERROR;
		r->started = true;
	}
	return GC_OK;
}

/* Stops in reverse order of start: receivers (no new data), processors (emit
 * what they hold), exporters (drain), extensions, all within one grace period
 * (service.shutdown_timeout). Components taken over by a newer service are
 * NULL here and left alone. draining: the collector is stopping (health
 * says so), not reloading. Logs and returns what was dropped. */
static size_t teardown(struct gc_service *s, bool free_config, bool draining)
{
	int64_t grace = s->config->service.shutdown_timeout;
	int64_t start = gc_now_ns(), deadline = start + grace;
	size_t dropped = 0;

	if (draining)
		gc_health_set(GC_HEALTH_DRAINING);
	for (size_t i = 0; i < s->n_exporters; i++)
		if (s->exporters[i])
			gc_exporter_set_deadline(s->exporters[i], deadline);
	for (size_t i = 0; i < s->n_receivers; i++) {
		struct receiver_rt *r = &s->receivers[i];

		if (r->state && r->started)
			r->config->type->receiver->stop(r->state);
	}
	for (size_t i = 0; i < s->n_pipelines; i++)
		for (size_t j = 0; s->pipelines[i].processors && j < s->pipelines[i].config->n_processors; j++) {
			struct processor_rt *p = &s->pipelines[i].processors[j];

			if (p->state) /* front to back: each flushes into the next */
				dropped += p->ops->shutdown(p->state, deadline);
		}
	for (size_t i = 0; i < s->n_exporters; i++)
		if (s->exporters[i])
			dropped += gc_exporter_drain(s->exporters[i], deadline);
	for (size_t i = 0; i < s->n_receivers; i++) {
		struct receiver_rt *r = &s->receivers[i];

		if (r->state)
			r->config->type->receiver->destroy(r->state);
		sink_free(r->sink);
		gc_config_free(r->origin);
		for (int sig = 0; sig < GC_SIGNAL_COUNT; sig++)
			free(r->routes.entries[sig]);
	}
	for (size_t i = 0; i < s->n_pipelines; i++) {
		struct pipeline_rt *p = &s->pipelines[i];

		for (size_t j = 0; p->processors && j < p->config->n_processors; j++)
			if (p->processors[j].state)
				p->processors[j].ops->destroy(p->processors[j].state);
		free(p->processors);
		free(p->stages);
		free(p->fanout.exporters);
	}
	for (size_t i = 0; i < s->n_exporters; i++) {
		gc_exporter_destroy(s->exporters[i]);
		gc_config_free(s->exporter_origins[i]);
	}
	if (s->telemetry)
		gc_telemetry_stop();
	for (size_t i = s->n_extensions; i-- > 0;) {
		if (s->extensions[i].state)
			s->extensions[i].config->type->extension->destroy(s->extensions[i].state);
		gc_config_free(s->extensions[i].origin);
	}
	if (s->grpc_initialized)
		grpc_shutdown();
	if (dropped)
		gc_warn("service", "dropped %zu acknowledged items: not delivered within the "
			"%lld ms grace period (service.shutdown_timeout)", dropped,
			(long long)(grace / 1000000));
	else if (draining)
		gc_info("service", "drained in %lld ms", (long long)((gc_now_ns() - start) / 1000000));
	free(s->receivers);
	free(s->pipelines);
	free(s->exporters);
	free(s->exporter_origins);
	free(s->extensions);
	if (free_config)
		gc_config_free(s->config);
	free(s);
	return dropped;
}

/* Builds and starts the service for c, taking over from old (may be NULL)
 * every component whose config is unchanged. On failure *out is what was
 * built (to tear down after old, whose pipelines may feed exporters it took)
 * when old is given, NULL otherwise. */
static int start(struct gc_config *c, struct gc_service *old, struct gc_service **out,
		 char **err)
{
	struct gc_service *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return gc_set_err(err, "out of memory");
	s->config = c;
	if (!old)
		gc_health_set(GC_HEALTH_STARTING);
	grpc_init();
	s->grpc_initialized = true;
	if (start_extensions(s, old, err) || start_telemetry(s, old, err) ||
	    create_exporters(s, old, err))
		goto fail;
	s->pipelines = calloc(c->n_pipelines + 1, sizeof(*s->pipelines));
	s->n_receivers = c->n_components[GC_KIND_RECEIVER];
	s->receivers = calloc(s->n_receivers + 1, sizeof(*s->receivers));
	if (!s->pipelines || !s->receivers) {
		s->n_receivers = 0;
		gc_set_err(err, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < c->n_pipelines; i++) {
		s->n_pipelines++;
		if (build_pipeline(s, &c->pipelines[i], &s->pipelines[i], err))
			goto fail;
	}
	if (route_receivers(s, err) || start_receivers(s, old, err))
		goto fail;
	gc_health_set(GC_HEALTH_SERVING);
	*out = s;
	return GC_OK;
fail:
	if (old)
		*out = s;
	else
		teardown(s, false, false);
	return GC_ERROR;
}

int gc_service_start(struct gc_config *c, struct gc_service **out, char **err)
{
	if (start(c, NULL, out, err))
		return GC_ERROR;
	gc_info("service", "ready");
	return GC_OK;
}

int gc_service_reload(struct gc_service *old, struct gc_config *c, struct gc_service **out,
		      char **err)
{
	struct gc_service *s = NULL;

	*out = NULL;
	if (start(c, old, &s, err)) {
		/* Old first: its pipelines flush into exporters s may hold. The
		 * caller then starts the previous config afresh. */
		teardown(old, true, false);
		if (s)
			teardown(s, false, false);
		return GC_ERROR;
	}
	teardown(old, true, false);
	*out = s;
	return GC_OK;
}

void gc_service_shutdown(struct gc_service *s)
{
	if (s)
		teardown(s, true, true);
}
