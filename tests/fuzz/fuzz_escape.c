/* libFuzzer target: gc_metrics_label_value, the one escaper for text a client
 * sends that ends up in the Prometheus exposition. The first byte picks the
 * output size (1..256), the rest is the value. Whatever the input, the output
 * is NUL-terminated within the size, valid UTF-8, has no raw newline or
 * control character, every quote and backslash escaped, and is cut only on a
 * character boundary (a prefix of the escaped whole). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "telemetry.h"

static void check(const char *out, size_t n, size_t cap)
{
	if (n >= cap || out[n] != '\0' || strlen(out) != n) {
		fprintf(stderr, "length %zu does not fit %zu bytes\n", n, cap);
		abort();
	}
	for (size_t i = 0; i < n;) {
		size_t u = gc_utf8_length((const unsigned char *)out + i, n - i);

		if (!u || (unsigned char)out[i] < 0x20 || out[i] == 0x7f) {
			fprintf(stderr, "byte %zu (0x%02x) is not printable UTF-8\n", i,
				(unsigned char)out[i]);
			abort();
		}
		if (out[i] == '"') {
			fprintf(stderr, "a quote at %zu is not escaped\n", i);
			abort();
		}
		if (out[i] == '\\') {
			if (i + 1 >= n || !strchr("\\\"n", out[i + 1])) {
				fprintf(stderr, "a backslash at %zu escapes nothing\n", i);
				abort();
			}
			i += 2;
			continue;
		}
		i += u;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char small[257], *whole;
	size_t cap, n, wn;

	if (size < 1)
		return 0;
	cap = (size_t)data[0] + 1;
	n = gc_metrics_label_value(small, cap, (const char *)data + 1, size - 1);
	check(small, n, cap);
	/* the cut output is a prefix of the output with room for everything */
	whole = malloc(size * 3 + 1);
	wn = gc_metrics_label_value(whole, size * 3 + 1, (const char *)data + 1, size - 1);
	check(whole, wn, size * 3 + 1);
	if (n > wn || memcmp(small, whole, n)) {
		fprintf(stderr, "a cut of %zu bytes is not a prefix of the whole\n", n);
		abort();
	}
	free(whole);
	return 0;
}
