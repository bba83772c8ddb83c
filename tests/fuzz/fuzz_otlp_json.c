/* libFuzzer target: the bytes as an OTLP/JSON export request of each signal
 * (gc_batch_decode_json). A refusal must say why. An accepted request must
 * count its items, encode to protobuf, and decode again through the protobuf
 * path (wire checks included) with the same count: whatever JSON lets in, the
 * exporters can send and a peer can read. Also renders the request with the
 * JSON encoder, which only has to survive it. ASan reports leaks and reads of
 * freed arenas. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "batch.h"
#include "otlp_json.h"

/* Encodes b; the protobuf decoder must accept the result with the same count. */
static void check_encode(const struct gc_batch *b)
{
	size_t len = gc_batch_encoded_size(b);
	uint8_t *buf = malloc(len ? len : 1);
	struct gc_batch *again;
	char *err = NULL;

	if (!buf)
		abort();
	if (gc_batch_encode(b, buf) != len)
		abort();
	again = gc_batch_decode(b->signal, buf, len, &err);
	if (!again || again->items != b->items) {
		fprintf(stderr, "%s: the protobuf decoder %s %zu encoded bytes (%zu items): %s\n",
			gc_signal_name(b->signal), again ? "changed the count of" : "refused", len,
			b->items, err ? err : "");
		abort();
	}
	gc_batch_unref(again);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int s = 0; s < GC_SIGNAL_COUNT; s++) {
		char *err = NULL, *json;
		struct gc_batch *b = gc_batch_decode_json((enum gc_signal)s, (const char *)data, size,
							  &err);

		if (!b) {
			if (!err)
				abort(); /* a refusal always says why */
			free(err);
			continue;
		}
		if (err || b->signal != (enum gc_signal)s || gc_batch_count(b) != b->items)
			abort();
		check_encode(b);
		json = gc_otlp_json_encode(b->msg);
		if (!json)
			abort();
		free(json);
		gc_batch_unref(b);
	}
	return 0;
}
