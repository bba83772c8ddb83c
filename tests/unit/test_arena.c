/* The bump arena: alignment, blocks larger than the first one, memdup, the
 * used/reserved accounting and the protobuf-c allocator view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#define ALIGN 16

static size_t round16(size_t n)
{
	return n ? (n + ALIGN - 1) / ALIGN * ALIGN : ALIGN;
}

static void test_every_allocation_aligned(void **state)
{
	gc_arena *a = gc_arena_create(256); /* small blocks: many block changes */
	size_t want_used = 0;

	assert_non_null(a);
	for (size_t i = 0; i < 2000; i++) {
		size_t size = (i * 7919) % 301; /* 0..300, in no particular order */
		unsigned char *p = gc_arena_alloc(a, size);

		assert_non_null(p);
		if ((uintptr_t)p % ALIGN)
			fail_msg("allocation %zu of %zu bytes at %p is not %d-aligned", i, size,
				 (void *)p, ALIGN);
		memset(p, 0xab, size); /* ASan: the whole size is ours */
		want_used += round16(size);
	}
	assert_int_equal(gc_arena_used(a), want_used);
	assert_true(gc_arena_reserved(a) >= gc_arena_used(a));
	gc_arena_destroy(a);
}

static void test_allocations_do_not_overlap(void **state)
{
	gc_arena *a = gc_arena_create(128);
	unsigned char *p[64];

	for (int i = 0; i < 64; i++) {
		p[i] = gc_arena_alloc(a, 40);
		memset(p[i], i, 40);
	}
	for (int i = 0; i < 64; i++)
		for (int j = 0; j < 40; j++)
			if (p[i][j] != i)
				fail_msg("allocation %d byte %d overwritten with %d", i, j, p[i][j]);
	gc_arena_destroy(a);
}

/* Blocks come in power-of-two classes from 16 KiB, so a first block asked for
 * as 4096 bytes holds 16 KiB. */
static void test_used_and_reserved_accounting(void **state)
{
	gc_arena *a = gc_arena_create(4096);

	assert_int_equal(gc_arena_used(a), 0);
	assert_int_equal(gc_arena_reserved(a), 0); /* nothing reserved before the first alloc */
	assert_non_null(gc_arena_alloc(a, 1));
	assert_int_equal(gc_arena_used(a), 16);
	assert_int_equal(gc_arena_reserved(a), 16384);
	assert_non_null(gc_arena_alloc(a, 0)); /* size 0 still gives a distinct pointer */
	assert_int_equal(gc_arena_used(a), 32);
	assert_non_null(gc_arena_alloc(a, 17));
	assert_int_equal(gc_arena_used(a), 64);
	assert_non_null(gc_arena_alloc(a, 16384 - 64)); /* fills the first block exactly */
	assert_int_equal(gc_arena_used(a), 16384);
	assert_int_equal(gc_arena_reserved(a), 16384);
	assert_non_null(gc_arena_alloc(a, 16)); /* needs a second block */
	assert_int_equal(gc_arena_used(a), 16400);
	assert_true(gc_arena_reserved(a) > 16384);
	gc_arena_destroy(a);
}

/* A destroyed arena's blocks serve the next arena of the same size class
 * instead of going back to malloc. */
static void test_blocks_are_recycled(void **state)
{
	gc_arena *a = gc_arena_create(20000), *b;
	unsigned char *first, *again;

	gc_arena_trim_cache();
	first = gc_arena_alloc(a, 100);
	memset(first, 0x11, 100);
	gc_arena_destroy(a);
	b = gc_arena_create(30000); /* the same 32 KiB class */
	again = gc_arena_alloc(b, 100);
	assert_ptr_equal(again, first);
	assert_int_equal(gc_arena_reserved(b), 32768);
	gc_arena_destroy(b);
	gc_arena_trim_cache();
}

static void test_large_allocation_bigger_than_block(void **state)
{
	gc_arena *a = gc_arena_create(1024);
	unsigned char *small, *big, *huge;

	small = gc_arena_alloc(a, 16);
	big = gc_arena_alloc(a, 100000);
	assert_non_null(big);
	assert_true((uintptr_t)big % ALIGN == 0);
	memset(big, 0x5a, 100000); /* ASan: the whole size is ours */
	assert_true(gc_arena_reserved(a) >= 1024 + 100000);
	assert_int_equal(gc_arena_used(a), 16 + 100000);
	huge = gc_arena_alloc(a, 8 * 1024 * 1024); /* above the 4 MiB block cap */
	assert_non_null(huge);
	memset(huge, 1, 8 * 1024 * 1024);
	assert_int_equal(big[99999], 0x5a);
	assert_true(small + 16 <= big || big + 100000 <= small);
	assert_true(gc_arena_reserved(a) >= gc_arena_used(a));
	gc_arena_destroy(a);
}

