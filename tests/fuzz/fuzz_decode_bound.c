/* libFuzzer target: the decoded-size bound of batch.h. The first byte picks
 * the signal (modulo 3: 'T', 'L' and 'M' give traces, logs and metrics); the
 * rest is decoded both as protobuf (gc_batch_decode) and as OTLP/JSON
 * (gc_batch_decode_json). For each decode of len bytes:
 *   (a) an accepted request holds at most BOUND(len) bytes of arena blocks;
 *   (b) a refusal says why, and it names the bound exactly when the request
 *       was refused for it: when genai_collector_decode_refused_requests_total
 *       {reason="decoded_size"} went up, and never otherwise. The counter is
 *       the daemon's record of the refusal, so the text a client reads and the
 *       metric an operator reads must agree;
 *   (c) an accepted request counts its items.
 * A violated property aborts with a message on stderr.
 *
 * The bound. During decoding the arena's limit is
 *   limit = GC_DECODE_RATIO * len + GC_DECODE_SLACK.
 * src/arena.c's alloc_slow refuses a block once reserved + size would pass the
 * limit, and otherwise asks for bsize <= limit - reserved bytes; block_new then
 * rounds bsize up to its power-of-two class c, 16 KiB .. 4 MiB (larger sizes
 * are not rounded). c is the smallest class holding bsize, so c = 16 KiB or
 * c < 2 * bsize; either way the block passes the limit by c - bsize <
 * max(16 KiB, c / 2) <= 2 MiB. Once reserved is past the limit every later
 * block is refused, so that happens at most once:
 *   reserved < limit + ARENA_ROUNDING_SLACK, with ARENA_ROUNDING_SLACK = 2 MiB
 * (half of arena.c's largest class, ARENA_MAX_BLOCK).
 * The first block (3 * len + 4096 for protobuf, 2 * len + 4096 for JSON) is
 * asked for under the limit too. After decoding the limit is lifted, but
 * nothing in gc_batch_decode* allocates from the arena after that. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "json_bounded.h"
#include "telemetry.h"

#define ARENA_ROUNDING_SLACK ((size_t)2 << 20)

static gc_counter *refused_for_size;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	gc_json_init(); /* as main does */
	/* The series batch.c counts into (the same name, help and labels). */
	refused_for_size = gc_metrics_counter(
		"genai_collector_decode_refused_requests_total",
		"Requests that did not decode: past the memory bound, or malformed.",
		"reason=\"decoded_size\"");
	return 0;
}

static size_t bound(size_t len)
{
	return GC_DECODE_RATIO * len + GC_DECODE_SLACK + ARENA_ROUNDING_SLACK;
}

static void fail(const char *what, enum gc_signal s, bool json, size_t len, const char *err,
		 size_t reserved)
{
	fprintf(stderr,
		"fuzz_decode_bound: %s\n  %s %s request of %zu bytes; arena reserved %zu, "
		"bound %zu\n  message: %s\n",
		what, gc_signal_name(s), json ? "OTLP/JSON" : "protobuf", len, reserved, bound(len),
		err ? err : "(none)");
	abort();
}

/* Whether err is the refusal for the bound, in full: the protobuf path's, or
 * the JSON path's for the arena (after the JSON path of the value being
 * decoded) or for the parse tree (json_bounded.c). Matched whole, not by a
 * phrase, since other messages quote the client's text. */
static bool names_bound(const char *err, enum gc_signal s, bool json, size_t len)
{
	char want[256];
	size_t n, elen = strlen(err);

	if (!json) {
		snprintf(want, sizeof(want),
			 "OTLP %s export request of %zu bytes would take more than %d times its "
			 "size in memory once decoded",
			 gc_signal_name(s), len, GC_DECODE_RATIO);
		return !strcmp(err, want);
	}
	n = (size_t)snprintf(want, sizeof(want), "payload is not a valid OTLP/JSON %s export request: ",
			     gc_signal_name(s));
	if (strncmp(err, want, n))
		return false;
	err += n;
	elen -= n;
	snprintf(want, sizeof(want), "parsing would take more than %d times the text's size in memory",
		 GC_JSON_PARSE_RATIO);
	if (!strcmp(err, want))
		return true;
	n = (size_t)snprintf(want, sizeof(want),
			     ": the request would take more than %d times its size in memory once "
			     "decoded",
			     GC_DECODE_RATIO);
	return err[0] == '$' && elen > n && !strcmp(err + elen - n, want);
}

static void check(enum gc_signal s, bool json, const uint8_t *buf, size_t len)
{
	uint64_t before = gc_counter_get(refused_for_size), counted;
	char *err = NULL;
	struct gc_batch *b = json ? gc_batch_decode_json(s, (const char *)buf, len, &err)
				  : gc_batch_decode(s, buf, len, &err);
	bool bound_named;

	counted = gc_counter_get(refused_for_size) - before;
	if (b) {
		size_t reserved = gc_arena_reserved(b->arena);

		if (reserved > bound(len))
			fail("accepted past the bound", s, json, len, err, reserved);
		if (gc_arena_used(b->arena) > reserved)
			fail("arena hands out more than it reserved", s, json, len, err, reserved);
		if (err || counted)
			fail("accepted, yet with a message or counted as refused", s, json, len, err,
			     reserved);
		if (gc_batch_count(b) != b->items)
			fail("item count", s, json, len, err, reserved);
		gc_batch_unref(b);
		return;
	}
	if (!err)
		fail("refused without a message", s, json, len, err, 0);
	bound_named = names_bound(err, s, json, len);
	if (counted > 1 || bound_named != (counted == 1))
		fail(counted ? "refused for the bound, but the message does not say so"
			     : "the message names the bound, but the refusal was not counted as one",
		     s, json, len, err, 0);
	free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum gc_signal s;

	if (!size)
		return 0;
	s = (enum gc_signal)(data[0] % GC_SIGNAL_COUNT);
	check(s, false, data + 1, size - 1);
	check(s, true, data + 1, size - 1);
	return 0;
}
