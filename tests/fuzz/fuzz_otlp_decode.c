/* libFuzzer target: the bytes as an OTLP export request of each signal, then
 * everything a batch goes through: count, encode and decode again, split into
 * pieces of 3, merge two copies, and release every reference. ASan reports
 * leaks, double frees and reads of freed arenas. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "batch.h"

#define PIECE 3

static struct gc_batch *decode(enum gc_signal signal, const uint8_t *data, size_t size)
{
	char *err = NULL;
	struct gc_batch *b = gc_batch_decode(signal, data, size, &err);

	if (!b && !err)
		abort(); /* a refusal always says why */
	free(err);
	return b;
}

/* Encodes b; decoding the result must give the same number of items. */
static void check_encode(const struct gc_batch *b)
{
	size_t len = gc_batch_encoded_size(b);
	uint8_t *buf = malloc(len ? len : 1);
	struct gc_batch *again;

	if (!buf)
		abort();
	if (gc_batch_encode(b, buf) != len)
		abort();
	again = decode(b->signal, buf, len);
	if (!again || again->items != b->items) {
		fprintf(stderr, "%s: re-decoding %zu encoded bytes failed or changed the count\n",
			gc_signal_name(b->signal), len);
		abort();
	}
	gc_batch_unref(again);
	free(buf);
}

static void check_split(struct gc_batch *b)
{
	struct gc_batch **pieces = NULL;
	size_t n = gc_batch_split(gc_batch_ref(b), PIECE, &pieces), total = 0;

	if (!n)
		abort();
	for (size_t i = 0; i < n; i++) {
		struct gc_batch *p = pieces[i];

		if (p->items != gc_batch_count(p))
			abort();
		if (n > 1 && p->items > PIECE)
			abort();
		total += p->items;
		check_encode(p);
	}
	if (total != b->items)
		abort();
	for (size_t i = 0; i < n; i++)
		gc_batch_unref(pieces[i]);
	free(pieces);
}

static void check_merge(struct gc_batch *b, const uint8_t *data, size_t size)
{
	struct gc_batch *copy = decode(b->signal, data, size), *in[2], *merged;

	if (!copy)
		abort(); /* the same bytes decoded once already */
	in[0] = gc_batch_ref(b);
	in[1] = copy;
	merged = gc_batch_merge(in, 2);
	if (!merged || merged->items != 2 * b->items || gc_batch_count(merged) != merged->items)
		abort();
	check_encode(merged);
	check_split(merged);
	gc_batch_unref(merged);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int s = 0; s < GC_SIGNAL_COUNT; s++) {
		struct gc_batch *b = decode((enum gc_signal)s, data, size);

		if (!b)
			continue;
		if (b->signal != (enum gc_signal)s || gc_batch_count(b) != b->items)
			abort();
		check_encode(b);
		check_split(b);
		check_merge(b, data, size);
		gc_batch_unref(b);
	}
	return 0;
}