/* A large request that still leaves the current block with useful room gets a
 * block of its own behind the current one, whose free space keeps serving
 * small allocations. */
static void test_large_allocation_keeps_current_block(void **state)
{
	gc_arena *a = gc_arena_create(16384);
	unsigned char *small1, *big, *small2;

	small1 = gc_arena_alloc(a, 16);
	/* Does not fit the 16368 bytes left, is more than half the next block
	 * (32 KiB), and the head's free space is worth keeping. */
	big = gc_arena_alloc(a, 20000);
	assert_non_null(big);
	memset(big, 0x33, 20000);
	small2 = gc_arena_alloc(a, 16);
	assert_ptr_equal(small2, small1 + 16);
	assert_int_equal(gc_arena_reserved(a), 16384 + 32768);
	assert_int_equal(gc_arena_used(a), 16 + 20000 + 16);
	gc_arena_destroy(a);
}

/* gc_arena_alloc returns NULL when size > SIZE_MAX - 16, but for sizes just
 * below that limit, alloc_slow() calls block_new(rounded), and block_new's
 * malloc(sizeof(struct arena_block) + size) wraps around (header is 32 bytes):
 * malloc gets ~16 bytes and the arena hands out a pointer past that heap block,
 * claiming SIZE_MAX - 15 usable bytes. Fails until block_new checks for the
 * overflow. (gc_arena_memdup(a, s, SIZE_MAX) similarly wraps len + 1 to 0.) */
static void test_size_overflow_returns_null(void **state)
{
	gc_arena *a = gc_arena_create(0);

	assert_null(gc_arena_alloc(a, SIZE_MAX));
	assert_null(gc_arena_alloc(a, SIZE_MAX - 15));
	assert_null(gc_arena_alloc(a, SIZE_MAX - 16));
	assert_null(gc_arena_alloc(a, SIZE_MAX - 40));
	gc_arena_destroy(a);
}

static void test_memdup_and_strdup(void **state)
{
	gc_arena *a = gc_arena_create(0);
	static const char bin[] = { 'a', 'b', '\0', 'c', 'd' };
	char *p, *e, *s;

	p = gc_arena_memdup(a, bin, sizeof(bin));
	assert_non_null(p);
	assert_memory_equal(p, bin, sizeof(bin)); /* embedded NUL copied */
	assert_int_equal(p[sizeof(bin)], '\0');	  /* and terminated */
	assert_true((uintptr_t)p % ALIGN == 0);
	assert_int_equal(gc_arena_used(a), 16);	  /* 5 bytes + NUL rounded */

	e = gc_arena_memdup(a, NULL, 0); /* nothing to copy: an empty string */
	assert_non_null(e);
	assert_string_equal(e, "");

	p = gc_arena_memdup(a, "0123456789abcdef", 16); /* NUL needs a 17th byte */
	assert_memory_equal(p, "0123456789abcdef", 16);
	assert_int_equal(p[16], '\0');
	assert_int_equal(gc_arena_used(a), 16 + 16 + 32);

	s = gc_arena_strdup(a, "service.name");
	assert_string_equal(s, "service.name");
	assert_ptr_not_equal(s, (char *)"service.name");
	gc_arena_destroy(a);
}

static void test_destroy_null(void **state)
{
	gc_arena_destroy(NULL);
	gc_arena_destroy(gc_arena_create(0)); /* never allocated from */
}

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest traces_req;

