/* The in-memory queue: a ring of encoded requests under one leaf lock.
 * Consumers wait on a condition variable; with batching, the core's timer
 * wakes them when the oldest request has waited flush_timeout. The ring grows
 * at reserve, so a push into reserved room never allocates and never fails. */
#include "queue.h"

#include <pthread.h>
#include <stdlib.h>

#include "timer.h"

struct entry {
	struct gc_request *req;
	size_t units;	    /* room taken, sizer unit */
	size_t batch_units; /* size in the batch sizer's unit */
	int64_t since;	    /* CLOCK_MONOTONIC when pushed */
};

struct memory_queue {
	struct gc_queue base;
	pthread_mutex_t lock;
	pthread_cond_t ready; /* something to pop, or stopping */
	struct entry *ring;
	size_t ring_cap, first, count; /* entries ring[first .. first+count) mod cap */
	size_t slots_reserved;	      /* entries promised to reservations */
	size_t queued;	      /* units waiting */
	size_t queued_batch;  /* batch units waiting */
	size_t in_flight;     /* units popped, not yet acked */
	size_t reserved;      /* units promised, not yet pushed */
	bool stopping;
	struct gc_timer *flush;
};

size_t gc_load_units(enum gc_sizer sizer, const struct gc_load *load)
{
	switch (sizer) {
	case GC_SIZER_ITEMS:
		return load->items;
	case GC_SIZER_BYTES:
		return load->bytes;
	default:
		return load->requests;
	}
}

struct gc_load gc_request_load(const struct gc_request *req)
{
	struct gc_load l = { 1, req->items, req->len };

	return l;
}

void gc_queue_batch_free(struct gc_queue_batch *b)
{
	free(b->reqs);
	b->reqs = NULL;
	b->n = b->cap = b->units = 0;
}

/* Lock held. Makes room in the ring for one more reservation. */
static int ring_room(struct memory_queue *m)
{
	size_t cap = m->ring_cap ? m->ring_cap * 2 : 64;
	struct entry *grown;

	if (m->count + m->slots_reserved < m->ring_cap)
		return GC_OK;
	grown = malloc(cap * sizeof(*grown));
	if (!grown)
		return GC_ERROR;
	for (size_t i = 0; i < m->count; i++)
		grown[i] = m->ring[(m->first + i) % m->ring_cap];
	free(m->ring);
	m->ring = grown;
	m->ring_cap = cap;
	m->first = 0;
	return GC_OK;
}

static struct entry *head(struct memory_queue *m)
{
	return m->count ? &m->ring[m->first] : NULL;
}

static int mq_reserve(struct gc_queue *q, const struct gc_load *load)
{
	struct memory_queue *m = (struct memory_queue *)q;
	size_t units = gc_load_units(q->config.sizer, load), held;
	int rc = GC_FULL;

	pthread_mutex_lock(&m->lock);
	held = m->queued + m->in_flight + m->reserved;
	/* When it holds nothing it takes any size: a request above the capacity
	 * would otherwise be refused for ever, and a batch processor ahead would
	 * hold it, and everything behind it, until shutdown. */
	if (!m->stopping && (!held || (units <= q->config.capacity &&
				       held <= q->config.capacity - units)) &&
	    ring_room(m) == GC_OK) {
		m->reserved += units;
		m->slots_reserved++;
		rc = GC_OK;
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

static void mq_release(struct gc_queue *q, const struct gc_load *load)
{
	struct memory_queue *m = (struct memory_queue *)q;

	pthread_mutex_lock(&m->lock);
	m->reserved -= gc_load_units(q->config.sizer, load);
	m->slots_reserved--;
	pthread_mutex_unlock(&m->lock);
}

/* Lock held. True when the head may go out now. */
static bool head_ready(struct memory_queue *m, int64_t now)
{
	const struct gc_queue_config *c = &m->base.config;

	if (!m->count)
		return false;
	if (!c->batching || m->stopping || m->queued_batch >= c->min_size)
		return true;
	return now - head(m)->since >= c->flush_timeout;
}

static void on_flush_timer(void *arg)
{
	struct memory_queue *m = arg;

	pthread_mutex_lock(&m->lock);
	pthread_cond_broadcast(&m->ready);
	pthread_mutex_unlock(&m->lock);
}

static void mq_push(struct gc_queue *q, struct gc_request *req, const struct gc_load *reserved)
{
	struct memory_queue *m = (struct memory_queue *)q;
	struct gc_load load = gc_request_load(req);
	struct entry *e;
	int64_t now = gc_now_ns(), arm_at = 0;

	pthread_mutex_lock(&m->lock);
	m->reserved -= gc_load_units(q->config.sizer, reserved);
	m->slots_reserved--;
	e = &m->ring[(m->first + m->count++) % m->ring_cap];
	e->req = req;
	e->units = gc_load_units(q->config.sizer, &load);
	e->batch_units = gc_load_units(q->config.batch_sizer, &load);
	e->since = now;
	m->queued += e->units;
	m->queued_batch += e->batch_units;
	if (head_ready(m, now))
		pthread_cond_signal(&m->ready);
	else
		arm_at = head(m)->since + q->config.flush_timeout;
	pthread_mutex_unlock(&m->lock);
	if (arm_at)
		gc_timer_arm_before(m->flush, arm_at);
}

static int batch_add(struct gc_queue_batch *b, struct gc_request *req)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8;
		struct gc_request **grown = realloc(b->reqs, cap * sizeof(*grown));

		if (!grown)
			return GC_ERROR;
		b->reqs = grown;
		b->cap = cap;
	}
	b->reqs[b->n++] = req;
	return GC_OK;
}

