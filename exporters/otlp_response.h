/* What an OTLP backend answered, read the same way by the gRPC and HTTP
 * exporters. */
#ifndef GC_OTLP_RESPONSE_H
#define GC_OTLP_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include "component.h"

/* Reads partial_success from an encoded Export*ServiceResponse into res
 * (rejected_items and a heap rejected_message). Ignores what does not decode,
 * or cannot be decoded for lack of memory (the answer is then taken as a full
 * success); out of memory copying the message leaves rejected_message NULL. */
void gc_read_partial_success(enum gc_signal signal, const uint8_t *body, size_t len,
			     struct gc_send_result *res);

#endif