/* Packs a request with one resource, one scope and two spans. */
static uint8_t *pack_request(size_t *len)
{
	Opentelemetry__Proto__Common__V1__AnyValue val;
	Opentelemetry__Proto__Common__V1__KeyValue kv;
	Opentelemetry__Proto__Common__V1__KeyValue *kvs[] = { &kv };
	Opentelemetry__Proto__Resource__V1__Resource res;
	Opentelemetry__Proto__Trace__V1__Span s1, s2;
	Opentelemetry__Proto__Trace__V1__Span *spans[] = { &s1, &s2 };
	Opentelemetry__Proto__Trace__V1__ScopeSpans ss;
	Opentelemetry__Proto__Trace__V1__ScopeSpans *sss[] = { &ss };
	Opentelemetry__Proto__Trace__V1__ResourceSpans rs;
	Opentelemetry__Proto__Trace__V1__ResourceSpans *rss[] = { &rs };
	traces_req req;
	static uint8_t trace_id[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	uint8_t *buf;

	opentelemetry__proto__common__v1__any_value__init(&val);
	opentelemetry__proto__common__v1__key_value__init(&kv);
	opentelemetry__proto__resource__v1__resource__init(&res);
	opentelemetry__proto__trace__v1__span__init(&s1);
	opentelemetry__proto__trace__v1__span__init(&s2);
	opentelemetry__proto__trace__v1__scope_spans__init(&ss);
	opentelemetry__proto__trace__v1__resource_spans__init(&rs);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&req);
	val.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	val.string_value = (ProtobufCBinaryData){ 7, (uint8_t *)"checker" };
	kv.key = (ProtobufCBinaryData){ 12, (uint8_t *)"service.name" };
	kv.value = &val;
	res.n_attributes = 1;
	res.attributes = kvs;
	s1.trace_id = (ProtobufCBinaryData){ 16, trace_id };
	s1.name = (ProtobufCBinaryData){ 4, (uint8_t *)"chat" };
	s1.start_time_unix_nano = 1700000000000000000ULL;
	s2.trace_id = (ProtobufCBinaryData){ 16, trace_id };
	s2.name = (ProtobufCBinaryData){ 10, (uint8_t *)"embeddings" };
	ss.n_spans = 2;
	ss.spans = spans;
	rs.resource = &res;
	rs.n_scope_spans = 1;
	rs.scope_spans = sss;
	req.n_resource_spans = 1;
	req.resource_spans = rss;
	*len = protobuf_c_message_get_packed_size(&req.base);
	buf = malloc(*len);
	assert_int_equal(protobuf_c_message_pack(&req.base, buf), *len);
	return buf;
}

static void test_protobuf_allocator_unpacks_into_arena(void **state)
{
	size_t len;
	uint8_t *wire = pack_request(&len);
	gc_arena *a = gc_arena_create(0);
	ProtobufCAllocator alloc = gc_arena_allocator(a);
	traces_req *req;
	Opentelemetry__Proto__Trace__V1__ScopeSpans *ss;

	req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
		&alloc, len, wire);
	free(wire); /* the message must not point into the wire bytes */
	assert_non_null(req);
	assert_true(gc_arena_used(a) > 0);
	assert_int_equal(req->n_resource_spans, 1);
	assert_int_equal(req->resource_spans[0]->resource->n_attributes, 1);
	assert_memory_equal(req->resource_spans[0]->resource->attributes[0]->key.data,
			    "service.name", 12);
	assert_memory_equal(req->resource_spans[0]->resource->attributes[0]->value->string_value.data,
			    "checker", 7);
	ss = req->resource_spans[0]->scope_spans[0];
	assert_int_equal(ss->n_spans, 2);
	assert_int_equal(ss->spans[0]->name.len, 4);
	assert_memory_equal(ss->spans[0]->name.data, "chat", 4);
	assert_int_equal(ss->spans[0]->start_time_unix_nano, 1700000000000000000ULL);
	assert_int_equal(ss->spans[0]->trace_id.len, 16);
	assert_int_equal(ss->spans[0]->trace_id.data[15], 16);
	assert_memory_equal(ss->spans[1]->name.data, "embeddings", 10);
	/* Freeing through the allocator is a no-op; the arena still owns it all. */
	protobuf_c_message_free_unpacked(&req->base, &alloc);
	gc_arena_destroy(a);
}

/* A limit caps what the arena reserves: past it allocation fails and says
 * so (a refused request, not an exhausted system); 0 lifts it. */
static void test_limit(void **state)
{
	gc_arena *a = gc_arena_create(4096);
	size_t got = 0;

	gc_arena_set_limit(a, 100000);
	while (gc_arena_alloc(a, 1000))
		got += 1000;
	assert_true(gc_arena_over_limit(a));
	if (got < 50000 || got > 100000)
		fail_msg("allocated %zu bytes under a limit of 100000", got);
	assert_true(gc_arena_reserved(a) <= 100000);
	assert_null(gc_arena_alloc(a, 200000));
	gc_arena_set_limit(a, 0);
	assert_false(gc_arena_over_limit(a));
	assert_non_null(gc_arena_alloc(a, 200000));
	gc_arena_destroy(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_allocation_aligned),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_allocations_do_not_overlap),
		cmocka_unit_test(test_used_and_reserved_accounting),
		cmocka_unit_test(test_blocks_are_recycled),
		cmocka_unit_test(test_large_allocation_bigger_than_block),
		cmocka_unit_test(test_large_allocation_keeps_current_block),
		cmocka_unit_test(test_memdup_and_strdup),
		cmocka_unit_test(test_destroy_null),
		cmocka_unit_test(test_protobuf_allocator_unpacks_into_arena),
		/* Last: under ASan the bug it shows aborts the process. */
		cmocka_unit_test(test_size_overflow_returns_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