/* Lock held, head ready. Moves the head, and what may join it, into out. */
static void take(struct memory_queue *m, struct gc_queue_batch *out)
{
	const struct gc_queue_config *c = &m->base.config;
	size_t batch_units = 0;

	while (m->count) {
		struct entry *e = head(m);
		const struct gc_request *first = out->n ? out->reqs[0] : NULL;

		if (first && (!c->batching || e->req->signal != first->signal ||
			      !gc_metadata_equal(e->req->metadata, first->metadata) ||
			      (c->max_size && batch_units + e->batch_units > c->max_size)))
			break;
		if (batch_add(out, e->req))
			break; /* out of memory: send what is taken */
		batch_units += e->batch_units;
		out->units += e->units;
		m->queued -= e->units;
		m->queued_batch -= e->batch_units;
		m->first = (m->first + 1) % m->ring_cap;
		m->count--;
	}
	m->in_flight += out->units;
}

static bool mq_pop(struct gc_queue *q, struct gc_queue_batch *out)
{
	struct memory_queue *m = (struct memory_queue *)q;
	int64_t arm_at, armed = 0;

	out->n = 0;
	out->units = 0;

	pthread_mutex_lock(&m->lock);
	for (;;) {
		if (head_ready(m, gc_now_ns()))
			break;
		if (!m->count && m->stopping) {
			pthread_mutex_unlock(&m->lock);
			return false;
		}
		/* Batching: make sure the timer wakes a consumer when the head is
		 * due (the lock is released to arm it, so look again after). */
		if (m->count && head(m)->since + q->config.flush_timeout != armed) {
			armed = head(m)->since + q->config.flush_timeout;
			pthread_mutex_unlock(&m->lock);
			gc_timer_arm_before(m->flush, armed);
			pthread_mutex_lock(&m->lock);
			continue;
		}
		pthread_cond_wait(&m->ready, &m->lock);
		armed = 0; /* woken: the timer may have fired for another head */
	}
	take(m, out);
	/* What stays may be due later: make sure the timer wakes someone. */
	arm_at = m->count && !head_ready(m, gc_now_ns()) ? head(m)->since + q->config.flush_timeout
							 : 0;
	if (m->count && !arm_at)
		pthread_cond_signal(&m->ready);
	pthread_mutex_unlock(&m->lock);
	if (arm_at)
		gc_timer_arm_before(m->flush, arm_at);
	return true;
}

static void mq_ack(struct gc_queue *q, struct gc_queue_batch *b)
{
	struct memory_queue *m = (struct memory_queue *)q;

	pthread_mutex_lock(&m->lock);
	m->in_flight -= b->units;
	if (m->stopping && !m->count && !m->in_flight)
		pthread_cond_broadcast(&m->ready);
	pthread_mutex_unlock(&m->lock);
	for (size_t i = 0; i < b->n; i++)
		gc_request_unref(b->reqs[i]);
	b->n = 0;
	b->units = 0;
}

static void mq_stop(struct gc_queue *q)
{
	struct memory_queue *m = (struct memory_queue *)q;

	pthread_mutex_lock(&m->lock);
	m->stopping = true;
	pthread_cond_broadcast(&m->ready);
	pthread_mutex_unlock(&m->lock);
}

static size_t mq_size(struct gc_queue *q)
{
	struct memory_queue *m = (struct memory_queue *)q;
	size_t n;

	pthread_mutex_lock(&m->lock);
	n = m->queued + m->in_flight;
	pthread_mutex_unlock(&m->lock);
	return n;
}

static bool mq_idle(struct gc_queue *q)
{
	struct memory_queue *m = (struct memory_queue *)q;
	bool idle;

	pthread_mutex_lock(&m->lock);
	idle = !m->count && !m->in_flight;
	pthread_mutex_unlock(&m->lock);
	return idle;
}

static void mq_destroy(struct gc_queue *q)
{
	struct memory_queue *m = (struct memory_queue *)q;

	gc_timer_free(m->flush);
	for (size_t i = 0; i < m->count; i++)
		gc_request_unref(m->ring[(m->first + i) % m->ring_cap].req);
	free(m->ring);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->ready);
	free(m);
}

static const struct gc_queue_ops memory_ops = {
	.reserve = mq_reserve,
	.release = mq_release,
	.push = mq_push,
	.pop = mq_pop,
	.ack = mq_ack,
	.stop = mq_stop,
	.size = mq_size,
	.idle = mq_idle,
	.destroy = mq_destroy,
};

struct gc_queue *gc_queue_memory_new(const struct gc_queue_config *config)
{
	struct memory_queue *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->base.ops = &memory_ops;
	m->base.config = *config;
	m->flush = gc_timer_new(on_flush_timer, m);
	if (!m->flush) {
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->ready, NULL);
	return &m->base;
}
