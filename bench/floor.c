/* gc_floor: the CPU cost of the decode/encode a collector cannot avoid,
 * measured on the bench's own payloads so the daemon's figures can be read
 * against it. Three ways: protobuf-c unpack+pack with the default allocator,
 * the same with the batch arena (src/arena.c), and a walk over every field on
 * the wire without allocating. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include "arena.h"
#include "spans.h"
#include "util.h"
#include "wire.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest ExportRequest;

struct floor_options {
	enum bench_profile profile;
	uint64_t cpu_ns;
	uint64_t spans_per_request;
	uint64_t requests;
	uint64_t seed;
	uint64_t arena_block; /* first arena block; 0: as the daemon sizes it */
};

enum floor_mode {
	FLOOR_DEFAULT_ALLOCATOR,
	FLOOR_ARENA,
	FLOOR_WIRE_WALK,
};

/* State one pass needs: a reusable output buffer and a sink for values the
 * compiler must not optimise away. */
struct floor_state {
	const struct floor_options *options;
	uint8_t *out;
	size_t out_cap;
	uint64_t checksum;
};

static int pack_into(struct floor_state *st, const ExportRequest *req)
{
	size_t n = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(req);

	if (n > st->out_cap)
		return -1;
	st->checksum += opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(req, st->out);
	return 0;
}

/* Processes one request the given way. Returns 0 or -1 on a decode error. */
static int floor_one(struct floor_state *st, enum floor_mode mode, const struct bench_request *r)
{
	ExportRequest *req;
	gc_arena *arena;
	ProtobufCAllocator allocator;
	int rc;

	switch (mode) {
	case FLOOR_DEFAULT_ALLOCATOR:
		req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, r->len, r->data);
		if (!req)
			return -1;
		rc = pack_into(st, req);
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
		return rc;
	case FLOOR_ARENA:
		/* src/batch.c's gc_batch_decode starts with 3x the wire size + 4 KiB. */
		arena = gc_arena_create(st->options->arena_block ? st->options->arena_block : 3 * r->len + 4096);
		if (!arena)
			return -1;
		allocator = gc_arena_allocator(arena);
		req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(&allocator, r->len, r->data);
		rc = req ? pack_into(st, req) : -1;
		gc_arena_destroy(arena);
		return rc;
	case FLOOR_WIRE_WALK:
		return wire_walk_all(r->data, r->len, &st->checksum) == r->spans ? 0 : -1;
	}
	return -1;
}

/* Runs mode over the pool until the CPU budget is spent; returns CPU
 * nanoseconds per span, or a negative value on error. */
static double floor_measure(struct floor_state *st, enum floor_mode mode,
			    const struct bench_pool *pool)
{
	uint64_t start = bench_process_cpu_ns(), elapsed = 0, spans = 0;
	size_t i = 0;

	while (elapsed < st->options->cpu_ns) {
		const struct bench_request *r = &pool->requests[i];

		if (floor_one(st, mode, r) < 0)
			return -1;
		spans += r->spans;
		i = (i + 1) % pool->count;
		elapsed = bench_process_cpu_ns() - start;
	}
	return (double)elapsed / (double)spans;
}

/* protobuf-c packs fields in number order, as the generator did, so a
 * faithful round trip reproduces the input exactly. */
static int check_roundtrip(struct floor_state *st, const struct bench_pool *pool)
{
	size_t i;

	for (i = 0; i < pool->count; i++) {
		const struct bench_request *r = &pool->requests[i];
		ExportRequest *req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, r->len, r->data);
		size_t n;

		if (!req)
			return -1;
		n = opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(req, st->out);
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
		if (n != r->len || memcmp(st->out, r->data, n) != 0)
			return -1;
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: gc_floor [--profile metadata|content] [--seconds 3]\n"
		"                [--spans-per-request 100] [--requests 64] [--seed N]\n"
		"                [--arena-block BYTES]\n"
		"Prints CPU ns per span for protobuf-c unpack+pack (default allocator and\n"
		"bump arena) and for a walk over every wire field, over the same payloads.\n");
}

static int parse_args(int argc, char **argv, struct floor_options *o)
{
	int i = 1;

	while (i < argc) {
		const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
		int bad;

		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (!value) {
			fprintf(stderr, "gc_floor: %s: unknown option or missing value\n", arg);
			return -1;
		}
		if (strcmp(arg, "--profile") == 0)
			bad = bench_profile_parse(value, &o->profile);
		else if (strcmp(arg, "--seconds") == 0)
			bad = bench_parse_duration(value, &o->cpu_ns);
		else if (strcmp(arg, "--spans-per-request") == 0)
			bad = bench_parse_count(value, 1, 100000, &o->spans_per_request);
		else if (strcmp(arg, "--requests") == 0)
			bad = bench_parse_count(value, 1, 100000, &o->requests);
		else if (strcmp(arg, "--seed") == 0)
			bad = bench_parse_count(value, 0, UINT64_MAX, &o->seed);
		else if (strcmp(arg, "--arena-block") == 0)
			bad = bench_parse_count(value, 0, 1ull << 30, &o->arena_block);
		else {
			fprintf(stderr, "gc_floor: unknown option %s\n", arg);
			usage(stderr);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "gc_floor: bad value for %s: %s\n", arg, value);
			return -1;
		}
		i += 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct floor_options o = { BENCH_PROFILE_METADATA, 3 * BENCH_NS_PER_SEC, 100, 64, 1, 0 };
	struct floor_state st = { &o, NULL, 0, 0 };
	struct bench_pool pool = { 0 };
	double ns[3];
	size_t i;
	int rc = 1;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (bench_pool_generate(&pool, o.profile, o.requests, o.spans_per_request, o.seed) < 0) {
		fprintf(stderr, "gc_floor: out of memory generating payloads\n");
		return 1;
	}
	for (i = 0; i < pool.count; i++)
		if (pool.requests[i].len > st.out_cap)
			st.out_cap = pool.requests[i].len;
	st.out = malloc(st.out_cap);
	if (!st.out)
		goto fail;
	bench_pool_print(&pool, stdout);
	if (check_roundtrip(&st, &pool) < 0) {
		fprintf(stderr, "gc_floor: unpack+pack did not reproduce the input bytes\n");
		goto fail;
	}
	for (i = 0; i < 3; i++) {
		ns[i] = floor_measure(&st, (enum floor_mode)i, &pool);
		if (ns[i] < 0) {
			fprintf(stderr, "gc_floor: payload failed to decode\n");
			goto fail;
		}
	}
	printf("unpack+pack, default allocator  %8.0f ns/span\n", ns[0]);
	printf("unpack+pack, bump arena         %8.0f ns/span\n", ns[1]);
	printf("wire walk, every field          %8.0f ns/span\n", ns[2]);
	printf("FLOOR profile=%s span_bytes=%.1f default_ns=%.0f arena_ns=%.0f walk_ns=%.0f checksum=%llx\n",
	       bench_profile_name(o.profile), bench_pool_span_bytes(&pool), ns[0], ns[1], ns[2],
	       (unsigned long long)(st.checksum & 0xff));
	rc = 0;
fail:
	free(st.out);
	bench_pool_free(&pool);
	return rc;
}
