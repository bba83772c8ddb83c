/* A budget of bytes shared by many clients: a total, and a share no single
 * client address may pass, so one client holding bodies half-sent cannot
 * take the memory, nor the room, of every other. Thread-safe; its lock is a
 * leaf held for a table lookup. */
#ifndef GC_BYTE_BUDGET_H
#define GC_BYTE_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct gc_byte_budget;

/* total bytes in all; per_client bytes for one address (clamped to total);
 * room for max_clients addresses holding bytes at once (one per connection
 * at most; past it, takes fail). NULL when out of memory. */
struct gc_byte_budget *gc_byte_budget_new(size_t total, size_t per_client, size_t max_clients);
void gc_byte_budget_free(struct gc_byte_budget *b);

/* Takes n bytes for client (an IPv4 or IPv6 address; others share one slot);
 * false, taking nothing, when the total or the client's share would pass. */
bool gc_byte_budget_take(struct gc_byte_budget *b, const struct sockaddr *client, size_t n);

/* Gives back n bytes the client took. */
void gc_byte_budget_give(struct gc_byte_budget *b, const struct sockaddr *client, size_t n);

/* Bytes taken, in all and by client. */
size_t gc_byte_budget_used(struct gc_byte_budget *b, const struct sockaddr *client);

#endif
