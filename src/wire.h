/* Checks on OTLP wire bytes made before protobuf-c decodes them, without
 * allocating: protobuf-c 1.4.1 recurses once per nested message with no limit
 * (a request of nested AnyValue arrays a few MB long overflows the stack) and
 * keeps an overlong-encoded field number 0, which it then re-encodes as a tag
 * no decoder accepts, and merges repeats of a singular message field at a cost
 * quadratic in their number. */
#ifndef GC_WIRE_H
#define GC_WIRE_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#define GC_WIRE_MAX_DEPTH 100

/* Walks buf as a message of type d: every tag has a field number above 0 and a
 * valid wire type, every length fits, message fields nest at most max_depth
 * deep, and no singular message field appears twice in one message. Returns GC_OK or GC_ERROR with a reason in *err. */
int gc_wire_check(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
		  int max_depth, char **err);

#endif
