/* Bump arena: every allocation that belongs to one batch comes from here and is
 * released in one call. Not thread-safe; a batch is built on one thread and is
 * read-only once it is shared. */
#ifndef GC_ARENA_H
#define GC_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

typedef struct gc_arena gc_arena;

/* Creates an arena whose first block holds at least first_block bytes
 * (0 picks a default). Returns NULL when out of memory. */
gc_arena *gc_arena_create(size_t first_block);

/* Frees every block. Accepts NULL. */
void gc_arena_destroy(gc_arena *arena);

/* Returns size bytes aligned for any type, or NULL when out of memory.
 * The memory lives until gc_arena_destroy. */
void *gc_arena_alloc(gc_arena *arena, size_t size);

/* Copies len bytes into the arena; the copy is NUL-terminated. */
char *gc_arena_memdup(gc_arena *arena, const void *src, size_t len);
char *gc_arena_strdup(gc_arena *arena, const char *s);

/* Caps the bytes the arena may reserve from the system (0: no cap). Past it
 * gc_arena_alloc returns NULL and gc_arena_over_limit turns true, which tells
 * a refused request apart from an exhausted system. */
void gc_arena_set_limit(gc_arena *arena, size_t limit);
bool gc_arena_over_limit(const gc_arena *arena);

/* Bytes handed out, and bytes reserved from the system. */
size_t gc_arena_used(const gc_arena *arena);
size_t gc_arena_reserved(const gc_arena *arena);

/* Bytes all live arenas hold from the system: every batch, every encoded
 * request, and configs (which are small). Read without a lock. */
size_t gc_arena_live_bytes(void);

/* Returns the blocks kept for reuse to the system (at exit, or to shrink). */
void gc_arena_trim_cache(void);

/* A protobuf-c allocator over the arena: free is a no-op. */
ProtobufCAllocator gc_arena_allocator(gc_arena *arena);

#endif
