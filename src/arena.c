#include "arena.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_BLOCK (16 * 1024)
#define ARENA_MAX_BLOCK (4 * 1024 * 1024)

/* Freed blocks are kept for reuse, by power-of-two size class from 16 KiB to
 * 4 MiB, up to BLOCK_CACHE_BYTES in all. A batch's blocks are allocated on a
 * receiver thread and freed on an exporter thread, so the cache is shared; it
 * saves the malloc/free of 16 KiB-4 MiB blocks on every request (bench/run.sh:
 * 10.6 -> 9.4 us of CPU per metadata span before the allocator tuning in
 * main.c). */
#define CLASS_MIN_SHIFT 14
#define CLASS_COUNT 9 /* 16 KiB << 8 = 4 MiB */
#define BLOCK_CACHE_BYTES (16u * 1024 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct gc_arena {
	struct arena_block *head; /* current block; older ones follow */
	size_t next_size;
	size_t used;
	size_t reserved;
	size_t limit; /* 0: none */
	bool over_limit;
};

/* Bytes every live arena holds from the system (memory_limiter reads it). */
static _Atomic size_t live_bytes;

static struct {
	pthread_mutex_t lock;
	struct arena_block *free[CLASS_COUNT];
	size_t bytes;
} block_cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The size class holding size bytes, or -1 when size is above the largest. */
static int size_class(size_t size)
{
	int c = 0;

	while (c < CLASS_COUNT && ((size_t)1 << (CLASS_MIN_SHIFT + c)) < size)
		c++;
	return c < CLASS_COUNT ? c : -1;
}

/* A block of at least size usable bytes; class-sized (and maybe recycled)
 * when size fits a class, unless exact asks for size bytes only. */
static struct arena_block *block_new(size_t size, bool exact)
{
	struct arena_block *b = NULL;
	int c = exact ? -1 : size_class(size);

	if (c >= 0) {
		size = (size_t)1 << (CLASS_MIN_SHIFT + c);
		pthread_mutex_lock(&block_cache.lock);
		b = block_cache.free[c];
		if (b) {
			block_cache.free[c] = b->next;
			block_cache.bytes -= size;
		}
		pthread_mutex_unlock(&block_cache.lock);
	}
	if (!b) {
		if (size > SIZE_MAX - sizeof(*b))
			return NULL;
		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
	}
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

static void block_free(struct arena_block *b)
{
	int c = size_class(b->size);

	if (c >= 0 && b->size == (size_t)1 << (CLASS_MIN_SHIFT + c)) {
		pthread_mutex_lock(&block_cache.lock);
		if (block_cache.bytes + b->size <= BLOCK_CACHE_BYTES) {
			b->next = block_cache.free[c];
			block_cache.free[c] = b;
			block_cache.bytes += b->size;
			b = NULL;
		}
		pthread_mutex_unlock(&block_cache.lock);
	}
	free(b);
}

void gc_arena_trim_cache(void)
{
	pthread_mutex_lock(&block_cache.lock);
	for (int c = 0; c < CLASS_COUNT; c++) {
		while (block_cache.free[c]) {
			struct arena_block *b = block_cache.free[c];

			block_cache.free[c] = b->next;
			free(b);
		}
	}
	block_cache.bytes = 0;
	pthread_mutex_unlock(&block_cache.lock);
}

gc_arena *gc_arena_create(size_t first_block)
{
	gc_arena *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->next_size = first_block ? first_block : ARENA_DEFAULT_BLOCK;
	return a;
}

void gc_arena_destroy(gc_arena *arena)
{
	struct arena_block *b, *next;

	if (!arena)
		return;
	atomic_fetch_sub_explicit(&live_bytes, arena->reserved, memory_order_relaxed);
	for (b = arena->head; b; b = next) {
		next = b->next;
		block_free(b);
	}
	free(arena);
}

/* Adds a block big enough for size. Blocks grow geometrically up to a cap so
 * a large batch costs few mallocs; an oversized request gets a block of its own
 * placed behind the head, so the head's free space is not wasted. */
static void *alloc_slow(gc_arena *a, size_t size)
{
	size_t bsize = a->next_size;
	bool exact = false;
	struct arena_block *b;

	if (size > bsize)
		bsize = size;
	if (a->limit) {
		if (size > a->limit || a->reserved > a->limit - size) {
			a->over_limit = true;
			return NULL;
		}
		if (bsize > a->limit - a->reserved)
			bsize = a->limit - a->reserved;
		/* near the limit, no rounding up to a size class */
		exact = size_class(bsize) >= 0 &&
			((size_t)1 << (CLASS_MIN_SHIFT + size_class(bsize))) > a->limit - a->reserved;
	}
	b = block_new(bsize, exact);
	if (!b)
		return NULL;
	a->reserved += b->size;
	atomic_fetch_add_explicit(&live_bytes, b->size, memory_order_relaxed);
	if (a->head && size > a->next_size / 2 &&
	    a->head->size - a->head->used > size / 4) {
		b->next = a->head->next;
		a->head->next = b;
	} else {
		b->next = a->head;
		a->head = b;
		if (a->next_size < ARENA_MAX_BLOCK)
			a->next_size *= 2;
	}
	b->used = size;
	a->used += size;
	return b->data;
}

void *gc_arena_alloc(gc_arena *arena, size_t size)
{
	struct arena_block *b = arena->head;
	size_t rounded;

	if (size > SIZE_MAX / 2)
		return NULL;
	rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (rounded == 0)
		rounded = ARENA_ALIGN;
	if (b && b->size - b->used >= rounded) {
		void *p = b->data + b->used;

		b->used += rounded;
		arena->used += rounded;
		return p;
	}
	return alloc_slow(arena, rounded);
}

char *gc_arena_memdup(gc_arena *arena, const void *src, size_t len)
{
	char *p = len < SIZE_MAX ? gc_arena_alloc(arena, len + 1) : NULL;

	if (!p)
		return NULL;
	if (len)
		memcpy(p, src, len);
	p[len] = '\0';
	return p;
}

char *gc_arena_strdup(gc_arena *arena, const char *s)
{
	return gc_arena_memdup(arena, s, strlen(s));
}

void gc_arena_set_limit(gc_arena *arena, size_t limit)
{
	arena->limit = limit;
	arena->over_limit = false;
}

bool gc_arena_over_limit(const gc_arena *arena)
{
	return arena->over_limit;
}

size_t gc_arena_live_bytes(void)
{
	return atomic_load_explicit(&live_bytes, memory_order_relaxed);
}

size_t gc_arena_used(const gc_arena *arena)
{
	return arena->used;
}

size_t gc_arena_reserved(const gc_arena *arena)
{
	return arena->reserved;
}

static void *pb_alloc(void *data, size_t size)
{
	return gc_arena_alloc(data, size);
}

static void pb_free(void *data, void *ptr)
{
	(void)data;
	(void)ptr;
}

ProtobufCAllocator gc_arena_allocator(gc_arena *arena)
{
	ProtobufCAllocator a = { .alloc = pb_alloc, .free = pb_free, .allocator_data = arena };

	return a;
}
