#include "byte_budget.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Clients holding bytes, in an open-addressing table. A slot is used while
 * its client holds bytes; it is emptied (backward shift) when they go to 0.
 * Sized at creation for twice the clients there can be (one per connection),
 * so taking never allocates and probes stay short. */

struct client {
	uint8_t key[17]; /* family, then 4 or 16 address bytes (zero-padded) */
	bool used;
	size_t bytes;
};

struct gc_byte_budget {
	pthread_mutex_t lock;
	size_t total, per_client, used;
	size_t n_slots;
	struct client *slots;
};

static void key_of(const struct sockaddr *sa, uint8_t key[17])
{
	memset(key, 0, 17);
	if (!sa)
		return;
	key[0] = (uint8_t)sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(key + 1, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
}

static size_t hash(const struct gc_byte_budget *b, const uint8_t key[17])
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (int i = 0; i < 17; i++)
		h = (h ^ key[i]) * 1099511628211ull;
	return (size_t)(h % b->n_slots);
}

/* The slot of key, or the empty slot where it would go; NULL when the table
 * is full. Lock held. */
static struct client *find(struct gc_byte_budget *b, const uint8_t key[17])
{
	size_t i = hash(b, key);

	for (size_t probes = 0; probes < b->n_slots; probes++, i = (i + 1) % b->n_slots)
		if (!b->slots[i].used || !memcmp(b->slots[i].key, key, 17))
			return &b->slots[i];
	return NULL;
}

/* Empties slot i and shifts back the entries after it that probed past it,
 * so lookups never stop early at a hole. Lock held. */
static void remove_at(struct gc_byte_budget *b, size_t i)
{
	size_t j = i;

	b->slots[i].used = false;
	for (;;) {
		size_t home;

		j = (j + 1) % b->n_slots;
		if (!b->slots[j].used)
			return;
		home = hash(b, b->slots[j].key);
		/* keep j where it is when its home lies cyclically in (i, j] */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		b->slots[i] = b->slots[j];
		b->slots[j].used = false;
		i = j;
	}
}

struct gc_byte_budget *gc_byte_budget_new(size_t total, size_t per_client, size_t max_clients)
{
	struct gc_byte_budget *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->n_slots = max_clients < 32 ? 64 : max_clients * 2;
	b->slots = calloc(b->n_slots, sizeof(*b->slots));
	if (!b->slots) {
		free(b);
		return NULL;
	}
	pthread_mutex_init(&b->lock, NULL);
	b->total = total;
	b->per_client = per_client < total ? per_client : total;
	return b;
}

void gc_byte_budget_free(struct gc_byte_budget *b)
{
	if (!b)
		return;
	pthread_mutex_destroy(&b->lock);
	free(b->slots);
	free(b);
}

bool gc_byte_budget_take(struct gc_byte_budget *b, const struct sockaddr *client, size_t n)
{
	uint8_t key[17];
	struct client *c;
	bool ok = false;

	if (!n)
		return true;
	key_of(client, key);
	pthread_mutex_lock(&b->lock);
	c = find(b, key);
	if (c && n <= b->total - b->used && n <= b->per_client - (c->used ? c->bytes : 0)) {
		if (!c->used) {
			memcpy(c->key, key, 17);
			c->used = true;
			c->bytes = 0;
		}
		c->bytes += n;
		b->used += n;
		ok = true;
	}
	pthread_mutex_unlock(&b->lock);
	return ok;
}

void gc_byte_budget_give(struct gc_byte_budget *b, const struct sockaddr *client, size_t n)
{
	uint8_t key[17];
	struct client *c;

	if (!n)
		return;
	key_of(client, key);
	pthread_mutex_lock(&b->lock);
	c = find(b, key);
	if (c && c->used) {
		c->bytes -= n < c->bytes ? n : c->bytes;
		if (!c->bytes)
			remove_at(b, (size_t)(c - b->slots));
	}
	b->used -= n < b->used ? n : b->used;
	pthread_mutex_unlock(&b->lock);
}

size_t gc_byte_budget_used(struct gc_byte_budget *b, const struct sockaddr *client)
{
	uint8_t key[17];
	struct client *c;
	size_t n;

	pthread_mutex_lock(&b->lock);
	if (client) {
		key_of(client, key);
		c = find(b, key);
		n = c && c->used ? c->bytes : 0;
	} else {
		n = b->used;
	}
	pthread_mutex_unlock(&b->lock);
	return n;
}
